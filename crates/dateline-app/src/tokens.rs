//! Signed tokens, so the server keeps no per-visitor state and any instance behind a load
//! balancer can check what another issued: the comment form's CSRF token (which also
//! carries when the form was shown), the "your comment awaits moderation" link, and the
//! unsubscribe link. The key is made once and kept in the store.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Name of the store setting that holds the key.
pub const KEY_SETTING: &str = "signing_key";

/// A fresh random value, URL-safe (for the key itself and for CSRF cookies).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something a request can recover from; fall back to
    // time-derived bytes rather than panic, and say so.
    if getrandom::fill(&mut bytes).is_err() {
        tracing::error!("the OS random source failed; using a weaker time-derived value");
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        bytes[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub fn new(key: &str) -> Signer {
        Signer { key: key.as_bytes().to_vec() }
    }

    fn mac(&self, message: &str) -> String {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            // HMAC takes keys of any length; this branch cannot be reached.
            Err(_) => return String::new(),
        };
        mac.update(message.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..18])
    }

    /// The address part of an identicon: 32 hex digits keyed with the site's secret, so it
    /// stands for an email address without revealing it (an unkeyed hash can be reversed by
    /// trying known addresses).
    pub fn avatar_digest(&self, who: &str) -> String {
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) else { return String::new() };
        mac.update(b"avatar:");
        mac.update(who.as_bytes());
        mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn verify(&self, message: &str, tag: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else { return false };
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) else { return false };
        mac.update(message.as_bytes());
        mac.verify_truncated_left(&tag).is_ok() && tag.len() == 18
    }

    /// The comment form's token: bound to the post, the visitor's CSRF cookie and the time
    /// the form was shown.
    pub fn form_token(&self, post: i64, issued_at: i64, cookie: &str) -> String {
        format!("{issued_at}.{}", self.mac(&format!("form|{post}|{issued_at}|{cookie}")))
    }

    /// When the form was shown, if the token is genuine for this post and cookie.
    pub fn check_form_token(&self, token: &str, post: i64, cookie: &str) -> Option<i64> {
        let (issued_at, tag) = token.split_once('.')?;
        let issued_at: i64 = issued_at.parse().ok()?;
        self.verify(&format!("form|{post}|{issued_at}|{cookie}"), tag).then_some(issued_at)
    }

    /// Lets the author of a held comment see it (WordPress's `moderation-hash`).
    pub fn moderation_hash(&self, comment: i64, created_at: i64) -> String {
        self.mac(&format!("moderation|{comment}|{created_at}"))
    }

    pub fn check_moderation_hash(&self, comment: i64, created_at: i64, hash: &str) -> bool {
        self.verify(&format!("moderation|{comment}|{created_at}"), hash)
    }

    /// The cookie value that unlocks a password-protected post (changes with the password).
    pub fn post_pass(&self, post: i64, password: &str) -> String {
        self.mac(&format!("postpass|{post}|{password}"))
    }

    /// The admin's CSRF token for one session (every state-changing admin form carries it).
    pub fn admin_csrf(&self, session_hash: &str) -> String {
        self.mac(&format!("admin|{session_hash}"))
    }

    pub fn check_admin_csrf(&self, session_hash: &str, token: &str) -> bool {
        self.verify(&format!("admin|{session_hash}"), token)
    }

    /// The unsubscribe link's token for a comment's reply notifications.
    pub fn unsubscribe_token(&self, comment: i64) -> String {
        self.mac(&format!("unsubscribe|{comment}"))
    }

    pub fn check_unsubscribe_token(&self, comment: i64, token: &str) -> bool {
        self.verify(&format!("unsubscribe|{comment}"), token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_what_they_sign() {
        let signer = Signer::new("key");
        let token = signer.form_token(7, 1000, "cookie");
        assert_eq!(signer.check_form_token(&token, 7, "cookie"), Some(1000));
        assert_eq!(signer.check_form_token(&token, 8, "cookie"), None, "another post");
        assert_eq!(signer.check_form_token(&token, 7, "other"), None, "another visitor");
        assert_eq!(signer.check_form_token(&token.replacen("1000", "1", 1), 7, "cookie"), None, "an earlier time");
        assert_eq!(Signer::new("other").check_form_token(&token, 7, "cookie"), None, "another key");
        assert_eq!(signer.check_form_token("garbage", 7, "cookie"), None);
        let hash = signer.moderation_hash(3, 99);
        assert!(signer.check_moderation_hash(3, 99, &hash));
        assert!(!signer.check_moderation_hash(4, 99, &hash));
        assert!(signer.check_unsubscribe_token(5, &signer.unsubscribe_token(5)));
        assert!(!signer.check_unsubscribe_token(6, &signer.unsubscribe_token(5)));
    }
}
