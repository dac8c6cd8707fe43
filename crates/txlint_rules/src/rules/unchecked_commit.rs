//! TX001 unchecked-commit: the error of a commit is discarded.

use std::collections::{HashMap, HashSet};

use txlint_ir::ir::{
    Binding, BlockId, CallId, Callee, Event, FuncId, Function, JumpKind, Operand, ResultUse,
    Terminator, VarId,
};
use txlint_ir::{Diagnostic, Language, TextRange};

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::CommitReturns;
use crate::semantics::go::logging::LoggingCalls;

/// TX001 unchecked-commit.
pub(crate) static RULE: RuleMeta = rule_meta!("TX001", "unchecked-commit", Error, [Go, Rust]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    match cx.ir.language {
        Language::Rust => check_closure_commits(cx, out),
        Language::Go => check_go_closure_commits(cx, out),
        _ => {}
    }
    let mut checked = CheckedHandles::default();
    for commit in cx.commits() {
        let function = cx.function(commit.function);
        let call = function.call(commit.call);
        let lost_late = commit.returns == CommitReturns::Error
            && !error_discarded(
                function,
                &cx.models.executors.discarding_methods,
                &call.result,
            )
            && lost_in_deferred_literal(cx, &commit);
        if lost_late {
            let receiver = cx.display(function, commit.receiver);
            let call_text = cx.method_call(function, &commit);
            let returns_error = function.parent.is_some_and(|parent| {
                cx.function(parent)
                    .result_types
                    .iter()
                    .any(|ty| ty == "error")
            });
            out.push(
                cx.diagnostic(&RULE, function, call.range, format!("error returned by `{receiver}.{call_text}` is assigned after the function's results are fixed"))
                    .primary_label("a deferred call assigns it to a local that is no named result: nothing reads it")
                    .help(if returns_error {
                        "declare the error as a named result (`func …() (err error)`) so that the deferred assignment becomes the returned error"
                    } else {
                        "handle the error in the deferred function (log it, or record it where the caller looks), or commit before returning"
                    })
                    .note("a failed commit (serialization failure, lost connection, deferred constraint) rolls the transaction back while the code carries on as if it succeeded")
                    .build(),
            );
            continue;
        }
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
                    && !receiver_keeps_error(function, commit.receiver)
            }
        };
        if discarded && committed_by_cockroach_release(cx, &commit) {
            continue;
        }
        if !discarded {
            if let Some((exit, logged)) = swallowed_after_logging(cx, function, &commit) {
                report_swallowed(cx, function, &commit, (exit, logged), out);
            }
            continue;
        }
        let receiver = cx.display(function, commit.receiver);
        let call_text = cx.method_call(function, &commit);
        let (message, help) = match commit.returns {
            CommitReturns::Error if cx.ir.language == txlint_ir::Language::Rust => (
                format!("error returned by `{receiver}.{}` is discarded", call_text),
                format!("propagate it: `{receiver}.{call_text}?` (`.await?` where the driver is async), or handle the `Err` with `match` / `if let Err(e)`"),
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
            cx.diagnostic(&RULE, function, call.range, message)
                .primary_label("commit error ignored here")
                .help(help)
                .note("a failed commit (serialization failure, lost connection, deferred constraint) rolls the transaction back while the code carries on as if it succeeded")
                .build(),
        );
    }
}

/// CockroachDB's retry protocol commits with `RELEASE SAVEPOINT cockroach_restart`: the
/// `COMMIT` sent after it only closes what is already committed, and cockroach-go's
/// `ExecuteTx` (and the projects that copy it) ignore its error on purpose. So a Go
/// commit is not reported when its transaction releases that savepoint and checks the
/// release's error, in the commit's function on every path to the commit, or in the
/// function whose literal the commit is in (the deferred `if err == nil { _ = tx.Commit() }`
/// of `ExecuteTx`, run only after a release that succeeded).
fn committed_by_cockroach_release(cx: &Context, commit: &crate::context::Commit) -> bool {
    if cx.ir.language != Language::Go {
        return false;
    }
    let Operand::Var(receiver) = commit.receiver else {
        return false;
    };
    let root = |function: FuncId, var: VarId| {
        let (mut function, mut var) = (function, var);
        while let Some(outer) = cx.function(function).var(var).outer {
            (function, var) = outer;
        }
        (function, var)
    };
    let transaction = root(commit.function, *receiver);
    let releases = |sql: &str| {
        crate::engine::sql_control::controls(sql)
            .iter()
            .any(|control| {
                matches!(control, crate::engine::sql_control::Control::Release(name)
                if name.eq_ignore_ascii_case("cockroach_restart"))
            })
    };
    // The error is kept (`_, err = tx.Exec(…)`) or handed back (`return tx.Exec(…)`).
    let checked = |result: &ResultUse| match result {
        ResultUse::Assigned(bindings) => matches!(bindings.last(), Some(Binding::Var(_))),
        ResultUse::Returned => true,
        _ => false,
    };
    let (transaction_function, _) = transaction;
    let function = cx.function(transaction_function);
    let released: Vec<CallId> = function
        .calls
        .iter()
        .enumerate()
        .filter(|(_, call)| {
            matches!(&call.callee, Callee::Method { receiver: Operand::Var(on), .. }
                if root(transaction_function, *on) == transaction)
                && checked(&call.result)
                && call
                    .args
                    .iter()
                    .any(|arg| matches!(arg, Operand::Str(sql) if releases(sql)))
        })
        .map(|(index, _)| CallId(index as u32))
        .collect();
    if released.is_empty() {
        return false;
    }
    let passes_release = |event: &Event| matches!(event, Event::Call(id) if released.contains(id));
    commit.function != transaction_function
        || function
            .cfg
            .always_before(&Event::Call(commit.call), passes_release)
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
        ResultUse::Argument(outer) => function.call(*outer).callee.is_plain("drop"),
        _ => false,
    }
}

/// Go: whether a deferred function literal assigns the commit's error to a variable of
/// the enclosing function that is no named result (`err = tx.Commit()` in `defer func()
/// { … }()`) and does not read it afterwards: the function's results were fixed before
/// the deferred call ran, so the error reaches nobody.
fn lost_in_deferred_literal(cx: &Context, commit: &crate::context::Commit) -> bool {
    if cx.ir.language != Language::Go {
        return false;
    }
    let function = cx.function(commit.function);
    let ResultUse::Assigned(bindings) = &function.call(commit.call).result else {
        return false;
    };
    let [Binding::Var(var)] = bindings.as_slice() else {
        return false;
    };
    let Some((outer_function, outer_var)) = function.var(*var).outer else {
        return false;
    };
    if cx.function(outer_function).var(outer_var).kind != txlint_ir::ir::VarKind::Local {
        return false;
    }
    let Some(parent) = function.parent else {
        return false;
    };
    let deferred_literals: Vec<FuncId> = cx
        .function(parent)
        .calls
        .iter()
        .filter(|call| call.result == ResultUse::Deferred)
        .filter_map(|call| match &call.callee {
            Callee::Other(Operand::Closure(id)) => Some(*id),
            _ => None,
        })
        .collect();
    if !deferred_literals.contains(&commit.function) {
        return false;
    }
    // Another deferred literal that sees the same variable may read it later (one
    // deferred before this one runs after it).
    let shared = deferred_literals.iter().any(|&other| {
        other != commit.function
            && cx
                .function(other)
                .vars
                .iter()
                .any(|v| v.outer == Some((outer_function, outer_var)))
    });
    !shared && !read_after(function, commit.call, *var)
}

/// Whether a path from a call reads a variable (in a later event or a terminator).
fn read_after(function: &Function, call: CallId, var: VarId) -> bool {
    let mentions = |operand: &Operand| operand.root_var() == Some(var);
    let reads = |event: &Event| match event {
        Event::Use { operand, .. } => mentions(operand),
        Event::Assign { values, .. } => values.iter().any(mentions),
        Event::Call(id) => {
            let call = function.call(*id);
            call.args.iter().any(mentions)
                || matches!(&call.callee, Callee::Method { receiver, .. } if mentions(receiver))
        }
        _ => false,
    };
    let terminator_reads = |terminator: &Terminator| match terminator {
        Terminator::Return { values, .. } => values.iter().any(mentions),
        Terminator::Branch {
            nil_test: Some(test),
            ..
        } => mentions(&test.operand),
        _ => false,
    };
    let Some((start, position)) = function
        .cfg
        .blocks
        .iter()
        .enumerate()
        .find_map(|(b, block)| {
            block
                .events
                .iter()
                .position(|e| *e == Event::Call(call))
                .map(|p| (b, p))
        })
    else {
        return true;
    };
    let first = &function.cfg.blocks[start];
    if first.events[position + 1..].iter().any(reads) || terminator_reads(&first.terminator) {
        return true;
    }
    let cfg = &function.cfg;
    cfg.reachable_from(&cfg.successors(BlockId(start as u32)))
        .into_iter()
        .any(|block| {
            let block = cfg.block(block);
            block.events.iter().any(reads) || terminator_reads(&block.terminator)
        })
}

/// [`error_discarded`] for uses that cannot involve calls (GORM's `.Error` field).
fn error_discarded_plain(result: &ResultUse) -> bool {
    match result {
        ResultUse::Discarded | ResultUse::Spawned => true,
        ResultUse::Assigned(bindings) => bindings.iter().all(|b| *b == Binding::Blank),
        _ => false,
    }
}

/// Whether the handle a GORM-style commit was called on hands its error to the caller.
/// GORM records a failed commit on the receiver itself (`AddError`; the result is that
/// same handle), so `db.Commit()` on a handle the caller passed in leaves the error in the
/// caller's `db.Error`. That is the function's way of reporting errors when it uses the
/// parameter's `Error` itself (tests or sets `db.Error`, calls `db.AddError`), as GORM
/// callbacks and plugins do; a helper that never does is reported.
fn receiver_keeps_error(function: &Function, receiver: &Operand) -> bool {
    use txlint_ir::ir::VarKind;
    let Operand::Var(var) = receiver else {
        return false;
    };
    if !matches!(function.var(*var).kind, VarKind::Param | VarKind::Receiver) {
        return false;
    }
    let error_field = Operand::Field(Box::new(receiver.clone()), "Error".into());
    let in_events = function.events().any(|event| match event {
        Event::Use { operand, .. } => *operand == error_field,
        Event::Assign {
            targets, values, ..
        } => {
            values.contains(&error_field)
                || targets.contains(&Binding::Place(error_field.clone()))
        }
        Event::Call(id) => {
            let call = function.call(*id);
            call.args.contains(&error_field)
                || matches!(&call.callee, Callee::Method { receiver: r, name, .. } if r == receiver && name == "AddError")
        }
        _ => false,
    });
    in_events
        || function.cfg.blocks.iter().any(|block| {
            matches!(&block.terminator, Terminator::Branch { nil_test: Some(test), .. } if test.operand == error_field)
        })
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

/// TX001's second shape: the commit error is checked, but its branch only logs it and the
/// function goes on to return a nil `error`, so its callers see success for a transaction
/// that was rolled back (`if err := tx.Commit(); err != nil { log.Print(err) }; return nil`,
/// typically inside a project's own `Commit` wrapper). Returns the `return` reached, and
/// whether the path there logged the error (or dropped it without a word).
fn swallowed_after_logging(
    cx: &Context,
    function: &Function,
    commit: &crate::context::Commit,
) -> Option<(TextRange, bool)> {
    if cx.ir.language != Language::Go
        || commit.returns != CommitReturns::Error
        || function.result_types.last().map(String::as_str) != Some("error")
    {
        return None;
    }
    let call = function.call(commit.call);
    let ResultUse::Assigned(bindings) = &call.result else {
        return None;
    };
    let [Binding::Var(error)] = bindings.as_slice() else {
        return None;
    };
    let failed = failure_branch(function, commit.call, *error)?;
    let logs = LoggingCalls {
        file: cx.ir,
        models: cx.models,
        function,
    };
    // Depth-first over the paths from the failure branch: a path that does anything with
    // the error but log it (returns, stores, wraps, tests or sends it), ends the program,
    // or leaves a loop iteration is not swallowing it.
    let mut seen = vec![false; function.cfg.blocks.len()];
    let mut stack = vec![(failed, false)];
    while let Some((id, logged)) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        let block = function.cfg.block(id);
        if block
            .events
            .iter()
            .any(|event| !logs.leaves_error_alone(event, *error))
        {
            continue;
        }
        let logged = logged
            || block
                .events
                .iter()
                .any(|event| logs.logs_error(event, *error));
        match &block.terminator {
            // The error tested again. Against one error (`err != nil && err !=
            // sql.ErrTxDone`): that error is let go on purpose, and the path where it is
            // another one goes on. Against nil: the path where it is set goes on.
            Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } if test.operand == Operand::Var(*error) => {
                let goes_on = match (test.one_sided, test.then_is_nil) {
                    (true, true) | (false, false) => *then_block,
                    (true, false) | (false, true) => *else_block,
                };
                stack.push((goes_on, logged));
            }
            Terminator::Return { values, range, .. } => {
                if matches!(values.last(), Some(Operand::Const(nil)) if nil == "nil") {
                    return Some((*range, logged));
                }
            }
            Terminator::NoReturn { .. } | Terminator::Raise { .. } => {}
            _ if block
                .jump
                .is_some_and(|j| matches!(j.kind, JumpKind::Break | JumpKind::Continue)) => {}
            _ => stack.extend(function.cfg.successors(id).into_iter().map(|b| (b, logged))),
        }
    }
    None
}

/// The block entered when `error`, just bound by the commit, is not nil: the first nil
/// test of it after the commit, following straight-line blocks only.
fn failure_branch(function: &Function, commit: CallId, error: VarId) -> Option<BlockId> {
    let mut id = function.cfg.block_of(&Event::Call(commit))?;
    for _ in 0..function.cfg.blocks.len() {
        match &function.cfg.block(id).terminator {
            Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } if test.operand == Operand::Var(error) => {
                // `err != sql.ErrTxDone` is no check of the error: the branch where it
                // holds may have `err` nil or another error.
                if test.one_sided {
                    return None;
                }
                return Some(if test.then_is_nil {
                    *else_block
                } else {
                    *then_block
                });
            }
            Terminator::Goto(next) => id = *next,
            _ => return None,
        }
    }
    None
}

fn report_swallowed(
    cx: &Context,
    function: &Function,
    commit: &crate::context::Commit,
    (exit, logged): (TextRange, bool),
    out: &mut Vec<Diagnostic>,
) {
    let receiver = cx.display(function, commit.receiver);
    let call_text = cx.method_call(function, commit);
    let (message, primary) = match logged {
        true => (
            format!("error returned by `{receiver}.{call_text}` is only logged, and the function then returns nil"),
            "commit error checked, logged and dropped",
        ),
        false => (
            format!("error returned by `{receiver}.{call_text}` is checked and dropped: the function then returns nil"),
            "commit error checked and dropped",
        ),
    };
    out.push(
        cx.diagnostic(
            &RULE,
            function,
            function.call(commit.call).range,
            message,
        )
        .primary_label(primary)
        .label(exit, "returns success although the commit failed")
        .help(format!("return it: `if err := {receiver}.{call_text}; err != nil {{ return fmt.Errorf(\"commit: %w\", err) }}`"))
        .note("a failed commit has rolled the whole transaction back; callers that see a nil error believe it was written")
        .build(),
    );
}

/// Rust closure APIs whose result is the commit's (sled's `tree.transaction(|tx| …)`):
/// the result thrown away (`let _ =`, a statement, `.ok()`) on a handle of the library.
fn check_closure_commits(cx: &Context, out: &mut Vec<Diagnostic>) {
    let libraries: Vec<&crate::models::Library> = cx
        .models
        .libraries
        .iter()
        .filter(|l| l.closure_result_is_commit && l.is_imported_by(cx.ir))
        .collect();
    if libraries.is_empty() {
        return;
    }
    for function in &cx.ir.functions {
        for call in &function.calls {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            if !call.args.iter().any(|a| matches!(a, Operand::Closure(_))) {
                continue;
            }
            let Some(library) = libraries
                .iter()
                .find(|l| l.closure.contains(name) && is_handle(cx, function, l, receiver, 0))
            else {
                continue;
            };
            if !error_discarded(
                function,
                &cx.models.executors.discarding_methods,
                &call.result,
            ) {
                continue;
            }
            let shown = cx.display(function, receiver);
            out.push(
                cx.diagnostic(
                    &RULE,
                    function,
                    call.range,
                    format!("result of `{shown}.{name}(…)` is discarded: it is the {} commit's result", library.name),
                )
                .primary_label("commit error ignored here")
                .help(format!("propagate it: `{shown}.{name}(…)?`, or handle the `Err` with `match` / `if let Err(e)`"))
                .note("the transaction commits when the closure returns `Ok`; a storage error while committing is only in this result, and the writes are not applied")
                .build(),
            );
        }
    }
}

/// Go closure APIs that begin, run the callback, then commit and return the commit's
/// error (or the callback's): GORM's `db.Transaction(func(tx *gorm.DB) error {…})`, bun's
/// `RunInTx`, pgx's `BeginFunc`/`BeginTxFunc`, xorm's `Transaction`. Their error thrown
/// away (a statement, `_ =`, `res, _ :=`) is a discarded commit error. The evidence is the
/// callback's parameter declared with a transaction type of the library the file imports;
/// a project type's own method of that name (a wrapper) proves nothing.
fn check_go_closure_commits(cx: &Context, out: &mut Vec<Diagnostic>) {
    let libraries: Vec<&crate::models::Library> = cx
        .models
        .libraries
        .iter()
        .filter(|l| !l.closure.is_empty() && l.is_imported_by(cx.ir))
        .collect();
    if libraries.is_empty() {
        return;
    }
    let facts = &cx.typed().facts;
    for (index, function) in cx.ir.functions.iter().enumerate() {
        for call in &function.calls {
            let Some(name) = call.callee.name() else {
                continue;
            };
            // On a transaction it is a savepoint, whose error dropped is the documented
            // way to undo only the inner work (GORM's nested `tx.Transaction(…)` returning
            // an error on purpose); the outer transaction's commit is what counts.
            if let Callee::Method { receiver, .. } = &call.callee {
                if on_a_transaction(cx, function, &facts.functions[index], receiver) {
                    continue;
                }
            }
            let error_dropped = call.result.is_dropped()
                || matches!(&call.result, ResultUse::Assigned(bindings) if bindings.last() == Some(&Binding::Blank));
            if !error_dropped {
                continue;
            }
            let Some(library) = libraries.iter().find(|library| {
                library.closure.iter().any(|c| c == name)
                    && call.args.iter().any(|arg| {
                        let Operand::Closure(literal) = arg else {
                            return false;
                        };
                        let literal = cx.ir.function(*literal);
                        literal.params.iter().any(|&p| {
                            literal
                                .var(p)
                                .ty
                                .as_deref()
                                .is_some_and(|ty| library.is_tx_type(ty, cx.ir))
                        })
                    })
            }) else {
                continue;
            };
            if let Callee::Method { receiver, .. } = &call.callee {
                if crate::semantics::typed::open::project_typed(
                    cx.ir, cx.models, function, receiver,
                ) {
                    continue;
                }
            }
            let shown = match &call.callee {
                Callee::Method { receiver, name, .. } => {
                    format!("{}.{name}", cx.display(function, receiver))
                }
                Callee::Path(path) => path.join("."),
                Callee::Other(_) => continue,
            };
            out.push(
                cx.diagnostic(
                    &RULE,
                    function,
                    call.range,
                    format!("error returned by `{shown}(…)` is discarded: it is the {} transaction's commit error (or the callback's)", library.name),
                )
                .primary_label("commit error ignored here")
                .help(format!("check it: `if err := {shown}(…); err != nil {{ return err }}`, or return it"))
                .note("the call commits after the callback returns nil; a failed commit (serialization failure, lost connection, deferred constraint) rolls everything back and is reported only through this error")
                .build(),
            );
        }
    }
}

/// Whether a receiver (the root of its call chain) is a transaction: a variable a begin
/// of the function gave, or a parameter of a function literal declared with a transaction
/// type (the callback of a closure API).
fn on_a_transaction(
    cx: &Context,
    function: &Function,
    facts: &crate::semantics::typed::facts::FunctionFacts,
    receiver: &Operand,
) -> bool {
    let Operand::Var(var) = crate::semantics::typed::transactions::chain_root(function, receiver)
    else {
        return false;
    };
    let from_begin = facts.begins.iter().any(|begin| {
        matches!(&function.call(begin.call).result, ResultUse::Assigned(bindings) if bindings.first() == Some(&Binding::Var(*var)))
    });
    let callback_tx = function.kind == txlint_ir::ir::FunctionKind::Literal
        && function.params.contains(var)
        && function.var(*var).ty.as_deref().is_some_and(|ty| {
            cx.models
                .libraries
                .iter()
                .any(|library| library.is_tx_type(ty, cx.ir))
        });
    from_begin || callback_tx
}

/// Whether an operand is a handle of a closure-commit library: declared with one of its
/// handle types, or bound to a chain that starts at one of its handle functions or ends
/// in a handle method on a handle (`sled::open(p)?`, `db.open_tree("t")?`).
fn is_handle(
    cx: &Context,
    function: &Function,
    library: &crate::models::Library,
    operand: &Operand,
    depth: usize,
) -> bool {
    if depth > 4 {
        return false;
    }
    let declared = match operand {
        Operand::Field(base, name) => {
            crate::semantics::typed::facts::field_type(cx.ir, function, base, name)
        }
        other => crate::semantics::typed::facts::declared_type(cx.ir, function, other),
    };
    if let Some(ty) = declared {
        let owned = ty.trim_start_matches('&');
        let owned = owned
            .strip_prefix("mut")
            .filter(|r| !r.starts_with(|c: char| c.is_lowercase() || c == '_'))
            .unwrap_or(owned);
        if crate::models::rust_type_path(owned, cx.ir)
            .is_some_and(|p| library.handle_types.contains(&p))
        {
            return true;
        }
    }
    let Operand::Var(var) = operand else {
        return false;
    };
    function.calls.iter().enumerate().any(|(index, _)| {
        let id = CallId(index as u32);
        let assigned = matches!(crate::semantics::typed::facts::chain_result(cx.models, function, id),
            ResultUse::Assigned(b) if b.as_slice() == [Binding::Var(*var)]);
        assigned && yields_handle(cx, function, library, id, depth)
    })
}

/// Whether a call's value is a handle: a handle function (`sled::open(p)`), or a handle
/// method (`open_tree`, `open`) on a handle or on a builder chain that starts at a handle
/// function (`sled::Config::new().path(p).open()`). Unwrapping links are looked through.
fn yields_handle(
    cx: &Context,
    function: &Function,
    library: &crate::models::Library,
    id: CallId,
    depth: usize,
) -> bool {
    match &function.call(id).callee {
        Callee::Path(path) => {
            let resolved = crate::models::resolve_rust_path(&path.join("::"), cx.ir);
            library.handle_functions.contains(&resolved)
        }
        Callee::Method {
            receiver: Operand::Call(inner),
            name,
            ..
        } if cx.models.executors.unwrapping_methods.contains(name) => {
            yields_handle(cx, function, library, *inner, depth)
        }
        Callee::Method { receiver, name, .. } if library.handle_methods.contains(name) => {
            if is_handle(cx, function, library, receiver, depth + 1) {
                return true;
            }
            match crate::engine::aliases::base_handle(function, receiver) {
                Operand::Call(base) => matches!(&function.call(base).callee, Callee::Path(path)
                    if library.handle_functions.contains(&crate::models::resolve_rust_path(&path.join("::"), cx.ir))),
                _ => false,
            }
        }
        _ => false,
    }
}
