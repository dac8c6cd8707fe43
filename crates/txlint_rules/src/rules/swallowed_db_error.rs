//! TX003 swallowed-db-error (Python): an `except` that catches a database error and
//! carries on without rolling back leaves the connection in an aborted (or half-done)
//! transaction for whoever uses it next.
//!
//! Django: a database error caught inside `transaction.atomic()` without a savepoint of
//! its own. Django marks the block for rollback: its later queries raise
//! `TransactionManagementError`, and when it ends, everything it wrote is rolled back
//! without an error (LIBRARIES.md, "Django ORM"). The fix Django's documentation gives is
//! an inner `with transaction.atomic():` around the statement that may fail.

use txlint_ir::ir::{BlockId, CallId, Callee, Event, FuncId, Function, Operand, Terminator};
use txlint_ir::{Diagnostic, TextRange};

use crate::context::Context;
use crate::engine::flow::{Effect, ExitKind, ResourceModel};
use crate::meta::{rule_meta, RuleMeta};
use crate::models::Database;
use crate::semantics::python::connections::{
    database_handlers, guarded_calls, hands_holder, holder_name, is_statement_at, label, model,
    swallowed, DatabaseHandler,
};
use crate::semantics::python::{is_atomic_decorated, resolve, ConnectionModel, Mode, Owner};

/// TX003 swallowed-db-error.
pub(crate) static RULE: RuleMeta = rule_meta!("TX003", "swallowed-db-error", Error, [Python]);

/// Where a function runs inside an atomic block: the whole body of an `@atomic`
/// function, or the `with transaction.atomic():` statements (by the context call).
enum Region {
    Function,
    With { call: CallId, range: TextRange },
}

fn check_django_atomic(cx: &Context, out: &mut Vec<Diagnostic>) {
    let django = &cx.models.django;
    if django.atomic.is_empty() {
        return;
    }
    let meta = &RULE;
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        let regions = atomic_regions(cx, id, function);
        if regions.is_empty() {
            continue;
        }
        for (block_index, block) in function.cfg.blocks.iter().enumerate() {
            let Some(Event::Handler { catches, range, .. }) = block.events.first() else {
                continue;
            };
            let catches_db_error = catches.iter().any(|class| {
                let segments: Vec<&str> = class.split('.').collect();
                django.errors.contains(&resolve(cx.ir, &segments))
            });
            if !catches_db_error {
                continue;
            }
            let Some(region) = regions.iter().find(|r| match r {
                Region::Function => true,
                Region::With { range: whole, .. } => whole.contains_range(*range),
            }) else {
                continue;
            };
            let handler = BlockId(block_index as u32);
            // The handler catches only what a savepointed write raises after rolling back
            // to its own savepoint (`except IntegrityError` around `get_or_create`).
            let savepointed_errors = !catches.is_empty()
                && catches.iter().all(|class| {
                    let segments: Vec<&str> = class.split('.').collect();
                    django
                        .savepointed_errors
                        .contains(&resolve(cx.ir, &segments))
                });
            let facts = cx.python();
            // A statement whose error leaves an inner atomic block on its way was rolled
            // back to that block's savepoint: the outer block is intact.
            // (Entering the inner block is no query.)
            let unprotected = guarded_calls(function, handler).iter().any(|(call, exits)| {
                let c = function.call(*call);
                let savepointed = savepointed_errors
                    && facts.writes_in_own_savepoint(cx.ir, cx.models, function, c);
                // A function decorated `@transaction.atomic` rolls back to its own
                // savepoint whatever it raises.
                let own_atomic = facts
                    .callee_summary(cx.ir, function, &c.callee)
                    .is_some_and(|helper| helper.own_atomic);
                // `super()` only finds the base class's method.
                let super_proxy = matches!(&c.callee, Callee::Path(path) if path.len() == 1 && path[0] == "super");
                !is_atomic(cx, c)
                    && !savepointed
                    && !own_atomic
                    && !super_proxy
                    && !exits.iter().any(|exit| {
                        matches!(exit, Event::ScopeExit { context: Some(c), .. } if is_savepoint(cx, function.call(*c)))
                    })
            });
            if !unprotected {
                continue;
            }
            let Some((exit, returns)) = swallowed_in_atomic(cx, function, handler, region) else {
                continue;
            };
            let mut diagnostic = cx
                .diagnostic(
                    meta,
                    function,
                    *range,
                    "the database error is swallowed inside `transaction.atomic()`: the block is left marked for rollback".to_string(),
                )
                .primary_label("catches the error inside the atomic block, without a savepoint");
            if returns {
                diagnostic = diagnostic.label(
                    exit,
                    "returns normally: the atomic block rolls back what it wrote",
                );
            }
            if let Region::With { call, .. } = region {
                let text = match returns {
                    true => "the atomic block",
                    false => {
                        "the atomic block, which carries on and at its end rolls back what it wrote"
                    }
                };
                diagnostic = diagnostic.label(function.call(*call).range, text);
            }
            out.push(
                diagnostic
                    .help("wrap the statement that may fail in its own `with transaction.atomic():` (a savepoint), and catch the error outside it; or re-raise")
                    .note("after an error inside `atomic`, Django refuses every later query of the block (`TransactionManagementError`), and at its end rolls back everything the block wrote, without raising")
                    .build(),
            );
        }
    }
}

fn is_atomic(cx: &Context, call: &txlint_ir::ir::Call) -> bool {
    let Callee::Path(path) = &call.callee else {
        return false;
    };
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    cx.models.django.atomic.contains(&resolve(cx.ir, &segments))
}

/// An inner atomic block that rolls back to a savepoint of its own: not one made with
/// `savepoint=False`, whose error marks the outer block instead.
fn is_savepoint(cx: &Context, call: &txlint_ir::ir::Call) -> bool {
    is_atomic(cx, call)
        && !matches!(call.keyword("savepoint"), Some(Operand::Const(v)) if v == "False")
}

fn atomic_regions(cx: &Context, id: FuncId, function: &Function) -> Vec<Region> {
    if is_atomic_decorated(cx.ir, cx.models, function) {
        return vec![Region::Function];
    }
    let facts = cx.python();
    function
        .calls
        .iter()
        .enumerate()
        .filter(|(index, call)| is_atomic(cx, call) && facts.is_context(id, CallId(*index as u32)))
        .filter_map(|(index, call)| {
            let (_, whole) = cx
                .ir
                .with_blocks
                .iter()
                .find(|(header, _)| header.contains_range(call.range))?;
            Some(Region::With {
                call: CallId(index as u32),
                range: *whole,
            })
        })
        .collect()
}

/// Where the handler carries on inside the atomic block instead of leaving it by an
/// exception: the first `return` (with `true`), or the normal end of the `with` block, that
/// a path from the handler reaches without a `raise` or a call that never returns.
fn swallowed_in_atomic(
    cx: &Context,
    function: &Function,
    handler: BlockId,
    region: &Region,
) -> Option<(TextRange, bool)> {
    let facts = cx.python();
    let mut seen = vec![false; function.cfg.blocks.len()];
    let mut stack = vec![handler];
    while let Some(block_id) = stack.pop() {
        if std::mem::replace(&mut seen[block_id.index()], true) {
            continue;
        }
        let block = function.cfg.block(block_id);
        let mut stopped = false;
        for event in &block.events {
            match event {
                Event::Call(call)
                    if facts.never_returns(cx.ir, cx.models, (function, function.call(*call))) =>
                {
                    stopped = true;
                    break;
                }
                Event::ScopeExit {
                    context: Some(context),
                    exceptional: false,
                    range,
                    ..
                } if matches!(region, Region::With { call, .. } if call == context) => {
                    return Some((*range, false));
                }
                _ => {}
            }
        }
        if stopped {
            continue;
        }
        match &block.terminator {
            Terminator::Goto(next) => stack.push(*next),
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => stack.extend([*then_block, *else_block]),
            Terminator::Switch { targets, .. } => stack.extend(targets.iter().copied()),
            Terminator::MayRaise { normal, .. } => stack.push(*normal),
            Terminator::Return { range, .. } => return Some((*range, true)),
            Terminator::Raise { .. } | Terminator::NoReturn { .. } | Terminator::Unreachable => {}
        }
    }
    None
}

/// TX003 swallowed-db-error.
pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    check_django_atomic(cx, out);
    let meta = &RULE;
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        for handler in database_handlers(cx, function) {
            let DatabaseHandler {
                block,
                catches,
                range,
                body,
            } = handler;
            let guarded = guarded_calls(function, block);
            for holder in &facts.holders[index] {
                let aborted = model(cx, id, holder, Mode::Aborted);
                let handler = (block, body);
                let mode = match statement_undone_alone(cx, &aborted, &guarded, catches, handler) {
                    true => Mode::StatementUndone,
                    false => Mode::Aborted,
                };
                let model = model(cx, id, holder, mode);
                if mode == Mode::StatementUndone
                    && (!ends_the_transaction(&model)
                        || maybe_nothing_open(cx, &model, catches, body))
                {
                    continue;
                }
                let Some(leaks) = swallowed(cx, &model, &guarded, (catches, range, body)) else {
                    continue;
                };
                let name = holder_name(cx, function, holder);
                // What a failed statement does to the transaction depends on the database.
                let database = cx.models.drivers[holder.driver].database;
                let (message, used_again, state, note) = match database {
                    // Nothing of the transaction was lost, but it is still open.
                    Some(database) if mode == Mode::StatementUndone => (
                        format!("the database error is swallowed and `{name}` is left in an open transaction"),
                        "used again here with the transaction still open",
                        "with the transaction still open",
                        match database {
                            Database::Sqlite => "SQLite undoes only the failed statement, but the transaction stays open (the sqlite3 module sends `BEGIN` before running a write, so a write that failed while it ran has begun one) and holds the database's write lock until a commit or rollback: every other writer gets `database is locked`",
                            _ => "MySQL undoes only the failed statement, but the transaction stays open and keeps its locks until a commit or rollback",
                        }
                        .to_string(),
                    ),
                    Some(database @ (Database::Mysql | Database::Sqlite)) => {
                        let db = if database == Database::Mysql { "MySQL" } else { "SQLite" };
                        (
                            format!("the database error is swallowed and `{name}` carries on in a transaction that has lost a statement"),
                            "used again here in the transaction that lost the failed statement",
                            "in the transaction that lost the failed statement",
                            format!("{db} undoes only the failed statement and keeps the transaction open: its locks stay held, and a later commit saves the rest of the unit of work without the part that failed"),
                        )
                    }
                    _ if cx.models.drivers[holder.driver].commit_flushes => (
                        format!("the database error is swallowed and `{name}` is left needing a rollback"),
                        "used again here while the session waits for a rollback",
                        "with the session waiting for a rollback",
                        if holder.owner == Owner::Scoped {
                            "after a failed flush or commit a SQLAlchemy session refuses every later use with `PendingRollbackError` until `rollback()` (after a failed statement on PostgreSQL, its transaction is aborted); this session is the one the rest of the request (or thread) gets, until its registry removes it at teardown".to_string()
                        } else {
                            "after a failed flush or commit a SQLAlchemy session refuses every later use with `PendingRollbackError` until `rollback()` (after a failed statement on PostgreSQL, its transaction is aborted)".to_string()
                        },
                    ),
                    _ => (
                        format!("the database error is swallowed and `{name}` stays in an aborted transaction"),
                        "used again here while its transaction is aborted",
                        "in the aborted transaction",
                        "after a failed statement PostgreSQL rejects every later statement (`current transaction is aborted`) until a rollback, and a pool receives the connection INERROR".to_string(),
                    ),
                };
                let mut diagnostic = cx
                    .diagnostic(meta, function, range, message)
                    .primary_label("catches the error without rollback or re-raise");
                for exit in &leaks {
                    let text = match exit.kind {
                        ExitKind::Released if is_statement_at(&model, exit.range) => {
                            used_again.to_string()
                        }
                        ExitKind::Return | ExitKind::FunctionEnd
                            if holder.borrowed.is_some() && holder.owner == Owner::Local =>
                        {
                            format!("returns here without giving `{name}` back: the pool counts it lent, {state}")
                        }
                        _ => label(exit, state),
                    };
                    diagnostic = diagnostic.label(exit.range, &text);
                }
                out.push(
                    diagnostic
                        .help(if mode == Mode::StatementUndone {
                            format!("end the transaction on this path too: `{name}.commit()` (or `rollback()`) in the handler or after the `try`, or re-raise")
                        } else if holder.borrowed.is_some() && holder.owner == Owner::Local {
                            format!("call `{name}.rollback()` in the handler and give the connection back to its pool (in a `finally`), or re-raise")
                        } else {
                            format!("call `{name}.rollback()` in the handler, or re-raise")
                        })
                        .note(note)
                        .build(),
                );
                break;
            }
        }
    }
}

/// Whether the swallowed error leaves the transaction as it was before the statement that
/// failed, so that carrying on loses nothing (the "insert, or skip it" idiom, `except
/// IntegrityError: pass`): the database undoes a failed statement alone (SQLite; MySQL
/// for the errors it undoes so, not a deadlock, which rolls back the whole transaction),
/// the connection is not an ORM session (whose failed flush waits for a rollback on any
/// database), and of the calls whose error can reach the handler (nested `try`s
/// included) exactly one is a statement that may write, one statement on the connection
/// itself, not repeated by a loop inside the `try`; none hands the connection (or a cursor
/// of it) to other code or calls a function of the project, which may write too.
fn statement_undone_alone(
    cx: &Context,
    model: &ConnectionModel,
    guarded: &[(CallId, Vec<Event>)],
    catches: &[String],
    (handler, try_body): (BlockId, TextRange),
) -> bool {
    let driver = &cx.models.drivers[model.holder.driver];
    let undone_alone = match driver.database {
        Some(Database::Sqlite) => true,
        Some(Database::Mysql) => {
            !catches.is_empty()
                && catches.iter().all(|class| {
                    let last = class.rsplit('.').next().unwrap_or(class);
                    cx.models
                        .connection
                        .statement_errors
                        .iter()
                        .any(|e| e == last)
                })
        }
        _ => false,
    };
    if !undone_alone || driver.commit_flushes {
        return false;
    }
    let function = model.function;
    let mut raising: Vec<CallId> = guarded.iter().map(|(id, _)| *id).collect();
    for (index, block) in function.cfg.blocks.iter().enumerate() {
        let Terminator::MayRaise { handler: to, .. } = block.terminator else {
            continue;
        };
        if inside(function, BlockId(index as u32), try_body) && reaches(function, to, handler) {
            raising.extend(block.events.iter().filter_map(|event| match event {
                Event::Call(id) => Some(*id),
                _ => None,
            }));
        }
    }
    raising.sort();
    raising.dedup();
    let mut writes = Vec::new();
    for &id in &raising {
        let call = function.call(id);
        if several_statements(function, call) {
            return false;
        }
        if model.is_statement(call) {
            if !reads_only(function, call) {
                writes.push(id);
            }
        } else if hands_holder(cx, model, call)
            || model.facts.may_call_own_function(cx.ir, &call.callee)
            || model
                .facts
                .callee_summary(cx.ir, function, &call.callee)
                .is_some()
        {
            return false;
        }
    }
    let [write] = writes[..] else {
        return false;
    };
    model.calls_holder(&Event::Call(write)) && !repeated_inside_try(function, write, try_body)
}

/// Calls that run several statements, of which some may stay when a later one fails:
/// `executemany`, `executescript`, `callproc`, and SQLite's `OR ROLLBACK` (which rolls back
/// the whole transaction) and `OR FAIL` (which keeps what the statement did before it failed).
fn several_statements(function: &Function, call: &txlint_ir::ir::Call) -> bool {
    if let Callee::Method { name, .. } = &call.callee {
        if matches!(name.as_str(), "executemany" | "executescript" | "callproc") {
            return true;
        }
    }
    let Some(texts) = sql_texts(function, call) else {
        return false;
    };
    texts.iter().any(|sql| {
        let words: Vec<String> = sql
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        words
            .windows(2)
            .any(|pair| pair[0] == "OR" && matches!(pair[1].as_str(), "ROLLBACK" | "FAIL"))
    })
}

/// The SQL texts a statement may run, when they are known (a literal, or a local every
/// assignment of which is one).
fn sql_texts(function: &Function, call: &txlint_ir::ir::Call) -> Option<Vec<String>> {
    call.args
        .first()
        .and_then(|sql| crate::semantics::python::sql_values(function, sql))
}

/// A statement whose SQL is known and is only `SELECT`s.
fn reads_only(function: &Function, call: &txlint_ir::ir::Call) -> bool {
    let Some(texts) = sql_texts(function, call) else {
        return false;
    };
    !texts.is_empty()
        && texts.iter().all(|sql| {
            let verb: String = sql
                .trim_start()
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            verb.eq_ignore_ascii_case("SELECT")
        })
}

/// Whether a block lies inside the `try` body: every range it holds does. A loop around
/// the whole `try` has its header outside it, and so has code after it.
fn inside(function: &Function, block: BlockId, try_body: TextRange) -> bool {
    let data = function.cfg.block(block);
    let event_ranges = data.events.iter().filter_map(|event| match event {
        Event::Call(id) => Some(function.call(*id).range),
        Event::Assign { range, .. } => Some(*range),
        _ => None,
    });
    let terminator_range = match &data.terminator {
        Terminator::Branch { range, .. }
        | Terminator::Switch { range, .. }
        | Terminator::Return { range, .. }
        | Terminator::MayRaise { range, .. }
        | Terminator::Raise { range }
        | Terminator::NoReturn { range, .. } => Some(*range),
        Terminator::Goto(_) | Terminator::Unreachable => None,
    };
    event_ranges
        .chain(terminator_range)
        .all(|range| try_body.contains_range(range))
}

/// Whether a loop inside the `try` can run the call again after it succeeded: its block
/// lies on a cycle of blocks of the `try` body (a loop around the whole `try` does not
/// count: each round enters the `try` afresh).
fn repeated_inside_try(function: &Function, call: CallId, try_body: TextRange) -> bool {
    let Some(home) = function
        .cfg
        .blocks
        .iter()
        .position(|block| block.events.contains(&Event::Call(call)))
    else {
        return true;
    };
    let home = BlockId(home as u32);
    let mut seen = vec![false; function.cfg.blocks.len()];
    let mut stack = function.cfg.successors(home);
    while let Some(block) = stack.pop() {
        if block == home {
            return true;
        }
        if !std::mem::replace(&mut seen[block.index()], true) && inside(function, block, try_body) {
            stack.extend(function.cfg.successors(block));
        }
    }
    false
}

fn reaches(function: &Function, from: BlockId, to: BlockId) -> bool {
    function.cfg.reachable_from(&[from]).contains(&to)
}

/// Whether the function ends the connection's transaction itself somewhere (commits,
/// rolls back, closes it, or gives it back): then leaving with it open after the
/// swallowed error skips what the path without the error does. A function that leaves
/// the ending to its caller on every path leaves it so after the error too.
fn ends_the_transaction(model: &ConnectionModel) -> bool {
    (0..model.function.calls.len())
        .any(|index| model.effect(&Event::Call(CallId(index as u32))) != Effect::None)
}

/// Whether the failed write may have left nothing open on SQLite: the handler catches only
/// `OperationalError`, which is also what a statement that fails to prepare raises (`no
/// such table`, an unknown column), before the sqlite3 module sends `BEGIN`, and no write
/// on the connection comes before the `try` in the function. (`IntegrityError` is raised
/// while the statement runs, after `BEGIN`.)
fn maybe_nothing_open(
    cx: &Context,
    model: &ConnectionModel,
    catches: &[String],
    try_body: TextRange,
) -> bool {
    let driver = &cx.models.drivers[model.holder.driver];
    let only_operational = !catches.is_empty()
        && catches
            .iter()
            .all(|class| class.rsplit('.').next() == Some("OperationalError"));
    driver.database == Some(Database::Sqlite)
        && only_operational
        && !model.function.calls.iter().any(|call| {
            call.range.end() <= try_body.start()
                && model.is_statement(call)
                && !reads_only(model.function, call)
        })
}
