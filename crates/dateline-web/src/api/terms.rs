//! `/wp/v2/categories` and `/wp/v2/tags`: WordPress's term fields with public post counts;
//! creating terms needs an account that may manage them.

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_core::accounts::Capability;
use dateline_core::*;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::body::{ApiBody, DeleteFields, force_requested};
use super::quirks::Number;
use super::{ApiError, ApiResult, api_user, paged, paging};
use crate::AppState;
use crate::view::term_path;

pub(super) fn term_json(state: &AppState, term: &Term, count: i64, categories: &[Term]) -> Value {
    let mut value = json!({
        "id": term.id,
        "count": count,
        "description": term.description,
        "link": format!("{}{}", state.site().base_url, term_path(term, Some(categories))),
        "name": term.name,
        "slug": term.slug,
        "taxonomy": if term.taxonomy == Taxonomy::Category { "category" } else { "post_tag" },
        "meta": [],
        "_links": super::related::term_links(state, term),
    });
    if term.taxonomy == Taxonomy::Category {
        value["parent"] = term.parent_id.unwrap_or(0).into();
    }
    value
}

/// The categories a term's link needs (its parents' slugs): none for a tag, and those in hand
/// when listing categories already.
async fn category_tree_of(state: &AppState, taxonomy: Taxonomy, listed: &[Term]) -> Result<Vec<Term>, ApiError> {
    Ok(match taxonomy {
        Taxonomy::Tag => Vec::new(),
        Taxonomy::Category if !listed.is_empty() => listed.to_vec(),
        Taxonomy::Category => state.store.terms(Taxonomy::Category).await?,
    })
}

async fn list(state: AppState, query: super::Params, taxonomy: Taxonomy) -> ApiResult {
    let (page, per_page) = paging(query.get("page"), query.get("per_page"), 10)?;
    let counts = state.store.term_post_counts(taxonomy).await?;
    let mut terms = state.store.terms(taxonomy).await?;
    let categories = category_tree_of(&state, taxonomy, &terms).await?;
    if let Some(search) = query.get("search").map(dateline_core::search::fold) {
        terms.retain(|t| dateline_core::search::fold(&t.name).contains(&search) || t.slug.contains(&search));
    }
    // WordPress's `slug`, `include` and `exclude` take lists (`a,b`, repeated, or `slug[]`).
    let slugs = query.list("slug");
    if !slugs.is_empty() {
        terms.retain(|t| slugs.contains(&t.slug));
    }
    let (include, exclude) = (query.ids("include")?, query.ids("exclude")?);
    if !include.is_empty() {
        terms.retain(|t| include.contains(&t.id));
    }
    terms.retain(|t| !exclude.contains(&t.id));
    // WordPress's `?post=ID`: the terms of one (public) post, where a post's `wp:term` link points.
    if let Some(post) = query.get("post") {
        let id: i64 = post.parse().map_err(|_| ApiError::invalid_param("post", "must be a post id"))?;
        let invalid = || ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID.");
        let post = state.store.post_by_id(id).await?.filter(|p| p.is_public_at(jiff::Timestamp::now())).ok_or_else(invalid)?;
        let of_post: Vec<i64> = post.categories.iter().chain(&post.tags).map(|t| t.id).collect();
        terms.retain(|t| of_post.contains(&t.id));
    }
    if let Some(parent) = query.get("parent") {
        let parent: i64 = parent.parse().map_err(|_| ApiError::invalid_param("parent", "must be a term id"))?;
        terms.retain(|t| t.parent_id.unwrap_or(0) == parent);
    }
    if query.get("hide_empty").is_some_and(|h| h == "true" || h == "1") {
        terms.retain(|t| counts.get(&t.id).copied().unwrap_or(0) > 0);
    }
    match query.get("orderby") {
        None | Some("name") => {}
        Some("id") => terms.sort_by_key(|t| t.id),
        Some("slug") => terms.sort_by(|a, b| a.slug.cmp(&b.slug)),
        Some("count") => terms.sort_by_key(|t| counts.get(&t.id).copied().unwrap_or(0)),
        Some(other) => return Err(ApiError::invalid_param("orderby", format!("{other:?} is not one of name, id, slug, count"))),
    }
    if query.get("order").is_some_and(|o| o == "desc") {
        terms.reverse();
    }
    let total = terms.len() as u64;
    let items: Vec<Value> = terms
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|t| term_json(&state, t, counts.get(&t.id).copied().unwrap_or(0), &categories))
        .collect();
    if items.is_empty() && page > 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    Ok(paged(items, total, per_page))
}

async fn get(state: AppState, id: i64, taxonomy: Taxonomy) -> ApiResult {
    let term = state
        .store
        .term_by_id(id)
        .await?
        .filter(|t| t.taxonomy == taxonomy)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "rest_term_invalid", "Term does not exist."))?;
    let counts = state.store.term_post_counts(taxonomy).await?;
    let categories = category_tree_of(&state, taxonomy, &[]).await?;
    Ok(Json(term_json(&state, &term, counts.get(&term.id).copied().unwrap_or(0), &categories)).into_response())
}

async fn create(state: AppState, headers: HeaderMap, body: ApiBody<TermFields>, taxonomy: Taxonomy) -> ApiResult {
    manager(&state, &headers, "rest_cannot_create", "Sorry, you are not allowed to create terms in this taxonomy.").await?;
    let fields = body.fields()?.cleaned();
    let parent = fields.parent();
    let name = fields
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::invalid_param("name", "is required"))?;
    let slug = dateline_core::slug::slugify(fields.slug.as_deref().unwrap_or(&name));
    if slug.is_empty() {
        return Err(ApiError::invalid_param("slug", "has no letters or digits"));
    }
    let parent = checked_parent(&state, taxonomy, parent.flatten()).await?;
    if state.store.term_by_slug(taxonomy, &slug).await?.is_some() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "term_exists", "A term with the name provided already exists."));
    }
    let term = state.store.create_term(taxonomy, &name, &slug, fields.description.as_deref().unwrap_or(""), parent).await?;
    let categories = category_tree_of(&state, taxonomy, &[]).await?;
    Ok((StatusCode::CREATED, Json(term_json(&state, &term, 0, &categories))).into_response())
}

/// A term as a create or update request gives it, under WordPress's field names.
#[derive(Debug, Deserialize)]
pub(crate) struct TermFields {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    /// Categories only: the parent category, 0 for the top level.
    parent: Option<Number>,
}

impl TermFields {
    /// The fields with their texts as stored: without control characters.
    fn cleaned(self) -> TermFields {
        let clean = |field: Option<String>| field.map(|text| dateline_core::text::strip_controls(&text));
        TermFields { name: clean(self.name), slug: clean(self.slug), description: clean(self.description), parent: self.parent }
    }

    /// The parent asked for: `Some(None)` to move to the top level.
    fn parent(&self) -> Option<Option<i64>> {
        self.parent.map(|Number(id)| (id > 0).then_some(id))
    }
}

async fn manager(state: &AppState, headers: &HeaderMap, code: &'static str, message: &str) -> Result<User, ApiError> {
    let user = api_user(state, headers).await?;
    match user {
        Some(user) if user.role.can(Capability::ManageTerms) => Ok(user),
        other => Err(ApiError::forbidden(other.as_ref(), code, message)),
    }
}

fn no_term() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "rest_term_invalid", "Term does not exist.")
}

/// A parent that exists and is a category, or the top level.
async fn checked_parent(state: &AppState, taxonomy: Taxonomy, parent: Option<i64>) -> Result<Option<i64>, ApiError> {
    match parent {
        Some(id) if taxonomy == Taxonomy::Category => {
            state
                .store
                .term_by_id(id)
                .await?
                .filter(|t| t.taxonomy == Taxonomy::Category)
                .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_term_invalid", "Parent term does not exist."))?;
            Ok(Some(id))
        }
        Some(_) => Err(ApiError::invalid_param("parent", "tags have no parents")),
        None => Ok(None),
    }
}

/// `POST`/`PUT`/`PATCH /wp/v2/{categories,tags}/{id}`: changes the fields given.
async fn update(state: AppState, headers: HeaderMap, id: i64, body: ApiBody<TermFields>, taxonomy: Taxonomy) -> ApiResult {
    manager(&state, &headers, "rest_cannot_update", "Sorry, you are not allowed to edit this term.").await?;
    let term = state.store.term_by_id(id).await?.filter(|t| t.taxonomy == taxonomy).ok_or_else(no_term)?;
    let fields = body.fields()?.cleaned();
    let parent = fields.parent();
    let name = fields.name.map(|n| n.trim().to_string()).unwrap_or_else(|| term.name.clone());
    if name.is_empty() {
        return Err(ApiError::invalid_param("name", "must not be empty"));
    }
    let slug = match fields.slug {
        Some(slug) => dateline_core::slug::slugify(&slug),
        None => term.slug.clone(),
    };
    if slug.is_empty() {
        return Err(ApiError::invalid_param("slug", "has no letters or digits"));
    }
    let parent = match parent {
        Some(parent) => checked_parent(&state, taxonomy, parent).await?,
        None => term.parent_id,
    };
    let description = fields.description.unwrap_or_else(|| term.description.clone());
    match state.store.update_term(id, &name, &slug, &description, parent).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "duplicate_term_slug",
                format!("The slug “{slug}” is already in use by another term."),
            ));
        }
        Err(StoreError::Invalid(message)) => return Err(ApiError::invalid_param("parent", message)),
        other => other?,
    }
    let term = state.store.term_by_id(id).await?.ok_or_else(no_term)?;
    let counts = state.store.term_post_counts(taxonomy).await?;
    let categories = category_tree_of(&state, taxonomy, &[]).await?;
    Ok(Json(term_json(&state, &term, counts.get(&term.id).copied().unwrap_or(0), &categories)).into_response())
}

/// `DELETE /wp/v2/{categories,tags}/{id}?force=true`: terms have no trash, so WordPress asks
/// for `force` and answers 501 without it.
async fn delete(
    state: AppState,
    headers: HeaderMap,
    id: i64,
    query: HashMap<String, String>,
    body: ApiBody<DeleteFields>,
    taxonomy: Taxonomy,
) -> ApiResult {
    manager(&state, &headers, "rest_cannot_delete", "Sorry, you are not allowed to delete this term.").await?;
    let term = state.store.term_by_id(id).await?.filter(|t| t.taxonomy == taxonomy).ok_or_else(no_term)?;
    if !force_requested(&query, body) {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "Terms do not support trashing. Set 'force=true' to delete.",
        ));
    }
    let counts = state.store.term_post_counts(taxonomy).await?;
    let categories = category_tree_of(&state, taxonomy, &[]).await?;
    let previous = term_json(&state, &term, counts.get(&term.id).copied().unwrap_or(0), &categories);
    state.store.delete_term(id).await?;
    Ok(Json(json!({ "deleted": true, "previous": previous })).into_response())
}

pub(crate) async fn list_categories(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    list(state, super::Params::parse(raw.as_deref()), Taxonomy::Category).await
}
pub(crate) async fn list_tags(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    list(state, super::Params::parse(raw.as_deref()), Taxonomy::Tag).await
}
pub(crate) async fn get_category(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    get(state, super::path_id(&id)?, Taxonomy::Category).await
}
pub(crate) async fn get_tag(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    get(state, super::path_id(&id)?, Taxonomy::Tag).await
}
pub(crate) async fn create_category(State(state): State<AppState>, headers: HeaderMap, body: ApiBody<TermFields>) -> ApiResult {
    create(state, headers, body, Taxonomy::Category).await
}
pub(crate) async fn create_tag(State(state): State<AppState>, headers: HeaderMap, body: ApiBody<TermFields>) -> ApiResult {
    create(state, headers, body, Taxonomy::Tag).await
}
pub(crate) async fn update_category(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: ApiBody<TermFields>,
) -> ApiResult {
    update(state, headers, super::path_id(&id)?, body, Taxonomy::Category).await
}
pub(crate) async fn update_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: ApiBody<TermFields>,
) -> ApiResult {
    update(state, headers, super::path_id(&id)?, body, Taxonomy::Tag).await
}
pub(crate) async fn delete_category(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: ApiBody<DeleteFields>,
) -> ApiResult {
    delete(state, headers, super::path_id(&id)?, query, body, Taxonomy::Category).await
}
pub(crate) async fn delete_tag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: ApiBody<DeleteFields>,
) -> ApiResult {
    delete(state, headers, super::path_id(&id)?, query, body, Taxonomy::Tag).await
}
