//! The media library over HTTP: uploads through the REST API (raw body and multipart), files
//! served by hash with year-long caching, hostile files refused with nothing stored.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use dateline_core::Role;
use dateline_media::testing::{GIF_JS_POLYGLOT, SVG_WITH_SCRIPT, elf, has_exif, jpeg_with_gps, png_bomb};
use dateline_testkit::Db;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::TestApp;

/// An answer with its body as bytes.
pub(crate) struct Raw {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Raw {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

pub(crate) async fn send(app: &TestApp, request: Request<Body>) -> Raw {
    let response = app.router.clone().oneshot(request).await.expect("response");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body").to_vec();
    Raw { status: parts.status, headers: parts.headers, bytes }
}

fn basic(login: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")))
}

/// A raw upload as WordPress clients send it.
fn raw_upload(auth: &str, name: &str, content_type: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post("/wp-json/wp/v2/media")
        .header("authorization", auth)
        .header("content-type", content_type)
        .header("content-disposition", format!("attachment; filename=\"{name}\""))
        .body(Body::from(bytes))
        .expect("request")
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

fn path_of(url: &str) -> String {
    url.find("/media/").map(|i| url[i..].to_string()).unwrap_or_default()
}

async fn author(app: &TestApp, login: &str, role: Role) -> String {
    app.user(login, role, "pw-long-enough-1").await;
    basic(login, &app.app_password(login).await)
}

pub async fn an_api_upload_loses_its_gps_and_is_served_with_its_variants(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = author(&app, "ana", Role::Author).await;
    let photo = jpeg_with_gps(800, 400, 1);
    assert!(has_exif(&photo));
    let created = send(&app, raw_upload(&auth, "Harbour at dawn.JPG", "image/jpeg", photo)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&created.bytes));
    let item = created.json();
    assert_eq!((item["mime_type"].as_str(), item["media_type"].as_str()), (Some("image/jpeg"), Some("image")));
    assert_eq!(item["title"]["rendered"], "harbour at dawn");
    assert_eq!((item["media_details"]["width"].as_u64(), item["media_details"]["height"].as_u64()), (Some(800), Some(400)));
    let sizes = item["media_details"]["sizes"].as_object().expect("sizes");
    let mut names: Vec<&str> = sizes.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["320", "320-webp", "640", "640-webp", "full"]);

    let source = path_of(item["source_url"].as_str().expect("source_url"));
    assert!(source.ends_with("/harbour-at-dawn.jpg"), "{source}");
    let file = send(&app, get(&source)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "image/jpeg");
    assert_eq!(file.header("cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert_eq!(file.header("content-disposition"), "");
    assert!(!has_exif(&file.bytes), "the served file has no EXIF or GPS");
    let etag = file.header("etag").to_string();
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    let again = send(&app, Request::get(&source).header("if-none-match", &etag).body(Body::empty()).expect("request")).await;
    assert_eq!((again.status, again.bytes.len()), (StatusCode::NOT_MODIFIED, 0));

    let webp = send(&app, get(&path_of(sizes["640-webp"]["source_url"].as_str().expect("url")))).await;
    assert_eq!((webp.status, webp.header("content-type")), (StatusCode::OK, "image/webp"));
    assert_eq!(&webp.bytes[8..12], b"WEBP");
    let small = send(&app, get(&path_of(sizes["320"]["source_url"].as_str().expect("url")))).await;
    assert!(!has_exif(&small.bytes));

    // Listed, read, edited, deleted as WordPress clients expect.
    let listed = send(&app, get("/wp-json/wp/v2/media?media_type=image")).await;
    assert_eq!((listed.status, listed.header("x-wp-total")), (StatusCode::OK, "1"));
    let id = item["id"].as_i64().expect("id");
    let edit = Request::post(format!("/wp-json/wp/v2/media/{id}"))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"alt_text":"Boats at the quay","caption":"Photo <b>Ana</b>"}"#))
        .expect("request");
    let edited = send(&app, edit).await.json();
    assert_eq!(edited["alt_text"], "Boats at the quay");
    assert_eq!(edited["caption"]["rendered"], "<p>Photo &lt;b&gt;Ana&lt;/b&gt;</p>\n");
    let delete = |force: &str| {
        Request::delete(format!("/wp-json/wp/v2/media/{id}{force}")).header("authorization", &auth).body(Body::empty()).expect("request")
    };
    assert_eq!(send(&app, delete("")).await.status, StatusCode::NOT_IMPLEMENTED);
    let deleted = send(&app, delete("?force=true")).await;
    assert_eq!((deleted.status, deleted.json()["deleted"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(send(&app, get(&source)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&app, get(&format!("/wp-json/wp/v2/media/{id}"))).await.status, StatusCode::NOT_FOUND);
}

pub async fn multipart_uploads_and_documents_are_downloads(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = author(&app, "ana", Role::Editor).await;
    let boundary = "XyZzY";
    let mut body = Vec::new();
    for (name, value) in [("alt_text", "A report"), ("title", "Annual report")] {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\r\n");
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::post("/wp-json/wp/v2/media")
        .header("authorization", &auth)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("request");
    let created = send(&app, request).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&created.bytes));
    let item = created.json();
    assert_eq!((item["title"]["rendered"].as_str(), item["alt_text"].as_str()), (Some("Annual report"), Some("A report")));
    assert_eq!((item["media_type"].as_str(), item["mime_type"].as_str()), (Some("file"), Some("application/pdf")));
    let file = send(&app, get(&path_of(item["source_url"].as_str().expect("url")))).await;
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(file.header("content-disposition"), "attachment; filename=\"report.pdf\"");
}

pub async fn hostile_files_are_refused_and_nothing_is_stored(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.media.max_upload_mb = 1).build().await else { return };
    let auth = author(&app, "ana", Role::Author).await;
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("logo.svg", SVG_WITH_SCRIPT.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "SVG images are not accepted"),
        ("bomb.png", png_bomb(60_000, 60_000), StatusCode::UNSUPPORTED_MEDIA_TYPE, "60000×60000 pixels"),
        ("cute.jpg", elf(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "executable files are not accepted"),
        ("x.gif", GIF_JS_POLYGLOT.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "image"),
        ("big.jpg", vec![0xFF; 2 * 1024 * 1024], StatusCode::PAYLOAD_TOO_LARGE, "the limit is 1 MB"),
    ];
    for (name, bytes, status, message) in cases {
        let refused = send(&app, raw_upload(&auth, name, "image/jpeg", bytes)).await;
        assert_eq!(refused.status, status, "{name}: {}", String::from_utf8_lossy(&refused.bytes));
        let text = refused.json()["message"].as_str().unwrap_or_default().to_string();
        assert!(text.to_lowercase().contains(&message.to_lowercase()), "{name}: {text}");
    }
    let no_name = Request::post("/wp-json/wp/v2/media").header("authorization", &auth).body(Body::from("x")).expect("request");
    assert_eq!(send(&app, no_name).await.json()["code"], "rest_upload_no_content_disposition");
    let contributor = author(&app, "cy", Role::Contributor).await;
    let refused = send(&app, raw_upload(&contributor, "a.jpg", "image/jpeg", jpeg_with_gps(20, 20, 1))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let anonymous = Request::post("/wp-json/wp/v2/media")
        .header("content-disposition", "attachment; filename=a.jpg")
        .body(Body::from(jpeg_with_gps(20, 20, 1)))
        .expect("request");
    assert_eq!(send(&app, anonymous).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, get("/wp-json/wp/v2/media")).await.header("x-wp-total"), "0", "nothing stored");
    if let Some(dir) = app.test_store.store.media_dir() {
        assert!(!dir.exists() || std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0) == 0, "no file written");
    }
}

pub async fn uploads_are_limited_per_account_per_hour(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.media.uploads_per_hour = 1).build().await else { return };
    let auth = author(&app, "ana", Role::Author).await;
    let first = send(&app, raw_upload(&auth, "a.jpg", "image/jpeg", jpeg_with_gps(20, 20, 1))).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = send(&app, raw_upload(&auth, "b.jpg", "image/jpeg", jpeg_with_gps(21, 20, 1))).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.json()["message"].as_str().unwrap_or_default().contains("try again in 60 minutes"));
}

pub async fn a_featured_image_heads_the_post_and_its_share_card(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = author(&app, "ana", Role::Author).await;
    let image = send(&app, raw_upload(&auth, "harbour.jpg", "image/jpeg", jpeg_with_gps(2000, 1000, 1))).await.json();
    let id = image["id"].as_i64().expect("id");
    let edit = Request::post(format!("/wp-json/wp/v2/media/{id}"))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"alt_text":"Boats at the quay","caption":"The harbour at dawn"}"#))
        .expect("request");
    assert_eq!(send(&app, edit).await.status, StatusCode::OK);
    let pdf = send(&app, raw_upload(&auth, "r.pdf", "application/pdf", b"%PDF-1.4\n%%EOF".to_vec())).await.json();

    let create = |body: String| {
        Request::post("/wp-json/wp/v2/posts")
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let refused = send(&app, create(format!(r#"{{"title":"No","status":"publish","featured_media":{}}}"#, pdf["id"]))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let post = send(&app, create(format!(r#"{{"title":"Dawn","content":"Boats.","status":"publish","featured_media":{id}}}"#))).await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&post.bytes));
    let post = post.json();
    assert_eq!(post["featured_media"].as_i64(), Some(id));

    let link = post["link"].as_str().expect("link");
    let path = &link[link.find("://").map(|i| i + 3).unwrap_or(0)..];
    let path = &path[path.find('/').unwrap_or(0)..];
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.html();
    let img = crate::support::attr(&html, ".featured-image img", "srcset");
    assert!(img.contains(" 320w") && img.contains(" 1600w") && img.contains(" 2000w"), "{img}");
    assert_eq!(crate::support::attr(&html, ".featured-image img", "width"), "2000");
    assert_eq!(crate::support::attr(&html, ".featured-image img", "height"), "1000");
    assert_eq!(crate::support::attr(&html, ".featured-image img", "alt"), "Boats at the quay");
    assert_eq!(crate::support::text(&html, ".featured-image figcaption"), "The harbour at dawn");
    let og = crate::support::attr(&html, r#"meta[property="og:image"]"#, "content");
    assert!(og.starts_with("http") && og.ends_with("/harbour-1600.jpg"), "{og}");
    assert_eq!(crate::support::attr(&html, r#"meta[name="twitter:card"]"#, "content"), "summary_large_image");
    let ld = crate::support::text(&html, r#"script[type="application/ld+json"]"#);
    let ld: Value = serde_json::from_str(&ld).expect("json-ld");
    assert_eq!(ld["image"]["url"].as_str(), Some(og.as_str()));
    // The card's picture is served, without the GPS block.
    let card = send(&app, get(&path_of(&og))).await;
    assert_eq!((card.status, has_exif(&card.bytes)), (StatusCode::OK, false));

    // Deleting the image (confirmed) leaves the post without one, and the page shows that.
    let delete = Request::delete(format!("/wp-json/wp/v2/media/{id}?force=true"))
        .header("authorization", &auth)
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, delete).await.status, StatusCode::OK);
    let page = app.get(path).await;
    assert!(!page.body.contains("featured-image") && !page.body.contains("og:image"));
    assert!(page.body.contains(r#"<meta name="twitter:card" content="summary">"#));
}

/// A multipart form of the Media page: the CSRF token and one file.
pub(crate) fn admin_upload(cookie: &str, csrf: &str, name: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "AdminBoundary42";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post("/admin/media")
        .header("cookie", cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("request")
}

pub async fn the_media_page_uploads_edits_and_confirms_deletes(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ana", Role::Author, "pw-long-enough-1").await;
    let cookie = app.login("ana", "pw-long-enough-1").await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;

    let forged = send(&app, admin_upload(&cookie, "not-the-token", "a.jpg", &jpeg_with_gps(40, 20, 1))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let uploaded = send(&app, admin_upload(&cookie, &csrf, "Quay.jpg", &jpeg_with_gps(700, 350, 1))).await;
    assert_eq!((uploaded.status, uploaded.header("location")), (StatusCode::SEE_OTHER, "/admin/media?done=uploaded"));
    let refused = send(&app, admin_upload(&cookie, &csrf, "logo.svg", SVG_WITH_SCRIPT)).await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let html = scraper::Html::parse_document(&String::from_utf8_lossy(&refused.bytes));
    assert!(crate::support::text(&html, ".form-error").contains("“logo.svg” was not uploaded: SVG images are not accepted"));

    let page = app.get_as("/admin/media?type=image", &cookie).await;
    let html = page.html();
    assert_eq!(crate::support::texts(&html, ".media-card figcaption strong"), ["quay"]);
    let thumbnail = crate::support::attr(&html, ".media-card img", "src");
    assert!(thumbnail.ends_with("/quay-320.jpg"), "{thumbnail}");
    assert_eq!(crate::support::texts(&app.get_as("/admin/media?type=audio", &cookie).await.html(), ".media-card").len(), 0);
    let id = crate::support::attr(&html, ".media-card", "id").trim_start_matches("media-").to_string();

    let saved = app
        .post_form(
            &format!("/admin/media/{id}/edit"),
            &cookie,
            &[("_csrf", &csrf), ("title", "Quay"), ("alt_text", "Boats"), ("caption", "")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let html = app.get_as("/admin/media?search=boats", &cookie).await.html();
    assert_eq!(crate::support::attr(&html, ".media-card img", "alt"), "Boats");

    // The editor offers it as the featured image; published, the post shows it.
    let editor = app.get_as("/admin/posts/new", &cookie).await.html();
    assert_eq!(crate::support::texts(&editor, "#featured_media option"), ["None", "Quay (quay.jpg)"]);
    let fields =
        [("_csrf", csrf.as_str()), ("title", "Featured"), ("body", "Boats."), ("featured_media", id.as_str()), ("action", "publish")];
    let saved = app.post_form("/admin/posts/new", &cookie, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let post_id: i64 =
        saved.header("location").split('?').next().and_then(|p| p.rsplit('/').next()).and_then(|i| i.parse().ok()).expect("id");
    let post = app.test_store.dyn_store().post_by_id(post_id).await.expect("read").expect("post");
    assert_eq!(post.featured_media, id.parse().ok());
    let page = app.get(&app.permalink(&post)).await.html();
    assert!(crate::support::attr(&page, r#"meta[property="og:image"]"#, "content").ends_with("/quay.jpg"));

    // Posts that show it: the delete page says so before anything goes.
    let url = crate::support::attr(&html, ".media-card input[readonly]", "value");
    app.post(&crate::support::post_json("Uses it", "2024-05-01T10:00:00Z", serde_json::json!({"body": format!("![Boats]({url})")}))).await;
    let confirm = app.get_as(&format!("/admin/media/{id}/delete"), &cookie).await;
    assert!(crate::support::text(&confirm.html(), ".form-error").contains("Used by 2 posts."), "{}", confirm.body);
    let unconfirmed = app.post_form(&format!("/admin/media/{id}/delete"), &cookie, &[("_csrf", "wrong")]).await;
    assert_eq!(unconfirmed.status, StatusCode::FORBIDDEN);
    let deleted = app.post_form(&format!("/admin/media/{id}/delete"), &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!((deleted.status, deleted.header("location")), (StatusCode::SEE_OTHER, "/admin/media?done=deleted"));
    assert_eq!(send(&app, get(&url)).await.status, StatusCode::NOT_FOUND);
    let post = app.test_store.dyn_store().post_by_id(post_id).await.expect("read").expect("post");
    assert_eq!(post.featured_media, None, "the post lost its featured image with the file");
}
