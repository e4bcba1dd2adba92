//! Kept bodies mirrored into pipes: which pipe holds the bytes at a given address.
//!
//! A mirrored body keeps its bytes in memory as before (hyper frames and writes it as any
//! other), and a copy in a pipe that nothing reads from (answers take duplicates of its pages:
//! see `scratch`). The registry maps the body's address to its pipe for as long as the body
//! lives, so the connection can tell that a slice hyper writes is (part of) a mirrored body. A
//! slice inside a registered address range *is* those bytes: the body is never changed, and
//! it is taken out of the registry before its memory is freed.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Bytes;
use rustix::pipe::PipeFlags;

/// Bodies shorter than this are copied as before: measured, a kept page of 22–33 KB took the
/// server 5–15 % more CPU sent from a memory file than copied, one of 41–119 KB 5–25 % less
/// (docs/PERFORMANCE.md, "Stop 38"); from a pipe, the 28 KB home page took 0–15 % more
/// ("Stop 46").
pub(crate) const MIN_MIRRORED: usize = 40 * 1024;

/// At most this many bodies are mirrored at once: each holds a file descriptor (the pipe's
/// read end), and the connections and the store need theirs (with the common limit of 1,024
/// descriptors, a quarter is left beside the connections: see `ConnectionLimit`). The pages a
/// crowd reads at one moment are a few dozen; the rest are written as before.
const MAX_MIRRORS: usize = 64;

/// The most room the holding pipes take together. A pipe's room is its length rounded up to a
/// power of two pages, and Linux counts it against the user: past 64 MiB
/// (`/proc/sys/fs/pipe-user-pages-soft`, by default) every new pipe of that user, in any of
/// its processes, gets two pages only. A quarter of that, with the scratch pipes beside it
/// (`scratch::SCRATCH_BYTES` a thread), leaves the rest to everyone else.
const MAX_HELD_BYTES: usize = 16 * 1024 * 1024;

/// The room the holding pipes take now.
static HELD_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Mirrored bodies by the address of their first byte.
static MIRRORS: RwLock<BTreeMap<usize, Mirror>> = RwLock::new(BTreeMap::new());

/// How many bodies are mirrored now (read without the lock when there are none).
static COUNT: AtomicUsize = AtomicUsize::new(0);

struct Mirror {
    held: Arc<Held>,
    len: usize,
}

/// A pipe holding a body, and the room it takes (see [`MAX_HELD_BYTES`]), given back when the
/// pipe is closed.
pub(super) struct Held {
    pub(super) pipe: OwnedFd,
    room: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD_BYTES.fetch_sub(self.room, Ordering::AcqRel);
    }
}

/// Where a slice's bytes are in a mirror's pipe.
pub(super) struct Found {
    pub(super) held: Arc<Held>,
    pub(super) offset: usize,
    pub(super) len: usize,
}

/// `body`, mirrored into a pipe when it is long enough and a pipe can be had; else `body`
/// itself. The bytes are the same either way.
pub(crate) fn mirrored(body: Bytes) -> Bytes {
    // A longer body would not fit in the scratch pipe it is sent through.
    if body.len() < MIN_MIRRORED || body.len() > super::scratch::SCRATCH_BYTES || !super::scratch::usable() {
        return body;
    }
    if COUNT.fetch_add(1, Ordering::AcqRel) >= MAX_MIRRORS {
        COUNT.fetch_sub(1, Ordering::AcqRel);
        return body;
    }
    let start = body.as_ptr() as usize;
    let held = match held_in_pipe(&body) {
        Ok(held) => held,
        Err(err) => {
            COUNT.fetch_sub(1, Ordering::AcqRel);
            tracing::debug!(error = %err, "a kept page is written with copying");
            return body;
        }
    };
    let mut mirrors = MIRRORS.write().unwrap_or_else(PoisonError::into_inner);
    if mirrors.contains_key(&start) {
        // These very bytes are mirrored already (and stay so while that mirror lives).
        COUNT.fetch_sub(1, Ordering::AcqRel);
        return body;
    }
    mirrors.insert(start, Mirror { held: Arc::new(held), len: body.len() });
    drop(mirrors);
    Bytes::from_owner(Registered { body, start })
}

/// The mirror holding `slice`, when `slice` lies inside a mirrored body.
pub(super) fn find(slice: &[u8]) -> Option<Found> {
    if COUNT.load(Ordering::Acquire) == 0 || slice.is_empty() {
        return None;
    }
    let at = slice.as_ptr() as usize;
    let mirrors = MIRRORS.read().unwrap_or_else(PoisonError::into_inner);
    let (start, mirror) = mirrors.range(..=at).next_back()?;
    let offset = at - start;
    (offset + slice.len() <= mirror.len).then(|| Found { held: mirror.held.clone(), offset, len: slice.len() })
}

/// A pipe holding `bytes` (its read end; the write end is closed once they are in). Nothing
/// reads from it: every answer takes its own duplicate of the pipe's pages (`tee`), so the
/// bytes stay in it for as long as the body is kept.
fn held_in_pipe(bytes: &[u8]) -> std::io::Result<Held> {
    let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
    // Refused past `/proc/sys/fs/pipe-max-size` (1 MiB by default), or when the user's pipes
    // hold more than `pipe-user-pages-soft`: the body is then written as before.
    let room = rustix::pipe::fcntl_setpipe_size(&write, bytes.len())?;
    // Counted from here: dropped on any way out, `Held` gives the room back.
    let held = Held { pipe: read, room };
    if HELD_BYTES.fetch_add(room, Ordering::AcqRel) + room > MAX_HELD_BYTES {
        return Err(std::io::Error::other("the holding pipes take all the room allowed them"));
    }
    if room < bytes.len() {
        return Err(std::io::Error::other("the pipe cannot hold the body"));
    }
    let mut written = 0;
    while written < bytes.len() {
        written += rustix::io::write(&write, &bytes[written..])?;
    }
    Ok(held)
}

/// The owner of a mirrored body's bytes: leaves the registry when the last copy of the body
/// is dropped, before the bytes are freed (`drop` runs before the fields are dropped).
struct Registered {
    body: Bytes,
    start: usize,
}

impl AsRef<[u8]> for Registered {
    fn as_ref(&self) -> &[u8] {
        &self.body
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        MIRRORS.write().unwrap_or_else(PoisonError::into_inner).remove(&self.start);
        COUNT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The tests that mirror bodies run one at a time: the count of mirrors is the process's.
#[cfg(test)]
pub(super) static ONE_TEST_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[cfg(test)]
mod tests {
    use super::*;

    /// The first `len` bytes `pipe` holds, read from a duplicate of its pages.
    fn held_bytes(pipe: &OwnedFd, len: usize) -> Vec<u8> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC).expect("pipe");
        rustix::pipe::fcntl_setpipe_size(&write, len).expect("room");
        assert_eq!(rustix::pipe::tee(pipe, &write, len, rustix::pipe::SpliceFlags::NONBLOCK).expect("tee"), len);
        drop(write);
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(read), &mut bytes).expect("read");
        bytes
    }

    #[test]
    fn a_long_body_is_found_by_any_slice_of_it_until_dropped() {
        let _alone = ONE_TEST_AT_A_TIME.blocking_lock();
        let body = mirrored(Bytes::from(vec![7u8; MIN_MIRRORED * 2]));
        let tail = body.slice(100..);
        let found = find(&tail).expect("a slice of a mirrored body is found");
        assert_eq!((found.offset, found.len), (100, MIN_MIRRORED * 2 - 100));
        // The pipe holds the body's bytes, and keeps them when they are read.
        for _ in 0..2 {
            assert!(held_bytes(&found.held.pipe, body.len()) == body, "the pipe holds the body");
        }
        // Bytes beside it, and a short body, are not.
        assert!(find(&vec![7u8; MIN_MIRRORED * 2]).is_none());
        let short = mirrored(Bytes::from(vec![1u8; 100]));
        assert!(find(&short).is_none());
        let too_long = mirrored(Bytes::from(vec![1u8; super::super::scratch::SCRATCH_BYTES + 1]));
        assert!(find(&too_long).is_none(), "longer than a scratch pipe holds");
        // Gone with its last copy.
        let address = body.as_ptr() as usize;
        drop((body, tail));
        assert!(!MIRRORS.read().unwrap_or_else(PoisonError::into_inner).contains_key(&address));
    }

    #[test]
    fn the_holding_pipes_take_no_more_room_than_allowed_and_give_it_back() {
        let _alone = ONE_TEST_AT_A_TIME.blocking_lock();
        // 500 KB takes a pipe of 512 KiB: 32 of them fill the room.
        let fit = MAX_HELD_BYTES / (512 * 1024);
        let held: Vec<Bytes> = (0..fit).map(|_| mirrored(Bytes::from(vec![5u8; 500_000]))).collect();
        assert!(held.iter().all(|body| find(body).is_some()), "the first {fit} are held in pipes");
        assert_eq!(HELD_BYTES.load(Ordering::Acquire), MAX_HELD_BYTES);
        let one_more = mirrored(Bytes::from(vec![5u8; 500_000]));
        assert!(find(&one_more).is_none(), "one more is written as before");
        assert_eq!(HELD_BYTES.load(Ordering::Acquire), MAX_HELD_BYTES, "the refused pipe's room is given back");
        drop(held);
        assert_eq!(HELD_BYTES.load(Ordering::Acquire), 0);
        assert!(find(&mirrored(one_more)).is_some(), "held once there is room");
    }

    #[test]
    fn no_more_than_the_most_mirrors_are_held_and_a_dropped_one_makes_room() {
        let _alone = ONE_TEST_AT_A_TIME.blocking_lock();
        let held: Vec<Bytes> = (0..MAX_MIRRORS).map(|_| mirrored(Bytes::from(vec![3u8; MIN_MIRRORED]))).collect();
        assert!(held.iter().all(|body| find(body).is_some()), "the first {MAX_MIRRORS} are mirrored");
        let one_more = mirrored(Bytes::from(vec![3u8; MIN_MIRRORED]));
        assert!(find(&one_more).is_none(), "one more is written as before");
        assert_eq!(&one_more[..], &held[0][..], "the same bytes either way");
        drop(held);
        assert_eq!(COUNT.load(Ordering::Acquire), 0);
        assert!(find(&mirrored(one_more)).is_some(), "mirrored once there is room");
    }
}
