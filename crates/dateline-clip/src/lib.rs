//! Article extraction for "clip a story": from a news page's HTML, what a link post needs to
//! credit and quote it: the headline, the reporters, the outlet, the date, the canonical
//! URL, the language, the lead paragraphs and the whole text.
//!
//! This crate owns reading a page that is already in hand. It must not depend on the store,
//! the web crate or the network: fetching a URL safely, the admin's box, the bookmarklet and
//! the API are other crates' jobs, and they call [`extract`].
//!
//! Best source first. Metadata comes from schema.org JSON-LD ([`jsonld`]), then OpenGraph
//! and other `<meta>` tags ([`head`]), then what the text itself shows. The body comes from
//! Mozilla's Readability algorithm ([`body`]).
//!
//! Why `dom_smoothie` for the body rather than our own scorer over html5ever: it is a
//! faithful port of Readability, whose output is the reference the accuracy tests compare
//! with (Firefox's Reader View), and its own test suite runs Readability's test pages, so
//! the hard cases (comment sections, related links, captions) are handled as Firefox handles
//! them. A compact scorer of our own would have to rediscover those rules page by page. Its
//! cost is modest: it parses with html5ever 0.40, which the workspace already builds for
//! ammonia, and adds about a dozen small crates (dom_query, selectors, phf, gjson, …), no
//! regex engine and no network code; one parse serves both the metadata and the body. On
//! the eight fixture pages its text matches Readability's exactly (token F1 1.000), and the
//! 1.1 MB Guardian page takes about 26 ms even in a debug build (`dateline-bench clip`).
//!
//! Bounded: input over [`MAX_INPUT`] bytes is refused, as is a page with more elements than
//! [`body`] allows or nesting deeper than [`MAX_DEPTH`] (counted in the raw markup before
//! parsing, whose cost grows with the square of the depth, and in the tree after, see
//! [`nesting`]); JSON-LD is walked with an explicit stack. Nothing here panics on any input.

mod body;
mod byline;
mod charset;
mod date;
mod head;
mod jsonld;
mod nesting;
mod outlet;

use dom_query::Document;
use serde::Serialize;

use head::{Head, squeeze};
use jsonld::LdArticle;

/// The largest page accepted, in bytes: a heavy article page (the Guardian's, with its
/// scripts and inline images) is about 1 MB.
pub const MAX_INPUT: usize = 5 * 1024 * 1024;

/// The deepest element nesting accepted. Real pages stay well under a hundred levels (the
/// fixtures: 14 to 24); deeper trees are built to make recursive code overflow its stack.
pub const MAX_DEPTH: usize = 512;

/// The most unclosed elements the raw markup may count before it is parsed (see [`nesting`]:
/// the count can overestimate, and the parse's cost grows with the square of the real
/// depth). The fixtures count 10 to 19.
const MAX_MARKUP_DEPTH: usize = 1_000;

/// The longest selection quoted, in characters.
const MAX_SELECTION_CHARS: usize = 10_000;

/// What a page says about the story it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// The story's own headline.
    pub headline: String,
    /// The people who reported it, in byline order; empty when the page names no person.
    pub reporters: Vec<String>,
    /// The publication, e.g. "the Guardian".
    pub outlet: Option<String>,
    pub published_at: Option<jiff::Timestamp>,
    /// The page's canonical link, else the URL it was read from.
    pub url: String,
    /// The page's language tag, e.g. "pt-BR".
    pub lang: Option<String>,
    /// The paragraphs to quote: the reader's selection, else the article's first two or three
    /// real paragraphs.
    pub excerpt: Vec<String>,
    /// The whole article's text, paragraphs separated by blank lines.
    pub text: String,
    /// How many words `text` has.
    pub words: usize,
}

/// Why a page could not be clipped. Each message is one line a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClipError {
    #[error("the page is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the page is empty")]
    Empty,
    #[error("the page's URL must be an absolute http:// or https:// URL")]
    BadUrl,
    #[error("the page has {found} elements; the limit is {limit}")]
    TooComplex { found: usize, limit: usize },
    #[error("the page nests elements deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("no article text was found in the page")]
    NoArticle,
    #[error("the page has no headline or title")]
    NoHeadline,
}

/// Extracts the article from `html`, read from `page_url` (an absolute http(s) URL), whose
/// HTTP header named `http_charset` (or `None`, as for a saved file). The excerpt is the
/// article's lead paragraphs.
pub fn extract(html: &[u8], page_url: &str, http_charset: Option<&str>) -> Result<Article, ClipError> {
    extract_with_selection(html, page_url, http_charset, None)
}

/// As [`extract`], but the excerpt is `selection` (the text the reader selected on the page,
/// paragraphs on their own lines) when it has any text.
pub fn extract_with_selection(
    html: &[u8],
    page_url: &str,
    http_charset: Option<&str>,
    selection: Option<&str>,
) -> Result<Article, ClipError> {
    if html.len() > MAX_INPUT {
        return Err(ClipError::TooLarge { size: html.len(), limit: MAX_INPUT });
    }
    let page_url = page_url.trim();
    if !is_absolute_http(page_url) {
        return Err(ClipError::BadUrl);
    }
    let text = charset::decode(html, http_charset);
    if text.trim().is_empty() {
        return Err(ClipError::Empty);
    }
    if nesting::markup_deeper_than(&text, MAX_MARKUP_DEPTH) {
        return Err(ClipError::TooDeep);
    }
    let doc = Document::from(text);
    if nesting::tree_deeper_than(&doc, MAX_DEPTH) {
        return Err(ClipError::TooDeep);
    }
    let head = Head::read(&doc);
    let ld = jsonld::find_article(head.json_ld.iter().map(String::as_str)).unwrap_or_default();
    let body = body::extract(doc, Some(page_url))?;

    let headline = headline(&head, &ld, &body.title).ok_or(ClipError::NoHeadline)?;
    let url = head.canonical.as_deref().and_then(|c| absolute(c, page_url)).unwrap_or_else(|| page_url.to_string());
    let outlet = outlet(&head, &ld, &headline, &url);
    let self_names = self_names(&head, &ld, outlet.as_deref(), &url);
    let reporters = reporters(&head, &ld, body.byline.as_deref(), &self_names);
    let excerpt = match selection.map(selected_paragraphs).filter(|s| !s.is_empty()) {
        Some(selected) => selected,
        None => body::lead(&body.paragraphs),
    };
    Ok(Article {
        headline,
        reporters,
        outlet,
        published_at: published_at(&head, &ld),
        url,
        lang: lang(&head, &ld),
        excerpt,
        words: body.text.split_whitespace().count(),
        text: body.text,
    })
}

/// The article's own headline: JSON-LD's (written for search engines, without the site's
/// name), then OpenGraph's and the other tags', then `<title>`, then Readability's guess.
fn headline(head: &Head, ld: &LdArticle, readability_title: &str) -> Option<String> {
    ld.headline
        .clone()
        .or_else(|| head.first(&["og:title", "twitter:title", "citation_title", "dc.title"]).map(str::to_string))
        .or_else(|| head.title.clone())
        .or_else(|| Some(readability_title.to_string()))
        .map(|h| squeeze(&h))
        .filter(|h| !h.is_empty())
}

/// The outlet's name as it gives it, else as its domain suggests (see [`outlet`]).
fn outlet(head: &Head, ld: &LdArticle, headline: &str, url: &str) -> Option<String> {
    head.first(&["og:site_name"])
        .map(str::to_string)
        .or_else(|| ld.publisher.clone())
        .or_else(|| head.first(&["application-name", "citation_journal_title", "dc.publisher"]).map(str::to_string))
        .or_else(|| head.title.as_deref().and_then(|title| outlet::from_title(title, headline)))
        .or_else(|| outlet::from_url(url))
}

/// Every name the outlet goes by on the page: a byline that is one of them is not a person.
fn self_names(head: &Head, ld: &LdArticle, outlet: Option<&str>, url: &str) -> Vec<String> {
    let mut names: Vec<String> = outlet.into_iter().map(str::to_string).collect();
    names.extend(ld.publisher.clone());
    names.extend(ld.organisation_authors.iter().cloned());
    for key in ["og:site_name", "application-name", "dc.publisher", "twitter:site"] {
        names.extend(head.all(key).map(|name| name.trim_start_matches('@').to_string()));
    }
    names.extend(outlet::from_url(url));
    names
}

/// The reporters, from the first source that names a person: JSON-LD's authors, then the
/// author tags (in order of how often they hold a name rather than a URL or a section), then
/// the byline Readability found in the text.
fn reporters(head: &Head, ld: &LdArticle, readability_byline: Option<&str>, self_names: &[String]) -> Vec<String> {
    let from = |bylines: Vec<&str>| -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in bylines.into_iter().flat_map(|b| byline::reporters(b, self_names)) {
            if !names.iter().any(|seen| byline::comparable(seen) == byline::comparable(&name)) {
                names.push(name);
            }
        }
        names
    };
    let mut sources = vec![ld.authors.iter().map(String::as_str).collect::<Vec<_>>()];
    for key in
        ["author", "article:author", "og:article:author", "citation_author", "dc.creator", "byl", "parsely-author", "sailthru.author"]
    {
        sources.push(head.all(key).collect());
    }
    sources.push(readability_byline.into_iter().collect());
    sources.into_iter().map(from).find(|names| !names.is_empty()).unwrap_or_default()
}

fn published_at(head: &Head, ld: &LdArticle) -> Option<jiff::Timestamp> {
    let keys = [
        "article:published_time",
        "og:article:published_time",
        "article:published",
        "datepublished",
        "citation_publication_date",
        "citation_date",
        "dc.date.issued",
        "dc.date",
        "date",
    ];
    ld.date_published.iter().map(String::as_str).chain(keys.iter().flat_map(|key| head.all(key))).find_map(date::parse)
}

fn lang(head: &Head, ld: &LdArticle) -> Option<String> {
    head.lang
        .clone()
        .or_else(|| ld.language.clone())
        .or_else(|| head.first(&["og:locale", "content-language", "dc.language"]).map(|l| l.replace('_', "-")))
}

/// The reader's selection as paragraphs: one a line, blank lines dropped, at most
/// [`MAX_SELECTION_CHARS`] characters in all.
fn selected_paragraphs(selection: &str) -> Vec<String> {
    let mut budget = MAX_SELECTION_CHARS;
    let mut paragraphs = Vec::new();
    for line in selection.lines().map(squeeze).filter(|l| !l.is_empty()) {
        let length = line.chars().count();
        if length > budget {
            let cut: String = line.chars().take(budget).collect();
            paragraphs.extend((!cut.is_empty()).then(|| format!("{}…", cut.trim_end())));
            break;
        }
        budget -= length;
        paragraphs.push(line);
    }
    paragraphs
}

fn is_absolute_http(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !url.chars().any(|c| c.is_whitespace() || c.is_control()))
}

/// `link` (as a page writes it: absolute, scheme-relative or root-relative) against `base`.
fn absolute(link: &str, base: &str) -> Option<String> {
    let joined = if is_absolute_http(link) {
        link.to_string()
    } else if let Some(rest) = link.strip_prefix("//") {
        format!("{}://{rest}", base.split_once("://")?.0)
    } else if link.starts_with('/') {
        let (scheme, rest) = base.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        format!("{scheme}://{host}{link}")
    } else {
        return None;
    };
    is_absolute_http(&joined).then_some(joined)
}

#[cfg(test)]
mod tests;
