//! End-to-end tests of what lets a team adopt txlint on an existing codebase:
//! configuration, inline suppressions, baselines, changed-files runs, the cache,
//! statistics, the progress bar's absence off a terminal, and the published schema and
//! hook definitions. Each test builds its own project in a temporary directory.

mod baseline;
mod cache;
mod changed_files;
mod common;
mod config;
mod output;
mod suppressions;
