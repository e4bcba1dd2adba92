//! Walking comment threads. Threads nest at most 10 deep by the settings, but imported data
//! may hold longer chains or parent loops: every walk here is bounded and ends at a loop.

use dateline_core::Comment;

/// How far up a thread any walk goes.
pub const MAX_CHAIN: usize = 64;

/// `id` and the comments above it, up to its thread's root (`id` first), at most
/// [`MAX_CHAIN`] long. Only comments in `comments` count: a reply whose parent is not among
/// them starts its own thread.
pub fn ancestors(comments: &[Comment], id: i64) -> Vec<i64> {
    let parent_of: std::collections::HashMap<i64, Option<i64>> = comments.iter().map(|c| (c.id, c.parent_id)).collect();
    let mut chain = vec![id];
    let mut current = id;
    while chain.len() < MAX_CHAIN {
        match parent_of.get(&current).copied().flatten() {
            Some(parent) if parent_of.contains_key(&parent) && !chain.contains(&parent) => {
                chain.push(parent);
                current = parent;
            }
            _ => break,
        }
    }
    chain
}

/// The id of the top-level comment whose thread holds `id`.
pub fn thread_root(comments: &[Comment], id: i64) -> i64 {
    ancestors(comments, id).last().copied().unwrap_or(id)
}

/// The comment a reply to `requested` hangs from: `requested` itself, or, when that would
/// nest deeper than `max_depth`, its ancestor at the deepest level allowed (as WordPress does).
pub fn reply_target(comments: &[Comment], requested: i64, max_depth: u32) -> i64 {
    let chain = ancestors(comments, requested);
    let deepest_parent = (max_depth as usize).saturating_sub(1).max(1);
    // chain[i] sits at depth chain.len() - i.
    chain.get(chain.len().saturating_sub(deepest_parent)).copied().unwrap_or(requested)
}
