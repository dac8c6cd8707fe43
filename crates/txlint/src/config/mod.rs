//! Configuration: finding the file that applies to each checked path, reading it (and
//! the files it `extend`s), and combining it with the command line into a [`Profile`]:
//! the rule settings, failing level, excludes and per-file ignores one file is checked
//! with.
//!
//! Discovery follows ruff: walking up from a checked file's directory, the first
//! directory with `.txlint.toml`, `txlint.toml` or a `pyproject.toml` that has a
//! `[tool.txlint]` table decides, with no implicit merging of files further up;
//! `extend = "path"` inherits explicitly. Precedence, lowest first: built-in defaults,
//! the extended files, the closest file, then command-line flags (`--select` replaces
//! the configured selection, `--ignore` adds to it, `--fail-on` and `--tx012-strict`
//! win).

pub mod model;
pub mod patterns;
pub mod show;
pub mod test_code;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use txlint_ir::{Language, Severity};
use txlint_rules::models::Models;
use txlint_rules::{Settings, RULES};

use crate::path_map::PathMap;
use model::{ConfigFile, FailOn, Level, LibraryModel, Pyproject, UncheckedFiles};
use patterns::{Pattern, PatternSet};

/// Configuration file names, in order of precedence within one directory.
pub const CONFIG_FILE_NAMES: [&str; 3] = [".txlint.toml", "txlint.toml", "pyproject.toml"];

/// What the command line says about configuration; it wins over every file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE`: use this file for every checked path, no discovery.
    pub config: Option<PathBuf>,
    /// `--select`: replaces the configured selection.
    pub select: Option<Vec<String>>,
    /// `--ignore`: removed from whatever is selected.
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    /// `--unchecked-files`.
    pub unchecked_files: Option<UncheckedFiles>,
    /// `--tx012-strict`.
    pub strict_rollback: bool,
    /// `--include-tests`: every rule reports in test code.
    pub include_tests: bool,
}

/// One `select`/`ignore` pair of one file, resolved to rule codes. Applied in order,
/// oldest (most inherited) first: a `select` starts over, an `ignore` removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectionLayer {
    pub select: Option<Vec<&'static str>>,
    pub ignore: Vec<&'static str>,
}

/// A configuration file with everything it extends, combined.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    /// The file that applies, then the files it extends, closest first. Empty when no
    /// file was found (built-in defaults).
    pub files: Vec<PathBuf>,
    pub selection: Vec<SelectionLayer>,
    /// Severity by rule code; `Level::Off` turns a rule off.
    pub severity: BTreeMap<&'static str, Level>,
    pub exclude: Vec<Pattern>,
    pub extend_exclude: Vec<Pattern>,
    pub per_file_ignores: Vec<(Pattern, Vec<&'static str>)>,
    /// `report-in-tests`, when set: the rules that report in test code.
    pub report_in_tests: Option<Vec<&'static str>>,
    pub test_paths: Vec<Pattern>,
    pub fail_on: Option<FailOn>,
    pub unchecked_files: Option<UncheckedFiles>,
    pub strict_rollback: Option<bool>,
    pub libraries: Vec<LibraryModel>,
}

impl LoadedConfig {
    /// The file that applies, if any.
    pub fn path(&self) -> Option<&Path> {
        self.files.first().map(PathBuf::as_path)
    }

    /// Reads `path` and, first, what it extends.
    pub fn load(path: &Path) -> Result<LoadedConfig, String> {
        let mut chain = Vec::new();
        Self::load_chain(path, &mut chain)
    }

    fn load_chain(path: &Path, chain: &mut Vec<PathBuf>) -> Result<LoadedConfig, String> {
        if chain.iter().any(|p| p == path) {
            let cycle: Vec<String> = chain
                .iter()
                .chain(std::iter::once(&path.to_path_buf()))
                .map(|p| p.display().to_string())
                .collect();
            return Err(format!("`extend` cycle: {}", cycle.join(" -> ")));
        }
        chain.push(path.to_path_buf());
        let file = read_config_file(path)?
            .ok_or_else(|| format!("{}: no [tool.txlint] table", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut loaded = match &file.extend {
            Some(extended) => Self::load_chain(&normalize(&base.join(extended)), chain)
                .map_err(|e| format!("{}: `extend = \"{extended}\"`: {e}", path.display()))?,
            None => LoadedConfig::default(),
        };
        // Inherited names to exclude (`*_gen.go`) are about this project's files:
        // they apply below this file's directory, not below the extended file's.
        if file.extend.is_some() {
            loaded.rebase_name_patterns(&base);
        }
        loaded
            .overlay(&file, &base)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        loaded.files.insert(0, path.to_path_buf());
        Ok(loaded)
    }

    fn rebase_name_patterns(&mut self, base: &Path) {
        let patterns = self
            .exclude
            .iter_mut()
            .chain(self.extend_exclude.iter_mut())
            .chain(self.per_file_ignores.iter_mut().map(|(p, _)| p))
            .chain(self.test_paths.iter_mut());
        for pattern in patterns {
            if !pattern.is_anchored() {
                pattern.base = base.to_path_buf();
            }
        }
    }

    /// Applies one file's keys over what it extends.
    fn overlay(&mut self, file: &ConfigFile, base: &Path) -> Result<(), String> {
        if file.select.is_some() || file.ignore.is_some() {
            self.selection.push(SelectionLayer {
                select: file
                    .select
                    .as_deref()
                    .map(|s| rule_codes(s, "select"))
                    .transpose()?,
                ignore: rule_codes(file.ignore.as_deref().unwrap_or_default(), "ignore")?,
            });
        }
        for (key, level) in file.severity.iter().flatten() {
            let rule = txlint_rules::rule(key).ok_or_else(|| {
                format!("unknown rule `{key}` in [severity] (see `txlint rules`)")
            })?;
            self.severity.insert(rule.code, *level);
        }
        let patterns = |globs: &[String]| -> Result<Vec<Pattern>, String> {
            let patterns: Vec<Pattern> = globs.iter().map(|g| Pattern::new(g, base)).collect();
            PatternSet::new(patterns.clone())?; // reports a bad glob with this file's name
            Ok(patterns)
        };
        if let Some(exclude) = &file.exclude {
            self.exclude = patterns(exclude)?;
        }
        if let Some(extend) = &file.extend_exclude {
            self.extend_exclude.extend(patterns(extend)?);
        }
        for (glob, selectors) in file.per_file_ignores.iter().flatten() {
            let codes = rule_codes(selectors, "per-file-ignores")?;
            self.per_file_ignores.retain(|(p, _)| p.written != *glob);
            self.per_file_ignores
                .push((patterns(std::slice::from_ref(glob))?.remove(0), codes));
        }
        if let Some(rules) = &file.report_in_tests {
            self.report_in_tests = Some(rule_codes(rules, "report-in-tests")?);
        }
        if let Some(test_paths) = &file.test_paths {
            self.test_paths.extend(patterns(test_paths)?);
        }
        if file.fail_on.is_some() {
            self.fail_on = file.fail_on;
        }
        if file.unchecked_files.is_some() {
            self.unchecked_files = file.unchecked_files;
        }
        if let Some(strict) = file
            .rules
            .as_ref()
            .and_then(|r| r.rollback_not_deferred.as_ref())
            .and_then(|o| o.strict)
        {
            self.strict_rollback = Some(strict);
        }
        for library in file.library.iter().flatten() {
            library
                .to_library()
                .map_err(|e| format!("[[library]] `{}`: {e}", library.name))?;
            self.libraries.push(library.clone());
        }
        Ok(())
    }
}

/// Reads a configuration file: `None` for a `pyproject.toml` without `[tool.txlint]`.
pub fn read_config_file(path: &Path) -> Result<Option<ConfigFile>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let invalid = |e: toml::de::Error| format!("invalid configuration in {}: {e}", path.display());
    if is_pyproject(path) {
        // Other tools own the rest of the file: a pyproject that never mentions txlint is
        // not parsed at all, so that its problems are never ours.
        if !text.contains("txlint") {
            return Ok(None);
        }
        let pyproject: Pyproject = toml::from_str(&text).map_err(invalid)?;
        Ok(pyproject.tool.and_then(|t| t.txlint))
    } else {
        toml::from_str(&text).map(Some).map_err(invalid)
    }
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "pyproject.toml")
}

/// Codes of the rules named by `selectors` (codes, prefixes, names).
fn rule_codes(selectors: &[String], key: &str) -> Result<Vec<&'static str>, String> {
    let settings =
        Settings::from_selection(Some(selectors), &[]).map_err(|e| format!("`{key}`: {e}"))?;
    Ok(enabled_codes(&settings))
}

pub fn enabled_codes(settings: &Settings) -> Vec<&'static str> {
    RULES
        .iter()
        .map(|r| r.code)
        .filter(|code| settings.is_enabled(code))
        .collect()
}

/// Everything one file is checked with.
#[derive(Debug)]
pub struct Profile {
    pub config: LoadedConfig,
    pub settings: Settings,
    pub fail_on: Severity,
    /// The level of the notice about a file that could not be checked (`Error` fails
    /// the run).
    pub unchecked_files: Severity,
    exclude: PatternSet,
    per_file_ignores: PatternSet,
    per_file_codes: Vec<Vec<&'static str>>,
    /// Rules that report in test code.
    in_tests: BTreeSet<&'static str>,
    test_paths: PatternSet,
    /// Identifies everything that changes what the rules return for a file, for the
    /// cache: the rules, their severities and options, and the extra models.
    pub cache_key: String,
}

impl Profile {
    pub fn new(config: LoadedConfig, overrides: &Overrides) -> Result<Profile, String> {
        let mut enabled: BTreeSet<&'static str> = RULES.iter().map(|r| r.code).collect();
        for layer in &config.selection {
            if let Some(select) = &layer.select {
                enabled = select.iter().copied().collect();
            }
            for code in &layer.ignore {
                enabled.remove(code);
            }
        }
        for (code, level) in &config.severity {
            if *level == Level::Off {
                enabled.remove(code);
            }
        }
        if let Some(select) = &overrides.select {
            let settings = Settings::from_selection(Some(select), &[])?;
            enabled = enabled_codes(&settings).into_iter().collect();
        }
        let ignored = Settings::from_selection(Some(&overrides.ignore), &[])?;
        for code in enabled_codes(&ignored) {
            enabled.remove(code);
        }

        let selected: Vec<String> = enabled.iter().map(|c| c.to_string()).collect();
        let mut settings = Settings::from_selection(Some(&selected), &[])?;
        settings.severity = config
            .severity
            .iter()
            .filter_map(|(code, level)| Some((*code, level.severity()?)))
            .collect();
        settings.strict_rollback =
            overrides.strict_rollback || config.strict_rollback.unwrap_or(false);
        let mut extra: BTreeMap<Language, Models> = BTreeMap::new();
        for library in &config.libraries {
            let language = library.language.map_or(Language::Go, |l| l.language());
            extra
                .entry(language)
                .or_default()
                .libraries
                .push(library.to_library()?);
        }
        for (language, models) in &extra {
            settings.add_models(*language, models);
        }

        let fail_on = overrides
            .fail_on
            .or(config.fail_on)
            .map_or(Severity::Note, FailOn::severity);
        let unchecked_files = overrides
            .unchecked_files
            .or(config.unchecked_files)
            .map_or(Severity::Error, UncheckedFiles::severity);
        let exclude = PatternSet::new(
            config
                .exclude
                .iter()
                .chain(&config.extend_exclude)
                .cloned()
                .collect(),
        )?;
        let per_file_ignores = PatternSet::new(
            config
                .per_file_ignores
                .iter()
                .map(|(p, _)| p.clone())
                .collect(),
        )?;
        let per_file_codes = config
            .per_file_ignores
            .iter()
            .map(|(_, codes)| codes.clone())
            .collect();
        let in_tests: BTreeSet<&'static str> = if overrides.include_tests {
            RULES.iter().map(|r| r.code).collect()
        } else {
            match &config.report_in_tests {
                Some(codes) => codes.iter().copied().collect(),
                None => RULES
                    .iter()
                    .filter(|r| r.reports_in_tests())
                    .map(|r| r.code)
                    .collect(),
            }
        };
        let test_paths = PatternSet::new(config.test_paths.clone())?;
        let cache_key = format!(
            "enabled={:?};severity={:?};strict={};libraries={}",
            enabled,
            settings.severity,
            settings.strict_rollback,
            serde_json::to_string(&config.libraries).expect("models serialize")
        );
        Ok(Profile {
            config,
            settings,
            fail_on,
            unchecked_files,
            exclude,
            per_file_ignores,
            per_file_codes,
            in_tests,
            test_paths,
            cache_key,
        })
    }

    /// Whether `exclude`/`extend-exclude` exclude this absolute path.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.is_match(path)
    }

    /// Rules `[per-file-ignores]` turns off for this absolute path.
    pub fn ignored_codes(&self, path: &Path) -> BTreeSet<&'static str> {
        self.per_file_ignores
            .matches(path)
            .into_iter()
            .flat_map(|index| self.per_file_codes[index].iter().copied())
            .collect()
    }

    /// Whether a rule reports in test code.
    pub fn reports_in_tests(&self, code: &str) -> bool {
        self.in_tests.contains(code)
    }

    /// Whether some rule reports in test code: if none does, a test file (by its path)
    /// has nothing to report and is not analysed at all.
    pub fn reports_in_any_tests(&self) -> bool {
        !self.in_tests.is_empty()
    }

    /// Whether this file is test code as a whole: by the built-in conventions of its
    /// language (on its path below `root`, the directory its project is checked from),
    /// or by `test-paths`.
    pub fn is_test_file(&self, language: Language, absolute: &Path, root: &Path) -> bool {
        let relative = absolute.strip_prefix(root).unwrap_or(absolute);
        test_code::is_test_path(language, relative) || self.test_paths.is_match(absolute)
    }

    /// Whether a rule runs on this file: enabled, and not turned off for it by
    /// `[per-file-ignores]`.
    pub fn runs_on(&self, code: &str, ignored: &BTreeSet<&'static str>) -> bool {
        self.settings.is_enabled(code) && !ignored.contains(code)
    }
}

/// Finds the profile of every directory, once: directories are looked up while walking
/// (for excludes) and again for each file.
#[derive(Debug)]
pub struct Resolver {
    cwd: PathBuf,
    overrides: Overrides,
    /// With `--config`, the one profile of every path.
    fixed: Option<Arc<Profile>>,
    /// Built-in defaults and the command line, for paths no file governs.
    default: Arc<Profile>,
    /// Read by every walked entry and every file, on all threads: a read lock.
    by_directory: RwLock<PathMap<Arc<Profile>>>,
    by_config_file: Mutex<PathMap<Arc<Profile>>>,
    /// The first configuration error met during a directory walk, where the walker's
    /// filter cannot return it.
    first_error: Mutex<Option<String>>,
}

impl Resolver {
    pub fn new(cwd: &Path, overrides: Overrides) -> Result<Resolver, String> {
        let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let default = Arc::new(Profile::new(LoadedConfig::default(), &overrides)?);
        let fixed = match &overrides.config {
            Some(path) => {
                let path = normalize(&cwd.join(path));
                Some(Arc::new(Profile::new(
                    LoadedConfig::load(&path)?,
                    &overrides,
                )?))
            }
            None => None,
        };
        Ok(Resolver {
            cwd,
            overrides,
            fixed,
            default,
            by_directory: RwLock::default(),
            by_config_file: Mutex::default(),
            first_error: Mutex::new(None),
        })
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `path` made absolute against the working directory, with `.` and `..` removed
    /// lexically (no file system access: this runs for every walked entry).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// The profile of a file (absolute path): that of its directory.
    pub fn profile_for_file(&self, path: &Path) -> Result<Arc<Profile>, String> {
        self.profile_for_directory(path.parent().unwrap_or(Path::new("/")))
    }

    /// The profile of an absolute directory: from the closest configuration file at or
    /// above it.
    pub fn profile_for_directory(&self, directory: &Path) -> Result<Arc<Profile>, String> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let known = self
            .by_directory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(directory)
            .cloned();
        if let Some(known) = known {
            return Ok(known.clone());
        }
        let profile = match config_file_in(directory)? {
            Some(file) => self.profile_for_config_file(&file)?,
            None => match directory.parent() {
                Some(parent) => self.profile_for_directory(parent)?,
                None => self.default.clone(),
            },
        };
        // Threads that raced here keep the profile inserted first: every file of a
        // configuration must share one profile (one project index, one cache).
        let kept = self
            .by_directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .or_insert(directory, profile);
        Ok(kept)
    }

    fn profile_for_config_file(&self, file: &Path) -> Result<Arc<Profile>, String> {
        if let Some(known) = lock(&self.by_config_file).get(file) {
            return Ok(known.clone());
        }
        let profile = Arc::new(Profile::new(LoadedConfig::load(file)?, &self.overrides)?);
        Ok(lock(&self.by_config_file).or_insert(file, profile))
    }

    /// The profile of the working directory's closest configuration: where the cache
    /// goes.
    pub fn profile_for_cwd(&self) -> Result<Arc<Profile>, String> {
        self.profile_for_directory(&self.cwd.clone())
    }

    /// Remembers an error met where it cannot be returned (a walker's filter).
    pub fn record_error(&self, error: String) {
        // The walk runs on several threads: of several errors, the same one is kept
        // whatever their order.
        let mut kept = lock(&self.first_error);
        if kept.as_ref().is_none_or(|k| error < *k) {
            *kept = Some(error);
        }
    }

    pub fn take_error(&self) -> Option<String> {
        lock(&self.first_error).take()
    }
}

/// A poisoned lock only means another thread panicked while holding it; the maps stay
/// consistent (entries are inserted whole), so keep going.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The configuration file of this directory itself, if it has one.
pub fn config_file_in(directory: &Path) -> Result<Option<PathBuf>, String> {
    for name in CONFIG_FILE_NAMES {
        let candidate = directory.join(name);
        if !candidate.is_file() {
            continue;
        }
        if name == "pyproject.toml" && read_config_file(&candidate)?.is_none() {
            continue;
        }
        return Ok(Some(candidate));
    }
    Ok(None)
}

/// Removes `.` and resolves `..` lexically.
pub fn normalize(path: &Path) -> PathBuf {
    if is_normal(path) {
        // Every walked entry comes here: rebuilding it component by component was a
        // twentieth of a warm run.
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `normalize` would give `path` back unchanged: absolute, with no `.`, `..` or
/// empty component and no trailing separator.
#[cfg(unix)]
fn is_normal(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes {
        [b'/'] => true,
        [b'/', rest @ ..] => rest
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b"..")),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_normal(_: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths_are_recognised_and_kept() {
        for path in ["/", "/a", "/a/b.go", "/a/.hidden/b.py", "/a/..b/c"] {
            assert!(is_normal(Path::new(path)), "{path}");
            assert_eq!(normalize(Path::new(path)), PathBuf::from(path));
        }
        for (path, normal) in [
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/a//b", "/a/b"),
            ("/a/b/", "/a/b"),
            ("/a/b/.", "/a/b"),
            ("/a/b/..", "/a"),
            ("a/b", "a/b"),
        ] {
            assert!(!is_normal(Path::new(path)), "{path}");
            assert_eq!(normalize(Path::new(path)), PathBuf::from(normal), "{path}");
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn enabled(profile: &Profile) -> Vec<&'static str> {
        enabled_codes(&profile.settings)
    }

    #[test]
    fn extend_inherits_and_the_child_wins() {
        let dir = tempfile::tempdir().unwrap();
        let base = write(
            dir.path(),
            "base.toml",
            "ignore = [\"TX009\"]\nfail-on = \"error\"\nextend-exclude = [\"gen\", \"legacy/**\"]\n[severity]\nTX005 = \"error\"\nTX008 = \"note\"\n",
        );
        let child = write(
            dir.path(),
            "svc/txlint.toml",
            "extend = \"../base.toml\"\nextend-exclude = [\"*_mock.go\"]\n[severity]\nTX008 = \"off\"\n",
        );
        let loaded = LoadedConfig::load(&child).unwrap();
        assert_eq!(loaded.files, [child.clone(), base]);
        let profile = Profile::new(loaded, &Overrides::default()).unwrap();
        assert!(!profile.settings.is_enabled("TX009"));
        assert!(!profile.settings.is_enabled("TX008"));
        assert_eq!(
            profile.settings.severity.get("TX005"),
            Some(&Severity::Error)
        );
        assert_eq!(profile.fail_on, Severity::Error);
        // An inherited name applies below the extending file; an inherited path stays
        // relative to the file that wrote it.
        assert!(profile.is_excluded(&dir.path().join("svc/gen/a.go")));
        assert!(!profile.is_excluded(&dir.path().join("gen/a.go")));
        assert!(profile.is_excluded(&dir.path().join("legacy/a.go")));
        assert!(!profile.is_excluded(&dir.path().join("svc/legacy/a.go")));
        assert!(profile.is_excluded(&dir.path().join("svc/x_mock.go")));
    }

    #[test]
    fn command_line_select_replaces_and_ignore_extends() {
        let config = LoadedConfig {
            selection: vec![SelectionLayer {
                select: Some(vec!["TX001", "TX002"]),
                ignore: vec!["TX002"],
            }],
            ..LoadedConfig::default()
        };
        let from_file = Profile::new(config.clone(), &Overrides::default()).unwrap();
        assert_eq!(enabled(&from_file), ["TX001"]);
        let overrides = Overrides {
            select: Some(vec!["TX002".into(), "TX005".into()]),
            ..Overrides::default()
        };
        assert_eq!(
            enabled(&Profile::new(config.clone(), &overrides).unwrap()),
            ["TX002", "TX005"]
        );
        let overrides = Overrides {
            ignore: vec!["TX001".into()],
            ..Overrides::default()
        };
        assert!(enabled(&Profile::new(config, &overrides).unwrap()).is_empty());
    }

    #[test]
    fn extend_cycles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", "extend = \"b.toml\"\n");
        write(dir.path(), "b.toml", "extend = \"a.toml\"\n");
        let error = LoadedConfig::load(&dir.path().join("a.toml")).unwrap_err();
        assert!(error.contains("cycle"), "{error}");
    }

    #[test]
    fn unknown_rules_in_the_file_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "txlint.toml", "[severity]\nTX999 = \"error\"\n");
        let error = LoadedConfig::load(&path).unwrap_err();
        assert!(
            error.contains("TX999") && error.contains("txlint.toml"),
            "{error}"
        );
        let path = write(dir.path(), "other.toml", "select = [\"nope\"]\n");
        let error = LoadedConfig::load(&path).unwrap_err();
        assert!(
            error.contains("`nope`") && error.contains("other.toml"),
            "{error}"
        );
    }

    #[test]
    fn pyproject_without_a_txlint_table_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.ruff]\nline-length = 100\n",
        );
        assert_eq!(config_file_in(dir.path()).unwrap(), None);
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.ruff]\nline-length = 100\n[tool.txlint]\nignore = [\"TX009\"]\n",
        );
        assert_eq!(
            config_file_in(dir.path()).unwrap(),
            Some(dir.path().join("pyproject.toml"))
        );
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
