//! What an import knows of the posts table without asking: every post's id, slug and source
//! key, read in one statement when the import begins and kept up to date by its own writes,
//! instead of three lookups a post. Nobody else changes posts meanwhile: on SQLite the import
//! holds the write gate, on PostgreSQL the slug lock (taken before this is read), which every
//! writer of a post takes first. An answer from here is only ever too careful: a slug that a
//! post of this import has since left still reads as taken, and is then asked of the store.

use std::collections::{HashMap, HashSet};

use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::{AnyConnection, Row};

use crate::error::OrStoreError;

#[derive(Default)]
pub(crate) struct KnownPosts {
    ids: HashSet<PostId>,
    by_key: HashMap<String, PostId>,
    /// Each slug's post (a slug is unique among posts and pages).
    slugs: HashMap<String, PostId>,
}

impl KnownPosts {
    pub(crate) async fn load(conn: &mut AnyConnection) -> StoreResult<KnownPosts> {
        let rows = sqlx::query("SELECT id, slug, source_key FROM posts").fetch_all(&mut *conn).await.store_err()?;
        let mut known = KnownPosts::default();
        for row in rows {
            let id: PostId = row.try_get("id").store_err()?;
            let key: Option<String> = row.try_get("source_key").store_err()?;
            known.remember(id, row.try_get("slug").store_err()?, key.as_deref());
        }
        Ok(known)
    }

    /// Whether any post came from an import (then this one may update earlier rows).
    pub(crate) fn any_imported(&self) -> bool {
        !self.by_key.is_empty()
    }

    /// The post imported under `key`.
    pub(crate) fn by_key(&self, key: &str) -> Option<PostId> {
        self.by_key.get(key).copied()
    }

    /// Whether no post has id `id`.
    pub(crate) fn id_free(&self, id: PostId) -> bool {
        !self.ids.contains(&id)
    }

    /// The post whose slug is `slug`.
    pub(crate) fn slug_holder(&self, slug: &str) -> Option<PostId> {
        self.slugs.get(slug).copied()
    }

    /// Notes a post just written.
    pub(crate) fn remember(&mut self, id: PostId, slug: String, key: Option<&str>) {
        self.ids.insert(id);
        self.slugs.insert(slug, id);
        if let Some(key) = key {
            self.by_key.insert(key.to_string(), id);
        }
    }
}
