//! The `dateline` program: reads configuration (file, then environment, then flags), opens
//! the store, and runs a command. Only this crate knows about clap and process exit codes.

mod accounts;
pub mod cli;
mod clip;
mod demo;
mod maintenance;
mod migrate_in;
mod moderate;
mod pg_copy;
mod serving_lock;
mod settings;
mod sources;

use std::process::ExitCode;
use std::sync::Arc;

use dateline_core::Store;
use dateline_core::input::{InputDefaults, parse_post_json};
use dateline_store::SqlStore;

use cli::{Cli, Command, PostCommand, ServeArgs};
use dateline_core::PostStore;
use dateline_core::mail::Mailer;

/// Why a command failed. `Usage` means the user must change what they typed (exit 2);
/// `Runtime` means the work itself failed (exit 1).
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Runtime(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Failure {
        Failure::Runtime(err.into())
    }
}

pub(crate) fn usage(message: impl std::fmt::Display) -> Failure {
    Failure::Usage(message.to_string())
}

/// Runs the parsed command line; prints one line on failure and returns the exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(cli.log_format);
    let outcome = settings::load_config(cli.config.as_deref()).map_err(usage).and_then(|config| {
        let runtime = async_runtime(&config)?;
        runtime.block_on(dispatch(cli, config))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("dateline: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(err)) => {
            eprintln!("dateline: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The runtime every command runs on, with the threads `[server] threads` asks for.
fn async_runtime(config: &dateline_core::Config) -> Result<tokio::runtime::Runtime, Failure> {
    let processors = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.server.threads(processors))
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot start the async runtime: {e}")))
}

/// Log lines go to standard error, never into a command's output.
fn init_logging(format: cli::LogFormat) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO).with_target("sqlx", tracing::Level::WARN));
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        cli::LogFormat::Text => registry.with(lines).try_init(),
        // One JSON object a line, with the request's span (its id, method and path) in it.
        cli::LogFormat::Json => registry.with(lines.json().with_current_span(true).with_span_list(false)).try_init(),
    };
}

pub(crate) async fn open_store(url: &str) -> Result<Arc<SqlStore>, Failure> {
    SqlStore::open(url).await.map(Arc::new).map_err(usage)
}

/// The store with uploads kept where `[media]` says: in the bucket `[media.s3]` names
/// (`storage = "s3"`, keys also from DATELINE_S3_*), else in `[media] dir` (SQLite; `media/`
/// beside the database when it says nothing) or the database (PostgreSQL).
pub(crate) async fn open_store_for(url: &str, config: &dateline_core::Config) -> Result<Arc<SqlStore>, Failure> {
    use dateline_core::config::MediaStorage;
    // Before the database is opened: a wrong bucket setting changes nothing.
    let objects = match config.media.storage {
        MediaStorage::S3 => {
            let settings = config.media.s3.clone().with_env(|name| std::env::var(name).ok());
            Some(dateline_s3::S3Objects::new(&settings).map_err(usage)?.shared())
        }
        MediaStorage::Local => None,
    };
    let store = SqlStore::open(url).await.map_err(usage)?;
    Ok(Arc::new(match (objects, &config.media.dir) {
        (Some(objects), _) => store.with_objects(objects),
        (None, Some(dir)) => store.with_media_dir(dir.into()),
        (None, None) => store,
    }))
}

async fn dispatch(cli: Cli, config: dateline_core::Config) -> Result<(), Failure> {
    match cli.command {
        Command::Serve(args) => serve(&cli.db, config, args).await,
        Command::Post(PostCommand::New { json, quote_override }) => post_new(&cli.db, config, &json, quote_override).await,
        Command::Clip(args) => clip::run(&cli.db, &config, args).await,
        Command::Sources(cli::SourcesCommand::Check { json }) => sources::check(&cli.db, &config, json).await,
        Command::Import(cli::ImportCommand::Wxr { files, dry_run, permalinks, media, media_timeout }) => {
            let media = migrate_in::MediaOptions { fetch: media == cli::MediaMode::Fetch, timeout_seconds: media_timeout };
            migrate_in::import(&cli.db, &config, &files, dry_run, permalinks, media).await
        }
        Command::Export(cli::ExportCommand::Wxr) => migrate_in::export(&cli.db, config).await,
        Command::Setup { login, email, display_name } => accounts::setup(&cli.db, login, email, display_name).await,
        Command::User(command) => accounts::run(&cli.db, command).await,
        Command::Backup { path } => maintenance::backup(&cli.db, &config, &path).await,
        Command::Restore { path, force } => maintenance::restore(&cli.db, &config, &path, force).await,
        Command::Check => maintenance::check(&cli.db, &config).await,
        Command::Comments(command) => {
            let store = open_store(&cli.db).await?;
            let mailer = mailer(&config)?;
            let site = dateline_app::Site::resolve(store.as_ref(), config, "http://127.0.0.1:8080".into()).await?;
            let services = dateline_app::Services::new(store, mailer).await?;
            moderate::run(&services, &site, command).await
        }
    }
}

/// The mailer `[smtp]` describes, if any.
fn mailer(config: &dateline_core::Config) -> Result<Option<Arc<dyn Mailer>>, Failure> {
    match &config.smtp {
        None => Ok(None),
        Some(smtp) => {
            let mailer = dateline_mail::SmtpMailer::new(smtp).map_err(usage)?;
            Ok(Some(Arc::new(mailer) as Arc<dyn Mailer>))
        }
    }
}

/// The web application's state over `store` (also used by commands that send mail).
pub(crate) async fn web_state(
    store: Arc<SqlStore>,
    config: dateline_core::Config,
    theme_dir: Option<std::path::PathBuf>,
    fallback_base_url: String,
) -> Result<dateline_web::AppState, Failure> {
    let mailer = mailer(&config)?;
    let options = dateline_web::WebOptions { config, fallback_base_url, theme_dir, mailer };
    dateline_web::AppState::new(store as Arc<dyn Store>, options).await.map_err(usage)
}

async fn serve(db: &str, mut config: dateline_core::Config, args: ServeArgs) -> Result<(), Failure> {
    // Each connection is a file descriptor: the default soft limit (often 1,024) would leave a
    // busy server unable to accept, or to open the store. Raised to what the system allows.
    let open_files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(error = %err, "could not raise the open-file limit");
            1024
        }
    };
    let limit = dateline_web::ConnectionLimit::from_config(config.server.max_connections, open_files);
    let listener = dateline_web::listen(args.listen, config.server.pace_local_connections)
        .await
        .map_err(|e| usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let address = listener.local_addr()?;
    // Held while serving: a restore refuses to replace the store's file under it.
    let _serving = serving_lock::serving(db).await?;
    let store = open_store_for(db, &config).await?;
    if args.demo {
        demo::configure(&mut config);
        let created = demo::fill_if_empty(store.as_ref(), &config, jiff::Timestamp::now()).await?;
        if created > 0 {
            tracing::info!(posts = created, "filled the empty store with demo content");
        }
    }
    if let Some(theme) = &args.theme
        && !theme.is_dir()
    {
        return Err(usage(format!("--theme {}: not a directory", theme.display())));
    }
    let checker = sources::background(store.clone(), &config)?;
    let state = web_state(store.clone(), config, args.theme, format!("http://{address}")).await?;
    println!("Serving “{}” on http://{address}/ (store: {})", state.site().config.site.title, store.backend_name());
    let threads = tokio::runtime::Handle::current().metrics().num_workers();
    tracing::info!(open_files, max_connections = limit.0, threads, "connection limits");
    dateline_web::serve(listener, state, limit, shutdown_signal()).await?;
    if let Some(checker) = checker {
        checker.abort();
    }
    Ok(())
}

/// `post` measured against the site's quote limit (the admin's saved settings over the file's),
/// as every door measures it: refused when a post readers will see quotes too much, unless
/// `--quote-override` and the post's author is an editor or administrator (recorded).
async fn quote_checked(
    store: &dyn Store,
    config: &mut dateline_core::Config,
    mut post: dateline_core::NewPost,
    quote_override: bool,
) -> Result<dateline_core::NewPost, Failure> {
    dateline_app::settings::apply_saved(store, config).await?;
    // The acting account is the one the post is by (named, as `post new` names its author);
    // an account made for a new name is an author, who may not decide this.
    let acting = match (&post.author_name, quote_override) {
        (Some(name), true) => store.users().await?.into_iter().find(|u| &u.display_name == name),
        _ => None,
    };
    let override_by = match (&acting, quote_override) {
        (Some(user), true) => Some(user),
        (None, true) => {
            let name = post.author_name.as_deref().unwrap_or(settings::DEFAULT_AUTHOR);
            return Err(usage(format!(
                "--quote-override: the post's author, {name:?}, is not an account on this site; only an editor or administrator may publish over the quote limit"
            )));
        }
        _ => None,
    };
    match dateline_app::quoting::decide(&config.quote, &post.write, override_by, jiff::Timestamp::now()) {
        Ok(record) => {
            post.write.quote_override = record;
            Ok(post)
        }
        Err(refusal @ dateline_app::quoting::QuoteRefusal::OverLimit(_)) => Err(usage(format!(
            "{refusal}. Quote less, save it as a draft (\"status\": \"draft\"), or publish it over the limit with --quote-override as an editor."
        ))),
        Err(refusal) => Err(usage(format!("{refusal} (the post's author is the acting account)."))),
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what service managers send), so in-flight
/// requests finish before the process exits.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn post_new(db: &str, mut config: dateline_core::Config, json: &std::path::Path, quote_override: bool) -> Result<(), Failure> {
    let text = settings::read_input(json).map_err(usage)?;
    let defaults = InputDefaults { author: settings::DEFAULT_AUTHOR.into(), now: jiff::Timestamp::now() };
    // Validate before touching the store: invalid input must not even create the database.
    let post = parse_post_json(&text, &defaults, &dateline_render::markdown_to_html)
        .map_err(|e| usage(format!("invalid post in {}: {e}", json.display())))?;
    let store = open_store_for(db, &config).await?;
    let post = quote_checked(store.as_ref(), &mut config, post, quote_override).await?;
    let embedder = dateline_app::embeds::Embedder::new(&config).map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    let mut created = store.create_post(post).await?;
    // Embeds get their cards as in the editor, once the post's author has an account to file
    // the thumbnails under; a provider that cannot be asked leaves a link.
    let with_cards = dateline_app::embeds::with_cards(store.as_ref(), Some(&embedder), created.author.id, &created.body_html).await;
    if with_cards != created.body_html {
        let mut write = dateline_core::PostWrite::from_post(&created);
        write.body_html = with_cards;
        created = store.save_post(Some(created.id), write).await?;
    }
    let base = config.site.base_url.clone().unwrap_or_default();
    println!("{}\t{base}{}", created.id, dateline_app::permalinks::permalink(&config.time_zone(), &created));
    Ok(())
}
