//! Go front-end: parses one file with tree-sitter-go and lowers every function body
//! (methods and function literals included) to txlint's IR.
//!
//! Parsing never fails. tree-sitter recovers from syntax errors with ERROR and MISSING
//! nodes; their ranges go to [`FileIr::syntax_errors`] so rules stay quiet there, and
//! everything around them is lowered as usual.

mod lower;

use txlint_ir::ir::FileIr;
use txlint_ir::{Language, TextRange};

/// Parses and lowers one Go source file.
pub fn lower_file(source: &str) -> FileIr {
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .is_err()
    {
        return unparsable(source);
    }
    match parser.parse(source, None) {
        Some(tree) => lower::lower(source, &tree),
        None => unparsable(source),
    }
}

/// The IR of a file the parser gave up on: no functions, all of it a syntax error.
fn unparsable(source: &str) -> FileIr {
    let mut ir = FileIr::empty(Language::Go);
    ir.syntax_errors
        .push(TextRange::from_usize(0..source.len()));
    ir
}

#[cfg(test)]
mod tests;
