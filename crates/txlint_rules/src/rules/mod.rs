//! One module per rule. Each exposes `check(cx, out)`, registered in `registry.rs`.

pub(crate) mod blocking_call;
pub(crate) mod deferred_commit;
pub(crate) mod django_atomic;
pub(crate) mod nested_acquire;
pub(crate) mod python_connections;
pub(crate) mod python_explicit;
pub(crate) mod python_nested_acquire;
pub(crate) mod python_open_rules;
pub(crate) mod rollback_not_deferred;
pub(crate) mod rust_rules;
pub(crate) mod swallowed_panic;
pub(crate) mod transaction_bypass;
pub(crate) mod unbounded_pool;
pub(crate) mod unchecked_begin;
pub(crate) mod unchecked_commit;
pub(crate) mod unclosed_rows;
pub(crate) mod unended_transaction;
