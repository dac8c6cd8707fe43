//! Go only: rows cursors (`rows`), transactions controlled by SQL text (`raw`), a
//! project's own transaction types (`wrapping`) and log lines (`logging`).

pub(crate) mod logging;
pub(crate) mod raw;
pub(crate) mod rows;
pub(crate) mod wrapping;
