//! Accounts, sessions, application passwords and login throttling.

use dateline_core::accounts::{AppPassword, NewUser};
use dateline_core::slug::slugify;
use dateline_core::store::StoreResult;
use dateline_core::*;
use jiff::Timestamp;
use sqlx::Row;

use crate::connect::SqlStore;
use crate::error::OrStoreError;
use crate::rows::{self, USER_COLUMNS, time};
use crate::sql::Sql;

impl SqlStore {
    pub(crate) async fn create_user_impl(&self, user: NewUser) -> StoreResult<User> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        // Logins differ by more than case (as in WordPress), so "Ed" cannot stand beside "ed".
        let mut taken = Sql::new("SELECT COUNT(*) AS n FROM users WHERE lower(login) = lower(");
        taken.text(&user.login).push(")");
        if taken.query().fetch_one(&mut *tx).await.store_err()?.try_get::<i64, _>("n").store_err()? > 0 {
            return Err(StoreError::Conflict(format!("The login “{}” is taken.", user.login)));
        }
        if let Some(email) = &user.email {
            let mut used = Sql::new("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower(");
            used.text(email).push(")");
            if used.query().fetch_one(&mut *tx).await.store_err()?.try_get::<i64, _>("n").store_err()? > 0 {
                return Err(StoreError::Conflict(format!("The email address {email} belongs to another account.")));
            }
        }
        let base = match slugify(&user.login) {
            s if s.is_empty() => "user".to_string(),
            s => s,
        };
        let slug = crate::writes::unique_slug(&mut tx, "users", None, &base).await?;
        let mut insert = Sql::new("INSERT INTO users (login, display_name, slug, email, role, password_hash, created_at) VALUES (");
        insert.text(&user.login).push(", ").text(&user.display_name).push(", ").text(&slug).push(", ").opt_text(user.email.as_deref());
        insert.push(", ").text(user.role.as_str()).push(", ").text(&user.password_hash).push(", ").int(Timestamp::now().as_second());
        insert.push(&format!(") RETURNING {}", USER_COLUMNS.replace("u.", "")));
        let row = insert.query().fetch_one(&mut *tx).await.store_err()?;
        let created = rows::user(&row).store_err()?;
        tx.commit().await.store_err()?;
        Ok(created)
    }

    pub(crate) async fn user_credentials_impl(&self, login: &str) -> StoreResult<Option<(User, Option<String>)>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.login = "));
        sql.text(login).push(" OR lower(u.email) = lower(").text(login).push(") ORDER BY u.login = ").text(login).push(" DESC LIMIT 1");
        let Some(row) = self.read_optional_row(sql.query()).await.store_err()? else { return Ok(None) };
        Ok(Some((rows::user(&row).store_err()?, row.try_get("password_hash").store_err()?)))
    }

    pub(crate) async fn user_by_id_impl(&self, id: UserId) -> StoreResult<Option<User>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = "));
        sql.int(id);
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::user).transpose().store_err()
    }

    /// Runs one write statement behind the write gate.
    pub(crate) async fn write_one(&self, sql: &Sql) -> StoreResult<u64> {
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let affected = sql.query().execute(&mut *tx).await.store_err()?.rows_affected();
        tx.commit().await.store_err()?;
        Ok(affected)
    }

    pub(crate) async fn set_user_field(&self, user: UserId, column: &str, value: &str) -> StoreResult<()> {
        let mut sql = Sql::new(&format!("UPDATE users SET {column} = "));
        sql.text(value).push(" WHERE id = ").int(user);
        match self.write_one(&sql).await? {
            0 => Err(StoreError::NotFound(format!("user {user}"))),
            _ => Ok(()),
        }
    }

    pub(crate) async fn create_session_impl(&self, token_hash: &str, user: UserId, expires_at: Timestamp) -> StoreResult<()> {
        let now = Timestamp::now().as_second();
        let mut sql = Sql::new("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (");
        sql.text(token_hash).push(", ").int(user).push(", ").int(now).push(", ").int(expires_at.as_second()).push(")");
        self.write_one(&sql).await?;
        // Forget expired sessions now and then, as part of ordinary work.
        let mut sweep = Sql::new("DELETE FROM sessions WHERE expires_at < ");
        sweep.int(now);
        self.write_one(&sweep).await?;
        Ok(())
    }

    pub(crate) async fn session_user_impl(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<User>> {
        let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = "));
        sql.text(token_hash).push(" AND s.expires_at > ").int(now.as_second());
        let row = self.read_optional_row(sql.query()).await.store_err()?;
        row.as_ref().map(rows::user).transpose().store_err()
    }

    pub(crate) async fn login_failures_impl(&self, key: &str, since: Timestamp) -> StoreResult<(i64, Option<Timestamp>)> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE key = ");
        sql.text(key).push(" AND at >= ").int(since.as_second());
        let row = self.read_row(sql.query()).await.store_err()?;
        let oldest: Option<i64> = row.try_get("oldest").store_err()?;
        Ok((row.try_get("n").store_err()?, oldest.map(time)))
    }

    pub(crate) async fn create_app_password_impl(&self, user: UserId, name: &str, hash: &str) -> StoreResult<AppPassword> {
        let now = Timestamp::now();
        let (_gate, mut tx) = self.begin_write().await.store_err()?;
        let mut sql = Sql::new("INSERT INTO app_passwords (user_id, name, password_hash, created_at) VALUES (");
        sql.int(user).push(", ").text(name).push(", ").text(hash).push(", ").int(now.as_second()).push(") RETURNING id");
        let id: i64 = sql.query().fetch_one(&mut *tx).await.store_err()?.try_get("id").store_err()?;
        tx.commit().await.store_err()?;
        Ok(AppPassword { id, user_id: user, name: name.to_string(), created_at: now, last_used_at: None })
    }

    pub(crate) async fn app_passwords_impl(&self, user: UserId) -> StoreResult<Vec<AppPassword>> {
        let mut sql = Sql::new("SELECT id, user_id, name, created_at, last_used_at FROM app_passwords WHERE user_id = ");
        sql.int(user).push(" ORDER BY id");
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter()
            .map(|r| {
                let last: Option<i64> = r.try_get("last_used_at")?;
                Ok(AppPassword {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    name: r.try_get("name")?,
                    created_at: time(r.try_get("created_at")?),
                    last_used_at: last.map(time),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .store_err()
    }

    pub(crate) async fn app_password_hashes_impl(&self, user: UserId) -> StoreResult<Vec<(i64, String)>> {
        let mut sql = Sql::new("SELECT id, password_hash FROM app_passwords WHERE user_id = ");
        sql.int(user);
        let rows = self.read_rows(sql.query()).await.store_err()?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("password_hash")?))).collect::<Result<_, sqlx::Error>>().store_err()
    }
}
