//! `POST /comments`: a reader's comment, through every check in order (the form token,
//! the post being open, the rate limit, the honeypot and timing, the fields, duplicates,
//! then moderation and the spam score), stored with the reasons for its status.
//! `/comments/unsubscribe`: the one-click end of reply notifications.

use std::net::SocketAddr;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::discussion::{CleanSubmission, Submission, Verdict, check_comment_text, check_submission, comments_closed, judge};
use dateline_core::{CommentKind, CommentOutcome, CommentStatus, FloodLimit, NewComment, Post, PostKind, User};
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

/// Shows the post again with the reader's text and what went wrong.
async fn refuse(
    state: &AppState,
    post: &Post,
    form: &CommentForm,
    account: Option<&User>,
    status: StatusCode,
    field: Option<&'static str>,
    message: String,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let problem = FormProblem { values: form.values(), field, message };
    // The reader's cookies as on the page itself: the form's, and a protected post's unlock.
    let request = PageRequest {
        csrf_cookie: cookie(headers, single::CSRF_COOKIE).map(str::to_string),
        post_pass: cookie(headers, &single::post_pass_cookie(post.id)).map(str::to_string),
        signed_in: account.cloned(),
        ..PageRequest::default()
    };
    single::render(state, post, request, Some(problem), status).await
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    AppForm(form): AppForm<CommentForm>,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let settings = &state.site().config.discussion;
    let post_id: i64 = form.post_id.as_deref().and_then(|id| id.trim().parse().ok()).ok_or(AppError::NotFound)?;
    let post = state.store.post_by_id(post_id).await?.ok_or(AppError::NotFound)?;
    if post.kind != PostKind::Post || !post.is_public_at(now) {
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
    // The post's author and those who may moderate are trusted, as WordPress trusts them.
    let trusted = account.as_ref().is_some_and(|user| user.role.can(Capability::ModerateComments) || user.id == post.author.id);

    // The token proves the form came from this site, to this visitor, and when.
    let issued_at = match (&form.token, &csrf) {
        (Some(token), Some(cookie)) => state.signer.check_form_token(token, post.id, cookie),
        _ => None,
    };
    let Some(issued_at) = issued_at else {
        let message = "This form has expired or was not sent from this site. Your comment is still below: please send it again.";
        return refuse(&state, &post, &form, account.as_ref(), StatusCode::FORBIDDEN, None, message.into(), &headers).await;
    };
    if comments_closed(&post, settings, now) {
        return refuse(
            &state,
            &post,
            &form,
            account.as_ref(),
            StatusCode::FORBIDDEN,
            None,
            "Comments are closed on this post; your comment was not posted.".into(),
            &headers,
        )
        .await;
    }
    let ip = client_ip(&headers, peer, state.site().config.server.trust_forwarded_for);
    let submission = Submission {
        author: form.author.clone().unwrap_or_default(),
        email: form.email.clone().unwrap_or_default(),
        url: form.url.clone().unwrap_or_default(),
        body: form.comment.clone().unwrap_or_default(),
    };
    let checked = match &account {
        Some(user) => check_comment_text(&submission.body, settings).map(|body| account_submission(&state, user, body)),
        None => check_submission(&submission, settings),
    };
    let clean = match checked {
        Ok(clean) => clean,
        Err(problem) => {
            return refuse(
                &state,
                &post,
                &form,
                account.as_ref(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problem.field),
                problem.message,
                &headers,
            )
            .await;
        }
    };

    // A reply must answer an approved comment of this post; too deep a reply joins the
    // deepest thread level allowed, as WordPress does.
    let approved = state.store.comments_for_post(post.id, CommentStatus::Approved).await?;
    let requested_parent = form.values().parent;
    let mut parent = None;
    if requested_parent > 0 {
        if !approved.iter().any(|c| c.id == requested_parent) {
            let message = "The comment you replied to is not on this post (it may have been removed).".to_string();
            return refuse(&state, &post, &form, account.as_ref(), StatusCode::UNPROCESSABLE_ENTITY, None, message, &headers).await;
        }
        parent = Some(crate::view::reply_target(&approved, requested_parent, settings.thread_depth));
    }
    let ip_text = ip.map(|ip| ip.to_string());
    let (verdict, spam_score) = if trusted {
        (Verdict { status: CommentStatus::Approved, reasons: Vec::new() }, None)
    } else {
        let (verdict, score) = screen(&state, &clean, ip_text.as_deref(), &form, now.as_second() - issued_at).await?;
        (verdict, Some(score))
    };
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|ua| ua.chars().take(255).collect());
    let new = NewComment {
        kind: CommentKind::Comment,
        author_name: clean.author,
        author_email: clean.email,
        author_url: clean.url,
        author_ip: ip_text,
        user_agent,
        body: clean.body,
        body_format: dateline_core::BodyFormat::Markdown,
        status: verdict.status,
        created_at: now,
        moderation_reason: verdict.reason(),
        spam_score,
        notify: form.subscribe.is_some(),
        user_id: account.as_ref().map(|user| user.id),
        parent_index: None,
    };
    // The flood limit counts the address's stored comments, as WordPress's flood check does
    // (a reader fixing a typo is not flooding), in the store every instance shares. It and
    // the duplicate check are made with the insert, so simultaneous sends cannot slip past.
    let window = jiff::SignedDuration::from_secs(i64::from(settings.rate_limit_window_seconds));
    let flood = match (&new.author_ip, trusted || settings.rate_limit_count == 0) {
        (Some(address), false) => Some(FloodLimit { address: address.clone(), since: now - window, max: settings.rate_limit_count }),
        _ => None,
    };
    let stored = match state.store.create_comment_checked(post.id, parent, new, flood.as_ref()).await {
        Ok(outcome) => outcome,
        // The store failed (busy with an import, a full disk): the reader keeps what they typed.
        Err(err) => {
            let (status, message) = match AppError::from(err) {
                AppError::Busy(detail) => {
                    tracing::warn!(detail, post = post.id, "comment not stored: the store is busy");
                    (StatusCode::SERVICE_UNAVAILABLE, format!("{} Your comment is still below: send it again.", crate::error::BUSY_MESSAGE))
                }
                other => {
                    tracing::error!(detail = %other, post = post.id, "comment not stored");
                    let message =
                        "Your comment could not be saved because of a problem on the server. It is still below: please try again later.";
                    (StatusCode::INTERNAL_SERVER_ERROR, message.to_string())
                }
            };
            let mut response = refuse(&state, &post, &form, account.as_ref(), status, None, message, &headers).await?;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::error::BUSY_RETRY_SECONDS));
            }
            return Ok(response);
        }
    };
    let comment = match stored {
        CommentOutcome::Created(comment) => comment,
        CommentOutcome::Duplicate => {
            let message = "Duplicate comment detected; it looks as though you’ve already said that!".to_string();
            return refuse(&state, &post, &form, account.as_ref(), StatusCode::CONFLICT, Some("comment"), message, &headers).await;
        }
        CommentOutcome::Flooded { oldest } => {
            let wait = (oldest + window).duration_since(now).as_secs().max(1);
            let message = format!("You are commenting faster than this site allows. Please wait {wait} seconds and send again.");
            let mut response =
                refuse(&state, &post, &form, account.as_ref(), StatusCode::TOO_MANY_REQUESTS, None, message, &headers).await?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            return Ok(response);
        }
    };
    tracing::info!(comment = comment.id, post = post.id, status = %comment.status, "comment received");
    crate::notify::comment_received(&state, &post, &comment);

    let path = permalink(&state.site().time_zone, &post);
    let location = if comment.status == CommentStatus::Approved {
        let mut all = approved;
        all.push(comment.clone());
        let page = single::page_of_comment(&state, &all, comment.id);
        format!("{}#comment-{}", single::comment_page_path(&path, page), comment.id)
    } else {
        let hash = state.signer.moderation_hash(comment.id, comment.created_at.as_second());
        format!("{path}?unapproved={}&moderation-hash={hash}#comment-{}", comment.id, comment.id)
    };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// A signed-in commenter's name, email and link come from their account, not the form.
fn account_submission(state: &AppState, user: &User, body: String) -> CleanSubmission {
    let url = format!("{}{}", state.site().base_url, crate::view::author_path(user));
    CleanSubmission { author: Some(user.display_name.clone()), email: user.email.clone(), url: Some(url), body }
}

/// The moderation verdict and spam score. A bot caught by the honeypot goes to spam; a comment
/// sent faster than people type is held (a reader with autofill may be that fast), so the
/// "awaiting moderation" note its author sees is true. Either way the reason is recorded.
async fn screen(
    state: &AppState,
    clean: &CleanSubmission,
    ip: Option<&str>,
    form: &CommentForm,
    seconds_taken: i64,
) -> Result<(Verdict, f64), AppError> {
    let settings = &state.site().config.discussion;
    let tokens = dateline_core::spam::tokens(clean.author.as_deref(), clean.email.as_deref(), clean.url.as_deref(), &clean.body);
    let learned = state.store.spam_counts(&tokens).await?;
    let score = dateline_core::spam::score(&tokens, &learned);
    let prior = state.store.has_approved_comment(clean.email.as_deref(), clean.author.as_deref()).await?;
    let mut verdict = judge(clean, ip, settings, prior, &score);
    if form.website_confirm.as_deref().is_some_and(|v| !v.trim().is_empty()) {
        verdict = Verdict { status: CommentStatus::Spam, reasons: vec!["the hidden honeypot field was filled in".into()] };
    } else if seconds_taken < i64::from(settings.min_submit_seconds) {
        let reason = format!("sent {seconds_taken} s after the form was shown (people take at least {} s)", settings.min_submit_seconds);
        let status = if verdict.status == CommentStatus::Spam { CommentStatus::Spam } else { CommentStatus::Pending };
        verdict.reasons.insert(0, reason);
        verdict = Verdict { status, reasons: verdict.reasons };
    }
    Ok((verdict, score.probability))
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
