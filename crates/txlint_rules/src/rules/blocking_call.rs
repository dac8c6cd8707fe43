//! TX009 blocking-call-in-transaction: a network call, a sleep or a subprocess while a
//! transaction is open.

use std::collections::HashMap;

use txlint_ir::ir::{Binding, Callee, FileIr, FuncId, Function, Operand, ResultUse, VarId};
use txlint_ir::Diagnostic;

use crate::models::{listed, Blocking};
use crate::Context;

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.ir.language == txlint_ir::Language::Rust {
        return crate::rules::rust_rules::check_blocking(cx, out);
    }
    if cx.ir.language == txlint_ir::Language::Python {
        return crate::rules::python_open_rules::check_blocking(cx, out);
    }
    let meta = crate::registry::rule("TX009").expect("registered");
    let blocking = &cx.models.blocking;
    let mut constructors: HashMap<FuncId, HashMap<VarId, String>> = HashMap::new();
    for open in cx.open_calls() {
        let function = cx.function(open.function);
        let call = function.call(open.call);
        let built = constructors
            .entry(open.function)
            .or_insert_with(|| constructed_vars(function));
        let Some(what) = blocking_call(cx.ir, function, built, &call.callee, blocking) else {
            continue;
        };
        let shown = match &call.callee {
            Callee::Method { receiver, name, .. } => {
                format!("{}.{name}", cx.display(function, receiver))
            }
            Callee::Path(path) => path.join("."),
            Callee::Other(_) => continue,
        };
        out.push(
            cx.diagnostic(meta, function, call.range, format!("`{shown}` {what} while a transaction is open"))
                .primary_label("blocks with the transaction open")
                .help("do it before the transaction begins or after it ends, or record it in the transaction and act on it afterwards (outbox)")
                .note("the transaction's locks and snapshot, and its pooled connection, are held for the whole call")
                .build(),
        );
    }
}

/// What a blocking call does ("makes an HTTP request"), if it is one.
fn blocking_call(
    file: &FileIr,
    function: &Function,
    built: &HashMap<VarId, String>,
    callee: &Callee,
    blocking: &Blocking,
) -> Option<&'static str> {
    match callee {
        Callee::Path(path) if path.len() == 2 => {
            listed(&blocking.functions, &path.join(".")).then_some("blocks")
        }
        Callee::Method { receiver, name, .. } => {
            if listed(&blocking.client_methods, name)
                && is_client(file, function, receiver, blocking)
            {
                return Some("makes an HTTP request");
            }
            let is_command = |n: &str| listed(&blocking.command_constructors, n);
            if listed(&blocking.command_methods, name)
                && built_by(function, built, receiver, is_command)
            {
                return Some("waits for a subprocess");
            }
            let is_stub = |n: &str| {
                let short = n.rsplit('.').next().unwrap_or(n);
                short.starts_with(&blocking.stub_constructor_prefix)
                    && short.ends_with(&blocking.stub_constructor_suffix)
            };
            built_by(function, built, receiver, is_stub).then_some("makes a remote call")
        }
        _ => None,
    }
}

/// An HTTP client: declared with a client type, or a package-level default client.
fn is_client(file: &FileIr, function: &Function, receiver: &Operand, blocking: &Blocking) -> bool {
    match receiver {
        Operand::Global(name) => file
            .global_type(name)
            .is_some_and(|t| listed(&blocking.client_types, t)),
        Operand::Var(v) => function
            .var(*v)
            .ty
            .as_deref()
            .is_some_and(|t| listed(&blocking.client_types, t)),
        Operand::Field(base, name) => {
            if let Operand::Global(package) = &**base {
                if listed(&blocking.client_globals, &format!("{package}.{name}")) {
                    return true;
                }
            }
            file.fields
                .iter()
                .any(|f| &f.name == name && listed(&blocking.client_types, &f.ty))
        }
        _ => false,
    }
}

/// For each variable assigned the first result of a plain function call
/// (`cmd := exec.Command(…)`), that function's name. Computed once per function.
fn constructed_vars(function: &Function) -> HashMap<VarId, String> {
    let mut vars = HashMap::new();
    for call in &function.calls {
        if let (ResultUse::Assigned(bindings), Callee::Path(path)) = (&call.result, &call.callee) {
            if let Some(Binding::Var(v)) = bindings.first() {
                vars.insert(*v, path.join("."));
            }
        }
    }
    vars
}

/// Whether a receiver is the result of a function matching `constructor`, directly
/// (`exec.Command(…).Run()`) or through a local variable (`cmd := exec.Command(…)`).
fn built_by(
    function: &Function,
    built: &HashMap<VarId, String>,
    receiver: &Operand,
    constructor: impl Fn(&str) -> bool,
) -> bool {
    match receiver {
        Operand::Call(id) => match &function.call(*id).callee {
            Callee::Path(path) => constructor(&path.join(".")),
            _ => false,
        },
        Operand::Var(v) => built.get(v).is_some_and(|name| constructor(name)),
        _ => false,
    }
}
