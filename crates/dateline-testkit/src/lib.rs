//! Test support shared by the store, web and binary test suites: a fresh, empty, migrated
//! store per test, on SQLite (a temporary file) or PostgreSQL (a random schema dropped
//! afterwards), and [`store_cases!`], which turns each async case into one test per backend.
//!
//! PostgreSQL is found through `DATELINE_TEST_PG_URL`. Without it the PostgreSQL cases say
//! so and pass, except when `DATELINE_REQUIRE_PG=1` (as CI sets), where they fail.

pub mod smtp;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dateline_core::Store;
use dateline_store::SqlStore;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this or a parallel process) is using.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A store that exists for one test; dropping it removes the file or schema.
pub struct TestStore {
    pub store: Arc<SqlStore>,
    /// The URL the store was opened with (for starting a server on the same data).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Schema { admin_url: String, schema: String },
}

impl TestStore {
    /// The store as the trait object the application uses.
    pub fn dyn_store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// A connection of its own to the same database, as another process would have.
    pub async fn side_connection(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url).await.unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }

    /// Runs SQL on a side connection (to set up data no door would write, such as a damaged
    /// import's reply loop).
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.side_connection().await;
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// From now on, inserting a comment whose text contains `marker` fails inside its
    /// transaction the way a full disk does: on SQLite the database rolls the whole
    /// transaction back itself (`RAISE(ROLLBACK)`, as with SQLITE_FULL); on PostgreSQL the
    /// statement fails and aborts the transaction.
    pub async fn fail_comment_inserts_containing(&self, marker: &str) {
        let marker = marker.replace('\'', "''");
        let sql = if self.url.starts_with("sqlite:") {
            format!(
                "CREATE TRIGGER simulated_failure BEFORE INSERT ON comments WHEN instr(NEW.body, '{marker}') > 0 \
                 BEGIN SELECT RAISE(ROLLBACK, 'simulated: database or disk is full'); END;"
            )
        } else {
            format!(
                "CREATE FUNCTION simulated_failure() RETURNS trigger AS $$ BEGIN \
                 IF position('{marker}' in NEW.body) > 0 THEN RAISE EXCEPTION 'simulated: could not extend file: No space left on device'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER simulated_failure BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION simulated_failure();"
            )
        };
        self.execute(&sql).await;
    }

    /// PostgreSQL: ends every session of this store on the server (as a restart of the server
    /// or a proxy's timeout would), leaving other tests' sessions alone.
    pub async fn end_server_sessions(&self) {
        let Cleanup::Schema { schema, .. } = &self.cleanup else { panic!("only a PostgreSQL store has server sessions") };
        self.execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{schema}' AND pid <> pg_backend_pid()"
        ))
        .await;
    }

    /// Takes SQLite's write lock from another connection (as `dateline import` in another
    /// process does) and holds it until the returned connection is dropped.
    pub async fn hold_write_lock(&self) -> sqlx::AnyConnection {
        let mut conn = self.side_connection().await;
        sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap_or_else(|e| panic!("take the write lock: {e}"));
        conn
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                let (admin_url, schema, store) = (admin_url.clone(), schema.clone(), self.store.clone());
                // Drop runs inside the test's runtime; a thread with its own runtime can block.
                let _ = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                    runtime.block_on(async move {
                        store.close().await;
                        if let Ok(pool) = sqlx::AnyPool::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The PostgreSQL server for tests, or `None` (after saying why) when there is none.
pub fn pg_url() -> Option<String> {
    match std::env::var("DATELINE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("DATELINE_REQUIRE_PG").as_deref() != Ok("1"),
                "DATELINE_REQUIRE_PG=1 but DATELINE_TEST_PG_URL is not set: the PostgreSQL suite must run"
            );
            eprintln!("skipping PostgreSQL case: set DATELINE_TEST_PG_URL=postgres://… to run it");
            None
        }
    }
}

/// A fresh SQLite store in a temporary folder of its own (so that its `media/` folder, beside
/// the database, is its own too).
pub async fn fresh_sqlite() -> TestStore {
    let dir = std::env::temp_dir().join(unique_name("dateline_test"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let path = dir.join("dateline.db");
    let url = format!("sqlite:{}", path.display());
    let store = SqlStore::open(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    TestStore { store: Arc::new(store), url, cleanup: Cleanup::Dir(dir) }
}

/// A fresh PostgreSQL store in its own schema, or `None` when no server is configured.
pub async fn fresh_postgres() -> Option<TestStore> {
    let admin_url = pg_url()?;
    sqlx::any::install_default_drivers();
    let schema = unique_name("dl");
    let pool = sqlx::AnyPool::connect(&admin_url).await.unwrap_or_else(|e| panic!("connect to {admin_url}: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&pool).await.unwrap_or_else(|e| panic!("create schema: {e}"));
    pool.close().await;
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    // Its sessions carry the schema's name, so a test can end its own and no one else's.
    // (`options` stays last: tests append settings to it.)
    let url = format!("{admin_url}{separator}application_name={schema}&options=-c%20search_path%3D{schema}");
    let store = SqlStore::open(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    Some(TestStore { store: Arc::new(store), url, cleanup: Cleanup::Schema { admin_url, schema } })
}

/// A fresh store on `db`; `None` only for PostgreSQL when it is not configured.
pub async fn fresh(db: Db) -> Option<TestStore> {
    match db {
        Db::Sqlite => Some(fresh_sqlite().await),
        Db::Postgres => fresh_postgres().await,
    }
}

/// Makes one `#[tokio::test]` per case and backend: `store_cases!(path::to::cases: a, b, c);`
/// expands to modules `sqlite` and `postgres`, each with tests `a`, `b`, `c` that call
/// `path::to::cases::a(Db::…)`. A case receives the backend and builds what it needs.
#[macro_export]
macro_rules! store_cases {
    ($cases:path : $($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    use $cases as cases;
                    cases::$case($crate::Db::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    use $cases as cases;
                    cases::$case($crate::Db::Postgres).await;
                }
            )+
        }
    };
}

/// A reader's comment from `name` at `email` saying `body` (Markdown), with `status`, written
/// on 2024-05-02: test data for stores and servers alike.
pub fn reader_comment(name: &str, email: &str, body: &str, status: dateline_core::CommentStatus) -> dateline_core::NewComment {
    dateline_core::NewComment {
        kind: dateline_core::CommentKind::Comment,
        author_name: Some(name.into()),
        author_email: Some(email.into()),
        author_url: None,
        author_ip: Some("192.0.2.1".into()),
        user_agent: None,
        body: body.into(),
        body_format: dateline_core::BodyFormat::Markdown,
        status,
        created_at: "2024-05-02T00:00:00Z".parse().expect("a fixed time"),
        moderation_reason: None,
        spam_score: None,
        notify: false,
        user_id: None,
        parent_index: None,
    }
}

/// The shared fixtures folder (`../shared/fixtures` beside the repository), if this checkout
/// has it. Without it, `suite` says on standard error that it skipped, and the caller returns;
/// under CI (`CI=true`), where the fixtures must be there, it fails instead of skipping.
pub fn fixtures(suite: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{suite}: ../shared/fixtures is missing, and CI never skips a suite");
    // Written past the test harness's capture, so the run says what it did not test.
    let _ = writeln!(std::io::stderr(), "skipped: {suite} (it needs ../shared/fixtures, which this checkout does not have)");
    None
}
