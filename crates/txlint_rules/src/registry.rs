//! The single registry of rules: codes, names, default severities, which languages each
//! rule checks today, and their documentation.

use std::sync::OnceLock;

use txlint_ir::{Diagnostic, Language, Severity};

use crate::context::Context;
use crate::docs::RuleDoc;
use crate::rules;

pub(crate) type CheckFn = fn(&Context, &mut Vec<Diagnostic>);

/// Static description of one rule.
pub struct RuleMeta {
    /// Stable code, never reused: `TX001`.
    pub code: &'static str,
    /// Kebab-case name of the defect: `unchecked-commit`.
    pub name: &'static str,
    pub default_severity: Severity,
    /// Languages the rule checks in this version. Empty: not implemented yet.
    pub implemented: &'static [Language],
    /// The file-level check; `None` for package-level rules and rules not implemented.
    pub(crate) check: Option<CheckFn>,
    doc_source: &'static str,
}

impl RuleMeta {
    /// The rule's documentation. Panics only if a shipped doc is malformed, which the
    /// registry tests rule out.
    pub fn doc(&self) -> &'static RuleDoc {
        let index = RULES
            .iter()
            .position(|r| r.code == self.code)
            .expect("rule is registered");
        &docs()[index]
    }

    pub fn doc_source(&self) -> &'static str {
        self.doc_source
    }

    /// One-sentence description (SARIF shortDescription).
    pub fn summary(&self) -> &'static str {
        &self.doc().front.summary
    }

    /// Languages the rule is specified for (from its documentation).
    pub fn languages(&self) -> &'static [String] {
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

macro_rules! rule {
    ($code:literal, $name:literal, $severity:ident, [$($lang:ident),*], $check:expr) => {
        RuleMeta {
            code: $code,
            name: $name,
            default_severity: Severity::$severity,
            implemented: &[$(Language::$lang),*],
            check: $check,
            doc_source: include_str!(concat!("../../../rules/", $code, ".md")),
        }
    };
}

/// Every rule, in code order.
pub static RULES: &[RuleMeta] = &[
    rule!(
        "TX001",
        "unchecked-commit",
        Error,
        [Go, Rust],
        Some(rules::unchecked_commit::check)
    ),
    rule!(
        "TX002",
        "unended-transaction",
        Error,
        [Go, Python, Rust],
        Some(rules::unended_transaction::check)
    ),
    rule!(
        "TX003",
        "swallowed-db-error",
        Error,
        [Python],
        Some(rules::python_connections::check_swallowed_error)
    ),
    rule!(
        "TX004",
        "connection-left-in-transaction",
        Error,
        [Python],
        Some(rules::python_connections::check_left_in_transaction)
    ),
    rule!(
        "TX005",
        "unclosed-rows",
        Warning,
        [Go],
        Some(rules::unclosed_rows::check)
    ),
    rule!(
        "TX006",
        "deferred-commit",
        Error,
        [Go, Python],
        Some(rules::deferred_commit::check)
    ),
    rule!(
        "TX007",
        "transaction-bypass",
        Error,
        [Go, Python, Rust],
        Some(rules::transaction_bypass::check)
    ),
    rule!(
        "TX008",
        "unchecked-begin",
        Warning,
        [Go],
        Some(rules::unchecked_begin::check)
    ),
    rule!(
        "TX009",
        "blocking-call-in-transaction",
        Warning,
        [Go, Python, Rust],
        Some(rules::blocking_call::check)
    ),
    rule!("TX010", "unbounded-pool", Warning, [Go], None),
    rule!(
        "TX011",
        "lost-write",
        Error,
        [Python, Rust],
        Some(rules::python_connections::check_lost_write)
    ),
    rule!(
        "TX012",
        "rollback-not-deferred",
        Warning,
        [Go],
        Some(rules::rollback_not_deferred::check)
    ),
    rule!(
        "TX013",
        "nested-acquire",
        Warning,
        [Go, Python, Rust],
        Some(rules::nested_acquire::check)
    ),
    rule!(
        "TX014",
        "swallowed-panic",
        Warning,
        [Go],
        Some(rules::swallowed_panic::check)
    ),
];

fn docs() -> &'static [RuleDoc] {
    static DOCS: OnceLock<Vec<RuleDoc>> = OnceLock::new();
    DOCS.get_or_init(|| {
        RULES
            .iter()
            .map(|r| {
                RuleDoc::parse(r.doc_source).unwrap_or_else(|e| panic!("rules/{}.md: {e}", r.code))
            })
            .collect()
    })
}

/// Looks a rule up by code (`TX001`, case-insensitive) or name (`unchecked-commit`).
pub fn rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The languages at least one rule checks today: the files the binary collects.
pub fn checked_languages() -> Vec<Language> {
    Language::ALL
        .into_iter()
        .filter(|language| RULES.iter().any(|r| r.implemented.contains(language)))
        .collect()
}
