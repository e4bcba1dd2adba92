//! The one implementation of [`dateline_core::Store`], on SQLite or PostgreSQL.
//!
//! Why one implementation and not a crate per backend: the two dialects agree on everything
//! Dateline needs (`RETURNING`, `WITH RECURSIVE`, `$N` parameters, `ON CONFLICT`), so the
//! queries are written once and run through sqlx's `Any` driver, chosen at run time from
//! the URL. Two copies of every query would drift; one copy is tested by the same suite on
//! both servers. Where the dialects differ (connection setup, DDL, locking) the code says so
//! and branches on [`Backend`]. Each backend keeps its own migration tree with the same
//! versions and names.
//!
//! Must not depend on the web layer or the renderer.

mod accounts;
mod bylines;
mod comments;
mod connect;
mod editor;
mod error;
mod import;
mod json_rows;
mod kept_totals;
mod maintenance;
mod migrate;
mod post_write;
mod readers;
mod restoring;
mod rows;
mod search;
mod sql;
mod store_impl;
mod stores;
mod tsvector;
mod versions;
mod writes;

pub use connect::{Backend, OpenError, SqlStore, redact, sqlite_file};
pub use migrate::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE, Migration};
pub use restoring::{Given, GivenNumbers, NUMBERS_TABLES, given_numbers_sql, move_past_statements};
