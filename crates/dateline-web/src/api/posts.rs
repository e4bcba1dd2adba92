//! `/wp/v2/posts` and `/wp/v2/pages`: list, read, create, update, trash or delete, with
//! WordPress's fields and permissions (contributors may not publish; authors edit their own).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_core::accounts::Capability;
use dateline_core::import::BodyFormat;
use dateline_core::*;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

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

fn parse_status(text: &str) -> Option<PostStatus> {
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
    crate::admin::may_edit(post, user)
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
        "featured_media": 0,
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
        }
        PostKind::Page => {
            value["parent"] = post.parent_id.unwrap_or(0).into();
            value["menu_order"] = post.menu_order.into();
        }
    }
    if edit {
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

fn ids(text: &str, name: &str) -> Result<Vec<i64>, ApiError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| ApiError::invalid_param(name, "must be a list of ids")))
        .collect()
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

/// A request body as JSON, whether sent as JSON or as a form (WordPress takes both).
pub(super) fn body_value(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let map: serde_json::Map<String, Value> = form_urlencoded::parse(body).into_owned().map(|(k, v)| (k, Value::String(v))).collect();
        return Ok(Value::Object(map));
    }
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_json", format!("Invalid JSON body passed: {e}")))
}

/// A text field given as a string or as `{"raw": …}`.
fn text_field(value: &Value, name: &str) -> Result<Option<String>, ApiError> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(dateline_core::text::strip_controls(s))),
        Some(Value::Object(o)) => match o.get("raw") {
            Some(Value::String(s)) => Ok(Some(dateline_core::text::strip_controls(s))),
            _ => Err(ApiError::invalid_param(name, "must be a string or {\"raw\": string}")),
        },
        Some(_) => Err(ApiError::invalid_param(name, "must be a string")),
    }
}

fn id_list(value: &Value, name: &str) -> Result<Option<Vec<i64>>, ApiError> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_i64().ok_or_else(|| ApiError::invalid_param(name, "must be a list of ids")))
            .collect::<Result<_, _>>()
            .map(Some),
        Some(Value::String(s)) => ids(s, name).map(Some),
        Some(_) => Err(ApiError::invalid_param(name, "must be a list of ids")),
    }
}

fn flag(value: &Value, name: &str) -> Result<Option<bool>, ApiError> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(Some(true)),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid_param(name, "must be a boolean")),
    }
}

/// Applies a create or update request to `write`, checking every field.
async fn apply(state: &AppState, write: &mut PostWrite, body: &Value, user: &User) -> Result<(), ApiError> {
    let tz = &state.site().time_zone;
    if let Some(title) = text_field(body, "title")? {
        write.title = title;
    }
    if let Some(content) = text_field(body, "content")? {
        write.body_html = crate::view::body_html(BodyFormat::Html, content.clone()).await.map_err(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "rest_render_failed", "The content could not be rendered; nothing was saved.")
        })?;
        write.body_source = content;
        write.body_format = BodyFormat::Html;
    }
    if let Some(markdown) = body.get("dateline").and_then(|d| d.get("markdown")).and_then(Value::as_str) {
        write.body_html = crate::view::body_html(BodyFormat::Markdown, markdown.to_string()).await.map_err(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "rest_render_failed", "The content could not be rendered; nothing was saved.")
        })?;
        write.body_source = markdown.to_string();
        write.body_format = BodyFormat::Markdown;
    }
    if let Some(excerpt) = text_field(body, "excerpt")? {
        write.excerpt = Some(excerpt).filter(|e| !e.trim().is_empty());
    }
    if let Some(slug) = text_field(body, "slug")? {
        let slug = dateline_core::slug::slugify(&slug);
        if slug.is_empty() {
            return Err(ApiError::invalid_param("slug", "has no letters or digits"));
        }
        write.slug = slug;
    }
    if write.slug.is_empty() {
        write.slug = dateline_core::slug::slugify(&write.title);
    }
    if write.slug.is_empty() {
        write.slug = "untitled".into();
    }
    if let Some(status) = text_field(body, "status")? {
        write.status = parse_status(&status).ok_or_else(|| {
            ApiError::invalid_param("status", format!("{status:?} is not one of publish, future, draft, pending, private"))
        })?;
    }
    for name in ["date_gmt", "date"] {
        if let Some(date) = text_field(body, name)? {
            let zone = if name == "date_gmt" { jiff::tz::TimeZone::UTC } else { tz.clone() };
            write.published_at =
                parse_wp_date(&date, &zone).ok_or_else(|| ApiError::invalid_param(name, "must be a date like 2024-05-01T09:30:00"))?;
            break;
        }
    }
    if let Some(status) = text_field(body, "comment_status")? {
        write.discussion = Discussion::parse(&status).ok_or_else(|| ApiError::invalid_param("comment_status", "must be open or closed"))?;
    }
    if let Some(sticky) = flag(body, "sticky")? {
        write.sticky = sticky;
    }
    if flag(body, "sticky")? == Some(true) && !user.role.can(Capability::PublishPosts) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "rest_cannot_assign_sticky", "Sorry, you are not allowed to make posts sticky."));
    }
    if let Some(author) = body.get("author").filter(|a| !a.is_null()) {
        let author = author
            .as_i64()
            .or_else(|| author.as_str().and_then(|a| a.parse().ok()))
            .ok_or_else(|| ApiError::invalid_param("author", "must be a user id"))?;
        if author != write.author {
            if !user.role.can(Capability::EditOthersPosts) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "rest_cannot_edit_others",
                    "Sorry, you are not allowed to create posts as this user.",
                ));
            }
            state
                .store
                .user_by_id(author)
                .await?
                .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_author", "Invalid author ID."))?;
            write.author = author;
        }
    }
    if write.kind == PostKind::Page {
        if let Some(parent) = body.get("parent").filter(|p| !p.is_null()) {
            let parent = parent.as_i64().ok_or_else(|| ApiError::invalid_param("parent", "must be a page id"))?;
            write.parent_id = if parent == 0 {
                None
            } else {
                state
                    .store
                    .post_by_id(parent)
                    .await?
                    .filter(|p| p.kind == PostKind::Page)
                    .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_post_invalid_id", "Invalid post parent ID."))?;
                Some(parent)
            };
        }
        if let Some(order) = body.get("menu_order").filter(|o| !o.is_null()) {
            write.menu_order = order.as_i64().ok_or_else(|| ApiError::invalid_param("menu_order", "must be an integer"))?;
        }
    }
    if let Some(password) = text_field(body, "password")? {
        write.password = Some(password).filter(|p| !p.is_empty());
    }
    for (name, taxonomy) in [("categories", Taxonomy::Category), ("tags", Taxonomy::Tag)] {
        if let Some(list) = id_list(body, name)? {
            for id in &list {
                if state.store.term_by_id(*id).await?.is_none_or(|t| t.taxonomy != taxonomy) {
                    return Err(ApiError::invalid_param(name, format!("{id} is not a {}", taxonomy.as_str())));
                }
            }
            match taxonomy {
                Taxonomy::Category => write.category_ids = list,
                Taxonomy::Tag => write.tag_ids = list,
            }
        }
    }
    if let Some(dateline) = body.get("dateline").filter(|d| !d.is_null()) {
        if !dateline.is_object() {
            return Err(ApiError::invalid_param("dateline", "must be an object ({\"dek\": …, \"source\": {…}})"));
        }
        if let Some(dek) = dateline.get("dek") {
            if !(dek.is_string() || dek.is_null()) {
                return Err(ApiError::invalid_param("dateline.dek", "must be a string or null"));
            }
            write.dek = dek.as_str().map(str::to_string).filter(|d| !d.trim().is_empty());
        }
        if let Some(source) = dateline.get("source") {
            let source: Option<Source> =
                serde_json::from_value(source.clone()).map_err(|e| ApiError::invalid_param("dateline.source", e))?;
            write.source = source.filter(|s| !s.is_empty());
        }
    }
    if write.title.trim().is_empty() && write.body_source.trim().is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "empty_content", "Content, title, and excerpt are empty."));
    }
    // The rules every door applies; the field is named as the API names it.
    dateline_core::input::check_write(write).map_err(|problem| {
        let field = if problem.field.starts_with("source") { format!("dateline.{}", problem.field) } else { problem.field };
        ApiError::invalid_param(&field, problem.reason)
    })?;
    // Publishing needs the right: a contributor's post waits for review.
    let publishing = matches!(write.status, PostStatus::Published | PostStatus::Scheduled | PostStatus::Private);
    if publishing && !user.role.can(Capability::PublishPosts) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_publish",
            "Sorry, you are not allowed to publish posts in this post type.",
        ));
    }
    if write.status == PostStatus::Published && write.published_at > Timestamp::now() {
        write.status = PostStatus::Scheduled;
    }
    Ok(())
}

async fn create(state: AppState, headers: HeaderMap, body: Bytes, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let needed = if kind == PostKind::Page { Capability::EditOthersPosts } else { Capability::WritePosts };
    let Some(user) = user.clone().filter(|u| u.role.can(needed)) else {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user."));
    };
    let body = body_value(&headers, &body)?;
    let mut write = PostWrite::new_draft(kind, user.id, BodyFormat::Html);
    apply(&state, &mut write, &body, &user).await?;
    let post = state.store.save_post(None, write).await?;
    Ok((StatusCode::CREATED, Json(post_json(&state, &post, true))).into_response())
}

async fn update(state: AppState, headers: HeaderMap, id: i64, body: Bytes, kind: PostKind) -> ApiResult {
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
    let body = body_value(&headers, &body)?;
    let mut write = PostWrite::from_post(&post);
    apply(&state, &mut write, &body, &user).await?;
    let saved = state.store.save_post(Some(post.id), write).await?;
    Ok(Json(post_json(&state, &saved, true)).into_response())
}

async fn delete(state: AppState, headers: HeaderMap, id: i64, query: HashMap<String, String>, body: Bytes, kind: PostKind) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let post = state
        .store
        .post_by_id(id)
        .await?
        .filter(|p| p.kind == kind)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."))?;
    if !user.as_ref().is_some_and(|u| can_edit(&post, u)) {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_delete", "Sorry, you are not allowed to delete this post."));
    }
    let previous = post_json(&state, &post, true);
    if super::force_requested(&query, &headers, &body) {
        state.store.delete_post(post.id).await?;
        return Ok(Json(json!({ "deleted": true, "previous": previous })).into_response());
    }
    if post.status == PostStatus::Trash {
        return Err(ApiError::new(StatusCode::GONE, "rest_already_trashed", "The post has already been deleted."));
    }
    let mut write = PostWrite::from_post(&post);
    write.status = PostStatus::Trash;
    let trashed = state.store.save_post(Some(post.id), write).await?;
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
        pub(crate) async fn $create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
            create(state, headers, body, $kind).await
        }
        pub(crate) async fn $update(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> ApiResult {
            update(state, headers, super::path_id(&id)?, body, $kind).await
        }
        pub(crate) async fn $delete(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(id): Path<String>,
            Query(query): Query<HashMap<String, String>>,
            body: Bytes,
        ) -> ApiResult {
            delete(state, headers, super::path_id(&id)?, query, body, $kind).await
        }
    };
}

handlers!(PostKind::Post, list_posts, get_post, create_post, update_post, delete_post);
handlers!(PostKind::Page, list_pages, get_page, create_page, update_page, delete_page);
