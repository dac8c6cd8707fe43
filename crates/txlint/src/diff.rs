//! `--diff-base REV`: check only the files changed since REV and report only findings
//! on changed lines, for pull-request jobs on codebases that are not clean yet.
//!
//! git is asked through its binary: `git diff REV` compares REV with the working tree
//! (staged and unstaged changes alike), and untracked files that are not ignored count
//! as changed in full. Findings count as changed when their primary line or any of
//! their labels' lines was added or modified: a leak reported at an old `Begin` whose
//! new `return` leaks is a change of this diff.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

/// The changed lines of every changed file.
#[derive(Debug, Default)]
pub struct ChangedLines {
    /// Absolute path → 1-based changed lines; `None` means the whole file (untracked).
    files: HashMap<PathBuf, Option<BTreeSet<u32>>>,
}

impl ChangedLines {
    /// Asks git what changed since `base` in the repository containing `cwd`.
    pub fn since(base: &str, cwd: &Path) -> Result<ChangedLines> {
        let top = git(cwd, &["rev-parse", "--show-toplevel"])
            .map_err(|error| anyhow::anyhow!("--diff-base needs a git repository: {error}"))?;
        let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        let commit = format!("{base}^{{commit}}");
        if git(cwd, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
            bail!("--diff-base: unknown revision `{base}` (not a commit of this repository)");
        }
        // Fixed options, whatever the user's git configuration says: prefixes, no
        // external diff or text conversion, no colour, no context lines.
        let diff = git(
            &top,
            &[
                "-c",
                "core.quotepath=off",
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                "-U0",
                base,
                "--",
            ],
        )?;
        let mut changed = ChangedLines::default();
        for (path, lines) in parse_unified_diff(&diff) {
            changed.files.insert(top.join(path), Some(lines));
        }
        let untracked = git(&top, &["ls-files", "-z", "--others", "--exclude-standard"])?;
        for path in untracked.split('\0').filter(|p| !p.is_empty()) {
            changed.files.insert(top.join(path), None);
        }
        Ok(changed)
    }

    /// Whether the file (absolute, canonical) changed at all.
    pub fn contains_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    /// Whether any of these 1-based lines of the file changed.
    pub fn touches(&self, path: &Path, lines: &[u32]) -> bool {
        match self.files.get(path) {
            Some(None) => true,
            Some(Some(changed)) => lines.iter().any(|line| changed.contains(line)),
            None => false,
        }
    }
}

/// Runs git in `directory`; its stderr becomes the error.
fn git(directory: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .current_dir(directory)
        .args(args)
        .output()
        .context("cannot run git (is it installed?)")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("{}", stderr.trim());
    }
    String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
}

/// The new-side lines of every hunk of a `-U0` unified diff, per new path. Deleted
/// files (`+++ /dev/null`) have none.
fn parse_unified_diff(diff: &str) -> Vec<(String, BTreeSet<u32>)> {
    let mut files: Vec<(String, BTreeSet<u32>)> = Vec::new();
    let mut current: Option<usize> = None;
    // Header lines come between `diff --git` and the first hunk; inside hunks, an added
    // line `++ x` reads `+++ x` and must not be taken for a header.
    let mut in_header = false;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            in_header = true;
            current = None;
        } else if !in_header && !line.starts_with("@@ ") {
            continue;
        }
        if let Some(path) = line.strip_prefix("+++ ").filter(|_| in_header) {
            current = unquote(path)
                .and_then(|p| p.strip_prefix("b/").map(str::to_string))
                .map(|path| {
                    files.push((path, BTreeSet::new()));
                    files.len() - 1
                });
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            in_header = false;
            if let (Some(index), Some((start, count))) = (current, new_side(hunk)) {
                files[index].1.extend(start..start + count);
            }
        }
    }
    files
}

/// `-12,3 +14,5 @@ …` → (14, 5); a missing count means 1.
fn new_side(hunk: &str) -> Option<(u32, u32)> {
    let new = hunk
        .split_whitespace()
        .find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse().ok()?, count.parse().ok()?),
        None => (new.parse().ok()?, 1),
    };
    Some((start, count))
}

/// A path as git prints it in a diff header: raw, or C-quoted when it contains
/// characters that need it (`"b/tab\there.go"`).
fn unquote(path: &str) -> Option<String> {
    let Some(quoted) = path.strip_prefix('"') else {
        return Some(path.to_string());
    };
    let quoted = quoted.strip_suffix('"')?;
    let mut bytes = Vec::new();
    let mut chars = quoted.bytes().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        match chars.next()? {
            b'n' => bytes.push(b'\n'),
            b't' => bytes.push(b'\t'),
            b'"' => bytes.push(b'"'),
            b'\\' => bytes.push(b'\\'),
            digit @ b'0'..=b'7' => {
                let mut value = u32::from(digit - b'0');
                for _ in 0..2 {
                    let next = chars.next_if(|b| (b'0'..=b'7').contains(b))?;
                    value = value * 8 + u32::from(next - b'0');
                }
                bytes.push(u8::try_from(value).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_the_new_lines() {
        let diff = "diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -3,0 +4,2 @@ func f() {\n+x\n+y\n@@ -10 +12 @@\n-old\n+++ not a header\n@@ -20,2 +21,0 @@\n-gone\n-gone\ndiff --git a/old.go b/old.go\n--- a/old.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let files = parse_unified_diff(diff);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "a.go");
        assert_eq!(files[0].1.iter().copied().collect::<Vec<_>>(), [4, 5, 12]);
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote("\"b/tab\\there.go\"").unwrap(), "b/tab\there.go");
        assert_eq!(unquote("\"b/caf\\303\\251.go\"").unwrap(), "b/café.go");
        assert_eq!(unquote("b/plain.go").unwrap(), "b/plain.go");
    }
}
