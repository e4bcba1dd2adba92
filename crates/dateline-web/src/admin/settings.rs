//! Settings (administrators): site, reading, discussion and fair quoting, saved in the store.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use minijinja::context;
use serde::Deserialize;

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::settings::SavedSettings;
use crate::{AppError, AppState};
use dateline_app::settings::SettingsRefused;

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

pub(crate) async fn show(State(state): State<AppState>, uri: Uri, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ManageSettings)?;
    let values = SavedSettings::from_config(&state.site().config);
    let notice = uri.query().is_some_and(|q| q.contains("saved=1")).then_some("Settings saved.");
    page(&state, &admin, values, notice, None, StatusCode::OK).await
}

/// The settings form as sent: numbers stay text until [`save`] reads them, so one that is
/// not a number can be named.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SettingsForm {
    #[serde(deserialize_with = "fields::trimmed")]
    title: String,
    #[serde(deserialize_with = "fields::trimmed")]
    tagline: String,
    #[serde(deserialize_with = "fields::trimmed")]
    timezone: String,
    #[serde(deserialize_with = "fields::trimmed")]
    posts_per_page: String,
    #[serde(deserialize_with = "fields::checked")]
    close_old_posts: bool,
    #[serde(deserialize_with = "fields::trimmed")]
    close_after_days: String,
    #[serde(deserialize_with = "fields::checked")]
    require_name_email: bool,
    #[serde(deserialize_with = "fields::checked")]
    moderate_all: bool,
    #[serde(deserialize_with = "fields::checked")]
    require_prior_approval: bool,
    #[serde(deserialize_with = "fields::trimmed")]
    hold_link_count: String,
    /// One word or phrase a line.
    #[serde(deserialize_with = "fields::trimmed")]
    moderation_words: String,
    #[serde(deserialize_with = "fields::trimmed")]
    disallowed_words: String,
    #[serde(deserialize_with = "fields::trimmed")]
    thread_depth: String,
    #[serde(deserialize_with = "fields::trimmed")]
    comments_per_page: String,
    /// `newest` for newest first.
    #[serde(deserialize_with = "fields::trimmed")]
    comment_order: String,
    #[serde(deserialize_with = "fields::trimmed")]
    quote_max_words: String,
    #[serde(deserialize_with = "fields::trimmed")]
    quote_max_percent: String,
}

pub(crate) async fn save(State(state): State<AppState>, AdminForm { admin, form }: AdminForm<SettingsForm>) -> Result<Response, AppError> {
    admin.must(Capability::ManageSettings)?;
    // A number field that is not a whole number is named, not silently replaced.
    let mut not_numbers = Vec::new();
    let mut number = |name: &str, text: &str| {
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
    let words = |text: &str| text.lines().map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let current = SavedSettings::from_config(&state.site().config);
    let values = SavedSettings {
        posts_per_page: number("posts_per_page", &form.posts_per_page).unwrap_or(current.posts_per_page),
        close_old_posts: form.close_old_posts,
        close_after_days: number("close_after_days", &form.close_after_days).unwrap_or(current.close_after_days),
        require_name_email: form.require_name_email,
        moderate_all: form.moderate_all,
        require_prior_approval: form.require_prior_approval,
        hold_link_count: number("hold_link_count", &form.hold_link_count).unwrap_or(current.hold_link_count),
        moderation_words: words(&form.moderation_words),
        disallowed_words: words(&form.disallowed_words),
        thread_depth: number("thread_depth", &form.thread_depth).unwrap_or(current.thread_depth),
        comments_per_page: number("comments_per_page", &form.comments_per_page).unwrap_or(current.comments_per_page),
        newest_first: form.comment_order == "newest",
        quote_max_words: number("quote_max_words", &form.quote_max_words).unwrap_or(current.quote_max_words),
        quote_max_percent: number("quote_max_percent", &form.quote_max_percent).unwrap_or(current.quote_max_percent),
        title: form.title,
        tagline: form.tagline,
        timezone: form.timezone,
    };
    if !not_numbers.is_empty() {
        let problem = format!("These must be whole numbers of 0 or more: {}.", not_numbers.join(", "));
        return page(&state, &admin, values, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match crate::settings::save(&state, &values).await {
        // Back to the page by GET, so reloading it does not send the form again.
        Ok(()) => Ok((StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/admin/settings?saved=1")]).into_response()),
        Err(SettingsRefused::Invalid(problem)) => page(&state, &admin, values, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(SettingsRefused::Store(e)) => Err(e.into()),
    }
}
