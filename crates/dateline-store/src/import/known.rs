//! What an import knows of the posts table without asking: every post's id, slug and source
//! key, read in one statement when the import begins and kept up to date by its own writes,
//! instead of three lookups a post. Nobody else changes posts meanwhile: on SQLite the import
//! holds the write gate, on PostgreSQL the slug lock (taken before this is read), which every
//! writer of a post takes first. An answer from here is only ever too careful: a slug that a
//! post of this import has since left still reads as taken, and is then asked of the store.

use std::collections::{HashMap, HashSet};

use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::{AnyConnection, Row};

use crate::connect::Backend;
use crate::error::OrStoreError;

#[derive(Default)]
pub(crate) struct KnownPosts {
    ids: HashSet<PostId>,
    by_key: HashMap<String, PostId>,
    /// Each slug's post (a slug is unique among posts and pages).
    slugs: HashMap<String, PostId>,
}

impl KnownPosts {
    pub(crate) async fn load(conn: &mut AnyConnection) -> StoreResult<KnownPosts> {
        let rows = sqlx::query("SELECT id, slug, source_key FROM posts").fetch_all(&mut *conn).await.store_err()?;
        let mut known = KnownPosts::default();
        for row in rows {
            let id: PostId = row.try_get("id").store_err()?;
            let key: Option<String> = row.try_get("source_key").store_err()?;
            known.remember(id, row.try_get("slug").store_err()?, key.as_deref());
        }
        Ok(known)
    }

    /// Whether any post came from an import (then this one may update earlier rows).
    pub(crate) fn any_imported(&self) -> bool {
        !self.by_key.is_empty()
    }

    /// The post imported under `key`.
    pub(crate) fn by_key(&self, key: &str) -> Option<PostId> {
        self.by_key.get(key).copied()
    }

    /// Whether no post has id `id`.
    pub(crate) fn id_free(&self, id: PostId) -> bool {
        !self.ids.contains(&id)
    }

    /// The post whose slug is `slug`.
    pub(crate) fn slug_holder(&self, slug: &str) -> Option<PostId> {
        self.slugs.get(slug).copied()
    }

    /// Notes a post just written.
    pub(crate) fn remember(&mut self, id: PostId, slug: String, key: Option<&str>) {
        self.ids.insert(id);
        self.slugs.insert(slug, id);
        if let Some(key) = key {
            self.by_key.insert(key.to_string(), id);
        }
    }
}

/// Every imported comment's id by its key, read when the import begins and given to each new
/// comment before it is written: a reply is then written with its parent's id (not linked by
/// a second write of its row in `finish`), and no id has to come back row by row. The ids
/// are the store's own: on PostgreSQL taken from the table's sequence (so other writers'
/// never meet them), on SQLite counted on from the largest given so far (the import's
/// transaction is the only writer).
#[derive(Default)]
pub(crate) struct KnownComments {
    by_key: HashMap<String, CommentId>,
    /// SQLite: the next id to give.
    next: i64,
}

impl KnownComments {
    pub(crate) async fn load(conn: &mut AnyConnection, backend: Backend) -> StoreResult<KnownComments> {
        let rows =
            sqlx::query("SELECT id, source_key FROM comments WHERE source_key IS NOT NULL").fetch_all(&mut *conn).await.store_err()?;
        let mut known = KnownComments::default();
        for row in rows {
            known.by_key.insert(row.try_get("source_key").store_err()?, row.try_get("id").store_err()?);
        }
        if backend == Backend::Sqlite {
            // AUTOINCREMENT never gives an id again, even one whose row is gone: start past both.
            let row = sqlx::query(
                "SELECT MAX(n) AS n FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = 'comments' \
                 UNION ALL SELECT MAX(id) FROM comments) AS ids",
            )
            .fetch_one(&mut *conn)
            .await
            .store_err()?;
            known.next = row.try_get::<Option<i64>, _>("n").store_err()?.unwrap_or(0) + 1;
        }
        Ok(known)
    }

    pub(crate) fn get(&self, key: &str) -> Option<CommentId> {
        self.by_key.get(key).copied()
    }

    /// Gives each of `keys` (none known yet) a new id.
    pub(crate) async fn give(&mut self, conn: &mut AnyConnection, backend: Backend, keys: &[&str]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let ids: Vec<CommentId> = match backend {
            Backend::Sqlite => {
                let first = self.next;
                self.next += keys.len() as i64;
                (first..self.next).collect()
            }
            Backend::Postgres => {
                // The sequence is looked up once: per id, its lookup was 3 % of PostgreSQL's time in an
                // import.
                sqlx::query_scalar(
                    "WITH s AS MATERIALIZED (SELECT CAST(pg_get_serial_sequence('comments', 'id') AS regclass) AS seq) \
                     SELECT nextval(s.seq) FROM s, generate_series(1, $1) ORDER BY 1",
                )
                .bind(keys.len() as i64)
                .fetch_all(&mut *conn)
                .await
                .store_err()?
            }
        };
        if ids.len() != keys.len() {
            return Err(StoreError::Backend(format!("{} comment ids given for {} comments", ids.len(), keys.len())));
        }
        for (key, id) in keys.iter().zip(ids) {
            self.by_key.insert((*key).to_string(), id);
        }
        Ok(())
    }
}
