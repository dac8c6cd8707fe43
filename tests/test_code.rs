//! End-to-end tests of the test-code policy: rules do not report in test code unless
//! their documentation says so, `report-in-tests` or `--include-tests`.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A Go transaction left open on the early return (TX002 at line 6).
const GO_LEAK: &str = r#"package store

import "database/sql"

func Save(db *sql.DB, ok bool) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return tx.Commit()
}
"#;

/// A Rust write returned from without a commit (TX011), once in ordinary code and once
/// in a `#[cfg(test)]` module and a `#[tokio::test]` function.
const RUST_LEAKS: &str = r#"use sqlx::PgPool;

pub async fn save(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t VALUES (1)").execute(&mut *tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn seed(pool: &PgPool) -> Result<(), sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO t VALUES (2)").execute(&mut *tx).await?;
        Ok(())
    }
}

#[tokio::test]
async fn writes_then_drops() -> Result<(), sqlx::Error> {
    let pool = PgPool::connect("postgres://").await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t VALUES (3)").execute(&mut *tx).await?;
    Ok(())
}
"#;

fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

/// The JSON report of a run over `dir`.
fn report(dir: &Path, args: &[&str]) -> Value {
    let output = Command::cargo_bin("txlint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-cache", "--format", "json"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(path, line, code)` of every finding.
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, u64, String)> {
    let doc = report(dir, args);
    let mut found: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["range"]["start"]["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn finding(path: &str, line: u64, code: &str) -> (String, u64, String) {
    (path.to_string(), line, code.to_string())
}

#[test]
fn test_files_of_each_language_are_not_reported_by_default() {
    let dir = project(&[
        ("store/save.go", GO_LEAK),
        ("store/save_test.go", GO_LEAK),
        ("src/lib.rs", RUST_LEAKS),
        ("tests/seed.rs", RUST_LEAKS),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        vec![
            finding("src/lib.rs", 4, "TX011"),
            finding("store/save.go", 6, "TX002"),
        ]
    );
}

#[test]
fn include_tests_reports_everywhere() {
    let dir = project(&[("store/save_test.go", GO_LEAK), ("src/lib.rs", RUST_LEAKS)]);
    assert_eq!(
        findings(dir.path(), &["--include-tests"]),
        vec![
            finding("src/lib.rs", 4, "TX011"),
            finding("src/lib.rs", 14, "TX011"),
            finding("src/lib.rs", 23, "TX011"),
            finding("store/save_test.go", 6, "TX002"),
        ]
    );
}

#[test]
fn report_in_tests_names_the_rules_that_report_there() {
    let dir = project(&[
        (
            "txlint.toml",
            "report-in-tests = [\"unended-transaction\"]\n",
        ),
        ("store/save_test.go", GO_LEAK),
        ("src/lib.rs", RUST_LEAKS),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        vec![
            finding("src/lib.rs", 4, "TX011"),
            finding("store/save_test.go", 6, "TX002"),
        ]
    );
}

#[test]
fn test_paths_add_shared_test_helpers() {
    let dir = project(&[
        ("txlint.toml", "test-paths = [\"internal/dbtest/**\"]\n"),
        ("internal/dbtest/fixtures.go", GO_LEAK),
        ("internal/store/save.go", GO_LEAK),
    ]);
    assert_eq!(
        findings(dir.path(), &[]),
        vec![finding("internal/store/save.go", 6, "TX002")]
    );
}

/// A helper of the tests outside a `_test.go` file: it takes the test's `*testing.T`
/// (`testing.TB` for the second), so only tests can call it.
const GO_TEST_HELPERS: &str = r#"package dbtest

import (
	"database/sql"
	"testing"
)

var shared *sql.DB

func Open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", "postgres://localhost/test")
	if err != nil {
		t.Fatal(err)
	}
	shared = db
	return db
}

func Seed(tb testing.TB, db *sql.DB) {
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		tb.Fatal(err)
	}
}

func Production(db *sql.DB) {
	tx, _ := db.Begin()
	tx.Exec("INSERT INTO t VALUES (2)")
}
"#;

#[test]
fn go_functions_taking_the_tests_handle_are_test_code() {
    let dir = project(&[("internal/dbtest/db.go", GO_TEST_HELPERS)]);
    assert_eq!(
        findings(dir.path(), &[]),
        vec![
            finding("internal/dbtest/db.go", 31, "TX002"),
            finding("internal/dbtest/db.go", 31, "TX008"),
        ]
    );
    assert_eq!(
        findings(dir.path(), &["--include-tests"]),
        vec![
            finding("internal/dbtest/db.go", 12, "TX010"),
            finding("internal/dbtest/db.go", 21, "TX002"),
            finding("internal/dbtest/db.go", 31, "TX002"),
            finding("internal/dbtest/db.go", 31, "TX008"),
        ]
    );
}

/// The harness of a Ginkgo end-to-end suite, in a package of its own that only the suite's
/// `_test.go` files import: it takes no `*testing.T` (Ginkgo's `Expect` reports through
/// the suite), but it imports the test framework, so all of it is test code.
const GO_GINKGO_HARNESS: &str = r#"package harness

import (
	"database/sql"

	. "github.com/onsi/gomega"
)

var deployed *sql.DB

func Deploy(dsn string) {
	db, err := sql.Open("pgx", dsn)
	Expect(err).ToNot(HaveOccurred())
	deployed = db
}
"#;

#[test]
fn go_files_importing_a_test_framework_are_test_code() {
    let dir = project(&[("e2e/harness/deploy.go", GO_GINKGO_HARNESS)]);
    assert_eq!(findings(dir.path(), &[]), vec![]);
    assert_eq!(
        findings(dir.path(), &["--include-tests"]),
        vec![finding("e2e/harness/deploy.go", 12, "TX010")]
    );
}

/// A Go test file that does not parse: a syntax error is a notice about a file that was
/// analysed.
const GO_BROKEN_TEST: &str = "package store\n\nimport \"database/sql\"\n\nfunc seed(db *sql.DB) {\n\ttx, _ := db.Begin(\n\tif {\n}\n";

#[test]
fn test_files_are_not_analysed_when_no_rule_reports_there() {
    let dir = project(&[("store/seed_test.go", GO_BROKEN_TEST)]);
    let notifications = |args: &[&str]| {
        report(dir.path(), args)["notifications"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(notifications(&[]), 0);
    assert_eq!(notifications(&["--include-tests"]), 1);
}
