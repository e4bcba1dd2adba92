//! Uploads on a store shared by several instances (issue 13): an image uploaded through one
//! `dateline serve` is served, with every variant, by another started on the same database,
//! byte for byte and with the same `ETag` (so a cache in front of either keeps one copy).

use dateline_testkit::{Db, fresh_postgres, pg_url};

use crate::support::*;

/// `GET path` with extra header lines (each ending in `\r\n`); the status, head and body bytes.
fn get_bytes(base: &str, path: &str, headers: &str) -> (u16, Reply, Vec<u8>) {
    let answer = send(base, "GET", path, headers);
    assert!(!answer.1.headers.to_ascii_lowercase().contains("transfer-encoding: chunked"), "files are sent with their length");
    answer
}

pub async fn an_upload_through_one_instance_is_served_by_another(db: Db) {
    let dir = temp_dir();
    // Kept alive (the PostgreSQL schema is dropped with it) until both servers are gone.
    let (url, _keep) = match db {
        Db::Sqlite => (format!("sqlite:{}", dir.join("dateline.db").display()), None),
        Db::Postgres => {
            if pg_url().is_none() {
                return;
            }
            let Some(test) = fresh_postgres().await else { return };
            (test.url.clone(), Some(test))
        }
    };
    let auth = uploader(&dir, Some(&url));

    // Each in a folder of its own, as on two machines: on PostgreSQL nothing is shared but the
    // database (on SQLite the files are beside the database, which both name by its path).
    let elsewhere = temp_dir();
    let first = serve(&dir, &["--db", &url], &[]);
    let second = serve(&elsewhere, &["--db", &url], &[]);
    assert_ne!(first.base, second.base);
    let photo = dateline_media::testing::png(1200, 800);
    let uploaded = upload_png(&first.base, &auth, "harbour.png", &photo);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let item: serde_json::Value = serde_json::from_str(&uploaded.body).expect("json");
    let (original, files) = media_files(&item);
    // The original and 320, 640 and 1024 px wide copies, each as PNG and WebP.
    assert_eq!(files.len(), 7, "{files:?}");

    // The other instance knows the item…
    let id = item["id"].as_i64().expect("id");
    let listed = get(&second.base, &format!("/wp-json/wp/v2/media/{id}"));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let known: serde_json::Value = serde_json::from_str(&listed.body).expect("json");
    assert_eq!(known["source_url"].as_str().map(media_path), Some(original.clone()));
    // …and serves every file of it as the first does.
    for file in &files {
        let (status_a, head_a, bytes_a) = get_bytes(&first.base, file, "");
        let (status_b, head_b, bytes_b) = get_bytes(&second.base, file, "");
        assert_eq!((status_a, status_b), (200, 200), "{file}");
        assert!(!bytes_b.is_empty() && bytes_a == bytes_b, "{file}: the same bytes from both instances");
        let etag = head_a.header("etag").expect("etag");
        assert_eq!(head_b.header("etag").as_deref(), Some(etag.as_str()), "{file}");
        assert_eq!(head_a.header("content-type"), head_b.header("content-type"), "{file}");
        // A cache that got the file from one instance revalidates it with the other.
        let (revalidated, _, body) = get_bytes(&second.base, file, &format!("If-None-Match: {etag}\r\n"));
        assert_eq!((revalidated, body.len()), (304, 0), "{file}");
    }
    let (_, head, _) = get_bytes(&second.base, &original, "");
    assert_eq!(head.header("content-type").as_deref(), Some("image/png"));
    if db == Db::Postgres {
        assert!(!dir.join("media").exists() && !elsewhere.join("media").exists(), "the bytes are in the database");
    }
    drop((first, second));
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(elsewhere);
}
