//! Rust front-end: parses one file with syn and lowers every function body (methods,
//! trait default methods, closures and async blocks included) to txlint's IR.
//!
//! syn rejects a file with a syntax error as a whole. Such a file is then cut into its
//! items (and the members of its `impl`, `trait` and `mod` blocks) by a light token scan,
//! and each is parsed and lowered on its own: a broken item loses only itself, and the
//! line of its error becomes a syntax error of the file (see [`recover`]).

mod lower;
mod positions;
mod recover;
mod spans;

use std::cell::RefCell;

use txlint_ir::ir::FileIr;
use txlint_ir::parse_thread::{run_kept, KeptThread, Ran};
use txlint_ir::{Language, TextRange};

/// Stack of the thread that parses and lowers files. syn's parser and the drop of its
/// tree recurse once per nesting level; lowering itself is depth-bounded. The memory is
/// only reserved: pages are touched as deep as the file nests.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Parses and lowers one Rust source file.
///
/// The work runs on a parser thread the calling thread keeps: it has a stack deep enough
/// for syn's recursive parser. proc-macro2's thread-local source map, which records every
/// parsed file to resolve span positions, is emptied before each file (the IR keeps byte
/// offsets, never spans), so it holds one file at a time.
pub fn lower_file(source: &str) -> FileIr {
    thread_local! {
        static PARSER: KeptThread = const { RefCell::new(None) };
    }
    let owned = source.to_string();
    let job = move || {
        proc_macro2::extra::invalidate_current_thread_spans();
        lower::lower(&owned)
    };
    let ran = run_kept(&PARSER, ("txlint-rust", STACK_SIZE), job, None);
    match ran {
        Some(Ran::Done(ir)) => ir,
        Some(Ran::Panicked(_)) => unparsable(source),
        // No thread to be had: lower on the caller's stack.
        Some(Ran::TimedOut | Ran::Gone) | None => lower::lower(source),
    }
}

/// The IR of a file that could not be lowered: no functions, all of it a syntax error.
fn unparsable(source: &str) -> FileIr {
    let mut ir = FileIr::empty(Language::Rust);
    ir.syntax_errors
        .push(TextRange::from_usize(0..source.len()));
    ir
}

#[cfg(test)]
mod tests;
