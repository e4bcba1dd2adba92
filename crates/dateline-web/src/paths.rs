//! WordPress-style public URLs, parsed into a [`Route`] by a pure function. One place knows
//! the URL grammar, both to read it ([`resolve`]) and to write it (the `*_url` functions).

/// What a public path asks for. `page` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home {
        page: u32,
    },
    /// `/YYYY/MM/DD/slug/`, or `…/comment-page-N/` for a page of its comments.
    Post {
        year: i16,
        month: i8,
        day: i8,
        slug: String,
        comment_page: Option<u32>,
    },
    /// `/YYYY/MM/DD/slug/feed/` (or `feed/atom/`): the post's comments.
    PostFeed {
        year: i16,
        month: i8,
        day: i8,
        slug: String,
        format: FeedFormat,
    },
    /// `/slug/`, or `/slug/comment-page-N/` for a page of its comments.
    Page {
        slug: String,
        comment_page: Option<u32>,
    },
    /// `/category/parent/child/`: the last slug names the category.
    Category {
        slug: String,
        page: u32,
    },
    CategoryFeed {
        slug: String,
        format: FeedFormat,
    },
    Tag {
        slug: String,
        page: u32,
    },
    TagFeed {
        slug: String,
        format: FeedFormat,
    },
    Author {
        slug: String,
        page: u32,
    },
    AuthorFeed {
        slug: String,
        format: FeedFormat,
    },
    /// `/source/{slug}/` (an outlet) or `/reporter/{slug}/`: every post quoting it.
    Byline {
        kind: dateline_core::BylineKind,
        slug: String,
        page: u32,
    },
    /// `/source/{slug}/feed/`, `…/feed/atom/`, `…/feed/json/`.
    BylineFeed {
        kind: dateline_core::BylineKind,
        slug: String,
        format: AnyFeed,
    },
    /// `/YYYY/`, `/YYYY/MM/`, `/YYYY/MM/DD/`
    Date {
        year: i16,
        month: Option<i8>,
        day: Option<i8>,
        page: u32,
    },
    /// `/search/words/`, `…/page/N/`, `…/feed/`: WordPress's pretty search addresses
    /// (`/search/` alone is the search page without words).
    Search {
        words: String,
        page: u32,
        feed: Option<FeedFormat>,
    },
    /// The same resource at its canonical path (a missing trailing slash, `/page/1/`).
    Redirect(String),
    NotFound,
}

/// Which syndication format a feed address asks for: `…/feed/` (and WordPress's `feed/rss2/`)
/// is RSS 2.0, `…/feed/atom/` is Atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
}

/// An archive feed in any of the site's formats: RSS or Atom, or JSON Feed 1.1 (`…/feed/json/`,
/// offered where it is new: outlets' and reporters' pages; the site's own is `/feed.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyFeed {
    Xml(FeedFormat),
    Json,
}

/// The path segment of a byline's pages: outlets are "sources" to readers (`/source/miami-herald/`).
pub(crate) fn byline_segment(kind: dateline_core::BylineKind) -> &'static str {
    match kind {
        dateline_core::BylineKind::Outlet => "source",
        dateline_core::BylineKind::Reporter => "reporter",
    }
}

/// The archive path of an outlet's or reporter's posts.
pub(crate) fn byline_path(kind: dateline_core::BylineKind, slug: &str) -> String {
    format!("/{}/{slug}/", byline_segment(kind))
}

/// Splits a trailing `feed`, `feed/rss2` or `feed/atom` off `segments`.
fn feed_suffix<'a, 'b>(segments: &'a [&'b str]) -> (Option<FeedFormat>, &'a [&'b str]) {
    match segments {
        [rest @ .., "feed"] => (Some(FeedFormat::Rss), rest),
        [rest @ .., "feed", "rss2"] => (Some(FeedFormat::Rss), rest),
        [rest @ .., "feed", "atom"] => (Some(FeedFormat::Atom), rest),
        _ => (None, segments),
    }
}

fn number<T: std::str::FromStr>(text: &str, digits: usize) -> Option<T> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// A positive number written without leading zeros.
fn number_any(text: &str) -> Option<u32> {
    text.parse::<u32>().ok().filter(|n| *n >= 1 && n.to_string() == text)
}

fn is_slug_segment(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 200
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'%')
}

/// Parses a public path (as received, percent-encoded).
pub fn resolve(path: &str) -> Route {
    // "//host/…" is another site to a browser: never echo it back in a redirect.
    if path.starts_with("//") || path.contains('\\') {
        return Route::NotFound;
    }
    if path == "/" {
        return Route::Home { page: 1 };
    }
    // Before the rules for slugs: the words of a search are anything a reader typed.
    if path == "/search" || path.starts_with("/search/") {
        return search_route(path);
    }
    if !path.ends_with('/') {
        // WordPress adds the slash; keep old links working. Paths with a dot are files.
        let last = path.rsplit('/').next().unwrap_or("");
        return if last.contains('.') || !path.starts_with('/') { Route::NotFound } else { Route::Redirect(format!("{path}/")) };
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        // Slugs are lowercase; /tag/Cuba/ means /tag/cuba/ (WordPress matches either).
        return Route::Redirect(path.to_ascii_lowercase());
    }
    let mut segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Route::NotFound;
    }

    // A trailing `page/N` paginates whatever comes before it.
    let mut page = 1;
    if segments.len() >= 2 && segments[segments.len() - 2] == "page" {
        match segments[segments.len() - 1].parse::<u32>() {
            Ok(n) if n >= 1 && n.to_string() == segments[segments.len() - 1] => {
                page = n;
                segments.truncate(segments.len() - 2);
            }
            _ => return Route::NotFound,
        }
        if page == 1 {
            let base = if segments.is_empty() { "/".to_string() } else { format!("/{}/", segments.join("/")) };
            return Route::Redirect(base);
        }
    }

    match segments.as_slice() {
        [] => Route::Home { page },
        ["category", rest @ ..] if !rest.is_empty() => {
            let (feed, rest) = match feed_suffix(rest) {
                (Some(format), rest) if page == 1 && !rest.is_empty() => (Some(format), rest),
                _ => (None, rest),
            };
            match rest.last() {
                Some(slug) if rest.iter().all(|s| is_slug_segment(s)) => {
                    let slug = slug.to_string();
                    match feed {
                        Some(format) => Route::CategoryFeed { slug, format },
                        None => Route::Category { slug, page },
                    }
                }
                _ => Route::NotFound,
            }
        }
        ["tag", slug] if is_slug_segment(slug) => Route::Tag { slug: slug.to_string(), page },
        ["tag", slug, feed @ ..] if is_slug_segment(slug) && page == 1 && !feed.is_empty() => match feed_suffix(feed) {
            (Some(format), []) => Route::TagFeed { slug: slug.to_string(), format },
            _ => Route::NotFound,
        },
        [segment @ ("source" | "reporter"), slug, rest @ ..] if is_slug_segment(slug) => {
            let kind = if *segment == "source" { dateline_core::BylineKind::Outlet } else { dateline_core::BylineKind::Reporter };
            let slug = slug.to_string();
            match rest {
                [] => Route::Byline { kind, slug, page },
                ["feed", "json"] if page == 1 => Route::BylineFeed { kind, slug, format: AnyFeed::Json },
                feed if page == 1 => match feed_suffix(feed) {
                    (Some(format), []) => Route::BylineFeed { kind, slug, format: AnyFeed::Xml(format) },
                    _ => Route::NotFound,
                },
                _ => Route::NotFound,
            }
        }
        ["author", slug] if is_slug_segment(slug) => Route::Author { slug: slug.to_string(), page },
        ["author", slug, feed @ ..] if is_slug_segment(slug) && page == 1 && !feed.is_empty() => match feed_suffix(feed) {
            (Some(format), []) => Route::AuthorFeed { slug: slug.to_string(), format },
            _ => Route::NotFound,
        },
        [year, rest @ ..] if number::<i16>(year, 4).is_some() => {
            let year = number::<i16>(year, 4).unwrap_or_default();
            let month = rest.first().map(|m| number::<i8>(m, 2).filter(|m| (1..=12).contains(m)));
            let day = rest.get(1).map(|d| number::<i8>(d, 2).filter(|d| (1..=31).contains(d)));
            let (feed, tail) = if rest.len() > 3 { feed_suffix(&rest[3..]) } else { (None, &rest[3.min(rest.len())..]) };
            match (month, day, rest.get(2), rest.len()) {
                (Some(Some(month)), Some(Some(day)), Some(slug), 4..=5) if page == 1 && is_slug_segment(slug) => {
                    let slug = slug.to_string();
                    match (feed, tail) {
                        (Some(format), []) => Route::PostFeed { year, month, day, slug, format },
                        (Some(_), _) => Route::NotFound,
                        (None, _) if rest.len() == 5 => Route::NotFound,
                        (None, _) => match rest[3].strip_prefix("comment-page-").and_then(number_any) {
                            Some(n) => Route::Post { year, month, day, slug, comment_page: Some(n) },
                            None => Route::NotFound,
                        },
                    }
                }
                (None, None, None, 0) => Route::Date { year, month: None, day: None, page },
                (Some(Some(m)), None, None, 1) => Route::Date { year, month: Some(m), day: None, page },
                (Some(Some(m)), Some(Some(d)), None, 2) => Route::Date { year, month: Some(m), day: Some(d), page },
                (Some(Some(month)), Some(Some(day)), Some(slug), 3) if page == 1 && is_slug_segment(slug) => {
                    Route::Post { year, month, day, slug: slug.to_string(), comment_page: None }
                }
                _ => Route::NotFound,
            }
        }
        [slug] if page == 1 && is_slug_segment(slug) && !dateline_core::slug::is_reserved(slug) => {
            Route::Page { slug: slug.to_string(), comment_page: None }
        }
        [slug, suffix] if page == 1 && is_slug_segment(slug) && !dateline_core::slug::is_reserved(slug) => {
            match suffix.strip_prefix("comment-page-").and_then(number_any) {
                Some(n) => Route::Page { slug: slug.to_string(), comment_page: Some(n) },
                None => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

/// `/search/…` (see [`Route::Search`]); the words are percent-decoded, `+` is a space.
fn search_route(path: &str) -> Route {
    if !path.ends_with('/') {
        return Route::Redirect(format!("{path}/"));
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').skip(1).collect();
    let decode = |raw: &str| -> String {
        let raw = raw.replace('&', "%26").replace('=', "%3D");
        form_urlencoded::parse(raw.as_bytes()).next().map(|(words, _)| words.into_owned()).unwrap_or_default()
    };
    match segments.as_slice() {
        [] => Route::Search { words: String::new(), page: 1, feed: None },
        [words] => Route::Search { words: decode(words), page: 1, feed: None },
        [words, "page", n] => match number_any(n) {
            Some(1) => Route::Redirect(format!("/search/{words}/")),
            Some(page) => Route::Search { words: decode(words), page, feed: None },
            None => Route::NotFound,
        },
        [words, feed @ ..] => match feed_suffix(feed) {
            (Some(format), []) => Route::Search { words: decode(words), page: 1, feed: Some(format) },
            _ => Route::NotFound,
        },
    }
}

/// `/page/N/` appended to a listing's base path (nothing for page 1).
pub(crate) fn paged(base: &str, page: u32) -> String {
    if page <= 1 { base.to_string() } else { format!("{base}page/{page}/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wordpress_urls() {
        assert_eq!(resolve("/"), Route::Home { page: 1 });
        assert_eq!(resolve("/page/2/"), Route::Home { page: 2 });
        assert_eq!(resolve("/page/1/"), Route::Redirect("/".into()));
        assert_eq!(
            resolve("/2022/05/20/cuba-thaw/"),
            Route::Post { year: 2022, month: 5, day: 20, slug: "cuba-thaw".into(), comment_page: None }
        );
        assert_eq!(
            resolve("/2022/05/20/cuba-thaw/comment-page-2/"),
            Route::Post { year: 2022, month: 5, day: 20, slug: "cuba-thaw".into(), comment_page: Some(2) }
        );
        assert_eq!(
            resolve("/2022/05/20/cuba-thaw/feed/"),
            Route::PostFeed { year: 2022, month: 5, day: 20, slug: "cuba-thaw".into(), format: FeedFormat::Rss }
        );
        assert_eq!(
            resolve("/2022/05/20/cuba-thaw/feed/atom/"),
            Route::PostFeed { year: 2022, month: 5, day: 20, slug: "cuba-thaw".into(), format: FeedFormat::Atom }
        );
        assert_eq!(resolve("/2022/05/20/cuba-thaw"), Route::Redirect("/2022/05/20/cuba-thaw/".into()));
        assert_eq!(resolve("/2022/"), Route::Date { year: 2022, month: None, day: None, page: 1 });
        assert_eq!(resolve("/search/"), Route::Search { words: String::new(), page: 1, feed: None });
        assert_eq!(resolve("/search/D%C3%ADaz+Canel/"), Route::Search { words: "Díaz Canel".into(), page: 1, feed: None });
        assert_eq!(resolve("/search/a%26b=c/page/2/"), Route::Search { words: "a&b=c".into(), page: 2, feed: None });
        assert_eq!(resolve("/search/cuba/page/1/"), Route::Redirect("/search/cuba/".into()));
        assert_eq!(resolve("/search/cuba/feed/"), Route::Search { words: "cuba".into(), page: 1, feed: Some(FeedFormat::Rss) });
        assert_eq!(resolve("/search/u.s."), Route::Redirect("/search/u.s./".into()));
        assert_eq!(resolve("/search/cuba/other/"), Route::NotFound);
        assert_eq!(resolve("/2022/05/page/3/"), Route::Date { year: 2022, month: Some(5), day: None, page: 3 });
        assert_eq!(resolve("/2022/05/20/"), Route::Date { year: 2022, month: Some(5), day: Some(20), page: 1 });
        assert_eq!(resolve("/category/world/latin-america/"), Route::Category { slug: "latin-america".into(), page: 1 });
        assert_eq!(resolve("/category/world/feed/"), Route::CategoryFeed { slug: "world".into(), format: FeedFormat::Rss });
        assert_eq!(
            resolve("/category/world/latin-america/feed/atom/"),
            Route::CategoryFeed { slug: "latin-america".into(), format: FeedFormat::Atom }
        );
        assert_eq!(resolve("/tag/cuba/page/2/"), Route::Tag { slug: "cuba".into(), page: 2 });
        assert_eq!(resolve("/tag/cuba/feed/"), Route::TagFeed { slug: "cuba".into(), format: FeedFormat::Rss });
        assert_eq!(resolve("/tag/cuba/feed/atom/"), Route::TagFeed { slug: "cuba".into(), format: FeedFormat::Atom });
        assert_eq!(resolve("/tag/cuba/feed/rss2/"), Route::TagFeed { slug: "cuba".into(), format: FeedFormat::Rss });
        assert_eq!(resolve("/author/marta-reyes/"), Route::Author { slug: "marta-reyes".into(), page: 1 });
        assert_eq!(resolve("/author/marta-reyes/feed/"), Route::AuthorFeed { slug: "marta-reyes".into(), format: FeedFormat::Rss });
        use dateline_core::BylineKind::{Outlet, Reporter};
        assert_eq!(resolve("/source/miami-herald/"), Route::Byline { kind: Outlet, slug: "miami-herald".into(), page: 1 });
        assert_eq!(resolve("/reporter/nora/page/2/"), Route::Byline { kind: Reporter, slug: "nora".into(), page: 2 });
        assert_eq!(
            resolve("/source/miami-herald/feed/atom/"),
            Route::BylineFeed { kind: Outlet, slug: "miami-herald".into(), format: AnyFeed::Xml(FeedFormat::Atom) }
        );
        assert_eq!(resolve("/reporter/nora/feed/json/"), Route::BylineFeed { kind: Reporter, slug: "nora".into(), format: AnyFeed::Json });
        assert_eq!(resolve("/about/"), Route::Page { slug: "about".into(), comment_page: None });
        assert_eq!(resolve("/about/comment-page-2/"), Route::Page { slug: "about".into(), comment_page: Some(2) });
        assert_eq!(resolve("/Tag/Cuba/"), Route::Redirect("/tag/cuba/".into()));
        assert_eq!(resolve("//Evil.example/"), Route::NotFound, "no open redirect");
        assert_eq!(resolve("//1572395042"), Route::NotFound, "no open redirect");
    }

    #[test]
    fn refuses_malformed_paths() {
        for path in [
            "/2022/13/",
            "/2022/05/32/",
            "/page/0/",
            "/page/x/",
            "/page/02/",
            "//",
            "/a//b/",
            "/../etc/",
            "/2022/05/20/slug/extra/",
            "/2022/05/20/slug/feed/x/",
            "/tag/a/feed/atom/x/",
            "/2022/05/20/slug/comment-page-2/x/",
            "/2022/05/20/slug/comment-page-0/",
            "/2022/05/20/slug/comment-page-x/",
            "/x.php",
            "/category/",
            "/tag/a/b/",
            "/2022/5/",
            "/source/",
            "/source/a/b/",
            "/reporter/a/feed/json/x/",
            "/source/a/page/2/feed/",
        ] {
            assert_eq!(resolve(path), Route::NotFound, "{path}");
        }
    }
}
