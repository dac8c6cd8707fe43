//! `txlint_fuzz`: structured mutation fuzzing of txlint on stable Rust. See
//! docs/fuzzing.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use txlint_fuzz::driver::{self, Options, WorkerOptions};
use txlint_fuzz::targets::{Target, BUDGET_FLOOR};

/// Fuzzes txlint's front-ends, suppression scanner, configuration loader and baseline
/// reader with mutations of the repository's fixtures. Exits 1 when an input panicked,
/// crashed, hung or was slow (saved to --crash-dir), 2 on a usage error.
#[derive(Debug, Parser)]
#[command(name = "txlint_fuzz")]
struct Cli {
    /// Target to fuzz: go, python, rust, suppress, config, baseline (repeatable).
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    target: Vec<Target>,
    /// Fuzz every target, one after the other.
    #[arg(long)]
    all: bool,
    /// Inputs per target (default: unbounded with --time-limit, else 10000).
    #[arg(long)]
    iterations: Option<u64>,
    /// Start at iteration N (to go on with a long run where an earlier one stopped).
    #[arg(long, value_name = "N", default_value_t = 0)]
    first_iteration: u64,
    /// Seed of the mutations: the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Time per target: `20s`, `2m`, `500ms`, `1h` or seconds.
    #[arg(long, value_parser = parse_duration)]
    time_limit: Option<Duration>,
    /// Repository root (seeds come from its fixtures/ and examples/).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Where failing inputs are saved (default: ROOT/fuzz/crashes).
    #[arg(long, value_name = "DIR")]
    crash_dir: Option<PathBuf>,
    /// Go on after a failure (a worker that dies is restarted after its input).
    #[arg(long)]
    keep_going: bool,
    /// The least time any input may take, in milliseconds; past it, 10 µs per byte.
    #[arg(long, value_name = "MS", default_value_t = BUDGET_FLOOR.as_millis() as u64)]
    budget_floor_ms: u64,
    /// Save the slowest input per megabyte of each target under DIR.
    #[arg(long, value_name = "DIR")]
    save_slowest: Option<PathBuf>,
    /// Run saved inputs (named `<target>-….<ext>`) and print how each went.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["all", "target"])]
    replay: Vec<PathBuf>,
    /// Shrink a saved failing input to FILE.min.EXT, keeping its failure.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["all", "target", "replay"])]
    shrink: Option<PathBuf>,
    /// Print the input of iteration N of the (single) --target to stdout.
    #[arg(long, value_name = "N")]
    print_input: Option<u64>,

    // The worker process the supervisor starts.
    #[arg(long, hide = true)]
    worker: bool,
    #[arg(long, hide = true, default_value_t = 0)]
    from: u64,
    #[arg(long, hide = true)]
    deadline_ms: Option<u64>,
    #[arg(long, hide = true)]
    known: Vec<PathBuf>,
}

fn parse_target(name: &str) -> Result<Target, String> {
    Target::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        format!("unknown target `{name}` (one of {})", names.join(", "))
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (20s, 2m, 500ms)"))?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (ms, s, m, h)")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli
        .root
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let floor = Duration::from_millis(cli.budget_floor_ms);
    let regressions = root.join("fuzz/regressions");
    let targets: Vec<Target> = if cli.all {
        Target::ALL.to_vec()
    } else {
        cli.target.clone()
    };

    if cli.worker {
        let [target] = targets[..] else {
            eprintln!("txlint_fuzz: a worker runs one target");
            return ExitCode::from(2);
        };
        let code = driver::worker(&WorkerOptions {
            target,
            seed: cli.seed,
            from: cli.from,
            to: cli.iterations.unwrap_or(u64::MAX),
            deadline: cli.deadline_ms.map(Duration::from_millis),
            root,
            floor,
            known: cli.known,
        });
        return ExitCode::from(code as u8);
    }
    if !cli.replay.is_empty() {
        return match driver::replay(&cli.replay, floor) {
            true => ExitCode::SUCCESS,
            false => ExitCode::from(1),
        };
    }
    if let Some(path) = &cli.shrink {
        return match driver::shrink(path, floor) {
            Ok(_) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("txlint_fuzz: {error}");
                ExitCode::from(1)
            }
        };
    }
    if let Some(iteration) = cli.print_input {
        let [target] = targets[..] else {
            eprintln!("txlint_fuzz: --print-input needs one --target");
            return ExitCode::from(2);
        };
        let corpus = txlint_fuzz::mutate::Corpus::load(&root, target);
        let input = corpus.generate(cli.seed, iteration);
        print!("{}", input.text);
        return ExitCode::SUCCESS;
    }
    if targets.is_empty() {
        eprintln!("txlint_fuzz: name a --target, or --all");
        return ExitCode::from(2);
    }
    let options = Options {
        targets,
        first_iteration: cli.first_iteration,
        iterations: cli.iterations.unwrap_or(match cli.time_limit {
            Some(_) => u64::MAX,
            None => 10_000,
        }),
        seed: cli.seed,
        time_limit: cli.time_limit,
        crash_dir: cli.crash_dir.unwrap_or_else(|| root.join("fuzz/crashes")),
        regressions,
        root,
        keep_going: cli.keep_going,
        floor,
        save_slowest: cli.save_slowest,
    };
    let summaries = driver::run(&options);
    let failures: usize = summaries.iter().map(|s| s.failures.len()).sum();
    let inputs: u64 = summaries.iter().map(|s| s.iterations).sum();
    if failures > 0 {
        eprintln!(
            "txlint_fuzz: {failures} failing inputs among {inputs} (saved under {})",
            options.crash_dir.display()
        );
        ExitCode::from(1)
    } else {
        eprintln!("txlint_fuzz: {inputs} inputs, no failure");
        ExitCode::SUCCESS
    }
}
