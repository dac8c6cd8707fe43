//! Globs of `exclude`, `extend-exclude` and `[per-file-ignores]`, each relative to the
//! directory of the configuration file that wrote it.
//!
//! Every glob is compiled to an absolute one rooted at a directory, so that a path is
//! matched once whatever configuration it came through. A glob with `/` is a path
//! relative to the file that wrote it, so an inherited one keeps meaning what it meant
//! there. A glob without `/` is a name to look for at any depth (`testdata`,
//! `*_gen.go`), as in `.gitignore`: inherited through `extend`, it applies below the
//! extending file's directory (see `LoadedConfig::load_chain`). A glob matching a
//! directory matches everything inside it.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// One glob as written, with the directory it is relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub written: String,
    pub base: PathBuf,
}

impl Pattern {
    pub fn new(written: &str, base: &Path) -> Pattern {
        Pattern {
            written: written.to_string(),
            base: base.to_path_buf(),
        }
    }

    /// Whether the glob names a path (`cmd/*.go`, `./main.go`, `/abs`) rather than a
    /// name to look for at any depth (`*_gen.go`, `testdata/`).
    pub fn is_anchored(&self) -> bool {
        self.written.trim_end_matches('/').contains('/')
    }

    /// The absolute glob this pattern stands for.
    pub fn absolute(&self) -> String {
        let written = self.written.trim_end_matches('/');
        if written.starts_with('/') {
            return written.to_string();
        }
        // `./main.go` is anchored like `cmd/main.go`; a trailing `/` (`generated/`) only
        // says "a directory", as in .gitignore.
        let written = written.strip_prefix("./").unwrap_or(written);
        let base = globset::escape(&slashed(&self.base));
        let base = base.trim_end_matches('/');
        if self.is_anchored() {
            format!("{base}/{written}")
        } else {
            format!("{base}/**/{written}")
        }
    }

    fn glob(&self) -> Result<Glob, String> {
        GlobBuilder::new(&self.absolute())
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{}`: {e}", self.written))
    }
}

/// A set of patterns, matched against absolute paths.
#[derive(Debug, Clone)]
pub struct PatternSet {
    patterns: Vec<Pattern>,
    set: GlobSet,
}

impl PatternSet {
    pub fn new(patterns: Vec<Pattern>) -> Result<PatternSet, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            builder.add(pattern.glob()?);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PatternSet { patterns, set })
    }

    /// Indexes of the patterns that match `path` (absolute) or one of the directories
    /// that contain it.
    pub fn matches(&self, path: &Path) -> Vec<usize> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<usize> = Vec::new();
        for candidate in path.ancestors() {
            if candidate.parent().is_none() {
                break; // the root itself: every absolute glob is below it
            }
            for index in self.set.matches(slashed(candidate)) {
                // A pattern is about what is below its base, never the base itself or
                // its parents (`**` must not exclude the project's own directory).
                let base = &self.patterns[index].base;
                if candidate != base && candidate.starts_with(base) && !found.contains(&index) {
                    found.push(index);
                }
            }
        }
        found.sort_unstable();
        found
    }

    pub fn is_match(&self, path: &Path) -> bool {
        !self.matches(path).is_empty()
    }
}

/// A path with `/` separators, as globs are written.
pub fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(patterns: &[&str]) -> PatternSet {
        PatternSet::new(
            patterns
                .iter()
                .map(|p| Pattern::new(p, Path::new("/repo/svc")))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn names_match_at_any_depth_below_the_base() {
        let names = set(&["*_gen.go", "testdata"]);
        assert!(names.is_match(Path::new("/repo/svc/a_gen.go")));
        assert!(names.is_match(Path::new("/repo/svc/x/y/a_gen.go")));
        assert!(names.is_match(Path::new("/repo/svc/x/testdata/a.go")));
        assert!(!names.is_match(Path::new("/repo/other/a_gen.go")));
        assert!(!names.is_match(Path::new("/repo/svc/a.go")));
    }

    #[test]
    fn paths_are_relative_to_the_base() {
        let paths = set(&["internal/legacy/**", "cmd/tool/", "./main.go"]);
        assert!(paths.is_match(Path::new("/repo/svc/internal/legacy/a/b.go")));
        assert!(paths.is_match(Path::new("/repo/svc/cmd/tool/main.go")));
        assert!(paths.is_match(Path::new("/repo/svc/main.go")));
        assert!(!paths.is_match(Path::new("/repo/svc/x/internal/legacy/b.go")));
        assert!(!paths.is_match(Path::new("/repo/svc/cmd/main.go")));
        // `*` does not cross directories.
        let star = set(&["cmd/*.go"]);
        assert!(star.is_match(Path::new("/repo/svc/cmd/a.go")));
        assert!(!star.is_match(Path::new("/repo/svc/cmd/x/a.go")));
    }

    #[test]
    fn the_base_itself_is_never_matched() {
        let all = set(&["**"]);
        assert!(all.is_match(Path::new("/repo/svc/a.go")));
        assert!(!all.is_match(Path::new("/repo/svc")));
    }

    #[test]
    fn glob_metacharacters_in_the_base_are_literal() {
        let odd = PatternSet::new(vec![Pattern::new("a.go", Path::new("/tmp/[x]"))]).unwrap();
        assert!(odd.is_match(Path::new("/tmp/[x]/a.go")));
        assert!(!odd.is_match(Path::new("/tmp/x/a.go")));
    }

    #[test]
    fn invalid_globs_are_errors_that_quote_the_glob() {
        let error = PatternSet::new(vec![Pattern::new("a[", Path::new("/r"))]).unwrap_err();
        assert!(error.contains("`a[`"), "{error}");
    }
}
