//! The one error type of the web layer. A handler returns `AppError`; the response carries
//! the status and, for 5xx, the detail in an extension that [`render_error_pages`] logs and
//! never shows: a visitor sees a generic page.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dateline_core::StoreError;

use crate::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: no such page, post, archive or asset.
    #[error("not found")]
    NotFound,
    /// 400: the request could not be read (a malformed form, say); the text is shown.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403: logged in, but this role may not do this; the text says what is missing.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 303 to the admin's login page: no one is signed in. The text is the `Location`
    /// (`/admin/login?redirect_to=…`, back to the page asked for).
    #[error("sign in first: {0}")]
    SignIn(String),
    /// 405: reading pages only answers GET and HEAD.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 503 with `Retry-After`: the store is busy (another writer holds it); nothing was
    /// written and the same request may succeed in a moment. The text is for the log only.
    #[error("busy: {0}")]
    Busy(String),
    /// 503 with `Retry-After`: the store takes no writes (a full disk, a read-only store);
    /// nothing was written. The text is for the log only.
    #[error("cannot write: {0}")]
    CannotWrite(String),
    /// 500: something broke on our side; the text is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client is asked to wait when the store is busy.
pub(crate) const BUSY_RETRY_SECONDS: u32 = 5;

/// What a visitor is told when the store is busy.
pub(crate) const BUSY_MESSAGE: &str =
    "The site is busy saving something else right now, so nothing was changed. Please try again in a moment.";

/// Seconds a client is asked to wait when the store takes no writes (an operator must act).
pub(crate) const CANNOT_WRITE_RETRY_SECONDS: u32 = 300;

/// What a visitor is told when the store takes no writes.
pub(crate) const CANNOT_WRITE_MESSAGE: &str = "The site cannot save anything right now (its storage is full or read-only), so nothing was changed. Reading still works; please try again later.";

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> AppError {
        match err {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Busy(detail) => AppError::Busy(detail),
            StoreError::CannotWrite(detail) => AppError::CannotWrite(detail),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Marks a response whose body the error-page middleware should render.
#[derive(Debug, Clone)]
pub(crate) struct ErrorPage {
    /// For the log only.
    detail: Option<String>,
    /// Shown to the visitor instead of the generic text.
    message: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, None),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, None),
            // A redirect, not an error page.
            AppError::SignIn(location) => return (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, location)]).into_response(),
            AppError::Forbidden(message) => {
                let mut response = StatusCode::FORBIDDEN.into_response();
                response.extensions_mut().insert(ErrorPage { detail: None, message: Some(message) });
                return response;
            }
            AppError::BadRequest(message) => {
                let mut response = StatusCode::BAD_REQUEST.into_response();
                response.extensions_mut().insert(ErrorPage { detail: None, message: Some(message) });
                return response;
            }
            AppError::Busy(detail) => {
                tracing::warn!(detail, "the store was busy");
                let mut response =
                    (StatusCode::SERVICE_UNAVAILABLE, [(axum::http::header::RETRY_AFTER, BUSY_RETRY_SECONDS.to_string())]).into_response();
                response.extensions_mut().insert(ErrorPage { detail: None, message: Some(BUSY_MESSAGE.into()) });
                return response;
            }
            AppError::CannotWrite(detail) => {
                // An operator must act: logged as an error, every time it is met.
                tracing::error!(detail, "the store takes no writes (disk full or read-only)");
                let retry = CANNOT_WRITE_RETRY_SECONDS.to_string();
                let mut response = (StatusCode::SERVICE_UNAVAILABLE, [(axum::http::header::RETRY_AFTER, retry)]).into_response();
                response.extensions_mut().insert(ErrorPage { detail: None, message: Some(CANNOT_WRITE_MESSAGE.into()) });
                return response;
            }
            AppError::Internal(detail) => (StatusCode::INTERNAL_SERVER_ERROR, Some(detail)),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { detail, message: None });
        response
    }
}

fn is_plain_text(response: &Response) -> bool {
    response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/plain"))
}

/// Replaces the body of error responses with the themed error page, and logs 5xx details.
pub(crate) async fn render_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let mut status = response.status();
    let page = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        // The API answers in WordPress's JSON, also when the body limit refused the request.
        None if path.starts_with("/wp-json") => {
            let json =
                response.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
            // (An upload route says its own limit, in JSON already.)
            if status == StatusCode::PAYLOAD_TOO_LARGE && !json {
                let message = format!("The request body is larger than this site accepts ({} KiB).", crate::MAX_REQUEST_BODY / 1024);
                return crate::api::json_error(status, "rest_request_too_large", &message);
            }
            return response;
        }
        // The body limit answers by itself, before any handler runs.
        None if status == StatusCode::PAYLOAD_TOO_LARGE => ErrorPage { detail: None, message: None },
        // Extractors answer with bare text: a path whose id is not a number names no page,
        // and a query that cannot be read is a bad request, both shown as the site's pages.
        None if status == StatusCode::BAD_REQUEST && is_plain_text(&response) => {
            let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap_or_default();
            if body.starts_with(b"Invalid URL") {
                status = StatusCode::NOT_FOUND;
            }
            ErrorPage { detail: None, message: None }
        }
        None => return response,
    };
    if let Some(detail) = &page.detail {
        tracing::error!(%path, %status, detail, "request failed");
    }
    let admin = path.starts_with("/admin/");
    // The reader who took a wrong turn gets the site's menu, as on every other page.
    let nav = if admin { Vec::new() } else { crate::routes::public::frame(&state).await.map(|frame| frame.nav).unwrap_or_default() };
    let html = state.templates.error_page(&state.site(), status, page.message.as_deref(), admin, &nav);
    (status, [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
