//! The WordPress REST API through a real HTTP client on a real listener.

use dateline_core::Role;
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "a long enough password";

/// The app on a real port; returns its base URL (the server stops with the test's runtime).
async fn listen(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app.router.clone().into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// One request with ureq (blocking, so on a blocking thread).
async fn call(method: &'static str, url: String, auth: Option<(String, String)>, body: Option<Value>) -> Reply {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let auth_header = auth.map(|(user, password)| {
            use base64::Engine;
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
        });
        let response = match (method, body) {
            ("GET", _) => {
                let mut request = agent.get(&url);
                if let Some(header) = &auth_header {
                    request = request.header("Authorization", header);
                }
                request.call()
            }
            (_, body) => {
                let mut request = match method {
                    "POST" => agent.post(&url),
                    "PUT" => agent.put(&url),
                    _ => agent.delete(&url).force_send_body(),
                };
                if let Some(header) = &auth_header {
                    request = request.header("Authorization", header);
                }
                request.header("Content-Type", "application/json").send(body.unwrap_or(json!({})).to_string())
            }
        }
        .expect("http");
        let status = response.status().as_u16();
        let headers = response.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
        let text = response.into_body().read_to_string().unwrap_or_default();
        Reply { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
    })
    .await
    .expect("request thread")
}

async fn app_password(app: &TestApp, login: &str) -> (String, String) {
    (login.to_string(), app.app_password(login).await)
}

pub async fn reading_with_wordpress_shapes_and_pagination(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    for day in 1..=5 {
        app.post(&post_json(
            &format!("Day {day}"),
            &format!("2024-03-0{day}T12:00:00Z"),
            json!({"tags": ["Rail"], "categories": ["Local"]}),
        ))
        .await;
    }
    app.post(&post_json("Hidden", "2024-03-09T12:00:00Z", json!({"status": "draft"}))).await;
    let base = listen(&app).await;
    let page = call("GET", format!("{base}/wp-json/wp/v2/posts?per_page=2&page=2"), None, None).await;
    assert_eq!(page.status, 200);
    assert_eq!((page.header("x-wp-total"), page.header("x-wp-totalpages")), ("5", "3"));
    let items = page.body.as_array().expect("array");
    assert_eq!(items.iter().map(|p| p["title"]["rendered"].as_str().unwrap_or_default()).collect::<Vec<_>>(), ["Day 3", "Day 2"]);
    assert_eq!(
        page.header("link"),
        "<http://dateline.test/wp-json/wp/v2/posts?per_page=2>; rel=\"prev\", <http://dateline.test/wp-json/wp/v2/posts?per_page=2&page=3>; rel=\"next\""
    );
    // A client that follows rel="next" reaches the last page, which links only back.
    let next = page.header("link").split(", ").find(|l| l.ends_with("rel=\"next\"")).expect("next").to_string();
    let next_url = next.trim_start_matches('<').split('>').next().expect("url").replace("http://dateline.test", &base);
    let last = call("GET", next_url, None, None).await;
    assert_eq!(
        last.body.as_array().map(|a| a.iter().map(|p| p["title"]["rendered"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("Day 1")])
    );
    assert_eq!(last.header("link"), "<http://dateline.test/wp-json/wp/v2/posts?per_page=2&page=2>; rel=\"prev\"");
    let first = &items[0];
    for field in [
        "id",
        "date",
        "date_gmt",
        "guid",
        "modified",
        "slug",
        "status",
        "type",
        "link",
        "title",
        "content",
        "excerpt",
        "author",
        "comment_status",
        "sticky",
        "categories",
        "tags",
        "dateline",
    ] {
        assert!(first.get(field).is_some(), "field {field} in {first}");
    }
    assert_eq!(first["status"], "publish");
    assert_eq!(first["link"], "http://dateline.test/2024/03/03/day-3/");
    let window = call("GET", format!("{base}/wp-json/wp/v2/posts?after=2024-03-02T12:00:00&before=2024-03-05"), None, None).await;
    assert_eq!(
        window.body.as_array().map(|a| a.iter().map(|p| p["slug"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("day-4"), json!("day-3")]),
        "after and before are exclusive"
    );
    let slugs = |body: &Value| {
        body.as_array()
            .map(|a| a.iter().map(|p| p["slug"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let offset = call("GET", format!("{base}/wp-json/wp/v2/posts?offset=1&per_page=2"), None, None).await;
    assert_eq!(slugs(&offset.body), ["day-4", "day-3"]);
    let day_5 = app.test_store.dyn_store().post_by_slug(dateline_core::PostKind::Post, "day-5").await.expect("read").expect("day 5").id;
    let excluded = call("GET", format!("{base}/wp-json/wp/v2/posts?exclude={day_5}&per_page=1"), None, None).await;
    assert_eq!(slugs(&excluded.body), ["day-4"]);
    let sticky = call("GET", format!("{base}/wp-json/wp/v2/posts?sticky=true"), None, None).await;
    assert_eq!((sticky.status, slugs(&sticky.body).len()), (200, 0), "none is sticky");
    let bad_date = call("GET", format!("{base}/wp-json/wp/v2/posts?after=yesterday"), None, None).await;
    assert_eq!((bad_date.status, bad_date.body["code"].as_str()), (400, Some("rest_invalid_param")));
    let asc = call("GET", format!("{base}/wp-json/wp/v2/posts?orderby=title&order=asc&search=day&per_page=1"), None, None).await;
    assert_eq!(asc.body[0]["title"]["rendered"], "Day 1");
    let past = call("GET", format!("{base}/wp-json/wp/v2/posts?page=9"), None, None).await;
    assert_eq!((past.status, past.body["code"].as_str()), (400, Some("rest_post_invalid_page_number")));
    let bad = call("GET", format!("{base}/wp-json/wp/v2/posts?per_page=500"), None, None).await;
    assert_eq!((bad.status, bad.body["code"].as_str(), bad.body["data"]["status"].as_i64()), (400, Some("rest_invalid_param"), Some(400)));
    let drafts = call("GET", format!("{base}/wp-json/wp/v2/posts?status=draft"), None, None).await;
    assert_eq!(drafts.status, 400, "drafts are not public");
    let missing = call("GET", format!("{base}/wp-json/wp/v2/posts/999"), None, None).await;
    assert_eq!((missing.status, missing.body["code"].as_str()), (404, Some("rest_post_invalid_id")));
    let tags = call("GET", format!("{base}/wp-json/wp/v2/tags"), None, None).await;
    assert_eq!(tags.body[0]["count"], 5);
    assert_eq!(tags.body[0]["taxonomy"], "post_tag");
    let categories = call("GET", format!("{base}/wp-json/wp/v2/categories?hide_empty=true"), None, None).await;
    assert_eq!(categories.body[0]["link"], "http://dateline.test/category/local/");
    let two_tags = call("GET", format!("{base}/wp-json/wp/v2/posts?tags[]=1&tags[]=999&per_page=100"), None, None).await;
    assert_eq!(two_tags.header("x-wp-total"), "5", "any of the tags");
    let by_slug = call("GET", format!("{base}/wp-json/wp/v2/posts?slug=day-2"), None, None).await;
    assert_eq!(by_slug.body.as_array().map(|a| a.iter().map(|p| p["slug"].clone()).collect::<Vec<_>>()), Some(vec![json!("day-2")]));
    let not_an_id = call("GET", format!("{base}/wp-json/wp/v2/posts/abc"), None, None).await;
    assert_eq!((not_an_id.status, not_an_id.body["code"].as_str()), (404, Some("rest_no_route")));
    let wrong_method = call("DELETE", format!("{base}/wp-json/wp/v2/users/1"), None, None).await;
    assert_eq!((wrong_method.status, wrong_method.body["code"].as_str()), (404, Some("rest_no_route")));
    let no_route = call("GET", format!("{base}/wp-json/wp/v2/widgets"), None, None).await;
    assert_eq!((no_route.status, no_route.body["code"].as_str()), (404, Some("rest_no_route")));
    let openapi = call("GET", format!("{base}/wp-json/openapi.json"), None, None).await;
    assert_eq!(openapi.body["openapi"], "3.1.0");
    assert!(openapi.body["paths"]["/wp/v2/posts"]["post"].is_object());
    // Every route the document describes is one the server answers.
    for (path, item) in openapi.body["paths"].as_object().expect("paths") {
        // The clip route takes POST only; every other answers GET.
        let method = if item.get("get").is_some() { "GET" } else { "POST" };
        let answer = call(method, format!("{base}/wp-json{}", path.replace("{id}", "1")), None, None).await;
        assert_ne!(answer.body["code"].as_str(), Some("rest_no_route"), "{path}");
    }
}

pub async fn writing_needs_an_application_password(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    for role in ROLES {
        app.user(&format!("{}-user", role.as_str()), role, PASSWORD).await;
    }
    app.user("ed", Role::Editor, PASSWORD).await;
    let base = listen(&app).await;
    let anonymous = call("POST", format!("{base}/wp-json/wp/v2/posts"), None, Some(json!({"title": "x"}))).await;
    assert_eq!((anonymous.status, anonymous.body["code"].as_str()), (401, Some("rest_cannot_create")));
    let wrong = call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(("ed".into(), "wrong".into())), Some(json!({"title": "x"}))).await;
    assert_eq!((wrong.status, wrong.body["code"].as_str()), (401, Some("incorrect_password")));
    // Guessing is throttled per account, as on the login form.
    for _ in 0..5 {
        call("GET", format!("{base}/wp-json/wp/v2/users/me"), Some(("contributor-user".into(), "guess".into())), None).await;
    }
    let throttled = call("GET", format!("{base}/wp-json/wp/v2/users/me"), Some(("contributor-user".into(), "guess".into())), None).await;
    assert_eq!((throttled.status, throttled.body["code"].as_str()), (429, Some("too_many_failed_logins")));
    let me = call("GET", format!("{base}/wp-json/wp/v2/users/me"), None, None).await;
    assert_eq!((me.status, me.body["code"].as_str()), (401, Some("rest_not_logged_in")));
    // Guesses sent all at once do not slip under the limit: at most five are checked.
    app.user("guessed", Role::Author, PASSWORD).await;
    let guesses: Vec<_> = (0..20)
        .map(|_| tokio::spawn(call("GET", format!("{base}/wp-json/wp/v2/users/me"), Some(("guessed".into(), "guess".into())), None)))
        .collect();
    let mut checked = 0;
    for guess in guesses {
        let reply = guess.await.expect("request");
        assert!(matches!(reply.status, 401 | 429), "{}", reply.status);
        checked += usize::from(reply.status == 401);
    }
    // (Arriving together, they may all be counted before any is checked: then none is.)
    assert!(checked <= 5, "{checked} guesses were checked");

    let editor = app_password(&app, "ed").await;
    let me = call("GET", format!("{base}/wp-json/wp/v2/users/me?context=edit"), Some(editor.clone()), None).await;
    assert_eq!((me.status, me.body["roles"][0].as_str()), (200, Some("editor")));
    let plain = call("GET", format!("{base}/wp-json/wp/v2/users/me"), Some(editor.clone()), None).await;
    assert!(plain.body.get("roles").is_none(), "roles only in the edit context");
    let category = call("POST", format!("{base}/wp-json/wp/v2/categories"), Some(editor.clone()), Some(json!({"name": "World"}))).await;
    assert_eq!(category.status, 201);
    let link_post = json!({
        "title": "From a client", "content": "<p>Our take.<script>alert(1)</script></p>", "status": "publish",
        "categories": [category.body["id"]],
        "dateline": {"dek": "A line.", "source": {"reporter": "Ada Lin", "outlet": "Harbor Ledger", "url": "https://example.com/story", "headline": "Story", "excerpt": ["Quoted."]}}
    });
    let created = call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(link_post)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(!created.body["content"]["rendered"].as_str().unwrap_or_default().contains("<script"));
    let page = app.get(created.body["link"].as_str().expect("link").trim_start_matches("http://dateline.test")).await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    assert_eq!(text(&page.html(), ".attribution"), "Ada Lin reports via Harbor Ledger:");

    let id = created.body["id"].as_i64().expect("id");
    let updated = call("PUT", format!("{base}/wp-json/wp/v2/posts/{id}"), Some(editor.clone()), Some(json!({"title": "Renamed"}))).await;
    assert_eq!((updated.status, updated.body["title"]["raw"].as_str()), (200, Some("Renamed")));
    let bad =
        call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(json!({"title": "x", "status": "live"}))).await;
    assert_eq!((bad.status, bad.body["code"].as_str()), (400, Some("rest_invalid_param")));
    let bad_term =
        call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(json!({"title": "x", "tags": [9999]}))).await;
    assert_eq!(bad_term.status, 400);
    let bad_dateline =
        call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(json!({"title": "x", "dateline": "x"}))).await;
    assert_eq!(
        (bad_dateline.status, bad_dateline.body["code"].as_str()),
        (400, Some("rest_invalid_param")),
        "a wrong type is refused, not ignored"
    );

    // The role matrix through the API.
    let author = app_password(&app, "author-user").await;
    // (contributor-user was locked out by the guessing above; another contributor writes.)
    app.user("contrib2", Role::Contributor, PASSWORD).await;
    let contributor = app_password(&app, "contrib2").await;
    let publish = json!({"title": "Mine", "content": "x", "status": "publish"});
    assert_eq!(call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(author.clone()), Some(publish.clone())).await.status, 201);
    let refused = call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(contributor.clone()), Some(publish)).await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (403, Some("rest_cannot_publish")));
    let draft = call(
        "POST",
        format!("{base}/wp-json/wp/v2/posts"),
        Some(contributor.clone()),
        Some(json!({"title": "For review", "content": "x", "status": "pending"})),
    )
    .await;
    assert_eq!(draft.status, 201);
    let others = call("PUT", format!("{base}/wp-json/wp/v2/posts/{id}"), Some(author.clone()), Some(json!({"title": "Hijack"}))).await;
    assert_eq!((others.status, others.body["code"].as_str()), (403, Some("rest_cannot_edit")));
    assert_eq!(call("POST", format!("{base}/wp-json/wp/v2/pages"), Some(author.clone()), Some(json!({"title": "Page"}))).await.status, 403);
    assert_eq!(call("POST", format!("{base}/wp-json/wp/v2/tags"), Some(author.clone()), Some(json!({"name": "t"}))).await.status, 403);
    let pending = call("GET", format!("{base}/wp-json/wp/v2/posts?status=pending"), Some(editor.clone()), None).await;
    assert_eq!(pending.header("x-wp-total"), "1");
    let sticky = call(
        "POST",
        format!("{base}/wp-json/wp/v2/posts"),
        Some(contributor.clone()),
        Some(json!({"title": "Pin me", "content": "x", "sticky": true})),
    )
    .await;
    assert_eq!((sticky.status, sticky.body["code"].as_str()), (403, Some("rest_cannot_assign_sticky")));
    let as_other = call(
        "POST",
        format!("{base}/wp-json/wp/v2/posts"),
        Some(author.clone()),
        Some(json!({"title": "As someone else", "content": "x", "author": 1})),
    )
    .await;
    assert_eq!((as_other.status, as_other.body["code"].as_str()), (403, Some("rest_cannot_edit_others")));
    let trashed = call("DELETE", format!("{base}/wp-json/wp/v2/posts/{id}"), Some(editor.clone()), None).await;
    assert_eq!((trashed.status, trashed.body["status"].as_str()), (200, Some("trash")));
    let again = call("DELETE", format!("{base}/wp-json/wp/v2/posts/{id}"), Some(editor.clone()), None).await;
    assert_eq!((again.status, again.body["code"].as_str()), (410, Some("rest_already_trashed")));
    let gone = call("DELETE", format!("{base}/wp-json/wp/v2/posts/{id}?force=true"), Some(editor.clone()), None).await;
    assert_eq!((gone.status, gone.body["deleted"].as_bool()), (200, Some(true)));
    let reused =
        call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(json!({"title": "After", "content": "x"}))).await;
    assert!(reused.body["id"].as_i64().expect("id") > id, "a deleted post's id is not given again");
    assert_eq!(app.get("/?p=1").await.status, axum::http::StatusCode::NOT_FOUND, "trashed posts are gone from the site");
    let _ = Role::Administrator;
}

pub async fn comments_through_the_api(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json(
            "Talked about",
            "2020-01-01T00:00:00Z",
            json!({"comments": [
                {"author": "A", "body": "Visible"}, {"author": "B", "body": "Held", "status": "pending"}
            ]}),
        ))
        .await;
    let secret = app
        .post(&post_json(
            "Secret",
            "2020-01-01T00:00:00Z",
            json!({"status": "private", "comments": [{"author": "C", "body": "Private words"}]}),
        ))
        .await;
    app.user("ed", Role::Editor, PASSWORD).await;
    let base = listen(&app).await;
    let public = call("GET", format!("{base}/wp-json/wp/v2/comments"), None, None).await;
    let bodies: Vec<&str> = public.body.as_array().expect("array").iter().filter_map(|c| c["content"]["rendered"].as_str()).collect();
    assert_eq!(bodies, ["<p>Visible</p>\n"], "no held comments, nothing from private posts");
    let held = call("GET", format!("{base}/wp-json/wp/v2/comments?status=hold"), None, None).await;
    assert_eq!(held.status, 401);
    let editor = app_password(&app, "ed").await;
    let held = call("GET", format!("{base}/wp-json/wp/v2/comments?status=hold"), Some(editor.clone()), None).await;
    assert_eq!(held.body.as_array().map(Vec::len), Some(1));
    let id = held.body[0]["id"].as_i64().expect("id");
    let approved =
        call("POST", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), Some(json!({"status": "approve"}))).await;
    assert_eq!((approved.status, approved.body["status"].as_str()), (200, Some("approved")));
    let reply = call(
        "POST",
        format!("{base}/wp-json/wp/v2/comments"),
        Some(editor.clone()),
        Some(json!({"post": post.id, "parent": id, "content": "Thanks!"})),
    )
    .await;
    assert_eq!((reply.status, reply.body["parent"].as_i64()), (201, Some(id)));
    let me = call("GET", format!("{base}/wp-json/wp/v2/users/me"), Some(editor.clone()), None).await;
    assert_eq!(reply.body["author"], me.body["id"], "a comment through the API names its account, as WordPress's does");
    assert_eq!(public.body[0]["author"], 0, "a reader's comment names none");
    // Trashed through the API (WordPress's DELETE without force), then restored by status.
    let trashed = call("DELETE", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), None).await;
    assert_eq!((trashed.status, trashed.body["status"].as_str()), (200, Some("trash")));
    let again = call("DELETE", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), None).await;
    assert_eq!((again.status, again.body["code"].as_str()), (410, Some("rest_already_trashed")));
    let back = call("POST", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), Some(json!({"status": "approved"}))).await;
    assert_eq!((back.status, back.body["status"].as_str()), (200, Some("approved")));
    // A moderator corrects the text; an empty text changes nothing, status included.
    let edited =
        call("POST", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), Some(json!({"content": "Held, *edited*"}))).await;
    assert_eq!((edited.status, edited.body["content"]["raw"].as_str()), (200, Some("Held, *edited*")));
    let refused =
        call("POST", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), Some(json!({"content": "  ", "status": "spam"})))
            .await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (400, Some("rest_comment_content_invalid")));
    let unchanged = call("GET", format!("{base}/wp-json/wp/v2/comments/{id}"), Some(editor.clone()), None).await;
    assert_eq!((unchanged.body["status"].as_str(), unchanged.body["content"]["raw"].as_str()), (Some("approved"), Some("Held, *edited*")));
    let past = call("GET", format!("{base}/wp-json/wp/v2/comments?page=99"), None, None).await;
    assert_eq!((past.status, past.body["code"].as_str()), (400, Some("rest_comment_invalid_page_number")));
    let private = call("GET", format!("{base}/wp-json/wp/v2/comments?post={}", secret.id), None, None).await;
    assert_eq!(private.status, 404);
    let page = app.get(&app.permalink(&post)).await.html();
    assert_eq!(text(&page, ".comments-title"), "3 thoughts on “Talked about”");
}

pub async fn links_embeds_fields_and_authors(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ana", Role::Author, PASSWORD).await;
    app.user("quiet", Role::Author, PASSWORD).await;
    app.user("boss", Role::Administrator, PASSWORD).await;
    let post = app
        .post(&post_json("Linked", "2024-03-01T12:00:00Z", json!({"author": "ana", "categories": ["World/Europe"], "tags": ["Rail"]})))
        .await;
    app.post(&post_json("Unfinished", "2024-03-02T12:00:00Z", json!({"author": "quiet", "status": "draft"}))).await;
    let base = listen(&app).await;
    let local = |href: &Value| href.as_str().expect("href").replace("http://dateline.test", &base);

    // Every link a post gives leads somewhere that answers.
    let one = call("GET", format!("{base}/wp-json/wp/v2/posts/{}", post.id), None, None).await;
    let links = &one.body["_links"];
    assert_eq!(links["self"][0]["href"], format!("http://dateline.test/wp-json/wp/v2/posts/{}", post.id));
    let author = call("GET", local(&links["author"][0]["href"]), None, None).await;
    assert_eq!((author.status, author.body["name"].as_str()), (200, Some("ana")));
    assert!(author.body.get("username").is_none(), "logins are not public");
    let categories = call("GET", local(&links["wp:term"][0]["href"]), None, None).await;
    assert_eq!(categories.body.as_array().map(|a| a.iter().map(|t| t["slug"].clone()).collect::<Vec<_>>()), Some(vec![json!("europe")]));
    let tags = call("GET", local(&links["wp:term"][1]["href"]), None, None).await;
    assert_eq!(tags.body[0]["name"], "Rail");
    let replies = call("GET", local(&links["replies"][0]["href"]), None, None).await;
    assert_eq!(replies.status, 200);

    // _embed puts the author and the terms inline, in the list and for one post.
    let embedded = call("GET", format!("{base}/wp-json/wp/v2/posts?_embed"), None, None).await;
    assert_eq!(embedded.body[0]["_embedded"]["author"][0]["name"], "ana");
    assert_eq!(embedded.body[0]["_embedded"]["wp:term"][0][0]["name"], "Europe");
    assert_eq!(embedded.body[0]["_embedded"]["wp:term"][1][0]["count"], 1);
    let single = call("GET", format!("{base}/wp-json/wp/v2/posts/{}?_embed=1", post.id), None, None).await;
    assert_eq!(single.body["_embedded"]["author"][0]["slug"], "ana");
    assert!(one.body.get("_embedded").is_none(), "only when asked");

    // _fields keeps what is named, nested parts too.
    let slim = call("GET", format!("{base}/wp-json/wp/v2/posts?_fields=id,title.rendered,dateline.dek"), None, None).await;
    assert_eq!(slim.body, json!([{ "id": post.id, "title": { "rendered": "Linked" }, "dateline": { "dek": null } }]));
    assert_eq!(slim.header("x-wp-total"), "1", "headers are kept");
    let slim_one =
        call("GET", format!("{base}/wp-json/wp/v2/tags/{}?_fields[]=name&_fields[]=count", tags.body[0]["id"]), None, None).await;
    assert_eq!(slim_one.body, json!({ "name": "Rail", "count": 1 }));

    // Only authors with published posts are public; administrators see every account.
    let public = call("GET", format!("{base}/wp-json/wp/v2/users"), None, None).await;
    assert_eq!(public.body.as_array().map(|a| a.iter().map(|u| u["slug"].clone()).collect::<Vec<_>>()), Some(vec![json!("ana")]));
    let quiet = app.test_store.dyn_store().user_by_slug("quiet").await.expect("read").expect("quiet");
    let hidden = call("GET", format!("{base}/wp-json/wp/v2/users/{}", quiet.id), None, None).await;
    assert_eq!((hidden.status, hidden.body["code"].as_str()), (401, Some("rest_user_cannot_view")));
    let boss = app_password(&app, "boss").await;
    let everyone = call("GET", format!("{base}/wp-json/wp/v2/users?per_page=100"), Some(boss.clone()), None).await;
    assert_eq!(everyone.header("x-wp-total"), "3");
    assert_eq!(call("GET", format!("{base}/wp-json/wp/v2/users/{}", quiet.id), Some(boss), None).await.status, 200);
    let missing = call("GET", format!("{base}/wp-json/wp/v2/users/9999"), None, None).await;
    assert_eq!((missing.status, missing.body["code"].as_str()), (404, Some("rest_user_invalid_id")));
}

/// A body sent as a form, as WordPress also takes it (`call` sends JSON).
async fn call_with_form(app: &TestApp, path: &str, (login, password): &(String, String), form: &str) -> (u16, Value) {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"));
    let request = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {auth}"))
        .body(axum::body::Body::from(form.to_string()))
        .expect("request");
    let response = app.send(request).await;
    (response.status.as_u16(), serde_json::from_str(&response.body).unwrap_or(Value::Null))
}

pub async fn wrongly_typed_fields_are_refused_by_name(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Talked about", "2020-01-01T00:00:00Z", json!({"comments": [{"author": "A", "body": "First"}]}))).await;
    app.user("ed", Role::Editor, PASSWORD).await;
    let base = listen(&app).await;
    let editor = app_password(&app, "ed").await;
    let store = app.test_store.dyn_store();
    let refused_naming = |reply: &Reply, field: &str| {
        assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("rest_invalid_param")), "{field}: {}", reply.body);
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("Invalid parameter(s): {field} (")), "{field}: {message}");
    };

    // Posts: each wrongly typed field is named, also inside a list or an object.
    let cases = [
        (json!({"title": "Typed", "categories": "x"}), "categories"),
        (json!({"title": "Typed", "tags": [1, "x"]}), "tags[1]"),
        (json!({"title": "Typed", "sticky": "maybe"}), "sticky"),
        (json!({"title": {"rendered": "Typed"}}), "title"),
        (json!({"title": "Typed", "dateline": {"source": {"excerpt": "not a list"}}}), "dateline.source.excerpt"),
    ];
    for (body, field) in cases {
        refused_naming(&call("POST", format!("{base}/wp-json/wp/v2/posts"), Some(editor.clone()), Some(body)).await, field);
    }
    let update = call(
        "PUT",
        format!("{base}/wp-json/wp/v2/posts/{}", post.id),
        Some(editor.clone()),
        Some(json!({"title": "Renamed", "author": "ed"})),
    )
    .await;
    refused_naming(&update, "author");
    let (status, body) = call_with_form(&app, "/wp-json/wp/v2/posts", &editor, "title=Form&categories=x").await;
    assert_eq!((status, body["message"].as_str().is_some_and(|m| m.contains("categories ("))), (400, true), "{body}");
    let posts = store.all_posts(dateline_core::PostKind::Post).await.expect("posts");
    assert_eq!(posts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["Talked about"], "nothing was written");

    // Comments: the same, on create and on update.
    let comment_id =
        call("GET", format!("{base}/wp-json/wp/v2/comments?post={}", post.id), None, None).await.body[0]["id"].as_i64().expect("id");
    let reply = json!({"post": post.id, "content": "A reply", "parent": "the first"});
    refused_naming(&call("POST", format!("{base}/wp-json/wp/v2/comments"), Some(editor.clone()), Some(reply)).await, "parent");
    let no_text = json!({"post": post.id, "content": 5});
    refused_naming(&call("POST", format!("{base}/wp-json/wp/v2/comments"), Some(editor.clone()), Some(no_text)).await, "content");
    let edit = json!({"content": ["Edited"], "status": "spam"});
    refused_naming(&call("POST", format!("{base}/wp-json/wp/v2/comments/{comment_id}"), Some(editor.clone()), Some(edit)).await, "content");
    let all = call("GET", format!("{base}/wp-json/wp/v2/comments?status=all"), Some(editor.clone()), None).await;
    assert_eq!(all.header("x-wp-total"), "1", "no comment was written");
    assert_eq!((all.body[0]["status"].as_str(), all.body[0]["content"]["raw"].as_str()), (Some("approved"), Some("First")), "nor changed");

    // A form's values are strings: numbers and booleans are read from them.
    let (status, body) =
        call_with_form(&app, "/wp-json/wp/v2/posts", &editor, "title=From+a+form&content=Text&sticky=1&status=draft").await;
    assert_eq!((status, body["sticky"].as_bool()), (201, Some(true)), "{body}");
    let form_reply = format!("post={}&parent={comment_id}&content=Replied+by+form", post.id);
    let (status, body) = call_with_form(&app, "/wp-json/wp/v2/comments", &editor, &form_reply).await;
    assert_eq!((status, body["parent"].as_i64()), (201, Some(comment_id)), "{body}");
}
