//! Keeping sources alive: what is known of each story a post links to, and the rules that turn
//! one check of its link into its state. No I/O: the check itself is `dateline-fetch`'s, the
//! runs are `dateline-app`'s, the rows the store's.

use jiff::Timestamp;
use serde::Serialize;

use crate::model::{PostId, PostStatus, SourceState};

/// A 404 or 410 this many checks in a row makes a source gone: one missing answer may be a
/// site's bad minute (a deploy, a CDN hiccup), two a day apart are not.
pub const GONE_AFTER: u32 = 2;

/// One source URL, as the last checks left it (a row of the `sources` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLink {
    /// The link as posts give it (`source.url`); the row's key.
    pub url: String,
    pub state: SourceState,
    /// Where the link led at the last check, after redirects (the address to update to when moved).
    pub final_url: Option<String>,
    /// The last answer's status (after redirects); none when nothing answered.
    pub http_status: Option<u16>,
    pub last_checked_at: Option<Timestamp>,
    /// When the link last led to a page.
    pub last_good_at: Option<Timestamp>,
    /// Checks in a row that did not lead to a page.
    pub failures: u32,
    /// Checks in a row answered 404 or 410 ([`GONE_AFTER`] make it gone).
    pub missing_strikes: u32,
    /// Why the last check failed, in words ("no answer within 10 s"); none after a good one.
    pub problem: Option<String>,
}

impl SourceLink {
    /// A link not checked yet.
    pub fn unchecked(url: &str) -> SourceLink {
        SourceLink {
            url: url.to_string(),
            state: SourceState::Unchecked,
            final_url: None,
            http_status: None,
            last_checked_at: None,
            last_good_at: None,
            failures: 0,
            missing_strikes: 0,
            problem: None,
        }
    }

    /// The link after a check at `at` found `finding`.
    pub fn after(&self, finding: &Finding, at: Timestamp) -> SourceLink {
        let mut next = SourceLink { last_checked_at: Some(at), ..self.clone() };
        match finding {
            Finding::Page { status, final_url, moved } => {
                next.state = if *moved { SourceState::Moved } else { SourceState::Ok };
                next.http_status = Some(*status);
                next.final_url = Some(final_url.clone());
                next.last_good_at = Some(at);
                next.failures = 0;
                next.missing_strikes = 0;
                next.problem = None;
            }
            Finding::Missing { status, final_url } => {
                next.missing_strikes = self.missing_strikes.saturating_add(1);
                next.failures = self.failures.saturating_add(1);
                next.state = if next.missing_strikes >= GONE_AFTER { SourceState::Gone } else { SourceState::Unreachable };
                next.http_status = Some(*status);
                next.final_url = Some(final_url.clone());
                next.problem = Some(format!("the address answered {status}"));
            }
            Finding::Failed { status, reason } => {
                // Not missing this time, so the 404s are no longer "in a row".
                next.missing_strikes = 0;
                next.failures = self.failures.saturating_add(1);
                next.state = SourceState::Unreachable;
                next.http_status = *status;
                next.problem = Some(reason.clone());
            }
        }
        next
    }
}

/// What one check of a link found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A page answered (2xx, or another answer that is not an error: 304, say).
    Page {
        status: u16,
        final_url: String,
        /// The first hop was a permanent redirect (301 or 308).
        moved: bool,
    },
    /// 404 Not Found or 410 Gone.
    Missing { status: u16, final_url: String },
    /// Anything else: no answer in time, refused, an error status, a refused address.
    Failed { status: Option<u16>, reason: String },
}

/// A post citing a source, for the admin's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CitingPost {
    /// The source URL it gives.
    pub url: String,
    pub id: PostId,
    pub title: String,
    pub status: PostStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).expect("time")
    }

    fn missing() -> Finding {
        Finding::Missing { status: 404, final_url: "https://example.com/a".into() }
    }

    #[test]
    fn a_page_is_ok_and_a_permanent_redirect_is_moved() {
        let link = SourceLink::unchecked("https://example.com/a");
        let ok = link.after(&Finding::Page { status: 200, final_url: "https://example.com/a".into(), moved: false }, at(10));
        assert_eq!((ok.state, ok.last_good_at, ok.failures), (SourceState::Ok, Some(at(10)), 0));
        let moved = ok.after(&Finding::Page { status: 200, final_url: "https://example.com/b".into(), moved: true }, at(20));
        assert_eq!((moved.state, moved.final_url.as_deref()), (SourceState::Moved, Some("https://example.com/b")));
    }

    #[test]
    fn gone_takes_two_missing_answers_in_a_row() {
        let link = SourceLink::unchecked("https://example.com/a");
        let once = link.after(&missing(), at(10));
        assert_eq!((once.state, once.missing_strikes, once.failures), (SourceState::Unreachable, 1, 1));
        let twice = once.after(&missing(), at(20));
        assert_eq!((twice.state, twice.failures, twice.last_good_at), (SourceState::Gone, 2, None));

        // A timeout between two 404s breaks the run.
        let broken =
            once.after(&Finding::Failed { status: None, reason: "no answer within 10 s".into() }, at(20)).after(&missing(), at(30));
        assert_eq!((broken.state, broken.missing_strikes, broken.failures), (SourceState::Unreachable, 1, 3));

        // A page again makes it ok and forgets the failures.
        let back = twice.after(&Finding::Page { status: 200, final_url: "https://example.com/a".into(), moved: false }, at(40));
        assert_eq!((back.state, back.failures, back.missing_strikes, back.problem), (SourceState::Ok, 0, 0, None));
    }
}
