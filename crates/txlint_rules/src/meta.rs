//! What a rule is, as data: its code, name, default severity, the languages it checks
//! today and its documentation. Each rule's module declares its own (`rule_meta!`); the
//! registry lists them. Nothing here knows the rules' code, so a rule can name itself
//! without importing the registry.

use std::sync::OnceLock;

use txlint_ir::{Language, Severity};

use crate::docs::RuleDoc;

/// Static description of one rule.
pub struct RuleMeta {
    /// Stable code, never reused: `TX001`.
    pub code: &'static str,
    /// Kebab-case name of the defect: `unchecked-commit`.
    pub name: &'static str,
    pub default_severity: Severity,
    /// Languages the rule checks in this version. Empty: not implemented yet.
    pub implemented: &'static [Language],
    pub(crate) doc_source: &'static str,
    pub(crate) parsed_doc: OnceLock<RuleDoc>,
}

impl RuleMeta {
    /// The rule's documentation. Panics only if a shipped doc is malformed, which the
    /// registry tests rule out.
    pub fn doc(&self) -> &RuleDoc {
        self.parsed_doc.get_or_init(|| {
            RuleDoc::parse(self.doc_source)
                .unwrap_or_else(|e| panic!("rules/{}.md: {e}", self.code))
        })
    }

    pub fn doc_source(&self) -> &'static str {
        self.doc_source
    }

    /// One-sentence description (SARIF shortDescription).
    pub fn summary(&self) -> &str {
        &self.doc().front.summary
    }

    /// Languages the rule is specified for (from its documentation).
    pub fn languages(&self) -> &[String] {
        &self.doc().front.languages
    }

    /// Whether the rule reports in test code unless configured otherwise.
    pub fn reports_in_tests(&self) -> bool {
        self.doc().front.test_code
    }

    pub fn is_implemented(&self) -> bool {
        !self.implemented.is_empty()
    }

    pub fn url(&self) -> String {
        format!(
            "https://github.com/txlint/txlint/blob/main/rules/{}.md",
            self.code
        )
    }
}

/// `rule_meta!("TX001", "unchecked-commit", Error, [Go, Rust])`: a rule's description,
/// with its documentation `rules/TX001.md` embedded at build time.
macro_rules! rule_meta {
    ($code:literal, $name:literal, $severity:ident, [$($lang:ident),*]) => {
        $crate::meta::RuleMeta {
            code: $code,
            name: $name,
            default_severity: txlint_ir::Severity::$severity,
            implemented: &[$(txlint_ir::Language::$lang),*],
            doc_source: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../rules/",
                $code,
                ".md"
            )),
            parsed_doc: std::sync::OnceLock::new(),
        }
    };
}
pub(crate) use rule_meta;
