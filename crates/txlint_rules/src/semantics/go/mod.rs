//! Go only: rows cursors (`rows`), transactions controlled by SQL text (`raw`) and a
//! project's own transaction types (`wrapping`).

pub(crate) mod raw;
pub(crate) mod rows;
pub(crate) mod wrapping;
