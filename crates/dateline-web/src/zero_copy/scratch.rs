//! Sending a held body's bytes to a socket without copying them: `tee` duplicates the holding
//! pipe's pages into this thread's scratch pipe, and `splice` moves them on to the socket.
//!
//! Why not `sendfile` from a memory file, as before: for each answer the kernel looked up every
//! page of the file and passed it through a pipe of its own (`shmem_file_splice_read`,
//! `filemap_get_entry`: a sixth of the server's samples on the 119 KB page). Duplicating a
//! pipe's pages takes a reference to each, nothing more (docs/PERFORMANCE.md, "Stop 46").
//!
//! The scratch pipe is empty between sends: what a send did not move to the socket is thrown
//! away (spliced to `/dev/null`), and a scratch pipe that could not be emptied is closed and
//! replaced, so one answer's bytes can never go out in another's.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::OnceLock;

use rustix::pipe::{PipeFlags, SpliceFlags};

/// The most a scratch pipe holds, and so the longest body held in a pipe: 128 pages a thread
/// counted against the user's pipes (see `mirror::MAX_HELD_BYTES`). Longer pages are rare (the
/// harness's 1,000-comment post is 119 KB) and are copied.
pub(super) const SCRATCH_BYTES: usize = 512 * 1024;

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// `/dev/null`, where the bytes a send skips or leaves go. Only a character device will do
/// (in a badly built container it may be a plain file, which every discarded byte would
/// grow); a failure to open it is not kept, so a moment out of descriptors passes.
fn null() -> Option<&'static OwnedFd> {
    static NULL: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(null) = NULL.get() {
        return Some(null);
    }
    let null = rustix::fs::open("/dev/null", rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty()).ok()?;
    let device = rustix::fs::fstat(&null).ok()?;
    (rustix::fs::FileType::from_raw_mode(device.st_mode) == rustix::fs::FileType::CharacterDevice).then(|| NULL.get_or_init(|| null))
}

/// Whether bodies can be sent from pipes at all (holding one is pointless otherwise).
pub(super) fn usable() -> bool {
    null().is_some()
}

/// A thread's pipe that each send fills with a duplicate of a held body and empties again.
struct Scratch {
    read: OwnedFd,
    write: OwnedFd,
    room: usize,
}

impl Scratch {
    fn new() -> io::Result<Scratch> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        // Less room than asked (the user's pipes hold too much already) only means that
        // longer bodies are copied instead.
        let room = rustix::pipe::fcntl_setpipe_size(&write, SCRATCH_BYTES).or_else(|_| rustix::pipe::fcntl_getpipe_size(&write))?;
        Ok(Scratch { read, write, room })
    }

    /// Moves `n` bytes from the scratch pipe to `to`; fewer when `to` takes fewer.
    fn splice_out(&self, to: impl AsFd, n: usize) -> io::Result<usize> {
        rustix::pipe::splice(&self.read, None, to, None, n, SpliceFlags::NONBLOCK).map_err(io::Error::from)
    }

    /// Throws away `n` bytes from the front of the pipe; whether they are all gone.
    fn discard(&self, mut n: usize) -> bool {
        let Some(null) = null() else { return false };
        while n > 0 {
            match self.splice_out(null, n) {
                Ok(0) | Err(_) => return false,
                Ok(moved) => n -= moved,
            }
        }
        true
    }

    /// Sends bytes `offset..offset + len` of the body `held` holds; `None` when this scratch
    /// pipe cannot (too little room, or a failure that says nothing about the socket). And
    /// whether the pipe is empty after it: counted from what each call moved, so an answer
    /// costs no call to ask the kernel.
    fn send(&self, held: &OwnedFd, offset: usize, len: usize, socket: impl AsFd) -> (Option<io::Result<usize>>, bool) {
        let wanted = offset + len;
        // A slow reader takes a long body in many pieces; duplicating more pages than are sent
        // would cost more than copying them.
        if wanted > self.room || offset > len {
            return (None, true);
        }
        // A failed `tee` duplicated nothing.
        let Ok(teed) = rustix::pipe::tee(held, &self.write, wanted, SpliceFlags::NONBLOCK) else { return (None, true) };
        if teed < wanted {
            return (None, self.discard(teed));
        }
        if !self.discard(offset) {
            return (None, false);
        }
        // From here on the socket may have taken bytes: the answer is the socket's, whatever
        // becomes of the rest. `splice` cannot say `MSG_NOSIGNAL`: a reader gone raises
        // SIGPIPE, which Rust programs ignore.
        let sent = self.splice_out(socket, len);
        let emptied = self.discard(len - sent.as_ref().map_or(0, |sent| *sent));
        (Some(sent), emptied)
    }

    /// Whether the kernel says the pipe holds nothing (the tests' check of `send`'s count).
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        rustix::io::ioctl_fionread(&self.read).is_ok_and(|n| n == 0)
    }
}

/// Sends bytes `offset..offset + len` of the body `held` holds to `socket`: `None` when they
/// must be written from memory instead.
pub(super) fn send(held: &OwnedFd, offset: usize, len: usize, socket: impl AsFd) -> Option<io::Result<usize>> {
    // Without somewhere to throw away what a socket does not take, no pipe could be emptied.
    null()?;
    SCRATCH.with_borrow_mut(|scratch| {
        if scratch.is_none() {
            *scratch = Scratch::new().ok();
        }
        let (sent, emptied) = scratch.as_ref()?.send(held, offset, len, socket);
        if !emptied {
            // Never let what is left go out with another answer.
            *scratch = None;
        }
        sent
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    use axum::body::Bytes;

    use super::super::mirror;
    use super::*;

    /// A connected pair: the sending end (non-blocking, as tokio's), and a reader that takes
    /// everything slowly on a thread of its own and hands it back at the end.
    fn slow_pair() -> (TcpStream, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let reader = TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        let (sender, _) = listener.accept().expect("accept");
        sender.set_nonblocking(true).expect("non-blocking");
        // Small buffers: the socket takes each body in many pieces.
        rustix::net::sockopt::set_socket_send_buffer_size(&sender, 16 * 1024).expect("send buffer");
        rustix::net::sockopt::set_socket_recv_buffer_size(&reader, 16 * 1024).expect("receive buffer");
        let reading = std::thread::spawn(move || {
            let mut reader = reader;
            let (mut got, mut piece) = (Vec::new(), [0u8; 4096]);
            loop {
                match reader.read(&mut piece).expect("read") {
                    0 => return got,
                    n => got.extend_from_slice(&piece[..n]),
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        (sender, reading)
    }

    #[test]
    fn bodies_sent_in_turns_in_pieces_arrive_each_whole_and_unmixed() {
        let _alone = mirror::ONE_TEST_AT_A_TIME.blocking_lock();
        let pattern = |len: usize, seed: u32| Bytes::from((0..len as u32).map(|i| ((i * seed) % 251) as u8).collect::<Vec<u8>>());
        let bodies = [mirror::mirrored(pattern(500_000, 7)), mirror::mirrored(pattern(300_000, 13))];
        let found: Vec<_> = bodies.iter().map(|body| mirror::find(body).expect("mirrored")).collect();
        let pairs: Vec<_> = bodies.iter().map(|_| slow_pair()).collect();
        let mut offsets = [0usize; 2];
        // Pieces sent from the pipe from inside a body, and pieces copied (far into a body).
        let (mut inside, mut copied) = (0, 0);
        while offsets.iter().zip(&bodies).any(|(at, body)| *at < body.len()) {
            for (which, ((sender, _), held)) in pairs.iter().zip(&found).enumerate() {
                let at = offsets[which];
                if at == bodies[which].len() {
                    continue;
                }
                let sent = match send(&held.held.pipe, at, bodies[which].len() - at, sender) {
                    Some(sent) => {
                        inside += usize::from(at > 0);
                        sent
                    }
                    // As the connection does: the bytes from memory.
                    None => {
                        copied += 1;
                        rustix::net::send(sender, &bodies[which][at..], rustix::net::SendFlags::NOSIGNAL).map_err(io::Error::from)
                    }
                };
                match sent {
                    Ok(sent) => offsets[which] += sent,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(1)),
                    Err(err) => panic!("send: {err}"),
                }
                assert!(SCRATCH.with_borrow(|scratch| scratch.as_ref().is_some_and(Scratch::is_empty)), "nothing is left between sends");
            }
        }
        assert!(inside > 2 && copied > 0, "pieces from inside the bodies went from the pipe ({inside}), the last ones copied ({copied})");
        for ((sender, reading), body) in pairs.into_iter().zip(&bodies) {
            drop(sender);
            assert!(reading.join().expect("reader") == body[..], "each reader got its own body, whole");
        }
    }
}
