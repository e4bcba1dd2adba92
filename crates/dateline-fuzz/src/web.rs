//! The doors a visitor knocks on, through the real router over a real SQLite store: the
//! comment form (with a valid token, so the input reaches the rules behind it) and the REST
//! API's JSON bodies and query strings (as an administrator, so every field is read). Whatever
//! is sent, the answer is never a server error: bad input is the sender's mistake (4xx).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use dateline_core::input::{InputDefaults, parse_post_json};
use dateline_testkit::TestStore;
use tower::ServiceExt;

struct Site {
    router: axum::Router,
    /// Kept so the store outlives the router (and its file is not reused).
    _store: TestStore,
    /// A post open for comments.
    commented: i64,
    /// A post the API's updates change.
    edited: i64,
    /// `Basic …` for an administrator's application password.
    authorization: String,
    /// Each request comes from another address, so per-client rate limits do not end the run.
    next_client: AtomicU32,
}

const PASSWORD: &str = "fuzzing fuzzing fuzzing";

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| crate::runtime().block_on(open_site()))
}

async fn open_site() -> Site {
    let store = dateline_testkit::fresh_sqlite().await;
    let dyn_store = store.dyn_store();
    let hash = dateline_web::auth::hash_password(PASSWORD).expect("hash");
    let admin = dateline_core::accounts::NewUser {
        login: "fuzzer".into(),
        display_name: "Fuzzer".into(),
        email: Some("fuzzer@example.org".into()),
        role: dateline_core::Role::Administrator,
        password_hash: hash,
    };
    let admin = dyn_store.create_user(admin).await.expect("an administrator");
    let app_password = dateline_web::auth::new_app_password();
    let app_hash = dateline_web::auth::hash_password(&app_password.replace(' ', "")).expect("hash");
    dyn_store.create_app_password(admin.id, "fuzz", &app_hash).await.expect("an application password");
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("fuzzer:{app_password}"));
    let mut ids = Vec::new();
    for title in ["Open for comments", "Edited by the API"] {
        let json =
            format!(r#"{{"title": "{title}", "body": "A body.", "published_at": "2024-05-01T00:00:00Z", "comment_status": "open"}}"#);
        let defaults = InputDefaults { author: "Fuzzer".into(), now: jiff::Timestamp::now() };
        let post = parse_post_json(&json, &defaults, &dateline_render::markdown_to_html).expect("a post");
        ids.push(dyn_store.create_post(post).await.expect("create the post").id);
    }
    let options = dateline_web::WebOptions {
        config: dateline_core::Config::for_test(),
        fallback_base_url: "http://dateline.test".into(),
        theme_dir: None,
        mailer: None,
    };
    let state = dateline_web::AppState::new(dyn_store, options).await.expect("the application");
    Site {
        router: dateline_web::app(state),
        _store: store,
        commented: ids[0],
        edited: ids[1],
        authorization: format!("Basic {credentials}"),
        next_client: AtomicU32::new(1),
    }
}

/// Sends `request` from the next client address; the status and the body.
async fn send(site: &Site, mut request: Request<Body>) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
    let n = site.next_client.fetch_add(1, Ordering::Relaxed);
    let peer: std::net::SocketAddr = (std::net::Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff)), 40000).into();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let response = site.router.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 32 * 1024 * 1024).await.expect("the body").to_vec();
    (status, body, headers)
}

fn assert_no_server_error(status: StatusCode, body: &[u8], what: &str, sent: &[u8]) {
    assert!(!status.is_server_error(), "{what}: {status} for {:?}: {}", String::from_utf8_lossy(sent), String::from_utf8_lossy(body));
}

/// Bytes as a query string a client could send: what a URI cannot hold is percent-encoded,
/// everything else (stray `%`, `&`, `=`, brackets) is left for the server's parser.
fn query_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_graphic() && byte != b'#' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The comment form, with the token and cookie a reader's browser would have: the input
/// follows them (first byte even) or stands alone (odd), as a hand-made request would.
pub fn comment_form(data: &[u8]) {
    let site = site();
    crate::runtime().block_on(async {
        let token_request = Request::get(format!("/comments/token?post={}", site.commented)).body(Body::empty()).expect("request");
        let (status, body, headers) = send(site, token_request).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let cookie = headers.get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).unwrap_or("").to_string();
        let token: serde_json::Value = serde_json::from_slice(&body).expect("the token's JSON");
        let mut form = Vec::new();
        if data.first().is_some_and(|b| b % 2 == 0) {
            form.extend_from_slice(
                format!("comment_post_ID={}&_token={}&", site.commented, token["token"].as_str().unwrap_or("")).as_bytes(),
            );
        }
        form.extend_from_slice(data.get(1..).unwrap_or_default());
        let request = Request::post("/comments")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Body::from(form.clone()))
            .expect("request");
        let (status, body, _) = send(site, request).await;
        assert_no_server_error(status, &body, "the comment form", &form);
    });
}

/// The REST API: the first byte picks the endpoint (and whether the administrator's
/// credentials go with it), the rest is the query string or the JSON body.
pub fn rest_api(data: &[u8]) {
    let Some((&pick, payload)) = data.split_first() else { return };
    let site = site();
    let query = query_string(payload);
    let (method, uri) = match pick % 10 {
        0 => ("GET", format!("/wp-json/wp/v2/posts?{query}")),
        1 => ("POST", "/wp-json/wp/v2/posts".to_string()),
        2 => ("POST", format!("/wp-json/wp/v2/posts/{}", site.edited)),
        3 => ("POST", "/wp-json/wp/v2/comments".to_string()),
        4 => ("GET", format!("/wp-json/wp/v2/comments?{query}")),
        5 => ("GET", format!("/?s={query}")),
        6 => ("GET", format!("/wp-json/wp/v2/search?{query}")),
        7 => ("POST", "/wp-json/wp/v2/tags".to_string()),
        8 => ("POST", "/wp-json/wp/v2/categories".to_string()),
        _ => ("GET", format!("/wp-json/wp/v2/users?{query}")),
    };
    let mut request = Request::builder().method(method).uri(&uri);
    if pick & 0x80 == 0 {
        request = request.header("authorization", &site.authorization);
    }
    let body = if method == "POST" { Body::from(payload.to_vec()) } else { Body::empty() };
    let Ok(request) = request.header("content-type", "application/json").body(body) else { return };
    crate::runtime().block_on(async {
        let (status, body, _) = send(site, request).await;
        assert_no_server_error(status, &body, &format!("{method} {uri}"), payload);
    });
}
