//! Your profile and application passwords, and (administrators only) the accounts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::{Capability, NewUser};
use dateline_core::{Role, StoreError};
use minijinja::context;

use super::{Admin, check_csrf, render, require};
use crate::view::TimeView;
use crate::{AppError, AppState};

use crate::form::{form_field as field, form_fields as fields};

async fn profile_page(
    state: &AppState,
    admin: &Admin,
    notice: Option<String>,
    problem: Option<String>,
    new_password: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let passwords: Vec<_> = state
        .store
        .app_passwords(admin.user.id)
        .await?
        .iter()
        .map(|p| context! { id => p.id, name => p.name, created => TimeView::new(&state.site(), p.created_at), last_used => p.last_used_at.map(|t| TimeView::new(&state.site(), t)) })
        .collect();
    let ctx =
        context! { section => "profile", app_passwords => passwords, notice => notice, problem => problem, new_password => new_password };
    let mut response = render(state, Some(admin), "admin/profile.html", "Profile", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn profile(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::Read).await?;
    profile_page(&state, &admin, None, None, None, StatusCode::OK).await.map_err(IntoResponse::into_response)
}

/// `POST /admin/profile`: the shown name and email, or a new password (the current one
/// is asked for, so a borrowed session cannot take the account over).
pub(crate) async fn save_profile(State(state): State<AppState>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::Read).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let run = async {
        let name = field(&fields, "display_name");
        if !name.is_empty() {
            let email = field(&fields, "email");
            if !email.is_empty() && !email.contains('@') {
                return profile_page(
                    &state,
                    &admin,
                    None,
                    Some(format!("“{email}” is not an email address.")),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            match state.store.update_profile(admin.user.id, &name, Some(email.as_str()).filter(|e| !e.is_empty())).await {
                Err(StoreError::Conflict(message)) => {
                    return profile_page(&state, &admin, None, Some(message), None, StatusCode::CONFLICT).await;
                }
                other => other?,
            }
        }
        let new = fields.iter().find(|(k, _)| k == "new_password").map(|(_, v)| v.clone()).unwrap_or_default();
        if !new.is_empty() {
            let current = fields.iter().find(|(k, _)| k == "current_password").map(|(_, v)| v.clone()).unwrap_or_default();
            let ok = matches!(state.store.user_credentials(&admin.user.login).await?, Some((_, Some(hash))) if crate::auth::verify_password(&current, &hash));
            if !ok {
                return profile_page(
                    &state,
                    &admin,
                    None,
                    Some("The current password is not right; the password was not changed.".into()),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            if new.chars().count() < 8 {
                return profile_page(
                    &state,
                    &admin,
                    None,
                    Some("A new password needs at least 8 characters.".into()),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            let hash = crate::auth::hash_password(&new).map_err(AppError::Internal)?;
            state.store.set_password_hash(admin.user.id, &hash).await?;
            // Anyone else still logged in as this account is logged out.
            state.store.end_other_sessions(admin.user.id, &admin.session).await?;
        }
        Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/profile")]).into_response())
    };
    run.await.map_err(|e: AppError| e.into_response())
}

/// `POST /admin/profile/app-passwords`: a new application password, shown once.
pub(crate) async fn create_app_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::Read).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let run = async {
        let name = field(&fields, "name");
        if name.is_empty() {
            return profile_page(
                &state,
                &admin,
                None,
                Some("Name the application password (what will use it).".into()),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        let password = crate::auth::new_app_password();
        let hash = crate::auth::hash_password(&password.replace(' ', "")).map_err(AppError::Internal)?;
        state.store.create_app_password(admin.user.id, &name, &hash).await?;
        profile_page(
            &state,
            &admin,
            Some(format!("Application password “{name}” created. Copy it now: it will not be shown again.")),
            None,
            Some(password),
            StatusCode::OK,
        )
        .await
    };
    run.await.map_err(IntoResponse::into_response)
}

pub(crate) async fn revoke_app_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::Read).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    match state.store.revoke_app_password(admin.user.id, id).await {
        Ok(true) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/profile")]).into_response()),
        Ok(false) => Err(AppError::NotFound.into_response()),
        Err(e) => Err(AppError::from(e).into_response()),
    }
}

/// What was typed into a form, to put back when it is shown again with a problem.
fn typed(fields: &[(String, String)]) -> std::collections::BTreeMap<String, String> {
    fields.iter().filter(|(k, _)| k != "_csrf" && !k.contains("password")).cloned().collect()
}

async fn users_page(
    state: &AppState,
    admin: &Admin,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    users_page_with(state, admin, notice, problem, status, &[]).await
}

async fn users_page_with(
    state: &AppState,
    admin: &Admin,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
    fields: &[(String, String)],
) -> Result<Response, AppError> {
    let users: Vec<_> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, login => u.login, name => u.display_name, role => u.role.as_str() })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = context! { section => "users", users => users, roles => roles, notice => notice, problem => problem, typed => typed(fields) };
    let mut response = render(state, Some(admin), "admin/users.html", "Users", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn users(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageUsers).await?;
    users_page(&state, &admin, None, None, StatusCode::OK).await.map_err(IntoResponse::into_response)
}

/// `POST /admin/users`: a new account; its password is generated and shown once.
pub(crate) async fn add_user(State(state): State<AppState>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageUsers).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let run = async {
        let login = field(&fields, "login");
        let Some(role) = Role::parse(&field(&fields, "role")) else {
            return users_page_with(&state, &admin, None, Some("Choose a role.".into()), StatusCode::UNPROCESSABLE_ENTITY, &fields).await;
        };
        // WordPress's login characters: letters, digits, and . _ - @
        if login.is_empty() || login.len() > 60 || !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
            let problem = "The login must be up to 60 letters, digits, dots, hyphens, underscores or @.".to_string();
            return users_page_with(&state, &admin, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY, &fields).await;
        }
        let email_typed = field(&fields, "email");
        if !email_typed.is_empty() && !email_typed.contains('@') {
            return users_page_with(
                &state,
                &admin,
                None,
                Some(format!("“{email_typed}” is not an email address.")),
                StatusCode::UNPROCESSABLE_ENTITY,
                &fields,
            )
            .await;
        }
        let password = crate::auth::new_app_password().replace(' ', "");
        let hash = crate::auth::hash_password(&password).map_err(AppError::Internal)?;
        let email = Some(field(&fields, "email")).filter(|e| !e.is_empty());
        let user = NewUser { login: login.clone(), display_name: login.clone(), email, role, password_hash: hash };
        match state.store.create_user(user).await {
            Ok(_) => {
                users_page(
                    &state,
                    &admin,
                    Some(format!("Account “{login}” created with the password {password} (shown once: pass it on safely).")),
                    None,
                    StatusCode::OK,
                )
                .await
            }
            Err(StoreError::Conflict(message)) => users_page_with(&state, &admin, None, Some(message), StatusCode::CONFLICT, &fields).await,
            Err(other) => Err(other.into()),
        }
    };
    run.await.map_err(IntoResponse::into_response)
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageUsers).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let role = Role::parse(&field(&fields, "role")).ok_or_else(|| AppError::BadRequest("Choose a role.".into()).into_response())?;
    if id == admin.user.id && role != Role::Administrator {
        // The last door out: an administrator cannot demote themself by accident.
        return Err(AppError::Forbidden("You cannot take away your own administrator role.".into()).into_response());
    }
    state.store.set_role(id, role).await.map_err(|e| AppError::from(e).into_response())?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/users")]).into_response())
}
