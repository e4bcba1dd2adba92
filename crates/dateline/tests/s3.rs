//! Uploads in an S3-compatible bucket (`[media] storage = "s3"`, issue 13), against a local
//! S3 server the test starts (moto's `moto_server`): the bytes of an upload and its variants
//! go to the bucket and nowhere else, are served from it with the same bytes, headers and 304s
//! as local files, a failed upload leaves no object of its own behind, deleting an item
//! deletes its objects, and `dateline check` names an object the bucket lost.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dateline_core::media::ObjectStore;
use dateline_testkit::{Db, fresh};

use crate::support::*;

/// A `moto_server` on a port of its own, stopped on drop.
struct Moto {
    child: Child,
    base: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts one, or says why not and gives `None` (never under CI=true, where a missing
    /// server fails the test: .ci/run installs it).
    fn start() -> Option<Moto> {
        let installed = Command::new("moto_server").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !installed.is_ok_and(|s| s.success()) {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "moto_server is missing under CI=true: pip install 'moto[server]'");
            eprintln!("skipping the S3 case: moto_server is not installed (pip install 'moto[server]')");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto_server");
        let moto = Moto { child, base: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "moto_server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Creates the bucket (moto asks no signature of the test's own requests).
    fn create_bucket(&self, bucket: &str) {
        let reply = s3_request(&self.base, "PUT", &format!("/{bucket}"));
        assert_eq!(reply.status, 200, "create bucket: {}", reply.body);
    }

    /// The keys in the bucket, through the S3 API (ListObjectsV2).
    fn keys(&self, bucket: &str) -> Vec<String> {
        let reply = s3_request(&self.base, "GET", &format!("/{bucket}?list-type=2"));
        assert_eq!(reply.status, 200, "list: {}", reply.body);
        let mut keys: Vec<String> =
            reply.body.split("<Key>").skip(1).filter_map(|rest| rest.split_once("</Key>")).map(|(k, _)| k.to_string()).collect();
        keys.sort();
        keys
    }
}

fn s3_request(base: &str, method: &str, path: &str) -> Reply {
    use std::io::{Read, Write};
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connect to moto");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    Reply { status, headers: head.to_string(), body: body.to_string() }
}

fn get_bytes(base: &str, path: &str, headers: &str) -> (u16, Reply, Vec<u8>) {
    send(base, "GET", path, headers)
}

/// The object key of a `/media/{hash}/{name}` path.
fn key_of(path: &str) -> String {
    let hash = path.trim_start_matches("/media/").split('/').next().expect("hash");
    format!("media/{}/{hash}", &hash[..2])
}

/// Makes inserting a media item whose file name contains `marker` fail inside its transaction.
async fn fail_media_named(store: &dateline_testkit::TestStore, marker: &str) {
    let sql = if store.url.starts_with("sqlite:") {
        format!(
            "CREATE TRIGGER simulated_failure BEFORE INSERT ON media WHEN instr(NEW.file_name, '{marker}') > 0 \
             BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;"
        )
    } else {
        format!(
            "CREATE FUNCTION simulated_failure() RETURNS trigger AS $$ BEGIN \
             IF position('{marker}' in NEW.file_name) > 0 THEN RAISE EXCEPTION 'simulated failure'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER simulated_failure BEFORE INSERT ON media FOR EACH ROW EXECUTE FUNCTION simulated_failure();"
        )
    };
    store.execute(&sql).await;
}

fn write_config(dir: &Path, moto: &Moto, bucket: &str) -> String {
    let path = dir.join("dateline.toml");
    let text = format!(
        "[media]\nstorage = \"s3\"\nwidths = [320, 640]\n\n[media.s3]\nbucket = \"{bucket}\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\npath_style = true\n",
        moto.base
    );
    std::fs::write(&path, text).expect("write config");
    path.display().to_string()
}

pub async fn uploads_live_in_the_bucket_and_leave_with_their_item(db: Db) {
    let Some(moto) = Moto::start() else { return };
    let Some(store) = fresh(db).await else { return };
    let bucket = "dateline-uploads";
    moto.create_bucket(bucket);
    let dir = temp_dir();
    let config = write_config(&dir, &moto, bucket);
    let url = store.url.clone();
    let basic = uploader(&dir, Some(&url));
    let keys = [("DATELINE_S3_ACCESS_KEY_ID", "testing"), ("DATELINE_S3_SECRET_ACCESS_KEY", "a-secret-never-logged")];
    let server = serve(&dir, &["--db", &url, "--config", &config], &keys);
    let upload = |name: &str, bytes: &[u8]| upload_png(&server.base, &basic, name, bytes);

    let photo = dateline_media::testing::png(1200, 800);
    let uploaded = upload("harbour.png", &photo);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let item: serde_json::Value = serde_json::from_str(&uploaded.body).expect("json");
    let (original, files) = media_files(&item);
    // The original and 320 and 640 px wide copies, each as PNG and WebP.
    assert_eq!(files.len(), 5, "{files:?}");
    let mut expected: Vec<String> = files.iter().map(|f| key_of(f)).collect();
    expected.sort();
    assert_eq!(moto.keys(bucket), expected, "one object per file, under its hash");

    // Nothing kept beside the database or in it.
    assert!(!dir.join("media").exists(), "no media folder beside the database");
    if db == Db::Postgres {
        let mut conn = store.side_connection().await;
        let blobs: i64 = sqlx_count(&mut conn, "SELECT COUNT(*) FROM media_blobs").await;
        assert_eq!(blobs, 0, "no media_blobs rows");
    }

    // Served from the bucket: the uploaded bytes, a variant, their headers and 304s.
    let (status, head, bytes) = get_bytes(&server.base, &original, "");
    assert_eq!(status, 200);
    assert_eq!(head.header("content-type").as_deref(), Some("image/png"));
    // The test's own signed client, as another instance would read the bucket.
    let settings = dateline_core::config::S3Settings {
        bucket: bucket.into(),
        endpoint: moto.base.clone(),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        path_style: true,
        ..Default::default()
    };
    let objects = dateline_s3::S3Objects::new(&settings).expect("a client");
    let hash_of = |path: &str| path.trim_start_matches("/media/").split('/').next().expect("hash").to_string();
    assert!(!bytes.is_empty());
    assert_eq!(objects.get(&hash_of(&original)).await.expect("get"), Some(bytes.clone()), "served as the bucket holds it");
    let variant = files.iter().find(|f| **f != original).expect("a variant");
    for file in [&original, variant] {
        let (status, head, served) = get_bytes(&server.base, file, "");
        assert_eq!(status, 200, "{file}");
        let (_, _, again) = get_bytes(&server.base, file, "");
        assert_eq!(served, again, "{file}: the same bytes each time");
        assert!(head.header("cache-control").is_some_and(|c| c.contains("immutable")), "{file}: {}", head.headers);
        let etag = head.header("etag").expect("etag");
        let (revalidated, _, body) = get_bytes(&server.base, file, &format!("If-None-Match: {etag}\r\n"));
        assert_eq!((revalidated, body.len()), (304, 0), "{file}");
    }
    // Each file served is the bytes its address names (no mix-up between hashes).
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(original.trim_start_matches("/media/").split('/').next(), Some(sha(&bytes).as_str()), "served bytes match their hash");
    let (_, _, variant_bytes) = get_bytes(&server.base, variant, "");
    assert_eq!(variant.trim_start_matches("/media/").split('/').next(), Some(sha(&variant_bytes).as_str()));

    // A failed upload (its row refused inside the transaction) leaves no object of its own,
    // and takes no object another item still uses.
    fail_media_named(&store, "refused").await;
    let other = dateline_media::testing::png(900, 500);
    let failed = upload("refused-dunes.png", &other);
    assert!(failed.status >= 500, "{} {}", failed.status, failed.body);
    assert_eq!(moto.keys(bucket), expected, "the failed upload's objects are gone");
    let failed_again = upload("refused-harbour.png", &photo);
    assert!(failed_again.status >= 500, "{}", failed_again.status);
    assert_eq!(moto.keys(bucket), expected, "objects the first item names are kept");
    assert_eq!(get_bytes(&server.base, &original, "").0, 200);

    // `dateline check` is content while the bucket has every file, and names one it lost.
    let checked = command(&dir, &["--db", &url, "--config", &config, "check"]).envs(keys).output().expect("run check");
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    objects.delete(&hash_of(variant)).await.expect("delete an object behind Dateline's back");
    let checked = command(&dir, &["--db", &url, "--config", &config, "check"]).envs(keys).output().expect("run check");
    let said = format!("{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
    assert!(!checked.status.success(), "{said}");
    assert!(said.contains("1 uploaded files are missing from the media bucket"), "{said}");
    assert!(!said.contains("a-secret-never-logged"), "{said}");

    // Deleting the item deletes its objects.
    let id = item["id"].as_i64().expect("id");
    let (status, _, body) =
        send(&server.base, "DELETE", &format!("/wp-json/wp/v2/media/{id}?force=true"), &format!("Authorization: {basic}\r\n"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(moto.keys(bucket), Vec::<String>::new(), "no object outlives its item");
    assert_eq!(get_bytes(&server.base, &original, "").0, 404);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

async fn sqlx_count(conn: &mut sqlx::AnyConnection, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql).fetch_one(conn).await.expect("count").try_get(0).expect("a count")
}
