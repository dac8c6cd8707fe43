//! TX011 lost-write: writes made in a transaction that a successful path leaves
//! uncommitted, so that they are rolled back silently: a Python connection whose writes
//! reach the exit without a commit, a Rust guard with writes dropped uncommitted.

use txlint_ir::ir::{Callee, FuncId};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::flow::ExitKind;
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::python::connections::{first_leak, holder_name, model, policy, starts};
use crate::semantics::python::{writes, Mode, Owner};
use crate::semantics::rust::open::guard_name;

/// TX011 lost-write.
pub(crate) static RULE: RuleMeta = rule_meta!("TX011", "lost-write", Error, [Python, Rust]);

/// TX011 lost-write.
pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return check_rust(cx, out);
    }
    let meta = &RULE;
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        // A session joined to its framework's transaction leaves nothing open of its own.
        for holder in facts.holders[index].iter().filter(|h| !h.joined) {
            let never = cx.models.drivers[holder.driver].implicit == crate::models::Implicit::Never;
            if holder.autocommit || never {
                continue;
            }
            let model = model(cx, id, holder, Mode::Writes);
            let driver = &cx.models.drivers[holder.driver];
            // SQLAlchemy 1.x: `conn.execute("UPDATE …")` commits by itself (2.x's
            // `exec_driver_sql` also takes a plain string, and does not).
            let autocommitted = |call: &txlint_ir::ir::Call| {
                driver.plain_string_autocommits
                    && matches!(&call.callee, Callee::Method { name, .. } if name == "execute")
                    && call.args.first().is_some_and(|sql| {
                        crate::semantics::python::plain_sql_string(function, sql)
                    })
            };
            let written = starts(&model, |call| {
                writes(cx.models, function, call) && !autocommitted(call)
            });
            // A local connection neither closed, returned, stored nor handed on dies with
            // the function, and its uncommitted writes with it.
            let dropped = holder.owner == Owner::Local;
            let Some((start, leaks)) = first_leak(&model, &written, policy(dropped)) else {
                continue;
            };
            let name = holder_name(cx, function, holder);
            let mut diagnostic = cx
                .diagnostic(
                    meta,
                    function,
                    function.call(start).range,
                    format!("writes on `{name}` are rolled back: nothing commits them"),
                )
                .primary_label("this write is never committed");
            for exit in &leaks {
                let label = match exit.kind {
                    ExitKind::Return | ExitKind::FunctionEnd => {
                        "the function ends here without a commit: the connection is dropped and the writes discarded"
                    }
                    _ => "closed here without a commit: the writes are discarded",
                };
                diagnostic = diagnostic.label(exit.range, label);
            }
            out.push(
                diagnostic
                    .help(format!("call `{name}.commit()` after the writes, or use a block that commits (`with engine.begin()`, `with Session.begin()`, `with conn:`)"))
                    .note("closing a connection (or leaving `engine.connect()` / `Session(...)` blocks) rolls back the open transaction without an error")
                    .build(),
            );
        }
    }
}

fn check_rust(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for analysis in cx.rust_guards() {
        let leaks = crate::semantics::rust::lost_write_exits(
            cx.ir,
            cx.models,
            cx.rust_summaries(),
            analysis,
        );
        if leaks.is_empty() {
            continue;
        }
        let function = cx.function(analysis.function);
        // A release at a call of the crate's own function: the guard was moved into it.
        let handed = |range: txlint_ir::TextRange| {
            function.calls.iter().any(|call| {
                call.range == range
                    && cx
                        .rust_summaries()
                        .callee(cx.ir, function, &call.callee)
                        .is_some()
            })
        };
        let name = guard_name(function, analysis);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                format!("writes in transaction `{name}` are rolled back on a successful path"),
            )
            .primary_label("transaction begun here");
        for exit in &leaks {
            let label = match exit.kind {
                ExitKind::Released if handed(exit.range) => {
                    "moved into a function that drops it without a commit: the writes are rolled back"
                }
                ExitKind::Released => "dropped here without a commit: the writes are rolled back",
                ExitKind::FunctionEnd => {
                    "the function ends here and the guard is dropped uncommitted"
                }
                _ => "returns successfully here and the guard is dropped uncommitted",
            };
            diagnostic = diagnostic.label(exit.range, label);
        }
        out.push(
            diagnostic
                .help(format!("commit before returning success: `{name}.commit()` (awaited where the driver is async), propagating its error"))
                .note("dropping a transaction guard rolls it back: the function reports success while its writes are discarded")
                .build(),
        );
    }
}
