//! [`MediaStore`] on SQLite and PostgreSQL: the `media` rows that have a stored file
//! (migration 0011), their variants, and the bytes: files in a directory beside the database
//! on SQLite, `media_blobs` rows on PostgreSQL, or objects in a bucket on either when one is
//! configured ([`SqlStore::with_objects`]).
//!
//! All or nothing. On PostgreSQL rows and bytes are one transaction. On SQLite the files are
//! first written under temporary names (outside the write lock: large writes do not hold up
//! other writers), then, inside the transaction and behind the write gate, renamed to their
//! hash; a failure before the commit removes the temporary files and every file this upload
//! created. A file is named by its content hash, so a file already there is the same bytes
//! and is left alone; files are removed only behind the gate, once no row names their hash.
//!
//! With a bucket, the objects are put before the transaction begins; if it fails, those no
//! row names are deleted again, and deleting an item deletes the objects no row names any
//! more. Within a process, [`InFlight`] keeps a cleanup from deleting an object another
//! upload is about to commit. Between instances sharing a bucket there is no such lock: an
//! upload of the very same bytes racing a delete (or a failed upload) on another instance can
//! lose its object; `dateline check` reports such a row (a HEAD per hash).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use dateline_core::media::*;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::connect::{Backend, SqlStore};
use crate::error::OrStoreError;
use crate::rows::time;
use crate::sql::Sql;

const MEDIA_COLUMNS: &str = "m.id, m.author_id, m.title, m.alt_text, m.caption, m.mime_type, m.byte_size, m.width, m.height, \
     m.content_hash, m.file_name, m.created_at, m.updated_at";

/// Only rows with a stored file belong to the library (imported records without one stay
/// links to the old site).
const STORED: &str = "m.content_hash IS NOT NULL";

fn dimension(row: &AnyRow, column: &str) -> Result<Option<u32>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(column)?.and_then(|v| u32::try_from(v).ok()))
}

fn media_item(row: &AnyRow) -> Result<MediaItem, sqlx::Error> {
    let created_at = time(row.try_get("created_at")?);
    Ok(MediaItem {
        id: row.try_get("id")?,
        author_id: row.try_get::<Option<i64>, _>("author_id")?.unwrap_or(0),
        title: row.try_get("title")?,
        alt_text: row.try_get("alt_text")?,
        caption: row.try_get("caption")?,
        mime_type: row.try_get::<Option<String>, _>("mime_type")?.unwrap_or_default(),
        byte_size: row.try_get::<Option<i64>, _>("byte_size")?.unwrap_or(0),
        width: dimension(row, "width")?,
        height: dimension(row, "height")?,
        content_hash: row.try_get::<Option<String>, _>("content_hash")?.unwrap_or_default(),
        file_name: row.try_get::<Option<String>, _>("file_name")?.unwrap_or_default(),
        created_at,
        updated_at: row.try_get::<Option<i64>, _>("updated_at")?.map_or(created_at, time),
        variants: Vec::new(),
    })
}

/// Whether `hash` is a hex SHA-256 as the store writes them (so it is safe in a path).
fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where SQLite keeps the file with this hash: `media/ab/abcdef…` (256 folders, so no one
/// directory grows past what file systems list quickly).
pub(crate) fn file_path(dir: &Path, hash: &str) -> PathBuf {
    dir.join(&hash[..2]).join(hash)
}

/// Files written for one upload on SQLite, removed again unless [`Staged::keep`] is called.
#[derive(Default)]
struct Staged {
    temporary: Vec<(PathBuf, PathBuf)>,
    created: Vec<PathBuf>,
    kept: bool,
}

impl Staged {
    /// Writes each file under a temporary name in its final folder (so the rename is atomic).
    async fn write(dir: &Path, files: &[&NewFile]) -> std::io::Result<Staged> {
        let mut staged = Staged::default();
        for file in files {
            let path = file_path(dir, &file.content_hash);
            if tokio::fs::try_exists(&path).await.unwrap_or(false) || staged.temporary.iter().any(|(_, p)| *p == path) {
                continue;
            }
            let folder = path.parent().unwrap_or(dir);
            tokio::fs::create_dir_all(folder).await?;
            let temp = folder.join(format!(".upload-{}", dateline_core_unique()));
            staged.temporary.push((temp.clone(), path));
            tokio::fs::write(&temp, &file.bytes).await?;
            tokio::fs::File::open(&temp).await?.sync_all().await?;
        }
        Ok(staged)
    }

    /// Gives each file its final name.
    async fn rename(&mut self) -> std::io::Result<()> {
        for (temp, path) in std::mem::take(&mut self.temporary) {
            if let Err(err) = tokio::fs::rename(&temp, &path).await {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(err);
            }
            self.created.push(path);
        }
        Ok(())
    }

    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        for path in self.temporary.iter().map(|(temp, _)| temp).chain(&self.created) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A name no other upload in this or another process is using at the same time.
fn dateline_core_unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn io_err(err: std::io::Error) -> StoreError {
    match err.raw_os_error() {
        // ENOSPC, EROFS, EDQUOT: nothing can be written until an operator acts.
        Some(28 | 30 | 122) => StoreError::CannotWrite(format!("media directory: {err}")),
        _ => StoreError::Backend(format!("media directory: {err}")),
    }
}

/// `… AND` the library filters of `query`.
fn push_filter(sql: &mut Sql, query: &MediaQuery) {
    sql.push(" WHERE ").push(STORED);
    if let Some(words) = query.search.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        for word in words.split_whitespace().take(8) {
            let escaped = word.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            sql.push(" AND (");
            for (i, column) in ["m.title", "m.alt_text", "m.caption", "m.file_name"].iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push(&format!("LOWER({column}) LIKE ")).text(&pattern).push(" ESCAPE '\\'");
            }
            sql.push(")");
        }
    }
    if let Some(prefix) = &query.mime_prefix {
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        sql.push(" AND m.mime_type LIKE ").text(&format!("{escaped}%")).push(" ESCAPE '\\'");
    }
    if let Some((from, to)) = query.between {
        sql.push(" AND m.created_at >= ").int(from.as_second()).push(" AND m.created_at < ").int(to.as_second());
    }
    if let Some(author) = query.author_id {
        sql.push(" AND m.author_id = ").int(author);
    }
}

impl SqlStore {
    /// Loads the variants of these items into them, with one query.
    async fn attach_variants(&self, items: &mut [MediaItem]) -> StoreResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = items.iter().map(|m| m.id).collect();
        let mut sql = Sql::new("SELECT media_id, width, height, mime_type, byte_size, content_hash FROM media_variants WHERE media_id IN ");
        sql.int_list(&ids).push(" ORDER BY width, mime_type");
        for row in self.read_rows(sql.query()).await.store_err()? {
            let id: i64 = row.try_get("media_id").store_err()?;
            let mime_type: String = row.try_get("mime_type").store_err()?;
            let variant = MediaVariant {
                width: dimension(&row, "width").store_err()?.unwrap_or(0),
                height: dimension(&row, "height").store_err()?.unwrap_or(0),
                byte_size: row.try_get("byte_size").store_err()?,
                content_hash: row.try_get("content_hash").store_err()?,
                mime_type,
            };
            if let Some(item) = items.iter_mut().find(|m| m.id == id) {
                item.variants.push(variant);
            }
        }
        // The original format before WebP at each width.
        for item in items.iter_mut() {
            let original = item.mime_type.clone();
            item.variants.sort_by_key(|v| (v.width, v.mime_type != original));
        }
        Ok(())
    }

    /// The hashes an item's rows name (its file and its variants').
    async fn hashes_of(&self, tx: &mut sqlx::Transaction<'static, sqlx::Any>, id: MediaId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT content_hash FROM media WHERE id = $1 AND content_hash IS NOT NULL \
             UNION SELECT content_hash FROM media_variants WHERE media_id = $1",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await
        .store_err()?;
        rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().store_err()
    }
}

/// Of these hashes, those no row names any more.
async fn unreferenced(tx: &mut sqlx::Transaction<'static, sqlx::Any>, hashes: &[String]) -> StoreResult<Vec<String>> {
    let mut orphans = Vec::new();
    for hash in hashes {
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM media WHERE content_hash = $1) + (SELECT COUNT(*) FROM media_variants WHERE content_hash = $1)",
        )
        .bind(hash)
        .fetch_one(&mut **tx)
        .await
        .store_err()?;
        if used == 0 {
            orphans.push(hash.clone());
        }
    }
    Ok(orphans)
}

/// The hashes of objects uploads in this process have put (or are putting) but not yet
/// committed rows for; cleanups skip them. `cleanup` is held by a cleanup for its whole
/// check-then-delete and briefly by an upload registering, so an upload that registers after
/// a cleanup began puts its objects only once that cleanup is done.
#[derive(Debug, Default, Clone)]
pub(crate) struct InFlight {
    hashes: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    cleanup: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// One upload's hashes in [`InFlight`], taken out again when dropped (also when the upload
/// is cancelled).
struct Registered {
    hashes: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    mine: Vec<String>,
}

impl InFlight {
    async fn register(&self, hashes: &[String]) -> Registered {
        let _cleanup = self.cleanup.lock().await;
        self.hashes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(hashes.iter().cloned());
        Registered { hashes: self.hashes.clone(), mine: hashes.to_vec() }
    }

    fn contains(&self, hash: &str) -> bool {
        self.hashes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().any(|h| h == hash)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut hashes = self.hashes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for hash in &self.mine {
            if let Some(at) = hashes.iter().position(|h| h == hash) {
                hashes.swap_remove(at);
            }
        }
    }
}

/// What [`write_rows`] did: a new item (or an imported attachment's record) written, or an item
/// already holding the same bytes found for a fetched file.
enum Rows {
    Written(Box<MediaItem>),
    Reused(MediaId),
}

/// An item's rows in `tx`: a new item, or (with `record`) the file of an imported attachment
/// known until now by its old address. With `source_url` (a file fetched from an old site) that
/// address is remembered, and without a record an item already holding the same bytes is
/// reused instead of adding another.
async fn write_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    new: &NewMedia,
    record: Option<MediaId>,
    source_url: Option<&str>,
) -> StoreResult<Rows> {
    if record.is_none()
        && let Some(url) = source_url
    {
        // Two fetches of the same bytes at once must not both find none (SQLite's write
        // gate already takes them one at a time).
        if backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(&new.original.content_hash)
                .execute(&mut **tx)
                .await
                .store_err()?;
        }
        let same: Option<i64> = sqlx::query_scalar("SELECT id FROM media WHERE content_hash = $1 ORDER BY id LIMIT 1")
            .bind(&new.original.content_hash)
            .fetch_optional(&mut **tx)
            .await
            .store_err()?;
        if let Some(id) = same {
            remember_source(tx, url, id).await?;
            return Ok(Rows::Reused(id));
        }
    }
    let url = format!("/media/{}/{}", new.original.content_hash, new.file_name);
    let now = new.created_at.as_second();
    let columns = MEDIA_COLUMNS.replace("m.", "");
    let file = &new.original;
    let row = match record {
        // The attachment keeps its title, date and author; it takes the old site's alt text.
        Some(id) => with_file_fields(
            &format!(
                "UPDATE media SET mime_type = $1, byte_size = $2, width = $3, height = $4, content_hash = $5, file_name = $6, url = $7, \
             updated_at = $8, alt_text = COALESCE((SELECT value FROM meta WHERE owner = 'media' AND owner_id = $9 \
             AND name = '_wp_attachment_image_alt' ORDER BY value LIMIT 1), alt_text) WHERE id = $9 RETURNING {columns}"
            ),
            file,
            &new.file_name,
            &url,
            now,
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .store_err()?
        .ok_or_else(|| StoreError::NotFound(format!("media {id}")))?,
        None => with_file_fields(
            &format!(
                "INSERT INTO media (mime_type, byte_size, width, height, content_hash, file_name, url, created_at, updated_at, \
             author_id, title, alt_text, caption) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12) RETURNING {columns}"
            ),
            file,
            &new.file_name,
            &url,
            now,
        )
        .bind(new.author_id)
        .bind(&new.title)
        .bind(&new.alt_text)
        .bind(&new.caption)
        .fetch_one(&mut **tx)
        .await
        .store_err()?,
    };
    let item = media_item(&row).store_err()?;
    if record.is_some() {
        sqlx::query("DELETE FROM media_variants WHERE media_id = $1").bind(item.id).execute(&mut **tx).await.store_err()?;
    }
    for variant in &new.variants {
        sqlx::query(
            "INSERT INTO media_variants (media_id, width, height, mime_type, byte_size, content_hash) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (media_id, width, mime_type) DO NOTHING",
        )
        .bind(item.id)
        .bind(i64::from(variant.width.unwrap_or(0)))
        .bind(i64::from(variant.height.unwrap_or(0)))
        .bind(&variant.mime_type)
        .bind(variant.bytes.len() as i64)
        .bind(&variant.content_hash)
        .execute(&mut **tx)
        .await
        .store_err()?;
    }
    if let Some(url) = source_url {
        remember_source(tx, url, item.id).await?;
    }
    Ok(Rows::Written(Box::new(item)))
}

/// `sql` with a file's own fields bound as $1–$8 (type, size, width, height, hash, name,
/// address, time), as both of [`write_rows`]'s statements take them.
fn with_file_fields<'q>(
    sql: &'q str,
    file: &'q NewFile,
    file_name: &'q str,
    url: &'q str,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(&file.mime_type)
        .bind(file.bytes.len() as i64)
        .bind(file.width.map(i64::from))
        .bind(file.height.map(i64::from))
        .bind(&file.content_hash)
        .bind(file_name)
        .bind(url)
        .bind(now)
}

/// Remembers that the file at `url` on an old site is item `id` here.
async fn remember_source(tx: &mut sqlx::Transaction<'static, sqlx::Any>, url: &str, id: MediaId) -> StoreResult<()> {
    sqlx::query("INSERT INTO media_sources (url, media_id) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET media_id = excluded.media_id")
        .bind(url)
        .bind(id)
        .execute(&mut **tx)
        .await
        .store_err()?;
    Ok(())
}

impl SqlStore {
    /// [`SqlStore::write_media`] with a bucket: the objects first, then the rows; objects put
    /// for a transaction that failed are deleted unless another row names their hash.
    async fn write_media_to_bucket(
        &self,
        objects: &dyn ObjectStore,
        new: &NewMedia,
        files: &[&NewFile],
        record: Option<MediaId>,
        source_url: Option<&str>,
    ) -> StoreResult<MediaItem> {
        let mut hashes: Vec<String> = files.iter().map(|f| f.content_hash.clone()).collect();
        hashes.dedup();
        let registered = self.objects_in_flight.register(&hashes).await;
        let written = self.put_then_write(objects, new, files, record, source_url).await;
        drop(registered);
        match written {
            Ok(Rows::Written(mut item)) => {
                self.attach_variants(std::slice::from_mut(&mut item)).await?;
                Ok(*item)
            }
            Ok(Rows::Reused(id)) => self.media_item(id).await?.ok_or_else(|| StoreError::NotFound(format!("media {id}"))),
            Err(err) => {
                self.remove_unreferenced_objects(objects, &hashes).await;
                Err(err)
            }
        }
    }

    /// Every file into the bucket, then the rows in one transaction.
    async fn put_then_write(
        &self,
        objects: &dyn ObjectStore,
        new: &NewMedia,
        files: &[&NewFile],
        record: Option<MediaId>,
        source_url: Option<&str>,
    ) -> StoreResult<Rows> {
        let mut put: Vec<&str> = Vec::new();
        for file in files {
            if !put.contains(&file.content_hash.as_str()) {
                objects.put(&file.content_hash, &file.bytes, &file.mime_type).await.map_err(|e| StoreError::Backend(e.to_string()))?;
                put.push(&file.content_hash);
            }
        }
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let rows = write_rows(&mut tx, self.backend, new, record, source_url).await?;
        tx.commit().await.store_err()?;
        Ok(rows)
    }

    /// Deletes the objects of these hashes that no row names. Best effort: an object left
    /// behind is only wasted space (no row names it), so a failure is logged, not returned.
    async fn remove_unreferenced_objects(&self, objects: &dyn ObjectStore, hashes: &[String]) {
        let _cleanup = self.objects_in_flight.cleanup.lock().await;
        let hashes: Vec<String> = hashes.iter().filter(|h| !self.objects_in_flight.contains(h)).cloned().collect();
        if hashes.is_empty() {
            return;
        }
        let orphans = match self.pool.begin().await.store_err() {
            Ok(mut tx) => unreferenced(&mut tx, &hashes).await,
            Err(err) => Err(err),
        };
        let orphans = match orphans {
            Ok(orphans) => orphans,
            Err(err) => {
                tracing::warn!(%err, "could not tell which uploaded objects are unused; left in the bucket");
                return;
            }
        };
        for hash in &orphans {
            if let Err(err) = objects.delete(hash).await {
                tracing::warn!(%hash, %err, "could not remove an unused media object");
            }
        }
    }
}

impl SqlStore {
    /// Stores an item's rows and files, all or nothing (see [`write_rows`] for `record` and
    /// `source_url`): files in the bucket, in the media folder or in `media_blobs`.
    pub(crate) async fn write_media(&self, new: NewMedia, record: Option<MediaId>, source_url: Option<&str>) -> StoreResult<MediaItem> {
        let files: Vec<&NewFile> = std::iter::once(&new.original).chain(&new.variants).collect();
        if let Some(bad) = files.iter().find(|f| !is_hash(&f.content_hash)) {
            return Err(StoreError::Invalid(format!("not a content hash: {:?}", bad.content_hash)));
        }
        if let Some(objects) = &self.objects {
            return self.write_media_to_bucket(objects.as_ref(), &new, &files, record, source_url).await;
        }
        let mut staged = match (self.backend, &self.media_dir) {
            (Backend::Sqlite, Some(dir)) => Some(Staged::write(dir, &files).await.map_err(io_err)?),
            (Backend::Sqlite, None) => return Err(StoreError::Invalid("an in-memory database has no media directory".into())),
            (Backend::Postgres, _) => None,
        };
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut item = match write_rows(&mut tx, self.backend, &new, record, source_url).await? {
            Rows::Written(item) => *item,
            Rows::Reused(id) => {
                // The files are already there (the staged copies are removed when dropped).
                tx.commit().await.store_err()?;
                return self.media_item(id).await?.ok_or_else(|| StoreError::NotFound(format!("media {id}")));
            }
        };
        match staged.as_mut() {
            Some(staged) => staged.rename().await.map_err(io_err)?,
            None => {
                for file in &files {
                    sqlx::query("INSERT INTO media_blobs (content_hash, data) VALUES ($1, $2) ON CONFLICT (content_hash) DO NOTHING")
                        .bind(&file.content_hash)
                        .bind(file.bytes.clone())
                        .execute(&mut *tx)
                        .await
                        .store_err()?;
                }
            }
        }
        tx.commit().await.store_err()?;
        if let Some(staged) = staged {
            staged.keep();
        }
        self.attach_variants(std::slice::from_mut(&mut item)).await?;
        Ok(item)
    }
}

#[async_trait]
impl MediaStore for SqlStore {
    async fn add_media(&self, new: NewMedia) -> StoreResult<MediaItem> {
        self.write_media(new, None, None).await
    }

    async fn media_item(&self, id: MediaId) -> StoreResult<Option<MediaItem>> {
        let row = self
            .read_optional_row(sqlx::query(&format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id = $1 AND {STORED}")).bind(id))
            .await
            .store_err()?;
        let Some(row) = row else { return Ok(None) };
        let mut item = media_item(&row).store_err()?;
        self.attach_variants(std::slice::from_mut(&mut item)).await?;
        Ok(Some(item))
    }

    async fn media_items(&self, ids: &[MediaId]) -> StoreResult<Vec<MediaItem>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE {STORED} AND m.id IN "));
        sql.int_list(&ids);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut items = rows.iter().map(media_item).collect::<Result<Vec<_>, _>>().store_err()?;
        self.attach_variants(&mut items).await?;
        Ok(items)
    }

    async fn list_media(&self, query: &MediaQuery) -> StoreResult<Page<MediaItem>> {
        let per_page = query.per_page.clamp(1, 100);
        let offset = i64::from(query.page.max(1) - 1) * i64::from(per_page);
        let mut count = Sql::new("SELECT COUNT(*) FROM media m");
        push_filter(&mut count, query);
        let total: i64 = self.read_row(count.query()).await.store_err()?.try_get(0).store_err()?;
        let mut sql = Sql::new(&format!("SELECT {MEDIA_COLUMNS} FROM media m"));
        push_filter(&mut sql, query);
        sql.push(" ORDER BY m.created_at DESC, m.id DESC LIMIT ").int(i64::from(per_page)).push(" OFFSET ").int(offset);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        let mut items = rows.iter().map(media_item).collect::<Result<Vec<_>, _>>().store_err()?;
        self.attach_variants(&mut items).await?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
    }

    async fn media_months(&self) -> StoreResult<Vec<(i16, i8)>> {
        let times: Vec<i64> = sqlx::query_scalar(&format!("SELECT m.created_at FROM media m WHERE {STORED} ORDER BY m.created_at DESC"))
            .fetch_all(&self.pool)
            .await
            .store_err()?;
        let mut months: Vec<(i16, i8)> = Vec::new();
        for t in times {
            let date = time(t).to_zoned(jiff::tz::TimeZone::UTC).date();
            let month = (date.year(), date.month());
            if months.last() != Some(&month) {
                months.push(month);
            }
        }
        Ok(months)
    }

    async fn edit_media(&self, id: MediaId, edit: &MediaEdit, now: Timestamp) -> StoreResult<MediaItem> {
        let mut sql = Sql::new("UPDATE media SET updated_at = ");
        sql.int(now.as_second());
        for (column, value) in [("title", &edit.title), ("alt_text", &edit.alt_text), ("caption", &edit.caption)] {
            if let Some(value) = value {
                sql.push(&format!(", {column} = ")).text(value);
            }
        }
        sql.push(" WHERE content_hash IS NOT NULL AND id = ").int(id);
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let done = sql.query().execute(&mut *tx).await.store_err()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("media {id}")));
        }
        tx.commit().await.store_err()?;
        self.media_item(id).await?.ok_or_else(|| StoreError::NotFound(format!("media {id}")))
    }

    async fn media_usage(&self, id: MediaId) -> StoreResult<u64> {
        let Some(item) = self.media_item(id).await? else { return Err(StoreError::NotFound(format!("media {id}"))) };
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM posts WHERE status <> 'trash' AND (featured_media = $1 OR body_html LIKE $2 OR body_source LIKE $2)",
        )
        .bind(id)
        .bind(format!("%/media/{}/%", item.content_hash))
        .fetch_one(&self.pool)
        .await
        .store_err()?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn delete_media(&self, id: MediaId) -> StoreResult<()> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let hashes = self.hashes_of(&mut tx, id).await?;
        let done =
            sqlx::query("DELETE FROM media WHERE content_hash IS NOT NULL AND id = $1").bind(id).execute(&mut *tx).await.store_err()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("media {id}")));
        }
        let orphans = unreferenced(&mut tx, &hashes).await?;
        if self.backend == Backend::Postgres {
            for hash in &orphans {
                sqlx::query("DELETE FROM media_blobs WHERE content_hash = $1").bind(hash).execute(&mut *tx).await.store_err()?;
            }
        }
        tx.commit().await.store_err()?;
        // Still behind the gate: no upload of the same bytes can be renamed in meanwhile. A
        // file that cannot be removed is only wasted space (no row names it).
        if let Some(dir) = &self.media_dir {
            for hash in &orphans {
                if let Err(err) = tokio::fs::remove_file(file_path(dir, hash)).await {
                    tracing::warn!(%hash, %err, "could not remove a deleted media file");
                }
            }
        }
        if let Some(objects) = &self.objects {
            drop(_gate);
            self.remove_unreferenced_objects(objects.as_ref(), &orphans).await;
        }
        Ok(())
    }

    async fn media_file(&self, content_hash: &str) -> StoreResult<Option<MediaFile>> {
        if !is_hash(content_hash) {
            return Ok(None);
        }
        let row = self
            .read_optional_row(
                sqlx::query(
                    "SELECT mime_type, file_name FROM media WHERE content_hash = $1 \
                     UNION ALL SELECT v.mime_type, m.file_name FROM media_variants v JOIN media m ON m.id = v.media_id WHERE v.content_hash = $1 \
                     LIMIT 1",
                )
                .bind(content_hash),
            )
            .await
            .store_err()?;
        let Some(row) = row else { return Ok(None) };
        let mime_type: Option<String> = row.try_get(0).store_err()?;
        let file_name: Option<String> = row.try_get(1).store_err()?;
        let bytes = match (&self.objects, &self.media_dir) {
            (Some(objects), _) => match objects.get(content_hash).await.map_err(|e| StoreError::Backend(e.to_string()))? {
                Some(bytes) => bytes,
                None => return Ok(None),
            },
            (None, Some(dir)) => match tokio::fs::read(file_path(dir, content_hash)).await {
                Ok(bytes) => bytes,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(io_err(err)),
            },
            (None, None) => {
                let data: Option<Vec<u8>> = sqlx::query_scalar("SELECT data FROM media_blobs WHERE content_hash = $1")
                    .bind(content_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .store_err()?;
                match data {
                    Some(bytes) => bytes,
                    None => return Ok(None),
                }
            }
        };
        Ok(Some(MediaFile {
            mime_type: mime_type.unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
            file_name: file_name.unwrap_or_default(),
        }))
    }
}
