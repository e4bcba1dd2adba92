//! The command line. Every option that configures a running site also reads an environment
//! variable, so a service manager can set it without editing a unit file's arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Dateline: a blog engine for news-curation blogs.
#[derive(Debug, Parser)]
#[command(name = "dateline", version, about)]
pub struct Cli {
    /// Where the blog is stored: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "DATELINE_DB", default_value = "sqlite:dateline.db", global = true)]
    pub db: String,

    /// The site's settings file (dateline.toml). Without it, ./dateline.toml is read if present.
    #[arg(long, env = "DATELINE_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// How log lines (on standard error) are written: text for people, json (one object a
    /// line) for log collectors. Each request's lines carry its request id.
    #[arg(long, env = "DATELINE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the blog over HTTP.
    Serve(ServeArgs),
    /// Work with posts.
    #[command(subcommand)]
    Post(PostCommand),
    /// Moderate comments from the shell.
    #[command(subcommand)]
    Comments(CommentsCommand),
    /// Make a draft link post from a news page (its address, or a saved copy): headline,
    /// reporters, outlet, link and lead paragraphs filled in; the commentary is yours to write.
    /// Prints the draft's id and the address of its editor.
    Clip(ClipArgs),
    /// Keep sources alive: check the links posts cite.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// Create the blog's first administrator, asking in the terminal for what the options do
    /// not give (with no terminal: --login, and the password on standard input or generated).
    Setup {
        #[arg(long)]
        login: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// The name shown on posts (default: the login).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Bring a blog in from another engine.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the blog out for another engine (to standard output).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Copy the whole store to a new file while the blog keeps serving (SQLite: a consistent
    /// snapshot; PostgreSQL: the blog's schema alone, in pg_dump's custom format).
    Backup {
        /// The file to write; it must not exist yet.
        path: std::path::PathBuf,
    },
    /// Put a backup back into the store (SQLite: stop the server first, it is refused while one
    /// runs; PostgreSQL: running instances show the restored blog at once). Refuses to replace
    /// a store that has content unless --force is given; checks the result.
    Restore {
        /// A file made by `dateline backup`.
        path: std::path::PathBuf,
        /// Replace everything in a store that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Examine the store and say what is wrong with it: the file's integrity, rows that point
    /// at nothing, the schema's version, the search indexes. Exits 1 when something is.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input when one is piped in;
    /// otherwise one is generated and printed once.
    Add {
        /// The login name.
        name: String,
        /// administrator, editor, author or contributor.
        #[arg(long, default_value = "author")]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// The name shown on posts (default: the login).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List the accounts: id, login, role, name and e-mail address.
    List,
    /// Set a new password for an account, read from standard input when one is piped in
    /// (otherwise one is generated and printed once). Every session of the account ends.
    Passwd {
        /// The account's login or e-mail address.
        name: String,
    },
    /// Change an account's role. The last administrator cannot be demoted.
    Role {
        /// The account's login or e-mail address.
        name: String,
        /// administrator, editor, author or contributor.
        role: String,
    },
    /// Delete an account. Its posts and pages go to another account; its comments stay under
    /// the name they were written with; it is signed out everywhere. The last administrator
    /// cannot be deleted.
    Delete {
        /// The account's login or e-mail address.
        name: String,
        /// The account that takes over its posts and pages (login or e-mail address).
        #[arg(long, value_name = "LOGIN")]
        reassign_to: String,
    },
    /// Create an application password for an account (for API clients); printed once.
    AppPassword {
        /// The account's login.
        name: String,
        /// What the password is for, e.g. "MarsEdit on my laptop".
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Check every source URL that published and scheduled posts cite (new ones first added),
    /// as the server does now and then ([sources] in dateline.toml): each host one link at a
    /// time, HEAD then GET, redirects followed under the clipping address filter. Prints how
    /// many sources are in each state, then every source that is not ok.
    Check {
        /// Print one JSON object: the counts and every source with what was found.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import WordPress exports (WXR 1.0–1.2): everything or nothing, old URLs kept.
    Wxr {
        /// One or more export files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Read everything and print the report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The old site's permalink structure, in WordPress's syntax (e.g. '/%category%/%postname%/').
        #[arg(long)]
        permalinks: Option<String>,
        /// keep: posts go on showing images from the old site; fetch: bring every attachment
        /// and every image the posts show on the old site's hosts home (stored as media, the
        /// posts pointed at the local copies, featured images set). Resumable: run it again to
        /// fetch only what is missing. Private addresses need `[fetch] allow`.
        #[arg(long, value_enum, default_value_t = MediaMode::Keep)]
        media: MediaMode,
        /// With --media fetch: how long one file may take, in seconds.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        media_timeout: u64,
    },
}

/// What `import wxr` does with the old site's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MediaMode {
    Keep,
    Fetch,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// WordPress eXtended RSS 1.2, which WordPress's importer reads.
    Wxr,
}

#[derive(Debug, Subcommand)]
pub enum CommentsCommand {
    /// List comments, newest first, with why each held one was held.
    List {
        /// pending, approved, spam or trash; all when left out.
        #[arg(long)]
        status: Option<String>,
        /// Only comments on this post id.
        #[arg(long)]
        post: Option<i64>,
        /// Only comments with these words in the text, the name or the e-mail address
        /// (accents and case do not matter; "quoted phrase", -word and word* work).
        #[arg(long)]
        search: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Approve comments (and teach the spam filter they are not spam).
    Approve { ids: Vec<i64> },
    /// Mark comments as spam (and teach the spam filter).
    Spam { ids: Vec<i64> },
    /// Move comments to the trash.
    Trash { ids: Vec<i64> },
    /// Take comments out of the trash, back to the status each had before.
    Restore { ids: Vec<i64> },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "DATELINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// A theme directory whose templates/ and static/ override the built-in theme file by file.
    #[arg(long, env = "DATELINE_THEME")]
    pub theme: Option<PathBuf>,

    /// Fill an empty store with demo content (the seed post and a small fictional blog), and
    /// close comments on posts older than 14 days so the seed post shows closed by age.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ClipArgs {
    /// The page: its http(s) address, fetched (internal addresses refused unless in
    /// `[fetch] allow` or DATELINE_FETCH_ALLOW), or a saved file (HTML, as a browser saves it
    /// or curl writes it) with --url.
    #[arg(value_name = "URL|FILE")]
    pub page: String,
    /// For a saved file: where it was read from, the link the post gives when the page names
    /// no canonical address of its own.
    #[arg(long, value_name = "ORIGINAL_URL")]
    pub url: Option<String>,
    /// Print what was extracted (and the draft's id and editor address) as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Extract and print, but create no post (and do not open the store).
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Create a post or page from JSON in the shape of post.json; prints its id and permalink.
    New {
        /// The JSON file, or - for standard input.
        #[arg(long)]
        json: PathBuf,
        /// Publish it even though it quotes more of its source than the site's limit; the
        /// post's author (its "author", by display name) must be an editor or administrator,
        /// whose decision is recorded on the post.
        #[arg(long)]
        quote_override: bool,
    },
}
