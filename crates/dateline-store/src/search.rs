//! The full-text indexes on both backends, of posts (for readers, editors and the API) and of
//! comments (for moderators): written in the transaction of every write that changes what an
//! entry is found by, and read as a ranked set of ids that the list queries join. The words
//! come from [`dateline_core::search`], folded by Dateline, so SQLite's FTS5 and PostgreSQL's
//! `tsvector` hold the same words and a query means the same on both.

use std::collections::HashMap;

use dateline_core::search::{SearchDocument, SearchFields, SearchQuery, fold, html_text};
use sqlx::{AnyConnection, Row};

use crate::connect::Backend;
use crate::sql::Sql;

/// Entries read per round trip when (re)indexing many.
const BATCH: usize = 500;

/// Entries written per `INSERT` on PostgreSQL (a statement per entry would cost an import more
/// than the folding does).
const POSTGRES_ROWS_PER_INSERT: usize = 100;

/// Entries written per `INSERT` on SQLite, where each statement is also a flush of FTS5's
/// pending words to a new segment (SQLite opens a statement savepoint for every write to a
/// virtual table inside a transaction, and FTS5 writes out what it holds at a savepoint):
/// small statements made an import write thousands of tiny segments and merge them again, a
/// quarter of its time (docs/PERFORMANCE.md, "Stop 26"). At most four parameters per comment
/// and seven per post, within SQLite's 32,766.
pub(crate) const SQLITE_ROWS_PER_INSERT: usize = 2_000;

fn rows_per_insert(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => SQLITE_ROWS_PER_INSERT,
        Backend::Postgres => POSTGRES_ROWS_PER_INSERT,
    }
}

/// Relevance weights of the posts' FTS5 columns, in table order: title, dek, people, terms,
/// body, joined. PostgreSQL's `ts_rank_cd` gets the same proportions through its A–D weights.
const SQLITE_WEIGHTS: &str = "10.0, 4.0, 4.0, 2.0, 1.0, 2.0";

/// `{D, C, B, A}`: body; terms and joined compounds; dek and people; title.
const POSTGRES_WEIGHTS: &str = "'{0.1, 0.2, 0.4, 1.0}'";

/// One of the two indexes (and, for comments, whether a search may look at the addresses
/// given: moderators may, readers may not find out who wrote with which address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Index {
    Posts,
    Comments { addresses: bool },
}

/// Where (re)indexing writes comments (the scope of a search does not matter there).
const COMMENTS: Index = Index::Comments { addresses: true };

impl Index {
    fn table(self) -> &'static str {
        match self {
            Index::Posts => "post_search",
            Index::Comments { .. } => "comment_search",
        }
    }

    /// The column that holds the entry's id.
    fn key(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (_, Backend::Sqlite) => "rowid",
            (Index::Posts, Backend::Postgres) => "post_id",
            (Index::Comments { .. }, Backend::Postgres) => "comment_id",
        }
    }

    /// The FTS5 columns, in table order.
    fn sqlite_columns(self) -> &'static str {
        match self {
            Index::Posts => "title, dek, people, terms, body, joined",
            Index::Comments { .. } => "body, author, email",
        }
    }

    /// Which folded fields go into each PostgreSQL weight, A first (fields by their position
    /// in the SQLite column list).
    fn postgres_weights(self) -> &'static [(char, &'static [usize])] {
        match self {
            Index::Posts => &[('A', &[0]), ('B', &[1, 2]), ('C', &[3, 5]), ('D', &[4])],
            Index::Comments { .. } => &[('A', &[1]), ('B', &[2]), ('D', &[0])],
        }
    }
}

pub(crate) fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
}

/// Whether the entries being indexed may have been indexed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entries {
    /// Written or deleted since: their old entries go first.
    Changed,
    /// Just created (a first import): there is nothing to remove.
    New,
}

/// An index entry ready to be written: what the index holds for one post or comment.
pub(crate) struct Entry {
    id: i64,
    document: Document,
}

enum Document {
    /// SQLite: the folded fields, one per FTS5 column.
    Columns(Vec<String>),
    /// PostgreSQL: the `tsvector` literal of the fields with their weights.
    Tsvector(String),
}

impl Entry {
    /// The entry of `id` in `index` on `backend`, from its folded fields in SQLite's column
    /// order.
    fn new(backend: Backend, index: Index, id: i64, fields: Vec<String>) -> Entry {
        let document = match backend {
            Backend::Sqlite => Document::Columns(fields),
            Backend::Postgres => {
                let groups: Vec<(char, Vec<&str>)> = index
                    .postgres_weights()
                    .iter()
                    .map(|(weight, parts)| (*weight, parts.iter().map(|&p| fields[p].as_str()).collect()))
                    .collect();
                Document::Tsvector(crate::tsvector::literal(&groups))
            }
        };
        Entry { id, document }
    }

    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

/// Brings the index entries of the posts `ids` in line with the posts table: indexed again
/// when the post exists, removed when it does not (deleted).
pub(crate) async fn reindex_posts(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    index_posts(conn, ids, Entries::Changed).await
}

/// The same for comments.
pub(crate) async fn reindex_comments(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    index_comments(conn, ids, Entries::Changed).await
}

pub(crate) async fn index_posts(conn: &mut AnyConnection, ids: &[i64], entries: Entries) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(BATCH) {
        let documents = post_documents(conn, chunk).await?;
        replace(conn, Index::Posts, chunk, &documents, entries).await?;
    }
    Ok(())
}

pub(crate) async fn index_comments(conn: &mut AnyConnection, ids: &[i64], entries: Entries) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(BATCH) {
        let documents = comment_documents(conn, chunk).await?;
        replace(conn, COMMENTS, chunk, &documents, entries).await?;
    }
    Ok(())
}

/// A comment's entry from the text the caller holds (an import, as it writes them), without
/// reading it back: the text, the name and the address as stored (the store drops NUL
/// characters, as [`Sql::text`] does).
pub(crate) fn comment_entry(backend: Backend, id: i64, body: &str, name: Option<&str>, email: Option<&str>) -> Entry {
    let stored = |text: &str| if text.contains('\0') { text.replace('\0', "") } else { text.to_string() };
    let fields = comment_fields(&stored(body), &stored(name.unwrap_or_default()), &stored(email.unwrap_or_default()));
    Entry::new(backend, COMMENTS, id, fields)
}

/// Writes comment entries made by [`comment_entry`] (each id at most once).
pub(crate) async fn write_comment_entries(conn: &mut AnyConnection, documents: &[Entry], entries: Entries) -> Result<(), sqlx::Error> {
    // `replace` cuts the rows into statements itself.
    let ids: Vec<i64> = documents.iter().map(Entry::id).collect();
    replace(conn, COMMENTS, &ids, documents, entries).await
}

/// Indexes every post and comment again, saying how far it has got (the migration that
/// creates the indexes runs it on an existing blog, which may hold a hundred thousand entries).
pub(crate) async fn reindex_all(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for (index, table) in [(Index::Posts, "posts"), (COMMENTS, "comments")] {
        let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} ORDER BY id")).fetch_all(&mut *conn).await?;
        for (done, chunk) in ids.chunks(BATCH).enumerate() {
            match index {
                Index::Posts => reindex_posts(conn, chunk).await?,
                Index::Comments { .. } => reindex_comments(conn, chunk).await?,
            }
            let indexed = (done * BATCH + chunk.len()).min(ids.len());
            if indexed == ids.len() || done % 20 == 19 {
                tracing::info!(indexed, of = ids.len(), "building the search index of {table}");
            }
        }
    }
    if backend_of(conn) == Backend::Postgres {
        // Statistics for the new tables, so the first searches are planned on real numbers.
        sqlx::query("ANALYZE post_search, comment_search").execute(&mut *conn).await?;
    }
    Ok(())
}

/// The posts that carry `term` (its name is part of what they are found by).
pub(crate) async fn posts_with_term(conn: &mut AnyConnection, term: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT post_id FROM post_terms WHERE term_id = $1").bind(term).fetch_all(&mut *conn).await
}

/// The comments of `post` (removed from the index with it).
pub(crate) async fn comments_of(conn: &mut AnyConnection, post: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM comments WHERE post_id = $1").bind(post).fetch_all(&mut *conn).await
}

/// Removes the entries of `ids` and writes `documents`.
async fn replace(conn: &mut AnyConnection, index: Index, ids: &[i64], documents: &[Entry], entries: Entries) -> Result<(), sqlx::Error> {
    let backend = backend_of(conn);
    if entries == Entries::Changed {
        let mut remove = Sql::new(&format!("DELETE FROM {} WHERE {} IN ", index.table(), index.key(backend)));
        remove.int_list(ids);
        remove.query().execute(&mut *conn).await?;
    }
    for rows in documents.chunks(rows_per_insert(backend)) {
        let mut sql = match backend {
            Backend::Sqlite => Sql::wide(&format!("INSERT INTO {} (rowid, {}) VALUES ", index.table(), index.sqlite_columns()), backend),
            Backend::Postgres => Sql::new(&format!("INSERT INTO {} ({}, doc) VALUES ", index.table(), index.key(backend))),
        };
        for (i, entry) in rows.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).int(entry.id);
            match &entry.document {
                Document::Columns(fields) => {
                    for field in fields {
                        sql.push(", ").text(field);
                    }
                }
                Document::Tsvector(literal) => {
                    sql.push(", CAST(").text(literal).push(" AS tsvector)");
                }
            }
            sql.push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The index documents of those of the posts `ids` that exist.
async fn post_documents(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Entry>, sqlx::Error> {
    let backend = backend_of(conn);
    let mut terms_sql = Sql::new("SELECT pt.post_id, t.name FROM post_terms pt JOIN terms t ON t.id = pt.term_id WHERE pt.post_id IN ");
    terms_sql.int_list(ids);
    let mut terms: HashMap<i64, Vec<String>> = HashMap::new();
    for row in terms_sql.query().fetch_all(&mut *conn).await? {
        terms.entry(row.try_get("post_id")?).or_default().push(row.try_get("name")?);
    }
    let mut posts_sql = Sql::new(
        "SELECT id, title, dek, body_html, source_headline, source_excerpt, source_reporter, source_outlet FROM posts WHERE id IN ",
    );
    posts_sql.int_list(ids);
    let mut documents = Vec::with_capacity(ids.len());
    for row in posts_sql.query().fetch_all(&mut *conn).await? {
        let id: i64 = row.try_get("id")?;
        let text = |column: &str| -> Result<String, sqlx::Error> { Ok(row.try_get::<Option<String>, _>(column)?.unwrap_or_default()) };
        let excerpt: Vec<String> = serde_json::from_str(&text("source_excerpt")?).unwrap_or_default();
        let excerpt: Vec<&str> = excerpt.iter().map(String::as_str).collect();
        let term_names: Vec<&str> = terms.get(&id).map(|names| names.iter().map(String::as_str).collect()).unwrap_or_default();
        let (title, dek, headline) = (text("title")?, text("dek")?, text("source_headline")?);
        let (reporter, outlet, body) = (text("source_reporter")?, text("source_outlet")?, text("body_html")?);
        let d = SearchDocument::new(SearchFields {
            title: &title,
            dek: &[&dek, &headline],
            people: &[&reporter, &outlet],
            terms: &term_names,
            body_html: &body,
            excerpt: &excerpt,
        });
        documents.push(Entry::new(backend, Index::Posts, id, vec![d.title, d.dek, d.people, d.terms, d.body, d.joined]));
    }
    Ok(documents)
}

/// The index documents of those of the comments `ids` that exist: the text, the name and the
/// address given (a moderator looks for all three).
async fn comment_documents(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Entry>, sqlx::Error> {
    let backend = backend_of(conn);
    let mut sql = Sql::new("SELECT id, body, author_name, author_email FROM comments WHERE id IN ");
    sql.int_list(ids);
    let mut documents = Vec::with_capacity(ids.len());
    for row in sql.query().fetch_all(&mut *conn).await? {
        let text = |column: &str| -> Result<String, sqlx::Error> { Ok(row.try_get::<Option<String>, _>(column)?.unwrap_or_default()) };
        let fields = comment_fields(&text("body")?, &text("author_name")?, &text("author_email")?);
        documents.push(Entry::new(backend, COMMENTS, row.try_get("id")?, fields));
    }
    Ok(documents)
}

/// A comment's entry: its text, the name and the address given, folded.
fn comment_fields(body: &str, author_name: &str, author_email: &str) -> Vec<String> {
    vec![fold(&html_text(body)), fold(author_name), fold(author_email)]
}

/// `SELECT columns FROM table` (`table` with its alias, e.g. `posts p`), before its `WHERE`,
/// narrowed to the entries of `index` matching `query` if there is one; their rank is then
/// `s.rank` (lower is better). The matches are found once, first (a `MATERIALIZED` common
/// table expression), then joined by id. On SQLite the posts side of that join is the
/// covering index `posts_visible` (migration 0007): testing a post's visibility from its row
/// would read the whole article first (the password column comes after the body), 15 ms for
/// a word one post has on a 10,000-post blog against 0.3 ms. PostgreSQL plans the join well
/// on analysed tables.
pub(crate) fn select_matching(backend: Backend, index: Index, query: Option<&SearchQuery>, columns: &str, table: &str) -> Sql {
    let Some(query) = query else { return Sql::new(&format!("SELECT {columns} FROM {table}")) };
    let alias = table.rsplit(' ').next().unwrap_or(table);
    let mut sql = Sql::new("WITH s AS MATERIALIZED ");
    push_matches(&mut sql, backend, index, query);
    sql.push(&format!(" SELECT {columns} FROM {table} JOIN s ON s.id = {alias}.id"));
    sql
}

/// Appends a subquery of the entries of `index` matching `query`, as `(id, rank)` rows.
fn push_matches(sql: &mut Sql, backend: Backend, index: Index, query: &SearchQuery) {
    let table = index.table();
    match backend {
        Backend::Sqlite => {
            let (rank, expression) = match index {
                Index::Posts => (format!("bm25({table}, {SQLITE_WEIGHTS})"), query.fts5()),
                Index::Comments { addresses: true } => ("rank".to_string(), query.fts5()),
                Index::Comments { addresses: false } => ("rank".to_string(), query.fts5_in(&["body", "author"])),
            };
            sql.push(&format!("(SELECT rowid AS id, {rank} AS rank FROM {table} WHERE {table} MATCH "));
            sql.text(&expression).push(")");
        }
        Backend::Postgres => {
            // Normalisation 1 divides by the document's length (as BM25 does), so a long body
            // that mentions a word once does not outrank a short one about it.
            let key = index.key(backend);
            let expression = match index {
                Index::Comments { addresses: false } => query.tsquery_in("AD"),
                _ => query.tsquery(),
            };
            sql.push(&format!("(SELECT {key} AS id, -ts_rank_cd({POSTGRES_WEIGHTS}, doc, q, 1) AS rank FROM {table}, CAST("));
            sql.text(&expression).push(" AS tsquery) q WHERE doc @@ q)");
        }
    }
}
