//! The media library's store: an upload is stored whole or not at all, its files are served
//! by hash on both backends, and the library's filters, edits and deletes.

use dateline_core::media::*;
use dateline_core::*;
use dateline_media::content_hash;
use dateline_testkit::{Db, fresh};
use jiff::Timestamp;

use crate::cases::new_post;
use crate::methods::new_user;

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn file(bytes: &[u8], mime: &str, width: Option<u32>) -> NewFile {
    NewFile { content_hash: content_hash(bytes), mime_type: mime.into(), width, height: width.map(|w| w / 2), bytes: bytes.to_vec() }
}

pub(crate) fn upload(author: UserId, title: &str, bytes: &[u8], created: &str) -> NewMedia {
    NewMedia {
        author_id: author,
        title: title.into(),
        alt_text: String::new(),
        caption: String::new(),
        file_name: format!("{}.jpg", title.to_lowercase().replace(' ', "-")),
        original: file(bytes, "image/jpeg", Some(2000)),
        variants: vec![
            file(&[bytes, b"-320"].concat(), "image/jpeg", Some(320)),
            file(&[bytes, b"-320w"].concat(), "image/webp", Some(320)),
        ],
        created_at: at(created),
    }
}

pub async fn an_upload_round_trips_and_its_files_are_served_by_hash(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let author = store.create_user(new_user("ana", Role::Author)).await.expect("user").id;
    let item = store.add_media(upload(author, "Harbour at dawn", b"photo bytes", "2025-03-04T05:06:07Z")).await.expect("add");
    assert_eq!(item.title, "Harbour at dawn");
    assert_eq!((item.width, item.height, item.byte_size), (Some(2000), Some(1000), 11));
    assert_eq!(item.path(), format!("/media/{}/harbour-at-dawn.jpg", content_hash(b"photo bytes")));
    let kinds: Vec<(&str, u32)> = item.variants.iter().map(|v| (v.mime_type.as_str(), v.width)).collect();
    assert_eq!(kinds, vec![("image/jpeg", 320), ("image/webp", 320)]);
    assert_eq!(store.media_item(item.id).await.expect("get"), Some(item.clone()));

    let original = store.media_file(&item.content_hash).await.expect("file").expect("there");
    assert_eq!((original.mime_type.as_str(), original.bytes.as_slice()), ("image/jpeg", &b"photo bytes"[..]));
    let webp = store.media_file(&item.variants[1].content_hash).await.expect("variant").expect("there");
    assert_eq!((webp.mime_type.as_str(), webp.bytes.as_slice()), ("image/webp", &b"photo bytes-320w"[..]));
    assert_eq!(store.media_file(&content_hash(b"never uploaded")).await.expect("absent"), None);
    assert_eq!(store.media_file("../../etc/passwd").await.expect("refused"), None);
}

pub async fn many_items_come_with_their_variants_in_one_call(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let author = store.create_user(new_user("ana", Role::Author)).await.expect("user").id;
    let harbour = store.add_media(upload(author, "Harbour", b"one", "2025-03-04T05:06:07Z")).await.expect("add");
    let market = store.add_media(upload(author, "Market", b"two", "2025-03-05T05:06:07Z")).await.expect("add");
    // Asked twice, with an id that is not there: each item once, with its variants.
    let mut found = store.media_items(&[market.id, 9999, harbour.id, market.id]).await.expect("items");
    found.sort_by_key(|m| m.id);
    assert_eq!(found, vec![harbour.clone(), market.clone()]);
    assert_eq!(found[1].variants.len(), 2);
    assert_eq!(store.media_items(&[]).await.expect("none"), Vec::<MediaItem>::new());
    store.delete_media(harbour.id).await.expect("delete");
    assert_eq!(store.media_items(&[harbour.id]).await.expect("deleted"), Vec::<MediaItem>::new());
}

pub async fn the_library_is_searched_and_filtered_by_type_and_month(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let author = store.create_user(new_user("ana", Role::Author)).await.expect("user").id;
    store.add_media(upload(author, "Harbour at dawn", b"one", "2025-03-04T05:06:07Z")).await.expect("add");
    store.add_media(upload(author, "Market 100%", b"two", "2025-04-01T00:00:00Z")).await.expect("add");
    let mut pdf = upload(author, "Annual report", b"%PDF-1.4", "2025-04-02T00:00:00Z");
    pdf.original.mime_type = "application/pdf".into();
    pdf.variants.clear();
    store.add_media(pdf).await.expect("add pdf");

    let titles = |page: Page<MediaItem>| page.items.into_iter().map(|m| m.title).collect::<Vec<_>>();
    let all = MediaQuery { page: 1, per_page: 10, ..MediaQuery::default() };
    assert_eq!(titles(store.list_media(&all).await.expect("all")), ["Annual report", "Market 100%", "Harbour at dawn"]);
    let search = MediaQuery { search: Some("HARBOUR".into()), ..all.clone() };
    assert_eq!(titles(store.list_media(&search).await.expect("search")), ["Harbour at dawn"]);
    let percent = MediaQuery { search: Some("0%".into()), ..all.clone() };
    assert_eq!(titles(store.list_media(&percent).await.expect("percent")), ["Market 100%"]);
    let images = MediaQuery { mime_prefix: Some("image/".into()), ..all.clone() };
    assert_eq!(store.list_media(&images).await.expect("images").total, 2);
    let april = MediaQuery { between: Some((at("2025-04-01T00:00:00Z"), at("2025-05-01T00:00:00Z"))), ..all.clone() };
    assert_eq!(titles(store.list_media(&april).await.expect("april")), ["Annual report", "Market 100%"]);
    let second = MediaQuery { page: 2, per_page: 2, ..all.clone() };
    let page = store.list_media(&second).await.expect("page 2");
    assert_eq!((page.total, page.items.len()), (3, 1));
    assert_eq!(store.media_months().await.expect("months"), vec![(2025, 4), (2025, 3)]);
}

pub async fn edits_usage_and_deletes(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let author = store.create_user(new_user("ana", Role::Author)).await.expect("user").id;
    let item = store.add_media(upload(author, "Harbour", b"shared bytes", "2025-03-04T05:06:07Z")).await.expect("add");
    let twin = store.add_media(upload(author, "Harbour again", b"shared bytes", "2025-03-05T05:06:07Z")).await.expect("twin");
    assert_eq!(twin.content_hash, item.content_hash);

    let edit = MediaEdit { alt_text: Some("Boats at the quay".into()), caption: Some("Photo: Ana".into()), title: None };
    let edited = store.edit_media(item.id, &edit, at("2025-03-06T00:00:00Z")).await.expect("edit");
    assert_eq!((edited.alt_text.as_str(), edited.caption.as_str(), edited.title.as_str()), ("Boats at the quay", "Photo: Ana", "Harbour"));
    assert_eq!(edited.updated_at, at("2025-03-06T00:00:00Z"));
    assert!(matches!(store.edit_media(9999, &edit, Timestamp::now()).await, Err(StoreError::NotFound(_))));

    assert_eq!(store.media_usage(item.id).await.expect("usage"), 0);
    let mut post = new_post("Uses it", "2025-03-07T00:00:00Z");
    post.write.body_html = format!("<p><img src=\"{}\"></p>", item.path());
    store.create_post(post).await.expect("post");
    assert_eq!(store.media_usage(item.id).await.expect("usage"), 1);

    store.delete_media(item.id).await.expect("delete");
    assert_eq!(store.media_item(item.id).await.expect("get"), None);
    assert!(matches!(store.delete_media(item.id).await, Err(StoreError::NotFound(_))));
    // The twin still names the bytes: they stay until it goes too.
    assert!(store.media_file(&item.content_hash).await.expect("file").is_some());
    store.delete_media(twin.id).await.expect("delete twin");
    assert_eq!(store.media_file(&item.content_hash).await.expect("file"), None);
    assert_eq!(store.media_file(&item.variants[0].content_hash).await.expect("variant"), None);
    if let Some(dir) = test.store.media_dir() {
        assert_eq!(files_under(dir), Vec::<String>::new(), "no file left behind");
    }
}

pub async fn a_failed_upload_leaves_no_row_and_no_file(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    // No such author: the insert fails inside the transaction.
    let err = store.add_media(upload(4242, "Orphan", b"orphan bytes", "2025-03-04T05:06:07Z")).await.expect_err("refused");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.media_file(&content_hash(b"orphan bytes")).await.expect("file"), None);
    assert_eq!(store.list_media(&MediaQuery { page: 1, per_page: 10, ..MediaQuery::default() }).await.expect("list").total, 0);
    if let Some(dir) = test.store.media_dir() {
        assert_eq!(files_under(dir), Vec::<String>::new(), "no file or temporary file left behind");
    }
}

/// Every file (not folder) under `dir`, by name.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

/// An import's post (featuring attachment 9 by `_thumbnail_id`) and that attachment, known by
/// its old address only.
async fn import_post_and_attachment(store: &dyn Store) {
    let (post, mut media) = crate::methods::imported_post_and_photo(
        "Pictures",
        "<img src=\"https://old.example/photo.jpg\">",
        "<p><img src=\"https://old.example/photo.jpg\"></p>",
    );
    media.meta = vec![("_wp_attachment_image_alt".into(), "Boats".into())];
    let mut session = store.begin_import().await.expect("begin");
    session.post(&post).await.expect("post");
    session.media(&media).await.expect("media");
    session.finish().await.expect("finish");
}

pub async fn fetched_files_fill_imported_records_and_are_known_by_their_old_address(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    import_post_and_attachment(store.as_ref()).await;
    let author = store.users().await.expect("users")[0].id;

    // The attachment's record takes the file, keeps its title and takes the old alt text.
    let photo = store.store_fetched_media(Some(9), "https://old.example/photo.jpg", upload(0, "x", b"photo", "2025-01-01T00:00:00Z"));
    let photo = photo.await.expect("store");
    assert_eq!((photo.id, photo.title.as_str(), photo.alt_text.as_str()), (9, "Photo", "Boats"));
    assert_eq!(store.media_file(&photo.content_hash).await.expect("file").expect("there").bytes, b"photo");
    // The same bytes at another address are the same item; other bytes a new one.
    let copy = store.store_fetched_media(None, "https://old.example/copy.jpg", upload(author, "Copy", b"photo", "2025-01-01T00:00:00Z"));
    assert_eq!(copy.await.expect("store").id, 9);
    let other = store.store_fetched_media(None, "https://old.example/other.jpg", upload(author, "Other", b"other", "2025-01-01T00:00:00Z"));
    let other = other.await.expect("store");
    assert_ne!(other.id, 9);
    assert_eq!(other.author_id, author);
    let sources = store.media_sources().await.expect("sources");
    assert_eq!(
        sources,
        [
            ("https://old.example/copy.jpg".to_string(), 9),
            ("https://old.example/other.jpg".to_string(), other.id),
            ("https://old.example/photo.jpg".to_string(), 9)
        ]
    );
    let records = store.media().await.expect("media");
    assert_eq!(records.len(), 2);
    let record = records.iter().find(|m| m.id == 9).expect("record");
    assert!(record.stored && record.url == photo.path() && record.source_key.as_deref() == Some("wxr:old:post:9"));

    // The post's text, read and pointed at the copy, with its featured image.
    let texts = store.imported_texts().await.expect("texts");
    assert_eq!(texts.len(), 1);
    assert_eq!((texts[0].id, texts[0].thumbnail_id, texts[0].featured_media, texts[0].author_id), (7, Some(9), None, author));
    let html = format!("<p><img src=\"{}\"></p>", photo.path());
    store.localize_text(7, "source", &html, Some(9)).await.expect("localize");
    let post = store.post_by_id(7).await.expect("read").expect("post");
    assert_eq!((post.body_source.as_str(), post.body_html.as_str(), post.featured_media), ("source", html.as_str(), Some(9)));
    assert!(matches!(store.localize_text(999, "", "", None).await, Err(StoreError::NotFound(_))));

    // Imported again: the record keeps its local file and address.
    import_post_and_attachment(store.as_ref()).await;
    let record = store.media().await.expect("media").into_iter().find(|m| m.id == 9).expect("record");
    assert!(record.stored && record.url == photo.path(), "{record:?}");
    assert_eq!(store.media_item(9).await.expect("item").expect("stored").content_hash, photo.content_hash);
}
