//! Comment threads rendered once: the theme's `comment_item` macro turns a thread (a comment and
//! its replies) into HTML, and the same thread shown again is taken from here instead of being
//! rendered again. Issue 8 asks that a comment's cost on a page not depend on rendering it
//! again per request; on a post with a thousand comments the macro was a quarter of the page's
//! CPU time with the page cache off (docs/PERFORMANCE.md, "Stop 27").
//!
//! A thread is kept by its root comment's id and a digest of everything the macro is given:
//! the thread's whole view (every reply, its text, author, date as shown, depth, reply link,
//! held or not), the post's path and the site's settings the templates see. So an edited,
//! approved, deleted or newly answered comment, a closed post, a new date format or time zone
//! all make a different key, and nothing needs to be told of writes. What is kept belongs to
//! one [`Templates`](super::Templates) value, so a different theme never sees it.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::RwLock;

use minijinja::Value;

/// Rendered threads by (root comment id, digest of the macro's input). Bounded by bytes:
/// past [`RenderedThreads::MAX_BYTES`] it starts again empty, which costs one rendering of
/// each thread shown next; a crawler walking every post's comments cannot grow it further.
#[derive(Default)]
pub(super) struct RenderedThreads {
    kept: RwLock<Kept>,
    /// SipHash with keys drawn at start, so no one can write a comment whose thread's digest
    /// is chosen to equal another state of the thread.
    keys: RandomState,
}

#[derive(Default)]
struct Kept {
    threads: HashMap<(i64, u64), Value>,
    bytes: usize,
}

impl RenderedThreads {
    /// Enough for the comment pages of a few dozen busy posts (a page of 166 comments is
    /// about 120 KB), small beside the 100 MB a server may use under overload.
    const MAX_BYTES: usize = 8 << 20;

    /// The digest of what the macro is given: a thread's view with the digest of the page's
    /// context (the post's path and what the templates see of the site).
    pub(super) fn digest(&self, value: &impl Hash) -> u64 {
        self.keys.hash_one(value)
    }

    /// The HTML kept for `key`, if any: a safe string value, shared, not copied.
    pub(super) fn get(&self, key: (i64, u64)) -> Option<Value> {
        self.kept.read().unwrap_or_else(|poisoned| poisoned.into_inner()).threads.get(&key).cloned()
    }

    /// Keeps `html` for `key` and returns it as a safe string value.
    pub(super) fn keep(&self, key: (i64, u64), html: String) -> Value {
        let bytes = html.len();
        let value = Value::from_safe_string(html);
        let mut kept = self.kept.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.bytes + bytes > Self::MAX_BYTES {
            kept.threads.clear();
            kept.bytes = 0;
        }
        if let Some(replaced) = kept.threads.insert(key, value.clone()) {
            kept.bytes -= replaced.as_str().map_or(0, str::len);
        }
        kept.bytes += bytes;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_its_bound_it_starts_again_and_counts_what_it_holds() {
        let threads = RenderedThreads::default();
        let big = "x".repeat(RenderedThreads::MAX_BYTES / 2);
        threads.keep((1, 1), big.clone());
        threads.keep((1, 1), big.clone());
        assert!(threads.get((1, 1)).is_some(), "a key kept twice is counted once");
        threads.keep((2, 1), big.clone());
        assert!(threads.get((1, 1)).is_some() && threads.get((2, 1)).is_some());
        threads.keep((3, 1), big);
        assert!(threads.get((1, 1)).is_none(), "past the bound the old entries are dropped");
        assert!(threads.get((3, 1)).is_some());
        assert!(threads.get((3, 1)).is_some_and(|v| v.is_safe()), "kept HTML is emitted as it is");
    }
}
