//! The fetcher against a local server (plain HTTP/1.1 written by hand on 127.0.0.1, no
//! internet): what it reads, what it follows, and each refusal with its reason.

use std::time::Duration;

use dateline_fetch::{FetchError, FetchPolicy, Fetcher};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const PAGE: &str = "<!DOCTYPE html><html><head><title>A story</title></head><body><p>Caf\u{e9}</p></body></html>";
/// The test policy's cap: /big sends more than this.
const MAX_BYTES: usize = 4096;

/// Serves the routes below on 127.0.0.1 until the test ends; returns "http://127.0.0.1:PORT".
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream));
        }
    });
    base
}

async fn answer(mut stream: TcpStream) {
    let Some(request) = crate::read_head(&mut stream).await else { return };
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (head, body): (String, Vec<u8>) = match path.as_str() {
        "/page" => ("200 OK\r\nContent-Type: text/html; charset=ISO-8859-1".into(), PAGE.as_bytes().to_vec()),
        "/bare" => ("200 OK".into(), PAGE.as_bytes().to_vec()),
        "/moved" => ("301 Moved Permanently\r\nLocation: /page".into(), Vec::new()),
        "/loop" => ("302 Found\r\nLocation: /loop".into(), Vec::new()),
        "/to-private" => ("302 Found\r\nLocation: http://10.0.0.1/".into(), Vec::new()),
        "/to-ftp" => ("302 Found\r\nLocation: ftp://example.com/story".into(), Vec::new()),
        "/pdf" => ("200 OK\r\nContent-Type: application/pdf".into(), b"%PDF-1.7".to_vec()),
        "/agent" => {
            let agent = request.lines().find_map(|line| line.strip_prefix("user-agent: ")).unwrap_or_default().to_string();
            ("200 OK\r\nContent-Type: text/html".into(), format!("<html>{agent}</html>").into_bytes())
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ("200 OK\r\nContent-Type: text/html".into(), PAGE.as_bytes().to_vec())
        }
        "/big" => {
            // No Content-Length: the cap must hold while reading, not only on the header.
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>").await;
            for _ in 0..64 {
                if stream.write_all(&[b'x'; 1024]).await.is_err() {
                    return;
                }
            }
            return;
        }
        _ => ("404 Not Found\r\nContent-Type: text/html".into(), b"<html>Not here</html>".to_vec()),
    };
    let reply = format!("HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.write_all(&body).await;
}

/// The test policy: the local server allowed, short limits.
fn fetcher(allow: &[&str]) -> Fetcher {
    let policy = FetchPolicy {
        allow: allow.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_millis(1500),
        max_bytes: MAX_BYTES,
        ..FetchPolicy::default()
    };
    Fetcher::new(policy).expect("fetcher")
}

async fn refusal(fetcher: &Fetcher, url: &str) -> FetchError {
    match fetcher.fetch_html(url).await {
        Ok(page) => panic!("{url} was fetched ({} bytes from {})", page.body.len(), page.final_url),
        Err(error) => error,
    }
}

#[tokio::test]
async fn an_html_page_is_read_with_its_charset() {
    let base = serve().await;
    let page = fetcher(&["127.0.0.1"]).fetch_html(&format!("{base}/page")).await.expect("fetched");
    assert_eq!(page.status, 200);
    assert_eq!(page.final_url, format!("{base}/page"));
    assert_eq!(page.charset.as_deref(), Some("ISO-8859-1"));
    assert_eq!(page.body, PAGE.as_bytes());
}

#[tokio::test]
async fn a_page_without_content_type_is_taken_when_it_begins_as_html() {
    let base = serve().await;
    let page = fetcher(&["127.0.0.1"]).fetch_html(&format!("{base}/bare")).await.expect("fetched");
    assert_eq!(page.charset, None);
    assert_eq!(page.body, PAGE.as_bytes());
}

#[tokio::test]
async fn the_user_agent_names_dateline() {
    let base = serve().await;
    let page = fetcher(&["127.0.0.1"]).fetch_html(&format!("{base}/agent")).await.expect("fetched");
    assert!(String::from_utf8_lossy(&page.body).contains("Dateline/"), "{}", String::from_utf8_lossy(&page.body));
}

#[tokio::test]
async fn a_redirect_is_followed_to_its_target() {
    let base = serve().await;
    let page = fetcher(&["127.0.0.1"]).fetch_html(&format!("{base}/moved")).await.expect("fetched");
    assert_eq!(page.final_url, format!("{base}/page"));
    assert_eq!(page.body, PAGE.as_bytes());
}

#[tokio::test]
async fn a_redirect_loop_is_refused_after_five() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/loop")).await;
    assert_eq!(error, FetchError::TooManyRedirects(5));
    assert_eq!(error.to_string(), "more than 5 redirects");
}

#[tokio::test]
async fn a_redirect_to_an_internal_address_is_refused() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/to-private")).await;
    assert_eq!(error.to_string(), "10.0.0.1 is a private address");
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/to-ftp")).await;
    assert_eq!(error.to_string(), "ftp://example.com/story is not an http or https address");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/slow")).await;
    assert_eq!(error.to_string(), "no answer within 1500 ms");
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/big")).await;
    assert_eq!(error.to_string(), "the page is larger than 4096 bytes");
}

#[tokio::test]
async fn only_html_is_taken() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/pdf")).await;
    assert_eq!(error.to_string(), "the address answered with application/pdf, not an HTML page");
}

#[tokio::test]
async fn an_error_status_is_refused() {
    let base = serve().await;
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("{base}/missing")).await;
    assert_eq!(error.to_string(), "the address answered 404 Not Found");
}

#[tokio::test]
async fn the_local_server_is_refused_without_the_allow_list() {
    let base = serve().await;
    let error = refusal(&fetcher(&[]), &format!("{base}/page")).await;
    assert_eq!(error.to_string(), "127.0.0.1 is a loopback address");
    // By name: the resolver refuses it, and allowing the address does not allow the name.
    let port = base.rsplit(':').next().expect("port");
    let error = refusal(&fetcher(&["127.0.0.1"]), &format!("http://localhost:{port}/page")).await;
    assert!(matches!(&error, FetchError::BlockedName { host, .. } if host == "localhost"), "{error:?}");
    assert!(error.to_string().starts_with("localhost resolves to ") && error.to_string().ends_with("a loopback address"), "{error}");
}

#[tokio::test]
async fn an_allow_listed_name_reaches_its_server() {
    let base = serve().await;
    let port = base.rsplit(':').next().expect("port");
    let page = fetcher(&["localhost"]).fetch_html(&format!("http://localhost:{port}/page")).await.expect("fetched");
    assert_eq!(page.body, PAGE.as_bytes());
}

#[tokio::test]
async fn internal_addresses_in_every_spelling_are_refused_before_connecting() {
    let fetcher = fetcher(&[]);
    for (url, reason) in [
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0177.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[fd00::1]/", "fd00::1 is an IPv6 unique-local address"),
        ("http://100.64.0.1/", "100.64.0.1 is a CGNAT (shared) address"),
        ("ftp://example.com/story", "ftp://example.com/story is not an http or https address"),
        ("file:///etc/passwd", "file:///etc/passwd is not an http or https address"),
    ] {
        assert_eq!(refusal(&fetcher, url).await.to_string(), reason, "{url}");
    }
    let error = refusal(&fetcher, "http://localhost/").await;
    assert!(error.to_string().starts_with("localhost resolves to ") && error.to_string().contains("loopback"), "{error}");
    assert!(matches!(refusal(&fetcher, "not a url").await, FetchError::InvalidUrl { .. }));
}
