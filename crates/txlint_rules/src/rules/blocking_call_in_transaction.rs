//! TX009 blocking-call-in-transaction: a network call, a sleep or a subprocess while a
//! transaction is open.

use std::collections::HashMap;

use txlint_ir::ir::{Callee, FuncId, Operand, VarId};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::aliases::base_handle;
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::blocking::python_blocking_call;
use crate::semantics::rust::open::{constructor, open_calls, resolve};

/// TX009 blocking-call-in-transaction.
pub(crate) static RULE: RuleMeta = rule_meta!(
    "TX009",
    "blocking-call-in-transaction",
    Warning,
    [Go, Python, Rust]
);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return check_rust(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return check_python(cx, out);
    }
    let meta = &RULE;
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
                directly(&shown, what)
            }
            None => {
                // A function of the project that blocks, itself or deeper down.
                let Some((inner, what)) = cx
                    .typed()
                    .summaries
                    .callee_summary(cx.ir, &call.callee)
                    .and_then(|s| s.blocks.as_deref().cloned())
                else {
                    continue;
                };
                let shown = cx.display(function, &Operand::Call(open.call));
                through_helper(&shown, &inner, what)
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

fn check_rust(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
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
        let (message, label) = directly(&shown, what);
        out.push(
            cx.diagnostic(meta, function, call.range, message)
                .primary_label(&label)
                .help("do it before the transaction begins or after it commits")
                .note(
                    "the transaction's locks and its pooled connection are held for the whole call",
                )
                .build(),
        );
    }
}

fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    let facts = cx.python();
    for open in cx.python_open_calls() {
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let (message, label) = match python_blocking_call(cx.ir, cx.models, function, call) {
            Some((shown, what)) => directly(&shown, what),
            None => {
                // A project function (of any module) that blocks, itself or deeper down.
                let Some((inner, what)) = facts
                    .callee_summary(cx.ir, function, &call.callee)
                    .and_then(|s| s.blocks.clone())
                else {
                    continue;
                };
                let shown = cx.display(function, &Operand::Call(open.call));
                through_helper(&shown, &inner, what)
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

/// The message and primary label of a finding at a blocking call made in the function.
fn directly(shown: &str, what: &str) -> (String, String) {
    (
        format!("`{shown}` {what} while a transaction is open"),
        "blocks with the transaction open".to_string(),
    )
}

/// The message and primary label of a finding at a call of a project function that
/// blocks (`inner` is the blocking call inside, `what` what it does).
fn through_helper(shown: &str, inner: &str, what: &str) -> (String, String) {
    (
        format!("`{shown}` {what} (`{inner}`) while a transaction is open"),
        format!("this function calls `{inner}`, which {what}"),
    )
}
