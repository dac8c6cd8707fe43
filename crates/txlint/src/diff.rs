//! `--diff-base REV`: check only the files changed since REV and report only findings
//! on changed lines, for pull-request jobs on codebases that are not clean yet.
//!
//! git is asked through its binary: `git diff REV` compares REV with the working tree
//! (staged and unstaged changes alike), and untracked files that are not ignored count
//! as changed in full. Findings count as changed when their primary line or any of
//! their labels' lines was added or modified: a leak reported at an old `Begin` whose
//! new `return` leaks is a change of this diff.
//!
//! Which files changed comes from git's machine format (`--name-only -z`: raw names,
//! NUL-terminated, whatever bytes they contain); which lines, from a `-U0` patch whose
//! `+++` headers are matched against those names (git C-quotes a name with control
//! characters, quotes or backslashes, and ends a name that contains a space with a tab).
//! A renamed file is its new name, and only the lines the rename changed count.
//!
//! git runs with options that keep a repository's own configuration from running
//! commands (an fsmonitor hook, an external diff, text conversion, a pager) or changing
//! the output this module reads (prefixes, relative paths, context, rename detection,
//! colour).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

/// The changed lines of every changed file.
#[derive(Debug, Default)]
pub struct ChangedLines {
    /// Absolute path → 1-based changed lines; `None` means the whole file (untracked).
    files: HashMap<PathBuf, Option<BTreeSet<u32>>>,
}

/// Options given to every git command: nothing the repository's configuration (or the
/// caller's environment) says may run a program or change what git prints.
const SAFE_CONFIG: [&str; 12] = [
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.pager=cat",
    "-c",
    "diff.external=",
    "-c",
    "core.quotepath=off",
    "-c",
    "color.ui=never",
    "-c",
    "diff.noprefix=false",
];

/// Options of both `git diff` commands.
const DIFF_OPTIONS: [&str; 8] = [
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--find-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--ignore-submodules",
];

impl ChangedLines {
    /// Asks git what changed since `base` in the repository containing `cwd`.
    pub fn since(base: &str, cwd: &Path) -> Result<ChangedLines> {
        let top = git(cwd, &["rev-parse", "--show-toplevel"])
            .map_err(|error| anyhow::anyhow!("--diff-base needs a git repository: {error}"))?;
        let top = path_from_bytes(trim_line_end(&top));
        let commit = format!("{base}^{{commit}}");
        if git(cwd, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
            bail!("--diff-base: unknown revision `{base}` (not a commit of this repository)");
        }
        let mut names_args = vec!["diff", "--name-only", "-z"];
        names_args.extend(DIFF_OPTIONS);
        names_args.extend([base, "--"]);
        let names_output = git(&top, &names_args)?;
        let names: HashSet<&[u8]> = nul_separated(&names_output).collect();

        let mut patch_args = vec!["diff", "-U0", "--inter-hunk-context=0"];
        patch_args.extend(DIFF_OPTIONS);
        patch_args.extend([base, "--"]);
        let patch = git(&top, &patch_args)?;

        let mut changed = ChangedLines::default();
        for name in &names {
            changed
                .files
                .insert(top.join(path_from_bytes(name)), Some(BTreeSet::new()));
        }
        for (name, lines) in parse_unified_diff(&patch, &names) {
            changed
                .files
                .insert(top.join(path_from_bytes(&name)), Some(lines));
        }
        let untracked = git(&top, &["ls-files", "-z", "--others", "--exclude-standard"])?;
        for name in nul_separated(&untracked) {
            changed.files.insert(top.join(path_from_bytes(name)), None);
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

/// Runs git in `directory` with [`SAFE_CONFIG`]; its stderr becomes the error.
fn git(directory: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .current_dir(directory)
        .arg("--no-pager")
        .args(SAFE_CONFIG)
        .args(args)
        // Environment variables that would run a program or reshape the diff.
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_DIFF_OPTS")
        .env_remove("GIT_PAGER")
        .output()
        .context("cannot run git (is it installed?)")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("{}", stderr.trim());
    }
    Ok(output.stdout)
}

fn nul_separated(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&b| b == 0).filter(|name| !name.is_empty())
}

fn trim_line_end(mut bytes: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = bytes {
        bytes = rest;
    }
    bytes
}

/// A path git printed, as bytes: exact on Unix, where names are bytes; elsewhere git
/// prints UTF-8.
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(OsString::from_vec(bytes.to_vec()))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// The new-side lines of every hunk of a `-U0` unified diff, per new path, for the
/// paths of `names` (git's own list of the changed files). Deleted files (`+++
/// /dev/null`) have none.
fn parse_unified_diff(diff: &[u8], names: &HashSet<&[u8]>) -> Vec<(Vec<u8>, BTreeSet<u32>)> {
    let mut files: Vec<(Vec<u8>, BTreeSet<u32>)> = Vec::new();
    let mut current: Option<usize> = None;
    // Header lines come between `diff --git` and the first hunk; inside hunks, an added
    // line `++ x` reads `+++ x` and must not be taken for a header.
    let mut in_header = false;
    for line in diff.split(|&b| b == b'\n') {
        if line.starts_with(b"diff --git ") {
            in_header = true;
            current = None;
        } else if !in_header && !line.starts_with(b"@@ ") {
            continue;
        }
        if let Some(path) = line.strip_prefix(b"+++ ").filter(|_| in_header) {
            current = header_path(path, names).map(|path| {
                files.push((path, BTreeSet::new()));
                files.len() - 1
            });
        } else if let Some(hunk) = line.strip_prefix(b"@@ ") {
            in_header = false;
            let hunk = String::from_utf8_lossy(hunk);
            if let (Some(index), Some((start, count))) = (current, new_side(&hunk)) {
                files[index].1.extend(start..start.saturating_add(count));
            }
        }
    }
    files
}

/// The name in a `+++ b/NAME` header: C-quoted (`"b/tab\there.go"`), or raw and, when
/// it contains a space, followed by a tab. Checked against git's list of names, so that
/// a header this function misreads is dropped rather than matched to another file.
fn header_path(header: &[u8], names: &HashSet<&[u8]>) -> Option<Vec<u8>> {
    let raw = match header.first() {
        Some(b'"') => unquote(header)?,
        _ => header.strip_suffix(b"\t").unwrap_or(header).to_vec(),
    };
    let name = raw.strip_prefix(b"b/")?;
    names.contains(name).then(|| name.to_vec())
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

/// A C-quoted name as git prints it (`"b/caf\303\251 \"x\".go"`), as bytes.
fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let quoted = quoted.strip_prefix(b"\"")?;
    let quoted = quoted.strip_suffix(b"\"")?;
    let mut bytes = Vec::new();
    let mut chars = quoted.iter().copied().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        match chars.next()? {
            b'a' => bytes.push(0x07),
            b'b' => bytes.push(0x08),
            b'f' => bytes.push(0x0c),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'v' => bytes.push(0x0b),
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
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<'a>(list: &[&'a [u8]]) -> HashSet<&'a [u8]> {
        list.iter().copied().collect()
    }

    #[test]
    fn hunks_give_the_new_lines() {
        let diff = b"diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -3,0 +4,2 @@ func f() {\n+x\n+y\n@@ -10 +12 @@\n-old\n+++ not a header\n@@ -20,2 +21,0 @@\n-gone\n-gone\ndiff --git a/old.go b/old.go\n--- a/old.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let files = parse_unified_diff(diff, &names(&[b"a.go", b"old.go"]));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, b"a.go");
        assert_eq!(files[0].1.iter().copied().collect::<Vec<_>>(), [4, 5, 12]);
    }

    #[test]
    fn names_with_spaces_quotes_tabs_and_other_bytes_are_read() {
        let diff = b"diff --git a/with space.go b/with space.go\n--- a/with space.go\t\n+++ b/with space.go\t\n@@ -1,0 +2 @@\n+x\ndiff --git \"a/tab\\there.go\" \"b/tab\\there.go\"\n+++ \"b/tab\\there.go\"\n@@ -1,0 +3 @@\n+x\ndiff --git x y\n+++ \"b/\\\"q\\\" \\303\\251\\377.go\"\n@@ -0,0 +1 @@\n+x\n";
        let wanted: [&[u8]; 3] = [b"with space.go", b"tab\there.go", b"\"q\" \xc3\xa9\xff.go"];
        let files = parse_unified_diff(diff, &names(&wanted));
        let found: Vec<&[u8]> = files.iter().map(|(name, _)| name.as_slice()).collect();
        assert_eq!(found, wanted);
        assert_eq!(files[0].1.iter().copied().collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn a_header_that_names_no_changed_file_is_dropped() {
        let diff = b"diff --git a/x b/x\n+++ b/x.go\n@@ -1 +1 @@\n";
        assert!(parse_unified_diff(diff, &names(&[b"y.go"])).is_empty());
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote(b"\"b/tab\\there.go\"").unwrap(), b"b/tab\there.go");
        assert_eq!(
            unquote(b"\"b/caf\\303\\251.go\"").unwrap(),
            "b/café.go".as_bytes()
        );
        assert_eq!(unquote(b"b/plain.go"), None, "not quoted");
    }
}
