//! Python calls made while a transaction is open: after a statement opened an implicit
//! transaction (until commit, rollback, close or the pool takes the connection back),
//! inside a scoped transaction (`with conn.transaction():`, `with engine.begin()`,
//! `with session.begin():`, `with transaction.atomic():`), and in functions decorated
//! with `@transaction.atomic`.

use std::collections::BTreeSet;

use txlint_ir::ir::{BlockId, CallId, Callee, Event, FuncId, Function, Operand};
use txlint_ir::TextRange;

use crate::context::Context;
use crate::engine::flow::{self, Effect, ExitPolicy, Resource, ResourceModel};
use crate::semantics::python::{resolve, ConnectionModel, Kind, Mode};

/// A call made while a transaction may be open.
pub(crate) struct PyOpenCall {
    pub function: FuncId,
    pub call: CallId,
    /// Whether the transaction is one the code opened on purpose (scoped or explicit),
    /// as opposed to an implicit one.
    pub explicit: bool,
}

/// Ends a scoped transaction at its `with` exit.
pub(crate) struct ScopedModel {
    pub context: CallId,
}

impl ResourceModel for ScopedModel {
    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::ScopeExit {
                context: Some(c), ..
            } if *c == self.context => Effect::End,
            _ => Effect::None,
        }
    }

    fn returned(&self, _values: &[Operand]) -> bool {
        false
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }
}

pub(crate) const POLICY: ExitPolicy = ExitPolicy {
    returns: false,
    raises: false,
    exception_edges: false,
    reacquire: false,
};

/// [`POLICY`] following exceptions too: a call in an `except` clause inside the transaction
/// (`with transaction.atomic(): … try: … except ValueError: requests.get(…)`) runs while
/// it is open. An exception that leaves a `with` block leaves its transaction first.
const OPEN_CALLS_POLICY: ExitPolicy = ExitPolicy {
    exception_edges: true,
    ..POLICY
};

pub(crate) fn open_calls(cx: &Context) -> Vec<PyOpenCall> {
    let facts = cx.python();
    let mut found: BTreeSet<(FuncId, CallId, bool)> = BTreeSet::new();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        let kinds = &facts.kinds[index];
        let mut record = |outcome: &flow::Outcome, explicit: bool| {
            for &(block, event) in &outcome.open_events {
                if let Event::Call(call) = &function.cfg.block(block).events[event] {
                    found.insert((id, *call, explicit));
                }
            }
        };
        // `@transaction.atomic`: the whole body runs in a transaction.
        let atomic = function.decorators.iter().any(|d| {
            let name = d.trim_end_matches("()");
            let segments: Vec<&str> = name.split('.').collect();
            cx.models.django.atomic.contains(&resolve(cx.ir, &segments))
        });
        if atomic {
            let whole = flow::Outcome {
                open_events: after_first_possible_query(cx, function),
                ..flow::Outcome::default()
            };
            record(&whole, true);
        }
        // Implicit transactions, from each statement that opens one.
        for holder in &facts.holders[index] {
            let model = ConnectionModel {
                file: cx.ir,
                models: cx.models,
                facts,
                function_id: id,
                function,
                holder,
                mode: Mode::Implicit,
            };
            let openers: Vec<CallId> = function
                .calls
                .iter()
                .enumerate()
                .filter(|(_, c)| model.is_statement(c) && model.opens(c))
                .map(|(i, _)| CallId(i as u32))
                .take(64)
                .collect();
            for opener in openers {
                let resource = Resource::new(
                    Event::Call(opener),
                    function.call(opener).range,
                    holder.aliases.clone(),
                    OPEN_CALLS_POLICY,
                );
                let outcome = flow::analyze(function, &resource, &model);
                record(&outcome, false);
            }
        }
        // Explicit transactions (asyncpg `await tr.start()`, `trans = conn.begin()`).
        for begin in crate::semantics::python::explicit::begins(cx, index, function) {
            let model = crate::semantics::python::explicit::ExplicitModel {
                cx,
                function,
                begin: &begin,
            };
            let resource = Resource::new(
                Event::Call(begin.call),
                function.call(begin.call).range,
                begin.holders.clone(),
                OPEN_CALLS_POLICY,
            );
            let outcome = flow::analyze(function, &resource, &model);
            record(&outcome, true);
        }
        // Scoped transactions.
        for (call_index, call) in function.calls.iter().enumerate() {
            let call_id = CallId(call_index as u32);
            if !scoped_transaction(cx, id, kinds, call, call_id) {
                continue;
            }
            let resource = Resource::new(
                Event::Call(call_id),
                call.range,
                Vec::new(),
                OPEN_CALLS_POLICY,
            );
            let outcome = flow::analyze(function, &resource, &ScopedModel { context: call_id });
            record(&outcome, true);
        }
    }
    found
        .into_iter()
        .map(|(function, call, explicit)| PyOpenCall {
            function,
            call,
            explicit,
        })
        .collect()
}

/// Whether a call is the context of a scoped transaction.
fn scoped_transaction(
    cx: &Context,
    function: FuncId,
    kinds: &std::collections::HashMap<Operand, Kind>,
    call: &txlint_ir::ir::Call,
    id: CallId,
) -> bool {
    if !cx.python().is_context(function, id) {
        return false;
    }
    match &call.callee {
        Callee::Method { receiver, name, .. } => match kinds.get(receiver) {
            Some(Kind::Connection { .. }) => {
                cx.models.connection.scoped_transactions.contains(name)
            }
            // `with engine.begin() as conn:`: the connection is the `as` target.
            Some(Kind::Pool { pool, .. }) => {
                let commits = cx.models.pool_kinds[*pool]
                    .contexts
                    .iter()
                    .any(|c| &c.method == name && c.exit == crate::models::ContextExit::Commit);
                commits
            }
            _ => false,
        },
        Callee::Path(path) => {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            cx.models.django.atomic.contains(&resolve(cx.ir, &segments))
        }
        Callee::Other(_) => false,
    }
}

/// The events of a `@transaction.atomic` body that may run once the transaction has
/// really begun. Django's outermost `atomic` only turns autocommit off; the driver sends
/// `BEGIN` with the first query, so nothing is locked or snapshotted before it. Any call
/// other than a known blocking function may be that query.
fn after_first_possible_query(cx: &Context, function: &Function) -> Vec<(BlockId, usize)> {
    let blocking = &cx.models.blocking.functions;
    let may_query = |event: &Event| match event {
        Event::Call(id) => match &function.call(*id).callee {
            Callee::Path(path) => {
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                !blocking.contains(&resolve(cx.ir, &segments))
            }
            _ => true,
        },
        _ => false,
    };
    let blocks = &function.cfg.blocks;
    // Forward over the CFG: whether some path into a block has passed a possible query.
    let mut begun_on_entry = vec![false; blocks.len()];
    let mut reached = vec![false; blocks.len()];
    let mut work = vec![BlockId(0)];
    reached[0] = !blocks.is_empty();
    while let Some(id) = work.pop() {
        let block = function.cfg.block(id);
        let begun_on_exit = begun_on_entry[id.index()] || block.events.iter().any(may_query);
        for next in function.cfg.successors(id) {
            let first_visit = !std::mem::replace(&mut reached[next.index()], true);
            if first_visit || (begun_on_exit && !begun_on_entry[next.index()]) {
                begun_on_entry[next.index()] |= begun_on_exit;
                work.push(next);
            }
        }
    }
    let mut open = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let mut begun = begun_on_entry[index];
        for (event_index, event) in block.events.iter().enumerate() {
            if begun {
                open.push((BlockId(index as u32), event_index));
            }
            begun |= may_query(event);
        }
    }
    open
}

/// A statement run on the pool or engine itself while a transaction is open: a second
/// connection, outside the transaction. Its receiver and method.
pub(crate) fn pool_bypass<'a>(
    cx: &Context<'a>,
    open: &PyOpenCall,
) -> Option<(&'a Operand, &'a str)> {
    if !open.explicit {
        return None;
    }
    let function = cx.function(open.function);
    let kinds = &cx.python().kinds[open.function.index()];
    let call = function.call(open.call);
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return None;
    };
    let on_pool = matches!(kinds.get(receiver), Some(Kind::Pool { .. }));
    (cx.models.connection.statements.contains(name) && on_pool).then_some((receiver, name.as_str()))
}
