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
        let Some(row) = self.read_optional_row(sql.query()).await.store_err()? else { return Ok(None) };
        let post: Option<i64> = row.try_get("post_id").store_err()?;
        let url: Option<String> = row.try_get("url").store_err()?;
        Ok(match (post, url) {
            (Some(post), _) => Some(dateline_core::import::Redirect::Post(post)),
            (None, Some(url)) => Some(dateline_core::import::Redirect::Url(url)),
            (None, None) => None,
        })
    }

    async fn media(&self) -> StoreResult<Vec<dateline_core::import::Media>> {
        let rows = sqlx::query("SELECT id, post_id, title, url, mime_type, created_at, source_key, content_hash FROM media ORDER BY id")
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
                    source_key: row.try_get("source_key")?,
                    stored: row.try_get::<Option<String>, _>("content_hash")?.is_some(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .store_err()
    }

    async fn meta(&self, owner: &str, id: i64) -> StoreResult<Vec<(String, String)>> {
        let mut sql = Sql::new("SELECT name, value FROM meta WHERE owner = ");
        sql.text(owner).push(" AND owner_id = ").int(id).push(" ORDER BY name, value");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("value")?))).collect::<Result<_, sqlx::Error>>().store_err()
    }

    async fn media_sources(&self) -> StoreResult<Vec<(String, media::MediaId)>> {
        let rows = self.read_rows(sqlx::query("SELECT url, media_id FROM media_sources ORDER BY url")).await.store_err()?;
        rows.iter().map(|r| Ok((r.try_get("url")?, r.try_get("media_id")?))).collect::<Result<_, sqlx::Error>>().store_err()
    }

    async fn store_fetched_media(
        &self,
        record: Option<media::MediaId>,
        source_url: &str,
        new: media::NewMedia,
    ) -> StoreResult<media::MediaItem> {
        self.write_media(new, record, Some(source_url)).await
    }

    async fn imported_texts(&self) -> StoreResult<Vec<dateline_core::import::ImportedText>> {
        let rows = sqlx::query(
            "SELECT p.id, p.source_key, p.author_id, p.body_source, p.body_html, p.featured_media, \
             (SELECT value FROM meta WHERE owner = 'post' AND owner_id = p.id AND name = '_thumbnail_id' ORDER BY value LIMIT 1) AS thumbnail \
             FROM posts p WHERE p.source_key IS NOT NULL ORDER BY p.id",
        )
        .fetch_all(&self.pool)
        .await
        .store_err()?;
        rows.iter()
            .map(|row| {
                let thumbnail: Option<String> = row.try_get("thumbnail")?;
                Ok(dateline_core::import::ImportedText {
                    id: row.try_get("id")?,
                    source_key: row.try_get("source_key")?,
                    author_id: row.try_get("author_id")?,
                    body_source: row.try_get("body_source")?,
                    body_html: row.try_get("body_html")?,
                    featured_media: row.try_get("featured_media")?,
                    thumbnail_id: thumbnail.and_then(|t| t.trim().parse().ok()).filter(|id| *id > 0),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .store_err()
    }

    async fn localize_text(
        &self,
        id: PostId,
        body_source: &str,
        body_html: &str,
        featured_media: Option<media::MediaId>,
    ) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let done = sqlx::query("UPDATE posts SET body_source = $1, body_html = $2, featured_media = $3 WHERE id = $4")
            .bind(body_source)
            .bind(body_html)
            .bind(featured_media)
            .bind(id)
            .execute(&mut *tx)
            .await
            .store_err()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("post {id}")));
        }
        tx.commit().await.store_err()
    }
}
