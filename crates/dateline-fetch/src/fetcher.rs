//! `Fetcher`: one GET of a page to clip, with every rule of the policy applied on the way:
//! the scheme and the address of the first URL and of each redirect's target, the number of
//! redirects, one deadline for all of it, the size of the body and its type.

use std::error::Error as _;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use url::{Host, Url};

use crate::address::blocked;
use crate::resolver::{AllowList, CheckedResolver};
use crate::{FetchError, FetchPolicy, FetchedBytes, FetchedPage};

/// Sent with every request, so a site's operator can see who is reading and why.
const USER_AGENT: &str = concat!("Dateline/", env!("CARGO_PKG_VERSION"), " (news-curation blog engine; fetching a story to link to)");

/// Types taken as HTML. Anything else (a PDF, an image, JSON) cannot be clipped.
const HTML_TYPES: [&str; 2] = ["text/html", "application/xhtml+xml"];

/// How a body without a Content-Type may begin (after a byte-order mark and white space) to be
/// taken as HTML: some small sites' servers send none, and their pages are still clippable.
const HTML_STARTS: [&[u8]; 7] = [b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<!--"];

/// Fetches pages under one policy. Cheap to clone (the HTTP client and the policy are shared),
/// so one per process is enough; it keeps connections alive between fetches.
#[derive(Clone)]
pub struct Fetcher {
    pub(crate) client: reqwest::Client,
    rules: Arc<Rules>,
}

/// The policy as the fetcher uses it.
struct Rules {
    allow: AllowList,
    policy: FetchPolicy,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, FetchError> {
        let allow = AllowList::new(&policy.allow);
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config()?)
            .dns_resolver(Arc::new(CheckedResolver { allow: allow.clone() }))
            // Followed by hand, so that each target is checked as the first URL is.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would be resolved and reached without our checks, and would reach the
            // target itself: never use one from the environment.
            .no_proxy()
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| FetchError::Setup(error_chain(&e)))?;
        Ok(Fetcher { client, rules: Arc::new(Rules { allow, policy }) })
    }

    /// An HTML page: follows redirects (each checked), refuses anything else with the reason.
    pub async fn fetch_html(&self, url: &str) -> Result<FetchedPage, FetchError> {
        self.within_limit(self.fetch_html_untimed(url)).await
    }

    /// `work` under the policy's one deadline for the whole of it.
    pub(crate) async fn within_limit<T>(&self, work: impl Future<Output = Result<T, FetchError>>) -> Result<T, FetchError> {
        let limit = self.rules.policy.timeout;
        tokio::time::timeout(limit, work).await.unwrap_or(Err(FetchError::Timeout(limit)))
    }

    /// The first URL of a fetch, parsed and checked as every redirect's target is.
    pub(crate) fn first_target(&self, url: &str) -> Result<Url, FetchError> {
        self.check_target(Url::parse(url).map_err(|e| FetchError::InvalidUrl { url: url.to_string(), reason: e.to_string() })?)
    }

    /// Where a redirect answer to `current` leads, checked, and counted in `redirects`
    /// against the policy's limit.
    pub(crate) fn redirect_target(&self, current: &Url, response: &reqwest::Response, redirects: &mut usize) -> Result<Url, FetchError> {
        let target =
            response.headers().get(LOCATION).and_then(|value| value.to_str().ok()).and_then(|location| current.join(location).ok());
        let target = target.ok_or_else(|| FetchError::BadRedirect { status: status_line(response.status()) })?;
        if *redirects == self.rules.policy.max_redirects {
            return Err(FetchError::TooManyRedirects(self.rules.policy.max_redirects));
        }
        *redirects += 1;
        self.check_target(target)
    }

    async fn fetch_html_untimed(&self, url: &str) -> Result<FetchedPage, FetchError> {
        let (current, response) = self.follow(url, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1").await?;
        self.read_html(current, response).await
    }

    /// The 2xx answer to a GET of `url`, after following its redirects (each checked), and
    /// the address that gave it.
    async fn follow(&self, url: &str, accept: &'static str) -> Result<(Url, reqwest::Response), FetchError> {
        let mut current = self.first_target(url)?;
        let mut redirects = 0;
        loop {
            let response = self.client.get(current.clone()).header(ACCEPT, accept).send().await.map_err(|e| client_error(&e))?;
            let status = response.status();
            if is_redirect(status) {
                current = self.redirect_target(&current, &response, &mut redirects)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status_line(status)));
            }
            return Ok((current, response));
        }
    }

    /// Any 2xx body of at most `max_bytes` (and the policy's cap), under the same rules as a
    /// page (scheme, addresses, redirects, the deadline), with its Content-Type: for data that
    /// is not a page to clip, such as an oEmbed answer or a thumbnail, which the caller checks.
    pub async fn fetch_bytes(&self, url: &str, accept: &'static str, max_bytes: usize) -> Result<FetchedBytes, FetchError> {
        let max_bytes = max_bytes.min(self.rules.policy.max_bytes);
        self.within_limit(async {
            let (current, mut response) = self.follow(url, accept).await?;
            let content_type = response.headers().get(CONTENT_TYPE).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            let body = read_capped(&mut response, max_bytes).await?;
            Ok(FetchedBytes { final_url: current.to_string(), content_type, body })
        })
        .await
    }

    /// `url` if it may be fetched: http or https, with a host, and an IP literal (in whatever
    /// spelling the URL had: `url` has already turned decimal, octal and hex forms into
    /// dotted quads) not internal unless allow-listed. Names are checked by the resolver.
    fn check_target(&self, url: Url) -> Result<Url, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::NotHttp { url: url.to_string() });
        }
        let address = match url.host() {
            None => return Err(FetchError::InvalidUrl { url: url.to_string(), reason: "it names no host".into() }),
            Some(Host::Domain(_)) => return Ok(url),
            Some(Host::Ipv4(ip)) => ip.into(),
            Some(Host::Ipv6(ip)) => ip.into(),
        };
        match blocked(address) {
            Some(kind) if !self.rules.allow.contains(&address.to_string()) => {
                Err(FetchError::BlockedAddress { address: address.to_string(), kind })
            }
            _ => Ok(url),
        }
    }

    /// The body of a 2xx answer, if it is HTML and no larger than the cap; never holds more
    /// than the cap in memory.
    async fn read_html(&self, final_url: Url, mut response: reqwest::Response) -> Result<FetchedPage, FetchError> {
        let max_bytes = self.rules.policy.max_bytes;
        let content_type = response.headers().get(CONTENT_TYPE).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let (mime, charset) = content_type.as_deref().map(parse_content_type).unwrap_or_default();
        if content_type.is_some() && !HTML_TYPES.contains(&mime.as_str()) {
            return Err(FetchError::NotHtml(mime));
        }
        let body = read_capped(&mut response, max_bytes).await?;
        if content_type.is_none() && !looks_like_html(&body) {
            return Err(FetchError::NotHtml("no Content-Type".into()));
        }
        Ok(FetchedPage { final_url: final_url.to_string(), status: response.status().as_u16(), charset, body })
    }
}

/// The body, if it is no larger than `max_bytes`; never holds more than that in memory.
async fn read_capped(response: &mut reqwest::Response, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|length| length > max_bytes as u64) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| client_error(&e))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// rustls with ring and the Mozilla roots compiled in: no system certificate store to
/// depend on, and the crypto provider chosen here rather than process-wide.
fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Setup(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The statuses followed; 300 and 304 are not (nothing to clip), and fall to the status check.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// "404 Not Found".
fn status_line(status: StatusCode) -> String {
    format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or_default()).trim_end().to_string()
}

/// The media type in lower case and the charset parameter, from a Content-Type value.
fn parse_content_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|part| part.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string());
    (mime, charset.filter(|charset| !charset.is_empty()))
}

fn looks_like_html(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|byte| !byte.is_ascii_whitespace()).unwrap_or(body.len());
    let head = body[start..].iter().take(16).map(u8::to_ascii_lowercase).collect::<Vec<_>>();
    HTML_STARTS.iter().any(|prefix| head.starts_with(prefix))
}

/// The client's error as ours: the resolver's refusal as it was made, anything else as
/// network trouble with its causes.
pub(crate) fn client_error(error: &reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(refusal) = current.downcast_ref::<FetchError>() {
            return refusal.clone();
        }
        cause = current.source();
    }
    FetchError::Network(error_chain(error))
}

/// The causes under reqwest's own message ("error sending request for url (…)" names the
/// URL the caller already shows and says nothing of why), or that message when there are none.
fn error_chain(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut cause = error.source();
    while let Some(current) = cause {
        causes.push(current.to_string());
        cause = current.source();
    }
    if causes.is_empty() { error.to_string() } else { causes.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::{looks_like_html, parse_content_type};

    #[test]
    fn content_type_gives_the_type_and_the_charset() {
        assert_eq!(parse_content_type("text/html; charset=ISO-8859-1"), ("text/html".into(), Some("ISO-8859-1".into())));
        assert_eq!(parse_content_type("Text/HTML;Charset=\"utf-8\""), ("text/html".into(), Some("utf-8".into())));
        assert_eq!(parse_content_type("application/pdf"), ("application/pdf".into(), None));
        assert_eq!(parse_content_type("text/html; charset="), ("text/html".into(), None));
    }

    #[test]
    fn html_is_recognized_by_its_first_tag() {
        assert!(looks_like_html(b"\xEF\xBB\xBF\n  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<HTML lang=en>"));
        assert!(!looks_like_html(b"%PDF-1.7"));
        assert!(!looks_like_html(b"{\"a\": 1}"));
        assert!(!looks_like_html(b""));
    }
}
