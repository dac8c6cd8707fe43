//! TX001 unchecked-commit: the error of a commit is discarded.

use std::collections::{HashMap, HashSet};

use txlint_ir::ir::{
    Binding, Callee, Event, FuncId, Function, Operand, ResultUse, Terminator, VarId,
};
use txlint_ir::Diagnostic;

use crate::models::CommitReturns;
use crate::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut checked = CheckedHandles::default();
    for commit in cx.commits() {
        let function = cx.function(commit.function);
        let call = function.call(commit.call);
        let discarded = match commit.returns {
            CommitReturns::Error => error_discarded(
                function,
                &cx.models.executors.discarding_methods,
                &call.result,
            ),
            CommitReturns::Handle => {
                let vars = checked
                    .by_function
                    .entry(commit.function)
                    .or_insert_with(|| CheckedHandles::compute(function));
                handle_discarded(vars, &call.result)
            }
        };
        if !discarded {
            continue;
        }
        let receiver = cx.display(function, commit.receiver);
        let call_text = cx.method_call(function, &commit);
        let (message, help) = match commit.returns {
            CommitReturns::Error if cx.ir.language == txlint_ir::Language::Rust => (
                format!("error returned by `{receiver}.{}` is discarded", call_text),
                format!("propagate it: `{receiver}.{call_text}.await?`, or handle the `Err` with `match` / `if let Err(e)`"),
            ),
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

/// Whether an `error` result is thrown away: a statement, `_ =`, `go`, or (Rust) passed
/// through a discarding method (`tx.commit().await.ok()`) or to `drop(...)`.
fn error_discarded(function: &Function, discarding: &[String], result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        ResultUse::Assigned(bindings) => bindings.iter().all(|b| *b == Binding::Blank),
        ResultUse::Receiver(outer) => {
            let outer = function.call(*outer);
            outer
                .callee
                .name()
                .is_some_and(|n| discarding.iter().any(|d| d == n))
                && error_discarded(function, discarding, &outer.result)
        }
        ResultUse::Argument(outer) => {
            matches!(&function.call(*outer).callee, Callee::Path(path) if path.len() == 1 && path[0] == "drop")
        }
        _ => false,
    }
}

/// [`error_discarded`] for uses that cannot involve calls (GORM's `.Error` field).
fn error_discarded_plain(result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        ResultUse::Assigned(bindings) => bindings.iter().all(|b| *b == Binding::Blank),
        _ => false,
    }
}

/// Whether a GORM-style handle result is thrown away or never has its `.Error` read.
fn handle_discarded(checked: &HashSet<VarId>, result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        // `tx.Commit().Error` checks it; `tx.Commit().RowsAffected` does not.
        ResultUse::Field { name, then } => name != "Error" || error_discarded_plain(then),
        ResultUse::Assigned(bindings) => match bindings.as_slice() {
            [Binding::Var(v)] => !checked.contains(v),
            bindings => bindings.iter().all(|b| *b == Binding::Blank),
        },
        _ => false,
    }
}

/// The variables of each function whose value has its `.Error` read, or is handed on
/// whole (returned, passed, copied, sent) so that someone else can read it. Reading
/// another field such as `.RowsAffected` does not check the error. Computed once per
/// function: checking each commit against the whole body would be quadratic.
#[derive(Default)]
struct CheckedHandles {
    by_function: HashMap<FuncId, HashSet<VarId>>,
}

impl CheckedHandles {
    fn compute(function: &Function) -> HashSet<VarId> {
        let mut vars = HashSet::new();
        let mut note = |op: &Operand, whole_counts: bool| {
            if let (Operand::Var(v), true) = (op, whole_counts) {
                vars.insert(*v);
            }
            error_field_root(op).map(|v| vars.insert(v));
        };
        for event in function.events() {
            match event {
                Event::Use { operand, .. } => note(operand, false),
                Event::Assign { values, .. } => values.iter().for_each(|v| note(v, true)),
                Event::Send { value, .. } => note(value, true),
                _ => {}
            }
        }
        for call in &function.calls {
            call.args.iter().for_each(|a| note(a, true));
            if let Callee::Method { receiver, .. } = &call.callee {
                note(receiver, false);
            }
        }
        for block in &function.cfg.blocks {
            if let Terminator::Return { values, .. } = &block.terminator {
                values.iter().for_each(|v| note(v, true));
            }
        }
        vars
    }
}

/// The variable `v` of an operand that reads `v.Error` (or a field path through it).
fn error_field_root(operand: &Operand) -> Option<VarId> {
    match operand {
        Operand::Field(base, name) => match (&**base, name.as_str()) {
            (Operand::Var(v), "Error") => Some(*v),
            _ => error_field_root(base),
        },
        _ => None,
    }
}
