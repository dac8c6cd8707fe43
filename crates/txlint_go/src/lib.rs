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
        Some(tree) => {
            let tree = reparsed_with_new_of_values(&mut parser, source, deadline, tree);
            lower::lower(source, &tree)
        }
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

/// Go 1.26 lets `new` take a value (`new(int64(42))`, `new(time.Now())`), which
/// tree-sitter-go 0.25 only parses with a type: each such call is a syntax error, and the
/// function around it is left unchecked. When the file does not parse, it is parsed again
/// with the name of each `new` whose argument is not written as a type changed to another
/// of the same length, so that the call is read as an ordinary one; the new tree is kept
/// if it has fewer errors. Offsets are unchanged, and the IR is lowered from the original
/// text, so the call is still named `new`.
fn reparsed_with_new_of_values(
    parser: &mut tree_sitter::Parser,
    source: &str,
    deadline: &ParseDeadline,
    tree: tree_sitter::Tree,
) -> tree_sitter::Tree {
    if !tree.root_node().has_error() {
        return tree;
    }
    let Some(rewritten) = new_calls_renamed(source) else {
        return tree;
    };
    match parse_within_budget(parser, &rewritten, deadline) {
        Some(again) if error_count(&again) < error_count(&tree) => again,
        _ => tree,
    }
}

/// `source` with every `new(` whose argument is a value renamed `nEw(`: one that does not
/// start like a type literal, or a slice or map composite literal (`new([]string{"a"})`);
/// `None` when there is none.
fn new_calls_renamed(source: &str) -> Option<String> {
    const TYPE_STARTS: [&str; 7] = ["[", "map[", "chan", "<-", "struct", "func", "interface"];
    let bytes = source.as_bytes();
    let mut renamed = bytes.to_vec();
    let mut any = false;
    for (at, _) in source.match_indices("new(") {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
            continue;
        }
        let argument = source[at + 4..].trim_start();
        let literal = (argument.starts_with('[') || argument.starts_with("map["))
            && is_composite_literal(argument);
        if !literal && TYPE_STARTS.iter().any(|start| argument.starts_with(start)) {
            continue;
        }
        renamed[at + 1] = b'E';
        any = true;
    }
    // One ASCII letter for another keeps the text UTF-8.
    any.then(|| String::from_utf8(renamed).ok()).flatten()
}

/// Whether the argument text of a `new(` that starts like a slice, array or map type goes
/// on into a composite literal: a `{` outside brackets and parentheses, before the call's
/// `)`, that does not open the fields of a `struct` or the methods of an `interface`.
fn is_composite_literal(argument: &str) -> bool {
    let mut depth = 0usize;
    let mut skipping = 0usize;
    for (at, byte) in argument.bytes().enumerate() {
        match byte {
            b'(' | b'[' => depth += 1,
            b')' | b']' if depth == 0 => return false,
            b')' | b']' => depth -= 1,
            b'{' if skipping > 0 => skipping += 1,
            b'{' if depth == 0 => {
                let head = argument[..at].trim_end();
                if !(head.ends_with("struct") || head.ends_with("interface")) {
                    return true;
                }
                skipping = 1;
            }
            b'}' if skipping > 0 => skipping -= 1,
            _ => {}
        }
    }
    false
}

/// How many ERROR and MISSING nodes a tree has.
fn error_count(tree: &tree_sitter::Tree) -> usize {
    let mut count = 0;
    let mut cursor = tree.walk();
    let mut descended = true;
    loop {
        let node = cursor.node();
        if descended && (node.is_error() || node.is_missing()) {
            count += 1;
        }
        if descended && node.has_error() && cursor.goto_first_child() {
            continue;
        }
        if cursor.goto_next_sibling() {
            descended = true;
            continue;
        }
        if !cursor.goto_parent() {
            return count;
        }
        descended = false;
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
