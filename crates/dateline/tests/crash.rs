//! Nothing lost when the process is killed outright (`kill -9`): every comment that was
//! answered 303 is there exactly once after a restart, an interrupted import leaves nothing
//! behind, and the store checks sound both times.

use std::io::Write;

use crate::moderation::{OPEN_DISCUSSION, setup};
use dateline_testkit::Db;

use crate::support::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_sound(dir: &std::path::Path, store: &[&str]) {
    let check = run(dir, &[store, &["check"]].concat(), None);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
}

const OPEN_THREAD: &str = "/2026/01/01/open-thread/";

/// A reader on `server` posting up to 400 comments as fast as answers come, until the server
/// stops answering; the words of each comment answered 303 (confirmed).
fn poster(server: &Server, thread: usize) -> std::thread::JoinHandle<Vec<String>> {
    let (cookie, token, post_id) = open_form(&server.base, OPEN_THREAD);
    let base = server.base.clone();
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
}

/// Kills every server (SIGKILL) once the burst is under way, with writes in flight, and
/// returns what the posters were told was saved.
fn kill_mid_burst(servers: Vec<Server>, posters: Vec<std::thread::JoinHandle<Vec<String>>>) -> Vec<String> {
    let started = std::time::Instant::now();
    while !get(&servers[0].base, OPEN_THREAD).body.contains("Burst comment") && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(servers);
    let confirmed: Vec<String> = posters.into_iter().flat_map(|p| p.join().expect("poster")).collect();
    assert!(!confirmed.is_empty() && confirmed.len() < 2_400, "killed mid-burst: {} confirmed", confirmed.len());
    confirmed
}

/// After the kill: the store checks sound, every confirmed comment is there exactly once, and
/// a restarted server shows them.
fn assert_nothing_lost(dir: &std::path::Path, store: &[&str], confirmed: &[String]) {
    assert_sound(dir, store);
    let listed = run(dir, &[store, &["comments", "list", "--limit", "5000"]].concat(), None);
    let listing = text(&listed.stdout);
    for words in confirmed {
        assert_eq!(listing.matches(&format!("\t{words}\n")).count(), 1, "{words} confirmed, so stored exactly once");
    }
    let server = serve(dir, store, &[]);
    assert!(get(&server.base, OPEN_THREAD).body.contains(confirmed[0].as_str()));
}

#[test]
fn a_killed_server_keeps_every_comment_it_confirmed() {
    let dir = setup(OPEN_DISCUSSION);
    let server = serve(&dir, &[], &[]);
    let posters = (0..6).map(|thread| poster(&server, thread)).collect();
    let confirmed = kill_mid_burst(vec![server], posters);
    assert_nothing_lost(&dir, &[], &confirmed);
    let _ = std::fs::remove_dir_all(dir);
}

/// Two instances over one store, as behind a load balancer (two servers sharing a PostgreSQL
/// database, or two processes on one SQLite file), both taking comments at once and both
/// killed mid-burst: nothing either confirmed is lost or doubled.
pub async fn two_killed_instances_keep_every_comment_they_confirmed(db: Db) {
    let Some(test) = dateline_testkit::fresh(db).await else { return };
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), OPEN_DISCUSSION).expect("config");
    let store = ["--db", test.url.as_str()];
    let post = r#"{"title": "Open thread", "published_at": "2026-01-01T00:00:00Z", "body": "Talk."}"#;
    let made = run(&dir, &[&store[..], &["post", "new", "--json", "-"]].concat(), Some(post));
    assert!(made.status.success(), "{}", text(&made.stderr));
    let servers = vec![serve(&dir, &store, &[]), serve(&dir, &store, &[])];
    let posters = (0..6).map(|thread| poster(&servers[thread % 2], thread)).collect();
    let confirmed = kill_mid_burst(servers, posters);
    let thread_of = |words: &String| words.trim_start_matches("Burst comment ").split('-').next().and_then(|t| t.parse::<usize>().ok());
    for instance in 0..2 {
        assert!(confirmed.iter().any(|w| thread_of(w).map(|t| t % 2) == Some(instance)), "instance {instance} took writes too");
    }
    assert_nothing_lost(&dir, &store, &confirmed);
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
    // Killed after long enough to be well inside the import's transaction, not long enough to
    // finish it. A faster machine finishes sooner (one did within 1.5 s), so an import that
    // finished is run again on a new store with half the wait. Finished means committed: an
    // import killed after its commit, before its process ended, left all of itself (one
    // did, with mimalloc under SQLite), which is as right as leaving nothing.
    let mut wait_ms = 1_500;
    let dir = loop {
        let dir = temp_dir();
        big_export(&dir.join("big.xml"), 3_000, 20);
        let mut import = command(&dir, &["import", "wxr", "big.xml"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("import");
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        import.kill().expect("kill -9");
        import.wait().expect("reap");
        let exported = run(&dir, &["export", "wxr"], None);
        let posts = text(&exported.stdout).matches("<item>").count();
        if posts == 0 {
            break dir;
        }
        assert_eq!(posts, 3_000, "a killed import left part of itself behind");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(wait_ms > 300, "the import finished within {wait_ms} ms: make the export bigger");
        wait_ms /= 2;
    };

    assert_sound(&dir, &[]);
    let listed = run(&dir, &["comments", "list", "--limit", "5"], None);
    assert_eq!(text(&listed.stdout).lines().count(), 1, "no comment of the killed import: {}", text(&listed.stdout));
    let exported = run(&dir, &["export", "wxr"], None);
    assert_eq!(text(&exported.stdout).matches("<item>").count(), 0, "no post of the killed import");
    // The same file imports whole afterwards.
    let again = run(&dir, &["import", "wxr", "big.xml"], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_sound(&dir, &[]);
    let _ = std::fs::remove_dir_all(dir);
}
