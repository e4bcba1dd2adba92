//! Featured images beyond the post page: thumbnails on the home page, every archive and the
//! search results, and enclosures in the feeds; never for a password-protected post.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::Role;
use dateline_media::testing::jpeg_with_gps;
use dateline_testkit::Db;
use serde_json::Value;

use crate::media::send;
use crate::support::{TestApp, post_json};

/// Two images in the library and three posts in one category and tag, all from March 2025:
/// "Harbour dawn" features the first image, "Harbour secret" (password-protected) the second,
/// "Harbour plain" none.
pub(crate) struct Gallery {
    pub app: TestApp,
    pub dawn: i64,
    pub secret: i64,
    pub plain: i64,
    /// The media items, as the API answered for them.
    pub shown: Value,
    pub hidden: Value,
}

fn api(auth: &str, method: &str, uri: &str, body: String) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request")
}

async fn upload(app: &TestApp, auth: &str, name: &str, width: u32, height: u32, alt: &str) -> Value {
    let request = Request::post("/wp-json/wp/v2/media")
        .header("authorization", auth)
        .header("content-type", "image/jpeg")
        .header("content-disposition", format!("attachment; filename=\"{name}\""))
        .body(Body::from(jpeg_with_gps(width, height, 1)))
        .expect("request");
    let created = send(app, request).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&created.bytes));
    let id = created.json()["id"].as_i64().expect("id");
    let edited =
        send(app, api(auth, "POST", &format!("/wp-json/wp/v2/media/{id}"), serde_json::json!({ "alt_text": alt }).to_string())).await;
    assert_eq!(edited.status, StatusCode::OK);
    edited.json()
}

impl Gallery {
    pub(crate) async fn new(db: Db) -> Option<Gallery> {
        let app = TestApp::new(db).await?;
        app.user("ana", Role::Administrator, "pw-long-enough-1").await;
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("ana:{}", app.app_password("ana").await))
        );
        let shown = upload(&app, &auth, "harbour.jpg", 2000, 1000, "Boats at the quay").await;
        let hidden = upload(&app, &auth, "vault.jpg", 1200, 800, "The vault").await;
        let terms = serde_json::json!({ "categories": ["News"], "tags": ["Boats"] });
        let dawn = app.post(&post_json("Harbour dawn", "2025-03-04T10:00:00Z", terms.clone())).await.id;
        let secret = app.post(&post_json("Harbour secret", "2025-03-05T10:00:00Z", terms.clone())).await.id;
        let plain = app.post(&post_json("Harbour plain", "2025-03-06T10:00:00Z", terms)).await.id;
        for (post, fields) in [
            (dawn, serde_json::json!({ "featured_media": shown["id"] })),
            (secret, serde_json::json!({ "featured_media": hidden["id"], "password": "letmein" })),
        ] {
            let edited = send(&app, api(&auth, "POST", &format!("/wp-json/wp/v2/posts/{post}"), fields.to_string())).await;
            assert_eq!(edited.status, StatusCode::OK, "{}", String::from_utf8_lossy(&edited.bytes));
        }
        Some(Gallery { app, dawn, secret, plain, shown, hidden })
    }

    /// The content hash in a media item's address: whatever copy of it a page points at.
    pub(crate) fn hash(item: &Value) -> String {
        let url = item["source_url"].as_str().unwrap_or_default();
        url.split("/media/").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default().to_string()
    }
}

/// Every page that lists posts shows the featured image's small copy, lazily, with its size,
/// its other sizes and its alt text; the protected post shows none, and nothing of its image.
pub async fn listings_show_featured_thumbnails_but_not_for_locked_posts(db: Db) {
    let Some(gallery) = Gallery::new(db).await else { return };
    let app = &gallery.app;
    let home = app.get("/").await;
    let author = crate::support::attr(&home.html(), &format!("#post-{} a[rel=author]", gallery.dawn), "href");
    let shown_hash = Gallery::hash(&gallery.shown);
    let hidden_hash = Gallery::hash(&gallery.hidden);
    assert_eq!(shown_hash.len(), 64);
    for path in ["/", "/category/news/", "/tag/boats/", author.as_str(), "/2025/03/", "/?s=harbour", "/search/harbour/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let html = page.html();
        let img = format!("#post-{} img.post-thumbnail", gallery.dawn);
        let attr = |name: &str| crate::support::attr(&html, &img, name);
        assert!(attr("src").starts_with("/media/") && attr("src").ends_with("/harbour-320.jpg"), "{path}: {}", attr("src"));
        let srcset = attr("srcset");
        for width in [" 320w", " 640w", " 1024w", " 1600w", " 2000w"] {
            assert!(srcset.contains(width), "{path}: {srcset}");
        }
        assert!(!srcset.contains(".webp"), "{path}: the srcset stays in the image's own format: {srcset}");
        assert_eq!(attr("sizes"), "(max-width: 36rem) 33vw, 12rem", "{path}");
        assert_eq!((attr("width"), attr("height")), ("320".to_string(), "160".to_string()), "{path}");
        assert_eq!((attr("loading"), attr("alt")), ("lazy".to_string(), "Boats at the quay".to_string()), "{path}");
        assert_eq!(html.select(&scraper::Selector::parse(&format!("#post-{} img", gallery.plain)).expect("selector")).count(), 0, "{path}");
        assert!(!page.body.contains(&hidden_hash), "{path} shows the protected post's image");
        // Each copy the listing offers is served.
        let small = send(app, Request::get(attr("src")).body(Body::empty()).expect("request")).await;
        assert_eq!((small.status, small.header("content-type")), (StatusCode::OK, "image/jpeg"), "{path}");
    }
    // The search leaves the protected post out; the archives list it, without its image.
    let home = app.get("/").await.html();
    assert_eq!(crate::support::texts(&home, &format!("#post-{} .post-title", gallery.secret)), ["Protected: Harbour secret"]);
    assert_eq!(home.select(&scraper::Selector::parse(&format!("#post-{} img", gallery.secret)).expect("selector")).count(), 0);
}

/// The site's path of an absolute address on the test site.
fn site_path(url: &str) -> &str {
    url.strip_prefix("http://dateline.test").unwrap_or_else(|| panic!("not absolute on the site: {url}"))
}

/// RSS carries the featured image as `<enclosure>` (its exact length and type) and Media RSS,
/// Atom as an enclosure link, JSON Feed as the item's image; absolute addresses, each served;
/// nothing of the protected post's image.
pub async fn feeds_carry_featured_images_as_enclosures(db: Db) {
    let Some(gallery) = Gallery::new(db).await else { return };
    let app = &gallery.app;
    let hidden_hash = Gallery::hash(&gallery.hidden);
    for path in ["/feed/", "/category/news/feed/", "/tag/boats/feed/", "/search/harbour/feed/"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(!response.body.contains(&hidden_hash), "{path} carries the protected post's image");
        let channel = rss::Channel::read_from(response.body.as_bytes()).unwrap_or_else(|e| panic!("{path}: invalid RSS: {e}"));
        assert_eq!(channel.namespaces().get("media").map(String::as_str), Some("http://search.yahoo.com/mrss/"), "{path}");
        let item = |title: &str| channel.items().iter().find(|i| i.title() == Some(title)).unwrap_or_else(|| panic!("{path}: {title}"));
        let dawn = item("Harbour dawn");
        let enclosure = dawn.enclosure().unwrap_or_else(|| panic!("{path}: no enclosure"));
        assert!(enclosure.url().ends_with("/harbour-1600.jpg"), "{path}: {}", enclosure.url());
        assert_eq!(enclosure.mime_type(), "image/jpeg");
        let file = send(app, Request::get(site_path(enclosure.url())).body(Body::empty()).expect("request")).await;
        assert_eq!(file.status, StatusCode::OK, "{path}");
        assert_eq!(enclosure.length(), file.bytes.len().to_string(), "{path}: the length is the file's");

        let media = &dawn.extensions()["media"];
        let content = &media["content"][0];
        assert_eq!(content.attrs.get("url").map(String::as_str), Some(enclosure.url()));
        assert_eq!(content.attrs.get("medium").map(String::as_str), Some("image"));
        assert_eq!((content.attrs["width"].as_str(), content.attrs["height"].as_str()), ("1600", "800"));
        assert_eq!(content.children["description"][0].value(), Some("Boats at the quay"));
        let thumbnail = &media["thumbnail"][0];
        assert!(thumbnail.attrs["url"].starts_with("http://dateline.test/media/") && thumbnail.attrs["url"].ends_with("/harbour-320.jpg"));
        assert_eq!(
            send(app, Request::get(site_path(&thumbnail.attrs["url"])).body(Body::empty()).expect("request")).await.status,
            StatusCode::OK
        );

        assert!(item("Harbour plain").enclosure().is_none() && item("Harbour plain").extensions().is_empty(), "{path}");
        if let Some(secret) = channel.items().iter().find(|i| i.title() == Some("Harbour secret")) {
            assert!(secret.enclosure().is_none() && secret.extensions().is_empty(), "{path}: the protected post");
        }
    }

    let response = app.get("/feed/atom/").await;
    assert!(!response.body.contains(&hidden_hash));
    let atom = atom_syndication::Feed::read_from(response.body.as_bytes()).expect("valid Atom");
    let entry = |title: &str| atom.entries().iter().find(|e| e.title().as_str() == title).expect("entry");
    let enclosures = |title: &str| entry(title).links().iter().filter(|l| l.rel() == "enclosure").cloned().collect::<Vec<_>>();
    let dawn = enclosures("Harbour dawn");
    assert_eq!(dawn.len(), 1);
    assert!(dawn[0].href().starts_with("http://dateline.test/media/") && dawn[0].href().ends_with("/harbour-1600.jpg"));
    assert_eq!(dawn[0].mime_type(), Some("image/jpeg"));
    let file = send(app, Request::get(site_path(dawn[0].href())).body(Body::empty()).expect("request")).await;
    assert_eq!(dawn[0].length(), Some(file.bytes.len().to_string().as_str()));
    assert!(enclosures("Harbour plain").is_empty() && enclosures("Harbour secret").is_empty());

    let response = app.get("/feed.json").await;
    assert!(!response.body.contains(&hidden_hash));
    let feed: Value = serde_json::from_str(&response.body).expect("JSON Feed");
    let items = feed["items"].as_array().expect("items");
    let image = |title: &str| items.iter().find(|i| i["title"] == title).map(|i| i["image"].clone()).expect("item");
    assert_eq!(image("Harbour dawn").as_str(), Some(dawn[0].href()));
    assert_eq!((image("Harbour plain"), image("Harbour secret")), (Value::Null, Value::Null));
}

/// The editor's script uploads a pasted image through the Media page's form, asking for JSON:
/// it gets what to insert (the copy pages use, its size), and a refusal as a message to show;
/// the form's token is checked as for the page.
pub async fn the_editor_uploads_pasted_images_through_the_media_form(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ana", Role::Author, "pw-long-enough-1").await;
    let cookie = app.login("ana", "pw-long-enough-1").await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let json = |mut request: Request<Body>| {
        request.headers_mut().insert("accept", "application/json".parse().expect("header"));
        request
    };
    let editor = app.get_as("/admin/posts/new", &cookie).await.html();
    assert_eq!(crate::support::attr(&editor, "#body", "data-upload"), "/admin/media");
    assert_eq!(crate::support::attr(&editor, "#body", "data-format"), "markdown");

    let pasted = send(&app, json(crate::media::admin_upload(&cookie, &csrf, "image.png", &jpeg_with_gps(2400, 1200, 1)))).await;
    assert_eq!(pasted.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&pasted.bytes));
    let item = &pasted.json()[0];
    let url = item["url"].as_str().expect("url");
    assert!(url.starts_with("/media/") && url.ends_with("/image-1600.jpg"), "{url}");
    assert_eq!((item["width"].as_u64(), item["height"].as_u64()), (Some(1600), Some(800)));
    let file = send(&app, Request::get(url).body(Body::empty()).expect("request")).await;
    assert_eq!((file.status, file.header("content-type")), (StatusCode::OK, "image/jpeg"));
    let listed = send(&app, Request::get("/wp-json/wp/v2/media").body(Body::empty()).expect("request")).await;
    assert_eq!(listed.header("x-wp-total"), "1", "in the library");

    let forged = send(&app, json(crate::media::admin_upload(&cookie, "forged", "image.png", &jpeg_with_gps(40, 20, 1)))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.json()["message"].as_str().unwrap_or_default().contains("did not come from this site"));
    let svg = send(&app, json(crate::media::admin_upload(&cookie, &csrf, "logo.svg", dateline_media::testing::SVG_WITH_SCRIPT))).await;
    assert_eq!(svg.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(svg.json()["message"].as_str().unwrap_or_default().contains("SVG images are not accepted"), "{:?}", svg.json());
    let listed = send(&app, Request::get("/wp-json/wp/v2/media").body(Body::empty()).expect("request")).await;
    assert_eq!(listed.header("x-wp-total"), "1", "nothing more was stored");
}
