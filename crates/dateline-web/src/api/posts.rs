//! `/wp/v2/posts` and `/wp/v2/pages`: list, read, create, update, trash or delete, with
//! WordPress's fields and permissions (contributors may not publish; authors edit their own).

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_core::accounts::Capability;
use dateline_core::import::BodyFormat;
use dateline_core::*;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::body::{ApiBody, DeleteFields, force_requested};
use super::post_fields::{PostFields, apply};
use super::{ApiError, ApiResult, api_user, paged, paging, parse_wp_date, wp_date};
use crate::AppState;
use crate::view::permalink;

/// WordPress's name for a status, as a visitor would see it at `now`.
fn wp_status(post: &Post, now: Timestamp) -> &'static str {
    match post.status {
        PostStatus::Published => "publish",
        PostStatus::Scheduled if post.published_at <= now => "publish",
        PostStatus::Scheduled => "future",
        PostStatus::Draft => "draft",
        PostStatus::Pending => "pending",
        PostStatus::Private => "private",
        PostStatus::Trash => "trash",
    }
}

pub(super) fn parse_status(text: &str) -> Option<PostStatus> {
    Some(match text {
        "publish" => PostStatus::Published,
        "future" => PostStatus::Scheduled,
        "draft" => PostStatus::Draft,
        "pending" => PostStatus::Pending,
        "private" => PostStatus::Private,
        "trash" => PostStatus::Trash,
        _ => return None,
    })
}

/// Whether `user` may see `post` through the API.
fn can_read(post: &Post, user: Option<&User>, now: Timestamp) -> bool {
    if post.is_public_at(now) {
        return true;
    }
    match user {
        Some(user) => user.role.can(Capability::EditOthersPosts) || (post.author.id == user.id && post.kind == PostKind::Post),
        None => false,
    }
}

fn can_edit(post: &Post, user: &User) -> bool {
    dateline_app::posts::may_edit(post, user)
}

pub(crate) fn post_json(state: &AppState, post: &Post, edit: bool) -> Value {
    let site = &state.site();
    let now = Timestamp::now();
    let protected = post.password.is_some();
    let mut value = json!({
        "id": post.id,
        "date": wp_date(post.published_at, &site.time_zone),
        "date_gmt": wp_date(post.published_at, &jiff::tz::TimeZone::UTC),
        "guid": { "rendered": format!("{}/?p={}", site.base_url, post.id) },
        "modified": wp_date(post.updated_at, &site.time_zone),
        "modified_gmt": wp_date(post.updated_at, &jiff::tz::TimeZone::UTC),
        "slug": post.slug,
        "status": wp_status(post, now),
        "type": post.kind.as_str(),
        "link": format!("{}{}", site.base_url, permalink(&site.time_zone, post)),
        // Clients insert `rendered` values as HTML: they are what the site itself shows, text
        // escaped and bodies sanitized, never the raw fields.
        "title": { "rendered": dateline_render::escape_html(&post.title) },
        "content": { "rendered": if protected && !edit { String::new() } else { post.body_html.clone() }, "protected": protected },
        "excerpt": { "rendered": if protected && !edit { String::new() } else { rendered_excerpt(post) }, "protected": protected },
        "author": post.author.id,
        "featured_media": post.featured_media.unwrap_or(0),
        "comment_status": post.discussion.as_str(),
        "ping_status": "closed",
        "template": "",
        "meta": [],
        "dateline": { "dek": post.dek, "source": post.source },
    });
    if protected && !edit {
        // Behind the password: the quoted source and the dek too.
        value["dateline"] = json!({ "dek": null, "source": null });
    }
    match post.kind {
        PostKind::Post => {
            value["sticky"] = post.sticky.into();
            value["format"] = "standard".into();
            value["categories"] = post.categories.iter().map(|t| t.id).collect::<Vec<_>>().into();
            value["tags"] = post.tags.iter().map(|t| t.id).collect::<Vec<_>>().into();
            // The outlet and reporters its attribution is linked to (`/dateline/v1/outlets/{id}`).
            // Behind a password, who is quoted is hidden as the quote is.
            let hidden = protected && !edit;
            value["dateline_outlet"] = post.outlet.as_ref().filter(|_| !hidden).map(|o| o.id).into();
            value["dateline_reporters"] = post.reporters.iter().filter(|_| !hidden).map(|r| r.id).collect::<Vec<_>>().into();
        }
        PostKind::Page => {
            value["parent"] = post.parent_id.unwrap_or(0).into();
            value["menu_order"] = post.menu_order.into();
        }
    }
    if let Some(source) = value["dateline"]["source"].as_object_mut() {
        // Always in the object, null when unknown (the stored form leaves it out then).
        source.entry("words").or_insert(Value::Null);
    }
    if edit {
        value["dateline"]["quote_override"] = json!(post.quote_override);
        value["title"]["raw"] = post.title.clone().into();
        value["content"]["raw"] = post.body_source.clone().into();
        value["excerpt"]["raw"] = post.excerpt.clone().unwrap_or_default().into();
        value["password"] = post.password.clone().unwrap_or_default().into();
    }
    value["_links"] = super::related::post_links(state, post);
    value
}

/// The excerpt (else the dek) as WordPress renders one: an escaped paragraph.
fn rendered_excerpt(post: &Post) -> String {
    match post.excerpt.as_deref().or(post.dek.as_deref()).map(str::trim).filter(|e| !e.is_empty()) {
        Some(text) => format!("<p>{}</p>\n", dateline_render::escape_html(text)),
        None => String::new(),
    }
}

/// A date parameter (`before`, `after`) as WordPress takes it.
fn date_param(query: &super::Params, name: &str, tz: &jiff::tz::TimeZone) -> Result<Option<Timestamp>, ApiError> {
    match query.get(name) {
        None => Ok(None),
        Some(text) => parse_wp_date(text, tz)
            // A bare day means its start.
            .or_else(|| text.parse::<jiff::civil::Date>().ok().and_then(|d| d.to_zoned(tz.clone()).ok()).map(|z| z.timestamp()))
            .map(Some)
            .ok_or_else(|| ApiError::invalid_param(name, format!("{text:?} is not a date (use ISO 8601, e.g. 2024-03-01T00:00:00)"))),
    }
}

async fn list(state: AppState, headers: HeaderMap, raw: Option<String>, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let query = super::Params::parse(raw.as_deref());
    let (page, per_page) = paging(query.get("page"), query.get("per_page"), 10)?;
    let requested: Vec<PostStatus> = match query.list("status") {
        list if list.is_empty() => vec![PostStatus::Published],
        // WordPress's "any": every status but trash.
        list if list == ["any"] => {
            vec![PostStatus::Published, PostStatus::Scheduled, PostStatus::Draft, PostStatus::Pending, PostStatus::Private]
        }
        list => list
            .iter()
            .map(|s| parse_status(s).ok_or_else(|| ApiError::invalid_param("status", format!("{s:?} is not a status"))))
            .collect::<Result<_, _>>()?,
    };
    let only_public = requested == [PostStatus::Published];
    let mut author = query.ids("author")?.first().copied();
    if !only_public {
        match &user {
            None => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_invalid_param",
                    "Invalid parameter(s): status (Status is forbidden.)",
                ));
            }
            // Authors and contributors see only their own unpublished posts.
            Some(u) if !u.role.can(Capability::EditOthersPosts) => author = Some(u.id),
            Some(_) => {}
        }
    }
    let statuses = if only_public { vec![PostStatus::Published, PostStatus::Scheduled] } else { requested };
    let searching = query.get("search").is_some_and(|s| !s.trim().is_empty());
    let order = match query.get("orderby") {
        // As WordPress: a search without an order is best match first.
        None if searching => PostOrder::Relevance,
        None | Some("date") => PostOrder::Date,
        Some("id") => PostOrder::Id,
        Some("title") => PostOrder::Title,
        Some("modified") => PostOrder::Modified,
        Some("relevance") if searching => PostOrder::Relevance,
        Some("relevance") => return Err(ApiError::invalid_param("orderby", "relevance needs a search term")),
        Some(other) => {
            return Err(ApiError::invalid_param("orderby", format!("{other:?} is not one of date, id, title, modified, relevance")));
        }
    };
    let ascending = match query.get("order") {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => return Err(ApiError::invalid_param("order", format!("{other:?} is not one of asc, desc"))),
    };
    let editor_query = EditorQuery {
        kind,
        any_kind: false,
        statuses,
        author,
        readable_by: None,
        categories: query.ids("categories")?,
        tags: query.ids("tags")?,
        exclude_authors: query.ids("author_exclude")?,
        exclude_categories: query.ids("categories_exclude")?,
        exclude_tags: query.ids("tags_exclude")?,
        slugs: query.list("slug"),
        ids: query.ids("include")?,
        exclude: query.ids("exclude")?,
        sticky: match query.get("sticky") {
            None => None,
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(other) => return Err(ApiError::invalid_param("sticky", format!("{other:?} is not a boolean"))),
        },
        offset: match query.get("offset") {
            None => None,
            Some(n) => Some(n.parse::<u32>().map_err(|_| ApiError::invalid_param("offset", "must be 0 or more"))?),
        },
        search: query.get("search").map(str::to_string),
        // WordPress's `before` and `after` (ISO 8601; without an offset, in the site's zone).
        published_before: match (only_public.then(Timestamp::now), date_param(&query, "before", &state.site().time_zone)?) {
            (Some(now), Some(before)) => Some(now.min(before - jiff::SignedDuration::from_secs(1))),
            (now, before) => now.or(before.map(|b| b - jiff::SignedDuration::from_secs(1))),
        },
        published_after: date_param(&query, "after", &state.site().time_zone)?,
        // A search must not answer questions about words behind a password.
        without_password: query.get("search").is_some() && !user.as_ref().is_some_and(|u| u.role.can(Capability::EditOthersPosts)),
        order,
        ascending,
        page,
        per_page,
    };
    let result = state.store.editor_posts(&editor_query).await?;
    if result.items.is_empty() && page > 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    let edit = query.get("context") == Some("edit") && user.is_some();
    let embed = super::related::wants_embed(raw.as_deref());
    let mut counts = super::related::TermCounts::default();
    let mut items = Vec::with_capacity(result.items.len());
    for post in &result.items {
        let mut value = post_json(&state, post, edit && user.as_ref().is_some_and(|u| can_edit(post, u)));
        if embed {
            super::related::embed_post(&state, post, &mut value, &mut counts).await?;
        }
        items.push(value);
    }
    Ok(paged(items, result.total, per_page))
}

async fn get(state: AppState, headers: HeaderMap, id: i64, raw: Option<String>, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let invalid = || ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID.");
    let post = state.store.post_by_id(id).await?.filter(|p| p.kind == kind).ok_or_else(invalid)?;
    if !can_read(&post, user.as_ref(), Timestamp::now()) {
        return Err(ApiError::forbidden(user.as_ref(), "rest_forbidden", "Sorry, you are not allowed to do that."));
    }
    let edit = user.as_ref().is_some_and(|u| can_edit(&post, u));
    let mut value = post_json(&state, &post, edit);
    if super::related::wants_embed(raw.as_deref()) {
        super::related::embed_post(&state, &post, &mut value, &mut super::related::TermCounts::default()).await?;
    }
    Ok(Json(value).into_response())
}

async fn create(state: AppState, headers: HeaderMap, body: ApiBody<PostFields>, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let Some(user) = user.clone().filter(|u| u.role.can(dateline_app::posts::needed_to_write(kind))) else {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user."));
    };
    let mut write = PostWrite::new_draft(kind, user.id, BodyFormat::Html);
    let fields = body.fields()?;
    let quote = quote_policy(&state, &fields);
    apply(&state, &mut write, fields, &user).await?;
    let post = dateline_app::posts::save(state.store.as_ref(), &user, None, write, &quote, Some(&state.embedder)).await?;
    Ok((StatusCode::CREATED, Json(post_json(&state, &post, true))).into_response())
}

/// The site's quote limit, and whether the request asks to publish over it.
fn quote_policy(state: &AppState, fields: &PostFields) -> dateline_app::quoting::Policy {
    dateline_app::quoting::Policy { limits: state.site().config.quote.clone(), override_asked: fields.quote_override() }
}

async fn update(state: AppState, headers: HeaderMap, id: i64, body: ApiBody<PostFields>, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let post = state
        .store
        .post_by_id(id)
        .await?
        .filter(|p| p.kind == kind)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."))?;
    let Some(user) = user.clone().filter(|u| can_edit(&post, u)) else {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_edit", "Sorry, you are not allowed to edit this post."));
    };
    let mut write = PostWrite::from_post(&post);
    let fields = body.fields()?;
    let quote = quote_policy(&state, &fields);
    apply(&state, &mut write, fields, &user).await?;
    let saved = dateline_app::posts::save(state.store.as_ref(), &user, Some(&post), write, &quote, Some(&state.embedder)).await?;
    Ok(Json(post_json(&state, &saved, true)).into_response())
}

async fn delete(
    state: AppState,
    headers: HeaderMap,
    id: i64,
    query: HashMap<String, String>,
    body: ApiBody<DeleteFields>,
    kind: PostKind,
) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let post = state
        .store
        .post_by_id(id)
        .await?
        .filter(|p| p.kind == kind)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."))?;
    let Some(user) = user.clone().filter(|u| can_edit(&post, u)) else {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_delete", "Sorry, you are not allowed to delete this post."));
    };
    let previous = post_json(&state, &post, true);
    if force_requested(&query, body) {
        state.store.delete_post(post.id).await?;
        return Ok(Json(json!({ "deleted": true, "previous": previous })).into_response());
    }
    if post.status == PostStatus::Trash {
        return Err(ApiError::new(StatusCode::GONE, "rest_already_trashed", "The post has already been deleted."));
    }
    let trashed =
        dateline_app::posts::set_status(state.store.as_ref(), &user, &post, PostStatus::Trash, &state.site().config.quote).await?;
    Ok(Json(post_json(&state, &trashed, true)).into_response())
}

macro_rules! handlers {
    ($kind:expr, $list:ident, $get:ident, $create:ident, $update:ident, $delete:ident) => {
        pub(crate) async fn $list(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> ApiResult {
            list(state, headers, raw, $kind).await
        }
        pub(crate) async fn $get(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(id): Path<String>,
            RawQuery(raw): RawQuery,
        ) -> ApiResult {
            get(state, headers, super::path_id(&id)?, raw, $kind).await
        }
        pub(crate) async fn $create(State(state): State<AppState>, headers: HeaderMap, body: ApiBody<PostFields>) -> ApiResult {
            create(state, headers, body, $kind).await
        }
        pub(crate) async fn $update(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(id): Path<String>,
            body: ApiBody<PostFields>,
        ) -> ApiResult {
            update(state, headers, super::path_id(&id)?, body, $kind).await
        }
        pub(crate) async fn $delete(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(id): Path<String>,
            Query(query): Query<HashMap<String, String>>,
            body: ApiBody<DeleteFields>,
        ) -> ApiResult {
            delete(state, headers, super::path_id(&id)?, query, body, $kind).await
        }
    };
}

handlers!(PostKind::Post, list_posts, get_post, create_post, update_post, delete_post);
handlers!(PostKind::Page, list_pages, get_page, create_page, update_page, delete_page);
