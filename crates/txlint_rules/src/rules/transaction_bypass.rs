//! TX007 transaction-bypass: while a transaction is open, a statement runs on the handle
//! the transaction came from (or a package-level handle) instead of the transaction.

use txlint_ir::ir::{Binding, CallId, Callee, Function, Operand, ResultUse};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::aliases::base_handle;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::listed;
use crate::semantics::rust::open::{open_calls, path_text};

/// TX007 transaction-bypass.
pub(crate) static RULE: RuleMeta =
    rule_meta!("TX007", "transaction-bypass", Error, [Go, Python, Rust]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return check_rust(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return check_python(cx, out);
    }
    let meta = &RULE;
    let is_global_handle = |operand: &Operand| {
        cx.typed()
            .summaries
            .handle_globals
            .text(cx.models, operand)
            .is_some()
    };
    for open in cx.open_calls() {
        let Some(origin) = &open.origin else {
            continue;
        };
        let function = cx.function(open.function);
        let call = function.call(open.call);
        if let Callee::Path(_) = &call.callee {
            report_helper(cx, function, open.call, origin, out);
            continue;
        }
        let Callee::Method { receiver, name, .. } = &call.callee else {
            continue;
        };
        if !listed(&cx.models.statements.methods, name) {
            // A method of the project (`s.credits.Add(…)`, the package's only method of
            // that name) that runs statements on the handle. A name some library gives a
            // meaning is the library's call on its own value, never the project's method.
            if !is_library_method(cx, name) {
                report_helper(cx, function, open.call, origin, out);
            }
            continue;
        }
        // One finding per chain (`db.Where(…).First(…)`): the link on the handle itself.
        if let Operand::Call(inner) = receiver {
            if statement_in_chain(cx, function, *inner) {
                continue;
            }
        }
        // A chain that ends as an argument (`Where("id IN (?)", db.Table("t").Select("id"))`)
        // is a subquery rendered into the outer statement, not a statement of its own.
        if is_subquery(cx, function, open.call) {
            continue;
        }
        let handle = base_handle(function, receiver);
        let bypasses = handle == *origin || (is_global_handle(&handle) && is_global_handle(origin));
        if !bypasses {
            continue;
        }
        // A single connection (`*pgx.Conn`) is one session: its statements run inside the
        // transaction begun on it.
        if matches!(
            crate::semantics::go::raw::handle_kind(cx.ir, cx.models, function, origin, 0),
            Some(crate::semantics::go::raw::RawHandle::Connection {
                returned_as_is: false
            })
        ) {
            continue;
        }
        let shown = cx.display(function, &handle);
        out.push(
            cx.diagnostic(
                meta,
                function,
                call.range,
                format!("`{shown}.{name}` runs outside the open transaction"),
            )
            .primary_label("runs on the outer handle, not on the transaction")
            .help("run it on the transaction value so that it commits or rolls back with the rest")
            .note("the statement takes a second connection from the pool and commits on its own; under load the two connections can also wait on each other's locks")
            .build(),
        );
    }
}

/// A function (of this file or another of the project) called while the transaction is
/// open that runs a statement on the package-level handle the transaction came from.
fn report_helper(
    cx: &Context,
    function: &Function,
    id: CallId,
    origin: &Operand,
    out: &mut Vec<Diagnostic>,
) {
    let call = function.call(id);
    let Some(origin_text) = cx.typed().summaries.handle_globals.text(cx.models, origin) else {
        return;
    };
    let Some(summary) = cx.typed().summaries.callee_summary(cx.ir, &call.callee) else {
        return;
    };
    let Some(statement) = summary
        .global_statement
        .as_ref()
        .filter(|statement| statement.handle == origin_text)
    else {
        return;
    };
    let meta = &RULE;
    let callee = cx.display(function, &Operand::Call(id));
    out.push(
        cx.diagnostic(
            meta,
            function,
            call.range,
            format!("`{callee}` runs statements on `{origin_text}`, outside the open transaction"),
        )
        .primary_label(&format!(
            "reaches `{}(…)` in `{}`: a statement on `{origin_text}`, not on the transaction",
            statement.call, statement.function
        ))
        .help("pass the transaction to the function and run its statements on it, so that they commit or roll back with the rest")
        .note("each of its statements takes a second connection from the pool and commits on its own; under load the two connections can also wait on each other's locks")
        .build(),
    );
}

/// Whether a library's model gives the method name a meaning (begin, end, statement,
/// query builder, rows).
fn is_library_method(cx: &Context, name: &str) -> bool {
    let models = cx.models;
    listed(&models.statements.builder_methods, name)
        || models.libraries.iter().any(|library| {
            library.is_commit(name)
                || library.is_rollback(name)
                || library.is_acquire(name)
                || library.begin.iter().any(|b| listed(&b.methods, name))
                || library.closure.iter().any(|c| c == name)
        })
}

/// Whether a call chain starting at `call` (inwards) contains a statement method.
fn statement_in_chain(cx: &Context, function: &Function, call: CallId) -> bool {
    let mut current = call;
    loop {
        match &function.call(current).callee {
            Callee::Method { receiver, name, .. } => {
                if listed(&cx.models.statements.methods, name) {
                    return true;
                }
                match receiver {
                    Operand::Call(inner) => current = *inner,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
}

/// Whether the chain that `call` starts only builds a query (every link a builder
/// method) and ends up as a value of another expression: an argument of another call or
/// an element of a composite literal (`gorm.ViewOption{Query: db.Raw(…)}`), a subquery the
/// library renders into another statement. A chain that runs something
/// (`scan(db.QueryRowContext(…))`) is a statement wherever its result goes.
fn is_subquery(cx: &Context, function: &Function, call: CallId) -> bool {
    let builders = &cx.models.statements.builder_methods;
    let mut current = call;
    loop {
        let link = function.call(current);
        if !link
            .callee
            .name()
            .is_some_and(|name| listed(builders, name))
        {
            return false;
        }
        match &link.result {
            ResultUse::Receiver(outer) => current = *outer,
            ResultUse::Argument(_) | ResultUse::Used => return true,
            // An element of a composite literal: rendered by whatever receives the
            // literal. One stored in a field or a variable may be run later, there.
            ResultUse::Assigned(bindings) => {
                return bindings == &[Binding::Place(Operand::Other)];
            }
            _ => return false,
        }
    }
}

fn check_rust(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for (function, id, origin) in open_calls(cx) {
        let Some(origin) = origin else {
            continue;
        };
        let call = function.call(id);
        let shown = cx.display(function, &origin);
        // A function of the crate handed the pool that runs statements on it.
        if let Some(helper) = cx.rust_summaries().callee(cx.ir, function, &call.callee) {
            let through = call
                .args
                .iter()
                .enumerate()
                .any(|(i, a)| *a == origin && helper.statements_at(i));
            if through {
                let name = path_text(&call.callee);
                out.push(
                    cx.diagnostic(meta, function, call.range, format!("`{name}` runs statements on `{shown}` outside the open transaction"))
                        .primary_label("runs on the pool, not on the transaction")
                        .help("pass the transaction to the function instead of the pool (`&mut tx`)")
                        .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                        .build(),
                );
            }
            continue;
        }
        let Callee::Method { name, .. } = &call.callee else {
            continue;
        };
        if !cx.models.executors.methods.contains(name) || !call.args.contains(&origin) {
            continue;
        }
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{name}` runs on `{shown}` outside the open transaction"))
                .primary_label("runs on the pool, not on the transaction")
                .help("pass the transaction as the executor (`&mut *tx`)")
                .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                .build(),
        );
    }
}

fn check_python(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for open in cx.python_open_calls() {
        let Some((receiver, name)) = crate::semantics::python::open::pool_bypass(cx, open) else {
            continue;
        };
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let shown = cx.display(function, receiver);
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{shown}.{name}` runs outside the open transaction"))
                .primary_label("runs on the pool, not on the transaction's connection")
                .help("run it on the connection (or session) the transaction belongs to")
                .note("the pool hands out another connection: the statement commits on its own and can wait on the transaction's locks")
                .build(),
        );
    }
}
