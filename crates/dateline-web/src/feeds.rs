//! Feeds: RSS 2.0 (`/feed/`), Atom (`/feed/atom/`), JSON Feed 1.1 (`/feed.json`), and RSS
//! per category and tag. A link post's entry carries its attribution and excerpt, rendered
//! by the same template macro as the page, and its source URL as a related link.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use dateline_core::{PostFilter, PostKind, PostQuery, Taxonomy, Term};
use jiff::Timestamp;
use minijinja::context;

use crate::view::{PostView, term_path};
use crate::{AppError, AppState};

/// One feed's worth of posts with their rendered entry HTML.
struct FeedData {
    title: String,
    /// Site-relative path of the HTML page the feed mirrors.
    home_path: String,
    /// Site-relative path of the feed itself.
    self_path: String,
    entries: Vec<(PostView, String)>,
    updated: Timestamp,
}

async fn load(state: &AppState, filter: PostFilter, title: String, home_path: String, self_path: String) -> Result<FeedData, AppError> {
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
    let categories = state.store.terms(Taxonomy::Category).await?;
    let updated = posts.iter().map(|p| p.updated_at.max(p.published_at)).max().unwrap_or(Timestamp::UNIX_EPOCH);
    let mut entries = Vec::with_capacity(posts.len());
    for post in &posts {
        let view = PostView::new(site, post, &categories);
        let html = state.templates.render("feed_entry.html", site, context! { post => view })?;
        entries.push((view, html));
    }
    Ok(FeedData { title, home_path, self_path, entries, updated })
}

/// A post's whole article as one piece of HTML, as a feed entry shows it (the dek, the quoted
/// source, then the commentary), password or not: what another engine should receive as the
/// post's content (the WXR export uses it).
pub fn article_html(state: &AppState, post: &dateline_core::Post, categories: &[Term]) -> Result<String, AppError> {
    let site = &state.site();
    let mut view = PostView::new(site, post, categories);
    view.protected = false;
    state.templates.render("feed_entry.html", site, context! { post => view })
}

fn rfc2822(iso: &str) -> String {
    iso.parse::<jiff::Zoned>()
        .or_else(|_| iso.parse::<Timestamp>().map(|t| t.to_zoned(jiff::tz::TimeZone::UTC)))
        .map(|z| jiff::fmt::rfc2822::to_string(&z).unwrap_or_default())
        .unwrap_or_default()
}

fn rss_response(state: &AppState, feed: FeedData) -> Response {
    let site = &state.site();
    let items = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let mut item = rss::Item::default();
            item.set_title(post.title.clone());
            item.set_link(post.url.clone());
            let mut guid = rss::Guid::default();
            guid.set_value(format!("{}/?p={}", site.base_url, post.id));
            guid.set_permalink(false);
            item.set_guid(guid);
            item.set_pub_date(rfc2822(&post.published.iso));
            // RSS readers take the description as HTML: the dek is text, so it is escaped.
            let summary = post.dek.as_deref().or_else(|| post.source.as_ref().and_then(|s| s.headline.as_deref())).filter(|_| !post.protected);
            item.set_description(summary.map(dateline_render::escape_html));
            item.set_content(html);
            let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
            dc.set_creators(vec![post.author.name.clone()]);
            item.set_dublin_core_ext(dc);
            item.set_categories(
                post.categories.iter().chain(post.tags.iter()).map(|t| {
                    let mut category = rss::Category::default();
                    category.set_name(t.name.clone());
                    category
                }).collect::<Vec<_>>(),
            );
            // (RSS's <source> names the feed an item came from, not the story a post quotes: the
            // quoted story's link travels in the content, and as Atom's related link.)
            item
        })
        .collect::<Vec<_>>();
    let mut channel = rss::Channel::default();
    channel.set_title(feed.title);
    channel.set_link(format!("{}{}", site.base_url, feed.home_path));
    channel.set_description(site.config.site.tagline.clone());
    channel.set_language(site.config.site.language.clone());
    channel.set_generator("Dateline".to_string());
    channel.set_last_build_date(rfc2822(&feed.updated.to_string()));
    channel.set_items(items);
    set_self_link(&mut channel, format!("{}{}", site.base_url, feed.self_path));
    xml_response("application/rss+xml; charset=utf-8", channel.to_string())
}

/// A feed response. Forbidden control characters are removed from the document as a last
/// line of defence (input is cleaned where it enters, but older or imported data may not be).
fn xml_response(content_type: &'static str, xml: String) -> Response {
    let xml = if xml.chars().any(dateline_core::text::is_forbidden_control) { dateline_core::text::strip_controls(&xml) } else { xml };
    ([(header::CONTENT_TYPE, content_type)], xml).into_response()
}

pub(crate) async fn site_rss(State(state): State<AppState>) -> Result<Response, AppError> {
    let title = state.site().config.site.title.clone();
    let feed = load(&state, PostFilter::All, title, "/".into(), "/feed/".into()).await?;
    Ok(rss_response(&state, feed))
}

/// RSS for one category or tag.
pub(crate) async fn term_rss(state: &AppState, term: &Term, filter: PostFilter) -> Result<Response, AppError> {
    let categories = match term.taxonomy {
        Taxonomy::Category => state.store.terms(Taxonomy::Category).await?,
        Taxonomy::Tag => Vec::new(),
    };
    let home = term_path(term, Some(&categories));
    let title = format!("{} » {}", state.site().config.site.title, term.name);
    let feed = load(state, filter, title, home.clone(), format!("{home}feed/")).await?;
    Ok(rss_response(state, feed))
}

/// RSS of approved comments, newest first: one post's, or the whole site's (on public
/// posts only, so a private post's discussion never leaks through the feed).
async fn comments_rss(state: &AppState, post: Option<&dateline_core::Post>) -> Result<Response, AppError> {
    use dateline_core::{CommentKind, CommentQuery, CommentStatus};
    let site = &state.site();
    let now = Timestamp::now();
    // As many entries as a posts feed has (WordPress's posts_per_rss serves both).
    let per_page = site.config.site.posts_per_page;
    let query = CommentQuery { status: Some(CommentStatus::Approved), post: post.map(|p| p.id), page: 1, per_page };
    let comments = state.store.list_comments(&query).await?.items;
    let posts = match post {
        Some(post) => std::collections::HashMap::from([(post.id, Some(post.clone()))]),
        None => crate::view::posts_of(state.store.as_ref(), &comments).await?,
    };
    let mut items = Vec::new();
    for comment in comments.iter().filter(|c| c.kind != CommentKind::Note) {
        // Comments of protected posts stay behind the password, as on the page.
        let Some(Some(on)) = posts.get(&comment.post_id).filter(|p| p.as_ref().is_some_and(|p| p.is_open_at(now))) else { continue };
        let author = comment.author_name.clone().unwrap_or_else(|| "Anonymous".into());
        let link = format!("{}{}#comment-{}", site.base_url, crate::view::permalink(&site.time_zone, on), comment.id);
        let mut item = rss::Item::default();
        item.set_title(format!("Comment on {} by {author}", on.title));
        item.set_link(link.clone());
        let mut guid = rss::Guid::default();
        guid.set_value(link);
        guid.set_permalink(true);
        item.set_guid(guid);
        item.set_pub_date(jiff::fmt::rfc2822::to_string(&comment.created_at.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default());
        item.set_description(crate::view::comment_html(comment));
        let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
        dc.set_creators(vec![author]);
        item.set_dublin_core_ext(dc);
        items.push(item);
    }
    let (title, home, self_path) = match post {
        Some(post) => {
            let path = crate::view::permalink(&site.time_zone, post);
            (format!("Comments on: {}", post.title), path.clone(), format!("{path}feed/"))
        }
        None => (format!("Comments for {}", site.config.site.title), "/".to_string(), "/comments/feed/".to_string()),
    };
    let mut channel = rss::Channel::default();
    channel.set_title(title);
    channel.set_link(format!("{}{home}", site.base_url));
    channel.set_description(site.config.site.tagline.clone());
    channel.set_language(site.config.site.language.clone());
    channel.set_generator("Dateline".to_string());
    channel.set_items(items);
    set_self_link(&mut channel, format!("{}{self_path}", site.base_url));
    Ok(xml_response("application/rss+xml; charset=utf-8", channel.to_string()))
}

/// `/YYYY/MM/DD/slug/feed/`
pub(crate) async fn post_comments_rss(state: &AppState, post: &dateline_core::Post) -> Result<Response, AppError> {
    comments_rss(state, Some(post)).await
}

/// `/comments/feed/`
pub(crate) async fn site_comments_rss(State(state): State<AppState>) -> Result<Response, AppError> {
    comments_rss(&state, None).await
}

/// Adds the Atom `rel="self"` link feed validators expect.
fn set_self_link(channel: &mut rss::Channel, href: String) {
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert("atom".to_string(), "http://www.w3.org/2005/Atom".to_string());
    channel.set_namespaces(namespaces);
    let mut atom_self = rss::extension::atom::Link::default();
    atom_self.set_href(href);
    atom_self.set_rel("self");
    atom_self.set_mime_type(Some("application/rss+xml".to_string()));
    let mut atom = rss::extension::atom::AtomExtension::default();
    atom.set_links(vec![atom_self]);
    channel.set_atom_ext(atom);
}

pub(crate) async fn site_atom(State(state): State<AppState>) -> Result<Response, AppError> {
    use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
    let site = &state.site();
    let feed = load(&state, PostFilter::All, site.config.site.title.clone(), "/".into(), "/feed/atom/".into()).await?;
    let time = |iso: &str| FixedDateTime::parse_from_rfc3339(iso).unwrap_or_default();
    let link = |href: String, rel: &str| {
        let mut link = Link::default();
        link.set_href(href);
        link.set_rel(rel.to_string());
        link
    };
    let entries = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let mut entry = Entry::default();
            entry.set_title(Text::plain(post.title.clone()));
            entry.set_id(format!("{}/?p={}", site.base_url, post.id));
            entry.set_updated(time(&post.updated.iso));
            entry.set_published(Some(time(&post.published.iso)));
            let mut author = Person::default();
            author.set_name(post.author.name.clone());
            author.set_uri(Some(format!("{}{}", site.base_url, post.author.url)));
            entry.set_authors(vec![author]);
            let mut links = vec![link(post.url.clone(), "alternate")];
            if let Some(url) = post.source.as_ref().and_then(|s| s.url.clone()) {
                links.push(link(url, "related"));
            }
            entry.set_links(links);
            if let Some(dek) = post.dek.as_ref().filter(|_| !post.protected) {
                entry.set_summary(Some(Text::plain(dek.clone())));
            }
            let mut content = Content::default();
            content.set_content_type(Some("html".to_string()));
            content.set_value(Some(html));
            entry.set_content(Some(content));
            entry.set_categories(
                post.categories.iter().chain(post.tags.iter()).map(|t| {
                    let mut category = atom_syndication::Category::default();
                    category.set_term(t.name.clone());
                    category
                }).collect::<Vec<_>>(),
            );
            entry
        })
        .collect::<Vec<_>>();
    let mut atom = Feed::default();
    atom.set_title(Text::plain(feed.title));
    atom.set_subtitle(Some(Text::plain(site.config.site.tagline.clone())));
    atom.set_id(format!("{}/", site.base_url));
    atom.set_updated(time(&feed.updated.to_string()));
    atom.set_links(vec![link(format!("{}/", site.base_url), "alternate"), link(format!("{}/feed/atom/", site.base_url), "self")]);
    atom.set_lang(Some(site.config.site.language.clone()));
    atom.set_entries(entries);
    Ok(xml_response("application/atom+xml; charset=utf-8", atom.to_string()))
}

pub(crate) async fn site_json(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = &state.site();
    let feed = load(&state, PostFilter::All, site.config.site.title.clone(), "/".into(), "/feed.json".into()).await?;
    let items: Vec<serde_json::Value> = feed
        .entries
        .into_iter()
        .map(|(post, html)| {
            let mut item = serde_json::json!({
                "id": format!("{}/?p={}", site.base_url, post.id),
                "url": post.url,
                "title": post.title,
                "content_html": html,
                "date_published": post.published.iso,
                "date_modified": post.updated.iso,
                "authors": [{ "name": post.author.name, "url": format!("{}{}", site.base_url, post.author.url) }],
                "tags": post.categories.iter().chain(post.tags.iter()).map(|t| t.name.clone()).collect::<Vec<_>>(),
            });
            if let Some(dek) = post.dek.as_ref().filter(|_| !post.protected) {
                item["summary"] = dek.as_str().into();
            }
            if let Some(source) = &post.source {
                if let Some(url) = &source.url {
                    item["external_url"] = url.as_str().into();
                }
                // JSON Feed extensions start with an underscore.
                if !post.protected {
                    item["_dateline"] = serde_json::json!({ "source": source });
                }
            }
            item
        })
        .collect();
    let body = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": format!("{}/", site.base_url),
        "feed_url": format!("{}/feed.json", site.base_url),
        "description": site.config.site.tagline,
        "language": site.config.site.language,
        "items": items,
    });
    Ok(([(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")], body.to_string()).into_response())
}
