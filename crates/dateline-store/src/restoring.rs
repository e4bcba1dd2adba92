//! What a restore asks of the store around putting a backup back: which PostgreSQL schema the
//! blog lives in (a backup copies that schema alone), and the numbers instances keep pages'
//! parts by.
//!
//! A running instance keeps a post's comments by the post's comments version, the navigation
//! and related posts by the content version (`versions.rs`), and each rendered comment thread
//! by its comments' ids and revisions (migration 0018). A restore puts all of these back to
//! what they were when the backup was taken, and the next writes would give numbers again
//! that the store gave after that moment, to other states: an instance would show what it
//! kept by them. So the highest numbers are read before the restore, every one is moved past
//! them after it, and every instance on the database is told that everything changed.

use dateline_core::store::StoreResult;
use sqlx::Row;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::stores::changes::CHANNEL;

/// The highest numbers a store had given, read before a restore (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivenNumbers {
    pub content_version: i64,
    pub comments_version: i64,
    pub comment_id: i64,
    pub comment_revision: i64,
}

/// The statements that read [`GivenNumbers`], one column each.
const GIVEN_POSTGRES: &str = "SELECT (SELECT version FROM content_version) AS content_version, \
     GREATEST((SELECT last_value FROM comment_version_numbers), (SELECT MAX(version) FROM comment_versions)) AS comments_version, \
     GREATEST(pg_sequence_last_value(pg_get_serial_sequence('comments', 'id')::regclass), (SELECT MAX(id) FROM comments)) AS comment_id, \
     (SELECT MAX(revision) FROM comments) AS comment_revision";
// A comments version is one more than the highest row's (no row is ever removed); a comment's
// id one more than the highest ever given (AUTOINCREMENT), which `sqlite_sequence` keeps.
const GIVEN_SQLITE: &str = "SELECT (SELECT version FROM content_version) AS content_version, \
     (SELECT MAX(version) FROM comment_versions) AS comments_version, \
     MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'comments'), 0), COALESCE((SELECT MAX(id) FROM comments), 0)) AS comment_id, \
     (SELECT MAX(revision) FROM comments) AS comment_revision";

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
        let sql = match self.backend {
            Backend::Postgres => GIVEN_POSTGRES,
            Backend::Sqlite => GIVEN_SQLITE,
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await.store_err()?;
        let read = |name: &str| row.try_get::<Option<i64>, _>(name).map(Option::unwrap_or_default).store_err();
        Ok(GivenNumbers {
            content_version: read("content_version")?,
            comments_version: read("comments_version")?,
            comment_id: read("comment_id")?,
            comment_revision: read("comment_revision")?,
        })
    }

    /// Moves every version, the next comment's id and every comment's revision past `given`
    /// (so that none is a number given before), in one transaction, and on PostgreSQL tells
    /// every instance listening on this schema that everything changed (at commit, as the
    /// triggers do).
    pub async fn move_past(&self, given: GivenNumbers) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.store_err()?;
        let notify = format!("SELECT pg_notify('{CHANNEL}' || current_schema(), '')");
        // Each statement with the number it binds as $1, if any. Revisions first: their
        // update moves the comments versions, which are then moved past `given` after it.
        let revisions = Some(given.comment_revision + 1);
        let (ids, content, comments) = (Some(given.comment_id), Some(given.content_version), Some(given.comments_version));
        let statements: &[(&str, Option<i64>)] = match self.backend {
            Backend::Postgres => &[
                // The trigger would make each revision one more than it was, whatever is set.
                ("ALTER TABLE comments DISABLE TRIGGER comments_revision", None),
                ("UPDATE comments SET revision = revision + $1", revisions),
                ("ALTER TABLE comments ENABLE TRIGGER comments_revision", None),
                ("SELECT setval(pg_get_serial_sequence('comments', 'id'), GREATEST((SELECT MAX(id) FROM comments), $1, 1))", ids),
                ("UPDATE content_version SET version = GREATEST(version, $1) + 1", content),
                (
                    "SELECT setval('comment_version_numbers', GREATEST((SELECT last_value FROM comment_version_numbers), \
                     (SELECT MAX(version) FROM comment_versions), $1))",
                    comments,
                ),
                // Each post's comments get a new number, in one order, as the triggers give them.
                (
                    "UPDATE comment_versions v SET version = n.version FROM \
                     (SELECT post_id, nextval('comment_version_numbers') AS version FROM \
                     (SELECT post_id FROM comment_versions ORDER BY post_id) o) n WHERE v.post_id = n.post_id",
                    None,
                ),
                (notify.as_str(), None),
            ],
            Backend::Sqlite => &[
                // Setting the revision itself keeps the trigger (WHEN it is unchanged) out.
                ("UPDATE comments SET revision = revision + $1", revisions),
                (
                    "INSERT INTO sqlite_sequence (name, seq) SELECT 'comments', 0 WHERE NOT EXISTS \
                  (SELECT 1 FROM sqlite_sequence WHERE name = 'comments')",
                    None,
                ),
                ("UPDATE sqlite_sequence SET seq = MAX(seq, $1) WHERE name = 'comments'", ids),
                ("UPDATE content_version SET version = MAX(version, $1) + 1", content),
                // Adding the old highest keeps every version its own and puts each past it.
                ("UPDATE comment_versions SET version = version + $1", comments),
            ],
        };
        for (statement, number) in statements {
            let query = sqlx::query(statement);
            let query = match number {
                Some(number) => query.bind(*number),
                None => query,
            };
            query.execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()
    }
}
