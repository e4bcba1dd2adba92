//! The middleware in front of the router: answers from the cache, renders each missing page
//! once however many readers ask for it at the same moment, keeps what may be kept, and
//! empties the cache after every write that went through.
//!
//! A request may be answered from the cache when it is a `GET` or `HEAD` without a query
//! string, or a readers' search (`/?s=words`; `?unapproved=`, `?replytocom=` and the like are
//! always rendered), outside
//! the admin, the API and the endpoints with side effects, with no credentials and no cookie
//! but the comment form's (a signed-in user, a reader who unlocked a protected post: rendered
//! for them). A response is kept when it is a `200` without `Set-Cookie` whose
//! `Cache-Control` does not say `private` or `no-store`: the pages that carry something of
//! one visitor (their held comment, their form token after a refusal, the admin bar) say
//! `private`.

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Entry, PageCache, Variant};
use crate::AppState;
use crate::routes::single::CSRF_COOKIE;

/// Paths never answered from the cache (besides anything with a query string).
const NEVER: &[&str] = &[
    "/admin",
    "/wp-json",
    "/wp-admin",
    "/wp-login.php",
    "/static/",
    "/avatar/",
    // Uploaded files are cached by browsers for a year; kept here they would crowd out pages.
    "/media/",
    "/comments/token",
    "/comments/unsubscribe",
    "/post-password",
];

/// How long a reader waits for another request's rendering of the same page before rendering
/// it themselves.
const FOLLOW_WAIT: Duration = Duration::from_secs(2);

/// Bodies smaller than this are not worth compressing.
const MIN_GZIP: usize = 512;

/// Until when a response may be kept, when something in it changes with time alone (comments
/// closing by age): handlers add it to the response's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeepUntil(pub jiff::Timestamp);

/// What the cache reads of a request: hyper's parsed requests and those the direct path
/// (`super::direct`) parses itself are read by the same rules.
pub(super) trait Head {
    fn path(&self) -> &str;
    fn query(&self) -> Option<&str>;
    fn is_head(&self) -> bool;
    /// Every value of the header `name` (a constant of `http::header`: hyper's map looks it up
    /// without parsing the name again).
    fn values<'a>(&'a self, name: &'static HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a;
}

impl Head for Request {
    fn path(&self) -> &str {
        self.uri().path()
    }

    fn query(&self) -> Option<&str> {
        self.uri().query()
    }

    fn is_head(&self) -> bool {
        self.method() == Method::HEAD
    }

    fn values<'a>(&'a self, name: &'static HeaderName) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers().get_all(name).into_iter().map(HeaderValue::as_bytes)
    }
}

/// The cache in front of the whole application: a kept page is answered before any routing or
/// any other layer (axum's per-route middleware cloned the route's whole stack of layers for
/// every request, a fifth of a hit's time); everything else goes on to `inner`.
#[derive(Clone)]
pub(crate) struct CacheService {
    state: AppState,
    inner: axum::Router,
}

impl CacheService {
    pub(crate) fn new(state: AppState, inner: axum::Router) -> CacheService {
        CacheService { state, inner }
    }
}

impl tower::Service<Request> for CacheService {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let (state, next) = (self.state.clone(), Next(self.inner.clone()));
        Box::pin(async move { Ok(serve(state, request, next).await) })
    }
}

/// The application behind the cache.
struct Next(axum::Router);

impl Next {
    async fn run(self, request: Request) -> Response {
        match tower::ServiceExt::oneshot(self.0, request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

async fn serve(state: AppState, mut request: Request, next: Next) -> Response {
    let cache = &state.cache;
    let method = request.method().clone();
    // Health checks answer beside the cache and the rendering slots (see routes/health.rs).
    if [crate::routes::health::ALIVE, crate::routes::health::READY].contains(&request.uri().path()) {
        return next.run(request).await;
    }
    if method != Method::GET && method != Method::HEAD {
        let response = next.run(request).await;
        // A write went through (a refusal writes nothing readers see): show it at once.
        if response.status().is_success() || response.status().is_redirection() {
            cache.after_own_write(state.store.as_ref()).await;
        }
        return response;
    }
    let Some(path) = cache_key(&request).filter(|_| cache.enabled).map(Cow::into_owned) else {
        // Slots bound what strangers can make the server render; someone who signed in (the
        // admin, an API client) is not turned away by a crowd of readers.
        if has_credentials(&request) {
            return next.run(request).await;
        }
        return state.slots.run(next.run(request)).await;
    };
    let reader = Reader::of(&request);
    cache.look_for_changes().await;
    if let Some(entry) = cache.get(&path) {
        return reader.answer(&entry);
    }
    // A HEAD missing from the cache is rendered as the GET it asks about, and kept as one: its
    // answer carries the GET's validator and length, and the next GET finds the page kept.
    // Only the headers go back (`Reader::answer`, `Reader::headers_of`).
    *request.method_mut() = Method::GET;

    // One rendering per page and generation at a time: the first reader renders, the others
    // that arrive meanwhile take its page. A reader arriving after a change does not join a
    // rendering begun before it (the writer's own redirect must show the write).
    let generation = cache.generation();
    let leader = {
        let mut flights = cache.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match flights.get(&path) {
            Some((began, rendering)) if *began == generation => Err(rendering.clone()),
            _ => {
                let (done, rendering) = tokio::sync::watch::channel(None);
                flights.insert(path.clone(), (generation, rendering));
                Ok(Flight { cache, path: path.clone(), generation, began: Instant::now(), done })
            }
        }
    };
    match leader {
        Err(mut rendering) => {
            // A stranger (no cookie at all: nobody who just wrote something through a form)
            // takes the page as it was a moment ago rather than wait for it (see `STALE_FOR`).
            if !request.headers().contains_key(header::COOKIE)
                && let Some(entry) = cache.stale(&path)
            {
                return reader.answer(&entry);
            }
            let rendered = match tokio::time::timeout(FOLLOW_WAIT, rendering.wait_for(Option::is_some)).await {
                Ok(Ok(rendered)) => rendered.clone(),
                _ => None,
            };
            match rendered.flatten() {
                Some(entry) => reader.answer(&entry),
                // Not kept (not the same for everyone) or abandoned: render our own.
                None => reader.headers_of(state.slots.run(next.run(request)).await),
            }
        }
        Ok(flight) => {
            let response = state.slots.run(next.run(request)).await;
            let kept = match keepable(&response) {
                true => keep(cache, &flight, response).await,
                false => {
                    cache.forget_stale(&flight.path);
                    Err(response)
                }
            };
            let _ = flight.done.send(Some(kept.as_ref().ok().cloned()));
            drop(flight);
            match kept {
                Ok(entry) => reader.answer(&entry),
                Err(response) => reader.headers_of(response),
            }
        }
    }
}

/// What a rendering in progress gives the readers waiting for it: `Some(None)` when its page
/// cannot be shared.
pub(super) type Rendered = Option<Option<std::sync::Arc<Entry>>>;

/// The rendering of one page in progress; when it ends (or is abandoned: the sender is then
/// dropped) the readers waiting for it go on.
struct Flight<'a> {
    cache: &'a PageCache,
    path: String,
    generation: u64,
    began: Instant,
    done: tokio::sync::watch::Sender<Rendered>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut flights = self.cache.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A later generation's rendering of the same page may have taken the place.
        if flights.get(&self.path).is_some_and(|(began, _)| *began == self.generation) {
            flights.remove(&self.path);
        }
    }
}

/// The cache key of a request that may be answered from the cache: its path, and for a
/// readers' search on the home page (`/?s=words`, `/page/2/?s=words&orderby=date`) its query
/// string too. A search's results are the same for every anonymous reader, and a search asked
/// again (a name in the news, typed by many readers) is answered from memory until the next
/// write, like every other page; the cache's byte limit bounds what many different searches
/// can take. Any other query string (`?unapproved=`, `?replytocom=`, `?p=`) is rendered.
pub(super) fn cache_key(request: &impl Head) -> Option<Cow<'_, str>> {
    if has_credentials(request) {
        return None;
    }
    let path = request.path();
    if NEVER.iter().any(|never| path.starts_with(never)) {
        return None;
    }
    match request.query() {
        None => Some(Cow::Borrowed(path)),
        Some(query) if is_search(path, query) => Some(Cow::Owned(format!("{path}?{query}"))),
        Some(_) => None,
    }
}

/// Whether `path?query` is a readers' search of the home page: only `s` and `orderby`, the
/// words no longer than a search reads (longer ones are cut, and would only crowd the cache).
fn is_search(path: &str, query: &str) -> bool {
    let home = path == "/" || path.strip_prefix("/page/").and_then(|rest| rest.strip_suffix('/')).is_some_and(|n| n.parse::<u32>().is_ok());
    let names = || query.split('&').map(|pair| pair.split('=').next().unwrap_or(pair));
    home && query.len() <= MAX_SEARCH_QUERY && names().any(|name| name == "s") && names().all(|name| matches!(name, "s" | "orderby"))
}

/// The longest query string kept: a search's 200 characters, percent-encoded.
const MAX_SEARCH_QUERY: usize = 1_024;

/// Whether the request says who sent it: `Authorization`, or any cookie but the comment
/// form's (a session, a protected post's unlock).
fn has_credentials(request: &impl Head) -> bool {
    request.values(&header::AUTHORIZATION).next().is_some()
        || !request
            .values(&header::COOKIE)
            .flat_map(|value| visible_ascii(value).unwrap_or("?=").split(';'))
            .all(|pair| pair.trim().is_empty() || pair.split('=').next().is_some_and(|name| name.trim() == CSRF_COOKIE))
}

fn keepable(response: &Response) -> bool {
    let headers = response.headers();
    let private =
        headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("private") || v.contains("no-store"));
    response.status() == StatusCode::OK && !headers.contains_key(header::SET_COOKIE) && !private
}

/// Reads the rendered body and keeps it; gives the response back when it cannot be read.
async fn keep(cache: &PageCache, flight: &Flight<'_>, response: Response) -> Result<std::sync::Arc<Entry>, Response> {
    let (parts, body) = response.into_parts();
    let expires = parts.extensions.get::<KeepUntil>().map(|until| {
        let left = until.0.duration_since(jiff::Timestamp::now()).unsigned_abs();
        Instant::now() + left
    });
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(_) => return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    };
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::ETAG);
    // One request's id, not the page's: never handed to the readers the page is kept for.
    headers.remove("x-request-id");
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let tag = digest(&body);
    let compressible = body.len() >= MIN_GZIP
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/") || t.contains("xml") || t.contains("json") || t.contains("javascript"));
    let entry = Entry {
        generation: flight.generation,
        rendered_at: flight.began,
        expires,
        last_modified: headers.get(header::LAST_MODIFIED).and_then(http_date),
        plain: variant(&headers, body, &format!("\"{tag}\""), None),
        gzip: std::sync::OnceLock::new(),
        compressible,
        last_used: AtomicU64::new(0),
    };
    let entry = std::sync::Arc::new(entry);
    cache.put(flight.path.clone(), entry.clone());
    Ok(entry)
}

/// `body` in one encoding (`None`: as rendered) with the whole set of headers it is answered
/// with: the rendered page's and its length, encoding and validator. A long body is mirrored
/// into a pipe, to be sent without copying (see `crate::zero_copy`).
fn variant(rendered: &HeaderMap, body: Bytes, etag: &str, encoding: Option<&'static str>) -> Variant {
    let mut headers = rendered.clone();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert(header::ETAG, HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"x\"")));
    Variant::new(crate::zero_copy::mirrored(body), headers)
}

/// A strong validator: a digest of the bytes (SHA-256, cut to 128 bits).
fn digest(body: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(body);
    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// `plain` gzipped, with its headers (its own length, encoding and validator).
fn gzipped(plain: &Variant) -> Option<Variant> {
    let tag = plain.headers.get(header::ETAG)?.to_str().ok()?.trim_matches('"').to_string();
    Some(variant(&plain.headers, gzip(&plain.body)?, &format!("\"{tag}-gz\""), Some("gzip")))
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// What the reader's request says about the answer it can take.
pub(super) struct Reader {
    gzip: bool,
    pub(super) head: bool,
    if_none_match: Option<HeaderValue>,
    if_modified_since: Option<jiff::Timestamp>,
}

impl Reader {
    pub(super) fn of(request: &impl Head) -> Reader {
        let first = |name: &'static HeaderName| request.values(name).next().and_then(|value| HeaderValue::from_bytes(value).ok());
        Reader {
            gzip: accepts_gzip(request.values(&header::ACCEPT_ENCODING)),
            head: request.is_head(),
            if_none_match: first(&header::IF_NONE_MATCH),
            if_modified_since: first(&header::IF_MODIFIED_SINCE).as_ref().and_then(http_date),
        }
    }

    /// Whether the reader asks whether their copy is still good (`If-None-Match`,
    /// `If-Modified-Since`).
    pub(super) fn is_conditional(&self) -> bool {
        self.if_none_match.is_some() || self.if_modified_since.is_some()
    }

    /// The encoding of `entry` this reader takes.
    pub(super) fn variant<'e>(&self, entry: &'e Entry) -> &'e Variant {
        match self.gzip && entry.compressible {
            true => entry.gzip.get_or_init(|| gzipped(&entry.plain)).as_ref().unwrap_or(&entry.plain),
            false => &entry.plain,
        }
    }

    /// A rendered response as this reader takes it: without its body when they asked for the
    /// headers alone, with the length the body would have had, as axum answers a HEAD.
    fn headers_of(&self, response: Response) -> Response {
        if !self.head {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        if let Some(length) = axum::body::HttpBody::size_hint(&body).exact()
            && !parts.headers.contains_key(header::CONTENT_LENGTH)
        {
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        }
        Response::from_parts(parts, Body::empty())
    }

    fn answer(&self, entry: &Entry) -> Response {
        let variant = self.variant(entry);
        // `If-None-Match` decides when sent; else `If-Modified-Since` against the page's own date.
        let not_modified = match (&self.if_none_match, self.if_modified_since) {
            (Some(tags), _) => tags.to_str().is_ok_and(|tags| {
                let etag = variant.headers.get(header::ETAG).and_then(|etag| etag.to_str().ok()).unwrap_or("");
                tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
            }),
            (None, Some(since)) => entry.last_modified.is_some_and(|modified| modified <= since),
            (None, None) => false,
        };
        let body = if self.head || not_modified { Body::empty() } else { Body::from(variant.body.clone()) };
        let mut response = Response::new(body);
        *response.headers_mut() = variant.headers.clone();
        if not_modified {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            // No body, so nothing that describes one.
            for name in [header::CONTENT_LENGTH, header::CONTENT_TYPE, header::CONTENT_ENCODING] {
                response.headers_mut().remove(name);
            }
        }
        response
    }
}

/// A header value as text when it is all visible ASCII (or tabs), as `HeaderValue::to_str`
/// reads it: anything else is read as no value at all, whichever path parsed the request.
fn visible_ascii(value: &[u8]) -> Option<&str> {
    value.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)).then(|| std::str::from_utf8(value).ok()).flatten()
}

/// An HTTP date (`Wed, 02 Dec 2026 06:00:00 GMT`).
fn http_date(value: &HeaderValue) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::parse(value.to_str().ok()?).ok().map(|zoned| zoned.timestamp())
}

/// Whether `Accept-Encoding` (its values) takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip<'a>(values: impl Iterator<Item = &'a [u8]>) -> bool {
    values.filter_map(visible_ascii).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| p.trim().strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, cookie: Option<&str>) -> Request {
        let mut builder = axum::http::Request::builder().uri(uri);
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(Body::empty()).expect("request")
    }

    #[test]
    fn only_plain_anonymous_reads_are_keyed() {
        assert_eq!(cache_key(&request("/2024/05/01/a/", None)).as_deref(), Some("/2024/05/01/a/"));
        assert_eq!(cache_key(&request("/feed/", Some("dateline_csrf=abc"))).as_deref(), Some("/feed/"));
        assert!(cache_key(&request("/a/?unapproved=3&moderation-hash=x", None)).is_none());
        assert!(cache_key(&request("/a/", Some("dateline_csrf=abc; dateline_session=x"))).is_none());
        assert!(cache_key(&request("/a/", Some("dateline_postpass_4=x"))).is_none());
        assert!(cache_key(&request("/admin/posts", None)).is_none());
        assert!(cache_key(&request("/wp-json/wp/v2/posts", None)).is_none());
    }

    #[test]
    fn readers_searches_are_keyed_with_their_words() {
        assert_eq!(cache_key(&request("/?s=diaz+canel", None)).as_deref(), Some("/?s=diaz+canel"));
        assert_eq!(cache_key(&request("/page/2/?s=a&orderby=date", None)).as_deref(), Some("/page/2/?s=a&orderby=date"));
        // Signed in, another parameter, another path, no words, or words past any search's length.
        assert!(cache_key(&request("/?s=a", Some("dateline_session=x"))).is_none());
        assert!(cache_key(&request("/?s=a&unapproved=3", None)).is_none());
        assert!(cache_key(&request("/?orderby=date", None)).is_none());
        assert!(cache_key(&request("/2024/05/01/a/?s=a", None)).is_none());
        assert!(cache_key(&request("/page/x/?s=a", None)).is_none());
        assert!(cache_key(&request(&format!("/?s={}", "a".repeat(2_000)), None)).is_none());
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |value: &str| accepts_gzip(std::iter::once(value.as_bytes()));
        assert!(with("gzip, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, identity"));
        assert!(!accepts_gzip(std::iter::empty()));
    }
}
