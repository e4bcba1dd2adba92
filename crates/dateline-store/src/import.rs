//! Imports as one transaction ([`ImportSession`]), with upserts keyed by `source_key` so a
//! second import of the same export updates in place. Links that may point forward in the
//! file (comment and page parents, category parents, redirects) are resolved in `finish`.

use std::collections::HashMap;

use async_trait::async_trait;
use dateline_core::import::*;
use dateline_core::slug::slugify;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::post_write::RowKeys;
use crate::sql::Sql;

pub(crate) struct SqlImportSession {
    tx: Transaction<'static, Any>,
    /// Held for the whole import on SQLite (one writer at a time).
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    backend: Backend,
    now: Timestamp,
    /// Whether anything imported before could be updated (else deletes of old meta are skipped).
    reimport: bool,
    authors: HashMap<String, i64>,
    /// Old-site account ids to ours, for comments written by signed-in people.
    authors_by_wp_id: HashMap<i64, UserId>,
    terms: HashMap<(Taxonomy, String), i64>,
    term_parents: Vec<(i64, String)>,
    post_parents: Vec<(i64, String)>,
    media_parents: Vec<(i64, String)>,
    redirects: Vec<(String, RedirectTarget)>,
    /// Posts and comments written, indexed for search once at the end (after links are
    /// rewritten), many to a statement.
    imported_posts: Vec<PostId>,
    imported_comments: Vec<CommentId>,
}

impl SqlStore {
    pub(crate) async fn begin_import_impl(&self) -> StoreResult<Box<dyn ImportSession>> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let mut tx = self.begin_writing().await.store_err()?;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM posts WHERE source_key IS NOT NULL").fetch_one(&mut *tx).await.store_err()?;
        let reimport = row.try_get::<i64, _>("n").store_err()? > 0;
        Ok(Box::new(SqlImportSession {
            tx,
            _gate: gate,
            backend: self.backend,
            now: Timestamp::now(),
            reimport,
            authors: HashMap::new(),
            authors_by_wp_id: HashMap::new(),
            terms: HashMap::new(),
            term_parents: Vec::new(),
            post_parents: Vec::new(),
            media_parents: Vec::new(),
            redirects: Vec::new(),
            imported_posts: Vec::new(),
            imported_comments: Vec::new(),
        }))
    }
}

async fn scalar_id(conn: &mut AnyConnection, sql: &Sql) -> StoreResult<Option<i64>> {
    let row = sql.query().fetch_optional(&mut *conn).await.store_err()?;
    row.map(|r| r.try_get::<i64, _>(0).store_err()).transpose()
}

async fn write_meta(conn: &mut AnyConnection, owner: &str, id: i64, meta: &[(String, String)], replace: bool) -> StoreResult<()> {
    if replace {
        let mut delete = Sql::new("DELETE FROM meta WHERE owner = ");
        delete.text(owner).push(" AND owner_id = ").int(id);
        delete.query().execute(&mut *conn).await.store_err()?;
    }
    for (name, value) in meta {
        let mut insert = Sql::new("INSERT INTO meta (owner, owner_id, name, value) VALUES (");
        insert.text(owner).push(", ").int(id).push(", ").text(name).push(", ").text(value).push(")");
        insert.query().execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

/// A free id: `wanted` when no row of `table` has it.
/// The id a new row of `table` is given: WordPress's own when it is free; otherwise `None`,
/// for the store to number it. On PostgreSQL the sequence is first moved past every id given
/// explicitly so far, which it does not see (SQLite's AUTOINCREMENT does).
async fn choose_id(conn: &mut AnyConnection, backend: Backend, table: &str, wanted: Option<i64>) -> StoreResult<Option<i64>> {
    if let Some(wanted) = wanted.filter(|w| *w > 0) {
        let mut sql = Sql::new(&format!("SELECT id FROM {table} WHERE id = "));
        sql.int(wanted);
        if scalar_id(conn, &sql).await?.is_none() {
            return Ok(Some(wanted));
        }
    }
    if backend == Backend::Postgres {
        sync_sequence(conn, table).await?;
    }
    Ok(None)
}

/// Moves `table`'s PostgreSQL id sequence to its largest id.
async fn sync_sequence(conn: &mut AnyConnection, table: &str) -> StoreResult<()> {
    sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"))
        .execute(conn)
        .await
        .store_err()?;
    Ok(())
}

impl SqlImportSession {
    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    async fn author_id(&mut self, login: &str) -> StoreResult<i64> {
        if let Some(id) = self.authors.get(login) {
            return Ok(*id);
        }
        let author = ImportAuthor { login: login.to_string(), display_name: login.to_string(), email: None, wp_id: None };
        self.author(&author).await
    }

    async fn term_id(&mut self, taxonomy: Taxonomy, slug: &str, name: &str) -> StoreResult<i64> {
        if let Some(id) = self.terms.get(&(taxonomy, slug.to_string())) {
            return Ok(*id);
        }
        let mut find = Sql::new("SELECT id FROM terms WHERE taxonomy = ");
        find.text(taxonomy.as_str()).push(" AND slug = ").text(slug);
        if let Some(id) = scalar_id(self.conn(), &find).await? {
            self.terms.insert((taxonomy, slug.to_string()), id);
            return Ok(id);
        }
        // Used by a post but not declared by the export: made from what the post says.
        let name = if name.trim().is_empty() { slug } else { name };
        let term = ImportTerm {
            taxonomy,
            slug: slug.to_string(),
            name: name.to_string(),
            description: String::new(),
            parent_slug: None,
            meta: vec![],
        };
        self.term(&term).await
    }
}

#[async_trait]
impl ImportSession for SqlImportSession {
    async fn author(&mut self, author: &ImportAuthor) -> StoreResult<UserId> {
        let now = self.now.as_second();
        let login = author.login.clone();
        let conn = self.conn();
        let mut find = Sql::new("SELECT id FROM users WHERE login = ");
        find.text(&login);
        let id = match scalar_id(conn, &find).await? {
            Some(id) => {
                let mut update = Sql::new("UPDATE users SET display_name = ");
                update
                    .text(&author.display_name)
                    .push(", email = COALESCE(")
                    .opt_text(author.email.as_deref())
                    .push(", email) WHERE id = ")
                    .int(id);
                update.query().execute(&mut *conn).await.store_err()?;
                id
            }
            None => {
                let base = match slugify(&login) {
                    s if s.is_empty() => "author".to_string(),
                    s => s,
                };
                let slug = crate::writes::unique_slug(conn, "users", None, &base).await?;
                let mut insert = Sql::new("INSERT INTO users (login, display_name, slug, email, role, created_at) VALUES (");
                insert.text(&login).push(", ").text(&author.display_name).push(", ").text(&slug).push(", ");
                insert.opt_text(author.email.as_deref()).push(", ").text(Role::Author.as_str()).push(", ").int(now).push(") RETURNING id");
                scalar_id(conn, &insert).await?.ok_or_else(|| StoreError::Backend("no id returned".into()))?
            }
        };
        self.authors.insert(login, id);
        if let Some(wp_id) = author.wp_id {
            self.authors_by_wp_id.insert(wp_id, id);
        }
        Ok(id)
    }

    async fn term(&mut self, term: &ImportTerm) -> StoreResult<TermId> {
        let reimport = self.reimport;
        let conn = self.conn();
        let mut sql = Sql::new("INSERT INTO terms (taxonomy, name, slug, description) VALUES (");
        sql.text(term.taxonomy.as_str()).push(", ").text(&term.name).push(", ").text(&term.slug).push(", ").text(&term.description);
        sql.push(") ON CONFLICT (taxonomy, slug) DO UPDATE SET name = excluded.name, description = excluded.description RETURNING id");
        let id = scalar_id(conn, &sql).await?.ok_or_else(|| StoreError::Backend("no id returned".into()))?;
        if !term.meta.is_empty() || reimport {
            write_meta(conn, "term", id, &term.meta, true).await?;
        }
        if let Some(parent) = term.parent_slug.as_ref().filter(|p| !p.is_empty()) {
            self.term_parents.push((id, parent.clone()));
        }
        self.terms.insert((term.taxonomy, term.slug.clone()), id);
        Ok(id)
    }

    async fn post(&mut self, post: &ImportPost) -> StoreResult<PostId> {
        let mut write = post.write.clone();
        write.author = self.author_id(&post.author_login).await?;
        // The parent may come later in the export: set once every post is in (`post_parents`).
        write.parent_id = None;
        write.category_ids.clear();
        write.tag_ids.clear();
        for (slug, name) in &post.categories {
            write.category_ids.push(self.term_id(Taxonomy::Category, slug, name).await?);
        }
        for (slug, name) in &post.tags {
            write.tag_ids.push(self.term_id(Taxonomy::Tag, slug, name).await?);
        }
        if write.slug.is_empty() {
            write.slug = slugify(&write.title);
        }
        if write.slug.is_empty() {
            write.slug = format!("{}-{}", write.kind, post.wanted_id.unwrap_or(0));
        }
        let now = self.now;
        let backend = self.backend;
        let conn = self.conn();

        let mut find = Sql::new("SELECT id FROM posts WHERE source_key = ");
        find.text(&post.source_key);
        let existing = scalar_id(conn, &find).await?;
        let new_id = match existing {
            Some(_) => None,
            None => choose_id(conn, backend, "posts", post.wanted_id).await?,
        };
        let keys = RowKeys { existing, new_id, source_key: Some(&post.source_key), created_at: now, updated_at: post.updated_at };
        let id = crate::post_write::write_post_row(conn, &write, keys).await?;
        write_meta(conn, "post", id, &post.meta, existing.is_some()).await?;
        if let Some(parent) = &post.parent_source_key {
            self.post_parents.push((id, parent.clone()));
        }
        self.imported_posts.push(id);
        Ok(id)
    }

    async fn comment(&mut self, post: PostId, comment: &ImportComment) -> StoreResult<CommentId> {
        let reimport = self.reimport;
        let user_id = comment.wp_user_id.and_then(|wp_id| self.authors_by_wp_id.get(&wp_id).copied());
        let conn = self.conn();
        let c = &comment.comment;
        let mut sql = Sql::new(
            "INSERT INTO comments (post_id, kind, author_name, author_email, author_url, author_ip, user_agent, body, status, \
             created_at, notify, source_key, source_parent_key, status_before_trash, user_id, body_format) VALUES (",
        );
        sql.int(post).push(", ").text(c.kind.as_str());
        for value in [&c.author_name, &c.author_email, &c.author_url, &c.author_ip, &c.user_agent] {
            sql.push(", ").opt_text(value.as_deref());
        }
        sql.push(", ").text(&c.body).push(", ").text(c.status.as_str()).push(", ").int(c.created_at.as_second());
        sql.push(", 0, ").text(&comment.source_key).push(", ").opt_text(comment.parent_source_key.as_deref());
        sql.push(", ")
            .opt_text(comment.status_before_trash.map(CommentStatus::as_str))
            .push(", ")
            .opt_int(user_id)
            .push(", ")
            .text(c.body_format.as_str());
        sql.push(
            ") ON CONFLICT (source_key) DO UPDATE SET post_id = excluded.post_id, kind = excluded.kind, \
             author_name = excluded.author_name, author_email = excluded.author_email, author_url = excluded.author_url, \
             author_ip = excluded.author_ip, user_agent = excluded.user_agent, body = excluded.body, status = excluded.status, \
             created_at = excluded.created_at, source_parent_key = excluded.source_parent_key, \
             status_before_trash = excluded.status_before_trash, user_id = excluded.user_id, \
             body_format = excluded.body_format RETURNING id",
        );
        let id = scalar_id(conn, &sql).await?.ok_or_else(|| StoreError::Backend("no id returned".into()))?;
        if !comment.meta.is_empty() || reimport {
            write_meta(conn, "comment", id, &comment.meta, reimport).await?;
        }
        self.imported_comments.push(id);
        Ok(id)
    }

    async fn media(&mut self, media: &ImportMedia) -> StoreResult<i64> {
        let backend = self.backend;
        let conn = self.conn();
        let mut find = Sql::new("SELECT id FROM media WHERE source_key = ");
        find.text(&media.source_key);
        let existing = scalar_id(conn, &find).await?;
        let id = match existing {
            Some(id) => {
                // A file already brought home keeps its local address and its real type.
                let mut update = Sql::new("UPDATE media SET title = ");
                update.text(&media.title).push(", url = CASE WHEN content_hash IS NULL THEN ").text(&media.url);
                update.push(" ELSE url END, mime_type = CASE WHEN content_hash IS NULL THEN ").opt_text(media.mime_type.as_deref());
                update.push(" ELSE mime_type END");
                update.push(", created_at = ").int(media.created_at.as_second()).push(" WHERE id = ").int(id);
                update.query().execute(&mut *conn).await.store_err()?;
                id
            }
            None => {
                let explicit = choose_id(conn, backend, "media", media.wanted_id).await?;
                let mut insert = Sql::new(&format!(
                    "INSERT INTO media ({}source_key, title, url, mime_type, created_at) VALUES (",
                    if explicit.is_some() { "id, " } else { "" }
                ));
                if let Some(id) = explicit {
                    insert.int(id).push(", ");
                }
                insert.text(&media.source_key).push(", ").text(&media.title).push(", ").text(&media.url).push(", ");
                insert.opt_text(media.mime_type.as_deref()).push(", ").int(media.created_at.as_second()).push(") RETURNING id");
                scalar_id(conn, &insert).await?.ok_or_else(|| StoreError::Backend("no id returned".into()))?
            }
        };
        write_meta(conn, "media", id, &media.meta, existing.is_some()).await?;
        if let Some(parent) = &media.parent_source_key {
            self.media_parents.push((id, parent.clone()));
        }
        Ok(id)
    }

    async fn redirect(&mut self, path: &str, target: &RedirectTarget) -> StoreResult<()> {
        self.redirects.push((path.to_string(), target.clone()));
        Ok(())
    }

    async fn set_body_html(&mut self, source_key: &str, html: &str) -> StoreResult<()> {
        let mut sql = Sql::new("UPDATE posts SET body_html = ");
        sql.text(html).push(" WHERE source_key = ").text(source_key);
        sql.query().execute(self.conn()).await.store_err()?;
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> StoreResult<()> {
        let backend = self.backend;
        let term_parents = std::mem::take(&mut self.term_parents);
        let post_parents = std::mem::take(&mut self.post_parents);
        let media_parents = std::mem::take(&mut self.media_parents);
        let redirects = std::mem::take(&mut self.redirects);
        let reimport = self.reimport;
        let mut imported_posts = std::mem::take(&mut self.imported_posts);
        let mut imported_comments = std::mem::take(&mut self.imported_comments);
        let conn = self.conn();
        for (id, parent) in term_parents {
            let mut sql = Sql::new("UPDATE terms SET parent_id = (SELECT p.id FROM terms p WHERE p.taxonomy = 'category' AND p.slug = ");
            sql.text(&parent).push(") WHERE id = ").int(id);
            sql.query().execute(&mut *conn).await.store_err()?;
        }
        for (table, column, pending) in [("posts", "parent_id", post_parents), ("media", "post_id", media_parents)] {
            for (id, parent) in pending {
                let mut sql = Sql::new(&format!("UPDATE {table} SET {column} = (SELECT p.id FROM posts p WHERE p.source_key = "));
                sql.text(&parent).push(") WHERE id = ").int(id);
                sql.query().execute(&mut *conn).await.store_err()?;
            }
        }
        // Comment threads, in one statement: every child finds its parent by key.
        sqlx::query(
            "UPDATE comments SET parent_id = (SELECT p.id FROM comments p WHERE p.source_key = comments.source_parent_key), \
             source_parent_key = NULL WHERE source_parent_key IS NOT NULL",
        )
        .execute(&mut *conn)
        .await
        .store_err()?;
        for (path, target) in redirects {
            let mut sql = Sql::new("INSERT INTO redirects (path, post_id, url) VALUES (");
            sql.text(&path).push(", ");
            match &target {
                RedirectTarget::Post(key) => sql.push("(SELECT id FROM posts WHERE source_key = ").text(key).push("), NULL"),
                RedirectTarget::Url(url) => sql.push("NULL, ").text(url),
            };
            sql.push(") ON CONFLICT (path) DO UPDATE SET post_id = excluded.post_id, url = excluded.url");
            sql.query().execute(&mut *conn).await.store_err()?;
        }
        for ids in [&mut imported_posts, &mut imported_comments] {
            ids.sort_unstable();
            ids.dedup();
        }
        // A first import writes only new entries; a second one may change earlier ones.
        let entries = if reimport { crate::search::Entries::Changed } else { crate::search::Entries::New };
        crate::search::index_posts(conn, &imported_posts, entries).await.store_err()?;
        crate::search::index_comments(conn, &imported_comments, entries).await.store_err()?;
        if backend == Backend::Postgres {
            // Ids given explicitly (WordPress's) do not move the identity sequences.
            for table in ["posts", "media"] {
                sync_sequence(conn, table).await?;
            }
            // Fresh statistics: planned with the empty tables' estimates, a search joins tens
            // of thousands of posts row by row (seconds instead of milliseconds) until
            // autovacuum gets round to them.
            sqlx::query("ANALYZE posts, comments, terms, post_terms, post_search, comment_search").execute(&mut *conn).await.store_err()?;
        }
        self.tx.commit().await.store_err()
    }
}
