//! Python TX007 transaction-bypass and TX009 blocking-call-in-transaction, over the calls
//! made while a transaction is open.

use txlint_ir::ir::Operand;
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::semantics::blocking::python_blocking_call;

pub(crate) fn check_blocking(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX009").expect("registered");
    let facts = cx.python();
    for open in cx.python_open_calls() {
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let (message, label) = match python_blocking_call(cx.ir, cx.models, function, call) {
            Some((shown, what)) => (
                format!("`{shown}` {what} while a transaction is open"),
                "blocks with the transaction open".to_string(),
            ),
            None => {
                // A project function (of any module) that blocks, itself or deeper down.
                let Some((inner, what)) = facts
                    .callee_summary(cx.ir, &call.callee)
                    .and_then(|s| s.blocks.clone())
                else {
                    continue;
                };
                let shown = cx.display(function, &Operand::Call(open.call));
                crate::semantics::blocking::through_helper(&shown, &inner, what)
            }
        };
        out.push(
            cx.diagnostic(meta, function, call.range, message)
                .primary_label(&label)
                .help("do it before the transaction begins or after it ends (commit first), or record it and act on it afterwards (outbox)")
                .note("the transaction's locks and snapshot, and its connection, are held for the whole call")
                .build(),
        );
    }
}

pub(crate) fn check_bypass(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX007").expect("registered");
    for open in cx.python_open_calls() {
        let Some((receiver, name)) = crate::semantics::python::open::pool_bypass(cx, open) else {
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
