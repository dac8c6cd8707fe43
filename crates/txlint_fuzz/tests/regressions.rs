//! Every saved failing input under `fuzz/regressions/` runs through its target without
//! a panic and within its time budget. Inputs listed in `fuzz/regressions/KNOWN` are
//! known defects being fixed elsewhere: they are skipped until the list is emptied.

use std::path::{Path, PathBuf};

use txlint_fuzz::driver::{known_list, regression_files, KNOWN_FILE, WORKER_STACK};
use txlint_fuzz::targets::{self, Input, BUDGET_FLOOR};

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn regression_inputs_run_without_panic_in_bounded_time() {
    let dir = regressions();
    let known = known_list(&dir);
    targets::install_panic_hook();
    // The budget is for the release binary; a test build runs many times slower.
    let scale = if cfg!(debug_assertions) { 30 } else { 1 };
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in regression_files(&dir) {
        if known.contains(&name(&path)) {
            eprintln!("skipped (listed in {KNOWN_FILE}): {}", name(&path));
            continue;
        }
        let (target, input) = Input::read(&path).unwrap();
        // On a thread with the binary's worker stack, doubled: a test build's frames
        // are larger than a release build's.
        let verdict = std::thread::Builder::new()
            .stack_size(WORKER_STACK * 2)
            .spawn(move || targets::check(target, &input, BUDGET_FLOOR, scale))
            .unwrap()
            .join()
            .unwrap();
        ran += 1;
        if !verdict.is_ok() {
            failures.push(format!("{}: {verdict:?}", name(&path)));
        }
    }
    // The fuzzer's panic hook keeps panics quiet: say what failed before asserting.
    for failure in &failures {
        eprintln!("failed: {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} regression inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn known_defects_name_regression_files() {
    let dir = regressions();
    let files: Vec<String> = regression_files(&dir).iter().map(|p| name(p)).collect();
    for entry in known_list(&dir) {
        assert!(
            files.contains(&entry),
            "{KNOWN_FILE} lists {entry}, which is not in fuzz/regressions/"
        );
    }
}

#[test]
fn regression_file_names_say_their_target() {
    for path in regression_files(&regressions()) {
        assert!(Input::read(&path).is_ok(), "{}", path.display());
    }
}
