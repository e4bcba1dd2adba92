//! A reader's search words: whatever is typed, the query Dateline builds from it is one the
//! store runs, never a syntax error (which a reader would see as a failed page). Checked on
//! SQLite's FTS5 with the index's own columns, and on PostgreSQL's tsquery when
//! `DATELINE_TEST_PG_URL` names a server. The snippet shown under each result is cut from any
//! text without panicking.

use std::sync::OnceLock;

use dateline_core::search::{SearchQuery, Snippet};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::Mutex;

struct Engines {
    sqlite: Mutex<SqliteConnection>,
    postgres: Option<Mutex<sqlx::PgConnection>>,
}

fn engines() -> &'static Engines {
    static ENGINES: OnceLock<Engines> = OnceLock::new();
    ENGINES.get_or_init(|| {
        crate::runtime().block_on(async {
            let mut sqlite = SqliteConnection::connect("sqlite::memory:").await.expect("an in-memory SQLite");
            // The index as migration 0007 makes it, with a row so queries are evaluated.
            for statement in [
                "CREATE VIRTUAL TABLE post_search USING fts5(title, dek, people, terms, body, joined, tokenize = 'unicode61 remove_diacritics 0')",
                "CREATE VIRTUAL TABLE comment_search USING fts5(body, author, email, tokenize = 'unicode61 remove_diacritics 0')",
                "INSERT INTO post_search VALUES ('diaz canel en moscu', 'cuba y rusia', 'nora gamez torres', 'cuba', 'el presidente viajo', 'x')",
                "INSERT INTO comment_search VALUES ('de acuerdo', 'ana', 'ana@example.org')",
            ] {
                sqlx::query(statement).execute(&mut sqlite).await.expect("the search tables");
            }
            let postgres = match std::env::var("DATELINE_TEST_PG_URL") {
                Ok(url) => Some(Mutex::new(sqlx::PgConnection::connect(&url).await.expect("DATELINE_TEST_PG_URL answers"))),
                Err(_) => None,
            };
            Engines { sqlite: Mutex::new(sqlite), postgres }
        })
    })
}

pub fn run(data: &[u8]) {
    let typed = String::from_utf8_lossy(data);
    let query = SearchQuery::parse(&typed);
    let _ = Snippet::best(&[&typed, "Díaz-Canel en Moscú"], &query, 160);
    if query.is_empty() {
        return;
    }
    let engines = engines();
    crate::runtime().block_on(async {
        let mut sqlite = engines.sqlite.lock().await;
        for (table, expression) in
            [("post_search", query.fts5()), ("comment_search", query.fts5()), ("comment_search", query.fts5_in(&["body", "author"]))]
        {
            let sql = format!("SELECT count(*) FROM {table} WHERE {table} MATCH ?");
            if let Err(err) = sqlx::query_scalar::<_, i64>(&sql).bind(&expression).fetch_one(&mut *sqlite).await {
                panic!("SQLite refused the query made of {typed:?}: {expression:?}: {err}");
            }
        }
        if let Some(postgres) = &engines.postgres {
            let mut postgres = postgres.lock().await;
            for expression in [query.tsquery(), query.tsquery_in("AD")] {
                let sql = "SELECT to_tsvector('simple', 'diaz canel cuba') @@ CAST($1 AS tsquery)";
                if let Err(err) = sqlx::query_scalar::<_, bool>(sql).bind(&expression).fetch_one(&mut *postgres).await {
                    panic!("PostgreSQL refused the query made of {typed:?}: {expression:?}: {err}");
                }
            }
        }
    });
}
