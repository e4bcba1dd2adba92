//! `/sitemap.xml` and `/robots.txt`: what search engines ask for.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::view::{path_of, term_path};
use crate::{AppError, AppState};

pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

pub(crate) async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = &state.site();
    let now = jiff::Timestamp::now();
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    xml.push_str(&format!("  <url><loc>{}/</loc></url>\n", xml_escape(&site.base_url)));
    // Slugs and dates only: a large blog's sitemap must not load every body.
    for (kind, slug, published, updated) in state.store.sitemap_entries(now).await? {
        let lastmod = updated.max(published).strftime("%Y-%m-%dT%H:%M:%SZ");
        xml.push_str(&format!(
            "  <url><loc>{}{}</loc><lastmod>{lastmod}</lastmod></url>\n",
            xml_escape(&site.base_url),
            xml_escape(&path_of(&site.time_zone, kind, &slug, published))
        ));
    }
    let categories = state.store.terms(dateline_core::Taxonomy::Category).await?;
    let tags = state.store.terms(dateline_core::Taxonomy::Tag).await?;
    // Only archives with something to read: an empty term's page is not worth a crawl.
    // A category's archive shows its sub-categories' posts too: a parent counts when any
    // descendant has posts.
    let mut counts = state.store.term_post_counts(dateline_core::Taxonomy::Category).await?;
    let direct: Vec<i64> = counts.iter().filter(|(_, n)| **n > 0).map(|(id, _)| *id).collect();
    for id in direct {
        let mut parent = categories.iter().find(|c| c.id == id).and_then(|c| c.parent_id);
        for _ in 0..16 {
            let Some(up) = parent else { break };
            *counts.entry(up).or_default() += 1;
            parent = categories.iter().find(|c| c.id == up).and_then(|c| c.parent_id);
        }
    }
    counts.extend(state.store.term_post_counts(dateline_core::Taxonomy::Tag).await?);
    for terms in [&categories, &tags] {
        for term in terms.iter().filter(|t| counts.get(&t.id).is_some_and(|n| *n > 0)) {
            xml.push_str(&format!(
                "  <url><loc>{}{}</loc></url>\n",
                xml_escape(&site.base_url),
                xml_escape(&term_path(term, Some(&categories)))
            ));
        }
    }
    // Outlets' and reporters' pages with something to read.
    for kind in [dateline_core::BylineKind::Outlet, dateline_core::BylineKind::Reporter] {
        for byline in state.store.bylines(kind, now).await?.iter().filter(|b| b.public_posts > 0) {
            xml.push_str(&format!(
                "  <url><loc>{}{}</loc></url>\n",
                xml_escape(&site.base_url),
                xml_escape(&crate::paths::byline_path(kind, &byline.slug))
            ));
        }
    }
    xml.push_str("</urlset>\n");
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

pub(crate) async fn robots(State(state): State<AppState>) -> Response {
    let body = format!("User-agent: *\nDisallow: /admin/\nAllow: /\n\nSitemap: {}/sitemap.xml\n", state.site().base_url);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// `/favicon.ico`, which browsers and feed readers ask for whatever the page says: the
/// theme's icon, at its fingerprinted address.
pub(crate) async fn favicon(State(state): State<AppState>) -> Response {
    (axum::http::StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, state.assets.url("favicon.svg"))]).into_response()
}
