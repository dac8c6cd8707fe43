//! Finds the files to check.
//!
//! Directories are walked honouring `.gitignore` (and `.ignore`, git's exclude files),
//! skipping hidden entries, [`SKIPPED_DIRS`] and what the governing configuration's
//! `exclude`/`extend-exclude` name. A path named on the command line is checked even
//! when those would exclude it (pre-commit passes file names) unless
//! `--force-exclude` is given: then the same exclusions apply to it.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::Gitignore;
use ignore::WalkBuilder;
use txlint_ir::Language;

use crate::config::Resolver;
use crate::path_map::PathMap;

/// Directories never searched unless named on the command line: vendored and generated
/// code that the project does not own, and Python environments (ruff skips the same).
const SKIPPED_DIRS: [&str; 6] = [
    "vendor",
    "node_modules",
    "target",
    "venv",
    "site-packages",
    "__pypackages__",
];

/// The language of a file if some rule checks that language today; files of other
/// languages are not collected.
pub fn supported_language(path: &Path) -> Option<Language> {
    let language = Language::from_extension(path.extension()?.to_str()?)?;
    txlint_rules::checked_languages()
        .contains(&language)
        .then_some(language)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--no-ignore`: do not honour .gitignore and friends.
    pub no_ignore: bool,
    /// `--force-exclude`: exclusions apply to paths named on the command line too.
    pub force_exclude: bool,
    /// Threads of the directory walk (0: as many as the machine has cores).
    pub threads: usize,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<PathBuf>,
    /// Each file's canonical path (`None` when it cannot be resolved, a symlink loop).
    pub real: Vec<Option<PathBuf>>,
    /// Files named explicitly whose language txlint does not check (yet).
    pub unsupported: Vec<PathBuf>,
    /// Paths named explicitly that are neither files nor directories (a FIFO, a
    /// socket, a device), with what they are: reading one could block forever.
    pub not_regular: Vec<(PathBuf, &'static str)>,
    /// Directories named explicitly in which the walk found no file to check.
    pub empty: Vec<PathBuf>,
    /// What the walk passed over without reading: symbolic links (it does not follow
    /// them) and files that are not regular files, with what they are. Said with `-v`.
    pub passed_over: Vec<(PathBuf, &'static str)>,
    /// Explicit paths that do not exist (a fatal usage error, reported after the run).
    pub missing: Vec<PathBuf>,
    /// Explicit paths left out by `--force-exclude`.
    pub excluded: Vec<PathBuf>,
    /// Entries the walk could not read (a directory without permission), with the
    /// error.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Other problems met while walking directories (a malformed `.gitignore`).
    pub walk_errors: Vec<String>,
}

/// Expands `paths` into a sorted, de-duplicated list of source files. A configuration
/// error (met while deciding what a directory excludes) is fatal.
pub fn discover(
    paths: &[PathBuf],
    options: Options,
    resolver: &Arc<Resolver>,
) -> Result<Discovery, String> {
    let mut discovery = Discovery::default();
    // Each file with its canonical path, resolved once per command-line root: the walk
    // follows no links, so below a root the canonical path is the root's joined with
    // the rest (one `realpath` per file cost a `readlink` per path component).
    let mut found: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    for path in paths {
        let (is_dir, special) = match std::fs::metadata(path) {
            Ok(meta) => (meta.is_dir(), special_kind(&meta)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                discovery.missing.push(path.clone());
                continue;
            }
            // A path that exists but cannot be inspected (a symlink loop, no
            // permission): treated as a file, whose reading reports the problem.
            Err(_) => (false, None),
        };
        if options.force_exclude && is_excluded_explicitly(path, is_dir, options, resolver)? {
            discovery.excluded.push(path.clone());
            continue;
        }
        if let Some(kind) = special {
            discovery.not_regular.push((path.clone(), kind));
            continue;
        }
        if !is_dir {
            if supported_language(path).is_some() {
                found.push((path.clone(), std::fs::canonicalize(path).ok()));
            } else {
                discovery.unsupported.push(path.clone());
            }
            continue;
        }
        let found_before = found.len();
        let real_root = std::fs::canonicalize(path).ok();
        for file in walk(path, options, resolver, &mut discovery) {
            let real = match (&real_root, file.strip_prefix(path)) {
                (Some(root), Ok(rest)) => Some(root.join(rest)),
                _ => std::fs::canonicalize(&file).ok(),
            };
            found.push((file, real));
        }
        if found.len() == found_before {
            discovery.empty.push(path.clone());
        }
        if let Some(error) = resolver.take_error() {
            return Err(error);
        }
    }
    for (file, _) in &mut found {
        if let Ok(stripped) = file.strip_prefix(".") {
            *file = stripped.to_path_buf();
        }
    }
    // In `Path`'s order, through a key computed once per path (comparing components
    // pairwise was a tenth of a warm run).
    found.sort_by_cached_key(|(file, _)| component_key(file));
    // The same file named twice (`a.go` and `$PWD/a.go`, or through a symlink) is
    // checked once.
    let mut seen = PathMap::default();
    // Resolved once and kept: the report and --diff-base need it too.
    for (file, real) in found {
        if seen
            .insert(real.clone().unwrap_or_else(|| file.clone()), ())
            .is_none()
        {
            discovery.files.push(file);
            discovery.real.push(real);
        }
    }
    Ok(discovery)
}

/// The Python files a run over `directory` would check, sorted: the walk's exclusions
/// apply, and what it would say of the entries it passes over is not said (the directory
/// was not named). A configuration error met on the way leaves the files it hid out.
pub fn python_files_below(
    directory: &Path,
    options: Options,
    resolver: &Arc<Resolver>,
) -> Vec<PathBuf> {
    let mut unsaid = Discovery::default();
    let mut files: Vec<PathBuf> = walk(directory, options, resolver, &mut unsaid)
        .into_iter()
        .filter(|file| supported_language(file) == Some(Language::Python))
        .collect();
    // Said by the run's own walk when it meets it; not a reason to stop here.
    resolver.take_error();
    files.sort_by_cached_key(|file| component_key(file));
    files
}

/// Bytes that sort as `Path`'s `Ord` sorts paths: component by component, each as its kind
/// (in `Component`'s order) then its text, with a separator below every byte of a name.
fn component_key(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for (index, component) in path.components().enumerate() {
        if index > 0 {
            key.push(0);
        }
        let (kind, text): (u8, &[u8]) = match component {
            Component::Prefix(prefix) => (1, prefix.as_os_str().as_encoded_bytes()),
            Component::RootDir => (2, b""),
            Component::CurDir => (3, b""),
            Component::ParentDir => (4, b""),
            Component::Normal(name) => (5, name.as_encoded_bytes()),
        };
        key.push(kind);
        key.extend_from_slice(text);
    }
    key
}

/// What a path that is neither a regular file nor a directory is (symbolic links are
/// followed first); `None` for files and directories.
pub fn special_kind(metadata: &std::fs::Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() || file_type.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// The checkable files below `root`; what it passes over goes into `discovery`. The walk
/// runs on `options.threads` threads, as rg's does; `discover` sorts what it finds.
fn walk(
    root: &Path,
    options: Options,
    resolver: &Arc<Resolver>,
    discovery: &mut Discovery,
) -> Vec<PathBuf> {
    let filter_resolver = resolver.clone();
    let walker = WalkBuilder::new(root)
        .standard_filters(!options.no_ignore)
        .hidden(true)
        .require_git(false)
        .threads(options.threads)
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true; // named on the command line
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| SKIPPED_DIRS.contains(&name))
            {
                return false;
            }
            // The configuration of the directory holding the entry decides, so that a
            // configuration inside an excluded directory cannot bring it back.
            let path = filter_resolver.absolute(entry.path());
            let directory = path.parent().unwrap_or(Path::new("/"));
            match filter_resolver.profile_for_directory(directory) {
                Ok(profile) => !profile.is_excluded(&path),
                Err(error) => {
                    filter_resolver.record_error(error);
                    false
                }
            }
        })
        .build_parallel();
    let found = std::sync::Mutex::new(Walked::default());
    walker.run(|| {
        let found = &found;
        let mut mine = Walked::default();
        Box::new(move |entry| {
            mine.visit(entry);
            // Handed over at every entry, since the walk gives no end-of-thread hook;
            // the lock is uncontended most of the time.
            if !mine.is_empty() {
                let mut all = found.lock().unwrap_or_else(|e| e.into_inner());
                all.append(&mut mine);
            }
            ignore::WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // The threads finish in any order; the notices are said in path order.
    found.passed_over.sort();
    found.unreadable.sort();
    found.walk_errors.sort();
    discovery.passed_over.append(&mut found.passed_over);
    discovery.unreadable.append(&mut found.unreadable);
    discovery.walk_errors.append(&mut found.walk_errors);
    found.files
}

/// What walk threads found.
#[derive(Default)]
struct Walked {
    files: Vec<PathBuf>,
    passed_over: Vec<(PathBuf, &'static str)>,
    unreadable: Vec<(PathBuf, String)>,
    walk_errors: Vec<String>,
}

impl Walked {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    return;
                };
                let supported = supported_language(entry.path()).is_some();
                if file_type.is_file() && supported {
                    self.files.push(entry.into_path());
                } else if file_type.is_symlink() && entry.depth() > 0 {
                    // Not followed: a link may lead out of the project, or in a loop, or
                    // to a file checked under its own name. Only links to something
                    // that could be checked are worth mentioning.
                    let to_directory = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
                    if supported || to_directory {
                        self.passed_over
                            .push((entry.into_path(), "a symbolic link, not followed"));
                    }
                } else if !file_type.is_file() && !file_type.is_dir() && supported {
                    let kind = std::fs::metadata(entry.path())
                        .ok()
                        .and_then(|m| special_kind(&m))
                        .unwrap_or("not a regular file");
                    self.passed_over.push((entry.into_path(), kind));
                }
            }
            Err(error) => match (error_path(&error), error.io_error()) {
                (Some(path), Some(io)) => {
                    self.unreadable.push((path.to_path_buf(), io.to_string()))
                }
                _ => self.walk_errors.push(error.to_string()),
            },
        }
    }

    fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.passed_over.is_empty()
            && self.unreadable.is_empty()
            && self.walk_errors.is_empty()
    }

    fn append(&mut self, other: &mut Walked) {
        self.files.append(&mut other.files);
        self.passed_over.append(&mut other.passed_over);
        self.unreadable.append(&mut other.unreadable);
        self.walk_errors.append(&mut other.walk_errors);
    }
}

/// The path an error of the walk is about.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// `--force-exclude`: whether a path named on the command line is excluded by the
/// configuration, by the default exclusions (hidden, [`SKIPPED_DIRS`]) or by
/// .gitignore.
fn is_excluded_explicitly(
    path: &Path,
    is_dir: bool,
    options: Options,
    resolver: &Resolver,
) -> Result<bool, String> {
    let absolute = resolver.absolute(path);
    let directory = absolute.parent().unwrap_or(Path::new("/"));
    if resolver
        .profile_for_directory(directory)?
        .is_excluded(&absolute)
    {
        return Ok(true);
    }
    // Default exclusions apply below the working directory, as when walking it: a
    // project that itself lives under a hidden directory is still checked.
    let relative = absolute.strip_prefix(resolver.cwd()).unwrap_or(&absolute);
    let components: Vec<&str> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    let last = components.len().saturating_sub(1);
    let default_excluded = components.iter().enumerate().any(|(i, name)| {
        name.starts_with('.') || ((i < last || is_dir) && SKIPPED_DIRS.contains(name))
    });
    if default_excluded {
        return Ok(true);
    }
    Ok(!options.no_ignore && is_gitignored(&absolute, is_dir))
}

/// Whether .gitignore / .ignore files (from the path's directory up to the repository
/// root) or the repository's `info/exclude` ignore an absolute path. The closest file
/// with a matching pattern decides, as in git.
fn is_gitignored(path: &Path, is_dir: bool) -> bool {
    let mut directory = path.parent();
    while let Some(dir) = directory {
        for name in [".ignore", ".gitignore"] {
            let file = dir.join(name);
            if !file.is_file() {
                continue;
            }
            let (matcher, _) = Gitignore::new(&file);
            let found = matcher.matched_path_or_any_parents(path, is_dir);
            if found.is_ignore() {
                return true;
            }
            if found.is_whitelist() {
                return false;
            }
        }
        if dir.join(".git").exists() {
            let exclude = dir.join(".git/info/exclude");
            if exclude.is_file() {
                let (matcher, _) = Gitignore::new(&exclude);
                // That file's patterns are relative to the repository root, not to
                // `.git/info/`.
                let relative = path.strip_prefix(dir).unwrap_or(path);
                let found = matcher.matched_path_or_any_parents(relative, is_dir);
                return found.is_ignore();
            }
            return false;
        }
        directory = dir.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_sort_as_paths_do() {
        let mut paths: Vec<PathBuf> = [
            "a.b/c.go", "a/b.go", "a/./z.go", "a-b/x.go", "/r/a.go", "../up.go", "a//c.go",
            "ab.go", "a/b/c.go", "-x.go", "./d.go",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut by_key = paths.clone();
        by_key.sort_by_cached_key(|p| component_key(p));
        paths.sort();
        assert_eq!(by_key, paths);
    }

    #[test]
    fn gitignore_decides_from_the_closest_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join(".git/info")).unwrap();
        std::fs::write(root.join(".gitignore"), "gen/\n*.pb.go\n").unwrap();
        std::fs::write(root.join(".git/info/exclude"), "local.go\n").unwrap();
        assert!(is_gitignored(&root.join("gen/a.go"), false));
        assert!(is_gitignored(&root.join("x/y.pb.go"), false));
        assert!(is_gitignored(&root.join("local.go"), false));
        assert!(!is_gitignored(&root.join("main.go"), false));
        // A negation in a closer file wins over a farther pattern.
        std::fs::create_dir_all(root.join("pb")).unwrap();
        std::fs::write(root.join("pb/.gitignore"), "!kept.pb.go\n").unwrap();
        assert!(!is_gitignored(&root.join("pb/kept.pb.go"), false));
        assert!(is_gitignored(&root.join("pb/other.pb.go"), false));
    }
}
