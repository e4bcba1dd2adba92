//! `dateline clip FILE --url URL` and `dateline clip URL`: a news page (the NBC News page of
//! the shared fixtures, whose JSON-LD names two reporters), saved or served by a local server,
//! becomes a draft link post.

use std::path::PathBuf;

use dateline_core::{PostStatus, PostStore};
use dateline_testkit::Db;

use crate::support::*;

const NBC_URL: &str = "https://www.nbcnews.com/news/world/south-korea-martial-law-president-yoon-suk-yeol-impeachment-vote-rcna183138";
const NBC_HEADLINE: &str = "South Korean president’s impeachment fails after ruling party lawmakers walk out";

/// The saved NBC News page, or `None` (after saying so) without the shared fixtures.
fn nbc_page(suite: &str) -> Option<PathBuf> {
    Some(dateline_testkit::fixtures(suite)?.join("articles/schema-org-context-object/source.html"))
}

fn stdout_json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn clip_dry_run_prints_the_extraction_and_stores_nothing() {
    let Some(page) = nbc_page("`dateline clip --dry-run` on a fixture") else { return };
    let dir = temp_dir();
    let output = run(&dir, &["clip", page.to_str().expect("path"), "--url", NBC_URL, "--json", "--dry-run"], None);
    let json = stdout_json(&output);
    assert_eq!(json["headline"], NBC_HEADLINE);
    assert_eq!(json["reporters"], serde_json::json!(["Stella Kim", "Jennifer Jett"]));
    assert_eq!(json["outlet"], "NBC News");
    assert_eq!(json["published_at"], "2024-12-06T22:00:40Z");
    assert_eq!(json["url"], NBC_URL);
    assert_eq!(json["lang"], "en");
    let excerpt = json["excerpt"].as_array().expect("excerpt paragraphs");
    assert!((2..=3).contains(&excerpt.len()), "{excerpt:?}");
    assert!(excerpt[0].as_str().expect("text").starts_with("SEOUL, South Korea — A plan to impeach"));
    assert!(json["text"].as_str().expect("text").contains("martial law"));
    assert!(json["words"].as_u64().expect("words") > 500);
    assert!(json.get("id").is_none() && json.get("edit_url").is_none(), "a dry run creates nothing");
    assert!(!dir.join("dateline.db").exists(), "a dry run does not even open the store");

    let output = run(&dir, &["clip", page.to_str().expect("path"), "--url", NBC_URL, "--dry-run"], None);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("reporters: Stella Kim and Jennifer Jett"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn clip_creates_a_draft_with_the_source_filled(db: Db) {
    let Some(page) = nbc_page("`dateline clip` into the store") else { return };
    let Some(test) = dateline_testkit::fresh(db).await else { return };
    let dir = temp_dir();
    let output = run(&dir, &["--db", &test.url, "clip", page.to_str().expect("path"), "--url", NBC_URL, "--json"], None);
    let json = stdout_json(&output);
    let id = json["id"].as_i64().expect("the new post's id");
    assert_eq!(json["edit_url"], format!("/admin/posts/{id}"));

    let post = test.store.post_by_id(id).await.expect("read").expect("the draft exists");
    assert_eq!(post.status, PostStatus::Draft);
    assert_eq!(post.title, NBC_HEADLINE);
    assert_eq!(post.slug, "south-korean-presidents-impeachment-fails-after-ruling-party-lawmakers-walk-out");
    assert_eq!(post.body_source, "", "the commentary is the curator's to write");
    assert_eq!(post.author.display_name, "Editor");
    let source = post.source.expect("the source");
    assert_eq!(source.reporter.as_deref(), Some("Stella Kim and Jennifer Jett"));
    assert_eq!(source.outlet.as_deref(), Some("NBC News"));
    assert_eq!(source.url.as_deref(), Some(NBC_URL));
    assert_eq!(source.headline.as_deref(), Some(NBC_HEADLINE));
    assert_eq!(serde_json::json!(source.excerpt), json["excerpt"]);
    assert_eq!(source.continue_reading_text.as_deref(), Some("Continue reading"));

    // Without --json: the id and the editor's address, tab-separated.
    let output = run(&dir, &["--db", &test.url, "clip", page.to_str().expect("path"), "--url", NBC_URL], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (second, edit_url) = stdout.trim().split_once('\t').expect("id<TAB>edit URL");
    assert_eq!(edit_url, format!("/admin/posts/{second}"));
    assert_ne!(second, id.to_string(), "a second clip is a second draft");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unreadable_files_and_unusable_pages_exit_2_with_one_line() {
    let dir = temp_dir();
    std::fs::write(dir.join("empty.html"), "   \n").expect("write");
    std::fs::write(dir.join("page.html"), "<title>Hi</title><p>A page.</p>").expect("write");
    for (args, expect) in [
        (vec!["clip", "missing.html", "--url", "https://example.com/a"], "cannot read missing.html"),
        (vec!["clip", "empty.html", "--url", "https://example.com/a"], "cannot clip empty.html: the page is empty"),
        (vec!["clip", "page.html", "--url", "example.com/a"], "must be an absolute http:// or https:// URL"),
    ] {
        let output = run(&dir, &args, None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: one line, got {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    assert!(!dir.join("dateline.db").exists(), "a failed clip does not touch the store");
    let _ = std::fs::remove_dir_all(dir);
}

/// Serves `page` as UTF-8 HTML at every path of a thread's listener on 127.0.0.1, for the
/// rest of the test process; returns "http://127.0.0.1:PORT".
fn serve_page(page: PathBuf) -> String {
    let html = std::fs::read(page).expect("the fixture");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match std::io::Read::read(&mut stream, &mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                html.len()
            );
            let _ = std::io::Write::write_all(&mut stream, head.as_bytes()).and_then(|()| std::io::Write::write_all(&mut stream, &html));
        }
    });
    base
}

#[test]
fn clip_url_fetches_the_page_when_its_host_is_allowed() {
    let Some(page) = nbc_page("`dateline clip URL` from a local server") else { return };
    let story = format!("{}/news/story", serve_page(page));
    let dir = temp_dir();
    let output =
        command(&dir, &["clip", &story, "--json", "--dry-run"]).env("DATELINE_FETCH_ALLOW", "127.0.0.1").output().expect("run dateline");
    let json = stdout_json(&output);
    assert_eq!(json["headline"], NBC_HEADLINE);
    assert_eq!(json["reporters"], serde_json::json!(["Stella Kim", "Jennifer Jett"]));
    assert_eq!(json["url"], NBC_URL, "the page's canonical address, not the local server's");
    assert!(json["excerpt"][0].as_str().expect("text").starts_with("SEOUL, South Korea — A plan to impeach"));
    assert!(!dir.join("dateline.db").exists(), "a dry run does not even open the store");

    // `[fetch] allow` in dateline.toml does the same.
    std::fs::write(dir.join("dateline.toml"), "[fetch]\nallow = [\"127.0.0.1\"]\n").expect("write");
    let output = run(&dir, &["clip", &story, "--json", "--dry-run"], None);
    assert_eq!(stdout_json(&output)["headline"], NBC_HEADLINE);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn clip_url_refuses_internal_addresses_with_the_reason() {
    let Some(page) = nbc_page("`dateline clip URL` refused on loopback") else { return };
    let story = format!("{}/news/story", serve_page(page));
    let dir = temp_dir();
    for (url, expect) in [
        (story.as_str(), "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("ftp://example.com/story", "is not an http or https address"),
    ] {
        let output = run(&dir, &["clip", url, "--dry-run"], None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{url}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{url}: one line, got {stderr}");
        assert!(stderr.contains(&format!("cannot clip {url}: ")) && stderr.contains(expect), "{url}: {stderr}");
    }
    assert!(!dir.join("dateline.db").exists(), "a refused clip does not touch the store");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_saved_page_needs_its_url_and_a_fetched_one_takes_none() {
    let dir = temp_dir();
    std::fs::write(dir.join("page.html"), "<title>Hi</title><p>A page.</p>").expect("write");
    for (args, expect) in [
        (vec!["clip", "page.html"], "cannot clip page.html: a saved page needs --url ORIGINAL_URL"),
        (vec!["clip", "https://example.com/a", "--url", "https://example.com/b"], "--url is for a saved file"),
    ] {
        let output = run(&dir, &args, None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
