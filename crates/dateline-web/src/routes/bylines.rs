//! `/source/{slug}/` and `/reporter/{slug}/`: every post quoting an outlet or a reporter
//! (issue 10), paginated like a tag's archive and through the same listing, with its feeds in
//! RSS, Atom and JSON Feed. Old slugs (after a rename or a merge) are answered with a 301 by
//! the caller, `public::route`.

use axum::response::Response;
use dateline_core::{Byline, BylineKind, PostFilter};

use super::public::{Archive, FeedLink, Listing, listing_with};
use crate::paths::byline_path;
use crate::{AppError, AppState};

/// Page `page` of `byline`'s posts.
pub(crate) async fn archive(state: &AppState, byline: Byline, page: u32) -> Result<Response, AppError> {
    let site_title = state.site().config.site.title.clone();
    let base = byline_path(byline.kind, &byline.slug);
    let (heading, filter) = match byline.kind {
        BylineKind::Outlet => (format!("Source: {}", byline.name), PostFilter::Outlet(byline.id)),
        BylineKind::Reporter => (format!("Reporter: {}", byline.name), PostFilter::Reporter(byline.id)),
    };
    let feed = |format: &'static str, tail: &str, mime: &'static str| FeedLink {
        name: format!("{site_title} » {} ({format})", byline.name),
        url: format!("{base}{tail}"),
        mime,
        format,
    };
    let follow = vec![
        feed("RSS", "feed/", "application/rss+xml"),
        feed("Atom", "feed/atom/", "application/atom+xml"),
        feed("JSON Feed", "feed/json/", "application/feed+json"),
    ];
    let archive = Archive { title: heading, description: None, visible: true };
    // A byline whose posts are all drafts still has its page (like an empty tag): it exists,
    // and its feeds are worth subscribing to.
    let listing = Listing { archive, filter, base, page, sticky_first: false, feed: None, empty_is_a_page: true };
    listing_with(state, listing, follow).await
}
