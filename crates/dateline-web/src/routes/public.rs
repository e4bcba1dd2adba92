//! The reading side: home, single posts and pages, and every archive, all behind the one
//! fallback handler that resolves WordPress-style paths.

use axum::extract::{OriginalUri, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use dateline_core::{Post, PostFilter, PostKind, PostQuery, Taxonomy, Term};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::search::{Address, SearchRequest};
use super::single::{self, PageRequest};
use crate::paths::{Route, paged, resolve};
use crate::view::{LinkView, Pagination, PostView, permalink, term_path};
use crate::{AppError, AppState, Site};

/// WordPress's query-string addresses on the root: `/?p=ID`, `/?page_id=ID`.
#[derive(Debug, Deserialize)]
pub(crate) struct RootQuery {
    p: Option<String>,
    page_id: Option<String>,
    /// With `moderation-hash`: the author of a held comment may see it.
    unapproved: Option<String>,
    #[serde(rename = "moderation-hash")]
    moderation_hash: Option<String>,
    /// The comment the form should reply to (the Reply link without JavaScript).
    replytocom: Option<String>,
    /// WordPress's attachment pages, kept as redirects by an import.
    attachment_id: Option<String>,
    /// WordPress's search: `/?s=words`, paginated as `/page/2/?s=words`.
    s: Option<String>,
    /// `date` for search results newest first (else best match first).
    orderby: Option<String>,
}

impl RootQuery {
    fn by_date(&self) -> bool {
        self.orderby.as_deref() == Some("date")
    }
}

/// Heading and description of a listing.
#[derive(Debug, Serialize)]
pub(crate) struct Archive {
    pub title: String,
    pub description: Option<String>,
    /// The home page's heading is for screen readers only.
    pub visible: bool,
}

/// A listing to show: which posts, under which heading, at which base path.
pub(crate) struct Listing {
    pub archive: Archive,
    pub filter: PostFilter,
    pub base: String,
    pub page: u32,
    pub sticky_first: bool,
    pub feed: Option<LinkView>,
    /// Whether the listing is a page even with no posts: the home page of a new site, and an
    /// existing category or tag (WordPress answers 200 for both); not an author or a date.
    pub empty_is_a_page: bool,
}

pub(crate) async fn content(
    State(state): State<AppState>,
    method: axum::http::Method,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
    Query(query): Query<RootQuery>,
    Query(plain): Query<super::wp_query::PlainQuery>,
) -> Result<Response, AppError> {
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return Err(AppError::MethodNotAllowed);
    }
    let path = uri.path();
    if path == "/"
        && let Some(response) = super::wp_query::pretty_address(&state, &plain).await?
    {
        return Ok(response);
    }
    let result = route(&state, path, &headers, &query).await;
    match result {
        // An address this site does not know may be one an import kept: follow it.
        Err(AppError::NotFound) => match old_address(&state, &uri).await? {
            Some(response) => Ok(response),
            None => Err(AppError::NotFound),
        },
        other => other,
    }
}

/// Where an imported blog's old address (`/old/path/`, `/?attachment_id=7`) now leads.
async fn old_address(state: &AppState, uri: &axum::http::Uri) -> Result<Option<Response>, AppError> {
    let with_query = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let redirect = match state.store.redirect_for(with_query).await? {
        Some(found) => Some(found),
        None if with_query != uri.path() => state.store.redirect_for(uri.path()).await?,
        None => None,
    };
    Ok(match redirect {
        Some(dateline_core::import::Redirect::Url(url)) => Some(moved_permanently(&url)),
        Some(dateline_core::import::Redirect::Post(id)) => match state.store.post_by_id(id).await? {
            Some(post) if post.is_public_at(Timestamp::now()) => Some(moved_permanently(&permalink(&state.site().time_zone, &post))),
            _ => None,
        },
        None => None,
    })
}

async fn route(state: &AppState, path: &str, headers: &axum::http::HeaderMap, query: &RootQuery) -> Result<Response, AppError> {
    if path == "/" {
        if let Some(id) = &query.p {
            // WordPress answers ?p= for pages too.
            return redirect_to_id(state, id, None).await;
        }
        if let Some(id) = &query.page_id {
            return redirect_to_id(state, id, Some(PostKind::Page)).await;
        }
        if query.attachment_id.is_some() {
            return Err(AppError::NotFound);
        }
    }
    let site = &state.site();
    match resolve(path) {
        Route::Redirect(to) => Ok(moved_permanently(&to)),
        Route::NotFound => Err(AppError::NotFound),
        Route::Post { slug, comment_page, .. } => {
            let request = page_request(state, headers, query, comment_page).await?;
            single::show(state, PostKind::Post, &slug, path, headers, request).await
        }
        Route::Page { slug, comment_page } => {
            let request = page_request(state, headers, query, comment_page).await?;
            single::show(state, PostKind::Page, &slug, path, headers, request).await
        }
        Route::PostFeed { slug, format, .. } => {
            // A protected post's feed answers, empty (as WordPress's): its comments stay behind
            // the password, and its page still names the feed.
            let post = single::public_post(state, PostKind::Post, &slug).await?;
            crate::feeds::post_comments(state, headers, &post, format).await
        }
        // `?s=` with no words is the search page (with a hint), not the home page.
        Route::Home { page } if query.s.is_some() => {
            let words = query.s.clone().unwrap_or_default();
            let request = SearchRequest { words, page, by_date: query.by_date(), address: Address::Query };
            super::search::results(state, request).await
        }
        Route::Search { words, page, feed: None } => {
            let request = SearchRequest { words, page, by_date: query.by_date(), address: Address::Pretty };
            super::search::results(state, request).await
        }
        Route::Search { words, feed: Some(format), .. } => super::search::feed(state, headers, &words, format).await,
        Route::Home { page } => {
            let archive = Archive { title: "Latest posts".into(), description: None, visible: false };
            listing(
                state,
                Listing { archive, filter: PostFilter::All, base: "/".into(), page, sticky_first: true, feed: None, empty_is_a_page: true },
            )
            .await
        }
        Route::Category { slug, page } => {
            let (term, categories) = term_or_404(state, Taxonomy::Category, &slug).await?;
            let base = term_path(&term, Some(&categories));
            if !path.starts_with(&base) {
                return Ok(moved_permanently(&paged(&base, page)));
            }
            let feed =
                Some(LinkView { name: format!("{} » {} Category Feed", site.config.site.title, term.name), url: format!("{base}feed/") });
            let archive = Archive { title: format!("Category: {}", term.name), description: non_empty(&term.description), visible: true };
            listing(
                state,
                Listing { archive, filter: PostFilter::Category(term.id), base, page, sticky_first: false, feed, empty_is_a_page: true },
            )
            .await
        }
        Route::Tag { slug, page } => {
            let (term, _) = term_or_404(state, Taxonomy::Tag, &slug).await?;
            let base = term_path(&term, None);
            let feed =
                Some(LinkView { name: format!("{} » {} Tag Feed", site.config.site.title, term.name), url: format!("{base}feed/") });
            let archive = Archive { title: format!("Tag: {}", term.name), description: non_empty(&term.description), visible: true };
            listing(
                state,
                Listing { archive, filter: PostFilter::Tag(term.id), base, page, sticky_first: false, feed, empty_is_a_page: true },
            )
            .await
        }
        Route::CategoryFeed { slug, format } | Route::TagFeed { slug, format } => {
            let taxonomy = if path.starts_with("/tag/") { Taxonomy::Tag } else { Taxonomy::Category };
            let (term, _) = term_or_404(state, taxonomy, &slug).await?;
            let filter = match taxonomy {
                Taxonomy::Tag => PostFilter::Tag(term.id),
                Taxonomy::Category => PostFilter::Category(term.id),
            };
            crate::feeds::term_feed(state, headers, &term, filter, format).await
        }
        Route::Author { slug, page } => {
            let author = state.store.user_by_slug(&slug).await?.ok_or(AppError::NotFound)?;
            let archive = Archive { title: format!("Author: {}", author.display_name), description: None, visible: true };
            let base = crate::view::author_path(&author);
            listing(
                state,
                Listing {
                    archive,
                    filter: PostFilter::Author(author.id),
                    base,
                    page,
                    sticky_first: false,
                    feed: None,
                    empty_is_a_page: false,
                },
            )
            .await
        }
        Route::AuthorFeed { slug, format } => {
            let author = state.store.user_by_slug(&slug).await?.ok_or(AppError::NotFound)?;
            if !state.store.public_author_ids(Timestamp::now()).await?.contains(&author.id) {
                return Err(AppError::NotFound);
            }
            crate::feeds::author_feed(state, headers, &author, format).await
        }
        Route::Byline { kind, slug, page } => {
            let byline = match byline_or_moved(state, kind, &slug).await? {
                Ok(byline) => byline,
                Err(moved) => return Ok(moved_permanently(&paged(&moved, page))),
            };
            super::bylines::archive(state, byline, page).await
        }
        Route::BylineFeed { kind, slug, format } => {
            let byline = match byline_or_moved(state, kind, &slug).await? {
                Ok(byline) => byline,
                Err(moved) => return Ok(moved_permanently(&format!("{moved}{}", feed_tail(format)))),
            };
            let home = crate::paths::byline_path(kind, &byline.slug);
            crate::feeds::byline_feed(state, headers, &byline, home, format).await
        }
        Route::Date { year, month, day, page } => {
            let (from, to, title, base) = date_range(site, year, month, day).ok_or(AppError::NotFound)?;
            let archive = Archive { title, description: None, visible: true };
            listing(
                state,
                Listing {
                    archive,
                    filter: PostFilter::Between { from, to },
                    base,
                    page,
                    sticky_first: false,
                    feed: None,
                    empty_is_a_page: false,
                },
            )
            .await
        }
    }
}

/// The outlet or reporter at `slug`, or (renamed or merged away) the path it lives at now.
async fn byline_or_moved(
    state: &AppState,
    kind: dateline_core::BylineKind,
    slug: &str,
) -> Result<Result<dateline_core::Byline, String>, AppError> {
    match state.store.byline_by_slug(kind, slug, Timestamp::now()).await? {
        Some(dateline_core::BylineFound::Here(byline)) => Ok(Ok(byline)),
        Some(dateline_core::BylineFound::Moved(to)) => Ok(Err(crate::paths::byline_path(kind, &to))),
        None => Err(AppError::NotFound),
    }
}

/// What a feed's path adds to its page's.
fn feed_tail(format: crate::paths::AnyFeed) -> &'static str {
    match format {
        crate::paths::AnyFeed::Xml(crate::paths::FeedFormat::Rss) => "feed/",
        crate::paths::AnyFeed::Xml(crate::paths::FeedFormat::Atom) => "feed/atom/",
        crate::paths::AnyFeed::Json => "feed/json/",
    }
}

/// What a request for a post or page asks beyond the entry itself: a page of its comments, a
/// held comment to show its author, the comment to reply to, the form's cookie, the account.
async fn page_request(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    query: &RootQuery,
    comment_page: Option<u32>,
) -> Result<PageRequest, AppError> {
    Ok(PageRequest {
        comment_page,
        unapproved: query.unapproved.as_deref().and_then(|id| id.parse().ok()).zip(query.moderation_hash.clone()),
        reply_to: query.replytocom.as_deref().and_then(|id| id.parse().ok()),
        csrf_cookie: crate::form::cookie(headers, single::CSRF_COOKIE).map(str::to_string),
        post_pass: None,
        signed_in: crate::auth::session_user(state, headers).await?.map(|(user, _)| user),
    })
}

/// 301, as WordPress answers for old and non-canonical addresses (axum's `permanent` is 308).
pub(crate) fn moved_permanently(to: &str) -> Response {
    (axum::http::StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to.to_string())]).into_response()
}

fn non_empty(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_string())
}

async fn term_or_404(state: &AppState, taxonomy: Taxonomy, slug: &str) -> Result<(Term, Vec<Term>), AppError> {
    let term = state.store.term_by_slug(taxonomy, slug).await?.ok_or(AppError::NotFound)?;
    let categories = match taxonomy {
        Taxonomy::Category => state.store.terms(Taxonomy::Category).await?,
        Taxonomy::Tag => Vec::new(),
    };
    Ok((term, categories))
}

/// `[from, to)` of a date archive in the site's time zone, its heading and base path.
fn date_range(site: &Site, year: i16, month: Option<i8>, day: Option<i8>) -> Option<(Timestamp, Timestamp, String, String)> {
    let start = Date::new(year, month.unwrap_or(1), day.unwrap_or(1)).ok()?;
    let (end, title, base) = match (month, day) {
        (Some(m), Some(d)) => {
            (start.checked_add(1.day()).ok()?, format!("Day: {}", start.strftime("%B %-d, %Y")), format!("/{year:04}/{m:02}/{d:02}/"))
        }
        (Some(m), None) => {
            (start.checked_add(1.month()).ok()?, format!("Month: {}", start.strftime("%B %Y")), format!("/{year:04}/{m:02}/"))
        }
        _ => (start.checked_add(1.year()).ok()?, format!("Year: {year}"), format!("/{year:04}/")),
    };
    let tz = &site.time_zone;
    let from = start.to_zoned(tz.clone()).ok()?.timestamp();
    let to = end.to_zoned(tz.clone()).ok()?.timestamp();
    Some((from, to, title, base))
}

/// What every public page shows around its content (see [`frame`]).
pub(crate) struct Frame {
    /// Every category: the posts' category paths need their parents.
    pub categories: Vec<dateline_core::Term>,
    /// The pages listed in the site navigation, by title.
    pub nav: Vec<LinkView>,
}

/// How many of the blog's top-level pages the navigation lists at most.
pub(crate) const NAV_PAGES: u32 = 20;

/// Reads the [`Frame`] of a public page, in one statement.
pub(crate) async fn frame(state: &AppState) -> Result<Frame, AppError> {
    Ok(Frame::new(state, state.store.site_frame(Timestamp::now(), NAV_PAGES).await?))
}

impl Frame {
    pub(crate) fn new(state: &AppState, frame: dateline_core::SiteFrame) -> Frame {
        // Top-level pages only (the store's choice): sub-pages are reached from their parent.
        let tz = &state.site().time_zone;
        let mut nav: Vec<LinkView> =
            frame.pages.into_iter().map(|p| LinkView { url: crate::view::link_path(tz, &p), name: p.title }).collect();
        nav.sort_by_key(|p| p.name.to_lowercase());
        Frame { categories: frame.categories, nav }
    }
}

pub(crate) fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], Html(body)).into_response()
}

async fn listing(state: &AppState, listing: Listing) -> Result<Response, AppError> {
    listing_with(state, listing, Vec::new()).await
}

/// A feed of a listing, in its format (`mime`), for `<link rel="alternate">` and the page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FeedLink {
    pub name: String,
    pub url: String,
    pub mime: &'static str,
    /// What the page's own list of feeds calls it ("RSS").
    pub format: &'static str,
}

/// A listing that offers `follow` feeds besides its own (in the head, and on the page).
pub(crate) async fn listing_with(state: &AppState, listing: Listing, follow: Vec<FeedLink>) -> Result<Response, AppError> {
    let site = &state.site();
    let per_page = site.config.site.posts_per_page;
    let query = PostQuery {
        kind: PostKind::Post,
        filter: listing.filter,
        now: Timestamp::now(),
        page: listing.page,
        per_page,
        sticky_first: listing.sticky_first,
    };
    let result = state.store.list_posts(&query).await?;
    let total_pages = result.page_count(per_page);
    // An author or date archive with no posts at all is not a page (WordPress answers 404 too).
    if listing.page > total_pages || (result.total == 0 && !listing.empty_is_a_page) {
        return Err(AppError::NotFound);
    }
    let Frame { categories, nav } = frame(state).await?;
    let mut posts: Vec<PostView> = result.items.iter().map(|p| PostView::new(site, p, &categories)).collect();
    crate::view::mark_gone_sources(state.store.as_ref(), &result.items, &mut posts).await?;
    crate::featured::attach_thumbnails(state.store.as_ref(), &result.items, &mut posts).await?;
    let title = if listing.base == "/" { site.config.site.title.clone() } else { listing.archive.title.clone() };
    let title = if listing.page > 1 { format!("{title} – Page {}", listing.page) } else { title };
    let description = if listing.base == "/" { Some(site.config.site.tagline.clone()) } else { listing.archive.description.clone() };
    // A new blog's empty home page says how to begin, until it has an account.
    let needs_setup = listing.base == "/" && result.total == 0 && state.store.users().await?.is_empty();
    let feeds: Vec<FeedLink> = listing
        .feed
        .into_iter()
        .map(|f| FeedLink { name: f.name, url: f.url, mime: "application/rss+xml", format: "RSS" })
        .chain(follow.iter().cloned())
        .collect();
    let ctx = context! {
        posts => posts,
        needs_setup => needs_setup,
        follow => follow,
        archive => listing.archive,
        pagination => Pagination::new(&listing.base, listing.page, total_pages),
        nav => nav,
        meta => context! {
            title => title,
            description => description,
            canonical => format!("{}{}", site.base_url, paged(&listing.base, listing.page)),
            feeds => feeds,
        },
    };
    Ok(html(state.templates.render("index.html", site, ctx)?))
}

async fn redirect_to_id(state: &AppState, id: &str, kind: Option<PostKind>) -> Result<Response, AppError> {
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    let post = state.store.post_by_id(id).await?.ok_or(AppError::NotFound)?;
    if kind.is_some_and(|k| k != post.kind) || !post.is_public_at(Timestamp::now()) {
        return Err(AppError::NotFound);
    }
    Ok(moved_permanently(&permalink(&state.site().time_zone, &post)))
}

/// `<head>` data of a post: description, OpenGraph times and the JSON-LD `BlogPosting`.
pub(crate) fn post_meta(site: &Site, post: &Post, view: &PostView, image: Option<&crate::view::ImageView>) -> minijinja::Value {
    // A protected post's words stay behind its password, in search results too.
    let description = post
        .dek
        .clone()
        .or_else(|| post.excerpt.clone())
        .or_else(|| post.source.as_ref().and_then(|s| s.excerpt.first().cloned()))
        .filter(|_| post.password.is_none())
        .map(|d| truncate(&d, 300));
    context! {
        title => post.title,
        description => description,
        canonical => view.url,
        og_type => if post.kind == PostKind::Post { "article" } else { "website" },
        published => view.published.iso,
        modified => view.updated.iso,
        json_ld => json_ld(site, post, view, description.as_deref(), image),
        image => image,
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

/// schema.org JSON-LD, escaped so it cannot close its `<script>` element.
fn json_ld(site: &Site, post: &Post, view: &PostView, description: Option<&str>, image: Option<&crate::view::ImageView>) -> String {
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": if post.kind == PostKind::Post { "BlogPosting" } else { "WebPage" },
        "headline": post.title,
        "url": view.url,
        "mainEntityOfPage": view.url,
        "datePublished": view.published.iso,
        "dateModified": view.updated.iso,
        "author": { "@type": "Person", "name": post.author.display_name, "url": format!("{}{}", site.base_url, view.author.url) },
        "publisher": { "@type": "Organization", "name": site.config.site.title, "url": format!("{}/", site.base_url) },
        "inLanguage": site.config.site.language,
    });
    if let Some(description) = description {
        ld["description"] = description.into();
    }
    if let Some(image) = image {
        ld["image"] =
            serde_json::json!({ "@type": "ImageObject", "url": image.card_url, "width": image.card_width, "height": image.card_height });
    }
    if !post.tags.is_empty() {
        ld["keywords"] = post.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>().into();
    }
    // From the view: a locked post's view has no source, and a link that is not a web address
    // is not in it either.
    if let Some(source) = view.source.as_ref().filter(|_| post.password.is_none()) {
        let mut based_on = serde_json::json!({ "@type": "NewsArticle" });
        if let Some(headline) = &source.headline {
            based_on["headline"] = headline.as_str().into();
        }
        if let Some(url) = &source.url {
            based_on["url"] = url.as_str().into();
        }
        if let Some(reporter) = &source.reporter {
            based_on["author"] = serde_json::json!({ "@type": "Person", "name": reporter });
        }
        if let Some(outlet) = &source.outlet {
            based_on["publisher"] = serde_json::json!({ "@type": "NewsMediaOrganization", "name": outlet });
        }
        ld["isBasedOn"] = based_on;
    }
    ld.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}
