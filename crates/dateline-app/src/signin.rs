//! Signing in, whichever door: the login form's password, an API client's application
//! password, and the sessions a login starts. Failed attempts are counted in the store per
//! account and per address, so every instance sharing it agrees on the limits.
//!
//! Knows nothing of cookies or headers: the web crate reads those and calls these.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use dateline_core::{Store, StoreError, User};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::passwords::verify_password;

/// How long a session lasts: two days, or two weeks with "Remember me" (as WordPress).
pub const SESSION_SHORT: SignedDuration = SignedDuration::from_hours(48);
pub const SESSION_LONG: SignedDuration = SignedDuration::from_hours(24 * 14);
/// Failed attempts allowed per window: for one account from one address (the limit a person
/// meets); for one account from everywhere (a spread-out attack: it stops the addresses that
/// took part, not a clean one such as the owner's); and from one address for any account.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 50;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// Why signing in did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SigninError {
    /// Unknown account or wrong password: the same answer for both, so logins cannot be probed.
    #[error("wrong login or password")]
    Wrong,
    /// Too many failures lately; wait this many minutes.
    #[error("too many failed attempts; try again in {0} minutes")]
    Throttled(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The stored form of a session token (the token itself is only in the browser's cookie).
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session just started: the token for the browser, and how long to keep it when the
/// person asked to be remembered (`None`: until the browser closes).
pub struct NewSession {
    pub token: String,
    pub keep_for: Option<SignedDuration>,
}

/// Starts a session for `user`.
pub async fn start_session(store: &dyn Store, user: &User, remember: bool) -> Result<NewSession, StoreError> {
    let token = crate::tokens::random_token();
    let lasts = if remember { SESSION_LONG } else { SESSION_SHORT };
    store.create_session(&token_hash(&token), user.id, Timestamp::now() + lasts).await?;
    Ok(NewSession { token, keep_for: remember.then_some(lasts) })
}

/// The account of a live session, with the session's token hash (what CSRF tokens bind to).
pub async fn session_user(store: &dyn Store, token: &str) -> Result<Option<(User, String)>, StoreError> {
    let hash = token_hash(token);
    Ok(store.session_user(&hash, Timestamp::now()).await?.map(|user| (user, hash)))
}

/// Where an attempt's failures are counted: the account from this address, the account from
/// anywhere, and this address for any account. The account is its id when it exists (so its
/// login and its email share one count), else the name as typed.
struct ThrottleKeys {
    account_address: String,
    account: String,
    address: Option<String>,
}

impl ThrottleKeys {
    fn new(found: Option<&User>, typed: &str, ip: Option<IpAddr>) -> ThrottleKeys {
        let account = match found {
            Some(user) => format!("id:{}", user.id),
            None => format!("name:{}", typed.trim().to_lowercase()),
        };
        let address = ip.map(|ip| ip.to_string());
        ThrottleKeys {
            account_address: format!("account-address:{account}:{}", address.as_deref().unwrap_or("unknown")),
            account: format!("account:{account}"),
            address: address.map(|a| format!("address:{a}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        [&self.account_address, &self.account].into_iter().chain(self.address.as_ref())
    }
}

/// Serializes the checking of credentials per account within this instance, so guesses sent
/// at the same moment are checked one after another and each sees the failures before it (a
/// burst cannot slip under the limits). Only failures are counted: valid credentials never
/// use up a limit, however many arrive at once. Across instances a burst can pass the limit
/// by at most one guess per instance.
#[derive(Debug, Default)]
pub struct AttemptGate {
    accounts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Application passwords verified lately: digest of "login:password" → the stored hash it
    /// matched. A client sending the same credentials again is checked against the account's
    /// current hashes (so a revoked password stops at once) without argon2 again.
    verified: Mutex<HashMap<[u8; 32], (String, Timestamp)>>,
}

/// How long a verified application password is remembered.
const VERIFIED_FOR: SignedDuration = SignedDuration::from_mins(5);

impl AttemptGate {
    /// Waits for this key's turn (an account's login, or any other throttle key).
    pub async fn enter(&self, login: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut accounts = match self.accounts.lock() {
                Ok(accounts) => accounts,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Forget accounts nobody is checking, so the map stays small.
            if accounts.len() > 1024 {
                accounts.retain(|_, lock| Arc::strong_count(lock) > 1);
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

/// Refuses (with the minutes to wait) while the attempt may not be checked: this account
/// failed too often from this address, or this address failed too often for any account, or
/// the account failed too often from everywhere and this address took part. An address that
/// never failed for the account is not refused for others' failures, so strangers cannot lock
/// its owner out. Allowed, it tells how often the account failed lately from this address.
async fn check_throttle(store: &dyn Store, keys: &ThrottleKeys, now: Timestamp) -> Result<i64, SigninError> {
    let since = now - FAILURE_WINDOW;
    let (here, here_oldest) = store.login_failures(&keys.account_address, since).await?;
    let mut refused = (here >= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS).then_some(here_oldest);
    if refused.is_none() && here > 0 {
        let (everywhere, oldest) = store.login_failures(&keys.account, since).await?;
        refused = (everywhere >= MAX_FAILURES_PER_ACCOUNT).then_some(oldest);
    }
    if refused.is_none()
        && let Some(address) = &keys.address
    {
        let (from_address, oldest) = store.login_failures(address, since).await?;
        refused = (from_address >= MAX_FAILURES_PER_ADDRESS).then_some(oldest);
    }
    match refused {
        Some(oldest) => {
            let free_at = oldest.unwrap_or(now) + FAILURE_WINDOW;
            Err(SigninError::Throttled(((free_at.duration_since(now).as_secs() + 59) / 60).max(1)))
        }
        None => Ok(here),
    }
}

/// Counts a failure and refuses.
async fn failed(store: &dyn Store, keys: &ThrottleKeys, now: Timestamp) -> SigninError {
    for key in keys.all() {
        if let Err(e) = store.note_login_failure(key, now).await {
            return e.into();
        }
    }
    SigninError::Wrong
}

/// A good login forgives the account's own recent mistakes from this address (the address's
/// count for all accounts stays). `failures_here` is that count as the throttle read it just
/// before, so a success with nothing to forgive neither reads nor writes again (an API client
/// is checked on every request).
async fn note_success(store: &dyn Store, keys: &ThrottleKeys, failures_here: i64) -> Result<(), StoreError> {
    if failures_here > 0 {
        store.clear_login_failures(&keys.account_address).await?;
    }
    Ok(())
}

/// Checks a login and password (the login form), refusing while an account or address has
/// failed too often lately.
pub async fn check_login(
    store: &dyn Store,
    gate: &AttemptGate,
    login: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<User, SigninError> {
    let _turn = gate.enter(login).await;
    let now = Timestamp::now();
    let found = store.user_credentials(login.trim()).await?;
    let keys = ThrottleKeys::new(found.as_ref().map(|(user, _)| user), login, ip);
    let failures_here = check_throttle(store, &keys, now).await?;
    let verified = match &found {
        Some((_, Some(hash))) => verify_blocking(password.to_string(), hash.clone()).await,
        // Hash anyway, so an unknown login takes as long as a wrong password.
        _ => {
            let _ = verify_blocking(password.to_string(), DUMMY_HASH.to_string()).await;
            false
        }
    };
    match (found, verified) {
        (Some((user, _)), true) => {
            note_success(store, &keys, failures_here).await?;
            Ok(user)
        }
        _ => Err(failed(store, &keys, now).await),
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

/// Checks an application password (what API clients send, as WordPress's REST API takes it).
/// Failures count toward the same limits as the login form, per account and per client
/// address, so a stranger's guesses from elsewhere do not lock the owner out.
pub async fn check_app_password(
    store: &dyn Store,
    gate: &AttemptGate,
    login: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<User, SigninError> {
    // WordPress shows application passwords in groups of four; spaces are not part of them.
    let password: String = password.chars().filter(|c| !c.is_whitespace()).collect();
    let digest: [u8; 32] = Sha256::digest(format!("{}:{password}", login.trim().to_lowercase()).as_bytes()).into();
    let now = Timestamp::now();
    let found = store.user_credentials(login).await?;
    let keys = ThrottleKeys::new(found.as_ref().map(|(user, _)| user), login, ip);
    let mut failures_here = check_throttle(store, &keys, now).await?;
    let hashes = match &found {
        Some((user, _)) => store.app_password_hashes(user.id).await?,
        None => Vec::new(),
    };
    // The same credentials, verified a moment ago and still one of the account's passwords:
    // no second argon2 (a client sends many requests), the same answer, and no waiting in
    // line behind other checks of the account (only a check that may fail needs the line).
    let remembered = gate.remembered(&digest, now);
    let mut matched = hashes.iter().find(|(_, stored)| remembered.as_ref() == Some(stored)).map(|(id, _)| (*id, false));
    let _turn = match matched {
        Some(_) => None,
        None => Some(gate.enter(login).await),
    };
    if matched.is_none() {
        // Others' guesses may have been counted while this one waited.
        failures_here = check_throttle(store, &keys, now).await?;
        if hashes.is_empty() {
            verify_blocking(password.clone(), DUMMY_HASH.to_string()).await;
        }
        for (id, hash) in &hashes {
            if verify_blocking(password.clone(), hash.clone()).await {
                gate.remember(digest, hash.clone(), now);
                matched = Some((*id, true));
                break;
            }
        }
    }
    match (found, matched) {
        (Some((user, _)), Some((id, fresh))) => {
            if fresh {
                store.touch_app_password(id, now).await?;
            }
            note_success(store, &keys, failures_here).await?;
            Ok(user)
        }
        _ => Err(failed(store, &keys, now).await),
    }
}
