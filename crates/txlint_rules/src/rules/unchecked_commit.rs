//! TX001 unchecked-commit: the error of a commit is discarded.

use txlint_ir::ir::{Binding, Callee, Event, Function, Operand, ResultUse, Terminator, VarId};
use txlint_ir::Diagnostic;

use crate::models::CommitReturns;
use crate::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for commit in cx.commits() {
        let function = cx.function(commit.function);
        let call = function.call(commit.call);
        let discarded = match commit.returns {
            CommitReturns::Error => error_discarded(&call.result),
            CommitReturns::Handle => handle_discarded(function, &call.result),
        };
        if !discarded {
            continue;
        }
        let receiver = cx.display(function, commit.receiver);
        let call_text = cx.method_call(function, &commit);
        let (message, help) = match commit.returns {
            CommitReturns::Error => (
                format!("error returned by `{receiver}.{}` is discarded", call_text),
                format!(
                    "check it: `if err := {receiver}.{}; err != nil {{ return err }}`, or `return {receiver}.{}`",
                    call_text,
                    call_text
                ),
            ),
            CommitReturns::Handle => (
                format!(
                    "result of `{receiver}.{}` is discarded without reading its `.Error`",
                    call_text
                ),
                format!(
                    "check it: `if err := {receiver}.{}.Error; err != nil {{ return err }}`",
                    call_text
                ),
            ),
        };
        out.push(
            cx.diagnostic(crate::registry::rule("TX001").expect("registered"), function, call.range, message)
                .primary_label("commit error ignored here")
                .help(help)
                .note("a failed commit (serialization failure, lost connection, deferred constraint) rolls the transaction back while the code carries on as if it succeeded")
                .build(),
        );
    }
}

/// Whether an `error` result is thrown away.
fn error_discarded(result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        ResultUse::Assigned(bindings) => bindings.iter().all(|b| *b == Binding::Blank),
        _ => false,
    }
}

/// Whether a GORM-style handle result is thrown away or never has its `.Error` read.
fn handle_discarded(function: &Function, result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        ResultUse::Field { name, then } if name == "Error" => error_discarded(then),
        ResultUse::Assigned(bindings) => match bindings.as_slice() {
            [Binding::Var(v)] => !handle_checked(function, *v),
            bindings => bindings.iter().all(|b| *b == Binding::Blank),
        },
        _ => false,
    }
}

/// Whether the handle in `var` has its `.Error` read, or is handed on whole (returned,
/// passed, copied, sent) so that someone else can read it. Reading another field such
/// as `.RowsAffected` does not check the error.
fn handle_checked(function: &Function, var: VarId) -> bool {
    let checks = |op: &Operand| match op {
        Operand::Var(v) => *v == var,
        _ => reads_error_field(op, var),
    };
    let in_events = function.events().any(|event| match event {
        Event::Use { operand, .. } => reads_error_field(operand, var),
        Event::Assign { values, .. } => values.iter().any(checks),
        Event::Send { value, .. } => checks(value),
        _ => false,
    });
    let in_calls = function.calls.iter().any(|call| {
        call.args.iter().any(checks)
            || matches!(&call.callee, Callee::Method { receiver, .. } if reads_error_field(receiver, var))
    });
    let in_returns = function.cfg.blocks.iter().any(|block| {
        matches!(&block.terminator, Terminator::Return { values, .. } if values.iter().any(checks))
    });
    in_events || in_calls || in_returns
}

/// `var.Error`, or a field path that goes through it (`var.Error.Error`).
fn reads_error_field(operand: &Operand, var: VarId) -> bool {
    match operand {
        Operand::Field(base, name) => {
            (name == "Error" && **base == Operand::Var(var)) || reads_error_field(base, var)
        }
        _ => false,
    }
}
