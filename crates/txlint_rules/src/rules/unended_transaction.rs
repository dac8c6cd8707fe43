//! TX002 unended-transaction: a begun transaction can reach a function exit with neither
//! commit nor rollback, and nothing ends it automatically: a Go transaction, a Python
//! explicit transaction, a raw `BEGIN` on a Rust connection.

use txlint_ir::ir::{Binding, Callee, Event, FuncId, Operand, VarId};
use txlint_ir::{Diagnostic, TextRange};

use crate::context::Context;
use crate::engine::flow::{
    self, reported_exits, Effect, ExitKind, ExitPolicy, Resource, ResourceModel,
};
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::python::explicit::{begins, ExplicitBegin, ExplicitModel};
use crate::semantics::python::{in_with_body, ConnectionModel, Mode};
use crate::semantics::rust::open::{guard_name, path_text};
use crate::semantics::typed::transactions::transaction_name;

/// TX002 unended-transaction.
pub(crate) static RULE: RuleMeta =
    rule_meta!("TX002", "unended-transaction", Error, [Go, Python, Rust]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return check_rust(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return check_python(cx, out);
    }
    let meta = &RULE;
    check_go_raw(cx, meta, out);
    for analysis in &cx.typed().transactions {
        let exits = reported_exits(&analysis.outcome);
        if exits.is_empty() {
            continue;
        }
        let function = cx.function(analysis.function);
        let name = transaction_name(function, analysis);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                format!("transaction `{name}` is not ended on every path"),
            )
            .primary_label("transaction begun here");
        let continues = exits.iter().any(|e| e.kind == ExitKind::Continue);
        for exit in exits {
            // The begin is the primary span already; say it begins again only when no
            // `continue` explains how the loop comes back to it.
            if exit.kind == ExitKind::Reacquire && continues {
                continue;
            }
            let label = match exit.kind {
                ExitKind::Return => "returns here with the transaction still open",
                ExitKind::FunctionEnd => "the function ends here with the transaction still open",
                ExitKind::Released => {
                    "goes back to the pool or is closed here with the transaction still open"
                }
                ExitKind::Raise => {
                    "raises out of the function here with the transaction still open"
                }
                ExitKind::Overwritten => "overwritten here while the transaction is still open",
                ExitKind::Continue => "continues the loop without ending it",
                ExitKind::Reacquire => {
                    "the next iteration begins again here while this transaction is still open"
                }
            };
            diagnostic = diagnostic.label(exit.range, label);
        }
        let deferred = if analysis.outcome.deferred {
            String::new()
        } else {
            // A project transaction type names its rollback as it likes.
            let library = &cx.models.libraries[analysis.begin.library];
            let rollback = match library.rollback.methods.first() {
                Some(method) if library.project_wrapper => method.as_str(),
                _ => "Rollback",
            };
            format!(" (`defer {name}.{rollback}()` right after the error check covers every exit)")
        };
        let help = match analysis.outcome.deferred_end_skipped {
            // The deferred end is there; every path marked skips it.
            Some(guard) if analysis.outcome.skipping_exits == analysis.outcome.leaks.len() => {
                let guard = &function.var(guard).name;
                format!("the deferred rollback runs only when `{guard}` is not nil, and it is nil where this returns: assign the returned error to `{guard}` first, or name the result `{guard}`")
            }
            _ => format!("end the transaction on every path{deferred}"),
        };
        out.push(
            diagnostic
                .help(help)
                .note("an open transaction keeps its connection out of the pool and holds its locks: the session sits `idle in transaction` until the process exits")
                .build(),
        );
    }
}

/// Raw `BEGIN` statements (Go): through a pool, always; on one connection, when some path
/// ends the transaction and another leaves it open.
fn check_go_raw(cx: &Context, meta: &'static crate::meta::RuleMeta, out: &mut Vec<Diagnostic>) {
    use crate::semantics::go::raw::RawHandle;
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = txlint_ir::ir::FuncId(index as u32);
        for begin in crate::semantics::go::raw::raw_begins(cx.ir, cx.models, id) {
            let call = function.call(begin.call);
            let handle = &begin.handle_name;
            match (begin.handle, &begin.outcome) {
                (RawHandle::Pool, _) => {
                    let mut diagnostic = cx
                        .diagnostic(
                            meta,
                            function,
                            call.range,
                            format!("`BEGIN` sent through the pool `{handle}` leaves one of its connections inside a transaction"),
                        )
                        .primary_label("runs on whichever connection the pool hands this statement, which goes back to the pool with the transaction open");
                    for end in &begin.pool_ends {
                        diagnostic = diagnostic.label(
                            function.call(*end).range,
                            "may run on another connection than the `BEGIN`",
                        );
                    }
                    out.push(
                        diagnostic
                            .help("begin with the library's call (`BeginTx`, `Begin`) and run the statements on the transaction it returns, or hold one connection (`Conn`, `Acquire`) for every statement")
                            .note("each statement on a pool takes whichever connection is free: the connection left in the transaction is handed to later callers, whose statements then run inside it")
                            .build(),
                    );
                }
                (RawHandle::Connection { .. }, Some(outcome)) => {
                    let exits = reported_exits(outcome);
                    if exits.is_empty() {
                        continue;
                    }
                    let mut diagnostic = cx
                        .diagnostic(
                            meta,
                            function,
                            call.range,
                            format!("transaction begun by `BEGIN` on `{handle}` is not ended on every path"),
                        )
                        .primary_label("transaction begun here");
                    for exit in exits {
                        let label = match exit.kind {
                            ExitKind::Released => {
                                "goes back to the pool here with the transaction still open"
                            }
                            ExitKind::Return => "returns here with the transaction still open",
                            ExitKind::FunctionEnd => {
                                "the function ends here with the transaction still open"
                            }
                            _ => "the transaction is still open here",
                        };
                        diagnostic = diagnostic.label(exit.range, label);
                    }
                    out.push(
                        diagnostic
                            .help(format!("send `ROLLBACK` on `{handle}` on the paths that give up (or begin with `{handle}.BeginTx` and `defer tx.Rollback()`)"))
                            .note("the connection stays `idle in transaction` with its locks held, and the next user of the connection runs inside the transaction")
                            .build(),
                    );
                }
                _ => {}
            }
        }
    }
}

fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for (index, function) in cx.ir.functions.iter().enumerate() {
        for begin in begins(cx, index, function) {
            let model = ExplicitModel {
                cx,
                function,
                begin: &begin,
            };
            // A callback handed its connection by a runner raises into that runner, which
            // owns the connection and disposes of it: only its other exits leak.
            let exits = if runner_owns_connection(cx, FuncId(index as u32), &begin) {
                ExitPolicy {
                    raises: false,
                    ..ExitPolicy::EXPLICIT
                }
            } else {
                ExitPolicy::EXPLICIT
            };
            let resource = Resource::new(
                Event::Call(begin.call),
                function.call(begin.call).range,
                begin.holders.clone(),
                exits,
            );
            let mut outcome = flow::analyze(function, &resource, &model);
            // An exception that leaves through a `with` whose exit ends the connection's
            // transaction (`with engine.connect() as conn:` closes it, which rolls back)
            // takes the transaction with it.
            let withs = ending_withs_of_owner(cx, FuncId(index as u32), &begin);
            outcome
                .leaks
                .retain(|exit| exit.kind != ExitKind::Raise || !in_with_body(&withs, exit.range));
            if outcome.leaks.is_empty() {
                continue;
            }
            // A raw `BEGIN` that no path of the function ends begins for its caller (a
            // `begin(conn)` helper, a fixture's setup): only one that some path ends and
            // another leaves open is reported.
            let ended_somewhere = outcome.open_events.iter().any(|&(block, event)| {
                model.effect(&function.cfg.block(block).events[event]) == Effect::End
            });
            if begin.raw.is_some() && !ended_somewhere {
                continue;
            }
            let name = begin.holders.first().map_or_else(
                || "transaction".to_string(),
                |v| function.var(*v).name.clone(),
            );
            let (message, primary) = match (&begin.raw, &begin.owner) {
                (Some(_), Some(owner)) if begin.savepoint.is_some() => (
                    format!(
                        "savepoint `{}` begins a transaction on `{}` that is not released on every path",
                        begin.savepoint.as_deref().unwrap_or_default(),
                        cx.display(function, owner)
                    ),
                    "a SQLite `SAVEPOINT` outside a transaction begins one",
                ),
                (Some(_), Some(owner)) => (
                    format!(
                        "raw `BEGIN` on `{}` is not ended by `COMMIT` or `ROLLBACK` on every path",
                        cx.display(function, owner)
                    ),
                    "transaction begun here with SQL text",
                ),
                _ => (
                    format!("transaction `{name}` is not ended on every path"),
                    "transaction begun here",
                ),
            };
            let mut diagnostic = cx
                .diagnostic(meta, function, resource.acquire_range, message)
                .primary_label(primary);
            for exit in &outcome.leaks {
                let text = match exit.kind {
                    ExitKind::Raise => {
                        "raises out of the function here with the transaction still open"
                    }
                    ExitKind::FunctionEnd => {
                        "the function ends here with the transaction still open"
                    }
                    _ => "returns here with the transaction still open",
                };
                diagnostic = diagnostic.label(exit.range, text);
            }
            let help = if let Some(name) = &begin.savepoint {
                format!("send `RELEASE {name}` on every path, after `ROLLBACK TO {name}` too: rolling back to a savepoint keeps the transaction it began open")
            } else if begin.raw.is_some() {
                "send `COMMIT` or `ROLLBACK` on every path (`try: … except BaseException: conn.execute(\"ROLLBACK\"); raise`), or use the driver's transaction block (`with conn.transaction():`, `async with conn.transaction():`)".to_string()
            } else {
                "use the transaction as a context manager (`async with conn.transaction():`, `with conn.begin():`, `with transaction.atomic():`), or commit and roll back in `try`/`except`".to_string()
            };
            out.push(
                diagnostic
                    .help(help)
                    .note("the connection stays inside the transaction: its locks are held until something else ends it")
                    .build(),
            );
        }
    }
}

/// The `with` statements whose exit ends the transaction of the connection a begin runs
/// on (see [`ConnectionModel::ending_withs`]).
fn ending_withs_of_owner(
    cx: &Context,
    id: FuncId,
    begin: &ExplicitBegin,
) -> Vec<(TextRange, TextRange)> {
    let Some(owner) = &begin.owner else {
        return Vec::new();
    };
    let facts = cx.python();
    let Some(holder) = facts.holders[id.index()]
        .iter()
        .find(|holder| holder.operand == *owner)
    else {
        return Vec::new();
    };
    ConnectionModel {
        file: cx.ir,
        models: cx.models,
        facts,
        function_id: id,
        function: cx.function(id),
        holder,
        mode: Mode::Implicit,
    }
    .ending_withs()
}

/// Whether the transaction runs on the connection parameter of a nested function that its
/// enclosing function only hands to another call (`self.pool.do(thd)`, `run_in_thread(work)`):
/// a runner that gives each callback a connection gets the callback's exceptions, and owning
/// the connection, it closes or resets it (a closed connection rolls back). Returning with the
/// transaction open still leaks: the runner carries on with the connection as it was left.
fn runner_owns_connection(cx: &Context, id: FuncId, begin: &ExplicitBegin) -> bool {
    let function = cx.ir.function(id);
    let Some(parent) = function.parent else {
        return false;
    };
    let on_parameter = matches!(
        &begin.owner,
        Some(Operand::Var(v)) if function.params.contains(v)
    );
    if !on_parameter {
        return false;
    }
    let parent = cx.ir.function(parent);
    let holders: Vec<VarId> = parent
        .events()
        .filter_map(|event| match event {
            Event::Assign {
                targets, values, ..
            } => targets
                .iter()
                .zip(values)
                .find_map(|(target, value)| match (target, value) {
                    (Binding::Var(v), Operand::Closure(literal)) if *literal == id => Some(*v),
                    _ => None,
                }),
            _ => None,
        })
        .collect();
    let is_callback = |operand: &Operand| {
        matches!(operand, Operand::Var(v) if holders.contains(v))
            || *operand == Operand::Closure(id)
    };
    let handed_on = parent
        .calls
        .iter()
        .any(|call| call.args.iter().any(is_callback));
    let names: Vec<&str> = holders
        .iter()
        .map(|v| parent.var(*v).name.as_str())
        .collect();
    let called_here = parent.calls.iter().any(|call| match &call.callee {
        Callee::Other(callee) => is_callback(callee),
        Callee::Path(path) => matches!(path.as_slice(), [name] if names.contains(&name.as_str())),
        Callee::Method { .. } => false,
    });
    handed_on && !called_here
}

fn check_rust(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
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
