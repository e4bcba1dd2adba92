//! The admin over HTTP: logging in and out, throttling, CSRF, headers, and the role matrix.

use axum::http::StatusCode;
use dateline_core::{CommentStatus, Role};
use dateline_testkit::Db;
use serde_json::json;

use crate::support::*;

const PASSWORD: &str = "a long enough password";

pub async fn login_logout_and_sessions(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let anonymous = app.get("/admin/").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header("location"), "/admin/login?redirect_to=%2Fadmin%2F");
    let wrong = app.login("ed", "not the password").await.expect_err("refused");
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(text(&wrong.html(), "#login-error"), "The username or password is not right.");
    assert_eq!(attr(&wrong.html(), "#user_login", "value"), "ed", "the login typed is kept");
    let unknown = app.login("nobody", PASSWORD).await.expect_err("refused");
    assert_eq!(text(&unknown.html(), "#login-error"), "The username or password is not right.", "no hint that the account does not exist");

    let cookie = app.login("ed@example.org", PASSWORD).await.expect("email works as login");
    let dashboard = app.get_as("/admin/", &cookie).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(text(&dashboard.html(), "h1"), "Dashboard");
    assert!(dashboard.header("set-cookie").is_empty());
    let session_cookie = cookie.split("; ").find(|c| c.starts_with("dateline_session=")).expect("session");
    assert!(!session_cookie.is_empty());

    let csrf = app.admin_csrf(&cookie).await;
    let no_token = app.post_form("/admin/logout", &cookie, &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "logout needs the CSRF token");
    let out = app.post_form("/admin/logout", &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(app.get_as("/admin/", &cookie).await.status, StatusCode::SEE_OTHER, "the session is over on the server too");
}

pub async fn login_forms_need_their_token(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let response = app.post_form("/admin/login", "", &[("log", "ed"), ("pwd", PASSWORD)]).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert!(response.header("set-cookie").is_empty() || !response.header("set-cookie").contains("dateline_session"));
}

pub async fn logins_are_throttled(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(app.login("ed", "wrong").await.expect_err("wrong").status, StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login("ed", PASSWORD).await.expect_err("throttled even with the right password");
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(text(&throttled.html(), "#login-error").starts_with("Too many failed login attempts. Please try again in 15 minutes"));
    assert_eq!(throttled.header("retry-after"), "900");
    // Another account is not locked out by this one's failures.
    app.user("auth", Role::Author, PASSWORD).await;
    assert!(app.login("auth", PASSWORD).await.is_ok());
}

pub async fn admin_pages_are_locked_down(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    for path in ["/admin/login", "/admin/", "/admin/comments"] {
        let response = app.get_as(path, &cookie).await;
        let csp = response.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(response.header("cache-control"), "no-store", "{path}");
        assert_eq!(response.header("x-frame-options"), "DENY", "{path}");
    }
}

/// Each role × each action: allowed, or refused with 403.
pub async fn role_matrix(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json("Discussed", "2020-01-01T00:00:00Z", json!({"comments": [{"author": "R", "body": "held", "status": "pending"}]})))
        .await;
    let held = app.test_store.dyn_store().comments_for_post(post.id, CommentStatus::Pending).await.expect("list")[0].id;
    for role in ROLES {
        let login = &format!("{}-user", role.as_str());
        app.user(login, role, PASSWORD).await;
        let cookie = app.login(login, PASSWORD).await.expect("login");
        let may_moderate = matches!(role, Role::Administrator | Role::Editor);
        assert_eq!(app.get_as("/admin/", &cookie).await.status, StatusCode::OK, "{login}: dashboard");
        let queue = app.get_as("/admin/comments", &cookie).await;
        assert_eq!(queue.status, if may_moderate { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{login}: queue");
        if !may_moderate {
            assert_eq!(texts(&queue.html(), "main p")[0], format!("Your account ({}) may not do this.", role.as_str()));
        }
        let csrf = app.admin_csrf(&cookie).await;
        let approve = app.post_form(&format!("/admin/comments/{held}/pending"), &cookie, &[("_csrf", &csrf)]).await;
        assert_eq!(approve.status, if may_moderate { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN }, "{login}: moderate");
    }
}

pub async fn moderation_queue_acts_and_explains(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.require_prior_approval = true).build().await else { return };
    let path = app.permalink(&app.post(&post_json("Queue", "2020-01-01T00:00:00Z", json!({}))).await);
    for n in 1..=3 {
        app.comment(&path, &format!("New {n}"), &format!("First words {n}."), None).await;
    }
    app.user("ed", Role::Editor, PASSWORD).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let queue = app.get_as("/admin/comments", &cookie).await.html();
    assert_eq!(texts(&queue, "table tbody tr").len(), 3);
    assert_eq!(texts(&queue, "td.reason")[0].split(';').next().expect("reason"), "first comment from this commenter");
    assert!(texts(&queue, ".status-filter a").iter().any(|t| t == "Pending (3)"), "{:?}", texts(&queue, ".status-filter a"));
    let ids: Vec<String> = {
        let sel = scraper::Selector::parse("input[name=ids]").expect("selector");
        queue.select(&sel).filter_map(|e| e.value().attr("value").map(str::to_string)).collect()
    };
    let csrf = app.admin_csrf(&cookie).await;
    let missing = app.post_form("/admin/comments/bulk", &cookie, &[("action", "approve"), ("ids", &ids[0])]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "bulk actions need the CSRF token");
    let bulk = app
        .post_form("/admin/comments/bulk", &cookie, &[("_csrf", &csrf), ("action", "approve"), ("ids", &ids[0]), ("ids", &ids[1])])
        .await;
    assert_eq!((bulk.status, bulk.header("location")), (StatusCode::SEE_OTHER, "/admin/comments?status=pending"));
    let one = app.post_form(&format!("/admin/comments/{}/spam", ids[2]), &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(one.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await.html();
    assert_eq!(text(&page, ".comments-title"), "2 thoughts on “Queue”");
    let spam = app.get_as("/admin/comments?status=spam", &cookie).await.html();
    assert_eq!(texts(&spam, "table tbody tr").len(), 1);
}

pub async fn the_editor_writes_within_the_role(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    app.user("contrib", Role::Contributor, PASSWORD).await;
    app.user("auth", Role::Author, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&editor).await;
    // Browsers send a textarea's line breaks as CRLF.
    let fields = |action: &'static str, title: &'static str| {
        vec![
            ("title", title),
            ("body", "Our *take*."),
            ("source_url", "https://example.com/s"),
            ("source_outlet", "Ledger"),
            ("source_excerpt", "First quoted.\r\n\r\nSecond\r\nquoted."),
            ("action", action),
        ]
    };
    let mut publish = fields("publish", "Published by the editor");
    publish.push(("_csrf", &csrf));
    let saved = app.post_form("/admin/posts/new", &editor, &publish).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let edit_path = saved.header("location").split('?').next().expect("path").to_string();
    let post_id: i64 = edit_path.rsplit('/').next().and_then(|id| id.parse().ok()).expect("id");
    let post = app.test_store.dyn_store().post_by_id(post_id).await.expect("read").expect("post");
    assert_eq!(post.status, dateline_core::PostStatus::Published);
    let source = post.source.expect("source");
    assert_eq!(source.outlet.as_deref(), Some("Ledger"));
    assert_eq!(source.excerpt, ["First quoted.", "Second quoted."], "a blank line between paragraphs, as typed");

    // Categories are listed as a tree: a child under its parent, indented.
    app.post(&post_json("Filed", "2020-01-01T00:00:00Z", json!({"categories": ["World/Europe", "Arts"]}))).await;
    let form = app.get_as("/admin/posts/new", &editor).await.html();
    let items: Vec<(String, String)> = {
        let sel = scraper::Selector::parse(".checklist li").expect("selector");
        form.select(&sel)
            .map(|li| (li.value().attr("class").unwrap_or_default().to_string(), li.text().collect::<String>().trim().to_string()))
            .collect()
    };
    let tree: Vec<(&str, &str)> =
        items.iter().map(|(c, t)| (c.as_str(), t.as_str())).filter(|(_, t)| ["Arts", "World", "Europe"].contains(t)).collect();
    assert_eq!(tree, [("depth-0", "Arts"), ("depth-0", "World"), ("depth-1", "Europe")]);

    // Without the token nothing is saved; a bad field keeps what was typed.
    let no_token = app.post_form("/admin/posts/new", &editor, &fields("publish", "Forged")).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let mut bad = vec![("title", "Kept title"), ("body", "Kept body"), ("source_url", "javascript:alert(1)"), ("action", "publish")];
    bad.push(("_csrf", &csrf));
    let refused = app.post_form("/admin/posts/new", &editor, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(attr(&refused.html(), "#title", "value"), "Kept title");
    assert_eq!(text(&refused.html(), "#body"), "Kept body");
    let gone = app
        .post_form(
            "/admin/posts/new",
            &editor,
            &[("_csrf", &csrf), ("title", "Kept again"), ("body", "Body"), ("category", "99999"), ("action", "publish")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::UNPROCESSABLE_ENTITY, "a category that does not exist is said, not a 500");
    assert_eq!(attr(&gone.html(), "#title", "value"), "Kept again");
    let long_title = "x".repeat(600);
    let long = app
        .post_form("/admin/posts/new", &editor, &[("_csrf", &csrf), ("title", &long_title), ("body", "Body"), ("action", "draft")])
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A contributor may submit for review but not publish; an author may not edit others' posts.
    let contributor = app.login("contrib", PASSWORD).await.expect("login");
    let contributor_csrf = app.admin_csrf(&contributor).await;
    let mut try_publish = fields("publish", "Contributor tries");
    try_publish.push(("_csrf", &contributor_csrf));
    assert_eq!(app.post_form("/admin/posts/new", &contributor, &try_publish).await.status, StatusCode::FORBIDDEN);
    let mut review = fields("review", "For review");
    review.push(("_csrf", &contributor_csrf));
    let submitted = app.post_form("/admin/posts/new", &contributor, &review).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get_as(submitted.header("location"), &contributor).await.status, StatusCode::OK);
    let author = app.login("auth", PASSWORD).await.expect("login");
    assert_eq!(app.get_as(&edit_path, &author).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get_as("/admin/pages", &author).await.status, StatusCode::FORBIDDEN);
    let list = app.get_as("/admin/posts?status=pending", &editor).await.html();
    assert_eq!(texts(&list, "a.row-title"), ["For review"]);
    // A draft has no public address yet; its preview is for those who may edit it.
    let preview = attr(&list, "tr a[href$='/preview']", "href");
    let shown = app.get_as(&preview, &editor).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(text(&shown.html(), "h1.post-title"), "For review");
    assert_eq!(app.get_as(&preview, &author).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&preview).await.status, StatusCode::SEE_OTHER, "not for visitors");
    // Once an editor publishes it, the contributor may no longer change it (as in WordPress).
    let review_id = preview.trim_end_matches("/preview").rsplit('/').next().expect("id").to_string();
    let publish = app.post_form("/admin/posts/bulk", &editor, &[("_csrf", &csrf), ("action", "publish"), ("ids", &review_id)]).await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get_as(&format!("/admin/posts/{review_id}"), &contributor).await.status, StatusCode::FORBIDDEN);
}

pub async fn profiles_users_terms_and_replies(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("boss", Role::Administrator, PASSWORD).await;
    app.user("ed", Role::Editor, PASSWORD).await;
    let admin = app.login("boss", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&admin).await;

    // An application password made in the profile works for the API.
    let created = app.post_form("/admin/profile/app-passwords", &admin, &[("_csrf", &csrf), ("name", "Script")]).await;
    assert_eq!(created.status, StatusCode::OK);
    let password = text(&created.html(), "#new-app-password");
    use base64::Engine;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("boss:{password}")));
    let me = app
        .send(
            axum::http::Request::get("/wp-json/wp/v2/users/me")
                .header("authorization", basic)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let profile = app.get_as("/admin/profile", &admin).await.html();
    assert!(texts(&profile, ".app-passwords li")[0].starts_with("Script"));
    let wrong =
        app.post_form("/admin/profile", &admin, &[("_csrf", &csrf), ("current_password", "nope"), ("new_password", "something new")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "a new password needs the current one");
    // A new password logs out every other session of the account.
    let elsewhere = app.login("boss", PASSWORD).await.expect("second session");
    let changed = app
        .post_form(
            "/admin/profile",
            &admin,
            &[("_csrf", &csrf), ("current_password", PASSWORD), ("new_password", "an even longer password")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get_as("/admin/", &elsewhere).await.status, StatusCode::SEE_OTHER, "the other session is over");
    assert_eq!(app.get_as("/admin/", &admin).await.status, StatusCode::OK, "this one goes on");
    // Saving the name alone keeps the email; an email already in use is refused.
    assert_eq!(
        app.post_form("/admin/profile", &admin, &[("_csrf", &csrf), ("display_name", "The Boss")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(attr(&app.get_as("/admin/profile", &admin).await.html(), "#email", "value"), "boss@example.org");
    let taken =
        app.post_form("/admin/profile", &admin, &[("_csrf", &csrf), ("display_name", "The Boss"), ("email", "ed@example.org")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    // Users: administrators only.
    let added = app.post_form("/admin/users", &admin, &[("_csrf", &csrf), ("login", "newbie"), ("role", "contributor")]).await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(text(&added.html(), ".notice").starts_with("Account “newbie” created with the password "));
    let newbie = app.test_store.dyn_store().user_credentials("newbie").await.expect("read").expect("newbie").0;
    let promoted = app.post_form(&format!("/admin/users/{}/role", newbie.id), &admin, &[("_csrf", &csrf), ("role", "author")]).await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.test_store.dyn_store().user_by_id(newbie.id).await.expect("read").expect("user").role, Role::Author);
    let duplicate = app
        .post_form("/admin/users", &admin, &[("_csrf", &csrf), ("login", "newbie"), ("email", "n2@example.org"), ("role", "editor")])
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(text(&duplicate.html(), ".form-error"), "The login “newbie” is taken.");
    let other_case = app.post_form("/admin/users", &admin, &[("_csrf", &csrf), ("login", "NewBie"), ("role", "editor")]).await;
    assert_eq!(
        (other_case.status, text(&other_case.html(), ".form-error")),
        (StatusCode::CONFLICT, "The login “NewBie” is taken.".to_string()),
        "logins differ by more than case"
    );
    assert_eq!(
        (attr(&duplicate.html(), "#new-login", "value"), attr(&duplicate.html(), "#new-email", "value")),
        ("newbie".to_string(), "n2@example.org".to_string()),
        "what was typed is kept"
    );
    let hostile = app.post_form("/admin/users", &admin, &[("_csrf", &csrf), ("login", "<b>x</b>"), ("role", "author")]).await;
    assert_eq!(hostile.status, StatusCode::UNPROCESSABLE_ENTITY);
    let editor = app.login("ed", PASSWORD).await.expect("login");
    assert_eq!(app.get_as("/admin/users", &editor).await.status, StatusCode::FORBIDDEN);

    // Another account's password, made and shown once; the account's sessions end.
    let boss = app.test_store.dyn_store().user_credentials("boss").await.expect("read").expect("boss").0;
    let ed = app.test_store.dyn_store().user_credentials("ed").await.expect("read").expect("ed").0;
    let reset = app.post_form(&format!("/admin/users/{}/password", ed.id), &admin, &[("_csrf", &csrf)]).await;
    assert_eq!(reset.status, StatusCode::OK);
    let notice = text(&reset.html(), ".notice");
    let new_password = notice.split(": ").nth(1).and_then(|rest| rest.split(' ').next()).expect("the password shown").to_string();
    assert!(new_password.len() >= 20, "{notice}");
    assert_eq!(app.get_as("/admin/", &editor).await.status, StatusCode::SEE_OTHER, "the editor's session ended");
    assert!(app.login("ed", PASSWORD).await.is_err(), "the old password no longer signs in");
    let editor = app.login("ed", &new_password).await.expect("the new password signs in");
    let own = app.post_form(&format!("/admin/users/{}/password", boss.id), &admin, &[("_csrf", &csrf)]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "one's own password is changed on the Profile page");
    let editor_csrf = app.admin_csrf(&editor).await;
    let not_theirs = app.post_form(&format!("/admin/users/{}/password", boss.id), &editor, &[("_csrf", &editor_csrf)]).await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN, "editors do not manage accounts");

    // Deleting an account gives its posts to another; never oneself.
    let mut by_newbie = app.post(&post_json("By the newbie", "2024-05-01T00:00:00Z", serde_json::json!({}))).await;
    let mut write = dateline_core::PostWrite::from_post(&by_newbie);
    write.author = newbie.id;
    by_newbie = app.test_store.dyn_store().save_post(Some(by_newbie.id), write).await.expect("save");
    // The list's Delete opens a confirmation first: what changes hands, and to whom.
    let users_list = app.get_as("/admin/users", &admin).await.html();
    let delete_link = format!("/admin/users/{}/delete", newbie.id);
    assert_eq!(texts(&users_list, &format!("a[href='{delete_link}']")), ["Delete…"], "Delete is a link to the confirmation");
    let confirm = app.get_as(&delete_link, &admin).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let confirm = confirm.html();
    assert_eq!(text(&confirm, "#owned"), "It has 1 post or page (drafts and the trash included).");
    let heirs = texts(&confirm, "#heir option");
    assert!(heirs.contains(&"boss".to_string()) && !heirs.contains(&"newbie".to_string()), "{heirs:?}");
    assert_eq!(app.get_as(&delete_link, &editor).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&format!("/admin/users/{}/delete", boss.id), &admin).await.status, StatusCode::FORBIDDEN, "not oneself");
    assert!(app.test_store.dyn_store().user_by_id(newbie.id).await.expect("read").is_some(), "looking deletes nothing");
    let nowhere = app.post_form(&format!("/admin/users/{}/delete", newbie.id), &admin, &[("_csrf", &csrf), ("reassign_to", "0")]).await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY, "the posts need somewhere to go");
    let boss_id = boss.id.to_string();
    let deleted =
        app.post_form(&format!("/admin/users/{}/delete", newbie.id), &admin, &[("_csrf", &csrf), ("reassign_to", &boss_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(text(&deleted.html(), ".notice"), "Deleted “newbie”; 1 posts and pages are now by “boss”.");
    assert!(app.test_store.dyn_store().user_by_id(newbie.id).await.expect("read").is_none());
    let kept = app.test_store.dyn_store().post_by_id(by_newbie.id).await.expect("read").expect("post kept");
    assert_eq!(kept.author.id, boss.id);
    let myself =
        app.post_form(&format!("/admin/users/{}/delete", boss.id), &admin, &[("_csrf", &csrf), ("reassign_to", &ed.id.to_string())]).await;
    assert_eq!(myself.status, StatusCode::FORBIDDEN);

    // Terms: add, rename, delete.
    let editor_csrf = app.admin_csrf(&editor).await;
    let orphan = app
        .post_form("/admin/terms", &editor, &[("_csrf", &editor_csrf), ("taxonomy", "category"), ("name", "Orphan"), ("parent", "99999")])
        .await;
    assert_eq!(orphan.status, StatusCode::UNPROCESSABLE_ENTITY, "a parent that does not exist is said, not a 500");
    let add = app.post_form("/admin/terms", &editor, &[("_csrf", &editor_csrf), ("taxonomy", "category"), ("name", "World News")]).await;
    assert_eq!(add.status, StatusCode::SEE_OTHER);
    let term = app.test_store.dyn_store().term_by_slug(dateline_core::Taxonomy::Category, "world-news").await.expect("read").expect("term");
    let renamed = app.post_form(&format!("/admin/terms/{}/rename", term.id), &editor, &[("_csrf", &editor_csrf), ("name", "World")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.test_store.dyn_store().term_by_id(term.id).await.expect("read").expect("term").slug, "world");
    let deleted = app.post_form(&format!("/admin/terms/{}/delete", term.id), &editor, &[("_csrf", &editor_csrf)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(app.test_store.dyn_store().term_by_id(term.id).await.expect("read").is_none());

    // Reply to and edit a held comment from the queue.
    let post = app
        .post(&post_json(
            "Discussed",
            "2020-01-01T00:00:00Z",
            json!({"comments": [{"author": "R", "body": "Held words", "status": "pending"}]}),
        ))
        .await;
    let held = app.test_store.dyn_store().comments_for_post(post.id, CommentStatus::Pending).await.expect("list")[0].id;
    let edited =
        app.post_form(&format!("/admin/comments/{held}/edit"), &editor, &[("_csrf", &editor_csrf), ("text", "Edited words")]).await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let replied =
        app.post_form(&format!("/admin/comments/{held}/reply"), &editor, &[("_csrf", &editor_csrf), ("text", "Thanks for writing.")]).await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let page = app.get(&app.permalink(&post)).await.html();
    assert_eq!(text(&page, ".comments-title"), "2 thoughts on “Discussed”");
    assert_eq!(texts(&page, ".comment-content")[0], "Edited words");
    assert_eq!(texts(&page, "ol.children .comment-author"), ["ed"]);
}

pub async fn settings_are_saved_for_every_instance(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("boss", Role::Administrator, PASSWORD).await;
    app.user("ed", Role::Editor, PASSWORD).await;
    let admin = app.login("boss", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&admin).await;
    let form = |title: &'static str, timezone: &'static str| {
        vec![
            ("title", title),
            ("tagline", "Clips"),
            ("timezone", timezone),
            ("posts_per_page", "5"),
            ("require_name_email", "1"),
            ("thread_depth", "3"),
            ("comments_per_page", "20"),
            ("moderation_words", "refund\nviagra"),
            ("comment_order", "newest"),
        ]
    };
    let mut bad = form("Broken", "Mars/Olympus");
    bad.push(("_csrf", &csrf));
    let refused = app.post_form("/admin/settings", &admin, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused.html(), "#settings-error").contains("site.timezone"));
    assert_eq!(attr(&refused.html(), "#title", "value"), "Broken", "what was typed is kept");

    let mut good = form("The Clip Sheet", "Europe/Madrid");
    good.push(("_csrf", &csrf));
    let saved = app.post_form("/admin/settings", &admin, &good).await;
    assert_eq!((saved.status, saved.header("location")), (StatusCode::SEE_OTHER, "/admin/settings?saved=1"));
    assert_eq!(text(&app.get_as("/admin/settings?saved=1", &admin).await.html(), ".notice"), "Settings saved.");
    let mut not_a_number = form("X", "UTC");
    not_a_number[3] = ("posts_per_page", "many");
    not_a_number.push(("_csrf", &csrf));
    let refused = app.post_form("/admin/settings", &admin, &not_a_number).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text(&refused.html(), "#settings-error"), "These must be whole numbers of 0 or more: posts per page.");
    assert!(app.get("/").await.body.contains("<title>The Clip Sheet</title>"), "applied at once");

    // Another instance on the same store starts with them.
    let options = dateline_web::WebOptions {
        config: dateline_core::Config::for_test(),
        fallback_base_url: "http://unused".into(),
        theme_dir: None,
        mailer: None,
    };
    let other = dateline_web::AppState::new(app.test_store.dyn_store(), options).await.expect("state");
    assert_eq!(other.site().config.site.title, "The Clip Sheet");
    assert_eq!(other.site().config.discussion.moderation_words, ["refund", "viagra"]);

    let editor = app.login("ed", PASSWORD).await.expect("login");
    assert_eq!(app.get_as("/admin/settings", &editor).await.status, StatusCode::FORBIDDEN);
}

/// Every role against every admin action, as a table: the page answers (200/303) or 403.
pub async fn every_role_against_every_action(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json(
            "Someone else's",
            "2020-01-01T00:00:00Z",
            json!({"author": "Other Writer", "comments": [{"author": "R", "body": "held", "status": "pending"}]}),
        ))
        .await;
    let comment = app.test_store.dyn_store().comments_for_post(post.id, CommentStatus::Pending).await.expect("list")[0].id;
    // (action, method, path, [administrator, editor, author, contributor] may do it)
    let table: &[(&str, &str, String, [bool; 4])] = &[
        ("dashboard", "GET", "/admin/".into(), [true, true, true, true]),
        ("posts list", "GET", "/admin/posts".into(), [true, true, true, true]),
        ("new post", "GET", "/admin/posts/new".into(), [true, true, true, true]),
        ("edit another's post", "GET", format!("/admin/posts/{}", post.id), [true, true, false, false]),
        ("pages", "GET", "/admin/pages".into(), [true, true, false, false]),
        ("categories and tags", "GET", "/admin/terms".into(), [true, true, false, false]),
        ("comment queue", "GET", "/admin/comments".into(), [true, true, false, false]),
        ("moderate a comment", "POST", format!("/admin/comments/{comment}/pending"), [true, true, false, false]),
        ("settings", "GET", "/admin/settings".into(), [true, false, false, false]),
        ("users", "GET", "/admin/users".into(), [true, false, false, false]),
        ("profile", "GET", "/admin/profile".into(), [true, true, true, true]),
        ("publish a post", "POST", "/admin/posts/new".into(), [true, true, true, false]),
    ];
    for (column, role) in ROLES.iter().enumerate() {
        let login = format!("{}-x", role.as_str());
        app.user(&login, *role, PASSWORD).await;
        let cookie = app.login(&login, PASSWORD).await.expect("login");
        let csrf = app.admin_csrf(&cookie).await;
        for (action, method, path, allowed) in table {
            let response = match *method {
                "GET" => app.get_as(path, &cookie).await,
                _ => app.post_form(path, &cookie, &[("_csrf", &csrf), ("title", "Matrix"), ("body", "x"), ("action", "publish")]).await,
            };
            let expected_ok = allowed[column];
            let ok = matches!(response.status, StatusCode::OK | StatusCode::SEE_OTHER);
            assert_eq!(ok, expected_ok, "{} × {action}: {}", role.as_str(), response.status);
            if !expected_ok {
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{} × {action}", role.as_str());
            }
        }
    }
}

pub async fn deleting_for_good_authors_and_parents(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let writer = app.user("writer", Role::Author, PASSWORD).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let store = app.test_store.dyn_store();

    // An editor writes a post as another author, and a page under a parent page.
    let saved = app
        .post_form(
            "/admin/posts/new",
            &cookie,
            &[("_csrf", &csrf), ("title", "Ghost-written"), ("body", "x"), ("author", &writer.id.to_string()), ("action", "publish")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(store.post_by_slug(dateline_core::PostKind::Post, "ghost-written").await.expect("read").expect("post").author.id, writer.id);
    let parent = app.post(&post_json("About", "2020-01-01T00:00:00Z", json!({"kind": "page"}))).await;
    let child = app
        .post_form(
            "/admin/pages/new",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("title", "Team"),
                ("body", "x"),
                ("parent", &parent.id.to_string()),
                ("menu_order", "2"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(child.status, StatusCode::SEE_OTHER);
    let team = store.post_by_slug(dateline_core::PostKind::Page, "team").await.expect("read").expect("page");
    assert_eq!((team.parent_id, team.menu_order), (Some(parent.id), 2));
    assert!(!texts(&app.get("/").await.html(), ".site-nav a").contains(&"Team".to_string()), "sub-pages stay out of the top navigation");

    // Permanent deletion: only from the trash.
    let post = app
        .post(&post_json("Doomed", "2020-01-01T00:00:00Z", json!({"comments": [{"author": "R", "body": "spammy", "status": "spam"}]})))
        .await;
    let refused =
        app.post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "delete"), ("ids", &post.id.to_string())]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        texts(&refused.html(), "main p"),
        ["“Doomed” is not in the trash; move it there first.", "Back to the dashboard"],
        "the admin's own error page"
    );
    assert_eq!(
        app.post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "trash"), ("ids", &post.id.to_string())]).await.status,
        StatusCode::SEE_OTHER
    );
    let spam = store.comments_for_post(post.id, CommentStatus::Spam).await.expect("list")[0].id;
    assert_eq!(
        app.post_form(&format!("/admin/comments/{spam}/delete"), &cookie, &[("_csrf", &csrf), ("status", "spam")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(store.comment_by_id(spam).await.expect("read").is_none());
    assert_eq!(
        app.post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "delete"), ("ids", &post.id.to_string())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(store.post_by_id(post.id).await.expect("read").is_none());
}

pub async fn restore_returns_comments_where_they_were_and_author_replies_are_marked(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let post = app
        .post(&post_json(
            "Restored",
            "2020-01-01T00:00:00Z",
            json!({"author": "ed", "comments": [
                {"author": "Approved reader", "body": "Was on the page"},
                {"author": "Held reader", "body": "Was waiting", "status": "pending"},
            ]}),
        ))
        .await;
    let path = app.permalink(&post);
    let store = app.test_store.dyn_store();
    let approved = store.comments_for_post(post.id, CommentStatus::Approved).await.expect("list")[0].id;
    let held = store.comments_for_post(post.id, CommentStatus::Pending).await.expect("list")[0].id;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let trashed = app
        .post_form(
            "/admin/comments/bulk",
            &cookie,
            &[("_csrf", &csrf), ("action", "trash"), ("ids", &approved.to_string()), ("ids", &held.to_string())],
        )
        .await;
    assert_eq!(trashed.status, StatusCode::SEE_OTHER);
    assert!(texts(&app.get(&path).await.html(), ".comment-content").is_empty());
    let bin = app.get_as("/admin/comments?status=trash", &cookie).await.html();
    assert_eq!(
        texts(&bin, &format!("#comment-{approved} button")).iter().filter(|b| *b == "Restore").count(),
        1,
        "{:?}",
        texts(&bin, &format!("#comment-{approved} button"))
    );
    // One by one and in bulk, each goes back where it was: on the page, and in the queue.
    let one = app.post_form(&format!("/admin/comments/{approved}/restore"), &cookie, &[("_csrf", &csrf), ("status", "trash")]).await;
    assert_eq!((one.status, one.header("location")), (StatusCode::SEE_OTHER, "/admin/comments?status=trash"));
    let bulk = app.post_form("/admin/comments/bulk", &cookie, &[("_csrf", &csrf), ("action", "restore"), ("ids", &held.to_string())]).await;
    assert_eq!(bulk.status, StatusCode::SEE_OTHER);
    assert_eq!(store.comment_by_id(approved).await.expect("read").expect("there").status, CommentStatus::Approved);
    assert_eq!(store.comment_by_id(held).await.expect("read").expect("there").status, CommentStatus::Pending);
    assert_eq!(texts(&app.get(&path).await.html(), ".comment-content"), ["Was on the page"]);

    // The post's author answers from the queue: the reply names the account and is marked.
    let replied =
        app.post_form(&format!("/admin/comments/{approved}/reply"), &cookie, &[("_csrf", &csrf), ("text", "Thanks, noted.")]).await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await.html();
    assert_eq!(texts(&page, "li.bypostauthor .comment-content"), ["Thanks, noted."]);
    assert_eq!(texts(&page, "li.bypostauthor .comment-badge"), ["Author"]);
    assert_eq!(texts(&page, "li.comment:not(.bypostauthor) > .comment-body .comment-content"), ["Was on the page"]);
    let reply = store
        .comments_for_post(post.id, CommentStatus::Approved)
        .await
        .expect("list")
        .into_iter()
        .find(|c| c.body == "Thanks, noted.")
        .expect("reply");
    let ed = store.user_credentials("ed").await.expect("read").expect("ed").0;
    assert_eq!((reply.user_id, reply.author_email.as_deref()), (Some(ed.id), Some("ed@example.org")));
}

pub async fn scheduled_posts_read_as_published_once_due(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let ed = app.user("ed", Role::Editor, PASSWORD).await;
    let store = app.test_store.dyn_store();
    let mut write = dateline_core::PostWrite::new_draft(dateline_core::PostKind::Post, ed.id, dateline_core::BodyFormat::Markdown);
    write.title = "Timed".into();
    write.slug = "timed".into();
    write.status = dateline_core::PostStatus::Scheduled;
    write.published_at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(5);
    store.save_post(None, write).await.expect("save");
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let list = app.get_as("/admin/posts", &cookie).await.html();
    let row = texts(&list, "table tbody tr").into_iter().find(|r| r.contains("Timed")).expect("the post is listed");
    assert!(row.contains("published") && !row.contains("scheduled"), "{row}");
    let dashboard = app.get_as("/admin/", &cookie).await.html();
    assert!(texts(&dashboard, "li").iter().any(|li| li == "1 published post"), "{:?}", texts(&dashboard, "li"));
}

pub async fn https_sites_mark_cookies_secure_and_ask_for_https(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.site.base_url = Some("https://blog.example".into())).build().await else { return };
    let login = app.get("/admin/login").await;
    assert!(login.header("set-cookie").contains("; Secure"), "{}", login.header("set-cookie"));
    assert_eq!(login.header("strict-transport-security"), "max-age=31536000");
    assert_eq!(app.get("/").await.header("strict-transport-security"), "max-age=31536000");
    let Some(plain) = TestApp::new(db).await else { return };
    assert_eq!(plain.get("/").await.header("strict-transport-security"), "", "not over plain http");
}

/// The admin's forms: no session is a redirect to the login page and back (forms too),
/// checkbox lists arrive whole, a text field sent twice keeps its first value (trimmed),
/// and a list entry that is not a number is skipped rather than refusing the form.
pub async fn admin_forms_read_lists_and_ask_to_sign_in(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let form = app.post_form("/admin/comments/bulk", "", &[("action", "approve"), ("ids", "1")]).await;
    assert_eq!((form.status, form.header("location")), (StatusCode::SEE_OTHER, "/admin/login?redirect_to=%2Fadmin%2Fcomments%2Fbulk"));
    let page = app.get("/admin/comments?status=spam").await;
    assert_eq!(page.header("location"), "/admin/login?redirect_to=%2Fadmin%2Fcomments%3Fstatus%3Dspam");
    assert_eq!(app.get("/admin/nowhere").await.status, StatusCode::NOT_FOUND, "no such section, signed in or not");

    app.user("ed", Role::Editor, PASSWORD).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let store = app.test_store.dyn_store();
    let twice = app.post_form("/admin/terms", &cookie, &[("_csrf", &csrf), ("name", "  First  "), ("name", "Second")]).await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER);
    let term = store.term_by_slug(dateline_core::Taxonomy::Category, "first").await.expect("read").expect("the first value");
    assert_eq!(term.name, "First");

    let one = app.post(&post_json("One", "2020-01-01T00:00:00Z", json!({}))).await;
    let two = app.post(&post_json("Two", "2020-01-02T00:00:00Z", json!({}))).await;
    let (one_id, two_id) = (one.id.to_string(), two.id.to_string());
    let trashed = app
        .post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "trash"), ("ids", &one_id), ("ids", "x"), ("ids", &two_id)])
        .await;
    assert_eq!(trashed.status, StatusCode::SEE_OTHER);
    for id in [one.id, two.id] {
        assert_eq!(store.post_by_id(id).await.expect("read").expect("post").status, dateline_core::PostStatus::Trash);
    }
}
