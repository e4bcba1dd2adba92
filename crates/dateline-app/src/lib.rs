//! The application's rules, one copy for every door. The web form, the REST API and the
//! command line call these use cases instead of carrying their own versions of them, so a
//! comment is judged (and a moderation carried out, and a reader told) the same whichever way
//! it arrives.
//!
//! Depends on the domain (`dateline-core`) and talks to storage only through its `Store`
//! trait; knows nothing of HTTP, templates or the command line.

pub mod accounts;
pub mod clip;
pub mod comments;
pub mod embeds;
pub mod media;
pub mod media_fetch;
pub mod moderation;
pub mod notify;
pub mod passwords;
pub mod permalinks;
pub mod posts;
pub mod quoting;
pub mod settings;
pub mod signin;
pub mod sources;
pub mod threads;
pub mod tokens;

use std::sync::Arc;

use dateline_core::mail::Mailer;
use dateline_core::{Config, Store, StoreError};

/// The site as the use cases see it: the configuration resolved once (file, environment,
/// flags, then what the admin saved), with its base URL and time zone worked out.
#[derive(Debug)]
pub struct Site {
    pub config: Config,
    /// Absolute base URL without a trailing slash.
    pub base_url: String,
    pub time_zone: jiff::tz::TimeZone,
}

impl Site {
    /// The site for `config` as saved settings change it; `fallback_base_url` when the
    /// configuration names none (the address the server listens on).
    pub async fn resolve(store: &dyn Store, mut config: Config, fallback_base_url: String) -> Result<Site, StoreError> {
        let base_url = config.site.base_url.clone().unwrap_or(fallback_base_url).trim_end_matches('/').to_string();
        settings::apply_saved(store, &mut config).await?;
        let time_zone = config.time_zone();
        Ok(Site { config, base_url, time_zone })
    }
}

/// What the use cases work with besides the site: the store, the mail going out, and the key
/// that signs links. Cheap to clone (shared pointers).
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    /// `None` when no `[smtp]` is configured: notifications are off.
    pub mailer: Option<Arc<dyn Mailer>>,
    pub signer: Arc<tokens::Signer>,
}

impl Services {
    /// With the signing key every instance on this store shares (made the first time).
    pub async fn new(store: Arc<dyn Store>, mailer: Option<Arc<dyn Mailer>>) -> Result<Services, StoreError> {
        let key = match store.setting_or_init(tokens::KEY_SETTING, &tokens::random_token()).await {
            Ok(key) => key,
            // A store that cannot be written (served read-only from a read-only disk) and was
            // never served before: nothing it signs could be used to write anyway, so a key of
            // this process's own does.
            Err(StoreError::CannotWrite(reason)) => {
                tracing::warn!(%reason, "no signing key could be stored: using one for this process only");
                tokens::random_token()
            }
            Err(err) => return Err(err),
        };
        Ok(Services { store, mailer, signer: Arc::new(tokens::Signer::new(&key)) })
    }
}
