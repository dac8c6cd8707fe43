//! TX006 deferred-commit: `defer tx.Commit()` in Go, a commit (or `COMMIT` as SQL text) in
//! Python's `finally` that also runs after a failed statement.

use std::collections::{HashMap, HashSet};

use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, Cfg, Event, FuncId, Function, NilTest, Operand,
    ResultUse, Terminator, VarId, VarKind,
};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::python::{
    can_catch_database_error, catches_every_database_error, connection_of, is_context_manager,
    resolve, Kind,
};

/// TX006 deferred-commit.
pub(crate) static RULE: RuleMeta = rule_meta!("TX006", "deferred-commit", Error, [Go, Python]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Python {
        return check_python(cx, out);
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
            cx.diagnostic(&RULE, function, call.range, message)
                .primary_label("deferred commit")
                .help(format!(
                    "defer `{receiver}.Rollback()` instead and end the success path with `return {receiver}.{}`",
                    call_text
                ))
                .build(),
        );
    }
}

/// Python TX006: `commit()`, or `COMMIT` sent as SQL text, inside a `finally` block.
fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let kinds = &facts.kinds[index];
        let id = FuncId(index as u32);
        let on_connection = |receiver: &Operand| {
            let connection = connection_of(function, kinds, receiver);
            matches!(kinds.get(&connection), Some(Kind::Connection { .. })).then_some(connection)
        };
        // The recognised connection whose transaction a call ends, whether it commits
        // (`commit()`, `COMMIT` as text) or rolls back, and whether as SQL text.
        let ends = |call: &Call| -> Option<(Operand, bool, bool)> {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                return None;
            };
            let methods = &cx.models.connection;
            let method = if methods.commit.iter().any(|m| m == name) {
                Some(true)
            } else if methods.rollback.iter().any(|m| m == name) {
                Some(false)
            } else {
                None
            };
            let (committed, raw) = match method {
                Some(committed) => (committed, false),
                None if methods.statements.iter().any(|m| m == name) => {
                    (facts.sql_effect(id, function, call)?.ends_open?, true)
                }
                None => return None,
            };
            Some((on_connection(receiver)?, committed, raw))
        };
        // The `with` body of a `@contextmanager` runs at its `yield`: a statement failing
        // there comes back into the generator as an exception.
        let body_at_yield = is_context_manager(cx.ir, function);
        let catching = Catching {
            every: &|catches| catches_every_database_error(cx.models, cx.ir, catches),
            some: &|catches| can_catch_database_error(cx.ir, cx.models, catches),
        };
        for (call_index, call) in function.calls.iter().enumerate() {
            let inside_finally = cx
                .ir
                .cleanup_blocks
                .iter()
                .any(|b| b.contains_range(call.range));
            if !inside_finally {
                continue;
            }
            let target = CallId(call_index as u32);
            let commit = match &call.callee {
                Callee::Method { .. } => match ends(call) {
                    Some((connection, true, raw)) => {
                        let rolls_back_connection = |c: &Call| {
                            ends(c).is_some_and(|(other, committed, _)| {
                                !committed && other == connection
                            })
                        };
                        // `finally: conn.rollback(); …; conn.commit()` commits only the
                        // cleanup's own work: the try body's is already rolled back.
                        let unrolled = !always_rolled_back_before(function, target, &rolls_back_connection)
                            // Only an error path commits partial work: one from a failed
                            // database call that reaches the commit with no rollback on
                            // the way (`except Exception: conn.rollback(); raise` covers
                            // them all).
                            && failure_reaches_unrolled(
                                function,
                                target,
                                &rolls_back_connection,
                                |c| match &c.callee {
                                    Callee::Method { receiver, .. } => on_connection(receiver).is_some(),
                                    _ => false,
                                },
                                &catching,
                                body_at_yield,
                            );
                        unrolled.then_some(raw)
                    }
                    _ => None,
                },
                Callee::Path(path) => {
                    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                    cx.models
                        .django
                        .commit
                        .contains(&resolve(cx.ir, &segments))
                        .then_some(false)
                }
                Callee::Other(_) => None,
            };
            let Some(raw) = commit else {
                continue;
            };
            let message = match raw {
                true => "`COMMIT` sent in `finally` commits on error paths too",
                false => "`commit()` in `finally` commits on error paths too",
            };
            out.push(
                cx.diagnostic(&RULE, function, call.range, message.to_string())
                    .primary_label("runs whether the block succeeded or not")
                    .help("commit at the end of the `try` body, and roll back in `except` (or use `with conn:` / `with conn.transaction():`)")
                    .note("after an exception the partial work is committed, or the commit fails and replaces the original exception")
                    .build(),
            );
        }
    }
}

/// The index of the block a call is in.
fn home_block(function: &Function, target: CallId) -> Option<usize> {
    function
        .cfg
        .block_of(&Event::Call(target))
        .map(BlockId::index)
}

/// Whether a path from the exception edge of a database call (`is_database`) reaches
/// `target` without passing a call that `is_rollback` accepts.
/// With `body_at_yield`, a `yield` is such a call: what the `with` body ran there. A
/// database error goes only to the `except` clauses that can catch one, and past them only
/// when none catches every one (`except sqlite3.Error:` does).
fn failure_reaches_unrolled(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
    is_database: impl Fn(&Call) -> bool,
    catching: &Catching,
    body_at_yield: bool,
) -> bool {
    let rolls_back =
        |event: &Event| matches!(event, Event::Call(id) if is_rollback(function.call(*id)));
    let blocks = &function.cfg.blocks;
    let Some(home) = home_block(function, target) else {
        return false;
    };
    // A path also carries the boolean a literal last set on it, so that a branch on that
    // flag goes one way only: `except Error: ok = False` … `finally: if ok: COMMIT else:
    // ROLLBACK` sends the failure to the rollback, and so does `ok = False` before the
    // `try` with `ok = True` after its last statement.
    let carried = flags_at_ends(function);
    let mut seen: HashSet<(BlockId, Flag)> = HashSet::new();
    let mut stack: Vec<(BlockId, Flag)> = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let clauses = match (&block.terminator, block.events.last()) {
            // A rollback that fails leaves nothing of its own to commit.
            (Terminator::MayRaise { handler, .. }, Some(Event::Call(id)))
                if is_database(function.call(*id)) && !is_rollback(function.call(*id)) =>
            {
                catching.clauses(function, *handler)
            }
            (Terminator::MayRaise { handler, .. }, Some(Event::Yield { .. })) if body_at_yield => {
                vec![*handler]
            }
            _ => continue,
        };
        let flags = carried
            .get(&BlockId(index as u32))
            .cloned()
            .unwrap_or_default();
        for clause in clauses {
            stack.extend(flags.iter().map(|flag| (clause, *flag)));
        }
    }
    while let Some((id, flag)) = stack.pop() {
        if !seen.insert((id, flag)) {
            continue;
        }
        let block = &blocks[id.index()];
        let events = &block.events;
        if id.index() == home {
            let before = events.iter().take_while(|e| **e != Event::Call(target));
            if !before.clone().any(rolls_back) {
                return true;
            }
            continue;
        }
        if events.iter().any(rolls_back) {
            continue;
        }
        let flag = events
            .iter()
            .fold(flag, |flag, event| set_flag(function, event, flag));
        // Calls other than the database's are taken not to raise on the way (a `log`
        // before the handler's rollback): only their normal edge is followed.
        match (&block.terminator, events.last()) {
            (Terminator::MayRaise { normal, .. }, Some(Event::Call(call)))
                if !is_database(function.call(*call)) =>
            {
                stack.push((*normal, flag))
            }
            _ => stack.extend(following(function, id, flag).into_iter().map(|s| (s, flag))),
        }
    }
    false
}

/// The boolean a path last set by a literal, if any: `(variable, value)`.
type Flag = Option<(VarId, bool)>;

/// The flags paths from the entry carry out of each block (at its last event).
fn flags_at_ends(function: &Function) -> HashMap<BlockId, Vec<Flag>> {
    let mut ends: HashMap<BlockId, Vec<Flag>> = HashMap::new();
    let mut seen: HashSet<(BlockId, Flag)> = HashSet::new();
    let mut stack: Vec<(BlockId, Flag)> = vec![(Cfg::ENTRY, None)];
    while let Some((id, flag)) = stack.pop() {
        if !seen.insert((id, flag)) {
            continue;
        }
        let flag = function
            .cfg
            .block(id)
            .events
            .iter()
            .fold(flag, |flag, event| set_flag(function, event, flag));
        let out = ends.entry(id).or_default();
        if !out.contains(&flag) {
            out.push(flag);
        }
        stack.extend(following(function, id, flag).into_iter().map(|s| (s, flag)));
    }
    ends
}

/// The blocks a path goes to from `id` carrying `flag`: one side of a branch on the flag,
/// every successor otherwise.
fn following(function: &Function, id: BlockId, flag: Flag) -> Vec<BlockId> {
    match &function.cfg.block(id).terminator {
        Terminator::Branch {
            nil_test:
                Some(NilTest {
                    operand: Operand::Var(tested),
                    then_is_nil,
                    by_truth: true,
                    ..
                }),
            then_block,
            else_block,
            ..
        } if flag.is_some_and(|(var, _)| var == *tested) => {
            let set = flag.is_some_and(|(_, value)| value);
            vec![if set != *then_is_nil {
                *then_block
            } else {
                *else_block
            }]
        }
        _ => function.cfg.successors(id).into_iter().collect(),
    }
}

/// Which `except` clauses catch a database error, by their classes.
struct Catching<'a> {
    /// The clause catches every one (`except Exception:`, `except psycopg2.Error:`).
    every: &'a dyn Fn(&[String]) -> bool,
    /// The clause can catch one (not `except KeyError:`).
    some: &'a dyn Fn(&[String]) -> bool,
}

impl Catching<'_> {
    /// Where a database error raised into `handler` goes: when it only dispatches to the
    /// `except` clauses of its `try`, the clauses that can catch it, and the way on past
    /// them unless one catches every database error.
    fn clauses(&self, function: &Function, handler: BlockId) -> Vec<BlockId> {
        let cfg = &function.cfg;
        let dispatch = cfg.block(handler);
        let Terminator::Switch { targets, .. } = &dispatch.terminator else {
            return vec![handler];
        };
        if !dispatch.events.is_empty() {
            return vec![handler];
        }
        let catches = |entry: BlockId| match cfg.block(entry).events.first() {
            Some(Event::Handler { catches, .. }) => Some(catches.clone()),
            _ => None,
        };
        // Clauses are tried in order: none after one that catches every database error
        // sees one, nor does the way on past the `try`.
        let mut clauses = Vec::new();
        for &entry in targets {
            match catches(entry) {
                Some(c) if (self.every)(&c) => {
                    clauses.push(entry);
                    return clauses;
                }
                Some(c) if (self.some)(&c) => clauses.push(entry),
                Some(_) => {}
                None => clauses.push(entry),
            }
        }
        clauses
    }
}

/// The flag a path carries after an event: a local set to `True` or `False` becomes it, any
/// other write to the carried variable forgets it.
fn set_flag(function: &Function, event: &Event, flag: Flag) -> Flag {
    let written =
        |bindings: &[Binding]| flag.is_some_and(|(var, _)| bindings.contains(&Binding::Var(var)));
    match event {
        Event::Assign {
            targets, values, ..
        } => {
            let literal =
                targets
                    .iter()
                    .zip(values)
                    .find_map(|(target, value)| match (target, value) {
                        (Binding::Var(var), Operand::Const(text))
                            if function.var(*var).kind == VarKind::Local =>
                        {
                            match text.as_str() {
                                "True" | "true" => Some((*var, true)),
                                "False" | "false" => Some((*var, false)),
                                _ => None,
                            }
                        }
                        _ => None,
                    });
            match literal {
                Some(set) => Some(set),
                None if written(targets) => None,
                None => flag,
            }
        }
        Event::Call(id) => match &function.call(*id).result {
            ResultUse::Assigned(bindings) if written(bindings) => None,
            _ => flag,
        },
        _ => flag,
    }
}

/// Whether every path from the function's entry to `target` runs a call that
/// `is_rollback` accepts first.
fn always_rolled_back_before(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
) -> bool {
    function.cfg.always_before(
        &Event::Call(target),
        |event| matches!(event, Event::Call(id) if is_rollback(function.call(*id))),
    )
}
