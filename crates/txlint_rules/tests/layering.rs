//! The crate's layers, checked on its source: every `crate::…` path a module names (in
//! code, not in comments or strings) must point to its own layer or one below it.
//!
//! 0. data: `docs`, `meta`, `models`, `settings`;
//! 1. `engine`: resources through the CFG, aliases, SQL text — no language;
//! 2. `semantics`, `index`, `context`: what a value is, per language, and the project;
//!    inside it, Python never reaches into the Go, Rust or typed (Go and Rust) modules,
//!    and Go and Rust never into each other or into Python;
//! 3. `rules`: one module per rule; no rule names another;
//! 4. `registry` and the crate root, which tie the rules together.
//!
//! Unit tests (`#[cfg(test)] mod tests` at the end of a file) may use anything.

use std::fs;
use std::path::{Path, PathBuf};

/// The layer of a module path (`engine::flow`, `semantics::python::open`, `lib`).
fn layer(module: &str) -> u8 {
    let top = module.split("::").next().unwrap_or(module);
    match top {
        "docs" | "meta" | "models" | "settings" => 0,
        "engine" => 1,
        "semantics" | "index" | "context" => 2,
        "rules" => 3,
        // Anything else is an item of the crate root (`crate::check_file`).
        _ => 4,
    }
}

/// The module a source file defines: `src/semantics/python/open.rs` → `semantics::python::open`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The source without comments, string and character literals, so that paths written in
/// docs or in test inputs (`"use crate::db;"`) do not count.
fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &source[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |end| end + 2);
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = 2 + hashes;
            let close = format!("\"{}", "#".repeat(hashes));
            i += rest[open..]
                .find(&close)
                .map_or(rest.len(), |end| open + end + close.len());
            out.push_str("\"\"");
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            out.push_str("\"\"");
        } else if bytes[i] == b'\'' && is_char_literal(rest) {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'\'' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `r"…"`, `r#"…"#`: the number of hashes, when `text` starts a raw string.
fn raw_string_start(text: &str) -> Option<usize> {
    let after_r = text.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..].starts_with('"').then_some(hashes)
}

/// `'x'`, `'\n'`, `'\u{1F600}'` (not a lifetime `'a`).
fn is_char_literal(text: &str) -> bool {
    let mut chars = text.chars().skip(1);
    matches!(
        (chars.next(), chars.next()),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// Every path of the crate the code names, from the crate's root: `crate::a::b`,
/// `$crate::a` in macros, `super::b` and `self::b` resolved against `module`, and each
/// member of a group (`crate::a::{b, c::{d}}` is `a::b` and `a::c::d`).
fn named_paths(code: &str, module: &str) -> Vec<String> {
    let mut found = Vec::new();
    let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let word_start =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let bases = [
            ("crate::", String::new()),
            ("super::", parent.to_string()),
            ("self::", module.to_string()),
        ];
        let base = bases
            .into_iter()
            .filter(|_| word_start)
            .find_map(|(keyword, prefix)| {
                rest.strip_prefix(keyword)
                    .map(|tail| (prefix, rest.len() - tail.len()))
            });
        let Some((prefix, skip)) = base else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let (paths, used) = path_tree(&rest[skip..]);
        for path in paths {
            let full = match (prefix.is_empty(), path.is_empty()) {
                (true, _) => path,
                (false, true) => prefix.clone(),
                (false, false) => format!("{prefix}::{path}"),
            };
            if !full.is_empty() {
                found.push(full);
            }
        }
        at += skip + used.max(1);
    }
    found
}

/// The paths of one path tree (`a::b`, `a::{b, c::{d, e}}`, `self` in a group naming the
/// group's own prefix), and how many bytes it took.
fn path_tree(text: &str) -> (Vec<String>, usize) {
    let mut at = 0;
    let mut segments: Vec<&str> = Vec::new();
    loop {
        let rest = &text[at..];
        if let Some(members_text) = rest.strip_prefix('{') {
            let prefix = segments.join("::");
            let (members, used) = group(members_text);
            let paths = members
                .into_iter()
                .map(|member| match (prefix.is_empty(), member.as_str()) {
                    (_, "self") => prefix.clone(),
                    (true, _) => member,
                    (false, _) => format!("{prefix}::{member}"),
                })
                .collect();
            return (paths, at + 1 + used);
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segments.push(&rest[..end]);
        at += end;
        if !text[at..].starts_with("::") {
            break;
        }
        at += 2;
    }
    (vec![segments.join("::")], at)
}

/// The members of a group, after its `{`: the paths and the bytes up to its `}`.
fn group(text: &str) -> (Vec<String>, usize) {
    let mut paths = Vec::new();
    let mut at = 0;
    loop {
        at += text[at..].len() - text[at..].trim_start().len();
        match text[at..].chars().next() {
            None => return (paths, at),
            Some('}') => return (paths, at + 1),
            Some(',') => at += 1,
            Some(_) => {
                let (members, used) = path_tree(&text[at..]);
                paths.extend(members);
                if used == 0 {
                    // Not a path (`*`): skip a character.
                    at += text[at..].chars().next().map_or(1, char::len_utf8);
                } else {
                    at += used;
                }
            }
        }
    }
}

/// The source without its unit-test modules (`#[cfg(test)] mod name { … }`, wherever
/// they are), which may use anything.
fn without_test_modules(code: &str) -> String {
    let marker = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = rest[at + marker.len()..].trim_start();
        let Some(open) = after.starts_with("mod ").then(|| after.find('{')).flatten() else {
            out.push_str(marker);
            rest = &rest[at + marker.len()..];
            continue;
        };
        let mut depth = 0usize;
        let mut end = after.len();
        for (index, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + index + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Why `from` may not name `to`, if it may not.
fn violation(from: &str, to: &str) -> Option<String> {
    let (from_layer, to_layer) = (layer(from), layer(to));
    if to_layer > from_layer {
        return Some(format!("layer {from_layer} names layer {to_layer}"));
    }
    let under =
        |path: &str, prefix: &str| path == prefix || path.starts_with(&format!("{prefix}::"));
    if under(from, "rules") && under(to, "rules") {
        let own = from.split("::").take(2).collect::<Vec<_>>().join("::");
        if !under(to, &own) {
            return Some("a rule names another rule".to_string());
        }
    }
    let languages: &[(&str, &[&str])] = &[
        (
            "semantics::python",
            &["semantics::go", "semantics::rust", "semantics::typed"],
        ),
        ("semantics::typed", &["semantics::python"]),
        ("semantics::go", &["semantics::python", "semantics::rust"]),
        ("semantics::rust", &["semantics::python", "semantics::go"]),
    ];
    for (language, foreign) in languages {
        if under(from, language) {
            if let Some(other) = foreign.iter().find(|f| under(to, f)) {
                return Some(format!("{language} reaches into {other}"));
            }
        }
    }
    None
}

#[test]
fn modules_name_only_their_own_layer_or_lower_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "found the sources: {files:?}");
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let source = fs::read_to_string(file).unwrap();
        // Comments and strings first: a brace in a string would unbalance the test modules.
        let code = without_test_modules(&code_only(&source));
        let paths = named_paths(&code, &module);
        for path in paths {
            checked += 1;
            if let Some(why) = violation(&module, &path) {
                violations.push(format!("{module} names crate::{path}: {why}"));
            }
        }
    }
    assert!(checked > 100, "the scan saw the crate's paths ({checked})");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_paths_in_code_and_not_in_comments_or_strings() {
    let code = code_only(
        "use crate::engine::flow; // crate::rules::x\nlet s = \"crate::rules::y\";\n\
         let r = r#\"crate::rules::z\"#; let c = '\"'; fn f<'a>(x: &'a u8) { crate::index::g() }",
    );
    assert_eq!(named_paths(&code, "lib"), ["engine::flow", "index::g"]);
    assert_eq!(
        named_paths(
            "use crate::{docs::RuleDoc, semantics::{go::{rows, raw}, python}, rules};",
            "lib"
        ),
        [
            "docs::RuleDoc",
            "semantics::go::rows",
            "semantics::go::raw",
            "semantics::python",
            "rules"
        ]
    );
    assert_eq!(
        named_paths(
            "use super::rows; use self::inner::{self, x}; $crate::meta::RuleMeta",
            "semantics::go::raw"
        ),
        [
            "semantics::go::rows",
            "semantics::go::raw::inner",
            "semantics::go::raw::inner::x",
            "meta::RuleMeta"
        ]
    );
    let code = without_test_modules(
        "fn a() {}\n#[cfg(test)]\nmod tests { fn t() { crate::rules::x(); } }\nfn b() { crate::index::y(); }",
    );
    assert_eq!(named_paths(&code, "engine"), ["index::y"]);
}

#[test]
fn the_rules_of_the_layers_can_fail() {
    assert!(violation("engine::flow", "semantics::python").is_some());
    assert!(violation("semantics::python::open", "rules::lost_write").is_some());
    assert!(violation("rules::lost_write", "rules::unended_transaction").is_some());
    assert!(violation("rules::lost_write", "rules::lost_write::helper").is_none());
    assert!(violation("semantics::python", "semantics::typed::facts").is_some());
    assert!(violation("semantics::rust::open", "semantics::go::rows").is_some());
    assert!(violation("semantics::rust", "semantics::typed::facts").is_none());
    assert!(violation("context", "meta::RuleMeta").is_none());
    assert!(violation("meta", "context").is_some());
    assert!(violation("registry", "rules").is_none());
    assert!(violation("index", "Settings").is_some());
    assert!(violation("semantics::typed::open", "semantics::python").is_some());
    assert!(violation("index", "settings::Settings").is_none());
}
