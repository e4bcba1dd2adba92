//! [`TermStore`] on SQLite and PostgreSQL. Categories and tags.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::{self, TERM_COLUMNS};
use crate::sql::Sql;

/// Appends a subquery: the terms of `taxonomy` as one JSON array ([`rows::terms_array`]).
pub(crate) fn push_terms(sql: &mut Sql, backend: crate::connect::Backend, taxonomy: Taxonomy) {
    sql.push(&format!("(SELECT {} FROM terms t WHERE t.taxonomy = ", rows::terms_array(backend)));
    sql.fixed_text(taxonomy.as_str()).push(")");
}

#[async_trait]
impl TermStore for SqlStore {
    async fn term_by_slug(&self, taxonomy: Taxonomy, slug: &str) -> StoreResult<Option<Term>> {
        let mut sql = Sql::new(&format!("SELECT {TERM_COLUMNS} FROM terms t WHERE t.taxonomy = "));
        sql.text(taxonomy.as_str()).push(" AND t.slug = ").text(slug);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::term).transpose().store_err()
    }

    async fn terms(&self, taxonomy: Taxonomy) -> StoreResult<Vec<Term>> {
        let mut sql = Sql::new("SELECT ");
        push_terms(&mut sql, self.backend, taxonomy);
        rows::terms(&self.json_array(&sql).await?).store_err()
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
        let tagged = crate::search::posts_with_term(&mut tx, id).await.store_err()?;
        crate::search::reindex_posts(&mut tx, &tagged).await.store_err()?;
        tx.commit().await.store_err()
    }

    async fn delete_term(&self, id: TermId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let tagged = crate::search::posts_with_term(&mut tx, id).await.store_err()?;
        for sql in [
            "UPDATE terms SET parent_id = NULL WHERE parent_id = $1",
            "DELETE FROM post_terms WHERE term_id = $1",
            "DELETE FROM meta WHERE owner = 'term' AND owner_id = $1",
            "DELETE FROM terms WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.store_err()?;
        }
        crate::search::reindex_posts(&mut tx, &tagged).await.store_err()?;
        tx.commit().await.store_err()
    }
}
