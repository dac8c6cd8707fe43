//! `txlint check`: resolve the configuration, discover, read, parse, lower and check
//! files in parallel (or take their results from the cache), then apply what decides
//! which findings are reported (per-file ignores, suppression comments, the baseline,
//! `--diff-base`) and render one report.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;
use txlint_ir::ir::ParseDeadline;
use txlint_ir::ir::{FileIr, Import, NotParsed};
use txlint_ir::{Diagnostic, FileId, Language, LineIndex, Severity, TextRange};
use txlint_report::{
    directory_uri, fingerprints, render, suppressed_fingerprints, Format, HumanOptions,
    Notification, Report, SourceFile, SuppressedDiagnostic,
};
use txlint_rules::{
    check_file_in, check_package, context_of, locate, python_project_directory, PackageFacts,
    Place, Precomputed, Prefilter, ProjectFile, ProjectFs, ProjectIndex, ProjectView, SetAside,
    Settings, Skeleton, RULES,
};

use crate::baseline::{self, Baseline};
use crate::cache::{
    text_key, Answers, BoundedPackages, Cache, Deferred, FileNotice, FileResults, NewEntry,
    ProjectSnapshot, Stamp, StoredOutcome, CACHE_DIR_NAME,
};
use crate::cli::{CheckArgs, ColorChoice, OutputFormat};
use crate::config::patterns::slashed;
use crate::config::{Overrides, Profile, Resolver};
use crate::diff::ChangedLines;
use crate::discover::{self, discover, supported_language};
use crate::isolate::{self, fault_point, Bug};
use crate::listing::Listings;
use crate::memory::{MemoryBudget, SetAsideFile};
use crate::path_map::PathMap;
use crate::progress::Progress;
use crate::stats::Statistics;
use crate::suppress::{self, Suppression};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

/// Items in a job of the parallel passes over files that parse or analyse them. A file
/// can cost a thousand times another; rayon otherwise cuts a slice into a few runs per
/// thread, and the last run of heavy files (a tree's Rust crates, sorted last) leaves the
/// other workers idle with nothing to take.
pub(crate) const ONE_FILE_A_JOB: usize = 1;

/// Stack for worker threads: lowering recurses over the syntax tree.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// A file to check, with the profile its closest configuration gives it.
struct Target {
    path: PathBuf,
    /// Canonical, when it can be resolved.
    real: Option<PathBuf>,
    /// Absolute, for configuration globs.
    absolute: PathBuf,
    profile: Arc<Profile>,
    /// A test file (by its path) of a profile none of whose rules reports in tests:
    /// whatever it holds is dropped from the report, so it is read but not analysed.
    /// Code outside the tests cannot call into it (Go's `_test.go` files, Rust's `tests/`
    /// crates, Python's test modules).
    test_only: bool,
}

impl Target {
    /// Its canonical path, or its absolute one when it has none.
    fn real_or_absolute(&self) -> &Path {
        self.real.as_deref().unwrap_or(&self.absolute)
    }
}

/// The outcome of checking one file.
struct Checked {
    display_path: String,
    /// The shown path's bytes when they are not UTF-8.
    raw_path: Option<Vec<u8>>,
    language: Option<Language>,
    results: FileResults,
    /// Kept only when something is reported about the file.
    text: Option<String>,
    /// Why the file was not checked at all.
    skipped: Option<String>,
    suppressions: Vec<Suppression>,
    /// Results to store in the cache (written after the run).
    cache_entry: Option<NewEntry>,
    /// The content hash of a Go or Python file that was read, for the project snapshot.
    content: Option<String>,
    /// The project digest its results were computed (or cached) under.
    digest: Option<u64>,
    /// Not checked because of a bug of ours: never remembered as the file's outcome.
    bug: bool,
}

pub fn run(args: &CheckArgs) -> Result<u8> {
    if args.statistics && !matches!(args.format, OutputFormat::Human | OutputFormat::Json) {
        bail!("--statistics prints the human or json format, not sarif or github");
    }
    let overrides = Overrides {
        config: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(|f| f.to_config()),
        unchecked_files: args.unchecked_files.map(|u| u.to_config()),
        strict_rollback: args.tx012_strict,
        include_tests: args.include_tests,
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // Files modified after this cannot be trusted by their stamps (see `Stamp::of`).
    let run_started = SystemTime::now();
    let resolver = Arc::new(Resolver::new(&cwd, overrides).map_err(anyhow::Error::msg)?);
    let cwd = resolver.cwd().to_path_buf();
    let changed = args
        .diff_base
        .as_deref()
        .map(|base| ChangedLines::since(base, &cwd))
        .transpose()?;

    let options = discover::Options {
        no_ignore: args.no_ignore,
        force_exclude: args.force_exclude,
        threads: args.jobs.map_or(0, usize::from),
    };
    let discovery = discover(&args.paths, options, &resolver).map_err(anyhow::Error::msg)?;
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
    if args.verbose {
        for (path, kind) in &discovery.passed_over {
            // As found: resolving the link would name its target instead.
            let shown = path.strip_prefix(".").unwrap_or(path);
            writeln!(
                stderr,
                "txlint: {}: skipped: {kind} (name it on the command line to check it)",
                shown.display()
            )?;
        }
        for excluded in &discovery.excluded {
            writeln!(
                stderr,
                "txlint: {}: excluded (--force-exclude)",
                excluded.display()
            )?;
        }
    }
    drop(stderr);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.map_or(0, usize::from))
        .stack_size(WORKER_STACK)
        .build()
        .context("could not start worker threads")?;
    // On the worker threads: a warm run spends a tenth of its time here otherwise.
    let targets = pool.install(|| {
        discovery
            .files
            .par_iter()
            .zip(&discovery.real)
            .map(|(path, real)| target(path, real, &resolver, changed.as_ref(), &cwd))
            .collect::<std::result::Result<Vec<_>, String>>()
    });
    let targets: Vec<Target> = targets
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .flatten()
        .collect();
    if args.verbose {
        describe_profiles(&targets)?;
    }

    let caches = caches(args, &resolver, &targets)?;
    let progress = Progress::new(targets.len(), !args.quiet && io::stderr().is_terminal());
    let importers = pool.install(|| possible_importers(&targets, args, options, &resolver, &cwd));
    let named = named_files(&targets, &importers);
    let (checked, bounded) = match pool
        .install(|| take_stamped_project(&targets, &caches, &named, args, &cwd))
    {
        Some(checked) => {
            progress.finish();
            if args.verbose {
                eprintln!("txlint: project unchanged (every file it read keeps its size and modification time): results from the project snapshot, no file parsed");
            }
            checked
        }
        None => check_targets(
            (&targets, &importers),
            (&caches, &named, run_started),
            args,
            &cwd,
            (&pool, &progress),
        ),
    };
    if args.verbose {
        describe_caches(&caches)?;
    }

    let (mut package_findings, package_bugs) = package_diagnostics(&targets, &checked, &bounded);
    let mut files = Vec::with_capacity(checked.len());
    let mut notifications = unreadable_notifications(&discovery.unreadable, &cwd);
    notifications.extend(unsupported_notifications(&discovery.unsupported, &cwd));
    notifications.extend(not_regular_notifications(&discovery.not_regular, &cwd));
    notifications.extend(empty_directory_notifications(&discovery.empty, &cwd));
    let mut reported: Vec<Diagnostic> = Vec::new();
    let mut suppressed: Vec<SuppressedDiagnostic> = Vec::new();
    let format = report_format(args.format);
    let packages: Vec<Vec<Diagnostic>> = (0..checked.len())
        .map(|index| package_findings.remove(&index).unwrap_or_default())
        .collect();
    // Each file's report on the worker threads (a run with nothing to report still
    // prepares every file), put together in the files' order.
    let file_reports: Vec<_> = pool.install(|| {
        checked
            .into_par_iter()
            .zip(&targets)
            .zip(packages)
            .enumerate()
            .map(|(index, ((outcome, target), package))| {
                let shown = (
                    outcome.display_path.clone(),
                    outcome.raw_path.clone(),
                    outcome.language,
                );
                let report = isolate::catch(|| {
                    report_file(index, outcome, target, package, args, format, &cwd)
                });
                (shown, report)
            })
            .collect()
    });
    for (index, ((display_path, raw_path, language), report)) in
        file_reports.into_iter().enumerate()
    {
        let target = &targets[index];
        let unchecked = target.profile.unchecked_files;
        let package_bug = package_bugs.get(&index).map(|bug| Notification {
            level: unchecked,
            file: None,
            path: display_path.clone(),
            raw_path: raw_path.clone(),
            range: None,
            message: bug.file_message(
                "running the package-level rules (TX010) on the package of this file, so they report nothing there",
            ),
            skipped: false,
        });
        match report {
            Ok(file) => {
                notifications.extend(file.notifications);
                reported.extend(file.reported);
                suppressed.extend(file.suppressed);
                files.push((file.source, language));
            }
            // Its findings are withheld: they could not be told apart from the bug.
            Err(bug) => {
                notifications.push(Notification {
                    level: unchecked,
                    file: None,
                    path: display_path.clone(),
                    raw_path: raw_path.clone(),
                    range: None,
                    message: bug
                        .file_message("reporting the findings of this file, so they are withheld"),
                    skipped: true,
                });
                let mut source = SourceFile::new(display_path, String::new());
                source.raw_path = raw_path;
                files.push((source, language));
            }
        }
        notifications.extend(package_bug);
    }
    let (files, languages): (Vec<SourceFile>, Vec<Option<Language>>) = files.into_iter().unzip();
    // Files are sorted by path and each file's findings by position, so this order is
    // the same whatever the number of threads.
    reported.sort_by(|a, b| (a.file, a.sort_key()).cmp(&(b.file, b.sort_key())));
    suppressed.sort_by(|a, b| {
        let (a, b) = (&a.diagnostic, &b.diagnostic);
        (a.file, a.sort_key()).cmp(&(b.file, b.sort_key()))
    });

    let baselined = apply_baseline(args, &resolver, &targets, &files, &mut reported)?;
    if let Some(changed) = &changed {
        let real: Vec<PathBuf> = targets
            .iter()
            .map(|t| t.real.clone().unwrap_or_else(|| t.absolute.clone()))
            .collect();
        let on_changed_lines = |d: &Diagnostic| {
            let file = &files[d.file.0 as usize];
            changed.touches(&real[d.file.0 as usize], &lines_of(file, d))
        };
        reported.retain(|d| on_changed_lines(d));
        suppressed.retain(|s| on_changed_lines(&s.diagnostic));
    }

    write_notifications(&notifications, &files)?;
    if args.statistics {
        let language_of = |file: usize| languages.get(file).copied().flatten();
        let statistics = Statistics::of(&reported, &language_of, suppressed.len());
        write_output(args, |out| match args.format {
            OutputFormat::Json => statistics.write_json(out),
            _ => statistics.write_text(out),
        })?;
    } else {
        // The rules enabled for some checked file (or, with no file, by the defaults).
        let enabled_rules: Vec<&txlint_rules::RuleMeta> = RULES
            .iter()
            .copied()
            .filter(|r| match targets.is_empty() {
                false => targets
                    .iter()
                    .any(|t| t.profile.settings.is_enabled(r.code)),
                true => resolver
                    .profile_for_cwd()
                    .is_ok_and(|p| p.settings.is_enabled(r.code)),
            })
            .collect();
        let skipped_after_reading = notifications.iter().filter(|n| n.skipped).count()
            - discovery.unreadable.len()
            - discovery.unsupported.len()
            - discovery.not_regular.len();
        let report = Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            files: &files,
            diagnostics: &reported,
            suppressed: &suppressed,
            baselined,
            notifications: &notifications,
            enabled_rules: &enabled_rules,
            files_checked: files.len() - skipped_after_reading,
            root_uri: Some(directory_uri(path_bytes(&cwd))),
        };
        fault_point("report", Path::new("*"));
        write_report(&report, args)?;
    }

    if !discovery.missing.is_empty() {
        return Ok(EXIT_ERROR);
    }
    // A finding at or above its file's `fail-on`, or a file that could not be checked
    // (the only notifications at level error: `unchecked-files` decides).
    let fails = reported
        .iter()
        .any(|d| d.severity >= targets[d.file.0 as usize].profile.fail_on)
        || notifications.iter().any(|n| n.level == Severity::Error);
    if !fails || args.exit_zero {
        Ok(0)
    } else {
        Ok(EXIT_FINDINGS)
    }
}

/// Every 1-based line a finding is about: its primary range and its labels.
fn lines_of(file: &SourceFile, diagnostic: &Diagnostic) -> Vec<u32> {
    let mut lines = Vec::new();
    for range in std::iter::once(diagnostic.range).chain(diagnostic.labels.iter().map(|l| l.range))
    {
        let (start, end) = file.span(range);
        lines.extend(start.line..=end.line.max(start.line));
    }
    lines
}

/// `--baseline` and `--write-baseline`: removes baselined findings from `reported`
/// and returns how many there were.
fn apply_baseline(
    args: &CheckArgs,
    resolver: &Resolver,
    targets: &[Target],
    files: &[SourceFile],
    reported: &mut Vec<Diagnostic>,
) -> Result<usize> {
    let Some(baseline_path) = args.baseline.as_ref().or(args.write_baseline.as_ref()) else {
        return Ok(0);
    };
    // Paths relative to the baseline's directory: the same whatever directory txlint
    // runs from.
    let absolute_baseline = resolver.absolute(baseline_path);
    let directory = absolute_baseline.parent().unwrap_or(Path::new("/"));
    let paths: Vec<String> = targets
        .iter()
        .map(|t| {
            slashed(
                t.absolute
                    .strip_prefix(directory)
                    .unwrap_or(t.absolute.as_path()),
            )
        })
        .collect();
    let keys = baseline::keys(files, &paths, reported);
    let mut stderr = io::stderr().lock();
    if let Some(path) = &args.write_baseline {
        Baseline::from_keys(&keys).write(path)?;
        if !args.quiet {
            writeln!(
                stderr,
                "txlint: wrote {} to the baseline {}",
                plural(keys.len(), "finding"),
                path.display()
            )?;
        }
        let count = reported.len();
        reported.clear();
        return Ok(count);
    }

    let baseline = Baseline::read(baseline_path)?;
    let index_of: HashMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let runs = |path: &str, code: &str| {
        index_of.get(path).is_some_and(|&i| {
            let target = &targets[i];
            let ignored = target.profile.ignored_codes(&target.absolute);
            target.profile.runs_on(code, &ignored)
        })
    };
    let matching = baseline.matching(&keys, &|path| index_of.contains_key(path), &runs);
    let mut flags = matching.baselined.iter();
    reported.retain(|_| !flags.next().copied().unwrap_or(false));
    let count = matching.baselined.iter().filter(|&&b| b).count();
    let stale = matching.stale.total();
    if args.prune_baseline && stale > 0 {
        baseline.without(&matching.stale).write(baseline_path)?;
    }
    if !args.quiet {
        writeln!(
            stderr,
            "txlint: {} baselined ({})",
            plural(count, "finding"),
            baseline_path.display()
        )?;
        let entries = match stale {
            1 => "1 baseline entry".to_string(),
            n => format!("{n} baseline entries"),
        };
        if stale > 0 && args.prune_baseline {
            writeln!(stderr, "txlint: removed {entries} whose findings are gone")?;
        } else if stale > 0 {
            writeln!(
                stderr,
                "txlint: {entries} {} no finding any more (fixed?); --prune-baseline removes {}",
                if stale == 1 { "matches" } else { "match" },
                if stale == 1 { "it" } else { "them" },
            )?;
        }
    }
    Ok(count)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A discovered file as a target, with its profile; `None` when `--diff-base` leaves it
/// out.
fn target(
    path: &Path,
    real: &Option<PathBuf>,
    resolver: &Resolver,
    changed: Option<&ChangedLines>,
    cwd: &Path,
) -> std::result::Result<Option<Target>, String> {
    let absolute = resolver.absolute(path);
    if let Some(changed) = changed {
        if !changed.contains_file(real.as_ref().unwrap_or(&absolute)) {
            return Ok(None);
        }
    }
    let profile = resolver.profile_for_file(&absolute)?;
    let root = profile.config.path().and_then(Path::parent).unwrap_or(cwd);
    let test_only = !profile.reports_in_any_tests()
        && supported_language(path)
            .is_some_and(|language| profile.is_test_file(language, &absolute, root));
    Ok(Some(Target {
        path: path.to_path_buf(),
        real: real.clone(),
        absolute,
        profile,
        test_only,
    }))
}

/// Identifies a profile (profiles are shared behind `Arc`s, one per configuration).
fn profile_id(profile: &Arc<Profile>) -> usize {
    Arc::as_ptr(profile) as usize
}

/// One cache per profile, under the cache directory: `--cache-dir`, else
/// `.txlint_cache` beside the closest configuration of the working directory, else in
/// the working directory.
fn caches(
    args: &CheckArgs,
    resolver: &Resolver,
    targets: &[Target],
) -> Result<HashMap<usize, Arc<Cache>>> {
    let mut caches = HashMap::new();
    if args.no_cache || targets.is_empty() {
        return Ok(caches);
    }
    let root = match &args.cache_dir {
        Some(dir) => resolver.absolute(dir),
        None => {
            let profile = resolver.profile_for_cwd().map_err(anyhow::Error::msg)?;
            let home = profile
                .config
                .path()
                .and_then(Path::parent)
                .unwrap_or(resolver.cwd());
            home.join(CACHE_DIR_NAME)
        }
    };
    for target in targets {
        caches
            .entry(profile_id(&target.profile))
            .or_insert_with(|| Arc::new(Cache::open(&root, &target.profile.cache_key)));
    }
    Ok(caches)
}

/// Phases 1 to 3 for every named file: read, lower, resolve the project index, check
/// (each step from the cache where it can be), then store what the cache keeps.
fn check_targets(
    (targets, importers): (&[Target], &[PossibleImporters]),
    (caches, named, run_started): (&HashMap<usize, Arc<Cache>>, &str, SystemTime),
    args: &CheckArgs,
    cwd: &Path,
    (pool, progress): (&rayon::ThreadPool, &Progress),
) -> (Vec<Checked>, BoundedPackages) {
    // Phase 1: read and scan every file. Without a cache, lower it at once; with one,
    // it waits (a Rust file is checked or taken from the cache here: it has no index).
    let fs = ProjectFiles {
        memory: MemoryBudget::new(args.memory_budget),
        ..ProjectFiles::default()
    };
    let started = std::time::Instant::now();
    let first_phase = |index: usize, target: &Target, force: bool| {
        let ShownPath {
            text: display_path,
            raw: raw_path,
        } = shown_resolved(&target.path, target.real.as_deref(), Some(cwd));
        let defer = !caches.is_empty();
        let (stage, prefilter) =
            isolate::catch(|| prepare(target, display_path.clone(), (args, defer, force), &fs))
                .unwrap_or_else(|bug| {
                    let failed = Stage::Done(failed(&target.path, display_path, bug));
                    (failed, Prefilter::Skip)
                });
        let cache = caches.get(&profile_id(&target.profile));
        let cache = cache.map(|c| c.as_ref());
        let stage = match Stage::with_raw_path(stage, raw_path) {
            // A file the project index cannot change is checked at once (from the cache
            // when it can be), its IR not kept.
            Stage::Pending(pending) if !indexed_language(pending.language) => {
                Stage::Done(check_alone(index, *pending, target, cache, args, &fs))
            }
            Stage::Prepared(prepared) if !indexed_language(prepared.language) => {
                Stage::Done(finish_isolated(index, prepared, target, cache, None, args))
            }
            stage => stage,
        };
        (stage, prefilter)
    };
    let (mut stages, prefilters): (Vec<Stage>, Vec<Prefilter>) = pool.install(|| {
        targets
            .par_iter()
            .with_max_len(ONE_FILE_A_JOB)
            .enumerate()
            .map(|(index, target)| first_phase(index, target, false))
            .unzip()
    });
    // Files whose only modelled calls are commits are worth it only where a file begins a
    // transaction or names a library (see `Prefilter::CommitOnly`): some file of the run,
    // or, for Go, a file of the same package (a pre-commit run names one file).
    let evidence: HashSet<Language> = targets
        .iter()
        .zip(&prefilters)
        .filter(|(_, p)| **p == Prefilter::Parse)
        .filter_map(|(t, _)| supported_language(&t.path))
        .collect();
    let packages = PackageEvidence::default();
    let promoted: Vec<(usize, Stage)> = pool.install(|| {
        targets
            .par_iter()
            .with_max_len(ONE_FILE_A_JOB)
            .zip(&prefilters)
            .enumerate()
            .filter(|(_, (target, prefilter))| {
                **prefilter == Prefilter::CommitOnly
                    && match supported_language(&target.path) {
                        Some(language) if evidence.contains(&language) => true,
                        Some(Language::Go) => packages.has_evidence(target, args),
                        _ => false,
                    }
            })
            .map(|(index, (target, _))| (index, first_phase(index, target, true).0))
            .collect()
    });
    for (index, stage) in promoted {
        stages[index] = stage;
    }
    // Phase 2: a warm run whose project is unchanged takes every result from the cache;
    // any other run lowers what waits and resolves the project index of each profile's
    // files (profiles may model other libraries) to a fixed point.
    let unchanged =
        pool.install(|| take_unchanged_project(targets, &mut stages, caches, named, args));
    let warm = unchanged.is_some();
    if !warm {
        lower_waiting(targets, &mut stages, &fs, pool);
    }
    let lowered = started.elapsed();
    let (indexes, context, bounded) = match &unchanged {
        Some(snapshot) => (
            HashMap::new(),
            Vec::new(),
            snapshot.bounded_packages.clone(),
        ),
        None => pool.install(|| project_indexes(targets, importers, &mut stages, args, &fs)),
    };
    let indexed = started.elapsed();
    // Phase 3: check each file with its view of the index.
    let mut checked: Vec<Checked> = pool.install(|| {
        stages
            .into_par_iter()
            .with_max_len(ONE_FILE_A_JOB)
            .zip(targets)
            .enumerate()
            .map(|(index, (stage, target))| {
                let outcome = match stage {
                    Stage::Done(outcome) | Stage::Unparsed(outcome, _) => outcome,
                    // Never left waiting: lowered or taken from the cache before.
                    Stage::Pending(pending) => skipped(
                        pending.display_path,
                        Some(pending.language),
                        "internal error: this file was not lowered, so it was not checked".into(),
                    ),
                    Stage::Prepared(prepared) => {
                        let id = profile_id(&target.profile);
                        let cache = caches.get(&id).map(|c| c.as_ref());
                        finish_isolated(index, prepared, target, cache, indexes.get(&id), args)
                    }
                };
                progress.file_done(outcome.results.diagnostics.len());
                outcome
            })
            .collect()
    });
    progress.finish();
    if args.verbose {
        let checked = started.elapsed();
        eprintln!(
            "txlint: time: read and lower {:.2} s, project index {:.2} s, check {:.2} s",
            lowered.as_secs_f64(),
            (indexed - lowered).as_secs_f64(),
            (checked - indexed).as_secs_f64()
        );
        let (set_aside, held) = fs.memory.usage();
        eprintln!(
            "txlint: memory budget: {held} MiB of lowered code kept, {set_aside} files set aside (--memory-budget {})",
            args.memory_budget
        );
    }
    save_caches(caches, targets, &mut checked);
    match unchanged {
        Some(snapshot) => {
            refresh_snapshot(caches, targets, &checked, snapshot, (named, run_started))
        }
        None => save_snapshots(
            caches,
            targets,
            &checked,
            (&context, &bounded, &fs),
            (named, run_started),
        ),
    }
    (checked, bounded)
}

/// Writes what the workers analysed afresh to the cache of each file's profile.
fn save_caches(caches: &HashMap<usize, Arc<Cache>>, targets: &[Target], checked: &mut [Checked]) {
    let mut fresh: HashMap<usize, Vec<NewEntry>> = HashMap::new();
    for (target, outcome) in targets.iter().zip(checked) {
        if let Some(entry) = outcome.cache_entry.take() {
            fresh
                .entry(profile_id(&target.profile))
                .or_default()
                .push(entry);
        }
    }
    for (id, entries) in fresh {
        if let Some(cache) = caches.get(&id) {
            cache.save(entries);
        }
    }
}

fn describe_profiles(targets: &[Target]) -> Result<()> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for target in targets {
        let name = match target.profile.config.path() {
            Some(path) => format!("configuration {}", path.display()),
            None => "no configuration file (defaults)".to_string(),
        };
        *counts.entry(name).or_default() += 1;
    }
    let mut stderr = io::stderr().lock();
    for (name, count) in counts {
        writeln!(stderr, "txlint: {name}: {}", plural(count, "file"))?;
    }
    Ok(())
}

fn describe_caches(caches: &HashMap<usize, Arc<Cache>>) -> Result<()> {
    let mut stderr = io::stderr().lock();
    if caches.is_empty() {
        writeln!(stderr, "txlint: cache: off")?;
        return Ok(());
    }
    let sum = |read: &dyn Fn(&Cache) -> usize| caches.values().map(|c| read(c)).sum::<usize>();
    let hits = sum(&|c| c.hits.load(Ordering::Relaxed));
    let misses = sum(&|c| c.misses.load(Ordering::Relaxed));
    let write_errors = sum(&|c| c.write_errors.load(Ordering::Relaxed));
    let mut directories: Vec<String> = caches
        .values()
        .filter_map(|c| c.directory().parent())
        .map(|d| d.display().to_string())
        .collect();
    directories.sort();
    directories.dedup();
    writeln!(
        stderr,
        "txlint: cache: {hits} hits, {misses} misses{} ({})",
        match write_errors {
            0 => String::new(),
            n => format!(", {n} entries could not be written"),
        },
        directories.join(", ")
    )?;
    Ok(())
}

fn unsupported_notifications(unsupported: &[PathBuf], cwd: &Path) -> Vec<Notification> {
    let checked: Vec<&str> = txlint_rules::checked_languages()
        .into_iter()
        .map(|l| language_title(l))
        .collect();
    let message = format!(
        "skipped: txlint checks {} files, not this kind",
        checked.join(" and ")
    );
    unsupported
        .iter()
        .map(|path| Notification {
            level: Severity::Warning,
            file: None,
            path: display_path(path, Some(cwd)),
            raw_path: shown_path(path, Some(cwd)).raw,
            range: None,
            message: message.clone(),
            skipped: true,
        })
        .collect()
}

/// Directories (or entries) the walk could not read. A warning, in every format: what
/// they hold is unknown (a database's data directory owned by another user is common),
/// so they do not count as files that could not be checked.
fn unreadable_notifications(entries: &[(PathBuf, String)], cwd: &Path) -> Vec<Notification> {
    entries
        .iter()
        .map(|(path, error)| Notification {
            level: Severity::Warning,
            file: None,
            path: display_path(path, Some(cwd)),
            raw_path: shown_path(path, Some(cwd)).raw,
            range: None,
            message: format!("cannot read, so nothing under it was checked: {error}"),
            skipped: true,
        })
        .collect()
}

/// Paths named on the command line that are no regular files: skipped without being
/// opened (opening a FIFO waits for a writer), as the directory walk skips them.
fn not_regular_notifications(paths: &[(PathBuf, &str)], cwd: &Path) -> Vec<Notification> {
    paths
        .iter()
        .map(|(path, kind)| Notification {
            level: Severity::Warning,
            file: None,
            path: display_path(path, Some(cwd)),
            raw_path: shown_path(path, Some(cwd)).raw,
            range: None,
            message: format!(
                "skipped: {kind}, not a regular file; txlint reads only regular files"
            ),
            skipped: true,
        })
        .collect()
}

/// Directories named on the command line with nothing to check in them: most likely a
/// wrong path, or an exclusion that covers everything.
fn empty_directory_notifications(directories: &[PathBuf], cwd: &Path) -> Vec<Notification> {
    let languages: Vec<&str> = txlint_rules::checked_languages()
        .into_iter()
        .map(language_title)
        .collect();
    let languages = match languages.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "source".to_string(),
    };
    directories
        .iter()
        .map(|directory| {
            let path = shown_path(directory, Some(cwd));
            Notification {
                level: Severity::Warning,
                file: None,
                path: if path.text.is_empty() {
                    ".".into()
                } else {
                    path.text
                },
                raw_path: path.raw,
                range: None,
                message: format!(
                    "no {languages} files found under this directory (none there, or all excluded)"
                ),
                skipped: false,
            }
        })
        .collect()
}

fn language_title(language: Language) -> &'static str {
    match language {
        Language::Go => "Go",
        Language::Python => "Python",
        Language::Rust => "Rust",
    }
}

/// Runs the package-level rules (a Go package is the files of one directory that share
/// a package clause) and returns their findings by file index, and the bugs they hit by
/// the index of the package's first file (the package's findings are then withheld).
type PackageResults = (HashMap<usize, Vec<Diagnostic>>, HashMap<usize, Bug>);

fn package_diagnostics(
    targets: &[Target],
    checked: &[Checked],
    bounded: &BoundedPackages,
) -> PackageResults {
    let mut packages: BTreeMap<(&Path, &str), Vec<(usize, &PackageFacts)>> = BTreeMap::new();
    // A file of the package that was read but not checked bounds its pools.
    let bounds = PackageFacts {
        bounds_pools: true,
        ..PackageFacts::default()
    };
    let mut bounded_elsewhere: BTreeSet<(&Path, &str)> = BTreeSet::new();
    for (index, (target, outcome)) in targets.iter().zip(checked).enumerate() {
        if let Some(package) = &outcome.results.package.package {
            let directory = target.path.parent().unwrap_or(Path::new(""));
            let real = target.real_or_absolute().parent().map(Path::to_path_buf);
            if real.is_some_and(|real| bounded.contains(&(real, package.clone()))) {
                bounded_elsewhere.insert((directory, package.as_str()));
            }
            packages
                .entry((directory, package.as_str()))
                .or_default()
                .push((index, &outcome.results.package));
        }
    }
    let mut by_file: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
    let mut bugs = HashMap::new();
    for (package, files) in &packages {
        let mut facts: Vec<&PackageFacts> = files.iter().map(|(_, facts)| *facts).collect();
        if bounded_elsewhere.contains(package) {
            facts.push(&bounds);
        }
        let found = isolate::catch(|| {
            for (index, _) in files {
                fault_point("package", &targets[*index].path);
            }
            check_package(&facts)
        });
        match found {
            Ok(diagnostics) => {
                for diagnostic in diagnostics {
                    by_file
                        .entry(diagnostic.file.0 as usize)
                        .or_default()
                        .push(diagnostic);
                }
            }
            Err(bug) => {
                bugs.insert(files[0].0, bug);
            }
        }
    }
    (by_file, bugs)
}

fn write_notifications(notifications: &[Notification], files: &[SourceFile]) -> Result<()> {
    let mut stderr = io::stderr().lock();
    for notification in notifications {
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
    Ok(())
}

fn report_format(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    }
}

fn write_report(report: &Report, args: &CheckArgs) -> Result<()> {
    let format = report_format(args.format);
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
    write_output(args, |out| render(report, format, &human, out))
}

/// Writes to `--output` or to stdout; a closed pipe (`txlint check | head`) is not an
/// error of the tool.
fn write_output(
    args: &CheckArgs,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    match &args.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            out.flush()?;
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            let written = write(&mut out).and_then(|()| out.flush());
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
    shown_path(path, cwd).text
}

/// A path as [`display_path`] shows it, and its exact bytes when they are not UTF-8
/// (a Unix file name may be any bytes): human output shows U+FFFD for those, JSON
/// and SARIF write the bytes.
struct ShownPath {
    text: String,
    raw: Option<Vec<u8>>,
}

fn shown_path(path: &Path, cwd: Option<&Path>) -> ShownPath {
    shown_resolved(path, std::fs::canonicalize(path).ok().as_deref(), cwd)
}

/// [`shown_path`] for a path already resolved to `real`.
fn shown_resolved(path: &Path, real: Option<&Path>, cwd: Option<&Path>) -> ShownPath {
    let shown: &Path = match (real, cwd) {
        (Some(real), Some(cwd)) => real.strip_prefix(cwd).unwrap_or(real),
        // Unreadable (a symlink loop): show it as it was given.
        _ => path,
    };
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    let slashed = |text: String| match text.contains('\\') {
        true => text.replace('\\', "/"),
        false => text,
    };
    match String::from_utf8(path_bytes(shown)) {
        Ok(text) => ShownPath {
            text: slashed(text),
            raw: None,
        },
        Err(error) => {
            let bytes = error.into_bytes();
            ShownPath {
                text: slashed(String::from_utf8_lossy(&bytes).into_owned()),
                raw: Some(
                    bytes
                        .iter()
                        .map(|&b| if b == b'\\' { b'/' } else { b })
                        .collect(),
                ),
            }
        }
    }
}

/// A path's bytes: exact on Unix; elsewhere paths are Unicode (lossy for unpaired
/// surrogates).
fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

fn skipped(display_path: String, language: Option<Language>, message: String) -> Checked {
    Checked {
        display_path,
        raw_path: None,
        language,
        results: FileResults::default(),
        text: None,
        skipped: Some(message),
        suppressions: Vec::new(),
        cache_entry: None,
        content: None,
        digest: None,
        bug: false,
    }
}

/// What phase 1 made of a file.
enum Stage {
    /// Nothing more to do: skipped, or failed.
    Done(Checked),
    /// Not parsed: the prefilter found no modelled call in it. A Python file may still
    /// call a helper of the project, which the index decides; its imports (scanned from
    /// the text) bring in the modules that may define one.
    Unparsed(Checked, Vec<Import>),
    /// Read, to be lowered unless the project snapshot shows its results are cached.
    Pending(Box<Pending>),
    /// Lowered, waiting for the project index.
    Prepared(Box<Prepared>),
}

impl Stage {
    fn with_raw_path(self, raw_path: Option<Vec<u8>>) -> Stage {
        match self {
            Stage::Done(mut outcome) => {
                outcome.raw_path = raw_path;
                Stage::Done(outcome)
            }
            Stage::Unparsed(mut outcome, imports) => {
                outcome.raw_path = raw_path;
                Stage::Unparsed(outcome, imports)
            }
            Stage::Pending(mut pending) => {
                pending.raw_path = raw_path;
                Stage::Pending(pending)
            }
            Stage::Prepared(mut prepared) => {
                prepared.raw_path = raw_path;
                Stage::Prepared(prepared)
            }
        }
    }
}

/// A file read, scanned and lowered.
struct Prepared {
    display_path: String,
    raw_path: Option<Vec<u8>>,
    language: Language,
    /// Its content hash, for the project snapshot.
    content: String,
    text: String,
    suppressions: Vec<Suppression>,
    ir: FileIr,
    /// Where it sits in its project (Go package, Python module), when known.
    place: Option<Place>,
    /// Set when the memory budget was spent: `ir` holds only the file's declarations and
    /// `text` nothing (see [`crate::memory`]).
    set_aside: Option<Box<SetAsideFile>>,
}

impl Prepared {
    /// Keeps the file whole while the run's memory budget allows, else sets its
    /// functions and text aside (see [`crate::memory`]).
    fn within_budget(mut self, path: &Path, settings: &Settings, fs: &ProjectFiles) -> Prepared {
        // A file the parser gave up on holds nothing worth setting aside, and lowering it
        // again under another deadline could give another outcome.
        if self.set_aside.is_some()
            || self.ir.not_parsed.is_some()
            || fs.memory.take(self.ir.approximate_size() + self.text.len())
        {
            return self;
        }
        let context = match &self.place {
            Some(place) => context_of(&self.ir, place, fs),
            None => Vec::new(),
        };
        self.set_aside = Some(Box::new(SetAsideFile {
            path: path.to_path_buf(),
            skeleton: Some(Skeleton::of(&self.ir, settings)),
            context,
        }));
        self.ir = self.ir.declarations();
        self.text = String::new();
        self
    }

    /// The whole IR of a file set aside, lowered again from its text.
    fn lowered_again(&self) -> std::result::Result<FileIr, String> {
        let path = match &self.set_aside {
            Some(set_aside) => &set_aside.path,
            None => return Ok(self.ir.clone()),
        };
        let text = read_again(path, self.language, &self.content)?;
        Ok(lower(self.language, &text, path))
    }

    /// The files the project needs for this one.
    fn context(&self, place: &Place, fs: &ProjectFiles) -> Vec<PathBuf> {
        match &self.set_aside {
            Some(set_aside) => set_aside.context.clone(),
            None => context_of(&self.ir, place, fs),
        }
    }
}

/// A file whose check hit a bug of ours: an internal error for this file alone.
fn failed(path: &Path, display_path: String, bug: Bug) -> Checked {
    let language = supported_language(path);
    let message = bug.file_message("checking this file, so it was not checked");
    Checked {
        bug: true,
        ..skipped(display_path, language, message)
    }
}

/// Phase 1 for one file: read it, find its suppression comments, and lower it unless
/// the prefilter shows that no rule can fire in it.
fn prepare(
    target: &Target,
    display_path: String,
    (args, defer, force): (&CheckArgs, bool, bool),
    fs: &ProjectFiles,
) -> (Stage, Prefilter) {
    let settings = &target.profile.settings;
    let Some(language) = supported_language(&target.path) else {
        let message = "not a Go, Python or Rust source file".into();
        return (
            Stage::Done(skipped(display_path, None, message)),
            Prefilter::Skip,
        );
    };
    fault_point("read", &target.path);
    let text = match read_source(&target.path, args.max_file_size) {
        Ok(text) => text,
        Err(message) => {
            let skipped = skipped(display_path, Some(language), message);
            return (Stage::Done(skipped), Prefilter::Skip);
        }
    };
    fault_point("suppressions", &target.path);
    let suppressions = suppress::scan(language, &text);
    let prefilter = match target.test_only {
        true => Prefilter::Skip,
        false => settings.models().prefilter(language, &text),
    };
    if prefilter == Prefilter::Skip || (prefilter == Prefilter::CommitOnly && !force) {
        // Mentions no modelled call: no rule can fire, so the file is not parsed.
        let keep_text = args.report_unused_ignores && !suppressions.is_empty();
        let imports = match language {
            Language::Python if !target.test_only => txlint_python::scan_imports(&text),
            _ => Vec::new(),
        };
        let outcome = Stage::Unparsed(
            Checked {
                display_path,
                raw_path: None,
                language: Some(language),
                results: FileResults::default(),
                content: indexed_language(language).then(|| text_key(language, &text)),
                text: keep_text.then_some(text),
                skipped: None,
                suppressions,
                cache_entry: None,
                digest: None,
                bug: false,
            },
            imports,
        );
        return (outcome, prefilter);
    }
    let pending = Pending {
        display_path,
        raw_path: None,
        language,
        content: text_key(language, &text),
        text,
        suppressions,
    };
    // With a cache, files wait: a cached result needs no lowering (for Go and Python,
    // when the project snapshot shows the project unchanged).
    if defer {
        return (Stage::Pending(Box::new(pending)), prefilter);
    }
    let prepared = Stage::Prepared(Box::new(lower_pending(pending, target, fs)));
    (prepared, prefilter)
}

/// A file of a language without a project index: its results from the cache, else
/// lowered and checked.
fn check_alone(
    index: usize,
    pending: Pending,
    target: &Target,
    cache: Option<&Cache>,
    args: &CheckArgs,
    fs: &ProjectFiles,
) -> Checked {
    let file = FileId(index as u32);
    let hit =
        cache.and_then(|c| c.peek(file, &target.absolute, pending.language, &pending.text, 0));
    if let Some(results) = hit {
        if let Some(cache) = cache {
            cache.count_hits(1);
        }
        return pending.with_cached_results(results, 0, args.report_unused_ignores);
    }
    let display_path = pending.display_path.clone();
    match isolate::catch(|| lower_pending(pending, target, fs)) {
        Ok(prepared) => finish_isolated(index, Box::new(prepared), target, cache, None, args),
        Err(bug) => failed(&target.path, display_path, bug),
    }
}

/// Whether a Go package (a directory) has a file that begins a transaction or names a
/// modelled library, remembered per directory.
#[derive(Default)]
struct PackageEvidence(std::sync::Mutex<HashMap<PathBuf, bool>>);

impl PackageEvidence {
    fn has_evidence(&self, target: &Target, args: &CheckArgs) -> bool {
        let Some(directory) = target.absolute.parent() else {
            return false;
        };
        let known = self.0.lock().ok().and_then(|m| m.get(directory).copied());
        if let Some(known) = known {
            return known;
        }
        let models = target.profile.settings.models();
        let found = std::fs::read_dir(directory).is_ok_and(|entries| {
            entries.filter_map(|e| e.ok()).any(|entry| {
                let path = entry.path();
                supported_language(&path) == Some(Language::Go)
                    && read_source(&path, args.max_file_size)
                        .is_ok_and(|text| models.prefilter(Language::Go, &text) == Prefilter::Parse)
            })
        });
        if let Ok(mut known) = self.0.lock() {
            known.insert(directory.to_path_buf(), found);
        }
        found
    }
}

/// Whether files of a language go into the project index.
fn indexed_language(language: Language) -> bool {
    matches!(language, Language::Go | Language::Python | Language::Rust)
}

/// A file read and scanned, not lowered yet.
struct Pending {
    display_path: String,
    raw_path: Option<Vec<u8>>,
    language: Language,
    content: String,
    text: String,
    suppressions: Vec<Suppression>,
}

impl Pending {
    /// The outcome of the file with results taken from the cache (under `digest`).
    fn with_cached_results(
        self,
        results: FileResults,
        digest: u64,
        report_unused_ignores: bool,
    ) -> Checked {
        let keep = keeps_text(&results, &self.suppressions, report_unused_ignores);
        Checked {
            display_path: self.display_path,
            raw_path: self.raw_path,
            language: Some(self.language),
            results,
            text: keep.then_some(self.text),
            skipped: None,
            suppressions: self.suppressions,
            cache_entry: None,
            content: Some(self.content),
            digest: Some(digest),
            bug: false,
        }
    }
}

/// Whether a file's text is kept for the report: something is reported about it.
fn keeps_text(
    results: &FileResults,
    suppressions: &[Suppression],
    report_unused_ignores: bool,
) -> bool {
    !results.diagnostics.is_empty()
        || results.package.may_report()
        || !results.notices.is_empty()
        || (report_unused_ignores && !suppressions.is_empty())
}

fn lower_pending(pending: Pending, target: &Target, fs: &ProjectFiles) -> Prepared {
    fault_point("parse", &target.path);
    let ir = lower(pending.language, &pending.text, &target.path);
    let place = locate(
        pending.language,
        target.real.as_ref().unwrap_or(&target.absolute),
        fs,
    );
    let prepared = Prepared {
        display_path: pending.display_path,
        raw_path: pending.raw_path,
        language: pending.language,
        content: pending.content,
        text: pending.text,
        suppressions: pending.suppressions,
        ir,
        place,
        set_aside: None,
    };
    prepared.within_budget(&target.path, &target.profile.settings, fs)
}

/// Phase 2: the project index of each profile's lowered files, resolved to a fixed
/// point. The files the checked ones need are brought in first, named or not: the other
/// files of a Go package and the module's packages it imports, the project modules a
/// Python file imports. Python files the prefilter passed over are lowered after all when
/// they import a helper the index knows (a module that imports no driver but calls
/// `get_connection()` of one that does). Repeated until nothing more comes in.
fn project_indexes(
    targets: &[Target],
    importers: &[PossibleImporters],
    stages: &mut [Stage],
    args: &CheckArgs,
    fs: &ProjectFiles,
) -> (HashMap<usize, ProjectIndex>, Vec<ReadFile>, BoundedPackages) {
    let real = |t: &Target| t.real.clone().unwrap_or_else(|| t.absolute.clone());
    let mut known: HashSet<PathBuf> = targets.iter().map(real).collect();
    let mut listed: HashSet<PathBuf> = HashSet::new();
    let mut context: Vec<(usize, Prepared)> = Vec::new();
    let mut expanded_targets: HashSet<usize> = HashSet::new();
    let mut expanded_context = 0;
    let mut indexes = HashMap::new();
    // Every file brought in, lowered or not, with its content hash (for the snapshot).
    let mut read: Vec<ReadFile> = Vec::new();
    // Whether `indexes` covers every file lowered so far.
    let mut current = false;
    let tried: std::sync::Mutex<HashSet<usize>> = Default::default();
    // Python context files passed over (nothing in them can matter by itself): their
    // imports are followed all the same, and they are tried again once the index knows
    // what they import (a package's `__init__` re-exporting another module's `db`).
    let mut passed_over: Vec<PassedOver> = Vec::new();
    let mut scanned: Vec<(usize, Prepared)> = Vec::new();
    let mut bounded = BoundedPackages::new();
    // The modules that may import a named one come in first, when they name it; the
    // others are only read (their contents go into the snapshot: an edit may add the
    // import).
    let mut importing: Vec<(usize, PathBuf)> = Vec::new();
    // `None` for a module to bring in, its content's key for one only read.
    let sorted: Vec<(usize, PathBuf, Option<String>)> = importers
        .par_iter()
        .flat_map(|importers| {
            importers.files.par_iter().map(move |file| {
                let key = match read_source(file, args.max_file_size) {
                    Ok(text) => {
                        (!importers.mentioned_in(&text)).then(|| text_key(Language::Python, &text))
                    }
                    // Its stamp still goes into the snapshot: once it reads, it may import.
                    Err(_) => Some(UNREADABLE.to_string()),
                };
                (importers.profile, file.clone(), key)
            })
        })
        .collect();
    for (profile, file, key) in sorted {
        match key {
            None => {
                if known.insert(file.clone()) {
                    importing.push((profile, file));
                }
            }
            Some(key) => read.push((profile, file, key)),
        }
    }
    for _ in 0..MAX_CONTEXT_ROUNDS {
        // What each newly lowered file needs, asked in parallel (a file's context probes
        // the file system), then the files not yet known, in order.
        let fresh_targets: Vec<usize> = (0..stages.len())
            .filter(|index| expanded_targets.insert(*index))
            .collect();
        let needs = |profile: usize, prepared: &Prepared| {
            let paths = match &prepared.place {
                Some(place) => prepared.context(place, fs),
                None => Vec::new(),
            };
            (profile, prepared.language, paths)
        };
        let mut needed: Vec<(usize, Language, Vec<PathBuf>)> = fresh_targets
            .par_iter()
            .filter_map(|&index| {
                let target = &targets[index];
                match &stages[index] {
                    Stage::Prepared(prepared) => Some(needs(profile_id(&target.profile), prepared)),
                    Stage::Unparsed(_, imports) if !imports.is_empty() => {
                        let place = locate(Language::Python, &real(target), fs);
                        let scanned = imports_only(imports.clone(), place);
                        Some(needs(profile_id(&target.profile), &scanned))
                    }
                    _ => None,
                }
            })
            .collect();
        needed.par_extend(
            context[expanded_context..]
                .par_iter()
                .map(|(profile, prepared)| needs(*profile, prepared)),
        );
        needed.par_extend(
            std::mem::take(&mut scanned)
                .into_par_iter()
                .map(|(profile, prepared)| needs(profile, &prepared)),
        );
        let mut wanted: Vec<(usize, PathBuf)> = std::mem::take(&mut importing);
        for (profile, language, paths) in needed {
            for path in paths {
                match language {
                    Language::Go => {
                        if !listed.insert(path.clone()) {
                            continue;
                        }
                        for file in fs.go_files_in(&path) {
                            if known.insert(file.clone()) {
                                wanted.push((profile, file));
                            }
                        }
                    }
                    _ => {
                        if known.insert(path.clone()) {
                            wanted.push((profile, path));
                        }
                    }
                }
            }
        }
        expanded_context = context.len();
        let profiles: HashMap<usize, &Arc<Profile>> = targets
            .iter()
            .map(|t| (profile_id(&t.profile), &t.profile))
            .collect();
        let loaded: Vec<(usize, PathBuf, ContextFile)> = wanted
            .par_iter()
            .with_max_len(ONE_FILE_A_JOB)
            .filter_map(|(profile, path)| {
                let settings = &profiles[profile].settings;
                let index = indexes.get(profile);
                isolate::catch(|| load_context(path, settings, index, args.max_file_size, fs))
                    .ok()
                    .flatten()
                    .map(|file| (*profile, path.clone(), file))
            })
            .collect();
        let mut grew = false;
        for (profile, path, file) in loaded {
            let ContextFile {
                content,
                prepared,
                skipped,
                bounds_pools,
            } = file;
            read.push((profile, path.clone(), content));
            // What a run over the package would have found in it (its tests aside).
            let test = path.to_string_lossy().ends_with("_test.go");
            if let (Some(package), Some(directory)) = (bounds_pools, path.parent()) {
                if !test || profiles[&profile].reports_in_any_tests() {
                    bounded.insert((directory.to_path_buf(), package));
                }
            }
            if let Some(prepared) = prepared {
                context.push((profile, prepared));
                grew = true;
            } else if let Some((place, imports)) = skipped {
                scanned.push((profile, imports_only(imports.clone(), place.clone())));
                passed_over.push(PassedOver {
                    profile,
                    path,
                    place,
                    imports,
                });
                grew = true;
            }
        }
        // Go files of a package being checked that run statements: they need no index.
        let second = second_chance(targets, stages, fs, |i, target, outcome, _| {
            let path = real(target);
            if outcome.language != Some(Language::Go)
                || !listed.contains(path.parent()?)
                || !tried.lock().ok()?.insert(i)
            {
                return None;
            }
            let text = read_source(&target.path, args.max_file_size).ok()?;
            let settings = &target.profile.settings;
            settings
                .models()
                .may_matter_to_package(Language::Go, &text)
                .then(|| (locate(Language::Go, &path, fs), text))
        });
        grew |= !second.is_empty();
        for (i, stage) in second {
            stages[i] = stage;
        }
        if grew {
            // Bring in everything that needs no index before resolving it.
            current = false;
            continue;
        }
        if current {
            // Python files passed over that import a helper the index knows, or whose
            // classes another module hands a long-lived connection.
            let second = second_chance(targets, stages, fs, |_, target, outcome, imports| {
                if outcome.language != Some(Language::Python) {
                    return None;
                }
                let index = indexes.get(&profile_id(&target.profile))?;
                // Most passed-over files import nothing of the project and are handed
                // nothing: not located at all.
                if imports.is_empty() && !index.hands_python_connections() {
                    return None;
                }
                let place = locate(Language::Python, &real(target), fs);
                let view = index.view(place.as_ref());
                if !view.imports_python_helpers(imports) && !view.is_handed_connections() {
                    return None;
                }
                let text = read_source(&target.path, args.max_file_size).ok()?;
                Some((place, text))
            });
            // Context files passed over that import what the index now knows.
            let (retry, keep): (Vec<PassedOver>, Vec<PassedOver>) =
                std::mem::take(&mut passed_over)
                    .into_iter()
                    .partition(|file| {
                        indexes.get(&file.profile).is_some_and(|index| {
                            let view = index.view(file.place.as_ref());
                            view.imports_python_helpers(&file.imports)
                                || view.is_handed_connections()
                        })
                    });
            passed_over = keep;
            let retried: Vec<(usize, Prepared)> = retry
                .into_par_iter()
                .with_max_len(ONE_FILE_A_JOB)
                .filter_map(|file| {
                    let text = read_source(&file.path, args.max_file_size).ok()?;
                    let settings = &profiles[&file.profile].settings;
                    let prepared = isolate::catch(|| {
                        Prepared {
                            display_path: file.path.display().to_string(),
                            raw_path: None,
                            language: Language::Python,
                            content: text_key(Language::Python, &text),
                            ir: lower(Language::Python, &text, &file.path),
                            suppressions: Vec::new(),
                            text: String::new(),
                            place: file.place,
                            set_aside: None,
                        }
                        .within_budget(&file.path, settings, fs)
                    })
                    .ok()?;
                    Some((file.profile, prepared))
                })
                .collect();
            if second.is_empty() && retried.is_empty() {
                break;
            }
            for (i, stage) in second {
                stages[i] = stage;
            }
            context.extend(retried);
            current = false;
            continue;
        }
        indexes = resolve_indexes(targets, stages, &context, indexes, args.verbose);
        // The next resolution starts from these indexes: what they hold of a file set
        // aside replaces its skeleton.
        let aside = stages
            .iter_mut()
            .zip(targets)
            .filter_map(|(stage, target)| match stage {
                Stage::Prepared(prepared) => Some((profile_id(&target.profile), &mut **prepared)),
                _ => None,
            })
            .chain(
                context
                    .iter_mut()
                    .map(|(profile, prepared)| (*profile, prepared)),
            );
        for (profile, prepared) in aside {
            if let Some(set_aside) = prepared.set_aside.as_mut() {
                if indexes.contains_key(&profile) {
                    set_aside.skeleton = None;
                }
            }
        }
        current = true;
    }
    (indexes, read, bounded)
}

/// A Python file passed over, as the index sees it: its imports only, to follow them.
fn imports_only(imports: Vec<Import>, place: Option<Place>) -> Prepared {
    let mut ir = FileIr::empty(Language::Python);
    ir.imports = imports;
    Prepared {
        display_path: String::new(),
        raw_path: None,
        language: Language::Python,
        content: String::new(),
        text: String::new(),
        suppressions: Vec::new(),
        ir,
        place,
        set_aside: None,
    }
}

/// The content key of a file that could not be read: no text has it.
const UNREADABLE: &str = "unreadable";

/// The Python modules of a named file's project that the run does not check and that may
/// import it. A module's findings can depend on its callers elsewhere (what they do with a
/// failure it returns, what they hand its classes' constructors), and must not depend on
/// which files were named: pre-commit names the changed files only.
struct PossibleImporters {
    profile: usize,
    /// The names a module importing a named one must mention: the parts of their dotted
    /// names (`app.store` is imported as `store` after `from app import store`, or as the
    /// package `app` re-exporting it).
    names: Vec<String>,
    files: Vec<PathBuf>,
}

impl PossibleImporters {
    /// Whether a module's text mentions one of the names, as a whole word.
    fn mentioned_in(&self, text: &str) -> bool {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        self.names.iter().any(|name| {
            text.match_indices(name.as_str()).any(|(at, _)| {
                !text[..at].ends_with(word) && !text[at + name.len()..].starts_with(word)
            })
        })
    }
}

/// For each project directory of the named Python files that the named directories do not
/// cover (or all of them with `--diff-base`, which checks the changed files only): its
/// Python files that the run does not check and that are not tests (a test module calls
/// into the project; nothing of it is analysed in a run over the whole project either).
/// A file of no project (no `pyproject.toml`, `setup.py`, `setup.cfg`,
/// `requirements.txt` or `.git` up to where its imports are looked for) has none, nor one
/// whose project would be the home directory or the file system's root.
fn possible_importers(
    targets: &[Target],
    args: &CheckArgs,
    options: discover::Options,
    resolver: &Arc<Resolver>,
    cwd: &Path,
) -> Vec<PossibleImporters> {
    let named_directories: Vec<PathBuf> = match args.diff_base {
        Some(_) => Vec::new(),
        None => args
            .paths
            .iter()
            .filter(|path| path.is_dir())
            .filter_map(|path| std::fs::canonicalize(path).ok())
            .collect(),
    };
    let probes = ProjectFiles::default();
    // A home directory kept in git (dotfiles) is no project: its scripts are loose.
    let home = std::env::var_os("HOME").and_then(|h| std::fs::canonicalize(h).ok());
    let mut projects: BTreeMap<PathBuf, (usize, BTreeSet<String>)> = BTreeMap::new();
    for target in targets {
        if target.test_only || supported_language(&target.path) != Some(Language::Python) {
            continue;
        }
        let Some(place) = locate(Language::Python, target.real_or_absolute(), &probes) else {
            continue;
        };
        let Some(directory) = python_project_directory(&place, &probes) else {
            continue;
        };
        if named_directories.iter().any(|d| directory.starts_with(d))
            || directory.parent().is_none()
            || home.as_ref() == Some(&directory)
        {
            continue;
        }
        let (_, names) = projects
            .entry(directory)
            .or_insert_with(|| (profile_id(&target.profile), BTreeSet::new()));
        names.extend(
            place
                .unit
                .split('.')
                .filter(|part| !matches!(*part, "__init__" | "__main__" | ""))
                .map(str::to_string),
        );
    }
    let checked: HashSet<&Path> = targets.iter().map(Target::real_or_absolute).collect();
    projects
        .into_iter()
        .map(|(directory, (profile, names))| {
            let files = discover::python_files_below(&directory, options, resolver)
                .into_par_iter()
                .filter(|file| !checked.contains(file.as_path()))
                .filter(|file| {
                    let real = Some(file.clone());
                    matches!(target(file, &real, resolver, None, cwd), Ok(Some(t)) if !t.test_only)
                })
                .collect();
            PossibleImporters {
                profile,
                names: names.into_iter().collect(),
                files,
            }
        })
        .collect()
}

/// The files named on the command line, for the project snapshot's name, and the
/// modules that may import them: one more or one fewer of those is another project.
fn named_files(targets: &[Target], importers: &[PossibleImporters]) -> String {
    let mut paths: Vec<String> = targets
        .iter()
        .map(|t| t.absolute.to_string_lossy().into_owned())
        .collect();
    paths.sort();
    let mut named = paths.join("\n");
    for file in importers.iter().flat_map(|i| &i.files) {
        named.push_str("\n? ");
        named.push_str(&file.to_string_lossy());
    }
    named
}

/// Lowers the files that waited for the project snapshot.
fn lower_waiting(
    targets: &[Target],
    stages: &mut [Stage],
    fs: &ProjectFiles,
    pool: &rayon::ThreadPool,
) {
    pool.install(|| {
        stages
            .par_iter_mut()
            .with_max_len(ONE_FILE_A_JOB)
            .zip(targets)
            .for_each(|(stage, target)| {
                if !matches!(stage, Stage::Pending(_)) {
                    return;
                }
                let Stage::Pending(pending) = std::mem::replace(
                    stage,
                    Stage::Done(skipped(String::new(), None, String::new())),
                ) else {
                    return;
                };
                let display_path = pending.display_path.clone();
                *stage = match isolate::catch(|| lower_pending(*pending, target, fs)) {
                    Ok(prepared) => Stage::Prepared(Box::new(prepared)),
                    Err(bug) => Stage::Done(failed(&target.path, display_path, bug)),
                };
            });
    });
}

/// When every Go and Python file the last run of these named files read is unchanged
/// (the ones named and the ones it brought in), the project index would come out the
/// same: each checked file's results are taken from the cache under the digest they were
/// stored with, and nothing is lowered: returns the snapshot that showed it. Returns
/// `None`, changing nothing, otherwise.
fn take_unchanged_project(
    targets: &[Target],
    stages: &mut [Stage],
    caches: &HashMap<usize, Arc<Cache>>,
    named: &str,
    args: &CheckArgs,
) -> Option<ProjectSnapshot> {
    let cache = single_cache(targets, caches)?;
    let snapshot = cache.snapshot(named)?;
    let real = real_path;
    // Every Go and Python file named now was read last time, unchanged.
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for (stage, target) in stages.iter().zip(targets) {
        let content = match stage {
            Stage::Pending(pending) => Some(&pending.content),
            Stage::Unparsed(outcome, _) => outcome.content.as_ref(),
            _ => None,
        };
        if let Some(content) = content {
            let path = real(target);
            if snapshot.input(&path) != Some(content) {
                return None;
            }
            seen.insert(path);
        }
    }
    // And so is every file it brought in.
    let unchanged = snapshot
        .inputs()
        .filter(|(path, _)| !seen.contains(*path))
        .all(|(path, content)| {
            let language = supported_language(path);
            let text = read_source(path, args.max_file_size).ok();
            matches!((language, text), (Some(l), Some(t)) if text_key(l, &t) == *content)
        });
    let same_answers = same_answers(&snapshot);
    if !unchanged || !same_answers {
        return None;
    }
    // Each file checked last time, from the cache.
    let taken: Option<Vec<(usize, Checked)>> = stages
        .par_iter()
        .zip(targets)
        .enumerate()
        .filter_map(|(index, (stage, target))| {
            let digest = snapshot.digest(&real(target));
            let file = match stage {
                Stage::Pending(p) => Pending {
                    display_path: p.display_path.clone(),
                    raw_path: p.raw_path.clone(),
                    language: p.language,
                    content: p.content.clone(),
                    text: p.text.clone(),
                    suppressions: p.suppressions.clone(),
                },
                Stage::Unparsed(outcome, _) if digest.is_some() => {
                    let language = outcome.language?;
                    let text = read_source(&target.path, args.max_file_size).ok()?;
                    Pending {
                        display_path: outcome.display_path.clone(),
                        raw_path: outcome.raw_path.clone(),
                        language,
                        content: text_key(language, &text),
                        text,
                        suppressions: outcome.suppressions.clone(),
                    }
                }
                _ => return None,
            };
            let Some(digest) = digest else {
                return Some(None);
            };
            let id = FileId(index as u32);
            let Some(results) = cache.peek(id, &target.absolute, file.language, &file.text, digest)
            else {
                return Some(None);
            };
            Some(Some((
                index,
                file.with_cached_results(results, digest, args.report_unused_ignores),
            )))
        })
        .collect();
    let taken = taken?;
    cache.count_hits(taken.len());
    for (index, outcome) in taken {
        stages[index] = Stage::Done(outcome);
    }
    Some(snapshot)
}

/// Keeps, per profile, what this run read of its project and the digest of each checked
/// file's results, for the next run of the same named files; with the stamps of the files
/// read and the outcome of each named file (see [`take_stamped_project`]).
fn save_snapshots(
    caches: &HashMap<usize, Arc<Cache>>,
    targets: &[Target],
    checked: &[Checked],
    (context, bounded, fs): (&[ReadFile], &BoundedPackages, &ProjectFiles),
    (named, run_started): (&str, SystemTime),
) {
    let mut snapshots: HashMap<usize, ProjectSnapshot> = HashMap::new();
    for (target, outcome) in targets.iter().zip(checked) {
        let snapshot = snapshots.entry(profile_id(&target.profile)).or_default();
        let path = real_path(target);
        // Only files the index reads.
        let indexed = outcome.language.is_some_and(indexed_language);
        if let (Some(content), true) = (&outcome.content, indexed) {
            snapshot.set_input(&path, content.clone());
        }
        if let Some(digest) = outcome.digest {
            snapshot.set_digest(&path, digest);
        }
        remember_outcome(snapshot, path, outcome, run_started);
    }
    let stamps: Vec<(usize, PathBuf, Option<Stamp>)> = context
        .par_iter()
        .map(|(profile, path, _)| (*profile, path.clone(), Stamp::of(path, run_started)))
        .collect();
    for ((profile, path, content), (_, _, stamp)) in context.iter().zip(stamps) {
        let snapshot = snapshots.entry(*profile).or_default();
        snapshot.set_input(path, content.clone());
        if let Some(stamp) = stamp {
            snapshot.set_stamp(path, stamp);
        }
    }
    let (probes, listings) = fs.answers();
    let witnesses = fs.witnesses(run_started);
    for (profile, mut snapshot) in snapshots {
        snapshot.answers = Deferred::new(Answers {
            probes: probes.clone(),
            listings: listings.clone(),
        });
        snapshot.witnesses = witnesses.clone();
        snapshot.bounded_packages = bounded.clone();
        if let Some(cache) = caches.get(&profile) {
            cache.save_snapshot(named, &mut snapshot);
        }
    }
}

/// Records a named file's stamp and outcome in its snapshot, when both can be trusted:
/// it was checked (not skipped, not failed) and its stamp predates the run.
fn remember_outcome(
    snapshot: &mut ProjectSnapshot,
    path: PathBuf,
    outcome: &Checked,
    run_started: SystemTime,
) {
    // A file skipped for what it holds (binary, not UTF-8, too large) is skipped again
    // while its stamp holds; one that hit a bug of ours is tried again.
    let unreadable = outcome
        .skipped
        .as_deref()
        .is_some_and(|why| why.starts_with("cannot read"));
    // (Permissions change without touching the stamp.)
    if outcome.bug || unreadable {
        return;
    }
    if let Some(stamp) = Stamp::of(&path, run_started) {
        snapshot.set_stamp(&path, stamp);
        let stored = StoredOutcome::of(&outcome.results, outcome.skipped.as_deref());
        snapshot.set_outcome(&path, stored);
    }
}

/// After a warm run that read every file to find it unchanged: the stamps and outcomes
/// the snapshot lacks (files modified just before the last run) are added, so that the
/// next run can trust them.
fn refresh_snapshot(
    caches: &HashMap<usize, Arc<Cache>>,
    targets: &[Target],
    checked: &[Checked],
    mut snapshot: ProjectSnapshot,
    (named, run_started): (&str, SystemTime),
) {
    // One profile: the unchanged project was found in its cache.
    let Some(cache) = caches.values().next() else {
        return;
    };
    let mut added = false;
    for (target, outcome) in targets.iter().zip(checked) {
        let path = real_path(target);
        if snapshot.outcome(&path).is_none() {
            remember_outcome(&mut snapshot, path.clone(), outcome, run_started);
            added |= snapshot.outcome(&path).is_some();
        }
    }
    let unstamped: Vec<PathBuf> = snapshot.unstamped().map(Path::to_path_buf).collect();
    for path in unstamped {
        if let Some(stamp) = Stamp::of(&path, run_started) {
            snapshot.set_stamp(&path, stamp);
            added = true;
        }
    }
    if added {
        cache.save_snapshot(named, &mut snapshot);
    }
}

/// Whether the file system answers as it did for the snapshot: no `go.mod`,
/// `__init__.py` or module file appeared or went, no Go file was added to a package it
/// read.
fn same_answers(snapshot: &ProjectSnapshot) -> bool {
    // Probes are many (each import of a Python module is looked for under every root)
    // and share few directories: one listing answers all of a directory's probes, and
    // most probed directories are absent, known so from their parent's listing.
    let listings = Listings::default();
    let Some(Answers {
        probes,
        listings: listed,
    }) = snapshot.answers.get()
    else {
        return false;
    };
    let probes: Vec<(&Path, &bool)> = probes.iter().collect();
    let same_probes = probes
        .par_iter()
        .all(|(path, existed)| listings.is_file(path) == **existed);
    same_probes
        && listed
            .par_iter()
            .all(|(directory, files)| listings.files_with_extension(directory, "go") == *files)
}

/// Whether every directory whose listing decided the snapshot's answers keeps its stamp:
/// then the file system would answer the same (see `listing.rs`).
fn witnessed_unchanged(snapshot: &ProjectSnapshot) -> bool {
    snapshot.witnesses.as_ref().is_some_and(|witnesses| {
        witnesses
            .par_iter()
            .all(|(directory, stamp)| Stamp::now(directory).as_ref() == Some(stamp))
    })
}

/// A warm run that reads no source file: when the last run of these named files left a
/// snapshot in which every named file has an outcome, and every file it read (named or
/// brought in for the project index) still has the stamp it had then, and the file
/// system answers the same, every file's outcome is the snapshot's. Only a file with
/// something to report is read, for its suppression comments and the report's excerpts.
/// `None` (nothing done) otherwise, and always with `--report-unused-ignores`, which
/// needs every file's suppression comments.
fn take_stamped_project(
    targets: &[Target],
    caches: &HashMap<usize, Arc<Cache>>,
    named: &str,
    args: &CheckArgs,
    cwd: &Path,
) -> Option<(Vec<Checked>, BoundedPackages)> {
    if args.report_unused_ignores || targets.is_empty() {
        return None;
    }
    let cache = single_cache(targets, caches)?;
    let snapshot = cache.snapshot(named)?;
    let unchanged = snapshot
        .stamps()
        .all(|(path, stamp)| Stamp::now(path).as_ref() == Some(stamp))
        && targets
            .iter()
            .all(|t| snapshot.stamp(t.real_or_absolute()).is_some());
    let witnessed = witnessed_unchanged(&snapshot);
    if !unchanged || !(witnessed || same_answers(&snapshot)) {
        return None;
    }
    if args.verbose && witnessed {
        eprintln!("txlint: file system lookups: the directories that answered them are unchanged");
    }
    let checked: Option<Vec<Checked>> = targets
        .par_iter()
        .enumerate()
        .map(|(index, target)| {
            let path = target.real_or_absolute();
            let (results, skipped) = snapshot.outcome(path)?.restore(FileId(index as u32))?;
            let ShownPath { text, raw } =
                shown_resolved(&target.path, target.real.as_deref(), Some(cwd));
            let language = supported_language(&target.path)?;
            let mut checked = Checked {
                display_path: text,
                raw_path: raw,
                language: Some(language),
                results,
                text: None,
                skipped,
                suppressions: Vec::new(),
                cache_entry: None,
                content: None,
                digest: snapshot.digest(path),
                bug: false,
            };
            if keeps_text(&checked.results, &[], false) {
                // The text read must be the one the results were found in.
                let source = read_source(&target.path, args.max_file_size).ok()?;
                let known = snapshot.input(path);
                if known.is_some_and(|content| *content != text_key(language, &source)) {
                    return None;
                }
                checked.suppressions = suppress::scan(language, &source);
                checked.text = Some(source);
            }
            Some(checked)
        })
        .collect();
    let checked = checked?;
    cache.count_hits(checked.iter().filter(|c| c.skipped.is_none()).count());
    Some((checked, snapshot.bounded_packages))
}

/// The cache of the targets' one profile: a run over several configurations takes the
/// long way.
fn single_cache<'a>(
    targets: &[Target],
    caches: &'a HashMap<usize, Arc<Cache>>,
) -> Option<&'a Arc<Cache>> {
    let profiles: HashSet<usize> = targets.iter().map(|t| profile_id(&t.profile)).collect();
    match profiles.len() {
        1 => caches.get(profiles.iter().next()?),
        _ => None,
    }
}

/// A target's canonical path, or its absolute one when it has none.
fn real_path(target: &Target) -> PathBuf {
    target.real_or_absolute().to_path_buf()
}

/// A file brought in for the project index: its profile, path and content hash.
type ReadFile = (usize, PathBuf, String);

/// Rounds of bringing in needed files: each follows imports one level further, and they
/// stop when no file is wanted that is not known yet, so a chain of N modules takes N
/// rounds. The cap only guards against a bug of ours; no real import chain is near it.
const MAX_CONTEXT_ROUNDS: usize = 4096;

/// The files the prefilter passed over that `accept` takes after all (with where they
/// sit and their text), lowered.
fn second_chance(
    targets: &[Target],
    stages: &[Stage],
    fs: &ProjectFiles,
    accept: impl Fn(usize, &Target, &Checked, &[Import]) -> Option<(Option<Place>, String)> + Sync,
) -> Vec<(usize, Stage)> {
    stages
        .par_iter()
        .with_max_len(ONE_FILE_A_JOB)
        .zip(targets)
        .enumerate()
        .filter_map(|(i, (stage, target))| {
            let Stage::Unparsed(outcome, imports) = stage else {
                return None;
            };
            if target.test_only {
                return None;
            }
            let language = outcome.language?;
            let (place, text) = accept(i, target, outcome, imports)?;
            let prepared = isolate::catch(|| {
                Prepared {
                    display_path: outcome.display_path.clone(),
                    raw_path: outcome.raw_path.clone(),
                    language,
                    content: text_key(language, &text),
                    ir: lower(language, &text, &target.path),
                    suppressions: outcome.suppressions.clone(),
                    text,
                    place,
                    set_aside: None,
                }
                .within_budget(&target.path, &target.profile.settings, fs)
            })
            .ok()?;
            Some((i, Stage::Prepared(Box::new(prepared))))
        })
        .collect()
}

/// A Python context file that was passed over: where it sits and what it imports.
struct PassedOver {
    profile: usize,
    path: PathBuf,
    place: Option<Place>,
    imports: Vec<Import>,
}

/// For a Python file passed over: its place and imports.
type Skipped = Option<(Option<Place>, Vec<Import>)>;

/// A file the checked files need but that is not checked itself: lowered if it can
/// matter (the prefilter, or a Python file importing a known helper). A Python file
/// passed over comes with its imports, to be followed and tried again later.
fn load_context(
    path: &Path,
    settings: &Settings,
    index: Option<&ProjectIndex>,
    max_size: u64,
    fs: &ProjectFiles,
) -> Option<ContextFile> {
    let language = supported_language(path)?;
    let text = read_source(path, max_size).ok()?;
    let content = text_key(language, &text);
    let place = locate(language, path, fs);
    let imports = (language == Language::Python).then(|| txlint_python::scan_imports(&text));
    let may_matter = settings.models().may_have_findings(language, &text)
        || settings.models().may_matter_to_package(language, &text)
        || imports.as_ref().is_some_and(|imports| {
            index.is_some_and(|index| index.view(place.as_ref()).imports_python_helpers(imports))
        });
    if !may_matter {
        // Kept with no import too: a module another one hands a long-lived connection
        // (`finish(settings.conn)`) is tried again once the index knows it.
        let skipped = imports.map(|imports| (place, imports));
        return Some(ContextFile {
            content,
            prepared: None,
            skipped,
            bounds_pools: None,
        });
    }
    let ir = lower(language, &text, path);
    let bounds_pools = txlint_rules::bounds_pools(&ir, settings)
        .then(|| ir.package.clone())
        .flatten();
    let prepared = Prepared {
        display_path: path.display().to_string(),
        raw_path: None,
        language,
        content: content.clone(),
        ir,
        suppressions: Vec::new(),
        text: String::new(),
        place,
        set_aside: None,
    };
    Some(ContextFile {
        content,
        prepared: Some(prepared.within_budget(path, settings, fs)),
        skipped: None,
        bounds_pools,
    })
}

/// What [`load_context`] made of a file.
struct ContextFile {
    /// Its content's key, for the project snapshot.
    content: String,
    /// Lowered, when it can matter.
    prepared: Option<Prepared>,
    /// A Python file passed over: where it sits and what it imports.
    skipped: Skipped,
    /// A Go file that bounds pools (TX010): the name of its package.
    bounds_pools: Option<String>,
}

/// The index of each profile over its lowered files and the context files.
fn resolve_indexes(
    targets: &[Target],
    stages: &[Stage],
    context: &[(usize, Prepared)],
    mut previous: HashMap<usize, ProjectIndex>,
    verbose: bool,
) -> HashMap<usize, ProjectIndex> {
    let mut by_profile: BTreeMap<usize, Vec<ProjectFile>> = BTreeMap::new();
    let mut settings: HashMap<usize, &Settings> = HashMap::new();
    // Ids: a target's index, then the context files' in the order they came in.
    for (file, (stage, target)) in stages.iter().zip(targets).enumerate() {
        let id = profile_id(&target.profile);
        settings.insert(id, &target.profile.settings);
        if let Stage::Prepared(prepared) = stage {
            by_profile.entry(id).or_default().push(ProjectFile {
                id: file,
                ir: &prepared.ir,
                place: prepared.place.as_ref(),
                set_aside: prepared.set_aside.as_ref().map(|s| SetAside {
                    skeleton: s.skeleton.as_ref(),
                }),
            });
        }
    }
    for (file, (id, prepared)) in context.iter().enumerate() {
        by_profile.entry(*id).or_default().push(ProjectFile {
            id: targets.len() + file,
            ir: &prepared.ir,
            place: prepared.place.as_ref(),
            set_aside: prepared.set_aside.as_ref().map(|s| SetAside {
                skeleton: s.skeleton.as_ref(),
            }),
        });
    }
    // Files set aside are lowered again, by their id, whenever the index computes them.
    let mut set_aside: HashMap<usize, &Prepared> = HashMap::new();
    for (file, stage) in stages.iter().enumerate() {
        if let Stage::Prepared(prepared) = stage {
            if prepared.set_aside.is_some() {
                set_aside.insert(file, prepared);
            }
        }
    }
    for (file, (_, prepared)) in context.iter().enumerate() {
        if prepared.set_aside.is_some() {
            set_aside.insert(targets.len() + file, prepared);
        }
    }
    let relower = |file: usize| set_aside.get(&file)?.lowered_again().ok();
    let mut indexes = HashMap::new();
    for (id, files) in by_profile {
        // A bug of ours in the index leaves every file checked as if alone.
        let before = previous.remove(&id);
        match isolate::catch(|| ProjectIndex::resolve_from(&files, settings[&id], before, &relower))
        {
            Ok(index) => {
                if verbose {
                    eprintln!(
                        "txlint: project index: {} files ({} not named), fixed point in {} rounds ({} file summaries computed)",
                        files.len(),
                        context.iter().filter(|(p, _)| *p == id).count(),
                        index.rounds,
                        index.computed
                    );
                }
                indexes.insert(id, index);
            }
            Err(bug) => eprintln!(
                "txlint: warning: {}",
                bug.file_message("resolving the project index; files were checked alone")
            ),
        }
    }
    indexes
}

/// [`finish`] inside the per-file isolation.
fn finish_isolated(
    index: usize,
    prepared: Box<Prepared>,
    target: &Target,
    cache: Option<&Cache>,
    project: Option<&ProjectIndex>,
    args: &CheckArgs,
) -> Checked {
    let (display_path, raw_path) = (prepared.display_path.clone(), prepared.raw_path.clone());
    let file = FileId(index as u32);
    let keep_suppressed = args.report_unused_ignores;
    let mut outcome =
        isolate::catch(|| finish(file, prepared, target, cache, project, keep_suppressed))
            .unwrap_or_else(|bug| failed(&target.path, display_path, bug));
    outcome.raw_path = raw_path;
    outcome
}

/// Phase 3 for one file: its results from the cache, or from the rules.
fn finish(
    file: FileId,
    prepared: Box<Prepared>,
    target: &Target,
    cache: Option<&Cache>,
    index: Option<&ProjectIndex>,
    report_unused_ignores: bool,
) -> Checked {
    let Prepared {
        display_path,
        raw_path: _,
        language,
        content,
        mut text,
        suppressions,
        mut ir,
        place,
        set_aside,
    } = *prepared;
    if let Some(set_aside) = set_aside {
        match read_again(&set_aside.path, language, &content) {
            Ok(again) => {
                ir = lower(language, &again, &set_aside.path);
                text = again;
            }
            Err(message) => return skipped(display_path, Some(language), message),
        }
    }
    let view = match index {
        Some(index) => index.view(place.as_ref()),
        None => ProjectView::alone(),
    };
    // Only a cache keys results on it.
    let project = match cache {
        Some(_) => view.digest(&ir),
        None => 0,
    };
    let mut cache_entry = None;
    let results = match cache.and_then(|c| c.get(file, &target.absolute, language, &text, project))
    {
        Some(hit) => hit,
        None => {
            let precomputed = index.and_then(|i| i.take_precomputed(file.0 as usize));
            let settings = &target.profile.settings;
            let results = analyse(file, &text, ir, settings, (view, precomputed), &target.path);
            if cache.is_some() {
                cache_entry = Some(Cache::new_entry(
                    &target.absolute,
                    language,
                    &text,
                    project,
                    &results,
                ));
            }
            results
        }
    };
    check_ranges(&results, &text);
    let keep_text = keeps_text(&results, &suppressions, report_unused_ignores);
    Checked {
        display_path,
        raw_path: None,
        language: Some(language),
        results,
        text: keep_text.then_some(text),
        skipped: None,
        suppressions,
        cache_entry,
        content: Some(content),
        digest: Some(project),
        bug: false,
    }
}

/// Checks one lowered file. Runs inside the caller's isolation: a panic (a bug of ours)
/// makes the file an internal error, never cached.
fn analyse(
    file: FileId,
    text: &str,
    ir: FileIr,
    settings: &Settings,
    (view, precomputed): (ProjectView, Option<Precomputed>),
    path: &Path,
) -> FileResults {
    fault_point("rules", path);
    let report = check_file_in(file, &ir, settings, view, precomputed);
    let test_code: Vec<(u32, u32)> = ir.test_code.iter().map(|r| (r.start(), r.end())).collect();
    let (syntax_errors, unanalysed) = (ir.syntax_errors, ir.unanalysed);
    let not_parsed = ir.not_parsed;
    fault_point("notices", path);
    // Rare: the line index is built only for a file that needs a notice.
    let line_of = |range: &TextRange| LineIndex::new(text).line_column(range.start(), text).line;
    let places = |count: usize| match count {
        1 => String::new(),
        n => format!("s in {n} places"),
    };
    let mut notices = Vec::new();
    if let Some(reason) = not_parsed {
        let message = match reason {
            NotParsed::OverBudget => format!(
                "the parser was stopped after {} ms (its budget for a file of this size): tree-sitter's recovery from the broken code in it takes too long; the file was not checked",
                txlint_ir::ir::parse_budget(text.len()).as_millis(),
            ),
            NotParsed::TooManyIndentationLevels { widths } => format!(
                "the file has {widths} different indentation widths, more than tree-sitter-python can keep beside its strings without aborting the process; the file was not parsed nor checked"
            ),
        };
        notices.push(FileNotice {
            range: (0, 0),
            message,
            syntax_error: true,
        });
    } else if let Some(first) = syntax_errors.first() {
        notices.push(FileNotice {
            range: (first.start(), first.end()),
            message: format!(
                "syntax error{} (first at line {}); the rest of the file was checked, findings inside the broken code are not reported",
                places(syntax_errors.len()),
                line_of(first),
            ),
            syntax_error: true,
        });
    }
    if let Some((_, first)) = unanalysed.first() {
        notices.push(FileNotice {
            range: (first.start(), first.end()),
            message: format!(
                "code nested too deeply to analyse (first at line {}{}); findings in the function{} around it are not reported",
                line_of(first),
                match unanalysed.len() {
                    1 => String::new(),
                    n => format!(", {n} functions"),
                },
                if unanalysed.len() == 1 { "" } else { "s" },
            ),
            syntax_error: false,
        });
    }
    if let Some(first) = report.crowded.first() {
        notices.push(FileNotice {
            range: (first.start(), first.end()),
            message: format!(
                "function{} with more than {} transaction begins or pooled connections (first at line {}); too many to analyse, findings in {} are not reported",
                if report.crowded.len() == 1 { "" } else { "s" },
                txlint_rules::MAX_BEGINS_PER_FUNCTION,
                line_of(first),
                if report.crowded.len() == 1 { "it" } else { "them" },
            ),
            syntax_error: false,
        });
    }
    FileResults {
        diagnostics: report.diagnostics,
        package: report.package,
        notices,
        test_code,
    }
}

/// Every range the rules (or the cache) give for a file must lie inside its text, on
/// character boundaries: the line index, the snippets and the fingerprints rely on it.
/// One that does not is a bug, reported for this file alone.
fn check_ranges(results: &FileResults, text: &str) {
    let fits = |range: TextRange| {
        let (start, end) = (range.start() as usize, range.end() as usize);
        start <= end && text.is_char_boundary(start) && text.is_char_boundary(end)
    };
    let diagnostics = results
        .diagnostics
        .iter()
        .chain(&results.package.unbounded_pools);
    for diagnostic in diagnostics {
        let ranges =
            std::iter::once(diagnostic.range).chain(diagnostic.labels.iter().map(|l| l.range));
        for range in ranges {
            assert!(
                fits(range),
                "{} reported at bytes {}..{}, not a range of the file's {} bytes of text",
                diagnostic.code,
                range.start(),
                range.end(),
                text.len()
            );
        }
    }
    for notice in &results.notices {
        let range = TextRange::new(notice.range.0, notice.range.1);
        assert!(
            fits(range),
            "a notice at bytes {}..{}, outside the file",
            range.start(),
            range.end()
        );
    }
}

/// What one file contributes to the report.
struct FileReport {
    source: SourceFile,
    notifications: Vec<Notification>,
    reported: Vec<Diagnostic>,
    suppressed: Vec<SuppressedDiagnostic>,
}

/// The per-file part of reporting, run inside the file's isolation: its line index,
/// its notifications, `[per-file-ignores]` and suppression comments applied to its
/// findings (and the package rules' findings about it), then a rehearsal of what the
/// report does with them later (fingerprints, positions, the chosen format), so that a
/// bug there is this file's internal error rather than the end of the run.
fn report_file(
    index: usize,
    outcome: Checked,
    target: &Target,
    package: Vec<Diagnostic>,
    args: &CheckArgs,
    format: Format,
    cwd: &Path,
) -> FileReport {
    fault_point("lines", &target.path);
    let mut source = SourceFile::new(
        outcome.display_path.clone(),
        outcome.text.unwrap_or_default(),
    );
    source.raw_path = outcome.raw_path.clone();
    let mut notifications = Vec::new();
    let unchecked = target.profile.unchecked_files;
    if let Some(message) = outcome.skipped {
        notifications.push(Notification {
            level: unchecked,
            file: None,
            path: outcome.display_path.clone(),
            raw_path: outcome.raw_path.clone(),
            range: None,
            message,
            skipped: true,
        });
    }
    for notice in &outcome.results.notices {
        notifications.push(Notification {
            level: match notice.syntax_error {
                true => unchecked,
                false => Severity::Warning,
            },
            file: Some(index),
            path: outcome.display_path.clone(),
            raw_path: outcome.raw_path.clone(),
            range: Some(TextRange::new(notice.range.0, notice.range.1)),
            message: notice.message.clone(),
            skipped: false,
        });
    }
    let mut diagnostics = outcome.results.diagnostics;
    diagnostics.extend(package);
    let profile = &target.profile;
    let ignored = profile.ignored_codes(&target.absolute);
    diagnostics.retain(|d| !ignored.contains(d.code));
    if let Some(language) = outcome.language {
        let root = profile.config.path().and_then(Path::parent).unwrap_or(cwd);
        let test_file = profile.is_test_file(language, &target.absolute, root);
        let test_regions = &outcome.results.test_code;
        let in_test = |d: &Diagnostic| {
            test_file
                || test_regions
                    .iter()
                    .any(|&(start, end)| start <= d.range.start() && d.range.start() < end)
        };
        diagnostics.retain(|d| profile.reports_in_tests(d.code) || !in_test(d));
    }
    let runs = |code: &str| profile.runs_on(code, &ignored);
    fault_point("apply", &target.path);
    let split = suppress::apply(
        FileId(index as u32),
        diagnostics,
        &outcome.suppressions,
        &source.line_index,
        args.report_unused_ignores,
        &runs,
    );
    fault_point("render", &target.path);
    rehearse(
        &source,
        &split.reported,
        &split.suppressed,
        &notifications,
        format,
    );
    FileReport {
        source,
        notifications,
        reported: split.reported,
        suppressed: split.suppressed,
    }
}

/// Does with one file's findings what the report will do with every file's: their
/// fingerprints, the lines `--diff-base` looks at, and rendering in `format` (to
/// nowhere). Costs little: few files have findings.
fn rehearse(
    source: &SourceFile,
    reported: &[Diagnostic],
    suppressed: &[SuppressedDiagnostic],
    notifications: &[Notification],
    format: Format,
) {
    if reported.is_empty() && suppressed.is_empty() && notifications.is_empty() {
        return;
    }
    // The report of this file alone, as file 0.
    let alone = |d: &Diagnostic| Diagnostic {
        file: FileId(0),
        ..d.clone()
    };
    let diagnostics: Vec<Diagnostic> = reported.iter().map(alone).collect();
    let suppressed: Vec<SuppressedDiagnostic> = suppressed
        .iter()
        .map(|s| SuppressedDiagnostic {
            diagnostic: alone(&s.diagnostic),
            justification: s.justification.clone(),
        })
        .collect();
    let notifications: Vec<Notification> = notifications
        .iter()
        .map(|n| Notification {
            file: n.file.map(|_| 0),
            ..n.clone()
        })
        .collect();
    let report = Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        files: std::slice::from_ref(source),
        diagnostics: &diagnostics,
        suppressed: &suppressed,
        baselined: 0,
        notifications: &notifications,
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    };
    fingerprints(&report);
    suppressed_fingerprints(&report);
    for diagnostic in diagnostics
        .iter()
        .chain(suppressed.iter().map(|s| &s.diagnostic))
    {
        lines_of(source, diagnostic);
    }
    let _ = render(&report, format, &HumanOptions::default(), &mut io::sink());
}

pub(crate) fn lower(language: Language, text: &str, path: &Path) -> txlint_ir::ir::FileIr {
    // The parser does not expect a byte-order mark. Blank it out rather than remove it,
    // so that every offset stays an offset into the file.
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        return lower(language, &format!("   {rest}"), path);
    }
    // Tests stop the parser at once with `TXLINT_TEST_FAULT=parse-budget:<file name>`.
    let deadline = match isolate::injected("TXLINT_TEST_FAULT", "parse-budget", path) {
        true => ParseDeadline::passed_already(),
        false => ParseDeadline::for_len(text.len()),
    };
    let mut ir = match language {
        Language::Go => txlint_go::lower_file_by(text, &deadline),
        Language::Python => txlint_python::lower_file_by(text, &deadline),
        Language::Rust => txlint_rust::lower_file(text),
    };
    ir.shrink_to_fit();
    ir
}

/// Reads a file set aside again (see [`crate::memory`]): its text must be the one first
/// read, or its index entry, its check and the snapshot would describe different files.
fn read_again(
    path: &Path,
    language: Language,
    content: &str,
) -> std::result::Result<String, String> {
    let text = read_source(path, u64::MAX)
        .map_err(|message| format!("{message} (read again after the memory budget was spent)"))?;
    if text_key(language, &text) != content {
        return Err("skipped: changed while txlint was checking it (read again after the memory budget was spent); check it again".into());
    }
    Ok(text)
}

/// Reads a source file, refusing what cannot be source code: unreadable, over the size
/// limit, binary, or not UTF-8.
fn read_source(path: &Path, max_size: u64) -> std::result::Result<String, String> {
    // Opening a FIFO would wait for a writer: look before opening (discovery already
    // did; the file may have been replaced since).
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if let Some(kind) = discover::special_kind(&metadata) {
        return Err(format!("skipped: {kind}, not a regular file"));
    }
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
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!(
            "skipped: over the {} limit (--max-file-size)",
            human_size(max_size)
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            "skipped: UTF-16 text (it starts with a UTF-16 byte-order mark); txlint reads UTF-8"
                .into(),
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn results_with_range(start: u32, end: u32) -> FileResults {
        FileResults {
            diagnostics: vec![Diagnostic {
                code: "TX001",
                name: "unchecked-commit",
                severity: Severity::Error,
                message: String::new(),
                file: FileId(0),
                range: TextRange::new(start, end),
                primary_label: String::new(),
                labels: Vec::new(),
                help: None,
                note: None,
                function: None,
            }],
            ..FileResults::default()
        }
    }

    /// A range outside the text or inside a character is a bug of the rules, caught
    /// while the file is isolated rather than by the renderers later.
    #[test]
    fn ranges_must_lie_on_characters_of_the_file() {
        let text = "é tx.Commit()";
        check_ranges(&results_with_range(0, 2), text);
        check_ranges(&results_with_range(3, 14), text);
        for (start, end) in [(1, 2), (3, 15), (5, 4)] {
            let bug = isolate::catch(|| check_ranges(&results_with_range(start, end), text));
            assert!(bug.is_err(), "{start}..{end}");
        }
    }
}

/// The file system as [`locate`] sees it, each answer asked once: every file of a
/// directory asks about the same `go.mod` and `__init__.py` files.
#[derive(Default)]
struct ProjectFiles {
    /// Every answer of `is_file`, for the project snapshot.
    is_file: std::sync::Mutex<PathMap<bool>>,
    /// The directories listed to answer `is_file` and `go_files_in`.
    directories: Listings,
    /// The Go files of each directory listed, as listed.
    listings: std::sync::Mutex<PathMap<Vec<PathBuf>>>,
    /// How much of the run's lowered code may be kept (the file system is where a file
    /// set aside is read again).
    memory: MemoryBudget,
}

impl ProjectFiles {
    /// The Go files of a directory, recorded for the project snapshot.
    fn go_files_in(&self, directory: &Path) -> Vec<PathBuf> {
        let files = self.directories.files_with_extension(directory, "go");
        if let Ok(mut listings) = self.listings.lock() {
            listings.insert(directory.to_path_buf(), files.clone());
        }
        files
    }

    /// What the project index asked of the file system, for the project snapshot: a run
    /// that would get other answers may find other files.
    /// The directories that decided every answer, with stamps that can be trusted (see
    /// [`Stamp::of`]); `None` when some answer had no witness or one was modified just
    /// before the run.
    fn witnesses(&self, run_started: SystemTime) -> Option<PathMap<Stamp>> {
        let directories = self.directories.witnesses()?;
        let stamps: Option<Vec<(PathBuf, Stamp)>> = directories
            .into_par_iter()
            .map(|directory| Stamp::of(&directory, run_started).map(|s| (directory, s)))
            .collect();
        let mut witnesses = PathMap::default();
        for (directory, stamp) in stamps? {
            witnesses.insert(directory, stamp);
        }
        Some(witnesses)
    }

    fn answers(&self) -> (PathMap<bool>, PathMap<Vec<PathBuf>>) {
        let probes = self.is_file.lock().map(|m| m.clone()).unwrap_or_default();
        let listings = self.listings.lock().map(|l| l.clone()).unwrap_or_default();
        (probes, listings)
    }
}

impl ProjectFs for ProjectFiles {
    fn is_file(&self, path: &Path) -> bool {
        if let Some(known) = self.is_file.lock().ok().and_then(|m| m.get(path).copied()) {
            return known;
        }
        let found = self.directories.is_file(path);
        if let Ok(mut known) = self.is_file.lock() {
            known.insert(path.to_path_buf(), found);
        }
        found
    }

    fn read_to_string(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}
