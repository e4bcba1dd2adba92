//! [`EmbedStore`] on SQLite and PostgreSQL: the `embeds` rows (migrations 0012 and 0015), one
//! per link. Thumbnails are media items; the bytes early rows kept are read only when served.

use async_trait::async_trait;
use dateline_core::embeds::{Embed, EmbedAnswer, Thumbnail};
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::time;
use crate::sql::Sql;

const EMBED_COLUMNS: &str =
    "id, url, provider, provider_name, title, author_name, author_url, thumbnail_url, thumbnail_media, player_url, fetched_at, failure";

fn embed(row: &AnyRow) -> Result<Embed, sqlx::Error> {
    Ok(Embed {
        id: row.try_get("id")?,
        answer: EmbedAnswer {
            url: row.try_get("url")?,
            provider: row.try_get("provider")?,
            provider_name: row.try_get("provider_name")?,
            title: row.try_get("title")?,
            author_name: row.try_get("author_name")?,
            author_url: row.try_get("author_url")?,
            thumbnail_url: row.try_get("thumbnail_url")?,
            thumbnail_media: row.try_get("thumbnail_media")?,
            player_url: row.try_get("player_url")?,
            fetched_at: time(row.try_get("fetched_at")?),
            failure: row.try_get("failure")?,
        },
    })
}

#[async_trait]
impl EmbedStore for SqlStore {
    async fn save_embed(&self, answer: &EmbedAnswer) -> StoreResult<Embed> {
        let mut sql = Sql::new(
            "INSERT INTO embeds (url, provider, provider_name, title, author_name, author_url, thumbnail_url, thumbnail_media, player_url, fetched_at, failure) VALUES (",
        );
        sql.text(&answer.url).push(", ").text(&answer.provider).push(", ").opt_text(answer.provider_name.as_deref()).push(", ");
        sql.opt_text(answer.title.as_deref()).push(", ").opt_text(answer.author_name.as_deref()).push(", ");
        sql.opt_text(answer.author_url.as_deref()).push(", ").opt_text(answer.thumbnail_url.as_deref()).push(", ");
        sql.opt_int(answer.thumbnail_media).push(", ").opt_text(answer.player_url.as_deref());
        sql.push(", ").int(answer.fetched_at.as_second()).push(", ").opt_text(answer.failure.as_deref());
        sql.push(
            ") ON CONFLICT (url) DO UPDATE SET provider = excluded.provider, provider_name = excluded.provider_name, \
             title = excluded.title, author_name = excluded.author_name, author_url = excluded.author_url, \
             thumbnail = NULL, thumbnail_type = NULL, thumbnail_url = excluded.thumbnail_url, \
             thumbnail_media = excluded.thumbnail_media, player_url = excluded.player_url, \
             fetched_at = excluded.fetched_at, failure = excluded.failure RETURNING ",
        );
        sql.push(EMBED_COLUMNS);
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let row = sql.query().fetch_one(&mut *tx).await.store_err()?;
        let saved = embed(&row).store_err()?;
        tx.commit().await.store_err()?;
        Ok(saved)
    }

    async fn embeds(&self, urls: &[String]) -> StoreResult<Vec<Embed>> {
        let mut sql = Sql::new(&format!("SELECT {EMBED_COLUMNS} FROM embeds WHERE url IN "));
        sql.text_list(urls);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(embed).collect::<Result<_, _>>().store_err()
    }

    async fn embed_thumbnail(&self, id: i64) -> StoreResult<Option<Thumbnail>> {
        let mut sql = Sql::new("SELECT thumbnail, thumbnail_type FROM embeds WHERE thumbnail IS NOT NULL AND id = ");
        sql.int(id);
        let Some(row) = self.read_optional_row(sql.query()).await.store_err()? else { return Ok(None) };
        let bytes: Vec<u8> = row.try_get("thumbnail").store_err()?;
        let content_type: Option<String> = row.try_get("thumbnail_type").store_err()?;
        Ok(Some(Thumbnail { bytes, content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()) }))
    }
}
