//! [`SettingStore`] on SQLite and PostgreSQL. Named settings kept in the store (the signing key, settings saved in the admin).

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::sql::Sql;

#[async_trait]
impl SettingStore for SqlStore {
    async fn setting_or_init(&self, name: &str, init: &str) -> StoreResult<String> {
        self.setting_or_init_impl(name, init).await
    }

    async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        let mut sql = Sql::new("SELECT value FROM settings WHERE name = ");
        sql.text(name);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.map(|r| r.try_get("value")).transpose().store_err()
    }

    async fn set_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        let mut sql = Sql::new("INSERT INTO settings (name, value) VALUES (");
        sql.text(name).push(", ").text(value).push(") ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        self.write_one(&sql).await.map(|_| ())
    }
}
