//! Settings (administrators): site, reading and discussion, saved in the store.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use minijinja::context;

use super::{Admin, check_csrf, render, require};
use crate::form::{form_field as field, form_fields as fields};
use crate::settings::SavedSettings;
use crate::{AppError, AppState};

async fn page(
    state: &AppState,
    admin: &Admin,
    values: SavedSettings,
    notice: Option<&str>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = context! { section => "settings", values => values, notice => notice, problem => problem };
    let mut response = render(state, Some(admin), "admin/settings.html", "Settings", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn show(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageSettings).await?;
    let values = SavedSettings::from_config(&state.site().config);
    let notice = uri.query().is_some_and(|q| q.contains("saved=1")).then_some("Settings saved.");
    page(&state, &admin, values, notice, None, StatusCode::OK).await.map_err(IntoResponse::into_response)
}

pub(crate) async fn save(State(state): State<AppState>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageSettings).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    // A number field that is not a whole number is named, not silently replaced.
    let mut not_numbers = Vec::new();
    let mut number = |name: &str| {
        let text = field(&fields, name);
        if text.is_empty() {
            return None; // Not on the form: the current value stays.
        }
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                not_numbers.push(name.replace('_', " "));
                None
            }
        }
    };
    let checked = |name: &str| fields.iter().any(|(k, _)| k == name);
    let words = |name: &str| field(&fields, name).lines().map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let current = SavedSettings::from_config(&state.site().config);
    let values = SavedSettings {
        title: field(&fields, "title"),
        tagline: field(&fields, "tagline"),
        timezone: field(&fields, "timezone"),
        posts_per_page: number("posts_per_page").unwrap_or(current.posts_per_page),
        close_old_posts: checked("close_old_posts"),
        close_after_days: number("close_after_days").unwrap_or(current.close_after_days),
        require_name_email: checked("require_name_email"),
        moderate_all: checked("moderate_all"),
        require_prior_approval: checked("require_prior_approval"),
        hold_link_count: number("hold_link_count").unwrap_or(current.hold_link_count),
        moderation_words: words("moderation_words"),
        disallowed_words: words("disallowed_words"),
        thread_depth: number("thread_depth").unwrap_or(current.thread_depth),
        comments_per_page: number("comments_per_page").unwrap_or(current.comments_per_page),
        newest_first: field(&fields, "comment_order") == "newest",
    };
    let run = async {
        if !not_numbers.is_empty() {
            let problem = format!("These must be whole numbers of 0 or more: {}.", not_numbers.join(", "));
            return page(&state, &admin, values, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        match crate::settings::save(&state, &values).await? {
            // Back to the page by GET, so reloading it does not send the form again.
            Ok(()) => Ok((StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/admin/settings?saved=1")]).into_response()),
            Err(problem) => page(&state, &admin, values, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await,
        }
    };
    run.await.map_err(IntoResponse::into_response)
}
