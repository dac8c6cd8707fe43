//! TX009 blocking-call-in-transaction: a network call, a sleep or a subprocess while a
//! transaction is open.

use std::collections::HashMap;

use txlint_ir::ir::{Callee, FuncId, Operand, VarId};
use txlint_ir::Diagnostic;

use crate::context::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return crate::rules::rust_rules::check_blocking(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return crate::rules::python_open_rules::check_blocking(cx, out);
    }
    let meta = crate::registry::rule("TX009").expect("registered");
    let blocking = &cx.models.blocking;
    let mut constructors: HashMap<FuncId, HashMap<VarId, String>> = HashMap::new();
    for open in cx.open_calls() {
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let built = constructors
            .entry(open.function)
            .or_insert_with(|| crate::semantics::blocking::constructed_vars(function));
        let direct = crate::semantics::blocking::go_blocking_call(
            cx.ir,
            function,
            built,
            &call.callee,
            blocking,
        );
        let (message, label) = match direct {
            Some(what) => {
                let Some(shown) =
                    crate::semantics::blocking::shown_go_callee(function, &call.callee)
                else {
                    continue;
                };
                let shown = match &call.callee {
                    Callee::Method { receiver, name, .. } => {
                        format!("{}.{name}", cx.display(function, receiver))
                    }
                    _ => shown,
                };
                (
                    format!("`{shown}` {what} while a transaction is open"),
                    "blocks with the transaction open".to_string(),
                )
            }
            None => {
                // A function of the project that blocks, itself or deeper down.
                let Some((inner, what)) = cx
                    .summaries
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
                .help("do it before the transaction begins or after it ends, or record it in the transaction and act on it afterwards (outbox)")
                .note("the transaction's locks and snapshot, and its pooled connection, are held for the whole call")
                .build(),
        );
    }
}
