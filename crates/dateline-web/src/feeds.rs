//! Feeds: RSS 2.0 (`/feed/`), Atom (`/feed/atom/`), JSON Feed 1.1 (`/feed.json`); RSS and Atom
//! per category and tag; all three per outlet and reporter (`/source/{slug}/feed/json/`); comments in RSS and Atom, for the site and for each post. A link
//! post's entry carries its attribution and excerpt, rendered by the same template macro as the
//! page, and its source URL as a related link.
//!
//! Every feed answers conditional requests (`ETag`, `Last-Modified`, 304), as feed readers poll.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::{Post, PostFilter, PostKind, PostQuery, Taxonomy, Term};
use jiff::Timestamp;
use minijinja::context;

use std::collections::HashMap;

use crate::featured::Enclosure;
use crate::paths::FeedFormat;
use crate::view::{PostView, term_path};
use crate::{AppError, AppState, Site};

/// What any feed says about itself.
struct FeedHead {
    title: String,
    /// Site-relative path of the HTML page the feed mirrors.
    home_path: String,
    /// Site-relative path of the feed itself.
    self_path: String,
    /// The newest change among the entries (the feed's `Last-Modified`).
    updated: Timestamp,
}

/// One feed's worth of posts with their rendered entry HTML.
struct PostFeed {
    head: FeedHead,
    entries: Vec<(PostView, String)>,
    /// The featured images of the entries that have one (none for protected posts), by post id.
    enclosures: HashMap<i64, Enclosure>,
}

/// The Media RSS namespace (`media:content`, `media:thumbnail`), as feed readers look for it.
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

/// One comment as a feed entry.
struct CommentEntry {
    title: String,
    link: String,
    author: String,
    published: Timestamp,
    html: String,
}

struct CommentFeed {
    head: FeedHead,
    entries: Vec<CommentEntry>,
}

async fn load(state: &AppState, filter: PostFilter, title: String, home_path: String, self_path: String) -> Result<PostFeed, AppError> {
    let site = &state.site();
    let query = PostQuery {
        kind: PostKind::Post,
        filter,
        now: Timestamp::now(),
        page: 1,
        per_page: site.config.site.posts_per_page,
        sticky_first: false,
    };
    let posts = state.store.list_posts(&query).await?.items;
    feed_of(state, &posts, title, home_path, self_path).await
}

/// `posts` as feed entries.
async fn feed_of(state: &AppState, posts: &[Post], title: String, home_path: String, self_path: String) -> Result<PostFeed, AppError> {
    let site = &state.site();
    let categories = state.store.terms(Taxonomy::Category).await?;
    let updated = posts.iter().map(|p| p.updated_at.max(p.published_at)).max().unwrap_or(Timestamp::UNIX_EPOCH);
    let mut entries = Vec::with_capacity(posts.len());
    for post in posts {
        let view = PostView::new(site, post, &categories);
        let html = state.templates.render("feed_entry.html", site, context! { post => view })?;
        entries.push((view, html));
    }
    let enclosures = crate::featured::featured_images(state.store.as_ref(), posts)
        .await?
        .into_iter()
        .map(|(id, item)| (id, Enclosure::new(&site.base_url, &item)))
        .collect();
    Ok(PostFeed { head: FeedHead { title, home_path, self_path, updated }, entries, enclosures })
}

/// Renders posts' whole articles as feed entries show them, with the theme's templates and
/// nothing else of a server (no store, no sessions): what the WXR export gives another engine.
pub struct ArticleRenderer {
    templates: crate::templates::Templates,
}

impl ArticleRenderer {
    /// With the built-in theme, or `theme_dir`'s overrides.
    pub fn new(theme_dir: Option<std::path::PathBuf>) -> Result<ArticleRenderer, crate::WebError> {
        let assets = std::sync::Arc::new(crate::assets::Assets::new(theme_dir.clone()));
        let templates = crate::templates::Templates::new(theme_dir, assets).map_err(crate::WebError::Theme)?;
        Ok(ArticleRenderer { templates })
    }

    /// A post's whole article as one piece of HTML (the dek, the quoted source, then the
    /// commentary), password or not.
    pub fn article_html(&self, site: &Site, post: &Post, categories: &[Term]) -> Result<String, AppError> {
        let mut view = PostView::unlocked(site, post, categories);
        // The export leaves this site: its reporter and outlet pages stay behind.
        if let Some(source) = view.source.as_mut() {
            source.reporter_line.iter_mut().for_each(|piece| piece.url = None);
            source.more_via = None;
        }
        self.templates.render("feed_entry.html", site, context! { post => view })
    }
}

/// A title as plain text: feed readers decode titles and many then show them as HTML, so
/// markup in one (escaped in the XML, tags again once decoded) is removed, as WordPress does.
fn plain(text: &str) -> String {
    dateline_core::text::strip_tags(text)
}

fn rfc2822(ts: Timestamp) -> String {
    jiff::fmt::rfc2822::to_string(&ts.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default()
}

fn iso_time(iso: &str) -> atom_syndication::FixedDateTime {
    atom_syndication::FixedDateTime::parse_from_rfc3339(iso).unwrap_or_default()
}

fn atom_time(ts: Timestamp) -> atom_syndication::FixedDateTime {
    iso_time(&ts.to_string())
}

/// A channel with the parts every RSS feed of this site shares; `media` adds the Media RSS
/// namespace (for the posts feeds' images).
fn rss_channel(site: &Site, head: &FeedHead, items: Vec<rss::Item>, media: bool) -> rss::Channel {
    let mut channel = rss::Channel::default();
    channel.set_title(head.title.clone());
    channel.set_link(format!("{}{}", site.base_url, head.home_path));
    channel.set_description(site.config.site.tagline.clone());
    channel.set_language(site.config.site.language.clone());
    channel.set_generator("Dateline".to_string());
    channel.set_last_build_date(rfc2822(head.updated));
    channel.set_items(items);
    // The Atom `rel="self"` link feed validators expect.
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert("atom".to_string(), "http://www.w3.org/2005/Atom".to_string());
    if media {
        namespaces.insert("media".to_string(), MEDIA_RSS.to_string());
    }
    channel.set_namespaces(namespaces);
    let mut atom_self = rss::extension::atom::Link::default();
    atom_self.set_href(format!("{}{}", site.base_url, head.self_path));
    atom_self.set_rel("self");
    atom_self.set_mime_type(Some("application/rss+xml".to_string()));
    let mut atom = rss::extension::atom::AtomExtension::default();
    atom.set_links(vec![atom_self]);
    channel.set_atom_ext(atom);
    channel
}

fn atom_link(href: String, rel: &str) -> atom_syndication::Link {
    let mut link = atom_syndication::Link::default();
    link.set_href(href);
    link.set_rel(rel.to_string());
    link
}

/// A feed with the parts every Atom feed of this site shares.
fn atom_feed(site: &Site, head: &FeedHead, entries: Vec<atom_syndication::Entry>) -> atom_syndication::Feed {
    use atom_syndication::Text;
    let mut atom = atom_syndication::Feed::default();
    atom.set_title(Text::plain(head.title.clone()));
    atom.set_subtitle(Some(Text::plain(site.config.site.tagline.clone())));
    atom.set_id(format!("{}{}", site.base_url, head.home_path));
    atom.set_updated(atom_time(head.updated));
    atom.set_links(vec![
        atom_link(format!("{}{}", site.base_url, head.home_path), "alternate"),
        atom_link(format!("{}{}", site.base_url, head.self_path), "self"),
    ]);
    atom.set_lang(Some(site.config.site.language.clone()));
    atom.set_generator(Some(atom_syndication::Generator { value: "Dateline".into(), uri: None, version: None }));
    atom.set_entries(entries);
    atom
}

/// The parts of an RSS item every feed fills the same way.
fn rss_item(title: String, link: String, guid: String, permalink_guid: bool, published: String, creator: String) -> rss::Item {
    let mut item = rss::Item::default();
    item.set_title(title);
    item.set_link(link);
    let mut id = rss::Guid::default();
    id.set_value(guid);
    id.set_permalink(permalink_guid);
    item.set_guid(id);
    item.set_pub_date(published);
    let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
    dc.set_creators(vec![creator]);
    item.set_dublin_core_ext(dc);
    item
}

/// The parts of an Atom entry every feed fills the same way; `html` is its content.
fn atom_entry(
    title: String,
    id: String,
    updated: atom_syndication::FixedDateTime,
    published: atom_syndication::FixedDateTime,
    author: atom_syndication::Person,
    links: Vec<atom_syndication::Link>,
    html: String,
) -> atom_syndication::Entry {
    let mut entry = atom_syndication::Entry::default();
    entry.set_title(atom_syndication::Text::plain(title));
    entry.set_id(id);
    entry.set_updated(updated);
    entry.set_published(Some(published));
    entry.set_authors(vec![author]);
    entry.set_links(links);
    let mut content = atom_syndication::Content::default();
    content.set_content_type(Some("html".to_string()));
    content.set_value(Some(html));
    entry.set_content(Some(content));
    entry
}

fn posts_rss(site: &Site, feed: PostFeed) -> String {
    let items = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let published = post.published.iso.parse::<Timestamp>().map(rfc2822).unwrap_or_default();
            let guid = format!("{}/?p={}", site.base_url, post.id);
            let mut item = rss_item(plain(&post.title), post.url.clone(), guid, false, published, post.author.name.clone());
            // RSS readers take the description as HTML: the dek is text, so it is escaped.
            let summary = post.dek.as_deref().or_else(|| post.source.as_ref().and_then(|s| s.headline.as_deref()));
            item.set_description(summary.map(dateline_render::escape_html));
            item.set_content(html);
            item.set_categories(
                post.categories
                    .iter()
                    .chain(post.tags.iter())
                    .map(|t| {
                        let mut category = rss::Category::default();
                        category.set_name(t.name.clone());
                        category
                    })
                    .collect::<Vec<_>>(),
            );
            // (RSS's <source> names the feed an item came from, not the story a post quotes: the
            // quoted story's link travels in the content, and as Atom's related link.)
            if let Some(image) = feed.enclosures.get(&post.id) {
                add_rss_image(&mut item, image);
            }
            item
        })
        .collect::<Vec<_>>();
    rss_channel(site, &feed.head, items, true).to_string()
}

/// A Media RSS element (`media:{name}`) with these attributes (the empty ones left out).
fn media_element(name: &str, attrs: &[(&str, String)]) -> rss::extension::Extension {
    let mut element = rss::extension::Extension::default();
    element.set_name(format!("media:{name}"));
    element.attrs = attrs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.clone())).collect();
    element
}

fn dimension(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// An item's featured image: `<enclosure>` (what podcast-era readers take) and Media RSS's
/// `media:content` with its size and alt text, and `media:thumbnail`.
fn add_rss_image(item: &mut rss::Item, image: &Enclosure) {
    let mut enclosure = rss::Enclosure::default();
    enclosure.set_url(image.url.clone());
    enclosure.set_length(image.length.to_string());
    enclosure.set_mime_type(image.mime_type.clone());
    item.set_enclosure(enclosure);
    let mut content = media_element(
        "content",
        &[
            ("url", image.url.clone()),
            ("type", image.mime_type.clone()),
            ("medium", "image".into()),
            ("fileSize", image.length.to_string()),
            ("width", dimension(image.width)),
            ("height", dimension(image.height)),
        ],
    );
    if !image.alt.is_empty() {
        let mut description = media_element("description", &[("type", "plain".into())]);
        description.value = Some(image.alt.clone());
        content.children.insert("description".into(), vec![description]);
    }
    let thumbnail = media_element(
        "thumbnail",
        &[("url", image.thumbnail_url.clone()), ("width", dimension(image.thumbnail_width)), ("height", dimension(image.thumbnail_height))],
    );
    let elements = std::collections::BTreeMap::from([("content".to_string(), vec![content]), ("thumbnail".to_string(), vec![thumbnail])]);
    item.set_extensions(std::collections::BTreeMap::from([("media".to_string(), elements)]));
}

fn posts_atom(site: &Site, feed: PostFeed) -> String {
    use atom_syndication::{Person, Text};
    let entries = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let mut author = Person::default();
            author.set_name(post.author.name.clone());
            author.set_uri(Some(format!("{}{}", site.base_url, post.author.url)));
            let mut links = vec![atom_link(post.url.clone(), "alternate")];
            if let Some(url) = post.source.as_ref().and_then(|s| s.url.clone()) {
                links.push(atom_link(url, "related"));
            }
            if let Some(image) = feed.enclosures.get(&post.id) {
                let mut link = atom_link(image.url.clone(), "enclosure");
                link.set_mime_type(Some(image.mime_type.clone()));
                link.set_length(Some(image.length.to_string()));
                links.push(link);
            }
            let id = format!("{}/?p={}", site.base_url, post.id);
            let mut entry =
                atom_entry(plain(&post.title), id, iso_time(&post.updated.iso), iso_time(&post.published.iso), author, links, html);
            if let Some(dek) = &post.dek {
                entry.set_summary(Some(Text::plain(dek.clone())));
            }
            entry.set_categories(
                post.categories
                    .iter()
                    .chain(post.tags.iter())
                    .map(|t| {
                        let mut category = atom_syndication::Category::default();
                        category.set_term(t.name.clone());
                        category
                    })
                    .collect::<Vec<_>>(),
            );
            entry
        })
        .collect::<Vec<_>>();
    atom_feed(site, &feed.head, entries).to_string()
}

fn comments_rss(site: &Site, feed: CommentFeed) -> String {
    let items = feed
        .entries
        .into_iter()
        .map(|entry| {
            let mut item = rss_item(entry.title, entry.link.clone(), entry.link, true, rfc2822(entry.published), entry.author);
            item.set_description(entry.html);
            item
        })
        .collect::<Vec<_>>();
    rss_channel(site, &feed.head, items, false).to_string()
}

fn comments_atom(site: &Site, feed: CommentFeed) -> String {
    let entries = feed
        .entries
        .into_iter()
        .map(|comment| {
            let mut author = atom_syndication::Person::default();
            author.set_name(comment.author);
            let links = vec![atom_link(comment.link.clone(), "alternate")];
            atom_entry(comment.title, comment.link, atom_time(comment.published), atom_time(comment.published), author, links, comment.html)
        })
        .collect::<Vec<_>>();
    atom_feed(site, &feed.head, entries).to_string()
}

/// The content type of each format.
fn content_type(format: FeedFormat) -> &'static str {
    match format {
        FeedFormat::Rss => "application/rss+xml; charset=utf-8",
        FeedFormat::Atom => "application/atom+xml; charset=utf-8",
    }
}

/// A feed document as the answer to `request`: with its `ETag` (a digest of the bytes) and
/// `Last-Modified`, or 304 when the reader's copy is current (`If-None-Match`, else
/// `If-Modified-Since`, as RFC 9110 orders them).
fn conditional(request: &HeaderMap, content_type: &'static str, body: String, updated: Timestamp) -> Response {
    use sha2::Digest;
    // Forbidden control characters are removed as a last line of defence (input is cleaned
    // where it enters, but older or imported data may not be).
    let body = if body.chars().any(dateline_core::text::is_forbidden_control) { dateline_core::text::strip_controls(&body) } else { body };
    let digest = sha2::Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>());
    let last_modified = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&updated).unwrap_or_default();
    let matches_etag = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|list| list.split(',').any(|tag| matches!(tag.trim().trim_start_matches("W/"), t if t == etag || t == "*")));
    let fresh = match matches_etag {
        Some(matched) => matched,
        None => request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|since| jiff::fmt::rfc2822::parse(since).ok())
            .is_some_and(|since| updated.as_second() <= since.timestamp().as_second()),
    };
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { ([(header::CONTENT_TYPE, content_type)], body).into_response() };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&last_modified) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    response
}

fn posts_response(state: &AppState, request: &HeaderMap, feed: PostFeed, format: FeedFormat) -> Response {
    let site = &state.site();
    let updated = feed.head.updated;
    let body = match format {
        FeedFormat::Rss => posts_rss(site, feed),
        FeedFormat::Atom => posts_atom(site, feed),
    };
    conditional(request, content_type(format), body, updated)
}

pub(crate) async fn site_rss(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    let title = state.site().config.site.title.clone();
    let feed = load(&state, PostFilter::All, title, "/".into(), "/feed/".into()).await?;
    Ok(posts_response(&state, &request, feed, FeedFormat::Rss))
}

pub(crate) async fn site_atom(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    let title = state.site().config.site.title.clone();
    let feed = load(&state, PostFilter::All, title, "/".into(), "/feed/atom/".into()).await?;
    Ok(posts_response(&state, &request, feed, FeedFormat::Atom))
}

/// One category's or tag's posts.
pub(crate) async fn term_feed(
    state: &AppState,
    request: &HeaderMap,
    term: &Term,
    filter: PostFilter,
    format: FeedFormat,
) -> Result<Response, AppError> {
    let categories = match term.taxonomy {
        Taxonomy::Category => state.store.terms(Taxonomy::Category).await?,
        Taxonomy::Tag => Vec::new(),
    };
    archive_feed(state, request, filter, &term.name, term_path(term, Some(&categories)), format).await
}

/// One author's posts.
pub(crate) async fn author_feed(
    state: &AppState,
    request: &HeaderMap,
    author: &dateline_core::User,
    format: FeedFormat,
) -> Result<Response, AppError> {
    archive_feed(state, request, PostFilter::Author(author.id), &author.display_name, crate::view::author_path(author), format).await
}

/// The feed of an archive page (`home`) named `name`.
async fn archive_feed(
    state: &AppState,
    request: &HeaderMap,
    filter: PostFilter,
    name: &str,
    home: String,
    format: FeedFormat,
) -> Result<Response, AppError> {
    let (title, self_path) = archive_feed_names(state, name, &home, format);
    let feed = load(state, filter, title, home, self_path).await?;
    Ok(posts_response(state, request, feed, format))
}

/// The title and address of the feed of the archive page `home` named `name`.
fn archive_feed_names(state: &AppState, name: &str, home: &str, format: FeedFormat) -> (String, String) {
    let title = format!("{} » {}", state.site().config.site.title, plain(name));
    let self_path = match format {
        FeedFormat::Rss => format!("{home}feed/"),
        FeedFormat::Atom => format!("{home}feed/atom/"),
    };
    (title, self_path)
}

/// Chosen posts (a search's) as the feed of the page `home` named `name`.
pub(crate) async fn posts_feed(
    state: &AppState,
    request: &HeaderMap,
    posts: Vec<Post>,
    name: &str,
    home: String,
    format: FeedFormat,
) -> Result<Response, AppError> {
    let (title, self_path) = archive_feed_names(state, name, &home, format);
    let feed = feed_of(state, &posts, title, home, self_path).await?;
    Ok(posts_response(state, request, feed, format))
}

/// Approved comments, newest first: one post's, or the whole site's (on public posts only, so
/// a private post's discussion never leaks through the feed).
async fn load_comments(state: &AppState, post: Option<&Post>, format: FeedFormat) -> Result<CommentFeed, AppError> {
    use dateline_core::{CommentKind, CommentQuery, CommentStatus};
    let site = &state.site();
    let now = Timestamp::now();
    // As many entries as a posts feed has (WordPress's posts_per_rss serves both).
    let per_page = site.config.site.posts_per_page;
    let query =
        CommentQuery { status: Some(CommentStatus::Approved), post: post.map(|p| p.id), page: 1, per_page, ..CommentQuery::default() };
    let comments = state.store.list_comments(&query).await?.items;
    let posts = match post {
        Some(post) => std::collections::HashMap::from([(post.id, Some(post.clone()))]),
        None => crate::view::posts_of(state.store.as_ref(), &comments).await?,
    };
    let mut entries = Vec::new();
    for comment in comments.iter().filter(|c| c.kind != CommentKind::Note) {
        // Comments of protected posts stay behind the password, as on the page.
        let Some(Some(on)) = posts.get(&comment.post_id).filter(|p| p.as_ref().is_some_and(|p| p.is_open_at(now))) else { continue };
        let author = comment.author_name.clone().unwrap_or_else(|| "Anonymous".into());
        entries.push(CommentEntry {
            title: format!("Comment on {} by {}", plain(&on.title), plain(&author)),
            link: format!("{}{}#comment-{}", site.base_url, crate::view::permalink(&site.time_zone, on), comment.id),
            author,
            published: comment.created_at,
            html: crate::view::comment_html(comment),
        });
    }
    let feed_suffix = match format {
        FeedFormat::Rss => "feed/",
        FeedFormat::Atom => "feed/atom/",
    };
    let (title, home_path, self_path) = match post {
        Some(post) => {
            let path = crate::view::permalink(&site.time_zone, post);
            (format!("Comments on: {}", plain(&post.title)), path.clone(), format!("{path}{feed_suffix}"))
        }
        None => (format!("Comments for {}", site.config.site.title), "/".to_string(), format!("/comments/{feed_suffix}")),
    };
    let updated = entries.iter().map(|e| e.published).max().unwrap_or(Timestamp::UNIX_EPOCH);
    Ok(CommentFeed { head: FeedHead { title, home_path, self_path, updated }, entries })
}

async fn comments_response(state: &AppState, request: &HeaderMap, post: Option<&Post>, format: FeedFormat) -> Result<Response, AppError> {
    let feed = load_comments(state, post, format).await?;
    let updated = feed.head.updated;
    let site = &state.site();
    let body = match format {
        FeedFormat::Rss => comments_rss(site, feed),
        FeedFormat::Atom => comments_atom(site, feed),
    };
    Ok(conditional(request, content_type(format), body, updated))
}

/// `/YYYY/MM/DD/slug/feed/` and `…/feed/atom/`
pub(crate) async fn post_comments(state: &AppState, request: &HeaderMap, post: &Post, format: FeedFormat) -> Result<Response, AppError> {
    comments_response(state, request, Some(post), format).await
}

/// `/comments/feed/`
pub(crate) async fn site_comments_rss(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    comments_response(&state, &request, None, FeedFormat::Rss).await
}

/// `/comments/feed/atom/`
pub(crate) async fn site_comments_atom(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    comments_response(&state, &request, None, FeedFormat::Atom).await
}

pub(crate) async fn site_json(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    let title = state.site().config.site.title.clone();
    json_feed(&state, &request, PostFilter::All, title, "/".into(), "/feed.json".into()).await
}

/// One outlet's or reporter's posts, in any of the feed formats (`home` is its page).
pub(crate) async fn byline_feed(
    state: &AppState,
    request: &HeaderMap,
    byline: &dateline_core::Byline,
    home: String,
    format: crate::paths::AnyFeed,
) -> Result<Response, AppError> {
    let filter = match byline.kind {
        dateline_core::BylineKind::Outlet => PostFilter::Outlet(byline.id),
        dateline_core::BylineKind::Reporter => PostFilter::Reporter(byline.id),
    };
    match format {
        crate::paths::AnyFeed::Xml(format) => archive_feed(state, request, filter, &byline.name, home, format).await,
        crate::paths::AnyFeed::Json => {
            let title = format!("{} » {}", state.site().config.site.title, plain(&byline.name));
            let self_path = format!("{home}feed/json/");
            json_feed(state, request, filter, title, home, self_path).await
        }
    }
}

/// A JSON Feed 1.1 of the posts `filter` picks, mirroring the page at `home_path`.
async fn json_feed(
    state: &AppState,
    request: &HeaderMap,
    filter: PostFilter,
    title: String,
    home_path: String,
    self_path: String,
) -> Result<Response, AppError> {
    let site = &state.site();
    let feed = load(state, filter, title, home_path, self_path).await?;
    let updated = feed.head.updated;
    let items: Vec<serde_json::Value> = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let mut item = serde_json::json!({
                "id": format!("{}/?p={}", site.base_url, post.id),
                "url": post.url,
                "title": plain(&post.title),
                "content_html": html,
                "date_published": post.published.iso,
                "date_modified": post.updated.iso,
                "authors": [{ "name": post.author.name, "url": format!("{}{}", site.base_url, post.author.url) }],
                "tags": post.categories.iter().chain(post.tags.iter()).map(|t| t.name.clone()).collect::<Vec<_>>(),
            });
            if let Some(dek) = &post.dek {
                item["summary"] = dek.as_str().into();
            }
            // JSON Feed's "the main image for the item".
            if let Some(image) = feed.enclosures.get(&post.id) {
                item["image"] = image.url.as_str().into();
            }
            // (A protected post's view has no source: nothing of it is fed.)
            if let Some(source) = &post.source {
                if let Some(url) = &source.url {
                    item["external_url"] = url.as_str().into();
                }
                // JSON Feed extensions start with an underscore.
                item["_dateline"] = serde_json::json!({ "source": source });
            }
            item
        })
        .collect();
    let body = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.head.title,
        "home_page_url": format!("{}{}", site.base_url, feed.head.home_path),
        "feed_url": format!("{}{}", site.base_url, feed.head.self_path),
        "description": site.config.site.tagline,
        "language": site.config.site.language,
        "items": items,
    });
    Ok(conditional(request, "application/feed+json; charset=utf-8", body.to_string(), updated))
}
