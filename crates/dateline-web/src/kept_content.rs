//! What a post page shows of the rest of the blog, kept by the content version it was read at:
//! the frame (the navigation's categories and pages) and each post's related posts.
//!
//! The database moves the content version on every write to posts, terms or posts' terms and
//! bylines, whoever makes it (migration 0027). A post page tells the store the version of what
//! it holds, and the store reads those parts again only when the version moved; a kept part is
//! also given up when the first post or page readers may not see yet becomes due, since that
//! changes what they show without a write. So writes by another process or another instance
//! show at once, as the version read with the page moved, and nothing needs to be told of them
//! (docs/PERFORMANCE.md, "Stop 41").

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use dateline_core::{PostId, PostLink, SiteFrame};
use jiff::Timestamp;

/// One part as read: the content version it was read at, until when it holds, and the part.
struct Kept<T> {
    version: i64,
    due: Option<Timestamp>,
    value: Arc<T>,
}

impl<T> Kept<T> {
    fn holds_at(&self, now: Timestamp) -> bool {
        self.due.is_none_or(|due| now < due)
    }
}

/// The frame (by the number of pages it was asked with) and the related posts (by post).
#[derive(Default)]
pub struct KeptContent {
    frame: RwLock<Option<(u32, Kept<SiteFrame>)>>,
    related: RwLock<HashMap<PostId, Kept<Vec<PostLink>>>>,
}

impl KeptContent {
    /// At most this many posts' related posts are kept (a few KB each); past it, it starts
    /// again empty, so a crawler walking every post cannot grow it further.
    const MAX_POSTS: usize = 4096;

    /// The frame of `pages` pages kept and still holding at `now`, with its version.
    pub(crate) fn frame(&self, pages: u32, now: Timestamp) -> Option<(i64, Arc<SiteFrame>)> {
        let kept = self.frame.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.as_ref().filter(|(asked, kept)| *asked == pages && kept.holds_at(now)).map(|(_, kept)| (kept.version, kept.value.clone()))
    }

    /// `post`'s related posts kept and still holding at `now`, with their version.
    pub(crate) fn related(&self, post: PostId, now: Timestamp) -> Option<(i64, Arc<Vec<PostLink>>)> {
        let kept = self.related.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(&post).filter(|kept| kept.holds_at(now)).map(|kept| (kept.version, kept.value.clone()))
    }

    /// Keeps `frame` of `pages` pages, read at `version`, until `due`.
    pub(crate) fn keep_frame(&self, pages: u32, version: i64, due: Option<Timestamp>, frame: SiteFrame) -> Arc<SiteFrame> {
        let value = Arc::new(frame);
        *self.frame.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((pages, Kept { version, due, value: value.clone() }));
        value
    }

    /// Keeps `post`'s related posts, read at `version`, until `due`.
    pub(crate) fn keep_related(&self, post: PostId, version: i64, due: Option<Timestamp>, related: Vec<PostLink>) -> Arc<Vec<PostLink>> {
        let value = Arc::new(related);
        let mut kept = self.related.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() >= Self::MAX_POSTS && !kept.contains_key(&post) {
            kept.clear();
        }
        kept.insert(post, Kept { version, due, value: value.clone() });
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).expect("time")
    }

    fn link(id: i64) -> PostLink {
        PostLink { id, kind: dateline_core::PostKind::Post, title: format!("Post {id}"), slug: format!("post-{id}"), published_at: at(0) }
    }

    #[test]
    fn a_kept_part_holds_until_its_due_time_and_only_as_asked() {
        let kept = KeptContent::default();
        assert!(kept.frame(20, at(100)).is_none());
        kept.keep_frame(20, 7, Some(at(200)), SiteFrame::default());
        assert_eq!(kept.frame(20, at(199)).map(|(version, _)| version), Some(7));
        assert!(kept.frame(20, at(200)).is_none(), "a post became due");
        assert!(kept.frame(10, at(100)).is_none(), "another number of pages");

        kept.keep_related(1, 7, None, vec![link(2)]);
        assert_eq!(kept.related(1, Timestamp::MAX).map(|(version, links)| (version, links.len())), Some((7, 1)), "nothing will become due");
        assert!(kept.related(2, at(100)).is_none());
        kept.keep_related(1, 9, None, Vec::new());
        assert_eq!(kept.related(1, at(100)).map(|(version, links)| (version, links.len())), Some((9, 0)), "the later read replaces it");
    }

    #[test]
    fn past_its_bound_it_starts_again() {
        let kept = KeptContent::default();
        for post in 0..KeptContent::MAX_POSTS as i64 {
            kept.keep_related(post, 1, None, Vec::new());
        }
        kept.keep_related(1, 2, None, Vec::new());
        assert!(kept.related(0, at(0)).is_some(), "a post already kept is replaced in place");
        kept.keep_related(-1, 1, None, Vec::new());
        assert!(kept.related(0, at(0)).is_none() && kept.related(-1, at(0)).is_some());
    }
}
