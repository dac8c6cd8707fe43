//! Bugs of txlint stay with the file that triggered them.
//!
//! Every stage that works on one file (reading, the suppression scan, parsing,
//! lowering, the rules, applying suppressions, rendering and fingerprinting its
//! findings) runs inside [`catch`]: a panic there becomes an error notification for
//! that file and the other files are still reported. `main` guards the rest of the run
//! the same way, so that a panic never ends the process with Rust's exit code 101.
//!
//! The panic hook installed by [`install_hook`] keeps the panic's message and place for
//! the code that catches it instead of printing Rust's multi-line panic report: the
//! user sees one line naming the file. With `RUST_BACKTRACE` set, Rust's report (and
//! backtrace) is printed too, for whoever debugs txlint.

use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

/// Where bugs are reported.
pub const ISSUES_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/issues");

/// Longest panic description kept in a notification.
const MAX_DESCRIPTION: usize = 300;

thread_local! {
    /// The last panic of this thread, as the hook saw it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A caught panic: its message and, when known, where it happened, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bug(String);

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Bug {
    /// The message of a notification about a file whose checking hit this bug:
    /// `doing` says what was done and what is missing because of it.
    pub fn file_message(&self, doing: &str) -> String {
        format!(
            "internal error while {doing} ({self}); this is a bug in txlint: please report it at {ISSUES_URL}, with the file if you can"
        )
    }
}

/// Replaces the default panic hook (see the module documentation). Call once, first.
pub fn install_hook() {
    let default = panic::take_hook();
    let verbose = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| !v.is_empty() && v != "0");
    panic::set_hook(Box::new(move |info| {
        let message = payload_message(info.payload());
        let described = match info.location() {
            Some(at) => format!(
                "panicked at {}:{}:{}: {message}",
                at.file(),
                at.line(),
                at.column()
            ),
            None => format!("panicked: {message}"),
        };
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(described));
        if verbose {
            default(info);
        }
    }));
}

/// Runs `work`; a panic in it is returned as a [`Bug`] instead of unwinding further.
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, Bug> {
    LAST_PANIC.with(|last| last.borrow_mut().take());
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let described = LAST_PANIC
            .with(|last| last.borrow_mut().take())
            // Raised on another thread (a rayon worker) and carried here: its message
            // travels with the payload, its place does not.
            .unwrap_or_else(|| format!("panicked: {}", payload_message(&*payload)));
        Bug(one_line(&described))
    })
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "no message".to_string()
    }
}

/// Multi-line messages (`assert_eq!`) on one line, and not too long.
fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    match joined.char_indices().nth(MAX_DESCRIPTION) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// A place where tests make txlint panic on purpose, to show that every per-file stage
/// is isolated: with `TXLINT_TEST_PANIC=<stage>:<file name>` in the environment, a
/// debug build panics when it reaches `stage` for that file. Release builds never do.
pub fn fault_point(stage: &str, path: &std::path::Path) {
    if injected("TXLINT_TEST_PANIC", stage, path) {
        panic!("injected failure in stage `{stage}` (TXLINT_TEST_PANIC)");
    }
}

/// Whether a debug build's environment asks for a test fault at `stage` for this file:
/// `<variable>=<stage>:<file name>`. Release builds never inject one.
pub fn injected(variable: &str, stage: &str, path: &std::path::Path) -> bool {
    if !cfg!(debug_assertions) {
        return false;
    }
    let Some(spec) = std::env::var_os(variable) else {
        return false;
    };
    let Some((wanted_stage, wanted_file)) = spec.to_str().and_then(|s| s.split_once(':')) else {
        return false;
    };
    let file_name = path.file_name().and_then(|n| n.to_str());
    wanted_stage == stage && file_name == Some(wanted_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The hook is process-wide: installing it here would hide the messages of other
    // tests' failures, so the end-to-end tests cover it (tests/cli.rs).
    #[test]
    fn a_panic_is_caught_with_its_message() {
        let bug = catch(|| -> u8 { panic!("first line\n  second line") }).unwrap_err();
        let text = bug.to_string();
        assert!(text.starts_with("panicked"), "{text}");
        assert!(text.ends_with("first line; second line"), "{text}");
        assert_eq!(catch(|| 7).unwrap(), 7);
        let message = bug.file_message("checking this file, so it was not checked");
        assert!(message.contains("internal error while checking this file, so"));
        assert!(message.contains("/issues"), "{message}");
    }

    #[test]
    fn long_descriptions_are_cut() {
        let long = "é".repeat(MAX_DESCRIPTION * 2);
        assert_eq!(one_line(&long).chars().count(), MAX_DESCRIPTION + 1);
    }
}
