//! Keeping sources alive, as readers and editors meet it: a gone source said under the excerpt
//! (on the served, cached page too) with "Continue reading" leading to the archived copy; the
//! archived copy written through the editor and the API; the admin's Sources report, its filter,
//! "update moved links", and who may see and use them.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_core::sources::{Finding, SourceLink};
use dateline_core::{Role, SourceState, Store};
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "a long enough password";
const GONE_LINE: &str = "The source is no longer available; quoted on March 5, 2024.";
const STORY: &str = "https://news.example/2024/story";
const ARCHIVE: &str = "https://web.archive.org/web/2024/https://news.example/2024/story";

fn source_json(url: &str, archive: Option<&str>) -> Value {
    json!({"source": {"outlet": "News", "url": url, "headline": "The story", "excerpt": ["Quoted."], "archive_url": archive}})
}

/// Records what the checker would after finding `finding` (twice: a 404 counts on the second).
async fn checked(store: &std::sync::Arc<dyn Store>, url: &str, finding: Finding, times: usize) {
    store.add_missing_sources().await.expect("fill");
    let mut link = store.source(url).await.expect("read").unwrap_or_else(|| SourceLink::unchecked(url));
    for _ in 0..times {
        link = link.after(&finding, jiff::Timestamp::now());
        store.record_source_check(&link).await.expect("record");
    }
}

fn missing(url: &str) -> Finding {
    Finding::Missing { status: 404, final_url: url.into() }
}

/// Asks for `path` until `done` holds of the page, for at most a second and a half: the
/// store's change watch (SQLite's data_version, PostgreSQL's notice) reaches the cache.
async fn page_within_a_second(app: &TestApp, path: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        if done(&page.body) {
            return page.body;
        }
        assert!(start.elapsed() < Duration::from_millis(1500), "{path} did not change within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn a_gone_source_is_said_under_the_excerpt_and_links_to_the_archive(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let store = app.test_store.dyn_store();
    let archived = app.post(&post_json("Archived", "2024-03-05T12:00:00Z", source_json(STORY, Some(ARCHIVE)))).await;
    let bare = app.post(&post_json("Bare", "2024-03-05T12:00:00Z", source_json("https://news.example/other", None))).await;
    let (archived_path, bare_path) = (app.permalink(&archived), app.permalink(&bare));

    // While the source is there: no line, the link to the story; the page is now kept.
    let page = app.get(&archived_path).await.html();
    assert!(texts(&page, ".source-gone").is_empty());
    assert_eq!(attr(&page, ".continue-reading a", "href"), STORY);
    checked(&store, STORY, missing(STORY), 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!app.get(&archived_path).await.body.contains(GONE_LINE), "one 404 is not gone");

    // The second 404 makes it gone: the kept page is dropped and the line is served.
    checked(&store, STORY, missing(STORY), 1).await;
    let served = page_within_a_second(&app, &archived_path, |body| body.contains(GONE_LINE)).await;
    let page = scraper::Html::parse_document(&served);
    assert_eq!(text(&page, ".source .source-gone"), GONE_LINE);
    assert_eq!(attr(&page, ".continue-reading a", "href"), ARCHIVE, "the archived copy in place of the story");
    assert_eq!(app.get(&archived_path).await.body, served, "served again from the cache, the same");
    let home = scraper::Html::parse_document(&app.get("/").await.body);
    assert_eq!(texts(&home, ".source-gone"), [GONE_LINE], "the home page says it too");
    assert!(texts(&home, ".continue-reading a").len() == 2 && home.html().contains(&format!("href=\"{ARCHIVE}\"")));

    // Without an archived copy the line is said and the link stays the story's.
    checked(&store, "https://news.example/other", missing("https://news.example/other"), 2).await;
    let served = page_within_a_second(&app, &bare_path, |body| body.contains(GONE_LINE)).await;
    assert_eq!(attr(&scraper::Html::parse_document(&served), ".continue-reading a", "href"), "https://news.example/other");

    // Back again: the line goes.
    checked(&store, STORY, Finding::Page { status: 200, final_url: STORY.into(), moved: false }, 1).await;
    let served = page_within_a_second(&app, &archived_path, |body| !body.contains(GONE_LINE)).await;
    assert_eq!(attr(&scraper::Html::parse_document(&served), ".continue-reading a", "href"), STORY);
}

pub async fn the_archived_copy_is_written_by_the_editor_and_the_api(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.user("ed", Role::Editor, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&editor).await;
    let form = |archive: &'static str| {
        vec![
            ("title", "Quoted"),
            ("body", "Our take."),
            ("source_url", STORY),
            ("source_outlet", "News"),
            ("source_archive_url", archive),
            ("action", "publish"),
            ("_csrf", csrf.as_str()),
        ]
    };
    let saved = app.post_form("/admin/posts/new", &editor, &form(ARCHIVE)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let edit_path = saved.header("location").split('?').next().expect("path").to_string();
    let id: i64 = edit_path.rsplit('/').next().and_then(|id| id.parse().ok()).expect("id");
    let post = app.test_store.dyn_store().post_by_id(id).await.expect("read").expect("post");
    assert_eq!(post.source.expect("source").archive_url.as_deref(), Some(ARCHIVE));
    assert_eq!(attr(&app.get_as(&edit_path, &editor).await.html(), "#source_archive_url", "value"), ARCHIVE, "the editor shows it");

    let refused = app.post_form("/admin/posts/new", &editor, &form("javascript:alert(1)")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.status);
    assert!(refused.body.contains("archive_url"), "the field is named");
    assert_eq!(attr(&refused.html(), "#source_archive_url", "value"), "javascript:alert(1)", "what was typed is kept");

    // The API: the source object carries it, both ways, under the same rule.
    use base64::Engine;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("ed:{}", app.app_password("ed").await)));
    let write = |body: Value| {
        Request::post("/wp-json/wp/v2/posts")
            .header("content-type", "application/json")
            .header("authorization", basic.as_str())
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let made = app.send(write(json!({"title": "By API", "status": "publish", "dateline": source_json(STORY, Some(ARCHIVE))}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made: Value = serde_json::from_str(&made.body).expect("json");
    assert_eq!(made["dateline"]["source"]["archive_url"], ARCHIVE);
    let read: Value = serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/posts/{}", made["id"])).await.body).expect("json");
    assert_eq!(read["dateline"]["source"]["archive_url"], ARCHIVE);
    let bad = app.send(write(json!({"title": "Bad", "dateline": source_json(STORY, Some("ftp://archive.example/x"))}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("dateline.source.archive_url"), "{}", bad.body);
}

pub async fn the_sources_report_counts_filters_and_lists_the_posts(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let store = app.test_store.dyn_store();
    app.post(&post_json("Lost story", "2024-03-05T12:00:00Z", source_json("https://a.example/lost", None))).await;
    app.post(&post_json("Moved story", "2024-03-05T12:00:00Z", source_json("https://b.example/old", None))).await;
    app.post(&post_json("Fine story", "2024-03-05T12:00:00Z", source_json("https://c.example/fine", None))).await;
    app.post(&post_json("Draft citing", "2024-03-05T12:00:00Z", json!({"status": "draft", "source": {"url": "https://b.example/old"}})))
        .await;
    checked(&store, "https://a.example/lost", missing("https://a.example/lost"), 2).await;
    let moved = Finding::Page { status: 200, final_url: "https://b.example/new".into(), moved: true };
    checked(&store, "https://b.example/old", moved, 1).await;
    checked(&store, "https://c.example/fine", Finding::Page { status: 200, final_url: "https://c.example/fine".into(), moved: false }, 1)
        .await;

    app.user("ed", Role::Editor, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let all = app.get_as("/admin/sources", &editor).await;
    assert_eq!(all.status, StatusCode::OK);
    let html = all.html();
    assert_eq!(attr(&html, ".admin-header a[href='/admin/sources']", "aria-current"), "page", "in the menu, current");
    let filters = texts(&html, ".status-filter li");
    assert_eq!(filters, ["All (3)", "Not checked yet (0)", "OK (1)", "Moved (1)", "Gone (1)", "Unreachable (0)"]);
    assert_eq!(texts(&html, ".sources-table tbody tr").len(), 3);
    let moved_row = texts(&html, "tr.source-moved td");
    assert!(moved_row[0].contains("leads to https://b.example/new"), "{moved_row:?}");
    assert_eq!(texts(&html, "tr.source-moved .citing li"), ["Moved story", "Draft citing (draft)"], "its posts, drafts marked");
    assert!(texts(&html, "tr.source-gone .problem")[0].contains("404"));

    let gone = app.get_as("/admin/sources?state=gone", &editor).await.html();
    assert_eq!(texts(&gone, ".sources-table tbody tr").len(), 1);
    assert_eq!(texts(&gone, ".citing a"), ["Lost story"]);
    assert_eq!(attr(&gone, ".status-filter a[aria-current]", "href"), "/admin/sources?state=gone");
    assert!(texts(&gone, "#update-moved").is_empty(), "nothing moved among the gone");
    let none = app.get_as("/admin/sources?state=unreachable", &editor).await.html();
    assert_eq!(text(&none, ".empty"), "No sources are unreachable.");
}

pub async fn moved_links_are_updated_in_bulk_by_editors_only(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let store = app.test_store.dyn_store();
    let post = app.post(&post_json("Moved story", "2024-03-05T12:00:00Z", source_json("https://b.example/old", None))).await;
    checked(&store, "https://b.example/old", Finding::Page { status: 200, final_url: "https://b.example/new".into(), moved: true }, 1)
        .await;

    app.user("author", Role::Author, PASSWORD).await;
    let author = app.login("author", PASSWORD).await.expect("login");
    assert_eq!(app.get_as("/admin/sources", &author).await.status, StatusCode::FORBIDDEN);
    assert!(texts(&app.get_as("/admin/", &author).await.html(), ".admin-header a[href='/admin/sources']").is_empty(), "not in the menu");
    let author_csrf = app.admin_csrf(&author).await;
    let forbidden =
        app.post_form("/admin/sources/update-moved", &author, &[("_csrf", &author_csrf), ("urls", "https://b.example/old")]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    app.user("ed", Role::Editor, PASSWORD).await;
    let editor = app.login("ed", PASSWORD).await.expect("login");
    let form = app.get_as("/admin/sources?state=moved", &editor).await.html();
    assert_eq!(attr(&form, "#update-moved input[name=urls]", "value"), "https://b.example/old");
    let no_token = app.post_form("/admin/sources/update-moved", &editor, &[("urls", "https://b.example/old")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        store.post_by_id(post.id).await.expect("read").expect("post").source.expect("source").url.as_deref(),
        Some("https://b.example/old")
    );

    let csrf = app.admin_csrf(&editor).await;
    let done = app
        .post_form("/admin/sources/update-moved", &editor, &[("_csrf", &csrf), ("state", "moved"), ("urls", "https://b.example/old")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/admin/sources?state=moved&updated=1");
    let after = app.get_as(done.header("location"), &editor).await.html();
    assert_eq!(text(&after, ".notice"), "1 post now links to its source's new address.");
    assert_eq!(text(&after, ".empty"), "No sources are moved.");
    let source = store.post_by_id(post.id).await.expect("read").expect("post").source.expect("source");
    assert_eq!(source.url.as_deref(), Some("https://b.example/new"));
    assert_eq!(store.source("https://b.example/new").await.expect("read").expect("row").state, SourceState::Ok);
    // Readers follow the new address.
    let page = page_within_a_second(&app, &app.permalink(&post), |body| body.contains("https://b.example/new")).await;
    assert_eq!(attr(&scraper::Html::parse_document(&page), ".continue-reading a", "href"), "https://b.example/new");
}
