//! Rust: the calls made while a guard is open, with the handle the guard came from, and
//! how guards and calls are named in messages (TX002, TX007, TX009, TX011 read them).

use txlint_ir::ir::{Binding, Callee, Event, FileIr, Function, Operand, ResultUse};

use crate::context::Context;
use crate::engine::aliases::base_handle;

pub(crate) fn guard_name(
    function: &Function,
    analysis: &crate::semantics::rust::GuardAnalysis,
) -> String {
    analysis
        .resource
        .aliases
        .first()
        .map_or_else(|| "tx".to_string(), |v| function.var(*v).name.clone())
}

/// A call's path as written: `pg::open`.
pub(crate) fn path_text(callee: &Callee) -> String {
    match callee {
        Callee::Path(path) => path.join("::"),
        other => other.name().unwrap_or_default().to_string(),
    }
}

/// Calls made while a guard is open, with the handle the guard came from.
pub(crate) fn open_calls<'a>(
    cx: &'a Context,
) -> Vec<(&'a Function, txlint_ir::ir::CallId, Option<Operand>)> {
    // One entry per call, the first transaction that has it open deciding its origin: a
    // function with many guards has each call open under many of them.
    let mut calls: std::collections::BTreeMap<_, (&Function, Option<Operand>)> =
        std::collections::BTreeMap::new();
    for analysis in cx.rust_guards() {
        let function = cx.function(analysis.function);
        // A begin on a single connection (rusqlite) has no other handle: statements on
        // the connection it was called on run inside the transaction.
        let single = cx.models.libraries[analysis.begin.library].single_connection;
        let origin = match &function.call(analysis.begin.call).callee {
            Callee::Method { receiver, .. } if !single => Some(base_handle(function, receiver)),
            _ => None,
        };
        for &(block, index) in &analysis.outcome.open_events {
            if let Event::Call(id) = &function.cfg.block(block).events[index] {
                if *id != analysis.begin.call {
                    calls
                        .entry((function.range.start(), *id))
                        .or_insert_with(|| (function, origin.clone()));
                }
            }
        }
    }
    // Inside the closure of a closure API (`db.transaction(|txn| …)`, diesel's
    // `conn.transaction(|c| …)`): the handle outside is the closure's receiver.
    for open in crate::semantics::typed::open::open_calls(cx.ir, cx.models, &[]) {
        let function = cx.function(open.function);
        calls
            .entry((function.range.start(), open.call))
            .or_insert((function, open.origin));
    }
    calls
        .into_iter()
        .map(|((_, id), (function, origin))| (function, id, origin))
        .collect()
}

/// `thread::sleep` with `use std::thread;` → `std::thread::sleep`.
pub(crate) fn resolve(file: &FileIr, path: &[String]) -> String {
    let Some((first, rest)) = path.split_first() else {
        return String::new();
    };
    let mut name = file
        .import_named(first)
        .map_or_else(|| first.clone(), |i| i.path.clone());
    for segment in rest {
        name.push_str("::");
        name.push_str(segment);
    }
    name
}

/// The constructor a value was built with: the path of the call at the base of its
/// chain, directly or through the local variable it was assigned to.
pub(crate) fn constructor(cx: &Context, function: &Function, receiver: &Operand) -> Option<String> {
    match base_handle(function, receiver) {
        Operand::Call(id) => match &function.call(id).callee {
            Callee::Path(path) => Some(resolve(cx.ir, path)),
            _ => None,
        },
        // `let http = Client::builder().timeout(..).build()?;`: the path call at the base
        // of the chain assigned to the variable.
        Operand::Var(v) => function.calls.iter().enumerate().find_map(|(index, call)| {
            let assigned = matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(v)));
            if !assigned {
                return None;
            }
            match base_handle(function, &Operand::Call(txlint_ir::ir::CallId(index as u32))) {
                Operand::Call(base) => match &function.call(base).callee {
                    Callee::Path(path) => Some(resolve(cx.ir, path)),
                    _ => None,
                },
                _ => None,
            }
        }),
        _ => None,
    }
}
