//! Directory listings shared by the questions a warm run asks the file system ("is this
//! module still absent?", "which Go files does this package hold?").
//!
//! A project snapshot holds thousands of probes, most of them in directories that do not
//! exist (each Python import is looked for as `root/name/__init__.py` under every root).
//! A directory that its parent's listing does not hold is known absent without opening
//! it, so a warm run lists each existing directory once and opens no absent one.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::path_map::PathMap;

/// What a listed name is, links followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Other,
}

/// One directory's entries; `None` when it does not exist or cannot be read.
pub type Listing = Option<Arc<HashMap<OsString, Kind, foldhash::fast::RandomState>>>;

/// Listings taken once each and shared between threads.
#[derive(Default)]
pub struct Listings(Mutex<PathMap<Listing>>);

impl Listings {
    /// The entries of `directory`.
    pub fn of(&self, directory: &Path) -> Listing {
        if let Some(known) = self.lock().get(directory) {
            return known.clone();
        }
        let listing = match self.absent_by_parent(directory) {
            true => None,
            false => read(directory),
        };
        self.lock().insert(directory.to_path_buf(), listing.clone());
        listing
    }

    /// Whether `path` is a regular file (links followed), as `Path::is_file` says.
    pub fn is_file(&self, path: &Path) -> bool {
        match (path.parent(), path.file_name()) {
            (Some(directory), Some(name)) if !directory.as_os_str().is_empty() => self
                .of(directory)
                .is_some_and(|entries| entries.get(name) == Some(&Kind::File)),
            _ => path.is_file(),
        }
    }

    /// Whether the parent's listing shows `directory` absent. A parent that cannot be
    /// listed (no read permission, only search) proves nothing.
    fn absent_by_parent(&self, directory: &Path) -> bool {
        let (Some(parent), Some(name)) = (directory.parent(), directory.file_name()) else {
            return false;
        };
        if parent.as_os_str().is_empty() {
            return false;
        }
        self.of(parent)
            .is_some_and(|entries| entries.get(name) != Some(&Kind::Directory))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PathMap<Listing>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn read(directory: &Path) -> Listing {
    let entries = std::fs::read_dir(directory).ok()?;
    let listed = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| {
            // The directory entry's own type saves a stat, except for links.
            let kind = match entry.file_type() {
                Ok(t) if t.is_file() => Kind::File,
                Ok(t) if t.is_dir() => Kind::Directory,
                _ => match std::fs::metadata(entry.path()) {
                    Ok(m) if m.is_file() => Kind::File,
                    Ok(m) if m.is_dir() => Kind::Directory,
                    _ => Kind::Other,
                },
            };
            (entry.file_name(), kind)
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
        assert!(listings
            .of(&root.path().join("pkg/missing/deeper"))
            .is_none());
        assert!(listings.of(&root.path().join("pkg")).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn links_count_as_what_they_lead_to() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("real")).unwrap();
        std::fs::write(root.path().join("real/m.py"), "").unwrap();
        std::os::unix::fs::symlink(root.path().join("real"), root.path().join("linked")).unwrap();
        std::os::unix::fs::symlink(root.path().join("real/m.py"), root.path().join("n.py"))
            .unwrap();
        let listings = Listings::default();
        assert!(listings.is_file(&root.path().join("linked/m.py")));
        assert!(listings.is_file(&root.path().join("n.py")));
    }
}
