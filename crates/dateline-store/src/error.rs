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
            _ if cannot_write(db.code().as_deref()) => StoreError::CannotWrite(err.to_string()),
            _ => StoreError::Backend(err.to_string()),
        },
        sqlx::Error::PoolTimedOut => StoreError::Busy(err.to_string()),
        _ => StoreError::Backend(err.to_string()),
    }
}

/// Whether `err` is SQLite's "database is locked" (or PostgreSQL's like), see [`is_busy`].
pub(crate) fn is_busy_error(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if is_busy(db.code().as_deref()))
}

/// SQLite's "database is locked" family (SQLITE_BUSY and SQLITE_LOCKED with their extended
/// codes: the low byte is the primary code) and PostgreSQL's lock timeouts and serialization
/// failures: the write did not happen and may be tried again.
fn is_busy(code: Option<&str>) -> bool {
    match code {
        Some("55P03" | "40001" | "40P01") => true,
        Some(code) => sqlite_code(code).is_some_and(|n| matches!(n & 0xff, 5 | 6)),
        None => false,
    }
}

/// A SQLite result code (primary or extended: all below 10,000), never a PostgreSQL SQLSTATE,
/// which is always five characters and may be all digits ("42501", insufficient privilege,
/// would otherwise read as SQLite's 5, busy).
fn sqlite_code(code: &str) -> Option<u32> {
    if code.len() >= 5 {
        return None;
    }
    code.parse().ok()
}

/// A full disk or a read-only store: SQLite's SQLITE_FULL (13) and SQLITE_READONLY (8) with
/// their extended codes, PostgreSQL's disk_full (53100) and read_only_sql_transaction (25006,
/// a replica or `default_transaction_read_only`). No write can succeed until an operator acts.
fn cannot_write(code: Option<&str>) -> bool {
    match code {
        Some("53100" | "25006") => true,
        Some(code) => sqlite_code(code).is_some_and(|n| matches!(n & 0xff, 8 | 13)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_read_only_stores_are_told_apart_from_failures() {
        for code in ["13", "8", "1032", "53100", "25006"] {
            assert!(cannot_write(Some(code)), "{code}");
        }
        for code in ["5", "1", "23505", "42P01"] {
            assert!(!cannot_write(Some(code)), "{code}");
        }
        assert!(!cannot_write(None));
    }

    #[test]
    fn busy_stores_are_told_apart_from_failures() {
        // SQLite's busy and locked, primary and extended; PostgreSQL's lock timeout, serialization
        // failure and deadlock.
        for code in ["5", "6", "261", "517", "262", "55P03", "40001", "40P01"] {
            assert!(is_busy(Some(code)), "{code}");
        }
        // PostgreSQL SQLSTATEs of digits only whose value's low byte is SQLite's busy (5),
        // locked (6) or read-only (8) are other errors: insufficient privilege, an invalid byte
        // sequence, an indicator overflow, an unterminated C string.
        for code in ["42501", "22021", "22022", "23505", "1", "13"] {
            assert!(!is_busy(Some(code)), "{code}");
        }
        assert!(!cannot_write(Some("22024")) && !cannot_write(Some("42501")));
    }
}
