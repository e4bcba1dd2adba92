//! Backups taken while the blog serves and takes comments, restored elsewhere and checked;
//! a damaged store is reported as damaged.

use crate::moderation::{OPEN_DISCUSSION, setup};
use crate::support::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The comment texts a listing shows.
fn comment_texts(dir: &std::path::Path, db: &str) -> Vec<String> {
    let listed = run(dir, &["--db", db, "comments", "list", "--limit", "1000"], None);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    text(&listed.stdout).lines().skip(1).filter_map(|l| l.rsplit('\t').next().map(str::to_string)).collect()
}

#[test]
fn a_backup_under_load_restores_to_a_sound_store_that_serves_the_same_pages() {
    let dir = setup(OPEN_DISCUSSION);
    let server = serve(&dir, &[], &[]);
    let path = "/2026/01/01/open-thread/";
    let (cookie, token, post_id) = open_form(&server.base, path);
    let posting = {
        let (base, cookie) = (server.base.clone(), cookie.clone());
        std::thread::spawn(move || {
            (0..60)
                .filter(|n| {
                    let body = format!(
                        "comment_post_ID={post_id}&_token={}&author=Poster+{n}&email=p{n}%40example.org&comment=Comment+number+{n}",
                        encode(&token)
                    );
                    post_form(&base, "/comments", &cookie, &body).status == 303
                })
                .count()
        })
    };
    // The backup is taken once comments are coming in, and while more do.
    let started = std::time::Instant::now();
    while !get(&server.base, path).body.contains("Comment number 10") && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let backup = run(&dir, &["backup", "backup.db"], None);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(text(&backup.stdout).starts_with("backed up to backup.db"), "{}", text(&backup.stdout));
    let again = run(&dir, &["backup", "backup.db"], None);
    assert_eq!(again.status.code(), Some(2), "never overwrites a backup");
    // Not under a running server: it would keep the old file, and its comments with it.
    let under_the_server = run(&dir, &["restore", "backup.db", "--force"], None);
    assert_eq!(under_the_server.status.code(), Some(2), "{}", text(&under_the_server.stderr));
    assert!(text(&under_the_server.stderr).contains("is running on this store: stop it first"), "{}", text(&under_the_server.stderr));
    assert_eq!(posting.join().expect("posting"), 60, "the blog kept taking comments during the backup");
    let served = get(&server.base, path).body;
    drop(server);

    let check = run(&dir, &["check"], None);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
    assert!(text(&check.stdout).contains("the store is sound"));
    // What the search indexes take, in bytes, of the whole file.
    let sizes = text(&check.stdout).lines().find_map(|line| line.strip_prefix("search indexes: ").map(str::to_string)).expect("sizes");
    let numbers: Vec<u64> = sizes.split(' ').filter_map(|word| word.trim_end_matches("-byte").parse().ok()).collect();
    assert!(matches!(numbers[..], [index, store, ..] if index > 0 && index < store), "{sizes}");

    // Into a new store: no --force needed; the result is checked.
    let restored = run(&dir, &["--db", "sqlite:restored.db", "restore", "backup.db"], None);
    assert!(restored.status.success(), "{}{}", text(&restored.stdout), text(&restored.stderr));
    assert!(text(&restored.stdout).contains("the store is sound"), "{}", text(&restored.stdout));
    // A snapshot: each comment it has is one that was posted, once.
    let kept = comment_texts(&dir, "sqlite:restored.db");
    assert!(kept.len() >= 10, "the comments made before the backup are in it: {kept:?}");
    assert!(kept.iter().all(|t| t.starts_with("Comment number ")), "{kept:?}");
    let mut unique = kept.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), kept.len(), "no comment twice");

    // Over a store with content: only when told to.
    let refused = run(&dir, &["restore", "backup.db"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("add --force"), "{}", text(&refused.stderr));
    let forced = run(&dir, &["restore", "backup.db", "--force"], None);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert_eq!(comment_texts(&dir, "sqlite:dateline.db").len(), kept.len(), "the store is now the backup");

    // The restored store serves the post as the original did (less the comments made after).
    let server = serve(&dir, &["--db", "sqlite:restored.db"], &[]);
    let page = get(&server.base, path);
    assert_eq!(page.status, 200);
    let title = |html: &str| html.split("<h1").nth(1).and_then(|h| h.split("</h1>").next()).map(str::to_string);
    assert_eq!(title(&page.body), title(&served));
    drop(server);

    // Not a backup, and a damaged file: said so, nothing replaced.
    std::fs::write(dir.join("notes.txt"), "not a database").expect("write");
    let wrong = run(&dir, &["--db", "sqlite:other.db", "restore", "notes.txt"], None);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("is not a SQLite backup"), "{}", text(&wrong.stderr));
    let mut bytes = std::fs::read(dir.join("backup.db")).expect("read");
    let page = 4096;
    for byte in &mut bytes[page * 3..page * 3 + 2000] {
        *byte = 0x5a;
    }
    std::fs::write(dir.join("damaged.db"), bytes).expect("write");
    let damaged = run(&dir, &["--db", "sqlite:damaged.db", "check"], None);
    assert_ne!(damaged.status.code(), Some(0), "{}", text(&damaged.stdout));
    let said = format!("{}{}", text(&damaged.stdout), text(&damaged.stderr));
    assert!(said.contains("damaged") || said.contains("malformed") || said.contains("problem"), "{said}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Uploads a `width` × 400 PNG over the API; the item's id and the path its file is served at.
fn upload(base: &str, auth: &str, width: u32) -> (i64, String) {
    let uploaded = upload_png(base, auth, "harbour.png", &dateline_media::testing::png(width, 400));
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let item: serde_json::Value = serde_json::from_str(&uploaded.body).expect("json");
    (item["id"].as_i64().expect("id"), media_path(item["source_url"].as_str().expect("source_url")))
}

#[test]
fn a_backup_carries_the_uploads_and_a_restore_puts_them_back() {
    let dir = setup(OPEN_DISCUSSION);
    let auth = uploader(&dir, None);
    let server = serve(&dir, &[], &[]);
    let (_, url) = upload(&server.base, &auth, 640);
    assert_eq!(get(&server.base, &url).status, 200, "{url}");

    // The backup, taken while serving, copies the uploaded files beside the database's copy.
    let backup = run(&dir, &["backup", "backup.db"], None);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(text(&backup.stdout).contains("uploaded files to backup.db.media"), "{}", text(&backup.stdout));
    drop(server);

    // Into a new store in another folder: the files come back, the check looks at them.
    std::fs::create_dir(dir.join("elsewhere")).expect("folder");
    let restored = run(&dir, &["--db", "sqlite:elsewhere/restored.db", "restore", "backup.db"], None);
    assert!(restored.status.success(), "{}{}", text(&restored.stdout), text(&restored.stderr));
    assert!(text(&restored.stdout).contains("uploaded files into"), "{}", text(&restored.stdout));
    assert!(text(&restored.stdout).contains("the store is sound"), "{}", text(&restored.stdout));
    let server = serve(&dir, &["--db", "sqlite:elsewhere/restored.db"], &[]);
    assert_eq!(get(&server.base, &url).status, 200, "the restored blog serves the upload");
    drop(server);

    // A file the store names that is gone: the check says so.
    std::fs::remove_dir_all(dir.join("elsewhere/media")).expect("remove the files");
    let check = run(&dir, &["--db", "sqlite:elsewhere/restored.db", "check"], None);
    assert!(!check.status.success());
    assert!(text(&check.stdout).contains("uploaded files are missing"), "{}", text(&check.stdout));
}

#[test]
fn a_backup_taken_during_uploads_and_deletes_restores_every_file_it_names() {
    let dir = setup(OPEN_DISCUSSION);
    let auth = uploader(&dir, None);
    let server = serve(&dir, &[], &[]);
    let earlier: Vec<i64> = (0..6).map(|n| upload(&server.base, &auth, 300 + n).0).collect();
    // While the backup is taken: twenty more uploads, and the earlier ones deleted.
    let burst = {
        let (base, auth) = (server.base.clone(), auth.clone());
        std::thread::spawn(move || {
            for n in 0..20 {
                upload(&base, &auth, 400 + n);
                if let Some(id) = earlier.get(n as usize) {
                    let (deleted, _, _) =
                        send(&base, "DELETE", &format!("/wp-json/wp/v2/media/{id}?force=true"), &format!("Authorization: {auth}\r\n"));
                    assert_eq!(deleted, 200, "delete {id}");
                }
            }
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(30));
    let backup = run(&dir, &["backup", "backup.db"], None);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    burst.join().expect("the burst");
    drop(server);

    std::fs::create_dir(dir.join("elsewhere")).expect("folder");
    let restored = run(&dir, &["--db", "sqlite:elsewhere/restored.db", "restore", "backup.db"], None);
    assert!(restored.status.success(), "{}{}", text(&restored.stdout), text(&restored.stderr));
    assert!(text(&restored.stdout).contains("the store is sound"), "every file the backup names is there: {}", text(&restored.stdout));
    let server = serve(&dir, &["--db", "sqlite:elsewhere/restored.db"], &[]);
    let listed = get(&server.base, "/wp-json/wp/v2/media?per_page=100");
    let items: Vec<serde_json::Value> = serde_json::from_str(&listed.body).expect("json");
    assert!(!items.is_empty(), "the backup has the uploads made before it");
    for item in &items {
        let url = item["source_url"].as_str().expect("source_url").trim_start_matches(&server.base).to_string();
        assert_eq!(get(&server.base, &url).status, 200, "{url}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// Posts a reader's comment saying `words` on the thread through `base`.
fn comment_on_thread(base: &str, words: &str) {
    let (cookie, token, post_id) = open_form(base, OPEN_THREAD);
    let body = format!("comment_post_ID={post_id}&_token={}&author=Reader&email=r%40example.org&comment={}", encode(&token), encode(words));
    assert_eq!(post_form(base, "/comments", &cookie, &body).status, 303, "{words}");
}

/// Waits up to a second for the page at `path` on `base` to answer `status` and satisfy `shows`.
fn within_a_second(base: &str, path: &str, status: u16, shows: impl Fn(&str) -> bool) -> bool {
    let started = std::time::Instant::now();
    loop {
        let page = get(base, path);
        if page.status == status && shows(&page.body) {
            return true;
        }
        if started.elapsed() > std::time::Duration::from_secs(1) {
            let said: Vec<&str> = page.body.match_indices("Said ").map(|(i, _)| &page.body[i..(i + 25).min(page.body.len())]).collect();
            eprintln!("{path} answered {} after a second, saying {said:?}", page.status);
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

const OPEN_THREAD: &str = "/2026/01/01/open-thread/";

/// Two blogs in two schemas of the test server's database, each with a post, and a folder for
/// the commands (and the backups they write).
struct TwoBlogs {
    ours: dateline_testkit::TestStore,
    theirs: dateline_testkit::TestStore,
    dir: std::path::PathBuf,
}

impl TwoBlogs {
    async fn new() -> Option<TwoBlogs> {
        let (ours, theirs) = (dateline_testkit::fresh_postgres().await?, dateline_testkit::fresh_postgres().await?);
        let dir = temp_dir();
        std::fs::write(dir.join("dateline.toml"), OPEN_DISCUSSION).expect("config");
        let blogs = TwoBlogs { ours, theirs, dir };
        blogs.new_post(&blogs.ours, "Open thread", 1);
        blogs.new_post(&blogs.theirs, "Next door", 1);
        Some(blogs)
    }

    /// Runs `dateline --db STORE ARGS…` in the folder.
    fn run(&self, store: &dateline_testkit::TestStore, args: &[&str]) -> std::process::Output {
        run(&self.dir, &[&["--db", store.url.as_str()][..], args].concat(), None)
    }

    fn new_post(&self, store: &dateline_testkit::TestStore, title: &str, day: u32) {
        let json = format!(r#"{{"title": "{title}", "published_at": "2026-01-{day:02}T00:00:00Z", "body": "Talk."}}"#);
        let made = run(&self.dir, &["--db", store.url.as_str(), "post", "new", "--json", "-"], Some(&json));
        assert!(made.status.success(), "{}", text(&made.stderr));
    }

    fn backup(&self, store: &dateline_testkit::TestStore, file: &str) {
        let backup = self.run(store, &["backup", file]);
        assert!(backup.status.success(), "{}", text(&backup.stderr));
    }
}

impl Drop for TwoBlogs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL: a restore replaces the blog's schema alone while two instances serve it. Each
/// shows the restored blog within a second, nothing either kept from before the restore comes
/// back with the writes after it, and the blog in the next schema is untouched.
pub async fn a_postgresql_restore_under_running_instances_replaces_its_blog_alone() {
    let Some(blogs) = TwoBlogs::new().await else { return };
    let store = ["--db", blogs.ours.url.as_str()];
    let servers = [serve(&blogs.dir, &store, &[]), serve(&blogs.dir, &store, &[])];
    let (first, second) = (servers[0].base.as_str(), servers[1].base.as_str());
    comment_on_thread(first, "Said before the backup");
    blogs.backup(&blogs.ours, "blog.dump");

    // After the backup: a comment, a post, and a post in the other blog.
    comment_on_thread(first, "Said after the backup");
    blogs.new_post(&blogs.ours, "Later post", 2);
    blogs.new_post(&blogs.theirs, "Later next door", 2);
    let later = "/2026/01/02/later-post/";
    for base in [first, second] {
        assert!(within_a_second(base, OPEN_THREAD, 200, |page| page.contains("Said after the backup")));
        assert!(within_a_second(base, later, 200, |_| true));
    }

    let restored = blogs.run(&blogs.ours, &["restore", "blog.dump", "--force"]);
    assert!(restored.status.success(), "{}{}", text(&restored.stdout), text(&restored.stderr));
    assert!(text(&restored.stdout).contains("the store is sound"), "{}", text(&restored.stdout));
    for base in [first, second] {
        let before_the_backup = |page: &str| page.contains("Said before the backup") && !page.contains("Said after the backup");
        assert!(within_a_second(base, OPEN_THREAD, 200, before_the_backup), "the restored thread on {base}");
        assert!(within_a_second(base, later, 404, |_| true), "the later post is gone on {base}");
    }
    // The next comment's id, revision and version are ones neither instance saw before.
    comment_on_thread(second, "Said after the restore");
    for base in [first, second] {
        let after_the_restore = |page: &str| page.contains("Said after the restore") && !page.contains("Said after the backup");
        assert!(within_a_second(base, OPEN_THREAD, 200, after_the_restore), "the thread after the restore on {base}");
    }
    let next_door = blogs.run(&blogs.theirs, &["export", "wxr"]);
    assert!(text(&next_door.stdout).contains("Later next door"), "the other schema's blog is untouched");
}

/// PostgreSQL: a backup of another schema's blog, and a damaged backup, are refused and
/// change nothing.
pub async fn a_postgresql_restore_of_the_wrong_or_a_damaged_backup_changes_nothing() {
    let Some(blogs) = TwoBlogs::new().await else { return };
    blogs.backup(&blogs.ours, "blog.dump");
    blogs.backup(&blogs.theirs, "next-door.dump");
    blogs.new_post(&blogs.ours, "Later post", 2);
    let posts = || text(&blogs.run(&blogs.ours, &["export", "wxr"]).stdout).matches("<item>").count();
    assert_eq!(posts(), 2);

    let elsewhere = blogs.run(&blogs.ours, &["restore", "next-door.dump", "--force"]);
    assert_eq!(elsewhere.status.code(), Some(2), "{}", text(&elsewhere.stderr));
    assert!(text(&elsewhere.stderr).contains("holds the blog of schema"), "{}", text(&elsewhere.stderr));
    // Cut short, as a copy interrupted on its way.
    let bytes = std::fs::read(blogs.dir.join("blog.dump")).expect("read");
    std::fs::write(blogs.dir.join("cut.dump"), &bytes[..bytes.len() * 2 / 3]).expect("write");
    let cut = blogs.run(&blogs.ours, &["restore", "cut.dump", "--force"]);
    assert!(!cut.status.success(), "a damaged backup is refused");
    assert!(text(&cut.stderr).contains("pg_restore failed"), "{}", text(&cut.stderr));
    assert_eq!(posts(), 2, "the blog is as it was");
    let check = blogs.run(&blogs.ours, &["check"]);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
}
