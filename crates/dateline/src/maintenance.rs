//! `dateline backup`, `dateline restore` and `dateline check`: a copy taken while the blog
//! serves, put back when needed, and a store examined for what is wrong with it.
//!
//! SQLite is copied by the store itself (`VACUUM INTO`: one consistent snapshot, readers and
//! writers carry on). PostgreSQL is copied by its own tools, `pg_dump` and `pg_restore`
//! (Debian's postgresql-client), in their custom format. A SQLite store's uploaded files live
//! in a folder beside it (`media/`, or `[media] dir`): the backup copies them into `PATH.media/`
//! and the restore puts them back; a PostgreSQL store keeps them in the database, so its dump
//! has them.

use std::path::{Path, PathBuf};

use dateline_core::PostStore;

use crate::{Failure, open_store, open_store_for, pg_copy, serving_lock, usage};

/// Where the backup `path` of a SQLite store keeps the store's uploaded files.
fn media_copy(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.media", path.display()))
}

pub(crate) async fn backup(db: &str, config: &dateline_core::Config, path: &Path) -> Result<(), Failure> {
    if path.exists() || media_copy(path).exists() {
        return Err(usage(format!("{} already exists: give a new file name (a backup never overwrites one)", path.display())));
    }
    let mut files = 0;
    if dateline_store::sqlite_file(db).is_some() {
        let store = open_store_for(db, config).await?;
        // A file is never changed once written (its name is its hash) and is removed only when
        // no row names it any more. Copied before the snapshot, then again after it (only what
        // is new): every file the snapshot names is in the copy, even one whose row is deleted
        // while the snapshot is taken. Only a file both uploaded and deleted within those
        // seconds can be missed, and `dateline check` on the restored store would name it.
        let uploads = store.media_dir().map(Path::to_path_buf);
        if let Some(dir) = uploads.as_deref().filter(|dir| dir.is_dir()) {
            files = copy_files(dir, &media_copy(path))?;
        }
        store.backup_sqlite(path).await?;
        if let Some(dir) = uploads.as_deref().filter(|dir| dir.is_dir()) {
            files += copy_files(dir, &media_copy(path))?;
        }
        store.close().await;
    } else {
        let store = open_store(db).await?;
        let schema = store.postgres_schema().await?;
        store.close().await;
        pg_copy::dump(db, &blog_schema(schema)?, path)?;
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let uploads = match files {
        0 => String::new(),
        n => format!(", and {n} uploaded files to {}", media_copy(path).display()),
    };
    println!("backed up to {} ({:.1} MB){uploads}", path.display(), bytes as f64 / 1e6);
    Ok(())
}

/// Copies the files under `from` into `to` (made when missing), folders and all, leaving out
/// uploads still being written (`.upload-…`) and files `to` already has; returns how many.
fn copy_files(from: &Path, to: &Path) -> Result<usize, Failure> {
    let mut copied = 0;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (name, kind) = (entry.file_name(), entry.file_type()?);
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        if kind.is_dir() {
            copied += copy_files(&entry.path(), &target)?;
        } else if kind.is_file() && !target.exists() {
            match std::fs::copy(entry.path(), &target) {
                Ok(_) => copied += 1,
                // Deleted since the folder was listed: its row is gone too.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(copied)
}

/// The schema a PostgreSQL blog's tables are in (`SqlStore::postgres_schema`).
fn blog_schema(schema: Option<String>) -> Result<String, Failure> {
    schema.ok_or_else(|| usage("the store's search_path names no schema that exists"))
}

pub(crate) async fn restore(db: &str, config: &dateline_core::Config, path: &Path, force: bool) -> Result<(), Failure> {
    if !path.is_file() {
        return Err(usage(format!("{} is not a file", path.display())));
    }
    // Held to the end: no server starts on the store while it is replaced.
    let _restoring = serving_lock::restoring(db)?;
    // What is there now is kept unless the user says it may go.
    let schema = {
        let store = open_store(db).await?;
        let empty = store.is_empty().await?;
        let schema = store.postgres_schema().await?;
        store.close().await;
        if !empty && !force {
            return Err(usage("the store is not empty: restoring would replace everything in it; add --force to do so"));
        }
        schema
    };
    // The numbers given before the restore, when the restored ones are still to be moved past
    // them so that nothing an instance kept by them is shown again (see `restoring.rs` in the
    // store). A PostgreSQL restore reads them, and moves them when it can, inside its own
    // transaction. On SQLite no server runs across a restore (`serving_lock`), and one started
    // after it keeps nothing yet: there is nothing to move past (moving would rewrite every
    // comment's row, 1.7 s for 200,000 comments).
    let to_move = match dateline_store::sqlite_file(db) {
        Some(file) => {
            restore_sqlite(path, Path::new(file))?;
            None
        }
        None => {
            let restored = pg_copy::restore(db, &blog_schema(schema)?, path)?;
            (!restored.moved).then_some(restored.given)
        }
    };
    // Opening migrates a backup taken by an older version; the check says whether it is sound.
    let store = open_store_for(db, config).await?;
    if let Some(given) = to_move {
        store.move_past(given).await?;
    }
    // The uploads a SQLite backup carries, put beside the files the store has (a file's name
    // is its content: nothing is overwritten), before the check looks for them.
    let saved = media_copy(path);
    if let Some(dir) = store.media_dir().filter(|_| saved.is_dir()) {
        let files = copy_files(&saved, dir)?;
        println!("restored {files} uploaded files into {}", dir.display());
    }
    let problems = store.check().await?;
    store.close().await;
    println!("restored {} into the store", path.display());
    report(&problems)
}

/// Puts a copy of the backup file in place of the store's file, and removes the old file's
/// write-ahead log. The server must be stopped. The copy is renamed into place (one atomic
/// step): a connection to the old file that is still closing writes to the old file, never
/// into the restored one.
fn restore_sqlite(backup: &Path, file: &Path) -> Result<(), Failure> {
    let mut header = [0u8; 16];
    let read = std::fs::File::open(backup).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if read.is_err() || &header != b"SQLite format 3\0" {
        return Err(usage(format!("{} is not a SQLite backup (made by `dateline backup` of a SQLite store)", backup.display())));
    }
    // The file a link leads to is replaced, not the link (SQLite's -wal and -shm are beside it).
    let file = &std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let staged = std::path::PathBuf::from(format!("{}.restoring", file.display()));
    std::fs::copy(backup, &staged)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    std::fs::rename(&staged, file)?;
    Ok(())
}

pub(crate) async fn check(db: &str, config: &dateline_core::Config) -> Result<(), Failure> {
    let store = open_store_for(db, config).await?;
    let problems = store.check().await?;
    // Said after the verdict, and only when it can be measured (a damaged file may not be).
    let sizes = store.search_index_bytes().await.ok();
    store.close().await;
    let outcome = report(&problems);
    if let Some(sizes) = sizes {
        println!("{}", index_size_line(sizes));
    }
    outcome
}

/// What the search indexes take on disk, in exact bytes (the search harness reads them) and
/// as a share of everything else in the store.
fn index_size_line((index, store): (u64, u64)) -> String {
    let rest = store.saturating_sub(index).max(1);
    format!(
        "search indexes: {index} bytes of a {store}-byte store ({:.1} MB, {:.1} % on top of the rest)",
        index as f64 / 1e6,
        index as f64 * 100.0 / rest as f64
    )
}

/// Prints what is wrong, or that nothing is; a problem is an error (exit 1).
fn report(problems: &[String]) -> Result<(), Failure> {
    if problems.is_empty() {
        println!("the store is sound: integrity, links between rows, schema version and search indexes all agree");
        return Ok(());
    }
    for problem in problems {
        println!("problem: {problem}");
    }
    Err(Failure::Runtime(anyhow::anyhow!("{} problems found in the store", problems.len())))
}
