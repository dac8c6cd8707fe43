//! What a run prints besides findings: statistics, nothing extra on a non-terminal
//! stderr, and the pre-commit hook and CI workflow we publish.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{project, txlint, CLEAN, LEAKY};

#[test]
fn statistics_count_findings_per_rule_and_language() {
    let dir = project(&[("a.go", LEAKY), ("b.go", LEAKY), ("c.go", CLEAN)]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--statistics"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "findings still fail the run");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "COUNT  CODE   NAME\n    2  TX001  unchecked-commit\n    2  TX008  unchecked-begin\n\nCOUNT  LANGUAGE\n    4  go\n\n4 findings\n"
    );
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--statistics", "--format", "json"])
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        stats,
        serde_json::json!({
            "rules": [
                {"count": 2, "code": "TX001", "name": "unchecked-commit"},
                {"count": 2, "code": "TX008", "name": "unchecked-begin"},
            ],
            "languages": [{"count": 4, "language": "go"}],
            "suppressed": 0,
        })
    );
    txlint()
        .current_dir(dir.path())
        .args(["check", "--statistics", "--format", "sarif"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--statistics"));
}

#[test]
fn nothing_extra_on_stderr_when_it_is_not_a_terminal() {
    // Enough files for the run to take a while on a slow machine: no progress bar may
    // appear, since stderr is a pipe here.
    let files: Vec<(String, &str)> = (0..300)
        .map(|i| {
            (
                format!("pkg{}/f{i}.go", i % 10),
                if i % 2 == 0 { LEAKY } else { CLEAN },
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let dir = project(&borrowed);
    for args in [
        &["check"][..],
        &["check", "--quiet"],
        &["check", "--format", "json"],
    ] {
        let output = txlint()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn repository_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_pre_commit_hook_is_defined() {
    let hooks = repository_file(".pre-commit-hooks.yaml");
    for line in [
        "- id: txlint",
        "  language: rust",
        "  entry: txlint check --force-exclude",
        "  types_or: [go, python, rust]",
        "  require_serial: true",
        "  minimum_pre_commit_version: \"3.0.0\"",
    ] {
        assert!(
            hooks.lines().any(|l| l == line),
            "missing `{line}`:\n{hooks}"
        );
    }
}

#[test]
fn the_documented_workflow_uploads_sarif() {
    let workflow = repository_file("docs/github-actions.yml");
    for needle in [
        "--format sarif --output txlint.sarif",
        "github/codeql-action/upload-sarif",
        "sarif_file: txlint.sarif",
        "category: txlint",
        "security-events: write",
    ] {
        assert!(workflow.contains(needle), "missing `{needle}`");
    }
    let readme = repository_file("README.md");
    assert!(
        readme.contains(workflow.trim()),
        "the README shows docs/github-actions.yml"
    );
}
