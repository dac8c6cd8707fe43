//! One module per rule, named after the rule. Each has `check(cx, out)`, registered in
//! `registry.rs`, and reads what the semantics computed through `Context`.

pub(crate) mod blocking_call_in_transaction; // TX009
pub(crate) mod connection_left_in_transaction; // TX004
pub(crate) mod deferred_commit; // TX006
pub(crate) mod lost_write; // TX011
pub(crate) mod nested_acquire; // TX013
pub(crate) mod rollback_not_deferred; // TX012
pub(crate) mod swallowed_db_error; // TX003
pub(crate) mod swallowed_panic; // TX014
pub(crate) mod transaction_bypass; // TX007
pub(crate) mod unbounded_pool; // TX010
pub(crate) mod unchecked_begin; // TX008
pub(crate) mod unchecked_commit; // TX001
pub(crate) mod unclosed_rows; // TX005
pub(crate) mod unended_transaction; // TX002
