//! Which files are test code by convention, per language (SPEC.md, "Real code decides").
//! Test code drops transactions and ignores commit results on purpose, so each rule says
//! whether it reports there (`report-in-tests`).

use std::path::{Component, Path};

use txlint_ir::Language;

/// Whether a file is test code by its path relative to the project: Go `_test.go`;
/// Python `test_*.py`, `*_test.py`, `conftest.py` and anything under a `tests/` or
/// `test/` directory; Rust anything under `tests/`, `benches/` or `examples/` (Cargo's
/// integration tests, benchmarks and example programs: targets built with the
/// dev-dependencies, which demonstrate behaviour on purpose) and `tests.rs` module files
/// (`#[cfg(test)]` items are found by the front-end).
pub fn is_test_path(language: Language, relative: &Path) -> bool {
    let name = relative
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    // Only Python and Rust look at the directories, and only when the name did not decide.
    let under = |names: &[&str]| {
        relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .any(|c| matches!(c, Component::Normal(part) if part.to_str().is_some_and(|d| names.contains(&d))))
    };
    match language {
        Language::Go => name.ends_with("_test.go"),
        Language::Python => {
            let stem = name
                .strip_suffix(".py")
                .or_else(|| name.strip_suffix(".pyi"))
                .unwrap_or(name);
            stem.starts_with("test_")
                || stem.ends_with("_test")
                || stem == "conftest"
                || under(&["tests", "test"])
        }
        // `tests.rs` is by convention the file of a `#[cfg(test)] mod tests;`.
        Language::Rust => under(&["tests", "benches", "examples"]) || name == "tests.rs",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(language: Language, path: &str) -> bool {
        is_test_path(language, Path::new(path))
    }

    #[test]
    fn go_test_files_by_suffix_only() {
        assert!(test(Language::Go, "store/users_test.go"));
        assert!(!test(Language::Go, "tests/helpers.go"));
        assert!(!test(Language::Go, "testing.go"));
    }

    #[test]
    fn python_test_modules_and_directories() {
        assert!(test(Language::Python, "test_orders.py"));
        assert!(test(Language::Python, "app/orders_test.py"));
        assert!(test(Language::Python, "app/conftest.py"));
        assert!(test(Language::Python, "tests/pool/helpers.py"));
        assert!(test(Language::Python, "master/app/test/unit/db.py"));
        assert!(!test(Language::Python, "app/testing.py"));
        assert!(!test(Language::Python, "app/contest.py"));
        assert!(!test(Language::Python, "attest/db.py"));
    }

    #[test]
    fn rust_integration_tests_benches_and_examples() {
        assert!(test(Language::Rust, "tests/postgres/main.rs"));
        assert!(test(Language::Rust, "crates/db/benches/insert.rs"));
        assert!(test(Language::Rust, "queue-rs/examples/isolation.rs"));
        assert!(!test(Language::Rust, "src/example.rs"));
        assert!(test(Language::Rust, "src/store/tests.rs"));
        assert!(!test(Language::Rust, "src/testing.rs"));
        assert!(!test(Language::Rust, "src/lib.rs"));
    }
}
