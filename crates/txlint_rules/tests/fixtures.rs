//! Runs every rule over every fixture in `fixtures/<lang>/` and compares the findings
//! with the fixture's inline expectations, exactly and in both directions.
//!
//! An expectation is a comment line of its own, `// expect: TX001` (`# expect:` in
//! Python), naming the codes reported on the next line (or `syntax-error`, a syntax error
//! that starts there). A missing or an extra finding or syntax error fails the test,
//! naming `file:line`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use txlint_ir::ir::FileIr;
use txlint_ir::{Diagnostic, FileId, Language, LineIndex};
use txlint_rules::{
    check_file_in, check_package, locate, may_have_findings, prefilter, PackageFacts, Place,
    Prefilter, ProjectFile, ProjectFs, ProjectIndex, SetAside, Settings, Skeleton, RULES,
};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn lower(language: Language, source: &str) -> Option<FileIr> {
    match language {
        Language::Go => Some(txlint_go::lower_file(source)),
        Language::Python => Some(txlint_python::lower_file(source)),
        Language::Rust => Some(txlint_rust::lower_file(source)),
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

/// The expectation of a syntax error that starts on the next line (`// expect:
/// syntax-error`): a fixture of a front-end's recovery. Any other syntax error in a
/// fixture fails the test.
const SYNTAX_ERROR: &str = "syntax-error";

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
    shown: String,
    source: String,
    expected: Findings,
    actual: Findings,
    messages: BTreeMap<(usize, String), String>,
}

/// The file system for [`locate`], as the binary sees it.
struct RealFs;

impl ProjectFs for RealFs {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn read_to_string(&self, path: &Path) -> Option<String> {
        fs::read_to_string(path).ok()
    }
}

/// Where a fixture sits in a project: a file directly in a group directory
/// (`fixtures/go/TX002/x.go`) is a fixture of its own, checked alone; the files under a
/// subdirectory (`fixtures/python/TX004/incident/…`) form one project, as the binary
/// would find it.
fn place_of(path: &Path, language: Language) -> Option<Place> {
    let relative = path.strip_prefix(fixtures_root()).ok()?;
    if relative.components().count() <= 3 {
        return None;
    }
    locate(language, &fs::canonicalize(path).ok()?, &RealFs)
}

/// Checks every fixture: each file with the project index of its directory fixture,
/// then each Go package (the fixture files of one directory with the same package
/// clause) for the package-level rules.
fn check_fixtures(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<Checked> {
    let mut checked = Vec::new();
    let mut packages: BTreeMap<(PathBuf, String), Vec<(usize, PackageFacts)>> = BTreeMap::new();
    let mut lowered: Vec<(PathBuf, Language, String, FileIr, Option<Place>)> = Vec::new();
    for path in paths {
        let Some(language) = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension)
        else {
            continue;
        };
        let source = fs::read_to_string(path).unwrap();
        let Some(ir) = lower(language, &source) else {
            continue;
        };
        let place = place_of(path, language);
        lowered.push((path.clone(), language, source, ir, place));
    }
    let settings = Settings::default();
    let project: Vec<ProjectFile> = lowered
        .iter()
        .enumerate()
        .map(|(id, (_, _, _, ir, place))| ProjectFile {
            id,
            ir,
            place: place.as_ref(),
            set_aside: None,
        })
        .collect();
    let index = ProjectIndex::resolve(&project, &settings);
    // The same project with every file's functions set aside, as a run over the memory
    // budget does: lowered again when needed, it must give the same findings.
    let declarations: Vec<(FileIr, Skeleton)> = lowered
        .iter()
        .map(|(_, _, _, ir, _)| (ir.declarations(), Skeleton::of(ir, &settings)))
        .collect();
    let set_aside: Vec<ProjectFile> = lowered
        .iter()
        .zip(&declarations)
        .enumerate()
        .map(|(id, ((_, _, _, _, place), (ir, skeleton)))| ProjectFile {
            id,
            ir,
            place: place.as_ref(),
            set_aside: Some(SetAside {
                skeleton: Some(skeleton),
            }),
        })
        .collect();
    let relower = |id: usize| lowered.get(id).map(|file| file.3.clone());
    let set_aside_index = ProjectIndex::resolve_from(&set_aside, &settings, None, &relower);
    for (id, (path, language, source, ir, place)) in lowered.iter().enumerate() {
        let (path, language, ir) = (path, *language, ir);
        let shown = path
            .strip_prefix(fixtures_root())
            .unwrap_or(path)
            .display()
            .to_string();
        let index_of_file = checked.len();
        let check_with = |index: &ProjectIndex| {
            let file = FileId(index_of_file as u32);
            let view = index.view(place.as_ref());
            check_file_in(file, ir, &settings, view, index.take_precomputed(id))
        };
        let report = check_with(&index);
        if check_with(&set_aside_index).diagnostics != report.diagnostics {
            errors.push(format!(
                "{shown}: other findings when the project's functions are set aside and lowered again"
            ));
        }
        if let Some(package) = &report.package.package {
            let directory = path.parent().unwrap().to_path_buf();
            packages
                .entry((directory, package.clone()))
                .or_default()
                .push((index_of_file, report.package.clone()));
        }
        let mut fixture = Checked {
            path: path.clone(),
            shown,
            expected: expectations(source, language),
            source: source.clone(),
            actual: Findings::new(),
            messages: BTreeMap::new(),
        };
        record(&mut fixture, &report.diagnostics, errors);
        // The binary parses only the files the prefilter lets in: a file with a finding
        // that the prefilter would skip is a finding lost on every real run.
        let mentions_helper = language == Language::Python
            && index
                .view(place.as_ref())
                .imports_python_helpers(&txlint_python::scan_imports(&fixture.source));
        if !report.diagnostics.is_empty()
            && !may_have_findings(language, &fixture.source)
            && !mentions_helper
        {
            errors.push(format!(
                "{}: has findings but the prefilter would skip it",
                fixture.shown
            ));
        }
        // A file whose only modelled calls are commits is parsed only when a Go file of
        // its package (or of the run) gives evidence; a Rust one only with evidence in the
        // run, which a file checked alone may not have.
        if !report.diagnostics.is_empty()
            && prefilter(language, &fixture.source) == Prefilter::CommitOnly
        {
            let directory = path.parent().unwrap();
            let package_has_evidence = language == Language::Go
                && fs::read_dir(directory).unwrap().any(|entry| {
                    let sibling = entry.unwrap().path();
                    sibling.extension().is_some_and(|e| e == "go")
                        && prefilter(Language::Go, &fs::read_to_string(&sibling).unwrap())
                            == Prefilter::Parse
                });
            if !package_has_evidence {
                errors.push(format!(
                    "{}: has findings but its only modelled calls are commits, with no evidence in its package",
                    fixture.shown
                ));
            }
        }
        let lines = LineIndex::new(&fixture.source);
        for error in &ir.syntax_errors {
            let line = lines.line_column(error.start(), &fixture.source).line as usize;
            let key = (line, SYNTAX_ERROR.to_string());
            *fixture.actual.entry(key.clone()).or_default() += 1;
            fixture.messages.insert(key, "syntax error".into());
        }
        checked.push(fixture);
    }
    for files in packages.values() {
        let facts: Vec<&PackageFacts> = files.iter().map(|(_, f)| f).collect();
        for diagnostic in check_package(&facts) {
            let fixture = &mut checked[diagnostic.file.0 as usize];
            record(fixture, std::slice::from_ref(&diagnostic), errors);
        }
    }
    checked
}

fn record(fixture: &mut Checked, diagnostics: &[Diagnostic], errors: &mut Vec<String>) {
    let index = LineIndex::new(&fixture.source);
    for diagnostic in diagnostics {
        let line = index
            .line_column(diagnostic.range.start(), &fixture.source)
            .line as usize;
        *fixture
            .actual
            .entry((line, diagnostic.code.to_string()))
            .or_default() += 1;
        fixture.messages.insert(
            (line, diagnostic.code.to_string()),
            diagnostic.message.clone(),
        );
        let first = diagnostic.message.chars().next().unwrap_or(' ');
        if first.is_uppercase() || diagnostic.message.ends_with('.') {
            errors.push(format!(
                "{}:{line}: message style (lower-case start, no final period): {}",
                fixture.shown, diagnostic.message
            ));
        }
    }
}

fn compare(fixture: &Checked, errors: &mut Vec<String>) {
    let shown = &fixture.shown;
    for (key, &count) in &fixture.expected {
        let got = fixture.actual.get(key).copied().unwrap_or(0);
        if got < count {
            errors.push(format!(
                "{shown}:{}: expected {} but it was not reported",
                key.0, key.1
            ));
        }
    }
    for (key, &count) in &fixture.actual {
        let want = fixture.expected.get(key).copied().unwrap_or(0);
        if count > want {
            errors.push(format!(
                "{shown}:{}: unexpected {}: {}",
                key.0, key.1, fixture.messages[key]
            ));
        }
    }
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
    for fixture in check_fixtures(&files, &mut errors) {
        compare(&fixture, &mut errors);
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
            let checked = check_fixtures(&files, &mut ignored);
            let positives = checked
                .iter()
                .filter(|c| c.expected.keys().any(|(_, code)| code == rule.code))
                .count();
            // A negative case is an `ok_*` file, or any file of an `ok_*` case directory.
            let negatives = checked
                .iter()
                .filter(|c| {
                    c.path
                        .strip_prefix(&dir)
                        .unwrap_or(&c.path)
                        .components()
                        .any(|part| {
                            part.as_os_str()
                                .to_str()
                                .is_some_and(|n| n.starts_with("ok_"))
                        })
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
