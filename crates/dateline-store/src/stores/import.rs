//! [`ImportStore`] on SQLite and PostgreSQL. Imports from WordPress (one transaction each), the old addresses they keep, media records and meta.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::{self};
use crate::sql::Sql;

#[async_trait]
impl ImportStore for SqlStore {
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
