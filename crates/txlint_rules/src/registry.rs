//! The single registry of rules: every rule's description (declared in its own module)
//! and its file-level check, in code order. The registry imports the rules; no rule
//! imports the registry.

use txlint_ir::{Diagnostic, Language};

use crate::context::Context;
pub use crate::meta::RuleMeta;
use crate::rules;

pub(crate) type CheckFn = fn(&Context, &mut Vec<Diagnostic>);

/// `RULES` and the checks, from one list of rule modules so that they cannot disagree.
macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        /// Every rule, in code order.
        pub static RULES: &[&RuleMeta] = &[$(&rules::$module::RULE),*];
        static CHECKS: &[CheckFn] = &[$(rules::$module::check),*];
    };
}

registry!(
    unchecked_commit,
    unended_transaction,
    swallowed_db_error,
    connection_left_in_transaction,
    unclosed_rows,
    deferred_commit,
    transaction_bypass,
    unchecked_begin,
    blocking_call_in_transaction,
    unbounded_pool,
    lost_write,
    rollback_not_deferred,
    nested_acquire,
    swallowed_panic,
);

/// Each rule with its file-level check.
pub(crate) fn checks() -> impl Iterator<Item = (&'static RuleMeta, CheckFn)> {
    RULES.iter().copied().zip(CHECKS.iter().copied())
}

/// Looks a rule up by code (`TX001`, case-insensitive) or name (`unchecked-commit`).
pub fn rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The languages at least one rule checks today: the files the binary collects.
pub fn checked_languages() -> Vec<Language> {
    Language::ALL
        .into_iter()
        .filter(|language| RULES.iter().any(|r| r.implemented.contains(language)))
        .collect()
}
