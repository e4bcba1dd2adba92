//! A test application: a fresh store on the chosen backend, the router built over it, and
//! helpers to send requests and read the answers.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::input::{InputDefaults, parse_post_json};
use dateline_core::{Config, Post};
use dateline_testkit::{Db, TestStore, fresh};
use dateline_web::{AppState, WebOptions};
use tower::ServiceExt;

pub struct TestApp {
    pub test_store: TestStore,
    pub router: axum::Router,
    pub config: Config,
    /// The application state behind `router` (to serve it on a real listener).
    pub state: AppState,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }
}

/// The shared fixtures folder beside the repository (see [`dateline_testkit::fixtures`]).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// The seed post (post.json) with the facts the page has but the file leaves null; `None`
/// (the suite skips) in a checkout without the shared fixtures.
pub fn seed_json() -> Option<String> {
    let dir = dateline_testkit::fixtures("the seed post's cases")?;
    let text = std::fs::read_to_string(dir.join("seed/post.json")).expect("shared/fixtures/seed/post.json");
    let mut seed: serde_json::Value = serde_json::from_str(&text).expect("seed json");
    seed["published_at"] = "2022-05-20T14:30:00Z".into();
    seed["author"] = "Marta Reyes".into();
    seed["comment_status"] = "closed".into();
    seed["categories"] = serde_json::json!(["World/Latin America"]);
    seed["tags"] = serde_json::json!(["Cuba", "Russia"]);
    Some(seed.to_string())
}

pub struct Builder {
    db: Db,
    config: Config,
    theme: Option<PathBuf>,
    mailer: Option<std::sync::Arc<dyn dateline_core::mail::Mailer>>,
}

impl Builder {
    pub fn config(mut self, change: impl FnOnce(&mut Config)) -> Builder {
        change(&mut self.config);
        self
    }

    pub fn theme(mut self, dir: PathBuf) -> Builder {
        self.theme = Some(dir);
        self
    }

    /// Sends notifications through a real SMTP client to `port` on this machine.
    pub fn smtp(mut self, port: u16) -> Builder {
        let settings = dateline_core::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            from: "Dateline <blog@example.org>".into(),
            username: None,
            password: None,
            security: None,
        };
        self.mailer = Some(std::sync::Arc::new(dateline_mail::SmtpMailer::new(&settings).expect("smtp settings")));
        self
    }

    /// `None` when the backend is not available (PostgreSQL without a URL, outside CI).
    pub async fn build(self) -> Option<TestApp> {
        let test_store = fresh(self.db).await?;
        let options = WebOptions {
            config: self.config.clone(),
            fallback_base_url: "http://unused".into(),
            theme_dir: self.theme,
            mailer: self.mailer,
        };
        let state = AppState::new(test_store.dyn_store(), options).await.expect("app state");
        Some(TestApp { router: dateline_web::app(state.clone()), test_store, config: self.config, state })
    }
}

impl TestApp {
    pub fn builder(db: Db) -> Builder {
        Builder { db, config: Config::for_test(), theme: None, mailer: None }
    }

    pub async fn new(db: Db) -> Option<TestApp> {
        TestApp::builder(db).build().await
    }

    /// Creates a post from JSON in the shape of post.json.
    pub async fn post(&self, json: &str) -> Post {
        let defaults = InputDefaults { author: "Editor".into(), now: jiff::Timestamp::now() };
        let post = parse_post_json(json, &defaults, &dateline_render::markdown_to_html).expect("valid post json");
        let post = self.test_store.dyn_store().create_post(post).await.expect("create post");
        self.written_behind_the_server();
        post
    }

    /// After a test wrote to the store directly, as another process would: the server's
    /// change watch notices within a tenth of a second; tests that read at once say so.
    pub fn written_behind_the_server(&self) {
        self.state.cache.invalidate();
    }

    pub fn permalink(&self, post: &Post) -> String {
        dateline_web::permalink(&self.config.time_zone(), post)
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }

    /// Sends any request through the router, as a client on 192.0.2.10 would.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        self.send_from([192, 0, 2, 10], request).await
    }

    /// Another instance of the application over the same store (as behind a load balancer).
    pub async fn second_instance(&self) -> axum::Router {
        let options = WebOptions { config: self.config.clone(), fallback_base_url: "http://unused".into(), theme_dir: None, mailer: None };
        let state = AppState::new(self.test_store.dyn_store(), options).await.expect("app state");
        dateline_web::app(state)
    }

    /// Sends a request through `router` from the client at `ip`.
    pub async fn send_to(router: &axum::Router, ip: [u8; 4], mut request: Request<Body>) -> TestResponse {
        let peer: std::net::SocketAddr = (ip, 40000).into();
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        let response = router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("body");
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Sends any request through the router from the client at `ip`.
    pub async fn send_from(&self, ip: [u8; 4], request: Request<Body>) -> TestResponse {
        Self::send_to(&self.router, ip, request).await
    }
}

/// The text of every element matching `selector`, whitespace collapsed.
pub fn texts(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("selector");
    html.select(&selector).map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// The one text matching `selector`.
pub fn text(html: &scraper::Html, selector: &str) -> String {
    let all = texts(html, selector);
    assert_eq!(all.len(), 1, "expected one {selector}, found {all:?}");
    all.into_iter().next().unwrap_or_default()
}

/// An attribute of the one element matching `selector`.
pub fn attr(html: &scraper::Html, selector: &str, name: &str) -> String {
    let parsed = scraper::Selector::parse(selector).expect("selector");
    let mut found = html.select(&parsed);
    let element = found.next().unwrap_or_else(|| panic!("no {selector}"));
    element.value().attr(name).unwrap_or_else(|| panic!("{selector} has no {name}")).to_string()
}

/// A small post in the JSON input shape.
pub fn post_json(title: &str, published_at: &str, extra: serde_json::Value) -> String {
    let mut post = serde_json::json!({ "title": title, "body": format!("Commentary on {title}."), "published_at": published_at });
    if let (Some(post), serde_json::Value::Object(extra)) = (post.as_object_mut(), extra) {
        post.extend(extra);
    }
    post.to_string()
}

/// A comment form as a browser holds it: the page's cookie and hidden fields.
pub struct FormSession {
    pub cookie: String,
    pub token: String,
    pub post_id: String,
}

impl TestApp {
    /// Opens the post at `path` like a browser: the page is the same for every reader (no
    /// cookie, no token in it); its script then asks for the reader's token, which comes with
    /// the CSRF cookie it is bound to.
    pub async fn open_form(&self, path: &str) -> FormSession {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.header("set-cookie"), "", "the shared page sets no cookie");
        let html = page.html();
        assert_eq!(attr(&html, "#commentform input[name=_token]", "value"), "", "the shared page holds no token");
        let post_id = attr(&html, "input[name=comment_post_ID]", "value");
        let (cookie, token) = self.form_token(&post_id, None).await;
        FormSession { cookie, token, post_id }
    }

    /// What the form's script asks for: a token for `post_id` (and the CSRF cookie it is
    /// bound to, when the reader sends none).
    pub async fn form_token(&self, post_id: &str, cookie: Option<&str>) -> (String, String) {
        let mut request = Request::get(format!("/comments/token?post={post_id}"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let answer = self.send(request.body(Body::empty()).expect("request")).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let cookie = match cookie {
            Some(cookie) => cookie.to_string(),
            None => answer.header("set-cookie").split(';').next().expect("a CSRF cookie").to_string(),
        };
        assert!(cookie.starts_with("dateline_csrf="), "{cookie}");
        let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        (cookie, json["token"].as_str().expect("token").to_string())
    }

    /// Sends the comment form with `fields` (name, value) added to the session's hidden ones.
    pub async fn submit_comment(&self, session: &FormSession, fields: &[(&str, &str)]) -> TestResponse {
        let mut all: Vec<(&str, &str)> = vec![("comment_post_ID", &session.post_id), ("_token", &session.token)];
        all.extend_from_slice(fields);
        self.post_form("/comments", &session.cookie, &all).await
    }

    pub async fn post_form(&self, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let request = Request::post(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Posts an ordinary comment as `author` and returns where the server sent the reader.
    pub async fn comment(&self, path: &str, author: &str, text: &str, parent: Option<i64>) -> String {
        let session = self.open_form(path).await;
        let parent = parent.map(|p| p.to_string()).unwrap_or_else(|| "0".into());
        let email = format!("{}@example.org", author.to_lowercase().replace(' ', "."));
        let response =
            self.submit_comment(&session, &[("author", author), ("email", &email), ("comment", text), ("comment_parent", &parent)]).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        response.header("location").to_string()
    }
}

/// application/x-www-form-urlencoded encoding of one value.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The comment id at the end of a `…#comment-ID` location.
pub fn comment_id(location: &str) -> i64 {
    location.rsplit("#comment-").next().and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("no comment id in {location}"))
}

/// The four roles, in WordPress's order of power.
pub const ROLES: [dateline_core::Role; 4] =
    [dateline_core::Role::Administrator, dateline_core::Role::Editor, dateline_core::Role::Author, dateline_core::Role::Contributor];

impl TestApp {
    /// Creates an account with `password` (login = the role's name unless given).
    pub async fn user(&self, login: &str, role: dateline_core::Role, password: &str) -> dateline_core::User {
        let hash = dateline_web::auth::hash_password(password).expect("hash");
        let user = dateline_core::accounts::NewUser {
            login: login.into(),
            display_name: login.into(),
            email: Some(format!("{login}@example.org")),
            role,
            password_hash: hash,
        };
        self.test_store.dyn_store().create_user(user).await.expect("create user")
    }

    /// A new application password for the account `login`, as `dateline user app-password` makes one.
    pub async fn app_password(&self, login: &str) -> String {
        let user = self.test_store.dyn_store().user_credentials(login).await.expect("read").expect("user").0;
        let password = dateline_web::auth::new_app_password();
        let hash = dateline_web::auth::hash_password(&password.replace(' ', "")).expect("hash");
        self.test_store.dyn_store().create_app_password(user.id, "tests", &hash).await.expect("app password");
        password
    }

    /// Sends `requests` all at once from the client at `ip`; the answers in any order.
    pub async fn send_all_at_once(&self, ip: [u8; 4], requests: Vec<Request<Body>>) -> Vec<TestResponse> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|request| {
                let router = self.router.clone();
                tokio::spawn(async move { TestApp::send_to(&router, ip, request).await })
            })
            .collect();
        let mut answers = Vec::with_capacity(tasks.len());
        for task in tasks {
            answers.push(task.await.expect("request task"));
        }
        answers
    }

    /// Logs in through the login form; returns the Cookie header value to send afterwards.
    pub async fn login(&self, login: &str, password: &str) -> Result<String, TestResponse> {
        let page = self.get("/admin/login").await;
        let csrf = page.header("set-cookie").split(';').next().unwrap_or_default().to_string();
        let token = attr(&page.html(), "input[name=_token]", "value");
        let response = self
            .post_form("/admin/login", &csrf, &[("log", login), ("pwd", password), ("_token", &token), ("redirect_to", "/admin/")])
            .await;
        if response.status != StatusCode::SEE_OTHER {
            return Err(response);
        }
        let session = response.header("set-cookie").split(';').next().unwrap_or_default().to_string();
        Ok(format!("{csrf}; {session}"))
    }

    /// GET with a cookie.
    pub async fn get_as(&self, uri: &str, cookie: &str) -> TestResponse {
        self.send(Request::get(uri).header("cookie", cookie).body(Body::empty()).expect("request")).await
    }

    /// The admin CSRF token on a page the session can see.
    pub async fn admin_csrf(&self, cookie: &str) -> String {
        attr(&self.get_as("/admin/", cookie).await.html(), "form.logout input[name=_csrf]", "value")
    }
}

/// What a local test server reads of a request: up to the end of its head; `None` when the
/// client went away first.
pub async fn read_request_head(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    Some(request)
}
