//! The Rust rules over transaction guards: TX011 lost-write, TX007 transaction-bypass,
//! TX009 blocking-call-in-transaction, and TX002 for raw `BEGIN` statements.

use txlint_ir::ir::{Binding, Callee, Event, FileIr, Function, Operand, ResultUse};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::aliases::base_handle;
use crate::engine::flow::ExitKind;

fn guard_name(function: &Function, analysis: &crate::semantics::rust::GuardAnalysis) -> String {
    analysis
        .resource
        .aliases
        .first()
        .map_or_else(|| "tx".to_string(), |v| function.var(*v).name.clone())
}

/// A call's path as written: `pg::open`.
fn path_text(callee: &Callee) -> String {
    match callee {
        Callee::Path(path) => path.join("::"),
        other => other.name().unwrap_or_default().to_string(),
    }
}

pub(crate) fn check_lost_write(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX011").expect("registered");
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
                call.range == range && cx.rust_summaries().callee(cx.ir, &call.callee).is_some()
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

pub(crate) fn check_raw_begin(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX002").expect("registered");
    for analysis in cx.rust_guards() {
        let leaks = crate::semantics::rust::ignored_on_drop(
            cx.ir,
            cx.models,
            cx.rust_summaries(),
            analysis,
        );
        if leaks.is_empty() {
            continue;
        }
        let function = cx.function(analysis.function);
        let name = guard_name(function, analysis);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                format!("transaction `{name}` is left open when dropped (`DropBehavior::Ignore`)"),
            )
            .primary_label("transaction begun here");
        for exit in &leaks {
            let label = match exit.kind {
                ExitKind::Raise => "returns an error here with the transaction still open",
                ExitKind::FunctionEnd => "the function ends here with the transaction still open",
                _ => "returns here with the transaction still open",
            };
            diagnostic = diagnostic.label(exit.range, label);
        }
        out.push(
            diagnostic
                .help(format!("commit or roll back `{name}` on every path, or keep the default drop behaviour (rollback)"))
                .note("with `DropBehavior::Ignore` dropping the guard leaves the connection inside the transaction")
                .build(),
        );
    }
    for function in &cx.ir.functions {
        for begin in
            crate::semantics::rust::raw_begins(cx.models, cx.ir, function, cx.rust_summaries())
        {
            let leaks = crate::engine::flow::reported_exits(&begin.outcome);
            // A function that begins on its caller's connection and returns successfully
            // with the transaction open does so for its caller: the caller's call of it is
            // the begin its own analysis follows.
            if leaks.is_empty() || begin.handed_to_caller() {
                continue;
            }
            let call = function.call(begin.call);
            let message = if begin.by_helper {
                let shown = path_text(&call.callee);
                format!("transaction begun by `{shown}` (a raw `BEGIN`) is not ended by `COMMIT` or `ROLLBACK` on every path")
            } else {
                "raw `BEGIN` is not ended by `COMMIT` or `ROLLBACK` on every path".to_string()
            };
            let mut diagnostic = cx
                .diagnostic(meta, function, call.range, message)
                .primary_label("transaction begun here");
            for exit in &leaks {
                let label = match exit.kind {
                    ExitKind::Raise => "returns an error here with the transaction still open",
                    ExitKind::FunctionEnd => {
                        "the function ends here with the transaction still open"
                    }
                    _ => "returns here with the transaction still open",
                };
                diagnostic = diagnostic.label(exit.range, label);
            }
            out.push(
                diagnostic
                    .help("use the driver's transaction guard (`pool.begin()`, `client.transaction()`), which rolls back when dropped")
                    .note("a raw BEGIN is invisible to the pool: the connection goes back still inside the transaction")
                    .build(),
            );
        }
    }
}

/// Calls made while a guard is open, with the handle the guard came from.
fn open_calls<'a>(cx: &'a Context) -> Vec<(&'a Function, txlint_ir::ir::CallId, Option<Operand>)> {
    // One entry per call, the first transaction that has it open deciding its origin: a
    // function with many guards has each call open under many of them.
    let mut calls: std::collections::BTreeMap<_, (&Function, Option<Operand>)> =
        std::collections::BTreeMap::new();
    for analysis in cx.rust_guards() {
        let function = cx.function(analysis.function);
        let origin = match &function.call(analysis.begin.call).callee {
            Callee::Method { receiver, .. } => Some(base_handle(function, receiver)),
            _ => None,
        };
        for &(block, index) in &analysis.outcome.open_events {
            if let Event::Call(id) = &function.cfg.block(block).events[index] {
                if *id != analysis.begin.call {
                    calls
                        .entry((function.range.start(), *id))
                        .or_insert_with(|| (function, origin.clone()));
                }
            }
        }
    }
    // Inside the closure of a closure API (`db.transaction(|txn| …)`, diesel's
    // `conn.transaction(|c| …)`): the handle outside is the closure's receiver.
    for open in crate::semantics::typed::open::open_calls(cx.ir, cx.models, &[]) {
        let function = cx.function(open.function);
        calls
            .entry((function.range.start(), open.call))
            .or_insert((function, open.origin));
    }
    calls
        .into_iter()
        .map(|((_, id), (function, origin))| (function, id, origin))
        .collect()
}

pub(crate) fn check_bypass(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX007").expect("registered");
    for (function, id, origin) in open_calls(cx) {
        let Some(origin) = origin else {
            continue;
        };
        let call = function.call(id);
        let shown = cx.display(function, &origin);
        // A function of the crate handed the pool that runs statements on it.
        if let Some(helper) = cx.rust_summaries().callee(cx.ir, &call.callee) {
            let through = call
                .args
                .iter()
                .enumerate()
                .any(|(i, a)| *a == origin && helper.statements_at(i));
            if through {
                let name = path_text(&call.callee);
                out.push(
                    cx.diagnostic(meta, function, call.range, format!("`{name}` runs statements on `{shown}` outside the open transaction"))
                        .primary_label("runs on the pool, not on the transaction")
                        .help("pass the transaction to the function instead of the pool (`&mut tx`)")
                        .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                        .build(),
                );
            }
            continue;
        }
        let Callee::Method { name, .. } = &call.callee else {
            continue;
        };
        if !cx.models.executors.methods.contains(name) || !call.args.contains(&origin) {
            continue;
        }
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{name}` runs on `{shown}` outside the open transaction"))
                .primary_label("runs on the pool, not on the transaction")
                .help("pass the transaction as the executor (`&mut *tx`)")
                .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                .build(),
        );
    }
}

/// `thread::sleep` with `use std::thread;` → `std::thread::sleep`.
fn resolve(file: &FileIr, path: &[String]) -> String {
    let Some((first, rest)) = path.split_first() else {
        return String::new();
    };
    let mut name = file
        .import_named(first)
        .map_or_else(|| first.clone(), |i| i.path.clone());
    for segment in rest {
        name.push_str("::");
        name.push_str(segment);
    }
    name
}

/// The constructor a value was built with: the path of the call at the base of its
/// chain, directly or through the local variable it was assigned to.
fn constructor(cx: &Context, function: &Function, receiver: &Operand) -> Option<String> {
    match base_handle(function, receiver) {
        Operand::Call(id) => match &function.call(id).callee {
            Callee::Path(path) => Some(resolve(cx.ir, path)),
            _ => None,
        },
        // `let http = Client::builder().timeout(..).build()?;`: the path call at the base
        // of the chain assigned to the variable.
        Operand::Var(v) => function.calls.iter().enumerate().find_map(|(index, call)| {
            let assigned = matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(v)));
            if !assigned {
                return None;
            }
            match base_handle(function, &Operand::Call(txlint_ir::ir::CallId(index as u32))) {
                Operand::Call(base) => match &function.call(base).callee {
                    Callee::Path(path) => Some(resolve(cx.ir, path)),
                    _ => None,
                },
                _ => None,
            }
        }),
        _ => None,
    }
}

pub(crate) fn check_blocking(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX009").expect("registered");
    let blocking = &cx.models.blocking;
    for (function, id, _) in open_calls(cx) {
        let call = function.call(id);
        let (shown, what) = match &call.callee {
            Callee::Path(path) => {
                let name = resolve(cx.ir, path);
                if !blocking.functions.contains(&name)
                    && !blocking.functions.contains(&path.join("::"))
                {
                    continue;
                }
                (path.join("::"), "blocks")
            }
            Callee::Method { receiver, name, .. } => {
                let Some(built) = constructor(cx, function, receiver) else {
                    continue;
                };
                let short = built
                    .rsplit("::")
                    .take(2)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("::");
                let listed = |list: &[String]| list.iter().any(|c| *c == built || *c == short);
                if blocking.client_methods.contains(name) && listed(&blocking.client_constructors) {
                    (
                        format!(
                            "{}.{name}",
                            cx.display(function, &base_handle(function, receiver))
                        ),
                        "makes a network request",
                    )
                } else if blocking.command_methods.contains(name)
                    && listed(&blocking.command_constructors)
                {
                    (format!("{short}(…).{name}"), "waits for a subprocess")
                } else {
                    continue;
                }
            }
            Callee::Other(_) => continue,
        };
        out.push(
            cx.diagnostic(
                meta,
                function,
                call.range,
                format!("`{shown}` {what} while a transaction is open"),
            )
            .primary_label("blocks with the transaction open")
            .help("do it before the transaction begins or after it commits")
            .note("the transaction's locks and its pooled connection are held for the whole call")
            .build(),
        );
    }
}
