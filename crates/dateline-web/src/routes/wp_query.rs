//! WordPress's addresses without pretty permalinks, which old links, feed readers and
//! bookmarks still use: `/?feed=rss2`, `/?cat=3`, `/?tag=slug`, `/?author=2`, `/?m=202401`,
//! `/?paged=2`, and the admin's `/wp-admin/` and `/wp-login.php`. Each answers 301 to the
//! address Dateline serves the same thing at.

use axum::response::Response;
use dateline_core::Taxonomy;
use serde::Deserialize;

use super::public::moved_permanently;
use crate::view::{author_path, term_path};
use crate::{AppError, AppState};

/// The query-string parameters of WordPress's plain addresses on the root.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlainQuery {
    feed: Option<String>,
    cat: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    m: Option<String>,
    paged: Option<String>,
}

/// The pretty address a plain one stands for; `None` when the query is not one of them (the
/// home page then answers), and 404 when it names nothing here.
pub(crate) async fn pretty_address(state: &AppState, query: &PlainQuery) -> Result<Option<Response>, AppError> {
    let mut base = if let Some(id) = &query.cat {
        let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
        let term = state.store.term_by_id(id).await?.filter(|t| t.taxonomy == Taxonomy::Category).ok_or(AppError::NotFound)?;
        let categories = state.store.terms(Taxonomy::Category).await?;
        term_path(&term, Some(&categories))
    } else if let Some(slug) = &query.tag {
        let term = state.store.term_by_slug(Taxonomy::Tag, slug.trim()).await?.ok_or(AppError::NotFound)?;
        term_path(&term, None)
    } else if let Some(id) = &query.author {
        // Only people with something published have a public page: an id must not reveal the
        // login of any other account.
        let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
        if !state.store.public_author_ids(jiff::Timestamp::now()).await?.contains(&id) {
            return Err(AppError::NotFound);
        }
        author_path(&state.store.user_by_id(id).await?.ok_or(AppError::NotFound)?)
    } else if let Some(m) = &query.m {
        date_path(m.trim()).ok_or(AppError::NotFound)?
    } else {
        "/".to_string()
    };
    if let Some(feed) = &query.feed {
        let feed = match (feed.as_str(), base.as_str()) {
            ("comments-rss2", "/") => "comments/feed/",
            ("comments-atom", "/") => "comments/feed/atom/",
            ("atom", _) => "feed/atom/",
            ("" | "rss" | "rss2" | "rdf", _) => "feed/",
            _ => return Err(AppError::NotFound),
        };
        base.push_str(feed);
        return Ok(Some(moved_permanently(&base)));
    }
    if let Some(page) = query.paged.as_deref().and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p > 1) {
        base.push_str(&format!("page/{page}/"));
    }
    Ok((base != "/").then(|| moved_permanently(&base)))
}

/// `/2024/`, `/2024/01/` or `/2024/01/05/` from WordPress's `m=2024`, `202401` or `20240105`.
fn date_path(m: &str) -> Option<String> {
    if !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match m.len() {
        4 => Some(format!("/{m}/")),
        6 => Some(format!("/{}/{}/", &m[..4], &m[4..])),
        8 => Some(format!("/{}/{}/{}/", &m[..4], &m[4..6], &m[6..])),
        _ => None,
    }
}

/// `/wp-admin/…` and `/wp-login.php`: where a WordPress user's fingers go to write.
pub(crate) async fn wordpress_admin() -> Response {
    moved_permanently("/admin/")
}

pub(crate) async fn wordpress_login() -> Response {
    moved_permanently("/admin/login")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_from_m() {
        assert_eq!(super::date_path("2024").as_deref(), Some("/2024/"));
        assert_eq!(super::date_path("202401").as_deref(), Some("/2024/01/"));
        assert_eq!(super::date_path("20240105").as_deref(), Some("/2024/01/05/"));
        assert_eq!(super::date_path("2024x1"), None);
        assert_eq!(super::date_path("20241"), None);
    }
}
