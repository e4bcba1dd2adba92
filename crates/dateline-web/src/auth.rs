//! Who is asking: passwords (argon2id), sessions (a random token in an HttpOnly cookie, its
//! SHA-256 in the store), login throttling (failures per account and per address, counted in
//! the store so every instance agrees), and HTTP Basic with application passwords for the API.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use dateline_core::{Store, StoreError, User};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "dateline_session";
/// How long a session lasts: two days, or two weeks with "Remember me" (as WordPress).
pub const SESSION_SHORT: SignedDuration = SignedDuration::from_hours(48);
pub const SESSION_LONG: SignedDuration = SignedDuration::from_hours(24 * 14);
/// Failed attempts allowed per window: for one account from one address (the limit a person
/// meets); for one account from everywhere (higher, so a stranger cannot lock its owner out
/// with a few guesses, yet a spread-out attack is still slowed); and from one address.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 50;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// Hashes a password with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches a PHC hash (constant-time inside argon2).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// The stored form of a session token.
pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The account behind the request's session cookie, if the session is live.
pub(crate) async fn session_user(state: &AppState, headers: &HeaderMap) -> Result<Option<(User, String)>, StoreError> {
    let Some(token) = crate::form::cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = token_hash(token);
    Ok(state.store.session_user(&hash, Timestamp::now()).await?.map(|user| (user, hash)))
}

/// Starts a session for `user`; returns the Set-Cookie value.
pub(crate) async fn start_session(state: &AppState, user: &User, remember: bool) -> Result<HeaderValue, StoreError> {
    let token = crate::tokens::random_token();
    let lasts = if remember { SESSION_LONG } else { SESSION_SHORT };
    let expires = Timestamp::now() + lasts;
    state.store.create_session(&token_hash(&token), user.id, expires).await?;
    crate::form::cookie_header(state, SESSION_COOKIE, &token, remember.then(|| lasts.as_secs()))
        .ok_or_else(|| StoreError::Invalid("the session token cannot be a cookie".into()))
}

/// The Set-Cookie value that ends a session in the browser.
pub(crate) fn end_session_cookie() -> HeaderValue {
    HeaderValue::from_static("dateline_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Why a login was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LoginRefused {
    /// Unknown account or wrong password: the same message for both, so logins cannot be probed.
    Wrong,
    /// Too many failures lately; wait this many minutes.
    Throttled(i64),
}

/// The throttle keys of an attempt, with their limits; the first is the account's own from
/// this address (cleared by a successful login).
fn throttle_limits(login: &str, ip: Option<std::net::IpAddr>) -> Vec<(String, i64)> {
    let account = login.trim().to_lowercase();
    let address = ip.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into());
    let mut limits = vec![
        (format!("account-address:{account}:{address}"), MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        (format!("account:{account}"), MAX_FAILURES_PER_ACCOUNT),
    ];
    if ip.is_some() {
        limits.push((format!("address:{address}"), MAX_FAILURES_PER_ADDRESS));
    }
    limits
}

/// Serializes the checking of credentials per account within this instance, so guesses sent
/// at the same moment are checked one after another and each sees the failures before it (a
/// burst cannot slip under the limits). Only failures are counted: valid credentials never
/// use up a limit, however many arrive at once. Across instances a burst can pass the limit
/// by at most one guess per instance.
#[derive(Debug, Default)]
pub struct AttemptGate {
    accounts: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// Application passwords verified lately: digest of "login:password" → the stored hash it
    /// matched. A client sending the same credentials again is checked against the account's
    /// current hashes (so a revoked password stops at once) without argon2 again.
    verified: std::sync::Mutex<std::collections::HashMap<[u8; 32], (String, Timestamp)>>,
}

/// How long a verified application password is remembered.
const VERIFIED_FOR: SignedDuration = SignedDuration::from_mins(5);

impl AttemptGate {
    /// Waits for this key's turn (an account's login, or any other throttle key).
    pub(crate) async fn enter(&self, login: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut accounts = match self.accounts.lock() {
                Ok(accounts) => accounts,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Forget accounts nobody is checking, so the map stays small.
            if accounts.len() > 1024 {
                accounts.retain(|_, lock| std::sync::Arc::strong_count(lock) > 1);
            }
            accounts.entry(login.trim().to_lowercase()).or_default().clone()
        };
        lock.lock_owned().await
    }

    fn remembered(&self, digest: &[u8; 32], now: Timestamp) -> Option<String> {
        let verified = self.verified.lock().ok()?;
        verified.get(digest).filter(|(_, at)| now.duration_since(*at) < VERIFIED_FOR).map(|(hash, _)| hash.clone())
    }

    fn remember(&self, digest: [u8; 32], hash: String, now: Timestamp) {
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() > 4096 {
                verified.retain(|_, (_, at)| now.duration_since(*at) < VERIFIED_FOR);
            }
            verified.insert(digest, (hash, now));
        }
    }
}

/// `Err(minutes)` while any key of an attempt has had its limit of failures lately.
async fn throttled(store: &dyn Store, limits: &[(String, i64)], now: Timestamp) -> Result<Result<(), i64>, StoreError> {
    for (key, limit) in limits {
        let (failures, oldest) = store.login_failures(key, now - FAILURE_WINDOW).await?;
        if failures >= *limit {
            let free_at = oldest.unwrap_or(now) + FAILURE_WINDOW;
            let minutes = (free_at.duration_since(now).as_secs() + 59) / 60;
            return Ok(Err(minutes.max(1)));
        }
    }
    Ok(Ok(()))
}

async fn note_failure(store: &dyn Store, limits: &[(String, i64)], now: Timestamp) -> Result<(), StoreError> {
    for (key, _) in limits {
        store.note_login_failure(key, now).await?;
    }
    Ok(())
}

/// Checks a login, refusing while an account or address has failed too often lately.
pub(crate) async fn check_login(state: &AppState, login: &str, password: &str, ip: Option<std::net::IpAddr>) -> Result<Result<User, LoginRefused>, StoreError> {
    let store = state.store.as_ref();
    let _turn = state.attempts.enter(login).await;
    let now = Timestamp::now();
    let limits = throttle_limits(login, ip);
    if let Err(minutes) = throttled(store, &limits, now).await? {
        return Ok(Err(LoginRefused::Throttled(minutes)));
    }
    let found = store.user_credentials(login.trim()).await?;
    let verified = match &found {
        Some((_, Some(hash))) => verify_blocking(password.to_string(), hash.clone()).await,
        // Hash anyway, so an unknown login takes as long as a wrong password.
        _ => {
            let _ = verify_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
            false
        }
    };
    match (found, verified) {
        // The person's own mistakes from here are forgiven; the address's count stays.
        (Some((user, _)), true) => {
            store.clear_login_failures(&limits[0].0).await?;
            Ok(Ok(user))
        }
        _ => {
            note_failure(store, &limits, now).await?;
            Ok(Err(LoginRefused::Wrong))
        }
    }
}

/// A hash to check against when a login does not exist, so an unknown login costs as much
/// time as a wrong password and response times do not tell which logins exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8m7S0W8nX8c6u2q3mQ1Qk2w3n5o6p7q8r9s0t1u2v3w";

/// argon2 on the blocking pool: it takes tens of milliseconds and must not stall the
/// async workers serving everyone else.
async fn verify_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

/// `Authorization: Basic …` with an application password, as WordPress's REST API takes it.
/// `Ok(None)` when the request carries no Basic credentials. Failures count toward the same
/// limits as the login form, per account and per client address, so a stranger's guesses
/// from elsewhere do not lock the owner out.
pub(crate) async fn basic_user(state: &AppState, headers: &HeaderMap, ip: Option<std::net::IpAddr>) -> Result<Option<Result<User, BasicRefused>>, StoreError> {
    let store = state.store.as_ref();
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return Ok(None) };
    let Some(encoded) = value.strip_prefix("Basic ") else { return Ok(None) };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return Ok(Some(Err(BasicRefused::Wrong))) };
    let Some((login, password)) = String::from_utf8_lossy(&decoded).split_once(':').map(|(l, p)| (l.to_string(), p.to_string())) else {
        return Ok(Some(Err(BasicRefused::Wrong)));
    };
    // WordPress shows application passwords in groups of four; spaces are not part of them.
    let password: String = password.chars().filter(|c| !c.is_whitespace()).collect();
    let digest: [u8; 32] = Sha256::digest(format!("{}:{password}", login.trim().to_lowercase()).as_bytes()).into();
    let now = Timestamp::now();
    // The same credentials, verified a moment ago: still one of the account's passwords?
    if let Some(hash) = state.attempts.remembered(&digest, now)
        && let Some((user, _)) = store.user_credentials(&login).await?
        && store.app_password_hashes(user.id).await?.iter().any(|(_, stored)| *stored == hash)
    {
        return Ok(Some(Ok(user)));
    }
    let _turn = state.attempts.enter(&login).await;
    let limits = throttle_limits(&login, ip);
    if throttled(store, &limits, now).await?.is_err() {
        return Ok(Some(Err(BasicRefused::Throttled)));
    }
    let found = store.user_credentials(&login).await?;
    let hashes = match &found {
        Some((user, _)) => store.app_password_hashes(user.id).await?,
        None => Vec::new(),
    };
    if hashes.is_empty() {
        verify_blocking(password.clone(), DUMMY_HASH.to_string()).await;
    }
    for (id, hash) in hashes {
        if verify_blocking(password.clone(), hash.clone()).await
            && let Some((user, _)) = found
        {
            store.touch_app_password(id, now).await?;
            store.clear_login_failures(&limits[0].0).await?;
            state.attempts.remember(digest, hash, now);
            return Ok(Some(Ok(user)));
        }
    }
    note_failure(store, &limits, now).await?;
    Ok(Some(Err(BasicRefused::Wrong)))
}

/// Why Basic credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BasicRefused {
    Wrong,
    Throttled,
}

/// A new application password: 24 letters and digits, shown in groups of four.
pub fn new_app_password() -> String {
    let raw = crate::tokens::random_token();
    let clean: String = raw.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect();
    clean.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        let app = new_app_password();
        assert_eq!(app.split(' ').count(), 6, "{app}");
    }
}
