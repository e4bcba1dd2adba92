//! The page cache as readers meet it: the same bytes for everyone, compressed and revalidated;
//! every change visible at once on the instance that made it and within a second on another
//! instance or after another process's write; nothing of one visitor ever served to another.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dateline_testkit::Db;
use serde_json::json;

use crate::support::*;

/// Asks `router` for `path` until `done` holds of the answer, for at most a second and a half.
pub(crate) async fn within_a_second(router: &axum::Router, path: &str, done: impl Fn(&TestResponse) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let answer = TestApp::send_to(router, [192, 0, 2, 30], Request::get(path).body(Body::empty()).expect("request")).await;
        if done(&answer) {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_millis(1500), "{path} did not change within a second: {}", answer.status);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("gzip");
    text
}

pub async fn every_reader_gets_the_same_page_compressed_and_revalidated(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Kept", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let first = app.get(&path).await;
    let second = app.get(&path).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body, second.body, "the same bytes for every anonymous reader");
    assert!(first.header("set-cookie").is_empty() && !first.header("cache-control").contains("private"));
    let etag = second.header("etag").to_string();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(first.header("etag"), etag);

    let not_modified = app.send(Request::get(&path).header("if-none-match", &etag).body(Body::empty()).expect("request")).await;
    assert_eq!((not_modified.status, not_modified.body.as_str()), (StatusCode::NOT_MODIFIED, ""));

    let request = Request::get(&path).header("accept-encoding", "gzip, br").body(Body::empty()).expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.expect("response");
    assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    assert_eq!(response.headers().get("vary").and_then(|v| v.to_str().ok()), Some("Accept-Encoding"));
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.expect("body");
    assert_eq!(gunzip(&bytes), first.body, "compressed, the same page");

    // HEAD: the headers alone, with the page's length.
    let head = app.send(Request::head(&path).body(Body::empty()).expect("request")).await;
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(head.header("content-length"), first.body.len().to_string());
    // Kept pages are answered with every header they were rendered with (the security headers
    // and the API's link among them), 304s too, and a 304 has no body to describe.
    for kept in [&second, &not_modified, &head] {
        assert!(kept.header("content-security-policy").contains("default-src 'self'"), "{}", kept.status);
        assert_eq!((kept.header("x-frame-options"), kept.header("x-content-type-options")), ("SAMEORIGIN", "nosniff"));
        assert!(kept.header("link").contains("rel=\"https://api.w.org/\""), "{}", kept.status);
    }
    assert_eq!((not_modified.header("etag"), not_modified.header("content-type")), (etag.as_str(), ""));
}

/// A HEAD that finds nothing kept (the first request, or the first after a change) says what
/// the GET would: the same validator, date and length, without the body.
pub async fn a_head_before_any_get_carries_the_get_s_validator(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Asked by a link checker", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let head = app.send(Request::head(&path).body(Body::empty()).expect("request")).await;
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    assert!(head.header("etag").starts_with('"'), "a HEAD rendered for the first time has a validator");
    let get = app.get(&path).await;
    assert_eq!(get.header("etag"), head.header("etag"));
    assert_eq!(get.header("last-modified"), head.header("last-modified"));
    assert_eq!(head.header("content-length"), get.body.len().to_string());
    let not_modified =
        app.send(Request::get(&path).header("if-none-match", head.header("etag")).body(Body::empty()).expect("request")).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    // A feed says when it last changed, to a HEAD as to a GET.
    let feed_head = app.send(Request::head("/feed/").body(Body::empty()).expect("request")).await;
    let feed = app.get("/feed/").await;
    assert!(!feed.header("last-modified").is_empty(), "a feed's Last-Modified");
    assert_eq!((feed_head.header("last-modified"), feed_head.header("etag")), (feed.header("last-modified"), feed.header("etag")));

    // A page that is never kept (a 404) answers a HEAD with its headers alone too.
    let missing = app.send(Request::head("/2024/01/01/no-such-post/").body(Body::empty()).expect("request")).await;
    assert_eq!((missing.status, missing.body.as_str()), (StatusCode::NOT_FOUND, ""));
    let missing_get = app.get("/2024/01/01/no-such-post/").await;
    assert_eq!(missing.header("content-length"), missing_get.body.len().to_string());
}

pub async fn a_comment_shows_at_once_here_and_within_a_second_on_another_instance(db: Db) {
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.discussion.min_submit_seconds = 0;
            c.discussion.require_prior_approval = false;
        })
        .build()
        .await
    else {
        return;
    };
    let post = app.post(&post_json("Busy thread", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let other = app.second_instance().await;
    // Both instances keep the page as it is now.
    assert!(!app.get(&path).await.body.contains("First!"));
    assert!(!TestApp::send_to(&other, [192, 0, 2, 31], Request::get(&path).body(Body::empty()).expect("r")).await.body.contains("First!"));

    let location = app.comment(&path, "Ana Ruiz", "First!", None).await;
    assert!(!location.contains("unapproved"), "{location}");
    assert!(app.get(&path).await.body.contains("First!"), "at once on the instance that took it");
    let waited = within_a_second(&other, &path, |page| page.body.contains("First!")).await;
    assert!(waited < Duration::from_secs(1), "{waited:?}");
}

pub async fn another_process_writing_is_seen_within_a_second(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&post_json("Soon hidden", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    assert!(app.get("/").await.body.contains("Soon hidden"));
    // Another process (a side connection) turns the post back into a draft: it leaves the
    // page, the home page and the feed, though this instance wrote nothing.
    app.test_store.execute(&format!("UPDATE posts SET status = 'draft' WHERE id = {}", post.id)).await;
    within_a_second(&app.router, &path, |page| page.status == StatusCode::NOT_FOUND).await;
    within_a_second(&app.router, "/", |page| !page.body.contains("Soon hidden")).await;
    within_a_second(&app.router, "/feed/", |page| !page.body.contains("Soon hidden")).await;
}

pub async fn nothing_of_one_visitor_is_served_to_another(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.moderate_all = true).build().await else { return };
    app.user("marta", dateline_core::Role::Administrator, "correct horse battery").await;
    let post = app.post(&post_json("Open thread", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);

    // Signed in first: her page names her; the next anonymous reader's does not.
    let marta = app.login("marta", "correct horse battery").await.expect("login");
    let hers = app.get_as(&path, &marta).await;
    assert!(hers.body.contains("Logged in as"), "signed in");
    assert!(hers.header("cache-control").contains("private"));
    assert!(!app.get(&path).await.body.contains("Logged in as"));
    // And the other way round: the kept anonymous page is not what she gets.
    assert!(app.get_as(&path, &marta).await.body.contains("Logged in as"));

    // A held comment: its author sees it through the link she was sent to; nobody else does.
    let location = app.comment(&path, "Held Author", "Waiting for a moderator", None).await;
    assert!(location.contains("unapproved="), "{location}");
    let author_view = app.get(&location).await;
    assert!(author_view.body.contains("Waiting for a moderator"));
    assert!(author_view.header("cache-control").contains("private"));
    assert!(!app.get(&path).await.body.contains("Waiting for a moderator"));

    // A draft is never served to a visitor, kept or not.
    let draft = app.post(&post_json("Draft", "2024-01-02T00:00:00Z", json!({"status": "draft"}))).await;
    for _ in 0..2 {
        assert_eq!(app.get(&app.permalink(&draft)).await.status, StatusCode::NOT_FOUND);
    }
}

pub async fn the_cache_can_be_switched_off(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.cache.enabled = false).build().await else { return };
    let post = app.post(&post_json("Uncached", "2024-01-01T00:00:00Z", json!({}))).await;
    let path = app.permalink(&post);
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    // Written behind the server's back, and no watch runs: seen at once all the same.
    app.test_store.execute(&format!("UPDATE posts SET title = 'Renamed' WHERE id = {}", post.id)).await;
    assert!(app.get(&path).await.body.contains("Renamed"));
}

/// With the page cache off, a comment thread's HTML is still rendered once and kept (issue 8:
/// a comment's cost must not be its rendering again per request). What is kept must never be
/// what readers see after the thread changed, however it changed, whoever changed it.
pub async fn a_kept_comment_thread_is_rendered_again_when_anything_in_it_changes(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.cache.enabled = false).build().await else { return };
    let post = app.post(&post_json("Threads", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let first = comment_id(&app.comment(&path, "Ana", "First words", None).await);
    let thread = |page: &TestResponse| text(&page.html(), &format!("#comment-{first}"));
    let shown = app.get(&path).await;
    assert!(thread(&shown).contains("First words") && thread(&shown).contains("Reply"), "{}", thread(&shown));
    assert_eq!(thread(&app.get(&path).await), thread(&shown), "shown again the same");

    // Edited behind the server's back (another process), then answered through the form.
    app.test_store.execute(&format!("UPDATE comments SET body = 'Second words', author_name = 'Ana B.' WHERE id = {first}")).await;
    let edited = thread(&app.get(&path).await);
    assert!(edited.contains("Second words") && edited.contains("Ana B.") && !edited.contains("First words"), "{edited}");
    let reply = comment_id(&app.comment(&path, "Ben", "An answer", Some(first)).await);
    let answered = app.get(&path).await.html();
    assert_eq!(texts(&answered, &format!("#comment-{first} .children #comment-{reply} .comment-content")), ["An answer"]);

    // The reply taken down, then the post closed: the thread loses the reply, then its Reply links.
    app.test_store.execute(&format!("UPDATE comments SET status = 'trash' WHERE id = {reply}")).await;
    assert!(!thread(&app.get(&path).await).contains("An answer"));

    // A date moved by SQL, then the site's time zone changed in the admin: the date shown
    // follows both (a thread is kept by its shape and its comments' revisions, and the time
    // zone is part of its key).
    let shown_at = |page: &TestResponse| attr(&page.html(), &format!("#comment-{first} time"), "datetime");
    let before = shown_at(&app.get(&path).await);
    app.test_store.execute(&format!("UPDATE comments SET created_at = created_at - 86400 WHERE id = {first}")).await;
    let moved = shown_at(&app.get(&path).await);
    assert!(moved != before && moved.ends_with("+00:00"), "{before} → {moved}");
    app.user("boss", dateline_core::Role::Administrator, "a long enough password").await;
    let admin = app.login("boss", "a long enough password").await.expect("login");
    let csrf = app.admin_csrf(&admin).await;
    let settings = [
        ("title", "Threads"),
        ("tagline", ""),
        ("timezone", "Asia/Kathmandu"),
        ("posts_per_page", "10"),
        ("thread_depth", "5"),
        ("comments_per_page", "50"),
        ("comment_order", "oldest"),
        ("_csrf", csrf.as_str()),
    ];
    assert_eq!(app.post_form("/admin/settings", &admin, &settings).await.status, StatusCode::SEE_OTHER);
    let zoned = shown_at(&app.get(&path).await);
    assert!(zoned.ends_with("+05:45"), "{zoned}");
    app.test_store.execute(&format!("UPDATE posts SET comment_status = 'closed' WHERE id = {}", post.id)).await;
    let closed = app.get(&path).await;
    assert!(closed.body.contains("Comments are closed."));
    assert!(thread(&closed).contains("Second words") && !thread(&closed).contains("Reply"), "{}", thread(&closed));
}

/// With the page cache off, a post's page keeps what it shows of other posts (the navigation's
/// pages, the related posts) only while the database says none of them moved: writes behind
/// the server's back show at once, and so does a related post when it becomes due.
pub async fn what_a_post_page_keeps_of_other_posts_follows_every_change(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.cache.enabled = false).build().await else { return };
    let me = app.post(&post_json("Me", "2024-01-02T00:00:00Z", json!({"tags": ["Cuba"]}))).await;
    let other = app.post(&post_json("Other", "2024-01-01T00:00:00Z", json!({"tags": ["Cuba"]}))).await;
    let about = app.post(&post_json("About", "2022-01-01T00:00:00Z", json!({"kind": "page"}))).await;
    let path = app.permalink(&me);
    let related = |page: &TestResponse| texts(&page.html(), ".related li a");
    let nav = |page: &TestResponse| texts(&page.html(), ".site-nav a");
    let first = app.get(&path).await;
    assert_eq!(related(&first), ["Other"]);
    assert!(nav(&first).contains(&"About".to_string()), "{:?}", nav(&first));
    assert_eq!(app.get(&path).await.body, first.body, "shown again the same");

    // Written behind the server's back (another process): a related post and a page renamed,
    // then the tag the two posts share taken off the other one.
    app.test_store.execute(&format!("UPDATE posts SET title = 'Other, renamed' WHERE id = {}", other.id)).await;
    assert_eq!(related(&app.get(&path).await), ["Other, renamed"]);
    app.test_store.execute(&format!("UPDATE posts SET title = 'About us' WHERE id = {}", about.id)).await;
    assert!(nav(&app.get(&path).await).contains(&"About us".to_string()));
    app.test_store.execute(&format!("DELETE FROM post_terms WHERE post_id = {}", other.id)).await;
    assert!(related(&app.get(&path).await).is_empty());

    // A related post dated a few seconds ahead: shown once its time has come, with no write.
    let due = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(4)).round(jiff::Unit::Second).expect("round");
    app.post(&post_json("Soon", &due.to_string(), json!({"tags": ["Cuba"]}))).await;
    assert!(related(&app.get(&path).await).is_empty(), "not due yet");
    let wait = due.duration_since(jiff::Timestamp::now()) + jiff::SignedDuration::from_millis(200);
    tokio::time::sleep(Duration::try_from(wait).unwrap_or_default()).await;
    assert_eq!(related(&app.get(&path).await), ["Soon"]);

    // What is kept is kept: with the trigger that moves the version on a post's update taken
    // away, a rename by SQL is not seen, since nothing said the related posts moved.
    let drop_trigger = if app.test_store.url.starts_with("sqlite:") {
        "DROP TRIGGER posts_content_update"
    } else {
        "ALTER TABLE posts DISABLE TRIGGER posts_content"
    };
    app.test_store.execute(drop_trigger).await;
    app.test_store.execute("UPDATE posts SET title = 'Soon, renamed' WHERE title = 'Soon'").await;
    assert_eq!(related(&app.get(&path).await), ["Soon"]);
}

/// A theme's own `comment_item` (in its `macros.html`) renders the threads, kept or not.
pub async fn a_theme_s_comment_macro_renders_the_threads(db: Db) {
    let dir = std::env::temp_dir().join(dateline_testkit::unique_name("theme"));
    std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
    let built_in = include_str!("../theme/templates/macros.html");
    assert!(built_in.contains(r#"<article class="comment-body">"#));
    std::fs::write(
        dir.join("templates/macros.html"),
        built_in.replace(r#"<article class="comment-body">"#, r#"<article class="comment-body themed">"#),
    )
    .expect("write");
    let Some(app) = TestApp::builder(db).theme(dir.clone()).config(|c| c.cache.enabled = false).build().await else { return };
    let post = app.post(&post_json("Themed", "2024-01-01T00:00:00Z", json!({"comment_status": "open"}))).await;
    let path = app.permalink(&post);
    let id = comment_id(&app.comment(&path, "Ana", "In the theme", None).await);
    for _ in 0..2 {
        assert_eq!(texts(&app.get(&path).await.html(), &format!("#comment-{id} > article.themed .comment-content")), ["In the theme"]);
    }
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn a_search_asked_again_is_kept_until_something_changes(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json("Zeppelin over the harbour", "2024-01-01T00:00:00Z", json!({}))).await;
    let path = "/?s=zeppelin";
    let first = app.get(path).await;
    assert!(first.body.contains("Zeppelin over the harbour") && first.body.contains("1 result"), "{}", first.body);
    // Kept: the same bytes, with a validator, and revalidated without a body.
    let etag = first.header("etag").to_string();
    assert!(etag.starts_with('"'), "a kept search has an ETag: {etag:?}");
    assert_eq!(app.get(path).await.body, first.body);
    let again = app.send(Request::get(path).header("if-none-match", &etag).body(Body::empty()).expect("request")).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // A draft that matches never shows; a published one shows at once.
    app.post(&post_json("Zeppelin draft", "2024-01-02T00:00:00Z", json!({"status": "draft"}))).await;
    let after_draft = app.get(path).await;
    assert!(!after_draft.body.contains("Zeppelin draft") && after_draft.body.contains("1 result"));
    app.post(&post_json("A second zeppelin", "2024-01-03T00:00:00Z", json!({}))).await;
    let after = app.get(path).await;
    assert!(after.body.contains("A second zeppelin") && after.body.contains("2 results"), "{}", after.body);
    // Written behind the server's back: seen within a second, as every kept page is.
    app.test_store.execute("UPDATE posts SET status = 'draft' WHERE title = 'A second zeppelin'").await;
    within_a_second(&app.router, path, |page| !page.body.contains("A second zeppelin")).await;
}

/// Reads one HTTP/1.1 answer from `stream`: its head, and its body by `Content-Length` (none
/// for a `HEAD` or a `304`). Reads a kilobyte at a time, pausing now and then, as a slow phone would.
async fn read_answer(stream: &mut tokio::net::TcpStream, head_only: bool) -> (String, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut piece = [0u8; 1024];
    let mut reads = 0;
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).into_owned();
            let stated = head
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().expect("length")));
            let length: usize = match (head_only || head.starts_with("HTTP/1.1 304"), stated) {
                (true, _) => 0,
                (false, Some(length)) => length,
                (false, None) => panic!("a kept page says its length: {head}"),
            };
            if got.len() >= end + 4 + length {
                assert_eq!(got.len(), end + 4 + length, "nothing past the answer");
                return (head, got[end + 4..].to_vec());
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut piece)).await.expect("the answer comes").expect("read");
        assert!(n > 0, "the server closed after {} bytes", got.len());
        got.extend_from_slice(&piece[..n]);
        reads += 1;
        if reads % 8 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

pub async fn a_long_page_reaches_a_slow_reader_whole_from_the_cache(db: Db) {
    use tokio::io::AsyncWriteExt;
    let Some(app) = TestApp::new(db).await else { return };
    // About 150 KB of page: kept pages this long are sent from a pipe (`tee`, `splice`).
    let body: String = (0..2_500).map(|i| format!("Paragraph {i} of the long read.\n\n")).collect();
    let post = app.post(&post_json("The long read", "2024-01-01T00:00:00Z", json!({"body": body}))).await;
    let path = app.permalink(&post);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(dateline_web::serve(listener, app.state.clone(), dateline_web::ConnectionLimit(8), std::future::pending()));
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    // A small window: the server's socket takes the page in many pieces.
    socket.set_recv_buffer_size(4 * 1024).expect("buffer");
    let mut reader = socket.connect(address).await.expect("connect");
    let mut ask = async |method: &str, extra: &str| {
        let request = format!("{method} {path} HTTP/1.1\r\nHost: dateline.test\r\n{extra}\r\n");
        reader.write_all(request.as_bytes()).await.expect("write");
        read_answer(&mut reader, method == "HEAD").await
    };

    // Rendered, then kept: the same bytes, whole, on one kept-alive connection.
    let (head, rendered) = ask("GET", "").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let page = String::from_utf8(rendered.clone()).expect("utf-8");
    assert!(
        page.len() > 100_000 && page.contains("Paragraph 2499 of the long read.") && page.trim_end().ends_with("</html>"),
        "{}",
        page.len()
    );
    for _ in 0..3 {
        let (head, kept) = ask("GET", "").await;
        assert!(head.starts_with("HTTP/1.1 200") && head.contains("etag"), "{head}");
        assert!(kept == rendered, "a kept page is the rendered page, byte for byte");
    }
    // Compressed, revalidated, and its head alone, on the same connection.
    let (head, gzipped) = ask("GET", "Accept-Encoding: gzip\r\n").await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert_eq!(gunzip(&gzipped), page);
    let (head, nothing) = ask("HEAD", "").await;
    assert!(head.contains(&format!("content-length: {}", page.len())) && nothing.is_empty(), "{head}");
    let etag = head.lines().find_map(|line| line.strip_prefix("etag: ")).expect("etag").to_string();
    let (head, nothing) = ask("GET", &format!("If-None-Match: {etag}\r\n")).await;
    assert!(head.starts_with("HTTP/1.1 304") && nothing.is_empty(), "{head}");

    // Changed behind the server's back: the new page, whole, within a second.
    app.test_store.execute("UPDATE posts SET title = 'The longer read' WHERE title = 'The long read'").await;
    let start = Instant::now();
    loop {
        let (_, now) = ask("GET", "").await;
        let now = String::from_utf8(now).expect("utf-8");
        if now.contains("The longer read") {
            assert!(now.contains("Paragraph 2499 of the long read.") && now.trim_end().ends_with("</html>"));
            break;
        }
        assert!(start.elapsed() < Duration::from_millis(1500), "the change did not show within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A kept page asked for by a plain `GET` is answered before hyper (`cache/direct.rs`): with
/// the bytes hyper answers it with, whole to a slow reader, in order among pipelined requests
/// hyper answers, never to someone signed in, and changed at once after a write.
pub async fn kept_pages_answered_before_hyper_are_hyper_s_bytes(db: Db) {
    use tokio::io::AsyncWriteExt;
    let Some(app) = TestApp::new(db).await else { return };
    let body: String = (0..2_500).map(|i| format!("Paragraph {i} of the long read.\n\n")).collect();
    let long = app.permalink(&app.post(&post_json("The long read", "2024-01-01T00:00:00Z", json!({"body": body}))).await);
    let short = app.permalink(&app.post(&post_json("A short one", "2024-01-02T00:00:00Z", json!({}))).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(dateline_web::serve(listener, app.state.clone(), dateline_web::ConnectionLimit(16), std::future::pending()));
    let connect = async || {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        // A small window: a long page leaves in many pieces.
        socket.set_recv_buffer_size(4 * 1024).expect("buffer");
        socket.connect(address).await.expect("connect")
    };
    let request_of = |path: &str, extra: &str| format!("GET {path} HTTP/1.1\r\nHost: dateline.test\r\n{extra}\r\n");
    let without_date = |head: &str| head.lines().filter(|line| !line.starts_with("date: ")).collect::<Vec<_>>().join("\r\n");
    let ask = async |stream: &mut tokio::net::TcpStream, path: &str, extra: &str| {
        stream.write_all(request_of(path, extra).as_bytes()).await.expect("write");
        read_answer(stream, false).await
    };

    // The page asked until it is answered before hyper: the first asking renders and keeps it
    // (hyper answers, nothing was kept); the change watch may then hear the test's own writes
    // to the store as someone else's and empty the cache once, a moment later.
    let settle = async |path: &str| {
        let start = Instant::now();
        loop {
            let (_, rendered) = ask(&mut connect().await, path, "").await;
            let before = app.state.cache.direct_answers();
            let (_, again) = ask(&mut connect().await, path, "").await;
            if app.state.cache.direct_answers() == before + 1 && again == rendered {
                return rendered;
            }
            assert!(start.elapsed() < Duration::from_secs(3), "a kept page is answered before hyper");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    for path in [&long, &short] {
        let rendered = settle(path).await;
        // Asked again on new connections: the direct path answers; a conditional GET that does
        // not match goes to hyper, which answers from the same kept page.
        let mut direct = connect().await;
        let before = app.state.cache.direct_answers();
        let (direct_head, direct_body) = ask(&mut direct, path, "").await;
        assert_eq!(app.state.cache.direct_answers(), before + 1, "answered before hyper");
        let (hyper_head, hyper_body) = ask(&mut connect().await, path, "If-None-Match: \"another\"\r\n").await;
        assert!(direct_head.starts_with("HTTP/1.1 200 OK") && direct_head.contains("etag: "), "{direct_head}");
        assert_eq!(without_date(&direct_head), without_date(&hyper_head), "the same headers, in the same order");
        assert!(direct_body == hyper_body && direct_body == rendered, "the same body, whole");
        // Kept alive: the same connection is answered again, gzipped too.
        let (head, again) = ask(&mut direct, path, "").await;
        assert!(head.starts_with("HTTP/1.1 200") && again == rendered, "{head}");
        let (head, gzipped) = ask(&mut direct, path, "Accept-Encoding: gzip\r\n").await;
        assert!(head.contains("content-encoding: gzip"), "{head}");
        assert_eq!(gunzip(&gzipped).into_bytes(), rendered);
    }

    // A head that arrives in pieces, its blank line split between two of them: answered here.
    settle(&short).await;
    let mut stream = connect().await;
    let before = app.state.cache.direct_answers();
    stream.write_all(format!("GET {short} HTTP/1.1\r\nHost: dateline.test\r\n\r").as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(b"\n").await.expect("write");
    let (head, _) = read_answer(&mut stream, false).await;
    assert!(head.starts_with("HTTP/1.1 200") && app.state.cache.direct_answers() == before + 1, "{head}");
    // A head longer than the server takes, for a kept page: refused as before (431), not answered.
    let mut stream = connect().await;
    let padding = format!("X-Padding: {}\r\n", "x".repeat(80 * 1024));
    let _ = stream.write_all(request_of(&short, &padding).as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer)).await;
    assert!(answer.starts_with(b"HTTP/1.1 431"), "{}", String::from_utf8_lossy(&answer[..answer.len().min(200)]));

    // Pipelined: kept pages, a request only hyper answers, then a kept page again, in one write.
    let mut stream = connect().await;
    let pipelined = [request_of(&short, ""), request_of(&long, ""), request_of("/no-such-page/", ""), request_of(&short, "")].concat();
    stream.write_all(pipelined.as_bytes()).await.expect("write");
    let statuses = read_status_lines(&mut stream, 4).await;
    assert_eq!(statuses, ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"]);

    // Signed in: never the kept page (the admin bar is theirs alone).
    app.user("marta", dateline_core::Role::Administrator, "correct horse battery").await;
    let cookie = app.login("marta", "correct horse battery").await.expect("login");
    // Logging in is a write, which empties the cache: a stranger has the page kept again.
    settle(&short).await;
    let (head, _) = ask(&mut connect().await, &short, &format!("Cookie: {cookie}\r\n")).await;
    assert!(head.starts_with("HTTP/1.1 200") && head.contains("cache-control: private") && !head.contains("etag: "), "{head}");

    // Changed behind the server's back: the next plain GET answered before hyper shows it.
    app.test_store.execute("UPDATE posts SET title = 'A shorter one' WHERE title = 'A short one'").await;
    let start = Instant::now();
    loop {
        let (_, now) = ask(&mut connect().await, &short, "").await;
        if String::from_utf8_lossy(&now).contains("A shorter one") {
            break;
        }
        assert!(start.elapsed() < Duration::from_millis(1500), "the change did not show within a second");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A connection answered before hyper keeps the header timeout as hyper does: a client has a
/// timeout from each answer to send its next request head (not from connecting), and one that
/// sends nothing more is let go once that timeout has passed, not before.
pub async fn a_kept_page_s_connection_is_let_go_a_header_timeout_after_its_last_answer(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = TestApp::builder(db).config(|c| c.server.header_timeout_seconds = 2).build().await else { return };
    let page = app.permalink(&app.post(&post_json("Kept", "2024-01-02T00:00:00Z", json!({}))).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(dateline_web::serve(listener, app.state.clone(), dateline_web::ConnectionLimit(16), std::future::pending()));
    let request = format!("GET {page} HTTP/1.1\r\nHost: dateline.test\r\n\r\n");

    // Kept, and answered before hyper (the first asking renders it; the change watch may empty
    // the cache once after the test's own writes, a moment later).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let start = Instant::now();
    let mut stream = loop {
        let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
        let before = app.state.cache.direct_answers();
        stream.write_all(request.as_bytes()).await.expect("write");
        assert!(read_answer(&mut stream, false).await.0.starts_with("HTTP/1.1 200"));
        if app.state.cache.direct_answers() == before + 1 {
            break stream;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "the page is answered before hyper");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Asked again 1.2 s after each answer, past the timeout after the connection's first
    // answer: still answered, each time before hyper.
    let connected = Instant::now();
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let before = app.state.cache.direct_answers();
        stream.write_all(request.as_bytes()).await.expect("write");
        let (head, _) = read_answer(&mut stream, false).await;
        assert!(head.starts_with("HTTP/1.1 200") && app.state.cache.direct_answers() == before + 1, "{head}");
    }
    assert!(connected.elapsed() > Duration::from_millis(2_300));

    // Then nothing: closed a timeout after the last answer, not sooner.
    let last = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok() && rest.is_empty(), "closed, with nothing more sent");
    let after = last.elapsed();
    // (A little under the timeout: the client reads the answer a moment after it was sent.)
    assert!(after >= Duration::from_millis(1_500) && after < Duration::from_secs(5), "closed {after:?} after the last answer");
}

/// The status lines of the next `count` answers on `stream` (each with a `Content-Length`).
async fn read_status_lines(stream: &mut tokio::net::TcpStream, count: usize) -> Vec<String> {
    use tokio::io::AsyncReadExt;
    let (mut got, mut statuses) = (Vec::new(), Vec::new());
    let mut piece = [0u8; 16 * 1024];
    while statuses.len() < count {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().expect("length")))
                .expect("a length");
            if got.len() >= end + 4 + length {
                statuses.push(head.lines().next().unwrap_or_default().to_string());
                got.drain(..end + 4 + length);
                continue;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut piece)).await.expect("the answer comes").expect("read");
        assert!(n > 0, "the server closed after {} answers", statuses.len());
        got.extend_from_slice(&piece[..n]);
    }
    assert!(got.is_empty(), "nothing past the answers");
    statuses
}
