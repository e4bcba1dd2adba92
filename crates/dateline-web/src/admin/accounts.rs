//! Your profile and application passwords, and (administrators only) the accounts.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::{EditorQuery, PostStatus, Role, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Admin, AdminForm, NoFields, render};
use crate::form::fields;
use crate::view::TimeView;
use crate::{AppError, AppState};
use dateline_app::accounts::{self, AccountRefusal, NewAccount};

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

pub(crate) async fn profile(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    profile_page(&state, &admin, None, None, None, StatusCode::OK).await
}

/// The profile form: the shown name and email, or a new password with the current one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProfileForm {
    #[serde(deserialize_with = "fields::trimmed")]
    display_name: String,
    #[serde(deserialize_with = "fields::trimmed")]
    email: String,
    /// Passwords exactly as typed: spaces and all are part of them.
    #[serde(deserialize_with = "fields::first")]
    current_password: String,
    #[serde(deserialize_with = "fields::first")]
    new_password: String,
}

/// `POST /admin/profile`: the shown name and email, or a new password (the current one
/// is asked for, so a borrowed session cannot take the account over).
pub(crate) async fn save_profile(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<ProfileForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    // The page again, saying what to change (nothing was saved past that point).
    let (state, admin) = (&state, &admin);
    let refuse = move |problem: String| profile_page(state, admin, None, Some(problem), None, StatusCode::UNPROCESSABLE_ENTITY);
    let name = &form.display_name;
    if !name.is_empty() {
        let email = &form.email;
        if !email.is_empty() && accounts::check_email(email).is_err() {
            return refuse(format!("“{email}” is not an email address.")).await;
        }
        match state.store.update_profile(admin.user.id, name, Some(email.as_str()).filter(|e| !e.is_empty())).await {
            Err(StoreError::Conflict(message)) => {
                return profile_page(state, admin, None, Some(message), None, StatusCode::CONFLICT).await;
            }
            other => other?,
        }
    }
    let new = &form.new_password;
    if !new.is_empty() {
        let ok = matches!(state.store.user_credentials(&admin.user.login).await?, Some((_, Some(hash))) if crate::auth::verify_password(&form.current_password, &hash));
        if !ok {
            return refuse("The current password is not right; the password was not changed.".into()).await;
        }
        // Anyone else still logged in as this account is logged out.
        match accounts::set_password(state.store.as_ref(), admin.user.id, new, Some(&admin.session)).await {
            Ok(()) => {}
            Err(AccountRefusal::ShortPassword) => {
                return refuse(format!("A new password needs at least {} characters.", accounts::MIN_PASSWORD_CHARS)).await;
            }
            Err(other) => return Err(account_failure(other)),
        }
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/profile")]).into_response())
}

/// The new application password's name.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AppPasswordForm {
    #[serde(deserialize_with = "fields::trimmed")]
    name: String,
}

/// `POST /admin/profile/app-passwords`: a new application password, shown once.
pub(crate) async fn create_app_password(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<AppPasswordForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    let name = form.name;
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
}

pub(crate) async fn revoke_app_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, .. }: AdminForm<NoFields>,
) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    if state.store.revoke_app_password(admin.user.id, id).await? {
        Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/profile")]).into_response())
    } else {
        Err(AppError::NotFound)
    }
}

/// The form that adds an account; what was typed goes back into it when it is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct NewUserForm {
    #[serde(deserialize_with = "fields::trimmed")]
    login: String,
    #[serde(deserialize_with = "fields::trimmed")]
    email: String,
    #[serde(deserialize_with = "fields::trimmed")]
    role: String,
}

async fn users_page(
    state: &AppState,
    admin: &Admin,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    users_page_with(state, admin, notice, problem, status, &NewUserForm::default()).await
}

async fn users_page_with(
    state: &AppState,
    admin: &Admin,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
    typed: &NewUserForm,
) -> Result<Response, AppError> {
    let users: Vec<_> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, login => u.login, name => u.display_name, role => u.role.as_str() })
        .collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let ctx = context! {
        section => "users", users => users, roles => roles, notice => notice, problem => problem, typed => typed, me_id => admin.user.id,
    };
    let mut response = render(state, Some(admin), "admin/users.html", "Users", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn users(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    users_page(&state, &admin, None, None, StatusCode::OK).await
}

/// `POST /admin/users`: a new account; its password is generated and shown once.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<NewUserForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    // The page again with what was typed, saying what to change.
    let (state, admin, form) = (&state, &admin, &form);
    let refuse = move |problem: String, status: StatusCode| users_page_with(state, admin, None, Some(problem), status, form);
    let login = &form.login;
    let Some(role) = Role::parse(&form.role) else {
        return refuse("Choose a role.".into(), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // Shown once; the person passes it on and changes it at their first sign-in.
    let password = crate::auth::new_app_password().replace(' ', "");
    let account =
        NewAccount { login: login.clone(), display_name: None, email: Some(form.email.clone()), role, password: password.clone() };
    match accounts::create(state.store.as_ref(), account).await {
        Ok(_) => {
            let notice = format!("Account “{login}” created with the password {password} (shown once: pass it on safely).");
            users_page(state, admin, Some(notice), None, StatusCode::OK).await
        }
        Err(AccountRefusal::Login(_)) => {
            let problem = format!("The login must be up to {} letters, digits, dots, hyphens, underscores or @.", accounts::MAX_LOGIN_LEN);
            refuse(problem, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AccountRefusal::Email(email)) => refuse(format!("“{email}” is not an email address."), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(AccountRefusal::Taken(message)) => refuse(message, StatusCode::CONFLICT).await,
        Err(other) => Err(account_failure(other)),
    }
}

/// A refusal no form explains: the store's failure, or a password that could not be hashed.
fn account_failure(refusal: AccountRefusal) -> AppError {
    match refusal {
        AccountRefusal::Store(err) => err.into(),
        other => AppError::Internal(other.to_string()),
    }
}

/// The role chosen for an account.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RoleForm {
    #[serde(deserialize_with = "fields::trimmed")]
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form }: AdminForm<RoleForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    let role = Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("Choose a role.".into()))?;
    if id == admin.user.id && role != Role::Administrator {
        // The last door out: an administrator cannot demote themself by accident.
        return Err(AppError::Forbidden("You cannot take away your own administrator role.".into()));
    }
    let user = state.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
    match accounts::set_role(state.store.as_ref(), &user, role).await {
        Ok(()) => {}
        Err(refused @ AccountRefusal::LastAdministrator(_)) => return Err(AppError::Forbidden(format!("{refused}."))),
        Err(other) => return Err(account_failure(other)),
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/admin/users")]).into_response())
}

/// `POST /admin/users/{id}/password`: a new password for someone else's account, made here and
/// shown once (as `dateline user passwd` does); every session of the account ends.
pub(crate) async fn new_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form: NoFields {} }: AdminForm<NoFields>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    let user = state.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
    if user.id == admin.user.id {
        // One's own password is changed on the Profile page, where the current one is asked for.
        return Err(AppError::Forbidden("Change your own password on your Profile page.".into()));
    }
    let password = crate::auth::new_app_password().replace(' ', "");
    accounts::set_password(state.store.as_ref(), user.id, &password, None).await.map_err(account_failure)?;
    let notice =
        format!("New password for “{}”: {password} (shown once: pass it on safely). Every session of the account has ended.", user.login);
    users_page(&state, &admin, Some(notice), None, StatusCode::OK).await
}

/// `GET /admin/users/{id}/delete`: the step before deleting, as WordPress has: how many posts
/// and pages the account has, and whom they go to, with the button that deletes.
pub(crate) async fn confirm_delete_user(State(state): State<AppState>, Path(id): Path<i64>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    let user = state.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
    if user.id == admin.user.id {
        return Err(AppError::Forbidden("You cannot delete your own account.".into()));
    }
    let owned = owned_entries(&state, &user).await?;
    let heirs: Vec<_> =
        state.store.users().await?.into_iter().filter(|h| h.id != user.id).map(|h| context! { id => h.id, login => h.login }).collect();
    let ctx = context! { section => "users", doomed => context! { id => user.id, login => user.login, name => user.display_name }, owned => owned, heirs => heirs, me_id => admin.user.id };
    render(&state, Some(&admin), "admin/user_delete.html", "Delete an account", ctx).await
}

/// Every post and page the account wrote, in the trash too: all of them change hands.
async fn owned_entries(state: &AppState, user: &dateline_core::User) -> Result<u64, AppError> {
    let mut query = EditorQuery::public(dateline_core::PostKind::Post, jiff::Timestamp::now());
    query.any_kind = true;
    query.statuses = PostStatus::ALL.to_vec();
    query.published_before = None;
    query.author = Some(user.id);
    query.per_page = 1;
    Ok(state.store.editor_posts(&query).await?.total)
}

/// Whom a deleted account's posts and pages go to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DeleteUserForm {
    reassign_to: i64,
}

/// `POST /admin/users/{id}/delete`: deletes an account, its posts and pages going to another
/// (as `dateline user delete --reassign-to` does); never the last administrator, nor oneself.
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form }: AdminForm<DeleteUserForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageUsers)?;
    let user = state.store.user_by_id(id).await?.ok_or(AppError::NotFound)?;
    if user.id == admin.user.id {
        return Err(AppError::Forbidden("You cannot delete your own account.".into()));
    }
    let heir = match state.store.user_by_id(form.reassign_to).await? {
        Some(heir) if heir.id != user.id => heir,
        _ => {
            let problem = format!("Choose another account to give the posts of “{}” to.", user.login);
            return users_page(&state, &admin, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let moved = match accounts::delete(state.store.as_ref(), &user, &heir).await {
        Ok(moved) => moved,
        Err(refused @ AccountRefusal::LastAdministrator(_)) => return Err(AppError::Forbidden(format!("{refused}."))),
        Err(other) => return Err(account_failure(other)),
    };
    let notice = format!("Deleted “{}”; {moved} posts and pages are now by “{}”.", user.login, heir.login);
    users_page(&state, &admin, Some(notice), None, StatusCode::OK).await
}
