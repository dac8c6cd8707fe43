//! The language-neutral engine: one resource (a transaction, a connection's implicit
//! transaction, a rows cursor, a guard) followed through the control-flow graph of one
//! function, with what each event does to it decided by a `ResourceModel` the semantics
//! supply; which operands alias; and which SQL text controls a transaction.

pub(crate) mod aliases;
pub(crate) mod flow;
pub mod sql_control;

/// The most transaction begins one function may have for them to be analysed. Each
/// begin's analysis walks the rest of the function, so the work grows with the square
/// of their number: generated or pasted code with thousands of begins in one body would
/// take seconds per file. Real functions have a handful.
pub const MAX_BEGINS_PER_FUNCTION: usize = 200;
