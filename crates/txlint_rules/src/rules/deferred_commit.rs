//! TX006 deferred-commit: `defer tx.Commit()`.

use txlint_ir::ir::ResultUse;
use txlint_ir::Diagnostic;

use crate::context::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Python {
        return crate::rules::python_explicit::check_commit_in_finally(cx, out);
    }
    for commit in cx.commits() {
        let function = cx.function(commit.function);
        let call = function.call(commit.call);
        if call.result != ResultUse::Deferred {
            continue;
        }
        let receiver = cx.display(function, commit.receiver);
        let call_text = cx.method_call(function, &commit);
        let message = format!(
            "`defer {receiver}.{}` commits on every exit, error paths included, and loses the commit error",
            call_text
        );
        out.push(
            cx.diagnostic(crate::registry::rule("TX006").expect("registered"), function, call.range, message)
                .primary_label("deferred commit")
                .help(format!(
                    "defer `{receiver}.Rollback()` instead and end the success path with `return {receiver}.{}`",
                    call_text
                ))
                .build(),
        );
    }
}
