//! The floor: the least any one-thread server can do for a page, measured under the same load
//! as dateline and nginx. One thread, `epoll`, each answer (status line, three headers and the
//! body the others send) written from memory with one `write`, no parsing beyond the blank line
//! that ends a request. It is not a web server; it tells how fast this host moves these bytes
//! over loopback with wrk sharing the processors, so a missed p99 can be read as the host's or
//! the server's (docs/PERFORMANCE.md, "Stop 47").

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use anyhow::Context;
use rustix::event::{Timespec, epoll};
use rustix::net::{AddressFamily, SocketFlags, SocketType, sockopt};

/// The listener's backlog: wrk opens its 256 connections at once, and the standard library's
/// 128 would drop handshakes (docs/PERFORMANCE.md, "Stop 31").
const BACKLOG: i32 = 4_096;

/// The epoll data that stands for the listener; a connection's is its index.
const LISTENER: u64 = u64::MAX;

/// The most a request's headers may take before the connection is dropped.
const MAX_REQUEST: usize = 16 * 1024;

/// A running floor server; stopped when dropped.
pub(crate) struct Floor {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Floor {
    /// Serves `body` with `content_type` (and `content_encoding`, when given) to every request,
    /// on a port of 127.0.0.1 the system picks.
    pub(crate) fn start(body: &[u8], content_type: &str, content_encoding: Option<&str>) -> anyhow::Result<Floor> {
        let listener =
            rustix::net::socket_with(AddressFamily::INET, SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, None)?;
        sockopt::set_socket_reuseaddr(&listener, true)?;
        rustix::net::bind(&listener, &std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
        rustix::net::listen(&listener, BACKLOG)?;
        let port = match std::net::SocketAddr::try_from(rustix::net::getsockname(&listener)?) {
            Ok(address) => address.port(),
            Err(_) => anyhow::bail!("the floor's listener has no IP address"),
        };
        let answer = answer(body, content_type, content_encoding);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("floor".into())
            .spawn({
                let stop = stop.clone();
                move || {
                    if let Err(err) = serve(&listener, &answer, &stop) {
                        eprintln!("the floor server stopped: {err:#}");
                    }
                }
            })
            .context("start the floor's thread")?;
        Ok(Floor { port, stop, thread: Some(thread) })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The whole answer to every request, headers and body in one buffer.
fn answer(body: &[u8], content_type: &str, content_encoding: Option<&str>) -> Vec<u8> {
    let encoding = content_encoding.map(|e| format!("content-encoding: {e}\r\n")).unwrap_or_default();
    let mut answer =
        format!("HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{encoding}content-length: {}\r\n\r\n", body.len()).into_bytes();
    answer.extend_from_slice(body);
    answer
}

/// One client connection: what it sent that is not answered yet, and how much of the answer
/// in progress the socket took.
struct Connection {
    socket: OwnedFd,
    received: Vec<u8>,
    /// `Some(n)`: an answer is being written, `n` bytes of it sent.
    sending: Option<usize>,
}

fn serve(listener: &OwnedFd, answer: &[u8], stop: &AtomicBool) -> anyhow::Result<()> {
    let poller = epoll::create(epoll::CreateFlags::CLOEXEC).context("epoll_create")?;
    epoll::add(&poller, listener, epoll::EventData::new_u64(LISTENER), epoll::EventFlags::IN).context("watch the listener")?;
    let mut connections: Vec<Option<Connection>> = Vec::new();
    let mut events: Vec<epoll::Event> = Vec::with_capacity(1_024);
    // Wakes now and then to see whether it was asked to stop.
    let tick = Timespec { tv_sec: 0, tv_nsec: 100_000_000 };
    while !stop.load(Ordering::Relaxed) {
        events.clear();
        match epoll::wait(&poller, rustix::buffer::spare_capacity(&mut events), Some(&tick)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(err) => return Err(anyhow::Error::from(err).context("epoll_wait")),
        }
        for event in &events {
            let key = event.data.u64();
            if key == LISTENER {
                accept_all(listener, &poller, &mut connections)?;
                continue;
            }
            let Some(slot) = usize::try_from(key).ok().and_then(|index| connections.get_mut(index)) else { continue };
            let open = slot.as_mut().is_some_and(|connection| connection.drive(answer));
            if !open && let Some(connection) = slot.take() {
                let _ = epoll::delete(&poller, &connection.socket);
            }
        }
    }
    Ok(())
}

fn accept_all(listener: &OwnedFd, poller: &OwnedFd, connections: &mut Vec<Option<Connection>>) -> anyhow::Result<()> {
    loop {
        let socket = match rustix::net::accept_with(listener, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC) {
            Ok(socket) => socket,
            Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        sockopt::set_tcp_nodelay(&socket, true).context("TCP_NODELAY")?;
        let index = match connections.iter().position(Option::is_none) {
            Some(index) => index,
            None => {
                connections.push(None);
                connections.len() - 1
            }
        };
        let flags = epoll::EventFlags::IN | epoll::EventFlags::OUT | epoll::EventFlags::ET;
        epoll::add(poller, socket.as_fd(), epoll::EventData::new_u64(index as u64), flags).context("watch a connection")?;
        connections[index] = Some(Connection { socket, received: Vec::with_capacity(1_024), sending: None });
    }
}

impl Connection {
    /// Reads and answers until the socket would block; false when the connection is over.
    fn drive(&mut self, answer: &[u8]) -> bool {
        let mut buffer = [0u8; 4_096];
        loop {
            if let Some(sent) = self.sending {
                match rustix::io::write(&self.socket, &answer[sent..]) {
                    Ok(written) if sent + written == answer.len() => self.sending = None,
                    Ok(written) => self.sending = Some(sent + written),
                    Err(rustix::io::Errno::AGAIN) => return true,
                    Err(rustix::io::Errno::INTR) => {}
                    Err(_) => return false,
                }
                continue;
            }
            if let Some(end) = self.received.windows(4).position(|window| window == b"\r\n\r\n") {
                self.received.drain(..end + 4);
                self.sending = Some(0);
                continue;
            }
            match rustix::io::read(&self.socket, &mut buffer) {
                Ok(0) => return false,
                Ok(read) if self.received.len() + read <= MAX_REQUEST => self.received.extend_from_slice(&buffer[..read]),
                Ok(_) => return false,
                Err(rustix::io::Errno::AGAIN) => return true,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// Reads one answer of `length` body bytes after its headers; what arrived past it stays in
    /// `received` for the next.
    fn read_answer(stream: &mut std::net::TcpStream, received: &mut Vec<u8>, length: usize) -> (String, Vec<u8>) {
        let mut chunk = [0u8; 8_192];
        loop {
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n")
                && received.len() >= end + 4 + length
            {
                let head = String::from_utf8_lossy(&received[..end]).into_owned();
                let body = received[end + 4..end + 4 + length].to_vec();
                received.drain(..end + 4 + length);
                return (head, body);
            }
            let read = stream.read(&mut chunk).expect("read");
            assert!(read > 0, "closed early");
            received.extend_from_slice(&chunk[..read]);
        }
    }

    #[test]
    fn every_request_on_a_connection_gets_the_whole_answer() {
        let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let floor = Floor::start(&body, "text/html; charset=utf-8", Some("gzip")).expect("start");
        let address = floor.url("").trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        // Two requests in one write (pipelined), then a third after both answers.
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut received = Vec::new();
        for _ in 0..2 {
            let (head, got) = read_answer(&mut stream, &mut received, body.len());
            assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
            assert!(head.contains("content-length: 300000") && head.contains("content-encoding: gzip"), "{head}");
            assert!(got == body, "the body arrives whole");
        }
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
        assert!(read_answer(&mut stream, &mut received, body.len()).1 == body);
        assert!(received.is_empty(), "nothing past the three answers");
        // Stopping ends the thread and closes its connections.
        drop(floor);
        stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
        assert_eq!(stream.read(&mut [0u8; 1]).expect("closed, not timed out"), 0);
    }
}
