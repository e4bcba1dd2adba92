//! Categories and tags: add (with a parent for categories), rename, delete.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::{StoreError, Taxonomy};
use minijinja::context;
use std::collections::HashMap;

use super::{Admin, check_csrf, render, require};
use crate::{AppError, AppState};

fn taxonomy_of(query: &HashMap<String, String>, fields: &[(String, String)]) -> Taxonomy {
    let named = query.get("taxonomy").cloned().or_else(|| fields.iter().find(|(k, _)| k == "taxonomy").map(|(_, v)| v.clone()));
    if named.as_deref() == Some("tag") { Taxonomy::Tag } else { Taxonomy::Category }
}

use crate::form::{form_field as field, form_fields as fields};

/// The slug typed, or one made from the name.
fn slug_for(fields: &[(String, String)], name: &str) -> String {
    let typed = field(fields, "slug");
    dateline_core::slug::slugify(if typed.is_empty() { name } else { &typed })
}

async fn page(
    state: &AppState,
    admin: &Admin,
    taxonomy: Taxonomy,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    page_with(state, admin, taxonomy, problem, status, &[]).await
}

/// The page again, with what was typed into the add form put back.
async fn page_with(
    state: &AppState,
    admin: &Admin,
    taxonomy: Taxonomy,
    problem: Option<String>,
    status: StatusCode,
    fields: &[(String, String)],
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
    let typed: std::collections::BTreeMap<String, String> = fields.iter().filter(|(k, _)| k != "_csrf").cloned().collect();
    let ctx = context! { section => "terms", taxonomy => taxonomy.as_str(), terms => terms, problem => problem, typed => typed };
    let title = if taxonomy == Taxonomy::Tag { "Tags" } else { "Categories" };
    let mut response = render(state, Some(admin), "admin/terms.html", title, ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageTerms).await?;
    page(&state, &admin, taxonomy_of(&query, &[]), None, StatusCode::OK).await.map_err(IntoResponse::into_response)
}

fn back(taxonomy: Taxonomy) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/terms?taxonomy={}", taxonomy.as_str()))]).into_response()
}

pub(crate) async fn add(State(state): State<AppState>, headers: HeaderMap, uri: Uri, body: Bytes) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageTerms).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let taxonomy = taxonomy_of(&HashMap::new(), &fields);
    let run = async {
        let name = field(&fields, "name");
        let slug = slug_for(&fields, &name);
        if name.is_empty() || slug.is_empty() {
            return page_with(
                &state,
                &admin,
                taxonomy,
                Some("Give the term a name with letters or digits.".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
                &fields,
            )
            .await;
        }
        if state.store.term_by_slug(taxonomy, &slug).await?.is_some() {
            return page_with(
                &state,
                &admin,
                taxonomy,
                Some(format!("A {} with the slug “{slug}” exists already.", taxonomy.as_str())),
                StatusCode::CONFLICT,
                &fields,
            )
            .await;
        }
        let parent = field(&fields, "parent").parse::<i64>().ok().filter(|p| *p > 0 && taxonomy == Taxonomy::Category);
        if let Some(parent) = parent
            && !state.store.term_by_id(parent).await?.is_some_and(|t| t.taxonomy == Taxonomy::Category)
        {
            return page_with(
                &state,
                &admin,
                taxonomy,
                Some(format!("Parent category {parent} does not exist; choose again.")),
                StatusCode::UNPROCESSABLE_ENTITY,
                &fields,
            )
            .await;
        }
        state.store.create_term(taxonomy, &name, &slug, &field(&fields, "description"), parent).await?;
        Ok(back(taxonomy))
    };
    run.await.map_err(IntoResponse::into_response)
}

pub(crate) async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Response, Response> {
    let admin = require(&state, &headers, &uri, Capability::ManageTerms).await?;
    let fields = fields(&body);
    check_csrf(&state, &admin, Some(&field(&fields, "_csrf"))).map_err(IntoResponse::into_response)?;
    let run = async {
        let term = state.store.term_by_id(id).await?.ok_or(AppError::NotFound)?;
        match action.as_str() {
            "delete" => state.store.delete_term(id).await?,
            "rename" => {
                let name = field(&fields, "name");
                let slug = slug_for(&fields, &name);
                if name.is_empty() || slug.is_empty() {
                    return page(
                        &state,
                        &admin,
                        term.taxonomy,
                        Some("Give the term a name with letters or digits.".into()),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
                match state.store.update_term(id, &name, &slug, &field(&fields, "description"), term.parent_id).await {
                    Err(StoreError::Conflict(_)) => {
                        return page(&state, &admin, term.taxonomy, Some(format!("The slug “{slug}” is taken.")), StatusCode::CONFLICT)
                            .await;
                    }
                    other => other?,
                }
            }
            _ => return Err(AppError::NotFound),
        }
        Ok(back(term.taxonomy))
    };
    run.await.map_err(IntoResponse::into_response)
}
