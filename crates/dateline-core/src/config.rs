//! `dateline.toml`: the site's settings. Parsed from text apart from reading the file, so
//! tests build a config directly (`Config::for_test`) and nothing is global.

use serde::Deserialize;

/// Why a configuration was refused. Each message names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Parse(String),
    #[error("setting {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Everything in `dateline.toml`. Unknown keys are refused so a typo is never silently ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// What the site is called and how its pages are addressed and paginated.
    pub site: SiteSettings,
}

/// The `[site]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSettings {
    /// Shown in the header, the `<title>` and feeds.
    pub title: String,
    /// One line under the title.
    pub tagline: String,
    /// Absolute URL the site is reached at, without a trailing slash; used for canonical
    /// links, feeds and the sitemap. Defaults to the listen address.
    pub base_url: Option<String>,
    /// IANA name (for example "America/New_York"): permalinks, archives and shown times use it.
    pub timezone: String,
    /// Posts on each page of the home page and archives.
    pub posts_per_page: u32,
    /// BCP 47 language tag for `<html lang>` and feeds.
    pub language: String,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "Dateline".into(),
            tagline: "News worth quoting, with a line of commentary".into(),
            base_url: None,
            timezone: "UTC".into(),
            posts_per_page: 10,
            language: "en".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { site: SiteSettings::default() }
    }
}

impl Config {
    /// Parses and validates the text of a `dateline.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a file.
    pub fn from_file(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse(msg) => ConfigError::Parse(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// A config for tests: defaults with a fixed base URL.
    pub fn for_test() -> Config {
        let mut config = Config::default();
        config.site.base_url = Some("http://dateline.test".into());
        config
    }

    /// Checks the values serde cannot: the timezone exists, the URL is absolute, and so on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let site = &self.site;
        if site.title.trim().is_empty() {
            return Err(ConfigError::Invalid { key: "site.title", reason: "must not be empty".into() });
        }
        if !(1..=100).contains(&site.posts_per_page) {
            return Err(ConfigError::Invalid {
                key: "site.posts_per_page",
                reason: format!("{} is not between 1 and 100", site.posts_per_page),
            });
        }
        jiff::tz::TimeZone::get(&site.timezone).map_err(|e| ConfigError::Invalid {
            key: "site.timezone",
            reason: format!("{:?} is not a known IANA time zone ({e})", site.timezone),
        })?;
        if let Some(url) = &site.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "site.base_url",
                reason: format!("{url:?} must start with http:// or https://"),
            });
        }
        Ok(())
    }

    /// The site's time zone. Falls back to UTC only if validation was skipped.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.site.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let config = Config::parse("[site]\ntitle = \"Clips\"\ntimezone = \"America/Havana\"\n").expect("valid");
        assert_eq!(config.site.title, "Clips");
        assert_eq!(config.site.posts_per_page, 10);
        let err = Config::parse("[site]\ntimezone = \"Mars/Olympus\"\n").expect_err("bad tz");
        assert!(err.to_string().contains("site.timezone"), "{err}");
        let err = Config::parse("[site]\ntitel = \"x\"\n").expect_err("typo");
        assert!(err.to_string().contains("titel"), "{err}");
    }
}
