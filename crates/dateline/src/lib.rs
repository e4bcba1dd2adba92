//! The `dateline` program: reads configuration (file, then environment, then flags), opens
//! the store, and runs a command. Only this crate knows about clap and process exit codes.

pub mod cli;
mod demo;
mod migrate_in;
mod moderate;
mod settings;

use std::process::ExitCode;
use std::sync::Arc;

use dateline_core::Store;
use dateline_core::input::{InputDefaults, parse_post_json};
use dateline_store::SqlStore;

use cli::{Cli, Command, PostCommand, ServeArgs};
use dateline_core::mail::Mailer;
use dateline_core::{AccountStore, PostStore};

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
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("dateline: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
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

fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO).with_target("sqlx", tracing::Level::WARN));
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false))
        .with(filter)
        .try_init();
}

pub(crate) async fn open_store(url: &str) -> Result<Arc<SqlStore>, Failure> {
    SqlStore::open(url).await.map(Arc::new).map_err(usage)
}

async fn dispatch(cli: Cli) -> Result<(), Failure> {
    let config = settings::load_config(cli.config.as_deref()).map_err(usage)?;
    match cli.command {
        Command::Serve(args) => serve(&cli.db, config, args).await,
        Command::Post(PostCommand::New { json }) => post_new(&cli.db, config, &json).await,
        Command::Import(cli::ImportCommand::Wxr { files, dry_run, permalinks }) => {
            migrate_in::import(&cli.db, &config, &files, dry_run, permalinks).await
        }
        Command::Export(cli::ExportCommand::Wxr) => migrate_in::export(&cli.db, config).await,
        Command::User(cli::UserCommand::Add { name, role, email, display_name }) => {
            user_add(&cli.db, &name, &role, email, display_name).await
        }
        Command::User(cli::UserCommand::AppPassword { name, label }) => app_password(&cli.db, &name, &label).await,
        Command::Comments(command) => {
            let store = open_store(&cli.db).await?;
            let mailer = mailer(&config)?;
            let site = dateline_app::Site::resolve(store.as_ref(), config, "http://127.0.0.1:8080".into()).await?;
            let services = dateline_app::Services::new(store, mailer).await?;
            moderate::run(&services, &site, command).await
        }
    }
}

async fn user_add(db: &str, name: &str, role: &str, email: Option<String>, display_name: Option<String>) -> Result<(), Failure> {
    use std::io::{BufRead, IsTerminal};
    let role = dateline_core::Role::parse(role)
        .ok_or_else(|| usage(format!("--role {role:?} is not one of: {}", dateline_core::Role::expected())))?;
    let login = name.trim();
    if login.is_empty() || login.chars().any(|c| c.is_whitespace() || c.is_control()) || login.len() > 60 {
        return Err(usage(format!("{name:?} is not a usable login: use up to 60 characters without spaces")));
    }
    let piped = if std::io::stdin().is_terminal() {
        None
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Some(line.trim_end_matches(['\n', '\r']).to_string()).filter(|p| !p.is_empty())
    };
    if piped.as_ref().is_some_and(|p| p.chars().count() < 8) {
        return Err(usage("the password must be at least 8 characters long"));
    }
    let (password, generated) = match piped {
        Some(password) => (password, false),
        None => (dateline_app::passwords::new_app_password().replace(' ', ""), true),
    };
    let hash = dateline_app::passwords::hash_password(&password).map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    let store = open_store(db).await?;
    let user = dateline_core::accounts::NewUser {
        login: login.to_string(),
        display_name: display_name.unwrap_or_else(|| login.to_string()),
        email,
        role,
        password_hash: hash,
    };
    let created = match store.create_user(user).await {
        Err(dateline_core::StoreError::Conflict(message)) => return Err(usage(message)),
        other => other?,
    };
    println!("created {} ({}), id {}", created.login, created.role, created.id);
    if generated {
        println!("password: {password}");
        println!("(shown once: keep it somewhere safe)");
    }
    Ok(())
}

async fn app_password(db: &str, name: &str, label: &str) -> Result<(), Failure> {
    let store = open_store(db).await?;
    let (user, _) = store.user_credentials(name).await?.ok_or_else(|| usage(format!("there is no account {name:?}")))?;
    let password = dateline_app::passwords::new_app_password();
    // Spaces only group the characters for reading; they are not part of the password.
    let hash = dateline_app::passwords::hash_password(&password.replace(' ', "")).map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
    store.create_app_password(user.id, label, &hash).await?;
    println!("application password for {} ({label}): {password}", user.login);
    println!("(shown once: use it with HTTP Basic as {}:<password>)", user.login);
    Ok(())
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
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let address = listener.local_addr()?;
    let store = open_store(db).await?;
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
    let state = web_state(store.clone(), config, args.theme, format!("http://{address}")).await?;
    println!("Serving “{}” on http://{address}/ (store: {})", state.site().config.site.title, store.backend_name());
    tracing::info!(open_files, max_connections = limit.0, "connection limits");
    dateline_web::serve(listener, state, limit, shutdown_signal()).await?;
    Ok(())
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

async fn post_new(db: &str, config: dateline_core::Config, json: &std::path::Path) -> Result<(), Failure> {
    let text = settings::read_input(json).map_err(usage)?;
    let defaults = InputDefaults { author: settings::DEFAULT_AUTHOR.into(), now: jiff::Timestamp::now() };
    // Validate before touching the store: invalid input must not even create the database.
    let post = parse_post_json(&text, &defaults, &dateline_render::markdown_to_html)
        .map_err(|e| usage(format!("invalid post in {}: {e}", json.display())))?;
    let store = open_store(db).await?;
    let created = store.create_post(post).await?;
    let base = config.site.base_url.clone().unwrap_or_default();
    println!("{}\t{base}{}", created.id, dateline_app::permalinks::permalink(&config.time_zone(), &created));
    Ok(())
}
