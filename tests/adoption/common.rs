//! Helpers shared by the adoption tests.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Two findings: TX008 at line 6 and TX001 at line 11.
pub const LEAKY: &str = r#"package store

import "database/sql"

func Save(db *sql.DB) error {
	tx, _ := db.Begin()
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		return err
	}
	tx.Commit()
	return nil
}
"#;

pub const CLEAN: &str = r#"package store

import "database/sql"

func Save(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return tx.Commit()
}
"#;

/// The binary, with an environment that does not depend on the caller's: no colour
/// variables, no cache directory override.
pub fn txlint() -> Command {
    let mut cmd = Command::cargo_bin("txlint").unwrap();
    cmd.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("TXLINT_CACHE_DIR");
    cmd
}

pub fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (path, content) in files {
        write(dir.path(), path, content);
    }
    dir
}

pub fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Runs `txlint check --format json ARGS` in `dir` and parses the report.
pub fn json(dir: &Path, args: &[&str]) -> Value {
    let output = txlint()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `(path, code, line)` of every finding.
pub fn findings(report: &Value) -> Vec<(String, String, u64)> {
    entries(report, "findings")
}

/// `(path, code, line)` of every suppressed finding.
pub fn suppressed(report: &Value) -> Vec<(String, String, u64)> {
    entries(report, "suppressed")
}

fn entries(report: &Value, key: &str) -> Vec<(String, String, u64)> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` array in {report}"))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Shorthand for an expected finding.
pub fn at(path: &str, code: &str, line: u64) -> (String, String, u64) {
    (path.to_string(), code.to_string(), line)
}

/// Codes of every finding, in report order.
pub fn codes(report: &Value) -> Vec<String> {
    findings(report)
        .into_iter()
        .map(|(_, code, _)| code)
        .collect()
}
