//! The oEmbed answers kept for embeds: one row per link, replaced by a newer answer, the
//! thumbnail's bytes kept exactly and read apart.

use dateline_core::embeds::{EmbedWrite, Thumbnail};
use dateline_testkit::{Db, fresh};
use jiff::Timestamp;

const VIDEO: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1";

fn answer(title: &str, thumbnail: Option<Thumbnail>, seconds: i64) -> EmbedWrite {
    EmbedWrite {
        url: VIDEO.into(),
        provider: "youtube".into(),
        provider_name: Some("YouTube".into()),
        title: Some(title.into()),
        author_name: Some("Ann Lee".into()),
        author_url: Some("https://www.youtube.com/@ann".into()),
        thumbnail,
        player_url: Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1".into()),
        fetched_at: Timestamp::from_second(1_700_000_000 + seconds).expect("time"),
        failure: None,
    }
}

pub async fn embeds_keep_the_latest_answer_and_their_thumbnail(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    assert!(store.embeds(&[VIDEO.into()]).await.expect("none yet").is_empty());

    // Every byte value, a NUL among them, comes back as it went in.
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0xFF, 0xD8]).collect();
    let first = store
        .save_embed(&answer("First", Some(Thumbnail { bytes: bytes.clone(), content_type: "image/jpeg".into() }), 0))
        .await
        .expect("save");
    assert_eq!((first.title.as_deref(), first.thumbnail_type.as_deref()), (Some("First"), Some("image/jpeg")));
    assert_eq!(store.embed_thumbnail(first.id).await.expect("thumbnail"), Some(Thumbnail { bytes, content_type: "image/jpeg".into() }));

    // A newer answer replaces the row (same id); a failure keeps no thumbnail.
    let failed = EmbedWrite { failure: Some("no answer within 10 s".into()), title: None, ..answer("", None, 60) };
    let second = store.save_embed(&failed).await.expect("replace");
    assert_eq!(second.id, first.id);
    assert_eq!(second.failure.as_deref(), Some("no answer within 10 s"));
    assert_eq!(second.fetched_at.as_second(), 1_700_000_060);
    assert_eq!(store.embed_thumbnail(first.id).await.expect("thumbnail"), None);
    let listed = store.embeds(&[VIDEO.into(), "https://vimeo.com/1".into()]).await.expect("list");
    assert_eq!(listed, vec![second]);
    assert_eq!(store.embed_thumbnail(first.id + 1000).await.expect("no such embed"), None);
}
