//! Running the built binary and talking HTTP to it with nothing but a TCP socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_dateline");

/// A fresh empty working directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(dateline_testkit::unique_name("dateline_cli"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

/// `dateline ARGS` in `dir`, with no DATELINE_* variables from the outside.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("DATELINE_") {
            command.env_remove(key);
        }
    }
    command
}

pub fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = command(dir, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn dateline");
    if let Some(mut input) = child.stdin.take()
        && let Some(text) = stdin
    {
        input.write_all(text.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("wait")
}

/// A running `dateline serve`, stopped on drop.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `dateline serve --listen 127.0.0.1:0 ARGS` and waits for its "serving" line.
pub fn serve(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut command = command(dir, &all);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("serving line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Server { child, base }
}

pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    }
}

/// One HTTP/1.1 GET over a plain socket (no client library: what goes over the wire is what we assert).
pub fn get(base: &str, path: &str) -> Reply {
    request(base, &format!("GET {path} HTTP/1.1\r\n"), "")
}

/// One form POST over a plain socket, with a cookie.
pub fn post_form(base: &str, path: &str, cookie: &str, body: &str) -> Reply {
    try_post_form(base, path, cookie, body).expect("an answer")
}

/// The same, or `None` when no whole answer came (the server is gone).
pub fn try_post_form(base: &str, path: &str, cookie: &str, body: &str) -> Option<Reply> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    try_request(base, &head, body)
}

/// A POST of `body` as it is (a file, say), with `headers` (each ending in `\r\n`).
pub fn post_bytes(base: &str, path: &str, headers: &str, body: &[u8]) -> Reply {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let head = format!("POST {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\nHost: {authority}\r\nConnection: close\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Reply { status, headers: head.to_string(), body }
}

/// `METHOD path` with extra header lines (each ending in `\r\n`) and no body: the status,
/// the head, and the body's bytes as they came (a served file, say).
pub fn send(base: &str, method: &str, path: &str, headers: &str) -> (u16, Reply, Vec<u8>) {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    write!(stream, "{method} {path} HTTP/1.1\r\n{headers}Host: {authority}\r\nConnection: close\r\n\r\n").expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, Reply { status, headers: head, body: String::new() }, raw[split..].to_vec())
}

fn request(base: &str, head: &str, body: &str) -> Reply {
    try_request(base, head, body).expect("an answer")
}

fn try_request(base: &str, head: &str, body: &str) -> Option<Reply> {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(stream, "{head}Host: {authority}\r\nConnection: close\r\n\r\n{body}").ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok())?;
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Some(Reply { status, headers: head.to_string(), body })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// The seed post's permalink, found the way a reader would: following `/?p=ID`.
pub fn find_seed(base: &str) -> String {
    for id in 1..=40 {
        let reply = get(base, &format!("/?p={id}"));
        if let Some(location) = reply.header("location")
            && location.contains("as-biden-tries-to-cozy-up")
        {
            return location;
        }
    }
    panic!("seed post not found");
}

/// The comment form of the page at `path`: (cookie, token, post id).
pub fn open_form(base: &str, path: &str) -> (String, String, String) {
    let page = get(base, path);
    assert_eq!(page.status, 200, "{path}");
    let html = scraper::Html::parse_document(&page.body);
    let value = |name: &str| {
        let selector = scraper::Selector::parse(&format!("input[name={name}]")).expect("selector");
        html.select(&selector).next().and_then(|e| e.value().attr("value")).unwrap_or_else(|| panic!("no {name}")).to_string()
    };
    let post_id = value("comment_post_ID");
    // The page is the same for every reader; its script asks for the reader's own token.
    let answer = get(base, &format!("/comments/token?post={post_id}"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cookie = answer.header("set-cookie").expect("a CSRF cookie").split(';').next().unwrap_or_default().to_string();
    let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    (cookie, json["token"].as_str().expect("token").to_string(), post_id)
}

/// Form encoding of one value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An author, marta, on the store `db` names (the working directory's when `None`), and the
/// `Authorization` value of an application password of hers.
pub fn uploader(dir: &Path, db: Option<&str>) -> String {
    let with_db = |args: &[&str]| -> Vec<String> {
        db.map(|db| vec!["--db".to_string(), db.to_string()])
            .unwrap_or_default()
            .into_iter()
            .chain(args.iter().map(|a| a.to_string()))
            .collect()
    };
    let args = with_db(&["user", "add", "marta", "--role", "author"]);
    let added = run(dir, &args.iter().map(String::as_str).collect::<Vec<_>>(), Some("a good password\n"));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let args = with_db(&["user", "app-password", "marta", "tests"]);
    let made = run(dir, &args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    let said = String::from_utf8_lossy(&made.stdout).into_owned();
    let password = said.lines().next().and_then(|line| line.split_once("): ")).map(|(_, p)| p.trim().to_string()).expect("password");
    format!("Basic {}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("marta:{password}")))
}

/// Uploads a PNG named `name` over the REST API, as WordPress clients send it.
pub fn upload_png(base: &str, authorization: &str, name: &str, bytes: &[u8]) -> Reply {
    let headers =
        format!("Authorization: {authorization}\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename={name}\r\n");
    post_bytes(base, "/wp-json/wp/v2/media", &headers, bytes)
}

/// The `/media/…` path of an address this site gave.
pub fn media_path(url: &str) -> String {
    url.find("/media/").map(|i| url[i..].to_string()).expect("a /media/ address")
}

/// An uploaded item's original (its path) and the paths of every file it has, the original
/// and each resized copy, sorted, once each.
pub fn media_files(item: &serde_json::Value) -> (String, Vec<String>) {
    let original = media_path(item["source_url"].as_str().expect("source_url"));
    let mut files = vec![original.clone()];
    let sizes = item["media_details"]["sizes"].as_object().expect("sizes");
    files.extend(sizes.values().map(|size| media_path(size["source_url"].as_str().expect("size url"))));
    files.sort();
    files.dedup();
    (original, files)
}
