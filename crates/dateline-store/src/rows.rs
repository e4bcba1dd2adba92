//! Decoding rows into domain types. Column lists live next to their decoders so the two
//! cannot drift apart.

use std::sync::LazyLock;

use crate::connect::Backend;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) fn time(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn parse_text<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| sqlx::Error::Decode(format!("unknown {column} {text:?}").into()))
}

/// What [`POST_COLUMNS_BEFORE_SOURCE`] and [`POST_COLUMNS_AFTER_SOURCE`] read from: the post, its author, and its outlet (at most one: the
/// link's key is the post), joined once instead of looked up per column.
const POST_FROM: &str = "FROM posts p JOIN users u ON u.id = p.author_id \
    LEFT JOIN post_outlets pol ON pol.post_id = p.id LEFT JOIN outlets ol ON ol.id = pol.outlet_id";

/// Columns of a post, its author and its outlet, from [`POST_FROM`]: these, the post's source
/// text (`body_source`, which a post only shown leaves unread: [`select_posts_to_show`]), then
/// [`POST_COLUMNS_AFTER_SOURCE`].
const POST_COLUMNS_BEFORE_SOURCE: &str = "p.id, p.kind, p.title, p.slug, p.dek";
const POST_COLUMNS_AFTER_SOURCE: &str = "p.body_format, p.body_html, p.status, \
    p.published_at, p.updated_at, p.sticky, p.comment_status, p.source_reporter, p.source_outlet, p.source_url, \
    p.source_headline, p.source_excerpt, p.source_continue_text, p.source_archive_url, p.excerpt, p.password, p.parent_id, p.menu_order, p.featured_media, \
    pol.outlet_id AS outlet_id, ol.name AS outlet_name, ol.slug AS outlet_slug, \
    p.source_words, p.quote_override_by, p.quote_override_at, p.quote_override_words, \
    (SELECT o.display_name FROM users o WHERE o.id = p.quote_override_by) AS quote_override_by_name, \
    u.id AS author_id, u.login AS author_login, u.display_name AS author_display_name, u.slug AS author_slug, \
    u.role AS author_role, u.email AS author_email_address";

/// A post's approved comments, counted (notes are not shown, so not counted).
const COMMENT_COUNT: &str = "(SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND c.status = 'approved' AND c.kind <> 'note')";

/// What a JSON array of links ([`links`]) holds of each post, from a subquery `x` of posts'
/// rows.
pub(crate) const LINK_COLUMNS: &str = "x.id, x.kind, x.title, x.slug, x.published_at";

/// Decodes a JSON array of links ([`LINK_COLUMNS`]).
pub(crate) fn links(text: &str) -> Result<Vec<PostLink>, sqlx::Error> {
    let links: Vec<(PostId, String, String, String, i64)> = crate::json_rows::decode(text)?;
    Ok(links
        .into_iter()
        .map(|(id, kind, title, slug, published_at)| PostLink {
            id,
            kind: PostKind::parse(&kind).unwrap_or(PostKind::Post),
            title,
            slug,
            published_at: time(published_at),
        })
        .collect())
}

/// The start of a statement reading whole posts: their columns, the post's terms and its
/// reporters as two JSON arrays (see [`crate::json_rows`]), and [`POST_FROM`]. One statement
/// reads a post whole: the terms read by a second one cost every post page a round trip to the
/// database (a hand-over to SQLite's worker thread and back; docs/PERFORMANCE.md, stop 30).
pub(crate) fn select_posts(backend: crate::connect::Backend) -> &'static str {
    // Made once per backend: every read of a post starts with it.
    static SQLITE: LazyLock<String> = LazyLock::new(|| select_posts_text(Backend::Sqlite, COMMENT_COUNT, SOURCE, ""));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| select_posts_text(Backend::Postgres, COMMENT_COUNT, SOURCE, ""));
    for_backend(backend, &SQLITE, &POSTGRES)
}

/// As [`select_posts_to_show`] (the source text left unread: readers' listings, feeds and the
/// dashboard never show it), with one more column: the content version, read in the same
/// statement as the posts, so that the listing may take its count from the one kept at that
/// version (see `kept_totals`).
pub(crate) fn select_listed_posts(backend: crate::connect::Backend) -> &'static str {
    fn text(backend: Backend) -> String {
        select_posts_text(backend, COMMENT_COUNT, UNREAD, &format!(", {}", crate::versions::CONTENT_VERSION_COLUMN))
    }
    static SQLITE: LazyLock<String> = LazyLock::new(|| text(Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| text(Backend::Postgres));
    for_backend(backend, &SQLITE, &POSTGRES)
}

/// As [`select_posts`] for a post's own page (see
/// [`dateline_core::PostStore::post_page_by_slug`]): the comments counted only for a post with
/// a password (`CASE` runs the count only then), the source text left unread, and the versions
/// and whether the source is gone read with the post.
pub(crate) fn select_post_page(backend: crate::connect::Backend) -> &'static str {
    fn text(backend: Backend) -> String {
        let page = format!(", {}, {} AS source_gone", crate::versions::page_columns(), crate::stores::post_source_gone());
        select_posts_text(backend, &locked_count(), UNREAD, &page)
    }
    static SQLITE: LazyLock<String> = LazyLock::new(|| text(Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| text(Backend::Postgres));
    for_backend(backend, &SQLITE, &POSTGRES)
}

/// As [`select_posts`], for posts that are only shown (a reader's search results): without
/// the editor's source text, `body_source` read as empty. A results page read its ten posts'
/// sources and copied them three times (SQLite, sqlx, the post) for nothing: 3 % of a new
/// search's server time (docs/PERFORMANCE.md, "Stop 40").
pub(crate) fn select_posts_to_show(backend: crate::connect::Backend) -> &'static str {
    static SQLITE: LazyLock<String> = LazyLock::new(|| select_posts_text(Backend::Sqlite, COMMENT_COUNT, UNREAD, ""));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| select_posts_text(Backend::Postgres, COMMENT_COUNT, UNREAD, ""));
    for_backend(backend, &SQLITE, &POSTGRES)
}

/// The text made for `backend`, of the two.
fn for_backend(backend: Backend, sqlite: &'static LazyLock<String>, postgres: &'static LazyLock<String>) -> &'static str {
    match backend {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    }
}

fn locked_count() -> String {
    format!("CASE WHEN p.password IS NULL THEN 0 ELSE {COMMENT_COUNT} END")
}

/// The post's source text, read.
const SOURCE: &str = "p.body_source";
/// The post's source text, left unread (for a post only shown).
const UNREAD: &str = "'' AS body_source";

/// The select of [`select_posts`] with `comment_count` and `source` as the columns of those
/// names, and the `more` columns (each after a comma) after the others.
fn select_posts_text(backend: crate::connect::Backend, comment_count: &str, source: &str, more: &str) -> String {
    use crate::json_rows::{array, tuple};
    // In no order: [`post`] sorts them (see [`terms_array`]).
    let terms = terms_array(backend);
    let reporters = array(backend, &tuple(backend, "r.id, r.name, r.slug, pr.position"));
    format!(
        "SELECT {POST_COLUMNS_BEFORE_SOURCE}, {source}, {POST_COLUMNS_AFTER_SOURCE}, {comment_count} AS comment_count, \
         (SELECT {terms} FROM post_terms pt JOIN terms t ON t.id = pt.term_id WHERE pt.post_id = p.id) AS terms_json, \
         (SELECT {reporters} FROM post_reporters pr JOIN reporters r ON r.id = pr.reporter_id WHERE pr.post_id = p.id) AS reporters_json{more} \
         {POST_FROM}"
    )
}

/// Decodes a row selected with [`select_posts`].
pub(crate) fn post(row: &AnyRow) -> Result<Post, sqlx::Error> {
    let excerpt: Option<String> = row.try_get("source_excerpt")?;
    let excerpt: Vec<String> = match excerpt {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        None => Vec::new(),
    };
    let source = Source {
        reporter: row.try_get("source_reporter")?,
        outlet: row.try_get("source_outlet")?,
        url: row.try_get("source_url")?,
        headline: row.try_get("source_headline")?,
        excerpt,
        continue_reading_text: row.try_get("source_continue_text")?,
        archive_url: row.try_get("source_archive_url")?,
        words: count(row, "source_words")?,
    };
    let quote_override = match row.try_get::<Option<i64>, _>("quote_override_at")? {
        Some(at) => Some(QuoteOverride {
            by: row.try_get("quote_override_by")?,
            by_name: row.try_get("quote_override_by_name")?,
            at: time(at),
            words: count(row, "quote_override_words")?.unwrap_or(0),
        }),
        None => None,
    };
    let (categories, tags) = terms(&row.try_get::<String, _>("terms_json")?)?.into_iter().partition(|t| t.taxonomy == Taxonomy::Category);
    // In the order the attribution line names them.
    let mut reporters = crate::json_rows::decode::<(i64, String, String, i64)>(&row.try_get::<String, _>("reporters_json")?)?;
    reporters.sort_by_key(|&(id, _, _, position)| (position, id));
    let reporters = reporters.into_iter().map(|(id, name, slug, _)| BylineRef { id, name, slug }).collect();
    Ok(Post {
        id: row.try_get("id")?,
        kind: parse_text(row, "kind", PostKind::parse)?,
        title: row.try_get("title")?,
        slug: row.try_get("slug")?,
        dek: row.try_get("dek")?,
        body_source: row.try_get("body_source")?,
        body_format: BodyFormat::parse(&row.try_get::<String, _>("body_format")?),
        body_html: row.try_get("body_html")?,
        source: (!source.is_empty()).then_some(source),
        status: parse_text(row, "status", PostStatus::parse)?,
        published_at: time(row.try_get("published_at")?),
        updated_at: time(row.try_get("updated_at")?),
        author: User {
            id: row.try_get("author_id")?,
            login: row.try_get("author_login")?,
            display_name: row.try_get("author_display_name")?,
            slug: row.try_get("author_slug")?,
            role: parse_text(row, "author_role", Role::parse)?,
            email: row.try_get("author_email_address")?,
        },
        sticky: row.try_get::<i64, _>("sticky")? != 0,
        discussion: parse_text(row, "comment_status", Discussion::parse)?,
        categories,
        tags,
        outlet: match row.try_get::<Option<i64>, _>("outlet_id")? {
            Some(id) => Some(BylineRef { id, name: row.try_get("outlet_name")?, slug: row.try_get("outlet_slug")? }),
            None => None,
        },
        reporters,
        comment_count: row.try_get("comment_count")?,
        excerpt: row.try_get("excerpt")?,
        password: row.try_get("password")?,
        parent_id: row.try_get("parent_id")?,
        menu_order: row.try_get("menu_order")?,
        quote_override,
        featured_media: row.try_get("featured_media")?,
    })
}

/// A count of words kept as an integer column (`None`: NULL); one out of range (written by
/// hand) reads as unknown rather than failing the post.
fn count(row: &AnyRow, column: &str) -> Result<Option<u32>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(column)?.and_then(|n| u32::try_from(n).ok()))
}

pub(crate) const TERM_COLUMNS: &str = "t.id, t.taxonomy, t.name, t.slug, t.description, t.parent_id";

/// The aggregate of the terms `t` a subquery selects, as one JSON array of [`TERM_COLUMNS`]
/// (see [`crate::json_rows`]), in no order: [`terms`] sorts them. A row through sqlx per term
/// cost a cold post page 7 % of its instructions (docs/PERFORMANCE.md, stop 29); an `ORDER BY`
/// inside the aggregate made SQLite build a temporary b-tree for it, twice for every post read
/// with its reporters' (a tenth of a search's statement, which reads ten posts: "Stop 39").
pub(crate) fn terms_array(backend: crate::connect::Backend) -> String {
    crate::json_rows::array(backend, &crate::json_rows::tuple(backend, TERM_COLUMNS))
}

/// Decodes a [`terms_array`], by name (as texts compare, byte by byte, whatever the
/// database's collation), then id.
pub(crate) fn terms(text: &str) -> Result<Vec<Term>, sqlx::Error> {
    let tuples: Vec<(TermId, String, String, String, String, Option<TermId>)> = crate::json_rows::decode(text)?;
    let mut terms = tuples
        .into_iter()
        .map(|(id, taxonomy, name, slug, description, parent_id)| {
            let taxonomy =
                Taxonomy::parse(&taxonomy).ok_or_else(|| sqlx::Error::Decode(format!("unknown taxonomy {taxonomy:?}").into()))?;
            Ok(Term { id, taxonomy, name, slug, description, parent_id })
        })
        .collect::<Result<Vec<Term>, sqlx::Error>>()?;
    terms.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(terms)
}

pub(crate) fn term(row: &AnyRow) -> Result<Term, sqlx::Error> {
    Ok(Term {
        id: row.try_get("id")?,
        taxonomy: parse_text(row, "taxonomy", Taxonomy::parse)?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        description: row.try_get("description")?,
        parent_id: row.try_get("parent_id")?,
    })
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.slug, u.role, u.email";

pub(crate) fn user(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        slug: row.try_get("slug")?,
        role: parse_text(row, "role", Role::parse)?,
        email: row.try_get("email")?,
    })
}

pub(crate) const COMMENT_COLUMNS: &str = "c.id, c.post_id, c.parent_id, c.kind, c.author_name, c.author_email, c.author_url, \
    c.author_ip, c.user_agent, c.body, c.status, c.created_at, c.moderation_reason, c.spam_score, c.notify, \
    c.user_id, c.status_before_trash, c.body_format";

/// A comment as [`crate::json_rows::tuple`] writes [`COMMENT_COLUMNS`]: for reading many at
/// once. serde reads a struct from a JSON array field by field, so the fields are declared in
/// the columns' order. An array without the columns' names is about half the text of an
/// object keyed by them, and PostgreSQL built it in 3.2 ms for 300 comments against 5.7 ms.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CommentRecord {
    id: CommentId,
    post_id: PostId,
    parent_id: Option<CommentId>,
    kind: String,
    author_name: Option<String>,
    author_email: Option<String>,
    author_url: Option<String>,
    author_ip: Option<String>,
    user_agent: Option<String>,
    body: String,
    status: String,
    created_at: i64,
    moderation_reason: Option<String>,
    spam_score: Option<f64>,
    notify: i64,
    user_id: Option<UserId>,
    status_before_trash: Option<String>,
    body_format: String,
}

impl TryFrom<CommentRecord> for Comment {
    type Error = sqlx::Error;

    fn try_from(record: CommentRecord) -> Result<Comment, sqlx::Error> {
        let unknown = |column: &str, text: &str| sqlx::Error::Decode(format!("unknown {column} {text:?}").into());
        Ok(Comment {
            id: record.id,
            post_id: record.post_id,
            parent_id: record.parent_id,
            kind: CommentKind::parse(&record.kind).ok_or_else(|| unknown("kind", &record.kind))?,
            author_name: record.author_name,
            author_email: record.author_email,
            author_url: record.author_url,
            author_ip: record.author_ip,
            user_agent: record.user_agent,
            body: record.body,
            body_format: BodyFormat::parse(&record.body_format),
            status: CommentStatus::parse(&record.status).ok_or_else(|| unknown("status", &record.status))?,
            created_at: time(record.created_at),
            moderation_reason: record.moderation_reason,
            spam_score: record.spam_score,
            notify: record.notify != 0,
            user_id: record.user_id,
            status_before_trash: record.status_before_trash.as_deref().and_then(CommentStatus::parse),
        })
    }
}

/// Decodes the comments of a JSON array of [`CommentRecord`]s.
pub(crate) fn comments_from_json(text: &str) -> Result<Vec<Comment>, sqlx::Error> {
    crate::json_rows::decode::<CommentRecord>(text)?.into_iter().map(Comment::try_from).collect()
}

pub(crate) fn comment(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: row.try_get("id")?,
        post_id: row.try_get("post_id")?,
        parent_id: row.try_get("parent_id")?,
        kind: parse_text(row, "kind", CommentKind::parse)?,
        author_name: row.try_get("author_name")?,
        author_email: row.try_get("author_email")?,
        author_url: row.try_get("author_url")?,
        author_ip: row.try_get("author_ip")?,
        user_agent: row.try_get("user_agent")?,
        body: row.try_get("body")?,
        body_format: BodyFormat::parse(&row.try_get::<String, _>("body_format")?),
        status: parse_text(row, "status", CommentStatus::parse)?,
        created_at: time(row.try_get("created_at")?),
        moderation_reason: row.try_get("moderation_reason")?,
        spam_score: row.try_get("spam_score")?,
        notify: row.try_get::<i64, _>("notify")? != 0,
        user_id: row.try_get("user_id")?,
        status_before_trash: row.try_get::<Option<String>, _>("status_before_trash")?.as_deref().and_then(CommentStatus::parse),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON array of a comment holds [`COMMENT_COLUMNS`] in order and [`CommentRecord`]
    /// reads its fields in declaration order: a field out of place would read a neighbour's
    /// value (two texts side by side would even decode without an error).
    #[test]
    fn a_comment_record_reads_the_columns_in_their_order() {
        let values: Vec<serde_json::Value> = COMMENT_COLUMNS
            .split(',')
            .map(|column| column.trim().trim_start_matches("c."))
            .map(|name| match name {
                "id" => serde_json::json!(1),
                "post_id" => serde_json::json!(2),
                "parent_id" => serde_json::json!(3),
                "kind" => serde_json::json!("pingback"),
                "status" => serde_json::json!("trash"),
                "status_before_trash" => serde_json::json!("spam"),
                "created_at" => serde_json::json!(4),
                "spam_score" => serde_json::json!(0.5),
                "notify" => serde_json::json!(1),
                "user_id" => serde_json::json!(5),
                "body_format" => serde_json::json!("html"),
                text => serde_json::json!(text),
            })
            .collect();
        let text = serde_json::json!([values]).to_string();
        let comments = comments_from_json(&text).expect("decodes");
        let c = &comments[0];
        assert_eq!((c.id, c.post_id, c.parent_id, c.user_id), (1, 2, Some(3), Some(5)));
        assert_eq!((c.kind, c.status, c.status_before_trash), (CommentKind::Pingback, CommentStatus::Trash, Some(CommentStatus::Spam)));
        assert_eq!((c.created_at.as_second(), c.spam_score, c.notify, c.body_format), (4, Some(0.5), true, BodyFormat::Html));
        let texts = [&c.author_name, &c.author_email, &c.author_url, &c.author_ip, &c.user_agent, &c.moderation_reason];
        let names = ["author_name", "author_email", "author_url", "author_ip", "user_agent", "moderation_reason"];
        for (text, name) in texts.into_iter().zip(names) {
            assert_eq!(text.as_deref(), Some(name));
        }
        assert_eq!(c.body, "body");
    }

    #[test]
    fn posts_to_show_leave_their_source_unread() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let text = select_posts_to_show(backend);
            assert!(!text.contains("p.body_source") && text.contains("'' AS body_source"), "{text}");
            assert_eq!(text.replacen("'' AS body_source", "p.body_source", 1), select_posts(backend));
        }
    }

    #[test]
    fn listed_posts_are_posts_to_show_with_the_content_version() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let text = select_listed_posts(backend);
            let version = format!(", {}", crate::versions::CONTENT_VERSION_COLUMN);
            assert_eq!(text.replacen(&version, "", 1), select_posts_to_show(backend), "{text}");
        }
    }
}
