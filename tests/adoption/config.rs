//! Configuration files: discovery, inheritance, precedence of the command line, every
//! key, errors, `txlint config`, and the published schema.

use std::fs;
use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{at, codes, findings, json, project, txlint, write, CLEAN, LEAKY};

/// No deferred rollback, no panic site: reported by TX012 only in strict mode.
const ROLLBACK_ON_ONE_PATH: &str = r#"package store

import "database/sql"

func Save(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec("DELETE FROM t"); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
"#;

#[test]
fn the_closest_configuration_wins_without_merging() {
    let dir = project(&[
        ("txlint.toml", "ignore = [\"TX008\"]\n"),
        ("root.go", LEAKY),
        // Closer: selects TX008 only; the root file's `ignore` does not reach here.
        ("svc/.txlint.toml", "select = [\"unchecked-begin\"]\n"),
        ("svc/svc.go", LEAKY),
        // A pyproject without [tool.txlint] is not a configuration: the root one applies.
        ("py/pyproject.toml", "[tool.ruff]\nline-length = 100\n"),
        ("py/py.go", LEAKY),
        // One with the table is.
        (
            "tool/pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.txlint]\nselect = [\"TX001\", \"TX008\"]\n",
        ),
        ("tool/tool.go", LEAKY),
    ]);
    assert_eq!(
        findings(&json(dir.path(), &[])),
        [
            at("py/py.go", "TX001", 11),
            at("root.go", "TX001", 11),
            at("svc/svc.go", "TX008", 6),
            at("tool/tool.go", "TX008", 6),
            at("tool/tool.go", "TX001", 11),
        ]
    );
}

#[test]
fn dot_txlint_toml_comes_before_txlint_toml_and_pyproject() {
    let dir = project(&[
        (".txlint.toml", "select = [\"TX008\"]\n"),
        ("txlint.toml", "select = [\"TX001\"]\n"),
        ("pyproject.toml", "[tool.txlint]\nselect = [\"TX001\"]\n"),
        ("a.go", LEAKY),
    ]);
    assert_eq!(codes(&json(dir.path(), &[])), ["TX008"]);
}

#[test]
fn extend_inherits_relative_to_the_extending_file() {
    let dir = project(&[
        (
            "shared/base.toml",
            "ignore = [\"TX008\"]\nextend-exclude = [\"*_gen.go\"]\n[severity]\nTX001 = \"warning\"\n",
        ),
        ("app/txlint.toml", "extend = \"../shared/base.toml\"\n"),
        ("app/a.go", LEAKY),
        ("app/a_gen.go", LEAKY),
    ]);
    let report = json(dir.path(), &["app"]);
    assert_eq!(findings(&report), [at("app/a.go", "TX001", 11)]);
    assert_eq!(report["findings"][0]["severity"], "warning");
}

#[test]
fn command_line_select_replaces_and_ignore_extends_the_configuration() {
    let dir = project(&[("txlint.toml", "select = [\"TX001\"]\n"), ("a.go", LEAKY)]);
    assert_eq!(codes(&json(dir.path(), &[])), ["TX001"]);
    assert_eq!(codes(&json(dir.path(), &["--select", "TX008"])), ["TX008"]);
    assert!(codes(&json(dir.path(), &["--ignore", "TX001"])).is_empty());
    assert_eq!(
        codes(&json(dir.path(), &["--select", "TX0", "--ignore", "TX001"])),
        ["TX008"]
    );
}

#[test]
fn severity_changes_levels_and_off_disables() {
    let dir = project(&[
        (
            "txlint.toml",
            "[severity]\nunchecked-begin = \"error\"\nTX001 = \"off\"\n",
        ),
        ("a.go", LEAKY),
    ]);
    let report = json(dir.path(), &[]);
    assert_eq!(codes(&report), ["TX008"]);
    assert_eq!(report["findings"][0]["severity"], "error");
    // `off` is the configuration's choice: an explicit --select brings the rule back.
    assert_eq!(codes(&json(dir.path(), &["--select", "TX001"])), ["TX001"]);
}

#[test]
fn fail_on_decides_the_exit_code_and_the_flag_wins() {
    let dir = project(&[
        ("txlint.toml", "fail-on = \"error\"\nselect = [\"TX008\"]\n"),
        ("a.go", LEAKY),
    ]);
    // A warning only: reported, but the run does not fail.
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("TX008"));
    txlint()
        .current_dir(dir.path())
        .args(["check", "--fail-on", "warning"])
        .assert()
        .code(1);
    // Default: any finding fails.
    fs::write(dir.path().join("txlint.toml"), "select = [\"TX008\"]\n").unwrap();
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(1);
}

#[test]
fn exclude_and_extend_exclude_skip_files_unless_named() {
    let dir = project(&[
        (
            "txlint.toml",
            "exclude = [\"legacy/**\"]\nextend-exclude = [\"*_gen.go\", \"testdata\"]\n",
        ),
        ("app/a.go", LEAKY),
        ("app/b_gen.go", LEAKY),
        ("app/testdata/c.go", LEAKY),
        ("legacy/old.go", LEAKY),
        // Default exclusions stay.
        ("vendor/v.go", LEAKY),
    ]);
    let paths = |report: &Value| {
        let mut paths: Vec<String> = findings(report).into_iter().map(|f| f.0).collect();
        paths.dedup();
        paths
    };
    assert_eq!(paths(&json(dir.path(), &[])), ["app/a.go"]);
    // Named on the command line: checked anyway, as pre-commit expects without the flag.
    assert_eq!(
        paths(&json(dir.path(), &["legacy/old.go", "app/b_gen.go"])),
        ["app/b_gen.go", "legacy/old.go"]
    );
    // --force-exclude applies the configuration to named files too.
    let forced = json(
        dir.path(),
        &[
            "--force-exclude",
            "legacy/old.go",
            "app/b_gen.go",
            "app/a.go",
        ],
    );
    assert_eq!(paths(&forced), ["app/a.go"]);
    assert_eq!(forced["summary"]["files_checked"], 1);
}

#[test]
fn force_exclude_also_applies_gitignore_and_default_exclusions() {
    let dir = project(&[
        (".gitignore", "generated/\n"),
        ("generated/g.go", LEAKY),
        ("vendor/lib/v.go", LEAKY),
        ("app/a.go", LEAKY),
    ]);
    let named = ["generated/g.go", "vendor/lib/v.go", "app/a.go"];
    assert_eq!(json(dir.path(), &named)["summary"]["files_checked"], 3);
    let mut args = vec!["--force-exclude"];
    args.extend(named);
    let forced = json(dir.path(), &args);
    assert_eq!(forced["summary"]["files_checked"], 1);
    assert_eq!(findings(&forced)[0].0, "app/a.go");
    // --no-ignore leaves .gitignore out of it.
    args.insert(0, "--no-ignore");
    assert_eq!(json(dir.path(), &args)["summary"]["files_checked"], 2);
}

#[test]
fn per_file_ignores_turn_rules_off_for_matching_files() {
    let dir = project(&[
        (
            "txlint.toml",
            "[per-file-ignores]\n\"*_test.go\" = [\"TX001\", \"unchecked-begin\"]\n\"cmd/**\" = [\"TX008\"]\n",
        ),
        ("a.go", LEAKY),
        ("a_test.go", LEAKY),
        ("cmd/main.go", LEAKY),
    ]);
    assert_eq!(
        findings(&json(dir.path(), &[])),
        [
            at("a.go", "TX008", 6),
            at("a.go", "TX001", 11),
            at("cmd/main.go", "TX001", 11),
        ]
    );
}

#[test]
fn strict_rollback_option_and_flag() {
    let dir = project(&[("a.go", ROLLBACK_ON_ONE_PATH)]);
    assert!(codes(&json(dir.path(), &[])).is_empty());
    assert_eq!(codes(&json(dir.path(), &["--tx012-strict"])), ["TX012"]);
    write(
        dir.path(),
        "txlint.toml",
        "[rules.rollback-not-deferred]\nstrict = true\n",
    );
    assert_eq!(codes(&json(dir.path(), &[])), ["TX012"]);
}

#[test]
fn library_entries_model_a_projects_own_transaction_api() {
    let source = r#"package svc

import "example.com/ourdb"

func Save(db *ourdb.DB) error {
	tx, err := db.Start()
	if err != nil {
		return err
	}
	defer tx.Abort()
	tx.Finish()
	return nil
}
"#;
    let dir = project(&[("svc.go", source)]);
    assert!(codes(&json(dir.path(), &[])).is_empty());
    write(
        dir.path(),
        "txlint.toml",
        r#"[[library]]
name = "ourdb"
language = "go"
imports = ["example.com/ourdb"]
tx-types = ["*ourdb.Tx"]
begin = [{ methods = ["Start"], results = "tx-error" }]
commit = { methods = ["Finish"], returns = "error" }
rollback = { methods = ["Abort"] }
"#,
    );
    assert_eq!(
        findings(&json(dir.path(), &[])),
        [at("svc.go", "TX001", 11)]
    );
}

#[test]
fn unknown_keys_are_errors_naming_the_key_and_the_file() {
    let dir = project(&[("txlint.toml", "selct = [\"TX001\"]\n"), ("a.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("selct"))
        .stderr(predicate::str::contains("txlint.toml"));
    // Nested tables and pyproject's [tool.txlint] too.
    let dir = project(&[
        (
            "pyproject.toml",
            "[tool.txlint.rules.rollback-not-deferred]\nstrickt = true\n",
        ),
        ("a.go", LEAKY),
    ]);
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("strickt"))
        .stderr(predicate::str::contains("pyproject.toml"));
    // A configuration in a subdirectory is found while walking: still fatal.
    let dir = project(&[
        ("sub/txlint.toml", "[severity]\nTX001 = \"fatal\"\n"),
        ("sub/a.go", LEAKY),
    ]);
    txlint()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fatal"))
        .stderr(predicate::str::contains("sub/txlint.toml"));
}

#[test]
fn unknown_rules_and_bad_globs_are_errors() {
    for (config, expected) in [
        ("select = [\"TX999\"]\n", "TX999"),
        ("[per-file-ignores]\n\"x/**\" = [\"nope\"]\n", "nope"),
        ("exclude = [\"a[\"]\n", "a["),
        ("extend = \"missing.toml\"\n", "missing.toml"),
    ] {
        let dir = project(&[("txlint.toml", config), ("a.go", CLEAN)]);
        txlint()
            .current_dir(dir.path())
            .arg("check")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains("txlint.toml"));
    }
}

#[test]
fn config_command_shows_the_effective_configuration_and_its_source() {
    let dir = project(&[
        ("base.toml", "ignore = [\"TX009\"]\n"),
        (
            "svc/txlint.toml",
            "extend = \"../base.toml\"\nfail-on = \"warning\"\n[severity]\nTX005 = \"error\"\n",
        ),
        ("svc/a.go", CLEAN),
    ]);
    let output = txlint()
        .current_dir(dir.path())
        .args(["config", "svc/a.go"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    assert!(
        text.contains(&format!(
            "# from {}",
            root.join("svc/txlint.toml").display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "# which extends {}",
            root.join("base.toml").display()
        )),
        "{text}"
    );
    // The body is itself a valid configuration with the effective values.
    let effective: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(effective["fail-on"].as_str(), Some("warning"));
    assert_eq!(effective["severity"]["TX005"].as_str(), Some("error"));
    let select: Vec<&str> = effective["select"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(select.contains(&"TX001") && !select.contains(&"TX009"));
    let copy = dir.path().join("effective.toml");
    fs::write(&copy, &text).unwrap();
    txlint()
        .current_dir(dir.path())
        .args(["config", "--config", "effective.toml"])
        .assert()
        .success();

    txlint()
        .current_dir(dir.path())
        .args(["config", "."])
        .assert()
        .success()
        .stdout(predicate::str::contains("built-in defaults"));
}

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_from_binary() -> String {
    let output = txlint().args(["config", "--schema"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let committed = fs::read_to_string(repository_root().join("txlint.schema.json"))
        .expect("txlint.schema.json at the repository root");
    assert!(
        committed == schema_from_binary(),
        "txlint.schema.json is out of date: run `cargo run -- config --schema > txlint.schema.json`"
    );
}

#[test]
fn shipped_example_configurations_validate_and_load() {
    let schema: Value = serde_json::from_str(&schema_from_binary()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let examples = repository_root().join("examples");
    let mut seen = 0;
    for entry in fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        let text = fs::read_to_string(&path).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        // pyproject-style examples carry the configuration under [tool.txlint].
        let config = match table.get("tool").and_then(|t| t.get("txlint")) {
            Some(config) => config.clone(),
            None => toml::Value::Table(table),
        };
        let instance = serde_json::to_value(&config).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("\n")
        );
        txlint()
            .current_dir(&examples)
            .args(["config", "--config"])
            .arg(&path)
            .assert()
            .success();
    }
    assert!(seen >= 2, "examples/*.toml");
}

#[test]
fn the_schema_rejects_unknown_keys_and_bad_values() {
    let schema: Value = serde_json::from_str(&schema_from_binary()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        serde_json::json!({"selct": ["TX001"]}),
        serde_json::json!({"fail-on": "fatal"}),
        serde_json::json!({"severity": {"TX001": "loud"}}),
        serde_json::json!({"library": [{"name": "x"}]}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad} was accepted");
    }
    assert!(validator.is_valid(&serde_json::json!({"select": ["TX001"], "fail-on": "error"})));
}
