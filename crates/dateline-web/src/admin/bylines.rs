//! Outlets and reporters in the admin (issue 10): the list with post counts, renaming (name,
//! slug, and an outlet's web domains) and merging one into another, for editors and
//! administrators (the people who manage categories and tags). The old slug of a renamed or
//! merged one keeps answering, with a 301 to its page.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::{BylineKind, StoreError};
use minijinja::context;
use serde::Deserialize;

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::{AppError, AppState};

/// The rename and merge forms.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BylineForm {
    #[serde(deserialize_with = "fields::trimmed")]
    name: String,
    #[serde(deserialize_with = "fields::trimmed")]
    slug: String,
    /// An outlet's domains, separated by commas, spaces or lines.
    #[serde(deserialize_with = "fields::trimmed")]
    domains: String,
    /// Merge: the id of the one to merge into.
    #[serde(deserialize_with = "fields::trimmed")]
    into: String,
}

fn section(kind: BylineKind) -> &'static str {
    match kind {
        BylineKind::Outlet => "outlets",
        BylineKind::Reporter => "reporters",
    }
}

async fn page(
    state: &AppState,
    admin: &Admin,
    kind: BylineKind,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let all = state.store.bylines(kind, jiff::Timestamp::now()).await?;
    let rows: Vec<_> = all
        .iter()
        .map(|b| {
            context! {
                id => b.id, name => b.name, slug => b.slug, domains => b.domains.join(", "), posts => b.posts,
                url => crate::paths::byline_path(kind, &b.slug),
            }
        })
        .collect();
    let title = match kind {
        BylineKind::Outlet => "Outlets",
        BylineKind::Reporter => "Reporters",
    };
    let ctx = context! { section => section(kind), kind => kind.as_str(), bylines => rows, problem => problem };
    let mut response = render(state, Some(admin), "admin/bylines.html", title, ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /admin/outlets`
pub(crate) async fn outlets(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    page(&state, &admin, BylineKind::Outlet, None, StatusCode::OK).await
}

/// `GET /admin/reporters`
pub(crate) async fn reporters(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    page(&state, &admin, BylineKind::Reporter, None, StatusCode::OK).await
}

/// `POST /admin/outlets/{id}/{rename|merge}`
pub(crate) async fn change_outlet(
    state: State<AppState>,
    path: Path<(i64, String)>,
    form: AdminForm<BylineForm>,
) -> Result<Response, AppError> {
    change(state, BylineKind::Outlet, path, form).await
}

/// `POST /admin/reporters/{id}/{rename|merge}`
pub(crate) async fn change_reporter(
    state: State<AppState>,
    path: Path<(i64, String)>,
    form: AdminForm<BylineForm>,
) -> Result<Response, AppError> {
    change(state, BylineKind::Reporter, path, form).await
}

async fn change(
    State(state): State<AppState>,
    kind: BylineKind,
    Path((id, action)): Path<(i64, String)>,
    AdminForm { admin, form }: AdminForm<BylineForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    let now = jiff::Timestamp::now();
    let byline = state.store.byline_by_id(kind, id, now).await?.ok_or(AppError::NotFound)?;
    let refused = |problem: String, status| page(&state, &admin, kind, Some(problem), status);
    let result = match action.as_str() {
        "rename" => {
            let slug = dateline_core::slug::slugify(if form.slug.is_empty() { &form.name } else { &form.slug });
            if form.name.is_empty() || slug.is_empty() {
                return refused(format!("Give {} a name with letters or digits.", byline.name), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            let mut domains = Vec::new();
            for typed in form.domains.split([',', ' ', '\n', '\r', '\t']).filter(|d| !d.is_empty()) {
                match dateline_core::byline::normal_domain(typed) {
                    Some(domain) if !domains.contains(&domain) => domains.push(domain),
                    Some(_) => {}
                    None => {
                        return refused(format!("“{typed}” is not a web domain (like miamiherald.com)."), StatusCode::UNPROCESSABLE_ENTITY)
                            .await;
                    }
                }
            }
            if kind == BylineKind::Reporter {
                domains.clear();
            }
            state.store.update_byline(kind, id, &form.name, &slug, &domains).await
        }
        "merge" => {
            let into = form.into.parse::<i64>().ok().filter(|into| *into != id);
            let Some(into) = into else {
                return refused(format!("Choose what to merge {} into.", byline.name), StatusCode::UNPROCESSABLE_ENTITY).await;
            };
            if state.store.byline_by_id(kind, into, now).await?.is_none() {
                return refused(format!("There is no {kind} {into} to merge into; choose again."), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            state.store.merge_bylines(kind, id, into).await
        }
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/{}", section(kind)))]).into_response()),
        // The store's words name what is taken ("the slug … belongs to another outlet").
        Err(StoreError::Conflict(why)) => refused(format!("Not saved: {why}."), StatusCode::CONFLICT).await,
        Err(other) => Err(other.into()),
    }
}
