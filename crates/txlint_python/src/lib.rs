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

use std::cell::RefCell;

use txlint_ir::ir::{FileIr, NotParsed, ParseDeadline};
use txlint_ir::parse_thread::{run_kept, KeptThread, Ran};
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
    if let Some(widths) = unparsable_indentation(source) {
        let mut ir = unparsable(source);
        ir.not_parsed = Some(NotParsed::TooManyIndentationLevels { widths });
        return ir;
    }
    match parse_watched(source, deadline) {
        Some(tree) => lower::lower(source, &tree),
        None => {
            let mut ir = unparsable(source);
            ir.not_parsed = Some(NotParsed::OverBudget);
            ir
        }
    }
}

/// How many parses [`parse_watched`] gave up on are still running: their threads end
/// when tree-sitter returns (a fuzzer waits for them rather than pile them up).
pub fn abandoned_parses() -> usize {
    txlint_ir::parse_thread::abandoned_jobs()
}

/// Stack of the parser thread: tree-sitter parses with a heap-allocated stack of its own.
const PARSE_STACK: usize = 2 * 1024 * 1024;

/// Parses `source` on a parser thread the calling thread keeps and waits for it until
/// the deadline, and as long again: tree-sitter-python's recovery at the end of some
/// broken inputs runs where the progress callback that enforces the budget is never called
/// (thousands of `/* ` lines after an open block: seconds and gigabytes in
/// `ts_parser__accept`). Such a parse is given up on, and its thread left to finish on its
/// own (the next parse starts a new one): the file is reported as not checked, and the run
/// goes on. Real code parses in a twentieth of its budget.
fn parse_watched(source: &str, deadline: &ParseDeadline) -> Option<tree_sitter::Tree> {
    thread_local! {
        static PARSER: KeptThread = const { RefCell::new(None) };
    }
    let text: std::sync::Arc<str> = std::sync::Arc::from(source);
    let budget = *deadline;
    let wait = deadline.remaining() * 2 + std::time::Duration::from_millis(50);
    let job = move || parse_new(&text, &budget);
    let ran = run_kept(&PARSER, ("python-parse", PARSE_STACK), job, Some(wait));
    match ran {
        Some(Ran::Done(tree)) => tree,
        Some(Ran::TimedOut | Ran::Panicked(_) | Ran::Gone) => None,
        // No thread to be had: parse here, unwatched.
        None => parse_new(source, deadline),
    }
}

/// A parse with a new parser.
fn parse_new(source: &str, deadline: &ParseDeadline) -> Option<tree_sitter::Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    parse_within_budget(&mut parser, source, deadline)
}

/// tree-sitter-python's external scanner keeps a stack of the open string delimiters (one
/// byte each, at most 255 serialised) and one of the indentation widths of the blocks it is
/// in (two bytes each), and serialises both into tree-sitter's 1,024-byte buffer. With an
/// odd number of delimiters its loop can write one byte past the end, and tree-sitter then
/// aborts the whole process (`ts_parser__external_scanner_serialize: Assertion 'length <=
/// 1024'`). The widths on the stack strictly increase, so they are at most the file's
/// distinct widths; the delimiters at most its quote characters. A file whose bound stays
/// below the buffer's size cannot get there.
const SCANNER_STATE_BYTES: usize = 1024;

/// The number of distinct indentation widths of `source`, when with its quotes they could
/// overflow tree-sitter-python's scanner state (see [`SCANNER_STATE_BYTES`]): the parser
/// must not be given it.
pub fn unparsable_indentation(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let widths = indentation_widths(bytes);
    let quotes = bytes.iter().filter(|&&b| b == b'"' || b == b'\'').count();
    let bound = 2 + quotes.min(255) + 2 * widths;
    (bound >= SCANNER_STATE_BYTES).then_some(widths)
}

/// The number of distinct non-zero indentation widths of the file's lines, measured as
/// tree-sitter-python's scanner measures them: a space counts 1 and a tab 8 (in 16 bits,
/// wrapping), a line break, carriage return or form feed starts again, a backslash line
/// continuation does not, and comment lines do not count.
fn indentation_widths(source: &[u8]) -> usize {
    let mut seen = vec![0u64; 1 << 10];
    let mut count = 0;
    let mut width: u16 = 0;
    let mut at_line_start = true;
    let mut i = 0;
    while i < source.len() {
        match source[i] {
            b'\n' | b'\r' | 0x0c => {
                width = 0;
                at_line_start = true;
            }
            b' ' if at_line_start => width = width.wrapping_add(1),
            b'\t' if at_line_start => width = width.wrapping_add(8),
            b'\\' if at_line_start && matches!(source.get(i + 1), Some(b'\n' | b'\r')) => {
                i += 1;
                if source[i] == b'\r' && source.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            byte => {
                if at_line_start && byte != b'#' && width > 0 {
                    let (word, bit) = (usize::from(width) / 64, width % 64);
                    if seen[word] & (1 << bit) == 0 {
                        seen[word] |= 1 << bit;
                        count += 1;
                    }
                }
                at_line_start = false;
            }
        }
        i += 1;
    }
    count
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
