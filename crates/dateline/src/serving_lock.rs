//! Which SQLite stores a server is running on, so that a restore does not replace the file
//! under it. A running server keeps the store's file open across a restore's rename: it would
//! go on serving the old file and write readers' comments into it, where they are lost.
//!
//! Each `dateline serve` holds a shared lock (`flock`) on `DB-serving`, beside the database,
//! while it runs; any number of servers can. A restore takes the lock exclusively and refuses
//! when it cannot. A lock goes with its process however that ends, so a killed server leaves
//! nothing held. The lock is on a file of its own: the database's file is replaced by a
//! restore, and SQLite's own locks on it are `fcntl` locks, which closing any other descriptor
//! of that file in the same process would release.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use crate::{Failure, usage};

/// The lock a server or a restore holds on a SQLite store, released when dropped.
pub(crate) struct ServingLock {
    _file: File,
}

/// The lock's file of the store `db` names, opened (made when missing), beside the database's
/// file as the links to it lead (so that a server and a restore naming one file by different
/// paths meet at one lock).
fn lock_file(db: &str) -> Option<(PathBuf, std::io::Result<File>)> {
    let database = dateline_store::sqlite_file(db).filter(|file| !file.is_empty() && !file.starts_with(":memory:"))?;
    let database = std::fs::canonicalize(database).unwrap_or_else(|_| PathBuf::from(database));
    let path = PathBuf::from(format!("{}-serving", database.display()));
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path);
    Some((path, file))
}

/// Held by `dateline serve` on a SQLite store while it runs (it waits while a restore runs).
/// `None` on PostgreSQL, or where the lock's file cannot be made (a read-only folder, which no
/// restore can replace the store in either).
pub(crate) async fn serving(db: &str) -> Result<Option<ServingLock>, Failure> {
    let Some((path, file)) = lock_file(db) else { return Ok(None) };
    let file = match file {
        Ok(file) => file,
        // No such folder: opening the store says so, in one line.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "cannot make the file that tells a restore this store is served");
            return Ok(None);
        }
    };
    let locked = tokio::task::spawn_blocking(move || file.lock_shared().map(|()| file)).await?;
    Ok(Some(ServingLock { _file: locked? }))
}

/// Taken by `dateline restore` on a SQLite store: refused while a server runs on it.
pub(crate) fn restoring(db: &str) -> Result<Option<ServingLock>, Failure> {
    let Some((path, file)) = lock_file(db) else { return Ok(None) };
    let file = file.map_err(|err| usage(format!("cannot open {}: {err}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ServingLock { _file: file })),
        Err(TryLockError::WouldBlock) => Err(usage(
            "a `dateline serve` (or another restore) is running on this store: stop it first (a restore replaces the file \
             under it, and what it wrote afterwards would be lost)",
        )),
        Err(TryLockError::Error(err)) => Err(err.into()),
    }
}
