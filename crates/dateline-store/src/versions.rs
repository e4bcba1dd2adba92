//! The versions the database keeps of what a post page shows, so that a page can keep what it
//! read and read it again only when it moved (docs/PERFORMANCE.md, "Stop 41").
//!
//! - A post's comments version (migration 0026): moved on every write to any of its comments,
//!   to a number never given before to any post.
//! - The content version (migration 0027): moved on every write to posts, terms, or posts'
//!   terms, reporters and outlets; what the navigation and the related posts show.
//!
//! Both are kept by triggers, so writes by another process, another instance or an SQL
//! console move them as Dateline's own writes do.

use dateline_core::{PageVersions, PostId};
use sqlx::Row;

use crate::sql::Sql;

/// A column of the content version, named `content_version`.
pub(crate) const CONTENT_VERSION_COLUMN: &str = "(SELECT cv.version FROM content_version cv) AS content_version";

/// A post's comments version is this, the post's id, then [`COMMENTS_VERSION_AFTER`] (0 when
/// none of its comments was ever written).
const COMMENTS_VERSION_BEFORE: &str = "COALESCE((SELECT v.version FROM comment_versions v WHERE v.post_id = ";
const COMMENTS_VERSION_AFTER: &str = "), 0)";

/// Appends the comments version of `post` (bound).
pub(crate) fn push_comments_version(sql: &mut Sql, post: PostId) {
    sql.push(COMMENTS_VERSION_BEFORE).int(post).push(COMMENTS_VERSION_AFTER);
}

/// The columns of both versions, for the post `p` of the statement (see
/// [`dateline_core::PostStore::post_page_by_slug`]).
pub(crate) fn page_columns() -> String {
    format!("{CONTENT_VERSION_COLUMN}, {COMMENTS_VERSION_BEFORE}p.id{COMMENTS_VERSION_AFTER} AS comments_version")
}

/// A row's [`CONTENT_VERSION_COLUMN`] where it may be missing: `None` when the version's row was
/// deleted by hand, and then nothing is kept by it (see `kept_totals`).
pub(crate) fn content_version(row: &sqlx::any::AnyRow) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>("content_version")
}

/// The versions of a row with the columns `content_version` and `comments_version`.
pub(crate) fn page_versions(row: &sqlx::any::AnyRow) -> Result<PageVersions, sqlx::Error> {
    Ok(PageVersions { content: row.try_get("content_version")?, comments: row.try_get("comments_version")? })
}
