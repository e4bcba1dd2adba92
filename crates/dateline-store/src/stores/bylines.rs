//! [`BylineStore`] on SQLite and PostgreSQL. Outlets and reporters; the SQL is in
//! `crate::bylines`, beside the linking every post write does.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;

use crate::bylines::{self, tables};
use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::sql::Sql;

#[async_trait]
impl BylineStore for SqlStore {
    async fn bylines(&self, kind: BylineKind, now: Timestamp) -> StoreResult<Vec<Byline>> {
        let mut sql = bylines::select(kind, now);
        sql.push(" ORDER BY b.name, b.id");
        let mut conn = self.pool.acquire().await.store_err()?;
        bylines::decode(&mut conn, kind, &sql).await
    }

    async fn byline_by_id(&self, kind: BylineKind, id: i64, now: Timestamp) -> StoreResult<Option<Byline>> {
        let mut sql = bylines::select(kind, now);
        sql.push(" WHERE b.id = ").int(id);
        let mut conn = self.pool.acquire().await.store_err()?;
        Ok(bylines::decode(&mut conn, kind, &sql).await?.into_iter().next())
    }

    async fn byline_by_slug(&self, kind: BylineKind, slug: &str, now: Timestamp) -> StoreResult<Option<BylineFound>> {
        let mut sql = bylines::select(kind, now);
        sql.push(" WHERE b.slug = ").text(slug);
        let mut conn = self.pool.acquire().await.store_err()?;
        if let Some(found) = bylines::decode(&mut conn, kind, &sql).await?.into_iter().next() {
            return Ok(Some(BylineFound::Here(found)));
        }
        let t = tables(kind);
        let mut moved = Sql::new(&format!(
            "SELECT b.slug FROM {} k JOIN {} b ON b.id = k.{} WHERE k.kind = 'old_slug' AND k.value = ",
            t.keys, t.table, t.fk
        ));
        moved.text(slug);
        let row = moved.query().fetch_optional(&mut *conn).await.store_err()?;
        row.map(|r| r.try_get("slug").map(BylineFound::Moved)).transpose().store_err()
    }

    async fn update_byline(&self, kind: BylineKind, id: i64, name: &str, slug: &str, domains: &[String]) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        bylines::update(&mut tx, kind, id, name, slug, domains).await?;
        tx.commit().await.store_err()
    }

    async fn merge_bylines(&self, kind: BylineKind, from: i64, into: i64) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        bylines::merge(&mut tx, kind, from, into).await?;
        tx.commit().await.store_err()
    }

    async fn related_posts(&self, post: &Post, now: Timestamp, limit: u32) -> StoreResult<Vec<PostLink>> {
        if !bylines::can_be_related(post) {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT ");
        bylines::push_related_links(&mut sql, self.backend, post, now, limit);
        crate::rows::links(&self.json_array(&sql).await?).store_err()
    }
}
