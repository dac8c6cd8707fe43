//! Directory listings shared by the questions a run asks the file system ("is this module
//! a file?", "which Go files does this package hold?").
//!
//! A project snapshot holds thousands of probes, most of them in directories that do not
//! exist (each Python import is looked for as `root/name/__init__.py` under every root).
//! A directory that its parent's listing does not hold is known absent without opening
//! it, so a run lists each existing directory once and opens no absent one.
//!
//! Each answer is decided by one directory's listing: the probed directory's own, or, for
//! an absent one, that of its closest ancestor that exists. Those directories are the
//! answers' witnesses: while each keeps its modification time (adding, removing or
//! renaming an entry changes it), every answer stays the same, and a warm run need not
//! list anything (see [`Listings::witnesses`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::path_map::PathMap;

/// What a listed name is, links followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Other,
}

/// A listed name: what it is, and whether it is a symbolic link (whose target can change
/// without its directory's modification time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub linked: bool,
}

/// One directory's entries.
pub type Entries = Arc<HashMap<OsString, Entry, foldhash::fast::RandomState>>;

/// What is known of one directory: its entries (`None` when it does not exist or cannot
/// be read), and the directory whose listing decided that (`None` when none did: it
/// could not be read, or a link was followed on the way).
#[derive(Clone)]
struct Known {
    entries: Option<Entries>,
    decided_by: Option<PathBuf>,
}

/// Listings taken once each and shared between threads.
#[derive(Default)]
pub struct Listings {
    known: Mutex<PathMap<Known>>,
    /// The directories that decided an answer given out.
    witnesses: Mutex<PathMap<()>>,
    /// Whether some answer given out was decided by no listing (see [`Known`]).
    undecided: AtomicBool,
}

impl Listings {
    /// Whether `path` is a regular file (links followed), as `Path::is_file` says.
    pub fn is_file(&self, path: &Path) -> bool {
        match (path.parent(), path.file_name()) {
            (Some(directory), Some(name)) if !directory.as_os_str().is_empty() => {
                let known = self.known(directory);
                if known.entries.is_none() && known.decided_by.is_none() {
                    // Not listable (search permission only): ask the file itself.
                    self.decided(None);
                    return path.is_file();
                }
                let entry = known.entries.as_ref().and_then(|e| e.get(name).copied());
                // A link's target can change without its directory's time.
                let decided_by = match entry {
                    Some(Entry { linked: true, .. }) => None,
                    _ => known.decided_by.as_deref(),
                };
                self.decided(decided_by);
                entry.is_some_and(|e| e.kind == Kind::File)
            }
            _ => {
                self.decided(None);
                path.is_file()
            }
        }
    }

    /// The regular files of `directory` whose names end in `.extension` (links followed),
    /// sorted.
    pub fn files_with_extension(&self, directory: &Path, extension: &str) -> Vec<PathBuf> {
        let known = self.known(directory);
        let Some(entries) = known.entries else {
            self.decided(known.decided_by.as_deref());
            return Vec::new();
        };
        let matching: Vec<(&OsString, &Entry)> = entries
            .iter()
            .filter(|(name, _)| Path::new(name).extension().is_some_and(|e| e == extension))
            .collect();
        let linked = matching.iter().any(|(_, entry)| entry.linked);
        self.decided(known.decided_by.as_deref().filter(|_| !linked));
        let mut files: Vec<PathBuf> = matching
            .into_iter()
            .filter(|(_, entry)| entry.kind == Kind::File)
            .map(|(name, _)| directory.join(name))
            .collect();
        files.sort();
        files
    }

    /// The directories whose listings decided every answer given out so far, or `None`
    /// when some answer was decided by none of them.
    pub fn witnesses(&self) -> Option<Vec<PathBuf>> {
        if self.undecided.load(Ordering::Relaxed) {
            return None;
        }
        let witnesses = self.witnesses.lock().unwrap_or_else(|e| e.into_inner());
        Some(witnesses.keys().map(Path::to_path_buf).collect())
    }

    fn decided(&self, by: Option<&Path>) {
        match by {
            Some(directory) => {
                let mut witnesses = self.witnesses.lock().unwrap_or_else(|e| e.into_inner());
                if !witnesses.contains_key(directory) {
                    witnesses.insert(directory.to_path_buf(), ());
                }
            }
            None => self.undecided.store(true, Ordering::Relaxed),
        }
    }

    fn known(&self, directory: &Path) -> Known {
        if let Some(known) = self.lock().get(directory) {
            return known.clone();
        }
        let known = match self.absent_by_parent(directory) {
            Some(decided_by) => Known {
                entries: None,
                decided_by,
            },
            None => {
                let entries = read(directory);
                Known {
                    decided_by: entries.is_some().then(|| directory.to_path_buf()),
                    entries,
                }
            }
        };
        self.lock().insert(directory.to_path_buf(), known.clone());
        known
    }

    /// When the parent's listing shows `directory` absent, which directory decided that:
    /// the parent, or the ancestor that decided the parent is absent. A parent that cannot
    /// be listed (no read permission, only search) proves nothing.
    fn absent_by_parent(&self, directory: &Path) -> Option<Option<PathBuf>> {
        let (Some(parent), Some(name)) = (directory.parent(), directory.file_name()) else {
            return None;
        };
        if parent.as_os_str().is_empty() {
            return None;
        }
        let known = self.known(parent);
        match &known.entries {
            Some(entries) => match entries.get(name) {
                Some(Entry {
                    kind: Kind::Directory,
                    ..
                }) => None,
                Some(Entry { linked: true, .. }) => Some(None),
                _ => Some(known.decided_by),
            },
            // An absent parent: whoever decided that decides this too.
            None if known.decided_by.is_some() => Some(known.decided_by),
            None => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PathMap<Known>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn read(directory: &Path) -> Option<Entries> {
    let entries = std::fs::read_dir(directory).ok()?;
    let listed = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| {
            // The directory entry's own type saves a stat, except for links.
            let listed = match entry.file_type() {
                Ok(t) if t.is_file() => Entry {
                    kind: Kind::File,
                    linked: false,
                },
                Ok(t) if t.is_dir() => Entry {
                    kind: Kind::Directory,
                    linked: false,
                },
                Ok(t) => Entry {
                    kind: match std::fs::metadata(entry.path()) {
                        Ok(m) if m.is_file() => Kind::File,
                        Ok(m) if m.is_dir() => Kind::Directory,
                        _ => Kind::Other,
                    },
                    linked: t.is_symlink(),
                },
                Err(_) => Entry {
                    kind: Kind::Other,
                    linked: true,
                },
            };
            (entry.file_name(), listed)
        })
        .collect();
    Some(Arc::new(listed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_directories_and_their_files_are_told_apart_from_present_ones() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("pkg")).unwrap();
        std::fs::write(root.path().join("pkg/__init__.py"), "").unwrap();
        std::fs::create_dir(root.path().join("pkg/sub.py")).unwrap();
        let listings = Listings::default();
        assert!(listings.is_file(&root.path().join("pkg/__init__.py")));
        // A directory named like a module is not a module file.
        assert!(!listings.is_file(&root.path().join("pkg/sub.py")));
        assert!(!listings.is_file(&root.path().join("pkg/missing/a.py")));
        assert!(!listings.is_file(&root.path().join("pkg/missing/deeper/b.py")));
        std::fs::write(root.path().join("pkg/b.go"), "").unwrap();
        std::fs::write(root.path().join("pkg/a.go"), "").unwrap();
        let go = Listings::default().files_with_extension(&root.path().join("pkg"), "go");
        assert_eq!(
            go,
            [root.path().join("pkg/a.go"), root.path().join("pkg/b.go")]
        );
    }

    #[test]
    fn each_answer_is_witnessed_by_the_listing_that_decided_it() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("a/b")).unwrap();
        std::fs::write(root.path().join("a/b/m.py"), "").unwrap();
        let listings = Listings::default();
        assert!(listings.is_file(&root.path().join("a/b/m.py")));
        // Absent two levels down: `a` lists no `x`, so `a` decides.
        assert!(!listings.is_file(&root.path().join("a/x/y/n.py")));
        let mut witnesses = listings.witnesses().unwrap();
        witnesses.sort();
        assert_eq!(witnesses, [root.path().join("a"), root.path().join("a/b")]);
    }

    #[cfg(unix)]
    #[test]
    fn links_count_as_what_they_lead_to_and_leave_answers_unwitnessed() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("real")).unwrap();
        std::fs::write(root.path().join("real/m.py"), "").unwrap();
        std::os::unix::fs::symlink(root.path().join("real/m.py"), root.path().join("n.py"))
            .unwrap();
        let listings = Listings::default();
        assert!(listings.is_file(&root.path().join("real/m.py")));
        assert!(listings.witnesses().is_some());
        assert!(listings.is_file(&root.path().join("n.py")));
        assert!(listings.witnesses().is_none());
    }
}
