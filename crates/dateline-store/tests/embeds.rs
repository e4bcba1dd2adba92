//! The oEmbed answers kept for embeds: one row per link, replaced by a newer answer; the
//! thumbnail is a media item, and deleting that item leaves the answer without one.

use dateline_core::embeds::EmbedAnswer;
use dateline_testkit::{Db, fresh};
use jiff::Timestamp;

const VIDEO: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1";

fn answer(title: &str, thumbnail_media: Option<i64>, seconds: i64) -> EmbedAnswer {
    EmbedAnswer {
        url: VIDEO.into(),
        provider: "youtube".into(),
        provider_name: Some("YouTube".into()),
        title: Some(title.into()),
        author_name: Some("Ann Lee".into()),
        author_url: Some("https://www.youtube.com/@ann".into()),
        thumbnail_url: thumbnail_media.map(|_| "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg".into()),
        thumbnail_media,
        player_url: Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1".into()),
        fetched_at: Timestamp::from_second(1_700_000_000 + seconds).expect("time"),
        failure: None,
    }
}

pub async fn embeds_keep_the_latest_answer_and_their_thumbnail(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    assert!(store.embeds(&[VIDEO.into()]).await.expect("none yet").is_empty());

    let author = store.create_user(crate::methods::new_user("ana", dateline_core::Role::Author)).await.expect("user").id;
    let picture = store.add_media(crate::media::upload(author, "Thumb", b"thumbnail bytes", "2026-01-01T00:00:00Z")).await.expect("media");
    let first = store.save_embed(&answer("First", Some(picture.id), 0)).await.expect("save");
    assert_eq!(first.answer, answer("First", Some(picture.id), 0));

    // A newer answer replaces the row (same id).
    let failed = EmbedAnswer { failure: Some("no answer within 10 s".into()), title: None, ..answer("", None, 60) };
    let second = store.save_embed(&failed).await.expect("replace");
    assert_eq!(second.id, first.id);
    assert_eq!(second.answer, failed);
    let listed = store.embeds(&[VIDEO.into(), "https://vimeo.com/1".into()]).await.expect("list");
    assert_eq!(listed, vec![second]);
    assert_eq!(store.embed_thumbnail(first.id).await.expect("no bytes kept in the row"), None);

    // The thumbnail deleted from the media library: the answer stays, without it.
    store.save_embed(&answer("Third", Some(picture.id), 120)).await.expect("save");
    store.delete_media(picture.id).await.expect("delete");
    let kept = store.embeds(&[VIDEO.into()]).await.expect("list");
    assert_eq!(kept[0].answer, EmbedAnswer { thumbnail_media: None, ..answer("Third", Some(picture.id), 120) });
}
