//! A cache of what the rules found in each file, so that an unchanged file is not
//! parsed and analysed again.
//!
//! Layout: `<root>/<run key>/<directory key>.json`, one file per source directory (as
//! ruff keeps one per package): writing thousands of small files is slower than the
//! analysis it saves on a fresh checkout, where every entry is new. The run key hashes
//! txlint's version, the identity of the running binary (a rebuilt binary may analyse
//! differently without a new version number) and everything in a [`Profile`] that
//! changes the rules' output; the directory key hashes the directory's path. Each file's
//! entry records the hash of its language, its text and the project summaries it used (see
//! `ProjectView::digest`), and is used only while all three are unchanged.
//!
//! What is cached is the rules' output before suppressions, `[per-file-ignores]`,
//! baselines and `--diff-base` are applied: those are cheap and are applied on every
//! run, so that changing them never needs entries of its own.
//!
//! A run also leaves a project snapshot (see [`ProjectSnapshot`]): what it read, with each
//! file's stamp (size and modification time) and each named file's outcome, so that a
//! warm run whose files all keep their stamps reads one file, not every source.
//!
//! The cache is an optimisation and never a source of errors: a directory file is read
//! when first needed and written after the run atomically (temporary file, then rename),
//! and a file that cannot be read or parsed counts as empty and is rewritten.
//!
//! [`Profile`]: crate::config::Profile

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use txlint_ir::{Diagnostic, FileId, Label, Language, Severity, TextRange};
use txlint_rules::PackageFacts;
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::path_map::PathMap;

pub const CACHE_DIR_NAME: &str = ".txlint_cache";

/// What the rules found in one file: the cacheable part of checking it.
#[derive(Debug, Clone, Default)]
pub struct FileResults {
    pub diagnostics: Vec<Diagnostic>,
    pub package: PackageFacts,
    /// What the user should know about how far the file was analysed: syntax errors,
    /// code nested too deeply to follow.
    pub notices: Vec<FileNotice>,
    /// Byte ranges of code only tests run (Rust `#[cfg(test)]`, `#[test]`).
    pub test_code: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileNotice {
    pub range: (u32, u32),
    pub message: String,
    /// A syntax error: part of the file could not be checked, which `unchecked-files`
    /// decides the level of. Otherwise a limit of the analysis (a warning).
    #[serde(default)]
    pub syntax_error: bool,
}

/// A fresh result to store: made by a worker, written after the run.
pub struct NewEntry {
    /// Absolute path of the file.
    path: PathBuf,
    entry: CachedEntry,
}

pub struct Cache {
    /// The directory of this run key's files.
    directory: PathBuf,
    /// Entries by source directory (absolute) and file name, as read before the run,
    /// each directory's on first use (a warm run from the snapshot needs none).
    loaded: RwLock<HashMap<PathBuf, Arc<DirectoryEntries>>>,
    pub hits: AtomicUsize,
    pub misses: AtomicUsize,
    pub write_errors: AtomicUsize,
}

type DirectoryEntries = BTreeMap<String, CachedEntry>;

impl Cache {
    /// Opens the cache under `root` (the `.txlint_cache` directory) for one profile.
    pub fn open(root: &Path, profile_key: &str) -> Cache {
        let run_key = format!(
            "txlint {}\n{}\n{}",
            env!("CARGO_PKG_VERSION"),
            binary_identity(),
            profile_key
        );
        let directory = root.join(format!("{:032x}", xxh3_128(run_key.as_bytes())));
        Cache {
            directory,
            loaded: RwLock::default(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            write_errors: AtomicUsize::new(0),
        }
    }

    /// The entries stored for the files of one source directory (absolute), as they
    /// were before this run.
    fn entries(&self, source: &Path) -> Arc<DirectoryEntries> {
        if let Some(known) = read_lock(&self.loaded).get(source) {
            return known.clone();
        }
        let entries = fs::read(self.directory.join(directory_file_name(source)))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CachedDirectory>(&bytes).ok())
            .map(|cached| Arc::new(cached.files))
            .unwrap_or_default();
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        loaded
            .entry(source.to_path_buf())
            .or_insert(entries)
            .clone()
    }

    /// The cached results of this file (absolute path) if its text is unchanged, with
    /// `file` as their file id.
    pub fn get(
        &self,
        file: FileId,
        path: &Path,
        language: Language,
        text: &str,
        project: u64,
    ) -> Option<FileResults> {
        let found = self.peek(file, path, language, text, project);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// [`Cache::get`] without counting a hit or a miss: a look that may be abandoned
    /// (the project snapshot's), counted with [`Cache::count_hits`] when it is not.
    pub fn peek(
        &self,
        file: FileId,
        path: &Path,
        language: Language,
        text: &str,
        project: u64,
    ) -> Option<FileResults> {
        let entries = self.entries(path.parent()?);
        entries
            .get(&file_name(path)?)
            .filter(|entry| entry.content == content_key(language, text, project))
            .and_then(|entry| entry.results.clone().into_results(file))
    }

    pub fn count_hits(&self, hits: usize) {
        self.hits.fetch_add(hits, Ordering::Relaxed);
    }

    /// What to store for a file just analysed (made in the worker, written by
    /// [`Cache::save`]).
    pub fn new_entry(
        path: &Path,
        language: Language,
        text: &str,
        project: u64,
        results: &FileResults,
    ) -> NewEntry {
        NewEntry {
            path: path.to_path_buf(),
            entry: CachedEntry {
                content: content_key(language, text, project),
                results: CachedFile::of(results),
            },
        }
    }

    /// Writes the new entries, one file per source directory, keeping the entries of
    /// the directory's other files that still exist.
    pub fn save(&self, new: Vec<NewEntry>) {
        let mut by_directory: BTreeMap<PathBuf, DirectoryEntries> = BTreeMap::new();
        for NewEntry { path, entry } in new {
            let (Some(dir), Some(name)) = (path.parent(), file_name(&path)) else {
                continue;
            };
            by_directory
                .entry(dir.to_path_buf())
                .or_default()
                .insert(name, entry);
        }
        for (source, fresh) in by_directory {
            let mut entries = (*self.entries(&source)).clone();
            entries.retain(|name, _| !fresh.contains_key(name) && source.join(name).is_file());
            entries.extend(fresh);
            let written = self.write(&source, CachedDirectory { files: entries });
            if written.is_err() {
                self.write_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Creates this run key's directory, marking the cache root on first use.
    fn ensure_directory(&self) -> std::io::Result<()> {
        if !self.directory.is_dir() {
            fs::create_dir_all(&self.directory)?;
            if let Some(root) = self.directory.parent() {
                mark_cache_root(root);
                remove_unused_runs(root, &self.directory);
            }
        }
        Ok(())
    }

    fn write(&self, source: &Path, cached: CachedDirectory) -> std::io::Result<()> {
        self.ensure_directory()?;
        // One write: serde_json writes token by token to an unbuffered file.
        let bytes = serde_json::to_vec(&cached)?;
        self.persist(&directory_file_name(source), &bytes)
    }

    /// What the last run that resolved a project index for these named files saw (see
    /// [`ProjectSnapshot`]). Its file system answers stay on disk until asked for.
    pub fn snapshot(&self, named: &str) -> Option<ProjectSnapshot> {
        let name = snapshot_file_name(named);
        let bytes = fs::read(self.directory.join(&name)).ok()?;
        let mut snapshot: ProjectSnapshot = serde_json::from_slice(&bytes).ok()?;
        let answers = self.directory.join(answers_file_name(&name));
        snapshot.answers = Deferred::on_disk(answers, snapshot.answers_digest);
        Some(snapshot)
    }

    /// Keeps what this run saw of its project for the next run with the same named files:
    /// the file system's answers first, in a file of their own (a warm run whose witnesses
    /// hold never reads them), then the rest, which names the answers' digest.
    pub fn save_snapshot(&self, named: &str, snapshot: &mut ProjectSnapshot) {
        let written = (|| -> std::io::Result<()> {
            self.ensure_directory()?;
            let name = snapshot_file_name(named);
            let answers = match snapshot.answers.get() {
                Some(answers) => serde_json::to_vec(answers)?,
                None => b"null".to_vec(),
            };
            snapshot.answers_digest = xxh3_64(&answers);
            self.persist(&answers_file_name(&name), &answers)?;
            self.persist(&name, &serde_json::to_vec(&*snapshot)?)
        })();
        if written.is_err() {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes a file of this run key's directory whole, or not at all.
    fn persist(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut temporary = tempfile::NamedTempFile::new_in(&self.directory)?;
        temporary.write_all(bytes)?;
        temporary
            .persist(self.directory.join(name))
            .map_err(|e| e.error)?;
        Ok(())
    }

    /// The directory holding this run key's files.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn file_name(path: &Path) -> Option<String> {
    Some(path.file_name()?.to_string_lossy().into_owned())
}

fn directory_file_name(source: &Path) -> String {
    format!(
        "{:032x}.json",
        xxh3_128(source.to_string_lossy().as_bytes())
    )
}

/// What a run saw of its project: every Go and Python file it read (named or brought in
/// for the project index), by absolute path, with its content hash, and the project digest
/// each checked file's results were cached under, and what the file system answered. When
/// every one of those files is unchanged and the answers are the same, the index would come
/// out the same, so a run can take each file's results from the cache without lowering
/// anything. With the stamps of every file read and the outcome of every named file, a
/// run whose files all keep their stamps needs to read none of them.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProjectSnapshot {
    /// Each file's path once: a warm run reads all of them.
    files: PathMap<SnapshotFile>,
    /// The directories whose listings decided every answer, with their stamps (see
    /// `listing.rs`): while each keeps its stamp, the file system answers the same without
    /// being asked. `None` when some answer had no such witness.
    #[serde(default)]
    pub witnesses: Option<PathMap<Stamp>>,
    /// The digest of the answers' file as this snapshot was written with it, so that
    /// answers written by another run are not taken for this one's.
    #[serde(default)]
    answers_digest: u64,
    /// What the file system answered the run's lookups: in a file of their own.
    #[serde(skip)]
    pub answers: Deferred<Answers>,
    /// The Go packages (directory, package name) that a file the run read but did not
    /// check bounds the pools of (TX010).
    #[serde(default)]
    pub bounded_packages: BoundedPackages,
}

/// Go packages, as (directory, package name), in which a file not checked by the run
/// bounds the pools: TX010 reports nothing in them, as a run over the package would not.
pub type BoundedPackages = std::collections::BTreeSet<(PathBuf, String)>;

/// What a snapshot knows of one file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SnapshotFile {
    /// The key of its text, for a Go or Python file the run read (named or brought in).
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    /// The project digest a named file's results were cached under.
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    digest: Option<u64>,
    /// Its stamp, when it can be trusted (see [`Stamp::of`]).
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    stamp: Option<Stamp>,
    /// What came of a named file: its results, or why it was not checked. A file without
    /// one is read on the next run.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    outcome: Option<StoredOutcome>,
}

impl ProjectSnapshot {
    pub fn input(&self, path: &Path) -> Option<&String> {
        self.files.get(path)?.input.as_ref()
    }

    pub fn digest(&self, path: &Path) -> Option<u64> {
        self.files.get(path)?.digest
    }

    pub fn stamp(&self, path: &Path) -> Option<&Stamp> {
        self.files.get(path)?.stamp.as_ref()
    }

    pub fn outcome(&self, path: &Path) -> Option<&StoredOutcome> {
        self.files.get(path)?.outcome.as_ref()
    }

    /// The files read, with the keys of their texts.
    pub fn inputs(&self) -> impl ParallelIterator<Item = (&Path, &String)> {
        self.files
            .par_iter()
            .filter_map(|(path, file)| Some((path, file.input.as_ref()?)))
    }

    /// The files read and not stamped.
    pub fn unstamped(&self) -> impl Iterator<Item = &Path> {
        self.files
            .iter()
            .filter(|(_, file)| file.input.is_some() && file.stamp.is_none())
            .map(|(path, _)| path)
    }

    /// The stamped files, with their stamps.
    pub fn stamps(&self) -> impl ParallelIterator<Item = (&Path, &Stamp)> {
        self.files
            .par_iter()
            .filter_map(|(path, file)| Some((path, file.stamp.as_ref()?)))
    }

    pub fn set_input(&mut self, path: &Path, input: String) {
        self.files.or_default(path).input = Some(input);
    }

    pub fn set_digest(&mut self, path: &Path, digest: u64) {
        self.files.or_default(path).digest = Some(digest);
    }

    pub fn set_stamp(&mut self, path: &Path, stamp: Stamp) {
        self.files.or_default(path).stamp = Some(stamp);
    }

    pub fn set_outcome(&mut self, path: &Path, outcome: StoredOutcome) {
        self.files.or_default(path).outcome = Some(outcome);
    }
}

/// What the file system answered a run: tens of thousands of probes on a large project.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Answers {
    /// Whether each path the run looked for was a file (`go.mod`, `__init__.py`, modules).
    pub probes: PathMap<bool>,
    /// The Go files of each package directory the run listed.
    pub listings: PathMap<Vec<PathBuf>>,
}

/// A part of the snapshot that a warm run whose witnesses hold never reads: left in its
/// file until asked for.
#[derive(Debug, Default)]
pub struct Deferred<T> {
    /// The file holding it and the digest its bytes must have.
    source: Option<(PathBuf, u64)>,
    value: std::sync::OnceLock<Option<T>>,
}

impl<T: serde::de::DeserializeOwned> Deferred<T> {
    pub fn new(value: T) -> Deferred<T> {
        Deferred {
            source: None,
            value: std::sync::OnceLock::from(Some(value)),
        }
    }

    fn on_disk(path: PathBuf, digest: u64) -> Deferred<T> {
        Deferred {
            source: Some((path, digest)),
            value: std::sync::OnceLock::new(),
        }
    }

    /// The value, read on first use; `None` when its file is missing, was written by
    /// another run or does not read (such a snapshot proves nothing).
    pub fn get(&self) -> Option<&T> {
        self.value
            .get_or_init(|| {
                let (path, digest) = self.source.as_ref()?;
                let bytes = fs::read(path).ok()?;
                if xxh3_64(&bytes) != *digest {
                    return None;
                }
                serde_json::from_slice(&bytes).ok()
            })
            .as_ref()
    }
}

/// A file's size and modification time: while both hold, its content is taken to be
/// the one read when they were taken (as make, cargo and ruff do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "[u64; 4]", try_from = "[u64; 4]")]
pub struct Stamp {
    size: u64,
    seconds: u64,
    nanos: u32,
    /// The inode, where there is one: a directory replaced by another of the same time is
    /// still told apart.
    inode: u64,
}

/// A file modified this close to the start of a run may be modified again within the
/// file system's timestamp granularity after being read: its stamp proves nothing.
const RACY: Duration = Duration::from_secs(2);

impl Stamp {
    /// The stamp of a file now, whatever its age.
    pub fn now(path: &Path) -> Option<Stamp> {
        let metadata = fs::metadata(path).ok()?;
        let modified = metadata
            .modified()
            .ok()?
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?;
        Some(Stamp {
            size: metadata.len(),
            seconds: modified.as_secs(),
            nanos: modified.subsec_nanos(),
            inode: inode(&metadata),
        })
    }

    /// The stamp of a file read by a run that started at `started`, if it was last
    /// modified clearly before then, so that what the run read is what the stamp names.
    pub fn of(path: &Path, started: SystemTime) -> Option<Stamp> {
        let stamp = Stamp::now(path)?;
        let modified = SystemTime::UNIX_EPOCH + Duration::new(stamp.seconds, stamp.nanos);
        (modified + RACY < started).then_some(stamp)
    }
}

/// Written as one short array: a snapshot holds one for every file of the project.
impl From<Stamp> for [u64; 4] {
    fn from(stamp: Stamp) -> [u64; 4] {
        [
            stamp.size,
            stamp.seconds,
            u64::from(stamp.nanos),
            stamp.inode,
        ]
    }
}

impl TryFrom<[u64; 4]> for Stamp {
    type Error = std::num::TryFromIntError;

    fn try_from([size, seconds, nanos, inode]: [u64; 4]) -> Result<Stamp, Self::Error> {
        Ok(Stamp {
            size,
            seconds,
            nanos: u32::try_from(nanos)?,
            inode,
        })
    }
}

#[cfg(unix)]
fn inode(metadata: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_: &fs::Metadata) -> u64 {
    0
}

/// A named file's outcome, as the project snapshot keeps it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredOutcome {
    /// Its results; `None` when there were none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    results: Option<CachedFile>,
    /// Why it was not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
}

impl StoredOutcome {
    pub fn of(results: &FileResults, skipped: Option<&str>) -> StoredOutcome {
        let empty = results.diagnostics.is_empty()
            && results.package.package.is_none()
            && results.package.unbounded_pools.is_empty()
            && !results.package.bounds_pools
            && results.notices.is_empty()
            && results.test_code.is_empty();
        StoredOutcome {
            results: (!empty).then(|| CachedFile::of(results)),
            skipped: skipped.map(str::to_string),
        }
    }

    /// Its results with `file` as their file id (`None` for an unusable entry), and
    /// why it was not checked.
    pub fn restore(&self, file: FileId) -> Option<(FileResults, Option<String>)> {
        let results = match &self.results {
            Some(cached) => cached.clone().into_results(file)?,
            None => FileResults::default(),
        };
        Some((results, self.skipped.clone()))
    }
}

/// The content hash of a file, for [`ProjectSnapshot::inputs`].
pub fn text_key(language: Language, text: &str) -> String {
    content_key(language, text, 0)
}

fn snapshot_file_name(named: &str) -> String {
    format!("project-{:032x}.json", xxh3_128(named.as_bytes()))
}

/// The file of a snapshot's file system answers.
fn answers_file_name(snapshot: &str) -> String {
    format!("{}.answers.json", snapshot.trim_end_matches(".json"))
}

/// The key of a file's entry: its language, its text, and the digest of the summaries
/// of other files of the project that its results used.
fn content_key(language: Language, text: &str, project: u64) -> String {
    let mut keyed = Vec::with_capacity(text.len() + 16);
    keyed.extend_from_slice(language.name().as_bytes());
    keyed.push(0);
    keyed.extend_from_slice(&project.to_le_bytes());
    keyed.extend_from_slice(text.as_bytes());
    format!("{:032x}", xxh3_128(&keyed))
}

/// Tells backup tools and git that the cache is not worth keeping (as ruff does).
fn mark_cache_root(root: &Path) {
    let tag = root.join("CACHEDIR.TAG");
    if !tag.exists() {
        let _ = fs::write(
            tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n# txlint's cache: safe to delete.\n",
        );
    }
    let ignore = root.join(".gitignore");
    if !ignore.exists() {
        let _ = fs::write(ignore, "# Created by txlint.\n*\n");
    }
}

/// How long the entries of another run key (another txlint build or configuration)
/// are kept without being written to.
const UNUSED_RUN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes the directories of run keys nobody wrote to for a week: every rebuild of
/// txlint and every configuration change starts a new one, and they would otherwise
/// pile up. Best effort, like everything here.
fn remove_unused_runs(root: &Path, current: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let unused = entry
            .metadata()
            .ok()
            .filter(|meta| meta.is_dir())
            .and_then(|meta| meta.modified().ok())
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > UNUSED_RUN_LIFETIME);
        if unused && path != current {
            let _ = fs::remove_dir_all(path);
        }
    }
}

/// Size and modification time of the running executable: changes whenever txlint is
/// rebuilt or reinstalled.
fn binary_identity() -> String {
    let metadata = std::env::current_exe().and_then(fs::metadata);
    match metadata {
        Ok(meta) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", meta.len())
        }
        Err(_) => "unknown".to_string(),
    }
}

// ----- the serialized form ---------------------------------------------------------
// The core types have no serde (they are plain data for the rules); these are their
// serializable counterparts. Rule codes are mapped back to the registry's `&'static`
// strings when read, and an entry naming an unknown rule is a miss.

#[derive(Clone, Serialize, Deserialize)]
struct CachedDirectory {
    /// By file name.
    files: DirectoryEntries,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedEntry {
    /// Hash of the file's language and text when it was analysed.
    content: String,
    results: CachedFile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFile {
    diagnostics: Vec<CachedDiagnostic>,
    package: Option<String>,
    unbounded_pools: Vec<CachedDiagnostic>,
    bounds_pools: bool,
    notices: Vec<FileNotice>,
    #[serde(default)]
    test_code: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedDiagnostic {
    code: String,
    severity: String,
    message: String,
    range: (u32, u32),
    primary_label: String,
    labels: Vec<((u32, u32), String)>,
    help: Option<String>,
    note: Option<String>,
    function: Option<String>,
}

impl CachedFile {
    fn of(results: &FileResults) -> CachedFile {
        CachedFile {
            diagnostics: results
                .diagnostics
                .iter()
                .map(CachedDiagnostic::of)
                .collect(),
            package: results.package.package.clone(),
            unbounded_pools: results
                .package
                .unbounded_pools
                .iter()
                .map(CachedDiagnostic::of)
                .collect(),
            bounds_pools: results.package.bounds_pools,
            notices: results.notices.clone(),
            test_code: results.test_code.clone(),
        }
    }

    fn into_results(self, file: FileId) -> Option<FileResults> {
        let diagnostics = |cached: Vec<CachedDiagnostic>| -> Option<Vec<Diagnostic>> {
            cached
                .into_iter()
                .map(|d| d.into_diagnostic(file))
                .collect()
        };
        Some(FileResults {
            diagnostics: diagnostics(self.diagnostics)?,
            package: PackageFacts {
                package: self.package,
                unbounded_pools: diagnostics(self.unbounded_pools)?,
                bounds_pools: self.bounds_pools,
            },
            notices: self.notices,
            test_code: self.test_code,
        })
    }
}

impl CachedDiagnostic {
    fn of(diagnostic: &Diagnostic) -> CachedDiagnostic {
        let range = |r: TextRange| (r.start(), r.end());
        CachedDiagnostic {
            code: diagnostic.code.to_string(),
            severity: diagnostic.severity.name().to_string(),
            message: diagnostic.message.clone(),
            range: range(diagnostic.range),
            primary_label: diagnostic.primary_label.clone(),
            labels: diagnostic
                .labels
                .iter()
                .map(|l| (range(l.range), l.message.clone()))
                .collect(),
            help: diagnostic.help.clone(),
            note: diagnostic.note.clone(),
            function: diagnostic.function.clone(),
        }
    }

    fn into_diagnostic(self, file: FileId) -> Option<Diagnostic> {
        let rule = txlint_rules::rule(&self.code)?;
        let range = |(start, end): (u32, u32)| (start <= end).then(|| TextRange::new(start, end));
        Some(Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: Severity::from_name(&self.severity)?,
            message: self.message,
            file,
            range: range(self.range)?,
            primary_label: self.primary_label,
            labels: self
                .labels
                .into_iter()
                .map(|(r, message)| {
                    Some(Label {
                        range: range(r)?,
                        message,
                    })
                })
                .collect::<Option<_>>()?,
            help: self.help,
            note: self.note,
            function: self.function,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_round_trips_and_its_answers_are_read_on_demand() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path(), "profile");
        let mut probes = PathMap::default();
        probes.insert(PathBuf::from("/p/go.mod"), true);
        let stamp = Stamp {
            size: 7,
            seconds: 1_700_000_000,
            nanos: 5,
            inode: 42,
        };
        let mut snapshot = ProjectSnapshot {
            answers: Deferred::new(Answers {
                probes,
                ..Answers::default()
            }),
            ..ProjectSnapshot::default()
        };
        snapshot.set_input(Path::new("/p/a.go"), "key".into());
        snapshot.set_stamp(Path::new("/p/a.go"), stamp);
        snapshot.set_outcome(Path::new("/p/a.go"), StoredOutcome::default());
        snapshot.set_digest(Path::new("/p/b.go"), 9);
        cache.save_snapshot("named", &mut snapshot);

        let back = cache.snapshot("named").unwrap();
        assert_eq!(
            back.input(Path::new("/p/a.go")).map(String::as_str),
            Some("key")
        );
        assert_eq!(back.stamp(Path::new("/p/a.go")), Some(&stamp));
        assert!(back.outcome(Path::new("/p/a.go")).is_some());
        assert_eq!(back.digest(Path::new("/p/b.go")), Some(9));
        assert!(back.input(Path::new("/p/b.go")).is_none());
        assert!(cache.snapshot("other").is_none());
        let answers = back.answers.get().unwrap();
        assert_eq!(answers.probes.get(Path::new("/p/go.mod")), Some(&true));
    }

    #[test]
    fn answers_written_by_another_run_prove_nothing() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path(), "profile");
        let mut probes = PathMap::default();
        probes.insert(PathBuf::from("/p/go.mod"), true);
        let mut snapshot = ProjectSnapshot {
            answers: Deferred::new(Answers {
                probes,
                ..Answers::default()
            }),
            ..ProjectSnapshot::default()
        };
        cache.save_snapshot("named", &mut snapshot);
        let answers = cache
            .directory()
            .join(answers_file_name(&snapshot_file_name("named")));
        // Another run's answers (they read well) under the same name.
        let text = fs::read_to_string(&answers).unwrap();
        fs::write(&answers, text.replace("true", "false")).unwrap();
        assert!(cache.snapshot("named").unwrap().answers.get().is_none());
        fs::remove_file(&answers).unwrap();
        assert!(cache.snapshot("named").unwrap().answers.get().is_none());
    }

    fn sample() -> FileResults {
        let diagnostic = Diagnostic {
            code: "TX001",
            name: "unchecked-commit",
            severity: Severity::Warning,
            message: "m".into(),
            file: FileId(3),
            range: TextRange::new(4, 9),
            primary_label: "p".into(),
            labels: vec![Label {
                range: TextRange::new(0, 2),
                message: "l".into(),
            }],
            help: Some("h".into()),
            note: None,
            function: Some("f".into()),
        };
        FileResults {
            diagnostics: vec![diagnostic.clone()],
            package: PackageFacts {
                package: Some("store".into()),
                unbounded_pools: vec![diagnostic],
                bounds_pools: true,
            },
            notices: vec![FileNotice {
                range: (1, 2),
                message: "syntax error".into(),
                syntax_error: true,
            }],
            test_code: vec![(3, 40)],
        }
    }

    /// A source directory with `a.go` and `b.go`, and a cache root.
    fn sources() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("a.go"), "a").unwrap();
        fs::write(src.join("b.go"), "b").unwrap();
        let root = dir.path().join(".txlint_cache");
        (dir, src, root)
    }

    #[test]
    fn entries_round_trip_while_the_text_is_unchanged() {
        let (_dir, src, root) = sources();
        let a = src.join("a.go");
        let cache = Cache::open(&root, "profile");
        assert!(cache.get(FileId(3), &a, Language::Go, "text", 7).is_none());
        cache.save(vec![Cache::new_entry(
            &a,
            Language::Go,
            "text",
            7,
            &sample(),
        )]);
        let cache = Cache::open(&root, "profile");
        let back = cache.get(FileId(3), &a, Language::Go, "text", 7).unwrap();
        assert_eq!(back.diagnostics, sample().diagnostics);
        assert_eq!(
            back.package.unbounded_pools,
            sample().package.unbounded_pools
        );
        assert_eq!(back.package.package.as_deref(), Some("store"));
        assert_eq!(back.notices, sample().notices);
        assert_eq!(back.test_code, sample().test_code);
        assert!(cache
            .get(FileId(3), &a, Language::Go, "edited", 7)
            .is_none());
        assert!(cache
            .get(FileId(3), &a, Language::Python, "text", 7)
            .is_none());
        // A summary it used in another file changed.
        assert!(cache.get(FileId(3), &a, Language::Go, "text", 8).is_none());
        assert_eq!(cache.hits.load(Ordering::Relaxed), 1);
        assert!(root.join("CACHEDIR.TAG").is_file());
    }

    #[test]
    fn saving_keeps_other_files_entries_and_drops_deleted_files() {
        let (_dir, src, root) = sources();
        let (a, b) = (src.join("a.go"), src.join("b.go"));
        let cache = Cache::open(&root, "profile");
        cache.save(vec![
            Cache::new_entry(&a, Language::Go, "a", 7, &sample()),
            Cache::new_entry(&b, Language::Go, "b", 7, &sample()),
        ]);
        // A run over a.go only keeps b.go's entry.
        let cache = Cache::open(&root, "profile");
        cache.save(vec![Cache::new_entry(&a, Language::Go, "a2", 7, &sample())]);
        let cache = Cache::open(&root, "profile");
        assert!(cache.get(FileId(0), &a, Language::Go, "a2", 7).is_some());
        assert!(cache.get(FileId(1), &b, Language::Go, "b", 7).is_some());
        // Once b.go is gone, its entry goes with the next write.
        fs::remove_file(&b).unwrap();
        cache.save(vec![Cache::new_entry(&a, Language::Go, "a3", 7, &sample())]);
        let cached: CachedDirectory = serde_json::from_slice(
            &fs::read(cache.directory().join(directory_file_name(&src))).unwrap(),
        )
        .unwrap();
        assert_eq!(cached.files.keys().collect::<Vec<_>>(), ["a.go"]);
    }

    #[test]
    fn run_directories_unused_for_a_week_are_removed() {
        let (_dir, src, root) = sources();
        let old = root.join("0123456789abcdef0123456789abcdef");
        let recent = root.join("fedcba9876543210fedcba9876543210");
        fs::create_dir_all(&old).unwrap();
        fs::create_dir_all(&recent).unwrap();
        let eight_days = std::time::Duration::from_secs(8 * 24 * 3600);
        fs::File::open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - eight_days)
            .unwrap();
        let a = src.join("a.go");
        Cache::open(&root, "profile").save(vec![Cache::new_entry(
            &a,
            Language::Go,
            "t",
            7,
            &sample(),
        )]);
        assert!(!old.exists());
        assert!(recent.exists());
    }

    #[test]
    fn profiles_do_not_share_entries() {
        let (_dir, src, root) = sources();
        let a = src.join("a.go");
        Cache::open(&root, "one").save(vec![Cache::new_entry(&a, Language::Go, "t", 7, &sample())]);
        assert!(Cache::open(&root, "two")
            .get(FileId(0), &a, Language::Go, "t", 7)
            .is_none());
    }

    #[test]
    fn corrupt_files_and_entries_are_misses() {
        let (_dir, src, root) = sources();
        let a = src.join("a.go");
        let cache = Cache::open(&root, "profile");
        cache.save(vec![Cache::new_entry(&a, Language::Go, "t", 7, &sample())]);
        let file = cache.directory().join(directory_file_name(&src));
        fs::write(&file, b"{\"files\": {").unwrap();
        assert!(Cache::open(&root, "profile")
            .get(FileId(0), &a, Language::Go, "t", 7)
            .is_none());
        // An entry naming a rule that does not exist (an older txlint) is a miss.
        let mut cached: serde_json::Value = serde_json::to_value(CachedDirectory {
            files: BTreeMap::from([(
                "a.go".to_string(),
                CachedEntry {
                    content: content_key(Language::Go, "t", 7),
                    results: CachedFile::of(&sample()),
                },
            )]),
        })
        .unwrap();
        cached["files"]["a.go"]["results"]["diagnostics"][0]["code"] = "TX999".into();
        fs::write(&file, cached.to_string()).unwrap();
        let cache = Cache::open(&root, "profile");
        assert!(cache.get(FileId(0), &a, Language::Go, "t", 7).is_none());
        // Rewritten on the next save.
        cache.save(vec![Cache::new_entry(&a, Language::Go, "t", 7, &sample())]);
        assert!(Cache::open(&root, "profile")
            .get(FileId(0), &a, Language::Go, "t", 7)
            .is_some());
    }
}
