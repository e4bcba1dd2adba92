//! Link checks (keeping sources alive) against a local server written by hand on 127.0.0.1:
//! where each answer leads, whether the first hop was permanent, HEAD refused and asked again
//! with GET, no answer in time, a closed port, and the address filter on every hop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dateline_fetch::{FetchError, FetchPolicy, Fetcher, LinkAnswer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// How many bytes of body the server sent: a check must never read them (it only must not hang).
const BODY: &[u8] = &[b'x'; 64 * 1024];

/// Serves the routes below; returns "http://127.0.0.1:PORT" and the count of GETs answered.
async fn serve() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let gets = Arc::new(AtomicUsize::new(0));
    let counted = gets.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, counted.clone()));
        }
    });
    (base, gets)
}

async fn answer(mut stream: TcpStream, gets: Arc<AtomicUsize>) {
    let Some(request) = crate::read_head(&mut stream).await else { return };
    let mut words = request.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or("/").to_string();
    if method == "GET" {
        gets.fetch_add(1, Ordering::SeqCst);
    }
    let head = match (method.as_str(), path.as_str()) {
        (_, "/ok") => "200 OK",
        (_, "/moved") => "301 Moved Permanently\r\nLocation: /ok",
        (_, "/moved-308") => "308 Permanent Redirect\r\nLocation: /temporary",
        (_, "/temporary") => "302 Found\r\nLocation: /ok",
        (_, "/moved-to-missing") => "301 Moved Permanently\r\nLocation: /missing",
        (_, "/gone") => "410 Gone",
        (_, "/to-private") => "301 Moved Permanently\r\nLocation: http://10.0.0.1/story",
        (_, "/loop") => "302 Found\r\nLocation: /loop",
        ("HEAD", "/no-head") => "405 Method Not Allowed",
        ("GET", "/no-head") => "200 OK",
        ("HEAD", "/head-hangs-up") => return,
        ("GET", "/head-hangs-up") => "200 OK",
        (_, "/slow") => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "200 OK"
        }
        _ => "404 Not Found",
    };
    let reply = format!("HTTP/1.1 {head}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", BODY.len());
    let _ = stream.write_all(reply.as_bytes()).await;
    if method == "GET" {
        let _ = stream.write_all(BODY).await;
    }
}

fn checker(allow: &[&str]) -> Fetcher {
    let policy = FetchPolicy {
        allow: allow.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_millis(1500),
        ..FetchPolicy::default()
    };
    Fetcher::new(policy).expect("fetcher")
}

async fn answer_for(url: &str) -> LinkAnswer {
    checker(&["127.0.0.1"]).check_link(url).await.unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[tokio::test]
async fn each_answer_is_reported_with_where_it_came_from() {
    let (base, gets) = serve().await;
    let at = |path: &str| format!("{base}{path}");
    let cases = [
        ("/ok", 200, "/ok", false, 0),
        ("/moved", 200, "/ok", true, 1),
        ("/moved-308", 200, "/ok", true, 2),
        ("/temporary", 200, "/ok", false, 1),
        ("/moved-to-missing", 404, "/missing", true, 1),
        ("/missing", 404, "/missing", false, 0),
        ("/gone", 410, "/gone", false, 0),
    ];
    for (path, status, final_path, moved_permanently, redirects) in cases {
        let expected = LinkAnswer { status, final_url: at(final_path), moved_permanently, redirects };
        assert_eq!(answer_for(&at(path)).await, expected, "{path}");
    }
    // HEAD sufficed for every page that answers it; the error statuses were asked again with GET.
    assert_eq!(gets.load(Ordering::SeqCst), 3, "GET only to confirm the two 404s and the 410");
}

#[tokio::test]
async fn a_refused_head_is_asked_again_with_get() {
    let (base, gets) = serve().await;
    assert_eq!(answer_for(&format!("{base}/no-head")).await.status, 200, "405 to HEAD");
    assert_eq!(answer_for(&format!("{base}/head-hangs-up")).await.status, 200, "no answer to HEAD");
    assert_eq!(gets.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn no_answer_in_time_and_a_closed_port_are_errors() {
    let (base, _) = serve().await;
    let started = std::time::Instant::now();
    let error = checker(&["127.0.0.1"]).check_link(&format!("{base}/slow")).await.expect_err("too slow");
    assert_eq!(error.to_string(), "no answer within 1500 ms");
    assert!(started.elapsed() < Duration::from_secs(3), "one deadline for HEAD and GET together");

    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("address");
    let error = checker(&["127.0.0.1"]).check_link(&format!("http://{closed}/story")).await.expect_err("closed");
    assert!(matches!(error, FetchError::Network(_)), "{error:?}");
}

#[tokio::test]
async fn the_address_filter_holds_on_every_hop() {
    let (base, _) = serve().await;
    let error = checker(&[]).check_link(&format!("{base}/ok")).await.expect_err("loopback");
    assert_eq!(error.to_string(), "127.0.0.1 is a loopback address");
    let error = checker(&["127.0.0.1"]).check_link(&format!("{base}/to-private")).await.expect_err("private hop");
    assert_eq!(error.to_string(), "10.0.0.1 is a private address");
    let error = checker(&["127.0.0.1"]).check_link(&format!("{base}/loop")).await.expect_err("loop");
    assert_eq!(error, FetchError::TooManyRedirects(5));
    let port = base.rsplit(':').next().expect("port");
    let error = checker(&["127.0.0.1"]).check_link(&format!("http://localhost:{port}/ok")).await.expect_err("by name");
    assert!(matches!(&error, FetchError::BlockedName { host, .. } if host == "localhost"), "{error:?}");
}
