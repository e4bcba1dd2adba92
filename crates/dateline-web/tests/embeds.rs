//! Embeds, privacy first (issue 13): a video alone on its line in a post saved through the
//! REST API becomes a card with what the provider's oEmbed endpoint answered (a local server
//! the test starts, named in `[embeds] endpoints` and allowed through `[fetch] allow`), its
//! thumbnail kept in the media library (metadata stripped, resized copies) and served by
//! Dateline; the page asks no third party for anything. A provider that is
//! offline, too talkative, redirecting to a private address or not oEmbed at all leaves a
//! plain link, and the save goes through.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::Role;
use dateline_testkit::Db;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::*;

const PASSWORD: &str = "a long enough password";
const VIDEO: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
/// A 480×360 photo carrying a GPS position, as a provider's still might.
fn jpeg() -> Vec<u8> {
    dateline_media::testing::jpeg_with_gps(480, 360, 1)
}

/// A local oEmbed provider: answers by path, and remembers each request's path and query.
struct Provider {
    base: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Provider {
    async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (log, own) = (asked.clone(), base.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (log, own) = (log.clone(), own.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request_head(&mut socket).await else { return };
                    let target = String::from_utf8_lossy(&request).split(' ').nth(1).unwrap_or_default().to_string();
                    log.lock().expect("log").push(target.clone());
                    let path = target.split('?').next().unwrap_or_default().to_string();
                    let (status, kind, body): (&str, &str, Vec<u8>) = match path.as_str() {
                        "/oembed" => ("200 OK", "application/json", answer(&own, "/thumb.jpg").into_bytes()),
                        "/thumb.jpg" => ("200 OK", "image/jpeg", jpeg()),
                        "/not-an-image" => ("200 OK", "application/json", answer(&own, "/oembed").into_bytes()),
                        // Larger than any oEmbed answer is allowed to be.
                        "/huge" => (
                            "200 OK",
                            "application/json",
                            format!("{{\"type\":\"video\",\"title\":\"{}\"}}", "x".repeat(200_000)).into_bytes(),
                        ),
                        "/to-private" => ("302 Found", "text/plain", Vec::new()),
                        "/private-thumbnail" => {
                            ("200 OK", "application/json", answer("http://169.254.169.254", "/latest/meta-data").into_bytes())
                        }
                        "/not-oembed" => ("200 OK", "text/html", b"<html><script>alert(1)</script></html>".to_vec()),
                        _ => ("404 Not Found", "text/plain", Vec::new()),
                    };
                    let location = if path == "/to-private" { "location: http://10.0.0.1/oembed\r\n" } else { "" };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n{location}connection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                });
            }
        });
        Provider { base, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("log").clone()
    }
}

/// A hostile but well-formed answer: markup in the title and the author, provider HTML that
/// must never be used, and the thumbnail at `host` + `thumbnail`.
fn answer(host: &str, thumbnail: &str) -> String {
    json!({
        "type": "video",
        "version": "1.0",
        "title": "<script>alert(1)</script>Never Gonna Give You Up",
        "author_name": "Rick <b>Astley</b>",
        "author_url": "https://www.youtube.com/@RickAstleyYT",
        "provider_name": "YouTube",
        "thumbnail_url": format!("{host}{thumbnail}"),
        "html": "<iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\"></iframe><script src=\"https://evil.example/x.js\"></script>",
    })
    .to_string()
}

/// An app that asks `endpoints` (provider key, path on `provider`) and may reach this machine.
async fn app_with(db: Db, provider: &Provider, endpoints: &[(&str, &str)]) -> Option<TestApp> {
    app_refreshing(db, provider, endpoints, 7).await
}

/// The same, asking again answers older than `refresh_days`.
async fn app_refreshing(db: Db, provider: &Provider, endpoints: &[(&str, &str)], refresh_days: u32) -> Option<TestApp> {
    let endpoints: Vec<(String, String)> = endpoints
        .iter()
        .map(|(key, path)| (key.to_string(), if path.starts_with("http") { path.to_string() } else { format!("{}{path}", provider.base) }))
        .collect();
    TestApp::builder(db)
        .config(move |c| {
            c.fetch.allow = vec!["127.0.0.1".into()];
            c.embeds.fetch = true;
            c.embeds.timeout_seconds = 3;
            c.embeds.refresh_days = refresh_days;
            c.embeds.endpoints = endpoints.into_iter().collect();
        })
        .build()
        .await
}

/// Publishes `content` through the REST API as a new editor; the post's permalink.
async fn publish(app: &TestApp, content: &str) -> String {
    let auth = editor(app).await;
    publish_as(app, &auth, content).await
}

/// An editor, "ed", and the `Authorization` value of an application password of theirs.
async fn editor(app: &TestApp) -> String {
    use base64::Engine;
    app.user("ed", Role::Editor, PASSWORD).await;
    let password = app.app_password("ed").await;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("ed:{password}")))
}

/// Publishes `content` through the REST API with `auth`; the post's permalink.
async fn publish_as(app: &TestApp, auth: &str, content: &str) -> String {
    let request = Request::post("/wp-json/wp/v2/posts")
        .header("content-type", "application/json")
        .header("authorization", auth)
        .body(Body::from(json!({"title": "Worth watching", "content": content, "status": "publish"}).to_string()))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let post: Value = serde_json::from_str(&response.body).expect("json");
    post["link"].as_str().expect("link").trim_start_matches("http://dateline.test").to_string()
}

pub async fn a_video_alone_on_its_line_becomes_a_card_from_the_kept_answer(db: Db) {
    let provider = Provider::start().await;
    let Some(app) = app_with(db, &provider, &[("youtube", "/oembed")]).await else { return };
    let path = publish(&app, &format!("Watch this one.\n\n{VIDEO}\n\nAnd this, in a sentence: {VIDEO} is not an embed.")).await;
    let asked = provider.asked();
    assert_eq!(asked.len(), 2, "the answer, then its thumbnail: {asked:?}");
    assert!(asked[0].starts_with("/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ&format=json"), "{asked:?}");

    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    assert_eq!(texts(&html, "figure.embed-youtube .embed-title"), ["<script>alert(1)</script>Never Gonna Give You Up"]);
    assert_eq!(text(&html, "figure.embed-youtube .embed-author"), "Rick <b>Astley</b>");
    assert_eq!(text(&html, "figure.embed-youtube .embed-action"), "Play");
    assert!(!page.body.contains("<script>alert") && !page.body.contains("evil.example"), "{}", page.body);
    // Without JavaScript the card is a link to the video; the click's player is youtube-nocookie.
    assert_eq!(attr(&html, "figure.embed-youtube a.embed-link", "href"), VIDEO);
    assert_eq!(attr(&html, "figure.embed-youtube", "data-embed-player"), "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1");
    // No youtube.com address anywhere else: not in any src, not the author's link.
    let youtube_mentions = page.body.matches("youtube.com").count();
    assert_eq!(youtube_mentions, 2, "the card's link and the sentence's text: {}", page.body);
    let sources: Vec<String> = html
        .select(&scraper::Selector::parse("[src]").expect("selector"))
        .filter_map(|e| e.value().attr("src"))
        .map(String::from)
        .collect();
    assert!(sources.iter().all(|src| src.starts_with('/')), "everything the page loads is this site's: {sources:?}");
    assert!(sources.iter().any(|src| src.starts_with("/static/embeds.js")), "{sources:?}");
    // The home page shows the post in full: the card plays there too.
    let home = app.get("/").await;
    assert!(home.body.contains("figure class=\"embed embed-youtube\"") && home.body.contains("/static/embeds.js"), "{}", home.body);

    // The thumbnail is a media item served by Dateline: the provider's picture without its
    // metadata, with resized copies and its size for the page.
    let thumbnail = attr(&html, "figure.embed-youtube img.embed-thumbnail", "src");
    assert!(thumbnail.starts_with("/media/") && thumbnail.ends_with("/youtube-thumbnail.jpg"), "{thumbnail}");
    let image = crate::media::send(&app, Request::get(&thumbnail).body(Body::empty()).expect("request")).await;
    assert_eq!((image.status, image.headers.get("content-type").and_then(|v| v.to_str().ok())), (StatusCode::OK, Some("image/jpeg")));
    assert!(!dateline_media::testing::has_exif(&image.bytes), "the GPS position is gone");
    let srcset = attr(&html, "figure.embed-youtube img.embed-thumbnail", "srcset");
    assert!(srcset.contains("/youtube-thumbnail-320.jpg 320w") && srcset.ends_with(&format!("{thumbnail} 480w")), "{srcset}");
    assert_eq!(
        (attr(&html, "figure.embed-youtube img", "width"), attr(&html, "figure.embed-youtube img", "height")),
        ("480".to_string(), "360".to_string())
    );
    let library = app.test_store.dyn_store().list_media(&Default::default()).await.expect("library");
    assert_eq!(library.items.len(), 1, "the thumbnail is in the media library");
    assert_eq!(library.items[0].title, "<script>alert(1)</script>Never Gonna Give You Up");
    // Cards saved before thumbnails were media still find theirs at the old address.
    assert_eq!(app.get("/embeds/999999/thumbnail").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/embeds/x/thumbnail").await.status, StatusCode::NOT_FOUND);

    // The page frames exactly the players, nothing else.
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains(
            "frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://open.spotify.com https://w.soundcloud.com"
        ),
        "{csp}"
    );

    // Reading the page again asks the provider nothing: the card comes from the store.
    app.written_behind_the_server();
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    assert_eq!(provider.asked().len(), 2);
}

pub async fn an_unusable_answer_leaves_a_plain_link_and_the_save_goes_through(db: Db) {
    let provider = Provider::start().await;
    let endpoints = [
        // Nobody listens there.
        ("youtube", "http://127.0.0.1:1/oembed"),
        ("vimeo", "/huge"),
        ("spotify", "/to-private"),
        ("mastodon", "/not-oembed"),
        // A good answer whose thumbnail is on a private address: a card without a picture.
        ("soundcloud", "/private-thumbnail"),
        // A good answer whose "thumbnail" is no image: a card without a picture.
        ("bluesky", "/not-an-image"),
    ];
    let Some(app) = app_with(db, &provider, &endpoints).await else { return };
    let links = [
        VIDEO,
        "https://vimeo.com/76979871",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://social.example/@ann/1234",
        "https://soundcloud.com/forss/flickermood",
        "https://bsky.app/profile/ann.example/post/3k2a",
    ];
    let path = publish(&app, &links.join("\n\n")).await;
    let page = app.get(&path).await;
    let html = page.html();
    for link in &links[..4] {
        let selector = format!(".commentary p > a[href=\"{link}\"]");
        assert_eq!(text(&html, &selector), *link, "{link} stays a plain link: {}", page.body);
    }
    assert_eq!(html.select(&scraper::Selector::parse("figure.embed").expect("selector")).count(), 2, "{}", page.body);
    assert_eq!(text(&html, "figure.embed-soundcloud .embed-action"), "Play");
    assert_eq!(page.body.matches("embed-no-thumbnail").count(), 2, "{}", page.body);
    assert!(!page.body.contains("169.254"), "{}", page.body);
    let library = app.test_store.dyn_store().list_media(&Default::default()).await.expect("library");
    assert!(library.items.is_empty(), "nothing that is no picture is kept: {:?}", library.items);
    // The redirect to a private address was refused, not followed.
    assert!(!provider.asked().iter().any(|p| p.contains("10.0.0.1")));
}

pub async fn the_editor_saves_a_markdown_embed_and_a_second_save_asks_nothing_again(db: Db) {
    let provider = Provider::start().await;
    let Some(app) = app_with(db, &provider, &[("vimeo", "/oembed")]).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&editor).await;
    // Markdown as a browser sends a textarea: CRLF line breaks.
    let body = "Seen this?\r\n\r\nhttps://vimeo.com/76979871\r\n\r\nMore below.";
    let fields = [("_csrf", csrf.as_str()), ("title", "A short film"), ("body", body), ("action", "publish")];
    let saved = app.post_form("/admin/posts/new", &editor, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let edit_path = saved.header("location").split('?').next().expect("path").to_string();
    assert_eq!(provider.asked().len(), 2, "{:?}", provider.asked());

    let post_id: i64 = edit_path.rsplit('/').next().and_then(|id| id.parse().ok()).expect("id");
    let post = app.test_store.dyn_store().post_by_id(post_id).await.expect("read").expect("post");
    let page = app.get(&app.permalink(&post)).await.html();
    assert_eq!(attr(&page, "figure.embed-vimeo", "data-embed-player"), "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1");
    assert_eq!(attr(&page, "figure.embed-vimeo a.embed-link", "href"), "https://vimeo.com/76979871");

    // The editor's live preview shows the card from the kept answer, asking nobody.
    let preview = app.post_form("/admin/preview", &editor, &[("_csrf", csrf.as_str()), ("body", body)]).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("<figure class=\"embed embed-vimeo\""), "{}", preview.body);
    assert_eq!(provider.asked().len(), 2, "{:?}", provider.asked());

    // Saved again, the kept answer is fresh: the card stays and the provider is not asked.
    let again = app.post_form(&edit_path, &editor, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(provider.asked().len(), 2, "{:?}", provider.asked());
    let post = app.test_store.dyn_store().post_by_id(post_id).await.expect("read").expect("post");
    assert!(post.body_html.contains("<figure class=\"embed embed-vimeo\""), "{}", post.body_html);
}

pub async fn a_refreshed_answer_keeps_its_thumbnail_item(db: Db) {
    let provider = Provider::start().await;
    // Every save asks again (answers older than 0 days are stale).
    let Some(app) = app_refreshing(db, &provider, &[("youtube", "/oembed")], 0).await else { return };
    let auth = editor(&app).await;
    let first = publish_as(&app, &auth, VIDEO).await;
    let second = publish_as(&app, &auth, VIDEO).await;
    let asked: Vec<String> = provider.asked().iter().map(|p| p.split('?').next().unwrap_or_default().to_string()).collect();
    assert_eq!(asked, ["/oembed", "/thumb.jpg", "/oembed"], "the same thumbnail is not fetched again");
    let library = app.test_store.dyn_store().list_media(&Default::default()).await.expect("library");
    assert_eq!(library.items.len(), 1, "one item for the one thumbnail");
    let first = attr(&app.get(&first).await.html(), "img.embed-thumbnail", "src");
    let second = attr(&app.get(&second).await.html(), "img.embed-thumbnail", "src");
    assert!(first.starts_with("/media/") && first == second, "{first} {second}");
}
