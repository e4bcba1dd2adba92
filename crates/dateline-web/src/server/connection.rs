//! How one connection is served: HTTP/1.1 over hyper with the limits a public server needs,
//! which `axum::serve` does not set, and the client's address in each request.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

/// The most a client's request line and headers may take.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// What answers every request: the application behind its page cache.
type App = tower_http::catch_panic::CatchPanic<crate::cache::CacheService, tower_http::catch_panic::DefaultResponseForPanic>;

/// The application and hyper's settings, shared by every serving thread.
#[derive(Clone)]
pub(super) struct Connections {
    app: App,
    http: hyper::server::conn::http1::Builder,
}

impl Connections {
    /// A client must send its request headers within `header_timeout` (hyper closes the
    /// connection otherwise, also when a kept-alive connection sits idle).
    pub(super) fn new(app: App, header_timeout: Duration) -> Connections {
        let mut http = hyper::server::conn::http1::Builder::new();
        // Request headers larger than this are refused (431) instead of buffered: a browser's
        // are a few kilobytes. `max_buf_size` alone did not do it: hyper read an 80 KiB header
        // through a 64 KiB buffer (the test in tests/hardening.rs); `max_header_size` is the
        // limit it answers 431 for. More than hyper's 100 headers are refused with 431 too.
        http.timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            .max_header_size(MAX_HEADER_BYTES)
            .max_buf_size(MAX_HEADER_BYTES);
        Connections { app, http }
    }

    /// Serves `stream` until the client closes it, a timeout hits, or it breaks.
    pub(super) fn serve(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
    ) -> impl GracefulConnection<Error = hyper::Error> + Send + 'static {
        let _ = stream.set_nodelay(true);
        let service = self.app.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request.map(axum::body::Body::new)
        });
        self.http.serve_connection(TokioIo::new(crate::sendfile::connection(stream)), TowerToHyperService::new(service))
    }
}
