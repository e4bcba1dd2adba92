//! The HTTP side of Dateline: the axum router, the public pages, feeds, sitemap and static
//! assets, rendered through minijinja templates that a theme directory may override.
//!
//! Talks to storage only through `Arc<dyn Store>` (never generic over the backend, so each
//! handler compiles once). Must not depend on sqlx or on the binary's command line.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]

mod admin;
mod api;
mod assets;
pub mod auth;
mod avatars;
pub mod cache;
mod dates;
mod embeds;
mod error;
mod featured;
mod feeds;
mod form;
mod kept_content;
mod media;
mod paths;
mod request_id;
mod routes;
mod schedule;
mod security;
mod server;
pub mod settings;
mod slots;
mod templates;
mod view;
mod zero_copy;

use std::path::PathBuf;
use std::sync::Arc;

use dateline_core::mail::Mailer;
use dateline_core::{Config, Store};

pub use dateline_app::{Site, tokens};
pub use error::AppError;
pub use feeds::ArticleRenderer;
pub use paths::{Route, resolve};
pub use server::{ConnectionLimit, listen};
pub use view::permalink;

/// Everything a handler needs, cheap to clone: one shared pointer (every middleware layer
/// clones the state per request, and on a kept page ten reference counts bumped and dropped
/// by both cores took a fifth of the time; see docs/PERFORMANCE.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct Shared {
    pub store: Arc<dyn Store>,
    /// The site as configured now: settings saved in the admin replace it while running.
    site_cell: Arc<std::sync::RwLock<Arc<Site>>>,
    /// The configuration from file, environment and flags, before saved settings apply.
    base_config: Arc<Config>,
    pub templates: Arc<templates::Templates>,
    pub assets: Arc<assets::Assets>,
    /// Signs and checks form, moderation and unsubscribe tokens.
    pub signer: Arc<tokens::Signer>,
    /// Checks credentials one at a time per account and remembers API passwords just verified.
    pub attempts: Arc<auth::AttemptGate>,
    /// Where notifications go; `None` when `[smtp]` is not configured.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Pages as anonymous readers get them, kept until something they show changes.
    pub cache: Arc<cache::PageCache>,
    /// What a post page shows of the rest of the blog, by the content version it was read at.
    kept_content: kept_content::KeptContent,
    /// Bounds how many requests are rendered at once.
    pub slots: Arc<slots::Slots>,
    /// Reads the pages people clip (only public addresses, unless `[fetch] allow` says otherwise).
    pub fetcher: dateline_fetch::Fetcher,
    /// Asks providers for the cards of embeds when a post is saved (`[embeds]`).
    pub embedder: dateline_app::embeds::Embedder,
    /// What uploads may be, how they are processed, and each account's recent uploads.
    pub uploads: Arc<dateline_app::media::Uploads>,
}

/// How to build the web application.
#[derive(Clone)]
pub struct WebOptions {
    pub config: Config,
    /// Used when the config has no `site.base_url`.
    pub fallback_base_url: String,
    /// A directory whose `templates/` and `static/` override the built-in theme file by file.
    pub theme_dir: Option<PathBuf>,
    /// Sends notification mail, if configured.
    pub mailer: Option<Arc<dyn Mailer>>,
}

/// Why the web application could not be built (a theme that does not load, for example).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("theme: {0}")]
    Theme(String),
    #[error("store: {0}")]
    Store(#[from] dateline_core::StoreError),
    #[error("fetching pages: {0}")]
    Fetch(String),
    #[error("{0}")]
    Media(String),
}

impl AppState {
    /// The site's current settings (cheap: a shared pointer).
    pub fn site(&self) -> Arc<Site> {
        match self.site_cell.read() {
            Ok(site) => site.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The application's services (the store, mail, the signer), for its use cases.
    pub fn services(&self) -> dateline_app::Services {
        dateline_app::Services { store: self.store.clone(), mailer: self.mailer.clone(), signer: self.signer.clone() }
    }

    /// Tells whoever should hear of a comment just stored, after the response: the mail goes
    /// out in the background and never holds up the reader.
    pub(crate) fn notify_comment(&self, post: &dateline_core::Post, comment: &dateline_core::Comment) {
        let (services, site, post, comment) = (self.services(), self.site(), post.clone(), comment.clone());
        tokio::spawn(async move { dateline_app::notify::comment_received(&services, &site, &post, &comment).await });
    }

    /// Replaces the site's settings for every request from now on.
    pub(crate) fn replace_site(&self, site: Site) {
        let mut cell = match self.site_cell.write() {
            Ok(cell) => cell,
            Err(poisoned) => poisoned.into_inner(),
        };
        *cell = Arc::new(site);
    }

    /// Resolves the configuration, loads the theme, and fetches (or makes, the first time)
    /// the signing key every instance on this store shares.
    pub async fn new(store: Arc<dyn Store>, options: WebOptions) -> Result<AppState, WebError> {
        let assets = Arc::new(assets::Assets::new(options.theme_dir.clone()));
        let templates = Arc::new(templates::Templates::new(options.theme_dir, assets.clone()).map_err(WebError::Theme)?);
        let base_config = Arc::new(options.config.clone());
        let cache = Arc::new(cache::PageCache::new(&options.config.cache));
        let slots = Arc::new(slots::Slots::new(&options.config.cache));
        cache::follow_changes(&cache, store.clone()).await;
        let site = Site::resolve(store.as_ref(), options.config, options.fallback_base_url).await?;
        let services = dateline_app::Services::new(store, options.mailer).await?;
        let uploads = Arc::new(dateline_app::media::Uploads::new(&base_config.media).map_err(WebError::Media)?);
        let fetcher = dateline_fetch::Fetcher::new(dateline_fetch::FetchPolicy::with_allow(&base_config.fetch.allow))
            .map_err(|e| WebError::Fetch(e.to_string()))?;
        let embedder = dateline_app::embeds::Embedder::new(&base_config).map_err(|e| WebError::Fetch(e.to_string()))?;
        Ok(AppState(Arc::new(Shared {
            store: services.store,
            site_cell: Arc::new(std::sync::RwLock::new(Arc::new(site))),
            base_config,
            templates,
            assets,
            signer: services.signer,
            attempts: Arc::default(),
            mailer: services.mailer,
            cache,
            kept_content: Default::default(),
            slots,
            fetcher,
            embedder,
            uploads,
        })))
    }
}

/// The largest request body accepted (a comment form is far smaller).
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

/// The largest body the two clipping doors take: a whole news page's HTML, pasted in the admin
/// or sent to the API, with room for the form around it.
pub const MAX_CLIP_BODY: usize = dateline_clip::MAX_INPUT + 64 * 1024;

/// The largest body an upload route takes: the media size limit, with room for a multipart
/// form's other fields.
pub(crate) fn max_upload_body(state: &AppState) -> usize {
    usize::try_from(state.uploads.max_bytes()).unwrap_or(usize::MAX).saturating_add(64 * 1024)
}

/// The whole application as a router, to drive in tests with `oneshot`: the service the
/// server answers with ([`service`]), as the router's only fallback.
pub fn app(state: AppState) -> axum::Router {
    axum::Router::new().fallback_service(cached(state)).layer(tower_http::catch_panic::CatchPanicLayer::new())
}

/// What the server answers with: [`app`] without the router around it, so that a kept page is
/// answered without any routing at all.
pub(crate) fn service(
    state: AppState,
) -> tower_http::catch_panic::CatchPanic<cache::CacheService, tower_http::catch_panic::DefaultResponseForPanic> {
    tower::Layer::layer(&tower_http::catch_panic::CatchPanicLayer::new(), cached(state))
}

/// The application behind the page cache.
fn cached(state: AppState) -> cache::CacheService {
    // Served over https, browsers are told to keep to it (a year, as is usual).
    let hsts = state.site().base_url.starts_with("https://").then(|| {
        tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        )
    });
    let max_body = MAX_CLIP_BODY.max(max_upload_body(&state));
    let body_timeout = std::time::Duration::from_secs(u64::from(state.site().config.server.body_timeout_seconds));
    let pages = routes::router(state.clone())
        // Inside the error pages, so a refused body still gets the themed page.
        // Every body-reading extractor stops at 64 KiB; the two clipping routes raise their own
        // limit (`DefaultBodyLimit` on the route), as do the upload routes (to the media size
        // limit); no body at all passes the larger of the two.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        // A client that trickles its request (or holds it half sent) is answered 408 and let go.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, body_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::render_error_pages))
        // A request id and its log span for what is rendered here; a page answered from the
        // cache logs nothing and pays for neither (13–25 % of the hot path's throughput).
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(axum::middleware::from_fn(request_id::layer));
    let inner = site_headers(pages.merge(routes::health::router(state.clone())), &state, hsts);
    // In front of everything else: a kept page is answered with the headers it was kept with
    // (the security headers among them) before any routing or other layer.
    cache::CacheService::new(state, inner)
}

/// The headers of every response: the API's discovery link on the reading side, the security
/// headers and, served over https, HSTS.
fn site_headers(
    router: axum::Router,
    state: &AppState,
    hsts: Option<tower_http::set_header::SetResponseHeaderLayer<axum::http::HeaderValue>>,
) -> axum::Router {
    router
        // The base URL does not change while serving (saved settings keep it): the header is made once.
        .layer(axum::middleware::from_fn_with_state(api::discovery_link(&state.site().base_url), announce_api))
        .layer(security::headers())
        .layer(tower::util::option_layer(hsts))
}

/// Adds the API's discovery `Link` header to the reading side's responses, as WordPress does,
/// so clients given only the blog's address find its REST API.
async fn announce_api(
    axum::extract::State(link): axum::extract::State<Option<axum::http::HeaderValue>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let reading = !(path.starts_with("/wp-json") || path.starts_with("/admin") || path.starts_with("/static/"));
    let mut response = next.run(request).await;
    if reading && let Some(link) = link {
        response.headers_mut().append(axum::http::header::LINK, link);
    }
    response
}

/// Serves `app` on `listener`, at most `limit` connections at once, until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    limit: server::ConnectionLimit,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Settings saved through another instance reach this one within seconds.
    let watcher = tokio::spawn(settings::follow(state.clone()));
    let scheduler = tokio::spawn(schedule::keep_publishing(state.clone()));
    let result = server::run(listener, state, limit, shutdown).await;
    watcher.abort();
    scheduler.abort();
    result
}
