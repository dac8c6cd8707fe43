//! Baselines: writing one, reporting only new findings, surviving unrelated edits,
//! stale entries and pruning.

use std::fs;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{at, findings, json, project, txlint, LEAKY};

/// A second leak, added to a file later.
const ANOTHER_LEAK: &str = r#"
func Delete(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.Exec("DELETE FROM t")
	tx.Commit()
	return nil
}
"#;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_baseline_round_trip_survives_inserted_lines() {
    let dir = project(&[("pkg/a.go", LEAKY), ("b.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--write-baseline", "txlint-baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "wrote 4 findings to the baseline txlint-baseline.json",
        ));
    let written = read_json(&dir.path().join("txlint-baseline.json"));
    assert_eq!(written["version"], 1);
    let files: Vec<&String> = written["findings"].as_object().unwrap().keys().collect();
    assert_eq!(files, ["b.go", "pkg/a.go"], "sorted, relative paths");
    let rules = written["findings"]["pkg/a.go"].as_object().unwrap();
    assert_eq!(rules.keys().collect::<Vec<_>>(), ["TX001", "TX008"]);
    for prints in rules.values() {
        let (print, count) = prints.as_object().unwrap().iter().next().unwrap();
        assert_eq!(print.len(), 16, "the fingerprint's hash");
        assert_eq!(count, 1);
    }

    // Everything is baselined.
    txlint()
        .current_dir(dir.path())
        .args(["check", "--baseline", "txlint-baseline.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings in 2 files"))
        .stderr(predicate::str::contains("4 findings baselined"));

    // Lines inserted above and code re-indented elsewhere: still baselined.
    let edited = LEAKY.replace(
        "package store\n",
        "// Copyright 2026.\n\npackage store\n\n// Save saves.\n",
    );
    fs::write(dir.path().join("pkg/a.go"), edited + ANOTHER_LEAK).unwrap();
    let report = json(dir.path(), &["--baseline", "txlint-baseline.json"]);
    assert_eq!(findings(&report), [at("pkg/a.go", "TX001", 26)]);
    assert_eq!(report["summary"]["baselined"], 4);
}

#[test]
fn stale_entries_are_reported_and_pruned() {
    let dir = project(&[("a.go", LEAKY), ("b.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--write-baseline", "baseline.json"])
        .assert()
        .success();
    let before = fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    // TX001 of a.go is fixed.
    fs::write(
        dir.path().join("a.go"),
        LEAKY.replace("\ttx.Commit()\n\treturn nil", "\treturn tx.Commit()"),
    )
    .unwrap();
    txlint()
        .current_dir(dir.path())
        .args(["check", "--baseline", "baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("3 findings baselined"))
        .stderr(predicate::str::contains(
            "1 baseline entry matches no finding any more",
        ));
    // Reporting does not touch the file.
    assert_eq!(
        fs::read_to_string(dir.path().join("baseline.json")).unwrap(),
        before
    );
    txlint()
        .current_dir(dir.path())
        .args(["check", "--baseline", "baseline.json", "--prune-baseline"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("removed 1 baseline entry"));
    let pruned = read_json(&dir.path().join("baseline.json"));
    assert!(pruned["findings"]["a.go"].get("TX001").is_none());
    assert!(pruned["findings"]["a.go"].get("TX008").is_some());
    assert!(pruned["findings"]["b.go"].get("TX001").is_some());
    txlint()
        .current_dir(dir.path())
        .args(["check", "--baseline", "baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no finding any more").not());
}

#[test]
fn files_outside_the_run_keep_their_entries() {
    let dir = project(&[("a.go", LEAKY), ("b.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--write-baseline", "baseline.json"])
        .assert()
        .success();
    // Only a.go is checked (as pre-commit does): b.go's entries are not stale.
    txlint()
        .current_dir(dir.path())
        .args([
            "check",
            "--baseline",
            "baseline.json",
            "--prune-baseline",
            "a.go",
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("2 findings baselined"))
        .stderr(predicate::str::contains("removed").not());
    let kept = read_json(&dir.path().join("baseline.json"));
    assert!(kept["findings"].get("b.go").is_some());
}

#[test]
fn the_baseline_does_not_depend_on_the_working_directory() {
    let dir = project(&[("svc/a.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--write-baseline", "baseline.json"])
        .assert()
        .success();
    // From a subdirectory, paths are shown relative to it, but the baseline's are
    // relative to the baseline file.
    txlint()
        .current_dir(dir.path().join("svc"))
        .args(["check", "--baseline", "../baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("2 findings baselined"));
}

#[test]
fn a_broken_baseline_is_an_error() {
    let dir = project(&[("a.go", LEAKY), ("baseline.json", "{\"findings\": 3}")]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--baseline", "baseline.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a txlint baseline"));
    txlint()
        .current_dir(dir.path())
        .args(["check", "--prune-baseline"])
        .assert()
        .code(2);
}
