//! The `dateline` binary: parses the command line and hands over to [`dateline::run`].

use std::process::ExitCode;

/// mimalloc (version 3) instead of glibc's allocator: glibc's `malloc`, `free` and their
/// consolidation were a sixth of a cold post page's time, and the page serves 28 % more
/// requests a second with mimalloc, its memory under overload well inside the bound
/// (docs/PERFORMANCE.md, stop 30). With the crate's `override` feature it also answers the C
/// code's `malloc` and `free`: SQLite's own allocations (a search's FTS5 lists, its sorters)
/// went through glibc's, 7 % of a search's time (stop 37).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = <dateline::cli::Cli as clap::Parser>::parse();
    dateline::run(cli)
}
