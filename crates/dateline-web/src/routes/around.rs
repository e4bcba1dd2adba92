//! What a post's page shows around the post: the frame (the navigation), the related posts, the
//! tree of its approved comments, and whether its source is gone. Each is taken as kept when it
//! was read at the version the post was read with (see `kept_content` and
//! `templates::comment_sections`); the others are read in one statement and kept. While nothing
//! moved, a post's page is one statement: the post, with the versions (docs/PERFORMANCE.md,
//! "Stop 41").

use std::sync::Arc;

use dateline_core::{CommentNode, CommentStatus, Post, PostLink, PostPageRead, SiteFrame, Surroundings};
use jiff::Timestamp;

use crate::{AppError, AppState};

/// What is shown around a post.
pub(crate) struct Around {
    pub frame: Arc<SiteFrame>,
    pub related: Arc<Vec<PostLink>>,
    /// The tree of the approved comments, when asked, with its version.
    pub tree: Option<(i64, Arc<[CommentNode]>)>,
    pub source_gone: bool,
}

/// What is shown around `post` at `now`: its approved comments' tree if `comments`, and at most
/// `related` related posts. `with_post`: the post's own read, whose post is `post`
/// ([`dateline_core::PostStore::post_page_by_slug`]; `None` when the post came from elsewhere,
/// such as a preview: then everything is read).
pub(crate) async fn around(
    state: &AppState,
    post: &Post,
    now: Timestamp,
    with_post: Option<&PostPageRead>,
    comments: Option<CommentStatus>,
    related: u32,
) -> Result<Around, AppError> {
    let pages = super::public::NAV_PAGES;
    let versions = with_post.map(|read| read.versions);
    let kept = &state.kept_content;
    let frame = versions.and_then(|at| kept.frame(pages, now).filter(|(version, _)| *version == at.content)).map(|(_, frame)| frame);
    let links = match related {
        0 => Some(Arc::default()),
        _ => versions.and_then(|at| kept.related(post.id, now).filter(|(version, _)| *version == at.content)).map(|(_, links)| links),
    };
    // Only the approved comments' tree is kept (what readers see).
    let approved = comments == Some(CommentStatus::Approved);
    let tree =
        versions.filter(|_| approved).and_then(|at| state.templates.known_comments(post.id).filter(|(version, _)| *version == at.comments));
    let asked = Surroundings {
        frame: frame.is_none().then_some(pages),
        comments: comments.filter(|_| tree.is_none()),
        related: if links.is_none() { related } else { 0 },
        // The post's own read has it (a preview's post was read elsewhere).
        source_gone: with_post.is_none(),
    };
    if let (Some(frame), Some(related), Some(read)) = (&frame, &links, with_post)
        && (comments.is_none() || tree.is_some())
    {
        return Ok(Around { frame: frame.clone(), related: related.clone(), tree, source_gone: read.source_gone });
    }

    // Everything not kept, in one statement (see `PostStore::post_surroundings`), kept at the
    // versions it was read at.
    let read = state.store.post_surroundings(post, now, asked).await?;
    let due = read.content_due;
    let frame = match (frame, read.frame) {
        (Some(frame), _) => frame,
        (None, Some(frame)) => kept.keep_frame(pages, read.versions.content, due, frame),
        (None, None) => return Err(AppError::Internal("the site frame was neither kept nor read".into())),
    };
    // Which posts are related follows from the post's own tags and attribution, as `post` has
    // them: kept only when the post was read at the version they were read at (a post whose
    // tags changed in between, or one read elsewhere, such as a preview, is not kept).
    let related = match (links, read.related) {
        (Some(links), _) => links,
        (None, Some(links)) if versions.is_some_and(|at| at.content == read.versions.content) => {
            kept.keep_related(post.id, read.versions.content, due, links)
        }
        (None, Some(links)) => Arc::new(links),
        (None, None) => return Err(AppError::Internal(format!("post {}: related posts neither kept nor read", post.id))),
    };
    let tree = match (tree, read.comment_tree) {
        (Some(tree), _) => Some(tree),
        (None, Some(tree)) if approved => {
            Some((read.versions.comments, state.templates.keep_comment_tree(post.id, read.versions.comments, tree)))
        }
        (None, Some(tree)) => Some((read.versions.comments, tree.into())),
        (None, None) => None,
    };
    let source_gone = with_post.map_or(read.source_gone, |read| read.source_gone);
    Ok(Around { frame, related, tree, source_gone })
}
