//! How many posts a listing holds in all, kept by the content version it was counted at.
//!
//! A full page of a listing (the home page, an archive) needs the number of its posts for the
//! pagination, and counting them reads one index entry per post: 0.6 ms of PostgreSQL's time on
//! every home page of a 10,000-post blog, and ten times that on a blog ten times bigger. The
//! count changes only with a write to posts, terms or bylines, which moves the content version
//! (migration 0027, whoever writes), or when a post dated later becomes due. So the listing
//! reads the content version with its posts, and counts again only when it moved, when the
//! first post not yet due became due, when the request's instant is before the count's (it
//! may see fewer posts), or when it was never counted (docs/PERFORMANCE.md, "Stop 42").
//!
//! The versions are never given twice while a server runs: a restore under running PostgreSQL
//! instances moves them past every one given before it, and a SQLite store is not restored
//! while a server runs on it (see `restoring.rs`).

use std::collections::HashMap;
use std::sync::Mutex;

use dateline_core::{PostFilter, PostKind};
use jiff::Timestamp;

/// A count as made: at which content version and instant, until when it holds, and the count.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Count {
    pub version: i64,
    pub counted_at: Timestamp,
    /// When the first post or page dated after `counted_at` becomes due (`None`: none is).
    pub due: Option<Timestamp>,
    pub total: i64,
}

impl Count {
    /// Whether the count is still the listing's at `version` and `now`: no write since, and no
    /// post became due between the count and `now`. A `now` before the count (a request that
    /// took its time a moment before another counted) may see fewer posts: counted again.
    fn holds(&self, version: i64, now: Timestamp) -> bool {
        self.version == version && self.counted_at <= now && self.due.is_none_or(|due| now < due)
    }
}

/// The counts, by listing.
#[derive(Debug, Default)]
pub(crate) struct KeptTotals {
    counts: Mutex<HashMap<(PostKind, PostFilter), Count>>,
}

impl KeptTotals {
    /// At most this many listings' counts are kept (a few dozen bytes each); past it, it
    /// starts again empty, so a crawler walking every archive cannot grow it further.
    const MAX_LISTINGS: usize = 4096;

    /// The number of posts of `kind` in `filter` at `version` and `now`, when it was counted.
    pub(crate) fn total(&self, kind: PostKind, filter: &PostFilter, version: i64, now: Timestamp) -> Option<i64> {
        let counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.get(&(kind, filter.clone())).filter(|count| count.holds(version, now)).map(|count| count.total)
    }

    /// Keeps `count` for the posts of `kind` in `filter`.
    pub(crate) fn keep(&self, kind: PostKind, filter: &PostFilter, count: Count) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (kind, filter.clone());
        if counts.len() >= Self::MAX_LISTINGS && !counts.contains_key(&key) {
            counts.clear();
        }
        counts.insert(key, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).expect("time")
    }

    fn count(version: i64, counted_at: i64, due: Option<i64>, total: i64) -> Count {
        Count { version, counted_at: at(counted_at), due: due.map(at), total }
    }

    #[test]
    fn a_count_holds_at_its_version_from_its_instant_until_a_post_becomes_due() {
        let kept = KeptTotals::default();
        let all = PostFilter::All;
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(100)), None, "never counted");
        kept.keep(PostKind::Post, &all, count(7, 100, Some(200), 42));
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(100)), Some(42));
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(199)), Some(42));
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(200)), None, "a post became due");
        assert_eq!(kept.total(PostKind::Post, &all, 8, at(150)), None, "something was written");
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(99)), None, "asked for an instant before the count");
        assert_eq!(kept.total(PostKind::Page, &all, 7, at(150)), None, "another kind");
        assert_eq!(kept.total(PostKind::Post, &PostFilter::Tag(1), 7, at(150)), None, "another listing");

        kept.keep(PostKind::Post, &all, count(8, 150, None, 43));
        assert_eq!(kept.total(PostKind::Post, &all, 8, Timestamp::MAX), Some(43), "nothing will become due");
        assert_eq!(kept.total(PostKind::Post, &all, 7, at(150)), None, "the later count replaced it");
    }

    #[test]
    fn past_its_bound_it_starts_again() {
        let kept = KeptTotals::default();
        for tag in 0..KeptTotals::MAX_LISTINGS as i64 {
            kept.keep(PostKind::Post, &PostFilter::Tag(tag), count(1, 0, None, tag));
        }
        kept.keep(PostKind::Post, &PostFilter::Tag(1), count(1, 0, None, 5));
        assert_eq!(kept.total(PostKind::Post, &PostFilter::Tag(0), 1, at(0)), Some(0), "a listing already kept is replaced in place");
        kept.keep(PostKind::Post, &PostFilter::All, count(1, 0, None, 9));
        assert_eq!(kept.total(PostKind::Post, &PostFilter::Tag(0), 1, at(0)), None);
        assert_eq!(kept.total(PostKind::Post, &PostFilter::All, 1, at(0)), Some(9));
    }
}
