//! TX008 unchecked-begin: the error of a begin that returns one is discarded.

use txlint_ir::ir::{Binding, Callee, ResultUse};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::BeginResults;

/// TX008 unchecked-begin.
pub(crate) static RULE: RuleMeta = rule_meta!("TX008", "unchecked-begin", Warning, [Go]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for (function, facts) in cx.ir.functions.iter().zip(&cx.typed().facts.functions) {
        for begin in &facts.begins {
            let call = function.call(begin.call);
            let discarded = match (begin.results, &call.result) {
                (BeginResults::TxError, ResultUse::Assigned(bindings)) => {
                    matches!(bindings.get(1), Some(Binding::Blank))
                }
                (BeginResults::Error, ResultUse::Discarded) => true,
                (BeginResults::Error, ResultUse::Assigned(bindings)) => {
                    bindings.iter().all(|b| *b == Binding::Blank)
                }
                _ => false,
            };
            if !discarded {
                continue;
            }
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            let args: Vec<String> = call.args.iter().map(|a| cx.display(function, a)).collect();
            let shown = format!(
                "{}.{name}({})",
                cx.display(function, receiver),
                args.join(", ")
            );
            out.push(
                cx.diagnostic(meta, function, call.range, format!("error returned by `{shown}` is discarded"))
                    .primary_label("begin error ignored here")
                    .help("check the error before using the transaction: `if err != nil { return err }`")
                    .note("when the begin fails the transaction value is nil or unusable, and the first statement on it panics or fails far from the cause")
                    .build(),
            );
        }
    }
}
