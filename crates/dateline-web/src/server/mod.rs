//! The accept loop: HTTP/1.1 over hyper with the limits a public server needs, which
//! `axum::serve` does not set. A client must send its request headers within
//! `header_timeout_seconds` (hyper closes the connection otherwise, also when a kept-alive
//! connection sits idle), a body within `body_timeout_seconds` (408, see [`crate::app`]), and
//! at most `max_connections` are served at once: more wait in the kernel's backlog instead of
//! taking file descriptors the store and new requests need.

mod connection;
mod workers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::AppState;
use connection::Connections;
use workers::{Accepted, Workers};

/// How many connections to serve at once.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimit(pub usize);

impl ConnectionLimit {
    /// From the configured number, or (0) from the process's open-file limit: a quarter of
    /// the descriptors are left for the store, logs, the listener and the kept pages' memory
    /// files (`crate::sendfile`), and no more than 16,384 connections are taken however high
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

/// A listener on `address` with room for [`LISTEN_BACKLOG`] connections waiting to be accepted.
pub async fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restarted server may take its port at once.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves the application on `listener` until `shutdown` resolves, then lets the requests
/// in flight finish (connections that stay idle are closed at once). This task accepts,
/// `[server] threads` threads serve the connections ([`workers`]), and what the page cache
/// does not answer runs on the runtime this is called on.
pub(crate) async fn run(
    listener: TcpListener,
    state: AppState,
    limit: ConnectionLimit,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let server = &state.site().config.server;
    let threads = server.threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let header_timeout = Duration::from_secs(u64::from(server.header_timeout_seconds));
    let mut workers = Workers::start(threads, Connections::new(crate::service(state, tokio::runtime::Handle::current()), header_timeout))?;
    tracing::info!(threads, "serving connections");
    let permits = Arc::new(tokio::sync::Semaphore::new(limit.0.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
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
        match stream.into_std() {
            Ok(stream) => workers.hand(Accepted { stream, peer, permit }),
            Err(err) => tracing::warn!(error = %err, %peer, "a connection could not be handed to a serving thread"),
        }
    }
    drop(listener);
    workers.finish().await;
    Ok(())
}
