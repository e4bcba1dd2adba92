//! The direct path: a kept page answered straight from the connection, before hyper sees it.
//!
//! A connection starts here. While its requests are plain `GET`s of pages the cache keeps,
//! each is parsed (`httparse`, hyper's own parser), looked up and answered with the kept
//! variant's status line and headers (serialized once, the first time they are needed), a
//! `Date` line and the body, in one vectored write (a long body from its pipe,
//! `crate::zero_copy`). Anything else, from a conditional `GET` or a `HEAD` to a request with
//! a body, a page not kept, or bytes that do not parse, hands the connection to hyper with
//! everything read so far, for good: hyper and the application answer it as before, errors
//! included. The bytes are hyper's: the kept headers in their order, then `date` (a test
//! compares the two over HTTP).
//!
//! Why: a kept page's answer cost the server 11–12 µs of CPU of which 3 µs were in the
//! program, most of it hyper's request and response machinery, the tower service and their
//! allocations; a one-thread server writing the same bytes spends 0.3 µs there. Answered here,
//! a small kept page costs about 8 µs (docs/PERFORMANCE.md, "Stop 47").
//!
//! Which requests may be answered from the cache is decided by `serve`'s rules (`Head`,
//! `cache_key`, `Reader`); this path only narrows them.

use std::io::IoSlice;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderName;
use bytes::{Buf, BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::PageCache;
use super::serve::{Head, Reader, cache_key};
use crate::zero_copy::Connection;

/// The most a request's line and headers may take: a longer head, whole or not, goes to hyper,
/// which answers 431 as it always did.
const MAX_HEAD: usize = crate::server::MAX_HEADER_BYTES;

/// Headers a request may have for this path: more, and hyper answers it (its own limit is 100).
const MAX_HEADERS: usize = 64;

/// How a connection leaves the direct path.
pub(crate) enum Handover {
    /// The client closed, went quiet past the header timeout, could not be written to, or
    /// the server is stopping.
    Closed,
    /// Hyper answers from here on; these bytes were read and not answered.
    ToHyper(Bytes),
}

/// What a connection needs to answer kept pages itself.
pub(crate) struct Direct {
    cache: Arc<PageCache>,
    header_timeout: Duration,
    stopping: tokio::sync::watch::Receiver<bool>,
}

/// A request this path answers: its length in the buffer and what it takes (its cache key is
/// written beside it, see [`parse`]).
struct Ask {
    length: usize,
    reader: Reader,
}

/// What the buffer holds so far.
enum Parsed {
    /// Not a whole request head yet.
    Partial,
    /// A request for hyper.
    Other,
    Ask(Ask),
}

impl Direct {
    pub(crate) fn new(cache: Arc<PageCache>, header_timeout: Duration, stopping: tokio::sync::watch::Receiver<bool>) -> Direct {
        Direct { cache, header_timeout, stopping }
    }

    /// Answers the connection's kept pages until a request is not one, the client goes, or
    /// the server stops.
    pub(crate) async fn serve(self, io: &mut Connection) -> Handover {
        let mut buffer = BytesMut::new();
        if !self.cache.enabled {
            return Handover::ToHyper(buffer.freeze());
        }
        // Any change of the watched value means the server is stopping (a connection accepted
        // after it sees it too: its receiver was cloned from one that never looked). Waited on by
        // one future for the whole connection (a new one a request registered and unregistered a
        // waiter each time), and checked before each request by its version (no lock).
        let mut stop_watch = self.stopping.clone();
        let stopped = stop_watch.changed();
        tokio::pin!(stopped);
        // A client must send a whole request head within the header timeout of the previous
        // answer (or of connecting), as hyper's `header_read_timeout` asks. The deadline moves
        // with each answer; the one timer behind it is set again only when it goes off before
        // the deadline (once a timeout at most), not once a request.
        let mut deadline = tokio::time::Instant::now() + self.header_timeout;
        let timer = tokio::time::sleep_until(deadline);
        tokio::pin!(timer);
        // The page's key, kept from one request to the next (no allocation a request).
        let mut key = String::new();
        loop {
            // A stopping server answers what it is writing, and no more.
            if self.stopping.has_changed().unwrap_or(true) {
                return Handover::Closed;
            }
            // How far the buffer is known to hold no end of a head: a head sent a byte at a
            // time is parsed once, when its end comes, not once a byte.
            let mut scanned = 0;
            let ask = loop {
                if let Some(end) = head_end(&buffer, scanned) {
                    match parse(&buffer[..end], &mut key) {
                        Parsed::Ask(ask) => break ask,
                        Parsed::Other | Parsed::Partial => return Handover::ToHyper(buffer.freeze()),
                    }
                }
                if buffer.len() >= MAX_HEAD {
                    return Handover::ToHyper(buffer.freeze());
                }
                scanned = buffer.len();
                buffer.reserve(4 * 1024);
                // Never read past the limit: what a connection holds here stays bounded.
                let left = MAX_HEAD - buffer.len();
                let mut room = (&mut buffer).limit(left);
                let read = loop {
                    tokio::select! {
                        biased;
                        _ = &mut stopped => return Handover::Closed,
                        () = &mut timer => {
                            if tokio::time::Instant::now() >= deadline {
                                return Handover::Closed;
                            }
                            timer.as_mut().reset(deadline);
                        }
                        read = io.read_buf(&mut room) => break read,
                    }
                };
                match read {
                    Ok(0) | Err(_) => return Handover::Closed,
                    Ok(_) => {}
                }
            };
            self.cache.look_for_changes().await;
            let Some(entry) = self.cache.get(&key) else {
                return Handover::ToHyper(buffer.freeze());
            };
            let variant = ask.reader.variant(&entry);
            let date = date_line();
            // Counted before the answer leaves: a client that has read it finds it counted.
            self.cache.direct_answers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if write_all(io, [variant.wire_head(), &date[..], &variant.body]).await.is_err() {
                return Handover::Closed;
            }
            deadline = tokio::time::Instant::now() + self.header_timeout;
            buffer.advance(ask.length);
        }
    }
}

/// Where the first request head in `buffer` ends (just past its blank line), looking from
/// `scanned` on (less the three bytes an end may straddle). httparse takes a bare `\n` for a
/// line's end, so `\n\n` ends a head as `\n\r\n` does.
fn head_end(buffer: &[u8], scanned: usize) -> Option<usize> {
    let from = scanned.saturating_sub(3);
    let window = buffer.get(from..)?;
    window.windows(2).enumerate().find_map(|(at, pair)| match pair {
        b"\n\n" => Some(from + at + 2),
        b"\n\r" if window.get(at + 2) == Some(&b'\n') => Some(from + at + 3),
        _ => None,
    })
}

/// Reads the request head that is `buffer` (`buffer` ends where the head does); the key of a
/// request answered here is left in `key`.
fn parse(buffer: &[u8], key: &mut String) -> Parsed {
    if buffer.is_empty() {
        return Parsed::Partial;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    let Some(head) = PlainGet::of(&request) else { return Parsed::Other };
    let reader = Reader::of(&head);
    if reader.head || reader.is_conditional() {
        return Parsed::Other;
    }
    match cache_key(&head) {
        Some(found) => {
            key.clear();
            key.push_str(&found);
            Parsed::Ask(Ask { length, reader })
        }
        None => Parsed::Other,
    }
}

/// A parsed request this path may answer: an HTTP/1.1 `GET` of a path, with no body and
/// nothing that changes how the connection goes on.
struct PlainGet<'r, 'h, 'b> {
    path: &'b str,
    query: Option<&'b str>,
    request: &'r httparse::Request<'h, 'b>,
}

impl<'r, 'h, 'b> PlainGet<'r, 'h, 'b> {
    fn of(request: &'r httparse::Request<'h, 'b>) -> Option<PlainGet<'r, 'h, 'b>> {
        if request.method != Some("GET") || request.version != Some(1) {
            return None;
        }
        let target = request.path?;
        if !target.starts_with('/') {
            return None;
        }
        let sets_the_course = request.headers.iter().any(|header| {
            let name = header.name;
            ["content-length", "transfer-encoding", "expect", "upgrade"].iter().any(|n| name.eq_ignore_ascii_case(n))
                || (name.eq_ignore_ascii_case("connection") && !header.value.eq_ignore_ascii_case(b"keep-alive"))
        });
        if sets_the_course {
            return None;
        }
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        Some(PlainGet { path, query, request })
    }
}

impl Head for PlainGet<'_, '_, '_> {
    fn path(&self) -> &str {
        self.path
    }

    fn query(&self) -> Option<&str> {
        self.query
    }

    fn is_head(&self) -> bool {
        false
    }

    fn values<'a>(&'a self, name: &'static HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.request.headers.iter().filter(move |header| header.name.eq_ignore_ascii_case(name.as_str())).map(|header| header.value)
    }
}

/// `date: <now>` and the blank line that ends the headers; made once a second per thread.
fn date_line() -> Bytes {
    thread_local! {
        static LINE: std::cell::RefCell<(u64, Bytes)> = const { std::cell::RefCell::new((u64::MAX, Bytes::new())) };
    }
    let now = std::time::SystemTime::now();
    let second = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_secs());
    LINE.with(|line| {
        let mut line = line.borrow_mut();
        if line.0 != second {
            *line = (second, Bytes::from(format!("date: {}\r\n\r\n", httpdate::fmt_http_date(now))));
        }
        line.1.clone()
    })
}

/// Writes all of `parts`, in as few system calls as the socket allows.
async fn write_all<const N: usize>(io: &mut Connection, parts: [&[u8]; N]) -> std::io::Result<()> {
    // On the stack: an answer allocates nothing to be written.
    let mut slices = parts.map(IoSlice::new);
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        let written = io.write_vectored(slices).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, written);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    fn ask(request: &str) -> Option<(usize, String)> {
        let mut key = String::new();
        match parse(request.as_bytes(), &mut key) {
            Parsed::Ask(ask) => Some((ask.length, key)),
            _ => None,
        }
    }

    #[test]
    fn only_plain_gets_of_keyable_pages_are_answered_here() {
        let get = "GET /2024/01/02/a/ HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n";
        assert_eq!(ask(get), Some((get.len(), "/2024/01/02/a/".into())));
        assert_eq!(ask(&format!("{get}GET / HTTP/1.1\r\n\r\n")), Some((get.len(), "/2024/01/02/a/".into())), "pipelined");
        let search = "GET /?s=cuba HTTP/1.1\r\nConnection: keep-alive\r\n\r\n";
        assert_eq!(ask(search), Some((search.len(), "/?s=cuba".into())));
        for other in [
            "HEAD / HTTP/1.1\r\n\r\n",
            "POST /comments HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n",
            "GET / HTTP/1.1\r\nIf-Modified-Since: Sun, 06 Dec 2026 11:29:41 GMT\r\n\r\n",
            "GET / HTTP/1.1\r\nCookie: dateline_session=x\r\n\r\n",
            "GET / HTTP/1.1\r\nAuthorization: Basic eA==\r\n\r\n",
            "GET /admin/ HTTP/1.1\r\n\r\n",
            "GET /a/?replytocom=3 HTTP/1.1\r\n\r\n",
            "GET http://x/ HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "G\0T / HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(ask(other), None, "{other:?}");
        }
        assert!(matches!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n", &mut String::new()), Parsed::Partial));
        let many: String = (0..MAX_HEADERS + 1).map(|i| format!("X-{i}: {i}\r\n")).collect();
        assert!(matches!(parse(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes(), &mut String::new()), Parsed::Other), "too many headers");
    }

    /// A direct path serving one connection to `cache`, with a header timeout of `timeout`:
    /// the client's end, how the path ended, and the sender that stops it.
    async fn connected(
        cache: PageCache,
        timeout: Duration,
    ) -> (tokio::net::TcpStream, tokio::task::JoinHandle<Option<Bytes>>, tokio::sync::watch::Sender<bool>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let client = tokio::net::TcpStream::connect(listener.local_addr().expect("address")).await.expect("connect");
        let (stream, _) = listener.accept().await.expect("accept");
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let direct = Direct::new(Arc::new(cache), timeout, stopping);
        let ended = tokio::spawn(async move {
            match direct.serve(&mut crate::zero_copy::connection(stream)).await {
                Handover::ToHyper(read) => Some(read),
                Handover::Closed => None,
            }
        });
        (client, ended, stop)
    }

    #[tokio::test]
    async fn kept_pages_are_answered_until_a_request_is_not_one_and_hyper_gets_the_rest() {
        use tokio::io::AsyncWriteExt;
        let cache = super::super::tests::cache(1);
        cache.put("/a/".into(), super::super::tests::entry(&cache, 5));
        let (mut client, ended, _stop) = connected(cache, Duration::from_secs(5)).await;
        let rest = "GET /missing/ HTTP/1.1\r\nHost: x\r\n\r\nGET /a/ HTTP/1.1\r\n\r\n";
        client.write_all(format!("GET /a/ HTTP/1.1\r\nHost: x\r\n\r\nGET /a/ HTTP/1.1\r\n\r\n{rest}").as_bytes()).await.expect("write");
        let read = ended.await.expect("task").expect("handed to hyper");
        assert_eq!(read, rest.as_bytes(), "what hyper gets: everything after the answered requests");
        let mut answers = vec![0u8; 2 * (b"HTTP/1.1 200 OK\r\n".len() + date_line().len() + 5)];
        client.read_exact(&mut answers).await.expect("two answers");
        let answers = String::from_utf8(answers).expect("ascii");
        assert_eq!(answers.matches("HTTP/1.1 200 OK\r\ndate: ").count(), 2, "{answers}");
        assert_eq!(answers.matches(" GMT\r\n\r\nxxxxx").count(), 2, "{answers}");
    }

    #[tokio::test]
    async fn a_quiet_client_is_let_go_and_so_is_everyone_when_the_server_stops() {
        use tokio::io::AsyncWriteExt;
        // Half a request head, then nothing: closed after the header timeout.
        let (mut client, ended, _stop) = connected(super::super::tests::cache(1), Duration::from_millis(200)).await;
        client.write_all(b"GET /a/ HTTP/1.1\r\nHo").await.expect("write");
        let started = std::time::Instant::now();
        let ended = tokio::time::timeout(Duration::from_secs(5), ended).await.expect("let go").expect("task");
        assert!(ended.is_none() && started.elapsed() >= Duration::from_millis(150));
        assert_eq!(client.read(&mut [0u8; 16]).await.expect("read"), 0, "closed");
        // Idle when the server stops: closed at once.
        let (_client, ended, stop) = connected(super::super::tests::cache(1), Duration::from_secs(30)).await;
        stop.send(true).expect("stop");
        let ended = tokio::time::timeout(Duration::from_secs(5), ended).await.expect("let go").expect("task");
        assert!(ended.is_none());
    }

    #[test]
    fn a_head_ends_at_its_blank_line_however_it_arrives() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET";
        assert_eq!(head_end(head, 0), Some(head.len() - 3));
        // Found when the scan resumes just before the blank line's first bytes.
        assert_eq!(head_end(head, 27), Some(head.len() - 3));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\n", 0), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n", 0), None);
        assert_eq!(head_end(b"", 0), None);
    }

    #[test]
    fn the_date_line_ends_the_headers() {
        let line = date_line();
        let text = std::str::from_utf8(&line).expect("ascii");
        assert!(text.starts_with("date: ") && text.ends_with(" GMT\r\n\r\n"), "{text}");
        assert!(httpdate::parse_http_date(text.trim_start_matches("date: ").trim_end()).is_ok(), "{text}");
    }
}
