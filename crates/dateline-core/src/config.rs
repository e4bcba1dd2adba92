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
#[derive(Default)]
pub struct Config {
    /// What the site is called and how its pages are addressed and paginated.
    pub site: SiteSettings,
    /// Who may comment and how comments are moderated, as WordPress's Discussion settings.
    pub discussion: DiscussionSettings,
    /// Outgoing mail for notifications; none are sent while this is absent.
    pub smtp: Option<SmtpSettings>,
    /// How the server sits on the network.
    pub server: ServerSettings,
    /// The page cache: what anonymous readers get, rendered once and kept.
    pub cache: CacheSettings,
    /// Fetching pages to clip: which hosts may be reached on private addresses.
    pub fetch: FetchSettings,
    /// How much of a source a post may quote before an editor must allow it.
    pub quote: QuoteSettings,
    /// Keeping sources alive: how often and how gently source links are checked.
    pub sources: SourceSettings,
    /// Embeds: asking providers (oEmbed) for the cards of videos and posts linked alone.
    pub embeds: EmbedSettings,
    /// Uploads: what is accepted and how images are resized.
    pub media: MediaSettings,
    /// `dateline import`: how large an export it reads.
    pub import: ImportSettings,
}

/// The `[import]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// The largest export file read, in MB (a larger one is refused before anything is
    /// imported).
    pub max_file_mb: u32,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings { max_file_mb: 2048 }
    }
}

impl ImportSettings {
    /// The largest export file in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        u64::from(self.max_file_mb) * 1024 * 1024
    }
}

/// The `[embeds]` table. When a post is saved, each embed link in it (a YouTube video alone on
/// its line, say) is looked up once at its provider's oEmbed endpoint, through the same safe
/// fetcher as clipping (`[fetch] allow` applies), and kept for the card readers see.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedSettings {
    /// Ask providers at all. Off: embed links stay plain links.
    pub fetch: bool,
    /// How long one provider may take to answer (the oEmbed answer, then the thumbnail), in seconds.
    pub timeout_seconds: u32,
    /// How old a kept answer may be before a save asks again, in days.
    pub refresh_days: u32,
    /// Another endpoint for a provider, by its key (`youtube`, `vimeo`, `twitter`, `instagram`,
    /// `tiktok`, `bluesky`, `mastodon`, `soundcloud`, `spotify`): a proxy of your own, or a test
    /// server. The link is added as `url=` (and `format=json`).
    pub endpoints: std::collections::BTreeMap<String, String>,
}

impl Default for EmbedSettings {
    fn default() -> Self {
        EmbedSettings { fetch: true, timeout_seconds: 10, refresh_days: 7, endpoints: Default::default() }
    }
}

/// The `[media]` table: uploads to the media library.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaSettings {
    /// The largest upload, in MB (also the request body limit of upload routes).
    pub max_upload_mb: u32,
    /// The most pixels an image may have, in megapixels (checked from its header, before
    /// decoding: a decompression bomb is refused cheaply).
    pub max_megapixels: u32,
    /// The kinds accepted, by name: jpeg, png, gif, webp, avif, pdf, mp3, m4a, ogg, wav, mp4,
    /// webm (all by default). SVG, HTML and executables are never accepted.
    pub allowed_types: Vec<String>,
    /// The widths of the resized copies made of each image (only those narrower than it).
    pub widths: Vec<u32>,
    /// Uploads one account may make in an hour (0 = no limit).
    pub uploads_per_hour: u32,
    /// SQLite only: the folder uploaded files are kept in; `media/` beside the database when
    /// absent. PostgreSQL keeps them in the database, so every instance serves every upload.
    pub dir: Option<String>,
    /// Where the bytes of uploads go: `local` (the folder on SQLite, the database on
    /// PostgreSQL) or `s3` (the bucket `[media.s3]` names, on either store).
    pub storage: MediaStorage,
    /// The bucket used when `storage = "s3"`.
    pub s3: S3Settings,
}

/// `[media] storage`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaStorage {
    /// The folder beside a SQLite database; the `media_blobs` table on PostgreSQL.
    #[default]
    Local,
    /// An S3-compatible bucket (AWS, MinIO, Garage, R2, …).
    S3,
}

/// The `[media.s3]` table. The keys may instead come from the environment
/// (`DATELINE_S3_ACCESS_KEY_ID`, `DATELINE_S3_SECRET_ACCESS_KEY`), so no secret need sit in
/// the file; the environment wins.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// The bucket's name (it must exist).
    pub bucket: String,
    /// The service's address, e.g. `https://s3.eu-west-1.amazonaws.com` or
    /// `http://127.0.0.1:9000` for a MinIO of your own.
    pub endpoint: String,
    /// The region requests are signed for (`us-east-1` when absent).
    pub region: Option<String>,
    /// The access key id.
    pub access_key_id: Option<String>,
    /// The secret access key (never logged or printed).
    pub secret_access_key: Option<String>,
    /// Address the bucket as `endpoint/bucket/key` (most self-hosted servers) rather than
    /// `bucket.endpoint/key` (AWS's default).
    pub path_style: bool,
}

/// The environment variable that gives `[media.s3] access_key_id`.
pub const S3_ACCESS_KEY_ENV: &str = "DATELINE_S3_ACCESS_KEY_ID";
/// The environment variable that gives `[media.s3] secret_access_key`.
pub const S3_SECRET_KEY_ENV: &str = "DATELINE_S3_SECRET_ACCESS_KEY";

impl std::fmt::Debug for S3Settings {
    // The secret is never printed, not even in a debug dump of the configuration.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "[redacted]"))
            .field("path_style", &self.path_style)
            .finish()
    }
}

impl S3Settings {
    /// These settings with the keys the environment gives (through `var`) in place of the
    /// file's.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> S3Settings {
        let var = |name| var(name).filter(|v: &String| !v.trim().is_empty());
        if let Some(key) = var(S3_ACCESS_KEY_ENV) {
            self.access_key_id = Some(key);
        }
        if let Some(secret) = var(S3_SECRET_KEY_ENV) {
            self.secret_access_key = Some(secret);
        }
        self
    }
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_upload_mb: 20,
            max_megapixels: 50,
            allowed_types: ["jpeg", "png", "gif", "webp", "avif", "pdf", "mp3", "m4a", "ogg", "wav", "mp4", "webm"]
                .into_iter()
                .map(String::from)
                .collect(),
            widths: vec![320, 640, 1024, 1600],
            uploads_per_hour: 100,
            dir: None,
            storage: MediaStorage::Local,
            s3: S3Settings::default(),
        }
    }
}

impl MediaSettings {
    /// The largest upload in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_upload_mb as usize * 1024 * 1024
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=2048).contains(&self.max_upload_mb) {
            return Err(ConfigError::Invalid {
                key: "media.max_upload_mb",
                reason: format!("{} is not between 1 and 2048", self.max_upload_mb),
            });
        }
        if !(1..=1000).contains(&self.max_megapixels) {
            return Err(ConfigError::Invalid {
                key: "media.max_megapixels",
                reason: format!("{} is not between 1 and 1000", self.max_megapixels),
            });
        }
        if let Some(width) = self.widths.iter().find(|w| !(16..=8192).contains(*w)) {
            return Err(ConfigError::Invalid { key: "media.widths", reason: format!("{width} is not between 16 and 8192") });
        }
        if self.storage == MediaStorage::S3 {
            if self.s3.bucket.trim().is_empty() {
                return Err(ConfigError::Invalid { key: "media.s3.bucket", reason: "storage = \"s3\" needs a bucket".into() });
            }
            if !(self.s3.endpoint.starts_with("http://") || self.s3.endpoint.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    key: "media.s3.endpoint",
                    reason: format!("{:?} is not an http(s) address", self.s3.endpoint),
                });
            }
        }
        Ok(())
    }
}

/// The `[sources]` table: the link checks of `dateline sources check` and of the server's
/// background task (run by one instance at a time, through a lease in the store).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourceSettings {
    /// How often the server checks every cited source: "24h" (the default), "30m", "7d",
    /// "3600s"; "off" or "0" never.
    pub check_every: String,
    /// Hosts checked at once (each host is asked one link at a time).
    pub concurrency: u32,
    /// The pause between two links of the same host, in milliseconds: a check must not look
    /// like an attack on a news site with two hundred of its stories cited.
    pub host_delay_ms: u32,
    /// How long one link may take to answer, redirects included, in seconds.
    pub timeout_seconds: u32,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings { check_every: "24h".into(), concurrency: 4, host_delay_ms: 1000, timeout_seconds: 10 }
    }
}

impl SourceSettings {
    /// The period of the background check; `None` when it is off.
    pub fn period(&self) -> Option<std::time::Duration> {
        parse_period(&self.check_every).ok().flatten()
    }
}

/// "off" or "0": `None`; else a whole number with a unit (s, m, h or d).
fn parse_period(text: &str) -> Result<Option<std::time::Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") || text == "0" {
        return Ok(None);
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} is not a period: write \"off\" or a number with s, m, h or d, e.g. \"24h\"")),
    };
    let number: u64 = number.parse().map_err(|_| format!("{text:?} does not start with a whole number"))?;
    match number.checked_mul(seconds_per) {
        Some(0) => Ok(None),
        Some(seconds) if seconds <= 366 * 86_400 => Ok(Some(std::time::Duration::from_secs(seconds))),
        _ => Err(format!("{text:?} is longer than a year")),
    }
}

/// The `[quote]` table: the site's fair-quoting limit, checked whenever a post is published or
/// scheduled (`dateline_app::quoting`). The limit is the smaller of the two that apply.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuoteSettings {
    /// The most words a post may quote (its excerpt and its block quotes); 0 = no word limit.
    pub max_words: u32,
    /// The most a post may quote as a percentage of the source's words, when they are known
    /// (a clipped story's are); 0 = no percentage limit.
    pub max_percent: u32,
}

impl Default for QuoteSettings {
    fn default() -> Self {
        QuoteSettings { max_words: 300, max_percent: 30 }
    }
}

impl QuoteSettings {
    /// The most `max_words` may be: beyond it the limit means none, and 0 already says that.
    pub const MAX_WORDS: u32 = 1_000_000;

    /// Checks the values serde cannot (also for the admin's Settings page).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_percent > 100 {
            return Err(ConfigError::Invalid {
                key: "quote.max_percent",
                reason: format!("{} is not between 0 and 100", self.max_percent),
            });
        }
        if self.max_words > Self::MAX_WORDS {
            return Err(ConfigError::Invalid {
                key: "quote.max_words",
                reason: format!("{} is not between 0 and {}", self.max_words, Self::MAX_WORDS),
            });
        }
        Ok(())
    }
}

/// The `[fetch]` table. Fetching refuses private, loopback and other internal addresses (a
/// signed-in person must not make the server read its own network); this opens them for
/// named hosts, for a newsroom's intranet or a test server.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    /// Hosts, as written in a URL ("intranet.example", "127.0.0.1"), that may resolve to
    /// private addresses. `DATELINE_FETCH_ALLOW` (comma-separated) adds to these.
    pub allow: Vec<String>,
}

/// The `[cache]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Keep rendered pages (with their compressed form) for anonymous readers until something
    /// they show changes. Off: every request is rendered (for measuring, or for debugging a theme).
    pub enabled: bool,
    /// The most memory the kept pages may take, in MiB; the least recently used go first. A
    /// page of 40 KiB or more counts twice: it is also kept in a pipe, to be sent without
    /// copying (dateline-web's `zero_copy` module).
    pub max_mib: u32,
    /// Requests rendered at once; more wait up to `queue_ms`, then are answered 503 with
    /// `Retry-After` (a post linked from a big aggregator must not queue readers for ever).
    /// 0 = two per processor.
    pub max_rendering: u32,
    /// How long a request may wait for a rendering slot, in milliseconds.
    pub queue_ms: u32,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings { enabled: true, max_mib: 32, max_rendering: 0, queue_ms: 500 }
    }
}

/// The `[discussion]` table. Defaults are WordPress's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscussionSettings {
    /// Close comments on posts older than `close_after_days` (decided at request time).
    pub close_old_posts: bool,
    /// Age in days after which comments close when `close_old_posts` is on.
    pub close_after_days: u32,
    /// Commenters must give a name and an email address.
    pub require_name_email: bool,
    /// Every comment waits for a moderator.
    pub moderate_all: bool,
    /// A commenter's comment waits unless they have an approved comment already.
    pub require_prior_approval: bool,
    /// A comment with this many links or more waits for a moderator (0 turns the rule off).
    pub hold_link_count: u32,
    /// A comment containing any of these (in its text, name, email, URL or IP) waits.
    pub moderation_words: Vec<String>,
    /// A comment containing any of these goes to spam.
    pub disallowed_words: Vec<String>,
    /// How deep replies may nest (1 means no replies).
    pub thread_depth: u32,
    /// Top-level comments per page; 0 shows all on one page.
    pub comments_per_page: u32,
    /// "oldest" or "newest" first.
    pub comment_order: CommentOrder,
    /// The longest comment accepted, in characters.
    pub max_comment_length: u32,
    /// A form sent back sooner than this after it was shown is treated as a bot's.
    pub min_submit_seconds: u32,
    /// Comments one address may post per `rate_limit_window_seconds` (0 turns the limit off).
    pub rate_limit_count: u32,
    pub rate_limit_window_seconds: u32,
    /// A spam score (0 to 1) at or above this sends a comment to spam.
    pub spam_threshold: f64,
    /// A spam score at or above this (and below `spam_threshold`) holds a comment.
    pub hold_threshold: f64,
    /// Addresses told about comments waiting for moderation.
    pub notify_moderators: Vec<String>,
    /// Where the API's avatar pictures come from: "identicon" (drawn by this site from a keyed
    /// digest, so no third party learns who reads or comments) or "gravatar".
    pub avatars: AvatarSource,
}

/// Where avatar pictures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AvatarSource {
    Identicon,
    Gravatar,
}

/// Order of comments on a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentOrder {
    Oldest,
    Newest,
}

impl Default for DiscussionSettings {
    fn default() -> Self {
        DiscussionSettings {
            close_old_posts: false,
            close_after_days: 14,
            require_name_email: true,
            moderate_all: false,
            require_prior_approval: true,
            hold_link_count: 2,
            moderation_words: Vec::new(),
            disallowed_words: Vec::new(),
            thread_depth: 5,
            comments_per_page: 50,
            comment_order: CommentOrder::Oldest,
            max_comment_length: 5000,
            min_submit_seconds: 3,
            rate_limit_count: 5,
            rate_limit_window_seconds: 60,
            spam_threshold: 0.95,
            hold_threshold: 0.75,
            notify_moderators: Vec::new(),
            avatars: AvatarSource::Identicon,
        }
    }
}

/// The `[smtp]` table: where notification mail goes out.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The From address, e.g. "The Daily Clip <blog@example.org>".
    pub from: String,
    pub username: Option<String>,
    /// Never logged.
    pub password: Option<String>,
    /// "none" (a local relay), "starttls" (port 587) or "tls" (port 465). When left out:
    /// "tls" on port 465, "starttls" on 587, "none" otherwise.
    pub security: Option<SmtpSecurity>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

impl SmtpSettings {
    /// The protection to use, from the setting or the port's convention.
    pub fn effective_security(&self) -> SmtpSecurity {
        self.security.unwrap_or(match self.port {
            465 => SmtpSecurity::Tls,
            587 => SmtpSecurity::Starttls,
            _ => SmtpSecurity::None,
        })
    }
}

fn default_smtp_port() -> u16 {
    25
}

/// The `[server]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// A client must send a request's headers within this many seconds (also how long an idle
    /// kept-alive connection may wait for its next request), or the connection is closed.
    pub header_timeout_seconds: u32,
    /// A request body must arrive within this many seconds, or the request is answered 408.
    pub body_timeout_seconds: u32,
    /// Connections served at once; more wait to be accepted. 0 = derived from the process's
    /// open-file limit (raised to its maximum at start), leaving room for the store and logs.
    pub max_connections: u32,
    /// Threads serving requests. 0 = one per processor ([`ServerSettings::threads`]).
    pub threads: u32,
    /// Leave connections from this machine (the reverse proxy's) on the system's TCP
    /// congestion control even when it paces (BBR). By default they get one that does not:
    /// pacing protects a network queue they do not cross, and costs CPU (docs/DEPLOYMENT.md).
    pub pace_local_connections: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            trust_forwarded_for: false,
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            max_connections: 0,
            threads: 0,
            pace_local_connections: false,
        }
    }
}

impl ServerSettings {
    /// How many threads serve requests on a machine with `processors`: `threads` when set,
    /// else one per processor. Stop 44 left a processor out (on two, one thread): a second
    /// thread lengthened the 1,000-comment page's tail. That cost was the host pacing its
    /// loopback connections (BBR); with local connections unpaced, two threads on two
    /// processors sent that page as fast with the same tail, and small kept pages 20–40 %
    /// faster (docs/PERFORMANCE.md, stop 49).
    pub fn threads(&self, processors: usize) -> usize {
        match self.threads {
            0 => processors.max(1),
            threads => threads as usize,
        }
    }
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

impl Config {
    /// Parses and validates the text of a `dateline.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a file.
    pub fn from_file(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: path.display().to_string(), reason: e.to_string() })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse(msg) => ConfigError::Parse(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// A config for tests: defaults with a fixed base URL, and none of the timing rules
    /// (minimum time to submit, rate limit) that would make tests wait.
    pub fn for_test() -> Config {
        let mut config = Config::default();
        config.site.base_url = Some("http://dateline.test".into());
        config.discussion.min_submit_seconds = 0;
        config.discussion.rate_limit_count = 0;
        config.discussion.require_prior_approval = false;
        // Tests check sources when they ask, with no pause between links.
        config.sources.check_every = "off".into();
        config.sources.host_delay_ms = 0;
        // Tests do not reach real providers; those about embeds point them at a local server.
        config.embeds.fetch = false;
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
        if !(1..=4096).contains(&self.cache.max_mib) {
            return Err(ConfigError::Invalid { key: "cache.max_mib", reason: format!("{} is not between 1 and 4096", self.cache.max_mib) });
        }
        if !(1..=60_000).contains(&self.cache.queue_ms) {
            return Err(ConfigError::Invalid {
                key: "cache.queue_ms",
                reason: format!("{} is not between 1 and 60000", self.cache.queue_ms),
            });
        }
        self.quote.validate()?;
        self.media.validate()?;
        if self.import.max_file_mb == 0 {
            return Err(ConfigError::Invalid { key: "import.max_file_mb", reason: "0 would refuse every file".into() });
        }
        parse_period(&self.sources.check_every).map_err(|reason| ConfigError::Invalid { key: "sources.check_every", reason })?;
        if !(1..=64).contains(&self.sources.concurrency) {
            return Err(ConfigError::Invalid {
                key: "sources.concurrency",
                reason: format!("{} is not between 1 and 64", self.sources.concurrency),
            });
        }
        if !(1..=120).contains(&self.sources.timeout_seconds) {
            return Err(ConfigError::Invalid {
                key: "sources.timeout_seconds",
                reason: format!("{} is not between 1 and 120", self.sources.timeout_seconds),
            });
        }
        let discussion = &self.discussion;
        if discussion.thread_depth == 0 || discussion.thread_depth > 10 {
            return Err(ConfigError::Invalid {
                key: "discussion.thread_depth",
                reason: format!("{} is not between 1 and 10", discussion.thread_depth),
            });
        }
        if !(0.0..=1.0).contains(&discussion.spam_threshold) || !(0.0..=discussion.spam_threshold).contains(&discussion.hold_threshold) {
            return Err(ConfigError::Invalid {
                key: "discussion.hold_threshold",
                reason: "thresholds must satisfy 0 <= hold_threshold <= spam_threshold <= 1".into(),
            });
        }
        // A century: beyond that "close after N days" means never, and dates would overflow.
        if !(1..=36_500).contains(&discussion.close_after_days) {
            return Err(ConfigError::Invalid {
                key: "discussion.close_after_days",
                reason: format!("{} is not between 1 and 36500", discussion.close_after_days),
            });
        }
        let server = &self.server;
        for (key, seconds) in
            [("server.header_timeout_seconds", server.header_timeout_seconds), ("server.body_timeout_seconds", server.body_timeout_seconds)]
        {
            // Without a limit one slow client could hold a connection for ever.
            if !(1..=3600).contains(&seconds) {
                return Err(ConfigError::Invalid { key, reason: format!("{seconds} is not between 1 and 3600") });
            }
        }
        // More threads than this is a typo, and each takes memory for its stack.
        if server.threads > 1024 {
            return Err(ConfigError::Invalid { key: "server.threads", reason: format!("{} is more than 1024", server.threads) });
        }
        if discussion.max_comment_length == 0 {
            return Err(ConfigError::Invalid { key: "discussion.max_comment_length", reason: "must be at least 1".into() });
        }
        if let Some(url) = &site.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid { key: "site.base_url", reason: format!("{url:?} must start with http:// or https://") });
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
    fn source_checks_are_daily_unless_told() {
        use std::time::Duration;
        assert_eq!(Config::default().sources.period(), Some(Duration::from_secs(86_400)));
        for (text, period) in [("off", None), ("0", None), ("0h", None), ("30m", Some(1800)), ("7d", Some(604_800)), ("3600s", Some(3600))]
        {
            assert_eq!(parse_period(text), Ok(period.map(Duration::from_secs)), "{text}");
        }
        for text in ["daily", "h", "-1h", "24", "400d"] {
            assert!(parse_period(text).is_err(), "{text}");
        }
        assert_eq!(Config::for_test().sources.period(), None, "tests start no background check");
    }

    #[test]
    fn requests_take_every_processor_unless_told() {
        let auto = ServerSettings::default();
        assert_eq!([0, 1, 2, 4, 16].map(|processors| auto.threads(processors)), [1, 1, 2, 4, 16]);
        let told = Config::parse("[server]\nthreads = 6\n").expect("valid").server;
        assert_eq!(told.threads(2), 6);
        let err = Config::parse("[server]\nthreads = 5000\n").expect_err("too many");
        assert!(err.to_string().contains("server.threads"), "{err}");
    }

    #[test]
    fn the_example_file_shows_the_defaults() {
        let example = Config::parse(include_str!("../../../dateline.example.toml")).expect("dateline.example.toml is valid");
        assert_eq!(example, Config::parse("").expect("empty"), "dateline.example.toml says every value shown is the default");
    }

    #[test]
    fn parses_and_validates() {
        let config = Config::parse("[site]\ntitle = \"Clips\"\ntimezone = \"America/Havana\"\n").expect("valid");
        assert_eq!(config.site.title, "Clips");
        assert_eq!(config.site.posts_per_page, 10);
        let err = Config::parse("[discussion]\nclose_after_days = 9999999\n").expect_err("too many days");
        assert!(err.to_string().contains("discussion.close_after_days"), "{err}");
        let err = Config::parse("[site]\ntimezone = \"Mars/Olympus\"\n").expect_err("bad tz");
        assert!(err.to_string().contains("site.timezone"), "{err}");
        let err = Config::parse("[quote]\nmax_percent = 101\n").expect_err("more than all of it");
        assert!(err.to_string().contains("quote.max_percent"), "{err}");
        assert_eq!(Config::parse("[quote]\nmax_words = 0\n").expect("no word limit").quote.max_percent, 30);
        let err = Config::parse("[sources]\ncheck_every = \"daily\"\n").expect_err("not a period");
        assert!(err.to_string().contains("sources.check_every"), "{err}");
        let err = Config::parse("[site]\ntitel = \"x\"\n").expect_err("typo");
        assert!(err.to_string().contains("titel"), "{err}");
    }

    #[test]
    fn s3_storage_reads_its_table_takes_keys_from_the_environment_and_never_prints_the_secret() {
        let config = Config::parse(
            "[media]\nstorage = \"s3\"\n[media.s3]\nbucket = \"b\"\nendpoint = \"http://127.0.0.1:9000\"\npath_style = true\nsecret_access_key = \"hunter2\"\n",
        )
        .expect("valid");
        assert_eq!(config.media.storage, MediaStorage::S3);
        assert!(config.media.s3.path_style);
        assert!(!format!("{config:?}").contains("hunter2"), "the secret is redacted");
        let s3 = config.media.s3.with_env(|name| (name == S3_ACCESS_KEY_ENV).then(|| "AKID".to_string()));
        assert_eq!((s3.access_key_id.as_deref(), s3.secret_access_key.as_deref()), (Some("AKID"), Some("hunter2")));
        let err = Config::parse("[media]\nstorage = \"s3\"\n").expect_err("no bucket");
        assert!(err.to_string().contains("media.s3.bucket"), "{err}");
        assert_eq!(Config::default().media.storage, MediaStorage::Local);
    }
}
