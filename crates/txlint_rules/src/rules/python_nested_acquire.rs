//! TX013 in Python: while a function holds a connection borrowed from a pool (from
//! `pool.getconn()`, `await pool.acquire()`, `with pool.connection() as conn`, or a project
//! helper that hands one out), it borrows another from the same pool, directly or by
//! calling a function that does (the project summaries' `borrows`).

use std::collections::{BTreeSet, HashMap};

use txlint_ir::ir::{Binding, CallId, Event, FuncId, Function, Operand, ResultUse};
use txlint_ir::{Diagnostic, TextRange};

use crate::context::Context;
use crate::engine::flow::{self, Effect, Resource, ResourceModel};
use crate::semantics::python::{direct_borrow, ConnectionModel, Holder, Kind, Mode, LOCAL_POOL};

/// A connection a function holds, from the call that borrowed it.
struct Borrow {
    call: CallId,
    pool_key: String,
    pool_kind: usize,
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let facts = cx.python();
    let meta = crate::registry::rule("TX013").expect("registered");
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
    meta: &'static crate::registry::RuleMeta,
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
        .callee_summary(cx.ir, &call.callee)
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
