//! Outlets and reporters (issue 10) on both stores: how attribution lines find them, renames
//! and merges, the archive filters, related posts, and the migration's linking of old posts.

use dateline_core::*;
use dateline_testkit::{Db, fresh};

use crate::cases::new_post;

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// A published post quoting `reporter` of `outlet` at `url`, with `tags`.
fn quoting(title: &str, date: &str, reporter: Option<&str>, outlet: Option<&str>, url: Option<&str>, tags: &[&str]) -> NewPost {
    let mut post = new_post(title, date);
    post.write.source = Some(Source {
        reporter: reporter.map(str::to_string),
        outlet: outlet.map(str::to_string),
        url: url.map(str::to_string),
        excerpt: vec!["Quoted.".into()],
        ..Source::default()
    });
    post.tags = tags.iter().map(|t| t.to_string()).collect();
    post
}

fn names(bylines: &[Byline]) -> Vec<(&str, &str, i64)> {
    bylines.iter().map(|b| (b.name.as_str(), b.slug.as_str(), b.posts)).collect()
}

async fn listed(store: &dyn Store, filter: PostFilter) -> Vec<String> {
    let query = PostQuery { kind: PostKind::Post, filter, now: now(), page: 1, per_page: 20, sticky_first: false };
    store.list_posts(&query).await.expect("list").items.into_iter().map(|p| p.title).collect()
}

/// A post's reporters come in the order its line names them, whatever order they were first
/// seen in, and its terms by name, whatever order they were made in: both are sorted after
/// the read (the aggregates have no `ORDER BY`), on every read of a post.
pub async fn a_post_s_reporters_keep_the_line_s_order_and_terms_come_by_name(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    // Zoe, then Ana, then Mario are seen first, so their ids run that way.
    let first = quoting("First", "2024-05-01T10:00:00Z", Some("Zoe Zamora, Ana Alba and Mario Pentón"), None, None, &["Zinc", "Acre"]);
    store.create_post(first).await.expect("post");
    let second = quoting("Second", "2024-05-02T10:00:00Z", Some("Mario Pentón and Zoe Zamora"), None, None, &["Mango", "Zinc", "Acre"]);
    let second = store.create_post(second).await.expect("post");
    let reads = [
        store.post_by_id(second.id).await.expect("by id").expect("post"),
        store.post_page_by_slug(PostKind::Post, &second.slug).await.expect("page").expect("post").post,
        store
            .list_posts(&PostQuery { kind: PostKind::Post, filter: PostFilter::All, now: now(), page: 1, per_page: 1, sticky_first: false })
            .await
            .expect("list")
            .items
            .remove(0),
    ];
    for read in reads {
        assert_eq!(read.reporters.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Mario Pentón", "Zoe Zamora"]);
        assert_eq!(read.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Acre", "Mango", "Zinc"]);
    }
}

pub async fn attribution_lines_find_their_outlets_and_reporters(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let herald = "https://www.miamiherald.com/news/a.html";
    let first = store
        .create_post(quoting("First", "2024-05-01T10:00:00Z", Some("Nora Gámez Torres"), Some("Miami Herald"), Some(herald), &[]))
        .await
        .expect("post");
    // "The", case and accents fold; several reporters in one line become several.
    let second = store
        .create_post(quoting(
            "Second",
            "2024-05-02T10:00:00Z",
            Some("nora gamez torres y Mario Pentón"),
            Some("The Miami Herald"),
            Some("https://example.org/elsewhere"),
            &[],
        ))
        .await
        .expect("post");
    // No outlet name: found by the domain it was first seen on.
    let third = store
        .create_post(quoting("Third", "2024-05-03T10:00:00Z", Some("A, B & C"), None, Some("https://miamiherald.com/x"), &[]))
        .await
        .expect("post");
    // A new name on a known domain is another outlet (domains carry syndicated stories).
    let fourth = store
        .create_post(quoting("Fourth", "2024-05-04T10:00:00Z", None, Some("Herald"), Some("https://miamiherald.com/y"), &[]))
        .await
        .expect("post");
    let other = store.create_post(quoting("Other", "2024-05-05T10:00:00Z", None, Some("CiberCuba"), None, &[])).await.expect("post");

    let outlets = store.bylines(BylineKind::Outlet, now()).await.expect("outlets");
    assert_eq!(names(&outlets), [("CiberCuba", "cibercuba", 1), ("Herald", "herald", 1), ("Miami Herald", "miami-herald", 3)]);
    assert_eq!(outlets[2].domains, ["miamiherald.com"]);
    assert!(outlets[1].domains.is_empty(), "the first outlet seen on a domain keeps it");
    assert_eq!(outlets[2].public_posts, 3);
    let reporters = store.bylines(BylineKind::Reporter, now()).await.expect("reporters");
    assert_eq!(
        names(&reporters),
        [("A", "a", 1), ("B", "b", 1), ("C", "c", 1), ("Mario Pentón", "mario-penton", 1), ("Nora Gámez Torres", "nora-gamez-torres", 2)]
    );

    // What the posts carry: the attribution as written, and the links in the line's order.
    let second = store.post_by_id(second.id).await.expect("get").expect("post");
    assert_eq!(second.source.as_ref().and_then(|s| s.outlet.as_deref()), Some("The Miami Herald"));
    assert_eq!(second.outlet.as_ref().map(|o| o.slug.as_str()), Some("miami-herald"));
    assert_eq!(second.reporters.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(), ["nora-gamez-torres", "mario-penton"]);
    let third = store.post_by_id(third.id).await.expect("get").expect("post");
    assert_eq!(third.reporters.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    assert_eq!(third.outlet.as_ref().map(|o| o.name.as_str()), Some("Miami Herald"));
    assert_eq!(store.post_by_id(fourth.id).await.expect("get").expect("post").outlet.map(|o| o.slug).as_deref(), Some("herald"));
    assert_eq!(store.post_by_id(other.id).await.expect("get").expect("post").outlet.map(|o| o.slug).as_deref(), Some("cibercuba"));

    // The archives' filters.
    let herald_id = outlets[2].id;
    assert_eq!(listed(store, PostFilter::Outlet(herald_id)).await, ["Third", "Second", "First"]);
    let nora = reporters[4].id;
    assert_eq!(listed(store, PostFilter::Reporter(nora)).await, ["Second", "First"]);

    // Editing a post relinks it; removing the attribution unlinks it.
    let mut write = PostWrite::from_post(&store.post_by_id(first.id).await.expect("get").expect("post"));
    write.source = None;
    store.save_post(Some(first.id), write).await.expect("save");
    assert_eq!(listed(store, PostFilter::Reporter(nora)).await, ["Second"]);
    assert_eq!(listed(store, PostFilter::Outlet(herald_id)).await, ["Third", "Second"]);
}

pub async fn renames_keep_old_slugs_and_merges_move_everything(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    store.create_post(quoting("One", "2024-05-01T10:00:00Z", Some("Nora Gamez"), Some("Miami Herald"), None, &[])).await.expect("post");
    store
        .create_post(quoting("Two", "2024-05-02T10:00:00Z", Some("Nora Gámez Torres and Nora Gamez"), Some("miamiherald.com"), None, &[]))
        .await
        .expect("post");
    let outlets = store.bylines(BylineKind::Outlet, now()).await.expect("outlets");
    assert_eq!(names(&outlets), [("Miami Herald", "miami-herald", 1), ("miamiherald.com", "miamiherald-com", 1)]);
    let (herald, dotcom) = (outlets[0].id, outlets[1].id);
    assert_eq!(outlets[1].domains, ["miamiherald.com"], "a name that is a domain is known by it");

    // Rename: the old slug answers with the new one.
    store.update_byline(BylineKind::Outlet, herald, "The Miami Herald", "herald", &["herald.example".into()]).await.expect("rename");
    assert!(
        matches!(store.byline_by_slug(BylineKind::Outlet, "miami-herald", now()).await.expect("q"), Some(BylineFound::Moved(s)) if s == "herald")
    );
    // Taken slugs and domains are refused.
    let taken = store.update_byline(BylineKind::Outlet, herald, "X", "miamiherald-com", &[]).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let taken = store.update_byline(BylineKind::Outlet, herald, "X", "herald", &["miamiherald.com".into()]).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert!(matches!(store.update_byline(BylineKind::Outlet, 9999, "X", "x", &[]).await, Err(StoreError::NotFound(_))));

    // Merge the .com into the Herald: its posts, domains and slug follow.
    store.merge_bylines(BylineKind::Outlet, dotcom, herald).await.expect("merge");
    let outlets = store.bylines(BylineKind::Outlet, now()).await.expect("outlets");
    assert_eq!(names(&outlets), [("The Miami Herald", "herald", 2)]);
    assert_eq!(outlets[0].domains, ["herald.example", "miamiherald.com"]);
    assert!(
        matches!(store.byline_by_slug(BylineKind::Outlet, "miamiherald-com", now()).await.expect("q"), Some(BylineFound::Moved(s)) if s == "herald")
    );
    assert!(matches!(store.merge_bylines(BylineKind::Outlet, herald, herald).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.merge_bylines(BylineKind::Outlet, dotcom, herald).await, Err(StoreError::NotFound(_))));
    // A new post naming the merged one finds the survivor.
    let three = store.create_post(quoting("Three", "2024-05-03T10:00:00Z", None, Some("MiamiHerald.com"), None, &[])).await.expect("post");
    assert_eq!(store.post_by_id(three.id).await.expect("get").expect("post").outlet.map(|o| o.id), Some(herald));

    // Reporters: a post naming both keeps one link, first in its line.
    let reporters = store.bylines(BylineKind::Reporter, now()).await.expect("reporters");
    assert_eq!(names(&reporters), [("Nora Gamez", "nora-gamez", 2), ("Nora Gámez Torres", "nora-gamez-torres", 1)]);
    store.merge_bylines(BylineKind::Reporter, reporters[0].id, reporters[1].id).await.expect("merge");
    let reporters = store.bylines(BylineKind::Reporter, now()).await.expect("reporters");
    assert_eq!(names(&reporters), [("Nora Gámez Torres", "nora-gamez-torres", 2)]);
    assert_eq!(listed(store, PostFilter::Reporter(reporters[0].id)).await, ["Two", "One"]);
    let found = store.byline_by_slug(BylineKind::Reporter, "nora-gamez", now()).await.expect("q");
    assert!(matches!(found, Some(BylineFound::Moved(s)) if s == "nora-gamez-torres"));
    assert!(store.byline_by_id(BylineKind::Reporter, reporters[0].id, now()).await.expect("q").is_some());
    assert!(store.byline_by_slug(BylineKind::Reporter, "nobody", now()).await.expect("q").is_none());
}

pub async fn related_posts_rank_story_then_byline_then_tags(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let story = "https://www.miamiherald.com/story.html";
    let me = store
        .create_post(quoting("Me", "2024-05-10T10:00:00Z", Some("Nora"), Some("Miami Herald"), Some(story), &["cuba", "russia"]))
        .await
        .expect("post");
    let make = |title: &str, date: &str, reporter: Option<&str>, outlet: Option<&str>, url: Option<&str>, tags: &[&str]| {
        quoting(title, date, reporter, outlet, url, tags)
    };
    for post in [
        make("Tag old", "2024-05-01T10:00:00Z", None, None, None, &["cuba"]),
        make("Tag new", "2024-05-09T10:00:00Z", None, None, None, &["russia"]),
        make("Outlet", "2024-05-02T10:00:00Z", None, Some("The Miami Herald"), None, &[]),
        make("Reporter", "2024-05-03T10:00:00Z", Some("Ana and Nora"), Some("CiberCuba"), None, &["cuba"]),
        make("Same story old", "2024-05-04T10:00:00Z", None, None, Some(story), &[]),
        make("Same story new", "2024-05-08T10:00:00Z", None, None, Some(story), &[]),
        make("Unrelated", "2024-05-11T10:00:00Z", Some("Bo"), Some("Granma"), None, &["sports"]),
    ] {
        store.create_post(post).await.expect("post");
    }
    // Not shown: a draft on the same story, and a post from the future.
    let mut draft = make("Draft", "2024-05-09T10:00:00Z", None, None, Some(story), &[]);
    draft.write.status = PostStatus::Draft;
    store.create_post(draft).await.expect("post");
    store.create_post(make("Future", "2999-01-01T10:00:00Z", None, None, Some(story), &[])).await.expect("post");

    let titles = |related: Vec<PostLink>| related.into_iter().map(|r| r.title).collect::<Vec<_>>();
    assert_eq!(
        titles(store.related_posts(&me, now(), 5).await.expect("related")),
        ["Same story new", "Same story old", "Reporter", "Outlet", "Tag new"]
    );
    assert_eq!(
        titles(store.related_posts(&me, now(), 10).await.expect("related")),
        ["Same story new", "Same story old", "Reporter", "Outlet", "Tag new", "Tag old"]
    );
    // A post naming a reporter and nothing else (no address, no outlet): the reporter's posts.
    let named = store.create_post(make("Named", "2024-04-01T10:00:00Z", Some("Nora"), None, None, &[])).await.expect("post");
    assert!(named.source.as_ref().is_some_and(|s| s.url.is_none()) && named.outlet.is_none() && !named.reporters.is_empty());
    assert_eq!(titles(store.related_posts(&named, now(), 5).await.expect("related")), ["Me", "Reporter"]);
    // A link with nothing else (no reporter, no outlet known for its site): the same link's
    // other post.
    let link = "https://example.net/a-story";
    let first = store.create_post(make("Link first", "2024-04-02T10:00:00Z", None, None, Some(link), &[])).await.expect("post");
    store.create_post(make("Link again", "2024-04-03T10:00:00Z", None, None, Some(link), &[])).await.expect("post");
    assert!(first.reporters.is_empty() && first.outlet.is_none() && first.tags.is_empty(), "{first:?}");
    assert_eq!(titles(store.related_posts(&first, now(), 5).await.expect("related")), ["Link again"]);
    let unrelated = store.post_by_slug(PostKind::Post, "unrelated").await.expect("q").expect("post");
    assert!(store.related_posts(&unrelated, now(), 5).await.expect("related").is_empty());

    // Every tag of a post counts (each is asked on its own): one shared only by the last of
    // forty-five, as on WordPress's theme test data.
    let tags: Vec<String> = (0..45).map(|n| format!("topic {n:02}")).collect();
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let many = store.create_post(make("Many tags", "2024-05-12T10:00:00Z", None, None, None, &tags)).await.expect("post");
    store.create_post(make("Shares the last", "2024-05-05T10:00:00Z", None, None, None, &["topic 44"])).await.expect("post");
    assert_eq!(titles(store.related_posts(&many, now(), 5).await.expect("related")), ["Shares the last"]);
}

pub async fn a_blog_from_before_bylines_gets_its_posts_linked(db: Db) {
    let Some(test) = fresh(db).await else { return };
    test.store
        .create_post(quoting("Old", "2024-05-01T10:00:00Z", Some("Ana Ruiz & Bo Li"), Some("The Miami Herald"), None, &[]))
        .await
        .expect("post");
    test.store.create_post(quoting("Older", "2024-04-01T10:00:00Z", None, Some("Miami Herald"), None, &[])).await.expect("post");
    // The store as it was before migration 10.
    for sql in [
        "DROP TABLE post_reporters",
        "DROP TABLE post_outlets",
        "DROP INDEX posts_by_source_url",
        "DROP TABLE outlet_keys",
        "DROP TABLE reporter_keys",
        "DROP TABLE outlets",
        "DROP TABLE reporters",
        "DELETE FROM dateline_migrations WHERE version = 10",
    ] {
        test.execute(sql).await;
    }
    let reopened: std::sync::Arc<dyn Store> = std::sync::Arc::new(dateline_store::SqlStore::open(&test.url).await.expect("migrate"));
    let outlets = reopened.bylines(BylineKind::Outlet, now()).await.expect("outlets");
    assert_eq!(names(&outlets), [("The Miami Herald", "miami-herald", 2)]);
    let reporters = reopened.bylines(BylineKind::Reporter, now()).await.expect("reporters");
    assert_eq!(names(&reporters), [("Ana Ruiz", "ana-ruiz", 1), ("Bo Li", "bo-li", 1)]);
}

/// A post page's one statement for what surrounds the post gives what the separate reads give,
/// and leaves out what it is not asked for.
pub async fn a_post_page_s_surroundings_are_what_the_separate_reads_give(db: Db) {
    use dateline_core::sources::{Finding, SourceLink};
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let story = "https://www.miamiherald.com/gone.html";
    let mut me = quoting("Me", "2024-05-10T10:00:00Z", Some("Nora"), Some("Miami Herald"), Some(story), &["cuba"]);
    me.categories = vec![vec!["World".into()]];
    let me = store.create_post(me).await.expect("post");
    let plain = store.create_post(quoting("Plain", "2024-05-09T10:00:00Z", None, None, None, &["cuba"])).await.expect("post");
    store.create_post(quoting("Same story", "2024-05-08T10:00:00Z", None, None, Some(story), &[])).await.expect("post");
    let mut about = new_post("About", "2024-01-01T00:00:00Z");
    about.write.kind = PostKind::Page;
    store.create_post(about).await.expect("page");
    let first = store.create_comment(me.id, None, crate::methods::reader_comment("first")).await.expect("comment");
    store.create_comment(me.id, Some(first.id), crate::methods::reader_comment("reply")).await.expect("reply");
    let held = NewComment { status: CommentStatus::Pending, ..crate::methods::reader_comment("held") };
    store.create_comment(me.id, None, held).await.expect("held");
    let gone = SourceLink::unchecked(story).after(&Finding::Missing { status: 404, final_url: story.into() }, now());
    store.record_source_check(&gone.after(&Finding::Missing { status: 404, final_url: story.into() }, now())).await.expect("check");
    assert_eq!(store.gone_sources(&[story.to_string()]).await.expect("gone"), [story]);

    let all = Surroundings { frame: Some(20), comments: Some(CommentStatus::Approved), related: 5, source_gone: true };
    let read = store.post_surroundings(&me, now(), all).await.expect("surroundings");
    let frame = read.frame.expect("frame");
    assert_eq!(frame, store.site_frame(now(), 20).await.expect("frame"));
    assert_eq!(frame.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["World"]);
    assert_eq!(frame.pages.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["About"]);
    assert_eq!(read.comment_tree, Some(store.comment_tree(me.id, CommentStatus::Approved).await.expect("tree")));
    assert_eq!(read.comment_tree.as_ref().map(Vec::len), Some(2));
    let related = read.related.expect("related");
    assert_eq!(related, store.related_posts(&me, now(), 5).await.expect("related"));
    assert_eq!(related.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Same story", "Plain"]);
    assert!(read.source_gone);

    let held = Surroundings { frame: Some(20), comments: Some(CommentStatus::Pending), related: 1, source_gone: true };
    let read = store.post_surroundings(&me, now(), held).await.expect("surroundings");
    assert_eq!(read.comment_tree, Some(store.comment_tree(me.id, CommentStatus::Pending).await.expect("tree")));
    assert_eq!(read.comment_tree.as_ref().map(Vec::len), Some(1));
    assert_eq!(read.related.expect("related").iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Same story"]);

    let nothing = Surroundings { frame: Some(0), comments: None, related: 0, source_gone: true };
    let read = store.post_surroundings(&plain, now(), nothing).await.expect("surroundings");
    let frame = read.frame.expect("frame");
    assert_eq!((frame.pages.len(), read.comment_tree, read.related), (0, None, None));
    assert_eq!(frame.categories.len(), 1);
    assert!(!read.source_gone, "a post without a source");

    // Nothing can be related to a post without a source, reporter, outlet or tag, though other
    // posts are all of those.
    let bare = store.create_post(quoting("Bare", "2024-05-07T10:00:00Z", None, None, None, &[])).await.expect("post");
    let read = store.post_surroundings(&bare, now(), all).await.expect("surroundings");
    assert_eq!(read.related, Some(Vec::new()));
    assert!(store.related_posts(&bare, now(), 5).await.expect("related").is_empty());
    assert!(!read.source_gone);
}

pub async fn a_post_s_comments_version_moves_with_every_write_to_them(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let versions = |post: Post| async move {
        let read = store.post_page_by_slug(PostKind::Post, &post.slug).await.expect("read").expect("post");
        let asked = Surroundings { frame: None, comments: Some(CommentStatus::Approved), related: 0, source_gone: false };
        let around = store.post_surroundings(&read.post, now(), asked).await.expect("surroundings");
        assert_eq!(around.versions, read.versions, "both reads give the same versions");
        (read.versions.comments, around.comment_tree.map(|tree| tree.len()))
    };
    let mut seen = std::collections::HashSet::new();
    let mut moved = |version: i64, before: i64| {
        assert_ne!(version, before, "the version moved");
        assert!(seen.insert(version), "version {version} was given before");
    };
    let other = store.create_post(new_post("Other", "2024-05-09T10:00:00Z")).await.expect("post");
    let me = store.create_post(new_post("Me", "2024-05-10T10:00:00Z")).await.expect("post");
    assert_eq!(versions(me.clone()).await, (0, Some(0)), "no comment was ever written");

    // The store's own writes: a new comment, a reply, a change of status.
    let first = store.create_comment(me.id, None, crate::methods::reader_comment("first")).await.expect("comment");
    let (v1, tree) = versions(me.clone()).await;
    moved(v1, 0);
    assert_eq!(tree, Some(1));
    assert_eq!(versions(me.clone()).await, (v1, Some(1)), "read again, the same");
    let reply = store.create_comment(me.id, Some(first.id), crate::methods::reader_comment("reply")).await.expect("reply");
    let (v2, tree) = versions(me.clone()).await;
    moved(v2, v1);
    assert_eq!(tree, Some(2));
    store.set_comment_status(reply.id, CommentStatus::Pending).await.expect("hold");
    let (v3, tree) = versions(me.clone()).await;
    moved(v3, v2);
    assert_eq!(tree, Some(1), "a held comment leaves the approved tree");

    // Another post's comments leave this post's version alone.
    let theirs = store.create_comment(other.id, None, crate::methods::reader_comment("theirs")).await.expect("comment");
    assert_eq!(versions(me.clone()).await.0, v3);

    // SQL behind Dateline's back, as a console or an older Dateline would write: an edit, a
    // comment moved between posts (both move), a deletion.
    test.execute(&format!("UPDATE comments SET body = 'edited' WHERE id = {}", first.id)).await;
    let (v4, _) = versions(me.clone()).await;
    moved(v4, v3);
    let (theirs_before, _) = versions(other.clone()).await;
    test.execute(&format!("UPDATE comments SET post_id = {} WHERE id = {}", me.id, theirs.id)).await;
    let (v5, tree) = versions(me.clone()).await;
    moved(v5, v4);
    assert_eq!(tree, Some(2));
    let (theirs_after, tree) = versions(other.clone()).await;
    moved(theirs_after, theirs_before);
    assert_eq!(tree, Some(0));
    test.execute(&format!("DELETE FROM comments WHERE id = {}", theirs.id)).await;
    let (v6, tree) = versions(me.clone()).await;
    moved(v6, v5);
    assert_eq!(tree, Some(1));

    // A post deleted with its comments, and a new post after it: the new post's comments never
    // take a version the old post's had (nor any other).
    store.delete_post(me.id).await.expect("delete");
    let next = store.create_post(new_post("Next", "2024-05-11T10:00:00Z")).await.expect("post");
    store.create_comment(next.id, None, crate::methods::reader_comment("new")).await.expect("comment");
    let (v7, tree) = versions(next.clone()).await;
    moved(v7, v6);
    assert_eq!(tree, Some(1));
}

/// A restore puts back the numbers instances keep pages' parts by (versions, comment ids and
/// revisions) to what they were when the backup was taken; moved past what the store had
/// given before it, none is a number given before, and the next writes give new ones too.
pub async fn numbers_moved_past_a_restore_are_none_given_before_it(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let page_versions =
        |slug: &'static str| async move { store.post_page_by_slug(PostKind::Post, slug).await.expect("read").expect("post").versions };
    let me = store.create_post(new_post("Me", "2024-05-10T10:00:00Z")).await.expect("post");
    let other = store.create_post(new_post("Other", "2024-05-11T10:00:00Z")).await.expect("post");
    let mut comments = Vec::new();
    for post in [&me, &other, &me] {
        comments.push(store.create_comment(post.id, None, crate::methods::reader_comment("said")).await.expect("comment"));
    }
    store.set_comment_status(comments[0].id, CommentStatus::Pending).await.expect("hold");
    let mut before = vec![page_versions("me").await, page_versions("other").await];
    let given = dateline_store::SqlStore::given_numbers(store).await.expect("given");
    assert_eq!(given.content_version, before[0].content);
    assert!(given.comments_version >= before[0].comments.max(before[1].comments), "{given:?} {before:?}");
    assert_eq!((given.comment_id, given.comment_revision), (comments[2].id, 1), "{given:?}");

    // As a restore of an older backup leaves them: the last comment gone (its id free
    // again), the held one not yet held, every version back near its start.
    test.execute(&format!("DELETE FROM comments WHERE id = {}", comments[2].id)).await;
    let unheld = format!("UPDATE comments SET revision = 0, status = 'approved' WHERE id = {}", comments[0].id);
    match db {
        // Its trigger would make the revision one more than it was, whatever is set.
        Db::Postgres => {
            test.execute(&format!(
                "ALTER TABLE comments DISABLE TRIGGER comments_revision; {unheld}; ALTER TABLE comments ENABLE TRIGGER comments_revision"
            ))
            .await
        }
        Db::Sqlite => test.execute(&unheld).await,
    }
    test.execute("UPDATE content_version SET version = 1").await;
    test.execute("UPDATE comment_versions SET version = 1 WHERE post_id = (SELECT MIN(post_id) FROM comment_versions)").await;
    test.execute("UPDATE comment_versions SET version = 2 WHERE post_id = (SELECT MAX(post_id) FROM comment_versions)").await;
    match db {
        Db::Postgres => {
            test.execute("SELECT setval('comment_version_numbers', 2)").await;
            test.execute(&format!("SELECT setval(pg_get_serial_sequence('comments', 'id'), {})", comments[1].id)).await;
        }
        Db::Sqlite => test.execute(&format!("UPDATE sqlite_sequence SET seq = {} WHERE name = 'comments'", comments[1].id)).await,
    }
    dateline_store::SqlStore::move_past(store, given).await.expect("move");
    let after = [page_versions("me").await, page_versions("other").await];
    let past = |v: &PageVersions| v.content > given.content_version && v.comments > given.comments_version;
    assert!(after.iter().all(past), "{after:?} past {given:?}");
    assert_ne!(after[0].comments, after[1].comments, "each post's comments keep a version of their own");

    // The next writes: numbers never given before either.
    let held = store.set_comment_status(comments[0].id, CommentStatus::Pending).await;
    held.expect("hold again");
    let next = store.create_comment(other.id, None, crate::methods::reader_comment("next")).await.expect("comment");
    assert!(next.id > given.comment_id, "a new comment's id {} was given before", next.id);
    store.create_post(new_post("Next", "2024-05-12T10:00:00Z")).await.expect("post");
    before.extend(after);
    let now_at = [page_versions("me").await, page_versions("other").await];
    for version in &now_at {
        assert!(before.iter().all(|v| v.content != version.content && v.comments != version.comments), "{version:?} among {before:?}");
    }
    let moved = dateline_store::SqlStore::given_numbers(store).await.expect("given");
    assert!(moved.comment_revision > given.comment_revision, "{moved:?}");
    assert_eq!(moved.content_version, now_at[1].content);
}

pub async fn the_content_version_moves_with_every_write_to_what_pages_show_of_other_posts(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.store.as_ref();
    let at = now();
    let asked = Surroundings { frame: Some(20), comments: None, related: 5, source_gone: false };
    let mut me = quoting("Me", "2024-05-10T10:00:00Z", None, None, None, &["cuba"]);
    me.categories = vec![vec!["World".into()]];
    let me = store.create_post(me).await.expect("post");
    let other = quoting("Other", "2024-05-09T10:00:00Z", Some("Nora"), Some("Miami Herald"), None, &["cuba"]);
    let other = store.create_post(other).await.expect("post");
    let content = || async { store.post_page_by_slug(PostKind::Post, "me").await.expect("read").expect("post").versions.content };
    let titles = |read: &PostSurroundings| read.related.iter().flatten().map(|p| p.title.clone()).collect::<Vec<_>>();
    let categories =
        |read: &PostSurroundings| read.frame.iter().flat_map(|f| f.categories.iter().map(|c| c.name.clone())).collect::<Vec<_>>();
    let read = store.post_surroundings(&me, at, asked).await.expect("surroundings");
    assert_eq!(read.versions.content, content().await);
    assert_eq!(titles(&read), ["Other"]);
    assert_eq!(read.content_due, None, "no post will become due");
    let mut seen = std::collections::HashSet::from([read.versions.content]);
    let v1 = content().await;

    // Comments are not part of it, and a check for scheduled posts with none due writes nothing
    // (every instance makes one each minute).
    store.create_comment(me.id, None, crate::methods::reader_comment("first")).await.expect("comment");
    assert_eq!(store.publish_due_posts(at).await.expect("publish"), 0);
    assert_eq!(content().await, v1);

    // SQL behind Dateline's back: a post renamed, a category renamed, a tag taken off.
    let mut last = v1;
    let mut changed = |version: i64| {
        assert_ne!(version, last, "the version moved");
        assert!(seen.insert(version), "version {version} was seen before");
        last = version;
    };
    test.execute(&format!("UPDATE posts SET title = 'Renamed' WHERE id = {}", other.id)).await;
    changed(content().await);
    assert_eq!(titles(&store.post_surroundings(&me, at, asked).await.expect("surroundings")), ["Renamed"]);
    test.execute("UPDATE terms SET name = 'Planet' WHERE taxonomy = 'category'").await;
    changed(content().await);
    assert_eq!(categories(&store.post_surroundings(&me, at, asked).await.expect("surroundings")), ["Planet"]);
    test.execute(&format!("DELETE FROM post_terms WHERE post_id = {}", other.id)).await;
    changed(content().await);
    assert!(titles(&store.post_surroundings(&me, at, asked).await.expect("surroundings")).is_empty());
    // Its reporter and outlet, which related posts also go by.
    test.execute(&format!("DELETE FROM post_reporters WHERE post_id = {}", other.id)).await;
    changed(content().await);
    test.execute(&format!("DELETE FROM post_outlets WHERE post_id = {}", other.id)).await;
    changed(content().await);

    // A related post dated an hour ahead: not shown, and when it becomes due is said.
    let soon = (at + jiff::SignedDuration::from_hours(1)).round(jiff::Unit::Second).expect("round");
    store.create_post(quoting("Soon", &soon.to_string(), None, None, None, &["cuba"])).await.expect("post");
    changed(content().await);
    let read = store.post_surroundings(&me, at, asked).await.expect("surroundings");
    assert!(titles(&read).is_empty());
    assert_eq!(read.content_due, Some(soon));
    let read = store.post_surroundings(&me, soon + jiff::SignedDuration::from_secs(1), asked).await.expect("surroundings");
    assert_eq!(titles(&read), ["Soon"]);
    // Nothing asked that could change by then: the time is not read.
    let nothing = Surroundings { frame: None, comments: None, related: 0, source_gone: false };
    assert_eq!(store.post_surroundings(&me, at, nothing).await.expect("surroundings").content_due, None);
}
