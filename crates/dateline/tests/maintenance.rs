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
