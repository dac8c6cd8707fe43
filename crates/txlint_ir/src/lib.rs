//! The language-neutral core of txlint: byte spans, the line index that turns them
//! into line/column at the output edge, the diagnostics model, and the IR that
//! front-ends lower source code to and rules run on.
//!
//! Invariants: nothing here knows a file path, a rule or an output format. Positions
//! are byte offsets ([`TextRange`]) everywhere; [`LineIndex`] is the only place that
//! computes lines and columns.

mod diagnostic;
pub mod ir;
mod line_index;
pub mod parse_thread;
mod text;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use line_index::{LineColumn, LineIndex};
pub use text::{FileId, TextRange};

/// The languages txlint knows. A language is checked only once its front-end exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Go,
    Python,
    Rust,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Go, Language::Python, Language::Rust];

    /// The lower-case name used in docs, configuration and output.
    pub fn name(self) -> &'static str {
        match self {
            Language::Go => "go",
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }

    pub fn from_name(name: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The language of a file with this extension (without the dot).
    pub fn from_extension(ext: &str) -> Option<Language> {
        match ext {
            "go" => Some(Language::Go),
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            _ => None,
        }
    }
}
