//! What an import writes many rows to a statement: new posts, comments (with their
//! metadata), posts' metadata and term links, and old addresses. Every statement is a round trip (to sqlx's
//! SQLite worker thread, or over the network to PostgreSQL); one a row made an export of
//! 200,000 comments cost about 400,000 of them, most of the import's time. Nothing here reads
//! what it wrote before the batch is written, so rows wait in [`Pending`] until a batch is full
//! or the import finishes.

use std::collections::HashSet;

use dateline_core::import::{ImportComment, RedirectTarget};
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::AnyConnection;

use crate::connect::Backend;
use crate::error::OrStoreError;
use crate::post_write::NewPostRow;
use crate::sql::Sql;

/// Comments written per `INSERT`: up to 18 parameters each, 3,600 a statement, far below
/// SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const COMMENTS_PER_INSERT: usize = 200;

/// New posts written per `INSERT`: 32 parameters each.
pub(crate) const POSTS_PER_INSERT: usize = 100;

/// Small rows (metadata: 4 parameters; term links: 2; redirects: 3) written per `INSERT`.
pub(crate) const ROWS_PER_INSERT: usize = 500;

/// One metadata row: `owner` is the table's name in `meta.owner` ("post", "comment", …).
pub(crate) struct MetaRow {
    pub owner: &'static str,
    pub owner_id: i64,
    pub name: String,
    pub value: String,
}

impl MetaRow {
    pub(crate) fn all(owner: &'static str, owner_id: i64, meta: &[(String, String)]) -> impl Iterator<Item = MetaRow> {
        meta.iter().map(move |(name, value)| MetaRow { owner, owner_id, name: name.clone(), value: value.clone() })
    }
}

/// A comment kept for the next batch, with what the session resolved for it.
pub(crate) struct PendingComment {
    pub post: PostId,
    /// Our account of its signed-in author, if the export named one we know.
    pub user_id: Option<UserId>,
    pub comment: ImportComment,
}

/// Rows kept for their batch. A post rewritten later in the same import (its key twice in the
/// file) first drops what is kept for it ([`Pending::forget_post`]), as the store's own rows
/// are replaced.
#[derive(Default)]
pub(crate) struct Pending {
    /// New posts whose id is known (WordPress's, free). Written before anything that refers
    /// to them or reads the posts table: the other kept rows, a post written at once, `finish`.
    pub posts: Vec<NewPostRow>,
    comments: Vec<PendingComment>,
    /// The kept comments' keys: one `INSERT … ON CONFLICT DO UPDATE` may not touch a row twice
    /// (PostgreSQL refuses it), so a key seen again writes the batch before it.
    comment_keys: HashSet<String>,
    /// Posts' metadata (terms' and media's are few and written at once).
    pub meta: Vec<MetaRow>,
    /// (post, term) links.
    pub links: Vec<(PostId, TermId)>,
    /// The written comments' search entries, not yet in the index (each comment once).
    pub search_entries: Vec<crate::search::Entry>,
    /// Whether any of them may be in the index already (a comment written before).
    pub search_again: bool,
}

impl Pending {
    /// Whether `key` is among the kept comments.
    pub(crate) fn has_comment(&self, key: &str) -> bool {
        self.comment_keys.contains(key)
    }

    /// Keeps a comment; true when the batch is full.
    pub(crate) fn add_comment(&mut self, comment: PendingComment) -> bool {
        self.comment_keys.insert(comment.comment.source_key.clone());
        self.comments.push(comment);
        self.comments.len() >= COMMENTS_PER_INSERT
    }

    /// The kept comments, leaving none.
    pub(crate) fn take_comments(&mut self) -> Vec<PendingComment> {
        self.comment_keys.clear();
        std::mem::take(&mut self.comments)
    }

    /// Drops the metadata and links kept for post `id`, which is about to be written again.
    pub(crate) fn forget_post(&mut self, id: PostId) {
        self.meta.retain(|row| !(row.owner == "post" && row.owner_id == id));
        self.links.retain(|(post, _)| *post != id);
    }
}

/// `err` with what was being written put in front of its detail: a batch fails as a whole,
/// and whoever reads the error needs to know which records to look at.
pub(crate) fn naming(err: StoreError, what: &str) -> StoreError {
    match err {
        StoreError::NotFound(m) => StoreError::NotFound(format!("{what}: {m}")),
        StoreError::Conflict(m) => StoreError::Conflict(format!("{what}: {m}")),
        StoreError::Invalid(m) => StoreError::Invalid(format!("{what}: {m}")),
        StoreError::Busy(m) => StoreError::Busy(format!("{what}: {m}")),
        StoreError::CannotWrite(m) => StoreError::CannotWrite(format!("{what}: {m}")),
        StoreError::Backend(m) => StoreError::Backend(format!("{what}: {m}")),
    }
}

/// Inserts metadata rows, many to a statement.
pub(crate) async fn insert_meta(conn: &mut AnyConnection, backend: Backend, rows: &[MetaRow]) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Sql::wide("INSERT INTO meta (owner, owner_id, name, value) VALUES ", backend);
        for (i, row) in chunk.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            insert.text(row.owner).push(", ").int(row.owner_id).push(", ").text(&row.name).push(", ").text(&row.value).push(")");
        }
        insert.query().execute(&mut *conn).await.store_err()?;
    }
    Ok(())
}

/// Where a kept comment goes: its id (`new`: given just now, else its row's), and its
/// parent's when known (else `finish` links it by key).
pub(crate) struct Placed {
    pub id: CommentId,
    pub new: bool,
    pub parent: Option<CommentId>,
}

/// Writes comments (new ones inserted, known ones updated by key) and their metadata,
/// replacing the metadata they had when `replace_meta`. The keys in `comments` are distinct
/// ([`Pending`] sees to it).
pub(crate) async fn write_comments(
    conn: &mut AnyConnection,
    backend: Backend,
    comments: &[PendingComment],
    placed: &[Placed],
    replace_meta: bool,
) -> StoreResult<()> {
    let rows: Vec<(&PendingComment, &Placed)> = comments.iter().zip(placed).collect();
    for chunk in rows.chunks(COMMENTS_PER_INSERT) {
        let (Some((first, _)), Some((last, _))) = (chunk.first(), chunk.last()) else { continue };
        let what = if chunk.len() == 1 {
            format!("comment {}", first.comment.source_key)
        } else {
            format!("comments {} to {}", first.comment.source_key, last.comment.source_key)
        };
        // New ones first: a known comment may now answer one of them.
        for new in [true, false] {
            let part: Vec<_> = chunk.iter().filter(|(_, place)| place.new == new).copied().collect();
            if !part.is_empty() {
                insert_comments(conn, backend, &part, new).await.map_err(|e| naming(e, &what))?;
            }
        }
        let ids: Vec<CommentId> = chunk.iter().map(|(_, place)| place.id).collect();
        if replace_meta {
            let mut delete = Sql::new("DELETE FROM meta WHERE owner = 'comment' AND owner_id IN ");
            delete.int_list(&ids);
            delete.query().execute(&mut *conn).await.store_err().map_err(|e| naming(e, &what))?;
        }
        let meta: Vec<MetaRow> =
            chunk.iter().flat_map(|(pending, place)| MetaRow::all("comment", place.id, &pending.comment.meta)).collect();
        insert_meta(conn, backend, &meta).await.map_err(|e| naming(e, &format!("metadata of {what}")))?;
    }
    Ok(())
}

/// One `INSERT` of new comments with their ids, or one `INSERT … ON CONFLICT (source_key) DO
/// UPDATE` of known ones (whose parent is kept when it is not known now: `finish` links it).
async fn insert_comments(conn: &mut AnyConnection, backend: Backend, rows: &[(&PendingComment, &Placed)], new: bool) -> StoreResult<()> {
    let mut sql = Sql::wide(
        &format!(
            "INSERT INTO comments ({}parent_id, post_id, kind, author_name, author_email, author_url, author_ip, user_agent, body, \
             status, created_at, notify, source_key, source_parent_key, status_before_trash, user_id, body_format) VALUES ",
            if new { "id, " } else { "" }
        ),
        backend,
    );
    for (i, (PendingComment { post, user_id, comment }, place)) in rows.iter().enumerate() {
        let c = &comment.comment;
        sql.push(if i == 0 { "(" } else { ", (" });
        if new {
            sql.int(place.id).push(", ");
        }
        sql.opt_int(place.parent).push(", ").int(*post).push(", ").text(c.kind.as_str());
        for value in [&c.author_name, &c.author_email, &c.author_url, &c.author_ip, &c.user_agent] {
            sql.push(", ").opt_text(value.as_deref());
        }
        sql.push(", ").text(&c.body).push(", ").text(c.status.as_str()).push(", ").int(c.created_at.as_second());
        // A parent not known yet is found by its key in `finish`.
        let parent_key = comment.parent_source_key.as_deref().filter(|_| place.parent.is_none());
        sql.push(", 0, ").text(&comment.source_key).push(", ").opt_text(parent_key);
        sql.push(", ").opt_text(comment.status_before_trash.map(CommentStatus::as_str));
        sql.push(", ").opt_int(*user_id).push(", ").text(c.body_format.as_str()).push(")");
    }
    if !new {
        sql.push(
            " ON CONFLICT (source_key) DO UPDATE SET post_id = excluded.post_id, kind = excluded.kind, \
             author_name = excluded.author_name, author_email = excluded.author_email, author_url = excluded.author_url, \
             author_ip = excluded.author_ip, user_agent = excluded.user_agent, body = excluded.body, status = excluded.status, \
             created_at = excluded.created_at, source_parent_key = excluded.source_parent_key, \
             parent_id = COALESCE(excluded.parent_id, comments.parent_id), status_before_trash = excluded.status_before_trash, \
             user_id = excluded.user_id, body_format = excluded.body_format",
        );
    }
    sql.query().execute(&mut *conn).await.store_err()?;
    Ok(())
}

/// Stores old addresses: each path leads to the post imported under its key (by `post_ids`;
/// nowhere when no post has it) or to a URL. A path given twice leads where it was last
/// told to, as one statement a path made it.
pub(crate) async fn write_redirects(
    conn: &mut AnyConnection,
    backend: Backend,
    redirects: Vec<(String, RedirectTarget)>,
    post_ids: impl Fn(&str) -> Option<PostId>,
) -> StoreResult<()> {
    // The last of each path, in their order (one `ON CONFLICT DO UPDATE` may not touch a row twice).
    let mut seen = HashSet::new();
    let mut last: Vec<(String, RedirectTarget)> = redirects.into_iter().rev().filter(|(path, _)| seen.insert(path.clone())).collect();
    last.reverse();
    for chunk in last.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::wide("INSERT INTO redirects (path, post_id, url) VALUES ", backend);
        for (i, (path, target)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" }).text(path).push(", ");
            match target {
                RedirectTarget::Post(key) => sql.opt_int(post_ids(key)).push(", NULL)"),
                RedirectTarget::Url(url) => sql.push("NULL, ").text(url).push(")"),
            };
        }
        sql.push(" ON CONFLICT (path) DO UPDATE SET post_id = excluded.post_id, url = excluded.url");
        sql.query().execute(&mut *conn).await.store_err().map_err(|e| naming(e, "old addresses"))?;
    }
    Ok(())
}
