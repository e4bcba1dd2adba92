//! A post's comment section as last shown, kept by the version of the post's comments.
//!
//! The database moves a post's comments version on every write to any of them, whoever makes it,
//! to a number it never gave before (migration 0026). A post page asks for the comments' tree
//! only when the version it holds is no longer the post's, and takes the threads of a comment
//! page as they were shown at that version, with the same settings. So a page's comments cost
//! one comparison while they stand, however many there are: issue 8 asks that a comment's cost
//! on a page not depend on sanitizing or rendering it again per request (docs/PERFORMANCE.md,
//! "Stop 41"). Nothing needs to be told of writes, and a write by another process or another
//! instance shows at once, as the version read with the page moved.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use dateline_core::{CommentNode, PostId};
use minijinja::Value;

/// One comment page's threads as shown: what [`super::Templates::finish_shaped_threads`] gave,
/// and how many comment pages there are.
#[derive(Clone)]
pub(crate) struct ShownComments {
    pub threads: Vec<Value>,
    pub pages: u32,
}

/// The sections kept, by post. Bounded by bytes (the threads' HTML and the trees' nodes): past
/// [`CommentSections::MAX_BYTES`] it starts again empty, as the rendered threads do.
#[derive(Default)]
pub(super) struct CommentSections {
    kept: RwLock<Kept>,
}

#[derive(Default)]
struct Kept {
    posts: HashMap<PostId, Section>,
    bytes: usize,
}

/// One post's comments at one version: the tree, and the pages shown from it by their key (the
/// page, the post's path, the reply settings and what the templates see of the site).
struct Section {
    version: i64,
    tree: Arc<[CommentNode]>,
    pages: HashMap<u64, ShownComments>,
}

impl CommentSections {
    /// The threads' HTML is shared with the rendered threads, so this mostly bounds what they
    /// keep alive after they start again: a few dozen busy posts' pages.
    const MAX_BYTES: usize = 4 << 20;

    /// The version and tree kept for `post`, if any.
    pub(super) fn known(&self, post: PostId) -> Option<(i64, Arc<[CommentNode]>)> {
        let kept = self.kept.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.posts.get(&post).map(|section| (section.version, section.tree.clone()))
    }

    /// Keeps `tree` as `post`'s comments at `version`, in place of any other version (a
    /// different version is a different state of the comments; the one read last is kept).
    pub(super) fn keep_tree(&self, post: PostId, version: i64, tree: Vec<CommentNode>) -> Arc<[CommentNode]> {
        let tree: Arc<[CommentNode]> = tree.into();
        let mut kept = self.kept.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.posts.get(&post).is_some_and(|section| section.version == version) {
            return tree;
        }
        let bytes = std::mem::size_of_val(&*tree);
        if bytes > Self::MAX_BYTES {
            return tree;
        }
        kept.make_room(bytes);
        let section = Section { version, tree: tree.clone(), pages: HashMap::new() };
        if let Some(replaced) = kept.posts.insert(post, section) {
            kept.bytes -= replaced.bytes();
        }
        kept.bytes += bytes;
        tree
    }

    /// The page kept under `key` for `post`'s comments at `version`, if any.
    pub(super) fn page(&self, post: PostId, version: i64, key: u64) -> Option<ShownComments> {
        let kept = self.kept.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.posts.get(&post).filter(|section| section.version == version)?.pages.get(&key).cloned()
    }

    /// Keeps `shown` under `key`, if `post`'s comments are still kept at `version`.
    pub(super) fn keep_page(&self, post: PostId, version: i64, key: u64, shown: &ShownComments) {
        let bytes = html_bytes(shown);
        let mut kept = self.kept.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(section) = kept.posts.get(&post).filter(|section| section.version == version) else { return };
        let tree = section.tree.clone();
        if kept.bytes + bytes > Self::MAX_BYTES {
            // Start again with this post's tree and this page alone.
            let tree_bytes = std::mem::size_of_val(&*tree);
            kept.posts.clear();
            kept.bytes = 0;
            if tree_bytes + bytes > Self::MAX_BYTES {
                return;
            }
            kept.posts.insert(post, Section { version, tree, pages: HashMap::new() });
            kept.bytes = tree_bytes;
        }
        let Some(section) = kept.posts.get_mut(&post) else { return };
        let replaced = section.pages.insert(key, shown.clone()).map_or(0, |old| html_bytes(&old));
        kept.bytes = kept.bytes + bytes - replaced;
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.kept.read().unwrap_or_else(|poisoned| poisoned.into_inner()).bytes
    }
}

impl Kept {
    fn make_room(&mut self, bytes: usize) {
        if self.bytes + bytes > CommentSections::MAX_BYTES {
            self.posts.clear();
            self.bytes = 0;
        }
    }
}

impl Section {
    fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.tree) + self.pages.values().map(html_bytes).sum::<usize>()
    }
}

/// The bytes of the threads' HTML of a page.
fn html_bytes(shown: &ShownComments) -> usize {
    shown.threads.iter().map(|thread| thread.get_attr("html").ok().and_then(|html| html.as_str().map(str::len)).unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64) -> CommentNode {
        CommentNode { id, parent_id: None, revision: 0 }
    }

    fn shown(html: &str) -> ShownComments {
        ShownComments { threads: vec![minijinja::context! { id => 1, html => Value::from_safe_string(html.to_string()) }], pages: 1 }
    }

    #[test]
    fn a_page_is_taken_only_at_the_version_it_was_shown_at() {
        let sections = CommentSections::default();
        assert!(sections.known(7).is_none());
        sections.keep_tree(7, 12, vec![node(1), node(2)]);
        sections.keep_page(7, 12, 99, &shown("<p>two</p>"));
        assert_eq!(sections.known(7).map(|(version, tree)| (version, tree.len())), Some((12, 2)));
        assert_eq!(sections.page(7, 12, 99).map(|page| page.pages), Some(1));
        assert!(sections.page(7, 12, 98).is_none(), "another page or other settings");
        assert!(sections.page(7, 13, 99).is_none(), "another version");
        assert!(sections.page(8, 12, 99).is_none(), "another post");

        // A new version replaces the tree and forgets the pages; a page shown from the old
        // tree, kept late, is not kept.
        sections.keep_tree(7, 15, vec![node(1)]);
        assert!(sections.page(7, 12, 99).is_none());
        sections.keep_page(7, 12, 99, &shown("<p>late</p>"));
        assert!(sections.page(7, 15, 99).is_none());
        assert_eq!(sections.bytes(), std::mem::size_of::<CommentNode>());
    }

    #[test]
    fn past_its_bound_it_starts_again() {
        let sections = CommentSections::default();
        let big = "x".repeat(CommentSections::MAX_BYTES / 3);
        for post in 1..=3 {
            sections.keep_tree(post, post, vec![node(post)]);
            sections.keep_page(post, post, 1, &shown(&big));
        }
        assert!(sections.bytes() <= CommentSections::MAX_BYTES);
        assert!(sections.page(1, 1, 1).is_none(), "started again when the third page came");
        assert!(sections.page(3, 3, 1).is_some(), "with the page that came");
        // A page for a version no longer kept neither clears nor is kept.
        sections.keep_page(1, 1, 1, &shown(&big));
        assert!(sections.page(3, 3, 1).is_some());
        sections.keep_tree(4, 4, vec![node(4)]);
        sections.keep_page(4, 4, 1, &shown("<p>small</p>"));
        assert!(sections.page(4, 4, 1).is_some());
    }
}
