//! Python front-end: parses one file with tree-sitter-python and lowers the module's
//! top-level code (as the function `<module>`) and every function body (methods,
//! nested functions and lambdas included) to txlint's IR.
//!
//! Parsing never fails. tree-sitter recovers from syntax errors with ERROR and MISSING
//! nodes; their ranges go to [`FileIr::syntax_errors`] so rules stay quiet there, and
//! everything around them is lowered as usual.
//!
//! Python specifics the IR records: exception edges ([`Terminator::MayRaise`]) from
//! statements inside `try` bodies to a dispatch block that switches to the handlers,
//! `finally` bodies lowered twice (a normal copy and an abrupt copy that every
//! `return`, `raise`, uncaught exception, `break` and `continue` passes through),
//! `with` scope exits ([`Event::ScopeExit`]), decorators and keyword arguments.
//!
//! [`Terminator::MayRaise`]: txlint_ir::ir::Terminator::MayRaise
//! [`Event::ScopeExit`]: txlint_ir::ir::Event::ScopeExit

mod lower;

use txlint_ir::ir::{FileIr, ParseDeadline};
use txlint_ir::{Language, TextRange};

/// Parses and lowers one Python source file.
pub fn lower_file(source: &str) -> FileIr {
    lower_file_by(source, &ParseDeadline::for_len(source.len()))
}

/// [`lower_file`], the parser stopped at `deadline` (the file is then unparsable).
pub fn lower_file_by(source: &str, deadline: &ParseDeadline) -> FileIr {
    match lone_carriage_returns_as_newlines(source) {
        Some(normalized) => lower_normalized(&normalized, deadline),
        None => lower_normalized(source, deadline),
    }
}

/// Python ends a line at a carriage return alone (old Mac line endings), as at LF and
/// CRLF; tree-sitter-python reads it as a space, which runs the lines together. The file
/// is lowered from a copy where each lone CR is an LF: one byte for one, so every offset
/// still points into the original (whose line index counts a lone CR as a line break).
/// A CR inside a string literal becomes an LF in the value read from the copy.
fn lone_carriage_returns_as_newlines(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    let first = (0..bytes.len()).find(|&i| lone(i))?;
    let mut copy = bytes.to_vec();
    for (i, byte) in copy.iter_mut().enumerate().skip(first) {
        if lone(i) {
            *byte = b'\n';
        }
    }
    // Replacing one ASCII byte by another keeps the text UTF-8.
    String::from_utf8(copy).ok()
}

fn lower_normalized(source: &str, deadline: &ParseDeadline) -> FileIr {
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return unparsable(source);
    }
    match parse_within_budget(&mut parser, source, deadline) {
        Some(tree) => lower::lower(source, &tree),
        None => {
            let mut ir = unparsable(source);
            ir.parser_stopped = true;
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
    let mut ir = FileIr::empty(Language::Python);
    ir.syntax_errors
        .push(TextRange::from_usize(0..source.len()));
    ir
}

#[cfg(test)]
mod tests;

/// The imports of a file from its text alone, without parsing it: `import a.b` and
/// `from a import b, c` (also relative, also in parentheses), each as the dotted path of
/// what it names. For a file that is not worth parsing but whose imported modules may be
/// (the project index brings them in); a line this misreads only costs a file read.
pub fn scan_imports(source: &str) -> Vec<txlint_ir::ir::Import> {
    let mut imports = Vec::new();
    let mut push = |path: String| {
        if !path.is_empty()
            && path
                .bytes()
                .all(|b| b == b'.' || b == b'_' || b.is_ascii_alphanumeric())
        {
            imports.push(txlint_ir::ir::Import {
                path,
                alias: None,
                range: txlint_ir::TextRange::default(),
            });
        }
    };
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                let module = part.split_whitespace().next().unwrap_or("");
                push(module.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import ") else {
                continue;
            };
            let module = module.trim();
            let mut names = names.trim().to_string();
            if names.starts_with('(') && !names.contains(')') {
                for more in lines.by_ref() {
                    names.push_str(more);
                    if more.contains(')') {
                        break;
                    }
                }
            }
            let names = names.trim_matches(|c| c == '(' || c == ')');
            push(module.to_string());
            for name in names.split(',') {
                let name = name.split_whitespace().next().unwrap_or("");
                if name.is_empty() || name == "*" {
                    continue;
                }
                push(if module.ends_with('.') {
                    format!("{module}{name}")
                } else {
                    format!("{module}.{name}")
                });
            }
        }
    }
    imports
}
