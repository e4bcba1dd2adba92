//! `dateline import wxr --media fetch` against local servers standing in for the old blog: one
//! serves generated images (and 404s), another answers only after the timeout. The old
//! site's images end up stored here, posts and a gallery page show them from `/media/`, the
//! featured image comes from `_thumbnail_id`, the report names what failed and why, and a
//! second run fetches nothing it already has.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dateline_core::{ImportStore, MediaStore, PostStore};
use dateline_testkit::Db;

use crate::support::*;

/// Requests each path received.
type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// The picture served at `path`: a PNG whose size follows from the name (so each file is
/// different), except `dup.png`, the same bytes as `second.png`; a JPEG for `.jpg`; a web
/// page for `page.png` and 2 MB for `big.png`.
fn image_for(path: &str) -> Option<(&'static str, Vec<u8>)> {
    let name = path.rsplit('/').next()?;
    if name.contains("missing") || name.contains("gone") {
        return None;
    }
    match name {
        "page.png" => return Some(("image/png", b"<!doctype html><title>Not a picture</title>".to_vec())),
        "big.png" => return Some(("image/png", vec![0; 2 * 1024 * 1024])),
        _ => {}
    }
    let name = if name == "dup.png" { "second.png" } else { name };
    let width = 400 + name.bytes().map(u32::from).sum::<u32>() % 300;
    if name.ends_with(".jpg") {
        Some(("image/jpeg", dateline_media::testing::jpeg_with_gps(1200, 800, 1)))
    } else {
        Some(("image/png", dateline_media::testing::png(width, 300)))
    }
}

/// An old blog's server on 127.0.0.1 answering after `delay`, a thread per connection;
/// returns "http://127.0.0.1:PORT" and its hit counts.
fn old_server(delay: Duration) -> (String, Hits) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let hits: Hits = Arc::default();
    let counted = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let hits = counted.clone();
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                *hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
                std::thread::sleep(delay);
                let _ = match image_for(&path) {
                    Some((kind, bytes)) => write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        bytes.len()
                    )
                    .and_then(|()| stream.write_all(&bytes)),
                    None => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                };
            });
        }
    });
    (base, hits)
}

fn hits(hits: &Hits, path: &str) -> usize {
    hits.lock().expect("hits").get(path).copied().unwrap_or(0)
}

const ITEM_DATES: &str = "<wp:post_date>2020-01-02 10:00:00</wp:post_date><wp:post_date_gmt>2020-01-02 10:00:00</wp:post_date_gmt>";

fn attachment(id: i64, parent: i64, url: &str) -> String {
    format!(
        "<item><title>File {id}</title><link>{url}/page</link><wp:post_id>{id}</wp:post_id>{ITEM_DATES}<wp:status>inherit</wp:status>\
         <wp:post_parent>{parent}</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:attachment_url>{url}</wp:attachment_url>\
         <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>Alt of {id}</wp:meta_value></wp:postmeta></item>\n"
    )
}

/// A small export of the old blog at `base`: a post with a resized copy of an attachment (in
/// `src` and `srcset`), an image that is no attachment (linked to itself), one that is
/// missing, one on another site, a gallery naming its images, and a featured image; a page
/// with a `[gallery]` of its attached images; attachments that are missing, on a slow host,
/// not a picture, or over the size limit.
fn export(base: &str, slow: &str) -> String {
    let up = format!("{base}/wp-content/uploads");
    let post = format!(
        r#"<p><img src="{up}/photo-300x200.jpg" srcset="{up}/photo-300x200.jpg 300w, {up}/photo.jpg 1200w" width="300"></p>
<p><a href="{up}/inline.png"><img src="{up}/inline.png" alt="Inline"></a> <img src="{up}/dup.png"></p>
<p><img src="{up}/missing-inline.png" alt="Missing"> <img src="https://elsewhere.example/other.png"></p>
[gallery ids="10,11"]"#
    );
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Old</title><link>{base}</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>{base}</wp:base_site_url>
<item><title>Pictures</title><link>{base}/2020/01/02/pictures/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[{post}]]></content:encoded>
<wp:post_id>100</wp:post_id>{ITEM_DATES}<wp:post_name>pictures</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>11</wp:meta_value></wp:postmeta></item>
<item><title>Gallery</title><link>{base}/gallery/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[Our pictures: [gallery columns="2"]]]></content:encoded>
<wp:post_id>101</wp:post_id>{ITEM_DATES}<wp:post_name>gallery</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>page</wp:post_type></item>
"#
    );
    xml.push_str(&attachment(10, 100, &format!("{up}/photo.jpg")));
    xml.push_str(&attachment(11, 101, &format!("{up}/second.png")));
    xml.push_str(&attachment(12, 101, &format!("{up}/third.png")));
    xml.push_str(&attachment(13, 100, &format!("{up}/gone.png")));
    xml.push_str(&attachment(14, 100, &format!("{slow}/wp-content/uploads/slow.png")));
    xml.push_str(&attachment(15, 100, &format!("{up}/page.png")));
    xml.push_str(&attachment(16, 100, &format!("{up}/big.png")));
    xml.push_str("</channel>\n</rss>\n");
    xml
}

/// `GET path`, following one redirect (an old address leads to the new one).
fn get_followed(base: &str, path: &str) -> Reply {
    let reply = get(base, path);
    match reply.header("location") {
        Some(location) if (300..400).contains(&reply.status) => get(base, location.trim_start_matches(base)),
        _ => reply,
    }
}

pub async fn import_brings_the_old_blogs_images_home(db: Db) {
    let Some(test) = dateline_testkit::fresh(db).await else { return };
    let (base, served) = old_server(Duration::ZERO);
    let (slow, _) = old_server(Duration::from_secs(3));
    let dir = temp_dir();
    std::fs::write(dir.join("old.xml"), export(&base, &slow)).expect("export");
    std::fs::write(dir.join("dateline.toml"), "[fetch]\nallow = [\"127.0.0.1\"]\n\n[media]\nmax_upload_mb = 1\n").expect("config");
    let args = ["--db", &test.url, "import", "wxr", "old.xml", "--media", "fetch", "--media-timeout", "1"];

    let first = run(&dir, &args, None);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&first.stderr));
    // Fetched: three attachments, the image that is no attachment, and its duplicate.
    assert!(stdout.contains("Media from the old site: 5 fetched, 0 already here, 5 failed"), "{stdout}");
    let up = format!("{base}/wp-content/uploads");
    for (url, why) in [
        (format!("{up}/gone.png"), "the old site answered 404 Not Found"),
        (format!("{up}/missing-inline.png"), "the old site answered 404 Not Found"),
        (format!("{slow}/wp-content/uploads/slow.png"), "no answer within 1 s"),
        (format!("{up}/page.png"), "refused: HTML files are not accepted"),
        (format!("{up}/big.png"), "larger than the media size limit (1 MB)"),
    ] {
        assert!(stdout.lines().any(|l| l.trim() == format!("{url}: {why}")), "{url} {why} in\n{stdout}");
    }
    assert_eq!(hits(&served, "/wp-content/uploads/photo-300x200.jpg"), 0, "a resized copy is its attachment");

    // The stored attachments have their files (and the old site's alt text); the duplicate
    // is one item.
    let stored: Vec<_> = test.store.media().await.expect("media").into_iter().filter(|m| m.stored).collect();
    let stored_ids: Vec<i64> = stored.iter().map(|m| m.id).collect();
    assert_eq!(stored_ids.len(), 4, "photo, second, third and inline: {stored_ids:?}");
    for id in [10, 11, 12] {
        assert!(stored_ids.contains(&id), "attachment {id} is stored: {stored_ids:?}");
    }
    let second = test.store.media_item(11).await.expect("read").expect("stored");
    assert_eq!((second.alt_text.as_str(), second.mime_type.as_str(), second.width), ("Alt of 11", "image/png", Some(507)));
    let photo = test.store.media_item(10).await.expect("read").expect("stored");
    assert!(!photo.variants.is_empty(), "variants were made");

    // The post points at the local copies, keeps the links that failed or were elsewhere,
    // and has its featured image.
    let post = test.store.post_by_id(100).await.expect("read").expect("post");
    let html = &post.body_html;
    let narrow = photo.variants.iter().find(|v| v.mime_type == "image/jpeg" && v.width >= 300).expect("a variant");
    assert!(html.contains(&format!("src=\"{}\"", photo.variant_path(narrow))), "the resized copy is shown by a variant: {html}");
    // (The sanitizer keeps no srcset in the shown HTML; the source keeps it, pointed here.)
    assert!(post.body_source.contains(&format!("{} 1200w\"", photo.path())), "the srcset is the local file's: {}", post.body_source);
    assert!(html.contains(&format!("<img src=\"{}\"", second.path())), "the gallery names the local copy: {html}");
    assert!(html.contains("/missing-inline.png") && html.contains("https://elsewhere.example/other.png"), "{html}");
    assert!(!html.contains(&format!("{up}/photo")) && !html.contains(&format!("{up}/inline.png")), "{html}");
    assert!(!post.body_source.contains(&format!("{up}/inline.png")), "the source is pointed too: {}", post.body_source);
    assert_eq!(post.featured_media, Some(11));

    // Served over HTTP: the gallery page shows its images from /media/, and they load.
    let server = serve(&dir, &["--db", &test.url], &[]);
    let page = get_followed(&server.base, "/gallery/");
    assert_eq!(page.status, 200, "{}", page.body);
    let sources: Vec<&str> = page.body.split("<img src=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert!(sources.len() >= 2, "the gallery shows its images: {}", page.body);
    for src in &sources {
        assert!(src.starts_with("/media/"), "{src} is a local copy");
        let file = get(&server.base, src);
        assert_eq!((file.status, file.header("content-type").as_deref()), (200, Some("image/png")), "{src}");
    }
    let single = get_followed(&server.base, "/2020/01/02/pictures/");
    assert!(single.body.contains(&second.content_hash), "the featured image is shown: {}", single.body);
    drop(server);

    // Again: nothing new is fetched (the failures are tried again), nothing is duplicated,
    // the featured image stays.
    let second_run = run(&dir, &args, None);
    let stdout = String::from_utf8_lossy(&second_run.stdout);
    assert!(second_run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&second_run.stderr));
    assert!(stdout.contains("Media from the old site: 0 fetched, 5 already here, 5 failed"), "{stdout}");
    for path in ["photo.jpg", "second.png", "third.png", "inline.png", "dup.png"] {
        assert_eq!(hits(&served, &format!("/wp-content/uploads/{path}")), 1, "{path} was fetched once");
    }
    assert_eq!(hits(&served, "/wp-content/uploads/gone.png"), 2, "a failure is tried again");
    let again: Vec<_> = test.store.media().await.expect("media").into_iter().filter(|m| m.stored).collect();
    assert_eq!(again.len(), 4);
    let post = test.store.post_by_id(100).await.expect("read").expect("post");
    assert_eq!(post.featured_media, Some(11));
    assert!(post.body_html.contains(&second.path()) && !post.body_html.contains(&format!("{up}/inline.png")), "{}", post.body_html);

    // Imported again as it was (`--media keep`, the default): nothing is fetched, and the
    // posts go on pointing at what was brought home.
    let keep = run(&dir, &["--db", &test.url, "import", "wxr", "old.xml"], None);
    let stdout = String::from_utf8_lossy(&keep.stdout);
    assert!(keep.status.success() && stdout.contains("Media already brought home: 5"), "{stdout}");
    assert_eq!(hits(&served, "/wp-content/uploads/gone.png"), 2, "keep fetches nothing");
    let post = test.store.post_by_id(100).await.expect("read").expect("post");
    assert_eq!(post.featured_media, Some(11));
    assert!(post.body_html.contains(&second.path()) && !post.body_html.contains(&format!("{up}/photo")), "{}", post.body_html);

    // An export names the stored files by their address on this site.
    let exported = run(&dir, &["--db", &test.url, "export", "wxr"], None);
    let xml = String::from_utf8_lossy(&exported.stdout);
    assert!(xml.contains(&format!("<wp:attachment_url><![CDATA[http://127.0.0.1:8080{}]]></wp:attachment_url>", second.path())), "{xml}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn media_fetch_and_dry_run_are_refused_together() {
    let dir = temp_dir();
    std::fs::write(dir.join("old.xml"), export("http://127.0.0.1:9", "http://127.0.0.1:9")).expect("export");
    let output = run(&dir, &["import", "wxr", "old.xml", "--dry-run", "--media", "fetch"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--media fetch stores files and --dry-run stores nothing"));
    assert!(!dir.join("dateline.db").exists());
    let _ = std::fs::remove_dir_all(dir);
}
