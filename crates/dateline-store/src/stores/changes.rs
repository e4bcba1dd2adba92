//! [`ChangeStore`] on SQLite and PostgreSQL: word of every committed change, whoever made it.
//!
//! SQLite: `PRAGMA data_version` on a connection of the watch's own, which changes whenever
//! any other connection (in this process or another) commits to the file; it is read a few
//! times a second, which costs microseconds. PostgreSQL: `LISTEN dateline_changes_<schema>`, which the
//! triggers of migration 0006 notify on every committed write to what readers see (one
//! notification per transaction, however many rows it wrote).

use std::time::Duration;

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{Connection, Row};

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::sql::Sql;

/// How often the SQLite watch looks at `data_version`: well inside the second within which
/// another process's write must show.
const SQLITE_POLL: Duration = Duration::from_millis(100);

/// The PostgreSQL channel the triggers notify, followed by the schema's name.
const CHANNEL: &str = "dateline_changes_";

#[async_trait]
impl ChangeStore for SqlStore {
    async fn watch_changes(&self) -> StoreResult<Box<dyn ChangeWatch>> {
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::AnyConnection::connect(self.connect_url.as_str()).await.store_err()?;
                let seen = data_version(&mut connection).await?;
                Ok(Box::new(SqliteWatch { connection, seen }))
            }
            Backend::Postgres => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&self.pool).await.store_err()?;
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
        let row = sql.query().fetch_one(&self.pool).await.store_err()?;
        let next: Option<i64> = row.try_get("next").store_err()?;
        Ok(next.map(crate::rows::time))
    }
}

struct SqliteWatch {
    connection: sqlx::AnyConnection,
    seen: i64,
}

async fn data_version(connection: &mut sqlx::AnyConnection) -> StoreResult<i64> {
    let row = sqlx::query("PRAGMA data_version").fetch_one(connection).await.store_err()?;
    row.try_get(0).store_err()
}

#[async_trait]
impl ChangeWatch for SqliteWatch {
    async fn changed(&mut self) -> StoreResult<()> {
        loop {
            tokio::time::sleep(SQLITE_POLL).await;
            if self.look().await? {
                return Ok(());
            }
        }
    }

    async fn look(&mut self) -> StoreResult<bool> {
        let now = data_version(&mut self.connection).await?;
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
    async fn changed(&mut self) -> StoreResult<()> {
        // `None`: the connection was lost and made again; what was said meanwhile is unknown,
        // so it counts as a change.
        self.listener.try_recv().await.store_err().map(|_| ())
    }

    async fn look(&mut self) -> StoreResult<bool> {
        Ok(false)
    }
}
