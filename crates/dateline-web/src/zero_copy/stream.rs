//! The connection's socket: writes as tokio's `TcpStream` does, except that a slice hyper
//! writes from a mirrored body goes out from the body's pipe (`scratch`), without copying.

use std::io::{self, IoSlice};
use std::pin::Pin;
#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use rustix::net::{SendAncillaryBuffer, SendFlags};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

use super::mirror::{self, Found};
use super::scratch;

/// Slices shorter than this are not looked up: hyper's headers, and a body's last bytes after
/// the socket took part of it.
const MIN_LOOKED_UP: usize = 4 * 1024;

/// Bytes sent from pipes since the process started: the tests' proof that the pipe was used.
/// Counted in tests only, so that both cores do not share one more counter per answer.
#[cfg(test)]
static SENT_FROM_PIPES: AtomicU64 = AtomicU64::new(0);

/// An accepted connection as hyper reads and writes it.
pub(crate) struct Connection {
    stream: TcpStream,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream) -> Connection {
        Connection { stream }
    }
}

impl AsyncRead for Connection {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    /// Writes `bufs` up to and including the first slice of a mirrored body, that slice from
    /// its pipe; or all of `bufs` as tokio would when none is mirrored. A short count is an
    /// ordinary answer: hyper writes the rest in its next call.
    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some((at, body)) = first_mirrored(bufs) else {
            return Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        };
        let stream = &this.stream;
        loop {
            ready!(stream.poll_write_ready(cx))?;
            // `try_io` clears the socket's readiness when the kernel says it would block, so
            // the next `poll_write_ready` waits for room.
            match stream.try_io(Interest::WRITABLE, || send(stream, &bufs[..at], &body, &bufs[at])) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The first slice that lies in a mirrored body, and where.
fn first_mirrored(bufs: &[IoSlice<'_>]) -> Option<(usize, Found)> {
    bufs.iter().enumerate().filter(|(_, buf)| buf.len() >= MIN_LOOKED_UP).find_map(|(at, buf)| Some((at, mirror::find(buf)?)))
}

/// Sends `before` (hyper's headers, usually), then `slice`, the part of a held body `body`
/// says, from its pipe. `before` goes with `MSG_MORE`, so the headers leave in the same packet
/// as the body's first bytes.
fn send(stream: &TcpStream, before: &[IoSlice<'_>], body: &Found, slice: &[u8]) -> io::Result<usize> {
    let ahead: usize = before.iter().map(|buf| buf.len()).sum();
    if ahead > 0 {
        let sent = rustix::net::sendmsg(stream, before, &mut SendAncillaryBuffer::default(), SendFlags::MORE | SendFlags::NOSIGNAL)?;
        if sent < ahead {
            return Ok(sent);
        }
    }
    let sent = match scratch::send(&body.held.pipe, body.offset, body.len, stream) {
        Some(sent) => {
            #[cfg(test)]
            if let Ok(sent) = sent {
                SENT_FROM_PIPES.fetch_add(sent as u64, Ordering::Relaxed);
            }
            sent
        }
        None => rustix::net::send(stream, slice, SendFlags::NOSIGNAL).map_err(io::Error::from),
    };
    match sent {
        Ok(sent) => Ok(ahead + sent),
        // What was sent counts; the socket says again in the next call why it takes no more.
        Err(_) if ahead > 0 => Ok(ahead),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Writes all of `bufs` as hyper does: vectored, again from where a short write stopped.
    async fn write_all(connection: &mut Connection, parts: &[Bytes]) {
        let mut parts: Vec<Bytes> = parts.to_vec();
        while parts.iter().any(|part| !part.is_empty()) {
            let slices: Vec<IoSlice<'_>> = parts.iter().filter(|part| !part.is_empty()).map(|part| IoSlice::new(part)).collect();
            let mut sent = connection.write_vectored(&slices).await.expect("write");
            assert!(sent > 0, "a write took nothing");
            for part in parts.iter_mut() {
                let taken = sent.min(part.len());
                *part = part.slice(taken..);
                sent -= taken;
            }
        }
    }

    #[tokio::test]
    async fn a_slow_reader_gets_the_headers_and_the_body_whole_the_body_from_its_pipe() {
        let _alone = mirror::ONE_TEST_AT_A_TIME.lock().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        // A small window: the kernel takes the body in many pieces, and says "would block".
        socket.set_recv_buffer_size(4 * 1024).expect("buffer");
        let mut client = socket.connect(address).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let mut connection = Connection::new(server);

        let head = Bytes::from_static(b"HTTP/1.1 200 OK\r\ncontent-length: 300000\r\n\r\n");
        let body = mirror::mirrored(Bytes::from((0..300_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>()));
        let tail = Bytes::from_static(b"and what came after");
        let before = SENT_FROM_PIPES.load(Ordering::Relaxed);
        let expected: Vec<u8> = [&head[..], &body[..], &tail[..]].concat();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut piece = [0u8; 1024];
            while got.len() < expected.len() {
                let n = client.read(&mut piece).await.expect("read");
                assert!(n > 0, "closed after {} bytes", got.len());
                got.extend_from_slice(&piece[..n]);
                if got.len() % 16 == 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
            assert!(got == expected, "the bytes read are the bytes written");
        });
        write_all(&mut connection, &[head, body.clone(), tail]).await;
        connection.flush().await.expect("flush");
        reader.await.expect("reader");
        // At least its first piece: pieces far into a body are copied (`scratch`).
        assert!(SENT_FROM_PIPES.load(Ordering::Relaxed) > before, "the body went from its pipe");
    }
}
