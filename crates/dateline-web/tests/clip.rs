//! Clipping a story from the admin and the REST API (issue 10): a page served by a local
//! server (allowed through `[fetch] allow`, as a site's own network would not be) becomes a
//! draft link post by the person who asked; private addresses are refused with the reason.
//! (Every role may write posts, so every signed-in account may clip; anonymous requests may not.)

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::{PostStatus, Role};
use dateline_testkit::Db;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::*;

const PASSWORD: &str = "a long enough password";
const NBC: &str = "https://www.nbcnews.com/news/world/south-korea-martial-law-president-yoon-suk-yeol-impeachment-vote-rcna183138";

/// Serves `html` as `text/html` at every path of a local address, for as long as the test runs.
async fn serve_page(html: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let html = html.clone();
            tokio::spawn(async move {
                if read_request_head(&mut socket).await.is_none() {
                    return;
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    html.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&html).await;
            });
        }
    });
    format!("http://{address}/story")
}

async fn app_allowing_local_pages(db: Db) -> Option<TestApp> {
    TestApp::builder(db).config(|c| c.fetch.allow = vec!["127.0.0.1".into()]).build().await
}

pub async fn the_admin_clips_a_url_into_the_authors_draft(db: Db) {
    let Some(fixtures) = dateline_testkit::fixtures("clipping from the admin") else { return };
    let Some(app) = app_allowing_local_pages(db).await else { return };
    let page = std::fs::read(fixtures.join("articles/schema-org-context-object/source.html")).expect("fixture");
    let url = serve_page(page).await;
    let author = app.user("ravi", Role::Author, PASSWORD).await;
    let cookie = app.login("ravi", PASSWORD).await.expect("login");

    // The bookmarklet's link fills the form; nothing is saved by it.
    let query =
        format!("/admin/clip?url={}&selection=Quoted%20passage.", form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>());
    let form = app.get_as(&query, &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(attr(&form.html(), "#clip-url", "value"), url);
    assert_eq!(text(&form.html(), "#clip-selection"), "Quoted passage.");
    assert!(attr(&form.html(), "#bookmarklet", "href").starts_with("javascript:"), "the bookmarklet is offered");
    assert!(app.test_store.dyn_store().all_posts(dateline_core::PostKind::Post).await.expect("posts").is_empty());

    let csrf = app.admin_csrf(&cookie).await;
    let made = app.post_form("/admin/clip", &cookie, &[("_csrf", &csrf), ("url", &url), ("selection", "")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id: i64 = made.header("location").trim_start_matches("/admin/posts/").parse().expect("the editor's address");
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("the draft");
    assert_eq!(post.status, PostStatus::Draft);
    assert_eq!(post.author.id, author.id, "the draft is the clipper's");
    assert_eq!(post.title, "South Korean president’s impeachment fails after ruling party lawmakers walk out");
    let source = post.source.expect("the story credited");
    assert_eq!(source.reporter.as_deref(), Some("Stella Kim and Jennifer Jett"));
    assert_eq!(source.outlet.as_deref(), Some("NBC News"));
    assert_eq!(source.url.as_deref(), Some(NBC), "the page's canonical address");
    assert!(source.excerpt.len() >= 2 && source.excerpt[0].starts_with("SEOUL, South Korea"), "{:?}", source.excerpt);
    assert_eq!(app.get_as(&format!("/admin/posts/{id}"), &cookie).await.status, StatusCode::OK, "it opens in the editor");

    // A page pasted whole (past the 64 KiB other forms may send) with the passage to quote.
    let guardian = std::fs::read_to_string(fixtures.join("articles/guardian-1/source.html")).expect("fixture");
    let pasted = app
        .post_form(
            "/admin/clip",
            &cookie,
            &[("_csrf", &csrf), ("url", "https://www.theguardian.com/story"), ("selection", "Only this."), ("html", &guardian)],
        )
        .await;
    assert_eq!(pasted.status, StatusCode::SEE_OTHER, "{}", pasted.body);
    let id: i64 = pasted.header("location").trim_start_matches("/admin/posts/").parse().expect("the editor's address");
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("the draft");
    assert_eq!(post.source.expect("source").excerpt, vec!["Only this.".to_string()], "the selection is the quote");
}

pub async fn private_addresses_are_refused_with_the_reason(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ravi", Role::Author, PASSWORD).await;
    let cookie = app.login("ravi", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    for url in ["http://127.0.0.1:9/story", "http://10.0.0.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "ftp://example.org/"] {
        let refused = app.post_form("/admin/clip", &cookie, &[("_csrf", &csrf), ("url", url), ("selection", "Kept")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let problem = text(&refused.html(), "#clip-problem");
        assert!(problem.starts_with("This page could not be clipped: "), "{url}: {problem}");
        assert_eq!(text(&refused.html(), "#clip-selection"), "Kept", "what was typed is kept");
    }
    assert!(app.test_store.dyn_store().all_posts(dateline_core::PostKind::Post).await.expect("posts").is_empty(), "nothing was made");
}

async fn api_clip(app: &TestApp, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = Request::post("/wp-json/dateline/v1/clip").header("content-type", "application/json");
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = app.send(request.body(Body::from(body.to_string())).expect("request")).await;
    (response.status, serde_json::from_str(&response.body).unwrap_or(Value::Null))
}

pub async fn the_api_clips_for_those_who_may_write(db: Db) {
    let Some(fixtures) = dateline_testkit::fixtures("clipping through the API") else { return };
    let Some(app) = app_allowing_local_pages(db).await else { return };
    let url = serve_page(std::fs::read(fixtures.join("articles/schema-org-context-object/source.html")).expect("fixture")).await;
    use base64::Engine;
    let basic =
        |login: &str, password: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")));
    app.user("con", Role::Contributor, PASSWORD).await;
    let contributor = basic("con", &app.app_password("con").await);

    let (status, body) = api_clip(&app, Some(&contributor), json!({"url": url, "selection": "First quoted line.\n\nSecond."})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["dateline"]["source"]["outlet"], "NBC News");
    assert_eq!(body["dateline"]["source"]["excerpt"], json!(["First quoted line.", "Second."]));
    assert_eq!(body["dateline"]["clip"]["reporters"], json!(["Stella Kim", "Jennifer Jett"]));
    assert_eq!(body["dateline"]["clip"]["url"], NBC);

    let (status, body) = api_clip(&app, None, json!({"url": url})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("rest_cannot_create")));
    let (status, body) = api_clip(&app, Some(&contributor), json!({"url": "http://169.254.169.254/latest/meta-data/"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("dateline_cannot_clip")), "{body}");
    let (status, body) = api_clip(&app, Some(&contributor), json!({"selection": "no address"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("rest_invalid_param")), "{body}");
    let posts = app.test_store.dyn_store().all_posts(dateline_core::PostKind::Post).await.expect("posts");
    assert_eq!(posts.len(), 1, "only the one clip was made");
}
