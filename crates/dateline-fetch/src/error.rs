//! Why a fetch was refused or failed. Every message says why in words a curator can act on;
//! the CLI prints it after the URL, the admin and the API show it as it is.

use std::time::Duration;

use crate::address::Blocked;

/// A refused or failed fetch. `Clone` (every detail is text) so the resolver's refusal can be
/// taken back out of the HTTP client's error chain unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// Not a URL at all, or one without a host.
    #[error("{url} is not a usable address: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// ftp:, file:, data: and the rest.
    #[error("{url} is not an http or https address")]
    NotHttp { url: String },
    /// An IP address written in the URL (in any of its spellings) that may not be reached.
    #[error("{address} is {kind}")]
    BlockedAddress { address: String, kind: Blocked },
    /// A name resolving to at least one address that may not be reached.
    #[error("{host} resolves to {address}, {kind}")]
    BlockedName { host: String, address: String, kind: Blocked },
    /// The name does not resolve.
    #[error("cannot find {host}: {reason}")]
    Unresolved { host: String, reason: String },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// A 3xx answer whose Location is missing or not a URL.
    #[error("the address answered {status} with no usable Location to follow")]
    BadRedirect { status: String },
    /// The whole fetch (connecting, redirects, headers and body) took longer than allowed.
    #[error("no answer within {}", seconds(*.0))]
    Timeout(Duration),
    #[error("the page is larger than {}", size(*.0))]
    TooLarge(usize),
    /// Not `text/html` or `application/xhtml+xml` (or no Content-Type and no HTML in sight).
    #[error("the address answered with {0}, not an HTML page")]
    NotHtml(String),
    /// A final answer other than 2xx, e.g. "404 Not Found".
    #[error("the address answered {0}")]
    Status(String),
    /// Connecting, TLS or reading failed.
    #[error("cannot read the page: {0}")]
    Network(String),
    /// The HTTP client could not be set up (TLS configuration).
    #[error("cannot set up fetching: {0}")]
    Setup(String),
}

/// "10 s", or "250 ms" below a second.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// "5 MiB" when it is a whole number of MiB, else bytes.
fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) { format!("{} MiB", bytes / MIB) } else { format!("{bytes} bytes") }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::FetchError;
    use crate::address::Blocked;

    #[test]
    fn messages_say_why() {
        let cases = [
            (FetchError::NotHttp { url: "ftp://example.com/a".into() }, "ftp://example.com/a is not an http or https address"),
            (
                FetchError::BlockedName { host: "example.internal".into(), address: "10.1.2.3".into(), kind: Blocked::Private },
                "example.internal resolves to 10.1.2.3, a private address",
            ),
            (FetchError::TooManyRedirects(5), "more than 5 redirects"),
            (FetchError::Timeout(Duration::from_secs(10)), "no answer within 10 s"),
            (FetchError::Timeout(Duration::from_millis(300)), "no answer within 300 ms"),
            (FetchError::TooLarge(5 * 1024 * 1024), "the page is larger than 5 MiB"),
            (FetchError::TooLarge(1000), "the page is larger than 1000 bytes"),
            (FetchError::NotHtml("application/pdf".into()), "the address answered with application/pdf, not an HTML page"),
            (FetchError::Status("404 Not Found".into()), "the address answered 404 Not Found"),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
