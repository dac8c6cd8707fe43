//! Calls that block on the network, a timer or another process (TX009), as the library
//! models list them: shared by the rule and by the summaries that carry them across
//! functions.

use std::collections::HashMap;

use txlint_ir::ir::{Binding, Callee, FileIr, Function, Operand, ResultUse, VarId};

use crate::models::{listed, Blocking, Models};
use crate::semantics::python::resolve;

/// What a blocking call does ("makes an HTTP request"), if it is one.
pub(crate) fn go_blocking_call(
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

/// A Go callee as a message shows it: `http.Post`, `client.Do`.
pub(crate) fn shown_go_callee(function: &Function, callee: &Callee) -> Option<String> {
    match callee {
        Callee::Path(path) => Some(path.join(".")),
        Callee::Method { receiver, name, .. } => Some(match receiver {
            Operand::Var(v) => format!("{}.{name}", function.var(*v).name),
            Operand::Field(base, field) => match &**base {
                Operand::Var(v) => format!("{}.{field}.{name}", function.var(*v).name),
                Operand::Global(package) => format!("{package}.{field}.{name}"),
                _ => name.clone(),
            },
            _ => name.clone(),
        }),
        Callee::Other(_) => None,
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
pub(crate) fn constructed_vars(function: &Function) -> HashMap<VarId, String> {
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

/// The fully qualified name of a path callee (`requests.post`).
pub(crate) fn path_name(file: &FileIr, callee: &Callee) -> Option<String> {
    match callee {
        Callee::Path(path) => {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(resolve(file, &segments))
        }
        _ => None,
    }
}

/// Whether a variable holds a client built by one of the blocking client constructors
/// (`session = requests.Session()`, `async with httpx.AsyncClient() as client:`).
fn is_python_client(
    file: &FileIr,
    models: &Models,
    function: &Function,
    receiver: &Operand,
) -> bool {
    let Operand::Var(v) = receiver else {
        return false;
    };
    function.calls.iter().any(|call| {
        matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(*v)))
            && path_name(file, &call.callee)
                .is_some_and(|n| models.blocking.client_constructors.contains(&n))
    })
}

/// A Python call that blocks: a listed function (`requests.post`, `time.sleep`) or a
/// method of a client built in the function by a listed constructor. The call as shown
/// and what it does.
pub(crate) fn python_blocking_call(
    file: &FileIr,
    models: &Models,
    function: &Function,
    call: &txlint_ir::ir::Call,
) -> Option<(String, &'static str)> {
    let blocking = &models.blocking;
    match &call.callee {
        Callee::Path(path) => {
            let name = path_name(file, &call.callee)?;
            blocking
                .functions
                .contains(&name)
                .then(|| (path.join("."), "blocks"))
        }
        Callee::Method { receiver, name, .. } => {
            let client = blocking.client_methods.contains(name)
                && is_python_client(file, models, function, receiver);
            client.then(|| {
                let receiver = match receiver {
                    Operand::Var(v) => function.var(*v).name.clone(),
                    _ => "client".to_string(),
                };
                (format!("{receiver}.{name}"), "makes a network request")
            })
        }
        Callee::Other(_) => None,
    }
}
