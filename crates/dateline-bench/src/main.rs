//! `dateline-bench`: measures the real `dateline` binary on generated workloads, the way a
//! user runs it, and prints the figures that docs/PERFORMANCE.md records. It drives the
//! program from the outside (its command line, HTTP, `/proc`), so it links none of
//! dateline's crates, except the extraction library that `clip` times in process.
//!
//! - `wxr-import`: generates a WXR export of 10,000 posts and 200,000 comments
//!   ([`generate`]), imports it into a fresh SQLite store with `dateline import wxr`, and
//!   checks the targets: under 30 s, under 300 MB peak.
//! - `serve`: the reading side against nginx serving the same bytes: hot pages, the page
//!   cache off, overload, freshness under writes, cold start, import time, memory (see
//!   [`serve`] for every step and target).
//! - `search`: readers' searches (`/?s=…`) at 16 connections with the page cache off, on SQLite
//!   and optionally PostgreSQL, and what the search index costs the import (see [`search`]).
//! - `clip`: article extraction (`dateline_clip::extract`) on the 1.1 MB Guardian page of the
//!   shared fixtures, N times: median and p99 milliseconds, p99 ≤ 50 ms (see [`clip`]).

mod clip;
mod dateline;
mod floor;
mod generate;
mod nginx;
mod options;
mod procs;
mod report;
mod search;
mod serve;
mod wrk;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use options::RunOptions;

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
        #[command(flatten)]
        run: RunOptions,
        /// Only these phases (repeatable: hot, cold, fresh); the import and the cold start
        /// are always measured. For trying one change on one phase: the full run takes minutes.
        #[arg(long, value_enum)]
        only: Vec<serve::Phase>,
    },
    /// Full-text search: seven kinds of search in turn at 16 connections, page cache off, on
    /// SQLite (p99 ≤15 ms) and, with --pg, PostgreSQL (recorded); the import's time and the
    /// store's size, against --baseline when given (≤1.30×). Prints one table, writes it to
    /// DIR/search-results.md, and exits non-zero if a target is missed.
    Search {
        #[command(flatten)]
        run: RunOptions,
        /// A dateline binary built before the search index: it imports the same export into a
        /// second SQLite store, and the time and size ratios are the index's cost.
        #[arg(long, value_name = "PATH")]
        baseline: Option<PathBuf>,
    },
    /// Article extraction on the 1.1 MB Guardian page of the shared fixtures, timed in process:
    /// prints the median and p99 milliseconds per extraction, and exits non-zero when p99 is
    /// over --max-ms (50; meant for a release build).
    Clip(clip::ClipOptions),
}

fn main() -> ExitCode {
    let Cli { bench } = Cli::parse();
    let outcome = match bench {
        Bench::WxrImport { posts, comments, dateline, dir, max_seconds, max_mib, db } => {
            wxr_import(posts, comments, dateline, dir, max_seconds, max_mib, db).map(|()| true)
        }
        Bench::Serve { run, only } => serve::run(run, &only),
        Bench::Search { run, baseline } => search::run(search::Options { run, baseline }),
        Bench::Clip(options) => clip::run(options),
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
