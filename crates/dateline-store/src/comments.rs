//! Comment moderation and the spam filter's memory.

use std::collections::HashMap;

use dateline_core::spam::{Counts, DOCUMENTS};
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::rows::{self, COMMENT_COLUMNS};
use crate::sql::Sql;
use dateline_core::search::SearchQuery;

/// Tokens upserted by one statement: 1,000 parameters, well inside both stores' limits.
const TOKENS_PER_STATEMENT: usize = 500;

/// Adds `delta` documents of `label` to each token (and to the document total).
///
/// One statement per [`TOKENS_PER_STATEMENT`] tokens, each token once, in sorted order. Every
/// approval teaches the filter its comment's words, and one upsert per word made moderating
/// 50 comments a second on PostgreSQL spend over half the database's time here (6,000
/// statements in 5 s, each waiting on the rows the others held). The order makes concurrent
/// trainings lock shared tokens in the same order, so they cannot deadlock.
async fn add_counts(conn: &mut AnyConnection, tokens: &[String], label: SpamLabel, delta: i64) -> StoreResult<()> {
    let column = match label {
        SpamLabel::Spam => "spam",
        SpamLabel::Ham => "ham",
    };
    let mut all: Vec<&str> = tokens.iter().map(String::as_str).chain([DOCUMENTS]).collect();
    all.sort_unstable();
    all.dedup();
    for chunk in all.chunks(TOKENS_PER_STATEMENT) {
        // The same upsert in both dialects; a row cannot be named twice in one (hence dedup).
        let mut sql = Sql::new(&format!("INSERT INTO spam_tokens (token, {column}) VALUES "));
        for (i, token) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).text(token).push(", ").int(delta.max(0)).push(")");
        }
        sql.push(&format!(" ON CONFLICT (token) DO UPDATE SET {column} = spam_tokens.{column} + ")).int(delta);
        sql.query().execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

impl SqlStore {
    pub(crate) async fn comment_by_id_impl(&self, id: CommentId) -> StoreResult<Option<Comment>> {
        let mut sql = Sql::new(&format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.id = "));
        sql.int(id);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::comment).transpose().store_err()
    }

    pub(crate) async fn list_comments_impl(&self, query: &CommentQuery) -> StoreResult<Page<Comment>> {
        let search = query.search.as_deref().filter(|s| !s.trim().is_empty()).map(SearchQuery::parse);
        if search.as_ref().is_some_and(SearchQuery::is_empty) {
            return Ok(Page { items: Vec::new(), total: 0 });
        }
        let select = |columns: &str| {
            let index = crate::search::Index::Comments { addresses: query.search_addresses };
            crate::search::select_matching(self.backend, index, search.as_ref(), columns, "comments c")
        };
        let filter = |sql: &mut Sql| {
            sql.push(" WHERE 1 = 1");
            if let Some(status) = query.status {
                sql.push(" AND c.status = ").text(status.as_str());
            }
            if let Some(post) = query.post {
                sql.push(" AND c.post_id = ").int(post);
            }
        };
        let mut count = select("COUNT(*) AS n");
        filter(&mut count);
        let total: i64 = self.read_row(count.query()).await.store_err()?.try_get("n").store_err()?;
        let per_page = i64::from(query.per_page.max(1));
        let mut sql = select(COMMENT_COLUMNS);
        filter(&mut sql);
        sql.push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ").int(per_page);
        sql.push(" OFFSET ").int(i64::from(query.page.max(1) - 1) * per_page);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let items = rows.iter().map(rows::comment).collect::<Result<_, _>>().store_err()?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
    }

    pub(crate) async fn comment_counts_impl(&self) -> StoreResult<Vec<(CommentStatus, i64)>> {
        let rows = self.read_rows(sqlx::query("SELECT status, COUNT(*) AS n FROM comments GROUP BY status")).await.store_err()?;
        let mut counts: Vec<(CommentStatus, i64)> = CommentStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let status: String = row.try_get("status").store_err()?;
            let n: i64 = row.try_get("n").store_err()?;
            if let Some(entry) = counts.iter_mut().find(|(s, _)| s.as_str() == status) {
                entry.1 = n;
            }
        }
        Ok(counts)
    }

    pub(crate) async fn set_comment_status_impl(&self, id: CommentId, status: CommentStatus) -> StoreResult<Comment> {
        self.moderate_comment_impl(id, status, None).await
    }

    /// Moves a comment to `status` and, with a `lesson`, teaches the spam filter from it, in
    /// one transaction holding the comment's row: two moderators deciding at once end with the
    /// status and the lesson of the same one.
    pub(crate) async fn moderate_comment_impl(
        &self,
        id: CommentId,
        status: CommentStatus,
        lesson: Option<SpamLabel>,
    ) -> StoreResult<Comment> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut find = Sql::new(&format!("SELECT {COMMENT_COLUMNS}, c.trained_as FROM comments c WHERE c.id = "));
        find.int(id);
        if self.backend == Backend::Postgres {
            find.push(" FOR UPDATE");
        }
        let (before, trained_as) = match find.query().fetch_optional(&mut *tx).await.store_err()? {
            Some(row) => (rows::comment(&row).store_err()?, trained_label(&row)?),
            None => return Err(StoreError::NotFound(format!("comment {id}"))),
        };
        // Into the trash, the status it leaves is kept for Restore; out of it, forgotten.
        let remembered = match (before.status, status) {
            (CommentStatus::Trash, CommentStatus::Trash) => before.status_before_trash,
            (from, CommentStatus::Trash) => Some(from),
            _ => None,
        };
        // A decision that changes nothing teaches nothing, nor does a lesson already learnt.
        let lesson = lesson.filter(|label| before.status != status && trained_as != Some(*label));
        // The status and what the filter learns from it in one statement (one round trip less
        // for each approval than `train`, which reads and marks the comment itself).
        let mut update = Sql::new("UPDATE comments SET revision = revision + 1, status = ");
        update.text(status.as_str()).push(", status_before_trash = ").opt_text(remembered.map(CommentStatus::as_str));
        update.push(", trained_as = COALESCE(").opt_text(lesson.map(SpamLabel::as_str)).push(", trained_as)");
        update.push(" WHERE id = ").int(id);
        update.query().execute(&mut *tx).await.store_err()?;
        if let Some(label) = lesson {
            let tokens = dateline_core::spam::tokens(
                before.author_name.as_deref(),
                before.author_email.as_deref(),
                before.author_url.as_deref(),
                &before.body,
            );
            relabel(&mut tx, &tokens, trained_as, label).await?;
        }
        tx.commit().await.store_err()?;
        Ok(before)
    }

    pub(crate) async fn has_approved_comment_impl(&self, email: Option<&str>, name: Option<&str>) -> StoreResult<bool> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM comments WHERE status = 'approved' AND ");
        match (email, name) {
            (Some(email), _) => sql.push("lower(author_email) = lower(").text(email).push(")"),
            (None, Some(name)) => sql.push("author_email IS NULL AND author_name = ").text(name),
            (None, None) => return Ok(false),
        };
        let n: i64 = self.read_row(sql.query()).await.store_err()?.try_get("n").store_err()?;
        Ok(n > 0)
    }

    pub(crate) async fn unsubscribe_comment_impl(&self, id: CommentId) -> StoreResult<bool> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut sql = Sql::new("UPDATE comments SET revision = revision + 1, notify = 0 WHERE notify = 1 AND id = ");
        sql.int(id);
        let changed = sql.query().execute(&mut *tx).await.store_err()?.rows_affected();
        tx.commit().await.store_err()?;
        Ok(changed > 0)
    }

    pub(crate) async fn setting_or_init_impl(&self, name: &str, init: &str) -> StoreResult<String> {
        let mut select = Sql::new("SELECT value FROM settings WHERE name = ");
        select.text(name);
        // Read first: once set, the value is only read (a store served read-only starts).
        if let Some(row) = self.read_optional_row(select.query()).await.store_err()? {
            return row.try_get("value").store_err();
        }
        {
            let (_gate, mut tx) = self.begin_write().await.store_err()?;
            // First writer wins; every later caller (on any instance) reads its value.
            let mut insert = Sql::new("INSERT INTO settings (name, value) VALUES (");
            insert.text(name).push(", ").text(init).push(") ON CONFLICT (name) DO NOTHING");
            insert.query().execute(&mut *tx).await.store_err()?;
            tx.commit().await.store_err()?;
        }
        self.read_row(select.query()).await.store_err()?.try_get("value").store_err()
    }

    pub(crate) async fn spam_counts_impl(&self, tokens: &[String]) -> StoreResult<HashMap<String, Counts>> {
        let mut all: Vec<String> = tokens.to_vec();
        all.push(DOCUMENTS.to_string());
        let mut sql = Sql::new("SELECT token, spam, ham FROM spam_tokens WHERE token IN ");
        sql.text_list(&all);
        let mut counts = HashMap::new();
        for row in self.read_rows(sql.query()).await.store_err()? {
            let token: String = row.try_get("token").store_err()?;
            counts.insert(token, Counts { spam: row.try_get("spam").store_err()?, ham: row.try_get("ham").store_err()? });
        }
        Ok(counts)
    }

    pub(crate) async fn train_comment_impl(&self, id: CommentId, tokens: &[String], label: SpamLabel) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        if self.backend == Backend::Postgres {
            // Two moderators relabelling at once must not both untrain the old label.
            let mut lock = Sql::new("SELECT id FROM comments WHERE id = ");
            lock.int(id).push(" FOR UPDATE");
            lock.query().fetch_optional(&mut *tx).await.store_err()?;
        }
        train(&mut tx, id, tokens, label).await?;
        tx.commit().await.store_err()
    }
}

/// Teaches the filter that comment `id` (its `tokens`) is `label`, untraining what it was taught
/// before; nothing when it was taught that already. The caller holds the comment's row.
async fn train(conn: &mut AnyConnection, id: CommentId, tokens: &[String], label: SpamLabel) -> StoreResult<()> {
    let mut find = Sql::new("SELECT trained_as FROM comments WHERE id = ");
    find.int(id);
    let Some(row) = find.query().fetch_optional(&mut *conn).await.store_err()? else {
        return Err(StoreError::NotFound(format!("comment {id}")));
    };
    let previous = trained_label(&row)?;
    if previous == Some(label) {
        return Ok(());
    }
    relabel(conn, tokens, previous, label).await?;
    let mut mark = Sql::new("UPDATE comments SET revision = revision + 1, trained_as = ");
    mark.text(label.as_str()).push(" WHERE id = ").int(id);
    mark.query().execute(&mut *conn).await.store_err()?;
    Ok(())
}

/// What the filter was last taught a comment is, from a row with its `trained_as`.
fn trained_label(row: &sqlx::any::AnyRow) -> StoreResult<Option<SpamLabel>> {
    let label: Option<String> = row.try_get("trained_as").store_err()?;
    Ok(label.as_deref().and_then(SpamLabel::parse))
}

/// Teaches the filter that a comment's `tokens` are `label`, taking back what it was taught
/// before (`previous`). The caller records the label on the comment.
async fn relabel(conn: &mut AnyConnection, tokens: &[String], previous: Option<SpamLabel>, label: SpamLabel) -> StoreResult<()> {
    if let Some(previous) = previous {
        add_counts(conn, tokens, previous, -1).await?;
    }
    add_counts(conn, tokens, label, 1).await
}

/// Whether the same commenter already said exactly this on `post` (trash aside).
pub(crate) async fn duplicate_exists(
    conn: &mut AnyConnection,
    post: PostId,
    email: Option<&str>,
    name: Option<&str>,
    body: &str,
) -> StoreResult<bool> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM comments WHERE status <> 'trash' AND post_id = ");
    sql.int(post).push(" AND body = ").text(body);
    match (email, name) {
        (Some(email), _) => sql.push(" AND lower(author_email) = lower(").text(email).push(")"),
        (None, Some(name)) => sql.push(" AND author_name = ").text(name),
        (None, None) => sql.push(" AND author_name IS NULL AND author_email IS NULL"),
    };
    let n: i64 = sql.query().fetch_one(&mut *conn).await.store_err()?.try_get("n").store_err()?;
    Ok(n > 0)
}

/// How many comments `limit.address` sent since `limit.since`, and the oldest of them.
pub(crate) async fn recent_from_address(conn: &mut AnyConnection, limit: &FloodLimit) -> StoreResult<(i64, Option<Timestamp>)> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM comments WHERE author_ip = ");
    sql.text(&limit.address).push(" AND created_at >= ").int(limit.since.as_second());
    let row = sql.query().fetch_one(&mut *conn).await.store_err()?;
    let oldest: Option<i64> = row.try_get("oldest").store_err()?;
    Ok((row.try_get("n").store_err()?, oldest.map(rows::time)))
}
