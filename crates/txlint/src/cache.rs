//! A content-addressed cache of what the rules found in each file, so that an
//! unchanged file is not parsed and analysed again.
//!
//! Layout: `<dir>/.txlint_cache/<run key>/<file key>.json`. The run key hashes
//! txlint's version, the identity of the running binary (a rebuilt binary may analyse
//! differently without a new version number) and everything in a [`Profile`] that
//! changes the rules' output; the file key hashes the file's language and text. The
//! path is not part of the key: what the rules find depends on the text only.
//!
//! What is cached is the rules' output before suppressions, `[per-file-ignores]`,
//! baselines and `--diff-base` are applied: those are cheap and are applied on every
//! run, so that changing them never needs a cache entry of its own.
//!
//! The cache is an optimisation and never a source of errors: entries are written
//! atomically (temporary file, then rename), and an entry that cannot be read or
//! parsed counts as a miss and is rewritten.
//!
//! [`Profile`]: crate::config::Profile

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use txlint_ir::{Diagnostic, FileId, Label, Language, Severity, TextRange};
use txlint_rules::PackageFacts;
use xxhash_rust::xxh3::xxh3_128;

pub const CACHE_DIR_NAME: &str = ".txlint_cache";

/// What the rules found in one file: the cacheable part of checking it.
#[derive(Debug, Clone, Default)]
pub struct FileResults {
    pub diagnostics: Vec<Diagnostic>,
    pub package: PackageFacts,
    /// The syntax-error notice, if the file has syntax errors.
    pub syntax_notice: Option<SyntaxNotice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxNotice {
    pub range: (u32, u32),
    pub message: String,
}

pub struct Cache {
    /// The directory of this run's entries.
    directory: PathBuf,
    pub hits: AtomicUsize,
    pub misses: AtomicUsize,
    pub write_errors: AtomicUsize,
}

impl Cache {
    /// The cache under `root` (the `.txlint_cache` directory) for one profile.
    pub fn new(root: &Path, profile_key: &str) -> Cache {
        let run_key = format!(
            "txlint {}\n{}\n{}",
            env!("CARGO_PKG_VERSION"),
            binary_identity(),
            profile_key
        );
        Cache {
            directory: root.join(format!("{:032x}", xxh3_128(run_key.as_bytes()))),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            write_errors: AtomicUsize::new(0),
        }
    }

    fn entry(&self, language: Language, text: &str) -> PathBuf {
        let mut keyed = Vec::with_capacity(text.len() + 8);
        keyed.extend_from_slice(language.name().as_bytes());
        keyed.push(0);
        keyed.extend_from_slice(text.as_bytes());
        self.directory
            .join(format!("{:032x}.json", xxh3_128(&keyed)))
    }

    /// The cached results for this text, with `file` as their file id.
    pub fn get(&self, file: FileId, language: Language, text: &str) -> Option<FileResults> {
        let found = fs::read(self.entry(language, text))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CachedFile>(&bytes).ok())
            .and_then(|cached| cached.into_results(file));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, language: Language, text: &str, results: &FileResults) {
        let written = self.write(&self.entry(language, text), &CachedFile::of(results));
        if written.is_err() {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn write(&self, path: &Path, cached: &CachedFile) -> std::io::Result<()> {
        if !self.directory.is_dir() {
            fs::create_dir_all(&self.directory)?;
            if let Some(root) = self.directory.parent() {
                mark_cache_root(root);
            }
        }
        let mut temporary = tempfile::NamedTempFile::new_in(&self.directory)?;
        serde_json::to_writer(&mut temporary, cached)?;
        temporary.flush()?;
        temporary.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }
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

#[derive(Serialize, Deserialize)]
struct CachedFile {
    diagnostics: Vec<CachedDiagnostic>,
    package: Option<String>,
    unbounded_pools: Vec<CachedDiagnostic>,
    bounds_pools: bool,
    syntax_notice: Option<SyntaxNotice>,
}

#[derive(Serialize, Deserialize)]
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
            syntax_notice: results.syntax_notice.clone(),
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
            syntax_notice: self.syntax_notice,
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
            syntax_notice: Some(SyntaxNotice {
                range: (1, 2),
                message: "syntax error".into(),
            }),
        }
    }

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), "profile");
        assert!(cache.get(FileId(3), Language::Go, "text").is_none());
        cache.put(Language::Go, "text", &sample());
        let back = cache.get(FileId(3), Language::Go, "text").unwrap();
        assert_eq!(back.diagnostics, sample().diagnostics);
        assert_eq!(
            back.package.unbounded_pools,
            sample().package.unbounded_pools
        );
        assert_eq!(back.package.package.as_deref(), Some("store"));
        assert_eq!(back.syntax_notice, sample().syntax_notice);
        assert!(cache.get(FileId(3), Language::Python, "text").is_none());
        assert!(dir.path().join("CACHEDIR.TAG").is_file());
    }

    #[test]
    fn profiles_do_not_share_entries() {
        let dir = tempfile::tempdir().unwrap();
        Cache::new(dir.path(), "one").put(Language::Go, "text", &sample());
        assert!(Cache::new(dir.path(), "two")
            .get(FileId(0), Language::Go, "text")
            .is_none());
    }

    #[test]
    fn corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), "profile");
        cache.put(Language::Go, "text", &sample());
        let entry = cache.entry(Language::Go, "text");
        fs::write(&entry, b"{\"diagnostics\": [").unwrap();
        assert!(cache.get(FileId(0), Language::Go, "text").is_none());
        let mut cached: serde_json::Value =
            serde_json::from_slice(&serde_json::to_vec(&CachedFile::of(&sample())).unwrap())
                .unwrap();
        cached["diagnostics"][0]["code"] = "TX999".into();
        fs::write(&entry, cached.to_string()).unwrap();
        assert!(cache.get(FileId(0), Language::Go, "text").is_none());
        // Rewritten on the next put.
        cache.put(Language::Go, "text", &sample());
        assert!(cache.get(FileId(0), Language::Go, "text").is_some());
    }
}
