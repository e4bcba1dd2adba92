//! The moderation queue: comments by status with counts, why each held comment was held,
//! and approve / spam / trash / unapprove one at a time or in bulk.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::{CommentQuery, CommentStatus};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Admin, AdminForm};
use crate::form::fields;
use crate::view::{TimeView, permalink};
use crate::{AppError, AppState};
use dateline_app::moderation::Decision;

#[derive(Debug, Deserialize)]
pub(crate) struct QueueQuery {
    status: Option<String>,
    /// The queue's page (WordPress's `paged`), 100 comments to a page.
    paged: Option<String>,
    /// Words to find in the text, the name or the address.
    s: Option<String>,
}

/// Comments on each page of the moderation queue.
const QUEUE_PAGE: u32 = 100;

#[derive(Serialize)]
struct Action {
    name: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    /// The text as written, for the edit box.
    raw: String,
    author: String,
    email: Option<String>,
    ip: Option<String>,
    body_html: String,
    created: TimeView,
    reason: Option<String>,
    spam_score: Option<f64>,
    post_title: String,
    post_path: String,
    actions: Vec<Action>,
}

/// The actions that make sense for a comment in `status`.
fn actions(status: CommentStatus) -> Vec<Action> {
    let a = |name, label| Action { name, label };
    match status {
        CommentStatus::Pending => vec![a("approve", "Approve"), a("spam", "Spam"), a("trash", "Trash")],
        CommentStatus::Approved => vec![a("pending", "Unapprove"), a("spam", "Spam"), a("trash", "Trash")],
        CommentStatus::Spam => vec![a("approve", "Not spam"), a("trash", "Trash"), a("delete", "Delete permanently")],
        CommentStatus::Trash => vec![a("restore", "Restore"), a("spam", "Spam"), a("delete", "Delete permanently")],
    }
}

fn action_decision(action: &str) -> Option<Decision> {
    match action {
        "approve" => Some(Decision::To(CommentStatus::Approved)),
        "spam" => Some(Decision::To(CommentStatus::Spam)),
        "trash" => Some(Decision::To(CommentStatus::Trash)),
        "pending" => Some(Decision::To(CommentStatus::Pending)),
        "restore" => Some(Decision::Restore),
        _ => None,
    }
}

pub(crate) async fn queue(State(state): State<AppState>, Query(query): Query<QueueQuery>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::ModerateComments)?;
    let status = query.status.as_deref().and_then(CommentStatus::parse).unwrap_or(CommentStatus::Pending);
    let counts = state.store.comment_counts().await?;
    let number = query.paged.as_deref().and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
    let search = query.s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let comment_query = CommentQuery {
        status: Some(status),
        post: None,
        search: search.clone(),
        search_addresses: true,
        page: number,
        per_page: QUEUE_PAGE,
    };
    let page = state.store.list_comments(&comment_query).await?;
    let pages = page.page_count(QUEUE_PAGE);
    if number > pages {
        return Err(AppError::NotFound);
    }
    let mut rows = Vec::with_capacity(page.items.len());
    let posts = crate::view::posts_of(state.store.as_ref(), &page.items).await?;
    for c in &page.items {
        let post = posts.get(&c.post_id).and_then(|p| p.as_ref());
        rows.push(Row {
            id: c.id,
            raw: c.body.clone(),
            author: c.author_name.clone().unwrap_or_else(|| "Anonymous".into()),
            email: c.author_email.clone(),
            ip: c.author_ip.clone(),
            body_html: crate::view::comment_html(c),
            created: TimeView::new(&state.site(), c.created_at),
            reason: c.moderation_reason.clone(),
            spam_score: c.spam_score,
            post_title: post.map(|p| p.title.clone()).unwrap_or_default(),
            post_path: post.map(|p| permalink(&state.site().time_zone, p)).unwrap_or_default(),
            actions: actions(c.status),
        });
    }
    let label = |s: CommentStatus| match s {
        CommentStatus::Pending => "Pending",
        CommentStatus::Approved => "Approved",
        CommentStatus::Spam => "Spam",
        CommentStatus::Trash => "Trash",
    };
    let statuses: Vec<_> = counts.iter().map(|(s, n)| context! { name => s.as_str(), label => label(*s), count => n }).collect();
    let pending = counts.iter().find(|(s, _)| *s == CommentStatus::Pending).map(|(_, n)| *n).unwrap_or(0);
    let ctx = context! {
        section => "comments", status => status.as_str(), statuses => statuses, comments => rows, pending_count => pending,
        total => page.total, page => number, pages => pages, search => search.unwrap_or_default(),
    };
    super::render(&state, Some(&admin), "admin/comments.html", "Comments", ctx).await
}

/// Deletes comments for good (only from spam or trash, as WordPress), then returns to the queue.
async fn delete_for_good(state: &AppState, ids: &[i64], back_to: &str) -> Result<Response, AppError> {
    for id in ids {
        let comment = state.store.comment_by_id(*id).await?.ok_or(AppError::NotFound)?;
        if !matches!(comment.status, CommentStatus::Spam | CommentStatus::Trash) {
            return Err(AppError::BadRequest(
                "Only spam and trashed comments can be deleted permanently; move it to the trash first.".into(),
            ));
        }
        state.store.delete_comment(*id).await?;
    }
    Ok(back_to_queue(back_to))
}

/// Carries out `decision` on each id, then returns to the queue it came from.
async fn apply(state: &AppState, ids: &[i64], decision: Decision, back_to: &str) -> Result<Response, AppError> {
    for id in ids {
        match dateline_app::moderation::decide(&state.services(), &state.site(), *id, decision).await {
            Ok(_) => {}
            Err(dateline_core::StoreError::NotFound(_)) => return Err(AppError::NotFound),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(back_to_queue(back_to))
}

/// Where in the queue a form was sent from: its `status` (held comments when it names none)
/// and its `paged`, so a moderator working through page 2 stays there.
fn queue_spot(status: &str, paged: &str) -> String {
    let status = CommentStatus::parse(status).unwrap_or(CommentStatus::Pending);
    match paged.parse::<u32>().ok().filter(|p| *p > 1) {
        Some(page) => format!("status={}&paged={page}", status.as_str()),
        None => format!("status={}", status.as_str()),
    }
}

/// 303 back to the queue at `spot` (see [`queue_spot`]).
fn back_to_queue(spot: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/comments?{spot}"))]).into_response()
}

/// A queue form with nothing else to say: where it was sent from.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SpotForm {
    #[serde(deserialize_with = "fields::first")]
    status: String,
    #[serde(deserialize_with = "fields::first")]
    paged: String,
}

pub(crate) async fn single(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    AdminForm { admin, form }: AdminForm<SpotForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ModerateComments)?;
    let back_to = &queue_spot(&form.status, &form.paged);
    if action == "delete" {
        return delete_for_good(&state, &[id], back_to).await;
    }
    let decision = action_decision(&action).ok_or(AppError::NotFound)?;
    apply(&state, &[id], decision, back_to).await
}

/// The bulk form under the queue: an action and the ticked comments.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BulkForm {
    #[serde(deserialize_with = "fields::first")]
    action: String,
    /// Ticked rows; one that is not a number is skipped.
    ids: Vec<String>,
    #[serde(deserialize_with = "fields::first")]
    status: String,
    #[serde(deserialize_with = "fields::first")]
    paged: String,
}

pub(crate) async fn bulk(State(state): State<AppState>, AdminForm { admin, form }: AdminForm<BulkForm>) -> Result<Response, AppError> {
    admin.must(Capability::ModerateComments)?;
    let ids: Vec<i64> = form.ids.iter().filter_map(|v| v.parse().ok()).collect();
    let back_to = &queue_spot(&form.status, &form.paged);
    if form.action == "delete" {
        return delete_for_good(&state, &ids, back_to).await;
    }
    let decision = action_decision(&form.action).ok_or_else(|| AppError::BadRequest("Choose an action.".into()))?;
    apply(&state, &ids, decision, back_to).await
}

/// A moderator's words: a reply, or a comment's corrected text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TextForm {
    #[serde(deserialize_with = "fields::trimmed")]
    text: String,
    #[serde(deserialize_with = "fields::first")]
    status: String,
    #[serde(deserialize_with = "fields::first")]
    paged: String,
}

/// `POST /admin/comments/{id}/reply`: the moderator answers on the site, as themselves; a
/// held comment being answered is approved (as WordPress does).
pub(crate) async fn reply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form }: AdminForm<TextForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ModerateComments)?;
    if form.text.is_empty() {
        return Err(AppError::BadRequest("Type a reply first.".into()));
    }
    let parent = state.store.comment_by_id(id).await?.ok_or(AppError::NotFound)?;
    if parent.status != dateline_core::CommentStatus::Approved {
        dateline_app::moderation::moderate(&state.services(), &state.site(), id, dateline_core::CommentStatus::Approved).await?;
    }
    let reply = dateline_core::NewComment {
        kind: dateline_core::CommentKind::Comment,
        author_name: Some(admin.user.display_name.clone()),
        author_email: admin.user.email.clone(),
        author_url: Some(format!("{}{}", state.site().base_url, crate::view::author_path(&admin.user))),
        author_ip: None,
        user_agent: None,
        body: form.text,
        body_format: dateline_core::BodyFormat::Markdown,
        status: dateline_core::CommentStatus::Approved,
        created_at: jiff::Timestamp::now(),
        moderation_reason: None,
        spam_score: None,
        notify: false,
        user_id: Some(admin.user.id),
        parent_index: None,
    };
    let created = state.store.create_comment(parent.post_id, Some(parent.id), reply).await?;
    if let Some(post) = state.store.post_by_id(parent.post_id).await? {
        dateline_app::notify::reply_approved(&state.services(), &state.site(), &post, &created).await;
    }
    Ok(back_to_queue(&queue_spot(&form.status, &form.paged)))
}

/// `POST /admin/comments/{id}/edit`: a moderator's correction of the text.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form }: AdminForm<TextForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::ModerateComments)?;
    if form.text.is_empty() {
        return Err(AppError::BadRequest("A comment cannot be empty; trash it instead.".into()));
    }
    state.store.update_comment_body(id, &form.text).await?;
    Ok(back_to_queue(&queue_spot(&form.status, &form.paged)))
}
