//! Inline suppressions: every syntax, where they apply, reasons, and
//! `--report-unused-ignores`.

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{at, findings, json, project, suppressed, txlint};

const SUPPRESSED: &str = r#"package store

import "database/sql"

func Trailing(tx *sql.Tx) {
	tx.Commit() // txlint: ignore[TX001]
}

func Above(tx *sql.Tx) {
	// txlint: ignore[TX001] -- the caller checks the commit
	tx.Commit()
}

func ByName(tx *sql.Tx) {
	tx.Commit() // txlint: ignore[unchecked-commit]
}

func Bare(tx *sql.Tx) {
	tx.Commit() // txlint: ignore
}

func List(tx *sql.Tx) {
	tx.Commit() // txlint: ignore[TX008, TX001]
}

func Nolint(tx *sql.Tx) {
	tx.Commit() //nolint:txlint // commit checked by the job runner
}

func NolintOther(tx *sql.Tx) {
	tx.Commit() //nolint:errcheck
}

func InString(tx *sql.Tx) {
	tx.Commit(); println("// txlint: ignore")
}

func TrailingAbove(tx *sql.Tx) {
	println("x") // txlint: ignore[TX001]
	tx.Commit()
}

func OtherRule(tx *sql.Tx) {
	tx.Commit() // txlint: ignore[TX002]
}

func Unknown(tx *sql.Tx) {
	tx.Commit() // txlint: ignore[TX999, TX001]
}
"#;

/// 1-based line of the only line containing `needle`.
fn line_of(source: &str, needle: &str) -> u64 {
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} must be on exactly one line");
    lines[0] as u64
}

/// The line of the commit in function `name`.
fn commit_in(name: &str) -> u64 {
    let start = SUPPRESSED.find(&format!("func {name}(")).unwrap();
    let offset = start + SUPPRESSED[start..].find("tx.Commit()").unwrap();
    SUPPRESSED[..offset].lines().count() as u64
}

#[test]
fn every_go_syntax_silences_its_line_or_the_next() {
    let dir = project(&[("s.go", SUPPRESSED)]);
    let report = json(dir.path(), &[]);
    assert_eq!(
        findings(&report),
        [
            at("s.go", "TX001", commit_in("NolintOther")),
            at("s.go", "TX001", commit_in("InString")),
            at("s.go", "TX001", commit_in("TrailingAbove")),
            at("s.go", "TX001", commit_in("OtherRule")),
        ]
    );
    let silenced: Vec<u64> = suppressed(&report).into_iter().map(|f| f.2).collect();
    assert_eq!(
        silenced,
        ["Trailing", "Above", "ByName", "Bare", "List", "Nolint", "Unknown"]
            .map(commit_in)
            .to_vec()
    );
    assert_eq!(report["summary"]["suppressed"], 7);
    assert_eq!(report["summary"]["findings"], 4);
}

#[test]
fn reasons_are_kept_as_justifications() {
    let dir = project(&[("s.go", SUPPRESSED)]);
    let report = json(dir.path(), &[]);
    let justification = |line: u64| -> Value {
        report["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["range"]["start"]["line"] == line)
            .unwrap()["suppression"]
            .clone()
    };
    assert_eq!(
        justification(commit_in("Above")),
        serde_json::json!({"kind": "inSource", "justification": "the caller checks the commit"})
    );
    assert_eq!(
        justification(commit_in("Nolint"))["justification"],
        "commit checked by the job runner"
    );
    assert_eq!(
        justification(commit_in("Trailing"))["justification"],
        Value::Null
    );
}

#[test]
fn the_summary_counts_suppressed_findings_and_sarif_marks_them() {
    let dir = project(&[("s.go", SUPPRESSED)]);
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "4 findings in 1 file (1 file checked, 7 suppressed)",
        ));
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    let in_source: Vec<&Value> = results
        .iter()
        .filter_map(|r| r.get("suppressions"))
        .collect();
    assert_eq!(in_source.len(), 7);
    assert!(in_source.iter().all(|s| s[0]["kind"] == "inSource"));
    // Only suppressed findings: nothing to fail on.
    let dir = project(&[(
        "a.go",
        "package a\n\nfunc F(tx *sql.Tx) {\n\ttx.Commit() // txlint: ignore\n}\n",
    )]);
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "No findings in 1 file (1 suppressed)",
        ));
}

#[test]
fn unused_and_unknown_suppressions_are_reported_when_asked() {
    let dir = project(&[("s.go", SUPPRESSED)]);
    assert!(!findings(&json(dir.path(), &[]))
        .iter()
        .any(|f| f.1 == "TX900"));
    let report = json(dir.path(), &["--report-unused-ignores"]);
    let unused: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "TX900")
        .map(|f| {
            assert_eq!(f["name"], "unused-suppression");
            assert_eq!(f["severity"], "warning");
            (
                f["range"]["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        unused,
        [
            (
                commit_in("List"),
                "unused suppression: no `TX008` finding on this line".to_string()
            ),
            (
                line_of(SUPPRESSED, "println(\"x\")"),
                "unused suppression: no `TX001` finding on this line".to_string()
            ),
            (
                commit_in("OtherRule"),
                "unused suppression: no `TX002` finding on this line".to_string()
            ),
            (
                commit_in("Unknown"),
                "unused suppression: unknown rule `TX999`".to_string()
            ),
        ]
    );
}

#[test]
fn unused_suppressions_of_rules_that_did_not_run_are_not_reported() {
    let dir = project(&[("s.go", SUPPRESSED)]);
    let report = json(
        dir.path(),
        &["--report-unused-ignores", "--ignore", "TX002,TX008"],
    );
    let lines: Vec<u64> = findings(&report)
        .into_iter()
        .filter(|f| f.1 == "TX900")
        .map(|f| f.2)
        .collect();
    assert_eq!(
        lines,
        [line_of(SUPPRESSED, "println(\"x\")"), commit_in("Unknown")]
    );
}

#[test]
fn a_suppression_naming_tx900_silences_the_unused_report() {
    let dir = project(&[(
        "a.go",
        "package a\n\nfunc F() {\n\t// txlint: ignore[TX001, TX900] -- kept for the next refactor\n\tprintln()\n}\n",
    )]);
    let report = json(dir.path(), &["--report-unused-ignores"]);
    assert!(findings(&report).is_empty(), "{report}");
    assert_eq!(suppressed(&report), [at("a.go", "TX900", 4)]);
}

#[test]
fn python_comments_are_read_and_other_linters_codes_left_alone() {
    let source = r##"import psycopg2


def save(dsn):
    conn = psycopg2.connect(dsn)  # noqa: TX006
    conn.close()  # noqa: E501
    label = "# noqa: TX001"  # txlint: ignore[TX999] -- typo
    print(label)  # noqa
    print(dsn)  # type: ignore  # txlint: ignore[lost-write]
"##;
    let dir = project(&[("s.py", source)]);
    let report = json(dir.path(), &["--report-unused-ignores"]);
    let unused: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "TX900")
        .map(|f| {
            (
                f["range"]["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // A bare `# noqa` and another linter's codes are not ours to call unused; the
    // `# noqa` inside a string is no comment at all.
    assert_eq!(
        unused,
        [
            (
                5,
                "unused suppression: no `TX006` finding on this line".to_string()
            ),
            (7, "unused suppression: unknown rule `TX999`".to_string()),
            (
                9,
                "unused suppression: no `TX011` finding on this line".to_string()
            ),
        ]
    );
    let columns: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["range"]["start"]["column"].as_u64().unwrap())
        .collect();
    assert_eq!(columns[0], 37, "the range is the directive: `noqa: TX006`");
}

/// A Python function whose commit in `finally` is TX006, with `commit` as written.
fn python_deferred_commit(name: &str, commit: &str) -> String {
    format!(
        "\ndef {name}(dsn):\n    conn = psycopg2.connect(dsn)\n    try:\n        conn.cursor().execute(\"INSERT INTO t VALUES (1)\")\n    finally:\n        {commit}\n        conn.close()\n"
    )
}

#[test]
fn every_python_syntax_silences_its_line_or_the_next() {
    let variants = [
        ("plain", "conn.commit()"),
        ("noqa_code", "conn.commit()  # noqa: TX006"),
        ("noqa_bare", "conn.commit()  # noqa"),
        (
            "by_name",
            "conn.commit()  # txlint: ignore[deferred-commit] -- closing job, errors logged",
        ),
        ("above", "# txlint: ignore[TX006]\n        conn.commit()"),
        ("other_linter", "conn.commit()  # noqa: E501"),
        ("in_string", "conn.commit(); print(\"# noqa\")"),
    ];
    let mut source = String::from("import psycopg2\n");
    for (name, commit) in variants {
        source.push_str(&python_deferred_commit(name, commit));
    }
    let commit_line = |name: &str| {
        let start = source.find(&format!("def {name}(")).unwrap();
        let offset = start + source[start..].find("conn.commit()").unwrap();
        source[..offset].lines().count() as u64
    };
    let dir = project(&[("jobs.py", &source)]);
    let report = json(dir.path(), &[]);
    assert_eq!(
        findings(&report),
        ["plain", "other_linter", "in_string"]
            .map(|name| at("jobs.py", "TX006", commit_line(name)))
            .to_vec()
    );
    assert_eq!(
        suppressed(&report),
        ["noqa_code", "noqa_bare", "by_name", "above"]
            .map(|name| at("jobs.py", "TX006", commit_line(name)))
            .to_vec()
    );
    assert_eq!(
        report["suppressed"][2]["suppression"]["justification"],
        "closing job, errors logged"
    );
}
