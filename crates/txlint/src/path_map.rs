//! Maps keyed by paths, hashed and compared as bytes.
//!
//! A warm run does little but look up tens of thousands of paths. `Path`'s own `Hash` and
//! `Eq` walk its components (so that `a//b` equals `a/b`), and with SipHash that was a
//! fifth of such a run. The paths here are all made the same way (canonical, or joined
//! from a canonical root), so their bytes are as good a key.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A path as a map key: its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
struct PathKey(PathBuf);

impl PathKey {
    fn bytes(&self) -> &[u8] {
        self.0.as_os_str().as_encoded_bytes()
    }
}

impl PartialEq for PathKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for PathKey {}

impl Hash for PathKey {
    // As `[u8]` hashes, so that a lookup by bytes finds it (see `Borrow`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state);
    }
}

impl Borrow<[u8]> for PathKey {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// A hash map from paths to `V`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PathMap<V>(HashMap<PathKey, V, foldhash::fast::RandomState>);

impl<V> Default for PathMap<V> {
    fn default() -> Self {
        PathMap(HashMap::default())
    }
}

impl<V> PathMap<V> {
    pub fn get(&self, path: &Path) -> Option<&V> {
        self.0.get(key(path))
    }

    pub fn contains_key(&self, path: &Path) -> bool {
        self.0.contains_key(key(path))
    }

    pub fn insert(&mut self, path: PathBuf, value: V) -> Option<V> {
        self.0.insert(PathKey(path), value)
    }

    /// The value of `path`: the one already there, else `value`, inserted.
    pub fn or_insert(&mut self, path: &Path, value: V) -> V
    where
        V: Clone,
    {
        self.0
            .entry(PathKey(path.to_path_buf()))
            .or_insert(value)
            .clone()
    }

    /// The value of `path`, inserted as the default when there is none.
    pub fn or_default(&mut self, path: &Path) -> &mut V
    where
        V: Default,
    {
        self.0.entry(PathKey(path.to_path_buf())).or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Path, &V)> {
        self.0.iter().map(|(k, v)| (k.0.as_path(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Path> {
        self.0.keys().map(|k| k.0.as_path())
    }
}

impl<V: Sync> PathMap<V> {
    pub fn par_iter(&self) -> impl ParallelIterator<Item = (&Path, &V)> {
        self.0.par_iter().map(|(k, v)| (k.0.as_path(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_path_and_survives_json() {
        let mut map = PathMap::default();
        map.insert(PathBuf::from("/p/a.go"), 1);
        map.insert(PathBuf::from("/p/b.go"), 2);
        assert_eq!(map.get(Path::new("/p/a.go")), Some(&1));
        assert!(map.contains_key(Path::new("/p/b.go")));
        assert!(!map.contains_key(Path::new("/p/c.go")));
        let json = serde_json::to_string(&map).unwrap();
        let back: PathMap<i32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get(Path::new("/p/b.go")), Some(&2));
        assert_eq!(back.keys().count(), 2);
    }
}
