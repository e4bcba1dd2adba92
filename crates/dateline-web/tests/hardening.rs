//! What an outside probe found, each with the behaviour that closes it (issue 14): leaks and
//! escapes, lockouts and throttles, stalls, writes that stayed broken, and API gaps.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::Role;
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "a long enough password";

/// A post behind a password, with a link-post source whose every part is a secret.
async fn protected_link_post(app: &TestApp) -> dateline_core::Post {
    let post = app
        .post(&post_json("Members only", "2020-01-01T00:00:00Z", json!({
            "dek": "secret dek", "body": "hidden commentary",
            "source": {"reporter": "Secret Reporter", "outlet": "Secret Outlet", "url": "https://secret.example/story", "headline": "secret headline", "excerpt": ["secret quote"]},
        })))
        .await;
    let mut write = dateline_core::PostWrite::from_post(&post);
    write.password = Some("letmein".into());
    app.test_store.dyn_store().save_post(Some(post.id), write).await.expect("protect")
}

const SECRETS: [&str; 8] = [
    "secret dek",
    "hidden commentary",
    "Secret Reporter",
    "Secret Outlet",
    "secret.example",
    "secret headline",
    "secret quote",
    "isBasedOn",
];

pub async fn a_locked_post_shows_nothing_of_its_content_anywhere(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = protected_link_post(&app).await;
    let path = app.permalink(&post);
    let urls = [
        path.clone(),
        "/".into(),
        "/2020/".into(),
        "/feed/".into(),
        "/feed/atom/".into(),
        "/feed.json".into(),
        "/sitemap.xml".into(),
        "/wp-json/wp/v2/posts".into(),
        format!("/wp-json/wp/v2/posts/{}", post.id),
        "/wp-json/wp/v2/posts?search=secret".into(),
        "/?s=secret".into(),
    ];
    for url in urls {
        let body = app.get(&url).await.body;
        for secret in SECRETS {
            assert!(!body.contains(secret), "{url} shows {secret:?}");
        }
    }
    // The page still says what it is: its title and the password form.
    let page = app.get(&path).await.html();
    assert_eq!(text(&page, "h1"), "Protected: Members only");
    assert_eq!(texts(&page, ".post-password-form").len(), 1);
}

pub async fn api_rendered_fields_are_what_the_site_shows(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json(
        "<script>alert(1)</script> & <b>co</b>",
        "2024-01-01T00:00:00Z",
        json!({"dek": "<img src=x onerror=alert(2)> dek"}),
    ))
    .await;
    let list: Value = serde_json::from_str(&app.get("/wp-json/wp/v2/posts").await.body).expect("json");
    let post = &list[0];
    let title = post["title"]["rendered"].as_str().expect("title");
    assert_eq!(title, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;");
    let excerpt = post["excerpt"]["rendered"].as_str().expect("excerpt");
    assert_eq!(excerpt, "<p>&lt;img src=x onerror=alert(2)&gt; dek</p>\n");
    // Raw values stay raw where WordPress gives them raw (the edit context).
    assert_eq!(post["dateline"]["dek"], "<img src=x onerror=alert(2)> dek");
}

pub async fn feed_titles_are_plain_text(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json(
            "Big <script>alert(1)</script><b>news</b>",
            "2024-01-01T00:00:00Z",
            json!({
                "comments": [{"author": "<i>Evil</i> Eve", "body": "first"}],
            }),
        ))
        .await;
    let rss = rss::Channel::read_from(app.get("/feed/").await.body.as_bytes()).expect("rss");
    assert_eq!(rss.items()[0].title(), Some("Big alert(1)news"));
    let atom = atom_syndication::Feed::read_from(app.get("/feed/atom/").await.body.as_bytes()).expect("atom");
    assert_eq!(atom.entries()[0].title().as_str(), "Big alert(1)news");
    let json: Value = serde_json::from_str(&app.get("/feed.json").await.body).expect("json feed");
    assert_eq!(json["items"][0]["title"], "Big alert(1)news");
    for url in ["/comments/feed/".to_string(), format!("{}feed/", app.permalink(&post))] {
        let comments = rss::Channel::read_from(app.get(&url).await.body.as_bytes()).expect("comment rss");
        assert_eq!(comments.items()[0].title(), Some("Comment on Big alert(1)news by Evil Eve"), "{url}");
        assert!(!comments.title().contains('<'), "{url}: {}", comments.title());
    }
}

pub async fn stored_source_links_that_are_not_web_addresses_are_not_links(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json("Quoting", "2024-01-01T00:00:00Z", json!({"source": {"outlet": "Wire", "url": "https://wire.example/a"}})))
        .await;
    // A link stored before every door checked (or by a door that did not).
    let mut write = dateline_core::PostWrite::from_post(&post);
    if let Some(source) = write.source.as_mut() {
        source.url = Some("javascript:alert(document.domain)".into());
    }
    app.test_store.dyn_store().save_post(Some(post.id), write).await.expect("save");
    for url in [app.permalink(&post), "/feed/".into(), "/feed/atom/".into(), "/feed.json".into()] {
        assert!(!app.get(&url).await.body.contains("javascript:"), "{url}");
    }
    // The API refuses such a link, naming the field.
    let (login, password) = app_password(&app, "ed", Role::Editor).await;
    let refused = app
        .send(api_request(
            "POST",
            "/wp-json/wp/v2/posts",
            &login,
            &password,
            json!({"title": "x", "dateline": {"source": {"url": "javascript:alert(1)"}}}),
        ))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("dateline.source.url"), "{}", refused.body);
}

pub async fn contributors_never_see_others_unpublished_titles(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let store = app.test_store.dyn_store();
    let contributor = app.user("cora", Role::Contributor, PASSWORD).await;
    let editor = app.user("ed", Role::Editor, PASSWORD).await;
    for (title, status, author) in [
        ("Editor private plans", dateline_core::PostStatus::Private, editor.id),
        ("Editor draft plans", dateline_core::PostStatus::Draft, editor.id),
        ("Editor published story", dateline_core::PostStatus::Published, editor.id),
        ("Cora own draft", dateline_core::PostStatus::Draft, contributor.id),
    ] {
        let mut write = dateline_core::PostWrite::new_draft(dateline_core::PostKind::Post, author, dateline_core::BodyFormat::Markdown);
        write.title = title.into();
        write.slug = dateline_core::slug::slugify(title);
        write.status = status;
        write.published_at = jiff::Timestamp::from_second(1_700_000_000).expect("time");
        store.save_post(None, write).await.expect("save");
    }
    let cookie = app.login("cora", PASSWORD).await.expect("login");
    for url in ["/admin/posts", "/admin/posts?status=private", "/admin/posts?status=draft", "/admin/posts?s=plans"] {
        let body = app.get_as(url, &cookie).await.body;
        assert!(!body.contains("Editor private plans") && !body.contains("Editor draft plans"), "{url}");
    }
    let all = app.get_as("/admin/posts", &cookie).await.body;
    assert!(all.contains("Editor published story") && all.contains("Cora own draft"));
    // An editor sees everything.
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    assert!(app.get_as("/admin/posts?status=private", &cookie).await.body.contains("Editor private plans"));
}

/// An application password for a new account `login` with `role`.
async fn app_password(app: &TestApp, login: &str, role: Role) -> (String, String) {
    app.user(login, role, PASSWORD).await;
    (login.to_string(), app.app_password(login).await)
}

fn api_request(method: &str, uri: &str, login: &str, password: &str, body: Value) -> Request<Body> {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Basic {auth}"))
        .header("content-type", "application/json")
        .body(if method == "GET" { Body::empty() } else { Body::from(body.to_string()) })
        .expect("request")
}

pub async fn strangers_cannot_lock_out_an_api_password_and_valid_requests_never_count(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let (login, password) = app_password(&app, "owner", Role::Editor).await;
    let me = |who: &str, pass: &str| api_request("GET", "/wp-json/wp/v2/users/me", who, pass, Value::Null);
    // A stranger guesses from elsewhere until refused there.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(app.send_from([203, 0, 113, 66], me(&login, "wrong guess")).await.status);
    }
    assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[6], StatusCode::TOO_MANY_REQUESTS, "the guesser is throttled");
    // The owner, from their own address, is not locked out.
    assert_eq!(app.send(me(&login, &password)).await.status, StatusCode::OK);
    // Nor by guesses spread over many addresses (more than the account's limit in all): each
    // guessing address is stopped, a clean one is not.
    for host in 1..=11u8 {
        for _ in 0..5 {
            app.send_from([203, 0, 113, host], me(&login, "spread guess")).await;
        }
    }
    assert_eq!(
        app.send_from([203, 0, 113, 1], me(&login, &password)).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a guessing address is stopped"
    );
    assert_eq!(app.send_from([192, 0, 2, 99], me(&login, &password)).await.status, StatusCode::OK, "a clean address is not");
    assert!(app.login(&login, PASSWORD).await.is_ok(), "nor is the login form from a clean address");
    // Many valid requests at once are all answered (valid credentials never count).
    let answers = app.send_all_at_once([192, 0, 2, 10], (0..24).map(|_| me(&login, &password)).collect()).await;
    assert!(answers.iter().all(|r| r.status == StatusCode::OK), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    // Simultaneous guesses from one address are checked one at a time: no burst slips past.
    let (_, _) = app_password(&app, "second", Role::Author).await;
    let answers = app.send_all_at_once([198, 51, 100, 7], (0..20).map(|_| me("second", "guess")).collect()).await;
    let checked = answers.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 5, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
}

pub async fn a_login_and_its_email_share_one_count(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("fay", Role::Author, PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(app.login("fay", "wrong").await.expect_err("wrong").status, StatusCode::UNAUTHORIZED);
    }
    let by_email = app.login("fay@example.org", "another guess").await.expect_err("refused");
    assert_eq!(by_email.status, StatusCode::TOO_MANY_REQUESTS, "the email names the same account");
}

pub async fn successful_logins_never_use_up_the_address_limit(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    for n in 0..8 {
        app.user(&format!("staff{n}"), Role::Author, PASSWORD).await;
    }
    // A newsroom behind one address: 40 good logins (more than the 30 failures allowed).
    for round in 0..5 {
        for n in 0..8 {
            assert!(app.login(&format!("staff{n}"), PASSWORD).await.is_ok(), "round {round}, staff{n}");
        }
    }
}

pub async fn post_password_guesses_are_limited_in_the_store(db: Db) {
    // The comment limit switched off changes nothing for password guesses.
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.rate_limit_count = 0).build().await else { return };
    let post = protected_link_post(&app).await;
    let path = app.permalink(&post);
    let other = app.second_instance().await;
    let mut last = StatusCode::OK;
    for guess in 0..11 {
        assert_eq!(app.get(&path).await.status, StatusCode::OK);
        let (csrf, token) = app.form_token(&post.id.to_string(), None).await;
        let body = format!("post_id={}&password=guess{guess}&_token={}", post.id, encode(&token));
        let request = Request::post("/post-password")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", csrf)
            .body(Body::from(body))
            .expect("request");
        // Guesses alternate between two instances sharing the store.
        let router = if guess % 2 == 0 { &app.router } else { &other };
        let response = TestApp::send_to(router, [192, 0, 2, 10], request).await;
        if guess < 10 {
            assert_eq!(response.status, StatusCode::FORBIDDEN, "guess {guess}");
        }
        last = response.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the 11th guess is refused");
}

pub async fn hostile_markdown_saves_quickly_and_renders_flat(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let (login, password) = app_password(&app, "writer", Role::Author).await;
    let markdown = ">".repeat(60_000) + " the bottom";
    let started = std::time::Instant::now();
    let created = app
        .send(api_request(
            "POST",
            "/wp-json/wp/v2/posts",
            &login,
            &password,
            json!({"title": "Deep", "status": "publish", "dateline": {"markdown": markdown}}),
        ))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let post: Value = serde_json::from_str(&created.body).expect("json");
    let html = post["content"]["rendered"].as_str().expect("rendered");
    assert!(html.matches("<blockquote>").count() <= dateline_render::MAX_NESTING, "nesting is bounded");
    assert!(html.contains("the bottom"), "the text is kept");
    // (A minute or more before nesting was bounded; a generous bound for a slow debug build.)
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

pub async fn replies_to_imported_reply_loops_end(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json(
            "Looped",
            "2024-01-01T00:00:00Z",
            json!({"comment_status": "open", "comments": [
                {"author": "A", "body": "one"}, {"author": "B", "body": "two", "parent": 1}, {"author": "C", "body": "three", "parent": 2},
            ]}),
        ))
        .await;
    // Make the chain a loop, as a damaged import could: one → three → two → one.
    let comments = app.test_store.dyn_store().comments_for_post(post.id, dateline_core::CommentStatus::Approved).await.expect("comments");
    let ids: Vec<i64> = comments.iter().map(|c| c.id).collect();
    app.test_store.execute(&format!("UPDATE comments SET parent_id = {} WHERE id = {}", ids[2], ids[0])).await;
    let path = app.permalink(&post);
    let location =
        tokio::time::timeout(std::time::Duration::from_secs(10), app.comment(&path, "Dora", "replying into the loop", Some(ids[2])))
            .await
            .expect("a reply to a comment in a loop is answered");
    assert!(location.contains("#comment-"), "{location}");
    assert_eq!(tokio::time::timeout(std::time::Duration::from_secs(10), app.get(&path)).await.expect("page").status, StatusCode::OK);
}

pub async fn a_failed_write_leaves_the_store_writable_and_the_text_kept(db: Db) {
    // (No flood limit: one reader sends many comments here.)
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.rate_limit_count = 0).build().await else { return };
    let post = app.post(&post_json("Open", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    // A write that fails inside its transaction the way a full disk does on SQLite: the whole
    // transaction is rolled back by the database itself.
    app.test_store.fail_comment_inserts_containing("disk-full-now").await;
    let session = app.open_form(&path).await;
    let failed = app
        .submit_comment(&session, &[("author", "Ann"), ("email", "ann@example.org"), ("comment", "disk-full-now: my long careful comment")])
        .await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    let html = failed.html();
    assert!(text(&html, "#comment-error").contains("could not be saved"), "{}", failed.body);
    assert_eq!(text(&html, "#comment"), "disk-full-now: my long careful comment", "the typed text is kept");
    // Every later write works (the connection that failed is not reused stuck in a transaction).
    for n in 0..12 {
        let location = app.comment(&path, &format!("Reader {n}"), &format!("comment number {n} after the failure"), None).await;
        assert!(location.contains("#comment-") || location.contains("unapproved="), "{location}");
    }
}

pub async fn a_store_busy_with_another_writer_answers_try_again_with_the_text_kept(db: Db) {
    if db == Db::Postgres {
        // PostgreSQL lets writers in side by side; the busy case is SQLite's single writer.
        return;
    }
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Busy", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let session = app.open_form(&path).await;
    app.user("ed", Role::Editor, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&editor).await;
    // Another process (an import) holds the write lock for longer than writers wait.
    let _lock = app.test_store.hold_write_lock().await;
    let comment =
        app.submit_comment(&session, &[("author", "Ben"), ("email", "ben@example.org"), ("comment", "typed while an import ran")]);
    let fields = [
        ("_csrf", csrf.as_str()),
        ("title", "Written while an import ran"),
        ("body", "A long *draft* worth keeping."),
        ("action", "draft"),
    ];
    let post = app.post_form("/admin/posts/new", &editor, &fields);
    let (busy, saving) = tokio::join!(comment, post);
    assert_eq!(saving.status, StatusCode::SERVICE_UNAVAILABLE, "{}", saving.body);
    let editor_page = saving.html();
    assert_eq!(attr(&editor_page, "input[name=title]", "value"), "Written while an import ran");
    assert_eq!(text(&editor_page, "textarea[name=body]"), "A long *draft* worth keeping.");
    assert!(saving.body.contains("try again in a moment"), "{}", saving.body);
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{}", busy.body);
    assert!(!busy.header("retry-after").is_empty());
    let html = busy.html();
    assert!(text(&html, "#comment-error").contains("try again in a moment"), "{}", text(&html, "#comment-error"));
    assert_eq!(text(&html, "#comment"), "typed while an import ran");
}

pub async fn api_discovery_index_and_parameters(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let home = app.get("/").await;
    assert_eq!(home.header("link"), "<http://dateline.test/wp-json/>; rel=\"https://api.w.org/\"");
    assert_eq!(attr(&home.html(), "link[rel='https://api.w.org/']", "href"), "http://dateline.test/wp-json/");
    let index: Value = serde_json::from_str(&app.get("/wp-json/").await.body).expect("index");
    assert_eq!(index["namespaces"], json!(["wp/v2", "dateline/v1"]));
    // Dateline's own routes are listed with the methods they answer, and a client that
    // follows them finds them: the clip route takes POST only, the outlets answer GET.
    assert_eq!(index["routes"]["/dateline/v1/clip"]["methods"], json!(["POST"]));
    assert_eq!(index["routes"]["/dateline/v1/outlets"]["methods"], json!(["GET"]));
    assert_eq!(app.get("/wp-json/dateline/v1/outlets").await.status, StatusCode::OK);
    let own: Value = serde_json::from_str(&app.get("/wp-json/dateline/v1").await.body).expect("the namespace's index");
    assert_eq!(own["namespace"], "dateline/v1");
    let listed: Vec<&String> = own["routes"].as_object().expect("routes").keys().collect();
    assert!(listed.contains(&&"/dateline/v1/reporters".to_string()) && listed.iter().all(|r| r.starts_with("/dateline/v1")), "{listed:?}");
    let wordpress: Value = serde_json::from_str(&app.get("/wp-json/wp/v2").await.body).expect("wp/v2's index");
    assert!(wordpress["routes"].as_object().expect("routes").keys().all(|r| r.starts_with("/wp/v2")));
    let unknown = app.get("/wp-json/dateline/v1/outlets?colour=red").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "an unknown parameter is refused there too: {}", unknown.body);
    let openapi: Value = serde_json::from_str(&app.get("/wp-json/openapi.json").await.body).expect("openapi");
    assert!(openapi["paths"]["/dateline/v1/clip"]["post"].is_object() && openapi["paths"]["/dateline/v1/clip"].get("get").is_none());
    let posts = &index["routes"]["/wp/v2/posts"];
    assert_eq!(posts["methods"], json!(["GET", "POST"]));
    assert!(posts["endpoints"][0]["args"]["categories_exclude"].is_object());
    assert!(index["routes"]["/wp/v2/categories/(?P<id>[\\d]+)"]["methods"].as_array().expect("methods").contains(&json!("DELETE")));
    // Filters are honoured…
    app.post(&post_json("In Cuba", "2024-01-01T00:00:00Z", json!({"tags": ["Cuba"], "categories": ["World"]}))).await;
    app.post(&post_json("In Peru", "2024-01-02T00:00:00Z", json!({"tags": ["Peru"], "categories": ["Local"]}))).await;
    let tags: Value = serde_json::from_str(&app.get("/wp-json/wp/v2/tags?slug=peru").await.body).expect("tags");
    assert_eq!(tags.as_array().map(|t| t.iter().map(|t| t["slug"].clone()).collect::<Vec<_>>()), Some(vec![json!("peru")]));
    let categories: Value = serde_json::from_str(&app.get("/wp-json/wp/v2/categories?slug=world").await.body).expect("categories");
    assert_eq!(categories.as_array().map(Vec::len), Some(1));
    for url in [
        "/wp-json/wp/v2/categories?slug[]=world",
        "/wp-json/wp/v2/categories?slug%5B%5D=world",
        "/wp-json/wp/v2/tags?slug[]=peru&slug[]=nope",
    ] {
        let found: Value = serde_json::from_str(&app.get(url).await.body).expect("terms");
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{url}: {found}");
    }
    let excluded: Value =
        serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/categories?exclude[]={}", categories[0]["id"])).await.body).expect("terms");
    assert!(excluded.as_array().is_some_and(|all| all.iter().all(|t| t["slug"] != "world")), "{excluded}");
    let cuba = tags_id(&app, "cuba").await;
    let without: Value = serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/posts?tags_exclude={cuba}")).await.body).expect("posts");
    assert_eq!(without.as_array().map(|p| p.iter().map(|p| p["slug"].clone()).collect::<Vec<_>>()), Some(vec![json!("in-peru")]));
    let world = categories[0]["id"].as_i64().expect("id");
    let without: Value =
        serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/posts?categories_exclude={world}")).await.body).expect("posts");
    assert_eq!(without.as_array().map(Vec::len), Some(1));
    // …or refused, never dropped.
    let unknown = app.get("/wp-json/wp/v2/posts?meta_key=x").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("rest_invalid_param") && unknown.body.contains("meta_key"), "{}", unknown.body);
    assert_eq!(app.get("/wp-json/wp/v2/posts?_fields=id&_embed=1").await.status, StatusCode::OK);
}

async fn tags_id(app: &TestApp, slug: &str) -> i64 {
    let tags: Value = serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/tags?slug={slug}")).await.body).expect("tags");
    tags[0]["id"].as_i64().expect("tag id")
}

pub async fn terms_are_changed_and_deleted_over_the_api(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let (login, password) = app_password(&app, "ed", Role::Editor).await;
    let created = app.send(api_request("POST", "/wp-json/wp/v2/categories", &login, &password, json!({"name": "Americas"}))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let parent: Value = serde_json::from_str(&created.body).expect("json");
    let child: Value = serde_json::from_str(
        &app.send(api_request("POST", "/wp-json/wp/v2/categories", &login, &password, json!({"name": "Cuba"}))).await.body,
    )
    .expect("json");
    let (parent_id, child_id) = (parent["id"].as_i64().expect("id"), child["id"].as_i64().expect("id"));
    let moved = app
        .send(api_request(
            "PUT",
            &format!("/wp-json/wp/v2/categories/{child_id}"),
            &login,
            &password,
            json!({"name": "Cuba news", "parent": parent_id}),
        ))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let moved: Value = serde_json::from_str(&moved.body).expect("json");
    assert_eq!(
        (moved["name"].as_str(), moved["parent"].as_i64(), moved["link"].as_str()),
        (Some("Cuba news"), Some(parent_id), Some("http://dateline.test/category/americas/cuba/"))
    );
    let looped = app
        .send(api_request("POST", &format!("/wp-json/wp/v2/categories/{parent_id}"), &login, &password, json!({"parent": child_id})))
        .await;
    assert_eq!(looped.status, StatusCode::BAD_REQUEST, "a category cannot sit under its own child");
    let tag: Value = serde_json::from_str(
        &app.send(api_request("POST", "/wp-json/wp/v2/tags", &login, &password, json!({"name": "Havana"}))).await.body,
    )
    .expect("json");
    let tag_id = tag["id"].as_i64().expect("id");
    let not_forced = app.send(api_request("DELETE", &format!("/wp-json/wp/v2/tags/{tag_id}"), &login, &password, Value::Null)).await;
    assert_eq!(not_forced.status, StatusCode::NOT_IMPLEMENTED);
    let deleted =
        app.send(api_request("DELETE", &format!("/wp-json/wp/v2/tags/{tag_id}?force=true"), &login, &password, Value::Null)).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(app.get(&format!("/wp-json/wp/v2/tags/{tag_id}")).await.status, StatusCode::NOT_FOUND);
    // Without an account that may manage terms: refused.
    let (author, author_password) = app_password(&app, "au", Role::Author).await;
    let refused = app
        .send(api_request("PUT", &format!("/wp-json/wp/v2/categories/{child_id}"), &author, &author_password, json!({"name": "x"})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

pub async fn users_me_in_edit_context_and_avatars(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let (login, password) = app_password(&app, "ed", Role::Editor).await;
    let me: Value = serde_json::from_str(
        &app.send(api_request("GET", "/wp-json/wp/v2/users/me?context=edit", &login, &password, Value::Null)).await.body,
    )
    .expect("json");
    assert_eq!(me["email"], "ed@example.org");
    assert_eq!(me["capabilities"]["edit_others_posts"], true);
    assert_eq!(me["capabilities"]["moderate_comments"], true);
    assert!(me["capabilities"].get("manage_options").is_none(), "editors do not change settings");
    for size in ["24", "48", "96"] {
        let url = me["avatar_urls"][size].as_str().expect("avatar url");
        assert!(url.starts_with("http://dateline.test/avatar/") && url.ends_with(&format!("s={size}")), "{url}");
        assert!(!url.contains("ed%40") && !url.contains("example.org"), "the address does not reveal the email: {url}");
        let picture = app.get(url.trim_start_matches("http://dateline.test")).await;
        assert_eq!((picture.status, picture.header("content-type")), (StatusCode::OK, "image/svg+xml"));
        assert!(picture.body.contains(&format!("width=\"{size}\" height=\"{size}\"")), "{}", picture.body);
    }
    let plain: Value =
        serde_json::from_str(&app.send(api_request("GET", "/wp-json/wp/v2/users/me", &login, &password, Value::Null)).await.body)
            .expect("json");
    assert!(plain.get("email").is_none(), "the email is only in the edit context");
}

pub async fn empty_terms_have_a_page_but_no_sitemap_entry(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let store = app.test_store.dyn_store();
    store.create_term(dateline_core::Taxonomy::Tag, "Lonely", "lonely", "", None).await.expect("tag");
    store.create_term(dateline_core::Taxonomy::Category, "Empty", "empty", "", None).await.expect("category");
    app.post(&post_json("Filed", "2024-01-01T00:00:00Z", json!({"categories": ["Americas/Cuba"], "tags": ["Havana"]}))).await;
    for path in ["/tag/lonely/", "/category/empty/"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("Nothing has been published here yet."), "{path}");
    }
    assert_eq!(app.get("/tag/no-such-tag/").await.status, StatusCode::NOT_FOUND);
    let sitemap = app.get("/sitemap.xml").await.body;
    assert!(!sitemap.contains("/tag/lonely/") && !sitemap.contains("/category/empty/"), "{sitemap}");
    assert!(sitemap.contains("/tag/havana/") && sitemap.contains("/category/americas/cuba/"));
    assert!(sitemap.contains("/category/americas/</loc>"), "a parent whose posts are in its child is listed: {sitemap}");
}

pub async fn feeds_answer_conditional_requests_and_come_in_atom(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Fed", "2024-01-01T00:00:00Z", json!({"categories": ["World"], "tags": ["Cuba"], "comments": [{"author": "Ann", "body": "hello", "published_at": "2024-01-02T10:00:00Z"}]}))).await;
    let path = app.permalink(&post);
    for url in [
        "/feed/",
        "/feed/atom/",
        "/feed.json",
        "/comments/feed/",
        "/comments/feed/atom/",
        "/category/world/feed/atom/",
        "/tag/cuba/feed/atom/",
        &format!("{path}feed/atom/"),
    ] {
        let first = app.get(url).await;
        assert_eq!(first.status, StatusCode::OK, "{url}");
        let (etag, modified) = (first.header("etag").to_string(), first.header("last-modified").to_string());
        assert!(etag.starts_with('"') && !modified.is_empty(), "{url}: {etag} {modified}");
        let again = app.send(Request::get(url).header("if-none-match", &etag).body(Body::empty()).expect("request")).await;
        assert_eq!((again.status, again.body.as_str()), (StatusCode::NOT_MODIFIED, ""), "{url}");
        let since = app.send(Request::get(url).header("if-modified-since", &modified).body(Body::empty()).expect("request")).await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED, "{url}");
        let stale = app.send(Request::get(url).header("if-none-match", "\"old\"").body(Body::empty()).expect("request")).await;
        assert_eq!(stale.status, StatusCode::OK, "{url}");
        if url.contains("/atom/") {
            atom_syndication::Feed::read_from(first.body.as_bytes()).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }
    let comments = rss::Channel::read_from(app.get("/comments/feed/").await.body.as_bytes()).expect("rss");
    assert!(comments.last_build_date().is_some_and(|d| d.contains("2 Jan 2024")), "{:?}", comments.last_build_date());
    let atom = atom_syndication::Feed::read_from(app.get("/comments/feed/atom/").await.body.as_bytes()).expect("atom");
    assert_eq!(atom.entries()[0].title().as_str(), "Comment on Fed by Ann");
    // WordPress's other feed addresses.
    for url in ["/feed/rss2/", "/feed/rss/", "/comments/feed/rss2/", "/author/editor/feed/", "/category/world/feed/rss2/"] {
        let feed = app.get(url).await;
        assert_eq!(feed.status, StatusCode::OK, "{url}");
        rss::Channel::read_from(feed.body.as_bytes()).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    atom_syndication::Feed::read_from(app.get("/author/editor/feed/atom/").await.body.as_bytes()).expect("author atom");
    for (from, to) in [
        ("/?feed=comments-atom", "/comments/feed/atom/"),
        ("/?feed=atom&cat=1", "/category/world/feed/atom/"),
        ("/wp-sitemap.xml", "/sitemap.xml"),
    ] {
        assert_eq!(app.get(from).await.header("location"), to, "{from}");
    }
    // A protected post's comments feed answers, with nothing in it.
    let mut write = dateline_core::PostWrite::from_post(&post);
    write.password = Some("shh".into());
    app.test_store.dyn_store().save_post(Some(post.id), write).await.expect("protect");
    let locked = app.get(&format!("{path}feed/")).await;
    assert_eq!(locked.status, StatusCode::OK);
    assert!(rss::Channel::read_from(locked.body.as_bytes()).expect("rss").items().is_empty());
}

pub async fn every_response_sets_a_permissions_policy_and_the_queue_pages(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    for path in ["/", "/feed/", "/wp-json/", "/admin/login", "/no-such-page/"] {
        assert!(app.get(path).await.header("permissions-policy").contains("camera=()"), "{path}");
    }
    let comments: Vec<Value> =
        (0..130).map(|n| json!({"author": format!("R{n}"), "body": format!("held comment {n}"), "status": "pending"})).collect();
    app.post(&post_json("Busy thread", "2024-01-01T00:00:00Z", json!({"comments": comments}))).await;
    app.user("mod", Role::Editor, PASSWORD).await;
    let cookie = app.login("mod", PASSWORD).await.expect("login");
    let first = app.get_as("/admin/comments?status=pending", &cookie).await;
    assert_eq!(first.html().select(&scraper::Selector::parse("tbody tr").expect("selector")).count(), 100);
    let second = app.get_as("/admin/comments?status=pending&paged=2", &cookie).await;
    assert_eq!(second.html().select(&scraper::Selector::parse("tbody tr").expect("selector")).count(), 30);
    assert!(second.body.contains("held comment 0") || first.body.contains("held comment 0"));
    assert_eq!(app.get_as("/admin/comments?status=pending&paged=3", &cookie).await.status, StatusCode::NOT_FOUND);
    // An action taken on page 2 comes back to page 2.
    let csrf = attr(&second.html(), "form.bulk input[name=_csrf]", "value");
    let id = attr(&second.html(), "tbody tr input[name=ids]", "value");
    let approved =
        app.post_form(&format!("/admin/comments/{id}/approve"), &cookie, &[("_csrf", &csrf), ("status", "pending"), ("paged", "2")]).await;
    assert_eq!(approved.header("location"), "/admin/comments?status=pending&paged=2");
}

pub async fn api_titles_have_the_same_limit_as_every_door(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let (login, password) = app_password(&app, "ed", Role::Editor).await;
    let long = app.send(api_request("POST", "/wp-json/wp/v2/posts", &login, &password, json!({"title": "x".repeat(501)}))).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(long.body.contains("title") && long.body.contains("500"), "{}", long.body);
    let fine = app.send(api_request("POST", "/wp-json/wp/v2/posts", &login, &password, json!({"title": "x".repeat(500)}))).await;
    assert_eq!(fine.status, StatusCode::CREATED);
}

pub async fn slow_and_idle_clients_are_let_go_and_do_not_block_others(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.server.header_timeout_seconds = 1;
            c.server.body_timeout_seconds = 1;
        })
        .build()
        .await
    else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(dateline_web::serve(listener, app.state.clone(), dateline_web::ConnectionLimit(4), std::future::pending()));
    let wait = std::time::Duration::from_secs(6);
    let read_all = |mut stream: TcpStream| async move {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    };

    // Half a request's headers, then nothing: the connection is closed.
    let mut half = TcpStream::connect(address).await.expect("connect");
    half.write_all(b"GET / HTTP/1.1\r\nHost: dateline.test\r\n").await.expect("write");
    tokio::time::timeout(wait, read_all(half)).await.expect("a client holding half its headers is let go");

    // The headers, then a body that never comes: 408.
    let mut body = TcpStream::connect(address).await.expect("connect");
    body.write_all(b"POST /comments HTTP/1.1\r\nHost: dateline.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nauthor=")
        .await
        .expect("write");
    let answer = tokio::time::timeout(wait, read_all(body)).await.expect("a client holding its body is let go");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // As many idle connections as the server takes at once: a new client is still served
    // once they time out, instead of waiting for ever.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(address).await.expect("connect"));
    }
    let mut fresh = TcpStream::connect(address).await.expect("connect");
    fresh.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: dateline.test\r\nConnection: close\r\n\r\n").await.expect("write");
    let answer = tokio::time::timeout(wait, read_all(fresh)).await.expect("a new client is served");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(idle);
}

pub async fn oversized_request_headers_are_refused_with_431(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let Some(app) = TestApp::new(db).await else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(dateline_web::serve(listener, app.state.clone(), dateline_web::ConnectionLimit(4), std::future::pending()));
    let ask = |headers: String| async move {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        let request = format!("GET /robots.txt HTTP/1.1\r\nHost: dateline.test\r\nConnection: close\r\n{headers}\r\n");
        // The server may answer and close before reading everything: a failed write is fine.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    };
    // A cookie as large as a browser sends: served.
    let fine = ask(format!("Cookie: a={}\r\n", "x".repeat(8 * 1024))).await;
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");
    // One header past the 64 KiB the server buffers, or more headers than it takes: 431.
    let huge = ask(format!("Cookie: a={}\r\n", "x".repeat(80 * 1024))).await;
    assert!(huge.starts_with("HTTP/1.1 431"), "{huge}");
    let many: String = (0..200).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let many = ask(many).await;
    assert!(many.starts_with("HTTP/1.1 431"), "{many}");
}

pub async fn author_ids_reveal_only_people_with_published_posts(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let quiet = app.user("quiet-contributor", Role::Contributor, PASSWORD).await;
    let post = app.post(&post_json("By the editor", "2024-01-01T00:00:00Z", json!({}))).await;
    assert_eq!(app.get(&format!("/?author={}", quiet.id)).await.status, StatusCode::NOT_FOUND, "no page, no login revealed");
    assert_eq!(app.get(&format!("/?author={}", post.author.id)).await.header("location"), "/author/editor/");
    assert_eq!(app.get("/author/quiet-contributor/feed/").await.status, StatusCode::NOT_FOUND);
}
