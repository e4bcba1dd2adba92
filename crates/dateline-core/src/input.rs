//! Post input in the shape of `post.json`: what `dateline post new --json` and the demo
//! content accept. Validation names the field that is wrong and why; nothing is stored
//! until the whole input is valid.

use jiff::Timestamp;
use serde::Deserialize;

use crate::model::*;
use crate::slug::{is_slug, slugify};

/// Why post input was refused: the field's path (`source.url`, `comments[2].body`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InputError {
    pub field: String,
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> InputError {
    InputError { field: field.into(), reason: reason.into() }
}

/// Keys of `post.json` that describe how the page looks rather than what the post is; they
/// are derived from the post and accepted only so the seed file reads as input unchanged.
const PRESENTATION_KEYS: &[&str] = &["comment_count_line", "comments_closed_line"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostInput {
    kind: Option<String>,
    title: String,
    slug: Option<String>,
    dek: Option<String>,
    #[serde(default)]
    body: String,
    source: Option<SourceInput>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    author: Option<String>,
    published_at: Option<String>,
    status: Option<String>,
    comment_status: Option<String>,
    #[serde(default)]
    sticky: bool,
    #[serde(default)]
    comments: Vec<CommentInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceInput {
    reporter: Option<String>,
    outlet: Option<String>,
    url: Option<String>,
    headline: Option<String>,
    #[serde(default)]
    excerpt: Vec<String>,
    continue_reading_text: Option<String>,
    /// How many words the whole story has, when known (the quote limit's percentage).
    words: Option<u32>,
    archive_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentInput {
    author: Option<String>,
    email: Option<String>,
    url: Option<String>,
    body: String,
    published_at: Option<String>,
    status: Option<String>,
    /// 1-based position of the parent comment in the same list.
    parent: Option<usize>,
    /// The number shown beside the comment on the page; derived, accepted and ignored.
    #[serde(rename = "number")]
    _number: Option<u32>,
}

/// Defaults for what the input leaves out.
#[derive(Debug, Clone)]
pub struct InputDefaults {
    /// Used when `author` is missing or null.
    pub author: String,
    /// Used when `published_at` is missing or null.
    pub now: Timestamp,
}

/// Parses one post from JSON text.
pub fn parse_post_json(text: &str, defaults: &InputDefaults, render: &dyn Fn(&str) -> String) -> Result<NewPost, InputError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| invalid("(document)", format!("not valid JSON: {e}")))?;
    post_from_value(value, defaults, render)
}

/// Parses a JSON array of posts (the demo content); errors name the item, e.g. `[3].title`.
pub fn parse_posts_json(text: &str, defaults: &InputDefaults, render: &dyn Fn(&str) -> String) -> Result<Vec<NewPost>, InputError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| invalid("(document)", format!("not valid JSON: {e}")))?;
    let serde_json::Value::Array(items) = value else {
        return Err(invalid("(document)", "expected an array of posts"));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| post_from_value(item, defaults, render).map_err(|e| invalid(format!("[{i}].{}", e.field), e.reason)))
        .collect()
}

/// Removes forbidden control characters from every string in a JSON value.
fn strip_controls_everywhere(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => *text = crate::text::strip_controls(text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_controls_everywhere),
        serde_json::Value::Object(map) => map.values_mut().for_each(strip_controls_everywhere),
        _ => {}
    }
}

fn post_from_value(mut value: serde_json::Value, defaults: &InputDefaults, render: &dyn Fn(&str) -> String) -> Result<NewPost, InputError> {
    strip_controls_everywhere(&mut value);
    let serde_json::Value::Object(map) = &mut value else {
        return Err(invalid("(document)", "expected a JSON object"));
    };
    // Notes such as "_about" and the presentation keys are not part of the post.
    map.retain(|key, _| !key.starts_with('_') && !PRESENTATION_KEYS.contains(&key.as_str()));
    if let Some(serde_json::Value::Object(source)) = map.get_mut("source") {
        source.retain(|key, _| !key.starts_with('_'));
    }
    let input: PostInput = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "(document)".to_string() } else { path };
        invalid(field, e.into_inner().to_string())
    })?;
    input.validate(defaults, render)
}

fn parse_enum<T>(field: &str, text: Option<&str>, default: T, parse: fn(&str) -> Option<T>, expected: String) -> Result<T, InputError> {
    match text {
        None => Ok(default),
        Some(text) => parse(text).ok_or_else(|| invalid(field, format!("{text:?} is not one of: {expected}"))),
    }
}

fn parse_time(field: &str, text: Option<&str>, default: Timestamp) -> Result<Timestamp, InputError> {
    match text {
        None => Ok(default),
        Some(text) => {
            text.parse::<Timestamp>().map_err(|_| invalid(field, format!("{text:?} is not an RFC 3339 time such as 2024-05-01T09:30:00Z")))
        }
    }
}

/// Trims and drops empty optional text.
fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Accepts an absolute http(s) URL without spaces or control characters.
pub fn check_url(field: &str, url: &str) -> Result<(), InputError> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => Ok(()),
        _ => Err(invalid(field, format!("{url:?} is not an absolute http:// or https:// URL"))),
    }
}

/// Only posts can be sticky (a page has no place in the stream to stick to): every door
/// refuses a sticky page rather than drop the flag.
pub fn check_sticky(kind: PostKind, sticky: bool) -> Result<(), InputError> {
    if kind == PostKind::Page && sticky { Err(invalid("sticky", "only posts can be sticky, not pages")) } else { Ok(()) }
}

/// The rules a post or page meets whichever door writes it (the admin's editor, the REST API);
/// `dateline post new` checks the same rules on its JSON, with the same functions. `field` in
/// the error is the post's own field name (`title`, `slug`, `sticky`, `source.url`, `body`);
/// each door says it in its own words. A door may ask for more (the admin wants a title).
pub fn check_write(write: &crate::PostWrite) -> Result<(), InputError> {
    check_title_length(&write.title)?;
    if write.title.trim().is_empty() && write.body_source.trim().is_empty() {
        return Err(invalid("title", "a post needs a title or a body"));
    }
    // (Each door makes the slug with `slugify`; the store makes it unique.)
    if write.slug.is_empty() {
        return Err(invalid("slug", "has no letters or digits"));
    }
    if write.body_source.len() > MAX_BODY {
        return Err(invalid("body", format!("is larger than {MAX_BODY} bytes")));
    }
    check_sticky(write.kind, write.sticky)?;
    match &write.source {
        Some(source) => check_source("source", source),
        None => Ok(()),
    }
}

/// A title no longer than [`MAX_TITLE`] (what is typed beyond it is a mistake, or an attack on
/// the layout).
pub fn check_title_length(title: &str) -> Result<(), InputError> {
    let length = title.chars().count();
    if length > MAX_TITLE { Err(invalid("title", format!("is {length} characters long; the limit is {MAX_TITLE}"))) } else { Ok(()) }
}

/// The longest title any door accepts, in characters.
pub const MAX_TITLE: usize = 500;

/// Checks a source as every door must (the CLI, the admin, the API, an import): its link, when
/// it has one, is an absolute http(s) URL. The page, feeds and API put it in `href`s.
pub fn check_source(field: &str, source: &Source) -> Result<(), InputError> {
    if let Some(url) = &source.url {
        check_url(&format!("{field}.url"), url)?;
    }
    // The archived copy is a link out too (it replaces "Continue reading" once the source is gone).
    match &source.archive_url {
        Some(url) => check_url(&format!("{field}.archive_url"), url),
        None => Ok(()),
    }
}
const MAX_BODY: usize = 1_000_000;

impl PostInput {
    fn validate(self, defaults: &InputDefaults, render: &dyn Fn(&str) -> String) -> Result<NewPost, InputError> {
        let kind = parse_enum("kind", self.kind.as_deref(), PostKind::Post, PostKind::parse, PostKind::expected())?;
        let title = self.title.trim().to_string();
        if title.is_empty() {
            return Err(invalid("title", "must not be empty"));
        }
        let slug = match clean(self.slug) {
            Some(slug) if is_slug(&slug) => slug,
            Some(slug) => return Err(invalid("slug", format!("{slug:?} is not a slug: use lowercase letters, digits and hyphens"))),
            None => slugify(&title),
        };
        if slug.is_empty() {
            return Err(invalid("title", "has no letters or digits to make a slug from; give a slug"));
        }
        if kind == PostKind::Page && crate::slug::is_reserved(&slug) {
            return Err(invalid("slug", format!("{slug:?} is used by the site's own addresses; give the page another slug")));
        }
        let status = parse_enum("status", self.status.as_deref(), PostStatus::Published, PostStatus::parse, PostStatus::expected())?;
        let discussion = parse_enum(
            "comment_status",
            self.comment_status.as_deref(),
            Discussion::default_for(kind),
            Discussion::parse,
            Discussion::expected(),
        )?;
        let published_at = parse_time("published_at", self.published_at.as_deref(), defaults.now)?;
        let source = self.source.map(|s| s.validate()).transpose()?.filter(|s| !s.is_empty());

        let mut categories = Vec::new();
        for (i, path) in self.categories.iter().enumerate() {
            let parts: Vec<String> = path.split('/').map(|p| p.trim().to_string()).collect();
            if parts.iter().any(|p| slugify(p).is_empty()) {
                return Err(invalid(format!("categories[{i}]"), format!("{path:?} has an empty or unusable name")));
            }
            categories.push(parts);
        }
        let mut tags = Vec::new();
        for (i, tag) in self.tags.iter().enumerate() {
            let tag = tag.trim();
            if slugify(tag).is_empty() {
                return Err(invalid(format!("tags[{i}]"), format!("{tag:?} has no letters or digits")));
            }
            tags.push(tag.to_string());
        }

        let mut comments = Vec::with_capacity(self.comments.len());
        for (i, comment) in self.comments.into_iter().enumerate() {
            comments.push(comment.validate(i, published_at)?);
        }

        // Everything but the author, who is named (see `author_name`).
        let mut write = PostWrite {
            title,
            slug,
            dek: clean(self.dek),
            body_source: self.body,
            source,
            status,
            published_at,
            sticky: self.sticky,
            discussion,
            ..PostWrite::new_draft(kind, 0, BodyFormat::Markdown)
        };
        // The rules every door applies (title length, body size, sticky, the source's link).
        // Checked before rendering, which a body past the size limit is not worth.
        check_write(&write)?;
        write.body_html = render(&write.body_source);
        Ok(NewPost { write, author_name: Some(clean(self.author).unwrap_or_else(|| defaults.author.clone())), categories, tags, comments })
    }
}

impl SourceInput {
    fn validate(self) -> Result<Source, InputError> {
        let url = clean(self.url);
        if let Some(url) = &url {
            check_url("source.url", url)?;
        }
        let archive_url = clean(self.archive_url);
        if let Some(archive) = &archive_url {
            check_url("source.archive_url", archive)?;
        }
        Ok(Source {
            reporter: clean(self.reporter),
            outlet: clean(self.outlet),
            url,
            headline: clean(self.headline),
            excerpt: self.excerpt.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            continue_reading_text: clean(self.continue_reading_text),
            words: self.words,
            archive_url,
        })
    }
}

impl CommentInput {
    fn validate(self, index: usize, post_published_at: Timestamp) -> Result<NewComment, InputError> {
        let field = |name: &str| format!("comments[{index}].{name}");
        if self.body.trim().is_empty() {
            return Err(invalid(field("body"), "must not be empty"));
        }
        let url = clean(self.url);
        if let Some(url) = &url {
            check_url(&field("url"), url)?;
        }
        let parent_index = match self.parent {
            None => None,
            Some(p) if p >= 1 && p <= index => Some(p - 1),
            Some(p) => return Err(invalid(field("parent"), format!("{p} is not the position (1-based) of an earlier comment"))),
        };
        Ok(NewComment {
            kind: CommentKind::Comment,
            author_name: clean(self.author),
            author_email: clean(self.email),
            author_url: url,
            author_ip: None,
            user_agent: None,
            moderation_reason: None,
            spam_score: None,
            notify: false,
            user_id: None,
            body: self.body.trim().to_string(),
            body_format: crate::BodyFormat::Markdown,
            status: parse_enum(
                &field("status"),
                self.status.as_deref(),
                CommentStatus::Approved,
                CommentStatus::parse,
                CommentStatus::expected(),
            )?,
            created_at: parse_time(&field("published_at"), self.published_at.as_deref(), post_published_at)?,
            parent_index,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> InputDefaults {
        InputDefaults { author: "Editor".into(), now: "2024-01-01T00:00:00Z".parse().expect("time") }
    }

    fn parse(text: &str) -> Result<NewPost, InputError> {
        parse_post_json(text, &defaults(), &|md| format!("<p>{md}</p>"))
    }

    #[test]
    fn accepts_a_minimal_post() {
        let post = parse(r#"{"title": "Hello, world", "body": "hi"}"#).expect("valid");
        assert_eq!(post.write.slug, "hello-world");
        assert_eq!(post.write.body_html, "<p>hi</p>");
        assert_eq!(post.write.status, PostStatus::Published);
        assert_eq!(post.author_name.as_deref(), Some("Editor"));
    }

    #[test]
    fn names_the_wrong_field() {
        let err = parse(r#"{"title": "x", "source": {"url": "javascript:alert(1)"}}"#).expect_err("bad url");
        assert_eq!(err.field, "source.url");
        let err = parse(r#"{"title": "x", "status": "live"}"#).expect_err("bad status");
        assert_eq!(err.field, "status");
        assert!(err.reason.contains("published"), "{err}");
        let err = parse(r#"{"title": "x", "tags": [1]}"#).expect_err("bad tag");
        assert_eq!(err.field, "tags[0]");
        let err = parse(r#"{"title": "x", "comments": [{"body": "a", "parent": 1}]}"#).expect_err("self parent");
        assert_eq!(err.field, "comments[0].parent");
        let err = parse(r#"{"titel": "x"}"#).expect_err("typo");
        assert!(err.reason.contains("titel"), "{err}");
        let err = parse(r#"{"title": "x", "published_at": "yesterday"}"#).expect_err("bad time");
        assert_eq!(err.field, "published_at");
    }

    #[test]
    fn splits_category_paths() {
        let post = parse(r#"{"title": "x", "categories": ["World/Latin America"]}"#).expect("valid");
        assert_eq!(post.categories, vec![vec!["World".to_string(), "Latin America".to_string()]]);
    }
}
