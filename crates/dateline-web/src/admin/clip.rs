//! `/admin/clip`: "Clip a story". A URL (or a page's HTML pasted, for a story behind a
//! paywall) and, optionally, the passage to quote become a draft link post that opens in the
//! editor. The bookmarklet offered on the page opens it with the story a reader is looking at
//! (its address and the text they selected) already filled in; nothing is saved until they
//! press the button, so a link cannot make drafts in someone's name.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::clip::{PageSource, read, save_draft};
use dateline_app::posts::PostRefusal;
use dateline_core::accounts::Capability;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::{AppError, AppState};

/// What the form holds: from the bookmarklet's link, or as typed when a clip is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct ClipForm {
    #[serde(deserialize_with = "fields::trimmed")]
    url: String,
    /// The passage to quote instead of the story's lead paragraphs.
    #[serde(deserialize_with = "fields::untrimmed")]
    selection: String,
    /// The page's HTML, when the server cannot read it itself.
    #[serde(deserialize_with = "fields::untrimmed")]
    html: String,
}

async fn page(
    state: &AppState,
    admin: &Admin,
    typed: &ClipForm,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = context! { section => "clip", typed => typed, problem => problem, base_url => state.site().base_url.clone() };
    let mut response = render(state, Some(admin), "admin/clip.html", "Clip a story", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /admin/clip`: the form, filled from the query (what the bookmarklet sends).
pub(crate) async fn form(State(state): State<AppState>, Query(typed): Query<ClipForm>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::WritePosts)?;
    page(&state, &admin, &typed, None, StatusCode::OK).await
}

/// `POST /admin/clip`: reads the story and makes the draft, then opens it in the editor; a
/// page that cannot be clipped comes back with the reason and everything typed.
pub(crate) async fn clip(State(state): State<AppState>, AdminForm { admin, form }: AdminForm<ClipForm>) -> Result<Response, AppError> {
    admin.must(Capability::WritePosts)?;
    let source = if form.html.trim().is_empty() {
        PageSource::Url(&form.url)
    } else {
        PageSource::Html { html: form.html.as_bytes(), url: &form.url }
    };
    let article = match read(&state.fetcher, source, Some(&form.selection)).await {
        Ok(article) => article,
        Err(why) => {
            let problem = format!("This page could not be clipped: {why}.");
            return page(&state, &admin, &form, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match save_draft(state.store.as_ref(), &admin.user, &article).await {
        Ok(post) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/posts/{}", post.id))]).into_response()),
        Err(PostRefusal::Store(err)) => Err(err.into()),
        Err(refused) => {
            let problem = format!("The draft could not be made: {refused}.");
            page(&state, &admin, &form, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
