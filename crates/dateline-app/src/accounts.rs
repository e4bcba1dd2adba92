//! Accounts, whichever door: the admin's Users and Profile pages and `dateline user …` /
//! `dateline setup`. What a login, an email address and a password must be; making an account;
//! setting a password (which signs the account out elsewhere); changing a role or deleting an
//! account without leaving the blog with no administrator. Each door words a refusal its own way.

use dateline_core::accounts::NewUser;
use dateline_core::{Role, Store, StoreError, User, UserId};

use crate::passwords::hash_password;

/// The shortest password any door accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest login, in bytes (WordPress's `user_login` column is 60).
pub const MAX_LOGIN_LEN: usize = 60;

/// Why an account change was not made.
#[derive(Debug, thiserror::Error)]
pub enum AccountRefusal {
    #[error("{0:?} is not a usable login: use up to {MAX_LOGIN_LEN} letters, digits, dots, hyphens, underscores or @")]
    Login(String),
    #[error("{0:?} is not an email address")]
    Email(String),
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    /// The change would leave the blog without an administrator.
    #[error("{0} is the only administrator: make another one first")]
    LastAdministrator(String),
    /// The login or email address belongs to another account (the store's words).
    #[error("{0}")]
    Taken(String),
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountRefusal {
    fn from(err: StoreError) -> AccountRefusal {
        match err {
            StoreError::Conflict(message) => AccountRefusal::Taken(message),
            other => AccountRefusal::Store(other),
        }
    }
}

/// WordPress's login characters: letters, digits, and `. _ - @`; up to [`MAX_LOGIN_LEN`].
pub fn check_login(login: &str) -> Result<(), AccountRefusal> {
    let usable = !login.is_empty()
        && login.len() <= MAX_LOGIN_LEN
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if usable { Ok(()) } else { Err(AccountRefusal::Login(login.to_string())) }
}

/// An address with an `@` (mail goes to it; anything more is for the mail server to judge).
pub fn check_email(email: &str) -> Result<(), AccountRefusal> {
    if email.contains('@') && !email.chars().any(char::is_whitespace) { Ok(()) } else { Err(AccountRefusal::Email(email.to_string())) }
}

/// At least [`MIN_PASSWORD_CHARS`] characters.
pub fn check_password(password: &str) -> Result<(), AccountRefusal> {
    if password.chars().count() < MIN_PASSWORD_CHARS { Err(AccountRefusal::ShortPassword) } else { Ok(()) }
}

/// An account to make.
pub struct NewAccount {
    pub login: String,
    /// The login when `None`.
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub password: String,
}

/// Makes an account after checking its login, email address and password.
pub async fn create(store: &dyn Store, account: NewAccount) -> Result<User, AccountRefusal> {
    check_login(&account.login)?;
    let email = account.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(email) = &email {
        check_email(email)?;
    }
    check_password(&account.password)?;
    let user = NewUser {
        display_name: account.display_name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| account.login.clone()),
        login: account.login,
        email,
        role: account.role,
        password_hash: hash_password(&account.password).map_err(AccountRefusal::Hashing)?,
    };
    Ok(store.create_user(user).await?)
}

/// Sets `user`'s password and ends every session of the account but `keep` (the one that
/// asked, by its token hash), so whoever had the old password is signed out.
pub async fn set_password(store: &dyn Store, user: UserId, password: &str, keep: Option<&str>) -> Result<(), AccountRefusal> {
    check_password(password)?;
    store.set_password_hash(user, &hash_password(password).map_err(AccountRefusal::Hashing)?).await?;
    store.end_other_sessions(user, keep.unwrap_or("")).await?;
    Ok(())
}

/// Refuses what would leave the blog without an administrator (`user` stops being one).
async fn keep_an_administrator(store: &dyn Store, user: &User) -> Result<(), AccountRefusal> {
    if user.role == Role::Administrator {
        let administrators = store.users().await?.iter().filter(|u| u.role == Role::Administrator).count();
        if administrators <= 1 {
            return Err(AccountRefusal::LastAdministrator(user.login.clone()));
        }
    }
    Ok(())
}

/// Gives `user` `role`; the last administrator keeps theirs.
pub async fn set_role(store: &dyn Store, user: &User, role: Role) -> Result<(), AccountRefusal> {
    if role != Role::Administrator {
        keep_an_administrator(store, user).await?;
    }
    Ok(store.set_role(user.id, role).await?)
}

/// Deletes `user`, their posts and pages going to `heir`; returns how many moved. The last
/// administrator cannot be deleted.
pub async fn delete(store: &dyn Store, user: &User, heir: &User) -> Result<u64, AccountRefusal> {
    keep_an_administrator(store, user).await?;
    Ok(store.delete_user(user.id, heir.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_emails_and_passwords() {
        for good in ["ana", "ana.writer", "ana_w-2", "ana@example.org"] {
            assert!(check_login(good).is_ok(), "{good}");
        }
        for bad in ["", "ana writer", "<script>", "ana\u{0}", "ñandú", &"a".repeat(61)] {
            assert!(matches!(check_login(bad), Err(AccountRefusal::Login(_))), "{bad:?}");
        }
        assert!(check_email("ana@example.org").is_ok());
        assert!(check_email("ana").is_err());
        assert!(check_email("ana @example.org").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(matches!(check_password("1234567"), Err(AccountRefusal::ShortPassword)));
        assert!(check_password("ñandúñan").is_ok(), "characters, not bytes");
    }
}
