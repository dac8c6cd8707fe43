//! TX002 unended-transaction: a begun transaction can reach a function exit with neither
//! commit nor rollback, and nothing ends it automatically.

use txlint_ir::ir::{Callee, Function};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::flow::{reported_exits, ExitKind};
use crate::semantics::typed::transactions::TxAnalysis;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return crate::rules::rust_rules::check_raw_begin(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return crate::rules::python_explicit::check(cx, out);
    }
    let meta = crate::registry::rule("TX002").expect("registered");
    check_go_raw(cx, meta, out);
    for analysis in &cx.transactions {
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
        out.push(
            diagnostic
                .help(format!("end the transaction on every path{deferred}"))
                .note("an open transaction keeps its connection out of the pool and holds its locks: the session sits `idle in transaction` until the process exits")
                .build(),
        );
    }
}

/// Raw `BEGIN` statements (Go): through a pool, always; on one connection, when some path
/// ends the transaction and another leaves it open.
fn check_go_raw(cx: &Context, meta: &'static crate::registry::RuleMeta, out: &mut Vec<Diagnostic>) {
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

/// The variable that holds the transaction: `tx`, or the session an xorm begin runs on.
pub(crate) fn transaction_name(function: &Function, analysis: &TxAnalysis) -> String {
    match analysis.resource.aliases.first() {
        Some(var) => function.var(*var).name.clone(),
        None => match &function.call(analysis.begin.call).callee {
            Callee::Method { name, .. } => name.clone(),
            _ => "tx".to_string(),
        },
    }
}
