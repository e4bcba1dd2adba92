//! [`AccountStore`] on SQLite and PostgreSQL. Accounts, sessions, login failures (throttling) and application passwords.

use async_trait::async_trait;
use dateline_core::store::StoreResult;
use dateline_core::*;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::{self, USER_COLUMNS};
use crate::sql::Sql;

#[async_trait]
impl AccountStore for SqlStore {
    async fn user_by_slug(&self, slug: &str) -> StoreResult<Option<User>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.slug = "));
        sql.text(slug);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::user).transpose().store_err()
    }

    async fn update_profile(&self, user: UserId, display_name: &str, email: Option<&str>) -> StoreResult<()> {
        if let Some(email) = email {
            let mut used = Sql::new("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower(");
            used.text(email).push(") AND id <> ").int(user);
            if self.read_row(used.query()).await.store_err()?.try_get::<i64, _>("n").store_err()? > 0 {
                return Err(StoreError::Conflict(format!("The email address {email} belongs to another account.")));
            }
        }
        // No email given keeps the one there is.
        let mut sql = Sql::new("UPDATE users SET display_name = ");
        sql.text(display_name).push(", email = COALESCE(").opt_text(email).push(", email) WHERE id = ").int(user);
        match self.write_one(&sql).await? {
            0 => Err(StoreError::NotFound(format!("user {user}"))),
            _ => Ok(()),
        }
    }

    async fn create_user(&self, user: dateline_core::accounts::NewUser) -> StoreResult<User> {
        self.create_user_impl(user).await
    }

    async fn user_credentials(&self, login_or_email: &str) -> StoreResult<Option<(User, Option<String>)>> {
        self.user_credentials_impl(login_or_email).await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_by_id_impl(id).await
    }

    async fn set_password_hash(&self, user: UserId, hash: &str) -> StoreResult<()> {
        self.set_user_field(user, "password_hash", hash).await
    }

    async fn set_role(&self, user: UserId, role: Role) -> StoreResult<()> {
        self.set_user_field(user, "role", role.as_str()).await
    }

    async fn delete_user(&self, user: UserId, reassign_to: UserId) -> StoreResult<u64> {
        if user == reassign_to {
            return Err(StoreError::Invalid("an account's posts cannot go to the account being deleted".into()));
        }
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        for id in [user, reassign_to] {
            let found: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1").bind(id).fetch_one(&mut *tx).await.store_err()?;
            if found == 0 {
                return Err(StoreError::NotFound(format!("user {id}")));
            }
        }
        let moved = sqlx::query("UPDATE posts SET author_id = $1 WHERE author_id = $2")
            .bind(reassign_to)
            .bind(user)
            .execute(&mut *tx)
            .await
            .store_err()?
            .rows_affected();
        for sql in [
            "UPDATE comments SET revision = revision + 1, user_id = NULL WHERE user_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM app_passwords WHERE user_id = $1",
            "DELETE FROM meta WHERE owner = 'user' AND owner_id = $1",
            "DELETE FROM users WHERE id = $1",
        ] {
            sqlx::query(sql).bind(user).execute(&mut *tx).await.store_err()?;
        }
        tx.commit().await.store_err()?;
        Ok(moved)
    }

    async fn create_session(&self, token_hash: &str, user: UserId, expires_at: jiff::Timestamp) -> StoreResult<()> {
        self.create_session_impl(token_hash, user, expires_at).await
    }

    async fn session_user(&self, token_hash: &str, now: jiff::Timestamp) -> StoreResult<Option<User>> {
        self.session_user_impl(token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE token_hash = ");
        sql.text(token_hash);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn end_other_sessions(&self, user: UserId, keep_token_hash: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM sessions WHERE user_id = ");
        sql.int(user).push(" AND token_hash <> ").text(keep_token_hash);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn note_login_failure(&self, key: &str, at: jiff::Timestamp) -> StoreResult<()> {
        let mut sql = Sql::new("INSERT INTO login_failures (key, at) VALUES (");
        sql.text(key).push(", ").int(at.as_second()).push(")");
        self.write_one(&sql).await.map(|_| ())
    }

    async fn login_failures(&self, key: &str, since: jiff::Timestamp) -> StoreResult<(i64, Option<jiff::Timestamp>)> {
        self.login_failures_impl(key, since).await
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let mut sql = Sql::new("DELETE FROM login_failures WHERE key = ");
        sql.text(key);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn create_app_password(&self, user: UserId, name: &str, hash: &str) -> StoreResult<dateline_core::accounts::AppPassword> {
        self.create_app_password_impl(user, name, hash).await
    }

    async fn app_passwords(&self, user: UserId) -> StoreResult<Vec<dateline_core::accounts::AppPassword>> {
        self.app_passwords_impl(user).await
    }

    async fn app_password_hashes(&self, user: UserId) -> StoreResult<Vec<(i64, String)>> {
        self.app_password_hashes_impl(user).await
    }

    async fn touch_app_password(&self, id: i64, at: jiff::Timestamp) -> StoreResult<()> {
        let mut sql = Sql::new("UPDATE app_passwords SET last_used_at = ");
        sql.int(at.as_second()).push(" WHERE id = ").int(id);
        self.write_one(&sql).await.map(|_| ())
    }

    async fn revoke_app_password(&self, user: UserId, id: i64) -> StoreResult<bool> {
        let mut sql = Sql::new("DELETE FROM app_passwords WHERE user_id = ");
        sql.int(user).push(" AND id = ").int(id);
        Ok(self.write_one(&sql).await? > 0)
    }

    async fn public_author_ids(&self, now: jiff::Timestamp) -> StoreResult<Vec<UserId>> {
        let mut sql = Sql::new(
            "SELECT DISTINCT author_id FROM posts WHERE kind = 'post' AND status IN ('published', 'scheduled') AND published_at <= ",
        );
        sql.int(now.as_second());
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(|row| row.try_get("author_id")).collect::<Result<_, _>>().store_err()
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let rows = self.read_rows(sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"))).await.store_err()?;
        rows.iter().map(rows::user).collect::<Result<_, _>>().store_err()
    }
}
