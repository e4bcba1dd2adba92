//! The `dateline` binary: parses the command line and hands over to [`dateline::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <dateline::cli::Cli as clap::Parser>::parse();
    dateline::run(cli)
}
