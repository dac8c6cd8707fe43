//! Baselines: a file listing the findings a project has accepted for now, so that
//! txlint can be switched on for an old codebase and report only new findings.
//!
//! The file is JSON, `file → rule → {fingerprint → count}`, sorted, with paths relative
//! to the baseline file's own directory. The fingerprint is the hash part of the SARIF
//! partial fingerprint (`txlint_report::fingerprints`, see docs/json-format.md): it
//! contains no line number, so inserting lines above a finding or re-indenting it does
//! not bring it back. Identical findings of one file share a fingerprint and are
//! counted. A baselined finding that no longer occurs leaves a stale entry; stale
//! entries are reported and `--prune-baseline` removes them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use txlint_ir::Diagnostic;
use txlint_report::{fingerprints, Report, SourceFile};

/// The `version` of the baseline file format.
const FORMAT_VERSION: u32 = 1;

type Counts = BTreeMap<String, BTreeMap<String, BTreeMap<String, u32>>>;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// path → rule code → fingerprint → count.
    pub findings: Counts,
}

/// Where a finding stands in the baseline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub path: String,
    pub code: &'static str,
    pub fingerprint: String,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a txlint baseline", path.display()))?;
        if baseline.version != FORMAT_VERSION {
            bail!(
                "{}: baseline format version {} is not supported (this txlint writes version {FORMAT_VERSION})",
                path.display(),
                baseline.version
            );
        }
        Ok(baseline)
    }

    pub fn from_keys(keys: &[Key]) -> Baseline {
        let mut findings = Counts::new();
        for key in keys {
            *findings
                .entry(key.path.clone())
                .or_default()
                .entry(key.code.to_string())
                .or_default()
                .entry(key.fingerprint.clone())
                .or_default() += 1;
        }
        Baseline {
            version: FORMAT_VERSION,
            findings,
        }
    }

    pub fn total(&self) -> usize {
        self.findings
            .values()
            .flat_map(|rules| rules.values())
            .flat_map(|prints| prints.values())
            .map(|&count| count as usize)
            .sum()
    }

    /// Writes the file atomically, pretty-printed and sorted for clean diffs.
    pub fn write(&self, path: &Path) -> Result<()> {
        let directory = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut temporary = tempfile::NamedTempFile::new_in(directory)
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        temporary.write_all(&bytes)?;
        temporary
            .persist(path)
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
        Ok(())
    }

    /// Splits `keys` (one per finding, in report order) into baselined (`true`) and new
    /// ones, consuming counts. Returns the flags and what is left over: the stale
    /// entries. Only entries of `checked_paths` and `running_rules` can be stale; the
    /// others were not looked at by this run.
    pub fn matching(
        &self,
        keys: &[Key],
        checked_paths: &dyn Fn(&str) -> bool,
        running_rules: &dyn Fn(&str, &str) -> bool,
    ) -> Matching {
        let mut remaining = self.findings.clone();
        let baselined = keys
            .iter()
            .map(|key| {
                let count = remaining
                    .get_mut(&key.path)
                    .and_then(|rules| rules.get_mut(key.code))
                    .and_then(|prints| prints.get_mut(&key.fingerprint));
                match count {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        true
                    }
                    _ => false,
                }
            })
            .collect();
        let mut stale = Counts::new();
        for (path, rules) in remaining {
            if !checked_paths(&path) {
                continue;
            }
            for (code, prints) in rules {
                if !running_rules(&path, &code) {
                    continue;
                }
                for (print, count) in prints {
                    if count > 0 {
                        stale
                            .entry(path.clone())
                            .or_default()
                            .entry(code.clone())
                            .or_default()
                            .insert(print, count);
                    }
                }
            }
        }
        Matching {
            baselined,
            stale: Baseline {
                version: FORMAT_VERSION,
                findings: stale,
            },
        }
    }

    /// This baseline without the stale entries.
    pub fn without(&self, stale: &Baseline) -> Baseline {
        let mut pruned = self.clone();
        for (path, rules) in &stale.findings {
            for (code, prints) in rules {
                for (print, count) in prints {
                    let Some(kept) = pruned
                        .findings
                        .get_mut(path)
                        .and_then(|r| r.get_mut(code))
                        .and_then(|p| p.get_mut(print))
                    else {
                        continue;
                    };
                    *kept = kept.saturating_sub(*count);
                }
            }
        }
        for rules in pruned.findings.values_mut() {
            for prints in rules.values_mut() {
                prints.retain(|_, count| *count > 0);
            }
            rules.retain(|_, prints| !prints.is_empty());
        }
        pruned.findings.retain(|_, rules| !rules.is_empty());
        pruned
    }
}

pub struct Matching {
    /// One flag per key: covered by the baseline.
    pub baselined: Vec<bool>,
    pub stale: Baseline,
}

/// One baseline key per finding: its path relative to the baseline's directory, and
/// the hash part of its fingerprint computed with that path, so that the key does not
/// depend on the directory txlint runs from. `paths[i]` is that path for file `i`.
pub fn keys(files: &[SourceFile], paths: &[String], diagnostics: &[Diagnostic]) -> Vec<Key> {
    let rebased: Vec<SourceFile> = files
        .iter()
        .zip(paths)
        .map(|(file, path)| SourceFile::new(path.clone(), file.text.clone()))
        .collect();
    let report = Report {
        tool_version: "",
        files: &rebased,
        diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 0,
        root_uri: None,
    };
    diagnostics
        .iter()
        .zip(fingerprints(&report))
        .map(|(diagnostic, fingerprint)| Key {
            path: paths[diagnostic.file.0 as usize].clone(),
            code: diagnostic.code,
            // The occurrence number after `:` is left out: counts take its place.
            fingerprint: fingerprint
                .split_once(':')
                .map_or(fingerprint.clone(), |(hash, _)| hash.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str, code: &'static str, print: &str) -> Key {
        Key {
            path: path.into(),
            code,
            fingerprint: print.into(),
        }
    }

    #[test]
    fn counts_are_consumed_and_leftovers_are_stale() {
        let old = [
            key("a.go", "TX001", "f1"),
            key("a.go", "TX001", "f1"),
            key("a.go", "TX002", "f2"),
            key("b.go", "TX001", "f3"),
        ];
        let baseline = Baseline::from_keys(&old);
        assert_eq!(baseline.total(), 4);
        let now = [
            key("a.go", "TX001", "f1"),
            key("a.go", "TX001", "f1"),
            key("a.go", "TX001", "f1"),
            key("a.go", "TX005", "f9"),
        ];
        let matching = baseline.matching(&now, &|p| p == "a.go", &|_, _| true);
        assert_eq!(matching.baselined, [true, true, false, false]);
        // b.go was not checked: its entry is not stale.
        assert_eq!(
            matching.stale,
            Baseline::from_keys(&[key("a.go", "TX002", "f2")])
        );
        let pruned = baseline.without(&matching.stale);
        assert_eq!(
            pruned,
            Baseline::from_keys(&[
                key("a.go", "TX001", "f1"),
                key("a.go", "TX001", "f1"),
                key("b.go", "TX001", "f3"),
            ])
        );
    }

    #[test]
    fn the_file_is_sorted_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let baseline = Baseline::from_keys(&[key("z.go", "TX001", "f"), key("a.go", "TX002", "g")]);
        baseline.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.find("a.go").unwrap() < text.find("z.go").unwrap());
        assert!(text.ends_with("}\n"));
        assert_eq!(Baseline::read(&path).unwrap(), baseline);
    }
}
