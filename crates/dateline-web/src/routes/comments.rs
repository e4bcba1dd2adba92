//! `POST /comments`: a reader's comment. The form's own checks (its token, a protected post's
//! unlock cookie) happen here; the comment then goes through the one pipeline every door uses
//! (`dateline_app::comments`), and a refusal shows the post again with the text kept.
//! `/comments/unsubscribe`: the one-click end of reply notifications.

use std::net::SocketAddr;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::comments::{Incoming, Refusal, Sender, accept};
use dateline_core::discussion::Submission;
use dateline_core::{CommentStatus, Post, StoreError, User};
use jiff::Timestamp;
use minijinja::context;
use serde::Deserialize;

use super::single::{self, FormProblem, FormValues, PageRequest};
use crate::form::{AppForm, client_ip, cookie};
use crate::view::permalink;
use crate::{AppError, AppState};

/// The form as WordPress names its fields, plus our hidden ones.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(rename = "comment_post_ID")]
    post_id: Option<String>,
    author: Option<String>,
    email: Option<String>,
    url: Option<String>,
    comment: Option<String>,
    comment_parent: Option<String>,
    subscribe: Option<String>,
    #[serde(rename = "_token")]
    token: Option<String>,
    website_confirm: Option<String>,
}

/// The socket peer, when the server was started with connection info.
pub(crate) struct PeerAddr(pub(crate) Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0)))
    }
}

impl CommentForm {
    fn values(&self) -> FormValues {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        FormValues {
            author: text(&self.author),
            email: text(&self.email),
            url: text(&self.url),
            comment: text(&self.comment),
            subscribe: self.subscribe.is_some(),
            parent: self.comment_parent.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(0),
        }
    }
}

/// Why the form is shown again: the status, the field to fix (if one), and what to say.
struct Refused {
    status: StatusCode,
    field: Option<&'static str>,
    message: String,
}

impl Refused {
    fn new(status: StatusCode, message: impl Into<String>) -> Refused {
        Refused { status, field: None, message: message.into() }
    }
}

/// What a refusal of the comment pipeline means on the form.
fn refused(refusal: Refusal, post: i64) -> Refused {
    let message = refusal.to_string();
    match refusal {
        Refusal::NoSuchPost => Refused::new(StatusCode::NOT_FOUND, message),
        Refusal::Closed => Refused::new(StatusCode::FORBIDDEN, message),
        Refusal::Invalid { field, .. } => Refused { status: StatusCode::UNPROCESSABLE_ENTITY, field: Some(field), message },
        Refusal::ParentGone => Refused::new(StatusCode::UNPROCESSABLE_ENTITY, message),
        Refusal::Duplicate => Refused { status: StatusCode::CONFLICT, field: Some("comment"), message },
        Refusal::Flooded { .. } => Refused::new(StatusCode::TOO_MANY_REQUESTS, message),
        // The store failed (busy with an import, a full disk): the reader keeps what they typed.
        Refusal::Store(err) => match AppError::from(err) {
            AppError::Busy(detail) => {
                tracing::warn!(detail, post, "comment not stored: the store is busy");
                Refused::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("{} Your comment is still below: send it again.", crate::error::BUSY_MESSAGE),
                )
            }
            AppError::CannotWrite(detail) => {
                tracing::error!(detail, post, "comment not stored: the store takes no writes (disk full or read-only)");
                Refused::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("{} Your comment is still below: copy it or send it again later.", crate::error::CANNOT_WRITE_MESSAGE),
                )
            }
            other => {
                tracing::error!(detail = %other, post, "comment not stored");
                Refused::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Your comment could not be saved because of a problem on the server. It is still below: please try again later.",
                )
            }
        },
    }
}

/// Shows the post again with the reader's text and what went wrong.
async fn refuse(
    state: &AppState,
    post: &Post,
    form: &CommentForm,
    account: Option<&User>,
    refused: Refused,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let problem = FormProblem { values: form.values(), field: refused.field, message: refused.message };
    // The reader's cookies as on the page itself: the form's, and a protected post's unlock.
    let request = PageRequest {
        csrf_cookie: cookie(headers, single::CSRF_COOKIE).map(str::to_string),
        post_pass: cookie(headers, &single::post_pass_cookie(post.id)).map(str::to_string),
        signed_in: account.cloned(),
        ..PageRequest::default()
    };
    single::render(state, post, request, Some(problem), refused.status).await
}

/// The form door: what only a form knows (its token, cookies, honeypot and timing) is checked
/// or gathered here; the comment itself goes through [`dateline_app::comments::accept`].
pub(crate) async fn submit(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    AppForm(form): AppForm<CommentForm>,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let site = state.site();
    let post_id: i64 = form.post_id.as_deref().and_then(|id| id.trim().parse().ok()).ok_or(AppError::NotFound)?;
    let post = state.store.post_by_id(post_id).await?.ok_or(AppError::NotFound)?;
    if !post.is_public_at(now) {
        return Err(AppError::NotFound);
    }
    // A protected post takes comments only from readers who gave its password.
    if let Some(password) = &post.password {
        let unlocked = cookie(&headers, &single::post_pass_cookie(post.id))
            .is_some_and(|c| crate::tokens::same(c, &state.signer.post_pass(post.id, password)));
        if !unlocked {
            return Err(AppError::NotFound);
        }
    }
    let csrf = cookie(&headers, single::CSRF_COOKIE).map(str::to_string);
    // Someone signed in comments as their account (WordPress's "Logged in as …").
    let account = crate::auth::session_user(&state, &headers).await?.map(|(user, _)| user);

    // The token proves the form came from this site, to this visitor, and when.
    let issued_at = match (&form.token, &csrf) {
        (Some(token), Some(cookie)) => state.signer.check_form_token(token, post.id, cookie),
        _ => None,
    };
    let Some(issued_at) = issued_at else {
        let message = "This form has expired or was not sent from this site. Your comment is still below: please send it again.";
        return refuse(&state, &post, &form, account.as_ref(), Refused::new(StatusCode::FORBIDDEN, message), &headers).await;
    };
    let sender = Sender {
        address: client_ip(&headers, peer, site.config.server.trust_forwarded_for).map(|ip| ip.to_string()),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        seconds_taken: Some(now.as_second() - issued_at),
        honeypot_filled: form.website_confirm.as_deref().is_some_and(|v| !v.trim().is_empty()),
        account: account.clone(),
    };
    let incoming = Incoming {
        submission: Submission {
            author: form.author.clone().unwrap_or_default(),
            email: form.email.clone().unwrap_or_default(),
            url: form.url.clone().unwrap_or_default(),
            body: form.comment.clone().unwrap_or_default(),
        },
        parent: Some(form.values().parent),
        notify: form.subscribe.is_some(),
        status: None,
    };
    let author_url = account.as_ref().map(|user| format!("{}{}", site.base_url, crate::view::author_path(user)));
    let accepted = match accept(state.store.as_ref(), &site.config.discussion, &post, incoming, &sender, author_url, now).await {
        Ok(accepted) => accepted,
        Err(refusal) => {
            let wait = match &refusal {
                Refusal::Flooded { wait_seconds } => Some(*wait_seconds),
                Refusal::Store(StoreError::Busy(_)) => Some(i64::from(crate::error::BUSY_RETRY_SECONDS)),
                Refusal::Store(StoreError::CannotWrite(_)) => Some(i64::from(crate::error::CANNOT_WRITE_RETRY_SECONDS)),
                _ => None,
            };
            let mut response = refuse(&state, &post, &form, account.as_ref(), refused(refusal, post.id), &headers).await?;
            if let Some(wait) = wait {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            return Ok(response);
        }
    };
    let comment = accepted.comment;
    tracing::info!(comment = comment.id, post = post.id, status = %comment.status, "comment received");
    state.notify_comment(&post, &comment);

    let path = permalink(&site.time_zone, &post);
    let location = if comment.status == CommentStatus::Approved {
        let mut all = accepted.approved_before;
        all.push(comment.clone());
        let page = single::page_of_comment(&state, &all, comment.id);
        format!("{}#comment-{}", single::comment_page_path(&path, page), comment.id)
    } else {
        let hash = state.signer.moderation_hash(comment.id, comment.created_at.as_second());
        format!("{path}?unapproved={}&moderation-hash={hash}#comment-{}", comment.id, comment.id)
    };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenQuery {
    post: Option<String>,
}

/// `GET /comments/token?post=ID`: the form token of one reader for one post, as JSON
/// (`{"token": "…"}`), with the CSRF cookie it is bound to when the reader has none yet. The
/// post page every anonymous reader gets is the same bytes (the page cache keeps it), so its
/// forms ask here for what is the reader's own; the time in the token is when they asked.
pub(crate) async fn form_token(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let Some(post) = query.post.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| *p > 0) else {
        return (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({ "error": "post must be a post id" }))).into_response();
    };
    let existing = cookie(&headers, single::CSRF_COOKIE).filter(|c| c.len() >= 16 && c.len() <= 64).map(str::to_string);
    let csrf = existing.clone().unwrap_or_else(crate::tokens::random_token);
    let token = state.signer.form_token(post, Timestamp::now().as_second(), &csrf);
    let mut response = axum::Json(serde_json::json!({ "token": token })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if existing.is_none()
        && let Some(value) = single::csrf_cookie_header(&state, &csrf)
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct UnsubscribeQuery {
    c: Option<String>,
    t: Option<String>,
}

/// `GET` or `POST /comments/unsubscribe?c=ID&t=TOKEN` (the mail's link and its one-click
/// `List-Unsubscribe-Post`): no more reply notifications for that comment.
pub(crate) async fn unsubscribe(State(state): State<AppState>, Query(query): Query<UnsubscribeQuery>) -> Result<Response, AppError> {
    let id: i64 = query.c.as_deref().and_then(|c| c.parse().ok()).ok_or(AppError::NotFound)?;
    let token = query.t.unwrap_or_default();
    if !state.signer.check_unsubscribe_token(id, &token) {
        return Err(AppError::BadRequest("This unsubscribe link is not valid. Use the link from the latest email.".into()));
    }
    let comment = state.store.comment_by_id(id).await?.ok_or(AppError::NotFound)?;
    state.store.unsubscribe_comment(id).await?;
    let post = state.store.post_by_id(comment.post_id).await?.ok_or(AppError::NotFound)?;
    let ctx = context! {
        heading => "Unsubscribed",
        message => format!("You will get no more emails about replies to your comment on “{}”.", post.title),
        meta => context! { title => "Unsubscribed", robots => "noindex" },
    };
    let html = state.templates.render("error.html", &state.site(), ctx)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}
