//! TX012 rollback-not-deferred: no deferred end protects a transaction, and a visible
//! panic site lies between its begin and its end.

use txlint_ir::Diagnostic;

use crate::flow::reported_exits;
use crate::rules::unended_transaction::transaction_name;
use crate::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX012").expect("registered");
    for analysis in &cx.transactions {
        let outcome = &analysis.outcome;
        // One finding per root cause: a leak on a normal path is TX002's; a transaction
        // handed on is its new owner's.
        if !reported_exits(outcome).is_empty() || outcome.escapes {
            continue;
        }
        let strict = cx.settings.strict_rollback && !outcome.deferred;
        if outcome.panic_sites.is_empty() && !strict {
            continue;
        }
        let function = cx.function(analysis.function);
        let name = transaction_name(function, analysis);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                if outcome.panic_sites.is_empty() {
                    format!("no deferred rollback protects transaction `{name}`")
                } else {
                    format!("no deferred rollback protects transaction `{name}` from a panic")
                },
            )
            .primary_label("transaction begun here");
        for site in &outcome.panic_sites {
            diagnostic = diagnostic.label(*site, "may panic here while the transaction is open");
        }
        out.push(
            diagnostic
                .help(format!("add `defer {name}.Rollback()` right after the begin's error check; it is a no-op after a successful commit"))
                .note("a panic skips the manual rollbacks: recovery middleware keeps the server up while the connection stays `idle in transaction`")
                .build(),
        );
    }
}
