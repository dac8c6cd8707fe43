//! A bound on the memory a run's lowered files hold while the project index is resolved
//! (issue 13). Every file's IR used to be kept until the index was resolved: about ten
//! times the source, 2.6 GiB for 16,000 files of database code. Over the budget, a file
//! keeps only its declarations and the skeleton the index starts from, and is lowered
//! again each time the index or the file's check needs its functions. rust-analyzer bounds
//! its syntax trees the same way, re-parsing what its LRU dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use txlint_rules::Skeleton;

/// How much of the budget the files kept so far use (by [`txlint_ir::ir::FileIr::approximate_size`]).
pub struct MemoryBudget {
    limit: usize,
    held: AtomicUsize,
    /// How many files did not fit (for `--verbose`).
    refused: AtomicUsize,
}

impl MemoryBudget {
    pub fn new(mib: u64) -> MemoryBudget {
        MemoryBudget {
            limit: usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
            held: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        }
    }

    /// Whether `bytes` more can be kept, counting them when they can.
    pub fn take(&self, bytes: usize) -> bool {
        let before = self.held.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) <= self.limit {
            return true;
        }
        self.held.fetch_sub(bytes, Ordering::Relaxed);
        self.refused.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// How many files were set aside, and how many MiB the kept ones hold.
    pub fn usage(&self) -> (usize, usize) {
        let held = self.held.load(Ordering::Relaxed);
        (self.refused.load(Ordering::Relaxed), held / (1024 * 1024))
    }
}

impl Default for MemoryBudget {
    fn default() -> MemoryBudget {
        MemoryBudget::new(crate::cli::DEFAULT_MEMORY_BUDGET_MIB)
    }
}

/// What a file set aside keeps besides its declarations.
pub struct SetAsideFile {
    /// Where to read it again.
    pub path: PathBuf,
    /// Its functions as the index first knows them, computed from the whole IR; dropped
    /// once an index holds the file.
    pub skeleton: Option<Skeleton>,
    /// The files the project needs for it (see [`txlint_rules::context_of`]), found while
    /// its calls were still there (a Rust module's calls name the modules it needs).
    pub context: Vec<PathBuf>,
}
