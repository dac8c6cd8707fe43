//! The content-hash cache: hits on a second run with identical output, corrupt entries,
//! configuration changes, --no-cache and where the cache lives.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{codes, json, project, txlint, write, CLEAN, LEAKY};

/// Runs `txlint check -v ARGS` and returns (stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (Vec<u8>, String) {
    let output = txlint()
        .current_dir(dir)
        .args(["check", "--verbose"])
        .args(args)
        .output()
        .unwrap();
    (output.stdout, String::from_utf8(output.stderr).unwrap())
}

/// The `cache: H hits, M misses` numbers of a verbose run.
fn hits_and_misses(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("txlint: cache: "))
        .unwrap_or_else(|| panic!("no cache line in {stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// The cache's entry files: one per run key and source directory (the project
/// snapshots beside them, `project-*.json`, are not entries).
fn cache_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for run in fs::read_dir(root).unwrap() {
        let run = run.unwrap().path();
        if run.is_dir() {
            files.extend(
                fs::read_dir(run)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| {
                        !p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with("project-")
                    }),
            );
        }
    }
    files
}

/// Names of the source files with an entry in the cache.
fn cached_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = cache_files(root)
        .iter()
        .flat_map(|file| {
            let cached: serde_json::Value =
                serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
            cached["files"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names
}

fn three_files() -> tempfile::TempDir {
    // Three different texts: entries are keyed by content.
    let b = format!("{LEAKY}// b\n");
    project(&[("a.go", LEAKY), ("b.go", &b), ("c.go", CLEAN)])
}

#[test]
fn a_second_run_reads_the_cache_and_prints_the_same_bytes() {
    let dir = three_files();
    for format in ["json", "sarif", "human"] {
        let (first, first_log) = run(dir.path(), &["--format", format]);
        let (second, second_log) = run(dir.path(), &["--format", format]);
        assert_eq!(first, second, "{format}: output changed on a cache hit");
        if format == "json" {
            assert_eq!(hits_and_misses(&first_log), (0, 3));
        }
        assert_eq!(hits_and_misses(&second_log), (3, 0), "{second_log}");
    }
    let root = dir.path().join(".txlint_cache");
    assert_eq!(cache_files(&root).len(), 1, "one file per source directory");
    assert_eq!(cached_names(&root), ["a.go", "b.go", "c.go"]);
    // An edited file is analysed again; the others still hit.
    write(dir.path(), "c.go", &format!("{LEAKY}\n// edited\n"));
    let (_, log) = run(dir.path(), &[]);
    assert_eq!(hits_and_misses(&log), (2, 1));
    let (_, log) = run(dir.path(), &[]);
    assert_eq!(hits_and_misses(&log), (3, 0));
    // Files in other directories get files of their own.
    write(dir.path(), "sub/d.go", LEAKY);
    run(dir.path(), &[]);
    assert_eq!(cache_files(&root).len(), 2);
}

#[test]
fn corrupt_cache_files_and_entries_are_ignored_and_rewritten() {
    let dir = three_files();
    let root = dir.path().join(".txlint_cache");
    let (expected, _) = run(dir.path(), &["--format", "json"]);
    let file = cache_files(&root).remove(0);
    // A broken entry (a rule code no txlint has): that file only is analysed again.
    let mut cached: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    cached["files"]["a.go"]["results"]["diagnostics"][0]["code"] = "TX999".into();
    fs::write(&file, cached.to_string()).unwrap();
    let (output, log) = run(dir.path(), &["--format", "json"]);
    assert_eq!(output, expected);
    assert_eq!(hits_and_misses(&log), (2, 1));
    // A file that is not JSON at all, or empty: everything is analysed again.
    for garbage in [&b"\x00\x01 not json"[..], b"", b"{\"files\": {"] {
        fs::write(&file, garbage).unwrap();
        let (output, log) = run(dir.path(), &["--format", "json"]);
        assert_eq!(output, expected);
        assert_eq!(hits_and_misses(&log), (0, 3));
    }
    let (_, log) = run(dir.path(), &["--format", "json"]);
    assert_eq!(hits_and_misses(&log), (3, 0), "rewritten");
}

#[test]
fn an_unwritable_cache_is_not_fatal() {
    let dir = three_files();
    // A file where the cache directory should be.
    write(dir.path(), ".txlint_cache", "not a directory");
    let (output, log) = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(report["summary"]["findings"], 4);
    assert!(log.contains("could not be written"), "{log}");
}

#[test]
fn configuration_changes_never_reuse_stale_results() {
    let dir = project(&[("a.go", LEAKY)]);
    assert_eq!(codes(&json(dir.path(), &[])), ["TX008", "TX001"]);
    write(dir.path(), "txlint.toml", "[severity]\nTX001 = \"note\"\n");
    let report = json(dir.path(), &[]);
    assert_eq!(report["findings"][1]["severity"], "note");
    write(dir.path(), "txlint.toml", "select = [\"TX001\"]\n");
    assert_eq!(codes(&json(dir.path(), &[])), ["TX001"]);
    write(
        dir.path(),
        "txlint.toml",
        "[rules.rollback-not-deferred]\nstrict = true\n[per-file-ignores]\n\"a.go\" = [\"TX008\"]\n",
    );
    assert_eq!(codes(&json(dir.path(), &[])), ["TX001"]);
    assert_eq!(
        codes(&json(dir.path(), &["--select", "TX008"])),
        Vec::<String>::new()
    );
    fs::remove_file(dir.path().join("txlint.toml")).unwrap();
    assert_eq!(codes(&json(dir.path(), &[])), ["TX008", "TX001"]);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let dir = three_files();
    let (_, log) = run(dir.path(), &["--no-cache"]);
    assert!(log.contains("txlint: cache: off"), "{log}");
    assert!(!dir.path().join(".txlint_cache").exists());
}

#[test]
fn the_cache_lives_beside_the_closest_configuration_or_where_asked() {
    let dir = project(&[("txlint.toml", ""), ("svc/a.go", LEAKY)]);
    run(&dir.path().join("svc"), &[]);
    assert!(dir.path().join(".txlint_cache/CACHEDIR.TAG").is_file());
    assert!(!dir.path().join("svc/.txlint_cache").exists());
    // It ignores itself for git.
    assert_eq!(
        fs::read_to_string(dir.path().join(".txlint_cache/.gitignore")).unwrap(),
        "# Created by txlint.\n*\n"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let (_, log) = txlint()
        .current_dir(dir.path())
        .args(["check", "-v", "--cache-dir"])
        .arg(elsewhere.path())
        .output()
        .map(|o| (o.stdout, String::from_utf8(o.stderr).unwrap()))
        .unwrap();
    assert_eq!(hits_and_misses(&log), (0, 1));
    assert_eq!(cached_names(elsewhere.path()), ["a.go"]);
    let from_env = txlint()
        .current_dir(dir.path())
        .env("TXLINT_CACHE_DIR", elsewhere.path())
        .args(["check", "-v"])
        .output()
        .unwrap();
    assert_eq!(
        hits_and_misses(&String::from_utf8(from_env.stderr).unwrap()),
        (1, 0)
    );
}

/// Sets a file's modification time an hour back: a stamp is trusted only for a file
/// modified clearly before the run that took it.
fn age(root: &Path, name: &str, seconds_back: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_back);
    fs::File::options()
        .write(true)
        .open(root.join(name))
        .unwrap()
        .set_modified(when)
        .unwrap();
}

const STAMPED: &str = "txlint: project unchanged";

#[test]
fn a_warm_run_over_unchanged_stamps_parses_nothing_and_reports_the_same() {
    // A suppressed finding in a file with findings: its comments are read again.
    let suppressed = LEAKY.replace(
        "tx, _ := db.Begin()",
        "tx, _ := db.Begin() // txlint: ignore[TX008]",
    );
    // A file skipped for what it holds is skipped (and said) again, not read.
    let binary = "package store\n\u{0}\u{0}";
    let dir = project(&[
        ("a.go", LEAKY),
        ("b.go", &suppressed),
        ("c.go", CLEAN),
        ("blob.go", binary),
    ]);
    for name in ["a.go", "b.go", "c.go", "blob.go"] {
        age(dir.path(), name, 3600);
    }
    let (first, log) = run(dir.path(), &["--format", "json"]);
    assert!(!log.contains(STAMPED), "{log}");
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(
        report["summary"]["findings"], 3,
        "b.go's TX008 is suppressed"
    );
    assert_eq!(report["summary"]["files_skipped"], 1, "{report}");
    let (second, log) = run(dir.path(), &["--format", "json"]);
    assert!(log.contains(STAMPED), "{log}");
    assert_eq!(first, second);
    assert_eq!(hits_and_misses(&log), (3, 0));
    // Same size, other content, other (old) time: the stamp no longer holds.
    let edited = CLEAN.replacen("Save", "Keep", 1);
    assert_eq!(edited.len(), CLEAN.len());
    write(dir.path(), "c.go", &edited);
    age(dir.path(), "c.go", 1800);
    let (output, log) = run(dir.path(), &["--format", "json"]);
    assert!(!log.contains(STAMPED), "{log}");
    assert_eq!(
        output,
        run(dir.path(), &["--format", "json", "--no-cache"]).0
    );
    // A file just written is not trusted by its stamp, whatever its size.
    write(dir.path(), "c.go", LEAKY);
    let (third, log) = run(dir.path(), &["--format", "json"]);
    assert!(!log.contains(STAMPED), "{log}");
    let (fourth, log) = run(dir.path(), &["--format", "json"]);
    assert!(!log.contains(STAMPED), "{log}");
    assert_eq!(third, fourth);
    assert_eq!(
        third,
        run(dir.path(), &["--format", "json", "--no-cache"]).0
    );
    assert_ne!(first, third);
    // Once old, it is; a new file in the package is seen.
    age(dir.path(), "c.go", 600);
    run(dir.path(), &[]);
    let (_, log) = run(dir.path(), &[]);
    assert!(log.contains(STAMPED), "{log}");
    write(dir.path(), "d.go", CLEAN);
    let (_, log) = run(dir.path(), &[]);
    assert!(!log.contains(STAMPED), "{log}");
}

/// Sets a directory's modification time back, as `age` does for a file.
fn age_directory(directory: &Path, seconds_back: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_back);
    fs::File::open(directory)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

const WITNESSED: &str =
    "txlint: file system lookups: the directories that answered them are unchanged";

#[test]
fn a_warm_run_trusts_unchanged_directories_and_sees_a_module_that_appears() {
    // `setup.py` marks the project's top: no import is looked for above it (in the
    // temporary directory's parents, modified all the time by others).
    let dir = project(&[
        (
            "app.py",
            "from helpers import connect\n\n\ndef read_one():\n    conn = connect()\n    cur = conn.cursor()\n    cur.execute(\"SELECT 1\")\n    return cur.fetchone()\n",
        ),
        ("setup.py", ""),
    ]);
    // The cache outside the project, so that making it changes no directory of it.
    let cache = tempfile::TempDir::new().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let args = ["--format", "json", "--cache-dir", cache_dir];
    age(dir.path(), "app.py", 3600);
    age(dir.path(), "setup.py", 3600);
    age_directory(dir.path(), 3600);
    let (first, log) = run(dir.path(), &args);
    assert!(!log.contains(STAMPED), "{log}");
    assert_eq!(json_findings(&first), 0);
    // Nothing changed: the lookups (`helpers.py`, `helpers/__init__.py`, …) are answered
    // by the unchanged project directory, without listing it.
    let (second, log) = run(dir.path(), &args);
    assert!(log.contains(STAMPED) && log.contains(WITNESSED), "{log}");
    assert_eq!(first, second);
    // The module `app.py` imports appears: its directory's time changes, and even set back
    // to another old time, the next run sees it.
    write(
        dir.path(),
        "helpers/__init__.py",
        "import psycopg2\n\nCONN = psycopg2.connect(\"\")\n\n\ndef connect():\n    return CONN\n",
    );
    age(dir.path(), "helpers/__init__.py", 1800);
    age_directory(&dir.path().join("helpers"), 1800);
    age_directory(dir.path(), 1800);
    let (third, log) = run(dir.path(), &args);
    assert!(!log.contains(WITNESSED), "{log}");
    assert_eq!(json_findings(&third), 1);
    assert_eq!(
        third,
        run(dir.path(), &["--format", "json", "--no-cache"]).0
    );
}

fn json_findings(report: &[u8]) -> u64 {
    let report: serde_json::Value = serde_json::from_slice(report).unwrap();
    report["summary"]["findings"].as_u64().unwrap()
}
