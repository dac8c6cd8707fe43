//! Inline suppressions: comments that silence findings on their line, or on the next
//! line when the comment stands on a line of its own.
//!
//! Accepted forms (SPEC.md, "Interfaces"), in `//` comments (Go, Rust) and `#`
//! comments (Python):
//!
//! - `txlint: ignore[TX001]`, `txlint: ignore[TX001, unended-transaction]`, bare
//!   `txlint: ignore` (every rule), each optionally followed by `-- reason`;
//! - `noqa: TX001, TX002` and bare `noqa` (every rule, as ruff and flake8 read it);
//! - `nolint:txlint` (golangci-lint's directive naming us) and bare `nolint`, with a
//!   reason in a following `// comment`.
//!
//! The front-ends keep no comments, so the binary finds them in the source text with a
//! small lexer per language that knows where strings are: a `//` inside a Go string is
//! not a comment.

use std::collections::BTreeSet;

use txlint_ir::{Diagnostic, FileId, Language, LineIndex, TextRange};
use txlint_report::{tool_rule, SuppressedDiagnostic, UNUSED_SUPPRESSION};

/// Text that every suppression comment contains; files without any are not lexed.
const MARKERS: [&str; 3] = ["txlint", "noqa", "nolint"];

/// Which syntax a suppression was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Txlint,
    Noqa,
    Nolint,
}

/// A rule named in a suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRule {
    /// As written.
    pub written: String,
    /// The code, when the name is known (a rule, or a tool rule such as TX900).
    pub code: Option<&'static str>,
}

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub syntax: Syntax,
    /// 0-based line of the comment.
    pub line: usize,
    /// Alone on its line: it then applies to the next line too.
    pub own_line: bool,
    /// The directive (`txlint: ignore[TX001]`), where an unused one is reported.
    pub range: TextRange,
    /// `None`: every rule.
    pub rules: Option<Vec<NamedRule>>,
    pub reason: Option<String>,
}

impl Suppression {
    fn covers_line(&self, line: usize) -> bool {
        self.line == line || (self.own_line && self.line + 1 == line)
    }

    /// Whether it silences a finding of `code`.
    fn silences(&self, code: &str) -> bool {
        match &self.rules {
            None => code != UNUSED_SUPPRESSION.code,
            Some(rules) => rules.iter().any(|r| r.code == Some(code)),
        }
    }

    /// A bare `noqa` or `nolint` is shared with other linters: never ours to call
    /// unused.
    fn is_shared_blanket(&self) -> bool {
        self.rules.is_none() && self.syntax != Syntax::Txlint
    }
}

/// Every suppression comment of a source file.
pub fn scan(language: Language, text: &str) -> Vec<Suppression> {
    // Offsets are `u32`: a larger text (refused when read) would be misread.
    if u32::try_from(text.len()).is_err() || !MARKERS.iter().any(|m| text.contains(m)) {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let marker = comment_marker(language);
    comments(language, text)
        .into_iter()
        .filter_map(|comment| {
            let line = lines.line_of(comment.start);
            let line_start = lines.line_start(line).unwrap_or(0) as usize;
            let own_line = text[line_start..comment.start as usize].trim().is_empty();
            let body_start = comment.start as usize + marker.len();
            let body = &text[body_start..comment.end as usize];
            let directive = parse_comment(body, marker)?;
            Some(Suppression {
                syntax: directive.syntax,
                line,
                own_line,
                range: TextRange::from_usize(
                    body_start + directive.start..body_start + directive.end,
                ),
                rules: directive.rules,
                reason: directive.reason,
            })
        })
        .collect()
}

fn comment_marker(language: Language) -> &'static str {
    match language {
        Language::Python => "#",
        Language::Go | Language::Rust => "//",
    }
}

/// A line comment: `start` is its marker, `end` the end of its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Comment {
    start: u32,
    end: u32,
}

/// The line comments of a file, skipping strings, runes and block comments.
fn comments(language: Language, text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let line_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| from + p)
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        match language {
            Language::Python => match rest[0] {
                b'#' => {
                    let end = line_end(i);
                    found.push(Comment {
                        start: i as u32,
                        end: end as u32,
                    });
                    i = end;
                }
                quote @ (b'"' | b'\'') => {
                    i = if rest.starts_with(&[quote; 3]) {
                        skip_until(bytes, i + 3, &[quote; 3], true)
                    } else {
                        skip_quoted(bytes, i + 1, quote, true)
                    };
                }
                _ => i += 1,
            },
            Language::Go | Language::Rust => match rest[0] {
                b'/' if rest.get(1) == Some(&b'/') => {
                    let end = line_end(i);
                    found.push(Comment {
                        start: i as u32,
                        end: end as u32,
                    });
                    i = end;
                }
                b'/' if rest.get(1) == Some(&b'*') => {
                    i = if language == Language::Rust {
                        skip_nested_block_comment(bytes, i)
                    } else {
                        skip_until(bytes, i + 2, b"*/", false)
                    };
                }
                b'"' => i = skip_quoted(bytes, i + 1, b'"', language == Language::Go),
                b'`' if language == Language::Go => i = skip_until(bytes, i + 1, b"`", false),
                b'\'' if language == Language::Go => i = skip_quoted(bytes, i + 1, b'\'', true),
                b'\'' => i = skip_rust_char_or_lifetime(bytes, i),
                b'r' | b'b' if language == Language::Rust && starts_raw_string(bytes, i) => {
                    i = skip_rust_raw_string(bytes, i);
                }
                _ => i += 1,
            },
        }
    }
    found
}

/// Past the closing `quote` of a string whose body starts at `from`; a backslash
/// escapes the next byte. With `single_line`, an unterminated string ends at the line
/// end (a typo must not hide every later comment).
fn skip_quoted(bytes: &[u8], mut from: usize, quote: u8, single_line: bool) -> usize {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' => from += 2,
            b'\n' if single_line => return from,
            b if b == quote => return from + 1,
            _ => from += 1,
        }
    }
    bytes.len()
}

/// Past the first `end` at or after `from` (escapes honoured when `escapes`).
fn skip_until(bytes: &[u8], mut from: usize, end: &[u8], escapes: bool) -> usize {
    while from < bytes.len() {
        if escapes && bytes[from] == b'\\' {
            from += 2;
            continue;
        }
        if bytes[from..].starts_with(end) {
            return from + end.len();
        }
        from += 1;
    }
    bytes.len()
}

fn skip_nested_block_comment(bytes: &[u8], mut from: usize) -> usize {
    let mut depth = 0usize;
    while from < bytes.len() {
        if bytes[from..].starts_with(b"/*") {
            depth += 1;
            from += 2;
        } else if bytes[from..].starts_with(b"*/") {
            depth -= 1;
            from += 2;
            if depth == 0 {
                return from;
            }
        } else {
            from += 1;
        }
    }
    bytes.len()
}

/// `'a'`, `'\n'` and `'é'` are characters; `'a` in `&'a str` is a lifetime.
fn skip_rust_char_or_lifetime(bytes: &[u8], quote: usize) -> usize {
    match bytes.get(quote + 1) {
        Some(b'\\') => skip_quoted(bytes, quote + 1, b'\'', true),
        Some(&first) => {
            let width = utf8_width(first);
            if bytes.get(quote + 1 + width) == Some(&b'\'') {
                quote + 2 + width
            } else {
                quote + 1 // a lifetime or label
            }
        }
        None => bytes.len(),
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `r"…"`, `r#"…"#`, `br"…"` at `at`, not inside an identifier (`bar"` is not one).
fn starts_raw_string(bytes: &[u8], at: usize) -> bool {
    if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
        return false;
    }
    let mut i = at;
    if bytes[i] == b'b' {
        i += 1;
    }
    if bytes.get(i) != Some(&b'r') {
        return false;
    }
    i += 1;
    while bytes.get(i) == Some(&b'#') {
        i += 1;
    }
    bytes.get(i) == Some(&b'"')
}

fn skip_rust_raw_string(bytes: &[u8], at: usize) -> usize {
    let mut i = at + usize::from(bytes[at] == b'b') + 1;
    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
    i += hashes + 1;
    let mut end = vec![b'"'];
    end.extend(std::iter::repeat_n(b'#', hashes));
    skip_until(bytes, i, &end, false)
}

/// A directive found in a comment body; offsets are relative to the body.
#[derive(Debug, PartialEq, Eq)]
struct Directive {
    syntax: Syntax,
    start: usize,
    end: usize,
    rules: Option<Vec<NamedRule>>,
    reason: Option<String>,
}

/// The first directive addressed to txlint in a comment body. The body may hold several
/// comments' worth of text (`# type: ignore  # noqa: TX001`, `//nolint:txlint // why`):
/// a directive must start the body or follow another comment marker.
fn parse_comment(body: &str, marker: &str) -> Option<Directive> {
    let mut segment_start = 0;
    loop {
        let segment = &body[segment_start..];
        let skipped = segment.len() - segment.trim_start().len();
        let start = segment_start + skipped;
        if let Some(mut directive) = parse_directive(&body[start..]) {
            directive.start += start;
            directive.end += start;
            if directive.reason.is_none() {
                directive.reason = reason_after(&body[directive.end..], marker);
            }
            return Some(directive);
        }
        let next = body[segment_start..].find(marker)?;
        segment_start += next + marker.len();
    }
}

/// The reason after a directive: `-- reason`, or the text of a following comment.
fn reason_after(rest: &str, marker: &str) -> Option<String> {
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("--")
        .or_else(|| rest.strip_prefix(marker))
        .unwrap_or(rest)
        .trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// A directive at the very start of `text`; `end` is where its rule list ends.
fn parse_directive(text: &str) -> Option<Directive> {
    if let Some(after) = text.strip_prefix("txlint:") {
        let after_spaces = after.trim_start();
        let rest = after_spaces.strip_prefix("ignore")?;
        let mut end = text.len() - rest.len();
        let mut rules = None;
        if let Some(list) = rest.trim_start().strip_prefix('[') {
            let close = list.find(']')?;
            rules = Some(named_rules(&list[..close], |_| true));
            end = text.len() - list.len() + close + 1;
        } else if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return None; // `txlint: ignored`, not a directive
        }
        return Some(Directive {
            syntax: Syntax::Txlint,
            start: 0,
            end,
            rules,
            reason: None,
        });
    }
    // Compared as bytes: the fourth byte of a comment may fall inside a multi-byte
    // character (`# café`, `// ── section`), where slicing the `str` would panic. When
    // they match, the four bytes are ASCII and `text[4..]` starts on a character.
    if text
        .as_bytes()
        .get(..4)
        .is_some_and(|start| start.eq_ignore_ascii_case(b"noqa"))
    {
        let rest = &text[4..];
        if let Some(list) = rest.strip_prefix(':') {
            // The list ends at a reason (`--`) or at anything that cannot be in a code.
            let list_end = list.find("--").unwrap_or(list.len());
            let codes_len = list[..list_end]
                .find(|c: char| {
                    !(c.is_ascii_alphanumeric() || matches!(c, ',' | ' ' | '\t' | '-' | '_'))
                })
                .unwrap_or(list_end);
            let codes = &list[..codes_len];
            // Codes of other linters (`E501`) are theirs; a noqa naming none of ours is
            // not addressed to txlint at all.
            let ours = named_rules(codes, is_our_noqa_code);
            if ours.is_empty() {
                return None;
            }
            let end = 5 + codes.trim_end().len();
            return Some(Directive {
                syntax: Syntax::Noqa,
                start: 0,
                end,
                rules: Some(ours),
                reason: None,
            });
        }
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return None;
        }
        return Some(Directive {
            syntax: Syntax::Noqa,
            start: 0,
            end: 4,
            rules: None,
            reason: None,
        });
    }
    if let Some(rest) = text.strip_prefix("nolint") {
        if let Some(list) = rest.strip_prefix(':') {
            let names_len = list
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ',' | '-' | '_')))
                .unwrap_or(list.len());
            let names = &list[..names_len];
            if !names.split(',').any(|n| n.eq_ignore_ascii_case("txlint")) {
                return None;
            }
            return Some(Directive {
                syntax: Syntax::Nolint,
                start: 0,
                end: 7 + names_len,
                rules: None,
                reason: None,
            });
        }
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            return None;
        }
        return Some(Directive {
            syntax: Syntax::Nolint,
            start: 0,
            end: 6,
            rules: None,
            reason: None,
        });
    }
    None
}

/// `TX001`, `tx001` or a rule name: ours. Anything else in a noqa list is another
/// linter's.
fn is_our_noqa_code(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let code_like = upper.len() > 2
        && upper.starts_with("TX")
        && upper[2..].bytes().all(|b| b.is_ascii_digit());
    code_like || lookup(word).is_some()
}

/// Rules named in a list separated by commas and/or whitespace.
fn named_rules(list: &str, keep: impl Fn(&str) -> bool) -> Vec<NamedRule> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|word| !word.is_empty() && keep(word))
        .map(|word| NamedRule {
            written: word.to_string(),
            code: lookup(word),
        })
        .collect()
}

fn lookup(word: &str) -> Option<&'static str> {
    txlint_rules::rule(word)
        .map(|r| r.code)
        .or_else(|| tool_rule(word).map(|r| r.code))
}

/// What the suppressions of one file did to its findings.
#[derive(Debug, Default)]
pub struct Outcome {
    pub reported: Vec<Diagnostic>,
    pub suppressed: Vec<SuppressedDiagnostic>,
}

/// Splits a file's findings into reported and suppressed ones. With
/// `report_unused`, adds a TX900 finding for each suppression that silenced nothing or
/// names an unknown rule; `runs` tells which rules ran on the file (a suppression for a
/// rule that did not run cannot be judged unused).
pub fn apply(
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    suppressions: &[Suppression],
    lines: &LineIndex,
    report_unused: bool,
    runs: &dyn Fn(&str) -> bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    if suppressions.is_empty() {
        outcome.reported = diagnostics;
        return outcome;
    }
    // used[i]: which codes suppression i silenced.
    let mut used: Vec<BTreeSet<&'static str>> = vec![BTreeSet::new(); suppressions.len()];
    for diagnostic in diagnostics {
        let line = lines.line_of(diagnostic.range.start());
        match find_suppression(suppressions, line, diagnostic.code) {
            Some(index) => {
                used[index].insert(diagnostic.code);
                outcome.suppressed.push(SuppressedDiagnostic {
                    justification: suppressions[index].reason.clone(),
                    diagnostic,
                });
            }
            None => outcome.reported.push(diagnostic),
        }
    }
    if report_unused {
        for (index, suppression) in suppressions.iter().enumerate() {
            let Some(message) = unused_message(suppression, &used[index], runs) else {
                continue;
            };
            let diagnostic = unused_suppression(file, suppression, message);
            // Silenced only by a suppression that names TX900 itself.
            match find_suppression(suppressions, suppression.line, UNUSED_SUPPRESSION.code) {
                Some(by) => outcome.suppressed.push(SuppressedDiagnostic {
                    justification: suppressions[by].reason.clone(),
                    diagnostic,
                }),
                None => outcome.reported.push(diagnostic),
            }
        }
    }
    let order = |d: &Diagnostic| (d.range.start(), d.range.end(), d.code);
    outcome.reported.sort_by(|a, b| order(a).cmp(&order(b)));
    outcome
        .suppressed
        .sort_by(|a, b| order(&a.diagnostic).cmp(&order(&b.diagnostic)));
    outcome
}

/// The suppression that silences a finding of `code` on `line`: one on the line itself
/// first, then one standing alone on the line above.
fn find_suppression(suppressions: &[Suppression], line: usize, code: &str) -> Option<usize> {
    let matching = |s: &Suppression| s.covers_line(line) && s.silences(code);
    suppressions
        .iter()
        .position(|s| s.line == line && matching(s))
        .or_else(|| suppressions.iter().position(matching))
}

/// Why a suppression is worth reporting, if it is.
fn unused_message(
    suppression: &Suppression,
    used: &BTreeSet<&'static str>,
    runs: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let place = if suppression.own_line {
        "on this line or the next"
    } else {
        "on this line"
    };
    match &suppression.rules {
        None if suppression.is_shared_blanket() => None,
        None => used
            .is_empty()
            .then(|| format!("unused suppression: no finding {place}")),
        Some(rules) => {
            let unknown: Vec<&str> = rules
                .iter()
                .filter(|r| r.code.is_none())
                .map(|r| r.written.as_str())
                .collect();
            let unused: Vec<&str> = rules
                .iter()
                .filter_map(|r| r.code)
                .filter(|code| {
                    *code != UNUSED_SUPPRESSION.code && runs(code) && !used.contains(code)
                })
                .collect();
            let mut parts = Vec::new();
            if !unknown.is_empty() {
                parts.push(format!(
                    "unknown rule{} {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    quoted(&unknown)
                ));
            }
            if !unused.is_empty() {
                parts.push(format!("no {} finding {place}", quoted(&unused)));
            }
            (!parts.is_empty()).then(|| format!("unused suppression: {}", parts.join("; ")))
        }
    }
}

fn quoted(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(", ")
}

fn unused_suppression(file: FileId, suppression: &Suppression, message: String) -> Diagnostic {
    Diagnostic {
        code: UNUSED_SUPPRESSION.code,
        name: UNUSED_SUPPRESSION.name,
        severity: UNUSED_SUPPRESSION.default_severity,
        message,
        file,
        range: suppression.range,
        primary_label: "remove this suppression, or correct the rule it names".into(),
        labels: Vec::new(),
        help: None,
        note: None,
        function: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(body: &str) -> Option<(Syntax, Option<Vec<String>>, Option<String>)> {
        let marker = "//";
        parse_comment(body, marker).map(|d| {
            (
                d.syntax,
                d.rules
                    .map(|rules| rules.into_iter().map(|r| r.written).collect()),
                d.reason,
            )
        })
    }

    fn strings(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn txlint_directives() {
        assert_eq!(
            directive(" txlint: ignore[TX001]"),
            Some((Syntax::Txlint, strings(&["TX001"]), None))
        );
        assert_eq!(
            directive(" txlint: ignore[TX001, unended-transaction] -- handled by the caller"),
            Some((
                Syntax::Txlint,
                strings(&["TX001", "unended-transaction"]),
                Some("handled by the caller".into())
            ))
        );
        assert_eq!(
            directive("txlint:ignore"),
            Some((Syntax::Txlint, None, None))
        );
        assert_eq!(
            directive(" txlint: ignore -- legacy"),
            Some((Syntax::Txlint, None, Some("legacy".into())))
        );
        assert_eq!(directive(" txlint: ignored because"), None);
        assert_eq!(directive(" see the txlint: ignore docs"), None);
        assert_eq!(directive(" txlint: ignore[TX001"), None);
    }

    #[test]
    fn noqa_and_nolint_directives() {
        assert_eq!(
            directive(" noqa: TX001, TX002"),
            Some((Syntax::Noqa, strings(&["TX001", "TX002"]), None))
        );
        assert_eq!(
            directive(" NOQA: E501 TX001"),
            Some((Syntax::Noqa, strings(&["TX001"]), None))
        );
        assert_eq!(directive(" noqa: E501"), None, "another linter's");
        assert_eq!(directive(" noqa"), Some((Syntax::Noqa, None, None)));
        assert_eq!(
            directive("nolint:txlint // commit checked by the caller"),
            Some((
                Syntax::Nolint,
                None,
                Some("commit checked by the caller".into())
            ))
        );
        assert_eq!(
            directive("nolint:errcheck,txlint"),
            Some((Syntax::Nolint, None, None))
        );
        assert_eq!(directive("nolint:errcheck"), None);
        assert_eq!(directive("nolint"), Some((Syntax::Nolint, None, None)));
    }

    #[test]
    fn a_directive_may_follow_another_comment() {
        let python = parse_comment(" type: ignore  # noqa: TX002", "#").unwrap();
        assert_eq!(python.syntax, Syntax::Noqa);
        assert_eq!(
            directive(" explained below // txlint: ignore[TX001]").map(|d| d.1),
            Some(strings(&["TX001"]))
        );
    }

    #[test]
    fn comment_markers_inside_strings_do_not_count() {
        let go = "x := \"// txlint: ignore\"\ny := `\n// txlint: ignore\n`\nz := '\"' // txlint: ignore[TX001]\n/* // txlint: ignore */\n";
        let found = scan(Language::Go, go);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 4);
        assert!(!found[0].own_line);

        let python =
            "s = '# noqa'\nt = \"\"\"\n# txlint: ignore\n\"\"\"\nconn.commit()  # noqa: TX001\n";
        let found = scan(Language::Python, python);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 4);

        let rust = "fn f<'a>(s: &'a str) { let c = '\"'; let r = r#\"// txlint: ignore\"#; }\n// txlint: ignore\n";
        let found = scan(Language::Rust, rust);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 1);
        assert!(found[0].own_line);
    }

    /// A comment whose fourth byte falls inside a multi-byte character, in a file that
    /// mentions a marker, used to panic (`text[..4]` sliced a `str` mid-character).
    #[test]
    fn comments_with_multi_byte_characters_are_read() {
        let go = "package p\n\n// ── section ──\nfunc f() {} //nolint\n// é\n//é\n";
        let found = scan(Language::Go, go);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].syntax, Syntax::Nolint);
        let python = "# café au lait\n#\u{e9}\n# 日本語のコメント\nx = 1  # noqa\n";
        let found = scan(Language::Python, python);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 3);
        let rust = "// 日本語のコメント txlint\n//🦀\n// ── txlint: ignore[TX001] ──\nfn f() {} // txlint: ignore\n";
        let found = scan(Language::Rust, rust);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 3);
        // Every prefix length of a multi-byte comment body, after every marker.
        for body in [
            "noq\u{e9}",
            "no\u{e9}",
            "n\u{e9}",
            "\u{e9}",
            "nol\u{e9}",
            "txlint:\u{e9}",
            "noqa:\u{e9}",
            "nolint:\u{e9}",
            "txlint: ignore[\u{e9}",
        ] {
            for marker in ["//", "#"] {
                let _ = parse_comment(body, marker);
                let _ = parse_comment(&format!(" {body} {marker}{body}"), marker);
            }
        }
    }

    #[test]
    fn unterminated_strings_end_at_the_line() {
        let go = "x := \"oops\ntx.Commit() // txlint: ignore[TX001]\n";
        assert_eq!(scan(Language::Go, go).len(), 1);
    }

    #[test]
    fn the_directive_range_covers_the_rule_list() {
        let text = "tx.Commit() // txlint: ignore[TX001] -- why\n";
        let found = scan(Language::Go, text);
        assert_eq!(&text[found[0].range.to_usize()], "txlint: ignore[TX001]");
        let text = "conn.commit()  # noqa: TX001 -- why\n";
        let found = scan(Language::Python, text);
        assert_eq!(&text[found[0].range.to_usize()], "noqa: TX001");
        assert_eq!(found[0].reason.as_deref(), Some("why"));
        let text = "conn.commit()  # noqa: TX001  # why\n";
        let found = scan(Language::Python, text);
        assert_eq!(&text[found[0].range.to_usize()], "noqa: TX001");
        assert_eq!(found[0].reason.as_deref(), Some("why"));
    }
}
