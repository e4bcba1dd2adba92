//! Request extractors whose rejections speak our error format: a form that cannot be read
//! becomes a themed 400 (or 413) page with a plain message, not axum's bare text. Also the
//! [`fields`] helpers that form structs use to clean what was typed, and cookies and the
//! client's address.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::AppError;

/// `axum::Form`, with rejections mapped to [`AppError`].
pub(crate) struct AppForm<T>(pub T);

/// What a visitor is told when a form's field cannot become what the handler expects.
pub(crate) const WRONG_KIND: &str = "The form could not be read: a field has a value of the wrong kind.";

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
        let body = read_body(request, state).await?;
        // A field sent twice keeps its first value, as a browser's first input wins in
        // WordPress too; the form is read rather than refused, so what was typed is kept.
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(&body).into_owned() {
            if !pairs.iter().any(|(k, _)| *k == key) {
                pairs.push((key, value));
            }
        }
        let text = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        serde_urlencoded::from_str::<T>(&text).map(AppForm).map_err(|_| AppError::BadRequest(WRONG_KIND.into()).into_response())
    }
}

/// The request's body: 413 when it is larger than the site accepts, a 400 page when it
/// cannot be read at all.
pub(crate) async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<axum::body::Bytes, axum::response::Response> {
    use axum::response::IntoResponse;
    match axum::body::Bytes::from_request(request, state).await {
        Ok(body) => Ok(body),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
        Err(_) => Err(AppError::BadRequest("The form could not be read.".into()).into_response()),
    }
}

/// `deserialize_with` helpers for form structs read with `serde_html_form`: a text field
/// takes the first value when a key is repeated (a hand-made request; browsers send
/// repeated keys only for checkbox lists, which are `Vec`s), loses control characters,
/// and is `""` when absent (with `#[serde(default)]`).
pub(crate) mod fields {
    use serde::Deserializer;
    use serde::de::{IgnoredAny, SeqAccess, Visitor};

    /// Text without control characters, trimmed.
    pub(crate) fn trimmed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Ok(untrimmed(deserializer)?.trim().to_string())
    }

    /// Text without control characters, spaces kept (a post's body, its title as typed).
    pub(crate) fn untrimmed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Ok(dateline_core::text::strip_controls(&first(deserializer)?))
    }

    /// A checkbox: on when the form has the field at all, whatever its value.
    pub(crate) fn checked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        first(deserializer).map(|_| true)
    }

    /// The text exactly as sent (a password), first value.
    pub(crate) fn first<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(First)
    }

    struct First;

    impl<'de> Visitor<'de> for First {
        type Value = String;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("text")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<String, E> {
            Ok(value.to_string())
        }

        fn visit_string<E: serde::de::Error>(self, value: String) -> Result<String, E> {
            Ok(value)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
            let first = seq.next_element::<String>()?.unwrap_or_default();
            // The rest is read and dropped: the sequence must be used up.
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(first)
        }
    }
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

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "fields::trimmed")]
        name: String,
        #[serde(deserialize_with = "fields::untrimmed")]
        body: String,
        #[serde(deserialize_with = "fields::checked")]
        sticky: bool,
        ids: Vec<String>,
    }

    #[test]
    fn form_fields_take_first_values_lists_and_checkboxes() {
        let read = |text: &str| serde_html_form::from_str::<Sample>(text).expect("readable");
        let form = read("name=+First%01+&name=Second&body=+a%00b+&sticky=&ids=1&ids=x&ids=3");
        assert_eq!((form.name.as_str(), form.body.as_str(), form.sticky), ("First", " ab ", true));
        assert_eq!(form.ids, ["1", "x", "3"]);
        let one = read("ids=7");
        assert_eq!((one.ids, one.sticky, one.name), (vec!["7".to_string()], false, String::new()), "one value is a list of one");
    }

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
