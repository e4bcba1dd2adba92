//! The admin's extractors: who is signed in ([`Admin`]), and a form sent by them
//! ([`AdminForm`]) whose CSRF token has already been checked, so a handler that reads a form
//! cannot forget the check. What a role may do stays one explicit line in each handler,
//! [`Admin::must`], because the posts and pages sections need a capability chosen from the
//! path, and some handlers decide only after loading what is asked for.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use dateline_core::User;
use dateline_core::accounts::Capability;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{AppError, AppState};

/// The person signed in to the admin. Extracting it answers with a redirect to the login
/// page (and back) when no one is.
pub(crate) struct Admin {
    pub user: User,
    /// The session's token hash (what the CSRF token is bound to).
    pub session: String,
    /// The CSRF token the session's forms carry.
    pub csrf: String,
}

impl Admin {
    /// `Ok` when this account's role has `capability`; else 403 naming the role.
    pub(crate) fn must(&self, capability: Capability) -> Result<(), AppError> {
        if self.user.role.can(capability) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("Your account ({}) may not do this.", self.user.role)))
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some((user, session)) = crate::auth::session_user(state, &parts.headers).await? else {
            return Err(AppError::SignIn(login_location(&parts.uri)));
        };
        let csrf = state.signer.admin_csrf(&session);
        Ok(Admin { user, session, csrf })
    }
}

/// The login page, asked to come back to `uri` afterwards.
fn login_location(uri: &Uri) -> String {
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin/");
    format!("/admin/login?redirect_to={}", form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>())
}

/// A urlencoded form from the signed-in person, read into `T` (a `#[derive(Deserialize)]`
/// struct; repeated keys fill `Vec` fields), after its `_csrf` field was checked against the
/// session. The body is read whatever its `Content-Type` says, as the admin always did.
pub(crate) struct AdminForm<T> {
    pub admin: Admin,
    pub form: T,
}

/// A form that carries nothing but its CSRF token (log out, revoke, delete).
#[derive(Debug, Deserialize)]
pub(crate) struct NoFields {}

impl<T: DeserializeOwned> FromRequest<AppState> for AdminForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed_in = Admin::from_request_parts(&mut parts, state).await;
        // A body too large or unreadable is answered first, whoever sent it (as before the
        // session was looked at), then the redirect to the login page.
        let body = crate::form::read_body(Request::from_parts(parts, body), state).await?;
        let admin = signed_in.map_err(IntoResponse::into_response)?;
        let token = form_urlencoded::parse(&body).find(|(key, _)| key == "_csrf").map(|(_, value)| value);
        if !token.is_some_and(|token| state.signer.check_admin_csrf(&admin.session, &token)) {
            return Err(AppError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            )
            .into_response());
        }
        let form = serde_html_form::from_bytes(&body).map_err(|_| AppError::BadRequest(crate::form::WRONG_KIND.into()).into_response())?;
        Ok(AdminForm { admin, form })
    }
}
