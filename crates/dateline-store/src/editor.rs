//! What editors need beyond the public stream: lists of any status, saving whole posts with
//! their terms in one transaction, deleting, and terms by id.

use std::collections::HashMap;

use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::post_write::RowKeys;
use crate::rows::{self, TERM_COLUMNS};
use crate::search::{Index, RANKED_MATCHES, Ranks, push_select_matching};
use crate::sql::Sql;
use dateline_core::search::SearchQuery;

fn push_editor_filter(sql: &mut Sql, query: &EditorQuery) {
    if query.any_kind {
        sql.push(" WHERE p.kind IN ('post', 'page')");
    } else {
        sql.push(" WHERE p.kind = ").text(query.kind.as_str());
    }
    if query.statuses.is_empty() {
        sql.push(" AND p.status <> 'trash'");
    } else {
        let statuses: Vec<String> = query.statuses.iter().map(|s| s.as_str().to_string()).collect();
        sql.push(" AND p.status IN ").text_list(&statuses);
    }
    if let Some(author) = query.author {
        sql.push(" AND p.author_id = ").int(author);
    }
    // Someone who may not edit others' posts sees others' posts only once readers can.
    if let Some((reader, now)) = query.readable_by {
        sql.push(" AND (p.author_id = ").int(reader);
        sql.push(" OR (p.status IN ('published', 'scheduled') AND p.published_at <= ").int(now.as_second()).push("))");
    }
    // Any of the categories, and any of the tags (as WordPress combines them).
    for terms in [&query.categories, &query.tags] {
        if !terms.is_empty() {
            sql.push(" AND p.id IN (SELECT post_id FROM post_terms WHERE term_id IN ").int_list(terms).push(")");
        }
    }
    if !query.exclude_authors.is_empty() {
        sql.push(" AND p.author_id NOT IN ").int_list(&query.exclude_authors);
    }
    for terms in [&query.exclude_categories, &query.exclude_tags] {
        if !terms.is_empty() {
            sql.push(" AND p.id NOT IN (SELECT post_id FROM post_terms WHERE term_id IN ").int_list(terms).push(")");
        }
    }
    if !query.slugs.is_empty() {
        sql.push(" AND p.slug IN ").text_list(&query.slugs);
    }
    if !query.ids.is_empty() {
        sql.push(" AND p.id IN ").int_list(&query.ids);
    }
    if !query.exclude.is_empty() {
        sql.push(" AND p.id NOT IN ").int_list(&query.exclude);
    }
    if let Some(sticky) = query.sticky {
        sql.push(" AND p.sticky = ").int(i64::from(sticky));
    }
    if query.without_password {
        sql.push(" AND p.password IS NULL");
    }
    if let Some(before) = query.published_before {
        sql.push(" AND p.published_at <= ").int(before.as_second());
    }
    if let Some(after) = query.published_after {
        sql.push(" AND p.published_at > ").int(after.as_second());
    }
}

/// The instant of a reader's search of posts ([`EditorQuery::readers_search`], whatever its
/// words, order and page), when `query` is one: what the reader index answers.
fn readers_instant(query: &EditorQuery) -> Option<Timestamp> {
    let now = query.published_before?;
    let readers = EditorQuery {
        search: query.search.clone(),
        order: query.order,
        ascending: query.ascending,
        offset: query.offset,
        page: query.page,
        per_page: query.per_page,
        ..EditorQuery::readers_search(PostKind::Post, "", now)
    };
    (*query == readers).then_some(now)
}

/// Whether readers' search may show `post` at `now` (what [`EditorQuery::readers_search`] asks).
fn readers_may_see(post: &Post, now: Timestamp) -> bool {
    post.kind == PostKind::Post && post.is_open_at(now)
}

/// Appends `SELECT columns` over the posts `query` asks for, as `p`, among the matches of
/// `words` when there are words. A reader's search on PostgreSQL (`readers_at`, by relevance
/// or by date) takes them from the search entries alone ([`crate::search::push_readers_entries`]),
/// which hold the id and the date only; every other query joins the matches to the posts and
/// filters them there.
fn push_candidates(
    sql: &mut Sql,
    backend: Backend,
    (words, query): (Option<&SearchQuery>, &EditorQuery),
    columns: &str,
    readers_at: Option<Timestamp>,
) {
    match (words, readers_at) {
        (Some(words), Some(at)) if backend == Backend::Postgres => {
            sql.push(&format!("SELECT {columns} FROM "));
            crate::search::push_readers_entries(sql, words, at.as_second());
        }
        _ => {
            push_select_matching(sql, backend, (Index::Posts, Ranks::None), words, columns, "posts p");
            push_editor_filter(sql, query);
        }
    }
}

/// The ids of a page of posts matching `words` best first, and their total, before its
/// `LIMIT`: the newest [`RANKED_MATCHES`] by rank (equally good ones by id, in the order
/// asked), then the rest by date; what `readers_page` gives from the reader index.
/// `readers_at`: as [`push_candidates`].
fn ranked_ids(backend: Backend, words: &SearchQuery, query: &EditorQuery, direction: &str, readers_at: Option<Timestamp>) -> Sql {
    let columns = "p.id, p.published_at AS at, COUNT(*) OVER () AS total_rows, ROW_NUMBER() OVER (ORDER BY p.id DESC) AS recency";
    let head = format!("recency <= {RANKED_MATCHES}");
    let mut sql = Sql::new("SELECT id, total_rows FROM (");
    match backend {
        // bm25 is computed in the full-text query's own pass: every match is ranked as found.
        Backend::Sqlite => {
            let columns = format!("{columns}, s.rank AS rank");
            push_select_matching(&mut sql, backend, (Index::Posts, Ranks::Each), Some(words), &columns, "posts p");
            push_editor_filter(&mut sql, query);
        }
        // ts_rank_cd reads one document: only the matches ranked are (half the time of a
        // word in most posts).
        Backend::Postgres => {
            sql.push(&format!("SELECT m.*, CASE WHEN m.{head} THEN "));
            crate::search::push_postgres_rank(&mut sql, words, "m.id");
            sql.push(" END AS rank FROM (");
            push_candidates(&mut sql, backend, (Some(words), query), columns, readers_at);
            sql.push(") m");
        }
    }
    sql.push(&format!(
        ") ranked ORDER BY CASE WHEN {head} THEN 0 ELSE 1 END, CASE WHEN {head} THEN rank END, \
         CASE WHEN {head} THEN id END {direction}, at {direction}, id {direction} LIMIT "
    ));
    sql
}

/// The posts of `rows` ([`rows::select_posts`]), in the order of `ids`.
fn posts_in_order_of(rows: &[AnyRow], ids: &[i64]) -> StoreResult<Vec<Post>> {
    let mut items = rows.iter().map(rows::post).collect::<Result<Vec<_>, _>>().store_err()?;
    items.sort_by_key(|post| ids.iter().position(|id| *id == post.id));
    Ok(items)
}

impl SqlStore {
    /// The posts `query` asks for; with `frame_pages` (a reader's results page), also the site
    /// frame (at most that many pages) when the statement that found them could bring it along
    /// (a reader's search from the reader index), else `None`, and posts read only to be shown
    /// ([`rows::select_posts_to_show`]).
    pub(crate) async fn editor_posts_impl(
        &self,
        query: &EditorQuery,
        frame_pages: Option<u32>,
    ) -> StoreResult<(Page<Post>, Option<SiteFrame>)> {
        // Words to find narrow the posts to the index's matches, ranked; words that are all
        // punctuation or exclusions find nothing.
        let search = query.search.as_deref().filter(|s| !s.trim().is_empty()).map(SearchQuery::parse);
        if search.as_ref().is_some_and(SearchQuery::is_empty) {
            return Ok((Page { items: Vec::new(), total: 0 }, None));
        }
        let direction = if query.ascending { "ASC" } else { "DESC" };
        let per_page = i64::from(query.per_page.max(1));
        let skip = match query.offset {
            Some(offset) => i64::from(offset),
            None => i64::from(query.page.max(1) - 1) * per_page,
        };
        let ranked = search.as_ref().filter(|_| query.order == PostOrder::Relevance);
        let readers_now = readers_instant(query);
        // A reader's search on SQLite: from the index of what readers may see, when it can.
        if let (Some(words), Some(now), Backend::Sqlite) = (ranked, readers_now, self.backend)
            && let Some(found) = self.readers_page(words, now, (per_page, skip, direction), frame_pages).await?
        {
            return Ok(found);
        }
        // On PostgreSQL, by relevance or by date: from the search entries alone.
        let readers_at = readers_now.filter(|_| matches!(query.order, PostOrder::Relevance | PostOrder::Date));
        let candidates = |sql: &mut Sql, columns: &str| push_candidates(sql, self.backend, (search.as_ref(), query), columns, readers_at);
        // The page's ids first, sorted on narrow rows, with the total alongside (a window over
        // every row that matched); then the whole posts of that page only.
        let mut sql = match ranked {
            Some(words) => ranked_ids(self.backend, words, query, direction, readers_at),
            None => {
                let mut sql = Sql::new("");
                candidates(&mut sql, "p.id, COUNT(*) OVER () AS total_rows");
                let column = match query.order {
                    PostOrder::Date | PostOrder::Relevance => "p.published_at",
                    PostOrder::Id => "p.id",
                    PostOrder::Title => "lower(p.title)",
                    PostOrder::Modified => "p.updated_at",
                };
                sql.push(&format!(" ORDER BY {column} {direction}, p.id {direction} LIMIT "));
                sql
            }
        };
        sql.int(per_page).push(" OFFSET ").int(skip);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>().store_err()?;
        let total: i64 = match rows.first() {
            Some(row) => row.try_get("total_rows").store_err()?,
            None if skip == 0 => 0,
            // Past the last page: how many there are, for the caller to say so.
            None => {
                let mut count = Sql::new("");
                candidates(&mut count, "COUNT(*) AS n");
                self.read_row(count.query()).await.store_err()?.try_get("n").store_err()?
            }
        };
        // A reader's results page (the caller asked for the frame) only shows its posts.
        let select = if frame_pages.is_some() { rows::select_posts_to_show(self.backend) } else { rows::select_posts(self.backend) };
        Ok((Page { items: self.posts_in_order(&ids, select).await?, total: u64::try_from(total).unwrap_or(0) }, None))
    }

    /// A reader's search answered from SQLite's reader index ([`crate::search::readers_page`]),
    /// when it can answer: `per_page` posts from `skip` in `direction`, and with `frame_pages`
    /// the site frame too.
    async fn readers_page(
        &self,
        words: &SearchQuery,
        now: Timestamp,
        (per_page, skip, direction): (i64, i64, &str),
        frame_pages: Option<u32>,
    ) -> StoreResult<Option<(Page<Post>, Option<SiteFrame>)>> {
        let mut reader = self.readers.take(&self.pool).await.store_err()?;
        let found = crate::search::readers_page(reader.connection(), words, now, (per_page, skip, direction), frame_pages).await;
        reader.finish(&found);
        let Some(page) = found.store_err()? else { return Ok(None) };
        let items = posts_in_order_of(&page.rows, &page.ids)?;
        let (ids, total) = (page.ids, page.total);
        // Readers' own test as well: the index decides what is found, never alone what is
        // shown (nor counted). Tested here, not in the statement: with it there SQLite walks
        // the index of visible posts (thousands of entries) instead of taking ten by id.
        if items.len() != ids.len() || !items.iter().all(|post| readers_may_see(post, now)) {
            tracing::warn!("the reader search index holds posts readers may not see; the search was answered without it");
            return Ok(None);
        }
        Ok(Some((Page { items, total: u64::try_from(total).unwrap_or(0) }, page.frame)))
    }

    /// The posts `ids` (whole), in that order.
    async fn posts_in_order(&self, ids: &[i64], select: &str) -> StoreResult<Vec<Post>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!("{select} WHERE p.id IN "));
        sql.int_list(ids);
        posts_in_order_of(&self.read_rows(sql.query()).await.store_err()?, ids)
    }

    pub(crate) async fn save_post_impl(&self, id: Option<PostId>, post: PostWrite) -> StoreResult<PostId> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        if let Some(id) = id {
            let mut exists = Sql::new("SELECT COUNT(*) AS n FROM posts WHERE id = ");
            exists.int(id);
            if exists.query().fetch_one(&mut *tx).await.store_err()?.try_get::<i64, _>("n").store_err()? == 0 {
                return Err(StoreError::NotFound(format!("post {id}")));
            }
        }
        let id = crate::post_write::write_post_row(&mut tx, &post, RowKeys::saved_now(id)).await?;
        crate::search::reindex_posts(&mut tx, &[id]).await.store_err()?;
        tx.commit().await.store_err()?;
        Ok(id)
    }

    pub(crate) async fn publish_due_posts_impl(&self, now: Timestamp) -> StoreResult<u64> {
        if self.backend == Backend::Postgres {
            // Every instance asks each minute. An UPDATE of no row still runs PostgreSQL's
            // statement triggers: the content version (migration 0027) and the page caches'
            // notice (0006) moved each minute for nothing. (SQLite's triggers run per row; its
            // readers' index is brought up to date below whether or not a status changes.)
            let due = sqlx::query(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM posts WHERE status = 'scheduled' AND published_at <= $1) THEN 1 ELSE 0 END AS n",
            )
            .bind(now.as_second());
            if self.read_row(due).await.store_err()?.try_get::<i64, _>("n").store_err()? == 0 {
                return Ok(0);
            }
        }
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let done = sqlx::query("UPDATE posts SET status = 'published' WHERE status = 'scheduled' AND published_at <= $1")
            .bind(now.as_second())
            .execute(&mut *tx)
            .await
            .store_err()?;
        // What became due is indexed for readers' searches (the status change queued it).
        if self.backend == Backend::Sqlite {
            crate::search::flush_readers(&mut tx, now.as_second()).await.store_err()?;
        }
        tx.commit().await.store_err()?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn delete_post_impl(&self, id: PostId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let comments = crate::search::comments_of(&mut tx, id).await.store_err()?;
        for sql in [
            "DELETE FROM meta WHERE owner = 'comment' AND owner_id IN (SELECT id FROM comments WHERE post_id = $1)",
            "DELETE FROM meta WHERE owner = 'post' AND owner_id = $1",
            "DELETE FROM comments WHERE post_id = $1",
            "DELETE FROM post_terms WHERE post_id = $1",
            "DELETE FROM posts WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.store_err()?;
        }
        crate::search::reindex_posts(&mut tx, &[id]).await.store_err()?;
        crate::search::reindex_comments(&mut tx, &comments).await.store_err()?;
        tx.commit().await.store_err()
    }

    pub(crate) async fn term_by_id_impl(&self, id: TermId) -> StoreResult<Option<Term>> {
        let mut sql = Sql::new(&format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.id = "));
        sql.int(id);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::term).transpose().store_err()
    }

    pub(crate) async fn create_term_impl(
        &self,
        taxonomy: Taxonomy,
        name: &str,
        slug: &str,
        description: &str,
        parent: Option<TermId>,
    ) -> StoreResult<Term> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut sql = Sql::new("INSERT INTO terms (taxonomy, name, slug, description, parent_id) VALUES (");
        sql.text(taxonomy.as_str()).push(", ").text(name).push(", ").text(slug).push(", ").text(description).push(", ").opt_int(parent);
        sql.push(&format!(") RETURNING {}", TERM_COLUMNS.replace("t.", "")));
        let row = sql.query().fetch_one(&mut *tx).await.store_err()?;
        let term = rows::term(&row).store_err()?;
        tx.commit().await.store_err()?;
        Ok(term)
    }

    pub(crate) async fn term_post_counts_impl(&self, taxonomy: Taxonomy) -> StoreResult<HashMap<TermId, i64>> {
        let mut sql = Sql::new(
            "SELECT pt.term_id, COUNT(*) AS n FROM post_terms pt JOIN terms t ON t.id = pt.term_id JOIN posts p ON p.id = pt.post_id \
             WHERE p.status IN ('published', 'scheduled') AND p.published_at <= ",
        );
        sql.int(Timestamp::now().as_second()).push(" AND t.taxonomy = ").text(taxonomy.as_str()).push(" GROUP BY pt.term_id");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(|r| Ok((r.try_get("term_id")?, r.try_get("n")?))).collect::<Result<_, sqlx::Error>>().store_err()
    }
}
