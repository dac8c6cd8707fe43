//! `txlint check`: discover, read, parse, lower and check files in parallel, then
//! render one report.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use rayon::prelude::*;
use txlint_ir::{Diagnostic, FileId, Language, LineIndex, Severity, TextRange};
use txlint_report::{
    directory_uri, render, Format, HumanOptions, Notification, Report, SourceFile,
};
use txlint_rules::{check_file, check_package, PackageFacts, Settings, RULES};

use crate::cli::{CheckArgs, ColorChoice, OutputFormat};
use crate::discover::{discover, supported_language};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

/// Stack for worker threads: lowering recurses over the syntax tree.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// The outcome of checking one file.
struct Checked {
    display_path: String,
    /// What the file contributes to package-level rules.
    package: PackageFacts,
    /// Kept only when something is reported about the file.
    text: Option<String>,
    diagnostics: Vec<Diagnostic>,
    notification: Option<FileNotice>,
}

struct FileNotice {
    level: Severity,
    range: Option<TextRange>,
    message: String,
    skipped: bool,
}

pub fn run(args: &CheckArgs) -> Result<u8> {
    let mut settings = Settings::from_selection(args.select.as_deref(), &args.ignore)
        .map_err(anyhow::Error::msg)?;
    settings.strict_rollback = args.tx012_strict;
    let discovery = discover(&args.paths, args.no_ignore);
    let mut stderr = io::stderr().lock();
    for missing in &discovery.missing {
        writeln!(
            stderr,
            "txlint: error: {}: no such file or directory",
            missing.display()
        )?;
    }
    for error in &discovery.walk_errors {
        writeln!(stderr, "txlint: warning: {error}")?;
    }
    drop(stderr);

    let cwd = std::env::current_dir()
        .ok()
        .map(|dir| std::fs::canonicalize(&dir).unwrap_or(dir));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.map_or(0, usize::from))
        .stack_size(WORKER_STACK)
        .build()
        .context("could not start worker threads")?;
    let checked: Vec<Checked> = pool.install(|| {
        discovery
            .files
            .par_iter()
            .enumerate()
            .map(|(index, path)| {
                let display_path = display_path(path, cwd.as_deref());
                check_one(FileId(index as u32), path, display_path, args, &settings)
            })
            .collect()
    });

    let mut diagnostics = package_diagnostics(&discovery.files, &checked);
    let mut files = Vec::with_capacity(checked.len());
    let mut notifications: Vec<Notification> = discovery
        .unsupported
        .iter()
        .map(|path| Notification {
            level: Severity::Warning,
            file: None,
            path: display_path(path, cwd.as_deref()),
            range: None,
            message: "skipped: txlint checks Go files (Python and Rust are not supported yet)"
                .into(),
            skipped: true,
        })
        .collect();
    for (index, outcome) in checked.into_iter().enumerate() {
        if let Some(notice) = outcome.notification {
            notifications.push(Notification {
                level: notice.level,
                file: outcome.text.as_ref().map(|_| index),
                path: outcome.display_path.clone(),
                range: notice.range,
                message: notice.message,
                skipped: notice.skipped,
            });
        }
        diagnostics.extend(outcome.diagnostics);
        files.push(SourceFile::new(
            outcome.display_path,
            outcome.text.unwrap_or_default(),
        ));
    }
    // Files are sorted by path and each file's findings by position, so this order is
    // the same whatever the number of threads.
    diagnostics.sort_by(|a, b| (a.file, a.sort_key()).cmp(&(b.file, b.sort_key())));

    let mut stderr = io::stderr().lock();
    for notification in &notifications {
        let position = notification
            .range
            .zip(notification.file)
            .map(|(range, file)| {
                let at = files[file].position(range.start());
                format!(":{}:{}", at.line, at.column)
            })
            .unwrap_or_default();
        writeln!(
            stderr,
            "txlint: {}: {}{position}: {}",
            notification.level.name(),
            notification.path,
            notification.message
        )?;
    }
    drop(stderr);

    let enabled_rules: Vec<_> = RULES
        .iter()
        .filter(|r| settings.is_enabled(r.code))
        .collect();
    let files_skipped_after_reading = checked_and_skipped(&notifications, &discovery.unsupported);
    let files_checked = files.len() - files_skipped_after_reading;
    let report = Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        files: &files,
        diagnostics: &diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications: &notifications,
        enabled_rules: &enabled_rules,
        files_checked,
        root_uri: cwd
            .as_deref()
            .map(|dir| directory_uri(&dir.to_string_lossy())),
    };
    write_report(&report, args)?;

    if !discovery.missing.is_empty() {
        return Ok(EXIT_ERROR);
    }
    if diagnostics.is_empty() || args.exit_zero {
        Ok(0)
    } else {
        Ok(EXIT_FINDINGS)
    }
}

/// Runs the package-level rules: a Go package is the files of one directory that share a
/// package clause.
fn package_diagnostics(paths: &[PathBuf], checked: &[Checked]) -> Vec<Diagnostic> {
    let mut packages: BTreeMap<(&Path, &str), Vec<&PackageFacts>> = BTreeMap::new();
    for (path, outcome) in paths.iter().zip(checked) {
        if let Some(package) = &outcome.package.package {
            let directory = path.parent().unwrap_or(Path::new(""));
            packages
                .entry((directory, package.as_str()))
                .or_default()
                .push(&outcome.package);
        }
    }
    packages
        .values()
        .flat_map(|files| check_package(files))
        .collect()
}

/// Skipped files that were among the discovered files (unsupported ones never were).
fn checked_and_skipped(notifications: &[Notification], unsupported: &[PathBuf]) -> usize {
    notifications.iter().filter(|n| n.skipped).count() - unsupported.len()
}

fn write_report(report: &Report, args: &CheckArgs) -> Result<()> {
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    };
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && !no_color_env,
    };
    let human = HumanOptions {
        color,
        show_summary: !args.quiet,
    };
    match &args.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(file);
            render(report, format, &human, &mut out)?;
            out.flush()?;
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            let written = render(report, format, &human, &mut out).and_then(|()| out.flush());
            // A closed pipe (`txlint check | head`) is not an error of the tool.
            if let Err(error) = written {
                if error.kind() != io::ErrorKind::BrokenPipe {
                    return Err(error.into());
                }
            }
        }
    }
    Ok(())
}

/// Path as shown to users and written to reports, with `/` separators: relative to the
/// working directory when the file is under it, absolute otherwise. Symlinks and `..`
/// are resolved, so that one file always has one name.
fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let shown: PathBuf = match (std::fs::canonicalize(path), cwd) {
        (Ok(real), Some(cwd)) => match real.strip_prefix(cwd) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => real,
        },
        // Unreadable (a symlink loop): show it as it was given.
        _ => path.to_path_buf(),
    };
    let shown = shown.to_string_lossy().replace('\\', "/");
    shown
        .strip_prefix("./")
        .map_or(shown.clone(), str::to_string)
}

fn skipped(display_path: String, message: String) -> Checked {
    Checked {
        display_path,
        package: PackageFacts::default(),
        text: None,
        diagnostics: Vec::new(),
        notification: Some(FileNotice {
            level: Severity::Error,
            range: None,
            message,
            skipped: true,
        }),
    }
}

fn check_one(
    file: FileId,
    path: &Path,
    display_path: String,
    args: &CheckArgs,
    settings: &Settings,
) -> Checked {
    let Some(language) = supported_language(path) else {
        return skipped(display_path, "not a Go, Python or Rust source file".into());
    };
    let text = match read_source(path, args.max_file_size) {
        Ok(text) => text,
        Err(message) => return skipped(display_path, message),
    };
    if !settings.models().may_have_findings(language, &text) {
        // Mentions no modelled call: no rule can fire, so the file is not parsed.
        return Checked {
            display_path,
            package: PackageFacts::default(),
            text: None,
            diagnostics: Vec::new(),
            notification: None,
        };
    }
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        // The parser does not expect a byte-order mark. Blank it out rather than remove
        // it, so that every offset stays an offset into the file.
        let ir = match text.strip_prefix('\u{feff}') {
            Some(rest) => lower(language, &format!("   {rest}")),
            None => lower(language, &text),
        };
        let report = check_file(file, &ir, settings);
        (ir.syntax_errors, report)
    }));
    let (syntax_errors, report) = match outcome {
        Ok(result) => result,
        Err(_) => {
            return skipped(
                display_path,
                "internal error while checking this file (please report it with the file)".into(),
            )
        }
    };
    let notification = syntax_errors.first().map(|first| {
        let line = LineIndex::new(&text).line_column(first.start(), &text).line;
        FileNotice {
            level: Severity::Warning,
            range: Some(*first),
            message: format!(
                "syntax error{} (first at line {line}); the rest of the file was checked, findings inside the broken code are not reported",
                if syntax_errors.len() > 1 {
                    format!("s in {} places", syntax_errors.len())
                } else {
                    String::new()
                }
            ),
            skipped: false,
        }
    });
    let keep_text =
        !report.diagnostics.is_empty() || report.package.may_report() || notification.is_some();
    Checked {
        display_path,
        package: report.package,
        text: keep_text.then_some(text),
        diagnostics: report.diagnostics,
        notification,
    }
}

fn lower(language: Language, text: &str) -> txlint_ir::ir::FileIr {
    match language {
        Language::Go => txlint_go::lower_file(text),
        Language::Python => txlint_python::lower_file(text),
        Language::Rust => txlint_ir::ir::FileIr::empty(language),
    }
}

/// Reads a source file, refusing what cannot be source code: unreadable, over the size
/// limit, binary, or not UTF-8.
fn read_source(path: &Path, max_size: u64) -> std::result::Result<String, String> {
    let file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_size {
        return Err(format!(
            "skipped: {} is over the {} limit (--max-file-size)",
            human_size(size),
            human_size(max_size)
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!(
            "skipped: over the {} limit (--max-file-size)",
            human_size(max_size)
        ));
    }
    let sniff = &bytes[..bytes.len().min(8192)];
    if sniff.contains(&0) {
        return Err("skipped: binary file (contains NUL bytes)".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "skipped: not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn human_size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{bytes} bytes")
    }
}
