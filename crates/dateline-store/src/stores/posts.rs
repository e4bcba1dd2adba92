//! [`PostStore`] on SQLite and PostgreSQL. Posts and pages: the public stream and single entries, the editors' lists, writing, scheduling and deleting.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::json_rows;
use crate::rows;
use crate::sql::Sql;
use crate::store_impl::push_stream_filter;

/// Appends the columns of a [`SiteFrame`]: `categories` and `pages`, each a JSON array. The
/// navigation reads the pages' narrow rows only (reading them whole, PostgreSQL spent more time
/// planning the join than on anything else a post page asks).
pub(crate) fn push_site_frame(sql: &mut Sql, backend: crate::connect::Backend, now: jiff::Timestamp, page_limit: u32) {
    let pages = json_rows::ordered_array(backend, &json_rows::tuple(backend, rows::LINK_COLUMNS), "x.published_at DESC, x.id DESC");
    super::terms::push_terms(sql, backend, Taxonomy::Category);
    sql.push(&format!(" AS categories, (SELECT {pages} FROM (SELECT p.id, p.kind, p.title, p.slug, p.published_at FROM posts p"));
    push_stream_filter(
        sql,
        &PostQuery { kind: PostKind::Page, filter: PostFilter::All, now, page: 1, per_page: page_limit, sticky_first: false },
    );
    sql.push(" AND p.parent_id IS NULL ORDER BY p.published_at DESC, p.id DESC LIMIT ").fixed(i64::from(page_limit));
    sql.push(") x) AS pages");
}

/// Appends a subquery: when the first post or page readers may not see at `now` becomes due
/// (NULL when none will), one index range of `posts_stream` for each kind and status.
fn push_content_due(sql: &mut Sql, now: jiff::Timestamp) {
    sql.push("(SELECT MIN(d.due) FROM (");
    for (n, (kind, status)) in
        [("post", "published"), ("post", "scheduled"), ("page", "published"), ("page", "scheduled")].iter().enumerate()
    {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!("SELECT MIN(published_at) AS due FROM posts WHERE kind = '{kind}' AND status = '{status}' AND published_at > "));
        sql.int(now.as_second());
    }
    sql.push(") d)");
}

/// The instant of a row's `content_due` column (see [`push_content_due`]).
fn content_due_of(row: &sqlx::any::AnyRow) -> Result<Option<jiff::Timestamp>, sqlx::Error> {
    let due = row.try_get::<Option<i64>, _>("content_due")?;
    // A date past what a timestamp holds never comes.
    Ok(due.and_then(|due| jiff::Timestamp::from_second(due).ok()))
}

/// The [`SiteFrame`] of a row with the columns of [`push_site_frame`].
pub(crate) fn site_frame_of(row: &sqlx::any::AnyRow) -> Result<SiteFrame, sqlx::Error> {
    site_frame_if_read(row)?.ok_or_else(|| sqlx::Error::Decode("a site frame that was not read".into()))
}

/// As [`site_frame_of`], `None` when the columns are NULL (the frame was not asked).
fn site_frame_if_read(row: &sqlx::any::AnyRow) -> Result<Option<SiteFrame>, sqlx::Error> {
    let (Some(categories), Some(pages)) = (row.try_get::<Option<String>, _>("categories")?, row.try_get::<Option<String>, _>("pages")?)
    else {
        return Ok(None);
    };
    Ok(Some(SiteFrame { categories: rows::terms(&categories)?, pages: rows::links(&pages)? }))
}

#[async_trait]
impl PostStore for SqlStore {
    async fn is_empty(&self) -> StoreResult<bool> {
        let row = self.read_row(sqlx::query("SELECT COUNT(*) AS n FROM posts")).await.store_err()?;
        Ok(row.try_get::<i64, _>("n").store_err()? == 0)
    }

    async fn create_post(&self, post: NewPost) -> StoreResult<Post> {
        let id = self.insert_post(post).await?;
        self.post_by_id(id).await?.ok_or_else(|| StoreError::NotFound(format!("post {id} after insert")))
    }

    async fn post_by_id(&self, id: PostId) -> StoreResult<Option<Post>> {
        self.post_where("id", crate::sql::Arg::Int(id), None).await
    }

    async fn post_by_slug(&self, kind: PostKind, slug: &str) -> StoreResult<Option<Post>> {
        self.post_where("slug", crate::sql::Arg::Text(slug.to_string()), Some(kind)).await
    }

    async fn post_page_by_slug(&self, kind: PostKind, slug: &str) -> StoreResult<Option<PostPageRead>> {
        let mut sql = Sql::new(&format!("{} WHERE p.slug = ", rows::select_post_page(self.backend)));
        sql.text(slug).push(" AND p.kind = ").text(kind.as_str());
        let Some(row) = self.read_optional_row(sql.query()).await.store_err()? else { return Ok(None) };
        Ok(Some(PostPageRead {
            post: rows::post(&row).store_err()?,
            versions: crate::versions::page_versions(&row).store_err()?,
            source_gone: row.try_get::<i64, _>("source_gone").store_err()? > 0,
        }))
    }

    async fn list_posts(&self, query: &PostQuery) -> StoreResult<Page<Post>> {
        let per_page = i64::from(query.per_page.max(1));
        let offset = i64::from(query.page.max(1) - 1) * per_page;

        // The page's ids first, sorted on the narrow index rows; then the whole rows of those
        // ten only. Sorting the whole rows made SQLite work out every listed post's columns
        // (its comment count among them) before the sort: 40–60 ms for the home page of a
        // 10,000-post blog with 200,000 comments, against 0.1 ms this way.
        let order = if query.sticky_first {
            " ORDER BY p.sticky DESC, p.published_at DESC, p.id DESC"
        } else {
            " ORDER BY p.published_at DESC, p.id DESC"
        };
        let mut sql = Sql::new(&format!("{} WHERE p.id IN (SELECT p.id FROM posts p", rows::select_listed_posts(self.backend)));
        push_stream_filter(&mut sql, query);
        if query.sticky_first {
            // Every write stores `sticky` as 0 or 1. Naming both lets the front page index
            // (kind, sticky, published_at, …) be read as two ranges up to now, sticky ones
            // first; without it both stores walked the index from its end over every post
            // dated later (4,312 of the harness's blog: 0.2 ms on SQLite, 2.9 ms on
            // PostgreSQL, against 0.01 and 0.4; docs/PERFORMANCE.md, "Stop 39").
            sql.push(" AND p.sticky IN (1, 0)");
        }
        // The limit is written into the text (the blog's `posts_per_page`), and a first page has
        // no offset at all: bound, they made PostgreSQL plan the statement again on every
        // listing (see `Sql::fixed`), 0.5–1 ms of the home page's 1.3 ms there. A later page's
        // offset stays bound, so paging does not make a statement per page number.
        sql.push(order).push(" LIMIT ").fixed(per_page);
        if offset > 0 {
            sql.push(" OFFSET ").int(offset);
        }
        sql.push(")").push(order);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let items = rows.iter().map(rows::post).collect::<Result<Vec<_>, _>>().store_err()?;

        // A page that is not full is the last one, and tells the total by itself (unless it is
        // empty past the first): every short list, such as the blog's pages in the navigation
        // read on every page, skips the count. A full one takes the count kept at the content
        // version read with its posts, or counts.
        let listed = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let version = match rows.first() {
            Some(row) => crate::versions::content_version(row).store_err()?,
            None => None,
        };
        let total = if listed < per_page && (listed > 0 || offset == 0) {
            offset + listed
        } else if let Some(total) = version.and_then(|version| self.kept_totals.total(query.kind, &query.filter, version, query.now)) {
            total
        } else {
            self.count_posts(query).await?
        };
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
    }

    async fn site_frame(&self, now: jiff::Timestamp, page_limit: u32) -> StoreResult<SiteFrame> {
        let mut sql = Sql::new("SELECT ");
        push_site_frame(&mut sql, self.backend, now, page_limit);
        site_frame_of(&self.read_row(sql.query()).await.store_err()?).store_err()
    }

    async fn post_surroundings(&self, post: &Post, now: jiff::Timestamp, asked: Surroundings) -> StoreResult<PostSurroundings> {
        // One statement, its parts as columns: on SQLite each statement is a hand-over to the
        // connection's worker thread and back, on PostgreSQL a round trip, and these were three
        // of a post page's statements (docs/PERFORMANCE.md, stop 30).
        let mut sql = Sql::new("SELECT ");
        // The versions of what was read, so that the caller can keep it (migrations 0026, 0027).
        sql.push(crate::versions::CONTENT_VERSION_COLUMN).push(", ");
        crate::versions::push_comments_version(&mut sql, post.id);
        sql.push(" AS comments_version, ");
        match asked.frame {
            Some(pages) => push_site_frame(&mut sql, self.backend, now, pages),
            None => {
                sql.push("CAST(NULL AS TEXT) AS categories, CAST(NULL AS TEXT) AS pages");
            }
        }
        sql.push(", ");
        // When the frame and the related posts read now may change without a write.
        if asked.frame.is_some() || asked.related > 0 {
            push_content_due(&mut sql, now);
        } else {
            sql.push("CAST(NULL AS BIGINT)");
        }
        sql.push(" AS content_due, ");
        match asked.comments {
            Some(status) => super::comments::push_comment_tree(&mut sql, self.backend, post.id, status),
            None => {
                sql.push("CAST(NULL AS TEXT)");
            }
        }
        sql.push(" AS comment_tree, ");
        if asked.related > 0 {
            crate::bylines::push_related_links(&mut sql, self.backend, post, now, asked.related);
        } else {
            sql.push("CAST(NULL AS TEXT)");
        }
        sql.push(" AS related, ");
        // Asked only for a post read elsewhere: a post's own page reads it with the post. A
        // post without attribution asks nothing. One with attribution asks, with a NULL address
        // when it has none, so the statement's text changes where the related posts' does (see
        // `bylines::push_related`).
        if asked.source_gone && crate::bylines::has_attribution(post) {
            super::sources::push_source_gone(&mut sql, post.source_url());
        } else {
            sql.push("CAST(0 AS BIGINT)");
        }
        sql.push(" AS source_gone");
        let row = self.read_row(sql.query()).await.store_err()?;
        Ok(PostSurroundings {
            frame: site_frame_if_read(&row).store_err()?,
            comment_tree: match row.try_get::<Option<String>, _>("comment_tree").store_err()? {
                Some(tree) => Some(super::comments::decode_comment_tree(&tree)?),
                None => None,
            },
            related: match row.try_get::<Option<String>, _>("related").store_err()? {
                Some(links) => Some(rows::links(&links).store_err()?),
                None => None,
            },
            source_gone: row.try_get::<i64, _>("source_gone").store_err()? > 0,
            versions: crate::versions::page_versions(&row).store_err()?,
            content_due: content_due_of(&row).store_err()?,
        })
    }

    async fn editor_posts(&self, query: &EditorQuery) -> StoreResult<Page<Post>> {
        Ok(self.editor_posts_impl(query, None).await?.0)
    }

    async fn readers_search_page(&self, query: &EditorQuery, page_limit: u32) -> StoreResult<(Page<Post>, SiteFrame)> {
        let (page, frame) = self.editor_posts_impl(query, Some(page_limit)).await?;
        let frame = match frame {
            Some(frame) => frame,
            None => self.site_frame(query.published_before.unwrap_or_else(jiff::Timestamp::now), page_limit).await?,
        };
        Ok((page, frame))
    }

    async fn save_post(&self, id: Option<PostId>, post: PostWrite) -> StoreResult<Post> {
        let id = self.save_post_impl(id, post).await?;
        self.post_by_id(id).await?.ok_or_else(|| StoreError::NotFound(format!("post {id} after save")))
    }

    async fn delete_post(&self, id: PostId) -> StoreResult<()> {
        self.delete_post_impl(id).await
    }

    async fn publish_due_posts(&self, now: jiff::Timestamp) -> StoreResult<u64> {
        self.publish_due_posts_impl(now).await
    }

    async fn sitemap_entries(&self, now: jiff::Timestamp) -> StoreResult<Vec<(PostKind, String, jiff::Timestamp, jiff::Timestamp)>> {
        let mut sql = Sql::new(
            "SELECT kind, slug, published_at, updated_at FROM posts WHERE status IN ('published', 'scheduled') AND password IS NULL AND published_at <= ",
        );
        sql.int(now.as_second()).push(" ORDER BY published_at DESC LIMIT 50000");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind").store_err()?;
            let Some(kind) = PostKind::parse(&kind) else { continue };
            let published = rows::time(row.try_get("published_at").store_err()?);
            let updated = rows::time(row.try_get("updated_at").store_err()?);
            entries.push((kind, row.try_get("slug").store_err()?, published, updated));
        }
        Ok(entries)
    }

    async fn post_counts(&self) -> StoreResult<Vec<(PostKind, PostStatus, i64)>> {
        let rows = self.read_rows(sqlx::query("SELECT kind, status, COUNT(*) AS n FROM posts GROUP BY kind, status")).await.store_err()?;
        let mut counts = Vec::new();
        for row in rows {
            let kind: String = row.try_get("kind").store_err()?;
            let status: String = row.try_get("status").store_err()?;
            if let (Some(kind), Some(status)) = (PostKind::parse(&kind), PostStatus::parse(&status)) {
                counts.push((kind, status, row.try_get("n").store_err()?));
            }
        }
        Ok(counts)
    }

    async fn all_posts(&self, kind: PostKind) -> StoreResult<Vec<Post>> {
        let mut sql = Sql::new(&format!("{} WHERE p.kind = ", rows::select_posts(self.backend)));
        sql.text(kind.as_str()).push(" ORDER BY p.published_at, p.id");
        self.fetch_posts(&sql).await
    }
}

impl SqlStore {
    /// Counts the posts of `query`'s listing, and keeps the count with the content version and
    /// the next due time read in the same statement (see `kept_totals`).
    async fn count_posts(&self, query: &PostQuery) -> StoreResult<i64> {
        let mut count = Sql::new("SELECT COUNT(*) AS n, ");
        count.push(crate::versions::CONTENT_VERSION_COLUMN).push(", ");
        push_content_due(&mut count, query.now);
        count.push(" AS content_due FROM posts p");
        push_stream_filter(&mut count, query);
        let row = self.read_row(count.query()).await.store_err()?;
        let total: i64 = row.try_get("n").store_err()?;
        if let Some(version) = crate::versions::content_version(&row).store_err()? {
            let count = crate::kept_totals::Count { version, counted_at: query.now, due: content_due_of(&row).store_err()?, total };
            self.kept_totals.keep(query.kind, &query.filter, count);
        }
        Ok(total)
    }
}
