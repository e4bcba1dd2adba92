//! Connections kept for single reads, handed from one read to the next without sqlx's check.
//!
//! sqlx checks every connection given back to its pool with a round trip (`return_to_pool`
//! pings it; 0.8 has no setting for it). A read is one statement, so that check doubled the
//! round trips of every page: on SQLite each is a hand-over to the connection's worker thread
//! and back (a cold post page made about 27 thread switches), on PostgreSQL a trip to the
//! server. The reads here keep up to [`Readers::limit`] connections out of the pool and hand
//! them on directly. A connection is given back to the pool, and so checked, when the
//! statement failed in a way that may have broken it, when the read was cancelled half-way,
//! or (PostgreSQL) when it sat unused long enough that the server may have dropped it.
//! Transactions and writes take their connections from the pool as before; the limit leaves
//! them room.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};

/// The connections kept for reads, the last given back on top.
pub(crate) struct Readers {
    kept: Mutex<Vec<(PoolConnection<Any>, Instant)>>,
    limit: usize,
    /// A connection kept longer than this unused goes back through the pool's check first
    /// (PostgreSQL: the server may have restarted, or a proxy dropped it). `None`: never.
    recheck_after: Option<Duration>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl Readers {
    /// Keeps at most `limit` connections; `recheck_after` as on [`Readers`].
    pub(crate) fn new(limit: usize, recheck_after: Option<Duration>) -> Readers {
        Readers { kept: Mutex::new(Vec::with_capacity(limit)), limit, recheck_after }
    }

    /// A kept connection when there is one fit to use, else one from the pool.
    pub(crate) async fn take<'a>(&'a self, pool: &AnyPool) -> Result<Reader<'a>, sqlx::Error> {
        loop {
            let top = self.kept.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match top {
                Some((conn, since)) if self.recheck_after.is_some_and(|after| since.elapsed() >= after) => drop(conn),
                Some((conn, _)) => return Ok(Reader { conn: Some(conn), readers: self }),
                None => return Ok(Reader { conn: Some(pool.acquire().await?), readers: self }),
            }
        }
    }

    /// Gives every kept connection back to the pool (before the pool is closed: closing waits
    /// for every connection out of it).
    pub(crate) fn release_all(&self) {
        let kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(|e| e.into_inner()));
        drop(kept);
    }
}

impl Drop for Readers {
    /// Outside a runtime (a store dropped as the program ends) a connection cannot go back to
    /// the pool, which would spawn a task for it: it is closed where it is instead.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            for (conn, _) in self.kept.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
                drop(conn.detach());
            }
        }
    }
}

/// A connection out for one read. Dropped without [`Reader::finish`] (the read was cancelled),
/// it goes back to the pool, which checks it.
pub(crate) struct Reader<'a> {
    conn: Option<PoolConnection<Any>>,
    readers: &'a Readers,
}

impl Reader<'_> {
    pub(crate) fn connection(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a reader holds its connection until it finishes")
    }

    /// Keeps the connection for the next read if the statement left it sound and there is
    /// room; otherwise it goes back to the pool.
    pub(crate) fn finish<T>(mut self, outcome: &Result<T, sqlx::Error>) {
        let Some(conn) = self.conn.take() else { return };
        if !leaves_connection_sound(outcome) || sqlx::Connection::is_in_transaction(&*conn) {
            return;
        }
        let mut kept = self.readers.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < self.readers.limit {
            kept.push((conn, Instant::now()));
        }
    }
}

/// Whether a statement that ended so left its connection usable: it answered, or the database
/// refused the statement itself, or its rows did not decode. A lost connection, a protocol
/// error or a crashed worker send the connection back to the pool's check.
fn leaves_connection_sound<T>(outcome: &Result<T, sqlx::Error>) -> bool {
    use sqlx::Error as E;
    match outcome {
        Ok(_) => true,
        Err(
            E::Database(_)
            | E::RowNotFound
            | E::TypeNotFound { .. }
            | E::ColumnIndexOutOfBounds { .. }
            | E::ColumnNotFound(_)
            | E::ColumnDecode { .. }
            | E::Encode(_)
            | E::Decode(_),
        ) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_not_kept_and_a_refused_statement_is() {
        assert!(leaves_connection_sound::<()>(&Ok(())));
        assert!(leaves_connection_sound::<()>(&Err(sqlx::Error::RowNotFound)));
        assert!(!leaves_connection_sound::<()>(&Err(sqlx::Error::Io(std::io::Error::other("reset")))));
        assert!(!leaves_connection_sound::<()>(&Err(sqlx::Error::WorkerCrashed)));
        assert!(!leaves_connection_sound::<()>(&Err(sqlx::Error::Protocol("out of step".into()))));
    }
}
