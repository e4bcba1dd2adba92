//! The Media page: the library as a grid (search, type and month filters), uploads by file
//! picker or drag and drop, alt text, caption and title edited in place, and a delete that
//! says first how many posts use the file. Authors and up; an author changes their own files.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::media::{self, MediaRefusal, UploadInfo};
use dateline_core::accounts::Capability;
use dateline_core::media::{MediaEdit, MediaItem, MediaQuery};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::{AppError, AppState};

const PER_PAGE: u32 = 24;

/// The library's filters, from the query string.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct Filters {
    search: String,
    /// image, audio, video or document.
    r#type: String,
    /// 2025-04.
    month: String,
    page: u32,
    /// What the last action did, said at the top: uploaded, saved, deleted.
    done: String,
}

/// One card of the grid.
#[derive(Debug, Serialize)]
struct Card {
    id: i64,
    title: String,
    alt_text: String,
    caption: String,
    file_name: String,
    mime_type: String,
    is_image: bool,
    url: String,
    thumbnail: String,
    width: Option<u32>,
    height: Option<u32>,
    size: String,
    uploaded: String,
    mine: bool,
}

fn card(admin: &Admin, item: &MediaItem) -> Card {
    let thumbnail = item.variants.iter().find(|v| v.mime_type == item.mime_type).map_or_else(|| item.path(), |v| item.variant_path(v));
    Card {
        id: item.id,
        title: item.title.clone(),
        alt_text: item.alt_text.clone(),
        caption: item.caption.clone(),
        file_name: item.file_name.clone(),
        mime_type: item.mime_type.clone(),
        is_image: item.is_image(),
        url: item.path(),
        thumbnail,
        width: item.width,
        height: item.height,
        size: human_size(item.byte_size),
        uploaded: item.created_at.strftime("%Y-%m-%d").to_string(),
        mine: item.author_id == admin.user.id || admin.user.role.can(Capability::EditOthersPosts),
    }
}

fn human_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

async fn page(
    state: &AppState,
    admin: &Admin,
    filters: &Filters,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    admin.must(Capability::PublishPosts)?;
    let query = MediaQuery {
        search: Some(filters.search.trim().to_string()).filter(|s| !s.is_empty()),
        mime_prefix: media::type_prefix(&filters.r#type).map(String::from),
        between: media::month_range(&filters.month),
        author_id: None,
        page: filters.page.max(1),
        per_page: PER_PAGE,
    };
    let found = media::list(state.store.as_ref(), &query).await.map_err(refusal)?;
    let months: Vec<String> = state.store.media_months().await?.iter().map(|(y, m)| format!("{y:04}-{m:02}")).collect();
    let cards: Vec<Card> = found.items.iter().map(|item| card(admin, item)).collect();
    let ctx = context! {
        section => "media",
        cards => cards,
        total => found.total,
        pages => found.page_count(PER_PAGE),
        filters => filters,
        months => months,
        problem => problem,
        max_mb => state.uploads.max_bytes() / (1024 * 1024),
    };
    let mut response = render(state, Some(admin), "admin/media.html", "Media", ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

fn refusal(refusal: MediaRefusal) -> AppError {
    match refusal {
        MediaRefusal::Store(err) => err.into(),
        MediaRefusal::NotFound => AppError::NotFound,
        other => AppError::Forbidden(other.to_string()),
    }
}

fn status_of(refusal: &MediaRefusal) -> StatusCode {
    match refusal {
        MediaRefusal::CannotUpload | MediaRefusal::NotYours => StatusCode::FORBIDDEN,
        MediaRefusal::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        MediaRefusal::Refused(dateline_app::media::MediaError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        MediaRefusal::Refused(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MediaRefusal::NotFound => StatusCode::NOT_FOUND,
        MediaRefusal::InUse(_) => StatusCode::CONFLICT,
        MediaRefusal::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn back(done: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/media?done={done}"))]).into_response()
}

pub(crate) async fn library(State(state): State<AppState>, admin: Admin, Query(filters): Query<Filters>) -> Result<Response, AppError> {
    page(&state, &admin, &filters, None, StatusCode::OK).await
}

/// What the editor puts in a post for an uploaded image (see admin.js): the copy pages and
/// cards use (at most 1600 px wide, in the image's format), with its size.
#[derive(Debug, Serialize)]
struct Inserted {
    id: i64,
    url: String,
    width: Option<u32>,
    height: Option<u32>,
    alt: String,
    is_image: bool,
}

impl Inserted {
    fn new(item: &MediaItem) -> Inserted {
        let copy = item.card_copy();
        Inserted {
            id: item.id,
            url: copy.path,
            width: copy.width,
            height: copy.height,
            alt: item.alt_text.clone(),
            is_image: item.is_image(),
        }
    }
}

/// An answer to the editor's script: `{"message"}` with the status that says why.
fn json_refusal(status: StatusCode, message: String) -> Response {
    (status, axum::Json(serde_json::json!({ "message": message }))).into_response()
}

/// `POST /admin/media`: a multipart form with `_csrf` and one or more `file` fields. The Media
/// page's form gets the page back; the editor's script (an image pasted or dropped into the
/// commentary) asks with `Accept: application/json` and gets what it inserts, or why not.
pub(crate) async fn upload(State(state): State<AppState>, admin: Admin, request: Request) -> Result<Response, AppError> {
    let wants_json =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.starts_with("application/json"));
    match upload_files(&state, &admin, request).await {
        Ok(items) if wants_json => {
            Ok((StatusCode::CREATED, axum::Json(items.iter().map(Inserted::new).collect::<Vec<_>>())).into_response())
        }
        Ok(_) => Ok(back("uploaded")),
        // The texts meant for people; anything else (busy, broken) keeps its error page and
        // status, which the script names in general terms.
        Err(Refused::Request(AppError::BadRequest(message))) if wants_json => Ok(json_refusal(StatusCode::BAD_REQUEST, message)),
        Err(Refused::Request(AppError::Forbidden(message))) if wants_json => Ok(json_refusal(StatusCode::FORBIDDEN, message)),
        Err(Refused::Request(err)) => Err(err),
        Err(Refused::File(message, status)) if wants_json => Ok(json_refusal(status, message)),
        Err(Refused::File(message, status)) => page(&state, &admin, &Filters::default(), Some(message), status).await,
    }
}

/// Why an upload request stored nothing (or not everything).
enum Refused {
    /// The request itself: no right, no token, unreadable.
    Request(AppError),
    /// A file, named in the message, with the status that says why.
    File(String, StatusCode),
}

/// Reads the form, checks its token, and stores each file in turn; the first refusal stops it.
async fn upload_files(state: &AppState, admin: &Admin, request: Request) -> Result<Vec<MediaItem>, Refused> {
    admin.must(Capability::PublishPosts).map_err(Refused::Request)?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::BadRequest(format!("The file is too large: the limit is {} MB.", state.uploads.max_bytes() / (1024 * 1024)))
        } else {
            AppError::BadRequest("The upload could not be read. Please choose the file again.".into())
        }
    };
    let unreadable = |e| Refused::Request(unreadable(e));
    let mut form = Multipart::from_request(request, state)
        .await
        .map_err(|_| Refused::Request(AppError::BadRequest("Upload files with the form on the Media page.".into())))?;
    let (mut token, mut files) = (None, Vec::new());
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            "_csrf" => token = Some(field.text().await.map_err(unreadable)?),
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    files.push((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    if !token.is_some_and(|t| state.signer.check_admin_csrf(&admin.session, &t)) {
        return Err(Refused::Request(AppError::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
        )));
    }
    if files.is_empty() {
        return Err(Refused::File("Choose a file to upload.".into(), StatusCode::BAD_REQUEST));
    }
    let mut stored = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let info = UploadInfo { file_name: name.clone(), ..UploadInfo::default() };
        match media::upload(state.store.as_ref(), &state.uploads, &admin.user, info, bytes).await {
            Ok(item) => stored.push(item),
            Err(why) => {
                let done = if stored.is_empty() { String::new() } else { format!(" ({} uploaded before it)", stored.len()) };
                let shown = if name.is_empty() { "The file".to_string() } else { format!("“{name}”") };
                return Err(Refused::File(format!("{shown} was not uploaded: {why}.{done}"), status_of(&why)));
            }
        }
    }
    Ok(stored)
}

/// The edit form of one card.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EditForm {
    #[serde(deserialize_with = "fields::trimmed")]
    title: String,
    #[serde(deserialize_with = "fields::trimmed")]
    alt_text: String,
    #[serde(deserialize_with = "fields::trimmed")]
    caption: String,
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, form }: AdminForm<EditForm>,
) -> Result<Response, AppError> {
    let edit = MediaEdit { title: Some(form.title), alt_text: Some(form.alt_text), caption: Some(form.caption) };
    media::edit(state.store.as_ref(), &admin.user, id, edit).await.map_err(refusal)?;
    Ok(back("saved"))
}

/// `GET /admin/media/{id}/delete`: what deleting would do, and the button that does it.
pub(crate) async fn confirm_delete(State(state): State<AppState>, Path(id): Path<i64>, admin: Admin) -> Result<Response, AppError> {
    admin.must(Capability::PublishPosts)?;
    let item = state.store.media_item(id).await?.ok_or(AppError::NotFound)?;
    let used = state.store.media_usage(id).await?;
    let ctx = context! { section => "media", item => card(&admin, &item), used => used };
    render(&state, Some(&admin), "admin/media_delete.html", "Delete a file", ctx).await
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminForm { admin, .. }: AdminForm<super::NoFields>,
) -> Result<Response, AppError> {
    // This form is the confirmation page's: the posts that used the file were named there.
    media::delete(state.store.as_ref(), &admin.user, id, true).await.map_err(refusal)?;
    Ok(back("deleted"))
}
