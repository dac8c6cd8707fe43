//! TX013 nested-acquire: while a connection borrowed from a pool is held (a transaction
//! begun on the pool, a connection acquired from it), the same code borrows another from
//! the same pool. Under load every holder waits for a connection only another waiting
//! holder can give back.

use std::collections::{BTreeSet, HashMap, HashSet};

use txlint_ir::ir::{
    Binding, BlockId, CallId, Callee, Event, FuncId, Function, Operand, ResultUse, VarId,
};
use txlint_ir::{Diagnostic, Language, TextRange};

use crate::context::Context;
use crate::engine::aliases::base_handle;
use crate::engine::flow::{self, Effect, Resource, ResourceModel};
use crate::meta::{rule_meta, RuleMeta};
use crate::models::listed;
use crate::semantics::python::{direct_borrow, ConnectionModel, Holder, Kind, Mode, LOCAL_POOL};
use crate::semantics::typed::transactions::HolderModel;

/// TX013 nested-acquire.
pub(crate) static RULE: RuleMeta =
    rule_meta!("TX013", "nested-acquire", Warning, [Go, Python, Rust]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    match cx.ir.language {
        Language::Go | Language::Rust => check_transactions(cx, out),
        Language::Python => check_python(cx, out),
    }
}

/// What a function holds from a pool.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holding {
    /// A transaction begun on the pool.
    Transaction,
    /// A connection taken out of it (`db.Conn(ctx)`, pgxpool `Acquire`).
    Connection,
}

/// A transaction or connection held by one function: the call that took it, the pool it
/// came from, and the events that run while it is held.
struct Held {
    function: FuncId,
    begin: CallId,
    pool: Operand,
    aliases: Vec<VarId>,
    open_events: Vec<(BlockId, usize)>,
    holding: Holding,
}

/// Whether a call's result is assigned to one of these variables.
fn overwrites(function: &Function, id: CallId, aliases: &[VarId]) -> bool {
    matches!(&function.call(id).result, ResultUse::Assigned(bindings)
        if bindings.iter().any(|b| matches!(b, Binding::Var(v) if aliases.contains(v))))
}

/// Go and Rust: a begin or an acquire on the pool a transaction (or, in Go, a connection)
/// of the same function came from, while that transaction is open.
fn check_transactions(cx: &Context, out: &mut Vec<Diagnostic>) {
    let analyses = match cx.ir.language {
        Language::Go => &cx.typed().transactions[..],
        _ => cx.rust_guards(),
    };
    let mut held: Vec<Held> = analyses
        .iter()
        .filter_map(|a| {
            let open = &a.outcome.open_events;
            held(cx, a.function, a.begin.call, &a.resource.aliases, open)
        })
        .collect();
    match cx.ir.language {
        Language::Go => held.extend(go_connections(cx)),
        Language::Rust => held.extend(rust_connections(cx, &held)),
        Language::Python => {}
    }
    // Which calls begin a transaction, looked up once: a function with thousands of
    // begins would otherwise rescan its begins for every event of every one held.
    let begin_calls: HashSet<(FuncId, CallId)> = cx
        .typed()
        .facts
        .functions
        .iter()
        .enumerate()
        .flat_map(|(index, facts)| {
            facts
                .begins
                .iter()
                .map(move |b| (FuncId(index as u32), b.call))
        })
        .collect();
    let meta = &RULE;
    let mut reported: BTreeSet<(FuncId, CallId)> = BTreeSet::new();
    for first in &held {
        let function = cx.function(first.function);
        for &(block, index) in &first.open_events {
            let Event::Call(id) = &function.cfg.block(block).events[index] else {
                continue;
            };
            if *id == first.begin || reported.contains(&(first.function, *id)) {
                continue;
            }
            let Some(what) = borrow_on(cx, first, *id, &begin_calls) else {
                continue;
            };
            // Begun again into the same variable while open: the first is lost, which is
            // TX002's finding (the overwritten begin).
            if overwrites(function, *id, &first.aliases) {
                continue;
            }
            reported.insert((first.function, *id));
            let call = function.call(*id);
            let pool = cx.display(function, &first.pool);
            let (held_what, label) = match first.holding {
                Holding::Transaction => (
                    "a transaction on it is still open",
                    "the first connection, held until this transaction ends",
                ),
                Holding::Connection => (
                    "a connection taken from it is still held",
                    "the first connection, held until it is closed or released",
                ),
            };
            out.push(
                cx.diagnostic(
                    meta,
                    function,
                    call.range,
                    format!("{what} `{pool}` while {held_what}"),
                )
                .primary_label("takes a second connection from the pool")
                .label(function.call(first.begin).range, label)
                .help("run this work on the connection or transaction already held, or give it back before taking another")
                .note(NOTE_POOL)
                .build(),
            );
        }
    }
}

/// Go: connections taken out of a pool whose receiver has the evidence of a modelled
/// handle (`conn, err := db.Conn(ctx)`, `conn, err := pool.Acquire(ctx)`), held until
/// `Close`/`Release` (deferred or not) or until they leave the function.
fn go_connections(cx: &Context) -> Vec<Held> {
    let acquires = &cx.models.pools.acquire_methods;
    if cx.ir.functions.iter().all(|f| {
        f.calls
            .iter()
            .all(|c| c.callee.name().is_none_or(|n| !listed(acquires, n)))
    }) {
        return Vec::new();
    }
    let handles = crate::semantics::go::rows::Handles::compute(cx.ir, cx.models, &cx.typed().facts);
    let is_release = |name: &str| name == "Close" || name == "Release";
    let mut found = Vec::new();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        // Withheld with a notice (see `FileFacts::crowded`).
        if crate::semantics::typed::facts::too_many_acquires(cx.models, function) {
            continue;
        }
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            if !listed(acquires, name) || !handles.is_handle(cx.ir, cx.models, id, receiver) {
                continue;
            }
            let ResultUse::Assigned(bindings) = &call.result else {
                continue;
            };
            let Some(Binding::Var(conn)) = bindings.first() else {
                continue;
            };
            let aliases = crate::engine::aliases::aliases_of(function, *conn);
            let acquire = CallId(call_index as u32);
            let resource = Resource::go_call(acquire, call.range, aliases.clone(), bindings);
            let model = HolderModel {
                file: cx.ir,
                function_id: id,
                function,
                is_end_method: &is_release,
                end_functions: &[],
                aliases: &aliases,
                summaries: &cx.typed().summaries,
                closed_when_false: &[],
                closed_when_non_nil: &[],
                own_type_results: Vec::new(),
                chains_share_session: false,
            };
            let outcome = flow::analyze(function, &resource, &model);
            if let Some(mut held) = held(cx, id, acquire, &aliases, &outcome.open_events) {
                held.holding = Holding::Connection;
                found.push(held);
            }
        }
    }
    found
}

/// Rust: connections taken out of a sqlx pool (`let mut conn = pool.acquire().await?;`),
/// held until dropped or moved. The receiver must be a pool by evidence: declared with
/// one of sqlx's pool types, or the pool a transaction of the same function was begun on.
fn rust_connections(cx: &Context, transactions: &[Held]) -> Vec<Held> {
    const POOL_TYPES: [&str; 5] = ["PgPool", "MySqlPool", "SqlitePool", "AnyPool", "Pool"];
    let imports_sqlx = cx
        .ir
        .imports
        .iter()
        .any(|i| i.path == "sqlx" || i.path.starts_with("sqlx::"));
    if !imports_sqlx {
        return Vec::new();
    }
    let pool_type = |ty: &str| {
        let bare = ty.trim_start_matches('&').trim_start_matches("mut");
        let name = bare.split('<').next().unwrap_or(bare);
        let last = name.rsplit("::").next().unwrap_or(name);
        POOL_TYPES.contains(&last)
    };
    let mut found = Vec::new();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        // Withheld with a notice (see `FileFacts::crowded`).
        if crate::semantics::typed::facts::too_many_acquires(cx.models, function) {
            continue;
        }
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            if !listed(&cx.models.pools.acquire_methods, name) {
                continue;
            }
            let pool = base_handle(function, receiver);
            let typed = match &pool {
                Operand::Var(v) => function.var(*v).ty.as_deref().is_some_and(pool_type),
                Operand::Field(base, field) => {
                    crate::semantics::typed::facts::field_type(cx.ir, function, base, field)
                        .is_some_and(pool_type)
                }
                _ => false,
            };
            let begun_on = transactions
                .iter()
                .any(|t| t.function == id && t.pool == pool);
            if !typed && !begun_on {
                continue;
            }
            let acquire = CallId(call_index as u32);
            let Some(conn) = crate::semantics::rust::bound_var(cx.models, function, acquire) else {
                continue;
            };
            let aliases = crate::engine::aliases::aliases_of(function, conn);
            let model = crate::semantics::rust::GuardModel {
                models: cx.models,
                file: cx.ir,
                helpers: cx.rust_summaries(),
                function,
                aliases: &aliases,
                commit: &[],
                rollback: &[],
            };
            let resource = Resource::new(
                Event::Call(acquire),
                call.range,
                aliases.clone(),
                crate::semantics::rust::GUARD_EXITS,
            );
            let outcome = flow::analyze(function, &resource, &model);
            if let Some(mut held) = held(cx, id, acquire, &aliases, &outcome.open_events) {
                held.holding = Holding::Connection;
                found.push(held);
            }
        }
    }
    found
}

const NOTE_POOL: &str = "when every connection of the pool is held by code waiting here, no connection comes back: the pool deadlocks until a timeout fires (and the two transactions can also wait on each other's row locks)";

fn held(
    cx: &Context,
    function_id: FuncId,
    begin: CallId,
    aliases: &[VarId],
    open_events: &[(BlockId, usize)],
) -> Option<Held> {
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
        aliases: aliases.to_vec(),
        open_events: open_events.to_vec(),
        holding: Holding::Transaction,
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
    first: &Held,
    id: CallId,
    begin_calls: &HashSet<(FuncId, CallId)>,
) -> Option<&'static str> {
    let (function_id, pool) = (first.function, &first.pool);
    let function = cx.function(function_id);
    let call = function.call(id);
    let closure_api = |name: &str| {
        cx.models.libraries.iter().any(|l| listed(&l.closure, name))
            && call.args.iter().any(|a| matches!(a, Operand::Closure(_)))
    };
    let (receiver, name) = match &call.callee {
        // Rust: `sqlx::query(…).execute(&pool)` borrows for the statement while a connection
        // is held (while a transaction is open it is TX007's finding).
        Callee::Method { name, .. }
            if cx.ir.language == Language::Rust
                && first.holding == Holding::Connection
                && listed(&cx.models.executors.methods, name)
                && call.args.contains(pool) =>
        {
            return Some("runs a statement on the pool");
        }
        Callee::Method { receiver, name, .. } => (receiver, name),
        // `pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {…})`: the handle is an argument.
        Callee::Path(path) => {
            let on_pool = call.args.iter().any(|a| base_handle(function, a) == *pool);
            let name = path.last().map(String::as_str).unwrap_or_default();
            return (on_pool && closure_api(name))
                .then_some("runs a second transaction on the pool");
        }
        Callee::Other(_) => return None,
    };
    if base_handle(function, receiver) != *pool {
        return None;
    }
    if begin_calls.contains(&(function_id, id)) {
        return Some("begins a second transaction on the pool");
    }
    if closure_api(name) {
        return Some("runs a second transaction on the pool");
    }
    if listed(&cx.models.pools.acquire_methods, name) {
        return Some("acquires a second connection from the pool");
    }
    // A statement on the pool while a transaction is open is TX007's finding; while a
    // connection is held, the pool lends another for it.
    if first.holding == Holding::Connection && listed(&cx.models.statements.methods, name) {
        return Some("runs a statement on the pool");
    }
    None
}

/// A connection a function holds, from the call that borrowed it.
struct Borrow {
    call: CallId,
    pool_key: String,
    pool_kind: usize,
}

fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let facts = cx.python();
    let meta = &RULE;
    // A statement on the pool while a transaction is open is TX007's finding.
    let bypasses: BTreeSet<(FuncId, CallId)> = cx
        .python_open_calls()
        .iter()
        .filter(|open| crate::semantics::python::open::pool_bypass(cx, open).is_some())
        .map(|open| (open.function, open.call))
        .collect();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        let kinds = &facts.kinds[index];
        let mut reported: BTreeSet<CallId> = BTreeSet::new();
        for holder in &facts.holders[index] {
            let Some(first) = borrow_of(cx, function, kinds, holder) else {
                continue;
            };
            let connection = ConnectionModel {
                file: cx.ir,
                models: cx.models,
                facts,
                function_id: id,
                function,
                holder,
                mode: Mode::Implicit,
            };
            let model = HeldModel {
                connection: &connection,
                context: holder.context.map(|(c, _)| c),
            };
            let resource = Resource::new(
                Event::Call(first.call),
                function.call(first.call).range,
                holder.aliases.clone(),
                crate::semantics::python::open::POLICY,
            );
            let outcome = flow::analyze(function, &resource, &model);
            for &(block, event) in &outcome.open_events {
                let Event::Call(second) = &function.cfg.block(block).events[event] else {
                    continue;
                };
                if *second == first.call
                    || reported.contains(second)
                    || bypasses.contains(&(id, *second))
                {
                    continue;
                }
                let Some(how) = borrows_same(cx, function, kinds, *second, &first.pool_key) else {
                    continue;
                };
                // The held connection handed to the function (`get_item(item_id, conn=conn)`):
                // it borrows only when given none, the usual reason for such a parameter.
                let call = function.call(*second);
                let hands_on = call
                    .args
                    .iter()
                    .chain(call.keywords.iter().map(|(_, value)| value))
                    .any(|a| connection.is_holder(a));
                if matches!(how, How::Through(_)) && hands_on {
                    continue;
                }
                reported.insert(*second);
                out.push(diagnostic(cx, meta, function, *second, &first, how));
            }
        }
    }
}

/// How a call borrows from the pool.
enum How {
    /// A method of the pool (the call as shown).
    Directly(String),
    /// A function that borrows (the call as shown).
    Through(String),
}

fn diagnostic(
    cx: &Context,
    meta: &'static crate::meta::RuleMeta,
    function: &Function,
    second: CallId,
    first: &Borrow,
    how: How,
) -> Diagnostic {
    let call = function.call(second);
    let (callee, label) = match how {
        How::Directly(callee) => (callee, "borrows another connection from the same pool"),
        How::Through(callee) => (
            callee,
            "this function borrows a connection from the same pool",
        ),
    };
    let message =
        format!("`{callee}` takes a second connection from the pool while this function holds one");
    let exhausted = cx.models.pool_kinds[first.pool_kind]
        .exhausted
        .clone()
        .unwrap_or_else(|| "the pool makes the caller wait for a connection".to_string());
    cx.diagnostic(meta, function, call.range, message)
        .primary_label(label)
        .label(
            function.call(first.call).range,
            "the first connection, held until it is given back",
        )
        .help("give the first connection back before this call, or pass it to the code that needs one")
        .note(format!(
            "when every connection of the pool is held by callers waiting here, none comes back: {exhausted}"
        ))
        .build()
}

/// The borrow that gave a function its connection: the `with` context or the call the
/// holder was assigned from, when it borrows from a pool (or is a helper that does).
fn borrow_of(
    cx: &Context,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    holder: &Holder,
) -> Option<Borrow> {
    let call = match holder.context {
        Some((context, _)) => context,
        None => {
            let Operand::Var(var) = &holder.operand else {
                return None;
            };
            assigned_from(function, *var)?
        }
    };
    let (pool_key, pool_kind) = borrowed_pool(cx, function, kinds, call)?;
    Some(Borrow {
        call,
        pool_key,
        pool_kind,
    })
}

/// The pool a call borrows from (its key and kind): a pool method, or a function whose
/// summary says it borrows.
fn borrowed_pool(
    cx: &Context,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    call: CallId,
) -> Option<(String, usize)> {
    let facts = cx.python();
    let call = function.call(call);
    if let Some((pool, kind)) = direct_borrow(cx.models, kinds, call) {
        return Some((facts.pool_key(function, &pool)?, kind));
    }
    facts
        .callee_summary(cx.ir, function, &call.callee)
        .and_then(|summary| summary.borrows.clone())
}

/// Whether a call borrows from the pool with this key, and how.
fn borrows_same(
    cx: &Context,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    call: CallId,
    key: &str,
) -> Option<How> {
    let (other, _) = borrowed_pool(cx, function, kinds, call)?;
    if other != key {
        return None;
    }
    let shown = cx.display(function, &Operand::Call(call));
    if direct_borrow(cx.models, kinds, function.call(call)).is_some() {
        return Some(How::Directly(shown));
    }
    // A local pool is only ever compared within its function, directly.
    if key.starts_with(LOCAL_POOL) {
        return None;
    }
    Some(How::Through(shown))
}

/// The call a local is assigned from (`conn = await get_connection()`).
fn assigned_from(function: &Function, var: txlint_ir::ir::VarId) -> Option<CallId> {
    function
        .calls
        .iter()
        .position(|call| {
            matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(var)))
        })
        .map(|index| CallId(index as u32))
}

/// A borrowed connection is held until it is given back, closed, its `with` block ends,
/// or it leaves the function (returned, stored).
struct HeldModel<'a> {
    connection: &'a ConnectionModel<'a>,
    context: Option<CallId>,
}

impl ResourceModel for HeldModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) => {
                let call = self.connection.function.call(*id);
                if self.connection.releases(call) || self.connection.closes(call) {
                    Effect::End
                } else {
                    Effect::None
                }
            }
            Event::ScopeExit {
                context: Some(c), ..
            } if Some(*c) == self.context => Effect::End,
            Event::Assign {
                targets, values, ..
            } => {
                let stored = targets
                    .iter()
                    .zip(values)
                    .any(|(t, v)| self.connection.is_holder(v) && matches!(t, Binding::Place(_)));
                if stored {
                    Effect::Escape
                } else {
                    Effect::None
                }
            }
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        values.iter().any(|v| self.connection.is_holder(v))
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }
}
