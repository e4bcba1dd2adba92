//! Moderating a comment, wherever it is done (the admin, the shell): the status changes, the
//! spam filter learns from the decision, and a subscribed parent hears about an approved reply.

use dateline_core::{Comment, CommentStatus, SpamLabel, StoreError};

use crate::{Services, Site};

/// What a moderator asks for: a status, or a comment back out of the trash where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    To(CommentStatus),
    Restore,
}

/// Carries out `decision` on comment `id`; returns the comment as it was and the status it has now.
pub async fn decide(services: &Services, site: &Site, id: i64, decision: Decision) -> Result<(Comment, CommentStatus), StoreError> {
    let status = match decision {
        Decision::To(status) => status,
        Decision::Restore => {
            services.store.comment_by_id(id).await?.ok_or_else(|| StoreError::NotFound(format!("comment {id}")))?.restored_status()
        }
    };
    Ok((moderate(services, site, id, status).await?, status))
}

/// Moves comment `id` to `status`; returns it as it was before.
pub async fn moderate(services: &Services, site: &Site, id: i64, status: CommentStatus) -> Result<Comment, StoreError> {
    // Marking spam teaches the filter; approving what it held or called spam teaches it otherwise.
    let lesson = match status {
        CommentStatus::Spam => Some(SpamLabel::Spam),
        CommentStatus::Approved => Some(SpamLabel::Ham),
        CommentStatus::Pending | CommentStatus::Trash => None,
    };
    let before = services.store.moderate_comment(id, status, lesson).await?;
    // Back from the trash it was approved once already, and its news went out then. Only a
    // reply has someone to tell, so a top-level comment's approval reads nothing more; and the
    // comment as approved is the one just read with its new status (nothing else was changed).
    if status == CommentStatus::Approved
        && !matches!(before.status, CommentStatus::Approved | CommentStatus::Trash)
        && before.parent_id.is_some()
        && let Some(post) = services.store.post_by_id(before.post_id).await?
    {
        let now = Comment { status, status_before_trash: None, ..before.clone() };
        crate::notify::reply_approved(services, site, &post, &now).await;
    }
    Ok(before)
}
