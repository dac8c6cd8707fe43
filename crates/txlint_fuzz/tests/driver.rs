//! The mutation driver is deterministic, and judges inputs as documented.

use std::path::Path;
use std::time::Duration;

use txlint_fuzz::driver::panic_location;
use txlint_fuzz::mutate::Corpus;
use txlint_fuzz::targets::{budget, Input, Target};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn every_target_has_seeds() {
    for target in Target::ALL {
        let corpus = Corpus::load(root(), target);
        assert!(corpus.seeds.len() > 2, "{}", target.name());
    }
    assert!(Corpus::load(root(), Target::Go).seeds.len() > 100);
}

#[test]
fn inputs_are_a_function_of_seed_and_iteration() {
    for target in Target::ALL {
        let corpus = Corpus::load(root(), target);
        let first: Vec<Input> = (0..50).map(|i| corpus.generate(7, i)).collect();
        let again: Vec<Input> = (0..50).rev().map(|i| corpus.generate(7, i)).collect();
        assert!(first.iter().eq(again.iter().rev()), "{}", target.name());
        let other: Vec<Input> = (0..50).map(|i| corpus.generate(8, i)).collect();
        assert_ne!(first, other, "{}", target.name());
        assert!(first
            .iter()
            .all(|i| i.text.len() <= txlint_fuzz::mutate::MAX_LEN));
    }
}

#[test]
fn the_budget_is_ten_microseconds_a_byte_with_a_floor() {
    let floor = Duration::from_millis(100);
    for target in [Target::Rust, Target::Config, Target::Suppress] {
        assert_eq!(budget(target, 10, floor), floor);
        assert_eq!(budget(target, 100_000, floor), Duration::from_secs(1));
        assert_eq!(budget(target, 1_000_000, floor), Duration::from_secs(10));
    }
}

#[test]
fn a_tree_sitter_target_may_use_the_whole_parse_budget() {
    let floor = Duration::from_millis(100);
    for target in [Target::Go, Target::Python] {
        // 250 ms + 4 µs a byte for the parser, and 100 ms for the rest.
        assert_eq!(budget(target, 10, floor), Duration::from_micros(350_040));
        assert_eq!(budget(target, 30_000, floor), Duration::from_millis(470));
        assert_eq!(budget(target, 1_000_000, floor), Duration::from_secs(10));
    }
}

#[test]
fn saved_inputs_read_back_with_their_target_and_language() {
    let dir = tempfile::tempdir().unwrap();
    for (target, language, text) in [
        (
            Target::Python,
            txlint_ir::Language::Python,
            "x = 1 # café\r",
        ),
        (Target::Suppress, txlint_ir::Language::Rust, "// noqa\0"),
        (Target::Config, txlint_ir::Language::Go, "select = []"),
    ] {
        let input = Input {
            language,
            text: text.into(),
        };
        let path = txlint_fuzz::targets::save(dir.path(), target, &input).unwrap();
        assert!(path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(target.name()));
        assert_eq!(Input::read(&path).unwrap(), (target, input));
    }
}

#[test]
fn panic_locations_are_read_from_recorded_messages() {
    assert_eq!(
        panic_location("panicked at crates/x/src/a.rs:3:9 (thread t): boom"),
        "crates/x/src/a.rs:3:9"
    );
}
