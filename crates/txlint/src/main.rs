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

/// tree-sitter allocates its parsers and trees with C's `malloc`, and glibc gives each
/// parsing thread an arena of its own that keeps freed pages resident: three 64 MiB arenas
/// of a cold run's peak RSS on the ecosystem trees, for about 12 MiB of live trees. Routed
/// to mimalloc, those pages are reused like the rest.
#[allow(unsafe_code)]
fn route_tree_sitter_allocations() {
    use std::ffi::c_void;
    unsafe extern "C" fn zeroed(count: usize, size: usize) -> *mut c_void {
        match count.checked_mul(size) {
            // SAFETY: mi_zalloc is C's calloc for a size that did not overflow.
            Some(bytes) => unsafe { libmimalloc_sys::mi_zalloc(bytes) },
            None => std::ptr::null_mut(),
        }
    }
    // SAFETY: called first thing in `main`, before any parser or tree exists (nothing
    // allocated by the old functions is freed by the new ones); the four are mimalloc's
    // thread-safe malloc, calloc, realloc and free, which accept frees from other threads.
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(zeroed),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
}

/// Exit codes: 0 clean, 1 findings, 2 usage or fatal error.
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    route_tree_sitter_allocations();
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
