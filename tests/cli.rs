//! End-to-end tests of the `txlint` binary: exit codes, output formats, discovery and
//! bad input. Each test builds its own directory of sources.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

/// Two findings: TX008 at 6:11 and TX001 at 11:2 (columns in code points).
/// A Python file with a finding (its `finally` commits after a failed statement).
const PYTHON_WITH_FINDING: &str = "import psycopg2\n\n\ndef save(dsn):\n    conn = psycopg2.connect(dsn)\n    try:\n        conn.cursor().execute(\"INSERT INTO t VALUES (1)\")\n    finally:\n        conn.commit()\n        conn.close()\n";

const LEAKY: &str = r#"package store

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

const CLEAN: &str = r#"package store

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

fn txlint() -> Command {
    let mut cmd = Command::cargo_bin("txlint").unwrap();
    cmd.env_remove("NO_COLOR").env_remove("GITHUB_ACTIONS");
    cmd
}

fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn json_output(dir: &Path, args: &[&str]) -> Value {
    let output = txlint()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn finding_codes(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
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

#[test]
fn findings_exit_1_and_clean_code_exits_0() {
    let dir = project(&[
        ("leaky.go", LEAKY.as_bytes()),
        ("clean.go", CLEAN.as_bytes()),
    ]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "leaky.go"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("TX001"))
        .stdout(predicate::str::contains("TX008"))
        .stdout(predicate::str::ends_with(
            "\n2 findings in 1 file (1 file checked)\n",
        ));
    // The files with findings, then the files checked.
    txlint()
        .current_dir(dir.path())
        .args(["check", "--no-cache"])
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with(
            "\n2 findings in 1 file (2 files checked)\n",
        ));
    txlint()
        .current_dir(dir.path())
        .args(["check", "clean.go"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings in 1 file"));
}

#[test]
fn exit_zero_keeps_findings_but_exits_0() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--exit-zero", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("TX001"));
}

#[test]
fn default_path_is_the_current_directory() {
    let dir = project(&[("pkg/leaky.go", LEAKY.as_bytes())]);
    let report = json_output(dir.path(), &[]);
    assert_eq!(
        finding_codes(&report),
        [
            ("pkg/leaky.go".to_string(), "TX008".to_string(), 6),
            ("pkg/leaky.go".to_string(), "TX001".to_string(), 11)
        ]
    );
}

#[test]
fn select_and_ignore_choose_rules() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    let only_commit = json_output(dir.path(), &["--select", "TX001"]);
    assert_eq!(finding_codes(&only_commit).len(), 1);
    assert_eq!(finding_codes(&only_commit)[0].1, "TX001");
    let by_name = json_output(dir.path(), &["--ignore", "unchecked-commit"]);
    assert_eq!(finding_codes(&by_name).len(), 1);
    assert_eq!(finding_codes(&by_name)[0].1, "TX008");
    txlint()
        .current_dir(dir.path())
        .args(["check", "--select", "TX999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule selector `TX999`"));
}

#[test]
fn usage_errors_exit_2() {
    txlint().args(["check", "--format", "xml"]).assert().code(2);
    txlint().args(["frobnicate"]).assert().code(2);
    txlint().args(["check", "--jobs", "0"]).assert().code(2);
}

#[test]
fn missing_path_exits_2_but_other_paths_are_checked() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "does-not-exist", "leaky.go"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "does-not-exist: no such file or directory",
        ))
        .stdout(predicate::str::contains("TX001"));
}

#[test]
fn output_is_identical_across_runs_and_job_counts() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..40 {
        let source = if i % 3 == 0 { CLEAN } else { LEAKY };
        files.push((
            format!("pkg{}/file{i}.go", i % 7),
            source.as_bytes().to_vec(),
        ));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = project(&borrowed);
    let run = |jobs: &str, format: &str| {
        txlint()
            .current_dir(dir.path())
            .args(["check", "--format", format, "--jobs", jobs])
            .output()
            .unwrap()
            .stdout
    };
    for format in ["human", "json", "sarif", "github"] {
        let one = run("1", format);
        assert!(!one.is_empty());
        assert_eq!(one, run("2", format), "{format}: --jobs 1 vs 2");
        assert_eq!(one, run("2", format), "{format}: two runs");
    }
}

/// Over the memory budget, files keep only their declarations and are lowered again when
/// the index or their check needs them: the findings on every fixture, cross-file projects
/// included, must not change, with or without a cache.
#[test]
fn a_spent_memory_budget_changes_no_finding() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let cache = TempDir::new().unwrap();
    let run = |extra: &[&str]| {
        let output = txlint()
            .current_dir(&fixtures)
            .args(["check", "--format", "json", "--exit-zero", "--jobs", "2"])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{extra:?}");
        output.stdout
    };
    let whole = run(&["--no-cache"]);
    let report: Value = serde_json::from_slice(&whole).unwrap();
    assert!(finding_codes(&report).len() > 500);
    for budget in ["0", "1"] {
        let set_aside = run(&["--no-cache", "--memory-budget", budget]);
        assert!(set_aside == whole, "--memory-budget {budget}");
    }
    let cache_dir = cache.path().to_str().unwrap();
    let cached = run(&["--cache-dir", cache_dir, "--memory-budget", "0"]);
    assert!(cached == whole, "--memory-budget 0 with a cache");
}

#[test]
fn gitignore_vendor_and_hidden_directories_are_skipped_unless_named() {
    let dir = project(&[
        (".gitignore", b"generated/\n"),
        ("generated/leaky.go", LEAKY.as_bytes()),
        ("vendor/lib/leaky.go", LEAKY.as_bytes()),
        ("node_modules/x/leaky.go", LEAKY.as_bytes()),
        (".hidden/leaky.go", LEAKY.as_bytes()),
        ("app/leaky.go", LEAKY.as_bytes()),
    ]);
    let paths = |report: &Value| -> Vec<String> {
        let mut paths: Vec<String> = finding_codes(report)
            .into_iter()
            .map(|(p, _, _)| p)
            .collect();
        paths.dedup();
        paths
    };
    assert_eq!(paths(&json_output(dir.path(), &[])), ["app/leaky.go"]);
    assert_eq!(
        paths(&json_output(dir.path(), &["--no-ignore"])),
        ["app/leaky.go", "generated/leaky.go"]
    );
    // Files named explicitly are always checked (pre-commit passes file lists).
    assert_eq!(
        paths(&json_output(
            dir.path(),
            &["vendor/lib/leaky.go", "generated/leaky.go"]
        )),
        ["generated/leaky.go", "vendor/lib/leaky.go"]
    );
}

#[test]
fn output_file_receives_the_report() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif", "--output", "out.sarif"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
}

#[test]
fn human_output_has_no_colour_when_piped_or_with_no_color() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    let plain = txlint()
        .current_dir(dir.path())
        .args(["check"])
        .output()
        .unwrap();
    assert!(
        !plain.stdout.contains(&0x1b),
        "escape codes in piped output"
    );
    let forced = txlint()
        .current_dir(dir.path())
        .args(["check", "--color", "always"])
        .output()
        .unwrap();
    assert!(forced.stdout.contains(&0x1b), "--color always colours");
    let quiet = txlint()
        .current_dir(dir.path())
        .args(["check", "--quiet"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("findings in"));
}

#[test]
fn github_format_prints_workflow_commands() {
    let dir = project(&[("leaky.go", LEAKY.as_bytes())]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--format", "github"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("::error file=leaky.go,line=11,col=2,endLine=11,endColumn=13,title=TX001 unchecked-commit::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::warning file=leaky.go,line=6,col=11,"),
        "{stdout}"
    );
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let dir = project(&[
        ("leaky.go", LEAKY.as_bytes()),
        (
            "broken.go",
            b"package p\nfunc broken(tx *sql.Tx {\n\ttx.Commit()\n",
        ),
        ("latin1.go", b"package p // caf\xe9\n"),
    ]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let validator = official_sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        txlint_rules::RULES.len()
    );
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 2, "{notifications:#?}");
}

/// The official SARIF 2.1.0 schema, as shipped in `shared/schemas/` (copied verbatim to
/// `tests/data/`). That copy keeps the log's own constraints under `definitions.Root`,
/// which leaves its top level accepting anything, so we validate against `Root`. Its
/// `run.language` pattern has a stray `]` (oasis-tcs/sarif-spec#490) that the validator
/// refuses to compile; we never write `language`, so the upstream fix changes nothing.
fn official_sarif_schema() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json").replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut root = schema["definitions"]["Root"].clone();
    assert!(
        root["required"].as_array().is_some_and(|r| !r.is_empty()),
        "schema layout changed"
    );
    root["definitions"] = schema["definitions"].clone();
    root["$schema"] = schema["$schema"].clone();
    jsonschema::validator_for(&root).unwrap()
}

#[test]
fn the_schema_check_can_fail() {
    let validator = official_sarif_schema();
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(
        validator.iter_errors(&broken).count() > 0,
        "a run without a tool must be rejected"
    );
}

// ----- bad input ---------------------------------------------------------------------

fn notifications(report: &Value) -> Vec<(String, bool, String)> {
    report["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["skipped"].as_bool().unwrap(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Code nested past the front-ends' depth guard is not lowered: the function around it
/// is withheld (its commit may be down there), the rest of the file is still checked, and
/// a notice says so.
#[test]
fn code_nested_too_deeply_withholds_its_function_with_a_notice() {
    const LEVELS: usize = 450;
    let go = format!(
        "package store\n\nimport \"database/sql\"\n\nfunc Deep(db *sql.DB, x int) error {{\n\ttx, err := db.Begin()\n\tif err != nil {{\n\t\treturn err\n\t}}\n{}\treturn tx.Commit()\n{}\treturn nil\n}}\n\nfunc Shallow(tx *sql.Tx) {{\n\ttx.Commit()\n}}\n",
        "\tif x > 0 {\n".repeat(LEVELS),
        "\t}\n".repeat(LEVELS),
    );
    let python_levels = 350;
    let mut python = String::from(
        "from psycopg_pool import ConnectionPool\n\npool = ConnectionPool('')\n\n\ndef deep(x):\n    conn = pool.getconn()\n    try:\n        conn.execute('SELECT 1')\n",
    );
    for level in 0..python_levels {
        python.push_str(&format!("{}if x > {level}:\n", "    ".repeat(level + 2)));
    }
    python.push_str(&format!(
        "{}conn.commit()\n    finally:\n        pool.putconn(conn)\n",
        "    ".repeat(python_levels + 2)
    ));
    let rust = format!(
        "pub async fn deep(pool: &sqlx::PgPool, x: i32) -> Result<(), sqlx::Error> {{\n    let mut tx = pool.begin().await?;\n    sqlx::query(\"UPDATE t SET a = 1\").execute(&mut *tx).await?;\n{}tx.commit().await?;\n{}    Ok(())\n}}\n",
        "if x > 0 {\n".repeat(LEVELS),
        "}\n".repeat(LEVELS),
    );
    let dir = project(&[
        ("deep.go", go.as_bytes()),
        ("deep.py", python.as_bytes()),
        ("deep.rs", rust.as_bytes()),
    ]);
    let report = json_output(dir.path(), &["--no-cache"]);
    // Without the guard's notice each file has a false positive: TX002, TX004, TX011.
    assert_eq!(
        finding_codes(&report),
        [(
            "deep.go".to_string(),
            "TX001".to_string(),
            (2 * LEVELS + 15) as u64
        )]
    );
    let notes = notifications(&report);
    let paths: Vec<&str> = notes.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["deep.go", "deep.py", "deep.rs"], "{notes:?}");
    for (_, skipped, message) in &notes {
        assert!(!skipped);
        assert!(message.contains("nested too deeply"), "{message}");
    }
}

/// Each begin's analysis walks its function, so thousands of begins in one body took
/// seconds (fuzzing: 3,000 in one Rust function, 8 s). Past the limit a function's
/// findings are withheld with a notice; at the limit it is analysed as usual.
#[test]
fn a_function_with_too_many_begins_is_withheld_with_a_notice() {
    let limit = txlint_rules::MAX_BEGINS_PER_FUNCTION;
    let go_function = |name: &str, begins: usize| {
        format!(
            "func {name}(db *sql.DB) {{\n{}}}\n\n",
            "\ttx, _ := db.Begin()\n\ttx.Exec(\"UPDATE t SET a = 1\")\n".repeat(begins)
        )
    };
    let go = format!(
        "package store\n\nimport \"database/sql\"\n\n{}{}",
        go_function("AtTheLimit", limit),
        go_function("PastTheLimit", limit + 1),
    );
    // Guards, raw `BEGIN` statements, pooled connections.
    let rust = [
        "    let mut tx = pool.begin().await?;\n    sqlx::query(\"UPDATE t SET a = 1\").execute(&mut *tx).await?;\n",
        "    sqlx::query(\"BEGIN\").execute(pool).await?;\n",
        "    let mut conn = pool.acquire().await?;\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, body)| {
        format!(
            "pub async fn past{i}(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {{\n{}    Ok(())\n}}\n\n",
            body.repeat(limit + 1)
        )
    })
    .collect::<String>();
    let python = format!(
        "from django.db import transaction\n\n\ndef past():\n{}",
        "    transaction.set_autocommit(False)\n".repeat(limit + 1)
    );
    let dir = project(&[
        ("many.go", go.as_bytes()),
        ("many.py", python.as_bytes()),
        ("many.rs", rust.as_bytes()),
        ("other/leaky.go", LEAKY.as_bytes()),
    ]);
    let report = json_output(dir.path(), &["--no-cache"]);
    let findings = finding_codes(&report);
    let past_start = go.find("func PastTheLimit").unwrap();
    let past_line = go[..past_start].lines().count() as u64 + 1;
    let in_go: Vec<_> = findings
        .iter()
        .filter(|(path, _, _)| path == "many.go")
        .collect();
    // Every begin of the function at the limit is left open and its error dropped: a
    // TX002 and a TX008 each; none in the function past it.
    for code in ["TX002", "TX008"] {
        let count = in_go.iter().filter(|(_, c, _)| c == code).count();
        assert_eq!(count, limit, "{code}");
    }
    assert_eq!(in_go.len(), 2 * limit);
    assert!(in_go.iter().all(|(_, _, line)| *line < past_line));
    assert!(
        findings
            .iter()
            .all(|(path, _, _)| path != "many.rs" && path != "many.py"),
        "{findings:?}"
    );
    assert_eq!(
        findings
            .iter()
            .filter(|(path, _, _)| path == "other/leaky.go")
            .count(),
        2
    );
    let notes = notifications(&report);
    let paths: Vec<&str> = notes.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(paths, ["many.go", "many.py", "many.rs"], "{notes:?}");
    for (_, skipped, message) in &notes {
        assert!(!skipped);
        assert!(
            message.contains(&format!(
                "functions with more than {limit} transaction begins or pooled connections"
            )) || message.contains(&format!(
                "function with more than {limit} transaction begins or pooled connections"
            )),
            "{message}"
        );
    }
    assert_eq!(report["notifications"][0]["level"], "warning");
}

/// tree-sitter's error recovery can take seconds on long broken lines; the parser is
/// stopped at its budget (tests stop it at once) and the file is reported as not checked,
/// at the level of the other files that could not be checked.
#[cfg(debug_assertions)]
#[test]
fn a_file_whose_parser_is_stopped_is_reported_and_the_others_still_checked() {
    let dir = project(&[
        ("a_leaky.go", LEAKY.as_bytes()),
        ("other/b.go", LEAKY.as_bytes()),
        ("c.py", PYTHON_WITH_FINDING.as_bytes()),
    ]);
    for (stopped, other) in [("b.go", "c.py"), ("c.py", "other/b.go")] {
        let output = txlint()
            .current_dir(dir.path())
            .env("TXLINT_TEST_FAULT", format!("parse-budget:{stopped}"))
            .args(["check", "--no-cache", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let findings = finding_codes(&report);
        let paths: BTreeSet<&str> = findings.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, BTreeSet::from(["a_leaky.go", other]), "{findings:?}");
        let notes = notifications(&report);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].0.ends_with(stopped), "{notes:?}");
        assert!(notes[0].2.contains("the parser was stopped"), "{notes:?}");
        assert_eq!(report["notifications"][0]["level"], "error");
    }
}

#[test]
fn helper_chains_longer_than_any_fixed_cap_are_followed_to_their_end() {
    // 100 helpers, one a file (Go) or one a module (Python), each calling the next: the
    // rollback (Go) and the pool (Python) are at the far end, in the order least favourable
    // to the fixed point.
    const DEPTH: usize = 100;
    let mut files: Vec<(String, String)> = vec![
        ("go.mod".into(), "module example.com/depot\n\ngo 1.22\n".into()),
        (
            "stock/adjust.go".into(),
            "package stock\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n)\n\nfunc Adjust(ctx context.Context, db *sql.DB) error {\n\ttx, err := db.BeginTx(ctx, nil)\n\tif err != nil {\n\t\treturn err\n\t}\n\tif _, err := tx.ExecContext(ctx, \"UPDATE stock SET n = n - 1\"); err != nil {\n\t\treturn undo0(tx, err)\n\t}\n\treturn tx.Commit()\n}\n".into(),
        ),
        ("depot/__init__.py".into(), String::new()),
        (
            "depot/report.py".into(),
            "from depot.link0 import fetch0\nfrom depot.link99 import give_back\n\n\ndef level():\n    conn = fetch0()\n    cur = conn.cursor()\n    cur.execute(\"SELECT n FROM stock\")\n    row = cur.fetchone()\n    give_back(conn)\n    return row\n".into(),
        ),
    ];
    for i in 0..DEPTH {
        let go = if i + 1 < DEPTH {
            format!("package stock\n\nimport \"database/sql\"\n\nfunc undo{i}(tx *sql.Tx, err error) error {{\n\treturn undo{}(tx, err)\n}}\n", i + 1)
        } else {
            format!("package stock\n\nimport \"database/sql\"\n\nfunc undo{i}(tx *sql.Tx, err error) error {{\n\t_ = tx.Rollback()\n\treturn err\n}}\n")
        };
        // Files named so that the walk meets the far end last.
        files.push((format!("stock/z{:03}.go", DEPTH - i), go));
        let py = if i + 1 < DEPTH {
            format!("from depot.link{next} import fetch{next}\n\n\ndef fetch{i}():\n    return fetch{next}()\n", next = i + 1)
        } else {
            format!("from psycopg2.pool import SimpleConnectionPool\n\n_pool = SimpleConnectionPool(1, 4, \"dbname=depot\")\n\n\ndef fetch{i}():\n    return _pool.getconn()\n\n\ndef give_back(conn):\n    _pool.putconn(conn)\n")
        };
        files.push((format!("depot/link{i}.py"), py));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_bytes()))
        .collect();
    let dir = project(&borrowed);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--no-cache", "--format", "json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = finding_codes(&report);
    // No TX002 in Go: the rollback at the end of the chain is found. The TX004 in Python:
    // the connection from the far end is a pooled one, read and given back open.
    assert_eq!(
        findings,
        vec![("depot/report.py".to_string(), "TX004".to_string(), 8)],
        "{output:?}"
    );
}

#[test]
fn a_python_file_tree_sitter_would_abort_on_is_reported_and_the_others_still_checked() {
    // 400 nested blocks and an open line of nested f-strings: given to tree-sitter-python,
    // this aborts the whole process (an assertion in tree-sitter, not a panic).
    let deep = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/python-abort-deep-indentation.py"),
    )
    .unwrap();
    let report = check_beside_findings("deep.py", &deep, "400 different indentation widths");
    assert_eq!(report["notifications"][0]["level"], "error");
}

#[test]
fn a_python_parse_that_never_gives_control_back_is_given_up_on_and_the_run_goes_on() {
    // tree-sitter-python's recovery at the end of this input (thousands of `/* ` lines
    // after an open block) runs where the parse budget is never checked: 10 s and 4 GB
    // for these 4,000 lines. The run must not wait for it (the timeout is a hang detector,
    // several times what the run takes).
    let known = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/python-hang-recover-at-end-of-file.py"),
    )
    .unwrap();
    let stuck = format!("import psycopg2\n{known}{}", "/* \n".repeat(1_000));
    check_beside_findings("b_stuck.py", stuck.as_bytes(), "parser was stopped");
}

/// Checks a project of a leaky Go file, the Python file `name` with `content`, and a Python
/// file with a finding (the timeout detects a hang, several times what the run takes): the
/// two files with findings are reported, and `name` only by one notification that says
/// `message`.
fn check_beside_findings(name: &str, content: &[u8], message: &str) -> Value {
    let dir = project(&[
        ("a_leaky.go", LEAKY.as_bytes()),
        (name, content),
        ("c.py", PYTHON_WITH_FINDING.as_bytes()),
    ]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--no-cache", "--format", "json"])
        .timeout(std::time::Duration::from_secs(5))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = finding_codes(&report);
    let paths: BTreeSet<&str> = findings.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["a_leaky.go", "c.py"]),
        "{findings:?}"
    );
    let notes = notifications(&report);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].0.ends_with(name), "{notes:?}");
    assert!(notes[0].2.contains(message), "{notes:?}");
    report
}

#[test]
fn broken_files_are_reported_and_the_others_still_checked() {
    let mut big = String::from("package big\n\n");
    while big.len() < 50 * 1024 * 1024 {
        big.push_str("func f() {\n\tx := 1\n\t_ = x\n}\n");
    }
    let dir = project(&[
        ("a_leaky.go", LEAKY.as_bytes()),
        ("binary.go", b"\x7fELF\x00\x00\x01\x02"),
        ("big.go", big.as_bytes()),
        ("empty.go", b""),
        // Broken, but mentions no database call: it cannot hide a finding, so it is not
        // even parsed (that is what keeps large repositories fast) and gets no notice.
        ("unrelated_broken.go", b"package p\nfunc add(a, b int {\n"),
        ("latin1.go", b"package p\n// caf\xe9\n"),
        (
            "syntax.go",
            b"package p\n\nfunc broken( {\n\tx := \n}\n\nfunc ok(tx *sql.Tx) {\n\ttx.Commit()\n}\n",
        ),
        // Rust: syn rejects the whole file; the items other than the broken one are
        // recovered and checked.
        (
            "syntax.rs",
            b"use sqlx::PgPool;\n\nfn broken( {\n}\n\npub async fn save(pool: &PgPool) -> Result<(), sqlx::Error> {\n    let tx = pool.begin().await?;\n    tx.commit().await;\n    Ok(())\n}\n",
        ),
    ]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop.go", dir.path().join("loop.go")).unwrap();
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", ".", "loop.go"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        finding_codes(&report),
        [
            ("a_leaky.go".to_string(), "TX008".to_string(), 6),
            ("a_leaky.go".to_string(), "TX001".to_string(), 11),
            ("syntax.go".to_string(), "TX001".to_string(), 8),
            ("syntax.rs".to_string(), "TX001".to_string(), 8),
        ]
    );
    let notes = notifications(&report);
    let find = |path: &str| {
        notes
            .iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("no notification for {path}: {notes:?}"))
    };
    assert!(find("binary.go").2.contains("binary"));
    assert!(find("big.go").2.contains("50.0 MiB"));
    assert!(find("latin1.go").2.contains("not valid UTF-8"));
    for path in ["syntax.go", "syntax.rs"] {
        assert!(find(path).2.contains("syntax error"));
        assert!(!find(path).1, "a file with syntax errors is still checked");
    }
    #[cfg(unix)]
    assert!(find("loop.go").2.contains("cannot read"));
    assert!(notes
        .iter()
        .all(|(p, _, _)| p != "empty.go" && p != "unrelated_broken.go"));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for path in [
        "binary.go",
        "big.go",
        "latin1.go",
        "syntax.go:3:",
        "syntax.rs:3:",
    ] {
        assert!(stderr.contains(path), "stderr lacks {path}: {stderr}");
    }
    assert_eq!(
        report["summary"]["files_skipped"],
        if cfg!(unix) { 4 } else { 3 }
    );
}

/// Comments whose fourth byte after `#` or `//` is inside a multi-byte character, in
/// files that mention `txlint`, `noqa` or `nolint`, used to panic the suppression
/// scanner and end the run with exit code 101.
#[test]
fn comments_with_multi_byte_characters_are_read_in_every_language() {
    let rust = "// ── sección ── 日本語のコメント, checked by txlint\npub async fn save(pool: &sqlx::PgPool) {\n    let mut tx = pool.begin().await.unwrap();\n    sqlx::query(\"UPDATE t SET a = 1\").execute(&mut *tx).await.unwrap();\n    let _ = tx.commit().await;\n}\n";
    let python = "# café au lait; ruff is told with noqa\nimport psycopg2\n\n\ndef save(dsn):\n    conn = psycopg2.connect(dsn)\n    try:\n        conn.cursor().execute(\"INSERT INTO t VALUES (1)\")\n    finally:\n        conn.commit()\n        conn.close()\n";
    let go = "package store\n\nimport \"database/sql\"\n\n// ── section ──\nfunc Save(db *sql.DB) error {\n\ttx, _ := db.Begin() //nolint:txlint\n\tdefer tx.Rollback()\n\ttx.Commit()\n\treturn nil\n}\n";
    let dir = project(&[
        ("a.rs", rust.as_bytes()),
        ("b.py", python.as_bytes()),
        ("c.go", go.as_bytes()),
        ("d_leaky.go", LEAKY.as_bytes()),
    ]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--no-cache", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        finding_codes(&report),
        [
            ("a.rs".to_string(), "TX001".to_string(), 5),
            ("b.py".to_string(), "TX006".to_string(), 10),
            ("c.go".to_string(), "TX001".to_string(), 9),
            ("d_leaky.go".to_string(), "TX008".to_string(), 6),
            ("d_leaky.go".to_string(), "TX001".to_string(), 11),
        ]
    );
    assert_eq!(report["notifications"], serde_json::json!([]));
    assert_eq!(
        report["suppressed"].as_array().unwrap().len(),
        1,
        "the //nolint"
    );
}

/// Every stage that works on one file runs isolated: a bug (here a panic injected by a
/// debug build, see `isolate::fault_point`) becomes an error about that file, with
/// one clean line on stderr, and the other files are still reported.
#[cfg(debug_assertions)]
#[test]
fn a_bug_in_any_per_file_stage_is_reported_for_that_file_only() {
    // In two packages, so that the package rules' failure concerns `b.go` alone.
    let dir = project(&[
        ("a_leaky.go", LEAKY.as_bytes()),
        ("other/b.go", LEAKY.as_bytes()),
    ]);
    let stages = [
        "read",
        "suppressions",
        "parse",
        "rules",
        "notices",
        "lines",
        "apply",
        "render",
        "package",
    ];
    for stage in stages {
        for format in ["json", "human", "sarif", "github"] {
            let output = txlint()
                .current_dir(dir.path())
                .env("TXLINT_TEST_PANIC", format!("{stage}:b.go"))
                .env_remove("RUST_BACKTRACE")
                .args(["check", "--no-cache", "--format", format])
                .output()
                .unwrap();
            let stdout = String::from_utf8(output.stdout).unwrap();
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert_eq!(output.status.code(), Some(1), "{stage} {format}: {stderr}");
            assert!(!stderr.contains("RUST_BACKTRACE"), "{stage}: {stderr}");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{stage} {format}: {stderr}");
            assert!(
                lines[0].starts_with("txlint: error: other/b.go: internal error while ")
                    && lines[0].contains(&format!("injected failure in stage `{stage}`"))
                    && lines[0]
                        .contains("please report it at https://github.com/txlint/txlint/issues"),
                "{stage}: {stderr}"
            );
            if format == "json" {
                let report: Value = serde_json::from_str(&stdout).unwrap();
                let leaky: Vec<_> = finding_codes(&report)
                    .into_iter()
                    .filter(|(path, _, _)| path == "a_leaky.go")
                    .collect();
                assert_eq!(leaky.len(), 2, "{stage}: {report}");
                let notes = notifications(&report);
                assert_eq!(notes.len(), 1, "{stage}: {notes:?}");
                assert_eq!(notes[0].0, "other/b.go");
                assert_eq!(report["notifications"][0]["level"], "error");
            } else {
                assert!(stdout.contains("a_leaky.go"), "{stage} {format}: {stdout}");
                assert!(
                    stdout.contains("internal error") || format == "human",
                    "{stage} {format}: {stdout}"
                );
            }
        }
    }
    // Outside the per-file stages, a bug still ends the run with one line and exit
    // code 2, never Rust's panic report and 101.
    txlint()
        .current_dir(dir.path())
        .env("TXLINT_TEST_PANIC", "report:*")
        .env_remove("RUST_BACKTRACE")
        .args(["check", "--no-cache"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::starts_with("txlint: error: internal error (panicked at ").and(
                predicate::function(|stderr: &str| stderr.lines().count() == 1),
            ),
        );
}

/// A FIFO named on the command line used to block txlint forever (opening it waits
/// for a writer). It is skipped with a notice, without being opened.
#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_skipped_not_read() {
    let dir = project(&[("a_leaky.go", LEAKY.as_bytes())]);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe.go"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let output = txlint()
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(120))
        .args([
            "check",
            "--no-cache",
            "--format",
            "json",
            "pipe.go",
            "a_leaky.go",
        ])
        .output()
        .expect("txlint finishes instead of waiting on the FIFO");
    assert_eq!(output.status.code(), Some(1), "the findings of a_leaky.go");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(finding_codes(&report).len(), 2);
    let notes = notifications(&report);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, "pipe.go");
    assert!(notes[0].1, "skipped");
    assert!(notes[0].2.contains("named pipe (FIFO)"), "{notes:?}");
    assert_eq!(report["notifications"][0]["level"], "warning");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("pipe.go"), "{stderr}");
    // The directory walk passes over it.
    let output = txlint()
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(120))
        .args(["check", "--no-cache", "--format", "json"])
        .output()
        .expect("txlint finishes instead of waiting on the FIFO");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(finding_codes(&report).len(), 2);
}

/// Files that were meant to be checked and could not be, each alone in a project with a
/// clean file. Name, content, what the message says, extra arguments.
fn unchecked_cases() -> Vec<(&'static str, Vec<u8>, &'static str, Vec<&'static str>)> {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("import psycopg\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let mut cases = vec![
        ("binary.go", b"\x7fELF\x00\x00\x01\x02".to_vec(), "binary", vec![]),
        ("utf16.py", utf16, "UTF-16", vec![]),
        ("latin1.go", b"package p\n// caf\xe9\n".to_vec(), "not valid UTF-8", vec![]),
        (
            "big.go",
            format!("{CLEAN}{}", "// padding\n".repeat(30)).into_bytes(),
            "limit",
            vec!["--max-file-size", "300"],
        ),
        (
            "syntax.go",
            b"package p\n\nimport \"database/sql\"\n\nfunc broken( {\n}\n\nfunc ok(db *sql.DB) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer tx.Rollback()\n\treturn tx.Commit()\n}\n".to_vec(),
            "syntax error",
            vec![],
        ),
        (
            "syntax.py",
            b"import psycopg\n\ndef broken(:\n    pass\n\ndef ok(conn):\n    with conn.transaction():\n        conn.execute(\"SELECT 1\")\n".to_vec(),
            "syntax error",
            vec![],
        ),
        (
            "syntax.rs",
            b"pub async fn ok(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {\n    let mut tx = pool.begin().await?;\n    tx.commit().await?;\n    Ok(())\n}\n\nfn broken( {\n".to_vec(),
            "syntax error",
            vec![],
        ),
    ];
    if cfg!(debug_assertions) {
        // A bug of txlint (a panic injected by a debug build).
        cases.push((
            "bug.go",
            CLEAN.as_bytes().to_vec(),
            "internal error",
            vec![],
        ));
    }
    cases
}

/// Runs `txlint check ARGS` in `dir` (cache off), with a panic injected into `bug.go`.
fn check_in(dir: &Path, args: &[&str]) -> std::process::Output {
    txlint()
        .current_dir(dir)
        .env("TXLINT_TEST_PANIC", "rules:bug.go")
        .env_remove("RUST_BACKTRACE")
        .args(["check", "--no-cache"])
        .args(args)
        .output()
        .unwrap()
}

/// A file that was meant to be checked and could not be (unreadable, binary, UTF-16,
/// not UTF-8, too large, syntax errors, an internal error) fails the run with exit code
/// 1 and is an error in every format; `--unchecked-files warning` or the configuration's
/// `unchecked-files = "warning"` make it a warning that leaves the exit code alone.
#[test]
fn files_that_could_not_be_checked_fail_the_run_unless_made_warnings() {
    let mut cases = unchecked_cases();
    #[cfg(unix)]
    cases.push(("loop.go", Vec::new(), "cannot read", vec![]));
    for (name, content, says, extra) in cases {
        let dir = project(&[("clean.go", CLEAN.as_bytes())]);
        if name == "loop.go" {
            #[cfg(unix)]
            std::os::unix::fs::symlink("loop.go", dir.path().join("loop.go")).unwrap();
        } else {
            fs::write(dir.path().join(name), &content).unwrap();
        }
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(&extra);
            all.extend(["clean.go", name]);
            check_in(dir.path(), &all)
        };

        // human: the error on stderr, exit code 1.
        let output = run(&[]);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("txlint: error: {name}")) && stderr.contains(says),
            "{name}: {stderr}"
        );
        // json
        let output = run(&["--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let notification = &report["notifications"][0];
        assert_eq!(notification["path"], name);
        assert_eq!(notification["level"], "error", "{name}: {report}");
        assert!(notification["message"].as_str().unwrap().contains(says));
        assert_eq!(
            report["notifications"].as_array().unwrap().len(),
            1,
            "{name}: {report}"
        );
        // sarif
        let output = run(&["--format", "sarif"]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
        let notification = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(notification["level"], "error", "{name}: {sarif}");
        assert_eq!(
            notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            name
        );
        // github
        let output = run(&["--format", "github"]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.starts_with(&format!("::error file={name}")),
            "{name}: {stdout}"
        );

        // A warning, from the command line or the configuration: exit code 0.
        let output = run(&["--format", "json", "--unchecked-files", "warning"]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["notifications"][0]["level"], "warning");
        let output = run(&["--format", "github", "--unchecked-files", "warning"]);
        assert!(String::from_utf8(output.stdout)
            .unwrap()
            .starts_with("::warning "));
        fs::write(
            dir.path().join("txlint.toml"),
            "unchecked-files = \"warning\"\n",
        )
        .unwrap();
        let output = run(&[]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(String::from_utf8_lossy(&output.stderr).starts_with("txlint: warning: "));
        // The flag wins over the configuration; --exit-zero wins over both.
        assert_eq!(run(&["--unchecked-files", "error"]).status.code(), Some(1));
        fs::remove_file(dir.path().join("txlint.toml")).unwrap();
        assert_eq!(run(&["--exit-zero"]).status.code(), Some(0), "{name}");
    }
}

/// What the run was not meant to check does not fail it: files of other languages or
/// no regular files named on the command line, a broken file that mentions no database
/// call (it is not parsed), code nested too deeply to analyse (a limit of txlint).
#[test]
fn files_not_meant_to_be_checked_do_not_fail_the_run() {
    let deep = format!(
        "package p\n\nimport \"database/sql\"\n\nfunc Deep(db *sql.DB, x int) error {{\n\ttx, err := db.Begin()\n\tif err != nil {{\n\t\treturn err\n\t}}\n{}\treturn tx.Commit()\n{}\treturn nil\n}}\n",
        "\tif x > 0 {\n".repeat(450),
        "\t}\n".repeat(450),
    );
    let dir = project(&[
        ("clean.go", CLEAN.as_bytes()),
        ("notes.txt", b"hello"),
        ("unrelated_broken.go", b"package p\nfunc add(a, b int {\n"),
        ("deep.go", deep.as_bytes()),
    ]);
    let mut args = vec!["--format", "json", ".", "notes.txt"];
    #[cfg(unix)]
    {
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe.go"))
            .status()
            .unwrap();
        assert!(made.success());
        args.push("pipe.go");
    }
    let output = check_in(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut levels: Vec<(&str, &str)> = report["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["level"].as_str().unwrap()))
        .collect();
    levels.sort();
    let mut expected = vec![("deep.go", "warning"), ("notes.txt", "warning")];
    if cfg!(unix) {
        expected.push(("pipe.go", "warning"));
    }
    assert_eq!(levels, expected);
}

/// A directory named on the command line with nothing to check is most likely a wrong
/// path: a warning says so (the exit code stays 0).
#[test]
fn a_directory_without_files_to_check_is_a_warning() {
    let dir = project(&[
        ("src/README.md", b"# notes"),
        ("app/clean.go", CLEAN.as_bytes()),
    ]);
    fs::create_dir(dir.path().join("empty")).unwrap();
    let output = check_in(dir.path(), &["--format", "json", "src", "empty", "app"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for path in ["src", "empty"] {
        assert!(
            stderr.contains(&format!(
                "txlint: warning: {path}: no Go, Python or Rust files found under this directory"
            )),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("app"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let notes = notifications(&report);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(report["notifications"][0]["level"], "warning");
    assert_eq!(report["summary"]["files_skipped"], 0);
    // The current directory, empty.
    let empty = TempDir::new().unwrap();
    let output = check_in(empty.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .starts_with("txlint: warning: .: no Go, Python or Rust files found"));
}

/// The directory walk does not follow symbolic links (they may lead out of the project,
/// into a loop, or to files checked under their own names); `-v` says which it passed
/// over. A link named on the command line is checked.
#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed_and_verbose_says_so() {
    let outside = project(&[("shared/leaky.go", LEAKY.as_bytes())]);
    let dir = project(&[("clean.go", CLEAN.as_bytes())]);
    let shared = outside.path().join("shared");
    std::os::unix::fs::symlink(shared.join("leaky.go"), dir.path().join("link.go")).unwrap();
    std::os::unix::fs::symlink(&shared, dir.path().join("linked_dir")).unwrap();
    std::os::unix::fs::symlink(shared.join("x.md"), dir.path().join("notes.md")).unwrap();
    let output = check_in(dir.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8(output.stderr).unwrap(), "");
    let output = check_in(dir.path(), &["--format", "json", "-v"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for link in ["link.go", "linked_dir"] {
        assert!(
            stderr.contains(&format!(
                "txlint: {link}: skipped: a symbolic link, not followed"
            )),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("notes.md"), "{stderr}");
    let report: Value =
        serde_json::from_slice(&check_in(dir.path(), &["--format", "json", "link.go"]).stdout)
            .unwrap();
    assert_eq!(finding_codes(&report).len(), 2, "named, a link is checked");
}

/// A file name that is not UTF-8 is written exactly where the format allows it: SARIF
/// percent-encodes its bytes, JSON adds them as `path_bytes` (its `path` shows U+FFFD).
#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_are_written_exactly_in_json_and_sarif() {
    use std::os::unix::ffi::OsStrExt;
    let dir = project(&[]);
    let leaky = std::ffi::OsStr::from_bytes(b"caf\xe9.go");
    let binary = std::ffi::OsStr::from_bytes(b"b\xff.go");
    fs::write(dir.path().join(leaky), LEAKY).unwrap();
    fs::write(dir.path().join(binary), b"\x00").unwrap();
    let report = json_output(dir.path(), &["--no-cache"]);
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], "caf\u{FFFD}.go");
    assert_eq!(
        finding["path_bytes"],
        serde_json::json!([99, 97, 102, 0xe9, 46, 103, 111])
    );
    let notification = &report["notifications"][0];
    assert_eq!(notification["path"], "b\u{FFFD}.go");
    assert_eq!(
        notification["path_bytes"],
        serde_json::json!([98, 0xff, 46, 103, 111])
    );
    // UTF-8 names have no `path_bytes`.
    let utf8 = project(&[("é.go", LEAKY.as_bytes())]);
    let clean = json_output(utf8.path(), &[]);
    assert!(clean["findings"][0].get("path_bytes").is_none());

    let output = txlint()
        .current_dir(dir.path())
        .args(["check", "--no-cache", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = official_sarif_schema()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "caf%E9.go");
    assert_eq!(run["artifacts"][0]["location"]["uri"], "caf%E9.go");
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "b%FF.go"
    );
}

// ----- rules and explain -------------------------------------------------------------

#[test]
fn rules_lists_the_whole_catalogue() {
    let output = txlint().arg("rules").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for code in (1..=12).map(|n| format!("TX{n:03}")) {
        assert!(stdout.contains(&code), "{code} missing");
    }
    // Every rule says what it checks today: languages, or that it is not implemented.
    for line in stdout.lines().skip(1) {
        assert!(
            line.contains("go") || line.contains("python") || line.contains("not implemented yet"),
            "{line}"
        );
    }
    let tx001 = stdout.lines().find(|l| l.starts_with("TX001")).unwrap();
    assert!(tx001.contains("unchecked-commit") && tx001.contains("error") && tx001.contains("go"));
}

#[test]
fn explain_prints_each_rule_document() {
    let rules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    for code in (1..=12).map(|n| format!("TX{n:03}")) {
        let doc = fs::read_to_string(rules_dir.join(format!("{code}.md"))).unwrap();
        let summary = doc
            .lines()
            .find_map(|l| l.strip_prefix("summary = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap()
            .to_string();
        txlint()
            .args(["explain", &code])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("# {code} ")))
            .stdout(predicate::str::contains(summary))
            .stdout(predicate::str::contains("## What it does"))
            .stdout(predicate::str::contains("## Use instead"));
    }
    txlint()
        .args(["explain", "connection-left-in-transaction"])
        .assert()
        .success()
        .stdout(predicate::str::contains("TX004"));
    txlint()
        .args(["explain", "TX999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule"));
}

/// A package whose transaction ends through a helper of another file.
const ENDS_THROUGH_HELPER: &str = r#"package store

import "database/sql"

func Save(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		return undo(tx, err)
	}
	return tx.Commit()
}
"#;

const UNDO_ROLLS_BACK: &str = r#"package store

import "database/sql"

func undo(tx *sql.Tx, err error) error {
	_ = tx.Rollback()
	return err
}
"#;

const UNDO_FORGETS: &str = r#"package store

import "database/sql"

func undo(tx *sql.Tx, err error) error {
	_ = tx.Stmt(nil)
	return err
}
"#;

#[test]
fn helpers_of_other_files_count_whichever_files_are_named_and_the_cache_follows_them() {
    let dir = project(&[
        ("go.mod", b"module example.com/shop\n"),
        ("store/save.go", ENDS_THROUGH_HELPER.as_bytes()),
        ("store/undo.go", UNDO_ROLLS_BACK.as_bytes()),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    // The helper in the other file rolls back: no finding, with the package or the
    // file alone named.
    assert!(codes(&["store"]).is_empty());
    assert!(codes(&["store/save.go"]).is_empty());
    // The helper changes: the cached result of the unchanged file is stale.
    fs::write(dir.path().join("store/undo.go"), UNDO_FORGETS).unwrap();
    assert_eq!(
        codes(&["store"]),
        [("store/save.go".to_string(), "TX002".to_string(), 6)]
    );
    assert_eq!(codes(&["store/save.go"]).len(), 1);
    // And back.
    fs::write(dir.path().join("store/undo.go"), UNDO_ROLLS_BACK).unwrap();
    assert!(codes(&["store"]).is_empty());
    assert!(dir.path().join(".txlint_cache").is_dir());
    // The helper's file goes, then comes back: the file named alone follows, though its
    // own text never changed (the package's listing did).
    fs::remove_file(dir.path().join("store/undo.go")).unwrap();
    assert_eq!(codes(&["store/save.go"]).len(), 1);
    assert_eq!(codes(&["store/save.go"]).len(), 1);
    fs::write(dir.path().join("store/undo.go"), UNDO_ROLLS_BACK).unwrap();
    assert!(codes(&["store/save.go"]).is_empty());
    assert!(codes(&["store/save.go"]).is_empty());
}

const WRITER_CLASS: &str = "class Writer:\n    def __init__(self, conn):\n        self.conn = conn\n\n    def save(self, row):\n        cur = self.conn.cursor()\n        cur.execute(\"INSERT INTO t VALUES (%s)\", (row,))\n        cur.execute(\"UPDATE n SET c = c + 1\")\n        self.conn.commit()\n";

/// `import psycopg2, shared` then a connection for each job, or the module's shared one.
fn writer_maker(argument: &str) -> String {
    format!("import psycopg2\n\nimport shared\nfrom writer import Writer\n\n\ndef job(dsn, row):\n    conn = psycopg2.connect(dsn)\n    Writer({argument}).save(row)\n")
}

/// What a constructor is handed comes from the modules that call it: the class's file
/// is unchanged, yet its cached result follows the module that builds the instance.
#[test]
fn a_connection_handed_to_a_constructor_elsewhere_reaches_the_class_and_the_cache_follows() {
    let dir = project(&[
        (
            "shared.py",
            b"import psycopg2\n\nconn = psycopg2.connect(\"dbname=app\")\n",
        ),
        ("writer.py", WRITER_CLASS.as_bytes()),
        ("jobs.py", writer_maker("conn").as_bytes()),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    // Built with a connection of the job's own: an exception takes it away.
    assert!(codes(&["."]).is_empty());
    // Built with the module's shared connection: the INSERT can leave it aborted.
    fs::write(dir.path().join("jobs.py"), writer_maker("shared.conn")).unwrap();
    let expected = [("writer.py".to_string(), "TX004".to_string(), 7)];
    assert_eq!(codes(&["."]), expected);
    assert_eq!(codes(&["--no-cache", "."]), expected);
    // And back.
    fs::write(dir.path().join("jobs.py"), writer_maker("conn")).unwrap();
    assert!(codes(&["."]).is_empty());
    assert!(dir.path().join(".txlint_cache").is_dir());
}

/// `give_back` of a pool module, rolling back first or not.
fn pool_module(rolls_back: bool) -> String {
    let rollback = if rolls_back {
        "    conn.rollback()\n"
    } else {
        ""
    };
    format!("from psycopg2.pool import ThreadedConnectionPool\n\npool = ThreadedConnectionPool(1, 4, \"dbname=app\")\n\n\ndef borrow():\n    return pool.getconn()\n\n\ndef give_back(conn):\n{rollback}    pool.putconn(conn)\n")
}

const REPORT_THROUGH_PACKAGE: &[u8] = b"from ledger.db import borrow, give_back\n\n\ndef total():\n    conn = borrow()\n    cur = conn.cursor()\n    cur.execute(\"SELECT sum(amount) FROM entries\")\n    row = cur.fetchone()\n    give_back(conn)\n    return row\n";

/// A package's `__init__` re-exports the pool helpers of one of its modules: the caller
/// reaches their summaries through it, and its cached result follows the module that
/// defines them, which it never names.
#[test]
fn helpers_reexported_by_a_package_are_followed_and_the_cache_follows_their_module() {
    let dir = project(&[
        ("ledger/__init__.py", b""),
        (
            "ledger/db/__init__.py",
            b"from .pool import borrow, give_back\n",
        ),
        ("ledger/db/pool.py", pool_module(false).as_bytes()),
        ("ledger/report.py", REPORT_THROUGH_PACKAGE),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    let expected = [("ledger/report.py".to_string(), "TX004".to_string(), 7)];
    assert_eq!(codes(&["."]), expected);
    assert_eq!(codes(&["ledger/report.py"]), expected);
    // The helper now ends the read's transaction before giving the connection back.
    fs::write(dir.path().join("ledger/db/pool.py"), pool_module(true)).unwrap();
    assert!(codes(&["."]).is_empty());
    assert!(codes(&["ledger/report.py"]).is_empty());
    // And back.
    fs::write(dir.path().join("ledger/db/pool.py"), pool_module(false)).unwrap();
    assert_eq!(codes(&["."]), expected);
    assert!(dir.path().join(".txlint_cache").is_dir());
}

const SAVES_OR_SAYS_WHY: &[u8] = b"from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\ndef save(row):\n    try:\n        db.session.add(row)\n        db.session.commit()\n    except Exception as exc:\n        return False, str(exc)\n    return True, None\n";

/// A view of another module calling `store.save`: it takes the value, or drops it.
fn view_calling_save(call: &str) -> String {
    format!("from flask import Flask\n\nfrom store import save\n\napp = Flask(__name__)\n\n\n@app.post(\"/rows\")\ndef create(row):\n    {call}\n    return \"ok\"\n")
}

/// TX003 follows a helper's callers in other modules: the helper's file is unchanged,
/// yet its cached result follows what a caller elsewhere does with the returned failure,
/// whether the whole project or the helper's module alone is named (pre-commit names the
/// changed files: the project's other modules that may import it are read all the same).
#[test]
fn a_failure_returned_as_a_value_follows_the_callers_in_other_modules_and_the_cache_follows() {
    let dir = project(&[
        ("requirements.txt", b"flask-sqlalchemy\n"),
        ("store.py", SAVES_OR_SAYS_WHY),
        (
            "views.py",
            view_calling_save("ok, why = save(row)").as_bytes(),
        ),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    // The caller takes the value: the failure was handed on.
    assert!(codes(&["."]).is_empty());
    assert!(codes(&["store.py"]).is_empty());
    // The caller drops it: the session waits for a rollback the caller never makes.
    fs::write(dir.path().join("views.py"), view_calling_save("save(row)")).unwrap();
    let expected = [("store.py".to_string(), "TX003".to_string(), 10)];
    assert_eq!(codes(&["."]), expected);
    assert_eq!(codes(&["store.py"]), expected);
    assert_eq!(codes(&["--no-cache", "."]), expected);
    assert_eq!(codes(&["--no-cache", "store.py"]), expected);
    // And back.
    fs::write(
        dir.path().join("views.py"),
        view_calling_save("ok, why = save(row)"),
    )
    .unwrap();
    assert!(codes(&["."]).is_empty());
    assert!(codes(&["store.py"]).is_empty());
    // A new module that drops the failure: the helper's module, named alone, sees it.
    fs::create_dir_all(dir.path().join("admin")).unwrap();
    fs::write(
        dir.path().join("admin/bulk.py"),
        view_calling_save("save(row)"),
    )
    .unwrap();
    assert_eq!(codes(&["store.py"]), expected);
    fs::remove_file(dir.path().join("admin/bulk.py")).unwrap();
    assert!(codes(&["store.py"]).is_empty());
    assert!(dir.path().join(".txlint_cache").is_dir());
}

/// Where the modules that may import a named one are looked for: the project's own
/// directory (the first with `requirements.txt`, `pyproject.toml`, `setup.py`,
/// `setup.cfg` or `.git`), not a directory of loose scripts; and test modules, which a run
/// over the project does not analyse either, are not callers.
#[test]
fn callers_of_a_named_module_are_the_projects_and_not_its_tests() {
    let loose = project(&[
        ("store.py", SAVES_OR_SAYS_WHY),
        (
            "views.py",
            view_calling_save("ok, why = save(row)").as_bytes(),
        ),
    ]);
    let codes = |dir: &Path, args: &[&str]| finding_codes(&json_output(dir, args));
    let reported = [("store.py".to_string(), "TX003".to_string(), 10)];
    // No project: the file is checked with what it imports, as before.
    assert_eq!(codes(loose.path(), &["--no-cache", "store.py"]), reported);
    assert!(codes(loose.path(), &["--no-cache", "."]).is_empty());
    // Only a test takes the value: in the project, nobody does.
    let tested = project(&[
        ("pyproject.toml", b"[project]\nname = \"shop\"\n"),
        ("store.py", SAVES_OR_SAYS_WHY),
        (
            "tests/test_store.py",
            b"from store import save\n\n\ndef test_save(row):\n    ok, why = save(row)\n    assert ok, why\n",
        ),
    ]);
    assert_eq!(codes(tested.path(), &["--no-cache", "."]), reported);
    assert_eq!(codes(tested.path(), &["--no-cache", "store.py"]), reported);
}

/// A finding must not depend on which files were named: every file of every fixture that
/// is a directory (a project of several files), named alone, gets exactly the findings it
/// gets when its directory is named.
#[test]
fn each_file_of_a_directory_fixture_named_alone_gets_the_findings_of_the_whole() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut directories = Vec::new();
    for language in ["go", "python", "rust"] {
        for rule in fs::read_dir(fixtures.join(language)).unwrap() {
            let rule = rule.unwrap().path();
            if !rule.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&rule).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    directories.push(path);
                }
            }
        }
    }
    directories.sort();
    assert!(directories.len() > 50, "{}", directories.len());
    let mut differences = Vec::new();
    for directory in &directories {
        let whole = finding_codes(&json_output(directory, &["--no-cache", "."]));
        let mut sources: Vec<PathBuf> = walkdir(directory)
            .into_iter()
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("go" | "py" | "rs")
                )
            })
            .collect();
        sources.sort();
        for source in sources {
            let relative = source.strip_prefix(directory).unwrap().to_str().unwrap();
            let alone = finding_codes(&json_output(directory, &["--no-cache", relative]));
            let expected: Vec<_> = whole.iter().filter(|f| f.0 == relative).cloned().collect();
            if alone != expected {
                differences.push(format!(
                    "{}: alone {alone:?}, in the whole {expected:?}",
                    source.display()
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// The files below a directory, recursively.
fn walkdir(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files
}

const SHARED_CONNECTION_MODULE: &[u8] =
    b"import psycopg2\n\nconn = psycopg2.connect(\"dbname=app\")\n";

/// Reads the connection of module `config`, imported by the name the project's own
/// directory gives it.
const READS_CONFIG_CONNECTION: &[u8] = b"import config\n\n\ndef person(name):\n    cur = config.conn.cursor()\n    cur.execute(\"SELECT id FROM people WHERE name = %s\", (name,))\n    return cur.fetchone()\n";

/// Namespace packages (no `__init__.py`): a module imports `config` from the directory
/// the project runs from, whichever files are named, but not from above the project's
/// own directory.
#[test]
fn namespace_packages_import_from_the_project_directory_and_not_above_it() {
    let dir = project(&[
        ("bot/requirements.txt", b"psycopg2\n"),
        ("bot/config.py", SHARED_CONNECTION_MODULE),
        ("bot/modules/people/lookup.py", READS_CONFIG_CONNECTION),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    let expected = [(
        "bot/modules/people/lookup.py".to_string(),
        "TX004".to_string(),
        6,
    )];
    assert_eq!(codes(&["--no-cache", "bot"]), expected);
    assert_eq!(
        codes(&["--no-cache", "bot/modules/people/lookup.py"]),
        expected
    );
    // Above the directory with `requirements.txt` is another project.
    let dir = project(&[
        ("config.py", SHARED_CONNECTION_MODULE),
        ("bot/requirements.txt", b"psycopg2\n"),
        ("bot/modules/people/lookup.py", READS_CONFIG_CONNECTION),
    ]);
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    assert!(codes(&["--no-cache", "bot/modules/people/lookup.py"]).is_empty());
    assert!(codes(&["--no-cache", "."]).is_empty());
}

/// TX007 through a helper of another file names the statement it reaches and where, also
/// through a helper of a helper (`grantBonus` calls `addCredit`).
#[test]
fn a_bypass_through_helpers_names_the_statement_and_its_function() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go/TX007/service_on_package_handle");
    let report = json_output(&fixture, &["--no-cache", "."]);
    let labels: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["primary_label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "reaches `config.DB.Create(…)` in `addCredit`: a statement on `config.DB`, not on the transaction";
            2
        ],
        "{report}"
    );
}

/// Flask-SQLAlchemy's `db` made in one module and re-exported by the package's
/// `__init__`, which names no database library: a view that imports it from the package
/// is reported the same whether the whole project or the view alone is named.
#[test]
fn a_session_registry_reexported_by_a_package_counts_whichever_files_are_named() {
    let view = "import logging\n\nfrom shop import db\n\nlog = logging.getLogger(__name__)\n\n\ndef add(item):\n    try:\n        db.session.add(item)\n        db.session.commit()\n    except Exception:\n        log.warning(\"not added\")\n    return item\n";
    let dir = project(&[
        ("shop/__init__.py", b"from .extensions import db\n"),
        (
            "shop/extensions.py",
            b"from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        ),
        ("shop/views.py", view.as_bytes()),
    ]);
    let expected = [("shop/views.py".to_string(), "TX003".to_string(), 12)];
    let codes = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    assert_eq!(codes(&["--no-cache", "."]), expected);
    assert_eq!(codes(&["--no-cache", "shop/views.py"]), expected);
}

/// TX010 is decided per package: a file that only bounds the pool (`SetMaxOpenConns`)
/// and imports no database package must still be read, or the pool opened in another
/// file of the package is reported as unbounded; also when it is not named.
#[test]
fn a_pool_bound_in_a_file_without_database_imports_counts_for_its_package() {
    let opens = "package accounts\n\nimport \"database/sql\"\n\ntype Repo struct{ db *sql.DB }\n\nfunc New(dsn string) (*Repo, error) {\n\tdb, err := sql.Open(\"postgres\", dsn)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn &Repo{db: db}, nil\n}\n";
    let bounds =
        "package accounts\n\nfunc (r *Repo) Limit(n int) {\n\tr.db.SetMaxOpenConns(n)\n}\n";
    let dir = project(&[
        ("repo.go", opens.as_bytes()),
        ("limits.go", bounds.as_bytes()),
    ]);
    let report = json_output(dir.path(), &["--no-cache", "."]);
    assert_eq!(finding_codes(&report), Vec::new());
    // The same when the file that opens the pool is named alone (pre-commit), from the
    // cache too, and the cache follows the other file.
    let alone = |args: &[&str]| finding_codes(&json_output(dir.path(), args));
    let reported = [("repo.go".to_string(), "TX010".to_string(), 8)];
    assert!(alone(&["--no-cache", "repo.go"]).is_empty());
    assert!(alone(&["repo.go"]).is_empty());
    assert!(alone(&["repo.go"]).is_empty());
    fs::write(
        dir.path().join("limits.go"),
        "package accounts\n\nfunc (r *Repo) Limit(n int) {}\n",
    )
    .unwrap();
    assert_eq!(alone(&["repo.go"]), reported);
    fs::write(dir.path().join("limits.go"), bounds).unwrap();
    assert!(alone(&["repo.go"]).is_empty());
    // A test file of the package bounds nothing for it: a run over the package does not
    // analyse it.
    fs::remove_file(dir.path().join("limits.go")).unwrap();
    fs::write(dir.path().join("limits_test.go"), bounds).unwrap();
    assert_eq!(alone(&["repo.go"]), reported);
    assert_eq!(alone(&["."]), reported);
    // Without the bound the same package is reported.
    let dir = project(&[("repo.go", opens.as_bytes())]);
    let report = json_output(dir.path(), &["--no-cache", "."]);
    assert_eq!(
        finding_codes(&report),
        [("repo.go".to_string(), "TX010".to_string(), 8)]
    );
}

/// A Go file whose only modelled call is a commit: a method of a metrics appender here,
/// broken on purpose so that parsing it shows (a file not parsed reports no syntax error).
const COMMIT_ONLY_BROKEN: &str =
    "package metrics\n\nfunc flush(app Appender) {\n\tapp.Commit()\n\tif {\n}\n";

#[test]
fn a_file_whose_only_modelled_call_is_a_commit_needs_evidence_in_its_package() {
    // No file of the run or of its package begins a transaction or names a library:
    // not parsed at all.
    let alone = project(&[("metrics/flush.go", COMMIT_ONLY_BROKEN.as_bytes())]);
    let report = json_output(alone.path(), &[]);
    assert_eq!(report["summary"]["files_skipped"], 0, "{report}");
    assert!(notifications(&report).is_empty(), "{report}");
    // A helper of its package begins the transaction it commits: checked, also when
    // named alone (as pre-commit names changed files).
    let store = "package store\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n)\n\ntype Store struct{ db *sql.DB }\n\nfunc (s *Store) open(ctx context.Context) (*sql.Tx, error) {\n\treturn s.db.BeginTx(ctx, nil)\n}\n";
    let rename = "package store\n\nimport \"context\"\n\nfunc (s *Store) Rename(ctx context.Context) error {\n\ttx, err := s.open(ctx)\n\tif err != nil {\n\t\treturn err\n\t}\n\ttx.Commit()\n\treturn nil\n}\n";
    let dir = project(&[
        ("store/store.go", store.as_bytes()),
        ("store/rename.go", rename.as_bytes()),
        ("metrics/flush.go", COMMIT_ONLY_BROKEN.as_bytes()),
    ]);
    let codes = |report: &Value| {
        finding_codes(report)
            .into_iter()
            .map(|(_, code, _)| code)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(&json_output(dir.path(), &["store/rename.go"])),
        ["TX001"]
    );
    // With evidence in the run, the other commit-only files are parsed too.
    let whole = json_output(dir.path(), &[]);
    assert_eq!(codes(&whole), ["TX001"]);
    assert_eq!(notifications(&whole).len(), 1, "{whole}");
}

#[test]
fn a_rollback_helper_whose_file_names_no_library_ends_the_transactions_of_its_package() {
    // The ent shape: the transaction type is the project's own (generated) wrapper, so
    // the helper's file shows only `.Rollback(`; it is parsed because its package begins
    // transactions, whichever of the files is named.
    let wrapper = "package db\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n)\n\ntype Client struct{ drv *sql.DB }\n\ntype Tx struct{ tx *sql.Tx }\n\nfunc (c *Client) BeginTx(ctx context.Context) (*Tx, error) {\n\ttx, err := c.drv.BeginTx(ctx, nil)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn &Tx{tx: tx}, nil\n}\n\nfunc (t *Tx) Commit() error { return t.tx.Commit() }\n\nfunc (t *Tx) Rollback() error { return t.tx.Rollback() }\n";
    let helper = "package store\n\nimport \"example.com/shop/db\"\n\nfunc undo(tx *db.Tx, err error) error {\n\tif rerr := tx.Rollback(); rerr != nil {\n\t\treturn rerr\n\t}\n\treturn err\n}\n";
    let rename = "package store\n\nimport (\n\t\"context\"\n\t\"errors\"\n\n\t\"example.com/shop/db\"\n)\n\nfunc Rename(ctx context.Context, c *db.Client, name string) error {\n\ttx, err := c.BeginTx(ctx)\n\tif err != nil {\n\t\treturn err\n\t}\n\tif name == \"\" {\n\t\treturn undo(tx, errors.New(\"empty name\"))\n\t}\n\treturn tx.Commit()\n}\n";
    let files = |helper: &str| {
        project(&[
            ("go.mod", b"module example.com/shop\n\ngo 1.22\n".as_slice()),
            ("db/client.go", wrapper.as_bytes()),
            ("store/undo.go", helper.as_bytes()),
            ("store/rename.go", rename.as_bytes()),
        ])
    };
    let dir = files(helper);
    for args in [&["--no-cache"][..], &["--no-cache", "store/rename.go"]] {
        let report = json_output(dir.path(), args);
        assert_eq!(finding_codes(&report), Vec::new(), "{args:?}: {report}");
    }
    // A helper that ends nothing leaves the early return open.
    let dir = files(&helper.replace("tx.Rollback()", "tx.Err()"));
    assert_eq!(
        finding_codes(&json_output(dir.path(), &["--no-cache"])),
        [("store/rename.go".to_string(), "TX002".to_string(), 11)]
    );
}

#[test]
fn a_commit_error_checked_and_dropped_is_not_said_to_be_logged() {
    let source = "package archive\n\nimport (\n\t\"database/sql\"\n\t\"log\"\n)\n\nfunc Logged(db *sql.DB) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer tx.Rollback()\n\tif err := tx.Commit(); err != nil {\n\t\tlog.Printf(\"commit: %v\", err)\n\t}\n\treturn nil\n}\n\nfunc Dropped(db *sql.DB) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer tx.Rollback()\n\tif err := tx.Commit(); err != nil {\n\t\treturn nil\n\t}\n\treturn nil\n}\n";
    let dir = project(&[("archive.go", source.as_bytes())]);
    let report = json_output(dir.path(), &["--no-cache"]);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "error returned by `tx.Commit()` is only logged, and the function then returns nil",
            "error returned by `tx.Commit()` is checked and dropped: the function then returns nil",
        ],
        "{report}"
    );
}

/// Files named one by one under a directory with a configuration are resolved on several
/// threads: they must all get the one profile of that configuration, so that they are
/// analysed as one project (the helper of another file is seen by every file).
#[test]
fn files_of_one_configuration_share_one_project_whatever_the_threads() {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("go.mod".into(), b"module example.com/shared\n\ngo 1.22\n".to_vec()),
        ("pkg/txlint.toml".into(), Vec::new()),
        (
            "pkg/helper.go".into(),
            b"package pkg\n\nimport \"database/sql\"\n\nvar Pool *sql.DB\n\nfunc mustPositive(n int) {\n\tif n < 0 {\n\t\tpanic(\"negative\")\n\t}\n}\n"
                .to_vec(),
        ),
    ];
    for i in 0..24 {
        let body = format!(
            "package pkg\n\nimport \"database/sql\"\n\nfunc Q{i}(db *sql.DB, n int) error {{\n\ttx, err := db.Begin()\n\tif err != nil {{\n\t\treturn err\n\t}}\n\tmustPositive(n)\n\tif _, err := tx.Exec(\"UPDATE t SET n = $1\", n); err != nil {{\n\t\t_ = tx.Rollback()\n\t\treturn err\n\t}}\n\treturn tx.Commit()\n}}\n"
        );
        files.push((format!("pkg/q{i}.go"), body.into_bytes()));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, content)| (path.as_str(), content.as_slice()))
        .collect();
    let dir = project(&borrowed);
    let named: Vec<String> = (0..24).map(|i| format!("pkg/q{i}.go")).collect();
    let mut args: Vec<&str> = vec!["--no-cache", "--exit-zero", "-j", "2"];
    args.extend(named.iter().map(String::as_str));
    for _ in 0..8 {
        let report = json_output(dir.path(), &args);
        let tx012 = finding_codes(&report)
            .iter()
            .filter(|(_, code, _)| code == "TX012")
            .count();
        assert_eq!(
            tx012, 24,
            "every file sees the panicking helper of helper.go"
        );
    }
}

/// TX002 says why a deferred rollback on a local error does not cover a return, and only
/// when every exit it marks is such a return.
#[test]
fn a_return_that_skips_a_deferred_rollback_says_why() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/go/TX002/deferred_rollback_waits_for_a_local_error.go");
    let report = json_output(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["--no-cache", fixture.to_str().unwrap()],
    );
    let helps: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        ["the deferred rollback runs only when `err` is not nil, and it is nil where this returns: assign the returned error to `err` first, or name the result `err`"; 4],
        "{report}"
    );
    // One exit before the deferred literal leaks as any exit does: the plain help.
    let dir = project(&[(
        "store.go",
        b"package store\n\nimport (\n\t\"context\"\n\t\"database/sql\"\n\t\"errors\"\n)\n\nfunc Save(ctx context.Context, db *sql.DB, early bool) error {\n\ttx, err := db.BeginTx(ctx, nil)\n\tif err != nil {\n\t\treturn err\n\t}\n\tif early {\n\t\treturn errors.New(\"too early\")\n\t}\n\tdefer func() {\n\t\tif err != nil {\n\t\t\ttx.Rollback()\n\t\t}\n\t}()\n\tif !early {\n\t\treturn errors.New(\"not early\")\n\t}\n\treturn tx.Commit()\n}\n",
    )]);
    let report = json_output(dir.path(), &["--no-cache", "."]);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(
        findings[0]["labels"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    assert!(
        findings[0]["help"]
            .as_str()
            .unwrap()
            .starts_with("end the transaction on every path"),
        "{report}"
    );
}
