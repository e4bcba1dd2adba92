//! Reads, and the `Store` trait wired to the read and write halves.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::rows::{self, COMMENT_COLUMNS, POST_COLUMNS, TERM_COLUMNS, USER_COLUMNS};
use crate::sql::Sql;

/// The WHERE clause of the public stream for `query`, appended to `sql`.
fn push_stream_filter(sql: &mut Sql, query: &PostQuery) {
    sql.push(" WHERE p.kind = ").text(query.kind.as_str());
    sql.push(" AND p.status IN ('published', 'scheduled') AND p.published_at <= ").int(query.now.as_second());
    match &query.filter {
        PostFilter::All => {}
        PostFilter::Category(term) => {
            // The category and all of its descendants, however deep.
            sql.push(
                " AND p.id IN (SELECT pt.post_id FROM post_terms pt WHERE pt.term_id IN (\
                 WITH RECURSIVE tree(id) AS (SELECT CAST(",
            )
            .int(*term)
            .push(" AS BIGINT) UNION SELECT t.id FROM terms t JOIN tree ON t.parent_id = tree.id) SELECT id FROM tree))");
        }
        PostFilter::Tag(term) => {
            sql.push(" AND p.id IN (SELECT pt.post_id FROM post_terms pt WHERE pt.term_id = ").int(*term).push(")");
        }
        PostFilter::Author(user) => {
            sql.push(" AND p.author_id = ").int(*user);
        }
        PostFilter::Between { from, to } => {
            sql.push(" AND p.published_at >= ").int(from.as_second());
            sql.push(" AND p.published_at < ").int(to.as_second());
        }
    }
}

impl SqlStore {
    /// Runs a post query and attaches each post's terms with one more query.
    pub(crate) async fn fetch_posts(&self, sql: &Sql) -> StoreResult<Vec<Post>> {
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
        let mut posts = rows.iter().map(rows::post).collect::<Result<Vec<_>, _>>().store_err()?;
        self.attach_terms(&mut posts).await?;
        Ok(posts)
    }

    async fn attach_terms(&self, posts: &mut [Post]) -> StoreResult<()> {
        if posts.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let mut sql = Sql::new(&format!(
            "SELECT pt.post_id, {TERM_COLUMNS} FROM post_terms pt JOIN terms t ON t.id = pt.term_id WHERE pt.post_id IN "
        ));
        sql.int_list(&ids).push(" ORDER BY t.name");
        for row in sql.query().fetch_all(&self.pool).await.store_err()? {
            let post_id: i64 = row.try_get("post_id").store_err()?;
            let term = rows::term(&row).store_err()?;
            if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
                match term.taxonomy {
                    Taxonomy::Category => post.categories.push(term),
                    Taxonomy::Tag => post.tags.push(term),
                }
            }
        }
        Ok(())
    }

    async fn post_where(&self, column: &str, value: crate::sql::Arg, kind: Option<PostKind>) -> StoreResult<Option<Post>> {
        let mut sql = Sql::new(&format!("SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.{column} = "));
        sql.arg(value);
        if let Some(kind) = kind {
            sql.push(" AND p.kind = ").text(kind.as_str());
        }
        Ok(self.fetch_posts(&sql).await?.into_iter().next())
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM posts").fetch_one(&self.pool).await.store_err()?;
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

    async fn list_posts(&self, query: &PostQuery) -> StoreResult<Page<Post>> {
        let per_page = i64::from(query.per_page.max(1));
        let offset = i64::from(query.page.max(1) - 1) * per_page;

        let mut count = Sql::new("SELECT COUNT(*) AS n FROM posts p");
        push_stream_filter(&mut count, query);
        let total: i64 = count.query().fetch_one(&self.pool).await.store_err()?.try_get("n").store_err()?;

        let mut sql = Sql::new(&format!("SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id"));
        push_stream_filter(&mut sql, query);
        sql.push(if query.sticky_first {
            " ORDER BY p.sticky DESC, p.published_at DESC, p.id DESC"
        } else {
            " ORDER BY p.published_at DESC, p.id DESC"
        });
        sql.push(" LIMIT ").int(per_page).push(" OFFSET ").int(offset);
        let items = self.fetch_posts(&sql).await?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
    }

    async fn term_by_slug(&self, taxonomy: Taxonomy, slug: &str) -> StoreResult<Option<Term>> {
        let mut sql = Sql::new(&format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.taxonomy = "));
        sql.text(taxonomy.as_str()).push(" AND t.slug = ").text(slug);
        let row = sql.query().fetch_optional(&self.pool).await.store_err()?;
        row.as_ref().map(rows::term).transpose().store_err()
    }

    async fn terms(&self, taxonomy: Taxonomy) -> StoreResult<Vec<Term>> {
        let mut sql = Sql::new(&format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.taxonomy = "));
        sql.text(taxonomy.as_str()).push(" ORDER BY t.name, t.id");
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
        rows.iter().map(rows::term).collect::<Result<_, _>>().store_err()
    }

    async fn user_by_slug(&self, slug: &str) -> StoreResult<Option<User>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.slug = "));
        sql.text(slug);
        let row = sql.query().fetch_optional(&self.pool).await.store_err()?;
        row.as_ref().map(rows::user).transpose().store_err()
    }

    async fn comments_for_post(&self, post: PostId, status: CommentStatus) -> StoreResult<Vec<Comment>> {
        let mut sql = Sql::new(&format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.post_id = "));
        sql.int(post).push(" AND c.status = ").text(status.as_str()).push(" ORDER BY c.created_at, c.id");
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
        rows.iter().map(rows::comment).collect::<Result<_, _>>().store_err()
    }

    async fn create_comment(&self, post: PostId, parent: Option<CommentId>, comment: NewComment) -> StoreResult<Comment> {
        self.insert_comment(post, parent, comment).await
    }

    async fn comment_by_id(&self, id: CommentId) -> StoreResult<Option<Comment>> {
        self.comment_by_id_impl(id).await
    }

    async fn list_comments(&self, query: &CommentQuery) -> StoreResult<Page<Comment>> {
        self.list_comments_impl(query).await
    }

    async fn comment_counts(&self) -> StoreResult<Vec<(CommentStatus, i64)>> {
        self.comment_counts_impl().await
    }

    async fn moderate_comment(&self, id: CommentId, status: CommentStatus, lesson: Option<SpamLabel>) -> StoreResult<Comment> {
        self.moderate_comment_impl(id, status, lesson).await
    }

    async fn set_comment_status(&self, id: CommentId, status: CommentStatus) -> StoreResult<Comment> {
        self.set_comment_status_impl(id, status).await
    }

    async fn has_approved_comment(&self, email: Option<&str>, name: Option<&str>) -> StoreResult<bool> {
        self.has_approved_comment_impl(email, name).await
    }

    async fn create_comment_checked(
        &self,
        post: PostId,
        parent: Option<CommentId>,
        comment: NewComment,
        flood: Option<&FloodLimit>,
    ) -> StoreResult<CommentOutcome> {
        self.insert_comment_checked(post, parent, comment, flood).await
    }

    async fn is_duplicate_comment(&self, post: PostId, email: Option<&str>, name: Option<&str>, body: &str) -> StoreResult<bool> {
        crate::comments::duplicate_exists(&mut *self.pool.acquire().await.store_err()?, post, email, name, body).await
    }

    async fn unsubscribe_comment(&self, id: CommentId) -> StoreResult<bool> {
        self.unsubscribe_comment_impl(id).await
    }

    async fn setting_or_init(&self, name: &str, init: &str) -> StoreResult<String> {
        self.setting_or_init_impl(name, init).await
    }

    async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        let mut sql = Sql::new("SELECT value FROM settings WHERE name = ");
        sql.text(name);
        let row = sql.query().fetch_optional(&self.pool).await.store_err()?;
        row.map(|r| r.try_get("value")).transpose().store_err()
    }

    async fn set_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        let mut sql = Sql::new("INSERT INTO settings (name, value) VALUES (");
        sql.text(name).push(", ").text(value).push(") ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        self.write_one(&sql).await.map(|_| ())
    }

    async fn spam_counts(&self, tokens: &[String]) -> StoreResult<std::collections::HashMap<String, dateline_core::spam::Counts>> {
        self.spam_counts_impl(tokens).await
    }

    async fn train_comment(&self, id: CommentId, tokens: &[String], label: SpamLabel) -> StoreResult<()> {
        self.train_comment_impl(id, tokens, label).await
    }

    async fn editor_posts(&self, query: &EditorQuery) -> StoreResult<Page<Post>> {
        self.editor_posts_impl(query).await
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

    async fn term_by_id(&self, id: TermId) -> StoreResult<Option<Term>> {
        self.term_by_id_impl(id).await
    }

    async fn create_term(
        &self,
        taxonomy: Taxonomy,
        name: &str,
        slug: &str,
        description: &str,
        parent: Option<TermId>,
    ) -> StoreResult<Term> {
        self.create_term_impl(taxonomy, name, slug, description, parent).await
    }

    async fn term_post_counts(&self, taxonomy: Taxonomy) -> StoreResult<std::collections::HashMap<TermId, i64>> {
        self.term_post_counts_impl(taxonomy).await
    }

    async fn update_profile(&self, user: UserId, display_name: &str, email: Option<&str>) -> StoreResult<()> {
        if let Some(email) = email {
            let mut used = Sql::new("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower(");
            used.text(email).push(") AND id <> ").int(user);
            if used.query().fetch_one(&self.pool).await.store_err()?.try_get::<i64, _>("n").store_err()? > 0 {
                return Err(StoreError::Conflict(format!("The email address {email} belongs to another account.")));
            }
        }
        // No email given keeps the one there is.
        let mut sql = Sql::new("UPDATE users SET display_name = ");
        sql.text(display_name).push(", email = COALESCE(").opt_text(email).push(", email) WHERE id = ").int(user);
        match self.write_one(&sql).await? {
            0 => Err(StoreError::NotFound(format!("user {user}"))),
            _ => Ok(()),
        }
    }

    async fn update_term(&self, id: TermId, name: &str, slug: &str, description: &str, parent: Option<TermId>) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        // The new parent's chain must not lead back to the term (a cycle has no top level).
        let mut up = parent;
        for _ in 0..64 {
            let Some(current) = up else { break };
            if current == id {
                return Err(StoreError::Invalid(format!("term {id} cannot be placed under itself or one of its own sub-terms")));
            }
            let mut find = Sql::new("SELECT parent_id FROM terms WHERE id = ");
            find.int(current);
            let row = find.query().fetch_optional(&mut *tx).await.store_err()?;
            up = row.map(|r| r.try_get::<Option<i64>, _>("parent_id")).transpose().store_err()?.flatten();
        }
        let mut sql = Sql::new("UPDATE terms SET name = ");
        sql.text(name).push(", slug = ").text(slug).push(", description = ").text(description).push(", parent_id = ").opt_int(parent);
        sql.push(" WHERE id = ").int(id);
        let changed = sql.query().execute(&mut *tx).await.store_err()?.rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("term {id}")));
        }
        tx.commit().await.store_err()
    }

    async fn delete_term(&self, id: TermId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        for sql in [
            "UPDATE terms SET parent_id = NULL WHERE parent_id = $1",
            "DELETE FROM post_terms WHERE term_id = $1",
            "DELETE FROM meta WHERE owner = 'term' AND owner_id = $1",
            "DELETE FROM terms WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()
    }

    async fn delete_comment(&self, id: CommentId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        for sql in [
            "UPDATE comments SET parent_id = NULL WHERE parent_id = $1",
            "DELETE FROM meta WHERE owner = 'comment' AND owner_id = $1",
            "DELETE FROM comments WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()
    }

    async fn update_comment_body(&self, id: CommentId, body: &str) -> StoreResult<()> {
        let mut sql = Sql::new("UPDATE comments SET body = ");
        sql.text(body).push(" WHERE id = ").int(id);
        match self.write_one(&sql).await? {
            0 => Err(StoreError::NotFound(format!("comment {id}"))),
            _ => Ok(()),
        }
    }

    async fn sitemap_entries(&self, now: jiff::Timestamp) -> StoreResult<Vec<(PostKind, String, jiff::Timestamp, jiff::Timestamp)>> {
        let mut sql = Sql::new(
            "SELECT kind, slug, published_at, updated_at FROM posts WHERE status IN ('published', 'scheduled') AND password IS NULL AND published_at <= ",
        );
        sql.int(now.as_second()).push(" ORDER BY published_at DESC LIMIT 50000");
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
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
        let rows =
            sqlx::query("SELECT kind, status, COUNT(*) AS n FROM posts GROUP BY kind, status").fetch_all(&self.pool).await.store_err()?;
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

    async fn create_user(&self, user: dateline_core::accounts::NewUser) -> StoreResult<User> {
        self.create_user_impl(user).await
    }

    async fn user_credentials(&self, login_or_email: &str) -> StoreResult<Option<(User, Option<String>)>> {
        self.user_credentials_impl(login_or_email).await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_by_id_impl(id).await
    }

    async fn set_password_hash(&self, user: UserId, hash: &str) -> StoreResult<()> {
        self.set_user_field(user, "password_hash", hash).await
    }

    async fn set_role(&self, user: UserId, role: Role) -> StoreResult<()> {
        self.set_user_field(user, "role", role.as_str()).await
    }

    async fn create_session(&self, token_hash: &str, user: UserId, expires_at: jiff::Timestamp) -> StoreResult<()> {
        self.create_session_impl(token_hash, user, expires_at).await
    }

    async fn session_user(&self, token_hash: &str, now: jiff::Timestamp) -> StoreResult<Option<User>> {
        self.session_user_impl(token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE token_hash = ");
        sql.text(token_hash);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn end_other_sessions(&self, user: UserId, keep_token_hash: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
        sql.int(user).push(" AND token_hash <> ").text(keep_token_hash);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn note_login_failure(&self, key: &str, at: jiff::Timestamp) -> StoreResult<()> {
        let mut sql = Sql::new("INSERT INTO login_failures (key, at) VALUES (");
        sql.text(key).push(", ").int(at.as_second()).push(")");
        self.write_one(&sql).await.map(|_| ())
    }

    async fn login_failures(&self, key: &str, since: jiff::Timestamp) -> StoreResult<(i64, Option<jiff::Timestamp>)> {
        self.login_failures_impl(key, since).await
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM login_failures WHERE key = ");
        sql.text(key);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn create_app_password(&self, user: UserId, name: &str, hash: &str) -> StoreResult<dateline_core::accounts::AppPassword> {
        self.create_app_password_impl(user, name, hash).await
    }

    async fn app_passwords(&self, user: UserId) -> StoreResult<Vec<dateline_core::accounts::AppPassword>> {
        self.app_passwords_impl(user).await
    }

    async fn app_password_hashes(&self, user: UserId) -> StoreResult<Vec<(i64, String)>> {
        self.app_password_hashes_impl(user).await
    }

    async fn touch_app_password(&self, id: i64, at: jiff::Timestamp) -> StoreResult<()> {
        let mut sql = Sql::new("UPDATE app_passwords SET last_used_at = ");
        sql.int(at.as_second()).push(" WHERE id = ").int(id);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn revoke_app_password(&self, user: UserId, id: i64) -> StoreResult<bool> {
        let mut sql = Sql::new("DELETE FROM app_passwords WHERE user_id = ");
        sql.int(user).push(" AND id = ").int(id);
        Ok(self.write_one(&sql).await? > 0)
    }

    async fn begin_import(&self) -> StoreResult<Box<dyn dateline_core::import::ImportSession>> {
        self.begin_import_impl().await
    }

    async fn redirect_for(&self, path: &str) -> StoreResult<Option<dateline_core::import::Redirect>> {
        let mut sql = Sql::new("SELECT post_id, url FROM redirects WHERE path = ");
        sql.text(path);
        let Some(row) = sql.query().fetch_optional(&self.pool).await.store_err()? else { return Ok(None) };
        let post: Option<i64> = row.try_get("post_id").store_err()?;
        let url: Option<String> = row.try_get("url").store_err()?;
        Ok(match (post, url) {
            (Some(post), _) => Some(dateline_core::import::Redirect::Post(post)),
            (None, Some(url)) => Some(dateline_core::import::Redirect::Url(url)),
            (None, None) => None,
        })
    }

    async fn all_posts(&self, kind: PostKind) -> StoreResult<Vec<Post>> {
        let mut sql = Sql::new(&format!("SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.author_id WHERE p.kind = "));
        sql.text(kind.as_str()).push(" ORDER BY p.published_at, p.id");
        self.fetch_posts(&sql).await
    }

    async fn public_author_ids(&self, now: jiff::Timestamp) -> StoreResult<Vec<UserId>> {
        let mut sql = Sql::new(
            "SELECT DISTINCT author_id FROM posts WHERE kind = 'post' AND status IN ('published', 'scheduled') AND published_at <= ",
        );
        sql.int(now.as_second());
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
        rows.iter().map(|row| row.try_get("author_id")).collect::<Result<_, _>>().store_err()
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id")).fetch_all(&self.pool).await.store_err()?;
        rows.iter().map(rows::user).collect::<Result<_, _>>().store_err()
    }

    async fn media(&self) -> StoreResult<Vec<dateline_core::import::Media>> {
        let rows = sqlx::query("SELECT id, post_id, title, url, mime_type, created_at FROM media ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .store_err()?;
        rows.iter()
            .map(|row| {
                Ok(dateline_core::import::Media {
                    id: row.try_get("id")?,
                    post_id: row.try_get("post_id")?,
                    title: row.try_get("title")?,
                    url: row.try_get("url")?,
                    mime_type: row.try_get("mime_type")?,
                    created_at: rows::time(row.try_get("created_at")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .store_err()
    }

    async fn meta(&self, owner: &str, id: i64) -> StoreResult<Vec<(String, String)>> {
        let mut sql = Sql::new("SELECT name, value FROM meta WHERE owner = ");
        sql.text(owner).push(" AND owner_id = ").int(id).push(" ORDER BY name, value");
        let rows = sql.query().fetch_all(&self.pool).await.store_err()?;
        rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("value")?))).collect::<Result<_, sqlx::Error>>().store_err()
    }
}
