//! `/wp/v2/search`: WordPress's search across content types, answering with references
//! (`id`, `title`, `url`, `type`, `subtype`) rather than whole objects, as editors' link
//! pickers and headless front ends expect. Posts and pages come from the same full-text index
//! as the site's search, best match first; terms are matched by name, accents folded.

use axum::extract::{RawQuery, State};
use dateline_core::search::fold;
use dateline_core::{EditorQuery, Post, PostKind, PostOrder, Taxonomy, Term};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, paged, paging};
use crate::AppState;
use crate::view::{permalink, term_path};

pub(crate) async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = super::Params::parse(raw.as_deref());
    let (page, per_page) = paging(query.get("page"), query.get("per_page"), 10)?;
    let words = query.get("search").unwrap_or_default().to_string();
    let subtypes = query.list("subtype");
    let subtypes: Vec<&str> = subtypes.iter().map(String::as_str).filter(|s| *s != "any").collect();
    match query.get("type").unwrap_or("post") {
        "post" => posts(&state, &words, &subtypes, page, per_page).await,
        "term" => terms(&state, &words, &subtypes, page, per_page).await,
        other => Err(ApiError::invalid_param("type", format!("{other:?} is not one of post, term"))),
    }
}

async fn posts(state: &AppState, words: &str, subtypes: &[&str], page: u32, per_page: u32) -> ApiResult {
    let (kind, any_kind) = match subtypes {
        [] => (PostKind::Post, true),
        ["post"] => (PostKind::Post, false),
        ["page"] => (PostKind::Page, false),
        list if list.iter().all(|s| matches!(*s, "post" | "page")) => (PostKind::Post, true),
        _ => return Err(ApiError::invalid_param("subtype", "must be any, post or page for type post")),
    };
    let search = EditorQuery::readers_search(kind, words, Timestamp::now());
    // No words: what the site shows, newest first.
    let editor_query = match words.trim().is_empty() {
        true => EditorQuery { any_kind, search: None, order: PostOrder::Date, page, per_page, ..search },
        false => EditorQuery { any_kind, page, per_page, ..search },
    };
    let found = state.store.editor_posts(&editor_query).await?;
    let items: Vec<Value> = found.items.iter().map(|post| post_reference(state, post)).collect();
    Ok(paged(items, found.total, per_page))
}

fn post_reference(state: &AppState, post: &Post) -> Value {
    let site = state.site();
    let (subtype, collection) = match post.kind {
        PostKind::Post => ("post", "posts"),
        PostKind::Page => ("page", "pages"),
    };
    json!({
        "id": post.id,
        "title": post.title,
        "url": format!("{}{}", site.base_url, permalink(&site.time_zone, post)),
        "type": "post",
        "subtype": subtype,
        "_links": {
            "self": [{ "embeddable": true, "href": format!("{}/wp-json/wp/v2/{collection}/{}", site.base_url, post.id) }],
            "about": [{ "href": format!("{}/wp-json/wp/v2/types/{subtype}", site.base_url) }],
        },
    })
}

async fn terms(state: &AppState, words: &str, subtypes: &[&str], page: u32, per_page: u32) -> ApiResult {
    let mut taxonomies = Vec::new();
    for subtype in subtypes {
        taxonomies.push(match *subtype {
            "category" => Taxonomy::Category,
            "post_tag" => Taxonomy::Tag,
            _ => return Err(ApiError::invalid_param("subtype", "must be any, category or post_tag for type term")),
        });
    }
    if taxonomies.is_empty() {
        taxonomies = vec![Taxonomy::Category, Taxonomy::Tag];
    }
    let wanted = fold(words);
    let categories = state.store.terms(Taxonomy::Category).await?;
    let mut found: Vec<Term> = Vec::new();
    for taxonomy in taxonomies {
        let terms = match taxonomy {
            Taxonomy::Category => categories.clone(),
            Taxonomy::Tag => state.store.terms(Taxonomy::Tag).await?,
        };
        found.extend(terms.into_iter().filter(|t| fold(&t.name).contains(&wanted)));
    }
    let total = found.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let site = state.site();
    let items: Vec<Value> = found
        .iter()
        .skip(skip)
        .take(per_page as usize)
        .map(|term| {
            let (subtype, collection) = match term.taxonomy {
                Taxonomy::Category => ("category", "categories"),
                Taxonomy::Tag => ("post_tag", "tags"),
            };
            json!({
                "id": term.id,
                "title": term.name,
                "url": format!("{}{}", site.base_url, term_path(term, Some(&categories))),
                "type": "term",
                "subtype": subtype,
                "_links": {
                    "self": [{ "embeddable": true, "href": format!("{}/wp-json/wp/v2/{collection}/{}", site.base_url, term.id) }],
                },
            })
        })
        .collect();
    Ok(paged(items, total, per_page))
}
