//! Comments through the real binary: many posters at once, and moderation from the shell.

use crate::support::*;

pub(crate) const OPEN_DISCUSSION: &str = "[discussion]\nrequire_prior_approval = false\nmin_submit_seconds = 0\nrate_limit_count = 0\n";

pub(crate) fn setup(config: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), config).expect("config");
    let post = r#"{"title": "Open thread", "published_at": "2026-01-01T00:00:00Z", "body": "Talk."}"#;
    let output = run(&dir, &["post", "new", "--json", "-"], Some(post));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    dir
}

#[test]
fn two_hundred_concurrent_posters_lose_nothing() {
    let dir = setup(OPEN_DISCUSSION);
    let server = serve(&dir, &[], &[]);
    let path = "/2026/01/01/open-thread/";
    let (cookie, token, post_id) = open_form(&server.base, path);
    let posters: Vec<_> = (0..200)
        .map(|n| {
            let (base, cookie, token, post_id) = (server.base.clone(), cookie.clone(), token.clone(), post_id.clone());
            std::thread::spawn(move || {
                let text = format!("Concurrent comment number {n}");
                let body = format!(
                    "comment_post_ID={post_id}&_token={}&author=Poster+{n}&email=p{n}%40example.org&comment={}",
                    encode(&token),
                    encode(&text)
                );
                (text, post_form(&base, "/comments", &cookie, &body))
            })
        })
        .collect();
    let results: Vec<(String, Reply)> = posters.into_iter().map(|p| p.join().expect("poster thread")).collect();
    let accepted: Vec<&String> = results.iter().filter(|(_, r)| r.status == 303).map(|(t, _)| t).collect();
    let statuses: Vec<u16> = results.iter().map(|(_, r)| r.status).filter(|s| *s != 303).collect();
    assert_eq!(accepted.len(), 200, "every poster got 303; others: {statuses:?}");
    drop(server);

    let listed = run(&dir, &["comments", "list", "--limit", "1000"], None);
    let listing = String::from_utf8_lossy(&listed.stdout);
    for text in accepted {
        assert_eq!(listing.matches(&format!("\t{text}\n")).count(), 1, "{text} stored exactly once");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn moderators_work_from_the_shell() {
    let dir = setup("[discussion]\nmin_submit_seconds = 0\nrate_limit_count = 0\n");
    let server = serve(&dir, &[], &[]);
    let path = "/2026/01/01/open-thread/";
    let (cookie, token, post_id) = open_form(&server.base, path);
    let send = |author: &str, text: &str| {
        let body = format!(
            "comment_post_ID={post_id}&_token={}&author={}&email={}%40example.org&comment={}",
            encode(&token),
            encode(author),
            encode(author),
            encode(text)
        );
        post_form(&server.base, "/comments", &cookie, &body)
    };
    // First comments are held (WordPress's default); the listing says why.
    assert_eq!(send("ann", "A thoughtful first comment about the story.").status, 303);
    assert_eq!(send("spammer", "Great quantum widget emporium deals").status, 303);
    let listed = run(&dir, &["comments", "list", "--status", "pending"], None);
    let listing = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listing.contains("first comment from this commenter"), "{listing}");
    let id_of = |needle: &str| -> String {
        listing.lines().find(|l| l.contains(needle)).and_then(|l| l.split('\t').next()).expect("listed").to_string()
    };
    let (ann, spammer) = (id_of("thoughtful"), id_of("quantum"));
    // The moderator finds a comment by its words, its name or its address.
    for words in ["QUANTUM widget*", "spammer", "spammer@example.org"] {
        let found = String::from_utf8_lossy(&run(&dir, &["comments", "list", "--search", words], None).stdout).into_owned();
        let ids: Vec<&str> = found.lines().skip(1).filter_map(|l| l.split('\t').next()).collect();
        assert_eq!(ids, [spammer.as_str()], "{words}: {found}");
    }
    let score_of = |listing: &str, needle: &str| -> f64 {
        let line = listing.lines().find(|l| l.contains(needle)).expect("listed");
        line.split('\t').nth(4).and_then(|s| s.parse().ok()).expect("a spam score")
    };
    let before = score_of(&listing, "quantum");

    let output = run(&dir, &["comments", "approve", &ann], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("comment {ann}: pending -> approved"));
    assert!(get(&server.base, path).body.contains("A thoughtful first comment"));
    let output = run(&dir, &["comments", "spam", &spammer], None);
    assert!(output.status.success());

    // The filter learned: the same pitch again is judged spammier than before.
    assert_eq!(send("spammer2", "Quantum widget emporium deals again").status, 303);
    let spam = String::from_utf8_lossy(&run(&dir, &["comments", "list", "--status", "pending"], None).stdout).into_owned();
    let after = score_of(&spam, "again");
    assert!(after > before + 0.1, "one lesson moves the score: {before} -> {after}");

    // A returning commenter is not held again.
    assert_eq!(send("ann", "And a second comment.").status, 303);
    assert!(get(&server.base, path).body.contains("And a second comment."));

    let output = run(&dir, &["comments", "trash", &ann, "99999"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no comment 99999; nothing was changed"));
    // Trashed and restored, an approved comment is back on the page, not in the queue.
    assert_eq!(
        String::from_utf8_lossy(&run(&dir, &["comments", "trash", &ann], None).stdout).trim(),
        format!("comment {ann}: approved -> trash")
    );
    assert!(!get(&server.base, path).body.contains("A thoughtful first comment"));
    let output = run(&dir, &["comments", "restore", &ann], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("comment {ann}: trash -> approved"));
    assert!(get(&server.base, path).body.contains("A thoughtful first comment"));
    let output = run(&dir, &["comments", "list", "--status", "bogus"], None);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}
