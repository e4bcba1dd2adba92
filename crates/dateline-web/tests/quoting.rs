//! Fair quoting (issue 10, "Quote fairly"): a post that readers will see may quote at most the
//! site's limit of its source (300 words and 30 % of the source's words by default), counted
//! over its excerpt and block quotes. The editor, bulk publishing and the REST API refuse more,
//! keeping what was typed; editors and administrators may publish over it, which is recorded
//! and shown in the posts list while the post is over.

use axum::http::StatusCode;
use dateline_core::{PostKind, PostStatus, Role};
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::doors::api;
use crate::support::*;

const PASSWORD: &str = "a long enough password";

/// `n` words of quoted text.
fn words(n: usize) -> String {
    (1..=n).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")
}

/// The editor's fields for a link post quoting `excerpt`, with `action`.
fn editor_form<'a>(csrf: &'a str, title: &'a str, excerpt: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("title", title),
        ("body", "Our take on it."),
        ("source_url", "https://example.com/story"),
        ("source_outlet", "Ledger"),
        ("source_excerpt", excerpt),
        ("action", action),
    ]
}

/// The id in an editor's address (`/admin/posts/7?saved=1`).
fn saved_id(location: &str) -> i64 {
    location.split('?').next().and_then(|p| p.rsplit('/').next()).and_then(|id| id.parse().ok()).expect("an editor's address")
}

pub async fn the_editor_refuses_a_post_over_the_limit_and_keeps_the_form(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ann", Role::Author, PASSWORD).await;
    let cookie = app.login("ann", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let long = words(301);

    // The counter shows the limit before anything is typed; an author is offered no override.
    let blank = app.get_as("/admin/posts/new", &cookie).await.html();
    assert_eq!(text(&blank, "#quote-counter"), "Quoted: 0 of 300 words");
    assert!(texts(&blank, "label[for=quote_override]").is_empty(), "authors may not publish over the limit");

    let refused = app.post_form("/admin/posts/new", &cookie, &editor_form(&csrf, "Too much", &long, "publish")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let page = refused.html();
    assert_eq!(
        text(&page, "#editor-error"),
        "The post quotes 301 words of its source; the site's limit is 300 words. Quote less, or save it as a draft and ask an editor to publish it."
    );
    assert_eq!(attr(&page, "#title", "value"), "Too much", "the form keeps what was typed");
    assert_eq!(text(&page, "#source_excerpt"), long);
    assert_eq!(text(&page, "#quote-counter"), "Quoted: 301 of 300 words — over the limit");
    assert!(attr(&page, "#quote-counter", "class").contains("over"));
    assert!(app.test_store.dyn_store().all_posts(PostKind::Post).await.expect("posts").is_empty(), "nothing was saved");

    // Ticking the override by hand does not help an author.
    let mut forged = editor_form(&csrf, "Too much", &long, "publish");
    forged.push(("quote_override", "1"));
    let forged = app.post_form("/admin/posts/new", &cookie, &forged).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&forged.html(), "#editor-error").ends_with("only editors and administrators may publish over the quote limit."));

    // A draft is never refused; nor is a post within the limit; block quotes in the body count.
    let draft = app.post_form("/admin/posts/new", &cookie, &editor_form(&csrf, "Drafted", &long, "draft")).await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
    let draft_id = saved_id(draft.header("location"));
    let fair = words(290);
    let mut quoting_in_body = editor_form(&csrf, "Fair", &fair, "publish");
    quoting_in_body[2] = ("body", "My take.\n\n> one two three four five\n> six seven eight nine ten\n");
    let published = app.post_form("/admin/posts/new", &cookie, &quoting_in_body).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "290 + 10 words is within 300: {}", published.body);
    let fair_id = saved_id(published.header("location"));
    let shown = app.get_as(&format!("/admin/posts/{fair_id}"), &cookie).await.html();
    assert_eq!(text(&shown, "#quote-counter"), "Quoted: 300 of 300 words");

    // A published post is measured again when it is saved: one more quoted word is refused.
    let mut more = editor_form(&csrf, "Fair", &fair, "update");
    more[2] = ("body", "My take.\n\n> one two three four five\n> six seven eight nine ten eleven\n");
    let more = app.post_form(&format!("/admin/posts/{fair_id}"), &cookie, &more).await;
    assert_eq!(more.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&more.html(), "#editor-error").starts_with("The post quotes 301 words"));
    let stored = app.test_store.dyn_store().post_by_id(fair_id).await.expect("read").expect("post");
    assert!(!stored.body_source.contains("eleven"), "the published post is as it was");

    // Scheduling is publishing (the scheduler only flips the status when the time comes).
    let mut scheduled = editor_form(&csrf, "Drafted", &long, "publish");
    scheduled.push(("date", "2099-01-01T09:00"));
    let scheduled = app.post_form(&format!("/admin/posts/{draft_id}"), &cookie, &scheduled).await;
    assert_eq!(scheduled.status, StatusCode::UNPROCESSABLE_ENTITY, "scheduling over the limit is refused");
    assert_eq!(attr(&scheduled.html(), "#date", "value"), "2099-01-01T09:00");
    let draft = app.test_store.dyn_store().post_by_id(draft_id).await.expect("read").expect("post");
    assert_eq!(draft.status, PostStatus::Draft);

    // A contributor's submission for review is not publishing.
    app.user("cy", Role::Contributor, PASSWORD).await;
    let contributor = app.login("cy", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&contributor).await;
    let review = app.post_form("/admin/posts/new", &contributor, &editor_form(&csrf, "For review", &long, "review")).await;
    assert_eq!(review.status, StatusCode::SEE_OTHER, "{}", review.body);
}

pub async fn editors_publish_over_the_limit_recorded_and_listed(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let editor = app.user("Eda Editor", Role::Editor, PASSWORD).await;
    let cookie = app.login("Eda Editor", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let long = words(420);

    let form = app.get_as("/admin/posts/new", &cookie).await.html();
    assert_eq!(text(&form, "label[for=quote_override]"), "Publish over the quote limit (recorded with your name)");
    let refused = app.post_form("/admin/posts/new", &cookie, &editor_form(&csrf, "Long read", &long, "publish")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused.html(), "#editor-error").ends_with("Quote less, or tick “Publish over the quote limit”."));

    let mut allowed = editor_form(&csrf, "Long read", &long, "publish");
    allowed.push(("quote_override", "1"));
    let saved = app.post_form("/admin/posts/new", &cookie, &allowed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = saved_id(saved.header("location"));
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("post");
    assert_eq!(post.status, PostStatus::Published);
    let record = post.quote_override.clone().expect("the decision is recorded");
    assert_eq!((record.by, record.by_name.as_deref(), record.words), (Some(editor.id), Some("Eda Editor"), 420));
    assert!((jiff::Timestamp::now() - record.at).get_seconds().abs() < 60, "when: now");

    let date = record.at.to_zoned(app.config.time_zone()).strftime("%B %-d, %Y").to_string();
    let list = app.get_as("/admin/posts", &cookie).await.html();
    assert_eq!(texts(&list, ".quote-allowed"), [format!("Over the quote limit — allowed by Eda Editor, {date}")]);
    let editor_page = app.get_as(&format!("/admin/posts/{id}"), &cookie).await.html();
    assert_eq!(text(&editor_page, "#quote-allowed"), format!("Allowed over the quote limit by Eda Editor on {date} (420 words quoted)."));

    // Saved again as it is (a typo fixed) needs no new decision, even by an author.
    let author = app.user("ann", Role::Author, PASSWORD).await;
    let mut write = dateline_core::PostWrite::from_post(&post);
    write.author = author.id;
    app.test_store.dyn_store().save_post(Some(id), write).await.expect("hand the post to the author");
    let ann = app.login("ann", PASSWORD).await.expect("login");
    let ann_csrf = app.admin_csrf(&ann).await;
    let typo = app.post_form(&format!("/admin/posts/{id}"), &ann, &editor_form(&ann_csrf, "Long read, fixed", &long, "update")).await;
    assert_eq!(typo.status, StatusCode::SEE_OTHER, "as much as was allowed: {}", typo.body);
    let more = format!("{long} w421");
    let refused = app.post_form(&format!("/admin/posts/{id}"), &ann, &editor_form(&ann_csrf, "Long read", &more, "update")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "more than was allowed needs an editor again");

    // Back under the limit: the list no longer shows it; the post keeps the record as history.
    let short = words(100);
    let trimmed = app.post_form(&format!("/admin/posts/{id}"), &cookie, &editor_form(&csrf, "Long read", &short, "update")).await;
    assert_eq!(trimmed.status, StatusCode::SEE_OTHER);
    let list = app.get_as("/admin/posts", &cookie).await.html();
    assert!(texts(&list, ".quote-allowed").is_empty());
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("post");
    assert_eq!(post.quote_override.map(|o| o.words), Some(420));
}

pub async fn the_percentage_applies_when_the_source_words_are_known(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ann", Role::Author, PASSWORD).await;
    let cookie = app.login("ann", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let quoted = words(40);

    let mut form = editor_form(&csrf, "Short source", &quoted, "publish");
    form.push(("source_words", "100"));
    let refused = app.post_form("/admin/posts/new", &cookie, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.html();
    assert!(
        text(&page, "#editor-error")
            .starts_with("The post quotes 40 words of its source; the site's limit is 30 words (30 % of the source's 100 words)."),
        "{}",
        text(&page, "#editor-error")
    );
    assert_eq!(attr(&page, "#source_words", "value"), "100", "the count typed is kept");
    assert_eq!(text(&page, "#quote-counter"), "Quoted: 40 of 30 words (30 % of 100) — over the limit");

    // The same quote from a longer story is fair; the count is kept with the post.
    let mut form = editor_form(&csrf, "Long source", &quoted, "publish");
    form.push(("source_words", "1,250"));
    let saved = app.post_form("/admin/posts/new", &cookie, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = saved_id(saved.header("location"));
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("post");
    assert_eq!(post.source.and_then(|s| s.words), Some(1250));
    let page = app.get_as(&format!("/admin/posts/{id}"), &cookie).await.html();
    assert_eq!(attr(&page, "#source_words", "value"), "1250");
    assert_eq!(text(&page, "#quote-counter"), "Quoted: 40 of 300 words (30 % of 1,250)");

    let mut bad = editor_form(&csrf, "Bad count", &quoted, "draft");
    bad.push(("source_words", "many"));
    let bad = app.post_form("/admin/posts/new", &cookie, &bad).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text(&bad.html(), "#editor-error"), "The source's word count must be a whole number (or left empty when unknown).");

    // The live counter asks the server, which counts as the save does.
    let live = app
        .post_form(
            "/admin/quote",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("body", "> one two\n\n<blockquote>three</blockquote>"),
                ("source_excerpt", &quoted),
                ("source_words", "100"),
            ],
        )
        .await;
    assert_eq!(live.status, StatusCode::OK);
    let live: Value = serde_json::from_str(&live.body).expect("json");
    assert_eq!(live["summary"], "Quoted: 43 of 30 words (30 % of 100)");
    assert_eq!((live["quoted"].clone(), live["limit"].clone(), live["over"].clone()), (json!(43), json!(30), json!(true)));
    let forged = app.post_form("/admin/quote", &cookie, &[("body", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "the counter needs the form's token");
}

pub async fn bulk_publishing_refuses_posts_over_the_limit(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let cookie = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let over = app.post(&post_json("Over", "2024-01-01T00:00:00Z", json!({"status": "draft", "source": {"excerpt": [words(350)]}}))).await;
    let fair = app.post(&post_json("Fair", "2024-01-01T00:00:00Z", json!({"status": "draft", "source": {"excerpt": [words(20)]}}))).await;
    let (over_id, fair_id) = (over.id.to_string(), fair.id.to_string());
    let bulk =
        app.post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "publish"), ("ids", &over_id), ("ids", &fair_id)]).await;
    assert_eq!(bulk.status, StatusCode::BAD_REQUEST);
    assert!(
        bulk.body.contains(
            "Not published, because they quote more of their source than the site allows: “Over” (350 words quoted, the limit is 300)"
        ),
        "{}",
        bulk.body
    );
    let store = app.test_store.dyn_store();
    assert_eq!(store.post_by_id(over.id).await.expect("read").expect("post").status, PostStatus::Draft);
    assert_eq!(store.post_by_id(fair.id).await.expect("read").expect("post").status, PostStatus::Published, "the others go on");
    // Moving it to the trash or back to drafts is never refused.
    let trash = app.post_form("/admin/posts/bulk", &cookie, &[("_csrf", &csrf), ("action", "trash"), ("ids", &over_id)]).await;
    assert_eq!(trash.status, StatusCode::SEE_OTHER);
}

pub async fn the_settings_change_the_limit(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("admin", Role::Administrator, PASSWORD).await;
    let cookie = app.login("admin", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let page = app.get_as("/admin/settings", &cookie).await.html();
    assert_eq!(attr(&page, "#quote_max_words", "value"), "300");
    assert_eq!(attr(&page, "#quote_max_percent", "value"), "30");

    let send = |words: &'static str, percent: &'static str| {
        let fields = [
            ("_csrf", csrf.as_str()),
            ("title", "Dateline"),
            ("timezone", "UTC"),
            ("quote_max_words", words),
            ("quote_max_percent", percent),
        ];
        let (app, cookie) = (&app, &cookie);
        async move { app.post_form("/admin/settings", cookie, &fields).await }
    };
    let bad = send("300", "101").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text(&bad.html(), "#settings-error"), "setting quote.max_percent: 101 is not between 0 and 100");
    let bad = send("lots", "30").await;
    assert_eq!(text(&bad.html(), "#settings-error"), "These must be whole numbers of 0 or more: quote max words.");

    let saved = send("50", "0").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sixty = words(60);
    let refused = app.post_form("/admin/posts/new", &cookie, &editor_form(&csrf, "Sixty", &sixty, "publish")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "the new limit applies at once");
    assert!(text(&refused.html(), "#editor-error").starts_with("The post quotes 60 words of its source; the site's limit is 50 words."));

    let saved = send("0", "0").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let long = words(5000);
    let published = app.post_form("/admin/posts/new", &cookie, &editor_form(&csrf, "No limit", &long, "publish")).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "0 and 0: no limit");
    let id = saved_id(published.header("location"));
    assert_eq!(text(&app.get_as(&format!("/admin/posts/{id}"), &cookie).await.html(), "#quote-counter"), "Quoted: 5,000 words (no limit)");
}

pub async fn the_api_refuses_over_the_limit_unless_an_editor_overrides(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    use base64::Engine;
    let basic =
        |login: &str, password: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")));
    app.user("ann", Role::Author, PASSWORD).await;
    let editor = app.user("ed", Role::Editor, PASSWORD).await;
    let author = basic("ann", &app.app_password("ann").await);
    let editor_auth = basic("ed", &app.app_password("ed").await);
    let post = |status: &str, excerpt: String| {
        json!({"title": "Quoted", "content": "<p>Mine.</p><blockquote><p>five more quoted words here</p></blockquote>", "status": status,
               "dateline": {"source": {"outlet": "Ledger", "excerpt": [excerpt], "words": 2000}}})
    };

    let (status, body) = api(&app, "POST", "/wp-json/wp/v2/posts", &author, post("publish", words(296))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "dateline_quote_limit");
    assert_eq!(body["data"]["status"], 400);
    assert_eq!(
        body["message"],
        "The post quotes 301 words of its source; the site's limit is 300 words. Quote less, or (as an editor) send quote_override: true to publish it over the limit."
    );
    let (status, body) = api(&app, "POST", "/wp-json/wp/v2/posts", &author, post("future", words(296))).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::BAD_REQUEST, json!("dateline_quote_limit")), "scheduling too");

    let (status, body) = api(&app, "POST", "/wp-json/wp/v2/posts", &author, post("draft", words(296))).await;
    assert_eq!(status, StatusCode::CREATED, "drafts are never refused: {body}");
    assert_eq!(body["dateline"]["source"]["words"], 2000, "the source's words are in the source object");
    assert_eq!(body["dateline"]["quote_override"], Value::Null);
    let id = body["id"].as_i64().expect("id");

    let mut forged = post("publish", words(296));
    forged["quote_override"] = json!(true);
    let (status, body) = api(&app, "POST", &format!("/wp-json/wp/v2/posts/{id}"), &author, forged.clone()).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::FORBIDDEN, json!("dateline_cannot_override_quote")), "{body}");

    let (status, body) = api(&app, "POST", &format!("/wp-json/wp/v2/posts/{id}"), &editor_auth, forged).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "publish");
    assert_eq!(body["dateline"]["quote_override"]["by"], editor.id);
    assert_eq!(body["dateline"]["quote_override"]["words"], 301);

    // Edited later through the API: more quoted words need a new decision.
    let (status, body) =
        api(&app, "POST", &format!("/wp-json/wp/v2/posts/{id}"), &editor_auth, json!({"dateline": {"source": {"excerpt": [words(400)]}}}))
            .await;
    assert_eq!((status, body["code"].clone()), (StatusCode::BAD_REQUEST, json!("dateline_quote_limit")), "{body}");

    // Unknown source words read as null.
    let (status, body) = api(
        &app,
        "POST",
        "/wp-json/wp/v2/posts",
        &author,
        json!({"title": "Plain", "status": "publish", "dateline": {"source": {"outlet": "Ledger"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["dateline"]["source"]["words"], Value::Null);
}
