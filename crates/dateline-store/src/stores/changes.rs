//! [`ChangeStore`] on SQLite and PostgreSQL: word of every committed change, whoever made it.
//!
//! SQLite: `PRAGMA data_version` on a connection of the watch's own, which changes whenever
//! any other connection (in this process or another) commits to the file; it is read a few
//! times a second, which costs microseconds. PostgreSQL: `LISTEN dateline_changes_<schema>`, which the
//! triggers of migration 0006 notify on every committed write to what readers see (one
//! notification per transaction, however many rows it wrote). A PostgreSQL standby, which
//! hears no notifications, watches how far it has replayed the primary's log instead.

use std::time::Duration;

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{Connection, Row};

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::sql::Sql;

/// How often a polling watch (SQLite, a PostgreSQL standby) looks: well inside the second
/// within which another process's write must show.
const POLL: Duration = Duration::from_millis(100);

/// The PostgreSQL channel the triggers notify, followed by the schema's name.
const CHANNEL: &str = "dateline_changes_";

/// A statement that notifies this schema's channel with `payload` (SQL: `''` for "everything
/// changed", as the triggers say it, or a parameter).
pub(crate) fn notify_statement(payload: &str) -> String {
    format!("SELECT pg_notify('{CHANNEL}' || current_schema(), {payload})")
}

#[async_trait]
impl ChangeStore for SqlStore {
    async fn watch_changes(&self) -> StoreResult<Box<dyn ChangeWatch>> {
        match self.backend {
            Backend::Sqlite => Ok(Box::new(PollingWatch::start(self.connect_url.as_str(), DATA_VERSION).await?)),
            Backend::Postgres => {
                // A standby hears no notifications (NOTIFY is not replicated, LISTEN is refused
                // during recovery); the primary's writes reach it as replayed WAL instead.
                let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&self.pool).await.store_err()?;
                if in_recovery {
                    return Ok(Box::new(PollingWatch::start(self.connect_url.as_str(), REPLAYED_WAL).await?));
                }
                let schema = self
                    .postgres_schema()
                    .await?
                    .ok_or_else(|| StoreError::Invalid("the search_path names no schema that exists".into()))?;
                let mut listener = sqlx::postgres::PgListener::connect(self.connect_url.as_str()).await.store_err()?;
                listener.listen(&format!("{CHANNEL}{schema}")).await.store_err()?;
                Ok(Box::new(PostgresWatch { listener }))
            }
        }
    }

    async fn next_scheduled(&self, now: Timestamp) -> StoreResult<Option<Timestamp>> {
        let mut sql =
            Sql::new("SELECT MIN(published_at) AS next FROM posts WHERE status IN ('published', 'scheduled') AND published_at > ");
        sql.int(now.as_second());
        let row = self.read_row(sql.query()).await.store_err()?;
        let next: Option<i64> = row.try_get("next").store_err()?;
        Ok(next.map(crate::rows::time))
    }

    async fn mark_changes(&self, mark: &str) -> StoreResult<bool> {
        if self.backend != Backend::Postgres {
            return Ok(false);
        }
        // The triggers' notices carry no payload; a mark's always starts with MARK.
        sqlx::query(&notify_statement("$1")).bind(format!("{MARK}{mark}")).execute(&self.pool).await.store_err()?;
        Ok(true)
    }
}

/// What a mark's payload starts with (see [`ChangeStore::mark_changes`]).
const MARK: &str = "mark:";

/// SQLite: the file's `data_version`, which changes whenever another connection commits.
const DATA_VERSION: &str = "SELECT CAST(data_version AS TEXT) FROM pragma_data_version";

/// A PostgreSQL standby: how far it has replayed the primary's log. Any WAL replayed counts as
/// a change (the primary's writes to other schemas too: a page rendered once more).
const REPLAYED_WAL: &str = "SELECT COALESCE(pg_last_wal_replay_lsn()::text, '')";

/// A watch that asks one value, on a connection of its own, until it differs from the last.
struct PollingWatch {
    connection: sqlx::AnyConnection,
    query: &'static str,
    seen: String,
}

impl PollingWatch {
    async fn start(url: &str, query: &'static str) -> StoreResult<PollingWatch> {
        let mut connection = sqlx::AnyConnection::connect(url).await.store_err()?;
        let seen = ask(&mut connection, query).await?;
        Ok(PollingWatch { connection, query, seen })
    }
}

async fn ask(connection: &mut sqlx::AnyConnection, query: &str) -> StoreResult<String> {
    let row = sqlx::query(query).fetch_one(connection).await.store_err()?;
    row.try_get(0).store_err()
}

#[async_trait]
impl ChangeWatch for PollingWatch {
    async fn changed(&mut self) -> StoreResult<Change> {
        loop {
            tokio::time::sleep(POLL).await;
            if self.look().await? {
                return Ok(Change::Data);
            }
        }
    }

    async fn look(&mut self) -> StoreResult<bool> {
        let now = ask(&mut self.connection, self.query).await?;
        let changed = now != self.seen;
        self.seen = now;
        Ok(changed)
    }
}

struct PostgresWatch {
    listener: sqlx::postgres::PgListener,
}

#[async_trait]
impl ChangeWatch for PostgresWatch {
    async fn changed(&mut self) -> StoreResult<Change> {
        // `None`: the connection was lost and made again; what was said meanwhile is unknown,
        // so it counts as a change.
        let notice = self.listener.try_recv().await.store_err()?;
        Ok(match notice.as_ref().and_then(|notice| notice.payload().strip_prefix(MARK)) {
            Some(mark) => Change::Mark(mark.to_string()),
            None => Change::Data,
        })
    }

    async fn look(&mut self) -> StoreResult<bool> {
        Ok(false)
    }
}
