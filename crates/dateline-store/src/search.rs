//! The full-text indexes on both backends, of posts (for readers, editors and the API) and of
//! comments (for moderators): written in the transaction of every write that changes what an
//! entry is found by, and read as a ranked set of ids that the list queries join. The words
//! come from [`dateline_core::search`], folded by Dateline, so SQLite's FTS5 and PostgreSQL's
//! `tsvector` hold the same words and a query means the same on both.
//!
//! SQLite keeps a third index, `reader_search`, of the posts readers may see now (migration
//! 0020): a reader's search counts and ranks its matches there, with no join to the posts.
//! Triggers take a post out of it as soon as its status, password, kind or date changes;
//! Dateline writes it back (or queues it until its time) when it indexes the post. Its fields
//! also hold their word pairs (migration 0021), which readers' phrases are found by.

use std::collections::HashMap;

use dateline_core::search::{SearchDocument, SearchFields, SearchQuery, fold, html_text, with_pairs};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::connect::Backend;
use crate::sql::Sql;

/// What makes a post one readers may see at some time (from its `published_at`), as the
/// reader index's triggers (migration 0020) and readers' searches test it; a condition on the
/// columns of `posts`, unqualified.
pub(crate) const READABLE: &str = "kind = 'post' AND status IN ('published', 'scheduled') AND password IS NULL";

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
    /// SQLite only: the posts readers may see now (migration 0020), the same columns as
    /// `Posts`, each with its word pairs (0021, [`Entry::for_readers`]).
    Readers,
    Comments {
        addresses: bool,
    },
}

/// Where (re)indexing writes comments (the scope of a search does not matter there).
const COMMENTS: Index = Index::Comments { addresses: true };

impl Index {
    fn table(self) -> &'static str {
        match self {
            Index::Posts => "post_search",
            Index::Readers => "reader_search",
            Index::Comments { .. } => "comment_search",
        }
    }

    /// The column that holds the entry's id.
    fn key(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (_, Backend::Sqlite) => "rowid",
            (Index::Posts | Index::Readers, Backend::Postgres) => "post_id",
            (Index::Comments { .. }, Backend::Postgres) => "comment_id",
        }
    }

    /// The FTS5 columns, in table order.
    fn sqlite_columns(self) -> &'static str {
        match self {
            Index::Posts | Index::Readers => "title, dek, people, terms, body, joined",
            Index::Comments { .. } => "body, author, email",
        }
    }

    /// Which folded fields go into each PostgreSQL weight, A first (fields by their position
    /// in the SQLite column list).
    fn postgres_weights(self) -> &'static [(char, &'static [usize])] {
        match self {
            Index::Posts | Index::Readers => &[('A', &[0]), ('B', &[1, 2]), ('C', &[3, 5]), ('D', &[4])],
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
    /// A post's: from when readers may see it (published or scheduled, no password), if ever.
    readable_from: Option<i64>,
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
        Entry { id, document, readable_from: None }
    }

    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    /// A post's entry as the reader index holds it (migration 0021): each field followed by
    /// its word pairs ([`with_pairs`]), so that a reader's phrase is found as its pairs
    /// ([`SearchQuery::fts5_paired`]). The joined compounds (the last column) are single
    /// words, not a text, and have no pairs.
    fn for_readers(&self) -> Entry {
        let document = match &self.document {
            Document::Columns(fields) => {
                let last = fields.len().saturating_sub(1);
                Document::Columns(
                    fields.iter().enumerate().map(|(i, field)| if i < last { with_pairs(field) } else { field.clone() }).collect(),
                )
            }
            Document::Tsvector(literal) => Document::Tsvector(literal.clone()),
        };
        Entry { id: self.id, document, readable_from: self.readable_from }
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
    index_posts_for(conn, ids, entries, ReaderIndex::Keep).await
}

/// Whether indexing posts also keeps SQLite's reader index (migration 0020) in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReaderIndex {
    Keep,
    /// Not there yet: migration 0007 runs before 0020, which fills the reader index itself.
    Absent,
}

async fn index_posts_for(conn: &mut AnyConnection, ids: &[i64], entries: Entries, reader_index: ReaderIndex) -> Result<(), sqlx::Error> {
    let sqlite = backend_of(conn) == Backend::Sqlite && reader_index == ReaderIndex::Keep;
    let now = jiff::Timestamp::now().as_second();
    for chunk in ids.chunks(BATCH) {
        let documents = post_documents(conn, chunk).await?;
        replace(conn, Index::Posts, chunk, &documents, entries).await?;
        if sqlite {
            write_readers(conn, chunk, &documents, now).await?;
        }
    }
    if sqlite {
        flush_readers(conn, now).await?;
    }
    Ok(())
}

/// SQLite: the reader index's entries of the posts `ids` (just indexed in `post_search` from
/// `documents`) brought in line: removed, and written again for those readers may see at
/// `now`, which leave the queue of migration 0020. Those readers may see only later stay
/// queued (its triggers queued them when their visibility was written).
async fn write_readers(conn: &mut AnyConnection, ids: &[i64], documents: &[Entry], now: i64) -> Result<(), sqlx::Error> {
    let readable: Vec<Entry> =
        documents.iter().filter(|entry| entry.readable_from.is_some_and(|from| from <= now)).map(Entry::for_readers).collect();
    // Removed first even on a first import, where nothing can be there: in a contentless FTS5
    // table a second entry under one rowid would keep its words found after any delete, and
    // this index decides what readers find.
    let mut remove = Sql::new("DELETE FROM reader_search WHERE rowid IN ");
    remove.int_list(ids);
    remove.query().execute(&mut *conn).await?;
    if readable.is_empty() {
        return Ok(());
    }
    let readable_ids: Vec<i64> = readable.iter().map(|entry| entry.id).collect();
    insert(conn, Index::Readers, &readable.iter().collect::<Vec<_>>()).await?;
    let mut dequeue = Sql::new("DELETE FROM reader_search_pending WHERE post_id IN ");
    dequeue.int_list(&readable_ids);
    dequeue.query().execute(&mut *conn).await?;
    Ok(())
}

/// SQLite: indexes for readers the queued posts whose time has come by `now` (scheduled posts,
/// posts whose visibility a write changed without indexing them), saying how far it has got
/// when there are many (the migration that creates the reader index queues every post).
/// Called by every write that indexes posts, by the scheduler each minute, and by the
/// migration; until it runs, readers' searches take the slower join.
pub(crate) async fn flush_readers(conn: &mut AnyConnection, now: i64) -> Result<(), sqlx::Error> {
    let due: Vec<i64> = sqlx::query_scalar("SELECT post_id FROM reader_search_pending WHERE at <= $1 ORDER BY post_id")
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    for (done, chunk) in due.chunks(BATCH).enumerate() {
        let documents = post_documents(conn, chunk).await?;
        write_readers(conn, chunk, &documents, now).await?;
        // A queued post whose row says otherwise (no longer readable) leaves the queue too.
        let mut dequeue = Sql::new("DELETE FROM reader_search_pending WHERE at <= ");
        dequeue.int(now).push(" AND post_id IN ").int_list(chunk);
        dequeue.query().execute(&mut *conn).await?;
        let indexed = (done * BATCH + chunk.len()).min(due.len());
        if due.len() > BATCH && (indexed == due.len() || done % 20 == 19) {
            tracing::info!(indexed, of = due.len(), "indexing the posts readers may see");
        }
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
pub(crate) async fn reindex_all(conn: &mut AnyConnection, reader_index: ReaderIndex) -> Result<(), sqlx::Error> {
    for table in ["posts", "comments"] {
        let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} ORDER BY id")).fetch_all(&mut *conn).await?;
        for (done, chunk) in ids.chunks(BATCH).enumerate() {
            if table == "posts" {
                index_posts_for(conn, chunk, Entries::Changed, reader_index).await?;
            } else {
                reindex_comments(conn, chunk).await?;
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

/// SQLite: merges each full-text index into one b-tree of lists (FTS5's `optimize`), after a
/// bulk write. An import writes its entries in batches, each a segment of its own, and a search
/// reads each word's list in every segment: on the harness's blog the seven searches'
/// full-text statements took 3.3 ms before a merge and 2.6 after, a rare word's 0.05 ms 0.01
/// (docs/PERFORMANCE.md, "Stop 40"). The merge took 0.3 s for its 10,000 posts and 200,000
/// comments. PostgreSQL's GIN indexes need nothing of the kind.
pub(crate) async fn merge_segments(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if backend_of(conn) != Backend::Sqlite {
        return Ok(());
    }
    for table in ["post_search", "reader_search", "comment_search"] {
        sqlx::query(&format!("INSERT INTO {table} ({table}) VALUES ('optimize')")).execute(&mut *conn).await?;
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
    let documents: Vec<&Entry> = documents.iter().collect();
    insert(conn, index, &documents).await
}

/// Writes `documents` into `index`, many to a statement. (PostgreSQL fills a post entry's
/// `readable_from` itself, from the post: migration 0025.)
async fn insert(conn: &mut AnyConnection, index: Index, documents: &[&Entry]) -> Result<(), sqlx::Error> {
    let backend = backend_of(conn);
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
    let mut posts_sql = Sql::new(&format!(
        "SELECT id, title, dek, body_html, source_headline, source_excerpt, source_reporter, source_outlet, \
         CASE WHEN {READABLE} THEN published_at END AS readable_from FROM posts WHERE id IN "
    ));
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
        let mut entry = Entry::new(backend, Index::Posts, id, vec![d.title, d.dek, d.people, d.terms, d.body, d.joined]);
        entry.readable_from = row.try_get("readable_from")?;
        documents.push(entry);
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

/// Whether a set of matches carries each match's rank (as `s.rank`, lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ranks {
    /// Lists sorted otherwise (by date, comments by time) and counts need none.
    None,
    Each,
}

/// `SELECT columns FROM table` (`table` with its alias, e.g. `posts p`), before its `WHERE`,
/// narrowed to the entries of `index` matching `query` if there is one. The matches are found
/// once, first (a `MATERIALIZED` common table expression), then joined by id. On SQLite the
/// posts side of that join is the covering index `posts_visible` (migration 0007): testing a
/// post's visibility from its row would read the whole article first (the password column
/// comes after the body), 15 ms for a word one post has on a 10,000-post blog against 0.3 ms.
/// PostgreSQL plans the join well on analysed tables.
pub(crate) fn select_matching(backend: Backend, index: Index, query: Option<&SearchQuery>, columns: &str, table: &str) -> Sql {
    let mut sql = Sql::new("");
    push_select_matching(&mut sql, backend, (index, Ranks::None), query, columns, table);
    sql
}

/// [`select_matching`] appended to `sql` (inside a statement that sorts its rows), with the
/// matches' ranks as `s.rank` if asked.
pub(crate) fn push_select_matching(
    sql: &mut Sql,
    backend: Backend,
    (index, ranks): (Index, Ranks),
    query: Option<&SearchQuery>,
    columns: &str,
    table: &str,
) {
    let Some(query) = query else {
        sql.push(&format!("SELECT {columns} FROM {table}"));
        return;
    };
    let alias = table.rsplit(' ').next().unwrap_or(table);
    sql.push("WITH s AS MATERIALIZED ");
    push_matches(sql, backend, index, query, ranks);
    sql.push(&format!(" SELECT {columns} FROM {table} JOIN s ON s.id = {alias}.id"));
}

/// PostgreSQL: the rank of the post `id` (an SQL expression) for `query`, as a subquery:
/// `ts_rank_cd` reads one document, so a search ranks only the matches it orders by rank.
pub(crate) fn push_postgres_rank(sql: &mut Sql, query: &SearchQuery, id: &str) {
    sql.push(&format!("(SELECT -ts_rank_cd({POSTGRES_WEIGHTS}, ps.doc, CAST("));
    sql.text(&query.tsquery()).push(&format!(" AS tsquery), 1) FROM post_search ps WHERE ps.post_id = {id})"));
}

/// PostgreSQL: the matches of `query` readers may see at `at`, as the posts `p` (`p.id`,
/// `p.published_at`) a listing of posts sorts: from `post_search` alone, whose entries say from
/// when readers may see their posts (migration 0025), so the matches are neither joined to the
/// posts nor tested there one by one (a word in most posts: 17.6 ms before, 8.3 after,
/// docs/PERFORMANCE.md "Stop 40").
pub(crate) fn push_readers_entries(sql: &mut Sql, query: &SearchQuery, at: i64) {
    sql.push("(SELECT post_id AS id, readable_from AS published_at FROM post_search, CAST(").text(&query.tsquery());
    sql.push(" AS tsquery) q WHERE doc @@ q AND readable_from <= ").int(at).push(") p");
}

/// How many of a search's matches are ranked by relevance: the newest this many by id (the
/// order posts were written in); older matches follow them, newest first by date. Ranking is
/// what a search pays for per match (bm25 reads each match's positions and length), so a word
/// in most posts costs a bounded amount: on the harness's blog, ranking a word found in 5,687
/// posts went from about 5 ms to under 1 (docs/PERFORMANCE.md, stop 34).
pub(crate) const RANKED_MATCHES: i64 = 500;

/// A page of a reader's search from the reader index: its posts' ids in order, how many
/// posts match, and the rows of those posts ([`crate::rows::select_posts`]), in no order.
pub(crate) struct ReadersPage {
    pub ids: Vec<i64>,
    pub total: i64,
    pub rows: Vec<AnyRow>,
    /// The site frame, when it was asked for.
    pub frame: Option<dateline_core::SiteFrame>,
}

/// SQLite: a reader's search (public posts, no password, at the instant `at`, best first)
/// answered from the reader index: the page `per_page` from `skip`, in the order the general
/// statement gives (the newest [`RANKED_MATCHES`] by rank, equally ranked ones by id in
/// `direction`; then the older ones by date), and how many match. `None` when the reader
/// index cannot answer for `at`: a queued post's time has come (the index lags until the next
/// write or the scheduler's wake), or a post readers may see was published after `at` (an
/// API query `before` a date). Ranks come from the reader index's own statistics, which the
/// general statement's (every post's) are not, so the same search can order equally good
/// matches otherwise in those moments.
///
/// One statement, the page's posts with it: one snapshot without a transaction, and one round
/// trip to SQLite's thread instead of five or six. The newest matches are read once, ranked as
/// they are read; a deep page keeps them (`top`, whose last is the boundary that was a
/// statement of its own) and asks the full count only when they fill [`RANKED_MATCHES`], a page
/// among them counts in a pass of its own. Each pass over the matches opens the index again,
/// and a prefix merges the lists of all its words each time (docs/PERFORMANCE.md, "Stop 36").
pub(crate) async fn readers_page(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    at: jiff::Timestamp,
    (per_page, skip, direction): (i64, i64, &str),
    frame_pages: Option<u32>,
) -> Result<Option<ReadersPage>, sqlx::Error> {
    let words = prefix_words(conn, query).await?;
    let sql = readers_statement(query, &words, at, (per_page, skip, direction), frame_pages);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let Some(head) = rows.first() else { return Err(sqlx::Error::RowNotFound) };
    if head.try_get::<i64, _>("page_stale")? != 0 {
        return Ok(None);
    }
    let frame = frame_pages.map(|_| crate::stores::site_frame_of(head)).transpose()?;
    let total: i64 = head.try_get("page_total")?;
    let mut ids = Vec::new();
    for column in ["page_ranked", "page_older"] {
        let list: Option<String> = head.try_get(column)?;
        for id in list.iter().flat_map(|list| list.split(',')) {
            ids.push(id.parse::<i64>().map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
        }
    }
    // The head's own row, when no post joined it, is not a post.
    let mut posts = Vec::with_capacity(rows.len());
    for row in rows {
        if row.try_get::<Option<i64>, _>("id")?.is_some() {
            posts.push(row);
        }
    }
    Ok(Some(ReadersPage { ids, total, rows: posts, frame }))
}

/// The most words of the reader index a reader's prefix is asked as; a prefix that starts more
/// stays a prefix.
const PREFIX_WORDS: usize = 16;

/// The words of the reader index that each of `query`'s one-word prefixes starts
/// ([`SearchQuery::word_prefixes`]), for the prefixes that start at most [`PREFIX_WORDS`]: what
/// [`SearchQuery::fts5_paired_with`] asks instead of the prefix (`flood*`: 1.1 ms instead of
/// 1.7 on the harness's blog, docs/PERFORMANCE.md "Stop 37"). One statement, and none for a
/// query without such a prefix. Reading the words costs a pass over each one's list of
/// entries (the vocabulary counts them), which is bounded by the limit: at most as many
/// passes as the prefix's own merge would make over the same lists.
async fn prefix_words(conn: &mut AnyConnection, query: &SearchQuery) -> Result<HashMap<String, Vec<String>>, sqlx::Error> {
    let prefixes = query.word_prefixes();
    let mut words: HashMap<String, Vec<String>> = HashMap::new();
    if prefixes.is_empty() {
        return Ok(words);
    }
    let mut sql = Sql::new("");
    for (i, prefix) in prefixes.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        // Every word starting with the prefix sorts from it to it followed by the last
        // character there is (SQLite compares texts by their UTF-8 bytes, as by characters).
        sql.push(&format!("SELECT * FROM (SELECT {i} AS prefix, term FROM reader_search_words WHERE term >= "));
        sql.text(prefix).push(" AND term < ").text(&format!("{prefix}{}", char::MAX)).push(" LIMIT ");
        sql.fixed(PREFIX_WORDS as i64 + 1).push(")");
    }
    for row in sql.query().fetch_all(&mut *conn).await? {
        let prefix: i64 = row.try_get("prefix")?;
        let prefix = usize::try_from(prefix)
            .ok()
            .and_then(|i| prefixes.get(i))
            .ok_or_else(|| sqlx::Error::Decode("a prefix the statement did not ask for".into()))?;
        words.entry((*prefix).to_string()).or_default().push(row.try_get("term")?);
    }
    words.retain(|_, starting| starting.len() <= PREFIX_WORDS);
    Ok(words)
}

/// The statement of [`readers_page`]: a head row (whether the index is stale for `at`, as of
/// now; the total; the page's ids in order, as texts; with `frame_pages`, the site frame at
/// `at`) beside each post of the page.
fn readers_statement(
    query: &SearchQuery,
    prefix_words: &HashMap<String, Vec<String>>,
    at_time: jiff::Timestamp,
    (per_page, skip, direction): (i64, i64, &str),
    frame_pages: Option<u32>,
) -> Sql {
    let at = at_time.as_second();
    let now = jiff::Timestamp::now().as_second().max(at);
    // The reader index holds word pairs: a phrase is found as one (migration 0021).
    let expression = query.fts5_paired_with(prefix_words);
    let end = skip + per_page;
    // The newest matches, ranked as they are read; and how many match.
    let push_newest = |sql: &mut Sql| {
        sql.push(&format!(
            "SELECT rowid AS id, bm25(reader_search, {SQLITE_WEIGHTS}) AS rank FROM reader_search WHERE reader_search MATCH "
        ));
        sql.text(&expression).push(" ORDER BY rowid DESC LIMIT ").fixed(RANKED_MATCHES);
    };
    let push_count = |sql: &mut Sql| {
        sql.push("(SELECT COUNT(*) FROM reader_search WHERE reader_search MATCH ").text(&expression).push(")");
    };
    let mut sql = Sql::new("WITH ");
    if end <= RANKED_MATCHES {
        // A page among the ranked matches (the first fifty pages of ten): its ids are the best
        // of the newest matches as they are read, with no table of all of them kept for a
        // deep page's boundary; the total is one pass over the matches. On the harness's
        // seven searches, 6 % less time in the statement than keeping the ranked ones
        // (docs/PERFORMANCE.md, "Stop 40").
        sql.push("ranked AS MATERIALIZED (SELECT id, rank FROM (");
        push_newest(&mut sql);
        sql.push(&format!(") ORDER BY rank, id {direction} LIMIT ")).int(per_page).push(" OFFSET ").int(skip).push(")");
        sql.push(", older AS MATERIALIZED (SELECT 0 AS id, 0 AS published_at WHERE 0)");
        push_head_start(&mut sql, at, now);
        sql.push(", ");
        push_count(&mut sql);
        sql.push(" AS total");
    } else {
        sql.push("top AS MATERIALIZED (");
        push_newest(&mut sql);
        sql.push(")");
        sql.push(&format!(", ranked AS MATERIALIZED (SELECT id, rank FROM top ORDER BY rank, id {direction} LIMIT "));
        sql.int(per_page.min((RANKED_MATCHES - skip).max(0))).push(" OFFSET ").int(skip.min(RANKED_MATCHES)).push(")");
        // Past the ranked ones (a deep page), the older matches by date, as the general
        // statement lists them. Their dates come from the index of visible posts (migration
        // 0007, which holds every post the reader index does): from the rows, past each body,
        // a page of a word in most posts took 15 ms instead of 4.
        let from = skip.max(RANKED_MATCHES);
        sql.push(&format!(
            ", older AS MATERIALIZED (SELECT p.id, p.published_at FROM posts p INDEXED BY posts_visible WHERE {READABLE} \
             AND p.id IN (SELECT rowid FROM reader_search WHERE reader_search MATCH "
        ));
        sql.text(&expression).push(" AND rowid < (SELECT MIN(id) FROM top) AND (SELECT COUNT(*) FROM top) = ");
        sql.fixed(RANKED_MATCHES);
        sql.push(&format!(") ORDER BY p.published_at {direction}, p.id {direction} LIMIT "));
        sql.int(end - from).push(" OFFSET ").int(from - RANKED_MATCHES).push(")");
        push_head_start(&mut sql, at, now);
        // CASE reads its ELSE only when taken: fewer matches than the ranked ones are all counted.
        sql.push(", (SELECT CASE WHEN COUNT(*) < ").fixed(RANKED_MATCHES);
        sql.push(" THEN COUNT(*) ELSE ");
        push_count(&mut sql);
        sql.push(" END FROM top) AS total");
    }
    // The page's ids in order, as texts: the head is one row whatever the page holds.
    sql.push(&format!(", (SELECT group_concat(id, ',' ORDER BY rank, id {direction}) FROM ranked) AS ranked_ids"));
    sql.push(&format!(", (SELECT group_concat(id, ',' ORDER BY published_at {direction}, id {direction}) FROM older) AS older_ids)"));
    // Each post of the page beside the head; the head alone when the page is empty.
    sql.push(
        " SELECT head.stale AS page_stale, head.total AS page_total, head.ranked_ids AS page_ranked, \
         head.older_ids AS page_older, ",
    );
    // The site frame's columns: subqueries of nothing in the row, which SQLite runs once.
    if let Some(pages) = frame_pages {
        crate::stores::push_site_frame(&mut sql, Backend::Sqlite, at_time, pages);
        sql.push(", ");
    }
    sql.push(&format!(
        "x.* FROM head LEFT JOIN ({} WHERE p.id IN (SELECT id FROM ranked UNION ALL SELECT id FROM older)) x ON 1",
        crate::rows::select_posts_to_show(Backend::Sqlite)
    ));
    sql
}

/// Starts the head of [`readers_statement`]: whether the reader index is stale for `at`, as of
/// `now` (a queued post due, or a post readers may see published after `at`), as `stale`.
fn push_head_start(sql: &mut Sql, at: i64, now: i64) {
    sql.push(", head AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM reader_search_pending WHERE at <= ");
    sql.int(at).push(&format!(") OR EXISTS (SELECT 1 FROM posts WHERE {READABLE} AND published_at > "));
    sql.int(at).push(" AND published_at <= ").int(now).push(") AS stale");
}

/// Appends a subquery of the entries of `index` matching `query`, as `(id)` rows, or
/// `(id, rank)` ones.
fn push_matches(sql: &mut Sql, backend: Backend, index: Index, query: &SearchQuery, ranks: Ranks) {
    let table = index.table();
    match backend {
        Backend::Sqlite => {
            let expression = match index {
                Index::Comments { addresses: false } => query.fts5_in(&["body", "author"]),
                _ => query.fts5(),
            };
            let rank = match ranks {
                Ranks::None => String::new(),
                Ranks::Each => format!(", bm25({table}, {SQLITE_WEIGHTS}) AS rank"),
            };
            sql.push(&format!("(SELECT rowid AS id{rank} FROM {table} WHERE {table} MATCH "));
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
            let rank = match ranks {
                Ranks::None => String::new(),
                Ranks::Each => format!(", -ts_rank_cd({POSTGRES_WEIGHTS}, doc, q, 1) AS rank"),
            };
            sql.push(&format!("(SELECT {key} AS id{rank} FROM {table}, CAST("));
            sql.text(&expression).push(" AS tsquery) q WHERE doc @@ q)");
        }
    }
}
