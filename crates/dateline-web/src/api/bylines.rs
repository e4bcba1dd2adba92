//! `/dateline/v1/outlets` and `/dateline/v1/reporters` (issue 10): Dateline's own collections,
//! shaped and paginated as WordPress's term collections are (`X-WP-Total`, `X-WP-TotalPages`,
//! `Link`), counting the posts readers can see. Read-only: renaming and merging are the admin's.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use dateline_core::{Byline, BylineKind};
use serde_json::{Value, json};

use super::{ApiError, ApiResult, paged, paging};
use crate::AppState;

fn byline_json(state: &AppState, byline: &Byline) -> Value {
    let mut value = json!({
        "id": byline.id,
        "count": byline.public_posts,
        "link": format!("{}{}", state.site().base_url, crate::paths::byline_path(byline.kind, &byline.slug)),
        "name": byline.name,
        "slug": byline.slug,
    });
    if byline.kind == BylineKind::Outlet {
        value["domains"] = byline.domains.clone().into();
    }
    value
}

async fn list(state: AppState, raw: Option<String>, kind: BylineKind) -> ApiResult {
    let query = super::Params::parse(raw.as_deref());
    let (page, per_page) = paging(query.get("page"), query.get("per_page"), 10)?;
    let mut all = state.store.bylines(kind, jiff::Timestamp::now()).await?;
    if let Some(search) = query.get("search").map(dateline_core::search::fold) {
        all.retain(|b| dateline_core::search::fold(&b.name).contains(&search) || b.slug.contains(&search));
    }
    let slugs = query.list("slug");
    if !slugs.is_empty() {
        all.retain(|b| slugs.contains(&b.slug));
    }
    if query.get("hide_empty").is_some_and(|h| h == "true" || h == "1") {
        all.retain(|b| b.public_posts > 0);
    }
    let total = all.len() as u64;
    let items: Vec<Value> =
        all.iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).map(|b| byline_json(&state, b)).collect();
    if items.is_empty() && page > 1 {
        return Err(super::past_the_last_page());
    }
    Ok(paged(items, total, per_page))
}

async fn get_one(state: AppState, id: &str, kind: BylineKind) -> ApiResult {
    let id = super::path_id(id)?;
    let code = match kind {
        BylineKind::Outlet => "dateline_outlet_invalid",
        BylineKind::Reporter => "dateline_reporter_invalid",
    };
    let byline = state
        .store
        .byline_by_id(kind, id, jiff::Timestamp::now())
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, code, format!("No {kind} has this id.")))?;
    Ok(Json(byline_json(&state, &byline)).into_response())
}

pub(crate) async fn list_outlets(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    list(state, raw, BylineKind::Outlet).await
}
pub(crate) async fn list_reporters(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    list(state, raw, BylineKind::Reporter).await
}
pub(crate) async fn get_outlet(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    get_one(state, &id, BylineKind::Outlet).await
}
pub(crate) async fn get_reporter(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    get_one(state, &id, BylineKind::Reporter).await
}
