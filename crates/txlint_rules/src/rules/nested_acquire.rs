//! TX013 nested-acquire: while a connection borrowed from a pool is held (a transaction
//! begun on the pool, a connection acquired from it), the same code borrows another from
//! the same pool. Under load every holder waits for a connection only another waiting
//! holder can give back.

use std::collections::BTreeSet;

use txlint_ir::ir::{
    Binding, BlockId, CallId, Callee, Event, FuncId, Function, Operand, ResultUse, VarId,
};
use txlint_ir::{Diagnostic, Language};

use crate::models::listed;
use crate::open::base_handle;
use crate::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    match cx.ir.language {
        Language::Go | Language::Rust => check_transactions(cx, out),
        Language::Python => crate::rules::python_nested_acquire::check(cx, out),
    }
}

/// A transaction held by one function: where it was begun, on which pool, and the events
/// that run while it is open.
struct Held<'e> {
    function: FuncId,
    begin: CallId,
    pool: Operand,
    aliases: &'e [VarId],
    open_events: &'e [(BlockId, usize)],
}

/// Whether a call's result is assigned to one of these variables.
fn overwrites(function: &Function, id: CallId, aliases: &[VarId]) -> bool {
    matches!(&function.call(id).result, ResultUse::Assigned(bindings)
        if bindings.iter().any(|b| matches!(b, Binding::Var(v) if aliases.contains(v))))
}

/// Go and Rust: a begin or an acquire on the pool a transaction of the same function came
/// from, while that transaction is open.
fn check_transactions(cx: &Context, out: &mut Vec<Diagnostic>) {
    let held: Vec<Held> = match cx.ir.language {
        Language::Go => cx
            .transactions
            .iter()
            .map(|a| (a.function, a.begin.call, &a.resource.aliases, &a.outcome))
            .filter_map(|(f, b, aliases, outcome)| held(cx, f, b, aliases, &outcome.open_events))
            .collect(),
        _ => cx
            .rust_guards()
            .iter()
            .map(|a| (a.function, a.begin.call, &a.resource.aliases, &a.outcome))
            .filter_map(|(f, b, aliases, outcome)| held(cx, f, b, aliases, &outcome.open_events))
            .collect(),
    };
    let meta = crate::registry::rule("TX013").expect("registered");
    let mut reported: BTreeSet<(FuncId, CallId)> = BTreeSet::new();
    for first in &held {
        let function = cx.function(first.function);
        for &(block, index) in first.open_events {
            let Event::Call(id) = &function.cfg.block(block).events[index] else {
                continue;
            };
            if *id == first.begin || reported.contains(&(first.function, *id)) {
                continue;
            }
            let Some(what) = borrow_on(cx, first.function, *id, &first.pool) else {
                continue;
            };
            // Begun again into the same variable while open: the first is lost, which is
            // TX002's finding (the overwritten begin).
            if overwrites(function, *id, first.aliases) {
                continue;
            }
            reported.insert((first.function, *id));
            let call = function.call(*id);
            let pool = cx.display(function, &first.pool);
            out.push(
                cx.diagnostic(
                    meta,
                    function,
                    call.range,
                    format!("{what} from the pool `{pool}` while a transaction on it is still open"),
                )
                .primary_label("takes a second connection from the pool")
                .label(
                    function.call(first.begin).range,
                    "the first connection, held until this transaction ends",
                )
                .help("run this work on the open transaction, or end the transaction before taking another connection")
                .note(NOTE_POOL)
                .build(),
            );
        }
    }
}

const NOTE_POOL: &str = "when every connection of the pool is held by code waiting here, no connection comes back: the pool deadlocks until a timeout fires (and the two transactions can also wait on each other's row locks)";

fn held<'e>(
    cx: &Context,
    function_id: FuncId,
    begin: CallId,
    aliases: &'e [VarId],
    open_events: &'e [(BlockId, usize)],
) -> Option<Held<'e>> {
    let function = cx.function(function_id);
    let Callee::Method { receiver, .. } = &function.call(begin).callee else {
        return None;
    };
    let pool = base_handle(function, receiver);
    // A session that is its own handle (xorm's `s.Begin()` on `s := engine.NewSession()`)
    // borrows nothing more.
    if matches!(&pool, Operand::Var(v) if aliases.contains(v)) || !is_place(&pool) {
        return None;
    }
    Some(Held {
        function: function_id,
        begin,
        pool,
        aliases,
        open_events,
    })
}

/// A variable, a field path of one, or a package-level value: something that names the
/// same pool at two calls.
fn is_place(operand: &Operand) -> bool {
    match operand {
        Operand::Var(_) | Operand::Global(_) => true,
        Operand::Field(base, _) => is_place(base),
        _ => false,
    }
}

/// What a call does that borrows from `pool`: begins a transaction on it (a begin with
/// the evidence the transaction analyses need, or a closure API on it) or acquires a
/// connection from it.
fn borrow_on(
    cx: &Context,
    function_id: FuncId,
    id: CallId,
    pool: &Operand,
) -> Option<&'static str> {
    let function = cx.function(function_id);
    let call = function.call(id);
    let closure_api = |name: &str| {
        cx.models.libraries.iter().any(|l| listed(&l.closure, name))
            && call.args.iter().any(|a| matches!(a, Operand::Closure(_)))
    };
    let (receiver, name) = match &call.callee {
        Callee::Method { receiver, name, .. } => (receiver, name),
        // `pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {…})`: the handle is an argument.
        Callee::Path(path) => {
            let on_pool = call.args.iter().any(|a| base_handle(function, a) == *pool);
            let name = path.last().map(String::as_str).unwrap_or_default();
            return (on_pool && closure_api(name)).then_some("runs a second transaction");
        }
        Callee::Other(_) => return None,
    };
    if base_handle(function, receiver) != *pool {
        return None;
    }
    let begins = cx.facts.functions[function_id.index()]
        .begins
        .iter()
        .any(|b| b.call == id);
    if begins {
        return Some("begins a second transaction");
    }
    if closure_api(name) {
        return Some("runs a second transaction");
    }
    if listed(&cx.models.pools.acquire_methods, name) {
        return Some("acquires a connection");
    }
    None
}
