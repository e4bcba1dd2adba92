//! Schema migrations, embedded in the binary. A small runner of our own instead of
//! `sqlx::migrate!`: the macro needs sqlx's compile-time machinery (a heavy build), and we
//! need a PostgreSQL advisory lock so several instances starting at once migrate only once.

use sqlx::{AnyConnection, Connection};

use crate::connect::Backend;

/// One schema change: applied once, in version order, inside a transaction.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// The file name without extension, e.g. `0001_content`; the same in both trees.
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),+ $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $name, ".sql")),
        }),+]
    };
}

pub const MIGRATIONS_SQLITE: &[Migration] = migrations!("sqlite": 1 "0001_content", 2 "0002_discussion", 3 "0003_import", 4 "0004_accounts", 5 "0005_comment_details", 6 "0006_change_notices", 7 "0007_search", 8 "0008_quote", 9 "0009_sources", 10 "0010_outlets", 11 "0011_media", 12 "0012_embeds", 13 "0013_media_sources", 15 "0015_embed_thumbnails", 16 "0016_front_page_index", 17 "0017_comment_threads_index", 18 "0018_comment_revisions", 19 "0019_related_visibility_index", 20 "0020_reader_search", 21 "0021_reader_phrases", 22 "0022_reader_search_words", 23 "0023_readable_visibility_index", 24 "0024_merged_search_segments", 25 "0025_search_readable_from", 26 "0026_comment_versions", 27 "0027_content_version");
pub const MIGRATIONS_POSTGRES: &[Migration] = migrations!("postgres": 1 "0001_content", 2 "0002_discussion", 3 "0003_import", 4 "0004_accounts", 5 "0005_comment_details", 6 "0006_change_notices", 7 "0007_search", 8 "0008_quote", 9 "0009_sources", 10 "0010_outlets", 11 "0011_media", 12 "0012_embeds", 13 "0013_media_sources", 15 "0015_embed_thumbnails", 16 "0016_front_page_index", 17 "0017_comment_threads_index", 18 "0018_comment_revisions", 19 "0019_related_visibility_index", 20 "0020_reader_search", 21 "0021_reader_phrases", 22 "0022_reader_search_words", 23 "0023_readable_visibility_index", 24 "0024_merged_search_segments", 25 "0025_search_readable_from", 26 "0026_comment_versions", 27 "0027_content_version");

/// Key of the PostgreSQL advisory lock held while migrating ("dateline" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x6461_7465_6c69_6e65;

/// Applies every migration the database has not seen yet.
pub(crate) async fn run(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    let migrations = match backend {
        Backend::Sqlite => MIGRATIONS_SQLITE,
        Backend::Postgres => MIGRATIONS_POSTGRES,
    };
    // SQLite: the write lock first, so processes starting together on one file wait in turn.
    let mut tx = match backend {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => conn.begin().await?,
    };
    if backend == Backend::Postgres {
        // Held until commit: a second instance waits here, then finds nothing left to do.
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK_KEY).execute(&mut *tx).await?;
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dateline_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM dateline_migrations").fetch_all(&mut *tx).await?;
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        tracing::info!(version = migration.version, name = migration.name, "applying migration");
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
        // The search index is filled by Dateline (it folds the words itself), in the same
        // transaction, so a blog never has an index that is there but empty.
        if migration.name == "0007_search" {
            crate::search::reindex_all(&mut tx, crate::search::ReaderIndex::Absent).await?;
        }
        // Existing posts are linked to the outlets and reporters they name, as every write
        // links them from now on.
        if migration.name == "0010_outlets" {
            crate::bylines::link_all(&mut tx).await.map_err(|err| sqlx::Error::Protocol(format!("linking bylines: {err}")))?;
        }
        // SQLite's reader index: these migrations queued every post readers may see at some
        // time; those they may see now are indexed here.
        if matches!(migration.name, "0020_reader_search" | "0021_reader_phrases") && backend == Backend::Sqlite {
            crate::search::flush_readers(&mut tx, jiff::Timestamp::now().as_second()).await?;
        }
        sqlx::query("INSERT INTO dateline_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(jiff::Timestamp::now().as_second())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
