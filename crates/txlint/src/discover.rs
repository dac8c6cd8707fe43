//! Finds the files to check.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use txlint_ir::Language;

/// Directories never searched unless named on the command line: vendored and generated
/// code that the project does not own.
const SKIPPED_DIRS: [&str; 3] = ["vendor", "node_modules", "target"];

/// The language of a file if some rule checks that language today; files of other
/// languages are not collected.
pub fn supported_language(path: &Path) -> Option<Language> {
    let language = Language::from_extension(path.extension()?.to_str()?)?;
    txlint_rules::checked_languages()
        .contains(&language)
        .then_some(language)
}

pub struct Discovery {
    pub files: Vec<PathBuf>,
    /// Files named explicitly whose language txlint does not check (yet).
    pub unsupported: Vec<PathBuf>,
    /// Explicit paths that do not exist (a fatal usage error, reported after the run).
    pub missing: Vec<PathBuf>,
    /// Errors met while walking directories (unreadable directories, broken links).
    pub walk_errors: Vec<String>,
}

/// Expands `paths` into a sorted, de-duplicated list of source files. A file named
/// explicitly is always checked if its language is supported; directories honour
/// .gitignore (unless `no_ignore`), skip hidden entries and [`SKIPPED_DIRS`].
pub fn discover(paths: &[PathBuf], no_ignore: bool) -> Discovery {
    let mut discovery = Discovery {
        files: Vec::new(),
        unsupported: Vec::new(),
        missing: Vec::new(),
        walk_errors: Vec::new(),
    };
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                discovery.missing.push(path.clone());
                continue;
            }
            // A file, or a path that exists but cannot be inspected (a symlink loop, no
            // permission): reading it reports the problem.
            _ => {
                if supported_language(path).is_some() {
                    discovery.files.push(path.clone());
                } else {
                    discovery.unsupported.push(path.clone());
                }
                continue;
            }
        }
        let walker = WalkBuilder::new(path)
            .standard_filters(!no_ignore)
            .hidden(true)
            .require_git(false)
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir
                    && entry.depth() > 0
                    && entry
                        .file_name()
                        .to_str()
                        .is_some_and(|name| SKIPPED_DIRS.contains(&name)))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && supported_language(entry.path()).is_some() {
                        discovery.files.push(entry.into_path());
                    }
                }
                Err(error) => discovery.walk_errors.push(error.to_string()),
            }
        }
    }
    for file in &mut discovery.files {
        if let Ok(stripped) = file.strip_prefix(".") {
            *file = stripped.to_path_buf();
        }
    }
    discovery.files.sort();
    // The same file named twice (`a.go` and `$PWD/a.go`, or through a symlink) is
    // checked once.
    let mut seen = std::collections::HashSet::new();
    discovery
        .files
        .retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    discovery
}
