//! `/wp/v2/comments`: approved comments for everyone; every status, moderation and deletion
//! for those who may moderate; logged-in accounts may comment as themselves.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dateline_core::accounts::Capability;
use dateline_core::*;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

use super::body::{ApiBody, DeleteFields, force_requested};
use super::quirks::{Number, Text};
use super::{ApiError, ApiResult, api_user, paged, paging, wp_date};
use crate::AppState;
use crate::view::permalink;
use dateline_app::comments::{Incoming, Refusal, Sender, accept};
use dateline_core::discussion::Submission;

fn wp_status(status: CommentStatus) -> &'static str {
    match status {
        CommentStatus::Approved => "approved",
        CommentStatus::Pending => "hold",
        CommentStatus::Spam => "spam",
        CommentStatus::Trash => "trash",
    }
}

fn parse_status(text: &str) -> Option<CommentStatus> {
    Some(match text {
        "approve" | "approved" | "1" => CommentStatus::Approved,
        "hold" | "0" => CommentStatus::Pending,
        "spam" => CommentStatus::Spam,
        "trash" => CommentStatus::Trash,
        _ => return None,
    })
}

fn moderator(user: Option<&User>) -> bool {
    user.is_some_and(|u| u.role.can(Capability::ModerateComments))
}

/// A comment in WordPress's shape; `post` is the comment's post (for its link), when it exists.
fn comment_json(state: &AppState, comment: &Comment, post: Option<&Post>, edit: bool) -> Value {
    let site = &state.site();
    let link = match post {
        Some(post) => format!("{}{}#comment-{}", site.base_url, permalink(&site.time_zone, post), comment.id),
        None => String::new(),
    };
    let mut value = json!({
        "id": comment.id,
        "post": comment.post_id,
        "parent": comment.parent_id.unwrap_or(0),
        "author": comment.user_id.unwrap_or(0),
        "author_name": comment.author_name.clone().unwrap_or_default(),
        "author_url": comment.author_url.clone().unwrap_or_default(),
        "date": wp_date(comment.created_at, &site.time_zone),
        "date_gmt": wp_date(comment.created_at, &jiff::tz::TimeZone::UTC),
        "content": { "rendered": crate::view::comment_html(comment) },
        "link": link,
        "status": wp_status(comment.status),
        "type": comment.kind.as_str(),
        "author_avatar_urls": crate::avatars::avatar_urls(state, comment.author_email.as_deref(), comment.author_name.as_deref().unwrap_or("anonymous")),
        "meta": [],
        "_links": super::related::comment_links(state, comment),
    });
    if edit {
        value["content"]["raw"] = comment.body.clone().into();
        value["author_email"] = comment.author_email.clone().unwrap_or_default().into();
        value["author_ip"] = comment.author_ip.clone().unwrap_or_default().into();
        value["author_user_agent"] = comment.user_agent.clone().unwrap_or_default().into();
        value["dateline"] = json!({ "moderation_reason": comment.moderation_reason, "spam_score": comment.spam_score });
    }
    value
}

/// A comment is readable through the API when it is approved on a public post (`post`), or by
/// a moderator.
fn readable(comment: &Comment, post: Option<&Post>, user: Option<&User>) -> bool {
    if moderator(user) {
        return true;
    }
    if comment.status != CommentStatus::Approved || comment.kind == CommentKind::Note {
        return false;
    }
    // Comments of a password-protected post are as hidden as the post.
    post.is_some_and(|p| p.is_open_at(Timestamp::now()))
}

pub(crate) async fn list(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> ApiResult {
    let user = api_user(&state, &headers).await?;
    let (page, per_page) = paging(query.get("page").map(String::as_str), query.get("per_page").map(String::as_str), 10)?;
    let status = match query.get("status").map(String::as_str) {
        None => Some(CommentStatus::Approved),
        Some("all") if moderator(user.as_ref()) => None,
        Some(text) => {
            Some(parse_status(text).ok_or_else(|| ApiError::invalid_param("status", format!("{text:?} is not a comment status")))?)
        }
    };
    if status != Some(CommentStatus::Approved) && !moderator(user.as_ref()) {
        return Err(ApiError::forbidden(user.as_ref(), "rest_forbidden_param", "Query parameter not permitted: status"));
    }
    let post = query.get("post").map(|p| p.parse::<i64>().map_err(|_| ApiError::invalid_param("post", "must be a post id"))).transpose()?;
    if let Some(post_id) = post
        && !moderator(user.as_ref())
        && !state.store.post_by_id(post_id).await?.is_some_and(|p| p.is_open_at(Timestamp::now()))
    {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."));
    }
    let search = query.get("search").cloned();
    // Only moderators find comments by the address given: others must not learn who wrote here.
    let search_addresses = moderator(user.as_ref());
    let result = state.store.list_comments(&CommentQuery { status, post, search, search_addresses, page, per_page }).await?;
    if result.items.is_empty() && page > 1 && result.total > 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_comment_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    let edit = moderator(user.as_ref());
    let posts = crate::view::posts_of(state.store.as_ref(), &result.items).await?;
    let items = result
        .items
        .iter()
        .map(|comment| (comment, posts.get(&comment.post_id).and_then(Option::as_ref)))
        // Anonymous readers never see comments on private posts, even approved ones.
        .filter(|(comment, post)| readable(comment, *post, user.as_ref()))
        .map(|(comment, post)| comment_json(&state, comment, post, edit))
        .collect();
    Ok(paged(items, result.total, per_page))
}

/// The comment `id` with its post, if `user` may read it.
async fn found(state: &AppState, id: i64, user: Option<&User>) -> Result<(Comment, Option<Post>), ApiError> {
    let invalid = || ApiError::new(StatusCode::NOT_FOUND, "rest_comment_invalid_id", "Invalid comment ID.");
    let comment = state.store.comment_by_id(id).await?.ok_or_else(invalid)?;
    let post = state.store.post_by_id(comment.post_id).await?;
    if !readable(&comment, post.as_ref(), user) {
        return Err(invalid());
    }
    Ok((comment, post))
}

pub(crate) async fn get_one(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult {
    let id = super::path_id(&id)?;
    let user = api_user(&state, &headers).await?;
    let (comment, post) = found(&state, id, user.as_ref()).await?;
    Ok(Json(comment_json(&state, &comment, post.as_ref(), moderator(user.as_ref()))).into_response())
}

/// A comment as a create or update request gives it, under WordPress's field names.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentFields {
    /// The post commented on (needed to create).
    post: Option<Number>,
    /// The comment replied to; 0 or none for a comment of its own.
    parent: Option<Number>,
    content: Option<Text>,
    /// WordPress's name (approve, hold, spam, trash); only moderators may set it.
    status: Option<String>,
}

/// A comment's text as the API takes it: not empty, not longer than the site allows.
fn checked_text(state: &AppState, content: &str) -> Result<String, ApiError> {
    let text = dateline_core::text::strip_controls(content.trim());
    if text.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "rest_comment_content_invalid", "Invalid comment content."));
    }
    if text.chars().count() > state.site().config.discussion.max_comment_length as usize {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "comment_content_column_length", "Your comment is too long."));
    }
    Ok(text)
}

/// `POST /wp/v2/comments`: an account's comment, through the same pipeline as the form's
/// (closing, text checks, reply depth, moderation rules and spam score for accounts that may not
/// moderate, flood and duplicate checks).
pub(crate) async fn create(State(state): State<AppState>, headers: HeaderMap, body: ApiBody<CommentFields>) -> ApiResult {
    let Some(user) = api_user(&state, &headers).await? else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "rest_comment_login_required", "Sorry, you must be logged in to comment."));
    };
    let fields = body.fields()?;
    let Number(post_id) = fields.post.ok_or_else(|| ApiError::invalid_param("post", "a post id is required"))?;
    let no_post = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "rest_comment_invalid_post_id",
            "Sorry, you are not allowed to create this comment without a post.",
        )
    };
    let post = state.store.post_by_id(post_id).await?.filter(|p| p.is_public_at(Timestamp::now())).ok_or_else(no_post)?;
    if post.password.is_some() && !moderator(Some(&user)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_read_post",
            "Sorry, you are not allowed to read the post for this comment.",
        ));
    }
    let status = match fields.status.as_deref() {
        Some(s) if moderator(Some(&user)) => {
            Some(parse_status(s).ok_or_else(|| ApiError::invalid_param("status", "not a comment status"))?)
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_comment_invalid_status",
                "Sorry, you are not allowed to edit 'status' for comments.",
            ));
        }
        None => None,
    };
    let site = state.site();
    let incoming = Incoming {
        submission: Submission { body: fields.content.map(|Text(text)| text).unwrap_or_default(), ..Submission::default() },
        parent: fields.parent.map(|Number(parent)| parent).filter(|p| *p > 0),
        notify: false,
        status,
    };
    let sender = Sender {
        address: super::client_address().map(|ip| ip.to_string()),
        user_agent: headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        account: Some(user.clone()),
        ..Sender::default()
    };
    let author_url = Some(format!("{}{}", site.base_url, crate::view::author_path(&user)));
    let comment =
        accept(state.store.as_ref(), &site.config.discussion, &post, incoming, &sender, author_url, Timestamp::now()).await?.comment;
    state.notify_comment(&post, &comment);
    Ok((StatusCode::CREATED, Json(comment_json(&state, &comment, Some(&post), true))).into_response())
}

/// A refusal of the comment pipeline in WordPress's error shape.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        let message = refusal.to_string();
        match refusal {
            Refusal::NoSuchPost => ApiError::new(StatusCode::NOT_FOUND, "rest_comment_invalid_post_id", message),
            Refusal::Closed => ApiError::new(StatusCode::FORBIDDEN, "rest_comment_closed", "Sorry, comments are closed for this item."),
            Refusal::Invalid { field: "comment", .. } => ApiError::new(StatusCode::BAD_REQUEST, "rest_comment_content_invalid", message),
            Refusal::Invalid { .. } => ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_param", message),
            Refusal::ParentGone => ApiError::new(StatusCode::BAD_REQUEST, "rest_comment_invalid_parent", message),
            Refusal::Duplicate => ApiError::new(StatusCode::CONFLICT, "comment_duplicate", message),
            Refusal::Flooded { .. } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "comment_flood", message),
            Refusal::Store(err) => err.into(),
        }
    }
}

pub(crate) async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: ApiBody<CommentFields>,
) -> ApiResult {
    let id = super::path_id(&id)?;
    let user = api_user(&state, &headers).await?;
    if !moderator(user.as_ref()) {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_edit", "Sorry, you are not allowed to edit this comment."));
    }
    let (comment, post) = found(&state, id, user.as_ref()).await?;
    let fields = body.fields()?;
    // Everything is checked before anything changes.
    let status = fields
        .status
        .as_deref()
        .map(|status| parse_status(status).ok_or_else(|| ApiError::invalid_param("status", "not a comment status")))
        .transpose()?;
    // A moderator's correction of the text, as in the admin.
    let text = fields.content.map(|Text(content)| checked_text(&state, &content)).transpose()?;
    if let Some(status) = status {
        dateline_app::moderation::moderate(&state.services(), &state.site(), comment.id, status).await?;
    }
    if let Some(text) = text {
        state.store.update_comment_body(comment.id, &text).await?;
    }
    let now = state.store.comment_by_id(id).await?.unwrap_or(comment);
    Ok(Json(comment_json(&state, &now, post.as_ref(), true)).into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: ApiBody<DeleteFields>,
) -> ApiResult {
    let id = super::path_id(&id)?;
    let user = api_user(&state, &headers).await?;
    if !moderator(user.as_ref()) {
        return Err(ApiError::forbidden(user.as_ref(), "rest_cannot_delete", "Sorry, you are not allowed to delete this comment."));
    }
    let (comment, post) = found(&state, id, user.as_ref()).await?;
    if force_requested(&query, body) {
        let previous = comment_json(&state, &comment, post.as_ref(), true);
        state.store.delete_comment(comment.id).await?;
        return Ok(Json(json!({ "deleted": true, "previous": previous })).into_response());
    }
    if comment.status == CommentStatus::Trash {
        return Err(ApiError::new(StatusCode::GONE, "rest_already_trashed", "The comment has already been trashed."));
    }
    dateline_app::moderation::moderate(&state.services(), &state.site(), comment.id, CommentStatus::Trash).await?;
    let now = state.store.comment_by_id(id).await?.unwrap_or(comment);
    Ok(Json(comment_json(&state, &now, post.as_ref(), true)).into_response())
}
