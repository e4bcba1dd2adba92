//! What a page says about itself outside its text: `<meta>` tags (OpenGraph, `article:*`,
//! `author`, `citation_*`, Dublin Core), `<title>`, `<link rel=canonical>`, `<html lang>`, and
//! the texts of its JSON-LD blocks. Read once from the parsed page, before the content
//! extraction changes the tree.

use dom_query::Document;

/// More `<meta>` tags than any real page has; the rest are ignored.
const MAX_META_TAGS: usize = 2_000;
/// More JSON-LD blocks than any real page has.
const MAX_JSON_LD_BLOCKS: usize = 50;

/// The page's self-description.
#[derive(Debug, Default)]
pub struct Head {
    /// `(key, content)` for every `<meta>` with a `property`, `name` or `itemprop` (key
    /// lowercased) and a `content` (or `value`, as some pages write it), in page order.
    tags: Vec<(String, String)>,
    /// The `<title>` element's text.
    pub title: Option<String>,
    /// `<link rel="canonical">`'s `href`, as written.
    pub canonical: Option<String>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// The texts of `<script type="application/ld+json">`.
    pub json_ld: Vec<String>,
}

impl Head {
    pub fn read(doc: &Document) -> Head {
        let mut head = Head::default();
        for node in doc.select("meta").nodes().iter().take(MAX_META_TAGS) {
            let Some(content) = node.attr("content").or_else(|| node.attr("value")) else { continue };
            let content = squeeze(&content);
            if content.is_empty() {
                continue;
            }
            for attribute in ["property", "name", "itemprop"] {
                if let Some(key) = node.attr(attribute) {
                    head.tags.push((key.trim().to_ascii_lowercase(), content.clone()));
                }
            }
        }
        head.title = non_empty(squeeze(&doc.select("title").first().text()));
        head.canonical = doc
            .select("link[rel][href]")
            .nodes()
            .iter()
            .find(|link| link.attr("rel").is_some_and(|rel| rel.split_whitespace().any(|r| r.eq_ignore_ascii_case("canonical"))))
            .and_then(|link| link.attr("href"))
            .and_then(|href| non_empty(href.trim().to_string()));
        head.lang =
            doc.select("html[lang]").nodes().iter().find_map(|html| html.attr("lang")).and_then(|l| non_empty(l.trim().to_string()));
        head.json_ld = doc
            .select(r#"script[type="application/ld+json" i]"#)
            .nodes()
            .iter()
            .take(MAX_JSON_LD_BLOCKS)
            .map(|script| script.text().to_string())
            .collect();
        head
    }

    /// The first value of the first of `keys` the page has.
    pub fn first<'a>(&'a self, keys: &[&'a str]) -> Option<&'a str> {
        keys.iter().find_map(|key| self.all(key).next())
    }

    /// Every value of `key`, in page order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.tags.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Whitespace runs as one space, trimmed.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}
