//! `dateline-bench`: measures the real `dateline` binary on generated workloads, the way a
//! user runs it, and prints the figures that docs/PERFORMANCE.md records. It drives the
//! program from the outside (its command line, HTTP, `/proc`), so it links none of
//! dateline's crates.
//!
//! - `wxr-import`: generates a WXR export of 10,000 posts and 200,000 comments
//!   ([`generate`]), imports it into a fresh SQLite store with `dateline import wxr`, and
//!   checks the targets: under 30 s, under 300 MB peak.
//! - `serve`: the reading side against nginx serving the same bytes: hot pages, the page
//!   cache off, overload, freshness under writes, cold start, import time, memory (see
//!   [`serve`] for every step and target).

mod dateline;
mod generate;
mod nginx;
mod procs;
mod report;
mod serve;
mod wrk;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "dateline-bench", about = "Measure dateline on generated workloads")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Import a generated WordPress export into a fresh SQLite store.
    WxrImport {
        #[arg(long, default_value_t = 10_000)]
        posts: usize,
        #[arg(long, default_value_t = 200_000)]
        comments: usize,
        /// The dateline binary to measure (default: the one beside this one).
        #[arg(long)]
        dateline: Option<PathBuf>,
        /// Where to put the generated file and the store (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Time limit in seconds; exceeding it fails the run.
        #[arg(long, default_value_t = 30.0)]
        max_seconds: f64,
        /// Peak memory limit in MiB; exceeding it fails the run.
        #[arg(long, default_value_t = 300.0)]
        max_mib: f64,
        /// Import into this store instead of a fresh SQLite file (it should be empty), e.g.
        /// postgres://postgres@127.0.0.1/bench.
        #[arg(long)]
        db: Option<String>,
    },
    /// Serve a generated blog and measure it against nginx serving the same bytes: hot pages,
    /// cache off, overload, freshness while comments are approved, cold start, import, memory.
    /// Prints one table, writes it to DIR/results.md, and exits non-zero if a target is missed.
    Serve {
        /// For developing the harness: 1,000 posts / 20,000 comments and 2 s runs.
        #[arg(long)]
        quick: bool,
        /// Posts to generate (default 10,000; 1,000 with --quick).
        #[arg(long)]
        posts: Option<usize>,
        /// Approved comments to generate (default 200,000; 20,000 with --quick).
        #[arg(long)]
        comments: Option<usize>,
        /// Seconds per wrk run (default 5; 2 with --quick). Overload and fresh runs take twice this.
        #[arg(long)]
        duration: Option<f64>,
        /// The dateline binary to measure (default: the one beside this one).
        #[arg(long)]
        dateline: Option<PathBuf>,
        /// Working directory: export, store, logs, nginx files, results.md
        /// (default: $TMPDIR/dateline-bench-serve; emptied of an earlier run's store first).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Use PostgreSQL: a server URL such as postgres://postgres@127.0.0.1:5432/postgres;
        /// the harness drops and creates the database dateline_bench there and serves from it.
        #[arg(long, alias = "db", value_name = "URL")]
        pg: Option<String>,
    },
}

fn main() -> ExitCode {
    let Cli { bench } = Cli::parse();
    let outcome = match bench {
        Bench::WxrImport { posts, comments, dateline, dir, max_seconds, max_mib, db } => {
            wxr_import(posts, comments, dateline, dir, max_seconds, max_mib, db).map(|()| true)
        }
        Bench::Serve { quick, posts, comments, duration, dateline, dir, pg } => {
            serve::run(serve::Options { quick, posts, comments, duration, dateline, dir, pg })
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("dateline-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn wxr_import(
    posts: usize,
    comments: usize,
    dateline: Option<PathBuf>,
    dir: Option<PathBuf>,
    max_seconds: f64,
    max_mib: f64,
    store: Option<String>,
) -> anyhow::Result<()> {
    let binary = dateline::binary(dateline)?;
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("dateline-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("bench.xml");
    let db = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let started = Instant::now();
    let bytes = generate::generate(&file, generate::Workload { posts, comments, pending: 0 })?;
    println!(
        "generated {} ({:.1} MB, {posts} posts, {comments} comments) in {:.1} s",
        file.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let store = store.unwrap_or_else(|| format!("sqlite:{}", db.display()));
    let dateline = dateline::Dateline { binary, db: store.clone(), dir: dir.clone() };
    let (took, stdout) = dateline.import(&file)?;
    let seconds = took.as_secs_f64();
    print!("{stdout}");
    let peak: f64 = stdout
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("the import did not report its peak memory")?;
    let verdict = |ok: bool| if ok { "ok" } else { "OVER" };
    let backend = store.split(':').next().unwrap_or("?");
    println!(
        "wxr-import into {backend}: {posts} posts, {comments} comments: {seconds:.1} s wall ({}, limit {max_seconds} s), peak {peak:.0} MiB ({}, limit {max_mib} MiB)",
        verdict(seconds < max_seconds),
        verdict(peak < max_mib)
    );
    let _ = std::fs::remove_dir_all(&dir);
    if seconds >= max_seconds || peak >= max_mib {
        bail!("over the target");
    }
    Ok(())
}
