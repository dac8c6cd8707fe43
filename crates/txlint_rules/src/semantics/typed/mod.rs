//! Go and Rust: values typed by declarations and modelled calls. Which calls begin a
//! transaction and which variables hold one (`facts`), each transaction followed through
//! the CFG with the helpers' summaries (`transactions`), and the calls made while one is
//! open (`open`).

pub(crate) mod facts;
pub(crate) mod open;
pub(crate) mod transactions;
