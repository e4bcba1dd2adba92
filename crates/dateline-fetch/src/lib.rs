//! Fetching a web page to clip, safely. The admin and the API let signed-in people make the
//! server fetch a URL, which without care lets them read the server's own network (server-side
//! request forgery: cloud metadata at 169.254.169.254, an admin port on localhost, the
//! intranet). So a fetch here:
//!
//! - takes http and https only;
//! - refuses internal addresses ([`address`]: private, loopback, link-local, multicast, CGNAT,
//!   IPv6 unique-local and the rest, also spelled in decimal, octal, hex or inside IPv6),
//!   checking **every** address a name resolves to in the client's own resolver, so the
//!   connection only ever goes to a checked address; IP literals are checked before the
//!   request; hosts in [`FetchPolicy::allow`] are exempt;
//! - follows at most 5 redirects by hand, checking each target the same way;
//! - gives up after 10 s for the whole of it, reads at most 5 MiB, and takes only HTML
//!   (`text/html`, `application/xhtml+xml`, or no Content-Type and a body that begins like
//!   HTML);
//! - refuses a final 4xx or 5xx (there is nothing to clip), and says why for every refusal.
//!
//! The client is reqwest with rustls: it has the resolver hook this needs (`dns::Resolve`),
//! and it is hyper and hyper-util underneath, which the server already builds on, with rustls,
//! ring and the webpki roots that mail already uses: one TLS stack, no OpenSSL, no aws-lc.
//! hyper-util's client alone would save reqwest's thin layer but mean writing the TLS
//! connector, body limits and error mapping ourselves. [`Fetcher::check_link`] follows a link
//! under the same rules to say where it leads (for keeping sources alive). Extraction is not here
//! (`dateline-clip`), nor the store: this crate knows HTTP and addresses only.

pub mod address;
mod check;
mod error;
mod fetcher;
mod resolver;

use std::time::Duration;

pub use address::Blocked;
pub use check::LinkAnswer;
pub use error::FetchError;
pub use fetcher::Fetcher;

/// The environment variable that adds hosts (comma-separated) to `[fetch] allow`.
pub const ALLOW_ENV: &str = "DATELINE_FETCH_ALLOW";

/// What a fetch may do. `Default` is the policy of issue 10; tests shorten the limits.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchPolicy {
    /// Hosts (names or IP addresses, as written in a URL) that may resolve to private addresses.
    pub allow: Vec<String>,
    /// For the whole fetch: connecting, every redirect, the headers and the body.
    pub timeout: Duration,
    /// The largest body read; a larger page is refused, not cut.
    pub max_bytes: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy { allow: Vec::new(), timeout: Duration::from_secs(10), max_bytes: 5 * 1024 * 1024, max_redirects: 5 }
    }
}

impl FetchPolicy {
    /// The default policy with `allow` from `[fetch] allow` and the DATELINE_FETCH_ALLOW
    /// environment variable (comma-separated), both.
    pub fn with_allow(config_allow: &[String]) -> FetchPolicy {
        let from_env = std::env::var(ALLOW_ENV).unwrap_or_default();
        FetchPolicy { allow: merge_allow(config_allow, &from_env), ..FetchPolicy::default() }
    }
}

/// The configured hosts, then the variable's, blanks dropped.
fn merge_allow(config_allow: &[String], from_env: &str) -> Vec<String> {
    config_allow
        .iter()
        .map(String::as_str)
        .chain(from_env.split(','))
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(String::from)
        .collect()
}

/// A fetched HTML page, ready for `dateline_clip::extract(&body, &final_url, charset)`.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// Where the page was finally read from, after redirects.
    pub final_url: String,
    pub status: u16,
    /// The charset parameter of the Content-Type header, if any.
    pub charset: Option<String>,
    pub body: Vec<u8>,
}

/// Any fetched body ([`Fetcher::fetch_bytes`]), for the caller to check.
#[derive(Debug, Clone)]
pub struct FetchedBytes {
    /// Where the body was finally read from, after redirects.
    pub final_url: String,
    /// The Content-Type header as sent, if any.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::{FetchPolicy, merge_allow};

    #[test]
    fn the_default_policy_is_the_issues() {
        let policy = FetchPolicy::default();
        assert_eq!((policy.timeout.as_secs(), policy.max_bytes, policy.max_redirects), (10, 5 * 1024 * 1024, 5));
        assert!(policy.allow.is_empty());
    }

    #[test]
    fn allow_comes_from_the_config_and_the_environment() {
        assert_eq!(merge_allow(&["intranet.example".into()], " 127.0.0.1, localhost,,"), ["intranet.example", "127.0.0.1", "localhost"]);
        assert!(merge_allow(&[], "").is_empty());
    }
}
