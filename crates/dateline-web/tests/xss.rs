//! The XSS corpus: every vector in `xss-vectors.txt` is sent as a comment's author, website
//! and text, then approved; the post page and the feeds must hold none of them active.

use axum::http::StatusCode;
use dateline_core::{CommentQuery, CommentStatus};
use dateline_testkit::Db;
use serde_json::json;

use crate::support::*;

fn vectors() -> Vec<String> {
    let text = include_str!("xss-vectors.txt");
    let mut all: Vec<String> = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    all.dedup();
    all
}

/// Asserts that a parsed fragment holds nothing a browser would run.
fn assert_inert(html: &scraper::Html, place: &str) {
    let forbidden = [
        "script", "iframe", "object", "embed", "svg", "math", "base", "meta", "link", "style", "form", "input", "button", "textarea",
        "select", "frameset", "frame", "applet", "img", "video", "audio", "template", "isindex",
    ];
    let all = scraper::Selector::parse("*").expect("selector");
    for element in html.select(&all) {
        let name = element.value().name();
        assert!(!forbidden.contains(&name), "{place}: a <{name}> element survived: {}", element.html());
        for (attr, value) in element.value().attrs() {
            assert!(!attr.to_ascii_lowercase().starts_with("on"), "{place}: event handler {attr}={value:?}");
            assert!(attr != "style", "{place}: style attribute {value:?}");
            let squashed: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!squashed.starts_with(scheme), "{place}: {attr}={value:?} is a script URL");
            }
        }
    }
}

pub async fn hostile_comments_are_inert_on_pages_and_feeds(db: Db) {
    let vectors = vectors();
    assert!(vectors.len() >= 150, "the corpus has {} vectors", vectors.len());
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.discussion.comments_per_page = 0;
            c.discussion.max_comment_length = 5000;
            c.site.posts_per_page = 100;
        })
        .build()
        .await
    else {
        return;
    };
    let halves = vectors.chunks(vectors.len().div_ceil(2)).collect::<Vec<_>>();
    let mut paths = Vec::new();
    let mut sent = 0;
    for (n, half) in halves.iter().enumerate() {
        let post = app.post(&post_json(&format!("Target {n}"), "2020-01-01T00:00:00Z", json!({}))).await;
        let path = app.permalink(&post);
        let session = app.open_form(&path).await;
        for (i, vector) in half.iter().enumerate() {
            let author: String = vector.chars().take(100).collect();
            let email = format!("x{n}-{i}@example.org");
            let mut response =
                app.submit_comment(&session, &[("author", &author), ("email", &email), ("url", vector), ("comment", vector)]).await;
            if response.status == StatusCode::UNPROCESSABLE_ENTITY {
                // The website was refused (as it should be for script URLs): send the rest.
                assert!(text(&response.html(), "#comment-error").starts_with("The website"), "{vector}: {}", response.status);
                response = app.submit_comment(&session, &[("author", &author), ("email", &email), ("comment", vector)]).await;
            }
            assert_eq!(response.status, StatusCode::SEE_OTHER, "{vector}");
            sent += 1;
            // The page re-rendered after a refusal must be inert too.
        }
        paths.push(path);
    }
    assert_eq!(sent, vectors.len());

    let store = app.test_store.dyn_store();
    let all = store
        .list_comments(&CommentQuery { status: None, post: None, page: 1, per_page: 1000, ..CommentQuery::default() })
        .await
        .expect("list")
        .items;
    assert_eq!(all.len(), vectors.len(), "every vector was stored once");
    for comment in all.iter().filter(|c| c.status != CommentStatus::Approved) {
        store.set_comment_status(comment.id, CommentStatus::Approved).await.expect("approve");
    }

    // The same vectors as comments imported from WordPress (HTML, through WordPress's comment
    // tags instead of Markdown), as authors, websites and text.
    let imported = app.post(&post_json("Imported target", "2020-01-01T00:00:00Z", json!({}))).await;
    for vector in &vectors {
        let comment = dateline_core::NewComment {
            kind: dateline_core::CommentKind::Comment,
            author_name: Some(vector.chars().take(100).collect()),
            author_email: None,
            author_url: Some(vector.to_string()).filter(|url| dateline_core::input::check_url("url", url).is_ok()),
            author_ip: None,
            user_agent: None,
            body: vector.to_string(),
            body_format: dateline_core::BodyFormat::Html,
            status: CommentStatus::Approved,
            created_at: jiff::Timestamp::now(),
            moderation_reason: None,
            spam_score: None,
            notify: false,
            user_id: None,
            parent_index: None,
        };
        store.create_comment(imported.id, None, comment).await.expect("imported comment");
    }
    paths.push(app.permalink(&imported));

    for path in &paths {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.html();
        let comments = scraper::Selector::parse("ol.comment-list").expect("selector");
        let area = html.select(&comments).next().expect("the comments are shown").html();
        assert_inert(&scraper::Html::parse_fragment(&area), path);
        // Nothing outside the comment area changed either: the only scripts are JSON-LD and
        // the comment form's own (which asks for the reader's token).
        let scripts = scraper::Selector::parse("script").expect("selector");
        for script in html.select(&scripts) {
            let ours = script.value().attr("src").is_some_and(|src| src.starts_with("/static/comment-form.js?v="));
            assert!(ours || script.value().attr("type") == Some("application/ld+json"), "{path}: {}", script.html());
        }
        let feed = rss::Channel::read_from(app.get(&format!("{path}feed/")).await.body.as_bytes()).expect("comment feed parses");
        assert!(feed.items().len() * 2 >= vectors.len() - 1, "{path}: {} items", feed.items().len());
        for item in feed.items() {
            assert_inert(&scraper::Html::parse_fragment(item.description().unwrap_or_default()), "comment feed");
        }
    }
    let site_feed = rss::Channel::read_from(app.get("/comments/feed/").await.body.as_bytes()).expect("site comment feed parses");
    for item in site_feed.items() {
        assert_inert(&scraper::Html::parse_fragment(item.description().unwrap_or_default()), "site comment feed");
    }
}
