//! Keeping sources alive, in the store: the `sources` rows filled from the posts that cite
//! them, what a check leaves, updating moved links, and the lease that lets one instance of
//! several run the checks.

use std::sync::Arc;

use dateline_core::sources::{Finding, SourceLink};
use dateline_core::*;
use dateline_testkit::{Db, fresh};
use jiff::{SignedDuration, Timestamp};

const A: &str = "https://news.example/a";
const B: &str = "https://news.example/b";
const DRAFTED: &str = "https://news.example/drafted";

/// A post citing `url` with `status`.
async fn cite(store: &Arc<dyn Store>, title: &str, url: &str, status: PostStatus) -> Post {
    let mut post = crate::cases::new_post(title, "2024-05-01T00:00:00Z");
    post.write.status = status;
    post.write.source = Some(Source { url: Some(url.into()), outlet: Some("News".into()), ..Source::default() });
    store.create_post(post).await.expect("create")
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + seconds).expect("time")
}

pub async fn sources_come_from_cited_posts_and_keep_what_checks_found(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let first = cite(&store, "First", A, PostStatus::Published).await;
    let second = cite(&store, "Second", A, PostStatus::Scheduled).await;
    cite(&store, "Third", B, PostStatus::Published).await;
    cite(&store, "Draft", DRAFTED, PostStatus::Draft).await;

    assert_eq!(store.add_missing_sources().await.expect("fill"), 2, "one row per cited URL; a draft's link is not cited");
    assert_eq!(store.add_missing_sources().await.expect("fill again"), 0);
    let listed = store.sources(None).await.expect("list");
    assert_eq!(listed, vec![SourceLink::unchecked(A), SourceLink::unchecked(B)]);
    assert_eq!(store.source_counts().await.expect("counts"), vec![(SourceState::Unchecked, 2)]);

    // Two 404s in a row: gone, with every field kept.
    let once = SourceLink::unchecked(A).after(&Finding::Missing { status: 404, final_url: A.into() }, at(0));
    store.record_source_check(&once).await.expect("record");
    let twice = once.after(&Finding::Missing { status: 410, final_url: A.into() }, at(60));
    store.record_source_check(&twice).await.expect("record");
    let read = store.source(A).await.expect("read").expect("row");
    assert_eq!(read, twice);
    assert_eq!((read.state, read.http_status, read.failures, read.missing_strikes), (SourceState::Gone, Some(410), 2, 2));
    assert_eq!(read.last_checked_at, Some(at(60)));
    assert_eq!(read.problem.as_deref(), Some("the address answered 410"));

    assert_eq!(store.sources(Some(SourceState::Gone)).await.expect("gone").iter().map(|s| s.url.as_str()).collect::<Vec<_>>(), [A]);
    assert!(store.sources(Some(SourceState::Moved)).await.expect("moved").is_empty());
    // A page's posts ask in one go which of their sources are gone.
    let page = [B.to_string(), A.to_string(), "https://news.example/never".to_string()];
    assert_eq!(store.gone_sources(&page).await.expect("gone of a page"), [A]);
    assert!(store.gone_sources(&[]).await.expect("no posts").is_empty());
    assert_eq!(store.source_counts().await.expect("counts"), vec![(SourceState::Unchecked, 1), (SourceState::Gone, 1)]);

    let citing = store.posts_citing(&[A.into()]).await.expect("posts");
    assert_eq!(
        citing.iter().map(|p| (p.id, p.status)).collect::<Vec<_>>(),
        [(first.id, PostStatus::Published), (second.id, PostStatus::Scheduled)]
    );
    assert!(store.posts_citing(&[]).await.expect("none").is_empty());
    assert!(store.source("https://news.example/never").await.expect("read").is_none());
}

pub async fn moved_links_are_rewritten_to_their_final_address(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let first = cite(&store, "First", A, PostStatus::Published).await;
    let second = cite(&store, "Second", A, PostStatus::Draft).await;
    let other = cite(&store, "Other", B, PostStatus::Published).await;
    store.add_missing_sources().await.expect("fill");
    let new_home = "https://news.example/2024/a";
    let moved = SourceLink::unchecked(A).after(&Finding::Page { status: 200, final_url: new_home.into(), moved: true }, at(0));
    store.record_source_check(&moved).await.expect("record");
    let ok = SourceLink::unchecked(B).after(&Finding::Page { status: 200, final_url: B.into(), moved: false }, at(0));
    store.record_source_check(&ok).await.expect("record");

    // B is not moved: asking for it changes nothing.
    assert_eq!(store.update_moved_links(&[A.into(), B.into()]).await.expect("update"), 2, "both posts citing A");
    for id in [first.id, second.id] {
        let post = store.post_by_id(id).await.expect("read").expect("post");
        assert_eq!(post.source.expect("source").url.as_deref(), Some(new_home));
    }
    assert_eq!(store.post_by_id(other.id).await.expect("read").expect("post").source.expect("source").url.as_deref(), Some(B));
    assert!(store.source(A).await.expect("read").is_none(), "the old link's row is gone with its posts");
    let arrived = store.source(new_home).await.expect("read").expect("the new link's row");
    assert_eq!((arrived.state, arrived.final_url.as_deref(), arrived.last_good_at), (SourceState::Ok, Some(new_home), Some(at(0))));
    assert_eq!(store.source_counts().await.expect("counts"), vec![(SourceState::Ok, 2)]);
    assert_eq!(store.update_moved_links(&[A.into()]).await.expect("again"), 0, "nothing is moved any more");
}

pub async fn a_lease_has_one_holder_until_it_expires(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let minute = SignedDuration::from_mins(1);
    let now = Timestamp::now();

    // Two contenders at the same moment, eight times over on fresh names: one wins each time.
    for round in 0..8 {
        let name = format!("race-{round}");
        let (one, two) = tokio::join!(store.take_lease(&name, "one", now, now + minute), store.take_lease(&name, "two", now, now + minute));
        assert!(one.expect("one asks") ^ two.expect("two asks"), "round {round}: exactly one holder");
    }

    assert!(store.take_lease("sources-check", "one", now, now + minute).await.expect("take"));
    assert!(!store.take_lease("sources-check", "two", now, now + minute).await.expect("refused"), "held by one");
    assert!(!store.take_lease("sources-check", "one", now, now + minute).await.expect("again"), "taking is for free leases only");
    assert!(store.hold_lease_until("sources-check", "one", now + minute).await.expect("the holder keeps it"));
    assert!(!store.hold_lease_until("sources-check", "two", now + minute * 60).await.expect("not two's"));

    // Past its end, the other contender gets it, and the first no longer holds it.
    let later = now + minute * 2;
    assert!(store.take_lease("sources-check", "two", later, later + minute).await.expect("expired"));
    assert!(!store.take_lease("sources-check", "one", later, later + minute).await.expect("two's now"));
    assert!(!store.hold_lease_until("sources-check", "one", later).await.expect("not one's"));

    // The holder keeps others off until a time it sets (the next run), then lets it go early.
    assert!(store.hold_lease_until("sources-check", "two", later + minute * 60).await.expect("hold"));
    assert!(!store.take_lease("sources-check", "one", later + minute * 30, later + minute * 31).await.expect("still two's"));
    assert!(store.hold_lease_until("sources-check", "two", later).await.expect("let go"));
    assert!(store.take_lease("sources-check", "one", later, later + minute).await.expect("free again"));
}
