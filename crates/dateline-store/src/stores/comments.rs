//! [`CommentStore`] on SQLite and PostgreSQL. Comments: reading, storing under the duplicate and flood checks, moderating, and what the spam filter has learned.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::json_rows;
use crate::rows::{self, COMMENT_COLUMNS};
use crate::sql::Sql;

/// Appends a subquery: the comment tree of [`CommentStore::comment_tree`] as one text, a node
/// a `;`-separated item of four integers, `id,parent,revision,created_at` (the parent empty
/// for a thread's first comment), with the time each was written to put them in order after;
/// `''` for none. All from the `comments_threads` index. Not JSON like the other lists read
/// in one column: a post page reads every approved comment's node, and building a JSON array
/// of arrays took PostgreSQL half the time of reading the hundred nodes of a 100-comment post
/// (docs/PERFORMANCE.md, stop 33).
pub(super) fn push_comment_tree(sql: &mut Sql, backend: crate::connect::Backend, post: PostId, status: CommentStatus) {
    let (text, concat) = match backend {
        crate::connect::Backend::Sqlite => ("c.parent_id", "group_concat"),
        crate::connect::Backend::Postgres => ("CAST(c.parent_id AS TEXT)", "string_agg"),
    };
    sql.push(&format!(
        "(SELECT COALESCE({concat}(c.id || ',' || COALESCE({text}, '') || ',' || c.revision || ',' || c.created_at, ';'), '') \
         FROM comments c WHERE c.post_id = "
    ));
    sql.int(post).push(" AND c.status = ").text(status.as_str()).push(" AND c.kind <> 'note')");
}

/// Decodes a [`push_comment_tree`], oldest first.
pub(super) fn decode_comment_tree(text: &str) -> StoreResult<Vec<CommentNode>> {
    // What the database itself gave, so a store fault, not a caller's bad input.
    let malformed = || StoreError::Backend(format!("a comment tree that is not id,parent,revision,time items: {text:.80}"));
    let mut tree = Vec::new();
    for item in text.split(';').filter(|item| !item.is_empty()) {
        let mut fields = item.split(',');
        let mut next = || fields.next().ok_or_else(malformed);
        let (id, parent, revision, created_at) = (next()?, next()?, next()?, next()?);
        if fields.next().is_some() {
            return Err(malformed());
        }
        let number = |field: &str| field.parse::<i64>().map_err(|_| malformed());
        let parent_id = if parent.is_empty() { None } else { Some(number(parent)?) };
        tree.push((number(created_at)?, CommentNode { id: number(id)?, parent_id, revision: number(revision)? }));
    }
    tree.sort_unstable_by_key(|(created_at, node)| (*created_at, node.id));
    Ok(tree.into_iter().map(|(_, node)| node).collect())
}

#[async_trait]
impl CommentStore for SqlStore {
    async fn comments_for_post(&self, post: PostId, status: CommentStatus) -> StoreResult<Vec<Comment>> {
        let mut sql = Sql::new(&format!("SELECT {} FROM comments c WHERE c.post_id = ", self.comments_as_json()));
        sql.int(post).push(" AND c.status = ").text(status.as_str());
        self.fetch_comments_json(&sql).await
    }

    async fn comment_tree(&self, post: PostId, status: CommentStatus) -> StoreResult<Vec<CommentNode>> {
        let mut sql = Sql::new("SELECT ");
        push_comment_tree(&mut sql, self.backend, post, status);
        decode_comment_tree(&self.json_array(&sql).await?)
    }

    async fn comments_by_ids(&self, ids: &[CommentId]) -> StoreResult<Vec<Comment>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!("SELECT {} FROM comments c WHERE c.id", self.comments_as_json()));
        sql.int_set(ids, self.backend);
        self.fetch_comments_json(&sql).await
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

    async fn spam_counts(&self, tokens: &[String]) -> StoreResult<std::collections::HashMap<String, dateline_core::spam::Counts>> {
        self.spam_counts_impl(tokens).await
    }

    async fn train_comment(&self, id: CommentId, tokens: &[String], label: SpamLabel) -> StoreResult<()> {
        self.train_comment_impl(id, tokens, label).await
    }

    async fn delete_comment(&self, id: CommentId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        for sql in [
            "UPDATE comments SET revision = revision + 1, parent_id = NULL WHERE parent_id = $1",
            "DELETE FROM meta WHERE owner = 'comment' AND owner_id = $1",
            "DELETE FROM comments WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.store_err()?;
        }
        crate::search::reindex_comments(&mut tx, &[id]).await.store_err()?;
        tx.commit().await.store_err()
    }

    async fn update_comment_body(&self, id: CommentId, body: &str) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut sql = Sql::new("UPDATE comments SET revision = revision + 1, body = ");
        sql.text(body).push(" WHERE id = ").int(id);
        if sql.query().execute(&mut *tx).await.store_err()?.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("comment {id}")));
        }
        crate::search::reindex_comments(&mut tx, &[id]).await.store_err()?;
        tx.commit().await.store_err()
    }
}

impl SqlStore {
    /// Every selected comment's [`COMMENT_COLUMNS`] as one JSON array, oldest first.
    fn comments_as_json(&self) -> String {
        json_rows::array(self.backend, &json_rows::tuple(self.backend, COMMENT_COLUMNS))
    }

    /// Runs a query selecting [`Self::comments_as_json`] and decodes its one row, in the order
    /// comments are listed: as they were written.
    async fn fetch_comments_json(&self, sql: &Sql) -> StoreResult<Vec<Comment>> {
        let mut comments = rows::comments_from_json(&self.json_array(sql).await?).store_err()?;
        comments.sort_unstable_by_key(|c| (c.created_at, c.id));
        Ok(comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: CommentId, parent_id: Option<CommentId>, revision: i64) -> CommentNode {
        CommentNode { id, parent_id, revision }
    }

    #[test]
    fn a_comment_tree_is_read_oldest_first_with_its_parents() {
        assert_eq!(decode_comment_tree("").expect("none"), []);
        let tree = decode_comment_tree("7,,0,200;3,,2,100;9,3,1,200;4,3,0,150").expect("tree");
        assert_eq!(tree, [node(3, None, 2), node(4, Some(3), 0), node(7, None, 0), node(9, Some(3), 1)]);
    }

    #[test]
    fn a_malformed_comment_tree_is_an_error_not_a_panic() {
        for text in ["1,,0", "1,,0,x", "a,,0,1", "1,2,0,1,5;", "1,-,0,1", ";;1"] {
            let result = decode_comment_tree(text);
            assert!(matches!(result, Err(StoreError::Backend(_))), "{text}: {result:?}");
        }
    }
}
