//! Serving uploaded files at `/media/{hash}/{name}`. The hash is the SHA-256 of the bytes, so
//! the address never shows other bytes: browsers and proxies may keep a file for a year
//! without asking again (`immutable`), and the `ETag` is the hash itself. The name is only for
//! people and downloads; any name serves the file.
//!
//! Hardening: the `Content-Type` is the one told from the bytes at upload, `nosniff` stops a
//! browser from guessing another, and what is not a picture, sound or video is a download
//! (`Content-Disposition: attachment`), never a page of this site.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::{AppError, AppState};

pub(crate) async fn serve(
    State(state): State<AppState>,
    Path((hash, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(file) = state.store.media_file(&hash).await? else {
        return Err(AppError::NotFound);
    };
    let etag = format!("\"{hash}\"");
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*"));
    let mut response = if unchanged { StatusCode::NOT_MODIFIED.into_response() } else { Body::from(file.bytes).into_response() };
    let h = response.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).map_err(|_| AppError::NotFound)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Even a picture opened on its own runs nothing (a belt to nosniff's braces).
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; media-src 'self'; sandbox"));
    if let Ok(mime) = HeaderValue::from_str(&file.mime_type) {
        h.insert(header::CONTENT_TYPE, mime);
    }
    let inline = ["image/", "audio/", "video/"].iter().any(|p| file.mime_type.starts_with(p));
    if !inline {
        let download = if file.file_name.is_empty() { name } else { file.file_name };
        let safe: String = download.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            h.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}
