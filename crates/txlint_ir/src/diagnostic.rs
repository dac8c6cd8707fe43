use crate::{FileId, TextRange};

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A secondary place that explains a finding ("returns here with the transaction still open").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub range: TextRange,
    pub message: String,
}

/// One finding of one rule. Plain data: output formats build their own
/// serializable counterparts from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code, e.g. `TX001`.
    pub code: &'static str,
    /// Kebab-case rule name, e.g. `unchecked-commit`.
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: FileId,
    /// Where the primary span goes, as the rule catalogue defines it.
    pub range: TextRange,
    /// Short text under the primary span.
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub note: Option<String>,
    /// Name of the enclosing function, used for stable fingerprints.
    pub function: Option<String>,
}

impl Diagnostic {
    /// The order in which findings are reported within one file.
    pub fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        (
            self.range.start(),
            self.range.end(),
            self.code,
            self.message.as_str(),
        )
    }
}
