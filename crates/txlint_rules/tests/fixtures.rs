//! Runs every rule over every fixture in `fixtures/<lang>/` and compares the findings
//! with the fixture's inline expectations, exactly and in both directions.
//!
//! An expectation is a comment line of its own, `// expect: TX001` (`# expect:` in
//! Python), naming the codes reported on the next line. A missing or an extra finding
//! fails the test, naming `file:line`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use txlint_ir::ir::FileIr;
use txlint_ir::{FileId, Language, LineIndex};
use txlint_rules::{check_file, Settings, RULES};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn lower(language: Language, source: &str) -> Option<FileIr> {
    match language {
        Language::Go => Some(txlint_go::lower_file(source)),
        Language::Python | Language::Rust => None,
    }
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension)
            .is_some()
        {
            out.push(path);
        }
    }
}

/// `(line, code)` pairs, 1-based lines, each with a count.
type Findings = BTreeMap<(usize, String), usize>;

fn expectations(source: &str, language: Language) -> Findings {
    let marker = match language {
        Language::Python => "# expect:",
        Language::Go | Language::Rust => "// expect:",
    };
    let mut expected = Findings::new();
    for (index, line) in source.lines().enumerate() {
        let Some(codes) = line.trim().strip_prefix(marker) else {
            continue;
        };
        for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            // The comment is on line index+1; the finding is on the line after it.
            *expected.entry((index + 2, code.to_string())).or_default() += 1;
        }
    }
    expected
}

struct Checked {
    path: PathBuf,
    expected: Findings,
}

fn check_fixture(path: &Path, errors: &mut Vec<String>) -> Option<Checked> {
    let language = Language::from_extension(path.extension()?.to_str()?)?;
    let source = fs::read_to_string(path).unwrap();
    let ir = lower(language, &source)?;
    let shown = path
        .strip_prefix(fixtures_root())
        .unwrap_or(path)
        .display()
        .to_string();
    if !ir.syntax_errors.is_empty() {
        errors.push(format!(
            "{shown}: the fixture has syntax errors at {:?}",
            ir.syntax_errors
        ));
    }
    let index = LineIndex::new(&source);
    let mut actual = Findings::new();
    let mut messages = BTreeMap::new();
    for diagnostic in check_file(FileId(0), &ir, &Settings::default()) {
        let line = index.line_column(diagnostic.range.start(), &source).line as usize;
        *actual
            .entry((line, diagnostic.code.to_string()))
            .or_default() += 1;
        messages.insert(
            (line, diagnostic.code.to_string()),
            diagnostic.message.clone(),
        );
        let first = diagnostic.message.chars().next().unwrap_or(' ');
        if first.is_uppercase() || diagnostic.message.ends_with('.') {
            errors.push(format!(
                "{shown}:{line}: message style (lower-case start, no final period): {}",
                diagnostic.message
            ));
        }
    }
    let expected = expectations(&source, language);
    for (key, &count) in &expected {
        let got = actual.get(key).copied().unwrap_or(0);
        if got < count {
            errors.push(format!(
                "{shown}:{}: expected {} but it was not reported",
                key.0, key.1
            ));
        }
    }
    for (key, &count) in &actual {
        let want = expected.get(key).copied().unwrap_or(0);
        if count > want {
            errors.push(format!(
                "{shown}:{}: unexpected {}: {}",
                key.0, key.1, messages[key]
            ));
        }
    }
    Some(Checked {
        path: path.to_path_buf(),
        expected,
    })
}

#[test]
fn fixtures_match_their_expectations() {
    let mut files = Vec::new();
    source_files(&fixtures_root(), &mut files);
    assert!(
        !files.is_empty(),
        "no fixtures found under {}",
        fixtures_root().display()
    );
    let mut errors = Vec::new();
    for file in &files {
        check_fixture(file, &mut errors);
    }
    assert!(
        errors.is_empty(),
        "{} fixture mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Every implemented rule has, in each language it checks, a fixture directory with at
/// least one positive expectation and at least one negative (`ok_*`) file.
#[test]
fn every_implemented_rule_has_positive_and_negative_fixtures() {
    let mut problems = Vec::new();
    for rule in RULES {
        for language in rule.implemented {
            let dir = fixtures_root().join(language.name()).join(rule.code);
            let mut files = Vec::new();
            source_files(&dir, &mut files);
            let mut ignored = Vec::new();
            let checked: Vec<Checked> = files
                .iter()
                .filter_map(|f| check_fixture(f, &mut ignored))
                .collect();
            let positives = checked
                .iter()
                .filter(|c| c.expected.keys().any(|(_, code)| code == rule.code))
                .count();
            let negatives = checked
                .iter()
                .filter(|c| {
                    c.path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("ok_"))
                        && c.expected.is_empty()
                })
                .count();
            if positives == 0 {
                problems.push(format!(
                    "{}: no positive fixture in {}",
                    rule.code,
                    dir.display()
                ));
            }
            if negatives == 0 {
                problems.push(format!(
                    "{}: no negative ok_* fixture in {}",
                    rule.code,
                    dir.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
