//! The language-neutral engine: one resource (a transaction, a connection's implicit
//! transaction, a rows cursor, a guard) followed through the control-flow graph of one
//! function, with what each event does to it decided by a `ResourceModel` the semantics
//! supply; which operands alias; and which SQL text controls a transaction.

pub(crate) mod aliases;
pub(crate) mod flow;
pub mod sql_control;
