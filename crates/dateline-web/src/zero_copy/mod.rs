//! Kept pages sent without copying: the kernel hands the page's memory to the socket instead
//! of copying it there from the program.
//!
//! Why: a kept page costs the server almost nothing but that copy. On the plain (not
//! compressed) 63 KB and 133 KB post pages, `_copy_from_iter` was a quarter of the server's
//! samples, and nginx, which sends files with `sendfile`, answered 25–30 % more requests a
//! second with it on than off (docs/PERFORMANCE.md, "Stop 38").
//!
//! How, without reaching below hyper: a kept body of at least [`MIN_MIRRORED`] bytes is also
//! written once into a pipe of its own ([`mirror`]), and the connection's socket
//! ([`Connection`]) recognises the body's bytes when hyper writes them and sends the same
//! bytes from the pipe instead: `tee` duplicates the pipe's pages, `splice` moves them to the
//! socket ([`scratch`]). Stops 38–45 sent them with `sendfile` from a memory file; the pipe
//! saves the kernel looking up every page of the file for every answer: about a tenth of the
//! server's CPU per answer of the 119 KB page, more of the 64 KB one (docs/PERFORMANCE.md,
//! "Stop 46"). hyper still frames every response; when anything about a mirror fails, the
//! bytes are written as before.

#[cfg(target_os = "linux")]
mod mirror;
#[cfg(target_os = "linux")]
mod scratch;
#[cfg(target_os = "linux")]
mod stream;

#[cfg(target_os = "linux")]
pub(crate) use mirror::{MIN_MIRRORED, mirrored};

/// An accepted connection's socket, as the cache's direct path and hyper read and write it.
#[cfg(target_os = "linux")]
pub(crate) type Connection = stream::Connection;

/// Elsewhere than on Linux bodies are written as they are.
#[cfg(not(target_os = "linux"))]
pub(crate) type Connection = tokio::net::TcpStream;

#[cfg(target_os = "linux")]
pub(crate) fn connection(stream: tokio::net::TcpStream) -> Connection {
    stream::Connection::new(stream)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn connection(stream: tokio::net::TcpStream) -> Connection {
    stream
}

#[cfg(not(target_os = "linux"))]
pub(crate) const MIN_MIRRORED: usize = usize::MAX;

#[cfg(not(target_os = "linux"))]
pub(crate) fn mirrored(body: axum::body::Bytes) -> axum::body::Bytes {
    body
}
