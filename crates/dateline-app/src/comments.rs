//! Accepting a comment: the one pipeline every door sends a comment through (the reader's form,
//! the REST API; later federation). In order: the post takes comments, the text (and for
//! readers without an account, name, email and website) passes its checks, a reply answers an
//! approved comment of the post and is re-parented to the deepest level allowed, the comment
//! is judged (trusted accounts approved; everyone else through the moderation rules, word lists
//! and the spam score, with the door's own signs of a bot), and it is stored under the
//! duplicate and flood checks, which hold across instances.
//!
//! What only one door can know (the form's honeypot and how fast it came back) arrives in
//! [`Sender`]; what the door does with a refusal (a page with the text kept, a JSON error) is
//! the door's business.

use dateline_core::accounts::Capability;
use dateline_core::config::DiscussionSettings;
use dateline_core::discussion::{CleanSubmission, Submission, Verdict, check_comment_text, check_submission, comments_closed, judge};
use dateline_core::{Comment, CommentKind, CommentOutcome, CommentStatus, FloodLimit, NewComment, Post, Store, StoreError, User};
use jiff::Timestamp;

/// Who sent a comment, as far as the door knows.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    /// The signed-in account: the comment is posted as it (its name, email and author page).
    pub account: Option<User>,
    /// The client's address (flood limit, moderation rules, the record).
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// Seconds between the form being shown and sent, when the door has a form.
    pub seconds_taken: Option<i64>,
    /// The form's hidden field that only bots fill in was filled in.
    pub honeypot_filled: bool,
}

/// A comment as sent.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// What was typed (name, email and website are ignored for a signed-in account).
    pub submission: Submission,
    /// The comment it replies to.
    pub parent: Option<i64>,
    /// Mail the commenter when someone replies.
    pub notify: bool,
    /// A status chosen by someone who may moderate (the API's `status`); the door checks the
    /// right to choose before asking.
    pub status: Option<CommentStatus>,
}

/// Why a comment was not stored; the sender's text is theirs to keep.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Not an entry readers can comment on (private, not published yet).
    #[error("there is no post here to comment on")]
    NoSuchPost,
    #[error("Comments are closed on this post; your comment was not posted.")]
    Closed,
    /// A field to fix, named as the form names it.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("The comment you replied to is not on this post (it may have been removed).")]
    ParentGone,
    #[error("Duplicate comment detected; it looks as though you’ve already said that!")]
    Duplicate,
    /// Over the address's limit; it may try again after this many seconds.
    #[error("You are commenting faster than this site allows. Please wait {wait_seconds} seconds and send again.")]
    Flooded { wait_seconds: i64 },
    /// The store failed (busy, full); nothing was stored.
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}

/// A stored comment, with the approved comments of its post as they were before it (the web
/// door works out which comment page shows it).
#[derive(Debug)]
pub struct Accepted {
    pub comment: Comment,
    pub approved_before: Vec<Comment>,
}

/// Whether `account` is trusted on `post`: its author, or someone who may moderate (as
/// WordPress publishes their comments at once).
pub fn trusted(account: Option<&User>, post: &Post) -> bool {
    account.is_some_and(|user| user.role.can(Capability::ModerateComments) || user.id == post.author.id)
}

/// Runs `incoming` through every rule and stores it, or says why not. `author_url` is the
/// web address a signed-in account's comment links to (its author page).
pub async fn accept(
    store: &dyn Store,
    settings: &DiscussionSettings,
    post: &Post,
    incoming: Incoming,
    sender: &Sender,
    author_url: Option<String>,
    now: Timestamp,
) -> Result<Accepted, Refusal> {
    if !post.is_public_at(now) {
        return Err(Refusal::NoSuchPost);
    }
    if comments_closed(post, settings, now) {
        return Err(Refusal::Closed);
    }
    let invalid = |e: dateline_core::discussion::FieldError| Refusal::Invalid { field: e.field, message: e.message };
    let clean = match &sender.account {
        Some(user) => {
            let body = check_comment_text(&incoming.submission.body, settings).map_err(invalid)?;
            CleanSubmission { author: Some(user.display_name.clone()), email: user.email.clone(), url: author_url, body }
        }
        None => check_submission(&incoming.submission, settings).map_err(invalid)?,
    };

    // A reply answers an approved comment of this post; too deep a reply joins the deepest
    // level allowed.
    let approved_before = store.comments_for_post(post.id, CommentStatus::Approved).await?;
    let parent = match incoming.parent.filter(|p| *p > 0) {
        Some(requested) if approved_before.iter().any(|c| c.id == requested) => {
            Some(crate::threads::reply_target(&approved_before, requested, settings.thread_depth))
        }
        Some(_) => return Err(Refusal::ParentGone),
        None => None,
    };

    let trusted = trusted(sender.account.as_ref(), post);
    let (verdict, spam_score) = match (incoming.status, trusted) {
        (Some(status), _) => (Verdict { status, reasons: vec!["status chosen by a moderator".into()] }, None),
        (None, true) => (Verdict { status: CommentStatus::Approved, reasons: Vec::new() }, None),
        (None, false) => {
            let (verdict, score) = screen(store, settings, &clean, sender).await?;
            (verdict, Some(score))
        }
    };
    let new = NewComment {
        kind: CommentKind::Comment,
        author_name: clean.author,
        author_email: clean.email,
        author_url: clean.url,
        author_ip: sender.address.clone(),
        user_agent: sender.user_agent.as_ref().map(|ua| ua.chars().take(255).collect()),
        body: clean.body,
        body_format: dateline_core::BodyFormat::Markdown,
        status: verdict.status,
        created_at: now,
        moderation_reason: verdict.reason(),
        spam_score,
        notify: incoming.notify,
        user_id: sender.account.as_ref().map(|user| user.id),
        parent_index: None,
    };
    // The flood limit counts the address's stored comments, as WordPress's flood check does
    // (a reader fixing a typo is not flooding), in the store every instance shares; it and the
    // duplicate check are made with the insert, so simultaneous sends cannot slip past.
    let window = jiff::SignedDuration::from_secs(i64::from(settings.rate_limit_window_seconds));
    let flood = match (&new.author_ip, trusted || settings.rate_limit_count == 0) {
        (Some(address), false) => Some(FloodLimit { address: address.clone(), since: now - window, max: settings.rate_limit_count }),
        _ => None,
    };
    match store.create_comment_checked(post.id, parent, new, flood.as_ref()).await? {
        CommentOutcome::Created(comment) => Ok(Accepted { comment: *comment, approved_before }),
        CommentOutcome::Duplicate => Err(Refusal::Duplicate),
        CommentOutcome::Flooded { oldest } => {
            Err(Refusal::Flooded { wait_seconds: (oldest + window).duration_since(now).as_secs().max(1) })
        }
    }
}

/// The moderation verdict and spam score. A bot caught by the honeypot goes to spam; a form
/// sent faster than people type is held (a reader with autofill may be that fast), so the
/// "awaiting moderation" note its author sees is true. Either way the reason is recorded.
async fn screen(
    store: &dyn Store,
    settings: &DiscussionSettings,
    clean: &CleanSubmission,
    sender: &Sender,
) -> Result<(Verdict, f64), StoreError> {
    let tokens = dateline_core::spam::tokens(clean.author.as_deref(), clean.email.as_deref(), clean.url.as_deref(), &clean.body);
    let learned = store.spam_counts(&tokens).await?;
    let score = dateline_core::spam::score(&tokens, &learned);
    let prior = store.has_approved_comment(clean.email.as_deref(), clean.author.as_deref()).await?;
    let mut verdict = judge(clean, sender.address.as_deref(), settings, prior, &score);
    if sender.honeypot_filled {
        verdict = Verdict { status: CommentStatus::Spam, reasons: vec!["the hidden honeypot field was filled in".into()] };
    } else if let Some(seconds) = sender.seconds_taken.filter(|s| *s < i64::from(settings.min_submit_seconds)) {
        let reason = format!("sent {seconds} s after the form was shown (people take at least {} s)", settings.min_submit_seconds);
        let status = if verdict.status == CommentStatus::Spam { CommentStatus::Spam } else { CommentStatus::Pending };
        verdict.reasons.insert(0, reason);
        verdict = Verdict { status, reasons: verdict.reasons };
    }
    Ok((verdict, score.probability))
}
