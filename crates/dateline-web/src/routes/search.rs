//! Readers' search: `/?s=words` (paginated `/page/N/?s=words`) and WordPress's pretty
//! `/search/words/`, `/search/words/page/N/`, `/search/words/feed/`. Best match first, or newest
//! first with `orderby=date`; each result with a snippet of its text in which the words found
//! are marked. The store's full-text index does the finding ([`dateline_core::search`]).

use axum::http::HeaderMap;
use axum::response::Response;
use dateline_core::search::{SearchQuery, Snippet, html_text};
use dateline_core::{EditorQuery, Post, PostKind, PostOrder};
use jiff::Timestamp;
use minijinja::context;
use serde::Serialize;

use super::public::{Frame, NAV_PAGES, frame, html};
use crate::paths::{FeedFormat, paged};
use crate::view::{Pagination, PostView};
use crate::{AppError, AppState};

/// How long a query may be; the rest is cut (a pasted article still searches, boundedly).
const MAX_QUERY_CHARS: usize = 200;

/// Words around the words found, in a snippet.
const SNIPPET_WORDS: usize = 36;

/// Which address the search came by, so its pages link the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Address {
    /// `/?s=words`
    Query,
    /// `/search/words/`
    Pretty,
}

/// One search as asked.
#[derive(Debug, Clone)]
pub(crate) struct SearchRequest {
    pub words: String,
    pub page: u32,
    /// `orderby=date`: newest first instead of best first.
    pub by_date: bool,
    pub address: Address,
}

/// One result as the page shows it.
#[derive(Debug, Serialize)]
struct ResultView {
    post: PostView,
    /// The snippet as HTML ([`snippet_html`]).
    snippet: minijinja::Value,
}

/// A reader's search of posts, `per_page` from `page`.
fn readers_query(words: &str, page: u32, per_page: u32, by_date: bool) -> EditorQuery {
    let search = EditorQuery::readers_search(PostKind::Post, words, Timestamp::now());
    EditorQuery { order: if by_date { PostOrder::Date } else { search.order }, page, per_page, ..search }
}

fn clean(words: &str) -> String {
    dateline_core::text::strip_controls(words).chars().take(MAX_QUERY_CHARS).collect::<String>().trim().to_string()
}

/// The results page (or, without words, the search page with a hint).
pub(crate) async fn results(state: &AppState, request: SearchRequest) -> Result<Response, AppError> {
    let site = state.site();
    let per_page = site.config.site.posts_per_page;
    let words = clean(&request.words);
    let query = SearchQuery::parse(&words);
    // The results and the page's frame, in one statement where the store can.
    let (found, frame) = if query.is_empty() {
        (dateline_core::Page { items: Vec::new(), total: 0 }, frame(state).await?)
    } else {
        let asked = readers_query(&words, request.page, per_page, request.by_date);
        let (found, frame) = state.store.readers_search_page(&asked, NAV_PAGES).await?;
        (found, Frame::new(state, frame))
    };
    let total_pages = found.page_count(per_page);
    if request.page > total_pages.max(1) {
        return Err(AppError::NotFound);
    }
    let Frame { categories, nav } = frame;
    let mut views: Vec<PostView> = found.items.iter().map(|post| PostView::new(&site, post, &categories)).collect();
    crate::featured::attach_thumbnails(state.store.as_ref(), &found.items, &mut views).await?;
    let results: Vec<ResultView> = found
        .items
        .iter()
        .zip(views)
        .map(|(post, view)| ResultView { post: view, snippet: snippet_html(&snippet(post, &query)) })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(words.as_bytes()).collect();
    let link = |page: u32| {
        let (path, mut query) = match request.address {
            Address::Query => (paged("/", page), vec![format!("s={encoded}")]),
            Address::Pretty => (paged(&format!("/search/{encoded}/"), page), Vec::new()),
        };
        if request.by_date {
            query.push("orderby=date".to_string());
        }
        if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) }
    };
    let pagination = Pagination {
        current: request.page,
        total: total_pages,
        newer: (request.page > 1).then(|| link(request.page - 1)),
        older: (request.page < total_pages).then(|| link(request.page + 1)),
    };
    let title = if words.is_empty() { "Search".to_string() } else { format!("Search results for “{words}”") };
    let ctx = context! {
        results => results,
        total => found.total,
        words => words,
        asked => !query.is_empty(),
        by_date => request.by_date,
        by_relevance_url => format!("/search/{encoded}/"),
        by_date_url => format!("/search/{encoded}/?orderby=date"),
        feed_url => format!("/search/{encoded}/feed/"),
        pagination => pagination,
        nav => nav,
        search => words,
        meta => context! {
            title => if request.page > 1 { format!("{title} – Page {}", request.page) } else { title },
            robots => "noindex",
            feeds => (!query.is_empty()).then(|| vec![crate::view::LinkView {
                name: format!("{} » Search results for “{words}” Feed", site.config.site.title),
                url: format!("/search/{encoded}/feed/"),
            }]),
        },
    };
    Ok(html(state.templates.render("search.html", &site, ctx)?))
}

/// A result's snippet: from its commentary, else what it quotes, else its dek.
fn snippet(post: &Post, query: &SearchQuery) -> Snippet {
    let body = html_text(&post.body_html);
    let quoted: String = post.source.as_ref().map(|s| s.excerpt.join("\n")).unwrap_or_default();
    let dek = post.dek.clone().unwrap_or_default();
    Snippet::best(&[&body, &quoted, &dek], query, SNIPPET_WORDS)
}

/// A snippet as HTML: its text escaped, the words found in `<mark>`. Made here rather than
/// by the template: a page has ten snippets of about ten pieces each, and the template's loop
/// over them cost more than cutting them (docs/PERFORMANCE.md, "Stop 39").
fn snippet_html(snippet: &Snippet) -> minijinja::Value {
    let mut html = String::new();
    for (text, marked) in &snippet.parts {
        let (open, close) = if *marked { ("<mark>", "</mark>") } else { ("", "") };
        html.push_str(open);
        // Writing to a `String` cannot fail.
        let _ = crate::templates::write_escaped(&mut html, text);
        html.push_str(close);
    }
    minijinja::Value::from_safe_string(html)
}

/// `/search/words/feed/`: the newest posts that match, as a feed (WordPress's search feed).
pub(crate) async fn feed(state: &AppState, headers: &HeaderMap, words: &str, format: FeedFormat) -> Result<Response, AppError> {
    let words = clean(words);
    let per_page = state.site().config.site.posts_per_page;
    let posts = if SearchQuery::parse(&words).is_empty() {
        Vec::new()
    } else {
        state.store.editor_posts(&readers_query(&words, 1, per_page, true)).await?.items
    };
    let encoded: String = form_urlencoded::byte_serialize(words.as_bytes()).collect();
    let name = format!("Search results for “{words}”");
    crate::feeds::posts_feed(state, headers, posts, &name, format!("/search/{encoded}/"), format).await
}
