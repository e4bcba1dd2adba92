//! What `serve` and `search` are both told: how big a blog to generate, how long each load
//! runs, which binary, where to work, and PostgreSQL; and the defaults each falls back on.

use std::path::PathBuf;
use std::time::Duration;

use crate::generate::Workload;

#[derive(Debug, Clone, clap::Args)]
pub struct RunOptions {
    /// For developing the harness: 1,000 posts / 20,000 comments and 2 s runs.
    #[arg(long)]
    pub quick: bool,
    /// Posts to generate (default 10,000; 1,000 with --quick).
    #[arg(long)]
    pub posts: Option<usize>,
    /// Approved comments to generate (default 200,000; 20,000 with --quick).
    #[arg(long)]
    pub comments: Option<usize>,
    /// Seconds per wrk run (default 5; 2 with --quick).
    #[arg(long)]
    pub duration: Option<f64>,
    /// The dateline binary to measure (default: the one beside this one).
    #[arg(long)]
    pub dateline: Option<PathBuf>,
    /// Working directory: the export, the stores, the logs and the results (default:
    /// $TMPDIR/dateline-bench-serve or -search; an earlier run's stores are removed first).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// PostgreSQL: a server URL such as postgres://postgres@127.0.0.1:5432/postgres; the
    /// harness drops and creates its own database there (serve: instead of SQLite; search:
    /// after it).
    #[arg(long, alias = "db", value_name = "URL")]
    pub pg: Option<String>,
}

impl RunOptions {
    /// The blog to generate, with `pending` held comments.
    pub fn workload(&self, pending: usize) -> Workload {
        Workload {
            posts: self.posts.unwrap_or(if self.quick { 1_000 } else { 10_000 }),
            comments: self.comments.unwrap_or(if self.quick { 20_000 } else { 200_000 }),
            pending,
        }
    }

    /// How long each load runs (at least a second).
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration.unwrap_or(if self.quick { 2.0 } else { 5.0 }).max(1.0))
    }

    /// The working directory of the subcommand `command`.
    pub fn dir(&self, command: &str) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("dateline-bench-{command}")))
    }
}
