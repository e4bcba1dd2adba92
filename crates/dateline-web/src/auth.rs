//! Who is asking, as HTTP carries it: the session cookie and `Authorization: Basic` with an
//! application password. The rules (passwords, sessions, login throttling) are the
//! application's, in [`dateline_app::signin`]; this reads the headers and writes the cookies.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use dateline_app::signin::{self, SigninError};
use dateline_core::{StoreError, User};

use crate::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "dateline_session";

pub use dateline_app::passwords::{hash_password, new_app_password, verify_password};
pub use dateline_app::signin::AttemptGate;

/// The account behind the request's session cookie, if the session is live, with the
/// session's token hash.
pub(crate) async fn session_user(state: &AppState, headers: &HeaderMap) -> Result<Option<(User, String)>, StoreError> {
    let Some(token) = crate::form::cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    signin::session_user(state.store.as_ref(), token).await
}

/// Starts a session for `user`; returns the Set-Cookie value.
pub(crate) async fn start_session(state: &AppState, user: &User, remember: bool) -> Result<HeaderValue, StoreError> {
    let session = signin::start_session(state.store.as_ref(), user, remember).await?;
    crate::form::cookie_header(state, SESSION_COOKIE, &session.token, session.keep_for.map(|d| d.as_secs()))
        .ok_or_else(|| StoreError::Invalid("the session token cannot be a cookie".into()))
}

/// The Set-Cookie value that ends a session in the browser.
pub(crate) fn end_session_cookie() -> HeaderValue {
    HeaderValue::from_static("dateline_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Checks the login form's login and password (see [`signin::check_login`]).
pub(crate) async fn check_login(state: &AppState, login: &str, password: &str, ip: Option<std::net::IpAddr>) -> Result<User, SigninError> {
    signin::check_login(state.store.as_ref(), &state.attempts, login, password, ip).await
}

/// The account of a request's `Authorization: Basic` application password; `None` when the
/// request carries no Basic credentials (see [`signin::check_app_password`]).
pub(crate) async fn basic_user(state: &AppState, headers: &HeaderMap, ip: Option<std::net::IpAddr>) -> Option<Result<User, SigninError>> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    let encoded = value.strip_prefix("Basic ")?;
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return Some(Err(SigninError::Wrong)) };
    let decoded = String::from_utf8_lossy(&decoded);
    let Some((login, password)) = decoded.split_once(':') else { return Some(Err(SigninError::Wrong)) };
    Some(signin::check_app_password(state.store.as_ref(), &state.attempts, login, password, ip).await)
}
