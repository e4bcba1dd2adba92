//! Fair quoting: how many of a source's words a post quotes, the site's limit on it (`[quote]`,
//! the admin's Settings), and the decision a save makes when a post that readers will see
//! quotes more. One copy for every door: the admin's editor and its live counter, bulk
//! publishing, the REST API and `dateline post new` measure and decide here.
//!
//! What a post quotes is its excerpt (the source's paragraphs it carries) and the block quotes
//! in its body. The body is read as rendered (`dateline_render::blockquote_text`), so a
//! Markdown `>` and a `<blockquote>` count alike. Words are counted as `dateline_clip` counts a
//! story's (`split_whitespace`), so the percentage compares like with like.

use dateline_core::accounts::Capability;
use dateline_core::config::QuoteSettings;
use dateline_core::{PostKind, PostStatus, PostWrite, QuoteOverride, Source, User};
use jiff::Timestamp;
use serde::Serialize;

/// Words in `text`, counted as `dateline_clip` counts a whole story's.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The words a post quotes: its excerpt paragraphs and the block quotes of its rendered body.
pub fn quoted_words(source: Option<&Source>, body_html: &str) -> u32 {
    let excerpt: usize = source.map_or(0, |s| s.excerpt.iter().map(|p| count_words(p)).sum());
    let quoted = excerpt + count_words(&dateline_render::blockquote_text(body_html));
    u32::try_from(quoted).unwrap_or(u32::MAX)
}

/// A post's quoting against the site's limit, with what the limit is made of (for messages
/// and the editor's counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// The words the post quotes.
    pub quoted: u32,
    /// The limit that applies (the smaller of the two rules); `None`: no limit.
    pub limit: Option<u32>,
    /// The source's words, when known.
    pub source_words: Option<u32>,
    /// The site's percentage rule, when on (it applies only with the source's words known).
    pub percent: Option<u32>,
}

impl Measure {
    /// The post quotes more than the limit.
    pub fn over(&self) -> bool {
        self.limit.is_some_and(|limit| self.quoted > limit)
    }

    /// The counter's line: "Quoted: 120 of 300 words (30 % of 1,250)".
    pub fn summary(&self) -> String {
        let quoted = thousands(self.quoted);
        let basis = match (self.percent, self.source_words) {
            (Some(percent), Some(words)) => format!(" ({percent} % of {})", thousands(words)),
            _ => String::new(),
        };
        match self.limit {
            Some(limit) => format!("Quoted: {quoted} of {} words{basis}", thousands(limit)),
            None => format!("Quoted: {quoted} words (no limit)"),
        }
    }
}

/// `limits` applied to a post quoting `quoted` words of a source of `source_words`.
pub fn measure_words(limits: &QuoteSettings, quoted: u32, source_words: Option<u32>) -> Measure {
    let percent = (limits.max_percent > 0).then_some(limits.max_percent);
    // Rounded down: "30 %" is never more than 30 % of the story.
    let by_percent = percent.zip(source_words).map(|(p, words)| u32::try_from(u64::from(words) * u64::from(p) / 100).unwrap_or(u32::MAX));
    let by_words = (limits.max_words > 0).then_some(limits.max_words);
    let limit = match (by_words, by_percent) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Measure { quoted, limit, source_words, percent }
}

/// `limits` applied to `write`.
pub fn measure(limits: &QuoteSettings, write: &PostWrite) -> Measure {
    let source = write.source.as_ref();
    measure_words(limits, quoted_words(source, &write.body_html), source.and_then(|s| s.words))
}

/// "1,250".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why a post that quotes too much was not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteRefusal {
    /// Over the limit, and nobody allowed it.
    #[error("{}", over_message(.0))]
    OverLimit(Measure),
    /// Over the limit, and the account asking to publish anyway may not decide that.
    #[error("{}; only editors and administrators may publish over the quote limit", over_message(.0))]
    MayNotOverride(Measure),
}

impl QuoteRefusal {
    pub fn measure(&self) -> &Measure {
        match self {
            QuoteRefusal::OverLimit(m) | QuoteRefusal::MayNotOverride(m) => m,
        }
    }
}

/// "The post quotes 420 words of its source; the site's limit is 300 words (30 % of the
/// source's 1,000 words)"; the percentage is named when it is the limit that applies.
fn over_message(m: &Measure) -> String {
    let by_percent = m.percent.zip(m.source_words).map(|(p, words)| u64::from(words) * u64::from(p) / 100);
    let basis = match (m.percent, m.source_words) {
        (Some(percent), Some(words)) if by_percent == m.limit.map(u64::from) => {
            format!(" ({percent} % of the source's {} words)", thousands(words))
        }
        _ => String::new(),
    };
    format!(
        "The post quotes {} words of its source; the site's limit is {} words{basis}",
        thousands(m.quoted),
        thousands(m.limit.unwrap_or(0))
    )
}

/// What a save checks a post's quoting against: the site's limits (`Site::config.quote`), and
/// whether the person saving asked to publish over them (the editor's "Publish over the quote
/// limit", the API's `quote_override`).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub limits: QuoteSettings,
    pub override_asked: bool,
}

/// Whether a status puts the post before readers. Scheduling counts: the scheduler only
/// flips the status when the time comes (and readers see the post from its time whatever
/// the status says), so scheduling is the publication decision and is checked as one.
/// Drafts, pending review and private posts are never refused.
pub fn reaches_readers(status: PostStatus) -> bool {
    matches!(status, PostStatus::Published | PostStatus::Scheduled)
}

/// What a save of `write` may do about its quoting, under `limits`: `Ok(None)` to save it as
/// it is (not before readers, not a post, within the limit, or no more than an editor allowed
/// before); `Ok(Some(record))` to save it with `override_by`'s decision recorded; a refusal
/// otherwise. `override_by` is the account asking to publish over the limit, if any; it is
/// ignored while the post is within the limit (nothing to record). Pages are not link posts
/// and are not measured.
pub fn decide(
    limits: &QuoteSettings,
    write: &PostWrite,
    override_by: Option<&User>,
    now: Timestamp,
) -> Result<Option<QuoteOverride>, QuoteRefusal> {
    if write.kind != PostKind::Post || !reaches_readers(write.status) {
        return Ok(None);
    }
    let measure = measure(limits, write);
    if !measure.over() {
        return Ok(None);
    }
    match override_by {
        Some(user) if user.role.can(Capability::OverrideQuoteLimit) => {
            Ok(Some(QuoteOverride { by: Some(user.id), by_name: Some(user.display_name.clone()), at: now, words: measure.quoted }))
        }
        Some(_) => Err(QuoteRefusal::MayNotOverride(measure)),
        // An editor allowed this much before (an edit that fixes a typo needs no new decision).
        None if write.quote_override.as_ref().is_some_and(|o| measure.quoted <= o.words) => Ok(None),
        None => Err(QuoteRefusal::OverLimit(measure)),
    }
}

/// Whether the admin's list should show `override_record` for a post measured as `measure`:
/// only while the post is over the limit (the record stays on the post as history).
pub fn shows_override(measure: &Measure, override_record: Option<&QuoteOverride>) -> bool {
    measure.over() && override_record.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_core::{BodyFormat, Role};

    fn limits(max_words: u32, max_percent: u32) -> QuoteSettings {
        QuoteSettings { max_words, max_percent }
    }

    fn user(role: Role) -> User {
        User { id: 7, login: "u".into(), display_name: "Una Editor".into(), slug: "u".into(), role, email: None }
    }

    /// A published link post quoting `excerpt` and a body of `body_markdown`.
    fn post(excerpt: &[&str], body_markdown: &str, source_words: Option<u32>) -> PostWrite {
        PostWrite {
            title: "T".into(),
            slug: "t".into(),
            body_source: body_markdown.into(),
            body_html: dateline_render::markdown_to_html(body_markdown),
            source: Some(Source { excerpt: excerpt.iter().map(|p| p.to_string()).collect(), words: source_words, ..Source::default() }),
            status: PostStatus::Published,
            ..PostWrite::new_draft(PostKind::Post, 1, BodyFormat::Markdown)
        }
    }

    fn words(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    #[test]
    fn counts_the_excerpt_and_the_block_quotes() {
        let write = post(
            &["one two three", "four  five\tsix"],
            "My take, not counted.\n\n> seven eight\n\n<blockquote>nine ten</blockquote>",
            None,
        );
        assert_eq!(quoted_words(write.source.as_ref(), &write.body_html), 10);
        // Unicode: words are what whitespace separates, whatever the script (as the clip crate counts).
        let write = post(&["Ça va très bien", "東京 タワー"], "", None);
        assert_eq!(quoted_words(write.source.as_ref(), &write.body_html), 6);
        assert_eq!(count_words("\u{a0}a\u{2003}b "), 2);
    }

    #[test]
    fn the_smaller_limit_applies() {
        assert_eq!(measure_words(&limits(300, 30), 10, None).limit, Some(300));
        assert_eq!(measure_words(&limits(300, 30), 10, Some(500)).limit, Some(150));
        assert_eq!(measure_words(&limits(300, 30), 10, Some(5_000)).limit, Some(300));
        assert_eq!(measure_words(&limits(0, 30), 10, Some(999)).limit, Some(299));
        assert_eq!(measure_words(&limits(0, 30), 10, None).limit, None);
        assert_eq!(measure_words(&limits(300, 0), 10, Some(10)).limit, Some(300));
        assert_eq!(measure_words(&limits(0, 0), u32::MAX, Some(10)).limit, None);
        assert!(!measure_words(&limits(300, 0), 300, None).over());
        assert!(measure_words(&limits(300, 0), 301, None).over());
    }

    #[test]
    fn the_counter_reads_as_a_sentence() {
        assert_eq!(measure_words(&limits(300, 30), 120, Some(1_250)).summary(), "Quoted: 120 of 300 words (30 % of 1,250)");
        assert_eq!(measure_words(&limits(300, 30), 120, None).summary(), "Quoted: 120 of 300 words");
        assert_eq!(measure_words(&limits(0, 0), 1_234_567, None).summary(), "Quoted: 1,234,567 words (no limit)");
        let refusal = QuoteRefusal::OverLimit(measure_words(&limits(300, 30), 420, Some(1_000)));
        assert!(
            refusal
                .to_string()
                .starts_with("The post quotes 420 words of its source; the site's limit is 300 words (30 % of the source's 1,000"),
            "{refusal}"
        );
    }

    #[test]
    fn only_what_readers_will_see_is_refused() {
        let now = Timestamp::now();
        let over = post(&[&words(301)], "", None);
        assert!(matches!(decide(&limits(300, 30), &over, None, now), Err(QuoteRefusal::OverLimit(m)) if m.quoted == 301));
        let scheduled = PostWrite { status: PostStatus::Scheduled, ..over.clone() };
        assert!(decide(&limits(300, 30), &scheduled, None, now).is_err());
        for status in [PostStatus::Draft, PostStatus::Pending, PostStatus::Private, PostStatus::Trash] {
            assert_eq!(decide(&limits(300, 30), &PostWrite { status, ..over.clone() }, None, now), Ok(None));
        }
        let page = PostWrite { kind: PostKind::Page, ..over.clone() };
        assert_eq!(decide(&limits(300, 30), &page, None, now), Ok(None));
        // The percentage, once the source's words are known.
        let short_source = post(&[&words(40)], "", Some(100));
        assert!(decide(&limits(300, 30), &short_source, None, now).is_err());
        assert_eq!(decide(&limits(300, 0), &short_source, None, now), Ok(None));
    }

    #[test]
    fn editors_may_publish_over_the_limit_and_it_is_recorded() {
        let now = Timestamp::now();
        let over = post(&[&words(301)], "", None);
        for role in [Role::Author, Role::Contributor] {
            assert!(matches!(decide(&limits(300, 30), &over, Some(&user(role)), now), Err(QuoteRefusal::MayNotOverride(_))));
        }
        let record = decide(&limits(300, 30), &over, Some(&user(Role::Editor)), now).expect("allowed").expect("recorded");
        assert_eq!((record.by, record.words, record.at), (Some(7), 301, now));
        // Within the limit there is nothing to record.
        assert_eq!(decide(&limits(300, 30), &post(&["a"], "", None), Some(&user(Role::Administrator)), now), Ok(None));
        // Saved again later: as much as was allowed passes; more needs a new decision.
        let allowed = PostWrite { quote_override: Some(record), ..over.clone() };
        assert_eq!(decide(&limits(300, 30), &allowed, None, now), Ok(None));
        let more = PostWrite { body_html: "<blockquote>one more</blockquote>".into(), ..allowed };
        assert!(decide(&limits(300, 30), &more, None, now).is_err());
    }
}
