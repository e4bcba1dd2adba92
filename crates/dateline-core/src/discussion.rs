//! The rules of discussion, as pure functions: when a post stops taking comments, what a
//! submitted comment must look like, and whether it is approved, held or spam, and why.

use jiff::Timestamp;

use crate::config::DiscussionSettings;
use crate::model::{CommentStatus, Discussion, Post};
use crate::spam::{self, Score};

/// Whether `post` takes no more comments at `now`: closed by hand, or by age.
pub fn comments_closed(post: &Post, settings: &DiscussionSettings, now: Timestamp) -> bool {
    if post.discussion == Discussion::Closed {
        return true;
    }
    settings.close_old_posts && closes_at(post.published_at, settings.close_after_days).is_some_and(|closes| closes <= now)
}

/// When a post published at `published` closes after `days`; `None` when that is past the last
/// date there is (so it never closes, rather than overflowing).
pub fn closes_at(published: Timestamp, days: u32) -> Option<Timestamp> {
    published.checked_add(jiff::SignedDuration::from_secs(i64::from(days) * 86_400)).ok()
}

/// A comment as a reader sent it, before any checks.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
}

/// A submission that passed the checks, with empty fields as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanSubmission {
    pub author: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: String,
}

/// A field the reader must fix, with a message meant for them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The form field's name (`author`, `email`, `url`, `comment`).
    pub field: &'static str,
    pub message: String,
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, message: message.into() }
}

/// A plausible address: something@domain.tld, no spaces, not absurdly long.
fn looks_like_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
                && email.len() <= 254
        }
        None => false,
    }
}

/// Checks the text of a comment: not empty, not too long; returns it cleaned.
pub fn check_comment_text(text: &str, settings: &DiscussionSettings) -> Result<String, FieldError> {
    let body = crate::text::strip_controls(text.trim()).replace("\r\n", "\n");
    // Invisible characters alone (zero-width spaces, joiners, soft hyphens) say nothing either.
    let invisible = |c: char| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}');
    if body.chars().all(invisible) {
        return Err(field_error("comment", "Please type your comment."));
    }
    let length = body.chars().count();
    if length > settings.max_comment_length as usize {
        return Err(field_error(
            "comment",
            format!("Your comment is {length} characters long; the limit is {}. Please shorten it.", settings.max_comment_length),
        ));
    }
    Ok(body)
}

/// Checks what a reader typed; the first problem found is returned.
pub fn check_submission(sub: &Submission, settings: &DiscussionSettings) -> Result<CleanSubmission, FieldError> {
    let trim = |s: &str| Some(crate::text::strip_controls(s).trim().to_string()).filter(|s| !s.is_empty());
    let (author, email, url) = (trim(&sub.author), trim(&sub.email), trim(&sub.url));
    let body = check_comment_text(&sub.body, settings)?;
    if settings.require_name_email && author.is_none() {
        return Err(field_error("author", "Please give your name."));
    }
    if settings.require_name_email && email.is_none() {
        return Err(field_error("email", "Please give your email address (it is not published)."));
    }
    if author.as_ref().is_some_and(|a| a.chars().count() > 100) {
        return Err(field_error("author", "Your name is longer than 100 characters."));
    }
    if let Some(email) = &email
        && !looks_like_email(email)
    {
        return Err(field_error("email", format!("“{email}” is not an email address.")));
    }
    let url = match url {
        None => None,
        Some(url) => {
            // "example.org" gets https://; "javascript:…" or "data:…" is refused, not prefixed.
            let scheme =
                url.split_once(':').filter(|(before, after)| !before.contains('/') && !after.starts_with(|c: char| c.is_ascii_digit()));
            let with_scheme = match scheme {
                Some(_) => url,
                None => format!("https://{url}"),
            };
            crate::input::check_url("url", &with_scheme)
                .map_err(|_| field_error("url", "The website must be an http:// or https:// address."))?;
            if with_scheme.len() > 200 {
                return Err(field_error("url", "The website address is longer than 200 characters."));
            }
            Some(with_scheme)
        }
    };
    Ok(CleanSubmission { author, email, url, body })
}

/// What becomes of a comment, and the reasons a moderator will read.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: CommentStatus,
    pub reasons: Vec<String>,
}

impl Verdict {
    pub fn reason(&self) -> Option<String> {
        (!self.reasons.is_empty()).then(|| self.reasons.join("; "))
    }
}

/// Where in the comment a listed word was found.
fn find_word<'a>(words: &'a [String], sub: &CleanSubmission, ip: Option<&str>) -> Option<(&'a str, &'static str)> {
    // Lowercased once: a blocklist may hold thousands of words.
    let fields: [(&'static str, Option<String>); 5] = [
        ("comment", Some(sub.body.to_lowercase())),
        ("name", sub.author.as_deref().map(str::to_lowercase)),
        ("email", sub.email.as_deref().map(str::to_lowercase)),
        ("website", sub.url.as_deref().map(str::to_lowercase)),
        ("IP address", ip.map(str::to_lowercase)),
    ];
    words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).find_map(|word| {
        let needle = word.to_lowercase();
        fields.iter().find_map(|(name, value)| value.as_ref().filter(|v| v.contains(&needle)).map(|_| (word, *name)))
    })
}

/// Decides a comment's fate by WordPress's rules plus the spam score. Every rule that
/// applies is named; the strictest outcome wins (spam over held over approved).
pub fn judge(sub: &CleanSubmission, ip: Option<&str>, settings: &DiscussionSettings, has_approved_before: bool, score: &Score) -> Verdict {
    let mut spam = Vec::new();
    let mut hold = Vec::new();
    if let Some((word, field)) = find_word(&settings.disallowed_words, sub, ip) {
        spam.push(format!("disallowed word “{word}” in the {field}"));
    }
    if score.probability >= settings.spam_threshold {
        spam.push(score.explain());
    }
    if settings.moderate_all {
        hold.push("every comment must be approved".to_string());
    }
    let links = spam::link_domains(&sub.body).len();
    if settings.hold_link_count > 0 && links >= settings.hold_link_count as usize {
        hold.push(format!("{links} links (comments with {} or more are held)", settings.hold_link_count));
    }
    if let Some((word, field)) = find_word(&settings.moderation_words, sub, ip) {
        hold.push(format!("moderation word “{word}” in the {field}"));
    }
    if settings.require_prior_approval && !has_approved_before {
        hold.push("first comment from this commenter".to_string());
    }
    if score.probability >= settings.hold_threshold && score.probability < settings.spam_threshold {
        hold.push(score.explain());
    }
    if !spam.is_empty() {
        Verdict { status: CommentStatus::Spam, reasons: spam }
    } else if !hold.is_empty() {
        Verdict { status: CommentStatus::Pending, reasons: hold }
    } else {
        Verdict { status: CommentStatus::Approved, reasons: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neutral() -> Score {
        Score { probability: 0.1, evidence: vec![] }
    }

    fn sub(body: &str) -> CleanSubmission {
        CleanSubmission { author: Some("Ann".into()), email: Some("ann@example.org".into()), url: None, body: body.into() }
    }

    #[test]
    fn checks_fields() {
        let settings = DiscussionSettings::default();
        let ok = Submission { author: "Ann".into(), email: "ann@example.org".into(), url: "example.org".into(), body: " Hi ".into() };
        let clean = check_submission(&ok, &settings).expect("valid");
        assert_eq!(clean.url.as_deref(), Some("https://example.org"));
        assert_eq!(clean.body, "Hi");
        let err = check_submission(&Submission { email: "nope".into(), ..ok.clone() }, &settings).expect_err("email");
        assert_eq!(err.field, "email");
        let err = check_submission(&Submission { url: "javascript:alert(1)".into(), ..ok.clone() }, &settings).expect_err("url");
        assert_eq!(err.field, "url");
        let err = check_submission(&Submission { body: "x".repeat(5001), ..ok.clone() }, &settings).expect_err("long");
        assert!(err.message.contains("5001"), "{err}");
        let err =
            check_submission(&Submission { body: "\u{200B}\u{FEFF} \u{200D}".into(), ..ok.clone() }, &settings).expect_err("invisible");
        assert_eq!(err.message, "Please type your comment.");
        let err = check_submission(&Submission { author: " ".into(), ..ok }, &settings).expect_err("name");
        assert_eq!(err.field, "author");
    }

    #[test]
    fn huge_closing_ages_never_close_and_never_panic() {
        let published: Timestamp = "2024-01-01T00:00:00Z".parse().expect("time");
        assert_eq!(closes_at(published, 14), Some("2024-01-15T00:00:00Z".parse().expect("time")));
        assert_eq!(closes_at(published, u32::MAX), None);
    }

    #[test]
    fn judges_like_wordpress() {
        let mut settings = DiscussionSettings { require_prior_approval: false, ..Default::default() };
        assert_eq!(judge(&sub("Fine."), None, &settings, false, &neutral()).status, CommentStatus::Approved);
        let held = judge(&sub("see https://a.example and https://b.example"), None, &settings, true, &neutral());
        assert_eq!(held.status, CommentStatus::Pending);
        assert!(held.reason().expect("reason").contains("2 links"));
        settings.disallowed_words = vec!["casino".into()];
        settings.moderation_words = vec!["192.0.2.".into()];
        let spam = judge(&sub("Try the Casino"), None, &settings, true, &neutral());
        assert_eq!(spam.status, CommentStatus::Spam);
        assert_eq!(spam.reason().as_deref(), Some("disallowed word “casino” in the comment"));
        let by_ip = judge(&sub("Hello"), Some("192.0.2.7"), &settings, true, &neutral());
        assert_eq!(by_ip.reason().as_deref(), Some("moderation word “192.0.2.” in the IP address"));
        settings.require_prior_approval = true;
        assert_eq!(judge(&sub("Hello"), None, &DiscussionSettings::default(), false, &neutral()).status, CommentStatus::Pending);
    }
}
