use std::fmt;
use std::ops::Range;

/// An opaque handle to a source file. The core never sees paths: the binary maps ids
/// to paths, so tests can run on in-memory sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A half-open range of byte offsets `[start, end)` into one source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    start: u32,
    end: u32,
}

impl TextRange {
    /// # Panics
    /// If `start > end`: a reversed range is always a front-end bug.
    pub fn new(start: u32, end: u32) -> TextRange {
        assert!(start <= end, "reversed text range {start}..{end}");
        TextRange { start, end }
    }

    /// Builds a range from `usize` offsets as tree-sitter and `str` give them.
    /// Offsets are clamped to `u32::MAX`: sources over 4 GiB are rejected before parsing.
    pub fn from_usize(range: Range<usize>) -> TextRange {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        TextRange::new(clamp(range.start), clamp(range.end))
    }

    pub fn empty(offset: u32) -> TextRange {
        TextRange::new(offset, offset)
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.end
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains_range(self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn intersects(self, other: TextRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn to_usize(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
