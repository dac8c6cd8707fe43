//! TX014 swallowed-panic: a deferred `recover()` in a Go function that begins a
//! transaction stops the panic, and the function then returns a nil error: the caller
//! reports success for work that was rolled back or never done.

use txlint_ir::ir::{
    Binding, Call, Callee, Event, FileIr, FuncId, Function, Operand, ResultUse, Terminator, VarId,
    VarKind,
};
use txlint_ir::{Diagnostic, Language, TextRange};

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::Models;
use crate::semantics::go::logging::LoggingCalls;

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
            let Some(recover) = swallowing_recover(cx.ir, cx.models, id, *literal) else {
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
/// result of `owner` alone: no `panic(…)` again, no program exit, no assignment to
/// `owner`'s named `error` result (a literal cannot change unnamed ones), and the
/// recovered value handed to no call but a log line.
fn swallowing_recover(
    file: &FileIr,
    models: &Models,
    owner: FuncId,
    literal: FuncId,
) -> Option<TextRange> {
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
    let logs = LoggingCalls {
        file,
        models,
        function,
    };
    let recovered = match &recover.result {
        ResultUse::Assigned(bindings) => match bindings.as_slice() {
            [Binding::Var(value)] => Some(*value),
            _ => None,
        },
        _ => None,
    };
    if recovered.is_some_and(|value| reported(&logs, value, 0)) {
        return None;
    }
    Some(recover.range)
}

/// Whether the recovered value (or a value made from it, `fmt.Errorf("panic: %v", r)`)
/// reaches a call that reports it some other way than a log line: the middleware that
/// answers the request with it (`http.Error(w, fmt.Sprint(r), 500)`), the framework's
/// failure response (`c.Failure(err)`). The function's caller may see nil, but the failure
/// is not silent. A call named like a log line (`s.log.Errorf`) is one, whoever made it.
fn reported(logs: &LoggingCalls, value: VarId, depth: usize) -> bool {
    const HOPS: usize = 4;
    let function = logs.function;
    depth <= HOPS
        && function.calls.iter().any(|call| {
            LoggingCalls::handed_error(call, value) && reaches_a_report(logs, call, value, depth)
        })
}

fn reaches_a_report(logs: &LoggingCalls, call: &Call, value: VarId, depth: usize) -> bool {
    if logs.only_logged(call) || prints(logs, call) {
        return false;
    }
    match &call.result {
        ResultUse::Discarded => answers_a_request(logs, call) || !named_like_a_log_line(call),
        ResultUse::Argument(outer) | ResultUse::Receiver(outer) => {
            reaches_a_report(logs, logs.function.call(*outer), value, depth)
        }
        ResultUse::Assigned(bindings) => bindings.iter().any(|binding| {
            matches!(binding, Binding::Var(made) if *made != value && reported(logs, *made, depth + 1))
        }),
        _ => false,
    }
}

/// Whether a call writes to an `http.ResponseWriter` it is given (`http.Error(w, …)`).
fn answers_a_request(logs: &LoggingCalls, call: &Call) -> bool {
    call.args.iter().any(|arg| {
        matches!(arg, Operand::Var(v)
            if logs.function.var(*v).ty.as_deref() == Some("http.ResponseWriter"))
    })
}

/// A call whose name says it writes a log line, whatever its receiver: a project's own
/// logger (`s.log.Errorf(…)`), Go's `println`. Not taken as reporting the failure.
fn named_like_a_log_line(call: &Call) -> bool {
    const LOG_WORDS: [&str; 12] = [
        "print", "log", "debug", "info", "warn", "error", "fatal", "trace", "notice", "crit",
        "alert", "emerg",
    ];
    call.callee.name().is_some_and(|name| {
        let name = name.to_ascii_lowercase();
        LOG_WORDS.iter().any(|word| name.starts_with(word))
    })
}

/// `fmt.Print…` and `fmt.Fprint…(os.Stderr, …)`: log lines without a logging package.
fn prints(logs: &LoggingCalls, call: &Call) -> bool {
    let Callee::Path(path) = &call.callee else {
        return false;
    };
    let [package, name] = path.as_slice() else {
        return false;
    };
    let is_fmt = logs
        .file
        .import_named(package)
        .is_some_and(|import| import.path == "fmt");
    let standard_stream = |operand: Option<&Operand>| match operand {
        Some(Operand::Field(base, stream)) => {
            matches!(&**base, Operand::Global(os) if logs.file.import_named(os).is_some_and(|i| i.path == "os"))
                && (stream == "Stderr" || stream == "Stdout")
        }
        _ => false,
    };
    is_fmt
        && (name.starts_with("Print")
            || name.starts_with("Fprint") && standard_stream(call.args.first()))
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
