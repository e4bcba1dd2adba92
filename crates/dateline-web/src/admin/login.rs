//! `/admin/login` and `/admin/logout`, with WordPress's field names (`log`, `pwd`,
//! `rememberme`, `redirect_to`) and throttling per account and per address.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use minijinja::context;
use serde::Deserialize;

use super::{AdminForm, NoFields};
use crate::auth::{check_login, end_session_cookie, start_session};
use crate::form::{AppForm, client_ip, cookie};
use crate::routes::single::CSRF_COOKIE;
use crate::{AppError, AppState};
use dateline_app::signin::SigninError;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginQuery {
    redirect_to: Option<String>,
    loggedout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginForm {
    log: Option<String>,
    pwd: Option<String>,
    rememberme: Option<String>,
    redirect_to: Option<String>,
    #[serde(rename = "_token")]
    token: Option<String>,
}

/// Only paths on this site, so the login page cannot be used to send people elsewhere.
fn safe_redirect(target: Option<&str>) -> String {
    match target {
        // A browser drops tabs and newlines, so "/\t/evil.example" would become "//evil.example".
        Some(t)
            if t.starts_with('/')
                && !t[1..].starts_with(['/', '\\'])
                && !t.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') =>
        {
            t.to_string()
        }
        _ => "/admin/".to_string(),
    }
}

/// The login form with a CSRF cookie (login forms are CSRF targets too).
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    log: &str,
    redirect_to: &str,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let (csrf, new_cookie) = match cookie(headers, CSRF_COOKIE).filter(|c| c.len() >= 16) {
        Some(value) => (value.to_string(), false),
        None => (crate::tokens::random_token(), true),
    };
    let token = state.signer.form_token(0, jiff::Timestamp::now().as_second(), &csrf);
    let ctx = context! { log => log, redirect_to => redirect_to, error => error, token => token, notice => notice };
    let mut response = super::render(state, None, "admin/login.html", "Log in", ctx).await?;
    *response.status_mut() = status;
    if new_cookie && let Some(value) = crate::routes::single::csrf_cookie_header(state, &csrf) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub(crate) async fn form(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<LoginQuery>) -> Result<Response, AppError> {
    // Already logged in: straight on.
    if crate::auth::session_user(&state, &headers).await?.is_some() {
        let to = safe_redirect(query.redirect_to.as_deref());
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
    }
    let notice = query.loggedout.is_some().then_some("You are now logged out.");
    page(&state, &headers, StatusCode::OK, "", &safe_redirect(query.redirect_to.as_deref()), None, notice).await
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    crate::routes::comments::PeerAddr(peer): crate::routes::comments::PeerAddr,
    headers: HeaderMap,
    AppForm(form): AppForm<LoginForm>,
) -> Result<Response, AppError> {
    let log = form.log.clone().unwrap_or_default();
    let redirect_to = safe_redirect(form.redirect_to.as_deref());
    let genuine = match (form.token.as_deref(), cookie(&headers, CSRF_COOKIE)) {
        (Some(token), Some(csrf)) => state.signer.check_form_token(token, 0, csrf).is_some(),
        _ => false,
    };
    if !genuine {
        let message = "This login form has expired. Please log in again.".to_string();
        return page(&state, &headers, StatusCode::FORBIDDEN, &log, &redirect_to, Some(message), None).await;
    }
    let ip = client_ip(&headers, peer, state.site().config.server.trust_forwarded_for);
    match check_login(&state, &log, form.pwd.as_deref().unwrap_or_default(), ip).await {
        Ok(user) if user.role.can(Capability::Read) => {
            let cookie = start_session(&state, &user, form.rememberme.is_some()).await?;
            tracing::info!(user = %user.login, "logged in");
            let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, redirect_to)]).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Ok(_) | Err(SigninError::Wrong) => {
            let message = "The username or password is not right.".to_string();
            page(&state, &headers, StatusCode::UNAUTHORIZED, &log, &redirect_to, Some(message), None).await
        }
        Err(SigninError::Throttled(minutes)) => {
            let message =
                format!("Too many failed login attempts. Please try again in {minutes} minute{}.", if minutes == 1 { "" } else { "s" });
            let mut response = page(&state, &headers, StatusCode::TOO_MANY_REQUESTS, &log, &redirect_to, Some(message), None).await?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes * 60));
            Ok(response)
        }
        Err(SigninError::Store(e)) => Err(e.into()),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, AdminForm { admin, .. }: AdminForm<NoFields>) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    state.store.delete_session(&admin.session).await?;
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/login?loggedout=true")]).into_response();
    response.headers_mut().insert(header::SET_COOKIE, end_session_cookie());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_redirect;

    #[test]
    fn redirects_stay_on_the_site() {
        assert_eq!(safe_redirect(Some("/admin/comments?status=spam")), "/admin/comments?status=spam");
        for hostile in ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/evil.example"] {
            assert_eq!(safe_redirect(Some(hostile)), "/admin/", "{hostile:?}");
        }
    }
}
