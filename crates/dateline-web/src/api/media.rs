//! `/wp-json/wp/v2/media`: the media library as WordPress's REST API shows it. Uploads come as
//! WordPress takes them: the file as the raw body, named by `Content-Disposition: attachment;
//! filename=…` with its `Content-Type`, or a multipart form with the file in `file` (and
//! `title`, `alt_text`, `caption` beside it). Items answer in WordPress's shape (`source_url`,
//! `media_details.sizes`, `alt_text`, `caption.rendered`, `mime_type`, `media_type`); the
//! sizes are named by width (`320`, `640`, …, `…-webp` for the WebP copies) and `full`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use dateline_app::media::{self, MediaError, MediaRefusal, UploadInfo};
use dateline_core::media::{MediaEdit, MediaItem, MediaQuery};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{ApiBody, DeleteFields, force_requested};
use super::quirks::Text;
use super::{ApiError, ApiResult, api_user, paged, paging, wp_date};
use crate::AppState;

impl From<MediaRefusal> for ApiError {
    fn from(refusal: MediaRefusal) -> ApiError {
        let message = refusal.to_string();
        match refusal {
            MediaRefusal::CannotUpload => {
                ApiError::new(StatusCode::FORBIDDEN, "rest_cannot_create", "Sorry, you are not allowed to upload media on this site.")
            }
            MediaRefusal::NotYours => {
                ApiError::new(StatusCode::FORBIDDEN, "rest_cannot_edit", "Sorry, you are not allowed to edit this file.")
            }
            MediaRefusal::TooMany(_) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rest_upload_limited", capitalized(&message)),
            MediaRefusal::Refused(MediaError::TooLarge { .. }) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "rest_upload_file_too_big", capitalized(&message))
            }
            MediaRefusal::Refused(_) => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "rest_upload_invalid_type", capitalized(&message))
            }
            MediaRefusal::NotFound => ApiError::new(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID."),
            MediaRefusal::InUse(_) => ApiError::new(StatusCode::CONFLICT, "rest_media_in_use", capitalized(&message)),
            MediaRefusal::Store(err) => err.into(),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".").unwrap_or_default()
}

/// One item in WordPress's shape.
pub(crate) fn media_json(state: &AppState, item: &MediaItem) -> Value {
    let site = state.site();
    let url = |path: String| format!("{}{path}", site.base_url);
    let source_url = url(item.path());
    let mut sizes = serde_json::Map::new();
    for variant in &item.variants {
        let name = if variant.mime_type == item.mime_type { variant.width.to_string() } else { format!("{}-webp", variant.width) };
        let path = item.variant_path(variant);
        sizes.insert(
            name,
            json!({
                "file": path.rsplit('/').next().unwrap_or(""),
                "width": variant.width,
                "height": variant.height,
                "filesize": variant.byte_size,
                "mime_type": variant.mime_type,
                "source_url": url(path),
            }),
        );
    }
    if item.is_image() {
        sizes.insert(
            "full".into(),
            json!({ "file": item.file_name, "width": item.width, "height": item.height, "filesize": item.byte_size, "mime_type": item.mime_type, "source_url": source_url }),
        );
    }
    let slug = item.file_name.rsplit_once('.').map_or(item.file_name.as_str(), |(stem, _)| stem);
    let caption = if item.caption.is_empty() { String::new() } else { format!("<p>{}</p>\n", dateline_render::escape_html(&item.caption)) };
    json!({
        "id": item.id,
        "date": wp_date(item.created_at, &site.time_zone),
        "date_gmt": wp_date(item.created_at, &jiff::tz::TimeZone::UTC),
        "guid": { "rendered": source_url },
        "modified": wp_date(item.updated_at, &site.time_zone),
        "modified_gmt": wp_date(item.updated_at, &jiff::tz::TimeZone::UTC),
        "slug": slug,
        "status": "inherit",
        "type": "attachment",
        "link": source_url,
        "title": { "rendered": dateline_render::escape_html(&item.title) },
        "author": item.author_id,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": [],
        "description": { "rendered": "" },
        "caption": { "rendered": caption },
        "alt_text": item.alt_text,
        "media_type": if item.is_image() { "image" } else { "file" },
        "mime_type": item.mime_type,
        "media_details": {
            "width": item.width,
            "height": item.height,
            "file": item.file_name,
            "filesize": item.byte_size,
            "sizes": sizes,
        },
        "post": null,
        "source_url": source_url,
    })
}

/// The file name a raw upload's `Content-Disposition` gives (`attachment; filename="a.jpg"`).
fn disposition_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_DISPOSITION)?.to_str().ok()?;
    value.split(';').map(str::trim).find_map(|part| {
        let (key, name) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("filename")).then(|| name.trim().trim_matches('"').to_string())
    })
}

/// The file and its fields, from a multipart form or a raw body.
async fn read_upload(state: &AppState, request: Request) -> Result<(UploadInfo, Vec<u8>), ApiError> {
    let multipart =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("multipart/form-data"));
    let too_big = |_| {
        let limit = state.uploads.max_bytes() / (1024 * 1024);
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "rest_upload_file_too_big", format!("The file is too large: the limit is {limit} MB."))
    };
    if !multipart {
        let Some(file_name) = disposition_name(request.headers()) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "rest_upload_no_content_disposition",
                "No Content-Disposition supplied: send the file with Content-Disposition: attachment; filename=NAME.",
            ));
        };
        let bytes = Bytes::from_request(request, state).await.map_err(|e| too_big(e.status()))?;
        return Ok((UploadInfo { file_name, ..UploadInfo::default() }, bytes.to_vec()));
    }
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_big(e.status())
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "rest_upload_invalid_form", format!("The upload form could not be read: {e}"))
        }
    };
    let mut form = Multipart::from_request(request, state).await.map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "rest_upload_invalid_form", format!("The upload form could not be read: {e}"))
    })?;
    let (mut info, mut file) = (UploadInfo::default(), None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                info.file_name = field.file_name().unwrap_or("").to_string();
                file = Some(field.bytes().await.map_err(bad)?.to_vec());
            }
            "title" => info.title = Some(field.text().await.map_err(bad)?),
            "alt_text" => info.alt_text = Some(field.text().await.map_err(bad)?),
            "caption" => info.caption = Some(field.text().await.map_err(bad)?),
            _ => {}
        }
    }
    let file =
        file.ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_upload_no_data", "No data supplied: send the file in `file`."))?;
    Ok((info, file))
}

pub(crate) async fn create(State(state): State<AppState>, request: Request) -> ApiResult {
    let user = api_user(&state, request.headers()).await?;
    let Some(user) = user else {
        return Err(ApiError::forbidden(None, "rest_cannot_create", "Sorry, you are not allowed to upload media on this site."));
    };
    let (info, bytes) = read_upload(&state, request).await?;
    let item = media::upload(state.store.as_ref(), &state.uploads, &user, info, bytes).await?;
    let mut response = (StatusCode::CREATED, Json(media_json(&state, &item))).into_response();
    if let Ok(location) = format!("{}/wp-json/wp/v2/media/{}", state.site().base_url, item.id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(crate) async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let params = super::Params::parse(raw.as_deref());
    let (page, per_page) = paging(params.get("page"), params.get("per_page"), 10)?;
    let mime_prefix = match (params.get("media_type"), params.get("mime_type")) {
        (_, Some(mime)) => Some(mime.to_string()),
        (Some(kind), None) => Some(
            media::type_prefix(kind)
                .ok_or_else(|| ApiError::invalid_param("media_type", "must be one of image, video, audio, application"))?
                .to_string(),
        ),
        (None, None) => None,
    };
    let author_id = match params.get("author") {
        Some(a) => Some(a.parse().map_err(|_| ApiError::invalid_param("author", "must be an id"))?),
        None => None,
    };
    let query = MediaQuery { search: params.get("search").map(String::from), mime_prefix, between: None, author_id, page, per_page };
    let found = media::list(state.store.as_ref(), &query).await?;
    Ok(paged(found.items.iter().map(|m| media_json(&state, m)).collect(), found.total, per_page))
}

pub(crate) async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let item = state.store.media_item(super::path_id(&id)?).await?.ok_or(MediaRefusal::NotFound)?;
    Ok(Json(media_json(&state, &item)).into_response())
}

/// The fields an edit takes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MediaFields {
    title: Option<Text>,
    alt_text: Option<Text>,
    caption: Option<Text>,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: ApiBody<MediaFields>,
) -> ApiResult {
    let id = super::path_id(&id)?;
    let Some(user) = api_user(&state, &headers).await? else {
        return Err(ApiError::forbidden(None, "rest_cannot_edit", "Sorry, you are not allowed to edit this file."));
    };
    let fields = body.fields()?;
    let edit = MediaEdit { title: fields.title.map(|t| t.0), alt_text: fields.alt_text.map(|t| t.0), caption: fields.caption.map(|t| t.0) };
    let item = media::edit(state.store.as_ref(), &user, id, edit).await?;
    Ok(Json(media_json(&state, &item)).into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: ApiBody<DeleteFields>,
) -> ApiResult {
    let id = super::path_id(&id)?;
    let Some(user) = api_user(&state, &headers).await? else {
        return Err(ApiError::forbidden(None, "rest_cannot_delete", "Sorry, you are not allowed to delete this file."));
    };
    if !force_requested(&query, body) {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "The media library does not support trashing. Set 'force=true' to delete.",
        ));
    }
    // `force=true` is the confirmation: posts that used the file lose it.
    let item = media::delete(state.store.as_ref(), &user, id, true).await?;
    Ok(Json(json!({ "deleted": true, "previous": media_json(&state, &item) })).into_response())
}
