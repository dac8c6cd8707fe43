use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::model::{FailOn, UncheckedFiles};

/// Finds leaky database-transaction code in Go, Python and Rust.
#[derive(Debug, Parser)]
#[command(name = "txlint", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories for transaction defects.
    Check(CheckArgs),
    /// List every rule with its code, name, default severity and status.
    Rules(RulesArgs),
    /// Print the documentation of a rule.
    Explain(ExplainArgs),
    /// Print the effective configuration for a path, and the file it comes from.
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check. Directories are searched recursively; files named
    /// here are checked even when excluded (unless --force-exclude).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Only run these rules (codes, code prefixes or names, comma-separated). Replaces
    /// the configured selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,

    /// Do not run these rules (codes, code prefixes or names, comma-separated). Added to
    /// the configured ones.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Use this configuration file for every checked path instead of discovering one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The lowest severity whose findings make the exit code 1 (default: the
    /// configuration's `fail-on`, else note: any finding).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,

    /// How a file that could not be checked is reported (unreadable, binary, not UTF-8,
    /// too large, syntax errors, internal error): `error` makes the exit code 1,
    /// `warning` leaves it alone (default: the configuration's `unchecked-files`, else
    /// error).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub unchecked_files: Option<UncheckedFilesArg>,

    /// Number of files checked in parallel (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Print findings only: no summary line, no progress bar, no notes on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print what txlint does on stderr: configuration files, cache hits.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Exit with 0 even when there are findings or files that could not be checked
    /// (usage and fatal errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Do not honour .gitignore, .ignore and git's exclude files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Apply exclusions (configuration `exclude`, .gitignore, hidden and vendored
    /// directories) to paths named on the command line too. For pre-commit.
    #[arg(long)]
    pub force_exclude: bool,

    /// Check only files changed since REV (committed, staged, unstaged or untracked),
    /// and report only findings on changed lines.
    #[arg(long, value_name = "REV")]
    pub diff_base: Option<String>,

    /// Report only findings that FILE (written by --write-baseline) does not list.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Write the current findings to FILE as a baseline, and report none of them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// With --baseline: rewrite FILE without the entries whose findings are gone.
    #[arg(long, requires = "baseline")]
    pub prune_baseline: bool,

    /// Report suppression comments that silence nothing or name unknown rules (as TX900
    /// unused-suppression).
    #[arg(long)]
    pub report_unused_ignores: bool,

    /// Print how many findings each rule and each language has, instead of the
    /// findings (human or json format).
    #[arg(long)]
    pub statistics: bool,

    /// Neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Where to keep the cache (default: `.txlint_cache` next to the closest
    /// configuration file, else in the current directory).
    #[arg(long, value_name = "DIR", env = "TXLINT_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// TX012 option `strict`: report every transaction without a deferred end, not only
    /// those with a visible panic site before their end.
    #[arg(long)]
    pub tx012_strict: bool,

    /// Report every rule in test code too (by default only the rules whose
    /// documentation says so; configuration `report-in-tests`).
    #[arg(long)]
    pub include_tests: bool,

    /// Skip files larger than this many bytes (they are reported, not checked).
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_file_size: u64,

    /// About how many MiB the lowered files may hold while the project index is resolved.
    /// Beyond it, a file keeps only its declarations and is lowered again when needed:
    /// the same findings, more time.
    #[arg(
        long,
        value_name = "MIB",
        env = "TXLINT_MEMORY_BUDGET",
        default_value_t = DEFAULT_MEMORY_BUDGET_MIB
    )]
    pub memory_budget: u64,
}

/// Enough for every tree of `../shared/ecosystem` to be lowered only once: the memory
/// budget costs time only on trees far larger than the projects it was measured on.
pub const DEFAULT_MEMORY_BUDGET_MIB: u64 = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Note,
}

impl FailOnArg {
    pub fn to_config(self) -> FailOn {
        match self {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Note => FailOn::Note,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UncheckedFilesArg {
    Error,
    Warning,
}

impl UncheckedFilesArg {
    pub fn to_config(self) -> UncheckedFiles {
        match self {
            UncheckedFilesArg::Error => UncheckedFiles::Error,
            UncheckedFilesArg::Warning => UncheckedFiles::Warning,
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The file or directory whose configuration to show (default: .).
    pub path: Option<PathBuf>,

    /// Use this configuration file instead of discovering one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print the JSON Schema of the configuration file instead.
    #[arg(long, conflicts_with_all = ["path", "config"])]
    pub schema: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Source snippets with labels, for people.
    Human,
    /// txlint's own versioned JSON (docs/json-format.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and editors.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RulesArgs {}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (TX004) or name (connection-left-in-transaction).
    pub rule: String,
}
