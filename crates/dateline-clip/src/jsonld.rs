//! schema.org JSON-LD: the most reliable metadata a news page carries, because publishers
//! write it for search engines. Finds the article object (`NewsArticle`, `Article`,
//! `ReportageNewsArticle`, `BlogPosting`, …) in any of the shapes seen in the wild: alone, in
//! a list, inside `@graph`; `@context` a string, an object (`{"@vocab": …}`) or a list;
//! `@type` a string or a list; the author a string, an object or a list of either.
//!
//! Bounded: serde_json refuses nesting deeper than 128 levels, and the walk below is a loop
//! over an explicit stack that stops after [`MAX_VISITS`] values.

use serde_json::Value;

/// The schema.org types whose objects are articles we can clip.
const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "ScholarlyArticle",
];

/// How many JSON values one page's JSON-LD may make us look at.
const MAX_VISITS: usize = 20_000;

/// What the article object says about itself.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LdArticle {
    pub headline: Option<String>,
    /// People named as authors, as written (cleaned later with the other bylines).
    pub authors: Vec<String>,
    /// Authors that are organisations: the outlet naming itself, never a reporter.
    pub organisation_authors: Vec<String>,
    pub publisher: Option<String>,
    pub date_published: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
}

/// The first article object in any of `blocks` (the texts of the page's
/// `<script type="application/ld+json">` elements), if one has a schema.org context.
pub fn find_article<'a>(blocks: impl IntoIterator<Item = &'a str>) -> Option<LdArticle> {
    let mut visits = 0;
    for block in blocks {
        let Ok(value) = serde_json::from_str::<Value>(strip_cdata(block)) else { continue };
        if let Some(article) = article_in(&value, &mut visits) {
            return Some(article);
        }
        if visits >= MAX_VISITS {
            break;
        }
    }
    None
}

/// Pages wrap their JSON-LD in `<![CDATA[ … ]]>`, sometimes behind `//` comments.
fn strip_cdata(block: &str) -> &str {
    let block = block.trim();
    let block = block.strip_prefix("//").unwrap_or(block).trim_start();
    let Some(inner) = block.strip_prefix("<![CDATA[") else { return block };
    let inner = inner.trim_end();
    let inner = inner.strip_suffix("]]>").unwrap_or(inner).trim_end();
    inner.strip_suffix("//").unwrap_or(inner)
}

/// Walks `root` depth-first (in document order) with an explicit stack; each entry knows
/// whether a schema.org `@context` is in force around it.
fn article_in(root: &Value, visits: &mut usize) -> Option<LdArticle> {
    let mut stack = vec![(root, false)];
    while let Some((value, outer_schema)) = stack.pop() {
        *visits += 1;
        if *visits > MAX_VISITS {
            return None;
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().rev().map(|item| (item, outer_schema))),
            Value::Object(object) => {
                let schema = outer_schema || object.get("@context").is_some_and(names_schema_org);
                if schema && types(object.get("@type")).any(|t| ARTICLE_TYPES.contains(&t)) {
                    return Some(read_article(object));
                }
                // Only the containers of further top-level things: an article's parts
                // (its publisher, its images) are not looked into.
                for key in ["@graph", "mainEntity", "itemListElement"] {
                    if let Some(inner) = object.get(key) {
                        stack.push((inner, schema));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// `"https://schema.org"`, `{"@vocab": "http://schema.org/"}`, or a list holding either.
fn names_schema_org(context: &Value) -> bool {
    match context {
        Value::String(text) => text.contains("schema.org"),
        Value::Object(object) => object.get("@vocab").and_then(Value::as_str).is_some_and(|v| v.contains("schema.org")),
        Value::Array(items) => items.iter().any(|item| matches!(item, Value::String(t) if t.contains("schema.org"))),
        _ => false,
    }
}

/// The `@type` names, as a string or a list; `schema:NewsArticle` and full IRIs count too.
fn types(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let items: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    items.into_iter().filter_map(Value::as_str).map(|t| t.rsplit(['/', ':']).next().unwrap_or(t))
}

fn read_article(object: &serde_json::Map<String, Value>) -> LdArticle {
    let text = |key: &str| object.get(key).and_then(plain_text);
    let mut article = LdArticle {
        headline: text("headline").or_else(|| text("name")),
        publisher: object.get("publisher").and_then(name_of),
        date_published: text("datePublished").or_else(|| text("dateCreated")),
        url: text("url"),
        language: object.get("inLanguage").and_then(|l| plain_text(l).or_else(|| name_of(l))),
        ..LdArticle::default()
    };
    let authors = match object.get("author").or_else(|| object.get("creator")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    for author in authors {
        let Some(name) = name_of(author) else { continue };
        let is_organisation = author.as_object().is_some_and(|a| types(a.get("@type")).any(|t| t.contains("Organization")));
        if is_organisation { article.organisation_authors.push(name) } else { article.authors.push(name) }
    }
    article
}

/// A string value, trimmed, if not empty.
fn plain_text(value: &Value) -> Option<String> {
    value.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A thing's name: the string itself or the object's `name`.
fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::String(_) => plain_text(value),
        Value::Object(object) => object.get("name").and_then(plain_text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(block: &str) -> Option<LdArticle> {
        find_article([block])
    }

    #[test]
    fn a_plain_news_article_with_one_author_object() {
        let article = one(r#"{"@context":"https://schema.org","@type":"NewsArticle","headline":" Storm hits coast ",
                "author":{"@type":"Person","name":"Ana Díaz"},"publisher":{"@type":"Organization","name":"El Diario"},
                "datePublished":"2024-01-02T03:04:05Z","inLanguage":"es"}"#)
        .expect("an article");
        assert_eq!(article.headline.as_deref(), Some("Storm hits coast"));
        assert_eq!(article.authors, ["Ana Díaz"]);
        assert_eq!(article.publisher.as_deref(), Some("El Diario"));
        assert_eq!(article.date_published.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(article.language.as_deref(), Some("es"));
    }

    #[test]
    fn inside_a_graph_with_the_context_outside() {
        let article = one(r#"<![CDATA[{"@context":"https://schema.org","@graph":[
                {"@type":"WebPage","name":"Not this"},
                {"@type":["Article","NewsArticle"],"headline":"This one","author":["Kim Lee",{"name":"Jo Park"}]}]}]]>"#)
        .expect("an article");
        assert_eq!(article.headline.as_deref(), Some("This one"));
        assert_eq!(article.authors, ["Kim Lee", "Jo Park"]);
    }

    #[test]
    fn a_context_object_with_vocab_and_a_list_of_blocks() {
        let article = one(r#"[{"@context":"http://schema.org","@type":"VideoObject","name":"A video"},
                {"@context":{"@vocab":"http://schema.org","topics":{"@id":"Text"}},"@type":"schema:BlogPosting","headline":"Post"}]"#)
        .expect("an article");
        assert_eq!(article.headline.as_deref(), Some("Post"));
    }

    #[test]
    fn organisations_as_authors_are_kept_apart() {
        let article = one(r#"{"@context":"https://schema.org","@type":"NewsArticle","headline":"H",
                "author":[{"@type":"NewsMediaOrganization","name":"Reuters"},{"@type":"Person","name":"Sam Roe"}]}"#)
        .expect("an article");
        assert_eq!(article.authors, ["Sam Roe"]);
        assert_eq!(article.organisation_authors, ["Reuters"]);
    }

    #[test]
    fn without_schema_org_or_an_article_type_there_is_nothing() {
        assert_eq!(one(r#"{"@type":"NewsArticle","headline":"No context"}"#), None);
        assert_eq!(one(r#"{"@context":"https://schema.org","@type":"Organization","name":"X"}"#), None);
        assert_eq!(one("not json at all"), None);
    }

    #[test]
    fn hostile_nesting_is_refused_not_overflowed() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(one(&deep), None);
        let graph_chain = format!(
            r#"{{"@context":"https://schema.org","@graph":{}{{"@type":"NewsArticle","headline":"deep"}}{}}}"#,
            r#"{"@graph":"#.repeat(120),
            "}".repeat(120)
        );
        assert_eq!(one(&graph_chain).and_then(|a| a.headline).as_deref(), Some("deep"));
        let wide = format!(r#"{{"@context":"https://schema.org","@graph":[{}{{"@type":"NewsArticle"}}]}}"#, "{},".repeat(50_000));
        assert_eq!(one(&wide), None, "the walk gives up after MAX_VISITS values");
    }
}
