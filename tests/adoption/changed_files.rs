//! `--diff-base REV` on a git repository made for the test.

use std::path::Path;
use std::process::Command as Process;

use predicates::prelude::*;

use crate::common::{at, findings, json, project, txlint, write, LEAKY};

fn git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository with one commit holding `files`, its identity set locally.
fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = project(files);
    git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
    git(dir.path(), &["config", "user.name", "txlint tests"]);
    git(
        dir.path(),
        &["config", "user.email", "tests@txlint.invalid"],
    );
    git(dir.path(), &["config", "commit.gpgsign", "false"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "initial"]);
    dir
}

/// LEAKY with a second function appended, which leaks too.
fn with_new_function() -> String {
    format!(
        "{LEAKY}\nfunc Purge(db *sql.DB) error {{\n\ttx, _ := db.Begin()\n\tdefer tx.Rollback()\n\ttx.Commit()\n\treturn nil\n}}\n"
    )
}

#[test]
fn only_changed_lines_of_changed_files_are_reported() {
    let dir = repository(&[
        ("old.go", LEAKY),
        ("edited.go", LEAKY),
        ("staged.go", LEAKY),
    ]);
    // Unstaged edit: a new leaking function below the old, untouched one.
    write(dir.path(), "edited.go", &with_new_function());
    // Staged edit of the same kind.
    write(dir.path(), "staged.go", &with_new_function());
    git(dir.path(), &["add", "staged.go"]);
    // A new file nobody added yet: every line is new.
    write(dir.path(), "untracked.go", LEAKY);
    // Ignored files stay out.
    write(dir.path(), ".gitignore", "ignored.go\n");
    write(dir.path(), "ignored.go", LEAKY);

    let everything = json(dir.path(), &[]);
    assert_eq!(findings(&everything).len(), 12);
    let report = json(dir.path(), &["--diff-base", "HEAD"]);
    assert_eq!(
        findings(&report),
        [
            at("edited.go", "TX008", 16),
            at("edited.go", "TX001", 18),
            at("staged.go", "TX008", 16),
            at("staged.go", "TX001", 18),
            at("untracked.go", "TX008", 6),
            at("untracked.go", "TX001", 11),
        ]
    );
    assert_eq!(
        report["summary"]["files_checked"], 3,
        "old.go is not checked"
    );
    // Against a commit, what was committed since counts too.
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "second"]);
    assert!(findings(&json(dir.path(), &["--diff-base", "HEAD"])).is_empty());
    assert_eq!(
        findings(&json(dir.path(), &["--diff-base", "HEAD~1"])).len(),
        6
    );
}

#[test]
fn a_finding_whose_label_is_on_a_changed_line_is_reported() {
    // TX002 is reported at the begin, with a label on the leaking return: adding that
    // return is what makes the old begin leak.
    let before = "package store\n\nimport \"database/sql\"\n\nfunc Save(db *sql.DB, ok bool) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn tx.Commit()\n}\n";
    let after = "package store\n\nimport \"database/sql\"\n\nfunc Save(db *sql.DB, ok bool) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\tif !ok {\n\t\treturn nil\n\t}\n\treturn tx.Commit()\n}\n";
    let dir = repository(&[("a.go", before)]);
    write(dir.path(), "a.go", after);
    let report = json(dir.path(), &["--diff-base", "HEAD", "--select", "TX002"]);
    assert_eq!(findings(&report), [at("a.go", "TX002", 6)]);
}

#[test]
fn outside_a_repository_or_with_an_unknown_revision_it_is_an_error() {
    let dir = project(&[("a.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .args(["check", "--diff-base", "HEAD"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "--diff-base needs a git repository",
        ));
    let dir = repository(&[("a.go", LEAKY)]);
    txlint()
        .current_dir(dir.path())
        .args(["check", "--diff-base", "no-such-branch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown revision `no-such-branch`",
        ));
}

/// git ends a `+++` header with a tab when the name has a space, and C-quotes names
/// with quotes or control characters: each such changed file is checked.
#[test]
fn changed_files_with_spaces_quotes_and_non_ascii_names_are_checked() {
    let mut names = vec![
        "with space.go",
        "quote\"d.go",
        "café.go",
        "dir with space/a.go",
    ];
    if cfg!(unix) {
        names.push("tab\there.go");
    }
    let files: Vec<(&str, &str)> = names.iter().map(|n| (*n, LEAKY)).collect();
    let dir = repository(&files);
    for name in &names {
        write(dir.path(), name, &with_new_function());
    }
    let report = json(dir.path(), &["--diff-base", "HEAD", "--no-cache"]);
    let mut expected: Vec<_> = names
        .iter()
        .flat_map(|name| [at(name, "TX008", 16), at(name, "TX001", 18)])
        .collect();
    expected.sort();
    let mut found = findings(&report);
    found.sort();
    assert_eq!(found, expected);
}

/// A repository's configuration must not make `--diff-base` run a program: git reads
/// `core.fsmonitor` as a hook command when refreshing the index.
#[test]
fn the_repository_configuration_runs_no_command() {
    let dir = repository(&[("a.go", LEAKY)]);
    let marker = dir.path().with_extension("fsmonitor-ran");
    let _ = std::fs::remove_file(&marker);
    let command = format!("touch '{}'", marker.display());
    git(dir.path(), &["config", "core.fsmonitor", &command]);
    git(dir.path(), &["config", "diff.external", &command]);
    git(dir.path(), &["config", "core.pager", &command]);
    git(dir.path(), &["config", "diff.interHunkContext", "50"]);
    git(dir.path(), &["config", "diff.noprefix", "true"]);
    git(dir.path(), &["config", "diff.relative", "true"]);
    write(dir.path(), "a.go", &with_new_function());
    let report = json(dir.path(), &["--diff-base", "HEAD", "--no-cache"]);
    assert!(!marker.exists(), "git ran the repository's command");
    assert_eq!(
        findings(&report),
        [at("a.go", "TX008", 16), at("a.go", "TX001", 18)]
    );
}
