//! Go front-end: parses one file with tree-sitter-go and lowers every function body
//! (methods and function literals included) to txlint's IR.
//!
//! Parsing never fails. tree-sitter recovers from syntax errors with ERROR and MISSING
//! nodes; their ranges go to [`FileIr::syntax_errors`] so rules stay quiet there, and
//! everything around them is lowered as usual.

mod lower;

use txlint_ir::ir::{FileIr, ParseDeadline};
use txlint_ir::{Language, TextRange};

/// Parses and lowers one Go source file.
pub fn lower_file(source: &str) -> FileIr {
    lower_file_by(source, &ParseDeadline::for_len(source.len()))
}

/// [`lower_file`], the parser stopped at `deadline` (the file is then unparsable).
pub fn lower_file_by(source: &str, deadline: &ParseDeadline) -> FileIr {
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .is_err()
    {
        return unparsable(source);
    }
    match parse_within_budget(&mut parser, source, deadline) {
        Some(tree) => lower::lower(source, &tree),
        None => {
            let mut ir = unparsable(source);
            ir.not_parsed = Some(txlint_ir::ir::NotParsed::OverBudget);
            ir
        }
    }
}

/// Parses `source`, or stops the parser when the file's parse budget is used up.
fn parse_within_budget(
    parser: &mut tree_sitter::Parser,
    source: &str,
    deadline: &ParseDeadline,
) -> Option<tree_sitter::Tree> {
    let mut stop = |_: &tree_sitter::ParseState| deadline.passed();
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut stop);
    let bytes = source.as_bytes();
    let mut read = |at: usize, _| bytes.get(at..).unwrap_or_default();
    parser.parse_with_options(&mut read, None, Some(options))
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
