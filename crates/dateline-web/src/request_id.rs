//! An id for every request that is rendered (not answered from the page cache): the one a
//! proxy in front sent in `X-Request-Id` when it is sane, else one made here. It names the
//! request's log span and goes back in the response, so a reader's report, the proxy's log and
//! this server's log point at the same request. The page cache never keeps it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

const HEADER: &str = "x-request-id";

/// The request's id, for the log span.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

/// A random prefix per process and a counter: unique across instances and restarts, and
/// cheaper than asking the OS for randomness on every request.
fn new_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| dateline_app::tokens::random_token().chars().take(10).collect());
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A proxy's id is taken only when it is short and plain (it is written into logs and headers).
fn incoming(request: &Request) -> Option<String> {
    let value = request.headers().get(HEADER)?.to_str().ok()?;
    let sane =
        !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    sane.then(|| value.to_string())
}

pub(crate) async fn layer(mut request: Request, next: Next) -> Response {
    let id = incoming(&request).unwrap_or_else(new_id);
    let value = HeaderValue::from_str(&id).ok();
    request.extensions_mut().insert(RequestId(id));
    let mut response = next.run(request).await;
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The log span of a request: its id, method and path. Never the query string (it can hold
/// tokens: unsubscribe links, held comments' hashes), headers or cookies.
pub(crate) fn span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().map_or("-", |r| r.0.as_str());
    tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
}
