//! The `dateline` binary: parses the command line and hands over to [`dateline::run`].

use std::process::ExitCode;

/// mimalloc (version 3) instead of glibc's allocator: glibc's `malloc`, `free` and their
/// consolidation were a sixth of a cold post page's time, and the page serves 28 % more
/// requests a second with mimalloc, its memory under overload well inside the bound
/// (docs/PERFORMANCE.md, stop 30).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = <dateline::cli::Cli as clap::Parser>::parse();
    dateline::run(cli)
}
