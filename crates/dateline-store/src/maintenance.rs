//! Keeping a store sound for years: a consistent copy of a SQLite store taken while it serves,
//! and a check that says, in words, what is wrong with a store of either kind.

use std::path::Path;

use dateline_core::StoreError;
use dateline_core::store::StoreResult;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;

/// Counts that must be zero, each with what a non-zero count means.
const MUST_BE_NONE: &[(&str, &str)] = &[
    (
        "SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id)",
        "comments are on posts that do not exist",
    ),
    (
        "SELECT COUNT(*) FROM comments c WHERE c.parent_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = c.parent_id AND p.post_id = c.post_id)",
        "replies answer a comment that does not exist or is on another post",
    ),
    (
        "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.author_id)",
        "posts have an author who does not exist",
    ),
    (
        "SELECT COUNT(*) FROM post_terms pt WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = pt.post_id) \
         OR NOT EXISTS (SELECT 1 FROM terms t WHERE t.id = pt.term_id)",
        "category or tag links name a post or a term that does not exist",
    ),
];

/// Tables and the search index that must hold one entry per row of each.
const INDEXED: &[(&str, &str)] = &[("posts", "post_search"), ("comments", "comment_search")];

impl SqlStore {
    /// Writes a consistent copy of this SQLite store to `path`, which must not exist yet, while
    /// readers and writers go on: `VACUUM INTO` reads one snapshot and writes a compact file.
    pub async fn backup_sqlite(&self, path: &Path) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid("a PostgreSQL store is backed up with pg_dump".into()));
        }
        if path.exists() {
            return Err(StoreError::Invalid(format!("{} already exists: give a new file name", path.display())));
        }
        let target = path.to_str().ok_or_else(|| StoreError::Invalid(format!("{} is not a UTF-8 path", path.display())))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await.store_err()?;
        Ok(())
    }

    /// How many bytes the full-text search indexes take, and the whole store: on SQLite the
    /// pages of their FTS5 tables (`dbstat`), on PostgreSQL their relations with indexes and
    /// the database. What the indexes cost a blog on disk (issue 9's budget: at most 30 % on
    /// top of the rest), for `dateline check` and the search harness.
    pub async fn search_index_bytes(&self) -> StoreResult<(u64, u64)> {
        let sql = match self.backend {
            // GLOB, not LIKE: `_` is a wildcard to LIKE. The queue of posts due for the reader
            // index (and its index) counts too.
            Backend::Sqlite => {
                "SELECT (SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name GLOB 'post_search*' \
                 OR name GLOB 'reader_search*' OR name GLOB 'comment_search*'), \
                 (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size)"
            }
            Backend::Postgres => {
                "SELECT pg_total_relation_size('post_search') + pg_total_relation_size('comment_search'), \
                 pg_database_size(current_database())"
            }
        };
        let (index, store): (i64, i64) = sqlx::query_as(sql).fetch_one(&self.pool).await.store_err()?;
        Ok((u64::try_from(index).unwrap_or(0), u64::try_from(store).unwrap_or(0)))
    }

    /// What is wrong with the store, one sentence per problem; empty when nothing is. Looks at
    /// the file itself (SQLite's integrity and foreign key checks), the schema's version,
    /// rows that point at nothing, and the search indexes against what they index.
    pub async fn check(&self) -> StoreResult<Vec<String>> {
        let mut problems = Vec::new();
        if self.backend == Backend::Sqlite {
            let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await.store_err()?;
            if integrity != ["ok"] {
                problems.extend(integrity.into_iter().map(|line| format!("the database file is damaged: {line}")));
            }
            let broken: Vec<(String,)> =
                sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&self.pool).await.store_err()?;
            if !broken.is_empty() {
                problems.push(format!("{} rows refer to rows that do not exist (foreign keys), first in {}", broken.len(), broken[0].0));
            }
        }
        let versions = dateline_core::Store::schema_versions(self).await?;
        if versions.applied != versions.expected {
            problems.push(format!("the schema is at version {} and this binary expects {}", versions.applied, versions.expected));
        }
        for (sql, meaning) in MUST_BE_NONE {
            let count: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await.store_err()?;
            if count > 0 {
                problems.push(format!("{count} {meaning}"));
            }
        }
        for (table, index) in INDEXED {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await.store_err()?;
            let entries: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {index}")).fetch_one(&self.pool).await.store_err()?;
            if rows != entries {
                problems.push(format!("the search index {index} has {entries} entries for {rows} {table}"));
            }
        }
        if self.backend == Backend::Sqlite {
            // The reader index holds every post readers may see that is not queued for it.
            let readable: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM posts p WHERE {} \
                 AND NOT EXISTS (SELECT 1 FROM reader_search_pending q WHERE q.post_id = p.id)",
                crate::search::READABLE
            ))
            .fetch_one(&self.pool)
            .await
            .store_err()?;
            let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reader_search").fetch_one(&self.pool).await.store_err()?;
            if readable != entries {
                problems.push(format!("the search index reader_search has {entries} entries for {readable} posts readers may see"));
            }
        }
        if self.backend == Backend::Postgres {
            // Each post's entry says from when readers may see it, as its row does (0025).
            let wrong: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM post_search s JOIN posts p ON p.id = s.post_id \
                 WHERE s.readable_from IS DISTINCT FROM (CASE WHEN {} THEN p.published_at END)",
                crate::search::READABLE
            ))
            .fetch_one(&self.pool)
            .await
            .store_err()?;
            if wrong > 0 {
                problems.push(format!("the search index post_search has the wrong time readers may see {wrong} posts"));
            }
        }
        let hashes = || async {
            sqlx::query_scalar::<_, String>(
                "SELECT content_hash FROM media WHERE content_hash IS NOT NULL UNION SELECT content_hash FROM media_variants",
            )
            .fetch_all(&self.pool)
            .await
            .store_err()
        };
        // Uploads kept in a bucket: a HEAD per hash, one at a time (cheap for the stores this
        // is meant for; a very large library makes this a long check, not a heavy one).
        if let Some(objects) = &self.objects {
            let mut missing = Vec::new();
            for hash in hashes().await? {
                match objects.exists(&hash).await {
                    Ok(true) => {}
                    Ok(false) => missing.push(hash),
                    Err(err) => {
                        problems.push(format!("the media bucket could not be checked: {err}"));
                        break;
                    }
                }
            }
            if let Some(first) = missing.first() {
                problems.push(format!("{} uploaded files are missing from the media bucket (first: {first})", missing.len()));
            }
        }
        // Uploads kept as files (SQLite): every file a row names must be there.
        if let Some(dir) = &self.media_dir {
            let hashes = hashes().await?;
            let missing: Vec<&String> = hashes.iter().filter(|hash| !crate::stores::media::file_path(dir, hash).is_file()).collect();
            if let Some(first) = missing.first() {
                problems.push(format!("{} uploaded files are missing from {} (first: {first})", missing.len(), dir.display()));
            }
        }
        Ok(problems)
    }
}
