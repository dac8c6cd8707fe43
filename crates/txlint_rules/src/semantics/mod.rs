//! What a value is, per language: the library models and the project index applied to one
//! file's IR. The rules read only what these modules compute (through `Context`); the
//! engine they hand resources to knows no language.
//!
//! - `typed`: Go and Rust values typed by declarations and modelled calls (begins,
//!   transactions followed through the CFG, helper summaries, calls made while one is open);
//! - `go`, `python`, `rust`: what is particular to each language and its libraries;
//! - `blocking`: calls that block on the network (TX009), for Go and Python.

pub(crate) mod blocking;
pub(crate) mod go;
pub(crate) mod param_flags;
pub(crate) mod python;
pub(crate) mod rust;
pub(crate) mod typed;

use std::collections::HashMap;

use txlint_ir::ir::{Callee, FileIr, FuncId, FunctionKind};

/// The file's functions and methods by name (methods by their own short name), for
/// calls to resolve.
pub(crate) fn functions_by_name(file: &FileIr) -> HashMap<String, Vec<FuncId>> {
    let mut by_name: HashMap<String, Vec<FuncId>> = HashMap::new();
    for (index, function) in file.functions.iter().enumerate() {
        let name = match function.kind {
            FunctionKind::Function => function.name.as_str(),
            FunctionKind::Method => function.name.rsplit('.').next().unwrap_or(&function.name),
            FunctionKind::Literal => continue,
        };
        by_name
            .entry(name.to_string())
            .or_default()
            .push(FuncId(index as u32));
    }
    by_name
}

/// The function a call refers to — `helper(…)` or `recv.helper(…)` — when its name
/// identifies exactly one function (or method) of the file.
pub(crate) fn resolve_by_name(
    by_name: &HashMap<String, Vec<FuncId>>,
    file: &FileIr,
    callee: &Callee,
) -> Option<FuncId> {
    let (name, want_method) = match callee {
        // Rust's `self.helper(…)` of the same `impl` is lowered as the path `Type::helper`.
        Callee::Path(path) if path.len() == 1 => (
            &path[0],
            file.language == txlint_ir::Language::Rust && path[0].contains("::"),
        ),
        Callee::Method { name, .. } => (name, true),
        _ => return None,
    };
    let mut candidates = by_name
        .get(name)?
        .iter()
        .copied()
        .filter(|&id| (file.function(id).kind == FunctionKind::Method) == want_method);
    // The one candidate, or none when the name is ambiguous.
    let only = candidates.next()?;
    candidates.next().is_none().then_some(only)
}
