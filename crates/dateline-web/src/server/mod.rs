//! The accept loop: HTTP/1.1 over hyper with the limits a public server needs, which
//! `axum::serve` does not set. A client must send its request headers within
//! `header_timeout_seconds` (hyper closes the connection otherwise, also when a kept-alive
//! connection sits idle), a body within `body_timeout_seconds` (408, see [`crate::app`]), and
//! at most `max_connections` are served at once: more wait in the kernel's backlog instead of
//! taking file descriptors the store and new requests need.
//!
//! Connections from this machine (a reverse proxy in front) are not paced (`pacing`).
//!
//! Each connection begins on the cache's direct path (`cache::Direct`), which answers plain
//! `GET`s of kept pages itself; at its first other request the connection goes to hyper, with
//! what was read of it (`Rewind`).

mod pacing;
mod rewind;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::AppState;

/// The most a client's request line and headers may take.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long a shutdown waits for requests in flight.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// How many connections to serve at once.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimit(pub usize);

impl ConnectionLimit {
    /// From the configured number, or (0) from the process's open-file limit: a quarter of
    /// the descriptors are left for the store, logs, the listener and the kept pages'
    /// pipes (`crate::zero_copy`), and no more than 16,384 connections are taken however high
    /// the limit.
    pub fn from_config(configured: u32, open_files: u64) -> ConnectionLimit {
        if configured > 0 {
            return ConnectionLimit(configured as usize);
        }
        let usable = open_files.saturating_sub(open_files / 4).clamp(64, 16_384);
        ConnectionLimit(usize::try_from(usable).unwrap_or(16_384))
    }
}

/// Connections the kernel may hold for us before they are accepted (capped by the system's
/// `net.core.somaxconn`, 4,096 on current Linux). Tokio's `TcpListener::bind` asks for 128, the
/// standard library's figure: when a thousand clients connect at once while the accept loop
/// waits for a runtime thread, the kernel drops the handshakes beyond 128 and the clients
/// retry a second or three later, which a reader sees as a page that hangs instead of a quick
/// 503 (docs/PERFORMANCE.md, "Stop 31"). nginx asks for 511.
const LISTEN_BACKLOG: u32 = 4_096;

/// A listener on `address` with room for [`LISTEN_BACKLOG`] connections waiting to be
/// accepted; connections from this machine are not paced unless `pace_local_connections`
/// (`pacing`: set before listening, so that no connection comes in before it).
pub async fn listen(address: SocketAddr, pace_local_connections: bool) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restarted server may take its port at once.
    socket.set_reuseaddr(true)?;
    if !pace_local_connections {
        pacing::unpace_listener(&socket, address.is_ipv4());
    }
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves the application on `listener` until `shutdown` resolves, then lets the requests
/// in flight finish (connections that stay idle are closed at once).
pub(crate) async fn run(
    listener: TcpListener,
    state: AppState,
    limit: ConnectionLimit,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = Duration::from_secs(u64::from(state.site().config.server.header_timeout_seconds));
    let app = crate::service(state.clone());
    let permits = Arc::new(tokio::sync::Semaphore::new(limit.0.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Request headers larger than this are refused (431) instead of buffered: a browser's
    // are a few kilobytes. `max_buf_size` alone did not do it: hyper read an 80 KiB header
    // through a 64 KiB buffer (the test in tests/hardening.rs); `max_header_size` is the limit
    // it answers 431 for. More than hyper's 100 headers are refused with 431 too.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true)
        .max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(MAX_HEADER_BYTES);
    // Tells connections on the direct path to close when idle; hyper's are told by `graceful`,
    // which also waits for those (each holds a watcher while on the direct path).
    let (stopping, stop_watch) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let pacing = pacing::LocalPeersUnpaced::of(&listener);
    loop {
        // Wait for room before accepting: a connection over the limit stays in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors or a connection reset before accept: wait a moment
                    // rather than spin, and keep serving.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        pacing.accepted(&stream, peer);
        let service = app.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request.map(axum::body::Body::new)
        });
        let direct = crate::cache::Direct::new(state.cache.clone(), header_timeout, stop_watch.clone());
        let (watcher, builder) = (graceful.watcher(), builder.clone());
        tokio::spawn(async move {
            let mut socket = crate::zero_copy::connection(stream);
            if let crate::cache::Handover::ToHyper(read) = direct.serve(&mut socket).await {
                let connection =
                    builder.serve_connection(TokioIo::new(rewind::Rewind::new(read, socket)), TowerToHyperService::new(service));
                // Ends when the client closes, a timeout hits, or the connection breaks: all
                // ordinary for a public server, so only worth a debug line.
                if let Err(err) = watcher.watch(connection).await {
                    tracing::debug!(error = %err, %peer, "connection ended");
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Requests in flight get a moment to finish; a client that holds on past it is cut off.
    if tokio::time::timeout(SHUTDOWN_DEADLINE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {} s; closing them", SHUTDOWN_DEADLINE.as_secs());
    }
    Ok(())
}
