//! The `txlint` binary: the only part of txlint that touches the file system, the
//! terminal and the command line.

mod baseline;
mod cache;
mod check;
mod cli;
mod config;
mod diff;
mod discover;
mod explain;
mod isolate;
mod listing;
mod memory;
mod path_map;
mod progress;
mod stats;
mod suppress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

// A run allocates and frees many small IR nodes from two threads; glibc's allocator spent
// about a quarter of a cold run's CPU on that (malloc, free, consolidation).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 clean, 1 findings, 2 usage or fatal error.
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    isolate::install_hook();
    let cli = Cli::parse();
    // A bug outside the per-file isolation (see `isolate`) still ends with one line and
    // exit code 2, never with Rust's panic report and 101.
    let result = isolate::catch(|| match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => explain::rules(&args),
        Command::Explain(args) => explain::explain(&args),
        Command::Config(args) => config::show::run(&args),
    });
    let result = match result {
        Ok(result) => result,
        Err(bug) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "txlint: error: internal error ({bug}); this is a bug in txlint: please report it at {}",
                isolate::ISSUES_URL
            );
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // `txlint rules | head`: a reader that stops early is not an error of ours.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "txlint: error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
