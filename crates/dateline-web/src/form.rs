//! Request extractors whose rejections speak our error format: a form that cannot be read
//! becomes a themed 400 (or 413) page with a plain message, not axum's bare text.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::AppError;

/// `axum::Form`, with rejections mapped to [`AppError`].
pub(crate) struct AppForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppForm<T> {
    type Rejection = axum::response::Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest("Send the form as application/x-www-form-urlencoded.".into()).into_response());
        }
        let body = match axum::body::Bytes::from_request(request, state).await {
            Ok(body) => body,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
            }
            Err(_) => return Err(AppError::BadRequest("The form could not be read.".into()).into_response()),
        };
        // A field sent twice keeps its first value, as a browser's first input wins in
        // WordPress too; the form is read rather than refused, so what was typed is kept.
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(&body).into_owned() {
            if !pairs.iter().any(|(k, _)| *k == key) {
                pairs.push((key, value));
            }
        }
        let text = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        serde_urlencoded::from_str::<T>(&text)
            .map(AppForm)
            .map_err(|_| AppError::BadRequest("The form could not be read: a field has a value of the wrong kind.".into()).into_response())
    }
}

/// A form body's fields in order, repeated keys kept (checkbox lists arrive that way).
pub(crate) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `name`, without control characters and surrounding space ("" if absent).
pub(crate) fn form_field(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| dateline_core::text::strip_controls(v).trim().to_string()).unwrap_or_default()
}

/// A Set-Cookie value for this site: HttpOnly, SameSite=Lax, `Secure` when the site is served
/// over https; kept `max_age` seconds, or for the browser session.
pub(crate) fn cookie_header(state: &crate::AppState, name: &str, value: &str, max_age: Option<i64>) -> Option<axum::http::HeaderValue> {
    let secure = if state.site().base_url.starts_with("https://") { "; Secure" } else { "" };
    let max_age = max_age.map(|seconds| format!("; Max-Age={seconds}")).unwrap_or_default();
    axum::http::HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{max_age}")).ok()
}

/// A cookie's value from the request headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop (the one the
/// trusted proxy added; earlier hops are whatever the client sent) when the site is
/// configured to trust its proxy.
pub(crate) fn client_ip(headers: &HeaderMap, peer: Option<std::net::SocketAddr>, trust_forwarded_for: bool) -> Option<std::net::IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    peer.map(|p| p.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_client_addresses() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; dateline_csrf=abc; b=2".parse().expect("header"));
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().expect("header"));
        assert_eq!(cookie(&headers, "dateline_csrf"), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
        let peer = Some(([192, 0, 2, 1], 5000).into());
        assert_eq!(client_ip(&headers, peer, false), Some([192, 0, 2, 1].into()));
        assert_eq!(client_ip(&headers, peer, true), Some([10, 0, 0, 1].into()), "the hop the proxy added");
    }
}
