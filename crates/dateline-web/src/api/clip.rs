//! `POST /wp-json/dateline/v1/clip`: Dateline's own route for clipping a story from a script
//! or a browser extension. `url` (the server fetches it) or `html` (the page as the client has
//! it, with `url` saying where it was read), and `selection` (the passage to quote). Answers
//! 201 with the new draft, as `/wp/v2/posts` answers a create, plus what was read from the
//! page under `dateline.clip`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_app::clip::{PageSource, read, save_draft};
use dateline_core::accounts::Capability;
use serde::Deserialize;

use super::body::ApiBody;
use super::posts::post_json;
use super::quirks::Text;
use super::{ApiError, ApiResult, api_user};
use crate::AppState;

/// The request's fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ClipFields {
    url: Option<Text>,
    html: Option<Text>,
    selection: Option<Text>,
}

pub(crate) async fn clip(State(state): State<AppState>, headers: HeaderMap, body: ApiBody<ClipFields>) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let Some(user) = user.clone().filter(|u| u.role.can(Capability::WritePosts)) else {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user."));
    };
    let fields = body.fields()?;
    let url = fields.url.map(|t| t.0.trim().to_string()).unwrap_or_default();
    let html = fields.html.map(|t| t.0).filter(|h| !h.trim().is_empty());
    if url.is_empty() {
        return Err(ApiError::invalid_param("url", "give the story's address (with html: where the page was read)"));
    }
    let source = match &html {
        Some(html) => PageSource::Html { html: html.as_bytes(), url: &url },
        None => PageSource::Url(&url),
    };
    let selection = fields.selection.map(|t| t.0);
    let article = read(&state.fetcher, source, selection.as_deref()).await.map_err(|why| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "dateline_cannot_clip", format!("This page could not be clipped: {why}."))
    })?;
    let post = save_draft(state.store.as_ref(), &user, &article).await?;
    let mut value = post_json(&state, &post, true);
    value["dateline"]["clip"] = serde_json::to_value(&article).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(value)).into_response())
}
