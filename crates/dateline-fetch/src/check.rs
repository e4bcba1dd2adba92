//! Checking that a link still leads somewhere, for keeping sources alive: where a source URL
//! ends up and with which answer, under the same address filter as clipping.
//!
//! HEAD first, the cheapest question a site can answer; when HEAD fails or draws an error
//! status (many servers refuse it with 405 or 501, some answer 403 or 404 to HEAD alone, some
//! drop the connection), the same URL is asked with GET, whose body is never read: the status
//! line and headers are all a check needs, and dropping the response closes the connection.
//! Redirects are followed by hand, each target checked like the first URL; whether the first
//! hop was permanent (301 or 308) is kept, since that is what makes a link "moved". One
//! deadline covers the whole check.

use reqwest::{Method, StatusCode};
use url::Url;

use crate::fetcher::{client_error, is_redirect};
use crate::{FetchError, Fetcher};

/// Where a link led and what answered there: any status, error statuses included (a 404 is a
/// finding, not a failure of the check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnswer {
    /// The final answer's status (not a redirect).
    pub status: u16,
    /// The address that gave it, after redirects.
    pub final_url: String,
    /// The first answer was a permanent redirect (301 or 308).
    pub moved_permanently: bool,
    /// Redirects followed.
    pub redirects: usize,
}

impl Fetcher {
    /// Follows `url` to its final answer. An error means no answer came (no such host, a
    /// refused connection, the deadline, a refused address, too many redirects).
    pub async fn check_link(&self, url: &str) -> Result<LinkAnswer, FetchError> {
        self.within_limit(self.check_link_untimed(url)).await
    }

    async fn check_link_untimed(&self, url: &str) -> Result<LinkAnswer, FetchError> {
        let mut current = self.first_target(url)?;
        let mut redirects = 0;
        let mut moved_permanently = false;
        loop {
            let response = self.ask(&current).await?;
            let status = response.status();
            if !is_redirect(status) {
                return Ok(LinkAnswer { status: status.as_u16(), final_url: current.to_string(), moved_permanently, redirects });
            }
            if redirects == 0 {
                moved_permanently = matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
            }
            current = self.redirect_target(&current, &response, &mut redirects)?;
        }
    }

    /// HEAD, or GET when HEAD fails or answers an error status; the body is never read.
    async fn ask(&self, url: &Url) -> Result<reqwest::Response, FetchError> {
        match self.client.request(Method::HEAD, url.clone()).send().await {
            Ok(response) if !response.status().is_client_error() && !response.status().is_server_error() => Ok(response),
            // The address filter's refusal, or a name that does not resolve, is final: GET
            // would meet the same.
            Err(error) if matches!(client_error(&error), FetchError::BlockedName { .. } | FetchError::Unresolved { .. }) => {
                Err(client_error(&error))
            }
            _ => self.client.request(Method::GET, url.clone()).send().await.map_err(|e| client_error(&e)),
        }
    }
}
