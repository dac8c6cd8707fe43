//! Python TX007 transaction-bypass and TX009 blocking-call-in-transaction, over the calls
//! made while a transaction is open.

use txlint_ir::ir::{Binding, Callee, FileIr, Function, Operand, ResultUse};
use txlint_ir::Diagnostic;

use crate::python::{resolve, Kind};
use crate::python_open::PyOpenCall;
use crate::Context;

/// The fully qualified name of a path callee (`requests.post`).
fn path_name(file: &FileIr, callee: &Callee) -> Option<String> {
    match callee {
        Callee::Path(path) => {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(resolve(file, &segments))
        }
        _ => None,
    }
}

/// Whether a variable holds a client built by one of the blocking client constructors
/// (`session = requests.Session()`, `async with httpx.AsyncClient() as client:`).
fn is_client(cx: &Context, function: &Function, receiver: &Operand) -> bool {
    let Operand::Var(v) = receiver else {
        return false;
    };
    function.calls.iter().any(|call| {
        matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(*v)))
            && path_name(cx.ir, &call.callee)
                .is_some_and(|n| cx.models.blocking.client_constructors.contains(&n))
    })
}

pub(crate) fn check_blocking(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX009").expect("registered");
    let blocking = &cx.models.blocking;
    for open in cx.python_open_calls() {
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let (shown, what) = match &call.callee {
            Callee::Path(_) => {
                let name = path_name(cx.ir, &call.callee).unwrap_or_default();
                if !blocking.functions.contains(&name) {
                    continue;
                }
                let shown = match &call.callee {
                    Callee::Path(path) => path.join("."),
                    _ => name,
                };
                (shown, "blocks")
            }
            Callee::Method { receiver, name, .. } => {
                if !(blocking.client_methods.contains(name) && is_client(cx, function, receiver)) {
                    continue;
                }
                (
                    format!("{}.{name}", cx.display(function, receiver)),
                    "makes a network request",
                )
            }
            Callee::Other(_) => continue,
        };
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{shown}` {what} while a transaction is open"))
                .primary_label("blocks with the transaction open")
                .help("do it before the transaction begins or after it ends (commit first), or record it and act on it afterwards (outbox)")
                .note("the transaction's locks and snapshot, and its connection, are held for the whole call")
                .build(),
        );
    }
}

pub(crate) fn check_bypass(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX007").expect("registered");
    for open in cx.python_open_calls() {
        let Some((receiver, name)) = bypass(cx, open) else {
            continue;
        };
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let shown = cx.display(function, receiver);
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{shown}.{name}` runs outside the open transaction"))
                .primary_label("runs on the pool, not on the transaction's connection")
                .help("run it on the connection (or session) the transaction belongs to")
                .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                .build(),
        );
    }
}

/// A statement run on the pool or engine itself while a transaction is open: a second
/// connection, outside the transaction. Its receiver and method.
pub(crate) fn bypass<'a>(cx: &Context<'a>, open: &PyOpenCall) -> Option<(&'a Operand, &'a str)> {
    if !open.explicit {
        return None;
    }
    let function = cx.function(open.function);
    let kinds = &cx.python().kinds[open.function.index()];
    let call = function.call(open.call);
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return None;
    };
    let on_pool = matches!(kinds.get(receiver), Some(Kind::Pool { .. }));
    (cx.models.connection.statements.contains(name) && on_pool).then_some((receiver, name.as_str()))
}
