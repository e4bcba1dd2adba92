//! Settings saved in the admin (Settings: site, reading, discussion). They are kept in the
//! store, so every instance sharing it applies them, on top of `dateline.toml`, the
//! environment and flags.

use dateline_core::config::CommentOrder;
use dateline_core::{Config, Store, StoreError};
use serde::{Deserialize, Serialize};

/// The store setting that holds them.
pub const KEY: &str = "admin_settings";

/// What the admin's Settings screen can change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSettings {
    pub title: String,
    pub tagline: String,
    pub timezone: String,
    pub posts_per_page: u32,
    pub close_old_posts: bool,
    pub close_after_days: u32,
    pub require_name_email: bool,
    pub moderate_all: bool,
    pub require_prior_approval: bool,
    pub hold_link_count: u32,
    pub moderation_words: Vec<String>,
    pub disallowed_words: Vec<String>,
    pub thread_depth: u32,
    pub comments_per_page: u32,
    pub newest_first: bool,
    /// The quote limit in words (0: none). Defaulted when reading settings saved before it.
    #[serde(default = "default_quote_max_words")]
    pub quote_max_words: u32,
    /// The quote limit in percent of the source's words (0: off).
    #[serde(default = "default_quote_max_percent")]
    pub quote_max_percent: u32,
}

fn default_quote_max_words() -> u32 {
    dateline_core::config::QuoteSettings::default().max_words
}

fn default_quote_max_percent() -> u32 {
    dateline_core::config::QuoteSettings::default().max_percent
}

impl SavedSettings {
    pub fn from_config(config: &Config) -> SavedSettings {
        let (s, d) = (&config.site, &config.discussion);
        SavedSettings {
            title: s.title.clone(),
            tagline: s.tagline.clone(),
            timezone: s.timezone.clone(),
            posts_per_page: s.posts_per_page,
            close_old_posts: d.close_old_posts,
            close_after_days: d.close_after_days,
            require_name_email: d.require_name_email,
            moderate_all: d.moderate_all,
            require_prior_approval: d.require_prior_approval,
            hold_link_count: d.hold_link_count,
            moderation_words: d.moderation_words.clone(),
            disallowed_words: d.disallowed_words.clone(),
            thread_depth: d.thread_depth,
            comments_per_page: d.comments_per_page,
            newest_first: d.comment_order == CommentOrder::Newest,
            quote_max_words: config.quote.max_words,
            quote_max_percent: config.quote.max_percent,
        }
    }

    /// Writes these settings into `config`.
    /// The names of the settings that differ between `self` and `other`.
    pub fn differences(&self, other: &SavedSettings) -> Vec<String> {
        let (Ok(serde_json::Value::Object(mine)), Ok(serde_json::Value::Object(theirs))) =
            (serde_json::to_value(self), serde_json::to_value(other))
        else {
            return Vec::new();
        };
        mine.iter().filter(|(name, value)| theirs.get(*name) != Some(value)).map(|(name, _)| name.clone()).collect()
    }

    pub fn apply(&self, config: &mut Config) {
        let (s, d) = (&mut config.site, &mut config.discussion);
        s.title = self.title.clone();
        s.tagline = self.tagline.clone();
        s.timezone = self.timezone.clone();
        s.posts_per_page = self.posts_per_page;
        d.close_old_posts = self.close_old_posts;
        d.close_after_days = self.close_after_days;
        d.require_name_email = self.require_name_email;
        d.moderate_all = self.moderate_all;
        d.require_prior_approval = self.require_prior_approval;
        d.hold_link_count = self.hold_link_count;
        d.moderation_words = self.moderation_words.clone();
        d.disallowed_words = self.disallowed_words.clone();
        d.thread_depth = self.thread_depth;
        d.comments_per_page = self.comments_per_page;
        d.comment_order = if self.newest_first { CommentOrder::Newest } else { CommentOrder::Oldest };
        config.quote.max_words = self.quote_max_words;
        config.quote.max_percent = self.quote_max_percent;
    }
}

/// The saved settings' JSON, if any were saved.
pub async fn saved_json(store: &dyn Store) -> Result<Option<String>, StoreError> {
    Ok(store.setting(KEY).await?.filter(|j| !j.is_empty()))
}

/// Applies saved settings to a config (ignored, with a warning, if unreadable), and says which
/// of the configuration file's values they replace, so an edit to the file that seems to have
/// no effect is explained.
pub async fn apply_saved(store: &dyn Store, config: &mut Config) -> Result<(), StoreError> {
    if let Some(json) = saved_json(store).await? {
        match serde_json::from_str::<SavedSettings>(&json) {
            Ok(saved) => {
                let overridden = saved.differences(&SavedSettings::from_config(config));
                if !overridden.is_empty() {
                    tracing::info!(settings = %overridden.join(", "), "settings saved in the admin (Settings) apply over dateline.toml");
                }
                saved.apply(config)
            }
            Err(err) => tracing::warn!(error = %err, "saved settings could not be read; using the configuration file"),
        }
    }
    Ok(())
}

/// Saves `config`'s settings as the site's when none were saved yet (a new demo blog, so every
/// instance sharing the store shows the same one); returns whether it did.
pub async fn save_if_none(store: &dyn Store, config: &Config) -> Result<bool, StoreError> {
    if saved_json(store).await?.is_some() {
        return Ok(false);
    }
    let json = serde_json::to_string(&SavedSettings::from_config(config)).map_err(|e| StoreError::Invalid(e.to_string()))?;
    store.set_setting(KEY, &json).await?;
    Ok(true)
}

/// Why settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsRefused {
    /// They make a configuration that does not hold (the message says what is wrong).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks `settings` over `base` (the configuration before saved settings) and stores them;
/// returns the configuration they make.
pub async fn save(store: &dyn Store, base: &Config, settings: &SavedSettings) -> Result<Config, SettingsRefused> {
    let mut config = base.clone();
    settings.apply(&mut config);
    config.validate().map_err(|err| SettingsRefused::Invalid(err.to_string()))?;
    let json = serde_json::to_string(settings).map_err(|e| StoreError::Invalid(e.to_string()))?;
    store.set_setting(KEY, &json).await?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_before_the_quote_limit_read_with_its_defaults() {
        let mut saved = serde_json::to_value(SavedSettings::from_config(&Config::default())).expect("json");
        if let Some(fields) = saved.as_object_mut() {
            fields.remove("quote_max_words");
            fields.remove("quote_max_percent");
        }
        let read: SavedSettings = serde_json::from_value(saved).expect("older settings still read");
        assert_eq!((read.quote_max_words, read.quote_max_percent), (300, 30));
        let mut config = Config::default();
        SavedSettings { quote_max_words: 50, quote_max_percent: 0, ..read }.apply(&mut config);
        assert_eq!((config.quote.max_words, config.quote.max_percent), (50, 0));
    }
}
