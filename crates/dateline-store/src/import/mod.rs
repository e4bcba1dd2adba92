//! Imports as one transaction ([`ImportSession`]), with upserts keyed by `source_key` so a
//! second import of the same export updates in place. Links that may point forward in the
//! file (comment and page parents, category parents, redirects) are resolved in `finish`.
//! A post costs one statement: what the import must ask of the posts table is known up front
//! ([`known`]), and comments, metadata and term links are written many to a statement
//! ([`batch`]).

mod batch;
mod known;

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
use batch::{MetaRow, POSTS_PER_INSERT, Pending, PendingComment, ROWS_PER_INSERT};
use known::{KnownComments, KnownPosts};

pub(crate) struct SqlImportSession {
    tx: Transaction<'static, Any>,
    /// Held for the whole import on SQLite (one writer at a time).
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    backend: Backend,
    /// For what must run after the commit (PostgreSQL's `VACUUM`).
    pool: sqlx::AnyPool,
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
    /// Posts written, indexed for search once at the end (after links are rewritten), many to
    /// a statement. Comments' entries are made as they are written, from the text at hand, and
    /// kept in `pending` until there are enough for a statement.
    imported_posts: Vec<PostId>,
    known: KnownPosts,
    comments: KnownComments,
    /// Rows waiting for their batch; all written before `finish` reads anything.
    pending: Pending,
}

impl SqlStore {
    pub(crate) async fn begin_import_impl(&self) -> StoreResult<Box<dyn ImportSession>> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let mut tx = self.begin_writing().await.store_err()?;
        // Held to the end on PostgreSQL (as the first post would take it anyway), so that
        // what `known` reads stays true: every writer of a post takes it first.
        crate::writes::lock_slugs(&mut tx).await?;
        let known = KnownPosts::load(&mut tx).await?;
        let comments = KnownComments::load(&mut tx, self.backend).await?;
        let reimport = known.any_imported();
        Ok(Box::new(SqlImportSession {
            tx,
            _gate: gate,
            backend: self.backend,
            pool: self.pool.clone(),
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
            known,
            comments,
            pending: Pending::default(),
        }))
    }
}

async fn scalar_id(conn: &mut AnyConnection, sql: &Sql) -> StoreResult<Option<i64>> {
    let row = sql.query().fetch_optional(&mut *conn).await.store_err()?;
    row.map(|r| r.try_get::<i64, _>(0).store_err()).transpose()
}

async fn delete_meta(conn: &mut AnyConnection, owner: &str, id: i64) -> StoreResult<()> {
    let mut delete = Sql::new("DELETE FROM meta WHERE owner = ");
    delete.text(owner).push(" AND owner_id = ").int(id);
    delete.query().execute(&mut *conn).await.store_err()?;
    Ok(())
}

async fn write_meta(
    conn: &mut AnyConnection,
    backend: Backend,
    owner: &'static str,
    id: i64,
    meta: &[(String, String)],
    replace: bool,
) -> StoreResult<()> {
    if replace {
        delete_meta(conn, owner, id).await?;
    }
    let rows: Vec<MetaRow> = MetaRow::all(owner, id, meta).collect();
    batch::insert_meta(conn, backend, &rows).await
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

    /// Writes the kept new posts.
    async fn flush_posts(&mut self) -> StoreResult<()> {
        let posts = std::mem::take(&mut self.pending.posts);
        let (Some(first), Some(last)) = (posts.first(), posts.last()) else { return Ok(()) };
        let what = format!("posts {} to {}", first.source_key, last.source_key);
        crate::post_write::insert_posts(&mut self.tx, self.backend, &posts).await.map_err(|e| batch::naming(e, &what))
    }

    /// Writes the kept comments, and their search entries from the text at hand (reading
    /// 200,000 comments back at the end cost a fifth of an import).
    async fn flush_comments(&mut self) -> StoreResult<()> {
        // Their posts first.
        self.flush_posts().await?;
        let comments = self.pending.take_comments();
        let is_new: Vec<bool> = comments.iter().map(|c| self.comments.get(&c.comment.source_key).is_none()).collect();
        let new_keys: Vec<&str> =
            comments.iter().zip(&is_new).filter(|(_, new)| **new).map(|(c, _)| c.comment.source_key.as_str()).collect();
        self.comments.give(&mut self.tx, self.backend, &new_keys).await?;
        let mut placed = Vec::with_capacity(comments.len());
        for (pending, &new) in comments.iter().zip(&is_new) {
            let c = &pending.comment;
            let id = self.comments.get(&c.source_key).ok_or_else(|| StoreError::Backend(format!("no id for comment {}", c.source_key)))?;
            let parent = c.parent_source_key.as_deref().and_then(|key| self.comments.get(key));
            placed.push(batch::Placed { id, new, parent });
        }
        // Their search entries, from the text at hand, made while the database writes the
        // comments: `join!` polls the write first (`biased`), which sends its statement, and
        // the entries are made while the answer is awaited (an import waited for both in turn).
        let backend = self.backend;
        let make_entries = async {
            let entries = placed.iter().zip(&comments).map(|(place, comment)| {
                let c = &comment.comment.comment;
                crate::search::comment_entry(backend, place.id, &c.body, c.author_name.as_deref(), c.author_email.as_deref())
            });
            entries.collect::<Vec<_>>()
        };
        let (written, entries) =
            tokio::join!(biased; batch::write_comments(&mut self.tx, backend, &comments, &placed, self.reimport), make_entries);
        written?;
        // A second import may change any entry; a first only those of comments it wrote
        // before (their key twice in the file).
        let pending = &mut self.pending;
        pending.search_again |= self.reimport;
        for (place, entry) in placed.iter().zip(entries) {
            if !place.new {
                // Written before (its key twice in the file): its old entry goes, whether
                // still kept here or already in the index.
                pending.search_again = true;
                pending.search_entries.retain(|kept| kept.id() != place.id);
            }
            pending.search_entries.push(entry);
        }
        if pending.search_entries.len() >= crate::search::SQLITE_ROWS_PER_INSERT {
            self.flush_search_entries().await?;
        }
        Ok(())
    }

    /// Writes the comments' search entries kept so far: many to a statement, because on
    /// SQLite each statement is also a flush of FTS5's pending words to a new segment.
    async fn flush_search_entries(&mut self) -> StoreResult<()> {
        let documents = std::mem::take(&mut self.pending.search_entries);
        let entries =
            if std::mem::take(&mut self.pending.search_again) { crate::search::Entries::Changed } else { crate::search::Entries::New };
        crate::search::write_comment_entries(&mut self.tx, &documents, entries)
            .await
            .store_err()
            .map_err(|e| batch::naming(e, "the comments' search entries"))
    }

    /// Writes the kept posts' metadata and term links when `all`, or those of a full batch.
    async fn flush_rows(&mut self, all: bool) -> StoreResult<()> {
        if all || self.pending.posts.len() >= POSTS_PER_INSERT {
            self.flush_posts().await?;
        }
        if all || self.pending.links.len() >= ROWS_PER_INSERT {
            // The links' posts first.
            self.flush_posts().await?;
            let links = std::mem::take(&mut self.pending.links);
            crate::post_write::insert_links(&mut self.tx, self.backend, &links)
                .await
                .map_err(|e| batch::naming(e, "posts' categories and tags"))?;
        }
        if all || self.pending.meta.len() >= ROWS_PER_INSERT {
            let meta = std::mem::take(&mut self.pending.meta);
            batch::insert_meta(&mut self.tx, self.backend, &meta).await.map_err(|e| batch::naming(e, "posts' metadata"))?;
        }
        Ok(())
    }

    /// What follows a post's row, kept or written: it is known, its metadata kept, its parent
    /// linked in `finish`.
    async fn after_post(&mut self, id: PostId, slug: String, post: &ImportPost) -> StoreResult<PostId> {
        self.known.remember(id, slug, Some(&post.source_key));
        self.pending.meta.extend(MetaRow::all("post", id, &post.meta));
        self.flush_rows(false).await?;
        if let Some(parent) = &post.parent_source_key {
            self.post_parents.push((id, parent.clone()));
        }
        self.imported_posts.push(id);
        Ok(id)
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
        let (reimport, backend) = (self.reimport, self.backend);
        let conn = self.conn();
        let mut sql = Sql::new("INSERT INTO terms (taxonomy, name, slug, description) VALUES (");
        sql.text(term.taxonomy.as_str()).push(", ").text(&term.name).push(", ").text(&term.slug).push(", ").text(&term.description);
        sql.push(") ON CONFLICT (taxonomy, slug) DO UPDATE SET name = excluded.name, description = excluded.description RETURNING id");
        let id = scalar_id(conn, &sql).await?.ok_or_else(|| StoreError::Backend("no id returned".into()))?;
        if !term.meta.is_empty() || reimport {
            write_meta(conn, backend, "term", id, &term.meta, true).await?;
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
        let existing = self.known.by_key(&post.source_key);
        let new_id = existing.is_none().then(|| post.wanted_id.filter(|w| *w > 0 && self.known.id_free(*w))).flatten();
        let holder = self.known.slug_holder(&write.slug);
        if let Some(id) = new_id
            && write.source.is_none()
            && crate::post_write::slug_is_free(&write.slug, None, holder)
        {
            // New, its id and slug known, no bylines to link: kept for a batch.
            let row = crate::post_write::NewPostRow::new(&write, id, write.slug.clone(), &post.source_key, self.now, post.updated_at);
            self.pending.posts.push(row);
            self.pending.links.extend(crate::post_write::term_links(id, &write));
            return self.after_post(id, write.slug, post).await;
        }
        // Written at once, so the store first sees every post kept before it (their ids,
        // slugs and keys, and the ids it numbers after them).
        self.flush_posts().await?;
        if existing.is_none() && new_id.is_none() && self.backend == Backend::Postgres {
            sync_sequence(&mut self.tx, "posts").await?;
        }
        let slug = crate::post_write::choose_slug(&mut self.tx, &write.slug, existing, holder).await?;
        if let Some(id) = existing {
            // Written again: its kept rows go, as its stored ones do.
            self.pending.forget_post(id);
            delete_meta(&mut self.tx, "post", id).await?;
        }
        let keys = RowKeys {
            existing,
            new_id,
            source_key: Some(&post.source_key),
            created_at: self.now,
            updated_at: post.updated_at,
            slug: Some(slug.clone()),
            deferred_links: Some(&mut self.pending.links),
        };
        let id = crate::post_write::write_post_row(&mut self.tx, &write, keys)
            .await
            .map_err(|e| batch::naming(e, &format!("post {}", post.source_key)))?;
        self.after_post(id, slug, post).await
    }

    async fn comment(&mut self, post: PostId, comment: ImportComment) -> StoreResult<()> {
        if self.pending.has_comment(&comment.source_key) {
            self.flush_comments().await?;
        }
        let user_id = comment.wp_user_id.and_then(|wp_id| self.authors_by_wp_id.get(&wp_id).copied());
        if self.pending.add_comment(PendingComment { post, user_id, comment }) {
            self.flush_comments().await?;
        }
        Ok(())
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
        write_meta(conn, backend, "media", id, &media.meta, existing.is_some()).await?;
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
        self.flush_posts().await?;
        let mut sql = Sql::new("UPDATE posts SET body_html = ");
        sql.text(html).push(" WHERE source_key = ").text(source_key);
        sql.query().execute(self.conn()).await.store_err()?;
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> StoreResult<()> {
        self.flush_comments().await?;
        self.flush_search_entries().await?;
        self.flush_rows(true).await?;
        let backend = self.backend;
        let term_parents = std::mem::take(&mut self.term_parents);
        let post_parents = std::mem::take(&mut self.post_parents);
        let media_parents = std::mem::take(&mut self.media_parents);
        let redirects = std::mem::take(&mut self.redirects);
        let reimport = self.reimport;
        let mut imported_posts = std::mem::take(&mut self.imported_posts);
        let known = std::mem::take(&mut self.known);
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
            "UPDATE comments SET revision = revision + 1, parent_id = (SELECT p.id FROM comments p WHERE p.source_key = comments.source_parent_key), \
             source_parent_key = NULL WHERE source_parent_key IS NOT NULL",
        )
        .execute(&mut *conn)
        .await
        .store_err()?;
        batch::write_redirects(conn, backend, redirects, |key| known.by_key(key)).await?;
        imported_posts.sort_unstable();
        imported_posts.dedup();
        // A first import writes only new entries; a second one may change earlier ones.
        let entries = if reimport { crate::search::Entries::Changed } else { crate::search::Entries::New };
        crate::search::index_posts(conn, &imported_posts, entries).await.store_err()?;
        crate::search::merge_segments(conn).await.store_err()?;
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
        let pool = self.pool.clone();
        self.tx.commit().await.store_err()?;
        if backend == Backend::Postgres {
            // The visibility map: until a VACUUM sets it, counting the visible posts (every
            // listing's page count) reads the whole table instead of the index, 11.5 ms against
            // 0.9 ms on the harness's 10,000 posts. Autovacuum gets there some time after a large
            // import; readers should not wait for it. VACUUM cannot run inside a transaction,
            // hence after the commit, on the pool; the import has succeeded whatever it says.
            // (Without ANALYZE: the one before the commit counted the import's own rows, and a
            // second was 3 % of PostgreSQL's time in an import. Autovacuum will analyse the
            // tables again later, as the import's rows count as changes since that one.)
            let vacuum = "VACUUM posts, comments, post_terms, post_search, comment_search";
            if let Err(err) = sqlx::raw_sql(vacuum).execute(&pool).await {
                tracing::warn!(error = %err, "after the import: VACUUM failed; autovacuum will do it later");
            }
        }
        Ok(())
    }
}
