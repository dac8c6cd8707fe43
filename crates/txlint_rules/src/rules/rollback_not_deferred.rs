//! TX012 rollback-not-deferred: no deferred end protects a transaction, and a visible
//! panic site lies between its begin and its end.

use txlint_ir::ir::{Callee, Event, Function, NoReturnKind, Operand, Terminator};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::flow::reported_exits;
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::typed::transactions::transaction_name;

/// TX012 rollback-not-deferred.
pub(crate) static RULE: RuleMeta = rule_meta!("TX012", "rollback-not-deferred", Warning, [Go]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for analysis in &cx.typed().transactions {
        let outcome = &analysis.outcome;
        // One finding per root cause: a leak on a normal path is TX002's; a transaction
        // handed on is its new owner's.
        if !reported_exits(outcome).is_empty() || outcome.escapes {
            continue;
        }
        let function = cx.function(analysis.function);
        // A panic that a deferred `recover()` turns into a process exit (`log.Fatalf`)
        // leaves no process holding the connection: the server rolls back.
        let panic_sites: &[_] = if exits_on_panic(cx, function) {
            &[]
        } else {
            &outcome.panic_sites
        };
        let strict = cx.settings.strict_rollback && !outcome.deferred;
        if panic_sites.is_empty() && !strict {
            continue;
        }
        let name = transaction_name(function, analysis);
        // A project transaction type names its rollback as it likes.
        let rollback = cx.models.libraries[analysis.begin.library]
            .rollback
            .methods
            .first()
            .map_or("Rollback", String::as_str);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                if panic_sites.is_empty() {
                    format!("no deferred rollback protects transaction `{name}`")
                } else {
                    format!("no deferred rollback protects transaction `{name}` from a panic")
                },
            )
            .primary_label("transaction begun here");
        for site in panic_sites {
            diagnostic = diagnostic.label(*site, "may panic here while the transaction is open");
        }
        out.push(
            diagnostic
                .help(format!("add `defer {name}.{rollback}()` right after the begin's error check; it is a no-op after a successful commit"))
                .note("a panic skips the manual rollbacks: recovery middleware keeps the server up while the connection stays `idle in transaction`")
                .build(),
        );
    }
}

/// Whether the function defers a literal that recovers a panic and ends the process
/// (`defer func() { if r := recover(); r != nil { log.Fatalf(…) } }()`).
fn exits_on_panic(cx: &Context, function: &Function) -> bool {
    function.events().any(|event| {
        let Event::Defer(call) = event else {
            return false;
        };
        let Callee::Other(Operand::Closure(literal)) = &function.call(*call).callee else {
            return false;
        };
        let literal = cx.ir.function(*literal);
        literal.calls.iter().any(|c| c.callee.is_plain("recover"))
            && literal.cfg.blocks.iter().any(|b| {
                matches!(
                    b.terminator,
                    Terminator::NoReturn {
                        kind: NoReturnKind::Exit,
                        ..
                    }
                )
            })
    })
}
