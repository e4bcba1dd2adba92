//! The page cache: what anonymous readers get (posts, pages, listings, feeds), rendered once,
//! compressed once, and answered from memory until something it shows changes.
//!
//! Correctness before speed. Every entry belongs to a *generation*; any change anywhere
//! (a write through this instance, a commit by another process or instance seen by the store's
//! change watch, a scheduled post's time coming) starts a new generation and empties the cache.
//! That is coarser than "exactly the pages that changed", but it can never serve a page that
//! misses a change, and on a blog the pages readers hit are re-rendered within milliseconds.
//! Only responses that are the same for every anonymous reader are kept: see [`serve`] for
//! which requests and responses qualify.

mod follow;
mod serve;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::HeaderMap;

pub(crate) use follow::follow_changes;
pub(crate) use serve::{CacheService, KeepUntil};

/// One kept response: the body as rendered and gzipped once, each with its answer's headers.
pub(crate) struct Entry {
    generation: u64,
    /// After this the entry is not served (a post's comments close by age then, say).
    expires: Option<Instant>,
    plain: Variant,
    gzip: Option<Variant>,
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
}

impl Entry {
    fn size(&self) -> usize {
        self.plain.body.len() + self.gzip.as_ref().map_or(0, |gzip| gzip.body.len()) + 512
    }
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
}

/// Requests look for other processes' changes at most this often (in milliseconds).
const LOOK_EVERY_MS: u64 = 5;

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
        }
    }

    /// Forgets every page: something changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.clear();
        self.bytes.store(0, Ordering::Relaxed);
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
        let Some(watch) = looker.as_mut() else { return };
        match watch.look().await {
            Ok(false) => {}
            Ok(true) => self.invalidate(),
            Err(err) => {
                tracing::warn!(error = %err, "cannot look for changes on the request path; the change watch still runs");
                *looker = None;
                self.invalidate();
            }
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

    /// Keeps a page rendered during `generation`, unless something changed since.
    fn put(&self, path: String, entry: Arc<Entry>) {
        let size = entry.size();
        if size > self.max_bytes / 4 {
            return;
        }
        entry.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Checked under the lock that `invalidate` takes: a page rendered before a change is
        // never kept after it.
        if entry.generation != self.generation() {
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

    fn entry(cache: &PageCache, size: usize) -> Arc<Entry> {
        let plain = Variant { body: Bytes::from(vec![b'x'; size]), headers: HeaderMap::new() };
        Arc::new(Entry {
            generation: cache.generation(),
            expires: None,
            plain,
            gzip: None,
            last_modified: None,
            last_used: AtomicU64::new(0),
        })
    }

    fn cache(max_mib: u32) -> PageCache {
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
        // Rendered before the change, finished after it: not kept.
        cache.put("/b/".into(), rendered_before);
        assert!(cache.get("/b/").is_none());
    }

    #[test]
    fn the_least_recently_used_pages_go_when_full() {
        let cache = cache(1);
        for i in 0..8 {
            cache.put(format!("/{i}/"), entry(&cache, 200 * 1024));
            // Page 0 is read after every insert: it stays.
            let _ = cache.get("/0/");
        }
        assert!(cache.get("/0/").is_some());
        assert!(cache.get("/1/").is_none());
        assert!(cache.bytes.load(Ordering::Relaxed) <= 1024 * 1024);
    }
}
