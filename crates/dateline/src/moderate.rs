//! `dateline comments …`: moderation from the shell. Approving or marking spam also teaches
//! the spam filter, and approving a reply tells the parent's author if they asked.

use dateline_app::moderation::Decision;
use dateline_app::{Services, Site};
use dateline_core::{CommentQuery, CommentStatus};

use crate::cli::CommentsCommand;
use crate::{Failure, usage};

/// Runs `command` with the application's services (no web server is built: moderation and
/// the mail it sends are the application's, not the web's).
pub async fn run(services: &Services, site: &Site, command: CommentsCommand) -> Result<(), Failure> {
    match command {
        CommentsCommand::List { status, post, search, limit } => list(services, status.as_deref(), post, search, limit).await,
        CommentsCommand::Approve { ids } => set(services, site, &ids, Decision::To(CommentStatus::Approved)).await,
        CommentsCommand::Spam { ids } => set(services, site, &ids, Decision::To(CommentStatus::Spam)).await,
        CommentsCommand::Trash { ids } => set(services, site, &ids, Decision::To(CommentStatus::Trash)).await,
        CommentsCommand::Restore { ids } => set(services, site, &ids, Decision::Restore).await,
    }
}

/// One line, no newlines or tabs, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    // Control characters in a comment must not drive the moderator's terminal.
    let flat: String = dateline_core::text::strip_controls(text).split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

async fn list(services: &Services, status: Option<&str>, post: Option<i64>, search: Option<String>, limit: u32) -> Result<(), Failure> {
    let status = match status {
        None => None,
        Some(text) => Some(
            CommentStatus::parse(text).ok_or_else(|| usage(format!("--status {text:?} is not one of: {}", CommentStatus::expected())))?,
        ),
    };
    let query = CommentQuery { status, post, search, search_addresses: true, page: 1, per_page: limit.max(1) };
    let page = services.store.list_comments(&query).await?;
    println!("ID\tPOST\tSTATUS\tDATE\tSPAM\tAUTHOR\tWHY\tCOMMENT");
    for c in &page.items {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            c.id,
            c.post_id,
            c.status,
            c.created_at.strftime("%Y-%m-%d %H:%M"),
            c.spam_score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "-".into()),
            one_line(c.author_name.as_deref().unwrap_or("Anonymous"), 30),
            one_line(c.moderation_reason.as_deref().unwrap_or("-"), 80),
            one_line(&c.body, 60),
        );
    }
    eprintln!("{} of {} comment(s)", page.items.len(), page.total);
    Ok(())
}

async fn set(services: &Services, site: &Site, ids: &[i64], decision: Decision) -> Result<(), Failure> {
    if ids.is_empty() {
        return Err(usage("name at least one comment id"));
    }
    // Check every id first, so a typo changes nothing.
    for id in ids {
        if services.store.comment_by_id(*id).await?.is_none() {
            return Err(usage(format!("there is no comment {id}; nothing was changed")));
        }
    }
    for id in ids {
        let (before, now) = dateline_app::moderation::decide(services, site, *id, decision).await?;
        println!("comment {id}: {} -> {now}", before.status);
    }
    Ok(())
}
