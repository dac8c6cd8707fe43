//! One module per rule. Each exposes `check(cx, out)`, registered in `registry.rs`.

pub(crate) mod deferred_commit;
pub(crate) mod rollback_not_deferred;
pub(crate) mod unchecked_begin;
pub(crate) mod unchecked_commit;
pub(crate) mod unended_transaction;
