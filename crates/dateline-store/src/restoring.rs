//! What a restore asks of the store around putting a backup back: which PostgreSQL schema the
//! blog lives in (a backup copies that schema alone), and the numbers instances keep pages'
//! parts by.
//!
//! A running instance keeps a post's comments by the post's comments version, the navigation
//! and related posts by the content version (`versions.rs`), and each rendered comment thread
//! by its comments' ids and revisions (migration 0018). A restore puts all of these back to
//! what they were when the backup was taken, and the next writes would give numbers again
//! that the store gave after that moment, to other states: an instance would show what it
//! kept by them. So the highest numbers are read before the restore and every one is moved
//! past them after it, and every instance on the database is told that everything changed.
//! A PostgreSQL restore does both inside its own transaction, with the numbers' tables locked
//! (`pg_copy.rs` in the binary); [`SqlStore::move_past`] does it once the restored store has
//! migrated when the backup, taken by an older version, lacked those tables. A SQLite store is
//! not restored while a server runs on it, so nothing kept outlives its restore; the moves are
//! the same there, so that both stores keep one contract.

use dateline_core::store::StoreResult;
use sqlx::Row;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::stores::changes::notify_statement;

/// The highest numbers a store had given, read before a restore (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivenNumbers {
    /// The content version.
    pub content_version: i64,
    /// The highest comments version of any post (on PostgreSQL, the sequence's last number).
    pub comments_version: i64,
    /// The highest comment id (on PostgreSQL, the id sequence's last number; on SQLite, the
    /// highest AUTOINCREMENT has given, which outlives a deleted comment).
    pub comment_id: i64,
    /// The highest revision of a comment that still exists.
    pub comment_revision: i64,
}

impl GivenNumbers {
    /// The numbers `value` gives for each of them, or its first error.
    pub fn from_each<E>(mut value: impl FnMut(Given) -> Result<i64, E>) -> Result<GivenNumbers, E> {
        Ok(GivenNumbers {
            content_version: value(Given::ContentVersion)?,
            comments_version: value(Given::CommentsVersion)?,
            comment_id: value(Given::CommentId)?,
            comment_revision: value(Given::CommentRevision)?,
        })
    }
}

/// One of [`GivenNumbers`], as a statement of [`move_past_statements`] names it (declared in
/// the order of [`Given::ALL`], so `given as usize` is its place there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    ContentVersion,
    CommentsVersion,
    CommentId,
    CommentRevision,
}

impl Given {
    /// Each of them, in the order of [`GivenNumbers`]' fields.
    pub const ALL: [Given; 4] = [Given::ContentVersion, Given::CommentsVersion, Given::CommentId, Given::CommentRevision];

    /// Its column in [`given_numbers_sql`].
    pub fn column(self) -> &'static str {
        match self {
            Given::ContentVersion => "content_version",
            Given::CommentsVersion => "comments_version",
            Given::CommentId => "comment_id",
            Given::CommentRevision => "comment_revision",
        }
    }

    pub fn of(self, numbers: &GivenNumbers) -> i64 {
        match self {
            Given::ContentVersion => numbers.content_version,
            Given::CommentsVersion => numbers.comments_version,
            Given::CommentId => numbers.comment_id,
            Given::CommentRevision => numbers.comment_revision,
        }
    }
}

/// The statement that reads [`GivenNumbers`], one column each ([`Given::column`]).
pub fn given_numbers_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            "SELECT COALESCE((SELECT version FROM content_version), 0) AS content_version, \
             COALESCE(GREATEST((SELECT last_value FROM comment_version_numbers), (SELECT MAX(version) FROM comment_versions)), 0) \
             AS comments_version, \
             COALESCE(GREATEST(pg_sequence_last_value(pg_get_serial_sequence('comments', 'id')::regclass), \
             (SELECT MAX(id) FROM comments)), 0) AS comment_id, \
             COALESCE((SELECT MAX(revision) FROM comments), 0) AS comment_revision"
        }
        // A comments version is one more than the highest row's (no row is ever removed); a
        // comment's id one more than the highest ever given (AUTOINCREMENT, `sqlite_sequence`).
        Backend::Sqlite => {
            "SELECT COALESCE((SELECT version FROM content_version), 0) AS content_version, \
             COALESCE((SELECT MAX(version) FROM comment_versions), 0) AS comments_version, \
             MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'comments'), 0), \
             COALESCE((SELECT MAX(id) FROM comments), 0)) AS comment_id, \
             COALESCE((SELECT MAX(revision) FROM comments), 0) AS comment_revision"
        }
    }
}

/// The tables the numbers live in, locked in this order by whatever moves them: the order
/// writers take them in (a post's write takes the content version first; a comment's write
/// takes the comments, then their version), so that moving them never deadlocks a writer.
pub const NUMBERS_TABLES: &str = "content_version, comments, comment_versions";

/// The statements that move every number past the given ones, each number written by
/// `number` (a literal, or a psql variable). Revisions first: their update moves the comments
/// versions, which are then moved past the given ones after it.
///
/// Every revision becomes one more than the highest comments version or revision given: the
/// highest revision of a comment deleted since is not known, but each change of a comment
/// also gave its post a new comments version (migration 0026), so none passed that.
pub fn move_past_statements(backend: Backend, number: impl Fn(Given) -> String) -> Vec<String> {
    let greatest = match backend {
        Backend::Postgres => "GREATEST",
        Backend::Sqlite => "MAX",
    };
    let revision = format!("{greatest}({}, {}) + 1", number(Given::CommentsVersion), number(Given::CommentRevision));
    let (id, content, comments) = (number(Given::CommentId), number(Given::ContentVersion), number(Given::CommentsVersion));
    match backend {
        Backend::Postgres => vec![
            format!("LOCK TABLE {NUMBERS_TABLES} IN ACCESS EXCLUSIVE MODE"),
            // The trigger would make each revision one more than it was, whatever is set.
            "ALTER TABLE comments DISABLE TRIGGER comments_revision".into(),
            format!("UPDATE comments SET revision = {revision}"),
            "ALTER TABLE comments ENABLE TRIGGER comments_revision".into(),
            format!("SELECT setval(pg_get_serial_sequence('comments', 'id'), GREATEST((SELECT MAX(id) FROM comments), {id}, 1))"),
            format!("UPDATE content_version SET version = GREATEST(version, {content}) + 1"),
            format!(
                "SELECT setval('comment_version_numbers', GREATEST((SELECT last_value FROM comment_version_numbers), \
                 (SELECT MAX(version) FROM comment_versions), {comments}, 1))"
            ),
            // Each post's comments get a new number, in one order, as the triggers give them.
            "UPDATE comment_versions v SET version = n.version FROM \
             (SELECT post_id, nextval('comment_version_numbers') AS version FROM \
             (SELECT post_id FROM comment_versions ORDER BY post_id) o) n WHERE v.post_id = n.post_id"
                .into(),
            notify_statement("''"),
        ],
        Backend::Sqlite => vec![
            // Setting the revision itself keeps the trigger (WHEN it is unchanged) out.
            format!("UPDATE comments SET revision = {revision}"),
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'comments', 0 \
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'comments')"
                .into(),
            format!("UPDATE sqlite_sequence SET seq = MAX(seq, {id}) WHERE name = 'comments'"),
            format!("UPDATE content_version SET version = MAX(version, {content}) + 1"),
            // Adding the old highest keeps every version its own and puts each past it.
            format!("UPDATE comment_versions SET version = version + {comments}"),
        ],
    }
}

impl SqlStore {
    /// The PostgreSQL schema the blog's tables are in (`None` on SQLite).
    pub async fn postgres_schema(&self) -> StoreResult<Option<String>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&self.pool).await.store_err()?;
        Ok(schema)
    }

    /// The highest versions, comment id and comment revision this store has given so far.
    pub async fn given_numbers(&self) -> StoreResult<GivenNumbers> {
        let row = sqlx::query(given_numbers_sql(self.backend)).fetch_one(&self.pool).await.store_err()?;
        GivenNumbers::from_each(|given| row.try_get::<i64, _>(given.column())).store_err()
    }

    /// Moves every version, the next comment's id and every comment's revision past `given`
    /// (so that none is a number given before), in one transaction, and on PostgreSQL tells
    /// every instance listening on this schema that everything changed (at commit, as the
    /// triggers do).
    pub async fn move_past(&self, given: GivenNumbers) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.store_err()?;
        for statement in move_past_statements(self.backend, |number| number.of(&given).to_string()) {
            sqlx::query(&statement).execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()
    }
}
