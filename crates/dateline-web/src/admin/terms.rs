//! Categories and tags: add (with a parent for categories), rename, delete.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::{StoreError, Taxonomy};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::{AppError, AppState};

/// `tag` names tags; anything else categories.
fn taxonomy_of(named: Option<&str>) -> Taxonomy {
    if named == Some("tag") { Taxonomy::Tag } else { Taxonomy::Category }
}

/// The add and rename forms; what was typed goes back into the add form when it is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct TermForm {
    #[serde(deserialize_with = "fields::first")]
    taxonomy: String,
    #[serde(deserialize_with = "fields::trimmed")]
    name: String,
    #[serde(deserialize_with = "fields::trimmed")]
    slug: String,
    #[serde(deserialize_with = "fields::trimmed")]
    description: String,
    /// A category's parent category id (empty or 0: none).
    #[serde(deserialize_with = "fields::trimmed")]
    parent: String,
}

impl TermForm {
    /// The slug typed, or one made from the name.
    fn slug(&self) -> String {
        dateline_core::slug::slugify(if self.slug.is_empty() { &self.name } else { &self.slug })
    }
}

async fn page(
    state: &AppState,
    admin: &Admin,
    taxonomy: Taxonomy,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    page_with(state, admin, taxonomy, problem, status, &TermForm::default()).await
}

/// The page again, with what was typed into the add form put back.
async fn page_with(
    state: &AppState,
    admin: &Admin,
    taxonomy: Taxonomy,
    problem: Option<String>,
    status: StatusCode,
    typed: &TermForm,
) -> Result<Response, AppError> {
    let counts = state.store.term_post_counts(taxonomy).await?;
    let all = state.store.terms(taxonomy).await?;
    let terms: Vec<_> = all
        .iter()
        .map(|t| {
            let parent = t.parent_id.and_then(|p| all.iter().find(|o| o.id == p)).map(|p| p.name.clone());
            context! { id => t.id, name => t.name, slug => t.slug, description => t.description, parent => parent, count => counts.get(&t.id).copied().unwrap_or(0) }
        })
        .collect();
    let ctx = context! { section => "terms", taxonomy => taxonomy.as_str(), terms => terms, problem => problem, typed => typed };
    let title = if taxonomy == Taxonomy::Tag { "Tags" } else { "Categories" };
    let mut response = render(state, Some(admin), "admin/terms.html", title, ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    admin: Admin,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    page(&state, &admin, taxonomy_of(query.get("taxonomy").map(String::as_str)), None, StatusCode::OK).await
}

fn back(taxonomy: Taxonomy) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/terms?taxonomy={}", taxonomy.as_str()))]).into_response()
}

pub(crate) async fn add(State(state): State<AppState>, AdminForm { admin, form }: AdminForm<TermForm>) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    let taxonomy = taxonomy_of(Some(&form.taxonomy));
    let slug = form.slug();
    if form.name.is_empty() || slug.is_empty() {
        let problem = "Give the term a name with letters or digits.".to_string();
        return page_with(&state, &admin, taxonomy, Some(problem), StatusCode::UNPROCESSABLE_ENTITY, &form).await;
    }
    if state.store.term_by_slug(taxonomy, &slug).await?.is_some() {
        let problem = format!("A {} with the slug “{slug}” exists already.", taxonomy.as_str());
        return page_with(&state, &admin, taxonomy, Some(problem), StatusCode::CONFLICT, &form).await;
    }
    let parent = form.parent.parse::<i64>().ok().filter(|p| *p > 0 && taxonomy == Taxonomy::Category);
    if let Some(parent) = parent
        && !state.store.term_by_id(parent).await?.is_some_and(|t| t.taxonomy == Taxonomy::Category)
    {
        let problem = format!("Parent category {parent} does not exist; choose again.");
        return page_with(&state, &admin, taxonomy, Some(problem), StatusCode::UNPROCESSABLE_ENTITY, &form).await;
    }
    state.store.create_term(taxonomy, &form.name, &slug, &form.description, parent).await?;
    Ok(back(taxonomy))
}

pub(crate) async fn change(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    AdminForm { admin, form }: AdminForm<TermForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ManageTerms)?;
    let term = state.store.term_by_id(id).await?.ok_or(AppError::NotFound)?;
    match action.as_str() {
        "delete" => state.store.delete_term(id).await?,
        "rename" => {
            let slug = form.slug();
            if form.name.is_empty() || slug.is_empty() {
                let problem = "Give the term a name with letters or digits.".to_string();
                return page(&state, &admin, term.taxonomy, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            match state.store.update_term(id, &form.name, &slug, &form.description, term.parent_id).await {
                Err(StoreError::Conflict(_)) => {
                    return page(&state, &admin, term.taxonomy, Some(format!("The slug “{slug}” is taken.")), StatusCode::CONFLICT).await;
                }
                other => other?,
            }
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(back(term.taxonomy))
}
