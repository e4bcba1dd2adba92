//! A subset of the WordPress REST API at `/wp-json/wp/v2/`, so WordPress clients and
//! scripts work unchanged: WordPress's field names, query parameters, pagination headers
//! (`X-WP-Total`, `X-WP-TotalPages`), error shape (`{"code","message","data":{"status"}}`),
//! and authentication with application passwords over HTTP Basic. Link-post fields appear
//! under a `dateline` key. `/wp-json/openapi.json` describes what is implemented.

mod body;
mod bylines;
mod catalog;
mod clip;
mod comments;
mod fields;
mod links;
mod media;
mod openapi;
mod post_fields;
mod posts;
mod quirks;
mod related;
mod search;
mod terms;
mod users;

pub(crate) use users::user_json;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dateline_app::signin::SigninError;
use dateline_core::{StoreError, User};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

pub(crate) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/wp-json/", get(index))
        .route("/wp-json", get(index))
        .route("/wp-json/openapi.json", get(openapi::document))
        .route("/wp-json/wp/v2/posts", get(posts::list_posts).post(posts::create_post))
        .route(
            "/wp-json/wp/v2/posts/{id}",
            get(posts::get_post).post(posts::update_post).put(posts::update_post).patch(posts::update_post).delete(posts::delete_post),
        )
        .route("/wp-json/wp/v2/pages", get(posts::list_pages).post(posts::create_page))
        .route(
            "/wp-json/wp/v2/pages/{id}",
            get(posts::get_page).post(posts::update_page).put(posts::update_page).patch(posts::update_page).delete(posts::delete_page),
        )
        .route("/wp-json/wp/v2/comments", get(comments::list).post(comments::create))
        .route(
            "/wp-json/wp/v2/comments/{id}",
            get(comments::get_one).post(comments::update).put(comments::update).patch(comments::update).delete(comments::delete),
        )
        .route("/wp-json/wp/v2/categories", get(terms::list_categories).post(terms::create_category))
        .route("/wp-json/wp/v2", get(namespace_index))
        .route("/wp-json/wp/v2/", get(namespace_index))
        .route("/wp-json/dateline/v1", get(namespace_index))
        .route("/wp-json/dateline/v1/", get(namespace_index))
        .route(
            "/wp-json/wp/v2/categories/{id}",
            get(terms::get_category)
                .post(terms::update_category)
                .put(terms::update_category)
                .patch(terms::update_category)
                .delete(terms::delete_category),
        )
        .route("/wp-json/wp/v2/tags", get(terms::list_tags).post(terms::create_tag))
        .route(
            "/wp-json/wp/v2/tags/{id}",
            get(terms::get_tag).post(terms::update_tag).put(terms::update_tag).patch(terms::update_tag).delete(terms::delete_tag),
        )
        .route("/wp-json/wp/v2/search", get(search::search))
        .route(
            "/wp-json/wp/v2/media",
            get(media::list).post(media::create).layer(axum::extract::DefaultBodyLimit::max(crate::max_upload_body(state))),
        )
        .route(
            "/wp-json/wp/v2/media/{id}",
            get(media::get_one).post(media::update).put(media::update).patch(media::update).delete(media::delete),
        )
        .route(
            "/wp-json/dateline/v1/clip",
            axum::routing::post(clip::clip).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_CLIP_BODY)),
        )
        .route("/wp-json/dateline/v1/outlets", get(bylines::list_outlets))
        .route("/wp-json/dateline/v1/outlets/{id}", get(bylines::get_outlet))
        .route("/wp-json/dateline/v1/reporters", get(bylines::list_reporters))
        .route("/wp-json/dateline/v1/reporters/{id}", get(bylines::get_reporter))
        .route("/wp-json/wp/v2/users", get(users::list))
        .route("/wp-json/wp/v2/users/me", get(users::me))
        .route("/wp-json/wp/v2/users/{id}", get(users::get_one))
        .route("/wp-json/{*rest}", axum::routing::any(no_route))
        // A method a route does not take is no route, in WordPress's words.
        .method_not_allowed_fallback(no_route)
        .layer(axum::middleware::from_fn(catalog::known_parameters))
        .layer(axum::middleware::from_fn_with_state(state.clone(), links::pagination_links))
        .layer(axum::middleware::from_fn_with_state(state.clone(), with_client_address))
        .layer(axum::middleware::from_fn(fields::only_requested_fields))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// An id from the path; anything else is no route, as WordPress's `(?P<id>\d+)` routes answer.
pub(crate) fn path_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "rest_no_route", "No route was found matching the URL and request method."))
}

async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "rest_no_route", "No route was found matching the URL and request method.")
}

/// WordPress's error shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    pub(crate) fn invalid_param(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_param", format!("Invalid parameter(s): {name} ({why})"))
    }

    /// 401 when nobody is logged in, 403 when the account may not.
    pub(crate) fn forbidden(user: Option<&User>, code: &'static str, message: &str) -> ApiError {
        let status = if user.is_some() { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
        ApiError::new(status, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "rest_not_found", "Not found."),
            StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "rest_conflict", message),
            StoreError::Invalid(message) => ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_param", message),
            StoreError::Busy(detail) => {
                tracing::warn!(detail, "API request found the store busy");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "rest_store_busy",
                    "The site is busy with another write; nothing was changed. Please try again in a moment.",
                )
            }
            StoreError::CannotWrite(detail) => {
                tracing::error!(detail, "API request found the store taking no writes (disk full or read-only)");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "rest_store_unavailable",
                    "The site cannot save anything right now (its storage is full or read-only); nothing was changed.",
                )
            }
            StoreError::Backend(detail) => {
                tracing::error!(detail, "API request failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "rest_internal_error", "Something went wrong on the server.")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_error(self.status, self.code, &self.message)
    }
}

/// WordPress's error shape as a response (also for refusals made before any API handler ran).
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message, "data": { "status": status.as_u16() } });
    (status, Json(body)).into_response()
}

pub(crate) type ApiResult = Result<Response, ApiError>;

tokio::task_local! {
    /// The client address of the API request being handled (its throttle key for Basic
    /// credentials), set around each request by [`with_client_address`].
    static CLIENT_ADDRESS: Option<std::net::IpAddr>;
}

/// Runs an API request with its client address at hand for [`api_user`].
async fn with_client_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let ip = crate::form::client_ip(request.headers(), peer, state.site().config.server.trust_forwarded_for);
    CLIENT_ADDRESS.scope(ip, next.run(request)).await
}

/// The client address of the API request being handled, if known.
pub(crate) fn client_address() -> Option<std::net::IpAddr> {
    CLIENT_ADDRESS.try_with(|ip| *ip).ok().flatten()
}

/// The account of a request's Basic credentials; a wrong password is an error, no
/// credentials is `None` (anonymous).
pub(crate) async fn api_user(state: &AppState, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    Ok(crate::auth::basic_user(state, headers, client_address()).await.transpose()?)
}

impl From<SigninError> for ApiError {
    fn from(refused: SigninError) -> ApiError {
        match refused {
            SigninError::Wrong => {
                ApiError::new(StatusCode::UNAUTHORIZED, "incorrect_password", "The provided password is an invalid application password.")
            }
            SigninError::Throttled(_) => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failed_logins",
                "Too many failed login attempts for this account from here. Please try again in 15 minutes.",
            ),
            SigninError::Store(e) => e.into(),
        }
    }
}

/// Query parameters as WordPress reads them: `tags=1,2`, `tags[]=1&tags[]=2` and repeated
/// keys all give the list [1, 2].
#[derive(Debug, Default)]
pub(crate) struct Params(std::collections::HashMap<String, Vec<String>>);

impl Params {
    pub(crate) fn parse(raw: Option<&str>) -> Params {
        let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let key = key.trim_end_matches("[]").to_string();
            map.entry(key).or_default().push(value.into_owned());
        }
        Params(map)
    }

    /// The first value of a parameter.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// Every value of a parameter, comma-separated lists split.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .map(|v| v.iter().flat_map(|s| s.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    /// Every value as an id; a value that is not one is an error naming the parameter.
    pub(crate) fn ids(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.list(name).iter().map(|v| v.parse().map_err(|_| ApiError::invalid_param(name, format!("{v:?} is not an id")))).collect()
    }
}

/// A JSON list with WordPress's pagination headers.
pub(crate) fn paged(items: Vec<serde_json::Value>, total: u64, per_page: u32) -> Response {
    let pages = total.div_ceil(u64::from(per_page.max(1)));
    let mut response = Json(items).into_response();
    response.headers_mut().insert("X-WP-Total", HeaderValue::from(total));
    response.headers_mut().insert("X-WP-TotalPages", HeaderValue::from(pages));
    response
}

/// WordPress's answer to a page after the last of a collection.
pub(crate) fn past_the_last_page() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "rest_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )
}

/// `page` and `per_page` as WordPress checks them (per_page 1–100).
pub(crate) fn paging(page: Option<&str>, per_page: Option<&str>, default_per_page: u32) -> Result<(u32, u32), ApiError> {
    let page = match page {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| ApiError::invalid_param("page", "must be a whole number from 1 to 4294967295"))?,
    };
    let per_page = match per_page {
        None => default_per_page,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=100).contains(p))
            .ok_or_else(|| ApiError::invalid_param("per_page", "must be between 1 (inclusive) and 100 (inclusive)"))?,
    };
    Ok((page, per_page))
}

/// "2022-05-20T14:30:00" in a zone (WordPress's date fields carry no offset).
pub(crate) fn wp_date(ts: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    ts.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Parses a WordPress date field: with an offset or Z, or local to `tz` without one.
pub(crate) fn parse_wp_date(text: &str, tz: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok().or_else(|| {
        jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", text).ok().and_then(|dt| dt.to_zoned(tz.clone()).ok()).map(|z| z.timestamp())
    })
}

/// `/wp-json/`: the site and every route with its methods and arguments, as WordPress's index
/// describes them (what `WPAPI.discover()` and other clients build themselves from).
async fn index(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let site = state.site();
    let root = format!("{}/wp-json", site.base_url);
    Json(json!({
        "name": site.config.site.title,
        "description": site.config.site.tagline,
        "url": site.base_url,
        "home": site.base_url,
        "gmt_offset": site.time_zone.to_offset(jiff::Timestamp::now()).seconds() / 3600,
        "timezone_string": site.config.site.timezone,
        "namespaces": catalog::NAMESPACES,
        "authentication": { "application-passwords": { "endpoints": { "authorization": format!("{}/admin/profile", site.base_url) } } },
        "routes": catalog::index_routes(&root, None),
        "_links": { "help": [{ "href": format!("{root}/openapi.json") }] },
    }))
    .into_response()
}

/// `/wp-json/wp/v2` and `/wp-json/dateline/v1`: the namespace's own routes.
async fn namespace_index(axum::extract::State(state): axum::extract::State<AppState>, uri: axum::http::Uri) -> Response {
    let root = format!("{}/wp-json", state.site().base_url);
    let asked = uri.path().trim_start_matches("/wp-json/").trim_end_matches('/');
    let Some(namespace) = catalog::NAMESPACES.iter().find(|n| **n == asked) else {
        return no_route().await.into_response();
    };
    let routes = catalog::index_routes(&root, Some(namespace));
    Json(json!({ "namespace": namespace, "routes": routes, "_links": { "up": [{ "href": format!("{root}/") }] } })).into_response()
}

/// The `Link` header that lets clients find the API from any page (WordPress's discovery).
pub(crate) fn discovery_link(base_url: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("<{base_url}/wp-json/>; rel=\"https://api.w.org/\"")).ok()
}
