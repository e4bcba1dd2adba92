//! Every door applies the same rules (issue 11): a comment sent through the REST API meets the
//! form's pipeline, a post meets the same checks from the admin, the API and the command line,
//! and pages take comments as posts do.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::Role;
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "a long enough password";

/// The Basic authorization of a new account `login` with `role` and its application password.
async fn app_password(app: &TestApp, login: &str, role: Role) -> String {
    use base64::Engine;
    app.user(login, role, PASSWORD).await;
    let password = app.app_password(login).await;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")))
}

/// A request to the REST API as `auth`, with a JSON body (the quoting cases use it too).
pub(crate) async fn api(app: &TestApp, method: &str, uri: &str, auth: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let response = app.send(request).await;
    (response.status, serde_json::from_str(&response.body).unwrap_or(Value::Null))
}

pub async fn api_replies_nest_no_deeper_than_the_form_allows(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.thread_depth = 3).build().await else { return };
    let post = app
        .post(&post_json("Threads", "2024-01-01T00:00:00Z", json!({"comment_status": "open", "comments": [
            {"author": "A", "body": "top"}, {"author": "B", "body": "second", "parent": 1}, {"author": "C", "body": "third", "parent": 2},
        ]})))
        .await;
    let comments = app.test_store.dyn_store().comments_for_post(post.id, dateline_core::CommentStatus::Approved).await.expect("comments");
    let (second, third) = (comments[1].id, comments[2].id);
    let auth = app_password(&app, "ed", Role::Editor).await;
    let (status, reply) =
        api(&app, "POST", "/wp-json/wp/v2/comments", &auth, json!({"post": post.id, "parent": third, "content": "a fourth level?"})).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["parent"], second, "joined the deepest level allowed, as the form does");
    let (status, _) =
        api(&app, "POST", "/wp-json/wp/v2/comments", &auth, json!({"post": post.id, "parent": 999_999, "content": "to nothing"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reply to a comment not on the post is refused");
}

pub async fn api_comments_meet_word_lists_duplicates_and_the_flood_limit(db: Db) {
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.discussion.disallowed_words = vec!["casino".into()];
            c.discussion.moderation_words = vec!["refund".into()];
            c.discussion.require_prior_approval = false;
            c.discussion.rate_limit_count = 3;
        })
        .build()
        .await
    else {
        return;
    };
    let post = app.post(&post_json("Open thread", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let auth = app_password(&app, "cora", Role::Contributor).await;
    let send = |text: &str| api(&app, "POST", "/wp-json/wp/v2/comments", &auth, json!({"post": post.id, "content": text}));
    let (status, spam) = send("Best casino bonus here").await;
    assert_eq!((status, spam["status"].as_str()), (StatusCode::CREATED, Some("spam")), "{spam}");
    let (_, held) = send("I want a refund for this article").await;
    assert_eq!(held["status"], "hold");
    assert!(held["dateline"]["moderation_reason"].as_str().is_some_and(|r| r.contains("refund")), "{held}");
    let (_, fine) = send("A thoughtful reply.").await;
    assert_eq!(fine["status"], "approved");
    let (status, duplicate) = send("A thoughtful reply.").await;
    assert_eq!((status, duplicate["code"].as_str()), (StatusCode::CONFLICT, Some("comment_duplicate")));
    let (status, flood) = send("One more thing.").await;
    assert_eq!((status, flood["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("comment_flood")), "{flood}");
    // Someone who may moderate is trusted, through either door.
    let editor = app_password(&app, "ed", Role::Editor).await;
    let (_, trusted) =
        api(&app, "POST", "/wp-json/wp/v2/comments", &editor, json!({"post": post.id, "content": "casino, said the editor"})).await;
    assert_eq!(trusted["status"], "approved");
}

pub async fn no_door_makes_a_page_sticky(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = app_password(&app, "ed", Role::Editor).await;
    let (status, body) = api(&app, "POST", "/wp-json/wp/v2/pages", &auth, json!({"title": "About", "sticky": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("sticky") && m.contains("only posts")), "{body}");
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let refused = app
        .post_form(
            "/admin/pages/new",
            &cookie,
            &[("_csrf", &csrf), ("title", "About us"), ("body", "Text"), ("sticky", "1"), ("action", "publish")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("only posts can be sticky"), "the admin says so instead of dropping the flag");
    assert_eq!(attr(&refused.html(), "input[name=title]", "value"), "About us");
}

pub async fn pages_show_their_comments_and_take_new_ones_when_open(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.min_submit_seconds = 0).build().await else { return };
    let open = app
        .post(&post_json(
            "Guest book",
            "2024-01-01T00:00:00Z",
            json!({"kind": "page", "comment_status": "open", "comments": [{"author": "Visitor", "body": "Lovely site"}]}),
        ))
        .await;
    let path = app.permalink(&open);
    assert_eq!(path, "/guest-book/");
    let page = app.get(&path).await.html();
    assert_eq!(text(&page, ".comments-title"), "1 thought on “Guest book”");
    assert_eq!(texts(&page, ".comment-content").join(" "), "Lovely site");
    let location = app.comment(&path, "Reader", "Signing the guest book", None).await;
    assert!(location.starts_with("/guest-book/"), "{location}");
    // A page with comments closed still shows those it has; a new page starts closed.
    let closed = app
        .post(&post_json(
            "Old notes",
            "2024-01-01T00:00:00Z",
            json!({"kind": "page", "comment_status": "closed", "comments": [{"author": "Early", "body": "From before"}]}),
        ))
        .await;
    let page = app.get(&app.permalink(&closed)).await.html();
    assert_eq!(texts(&page, ".comment-content").join(" "), "From before");
    assert_eq!(text(&page, ".comments-closed"), "Comments are closed.");
    let quiet = app.post(&post_json("Imprint", "2024-01-01T00:00:00Z", json!({"kind": "page"}))).await;
    assert_eq!(quiet.discussion, dateline_core::Discussion::Closed, "pages start closed, as in WordPress");
    assert!(!app.get(&app.permalink(&quiet)).await.body.contains("id=\"comments\""), "nothing to show, nothing shown");
    // Comment pages of a page have their own addresses.
    assert_eq!(app.get("/guest-book/comment-page-1/").await.status, StatusCode::OK);
    assert_eq!(app.get("/guest-book/comment-page-9/").await.status, StatusCode::NOT_FOUND);
}

pub async fn the_admin_and_the_api_refuse_the_same_posts(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = app_password(&app, "ed", Role::Editor).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let long = "x".repeat(501);
    // (what the admin's editor sends, what the API is sent, the words both must use)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Value, &'a str);
    let cases: [Case; 3] = [
        (vec![("title", long.as_str())], json!({"title": long}), "501 characters long; the limit is 500"),
        (
            vec![("title", "Quoting"), ("source_url", "javascript:alert(1)")],
            json!({"title": "Quoting", "dateline": {"source": {"url": "javascript:alert(1)"}}}),
            "is not an absolute http:// or https:// URL",
        ),
        (vec![("title", "A page"), ("sticky", "1")], json!({"title": "A page", "sticky": true}), "only posts can be sticky"),
    ];
    for (i, (form, body, words)) in cases.into_iter().enumerate() {
        let section = if i == 2 { "pages" } else { "posts" };
        let mut fields = vec![("_csrf", csrf.as_str()), ("body", "Text"), ("action", "draft")];
        fields.extend(form);
        let admin = app.post_form(&format!("/admin/{section}/new"), &cookie, &fields).await;
        assert_eq!(admin.status, StatusCode::UNPROCESSABLE_ENTITY, "admin, case {i}");
        assert!(admin.body.contains(words), "admin, case {i}: {}", text(&admin.html(), ".form-error, .notice-error, [role=alert]"));
        let (status, api_body) = api(&app, "POST", &format!("/wp-json/wp/v2/{section}"), &auth, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "api, case {i}");
        assert!(api_body["message"].as_str().is_some_and(|m| m.contains(words)), "api, case {i}: {api_body}");
    }
    let posts = app.test_store.dyn_store().all_posts(dateline_core::PostKind::Post).await.expect("posts");
    assert!(posts.is_empty(), "nothing was written");
}

/// The rights a post's save needs are one rule for both doors: a contributor may not pin a post
/// (the API refused it, the admin's editor stored it), nor write as someone else, nor publish;
/// and a refused form makes none of the tags it names.
pub async fn the_admin_and_the_api_grant_the_same_rights(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let auth = app_password(&app, "con", Role::Contributor).await;
    let editor = app.user("ed", Role::Editor, PASSWORD).await;
    let cookie = app.login("con", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let editor_id = editor.id.to_string();
    type Case<'a> = (Vec<(&'a str, &'a str)>, Value, StatusCode, &'a str, &'a str);
    let cases: [Case; 3] = [
        (
            vec![("sticky", "1")],
            json!({"sticky": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "make a post sticky",
            "rest_cannot_assign_sticky",
        ),
        (
            vec![("author", editor_id.as_str())],
            json!({"author": editor.id}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Only editors can choose another author",
            "rest_cannot_edit_others",
        ),
        (vec![("action", "publish")], json!({"status": "publish"}), StatusCode::FORBIDDEN, "may not publish", "rest_cannot_publish"),
    ];
    for (i, (form, body, admin_status, words, code)) in cases.into_iter().enumerate() {
        let mut fields = vec![("_csrf", csrf.as_str()), ("title", "Pinned by a contributor"), ("body", "Text"), ("tags", "Brand new tag")];
        if !form.iter().any(|(k, _)| *k == "action") {
            fields.push(("action", "review"));
        }
        fields.extend(form);
        let admin = app.post_form("/admin/posts/new", &cookie, &fields).await;
        assert_eq!(admin.status, admin_status, "admin, case {i}");
        assert!(admin.body.contains(words), "admin, case {i}: {}", admin.body);
        let mut body = body;
        body["title"] = "Pinned by a contributor".into();
        let (status, api_body) = api(&app, "POST", "/wp-json/wp/v2/posts", &auth, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "api, case {i}: {api_body}");
        assert_eq!(api_body["code"], code, "api, case {i}");
    }
    let store = app.test_store.dyn_store();
    assert!(store.all_posts(dateline_core::PostKind::Post).await.expect("posts").is_empty(), "nothing was written");
    let tags = store.terms(dateline_core::Taxonomy::Tag).await.expect("tags");
    assert!(tags.is_empty(), "no tag was made by a refused form: {tags:?}");
}
