//! `GET /embeds/{id}/thumbnail`: an embed's thumbnail, as fetched when its post was saved, so
//! a card's picture comes from this site and a reader's browser asks the provider nothing
//! until the reader clicks. The address changes with each new answer (`?v=`), so it is cached
//! for a long time.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::{AppError, AppState};

pub(crate) async fn thumbnail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let thumbnail = state.store.embed_thumbnail(id).await?.ok_or(AppError::NotFound)?;
    // Only the image types Dateline keeps (checked by their bytes when fetched) are served as images.
    let content_type = match thumbnail.content_type.as_str() {
        kind @ ("image/jpeg" | "image/png" | "image/gif" | "image/webp") => kind,
        _ => return Err(AppError::NotFound),
    };
    let mut response = ([(header::CONTENT_TYPE, content_type)], thumbnail.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}
