//! Notification mail: moderators hear about held comments; commenters who asked hear about
//! approved replies to their comment, with a one-click unsubscribe link. A door runs these
//! after answering (in the background); a failure is logged (without addresses) and never
//! affects the comment itself.

use dateline_core::mail::Mail;
use dateline_core::{Comment, CommentStatus, Post};

use crate::permalinks::permalink;
use crate::{Services, Site};

fn author(comment: &Comment) -> String {
    comment.author_name.clone().unwrap_or_else(|| "Anonymous".into())
}

async fn send_all(services: &Services, mails: Vec<Mail>) {
    let Some(mailer) = services.mailer.clone() else { return };
    for mail in mails {
        let subject = mail.subject.clone();
        if let Err(err) = mailer.send(mail).await {
            tracing::warn!(%subject, error = %err, "notification not sent");
        }
    }
}

/// Tells whoever should hear of a comment just stored: moderators when it is held, the
/// author of the comment it answers when it is approved.
pub async fn comment_received(services: &Services, site: &Site, post: &Post, comment: &Comment) {
    match comment.status {
        CommentStatus::Pending => send_all(services, moderator_mails(site, post, comment)).await,
        CommentStatus::Approved => reply_approved(services, site, post, comment).await,
        CommentStatus::Spam | CommentStatus::Trash => {}
    }
}

fn moderator_mails(site: &Site, post: &Post, comment: &Comment) -> Vec<Mail> {
    let url = format!("{}{}", site.base_url, permalink(&site.time_zone, post));
    let body = format!(
        "A new comment on “{}” is waiting for your approval.\n{url}\n\nAuthor: {}\nWhy it was held: {}\n\n{}\n\n\
         Approve it with: dateline comments approve {}\n",
        post.title,
        author(comment),
        comment.moderation_reason.as_deref().unwrap_or("moderation is required"),
        comment.body,
        comment.id
    );
    site.config
        .discussion
        .notify_moderators
        .iter()
        .map(|to| Mail {
            to: to.clone(),
            subject: format!("[{}] Please moderate: “{}”", site.config.site.title, post.title),
            body: body.clone(),
            unsubscribe_url: None,
        })
        .collect()
}

/// Tells the author of the comment `reply` answers, if they asked to be told. Call when a
/// reply becomes approved (at once, or later by a moderator).
pub async fn reply_approved(services: &Services, site: &Site, post: &Post, reply: &Comment) {
    let Some(parent_id) = reply.parent_id else { return };
    let parent = match services.store.comment_by_id(parent_id).await {
        Ok(Some(parent)) => parent,
        Ok(None) => return,
        Err(err) => {
            tracing::warn!(error = %err, "could not load the parent comment for a notification");
            return;
        }
    };
    let Some(to) = parent.author_email.clone().filter(|_| parent.notify && parent.status == CommentStatus::Approved) else { return };
    if reply.author_email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&to)) {
        return; // Nobody needs mail about their own reply.
    }
    let link = format!("{}{}#comment-{}", site.base_url, permalink(&site.time_zone, post), reply.id);
    let unsubscribe = format!("{}/comments/unsubscribe?c={}&t={}", site.base_url, parent.id, services.signer.unsubscribe_token(parent.id));
    let body = format!(
        "{} replied to your comment on “{}”:\n\n{}\n\nRead it and answer: {link}\n\n\
         You get this because you asked to be told about replies. Stop these emails: {unsubscribe}\n",
        author(reply),
        post.title,
        reply.body
    );
    let mail = Mail {
        to,
        subject: format!("[{}] New reply to your comment on “{}”", site.config.site.title, post.title),
        body,
        unsubscribe_url: Some(unsubscribe),
    };
    send_all(services, vec![mail]).await;
}
