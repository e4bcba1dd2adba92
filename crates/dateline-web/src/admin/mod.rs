//! The admin at `/admin/`: server-rendered, usable without JavaScript. Every request checks
//! the session and the role on the server; every state-changing form carries the session's
//! CSRF token. Responses are never cached and may not be framed, and the CSP allows no
//! inline script or style.

mod accounts;
mod bylines;
mod clip;
mod comments;
mod extract;
mod login;
mod media;
mod posts;
mod settings;
mod sources;
mod terms;

pub(crate) use extract::{Admin, AdminForm, NoFields};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dateline_core::accounts::Capability;
use dateline_core::{CommentStatus, PostFilter, PostKind, PostQuery, PostStatus};
use minijinja::{Value, context};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::view::PostView;
use crate::{AppError, AppState};

const ADMIN_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/admin/media",
            get(media::library).post(media::upload).layer(axum::extract::DefaultBodyLimit::max(crate::max_upload_body(state))),
        )
        .route("/admin/media/{id}/edit", post(media::edit))
        .route("/admin/media/{id}/delete", get(media::confirm_delete).post(media::delete))
        .route("/admin/", get(dashboard))
        .route("/admin", get(|| async { crate::routes::public::moved_permanently("/admin/") }))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/comments", get(comments::queue))
        .route("/admin/comments/bulk", post(comments::bulk))
        .route("/admin/comments/{id}/{action}", post(comments::single))
        .route("/admin/preview", post(posts::preview))
        .route("/admin/quote", post(posts::quote_count))
        .route("/admin/clip", get(clip::form).post(clip::clip).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_CLIP_BODY)))
        .route("/admin/profile", get(accounts::profile).post(accounts::save_profile))
        .route("/admin/profile/app-passwords", post(accounts::create_app_password))
        .route("/admin/profile/app-passwords/{id}/revoke", post(accounts::revoke_app_password))
        .route("/admin/users", get(accounts::users).post(accounts::add_user))
        .route("/admin/terms", get(terms::list).post(terms::add))
        .route("/admin/settings", get(settings::show).post(settings::save))
        .route("/admin/outlets", get(bylines::outlets))
        .route("/admin/reporters", get(bylines::reporters))
        .route("/admin/outlets/{id}/{action}", post(bylines::change_outlet))
        .route("/admin/reporters/{id}/{action}", post(bylines::change_reporter))
        .route("/admin/sources", get(sources::report))
        .route("/admin/sources/update-moved", post(sources::update_moved))
        .route("/admin/terms/{id}/{action}", post(terms::change))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/comments/{id}/edit", post(comments::edit))
        .route("/admin/users/{id}/role", post(accounts::set_role))
        .route("/admin/users/{id}/password", post(accounts::new_password))
        .route("/admin/users/{id}/delete", get(accounts::confirm_delete_user).post(accounts::delete_user))
        .route("/admin/{section}", get(posts::list))
        .route("/admin/{section}/bulk", post(posts::bulk))
        .route("/admin/{section}/new", get(posts::new_form).post(posts::create))
        .route("/admin/{section}/{id}", get(posts::edit_form).post(posts::update))
        .route("/admin/{section}/{id}/preview", get(posts::preview_post))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ADMIN_CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// Renders an admin template with the common context (who, what they may do, counts). A page
/// that counted comments already gives `pending_count` in `ctx`, and it is not counted again.
pub(crate) async fn render(state: &AppState, admin: Option<&Admin>, template: &str, title: &str, ctx: Value) -> Result<Response, AppError> {
    let mut pending = 0;
    if let Some(admin) = admin
        && admin.user.role.can(Capability::ModerateComments)
        && ctx.get_attr("pending_count").is_ok_and(|v| v.is_undefined())
    {
        pending = state.store.comment_counts().await?.iter().find(|(s, _)| *s == CommentStatus::Pending).map(|(_, n)| *n).unwrap_or(0);
    }
    let common = context! {
        title => title,
        me => admin.map(|a| context! { display_name => a.user.display_name, role => a.user.role.as_str(), login => a.user.login, email => a.user.email }),
        csrf => admin.map(|a| a.csrf.clone()),
        can => admin.map(|a| context! {
            write => a.user.role.can(Capability::WritePosts),
            upload => a.user.role.can(Capability::PublishPosts),
            moderate => a.user.role.can(Capability::ModerateComments),
            pages => a.user.role.can(Capability::EditOthersPosts),
            sources => a.user.role.can(Capability::EditOthersPosts),
            terms => a.user.role.can(Capability::ManageTerms),
            settings => a.user.role.can(Capability::ManageSettings),
            users => a.user.role.can(Capability::ManageUsers),
        }),
        pending_count => pending,
    };
    let html = state.templates.render(template, &state.site(), context! { ..ctx, ..common })?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

async fn dashboard(axum::extract::State(state): axum::extract::State<AppState>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::Read)?;
    crate::schedule::publish_due(&state).await;
    let counts = state.store.post_counts().await?;
    let count = |status: PostStatus| counts.iter().filter(|(k, s, _)| *k == PostKind::Post && *s == status).map(|(_, _, n)| n).sum::<i64>();
    let query =
        PostQuery { kind: PostKind::Post, filter: PostFilter::All, now: jiff::Timestamp::now(), page: 1, per_page: 5, sticky_first: false };
    // (The dashboard lists titles and dates only: no category paths to work out.)
    let recent: Vec<PostView> = state.store.list_posts(&query).await?.items.iter().map(|p| PostView::new(&state.site(), p, &[])).collect();
    let ctx = context! {
        section => "dashboard",
        counts => context! { published => count(PostStatus::Published), drafts => count(PostStatus::Draft) },
        recent => recent,
    };
    render(&state, Some(&admin), "admin/dashboard.html", "Dashboard", ctx).await
}
