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
            _ => StoreError::Backend(err.to_string()),
        },
        _ => StoreError::Backend(err.to_string()),
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
