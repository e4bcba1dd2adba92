//! Nothing lost when the process is killed outright (`kill -9`): every comment that was
//! answered 303 is there exactly once after a restart, an interrupted import leaves nothing
//! behind, and the store checks sound both times.

use std::io::Write;

use crate::moderation::{OPEN_DISCUSSION, setup};
use crate::support::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_sound(dir: &std::path::Path) {
    let check = run(dir, &["check"], None);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
}

#[test]
fn a_killed_server_keeps_every_comment_it_confirmed() {
    let dir = setup(OPEN_DISCUSSION);
    let server = serve(&dir, &[], &[]);
    let path = "/2026/01/01/open-thread/";
    let (cookie, token, post_id) = open_form(&server.base, path);
    let posters: Vec<_> = (0..6)
        .map(|thread| {
            let (base, cookie, token, post_id) = (server.base.clone(), cookie.clone(), token.clone(), post_id.clone());
            std::thread::spawn(move || {
                let mut confirmed = Vec::new();
                for n in 0..400 {
                    let words = format!("Burst comment {thread}-{n}");
                    let body = format!(
                        "comment_post_ID={post_id}&_token={}&author=Poster+{thread}&email=p{thread}%40example.org&comment={}",
                        encode(&token),
                        encode(&words)
                    );
                    match try_post_form(&base, "/comments", &cookie, &body) {
                        Some(reply) if reply.status == 303 => confirmed.push(words),
                        Some(_) => {}
                        None => break,
                    }
                }
                confirmed
            })
        })
        .collect();
    // Killed in the middle of the burst, with writes in flight.
    let started = std::time::Instant::now();
    while !get(&server.base, path).body.contains("Burst comment") && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(server);
    let confirmed: Vec<String> = posters.into_iter().flat_map(|p| p.join().expect("poster")).collect();
    assert!(!confirmed.is_empty() && confirmed.len() < 2_400, "killed mid-burst: {} confirmed", confirmed.len());

    assert_sound(&dir);
    let listed = run(&dir, &["comments", "list", "--limit", "5000"], None);
    let listing = text(&listed.stdout);
    for words in &confirmed {
        assert_eq!(listing.matches(&format!("\t{words}\n")).count(), 1, "{words} confirmed, so stored exactly once");
    }
    // And the restarted server serves them.
    let server = serve(&dir, &[], &[]);
    assert!(get(&server.base, path).body.contains(confirmed[0].as_str()));
    let _ = std::fs::remove_dir_all(dir);
}

/// A WordPress export big enough that importing it takes a while.
fn big_export(path: &std::path::Path, posts: usize, comments_each: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut write = |s: String| out.write_all(s.as_bytes()).expect("write");
    write(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><title>Big</title>\
         <link>https://big.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://big.example</wp:base_site_url>\
         <wp:author><wp:author_login>editor</wp:author_login><wp:author_display_name>Editor</wp:author_display_name></wp:author>\n"
            .to_string(),
    );
    let mut id = 0;
    for p in 1..=posts {
        write(format!(
            "<item><title>Post {p}</title><link>https://big.example/?p={p}</link><dc:creator>editor</dc:creator>\
             <content:encoded><![CDATA[<p>Body of post {p}, long enough to be a post.</p>]]></content:encoded>\
             <wp:post_id>{p}</wp:post_id><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>\
             <wp:post_name>post-{p}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n"
        ));
        for k in 0..comments_each {
            id += 1;
            write(format!(
                "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author>Reader {k}</wp:comment_author>\
                 <wp:comment_author_email>r{k}@example.org</wp:comment_author_email><wp:comment_date_gmt>2020-01-02 00:00:00</wp:comment_date_gmt>\
                 <wp:comment_content>Comment {id} on post {p}</wp:comment_content><wp:comment_approved>1</wp:comment_approved>\
                 <wp:comment_parent>0</wp:comment_parent></wp:comment>\n"
            ));
        }
        write("</item>\n".to_string());
    }
    write("</channel></rss>\n".to_string());
}

#[test]
fn a_killed_import_leaves_nothing_behind() {
    let dir = temp_dir();
    let export = dir.join("big.xml");
    big_export(&export, 3_000, 20);
    let mut import = command(&dir, &["import", "wxr", "big.xml"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("import");
    // Long enough to be well inside the import's transaction, not long enough to finish it.
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    let finished_already = import.try_wait().expect("wait").is_some();
    import.kill().expect("kill -9");
    import.wait().expect("reap");
    assert!(!finished_already, "the import finished within 1.5 s: make the export bigger");

    assert_sound(&dir);
    let listed = run(&dir, &["comments", "list", "--limit", "5"], None);
    assert_eq!(text(&listed.stdout).lines().count(), 1, "no comment of the killed import: {}", text(&listed.stdout));
    let exported = run(&dir, &["export", "wxr"], None);
    assert_eq!(text(&exported.stdout).matches("<item>").count(), 0, "no post of the killed import");
    // The same file imports whole afterwards.
    let again = run(&dir, &["import", "wxr", "big.xml"], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_sound(&dir);
    let _ = std::fs::remove_dir_all(dir);
}
