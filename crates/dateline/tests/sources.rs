//! `dateline sources check` against a local server answering 200, 301, 404, 410, too slowly
//! and not at all (a closed port): each source gets its state, and 404/410 make a source gone
//! only on the second run.

use std::io::{Read, Write};
use std::time::Duration;

use dateline_core::{NewPost, PostStatus, PostStore, PostWrite, Source, SourceState, SourceStore};
use dateline_testkit::Db;

use crate::support::*;

/// Serves the check's answers on 127.0.0.1, a thread per connection (the slow one must not
/// hold up the rest); returns "http://127.0.0.1:PORT".
fn serve_answers() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request);
                let head = match request.split_whitespace().nth(1).unwrap_or("/") {
                    "/ok" => "200 OK",
                    "/moved" => "301 Moved Permanently\r\nLocation: /ok",
                    "/gone" => "410 Gone",
                    "/slow" => {
                        std::thread::sleep(Duration::from_secs(3));
                        "200 OK"
                    }
                    _ => "404 Not Found",
                };
                let _ = write!(stream, "HTTP/1.1 {head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        }
    });
    base
}

fn citing(title: &str, url: &str) -> NewPost {
    let write = PostWrite {
        title: title.into(),
        slug: dateline_core::slug::slugify(title),
        status: PostStatus::Published,
        source: Some(Source { url: Some(url.into()), outlet: Some("Local".into()), ..Source::default() }),
        ..PostWrite::new_draft(dateline_core::PostKind::Post, 0, dateline_core::BodyFormat::Markdown)
    };
    NewPost { write, author_name: Some("Editor".into()), categories: Vec::new(), tags: Vec::new(), comments: Vec::new() }
}

fn states(json: &serde_json::Value) -> Vec<(String, String)> {
    let sources = json["sources"].as_array().expect("sources");
    sources
        .iter()
        .map(|s| (s["url"].as_str().unwrap_or_default().to_string(), s["state"].as_str().unwrap_or_default().to_string()))
        .collect()
}

pub async fn sources_check_gives_each_answer_its_state(db: Db) {
    let Some(test) = dateline_testkit::fresh(db).await else { return };
    let base = serve_answers();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address");
    let at = |path: &str| format!("{base}{path}");
    let urls = [at("/ok"), at("/moved"), at("/missing"), at("/gone"), at("/slow"), format!("http://{closed}/story")];
    for (i, url) in urls.iter().enumerate() {
        test.store.create_post(citing(&format!("Story {i}"), url)).await.expect("post");
    }
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), "[fetch]\nallow = [\"127.0.0.1\"]\n\n[sources]\ntimeout_seconds = 1\nhost_delay_ms = 0\n")
        .expect("config");

    let first = run(&dir, &["--db", &test.url, "sources", "check", "--json"], None);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let json: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    let expected = |missing: &str| {
        let mut all = vec![
            (urls[0].clone(), "ok".to_string()),
            (urls[1].clone(), "moved".to_string()),
            (urls[2].clone(), missing.to_string()),
            (urls[3].clone(), missing.to_string()),
            (urls[4].clone(), "unreachable".to_string()),
            (urls[5].clone(), "unreachable".to_string()),
        ];
        all.sort();
        all
    };
    assert_eq!(states(&json), expected("unreachable"), "one 404 or 410 is not gone yet");
    assert_eq!(json["checked"], 6);
    assert_eq!(json["counts"], serde_json::json!({"unchecked": 0, "ok": 1, "moved": 1, "gone": 0, "unreachable": 4}));
    let moved = test.store.source(&urls[1]).await.expect("read").expect("row");
    assert_eq!((moved.final_url.as_deref(), moved.http_status), (Some(urls[0].as_str()), Some(200)));
    let slow = test.store.source(&urls[4]).await.expect("read").expect("row");
    assert_eq!(slow.problem.as_deref(), Some("no answer within 1 s"));

    // The second run: the 404 and the 410 are gone; the rest as before, failures counted.
    let second = run(&dir, &["--db", &test.url, "sources", "check"], None);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let text = String::from_utf8_lossy(&second.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "checked 6 sources: 1 ok, 1 moved, 2 gone, 2 unreachable", "{text}");
    assert!(lines.iter().any(|l| l.starts_with("moved") && l.contains(&format!("{}  -> {}", urls[1], urls[0]))), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("gone") && l.contains(&urls[3]) && l.ends_with("the address answered 410")), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("unreachable") && l.contains(&urls[4]) && l.ends_with("no answer within 1 s")), "{text}");
    assert_eq!(lines.len(), 6, "the counts, then the five sources that are not ok: {text}");
    for (url, state) in [(&urls[2], SourceState::Gone), (&urls[3], SourceState::Gone), (&urls[5], SourceState::Unreachable)] {
        let row = test.store.source(url).await.expect("read").expect("row");
        assert_eq!((row.state, row.failures), (state, 2), "{url}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Two servers on one store with `check_every = "1s"`: the sources are checked in the
/// background, by one instance at a time (the lease): the news site, whose every answer takes
/// a while, never has two requests in flight, as two runs at once would make.
pub async fn servers_sharing_a_store_take_turns_checking(db: Db) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let Some(test) = dateline_testkit::fresh(db).await else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (in_flight, most, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let counters = (in_flight.clone(), most.clone(), answered.clone());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let (in_flight, most, answered) = (counters.0.clone(), counters.1.clone(), counters.2.clone());
            std::thread::spawn(move || {
                let mut buffer = [0u8; 1024];
                let _ = stream.read(&mut buffer);
                most.fetch_max(in_flight.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(150));
                in_flight.fetch_sub(1, Ordering::SeqCst);
                answered.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        }
    });
    for i in 0..3 {
        test.store.create_post(citing(&format!("Story {i}"), &format!("{base}/story-{i}"))).await.expect("post");
    }
    let dir = temp_dir();
    let config = "[fetch]\nallow = [\"127.0.0.1\"]\n\n[sources]\ncheck_every = \"1s\"\nhost_delay_ms = 0\n";
    std::fs::write(dir.join("dateline.toml"), config).expect("config");
    let servers = [serve(&dir, &["--db", &test.url], &[]), serve(&dir, &["--db", &test.url], &[])];
    let started = std::time::Instant::now();
    while answered.load(Ordering::SeqCst) < 6 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered.load(Ordering::SeqCst) >= 6, "two runs within 20 s");
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two requests at once: one run at a time, one link at a time");
    for i in 0..3 {
        let row = test.store.source(&format!("{base}/story-{i}")).await.expect("read").expect("row");
        assert_eq!(row.state, SourceState::Ok);
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_local_server_is_refused_without_the_allow_list() {
    let base = serve_answers();
    let dir = temp_dir();
    let db = format!("sqlite:{}", dir.join("dateline.db").display());
    // A store with one cited source, written by `dateline post new`.
    let post = format!(r#"{{"title": "Local", "body": "x", "source": {{"url": "{base}/ok"}}}}"#);
    let made = run(&dir, &["--db", &db, "post", "new", "--json", "-"], Some(&post));
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let output = run(&dir, &["--db", &db, "sources", "check"], None);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("checked 1 source: 1 unreachable") && text.contains("127.0.0.1 is a loopback address"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
