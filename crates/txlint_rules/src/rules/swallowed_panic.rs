//! TX014 swallowed-panic: a deferred `recover()` in a Go function that begins a
//! transaction stops the panic, and the function then returns a nil error: the caller
//! reports success for work that was rolled back or never done.

use txlint_ir::ir::{
    Binding, Callee, Event, FileIr, FuncId, Function, Operand, ResultUse, Terminator, VarId,
    VarKind,
};
use txlint_ir::{Diagnostic, Language, TextRange};

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};

/// TX014 swallowed-panic.
pub(crate) static RULE: RuleMeta = rule_meta!("TX014", "swallowed-panic", Warning, [Go]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language != Language::Go {
        return;
    }
    let meta = &RULE;
    for (index, (function, facts)) in cx
        .ir
        .functions
        .iter()
        .zip(&cx.typed().facts.functions)
        .enumerate()
    {
        let Some(begin) = facts.begins.first() else {
            continue;
        };
        if function.result_types.last().map(String::as_str) != Some("error") {
            continue;
        }
        let id = FuncId(index as u32);
        for event in function.events() {
            let Event::Defer(call) = event else {
                continue;
            };
            let Callee::Other(Operand::Closure(literal)) = &function.call(*call).callee else {
                continue;
            };
            let Some(recover) = swallowing_recover(cx.ir, id, *literal) else {
                continue;
            };
            let literal_function = cx.ir.function(*literal);
            out.push(
                cx.diagnostic(meta, literal_function, recover, "a panic during the transaction is recovered and the function returns a nil error".to_string())
                    .primary_label("panic stopped here, and no error is returned")
                    .label(function.call(begin.call).range, "transaction begun here")
                    .help("set the named error result in the deferred function (`err = fmt.Errorf(\"panic: %v\", r)`), or re-panic after rolling back (`panic(r)`)")
                    .note("the transaction was rolled back or never committed, yet the caller sees success and reports the work as done")
                    .build(),
            );
        }
    }
}

/// The `recover()` call of a deferred literal that stops a panic and leaves the error
/// result of `owner` alone: no `panic(…)` again, no program exit, and no assignment to
/// `owner`'s named `error` result (a literal cannot change unnamed ones).
fn swallowing_recover(file: &FileIr, owner: FuncId, literal: FuncId) -> Option<TextRange> {
    let function = file.function(literal);
    let recover = function
        .calls
        .iter()
        .find(|c| c.callee.is_plain("recover"))?;
    let repanics = function.calls.iter().any(|c| c.callee.is_plain("panic"));
    let exits = function
        .cfg
        .blocks
        .iter()
        .any(|b| matches!(b.terminator, Terminator::NoReturn { .. }));
    if repanics || exits || sets_named_result(file, owner, function) {
        return None;
    }
    Some(recover.range)
}

/// Whether the literal assigns one of the owner's named `error` results (captured),
/// directly or from a call's results.
fn sets_named_result(file: &FileIr, owner_id: FuncId, literal: &Function) -> bool {
    let owner = file.function(owner_id);
    let error_results: Vec<VarId> = owner
        .named_results
        .iter()
        .zip(&owner.result_types)
        .filter(|(_, ty)| *ty == "error")
        .map(|(v, _)| *v)
        .collect();
    let is_owner_result = |v: &VarId| {
        let var = literal.var(*v);
        var.kind == VarKind::Captured
            && matches!(var.outer, Some((f, outer)) if f == owner_id && error_results.contains(&outer))
    };
    let binds = |b: &Binding| matches!(b, Binding::Var(v) if is_owner_result(v));
    literal.events().any(|event| match event {
        Event::Assign { targets, .. } => targets.iter().any(binds),
        _ => false,
    }) || literal.calls.iter().any(
        |call| matches!(&call.result, ResultUse::Assigned(bindings) if bindings.iter().any(binds)),
    )
}
