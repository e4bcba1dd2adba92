//! Writes. Each public operation is one transaction: a post arrives with its author, terms
//! and comments, or not at all.

use dateline_core::slug::slugify;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::post_write::RowKeys;
use crate::rows::{self, COMMENT_COLUMNS};
use crate::sql::Sql;

/// First free slug among `base`, `base-2`, `base-3`… in `table` (optionally within a taxonomy).
/// Taken (for the rest of the transaction) before a slug is chosen on PostgreSQL: without it,
/// two transactions creating posts with the same title at once both see the slug free and the
/// second insert fails on the unique index. SQLite's write lock already serializes writers.
const SLUG_LOCK: i64 = 0x4441_5445_534c;

/// Holds the slug lock until the transaction ends (PostgreSQL; a no-op on SQLite). Taken before
/// asking whether a slug is free, by every write that chooses one. Re-taking it is allowed.
pub(crate) async fn lock_slugs(conn: &mut AnyConnection) -> StoreResult<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SLUG_LOCK).execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

pub(crate) async fn unique_slug(conn: &mut AnyConnection, table: &str, taxonomy: Option<Taxonomy>, base: &str) -> StoreResult<String> {
    lock_slugs(conn).await?;
    for n in 1..10_000 {
        let candidate = if n == 1 { base.to_string() } else { format!("{base}-{n}") };
        // A post or page may not take an address the engine answers itself.
        if table == "posts" && dateline_core::slug::is_reserved(&candidate) {
            continue;
        }
        let mut sql = Sql::new(&format!("SELECT COUNT(*) AS n FROM {table} WHERE slug = "));
        sql.text(&candidate);
        if let Some(taxonomy) = taxonomy {
            sql.push(" AND taxonomy = ").text(taxonomy.as_str());
        }
        let taken: i64 = sql.query().fetch_one(&mut *conn).await.store_err()?.try_get("n").store_err()?;
        if taken == 0 {
            return Ok(candidate);
        }
    }
    Err(StoreError::Conflict(format!("no free slug for {base:?}")))
}

/// The account with this display name, created as an author when missing.
async fn ensure_author(conn: &mut AnyConnection, display_name: &str, now: Timestamp) -> StoreResult<i64> {
    let login = match slugify(display_name) {
        login if login.is_empty() => "author".to_string(),
        login => login,
    };
    let mut find = Sql::new("SELECT id FROM users WHERE login = ");
    find.text(&login);
    if let Some(row) = find.query().fetch_optional(&mut *conn).await.store_err()? {
        return row.try_get("id").store_err();
    }
    let slug = unique_slug(conn, "users", None, &login).await?;
    let mut insert = Sql::new("INSERT INTO users (login, display_name, slug, role, created_at) VALUES (");
    insert.text(&login).push(", ").text(display_name).push(", ").text(&slug).push(", ");
    insert.text(Role::Author.as_str()).push(", ").int(now.as_second()).push(") RETURNING id");
    insert.query().fetch_one(&mut *conn).await.store_err()?.try_get("id").store_err()
}

/// The term named `name` under `parent`, created when missing.
async fn ensure_term(conn: &mut AnyConnection, taxonomy: Taxonomy, name: &str, parent: Option<i64>) -> StoreResult<i64> {
    // Tags match by name alone; categories by name within their parent (0 = the root).
    let mut find = Sql::new("SELECT id FROM terms WHERE taxonomy = ");
    find.text(taxonomy.as_str()).push(" AND lower(name) = lower(").text(name).push(")");
    if taxonomy == Taxonomy::Category {
        find.push(" AND COALESCE(parent_id, 0) = ").int(parent.unwrap_or(0));
    }
    if let Some(row) = find.query().fetch_optional(&mut *conn).await.store_err()? {
        return row.try_get("id").store_err();
    }
    let slug = unique_slug(conn, "terms", Some(taxonomy), &slugify(name)).await?;
    let mut insert = Sql::new("INSERT INTO terms (taxonomy, name, slug, description, parent_id) VALUES (");
    insert.text(taxonomy.as_str()).push(", ").text(name).push(", ").text(&slug).push(", '', ").opt_int(parent);
    insert.push(") RETURNING id");
    insert.query().fetch_one(&mut *conn).await.store_err()?.try_get("id").store_err()
}

/// The PostgreSQL advisory lock taken while a reader's comment is checked and stored.
const COMMENT_CHECK_LOCK: i64 = 0x4441_5445_434d;

pub(crate) async fn insert_comment_row(
    conn: &mut AnyConnection,
    post: PostId,
    parent: Option<CommentId>,
    comment: &NewComment,
) -> StoreResult<Comment> {
    let mut sql = Sql::new(
        "INSERT INTO comments (post_id, parent_id, kind, author_name, author_email, author_url, author_ip, user_agent, body, \
         status, created_at, moderation_reason, spam_score, notify, user_id, body_format) VALUES (",
    );
    sql.int(post).push(", ").opt_int(parent).push(", ").text(comment.kind.as_str());
    for value in [&comment.author_name, &comment.author_email, &comment.author_url, &comment.author_ip, &comment.user_agent] {
        sql.push(", ").opt_text(value.as_deref());
    }
    sql.push(", ").text(&comment.body).push(", ").text(comment.status.as_str()).push(", ").int(comment.created_at.as_second());
    sql.push(", ").opt_text(comment.moderation_reason.as_deref()).push(", ");
    match comment.spam_score {
        Some(score) => sql.arg(crate::sql::Arg::Float(score)),
        None => sql.push("NULL"),
    };
    sql.push(", ").int(i64::from(comment.notify)).push(", ").opt_int(comment.user_id).push(", ").text(comment.body_format.as_str());
    sql.push(&format!(") RETURNING {}", COMMENT_COLUMNS.replace("c.", "")));
    let row = sql.query().fetch_one(&mut *conn).await.store_err()?;
    let comment = rows::comment(&row).store_err()?;
    crate::search::reindex_comments(conn, &[comment.id]).await.store_err()?;
    Ok(comment)
}

impl SqlStore {
    /// Inserts a post with everything that comes with it; returns its id.
    pub(crate) async fn insert_post(&self, post: NewPost) -> StoreResult<PostId> {
        let now = Timestamp::now();
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let conn: &mut AnyConnection = &mut tx;

        let mut write = post.write;
        if let Some(name) = &post.author_name {
            write.author = ensure_author(conn, name, now).await?;
        }
        for path in &post.categories {
            let mut parent = None;
            for name in path {
                parent = Some(ensure_term(conn, Taxonomy::Category, name, parent).await?);
            }
            write.category_ids.extend(parent);
        }
        for tag in &post.tags {
            write.tag_ids.push(ensure_term(conn, Taxonomy::Tag, tag, None).await?);
        }
        let id = crate::post_write::write_post_row(conn, &write, RowKeys::saved_now(None)).await?;
        crate::search::reindex_posts(conn, &[id]).await.store_err()?;

        let mut inserted: Vec<CommentId> = Vec::with_capacity(post.comments.len());
        for comment in &post.comments {
            let parent = match comment.parent_index {
                Some(i) => {
                    Some(*inserted.get(i).ok_or_else(|| StoreError::Invalid(format!("comment parent {i} is not earlier in the list")))?)
                }
                None => None,
            };
            inserted.push(insert_comment_row(conn, id, parent, comment).await?.id);
        }
        tx.commit().await.store_err()?;
        Ok(id)
    }

    /// Adds a comment to an existing post; the parent must be a comment of the same post.
    pub(crate) async fn insert_comment(&self, post: PostId, parent: Option<CommentId>, comment: NewComment) -> StoreResult<Comment> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let comment = insert_comment_of_post(&mut tx, post, parent, &comment).await?;
        tx.commit().await.store_err()?;
        Ok(comment)
    }

    /// The same, unless a duplicate or (with `flood`) the address's limit refuses it, checked
    /// under a lock every instance takes for that step.
    pub(crate) async fn insert_comment_checked(
        &self,
        post: PostId,
        parent: Option<CommentId>,
        comment: NewComment,
        flood: Option<&FloodLimit>,
    ) -> StoreResult<CommentOutcome> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let conn: &mut AnyConnection = &mut tx;
        // SQLite's write lock already serializes this; PostgreSQL needs its own.
        if self.backend == crate::connect::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(COMMENT_CHECK_LOCK).execute(&mut *conn).await.store_err()?;
        }
        if crate::comments::duplicate_exists(conn, post, comment.author_email.as_deref(), comment.author_name.as_deref(), &comment.body)
            .await?
        {
            return Ok(CommentOutcome::Duplicate);
        }
        if let Some(limit) = flood {
            let (sent, oldest) = crate::comments::recent_from_address(conn, limit).await?;
            if sent >= i64::from(limit.max) {
                return Ok(CommentOutcome::Flooded { oldest: oldest.unwrap_or(limit.since) });
            }
        }
        let comment = insert_comment_of_post(conn, post, parent, &comment).await?;
        tx.commit().await.store_err()?;
        Ok(CommentOutcome::Created(Box::new(comment)))
    }
}

/// Inserts a comment after checking that its post exists and its parent is one of the post's.
async fn insert_comment_of_post(
    conn: &mut AnyConnection,
    post: PostId,
    parent: Option<CommentId>,
    comment: &NewComment,
) -> StoreResult<Comment> {
    let mut exists = Sql::new("SELECT COUNT(*) AS n FROM posts WHERE id = ");
    exists.int(post);
    if exists.query().fetch_one(&mut *conn).await.store_err()?.try_get::<i64, _>("n").store_err()? == 0 {
        return Err(StoreError::NotFound(format!("post {post}")));
    }
    if let Some(parent) = parent {
        let mut check = Sql::new("SELECT COUNT(*) AS n FROM comments WHERE id = ");
        check.int(parent).push(" AND post_id = ").int(post);
        if check.query().fetch_one(&mut *conn).await.store_err()?.try_get::<i64, _>("n").store_err()? == 0 {
            return Err(StoreError::Invalid(format!("comment {parent} is not a comment of post {post}")));
        }
    }
    insert_comment_row(conn, post, parent, comment).await
}
