//! The fuzz targets: what one input goes through, and how a run of it is judged.
//!
//! Each target mirrors what the binary does with a file of that kind:
//!
//! - `go`, `python`, `rust`: `lower_file` (with the binary's byte-order-mark handling),
//!   every rule (`check_file`, `check_package`), the notices' line numbers, then the
//!   findings rendered in every output format;
//! - `suppress`: the suppression scanner on a source file of any language, then
//!   `apply` on findings placed on the suppressed lines, with unused suppressions
//!   reported and rendered;
//! - `config`: the file written as `txlint.toml` (or `pyproject.toml` when it has a
//!   `[tool` table), loaded with what it extends, and turned into a profile;
//! - `baseline`: the file read as a baseline, matched against keys, pruned and written.
//!
//! A run fails when it panics (also a panic that the code under test catches itself,
//! as the Rust front-end does around syn) or when it is slower than [`budget`].

use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

use txlint_ir::{Diagnostic, FileId, Language, LineIndex, Severity, TextRange};
use txlint_report::{Format, HumanOptions, Notification, Report, SourceFile};
use txlint_rules::{check_file, check_package, Settings, RULES};

use crate::baseline::{Baseline, Key};
use crate::config::{LoadedConfig, Overrides, Profile};
use crate::suppress;

/// What the fuzzer exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Go,
    Python,
    Rust,
    Suppress,
    Config,
    Baseline,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::Go,
        Target::Python,
        Target::Rust,
        Target::Suppress,
        Target::Config,
        Target::Baseline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Go => "go",
            Target::Python => "python",
            Target::Rust => "rust",
            Target::Suppress => "suppress",
            Target::Config => "config",
            Target::Baseline => "baseline",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The language of a front-end target.
    pub fn language(self) -> Option<Language> {
        match self {
            Target::Go => Some(Language::Go),
            Target::Python => Some(Language::Python),
            Target::Rust => Some(Language::Rust),
            Target::Suppress | Target::Config | Target::Baseline => None,
        }
    }
}

/// One input: a text and, for source files, its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub language: Language,
    pub text: String,
}

impl Input {
    /// The extension of the file the input is saved to.
    pub fn extension(&self, target: Target) -> &'static str {
        match target {
            Target::Config => "toml",
            Target::Baseline => "json",
            _ => extension(self.language),
        }
    }

    /// The file name the input is saved under: `<target>-<hash>.<ext>`.
    pub fn file_name(&self, target: Target) -> String {
        let hash = xxhash_rust::xxh3::xxh3_64(self.text.as_bytes());
        format!("{}-{hash:016x}.{}", target.name(), self.extension(target))
    }

    /// Reads a saved input back: its target and language come from its name. Bytes that
    /// are not UTF-8 (an input saved by cargo-fuzz) are replaced.
    pub fn read(path: &Path) -> Result<(Target, Input), String> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: not a file name", path.display()))?;
        let target = name
            .split(['-', '.'])
            .next()
            .and_then(Target::from_name)
            .ok_or_else(|| {
                format!("{name}: the name must start with a target name and `-` (go-…, suppress-…)")
            })?;
        let language = match target.language() {
            Some(language) => language,
            None => path
                .extension()
                .and_then(|e| e.to_str())
                .and_then(Language::from_extension)
                .unwrap_or(Language::Go),
        };
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok((target, Input { language, text }))
    }
}

/// An input from raw bytes (for cargo-fuzz): `None` when they are not UTF-8, as the
/// binary skips such files. For `suppress`, the first byte picks the language.
pub fn input_from_bytes(target: Target, data: &[u8]) -> Option<Input> {
    let (language, text) = match target.language() {
        Some(language) => (language, data),
        None if target == Target::Suppress => {
            let (first, rest) = data.split_first()?;
            let languages = [Language::Go, Language::Python, Language::Rust];
            (languages[usize::from(*first) % 3], rest)
        }
        None => (Language::Go, data),
    };
    let text = std::str::from_utf8(text).ok()?.to_string();
    Some(Input { language, text })
}

pub fn extension(language: Language) -> &'static str {
    match language {
        Language::Go => "go",
        Language::Python => "py",
        Language::Rust => "rs",
    }
}

/// Runs one input through `target`. Panics are the caller's to catch (see [`execute`]).
pub fn run(target: Target, input: &Input) {
    match target {
        Target::Go | Target::Python | Target::Rust => front_end(input.language, &input.text),
        Target::Suppress => suppressions(input.language, &input.text),
        Target::Config => config(&input.text),
        Target::Baseline => baseline(&input.text),
    }
}

/// The settings the binary checks a file with when no configuration applies, and the
/// same with `--tx012-strict`.
fn settings(strict: bool) -> &'static Settings {
    static DEFAULT: OnceLock<[Settings; 2]> = OnceLock::new();
    let both = DEFAULT.get_or_init(|| {
        [false, true].map(|strict_rollback| {
            let overrides = Overrides {
                strict_rollback,
                ..Overrides::default()
            };
            Profile::new(LoadedConfig::default(), &overrides)
                .expect("the default profile builds")
                .settings
        })
    });
    &both[usize::from(strict)]
}

fn lower(language: Language, text: &str) -> txlint_ir::ir::FileIr {
    match language {
        Language::Go => txlint_go::lower_file(text),
        Language::Python => {
            let ir = txlint_python::lower_file(text);
            // A parse given up on runs on in its own thread: the input is charged for it
            // (it stays slow, as the parser is), and such threads do not pile up.
            while txlint_python::abandoned_parses() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            ir
        }
        Language::Rust => txlint_rust::lower_file(text),
    }
}

/// What `check::analyse` in the binary does with one file, then the renderers.
fn front_end(language: Language, text: &str) {
    let ir = match text.strip_prefix('\u{feff}') {
        Some(rest) => lower(language, &format!("   {rest}")),
        None => lower(language, text),
    };
    // Both settings the binary knows, chosen by the text so that a saved input replays.
    let strict = xxhash_rust::xxh3::xxh3_64(text.as_bytes()) & 1 == 1;
    let report = check_file(FileId(0), &ir, settings(strict));
    let mut diagnostics = report.diagnostics;
    diagnostics.extend(check_package(&[&report.package]));
    let mut notifications = Vec::new();
    let lines = LineIndex::new(text);
    let first_unanalysed = ir.unanalysed.first().map(|(_, range)| range);
    for range in ir.syntax_errors.first().into_iter().chain(first_unanalysed) {
        let line = lines.line_column(range.start(), text).line;
        notifications.push(Notification {
            level: Severity::Warning,
            file: Some(0),
            path: format!("input.{}", extension(language)),
            raw_path: None,
            range: Some(*range),
            message: format!("notice at line {line}"),
            skipped: false,
        });
    }
    render(language, text, &diagnostics, &notifications);
}

/// Where a front-end target spends its time on `text`: the parser alone, the whole
/// front-end (parser included), the rules, the renderers.
pub fn phases(language: Language, text: &str) -> Vec<(&'static str, Duration)> {
    let mut times = Vec::new();
    let start = Instant::now();
    match language {
        Language::Go | Language::Python => {
            let mut parser = tree_sitter::Parser::new();
            let grammar: tree_sitter::Language = match language {
                Language::Go => tree_sitter_go::LANGUAGE.into(),
                _ => tree_sitter_python::LANGUAGE.into(),
            };
            // The front-end does not give tree-sitter-python what would abort it.
            let parsable =
                language == Language::Go || txlint_python::unparsable_indentation(text).is_none();
            if parsable && parser.set_language(&grammar).is_ok() {
                let _ = parser.parse(text, None);
            }
        }
        Language::Rust => {
            let _ = syn::parse_file(text);
        }
    }
    times.push(("parse", start.elapsed()));
    let start = Instant::now();
    let ir = lower(language, text);
    times.push(("parse+lower", start.elapsed()));
    let start = Instant::now();
    let report = check_file(FileId(0), &ir, settings(false));
    times.push(("rules", start.elapsed()));
    let start = Instant::now();
    render(language, text, &report.diagnostics, &[]);
    times.push(("render", start.elapsed()));
    times
}

/// The suppression scanner, then `apply` on one finding on each suppressed line.
fn suppressions(language: Language, text: &str) {
    let suppressions = suppress::scan(language, text);
    let lines = LineIndex::new(text);
    let diagnostics: Vec<Diagnostic> = suppressions
        .iter()
        .enumerate()
        .filter_map(|(index, suppression)| {
            let line = suppression.line + usize::from(index % 3 == 1 && suppression.own_line);
            let start = lines.line_start(line)?;
            let rule = &RULES[index % RULES.len()];
            Some(finding(rule.code, rule.name, TextRange::new(start, start)))
        })
        .collect();
    let runs = |code: &str| !code.ends_with('5');
    let outcome = suppress::apply(FileId(0), diagnostics, &suppressions, &lines, true, &runs);
    render(language, text, &outcome.reported, &[]);
}

fn finding(code: &'static str, name: &'static str, range: TextRange) -> Diagnostic {
    Diagnostic {
        code,
        name,
        severity: Severity::Warning,
        message: "fuzz".into(),
        file: FileId(0),
        range,
        primary_label: "here".into(),
        labels: Vec::new(),
        help: None,
        note: None,
        function: None,
    }
}

/// Every output format, as the binary writes them.
fn render(
    language: Language,
    text: &str,
    diagnostics: &[Diagnostic],
    notifications: &[Notification],
) {
    if diagnostics.is_empty() && notifications.is_empty() {
        return;
    }
    let files = [SourceFile::new(
        format!("input.{}", extension(language)),
        text.to_string(),
    )];
    let mut diagnostics = diagnostics.to_vec();
    diagnostics.sort_by(|a, b| (a.file, a.sort_key()).cmp(&(b.file, b.sort_key())));
    let enabled: Vec<_> = RULES.to_vec();
    let report = Report {
        tool_version: "fuzz",
        files: &files,
        diagnostics: &diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications,
        enabled_rules: &enabled,
        files_checked: 1,
        root_uri: None,
    };
    // One format per input, chosen by the text so that a saved input replays.
    let formats = [Format::Human, Format::Json, Format::Sarif, Format::Github];
    let format = formats[(xxhash_rust::xxh3::xxh3_64(text.as_bytes()) >> 8) as usize % 4];
    let mut out = Vec::new();
    txlint_report::render(&report, format, &HumanOptions::default(), &mut out)
        .expect("rendering to memory does not fail");
    let _ = txlint_report::fingerprints(&report);
}

/// A directory of this process for the files the config and baseline targets read.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("txlint-fuzz-")
            .tempdir()
            .expect("a temporary directory");
        // What a fuzzed `extend = "base.toml"` finds.
        std::fs::write(
            dir.path().join("base.toml"),
            "select = [\"TX0\"]\nignore = [\"TX005\"]\nextend-exclude = [\"*_gen.go\"]\n\
             [per-file-ignores]\n\"*_test.go\" = [\"TX002\"]\n",
        )
        .expect("a writable temporary directory");
        dir
    })
    .path()
}

fn config(text: &str) {
    let dir = scratch();
    let (name, other) = if text.contains("[tool") {
        ("pyproject.toml", "txlint.toml")
    } else {
        ("txlint.toml", "pyproject.toml")
    };
    let _ = std::fs::remove_file(dir.join(other));
    let path = dir.join(name);
    std::fs::write(&path, text).expect("a writable temporary directory");
    let _ = crate::config::config_file_in(dir);
    let Ok(loaded) = LoadedConfig::load(&path) else {
        return;
    };
    for overrides in [
        Overrides::default(),
        Overrides {
            select: Some(vec!["TX0".into()]),
            ignore: vec!["TX001".into()],
            strict_rollback: true,
            ..Overrides::default()
        },
    ] {
        if let Ok(profile) = Profile::new(loaded.clone(), &overrides) {
            for file in ["a/b_gen.go", "x_test.go", "pkg/é/db.py", "src/lib.rs"] {
                let file: PathBuf = dir.join(file);
                let _ = profile.is_excluded(&file);
                let ignored = profile.ignored_codes(&file);
                for rule in RULES {
                    let _ = profile.runs_on(rule.code, &ignored);
                }
            }
        }
    }
}

fn baseline(text: &str) {
    let dir = scratch();
    let path = dir.join("txlint-baseline.json");
    std::fs::write(&path, text).expect("a writable temporary directory");
    let Ok(baseline) = Baseline::read(&path) else {
        return;
    };
    let _ = baseline.total();
    // Keys for the entries of known rules, one per counted finding (capped).
    let mut keys = Vec::new();
    for (file, rules) in &baseline.findings {
        for (code, prints) in rules {
            let Some(rule) = txlint_rules::rule(code) else {
                continue;
            };
            for (print, count) in prints {
                for _ in 0..(*count).min(3) {
                    keys.push(Key {
                        path: file.clone(),
                        code: rule.code,
                        fingerprint: print.clone(),
                    });
                }
            }
        }
    }
    keys.push(Key {
        path: "other.go".into(),
        code: RULES[0].code,
        fingerprint: "0".into(),
    });
    let checked = |path: &str| !path.ends_with(".py");
    let running = |_: &str, code: &str| code != "TX005";
    let matching = baseline.matching(&keys, &checked, &running);
    let pruned = baseline.without(&matching.stale);
    let _ = Baseline::from_keys(&keys).total();
    pruned
        .write(&dir.join("pruned.json"))
        .expect("a baseline that was read can be written");
}

/// The time an input of `len` bytes may take: 1 s per 100 kB (10 µs per byte), and at
/// least `floor`. A source target's parser may use its whole parse budget (a stopped parse
/// is a reported outcome, not a defect), plus 100 ms for the rest.
pub fn budget(target: Target, len: usize, floor: Duration) -> Duration {
    let own = floor.max(Duration::from_micros(10).saturating_mul(len as u32));
    match target.language() {
        Some(Language::Go | Language::Python) => {
            own.max(txlint_ir::ir::parse_budget(len) + Duration::from_millis(100))
        }
        _ => own,
    }
}

/// The default floor of [`budget`]: below it, timings on a shared machine are noise.
pub const BUDGET_FLOOR: Duration = Duration::from_millis(100);

/// Panics seen by the hook since the last [`execute`], in every thread.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Makes panics recorded for [`execute`] instead of printed. Call once per process,
/// before running inputs.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map_or_else(|| "<unknown>".to_string(), |l| l.to_string());
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string payload>".into());
            let thread = std::thread::current()
                .name()
                .unwrap_or("<unnamed>")
                .to_string();
            let record = format!("panicked at {location} (thread {thread}): {message}");
            PANICS
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(record);
        }));
    });
}

fn take_panics() -> Vec<String> {
    std::mem::take(
        &mut *PANICS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// How one run of an input went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok {
        elapsed: Duration,
    },
    /// The first panic: location, thread and message.
    Panic {
        message: String,
        elapsed: Duration,
    },
    /// Slower than the budget in each of three runs; `elapsed` is the least CPU time
    /// of the last two.
    Slow {
        elapsed: Duration,
        budget: Duration,
    },
}

impl Verdict {
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Ok { .. })
    }

    pub fn elapsed(&self) -> Duration {
        match self {
            Verdict::Ok { elapsed }
            | Verdict::Panic { elapsed, .. }
            | Verdict::Slow { elapsed, .. } => *elapsed,
        }
    }
}

/// Runs one input once, catching panics; `Err` holds the first panic.
pub fn execute(target: Target, input: &Input) -> (Duration, Result<(), String>) {
    take_panics();
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(target, input)));
    let elapsed = start.elapsed();
    let panics = take_panics();
    let outcome = match (result, panics.into_iter().next()) {
        (_, Some(first)) => Err(first),
        (Err(_), None) => Err("panicked (the panic hook is not installed)".into()),
        (Ok(()), None) => Ok(()),
    };
    (elapsed, outcome)
}

/// CPU time of this process so far (every thread, also those that ended), from
/// `/proc/self/stat`; `None` where there is no such file. Its resolution is a clock tick
/// (10 ms), fine for budgets of 100 ms and more.
pub fn process_cpu_time() -> Option<Duration> {
    cpu_time_of("self")
}

/// CPU time of process `pid` (a number, or `self`) so far, as [`process_cpu_time`].
pub fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces): state is field 3,
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs one input and judges it. An input over its budget in wall-clock time is run
/// twice more, measuring the CPU time the process spends on it: on a shared, loaded
/// machine the wall clock also counts the time spent waiting for a core. The input is
/// slow only if each of those runs is over the budget.
pub fn check(target: Target, input: &Input, floor: Duration, scale: u32) -> Verdict {
    let budget = budget(target, input.text.len(), floor).saturating_mul(scale);
    let (elapsed, outcome) = execute(target, input);
    if let Err(message) = outcome {
        return Verdict::Panic { message, elapsed };
    }
    if elapsed <= budget {
        return Verdict::Ok { elapsed };
    }
    let mut fastest = Duration::MAX;
    for _ in 0..2 {
        let before = process_cpu_time();
        let (wall, _) = execute(target, input);
        let spent = match (before, process_cpu_time()) {
            (Some(before), Some(after)) => after.saturating_sub(before),
            _ => wall,
        };
        fastest = fastest.min(spent);
        if fastest <= budget {
            return Verdict::Ok { elapsed: fastest };
        }
    }
    Verdict::Slow {
        elapsed: fastest,
        budget,
    }
}

/// Writes `input` to `dir` under its [`Input::file_name`]; returns the path.
pub fn save(dir: &Path, target: Target, input: &Input) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(input.file_name(target));
    let mut file = std::fs::File::create(&path)?;
    file.write_all(input.text.as_bytes())?;
    Ok(path)
}
