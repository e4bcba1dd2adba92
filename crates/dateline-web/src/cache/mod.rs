//! The page cache: what anonymous readers get (posts, pages, listings, feeds), rendered once,
//! compressed once, and answered from memory until something it shows changes.
//!
//! Correctness before speed. Every entry belongs to a *generation*; any change anywhere
//! (a write through this instance, a commit by another process or instance seen by the store's
//! change watch, a scheduled post's time coming) starts a new generation and empties the cache.
//! That is coarser than "exactly the pages that changed", but it can never serve a page that
//! misses a change, and on a blog the pages readers hit are re-rendered within milliseconds.
//! While a page is being rendered again after a change, readers without any cookie may be
//! handed the page as it was a moment before (at most [`STALE_FOR`] after that rendering
//! began), instead of all waiting: see `serve`.
//! Only responses that are the same for every anonymous reader are kept: see [`serve`] for
//! which requests and responses qualify. Plain `GET`s of kept pages are answered before hyper
//! parses them, by [`direct`].

mod direct;
mod follow;
mod serve;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;

pub(crate) use direct::{Direct, Handover};
pub(crate) use follow::follow_changes;
pub(crate) use serve::{CacheService, KeepUntil};

/// One kept response: the body as rendered and gzipped once, each with its answer's headers.
pub(crate) struct Entry {
    generation: u64,
    /// When its rendering began: it shows every write committed before then.
    rendered_at: Instant,
    /// After this the entry is not served (a post's comments close by age then, say).
    expires: Option<Instant>,
    plain: Variant,
    /// The gzipped body, made when a reader first takes gzip (`None` inside: not worth it).
    /// Pages are rendered again after every write, and most renderings of a page while its
    /// post takes comments were compressed for nobody: gzip was an eighth of the server's time
    /// while 50 comments a second were approved. (Never filled for a body not worth it.)
    gzip: std::sync::OnceLock<Option<Variant>>,
    /// Whether the body is text worth compressing.
    compressible: bool,
    /// The page's `Last-Modified`, read once, for `If-Modified-Since`.
    last_modified: Option<jiff::Timestamp>,
    /// For least-recently-used eviction: the cache's clock when last served.
    last_used: AtomicU64,
}

/// One encoding of a kept response.
pub(crate) struct Variant {
    body: Bytes,
    /// Every header of the `200` a reader gets (`Content-Length`, `ETag`, `Vary`, the security
    /// headers among them), worked out once when kept: a hit clones the map and adds nothing
    /// (inserting into a cloned map grew it again on every request: 10 % of a hit's time).
    headers: HeaderMap,
    /// The status line and `headers` as the direct path writes them (`direct.rs`), made the
    /// first time it answers with this variant.
    wire_head: std::sync::OnceLock<Bytes>,
}

impl Variant {
    fn new(body: Bytes, headers: HeaderMap) -> Variant {
        Variant { body, headers, wire_head: std::sync::OnceLock::new() }
    }

    /// `HTTP/1.1 200 OK` and every header line, each ended by CRLF (the `Date` line and the
    /// blank line after it are the answer's own).
    fn wire_head(&self) -> &Bytes {
        self.wire_head.get_or_init(|| {
            let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
            for (name, value) in &self.headers {
                head.extend_from_slice(name.as_str().as_bytes());
                head.extend_from_slice(b": ");
                head.extend_from_slice(value.as_bytes());
                head.extend_from_slice(b"\r\n");
            }
            Bytes::from(head)
        })
    }
}

impl Entry {
    fn size(&self) -> usize {
        // The gzipped body is counted ahead, made or not, at a quarter of the page (HTML
        // compresses to a fifth or less), so the total never grows behind the limit's back.
        // A long body is kept twice: in memory and in its pipe (`crate::zero_copy`).
        let gzip = if self.compressible { self.plain.body.len() / 4 } else { 0 };
        with_mirror(self.plain.body.len()) + with_mirror(gzip) + 512
    }
}

/// What a body of `len` bytes takes with its mirror (`crate::zero_copy`), when it has one.
fn with_mirror(len: usize) -> usize {
    if len >= crate::zero_copy::MIN_MIRRORED { len * 2 } else { len }
}

/// The pages kept, by path.
pub struct PageCache {
    enabled: bool,
    max_bytes: usize,
    generation: AtomicU64,
    clock: AtomicU64,
    entries: RwLock<HashMap<String, Arc<Entry>>>,
    bytes: AtomicU64,
    /// Paths being rendered now, so that a burst of readers of a page just changed waits for
    /// one rendering instead of making hundreds (see `serve::render_once`).
    in_flight: Mutex<HashMap<String, (u64, tokio::sync::watch::Receiver<serve::Rendered>)>>,
    /// Told of every change (the schedule follower looks again then).
    changed: Arc<tokio::sync::Notify>,
    /// A watch asked on the request path (see [`PageCache::look_for_changes`]).
    looker: tokio::sync::Mutex<Option<Box<dyn dateline_core::ChangeWatch>>>,
    /// When a request last looked, in milliseconds since `started`.
    last_look: AtomicU64,
    started: Instant,
    /// This instance's mark in the store's change notices (see [`PageCache::after_own_write`]).
    mark: String,
    /// Answers given by the direct path (`direct.rs`) since the start.
    direct_answers: AtomicU64,
}

/// Requests look for other processes' changes at most this often (in milliseconds).
const LOOK_EVERY_MS: u64 = 5;

/// How long after its rendering began a page that a change has made out of date may still be
/// handed to strangers while the page is rendered again. A page rendered at time `r` shows every
/// write committed before `r`, so a write is missing from what a reader gets for at most this
/// long: well inside the second within which an approved comment must show. The alternative,
/// every reader of a busy page waiting for each rendering, made 50 approvals a second cost a
/// popular page most of its readers (the fresh target). WP Super Cache does the same
/// ("serve a supercache file to anonymous users while a new file is generated").
const STALE_FOR: Duration = Duration::from_millis(500);

impl PageCache {
    pub fn new(settings: &dateline_core::config::CacheSettings) -> PageCache {
        PageCache {
            enabled: settings.enabled,
            max_bytes: settings.max_mib as usize * 1024 * 1024,
            generation: AtomicU64::new(0),
            clock: AtomicU64::new(0),
            entries: RwLock::default(),
            bytes: AtomicU64::new(0),
            in_flight: Mutex::default(),
            changed: Arc::default(),
            looker: tokio::sync::Mutex::default(),
            last_look: AtomicU64::new(0),
            started: Instant::now(),
            mark: dateline_app::tokens::random_token(),
            direct_answers: AtomicU64::new(0),
        }
    }

    /// How many kept pages were answered before hyper (`direct.rs`) since the start.
    pub fn direct_answers(&self) -> u64 {
        self.direct_answers.load(Ordering::Relaxed)
    }

    /// Empties the cache after a write through this instance (the write has committed). Where
    /// the store pushes change notices (PostgreSQL) a mark of this instance's goes down them
    /// first, so the watch knows the write's own notice, heard before the mark, needs no second
    /// emptying (see `follow::HOLD`). If the mark cannot be sent the notice empties the cache
    /// again a moment later, as before.
    ///
    /// On SQLite the request path's watch looks once, before the emptying, for the same reason:
    /// what it sees then (this write, and anything committed before it) the emptying covers, so
    /// the next reader's look does not empty the cache a second time for this write.
    pub(crate) async fn after_own_write(&self, store: &dyn dateline_core::Store) {
        if self.enabled {
            if let Err(err) = store.mark_changes(&self.mark).await {
                tracing::debug!(error = %err, "could not mark the store's change notices");
            }
            // Whatever it says, the cache is emptied next.
            look(&mut *self.looker.lock().await).await;
        }
        self.invalidate();
    }

    /// Forgets every page: something changed. Pages rendered within [`STALE_FOR`] stay, out of
    /// date, to stand in while they are rendered again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.retain(|_, entry| entry.rendered_at.elapsed() < STALE_FOR);
        self.bytes.store(entries.values().map(|entry| entry.size() as u64).sum(), Ordering::Relaxed);
        drop(entries);
        self.changed.notify_waiters();
    }

    /// Asks the store whether another process committed something, when no request has asked
    /// within the last few milliseconds. So a write by `dateline comments approve` on the same
    /// SQLite file shows on the very next request after it, while under load the store is
    /// asked a few hundred times a second however many readers there are. (PostgreSQL pushes
    /// its notices instead: see `follow`.)
    pub(crate) async fn look_for_changes(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_look.load(Ordering::Relaxed);
        if now.saturating_sub(last) < LOOK_EVERY_MS
            || self.last_look.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        let Ok(mut looker) = self.looker.try_lock() else { return };
        if look(&mut looker).await {
            self.invalidate();
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The page kept for `path`, if it is still current.
    fn get(&self, path: &str) -> Option<Arc<Entry>> {
        let entry = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(path).cloned()?;
        let current = entry.generation == self.generation() && entry.expires.is_none_or(|at| Instant::now() < at);
        if current {
            entry.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        }
        current.then_some(entry)
    }

    /// The page kept for `path` that a change has made out of date, if its rendering began
    /// within [`STALE_FOR`] (and it has not expired): a stand-in while it is rendered again.
    fn stale(&self, path: &str) -> Option<Arc<Entry>> {
        let entry = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(path).cloned()?;
        let usable = entry.rendered_at.elapsed() < STALE_FOR && entry.expires.is_none_or(|at| Instant::now() < at);
        usable.then_some(entry)
    }

    /// Forgets the out-of-date page kept for `path`: its new rendering could not be kept (the
    /// post is gone or private now, say), so it must not stand in for it either.
    fn forget_stale(&self, path: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.get(path).is_some_and(|entry| entry.generation != self.generation())
            && let Some(old) = entries.remove(path)
        {
            self.bytes.fetch_sub(old.size() as u64, Ordering::Relaxed);
        }
    }

    /// Keeps a page rendered during `generation`. A page whose rendering began before a change
    /// and ended after it is never current; it is kept only to stand in (see [`STALE_FOR`]),
    /// and only in place of an older one.
    fn put(&self, path: String, entry: Arc<Entry>) {
        let size = entry.size();
        if size > self.max_bytes / 4 {
            return;
        }
        entry.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Checked under the lock that `invalidate` takes.
        if entry.generation != self.generation()
            && entries.get(&path).is_some_and(|kept| kept.generation == self.generation() || kept.rendered_at >= entry.rendered_at)
        {
            return;
        }
        if let Some(old) = entries.insert(path, entry) {
            self.bytes.fetch_sub(old.size() as u64, Ordering::Relaxed);
        }
        let total = self.bytes.fetch_add(size as u64, Ordering::Relaxed) + size as u64;
        if total > self.max_bytes as u64 {
            evict(&mut entries, &self.bytes, self.max_bytes * 3 / 4);
        }
    }
}

/// Asks the request path's watch, if there is one, whether anything was committed since it last
/// looked. A watch that fails is dropped (the background watch still runs) and counts as a change.
async fn look(looker: &mut Option<Box<dyn dateline_core::ChangeWatch>>) -> bool {
    let Some(watch) = looker.as_mut() else { return false };
    match watch.look().await {
        Ok(changed) => changed,
        Err(err) => {
            tracing::warn!(error = %err, "cannot look for changes on the request path; the change watch still runs");
            *looker = None;
            true
        }
    }
}

/// Drops the least recently used pages until at most `target` bytes remain.
fn evict(entries: &mut HashMap<String, Arc<Entry>>, bytes: &AtomicU64, target: usize) {
    let mut by_use: Vec<(u64, String)> = entries.iter().map(|(path, e)| (e.last_used.load(Ordering::Relaxed), path.clone())).collect();
    by_use.sort_unstable();
    let mut total = bytes.load(Ordering::Relaxed);
    for (_, path) in by_use {
        if total <= target as u64 {
            break;
        }
        if let Some(entry) = entries.remove(&path) {
            total = total.saturating_sub(entry.size() as u64);
        }
    }
    bytes.store(total, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn entry(cache: &PageCache, size: usize) -> Arc<Entry> {
        let plain = Variant::new(Bytes::from(vec![b'x'; size]), HeaderMap::new());
        Arc::new(Entry {
            generation: cache.generation(),
            rendered_at: Instant::now(),
            expires: None,
            plain,
            gzip: std::sync::OnceLock::new(),
            compressible: false,
            last_modified: None,
            last_used: AtomicU64::new(0),
        })
    }

    pub(super) fn cache(max_mib: u32) -> PageCache {
        PageCache::new(&dateline_core::config::CacheSettings { max_mib, ..Default::default() })
    }

    #[test]
    fn a_change_empties_the_cache_and_stale_renders_are_not_kept() {
        let cache = cache(1);
        let rendered_before = entry(&cache, 10);
        cache.put("/a/".into(), entry(&cache, 10));
        assert!(cache.get("/a/").is_some());
        cache.invalidate();
        assert!(cache.get("/a/").is_none());
        // Rendered before the change, finished after it: never current.
        cache.put("/b/".into(), rendered_before);
        assert!(cache.get("/b/").is_none());
    }

    #[test]
    fn an_out_of_date_page_stands_in_only_briefly_and_never_for_a_gone_one() {
        let cache = cache(1);
        cache.put("/a/".into(), entry(&cache, 10));
        cache.put("/b/".into(), entry(&cache, 10));
        cache.invalidate();
        assert!(cache.get("/a/").is_none());
        assert!(cache.stale("/a/").is_some(), "just rendered: it may stand in");
        // The new rendering of /b/ could not be kept: /b/ does not stand in any more.
        cache.forget_stale("/b/");
        assert!(cache.stale("/b/").is_none());
        // A page whose rendering began longer ago than STALE_FOR stands in for nothing, and
        // the next change lets it go.
        let old = Arc::new(Entry {
            generation: cache.generation(),
            rendered_at: Instant::now() - STALE_FOR,
            expires: None,
            plain: Variant::new(Bytes::from_static(b"old"), HeaderMap::new()),
            gzip: std::sync::OnceLock::new(),
            compressible: false,
            last_modified: None,
            last_used: AtomicU64::new(0),
        });
        cache.put("/c/".into(), old);
        assert!(cache.get("/c/").is_some());
        cache.invalidate();
        assert!(cache.stale("/c/").is_none());
        assert!(!cache.entries.read().expect("lock").contains_key("/c/"));
    }

    #[test]
    fn the_least_recently_used_pages_go_when_full() {
        let cache = cache(1);
        for i in 0..8 {
            // 100 KiB, and its mirror in a pipe as much again.
            cache.put(format!("/{i}/"), entry(&cache, 100 * 1024));
            // Page 0 is read after every insert: it stays.
            let _ = cache.get("/0/");
        }
        assert!(cache.get("/0/").is_some());
        assert!(cache.get("/1/").is_none());
        assert!(cache.bytes.load(Ordering::Relaxed) <= 1024 * 1024);
    }
}
