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

use txlint_ir::ir::FileIr;
use txlint_ir::{Language, TextRange};

/// Stack of the thread that parses and lowers one file. syn's parser and the drop of its
/// tree recurse once per nesting level; lowering itself is depth-bounded. The memory is
/// only reserved: pages are touched as deep as the file nests.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Parses and lowers one Rust source file.
///
/// The work runs on a thread of its own: it gets a stack deep enough for syn's recursive
/// parser, and proc-macro2's thread-local source map (which records every parsed file to
/// resolve span positions, and is never cleared) is freed with the thread.
pub fn lower_file(source: &str) -> FileIr {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("txlint-rust".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || lower::lower(source));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| unparsable(source)),
            // No thread available: lower on the caller's stack.
            Err(_) => lower::lower(source),
        }
    })
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
