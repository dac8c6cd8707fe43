//! Calls that run while a transaction is open: between a begin and an end on some path,
//! or anywhere in the callback of a closure API (`db.Transaction(func(tx) error {…})`).

use txlint_ir::ir::{Binding, CallId, Callee, Event, FileIr, FuncId, Function, Operand, VarId};

use crate::engine::aliases::base_handle;
use crate::models::Models;
use crate::semantics::typed::transactions::TxAnalysis;

/// A call made while a transaction is open, and the handle the transaction came from,
/// in the terms of the function the call is in.
pub(crate) struct OpenCall {
    pub function: FuncId,
    pub call: CallId,
    /// The handle the transaction was begun on (`s.db`, `db`, `config.DB`), if known.
    pub origin: Option<Operand>,
}

pub(crate) fn open_calls(
    file: &FileIr,
    models: &Models,
    transactions: &[TxAnalysis],
) -> Vec<OpenCall> {
    let mut calls = Vec::new();
    for analysis in transactions {
        let function = file.function(analysis.function);
        let begin = function.call(analysis.begin.call);
        let origin = match &begin.callee {
            Callee::Method { receiver, .. } => Some(base_handle(function, receiver)),
            // A project function that begins on the handle it is given.
            _ => analysis
                .begin
                .origin
                .and_then(|i| begin.args.get(i))
                .map(|handle| base_handle(function, handle)),
        }
        // An xorm session is its own handle: nothing to bypass through.
        .filter(|o| !matches!(o, Operand::Var(v) if analysis.resource.aliases.contains(v)))
        .filter(|o| !repoints(function, o, &analysis.resource.aliases));
        for &(block, index) in &analysis.outcome.open_events {
            if let Event::Call(id) = &function.cfg.block(block).events[index] {
                if *id != analysis.begin.call {
                    calls.push(OpenCall {
                        function: analysis.function,
                        call: *id,
                        origin: origin.clone(),
                    });
                }
            }
        }
    }
    for (index, function) in file.functions.iter().enumerate() {
        let parent = FuncId(index as u32);
        for call in &function.calls {
            let Some(name) = call.callee.name() else {
                continue;
            };
            if !models
                .libraries
                .iter()
                .any(|l| l.closure.iter().any(|c| c == name))
            {
                continue;
            }
            if let Callee::Method { receiver, .. } = &call.callee {
                if project_typed(file, models, function, receiver) {
                    continue;
                }
            }
            let Some(literal) = call.args.iter().find_map(|a| match a {
                Operand::Closure(id) => Some(*id),
                _ => None,
            }) else {
                continue;
            };
            // A callback that takes no handle (diesel 1.x `conn.transaction(|| …)`) runs its
            // statements on the receiver itself, inside the transaction: nothing to bypass.
            let takes_handle = !file.function(literal).params.is_empty();
            let handle = match &call.callee {
                _ if !takes_handle => None,
                Callee::Method { receiver, .. } => Some(base_handle(function, receiver)),
                // `pgx.BeginFunc(ctx, pool, fn)`: the handle follows the context.
                _ => call
                    .args
                    .get(1)
                    .filter(|a| !matches!(a, Operand::Closure(_)))
                    .cloned(),
            };
            let callback = file.function(literal);
            for body_id in inline_bodies(file, literal) {
                let body = file.function(body_id);
                // The callback's transaction parameter, in the terms of this body.
                let transaction: Vec<VarId> = if body_id == literal {
                    callback.params.clone()
                } else {
                    callback
                        .params
                        .iter()
                        .filter_map(|&p| captured(body, literal, p))
                        .collect()
                };
                let origin = handle
                    .clone()
                    .and_then(|h| translate_into(body, parent, &h))
                    .filter(|o| !repoints(body, o, &transaction));
                for event in body.events() {
                    if let Event::Call(id) = event {
                        calls.push(OpenCall {
                            function: body_id,
                            call: *id,
                            origin: origin.clone(),
                        });
                    }
                }
            }
        }
    }
    calls.sort_by_key(|c| (c.function, c.call));
    calls.dedup_by_key(|c| (c.function, c.call));
    calls
}

/// Whether the function points the handle at the transaction: it stores the transaction,
/// or a part of it, into the handle or one of its fields (GORM's
/// `base.Statement.ConnPool = tx.Statement.ConnPool`), so that statements on the handle run
/// inside the transaction.
fn repoints(function: &Function, handle: &Operand, transaction: &[VarId]) -> bool {
    let within = |operand: &Operand, outer: &Operand| {
        let mut current = operand;
        loop {
            if current == outer {
                return true;
            }
            match current {
                Operand::Field(base, _) => current = base,
                _ => return false,
            }
        }
    };
    function.events().any(|event| match event {
        Event::Assign {
            targets, values, ..
        } => targets.iter().zip(values).any(|(target, value)| {
            let into_handle = match target {
                Binding::Place(place) => within(place, handle),
                Binding::Var(v) => *handle == Operand::Var(*v),
                Binding::Blank => false,
            };
            into_handle && value.root_var().is_some_and(|v| transaction.contains(&v))
        }),
        _ => false,
    })
}

/// A closure API's callback and the literals nested in it that run as part of it
/// (`Box::pin(async move { … })`): not those started elsewhere — a goroutine, a spawned
/// task — which do not run inside the transaction.
fn inline_bodies(file: &FileIr, callback: FuncId) -> Vec<FuncId> {
    const SPAWNERS: [&str; 3] = ["spawn", "spawn_blocking", "spawn_local"];
    let spawned = |literal: FuncId, parent: &Function| {
        parent.events().any(|event| match event {
            Event::Go(id) => parent.call(*id).callee == Callee::Other(Operand::Closure(literal)),
            Event::Call(id) => {
                let call = parent.call(*id);
                call.callee.name().is_some_and(|n| SPAWNERS.contains(&n))
                    && call.args.contains(&Operand::Closure(literal))
            }
            _ => false,
        })
    };
    let mut bodies = vec![callback];
    // Literals come after their parents: one pass in id order sees every ancestor first.
    for (index, function) in file.functions.iter().enumerate().skip(callback.index() + 1) {
        let id = FuncId(index as u32);
        if let Some(parent) = function.parent {
            if bodies.contains(&parent) && !spawned(id, file.function(parent)) {
                bodies.push(id);
            }
        }
    }
    bodies
}

/// Expresses a handle of `parent` in the terms of `literal`: the captured variable that
/// refers to it, or the same global.
fn translate_into(literal: &Function, parent: FuncId, handle: &Operand) -> Option<Operand> {
    match handle {
        Operand::Var(v) => captured(literal, parent, *v).map(Operand::Var),
        Operand::Field(base, name) => {
            translate_into(literal, parent, base).map(|b| Operand::Field(Box::new(b), name.clone()))
        }
        Operand::Global(_) => Some(handle.clone()),
        _ => None,
    }
}

fn captured(literal: &Function, parent: FuncId, var: VarId) -> Option<VarId> {
    literal
        .vars
        .iter()
        .position(|v| v.outer == Some((parent, var)))
        .map(|i| VarId(i as u32))
}

/// Whether a Go receiver is declared with a type of the project (no package qualifier) that
/// embeds no modelled library type in any declaration the file shows: its methods are the
/// project's own, whatever they are called (ory's `p.Transaction(ctx, fn)` passes the
/// transaction through the context, not as a GORM callback's argument).
pub(crate) fn project_typed(
    file: &FileIr,
    models: &Models,
    function: &Function,
    receiver: &Operand,
) -> bool {
    // In Go a library's type is always written with its package (`*gorm.DB`); Rust imports
    // them by name (`&DatabaseConnection`).
    if file.language != txlint_ir::Language::Go {
        return false;
    }
    let Some(declared) = crate::semantics::typed::facts::receiver_type(file, function, receiver)
    else {
        return false;
    };
    let bare = declared.trim_start_matches('*');
    if bare.is_empty() || bare.contains(['.', '[', '{', ' ']) {
        return false;
    }
    let of_library = |ty: &str| {
        let Some((qualifier, _)) = ty.trim_start_matches('*').split_once('.') else {
            return false;
        };
        file.import_named(qualifier)
            .is_some_and(|import| models.is_library_import(&import.path))
    };
    !file
        .fields
        .iter()
        .any(|field| field.owner == bare && field.embedded && of_library(&field.ty))
}
