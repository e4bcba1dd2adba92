//! Opening a store from a URL: `sqlite:PATH` (created when missing, WAL mode) or
//! `postgres://…`. Each failure becomes one clear line for the person who typed the URL.

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database a store runs on; the few places where the dialects differ branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why a store could not be opened. The message is meant to be printed as is.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL {0:?}: use sqlite:PATH (for example sqlite:dateline.db) or postgres://USER@HOST/DB")]
    Scheme(String),
    #[error("cannot create the SQLite database {path}: directory {dir} does not exist")]
    MissingDirectory { path: String, dir: String },
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate the database {url}: {reason}")]
    Migrate { url: String, reason: String },
    #[error(
        "the database {url} cannot be written (a read-only file or disk) and its schema is older than this dateline's \
         (version {applied}, this dateline needs {expected}): open it once where it can be written, to migrate it"
    )]
    ReadOnlyBehind { url: String, applied: i64, expected: i64 },
}

/// How long a writer waits for its turn at the SQLite write gate of this process.
const WRITE_GATE_WAIT: Duration = Duration::from_secs(10);

/// A PostgreSQL connection idle this long is checked before it is used again (see `open`).
const RECHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// The store: a connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// SQLite allows one writer at a time; taking this before a write transaction queues
    /// writers in-process instead of failing them with "database is locked" when a deferred
    /// transaction tries to upgrade. PostgreSQL needs no such gate.
    pub(crate) write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How to open a connection of its own (the change watch keeps one outside the pool).
    pub(crate) connect_url: ConnectUrl,
    /// SQLite only: the directory uploaded files are kept in (`media/` beside the database
    /// unless [`SqlStore::with_media_dir`] says otherwise); created at the first upload.
    /// PostgreSQL keeps them in the database.
    pub(crate) media_dir: Option<std::sync::Arc<std::path::PathBuf>>,
    /// When set (`[media] storage = "s3"`), the bytes of uploads go to this bucket instead,
    /// on either backend: no media folder, no `media_blobs` rows.
    pub(crate) objects: Option<std::sync::Arc<dyn dateline_core::media::ObjectStore>>,
    /// The hashes this process's uploads are putting into the bucket and have not yet
    /// committed or given up, so a cleanup never deletes an object a row is about to name.
    pub(crate) objects_in_flight: crate::stores::media::InFlight,
    /// Connections kept out of the pool for single reads (see `readers`).
    pub(crate) readers: std::sync::Arc<crate::readers::Readers>,
    /// The listings' counts of posts, kept while the content version holds (see `kept_totals`).
    pub(crate) kept_totals: std::sync::Arc<crate::kept_totals::KeptTotals>,
}

/// A connection URL, which may hold a password: shown redacted when debug-printed.
#[derive(Clone)]
pub(crate) struct ConnectUrl(std::sync::Arc<str>);

impl ConnectUrl {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ConnectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// Hides the password of a URL for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The file a `sqlite:` URL names (`sqlite:blog.db`, `sqlite://blog.db?mode=rwc`), if it is one.
pub fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    Some(rest.split_once('?').map_or(rest, |(path, _)| path))
}

fn classify(url: &str) -> Result<Backend, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(OpenError::Scheme(redact(url)))
    }
}

/// For SQLite: checks the directory exists (sqlx's own error is only "unable to open
/// database file") and asks sqlx to create the file when missing.
fn prepare_sqlite_url(url: &str) -> Result<String, OpenError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(OpenError::Scheme(url.to_string()));
    }
    if path != ":memory:" {
        let dir = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(OpenError::MissingDirectory { path: path.to_string(), dir: dir.display().to_string() });
        }
    }
    let query = if query.split('&').any(|kv| kv.starts_with("mode=")) {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// A first connection that reads something: SQLite opens a file it may not write without
/// complaint and fails only at the first read (the WAL's side files cannot be made).
async fn probe(options: &AnyConnectOptions, backend: Backend) -> Result<sqlx::AnyConnection, sqlx::Error> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect_with(options).await?;
    if backend == Backend::Sqlite {
        conn.execute("SELECT COUNT(*) FROM sqlite_master").await?;
    }
    Ok(conn)
}

/// How long opening a SQLite store waits for another connection's write to end before it can
/// switch the file to WAL: as long as a statement waits for a lock (`busy_timeout` below).
const WAL_SWITCH_WAIT: Duration = Duration::from_secs(10);

/// Sets a SQLite file to WAL (a property of the file: set once, readers then never block the
/// writer). Switching needs the file to itself, and while another connection is writing to a
/// file still in rollback mode SQLite answers "database is locked" at once instead of waiting
/// its busy timeout. That is the moment several instances start together on a new file (one is
/// switching it as the others try): stop 47's CI lost an instance so. The switch is tried again
/// until the other write ends; a file already in WAL takes no lock.
async fn switch_to_wal(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let deadline = tokio::time::Instant::now() + WAL_SWITCH_WAIT;
    loop {
        match conn.execute("PRAGMA journal_mode = WAL").await {
            Err(err) if crate::error::is_busy_error(&err) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            done => return done.map(drop),
        }
    }
}

/// Whether a PostgreSQL session may not write: a standby in recovery says
/// `transaction_read_only = on`, as does a database or role set to
/// `default_transaction_read_only`.
async fn refuses_writes(conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
    let setting: String = sqlx::query_scalar("SELECT current_setting('transaction_read_only')").fetch_one(conn).await?;
    Ok(setting == "on")
}

/// The same SQLite URL, opened read-only and immutable (see [`SqlStore::open`]).
fn read_only_url(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let kept: Vec<&str> =
        query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("mode=") && !kv.starts_with("immutable=")).collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    format!("{path}?{query}mode=ro&immutable=1")
}

impl SqlStore {
    /// Connects, applies pending migrations and returns a ready store.
    pub async fn open(url: &str) -> Result<SqlStore, OpenError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = classify(url)?;
        let shown = redact(url);
        let connect_url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let connect_err = |e: sqlx::Error| OpenError::Connect { url: shown.clone(), reason: e.to_string() };
        let parse = |url: &str| url.parse::<AnyConnectOptions>().map(ConnectOptions::disable_statement_logging).map_err(connect_err);
        let mut options = parse(&connect_url)?;
        // One plain connection first: a refused or unreachable server is reported at once,
        // with the driver's own reason, instead of as a pool timeout ten seconds later.
        let mut read_only = false;
        let mut connect_url = connect_url;
        match probe(&options, backend).await {
            Ok(mut probe) => {
                // A PostgreSQL replica (a hot standby) or a database set to
                // `default_transaction_read_only`: served read-only, as a read-only SQLite disk.
                if backend == Backend::Postgres {
                    read_only = refuses_writes(&mut probe).await.map_err(connect_err)?;
                    if read_only {
                        tracing::warn!(url = %shown, "the database is read-only (a replica, or default_transaction_read_only): serving it read-only, every write is refused");
                    }
                }
                sqlx::Connection::close(probe).await.ok();
            }
            // An existing SQLite file on a read-only disk (or in a folder nobody may write):
            // SQLite cannot make the WAL's side files, so it cannot open the file for writing
            // or even for reading in WAL mode. Opened as immutable, it can be read: readers
            // keep reading, and every write is refused as "cannot write" (503), as on a full
            // disk. Immutable is true of a read-only disk; a file made writable again needs a
            // restart to be written.
            // (Not when the file is merely busy: another process holding it is no read-only disk.)
            Err(err)
                if backend == Backend::Sqlite
                    && !crate::error::is_busy_error(&err)
                    && sqlite_file(url).is_some_and(|path| Path::new(path).is_file()) =>
            {
                let immutable = read_only_url(&connect_url);
                let opened = match parse(&immutable) {
                    Ok(ro) => probe(&ro, backend).await.map(|probe| (ro, probe)),
                    Err(_) => Err(err),
                };
                let (ro, probe) = opened.map_err(connect_err)?;
                sqlx::Connection::close(probe).await.ok();
                tracing::warn!(url = %shown, "the store cannot be written (a read-only file or disk): serving it read-only, every write is refused");
                (options, connect_url, read_only) = (ro, immutable, true);
            }
            Err(err) => return Err(connect_err(err)),
        }

        let max_connections = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx checks every connection given back to the pool with a round trip (single
            // reads skip it: see `readers`); checking it again before each use made a third
            // round trip per statement (a tenth of a cold page's time on SQLite, more on
            // PostgreSQL). Only a PostgreSQL connection left idle
            // for a while is checked again (below): the server may have restarted, or a proxy
            // dropped it, since. A SQLite connection cannot go away by itself.
            .test_before_acquire(false)
            // A connection left inside a transaction is not handed out again. SQLite rolls a
            // transaction back by itself on some errors (a full disk: SQLITE_FULL); sqlx's own
            // ROLLBACK then fails ("no transaction is active") and its count of open
            // transactions stays at one, so every later `BEGIN` on that connection failed with
            // "begin_with at non-zero transaction depth" until the server restarted. Such a
            // connection is closed instead, and the pool opens a fresh one.
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if sqlx::Connection::is_in_transaction(conn) {
                        return Ok(false);
                    }
                    if backend == Backend::Postgres && meta.idle_for >= RECHECK_IDLE_AFTER {
                        return Ok(sqlx::Connection::ping(conn).await.is_ok());
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: foreign keys are off by default in SQLite, and a
                        // busy wait beats an immediate "database is locked". Statement journals
                        // in memory: inside an import's one long transaction every statement
                        // wrote its own journal to a temporary file, about eighteen writes
                        // per imported comment.
                        conn.execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_err)?;

        let media_dir = match backend {
            Backend::Sqlite => sqlite_file(url)
                .filter(|path| *path != ":memory:")
                .map(|path| std::sync::Arc::new(Path::new(path).parent().unwrap_or(Path::new("")).join("media"))),
            Backend::Postgres => None,
        };
        let store = SqlStore {
            pool,
            backend,
            write_gate: Default::default(),
            connect_url: ConnectUrl(connect_url.into()),
            media_dir,
            objects: None,
            objects_in_flight: Default::default(),
            // Reads keep up to three quarters of the connections; writes and transactions
            // always find the rest in the pool.
            readers: std::sync::Arc::new(crate::readers::Readers::new(
                max_connections as usize * 3 / 4,
                (backend == Backend::Postgres).then_some(RECHECK_IDLE_AFTER),
            )),
            kept_totals: Default::default(),
        };
        if read_only {
            let versions = dateline_core::Store::schema_versions(&store)
                .await
                .map_err(|e| OpenError::Migrate { url: shown.clone(), reason: e.to_string() })?;
            if versions.applied != versions.expected {
                return Err(OpenError::ReadOnlyBehind { url: shown, applied: versions.applied, expected: versions.expected });
            }
            return Ok(store);
        }
        let mut conn = store.pool.acquire().await.map_err(connect_err)?;
        if backend == Backend::Sqlite {
            switch_to_wal(conn.as_mut()).await.map_err(connect_err)?;
        }
        crate::migrate::run(conn.as_mut(), backend).await.map_err(|e| OpenError::Migrate { url: shown.clone(), reason: e.to_string() })?;
        drop(conn);
        Ok(store)
    }

    /// Keeps SQLite's uploaded files in `dir` instead of `media/` beside the database (no
    /// effect on PostgreSQL, which keeps them in the database).
    pub fn with_media_dir(mut self, dir: std::path::PathBuf) -> SqlStore {
        if self.backend == Backend::Sqlite && self.objects.is_none() {
            self.media_dir = Some(std::sync::Arc::new(dir));
        }
        self
    }

    /// Keeps the bytes of uploads in this object store (a bucket) instead of the media folder
    /// or the database, on either backend.
    pub fn with_objects(mut self, objects: std::sync::Arc<dyn dateline_core::media::ObjectStore>) -> SqlStore {
        self.media_dir = None;
        self.objects = Some(objects);
        self
    }

    /// Where SQLite keeps uploaded files (`None` on PostgreSQL and with a bucket).
    pub fn media_dir(&self) -> Option<&Path> {
        self.media_dir.as_deref().map(|p| p.as_path())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Reads one SQLite pragma or PostgreSQL setting, for tests that assert the setup.
    pub async fn pragma(&self, name: &str) -> Result<String, sqlx::Error> {
        let allowed = ["journal_mode", "foreign_keys", "busy_timeout"];
        if !allowed.contains(&name) || self.backend != Backend::Sqlite {
            return Err(sqlx::Error::Protocol(format!("pragma {name} is not readable here")));
        }
        let row: (String,) = sqlx::query_as(&format!("SELECT CAST({name} AS TEXT) FROM pragma_{name}")).fetch_one(&self.pool).await?;
        Ok(row.0)
    }

    /// Closes every pooled connection (tests drop their schema afterwards).
    pub async fn close(&self) {
        // Closed first, so the kept connections are closed as they come back, not pinged.
        let closing = self.pool.close();
        self.readers.release_all();
        closing.await;
    }

    /// Begins a write transaction, behind the SQLite write gate when there is one.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(Option<tokio::sync::MutexGuard<'_, ()>>, sqlx::Transaction<'static, sqlx::Any>), sqlx::Error> {
        let guard = match self.backend {
            // Bounded: while another process holds the database (an import), each writer here
            // waits its busy timeout in turn; those queued behind it give up too rather than
            // wait a multiple of it (the caller answers "busy, try again").
            Backend::Sqlite => {
                Some(tokio::time::timeout(WRITE_GATE_WAIT, self.write_gate.lock()).await.map_err(|_| sqlx::Error::PoolTimedOut)?)
            }
            Backend::Postgres => None,
        };
        Ok((guard, self.begin_writing().await?))
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads first and writes later cannot wait for another
    /// process's lock (SQLite answers "database is locked" at once to avoid a deadlock), while
    /// one that asks first waits its turn (the busy timeout). That matters when a command such
    /// as `dateline import` or a second server shares the file with a running one.
    pub(crate) async fn begin_writing(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:x.db"), "sqlite:x.db");
    }

    #[test]
    fn read_only_urls_keep_other_parameters() {
        assert_eq!(read_only_url("sqlite://a.db?mode=rwc"), "sqlite://a.db?mode=ro&immutable=1");
        assert_eq!(read_only_url("sqlite:///srv/a.db?cache=shared&mode=rwc"), "sqlite:///srv/a.db?cache=shared&mode=ro&immutable=1");
    }

    /// The build settings in `.cargo/config.toml` reached the bundled SQLite: memory statistics
    /// off, and a page cache per connection (no process-wide mutex on either). A build that
    /// lost them would still work, several times slower under load (docs/PERFORMANCE.md).
    #[tokio::test]
    async fn sqlite_is_built_without_process_wide_mutexes() {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect("sqlite::memory:").await.expect("sqlite");
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&mut conn).await.expect("options");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
    }

    #[test]
    fn sqlite_urls_create_when_missing() {
        assert_eq!(prepare_sqlite_url("sqlite:x.db").expect("ok"), "sqlite://x.db?mode=rwc");
        assert_eq!(prepare_sqlite_url("sqlite:x.db?mode=ro").expect("ok"), "sqlite://x.db?mode=ro");
        assert!(matches!(prepare_sqlite_url("sqlite:/no/such/dir/x.db"), Err(OpenError::MissingDirectory { .. })));
        assert!(matches!(classify("mysql://x"), Err(OpenError::Scheme(_))));
    }
}
