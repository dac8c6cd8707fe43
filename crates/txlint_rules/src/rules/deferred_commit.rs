//! TX006 deferred-commit: `defer tx.Commit()` in Go, a commit in Python's `finally` that
//! also runs after a failed statement.

use txlint_ir::ir::{
    BlockId, Call, CallId, Callee, Event, FuncId, Function, ResultUse, Terminator,
};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::python::{resolve, Kind};

/// TX006 deferred-commit.
pub(crate) static RULE: RuleMeta = rule_meta!("TX006", "deferred-commit", Error, [Go, Python]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Python {
        return check_python(cx, out);
    }
    for commit in cx.commits() {
        let function = cx.function(commit.function);
        let call = function.call(commit.call);
        if call.result != ResultUse::Deferred {
            continue;
        }
        let receiver = cx.display(function, commit.receiver);
        let call_text = cx.method_call(function, &commit);
        let message = format!(
            "`defer {receiver}.{}` commits on every exit, error paths included, and loses the commit error",
            call_text
        );
        out.push(
            cx.diagnostic(&RULE, function, call.range, message)
                .primary_label("deferred commit")
                .help(format!(
                    "defer `{receiver}.Rollback()` instead and end the success path with `return {receiver}.{}`",
                    call_text
                ))
                .build(),
        );
    }
}

/// Python TX006: `commit()` inside a `finally` block.
fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let kinds = &facts.kinds[index];
        for (call_index, call) in function.calls.iter().enumerate() {
            let inside_finally = cx
                .ir
                .cleanup_blocks
                .iter()
                .any(|b| b.contains_range(call.range));
            if !inside_finally {
                continue;
            }
            let commits = match &call.callee {
                Callee::Method { receiver, name, .. } => {
                    let connection =
                        crate::semantics::python::connection_of(function, kinds, receiver);
                    let rolls_back_connection = |c: &Call| match &c.callee {
                        Callee::Method { receiver, name, .. } => {
                            cx.models.connection.rollback.iter().any(|m| m == name)
                                && crate::semantics::python::connection_of(
                                    function, kinds, receiver,
                                ) == connection
                        }
                        _ => false,
                    };
                    cx.models.connection.commit.iter().any(|m| m == name)
                        && matches!(kinds.get(&connection), Some(Kind::Connection { .. }))
                        // `finally: conn.rollback(); …; conn.commit()` commits only the
                        // cleanup's own work: the try body's is already rolled back.
                        && !always_rolled_back_before(
                            function,
                            CallId(call_index as u32),
                            &rolls_back_connection,
                        )
                        // Only an error path commits partial work: one from a failed
                        // database call that reaches the commit with no rollback on the way
                        // (`except Exception: conn.rollback(); raise` covers them all).
                        && failure_reaches_unrolled(
                            function,
                            CallId(call_index as u32),
                            &rolls_back_connection,
                            |c| match &c.callee {
                                Callee::Method { receiver, .. } => matches!(
                                    kinds.get(&crate::semantics::python::connection_of(function, kinds, receiver)),
                                    Some(Kind::Connection { .. })
                                ),
                                _ => false,
                            },
                        )
                }
                Callee::Path(path) => {
                    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                    cx.models.django.commit.contains(&resolve(cx.ir, &segments))
                }
                Callee::Other(_) => false,
            };
            if commits {
                out.push(
                    cx.diagnostic(meta, function, call.range, "`commit()` in `finally` commits on error paths too".to_string())
                        .primary_label("runs whether the block succeeded or not")
                        .help("commit at the end of the `try` body, and roll back in `except` (or use `with conn:` / `with conn.transaction():`)")
                        .note("after an exception the partial work is committed, or the commit fails and replaces the original exception")
                        .build(),
                );
            }
        }
    }
    let _ = FuncId(0);
}

/// The index of the block a call is in.
fn home_block(function: &Function, target: CallId) -> Option<usize> {
    function
        .cfg
        .block_of(&Event::Call(target))
        .map(BlockId::index)
}

/// Whether a path from the exception edge of a database call (`is_database`) reaches
/// `target` without passing a call that `is_rollback` accepts.
fn failure_reaches_unrolled(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
    is_database: impl Fn(&Call) -> bool,
) -> bool {
    let rolls_back =
        |event: &Event| matches!(event, Event::Call(id) if is_rollback(function.call(*id)));
    let blocks = &function.cfg.blocks;
    let Some(home) = home_block(function, target) else {
        return false;
    };
    let mut seen = vec![false; blocks.len()];
    let mut stack: Vec<BlockId> = blocks
        .iter()
        .filter_map(|block| match (&block.terminator, block.events.last()) {
            // A rollback that fails leaves nothing of its own to commit.
            (Terminator::MayRaise { handler, .. }, Some(Event::Call(id)))
                if is_database(function.call(*id)) && !is_rollback(function.call(*id)) =>
            {
                Some(*handler)
            }
            _ => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        let events = &blocks[id.index()].events;
        if id.index() == home {
            let before = events.iter().take_while(|e| **e != Event::Call(target));
            if !before.clone().any(rolls_back) {
                return true;
            }
            continue;
        }
        if events.iter().any(rolls_back) {
            continue;
        }
        // Calls other than the database's are taken not to raise on the way (a `log`
        // before the handler's rollback): only their normal edge is followed.
        match (&blocks[id.index()].terminator, events.last()) {
            (Terminator::MayRaise { normal, .. }, Some(Event::Call(call)))
                if !is_database(function.call(*call)) =>
            {
                stack.push(*normal)
            }
            _ => stack.extend(function.cfg.successors(id)),
        }
    }
    false
}

/// Whether every path from the function's entry to `target` runs a call that
/// `is_rollback` accepts first.
fn always_rolled_back_before(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
) -> bool {
    function.cfg.always_before(
        &Event::Call(target),
        |event| matches!(event, Event::Call(id) if is_rollback(function.call(*id))),
    )
}
