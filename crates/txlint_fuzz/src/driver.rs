//! The fuzzing driver: a supervisor process and one worker process at a time.
//!
//! The worker generates and runs inputs and reports on its standard output, one line
//! per event. It runs each input under `catch_unwind` with a panic hook that records
//! panics (also those the code under test catches itself) and checks its time. A stack
//! overflow or an abort kills the worker, and an endless loop never ends: the
//! supervisor sees that, and since inputs are a pure function of their iteration number
//! it regenerates the input the worker was running and saves it. With `--keep-going` it
//! then starts a new worker after that input.
//!
//! Worker protocol (tab-separated fields):
//!
//! - `S i len`: starting iteration `i`, an input of `len` bytes;
//! - `P i nanos message`: iteration `i` panicked;
//! - `T i nanos budget_nanos`: iteration `i` was slow in each of three runs;
//! - `M i len nanos`: iteration `i` is the slowest per byte so far (inputs ≥ 4 KiB);
//! - `K path verdict`: a known defect (`fuzz/regressions/KNOWN`) replayed at start;
//! - `D i`: stopped before iteration `i` (iteration count or deadline reached).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::mutate::Corpus;
use crate::targets::{self, Input, Target, Verdict};

/// Stack of the thread that runs inputs: that of the binary's worker threads.
pub const WORKER_STACK: usize = 16 * 1024 * 1024;

/// Inputs at least this long count for the slowest-per-megabyte figure (below it, fixed
/// costs dominate).
pub const PER_MB_MIN_LEN: usize = 4096;

/// Slow inputs saved per target and run; more are counted.
const MAX_SAVED_SLOW: usize = 3;

/// The name of the list of known defects in the regressions directory.
pub const KNOWN_FILE: &str = "KNOWN";

impl Options {
    /// The iteration after the last one to run.
    fn end(&self) -> u64 {
        self.first_iteration.saturating_add(self.iterations)
    }
}

/// Settings of a fuzzing run.
#[derive(Debug, Clone)]
pub struct Options {
    pub targets: Vec<Target>,
    /// The first iteration to run: a long run split over several sessions goes on where
    /// the last one stopped (inputs are a pure function of seed and iteration).
    pub first_iteration: u64,
    pub iterations: u64,
    pub seed: u64,
    /// Per target.
    pub time_limit: Option<Duration>,
    pub root: PathBuf,
    pub crash_dir: PathBuf,
    pub regressions: PathBuf,
    pub keep_going: bool,
    pub floor: Duration,
    /// Where to save the slowest input per megabyte of each target, if anywhere.
    pub save_slowest: Option<PathBuf>,
}

/// Settings of a worker process.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub target: Target,
    pub seed: u64,
    pub from: u64,
    pub to: u64,
    pub deadline: Option<Duration>,
    pub root: PathBuf,
    pub floor: Duration,
    pub known: Vec<PathBuf>,
}

/// The regression files listed in `KNOWN` (one file name a line, `#` comments): known
/// defects that others are fixing, skipped by the replay test and not failing a run.
pub fn known_list(regressions: &Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(regressions.join(KNOWN_FILE)) else {
        return BTreeSet::new();
    };
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every regression input: the files of the directory but `KNOWN` and `README.md`.
pub fn regression_files(regressions: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(regressions)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n != KNOWN_FILE && n != "README.md" && !n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// The panic location of a recorded panic message (`panicked at FILE:LINE:COL (…`).
pub fn panic_location(message: &str) -> &str {
    message
        .strip_prefix("panicked at ")
        .and_then(|rest| rest.split(" (thread").next())
        .unwrap_or(message)
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
}

/// The worker: runs iterations `from..to` and reports on stdout.
pub fn worker(options: &WorkerOptions) -> i32 {
    targets::install_panic_hook();
    let options = options.clone();
    let spawned = std::thread::Builder::new()
        .name("txlint-fuzz".into())
        .stack_size(WORKER_STACK)
        .spawn(move || work(&options));
    match spawned.map(|h| h.join()) {
        Ok(Ok(())) => 0,
        _ => 3,
    }
}

fn work(options: &WorkerOptions) {
    let started = Instant::now();
    let mut out = std::io::stdout().lock();
    // A closed pipe means the supervisor is gone: stop.
    macro_rules! say {
        ($($arg:tt)*) => {
            if writeln!(out, $($arg)*).is_err() {
                return;
            }
        };
    }
    // Known defects are run once each, timed on the wall clock: this only tells which
    // of them still fail and how, and it must stay cheap (CI runs it for every target).
    for path in &options.known {
        let verdict = match Input::read(path) {
            Ok((target, input)) if target == options.target => {
                match targets::execute(target, &input) {
                    (_, Err(message)) => format!("panic {}", one_line(panic_location(&message))),
                    (elapsed, Ok(()))
                        if elapsed > targets::budget(target, input.text.len(), options.floor) =>
                    {
                        "slow".to_string()
                    }
                    (_, Ok(())) => "ok".to_string(),
                }
            }
            _ => continue,
        };
        say!("K\t{}\t{verdict}", path.display());
    }
    let corpus = Corpus::load(&options.root, options.target);
    let mut slowest_per_byte = 0.0f64;
    let mut iteration = options.from;
    while iteration < options.to {
        if options.deadline.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        let input = corpus.generate(options.seed, iteration);
        let len = input.text.len();
        say!("S\t{iteration}\t{len}");
        match targets::check(options.target, &input, options.floor, 1) {
            Verdict::Ok { elapsed } => {
                let candidate = elapsed.as_secs_f64() / len as f64 > slowest_per_byte;
                if len >= PER_MB_MIN_LEN && candidate {
                    // Timed again: the fastest of three runs is the least disturbed
                    // by other processes.
                    let fastest = (0..2)
                        .map(|_| targets::execute(options.target, &input).0)
                        .fold(elapsed, Duration::min);
                    let per_byte = fastest.as_secs_f64() / len as f64;
                    if per_byte > slowest_per_byte {
                        slowest_per_byte = per_byte;
                        say!("M\t{iteration}\t{len}\t{}", fastest.as_nanos());
                    }
                }
            }
            Verdict::Panic { message, elapsed } => {
                say!(
                    "P\t{iteration}\t{}\t{}",
                    elapsed.as_nanos(),
                    one_line(&message)
                );
            }
            Verdict::Slow { elapsed, budget } => {
                say!(
                    "T\t{iteration}\t{}\t{}",
                    elapsed.as_nanos(),
                    budget.as_nanos()
                );
            }
        }
        iteration += 1;
    }
    say!("D\t{iteration}");
}

/// One failure found by a run.
#[derive(Debug, Clone)]
pub struct Failure {
    pub target: Target,
    pub iteration: u64,
    pub kind: String,
    pub detail: String,
    pub saved: Option<PathBuf>,
    /// How many more inputs failed the same way.
    pub repeats: u64,
}

/// What a run of one target did.
#[derive(Debug, Clone)]
pub struct TargetSummary {
    pub target: Target,
    pub iterations: u64,
    pub elapsed: Duration,
    pub failures: Vec<Failure>,
    /// Failures matching a known defect, by kind.
    pub known: BTreeMap<String, u64>,
    /// (iteration, len, time) of the slowest input per byte, inputs ≥ 4 KiB.
    pub slowest: Option<(u64, usize, Duration)>,
}

enum Event {
    Line(String),
    Eof,
}

fn spawn_worker(
    options: &Options,
    target: Target,
    from: u64,
    deadline: Option<Duration>,
) -> std::io::Result<Child> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .arg("--worker")
        .args(["--target", target.name()])
        .args(["--seed", &options.seed.to_string()])
        .args(["--from", &from.to_string()])
        .args(["--iterations", &options.end().to_string()])
        .arg("--root")
        .arg(&options.root)
        .args(["--budget-floor-ms", &options.floor.as_millis().to_string()]);
    if let Some(deadline) = deadline {
        command.args(["--deadline-ms", &deadline.as_millis().to_string()]);
    }
    let known = known_list(&options.regressions);
    for name in known {
        command.arg("--known").arg(options.regressions.join(name));
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Runs every target of `options` in turn; prints a summary; returns the summaries.
pub fn run(options: &Options) -> Vec<TargetSummary> {
    let mut summaries = Vec::new();
    for &target in &options.targets {
        let summary = run_target(options, target);
        print_summary(&summary);
        summaries.push(summary);
    }
    summaries
}

fn run_target(options: &Options, target: Target) -> TargetSummary {
    let corpus = Corpus::load(&options.root, target);
    let started = Instant::now();
    let mut summary = TargetSummary {
        target,
        iterations: 0,
        elapsed: Duration::ZERO,
        failures: Vec::new(),
        known: BTreeMap::new(),
        slowest: None,
    };
    let mut known_panics: BTreeSet<String> = BTreeSet::new();
    let mut known_slow = false;
    let mut saved_slow = 0;
    let mut next = options.first_iteration;
    eprintln!(
        "== fuzz {}: {} seeds, seed {}, {}",
        target.name(),
        corpus.seeds.len(),
        options.seed,
        match options.time_limit {
            Some(limit) => format!("for {limit:?}"),
            None if options.first_iteration > 0 => format!(
                "{} iterations from {}",
                options.iterations, options.first_iteration
            ),
            None => format!("{} iterations", options.iterations),
        }
    );
    let mut last_report = Instant::now();
    'workers: while next < options.end() {
        let deadline = match options.time_limit {
            Some(limit) => match limit.checked_sub(started.elapsed()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => break,
            },
            None => None,
        };
        let mut child = match spawn_worker(options, target, next, deadline) {
            Ok(child) => child,
            Err(error) => {
                eprintln!("txlint_fuzz: cannot start a worker: {error}");
                summary.failures.push(Failure {
                    target,
                    iteration: next,
                    kind: "driver".into(),
                    detail: error.to_string(),
                    saved: None,
                    repeats: 0,
                });
                break;
            }
        };
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        if let Some(mut stderr) = child.stderr.take() {
            let tail = stderr_tail.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                    tail.push_str(&String::from_utf8_lossy(&buffer[..n]));
                    if tail.len() > 8192 {
                        let cut = tail.len() - 4096;
                        let cut = (cut..tail.len())
                            .find(|&i| tail.is_char_boundary(i))
                            .unwrap_or(0);
                        tail.replace_range(..cut, "");
                    }
                }
            });
        }
        let (sender, events): (_, Receiver<Event>) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(Event::Line(line)).is_err() {
                        return;
                    }
                }
                let _ = sender.send(Event::Eof);
            });
        }
        let mut current: Option<(u64, usize, Instant)> = None;
        let mut cpu_at_start = None;
        let mut done = false;
        loop {
            let event = events.recv_timeout(Duration::from_secs(1));
            if last_report.elapsed() >= Duration::from_secs(60) {
                last_report = Instant::now();
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "   {}: {} inputs in {:.0} s ({:.0}/s), {} failures, {} known",
                    target.name(),
                    summary.iterations,
                    secs,
                    summary.iterations as f64 / secs.max(1e-9),
                    summary.failures.len(),
                    summary.known.values().sum::<u64>()
                );
            }
            let line = match event {
                Ok(Event::Line(line)) => line,
                Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let Some((iteration, len, since)) = current else {
                        continue;
                    };
                    // Read once the input has run a second: not for every input.
                    if cpu_at_start.is_none() {
                        cpu_at_start = Some((
                            since.elapsed(),
                            targets::cpu_time_of(&child.id().to_string()),
                        ));
                        continue;
                    }
                    // A hang is judged on the worker's CPU time where the system tells
                    // it: on a loaded machine, the wall clock runs many times faster.
                    let budget = targets::budget(target, len, options.floor);
                    let spent = match (cpu_at_start, targets::cpu_time_of(&child.id().to_string()))
                    {
                        (Some((wall, Some(before))), Some(now)) => {
                            wall + now.saturating_sub(before)
                        }
                        _ => since.elapsed(),
                    };
                    let hang = spent > budget * 20;
                    let past_deadline = options
                        .time_limit
                        .is_some_and(|limit| started.elapsed() > limit + Duration::from_secs(5));
                    let hung = hang && since.elapsed() > Duration::from_secs(30);
                    if !past_deadline && !hung {
                        continue;
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    if hang && known_slow {
                        *summary.known.entry("hang".into()).or_default() += 1;
                    } else if hang {
                        let detail = format!(
                            "still running after {:?} of CPU time, {:?} in all ({len} bytes)",
                            spent,
                            since.elapsed()
                        );
                        record(
                            &mut summary,
                            options,
                            &corpus,
                            iteration,
                            "hang",
                            detail,
                            None,
                        );
                    }
                    next = iteration + 1;
                    if past_deadline || !options.keep_going {
                        break 'workers;
                    }
                    continue 'workers;
                }
            };
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let number = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            match fields[0] {
                "S" => {
                    if current.is_some() {
                        summary.iterations += 1;
                    }
                    current = Some((number(1), number(2) as usize, Instant::now()));
                    cpu_at_start = None;
                }
                "K" => {
                    let path = fields.get(1).copied().unwrap_or("");
                    let verdict = fields.get(2).copied().unwrap_or("");
                    if let Some(location) = verdict.strip_prefix("panic ") {
                        known_panics.insert(location.to_string());
                    } else if verdict == "slow" {
                        known_slow = true;
                    }
                    eprintln!("   known defect {path}: {verdict}");
                }
                "M" => {
                    let (iteration, len, nanos) = (number(1), number(2) as usize, number(3));
                    summary.slowest = Some((iteration, len, Duration::from_nanos(nanos)));
                }
                "P" => {
                    let message = fields.get(3).copied().unwrap_or("").to_string();
                    let location = panic_location(&message).to_string();
                    if known_panics.contains(&location) {
                        *summary
                            .known
                            .entry(format!("panic at {location}"))
                            .or_default() += 1;
                        continue;
                    }
                    let repeated = summary
                        .failures
                        .iter_mut()
                        .find(|f| f.kind == "panic" && panic_location(&f.detail) == location);
                    if let Some(failure) = repeated {
                        failure.repeats += 1;
                    } else {
                        record(
                            &mut summary,
                            options,
                            &corpus,
                            number(1),
                            "panic",
                            message,
                            None,
                        );
                    }
                    if !options.keep_going {
                        let _ = child.kill();
                        break 'workers;
                    }
                }
                "T" => {
                    let detail = format!(
                        "{:?} for {} bytes (budget {:?})",
                        Duration::from_nanos(number(2)),
                        current.map_or(0, |c| c.1),
                        Duration::from_nanos(number(3))
                    );
                    if known_slow {
                        *summary.known.entry("slow".into()).or_default() += 1;
                        continue;
                    }
                    if saved_slow >= MAX_SAVED_SLOW {
                        if let Some(failure) =
                            summary.failures.iter_mut().rev().find(|f| f.kind == "slow")
                        {
                            failure.repeats += 1;
                        }
                    } else {
                        saved_slow += 1;
                        record(
                            &mut summary,
                            options,
                            &corpus,
                            number(1),
                            "slow",
                            detail,
                            None,
                        );
                    }
                    if !options.keep_going {
                        let _ = child.kill();
                        break 'workers;
                    }
                }
                "D" => {
                    if current.take().is_some() {
                        summary.iterations += 1;
                    }
                    done = true;
                }
                _ => {}
            }
        }
        let status = child.wait();
        if done {
            break;
        }
        // The worker died in the middle of an input.
        let Some((iteration, len, _)) = current else {
            eprintln!("txlint_fuzz: the worker stopped before running anything: {status:?}");
            let tail = stderr_tail
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            eprintln!("{tail}");
            summary.failures.push(Failure {
                target,
                iteration: next,
                kind: "driver".into(),
                detail: format!("worker stopped: {status:?}"),
                saved: None,
                repeats: 0,
            });
            break;
        };
        std::thread::sleep(Duration::from_millis(100));
        let tail = stderr_tail
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let reason = tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string();
        record(
            &mut summary,
            options,
            &corpus,
            iteration,
            "crash",
            format!("worker died ({status:?}) on {len} bytes: {reason}"),
            None,
        );
        next = iteration + 1;
        if !options.keep_going {
            break;
        }
    }
    summary.elapsed = started.elapsed();
    if let (Some(dir), Some((iteration, _, _))) = (&options.save_slowest, summary.slowest) {
        let input = corpus.generate(options.seed, iteration);
        let _ = targets::save(
            &dir.join(format!("slowest-{}", target.name())),
            target,
            &input,
        );
    }
    summary
}

fn record(
    summary: &mut TargetSummary,
    options: &Options,
    corpus: &Corpus,
    iteration: u64,
    kind: &str,
    detail: String,
    saved: Option<PathBuf>,
) {
    let input = corpus.generate(options.seed, iteration);
    let saved = saved.or_else(
        || match targets::save(&options.crash_dir, summary.target, &input) {
            Ok(path) => Some(path),
            Err(error) => {
                eprintln!("txlint_fuzz: cannot save the input: {error}");
                None
            }
        },
    );
    eprintln!(
        "!! {} {kind} at iteration {iteration} ({} bytes): {detail}{}",
        summary.target.name(),
        input.text.len(),
        saved
            .as_ref()
            .map_or(String::new(), |p| format!("\n   saved to {}", p.display()))
    );
    summary.failures.push(Failure {
        target: summary.target,
        iteration,
        kind: kind.to_string(),
        detail,
        saved,
        repeats: 0,
    });
}

fn print_summary(summary: &TargetSummary) {
    let secs = summary.elapsed.as_secs_f64().max(1e-9);
    let slowest = summary
        .slowest
        .map_or("-".to_string(), |(iteration, len, time)| {
            format!(
                "{:.2} s/MB (iteration {iteration}, {len} bytes in {time:?})",
                time.as_secs_f64() / (len as f64 / 1e6)
            )
        });
    eprintln!(
        "== fuzz {}: {} inputs in {:.1} s ({:.0}/s), {} failures{}; slowest per MB: {slowest}",
        summary.target.name(),
        summary.iterations,
        secs,
        summary.iterations as f64 / secs,
        summary.failures.len(),
        if summary.known.is_empty() {
            String::new()
        } else {
            format!(
                ", known defects hit: {}",
                summary
                    .known
                    .iter()
                    .map(|(k, n)| format!("{k} ×{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    for failure in &summary.failures {
        eprintln!(
            "   {} at iteration {}{}: {}",
            failure.kind,
            failure.iteration,
            if failure.repeats > 0 {
                format!(" (and {} more)", failure.repeats)
            } else {
                String::new()
            },
            failure.detail
        );
    }
}

/// Replays saved inputs in this process; returns whether all passed.
pub fn replay(paths: &[PathBuf], floor: Duration) -> bool {
    targets::install_panic_hook();
    let mut ok = true;
    for path in paths {
        match Input::read(path) {
            Ok((target, input)) => {
                let verdict = targets::check(target, &input, floor, 1);
                println!("{}: {} {:?}", path.display(), target.name(), verdict);
                if let Some(language) = target.language() {
                    let phases: Vec<String> = targets::phases(language, &input.text)
                        .iter()
                        .map(|(phase, time)| format!("{phase} {time:?}"))
                        .collect();
                    println!("    {}", phases.join(", "));
                }
                ok &= verdict.is_ok();
            }
            Err(error) => {
                println!("{error}");
                ok = false;
            }
        }
    }
    ok
}

/// Shrinks a saved input while it keeps failing the same way (same panic location, or
/// still slow); writes the result next to it as `<name>.min`. Returns its path.
pub fn shrink(path: &Path, floor: Duration) -> Result<PathBuf, String> {
    targets::install_panic_hook();
    let (target, input) = Input::read(path)?;
    let signature = |input: &Input| match targets::check(target, input, floor, 1) {
        Verdict::Ok { .. } => None,
        Verdict::Panic { message, .. } => Some(panic_location(&message).to_string()),
        Verdict::Slow { .. } => Some("slow".to_string()),
    };
    let Some(wanted) = signature(&input) else {
        return Err(format!("{}: does not fail", path.display()));
    };
    let mut best = input;
    // Lines, then characters: remove chunks of halving size while the failure stays.
    for by_lines in [true, false] {
        let units = |text: &str| -> Vec<String> {
            if by_lines {
                text.split_inclusive('\n').map(str::to_string).collect()
            } else {
                text.chars().map(String::from).collect()
            }
        };
        let mut parts = units(&best.text);
        let mut chunk = parts.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < parts.len() {
                let end = (start + chunk).min(parts.len());
                let candidate: String = parts[..start].concat() + &parts[end..].concat();
                let trial = Input {
                    language: best.language,
                    text: candidate,
                };
                if signature(&trial).as_deref() == Some(wanted.as_str()) {
                    best = trial;
                    parts = units(&best.text);
                } else {
                    start = end;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }
    let out = path.with_extension(format!(
        "min.{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or("txt")
    ));
    std::fs::write(&out, best.text.as_bytes()).map_err(|e| e.to_string())?;
    println!(
        "{}: {} bytes, fails with {wanted}",
        out.display(),
        best.text.len()
    );
    Ok(out)
}
