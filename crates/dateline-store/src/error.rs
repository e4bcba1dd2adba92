//! sqlx errors mapped to [`StoreError`] by kind (SQLite does not report constraint names).

use dateline_core::StoreError;
use sqlx::error::ErrorKind;

pub(crate) fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => StoreError::Conflict(db.message().to_string()),
            ErrorKind::ForeignKeyViolation => StoreError::Invalid(format!("reference: {}", db.message())),
            ErrorKind::NotNullViolation | ErrorKind::CheckViolation => StoreError::Invalid(db.message().to_string()),
            _ if is_busy(db.code().as_deref()) => StoreError::Busy(err.to_string()),
            _ => StoreError::Backend(err.to_string()),
        },
        sqlx::Error::PoolTimedOut => StoreError::Busy(err.to_string()),
        _ => StoreError::Backend(err.to_string()),
    }
}

/// SQLite's "database is locked" family (SQLITE_BUSY and SQLITE_LOCKED with their extended
/// codes: the low byte is the primary code) and PostgreSQL's lock timeouts and serialization
/// failures: the write did not happen and may be tried again.
fn is_busy(code: Option<&str>) -> bool {
    match code {
        Some("55P03" | "40001" | "40P01") => true,
        Some(code) => code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)),
        None => false,
    }
}

/// `?` on sqlx results inside store code.
pub(crate) trait OrStoreError<T> {
    fn store_err(self) -> Result<T, StoreError>;
}

impl<T> OrStoreError<T> for Result<T, sqlx::Error> {
    fn store_err(self) -> Result<T, StoreError> {
        self.map_err(map_err)
    }
}
