//! TX004 connection-left-in-transaction (Python): a statement opens the implicit
//! transaction of a connection that outlives the function (a pooled or shared connection,
//! one handed back to a pool) and a path reaches the exit or the give-back with it still
//! open; or an exception leaves it so.

use txlint_ir::ir::FuncId;
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::flow::ExitKind;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::Database;
use crate::semantics::python::connections::{
    begins_by_sql_before_writes, exception_leak, first_leak, holder_name, label, model, policy,
    starts, ExceptionLeak, Harm, Start,
};
use crate::semantics::python::{ConnectionModel, Mode, Owner};

/// TX004 connection-left-in-transaction.
pub(crate) static RULE: RuleMeta =
    rule_meta!("TX004", "connection-left-in-transaction", Error, [Python]);

/// TX004 connection-left-in-transaction.
pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        // A session joined to its framework's transaction leaves nothing open of its own.
        for holder in facts.holders[index].iter().filter(|h| !h.joined) {
            let model = model(cx, id, holder, Mode::Implicit);
            if begins_by_sql_before_writes(cx, &model) {
                continue;
            }
            let openers = starts(&model, |call| model.opens(call));
            // A unit-of-work class that commits its own connection in a method of its
            // own leaves the transaction open on purpose between calls.
            // So does a wrapper that every maker builds around a connection of a `with`
            // block: the block ends what the methods leave open.
            // And so does an object that borrows its connection from whoever makes it,
            // unless a maker is seen handing it a long-lived one, or a context manager
            // whose `with` block ends the connection it made.
            let lives_on = holder.owner == Owner::Shared
                && !facts.ended_by_caller(function, &holder.operand)
                && !facts.ended_at_block_exit(function, &holder.operand)
                && !facts.holds_scoped_connection(function, &holder.operand)
                && !facts.holds_borrowed_connection(function, &holder.operand);
            let Some((start, leaks)) = first_leak(&model, &openers, policy(lives_on)) else {
                if let Some(leak) = exception_leak(cx, &model) {
                    out.push(exception_diagnostic(cx, meta, &model, &leak));
                }
                continue;
            };
            let name = holder_name(cx, function, holder);
            let mut diagnostic = cx
                .diagnostic(
                    meta,
                    function,
                    function.call(start).range,
                    format!("`{name}` is left in the transaction this statement opens"),
                )
                .primary_label("opens a transaction implicitly");
            for exit in &leaks {
                diagnostic =
                    diagnostic.label(exit.range, &label(exit, "with the transaction still open"));
            }
            out.push(
                diagnostic
                    .help(format!("end it with `{name}.commit()` (or `rollback()` after reads) before the connection goes back or the function returns; or use `with pool.connection() as conn:` / autocommit for reads"))
                    .note(match cx.models.drivers[holder.driver].database {
                        // MySQL's drivers send no BEGIN: the server opens the transaction.
                        Some(Database::Mysql) => "with autocommit off, this statement started an InnoDB transaction: until commit or rollback the session keeps its snapshot and locks (MySQL's `Sleep` with an open `trx` in `information_schema.innodb_trx`)",
                        _ => "the driver sent BEGIN before the first statement: until commit or rollback the session is `idle in transaction`, holding its snapshot and locks, and a pool rolls it back with a warning when it is returned",
                    })
                    .build(),
            );
        }
    }
}

/// The TX004 finding of a transaction an exception can leave open.
fn exception_diagnostic(
    cx: &Context,
    meta: &'static crate::meta::RuleMeta,
    model: &ConnectionModel,
    leak: &ExceptionLeak,
) -> Diagnostic {
    const SHOWN: usize = 3;
    let function = model.function;
    let name = holder_name(cx, function, model.holder);
    let start = function.call(leak.start).range;
    let (message, primary) = match (leak.harm, leak.handed) {
        (Harm::Aborted, _) => (
            format!("an exception can leave `{name}` in the transaction this statement opens, and the connection lives on"),
            "if this statement fails, PostgreSQL aborts the transaction; nothing on the way out rolls it back".to_string(),
        ),
        (Harm::ReturnedOpen, _) => (
            format!("an exception can give `{name}` back to the pool in the transaction this statement opens"),
            "if this statement, or a call after it, raises, nothing rolls back before the connection goes back".to_string(),
        ),
        (Harm::Locked, Start::Unknown) => (
            format!("an exception can leave `{name}` in the write transaction this statement opens: the database stays locked"),
            "its SQL is not known here, but the commit after it says it writes; an exception from here on skips the commit and the close".to_string(),
        ),
        (Harm::Locked, Start::Handed) => (
            format!("an exception can leave `{name}` in the write transaction this call runs in: the database stays locked"),
            "writes through the cursor or connection it is given (the code commits after it); an exception from it or after it skips the commit and the close".to_string(),
        ),
        (Harm::Locked, Start::Write) => (
            format!("an exception can leave `{name}` in the write transaction this statement opens: the database stays locked"),
            "opens a write transaction implicitly; an exception from here on skips the commit and the close".to_string(),
        ),
    };
    let mut diagnostic = cx
        .diagnostic(meta, function, start, message)
        .primary_label(&primary);
    for &range in leak.raising.iter().filter(|r| **r != start).take(SHOWN) {
        diagnostic = diagnostic.label(
            range,
            "an exception here leaves the function with the transaction open",
        );
    }
    for exit in leak.exits.iter().take(SHOWN) {
        let text = match exit.kind {
            ExitKind::Released => {
                "goes back to the pool here, on the exception's way out, with the transaction still open".to_string()
            }
            _ => label(exit, "with the transaction still open"),
        };
        diagnostic = diagnostic.label(exit.range, &text);
    }
    if let Some(skipped) = leak.skipped {
        diagnostic = diagnostic.label(
            skipped,
            match leak.harm {
                Harm::Locked => "closed here only when nothing raised",
                Harm::Aborted | Harm::ReturnedOpen => {
                    "ends the transaction here only when nothing raised"
                }
            },
        );
    }
    match leak.harm {
        Harm::Locked => diagnostic
            .help(format!("close it on every path: `try: … finally: {name}.close()` (or `with contextlib.closing(sqlite3.connect(…)) as {name}:`), and commit with `with {name}:`, which rolls back on an exception"))
            .note("sqlite3 sent BEGIN before the first INSERT, UPDATE, DELETE or REPLACE and holds the database's write lock until commit, rollback or close; the exception's traceback keeps the frame, and the open connection in it, alive, and a sqlite3 connection is freed only by the cyclic garbage collector: until then every other connection's write fails with `database is locked`"),
        Harm::Aborted => diagnostic
            .help(format!("roll back on the way out (`except Exception: {name}.rollback(); raise`), or run the unit in `with {name}.transaction():` (psycopg 3) or `with {name}:` (psycopg2), which roll back when an exception leaves the block"))
            .note("the connection outlives the call (kept on an object or in a module global): after a failed statement PostgreSQL rejects every later statement on it with `current transaction is aborted` until something rolls back, so one failure breaks every later caller; an exception after a successful write leaves it uncommitted, holding its locks, until a later commit on the connection saves it with someone else's work"),
        Harm::ReturnedOpen => diagnostic
            .help(format!("roll back before it goes back (`except Exception: {name}.rollback(); raise` inside the `try` that gives it back), or borrow it with `with pool.connection() as {name}:`, which commits, or rolls back on an exception, before giving it back"))
            .note("psycopg_pool rolls back a connection given back in a transaction and logs `rolling back returned connection: … [INERROR]` (or `[INTRANS]`) each time: the failure itself is reported only by the caller's exception, and the pool's warnings are all that is left of it"),
    }
    .build()
}
