//! Fuzzing txlint: a structured mutation driver that runs on stable Rust.
//!
//! - [`targets`]: what one input goes through (a front-end with the rules and the
//!   renderers, the suppression scanner, the configuration loader, the baseline reader),
//!   with the panic and time checks.
//! - [`mutate`]: the seed corpus (`fixtures/`, `examples/`, built-in seeds) and the
//!   mutations, deterministic from a seed and an iteration number.
//! - [`driver`]: the command line's supervisor and worker processes.
//!
//! The suppression scanner, the configuration loader and the baseline reader live in the
//! `txlint` binary, which has no library target. They are compiled here from their
//! source files, unchanged, so that the fuzzer runs the very code the binary runs.

pub mod driver;
pub mod mutate;
pub mod targets;

// Modules of the `txlint` binary, compiled from its sources. They keep their paths
// (`crate::cli`, `crate::config::model`), so they sit at this crate's root.
#[path = "../../txlint/src/baseline.rs"]
#[allow(dead_code)]
mod baseline;
#[path = "../../txlint/src/cli.rs"]
#[allow(dead_code)]
mod cli;
#[path = "../../txlint/src/config/mod.rs"]
#[allow(dead_code)]
mod config;
#[path = "../../txlint/src/path_map.rs"]
#[allow(dead_code)]
mod path_map;
#[path = "../../txlint/src/suppress.rs"]
#[allow(dead_code)]
mod suppress;
