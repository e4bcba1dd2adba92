//! `/admin/sources`: the Sources report (keeping sources alive), for editors and
//! administrators. How many cited sources are in each state, the list filtered by state, each
//! source with the posts citing it, when it was last checked and where it led; and "Update
//! moved links", which points the posts of moved sources at their new addresses. The checks
//! themselves are `dateline sources check` and the server's background task.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::posts::PostRefusal;
use dateline_core::SourceState;
use dateline_core::accounts::Capability;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Admin, AdminForm};
use crate::form::fields;
use crate::view::TimeView;
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReportQuery {
    /// One state's sources; all of them when absent or unknown.
    state: Option<String>,
    /// How many posts the last "update moved links" changed (shown once, after the redirect).
    updated: Option<u64>,
}

#[derive(Serialize)]
struct CitingRow {
    title: String,
    edit_path: String,
    status: &'static str,
}

#[derive(Serialize)]
struct SourceRow {
    url: String,
    state: &'static str,
    /// Shown when it differs from the link.
    final_url: Option<String>,
    http_status: Option<u16>,
    last_checked: Option<TimeView>,
    last_good: Option<TimeView>,
    failures: u32,
    problem: Option<String>,
    posts: Vec<CitingRow>,
}

/// What each state means, in the report's words.
fn label(state: SourceState) -> &'static str {
    match state {
        SourceState::Unchecked => "Not checked yet",
        SourceState::Ok => "OK",
        SourceState::Moved => "Moved",
        SourceState::Gone => "Gone",
        SourceState::Unreachable => "Unreachable",
    }
}

/// `GET /admin/sources`: the report, filtered by `?state=`.
pub(crate) async fn report(State(state): State<AppState>, Query(query): Query<ReportQuery>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::EditOthersPosts)?;
    let site = state.site();
    let filter = query.state.as_deref().and_then(SourceState::parse);
    let counts = state.store.source_counts().await?;
    let count = |s: SourceState| counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    let states: Vec<_> = SourceState::ALL.iter().map(|s| context! { name => s.as_str(), label => label(*s), count => count(*s) }).collect();
    let links = state.store.sources(filter).await?;
    let urls: Vec<String> = links.iter().map(|link| link.url.clone()).collect();
    let citing = state.store.posts_citing(&urls).await?;
    let rows: Vec<SourceRow> = links
        .into_iter()
        .map(|link| SourceRow {
            posts: citing
                .iter()
                .filter(|post| post.url == link.url)
                .map(|post| CitingRow {
                    title: post.title.clone(),
                    edit_path: format!("/admin/posts/{}", post.id),
                    status: post.status.as_str(),
                })
                .collect(),
            final_url: link.final_url.filter(|final_url| *final_url != link.url),
            last_checked: link.last_checked_at.map(|at| TimeView::new(&site, at)),
            last_good: link.last_good_at.map(|at| TimeView::new(&site, at)),
            state: link.state.as_str(),
            http_status: link.http_status,
            failures: link.failures,
            problem: link.problem,
            url: link.url,
        })
        .collect();
    let moved: Vec<&str> = rows.iter().filter(|row| row.state == SourceState::Moved.as_str()).map(|row| row.url.as_str()).collect();
    let notice = query.updated.map(|n| match n {
        1 => "1 post now links to its source's new address.".to_string(),
        n => format!("{n} posts now link to their sources' new addresses."),
    });
    let ctx = context! {
        section => "sources", states => states, state => filter.map(|s| s.as_str()), total => counts.iter().map(|(_, n)| n).sum::<i64>(),
        sources => rows, moved => moved, notice => notice,
    };
    super::render(&state, Some(&admin), "admin/sources.html", "Sources", ctx).await
}

/// The "update moved links" form: the moved sources it lists, and the filter to return to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct UpdateForm {
    urls: Vec<String>,
    #[serde(deserialize_with = "fields::first")]
    state: String,
}

/// `POST /admin/sources/update-moved`: the listed moved sources' posts get their new
/// addresses (a source that is no longer moved is left alone); back to the report.
pub(crate) async fn update_moved(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<UpdateForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::EditOthersPosts)?;
    let changed = match dateline_app::sources::update_moved_links(state.store.as_ref(), &admin.user, &form.urls).await {
        Ok(changed) => changed,
        Err(PostRefusal::Store(err)) => return Err(err.into()),
        Err(refused) => return Err(AppError::Forbidden(format!("You {refused}."))),
    };
    let filter = SourceState::parse(&form.state).map(|s| format!("state={}&", s.as_str())).unwrap_or_default();
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/sources?{filter}updated={changed}"))]).into_response())
}
