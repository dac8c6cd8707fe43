//! Summaries of a crate's own Rust functions: what each does to the guards, connections
//! and pools handed to it, and whether it hands out a transaction it began. They are
//! computed from the bodies alone (the statements, commits and raw SQL the library models
//! describe), never from the functions' names, resolved within the file to a fixed point
//! and, through the project index, across the modules of the crate.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use txlint_ir::ir::{
    Binding, Callee, Event, FileIr, FuncId, Function, FunctionKind, Operand, VarId,
};

use crate::engine::aliases::aliases_of;
use crate::index::ProjectView;
use crate::models::Models;
use crate::semantics::typed::facts::{FileFacts, Wrapper};

/// Parameter positions as bits: a summary is copied into every file that calls the
/// function, so it holds no allocation. Positions past 63 are never set (such a
/// parameter is not followed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Positions(u64);

impl Positions {
    pub fn has(self, position: usize) -> bool {
        position < 64 && self.0 & (1 << position) != 0
    }

    fn set(&mut self, position: usize, on: bool) {
        if on && position < 64 {
            self.0 |= 1 << position;
        }
    }
}

/// What a function does with each of its parameters, and what it returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RustSummary {
    /// Runs a statement through the parameter (`.execute(&mut **tx)`, `client.execute(..)`),
    /// itself or through a helper.
    pub statements: Positions,
    /// Runs a writing statement through the parameter: a caller's guard lent to it has
    /// then written.
    pub writes: Positions,
    /// Commits or rolls back the parameter (a guard taken by value) on some path.
    pub ends: Positions,
    /// Hands the parameter on where its fate is unknown: returned, stored, captured by a
    /// closure, moved into a call of something that is not one of the crate's functions.
    pub keeps: Positions,
    /// Leaves a raw `BEGIN` open on the parameter (a connection) when it returns
    /// successfully: the function begins a transaction for its caller.
    pub raw_begins: Positions,
    /// Runs `COMMIT`/`ROLLBACK` on the parameter on some path.
    pub raw_ends: Positions,
    /// Returns a guard it begins: its calls are begins too.
    pub begins: Option<Wrapper>,
}

impl RustSummary {
    pub fn writes_at(&self, position: usize) -> bool {
        self.writes.has(position)
    }
    pub fn statements_at(&self, position: usize) -> bool {
        self.statements.has(position)
    }
    pub fn ends_at(&self, position: usize) -> bool {
        self.ends.has(position)
    }
    pub fn keeps_at(&self, position: usize) -> bool {
        self.keeps.has(position)
    }
    pub fn raw_begins_at(&self, position: usize) -> bool {
        self.raw_begins.has(position)
    }
    pub fn raw_ends_at(&self, position: usize) -> bool {
        self.raw_ends.has(position)
    }
}

/// Whether a function gets a summary: a free function, or a method of an `impl` block
/// (`Store::save`, named after the type), not a closure.
pub(crate) fn is_summarized(function: &Function) -> bool {
    function.parent.is_none()
        && matches!(function.kind, FunctionKind::Function | FunctionKind::Method)
}

/// The file's free functions by name and its methods by their full name (`Store::save`),
/// `None` for a name defined twice (in two inline modules, under two `cfg`s): a call of
/// it is not resolved.
fn own_functions(file: &FileIr) -> HashMap<&str, Option<FuncId>> {
    let mut by_name: HashMap<&str, Option<FuncId>> = HashMap::new();
    for (index, function) in file.functions.iter().enumerate() {
        if is_summarized(function) {
            by_name
                .entry(function.name.as_str())
                .and_modify(|id| *id = None)
                .or_insert(Some(FuncId(index as u32)));
        }
    }
    by_name
}

/// The summaries a file's calls are judged by: its own functions', and those of the
/// other modules of its crate that it calls.
#[derive(Debug, Default)]
pub(crate) struct RustSummaries {
    /// By function id: `Some` for the free functions and methods.
    local: Vec<Option<RustSummary>>,
    /// The free functions and methods by name (see [`own_functions`]).
    by_name: HashMap<String, Option<FuncId>>,
    /// Functions of other modules, by the path the file calls them with.
    external: HashMap<Vec<String>, RustSummary>,
    /// Methods of other modules' types, by the receiver's type as declared and the
    /// method's name.
    external_methods: HashMap<(Vec<String>, String), RustSummary>,
}

/// The crate's own type a method call's receiver is declared with, as path segments:
/// `store: &Store`, `repo: &mut db::Repo`, `s: Store`. Generic, boxed or shared
/// receivers (`Arc<Store>`, `&dyn Repo`) are not followed: which `impl` runs is not
/// known from the declaration.
fn receiver_type(file: &FileIr, function: &Function, receiver: &Operand) -> Option<Vec<String>> {
    let Operand::Var(var) = receiver else {
        return None;
    };
    // Declared types are written without whitespace: `&'amutdb::Repo`.
    let mut ty = function.var(*var).ty.as_deref()?;
    if let Some(rest) = ty.strip_prefix('&') {
        ty = rest;
        // `&mut`: what follows is a type (`Store`) or a path the file imports (`db::Repo`);
        // otherwise `mut` begins the type's own name (`&mutex::Guard`).
        let without_mut = |ty: &'_ str| -> Option<usize> {
            let rest = ty.strip_prefix("mut")?;
            let head = rest.split("::").next().unwrap_or_default();
            (rest.starts_with(char::is_uppercase) || file.import_named(head).is_some()).then_some(3)
        };
        let starts_type = |ty: &'_ str| {
            let head = ty.split("::").next().unwrap_or_default();
            ty.starts_with(char::is_uppercase) || file.import_named(head).is_some()
        };
        if let Some(lifetime) = ty.strip_prefix('\'') {
            // The lifetime's name runs into what follows (`'amutdb::Repo`): the shortest
            // name after which a type, or `mut` and a type, begins.
            let split = (1..=lifetime.len())
                .filter(|&at| lifetime.is_char_boundary(at))
                .find(|&at| {
                    let rest = &lifetime[at..];
                    without_mut(rest).is_some() || starts_type(rest)
                })?;
            ty = &lifetime[split..];
        }
        if let Some(skip) = without_mut(ty) {
            ty = &ty[skip..];
        }
    }
    let segments: Vec<String> = ty.split("::").map(str::to_string).collect();
    let plain = |s: &String| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    (segments.iter().all(plain) && segments.last()?.starts_with(char::is_uppercase))
        .then_some(segments)
}

/// Rounds of the file's own fixed point beyond one a function: facts only grow, so this
/// is only a guard against a bug of ours.
const EXTRA_ROUNDS: usize = 4;

impl RustSummaries {
    /// The file's own free function a call names (`helper(…)`), when exactly one has
    /// that name and the name is not imported from elsewhere.
    fn local_function(&self, file: &FileIr, caller: &Function, callee: &Callee) -> Option<FuncId> {
        let Callee::Path(path) = callee else {
            return None;
        };
        match path.as_slice() {
            [name] => {
                let id = (*self.by_name.get(name)?)?;
                file.import_named(name).is_none().then_some(id)
            }
            // An associated function of one of the file's types (`Store::append(&tx, …)`),
            // or of the caller's own (`Self::append`).
            [ty, name] => {
                let ty = match ty.as_str() {
                    "Self" => caller.name.rsplit_once("::")?.0,
                    ty if file.import_named(ty).is_none() => ty,
                    _ => return None,
                };
                *self.by_name.get(&format!("{ty}::{name}"))?
            }
            _ => None,
        }
    }

    /// The file's own function or method a call of `function` names.
    fn local_target(&self, file: &FileIr, function: &Function, callee: &Callee) -> Option<FuncId> {
        if let Some(id) = self.local_function(file, function, callee) {
            return Some(id);
        }
        let Callee::Method { receiver, name, .. } = callee else {
            return None;
        };
        let [own] = receiver_type(file, function, receiver)?.try_into().ok()?;
        if file.import_named(&own).is_some() {
            return None;
        }
        *self.by_name.get(&format!("{own}::{name}"))?
    }

    /// The summary of the function a call of `function` names, if it is one of the
    /// crate's: a free function, or a method called on a receiver declared with one of the
    /// crate's types.
    pub fn callee(
        &self,
        file: &FileIr,
        function: &Function,
        callee: &Callee,
    ) -> Option<&RustSummary> {
        if let Some(id) = self.local_function(file, function, callee) {
            return self.local.get(id.index())?.as_ref();
        }
        match callee {
            Callee::Path(path) => self.external.get(path),
            Callee::Method { receiver, name, .. } => {
                let ty = receiver_type(file, function, receiver)?;
                if let [own] = ty.as_slice() {
                    if file.import_named(own).is_none() {
                        let id = (*self.by_name.get(&format!("{own}::{name}"))?)?;
                        return self.local.get(id.index())?.as_ref();
                    }
                }
                self.external_methods.get(&(ty, name.clone()))
            }
            Callee::Other(_) => None,
        }
    }

    /// The summary of one of the file's own functions.
    pub fn of(&self, id: FuncId) -> Option<&RustSummary> {
        self.local.get(id.index())?.as_ref()
    }

    pub fn compute(
        file: &FileIr,
        models: &Models,
        facts: &FileFacts,
        view: &ProjectView,
    ) -> RustSummaries {
        let by_name: HashMap<String, Option<FuncId>> = own_functions(file)
            .into_iter()
            .map(|(name, id)| (name.to_string(), id))
            .collect();
        let mut summaries = RustSummaries {
            local: file
                .functions
                .iter()
                .map(|f| is_summarized(f).then(RustSummary::default))
                .collect(),
            by_name,
            external: HashMap::new(),
            external_methods: HashMap::new(),
        };
        let mut external = HashMap::new();
        let mut external_methods = HashMap::new();
        for function in &file.functions {
            for call in &function.calls {
                if let Callee::Method { receiver, name, .. } = &call.callee {
                    let Some(ty) = receiver_type(file, function, receiver) else {
                        continue;
                    };
                    if let Entry::Vacant(slot) = external_methods.entry((ty, name.clone())) {
                        if let Some(summary) = view.rust_method(file, &slot.key().0, name) {
                            slot.insert(summary.clone());
                        }
                    }
                    continue;
                }
                let Callee::Path(path) = &call.callee else {
                    continue;
                };
                if external.contains_key(path)
                    || summaries
                        .local_function(file, function, &call.callee)
                        .is_some()
                {
                    continue;
                }
                // A free function, or an associated function of a type of another module
                // (`Store::append(&tx, …)` with `Store` imported).
                let summary = view.rust_function(file, path).or_else(|| {
                    let (name, ty) = path.split_last()?;
                    (!ty.is_empty())
                        .then(|| view.rust_method(file, ty, name))
                        .flatten()
                });
                if let Some(summary) = summary {
                    external.insert(path.clone(), summary.clone());
                }
            }
        }
        summaries.external = external;
        summaries.external_methods = external_methods;
        let wrappers = facts.wrappers(file, models);
        // What the rounds share: each parameter's copies, and the locals closures capture.
        let mut captured: Vec<Vec<VarId>> = vec![Vec::new(); file.functions.len()];
        for function in &file.functions {
            for var in &function.vars {
                if let Some((outer, v)) = var.outer {
                    captured[outer.index()].push(v);
                }
            }
        }
        let aliases: Vec<Vec<Vec<VarId>>> = file
            .functions
            .iter()
            .map(|f| match is_summarized(f) {
                true => f.params.iter().map(|&p| aliases_of(f, p)).collect(),
                false => Vec::new(),
            })
            .collect();
        // The first round summarises every function; a later one only those that call a
        // function of the file whose summary the round before changed.
        let mut dirty: Vec<bool> = file.functions.iter().map(is_summarized).collect();
        for _ in 0..file.functions.len() + EXTRA_ROUNDS {
            let mut changed: Vec<bool> = vec![false; file.functions.len()];
            for index in 0..file.functions.len() {
                if !dirty[index] {
                    continue;
                }
                let own = Own {
                    id: FuncId(index as u32),
                    aliases: &aliases[index],
                    captured: &captured[index],
                };
                let mut fresh = summarize(file, models, &own, &summaries);
                fresh.begins = wrappers[index].clone();
                if summaries.local[index].as_ref() != Some(&fresh) {
                    summaries.local[index] = Some(fresh);
                    changed[index] = true;
                }
            }
            if !changed.iter().any(|c| *c) {
                break;
            }
            dirty = file
                .functions
                .iter()
                .map(|f| {
                    is_summarized(f)
                        && f.calls.iter().any(|call| {
                            summaries
                                .local_target(file, f, &call.callee)
                                .is_some_and(|id| changed[id.index()])
                        })
                })
                .collect();
        }
        summaries
    }
}

/// Whether a call runs a statement through one of `holders`: as the executor argument
/// (`query.execute(&mut *tx)`) or as the receiver of a statement method
/// (`client.execute(sql, params)`).
pub(crate) fn statement_through(
    models: &Models,
    call: &txlint_ir::ir::Call,
    holds: impl Fn(&Operand) -> bool,
) -> bool {
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return false;
    };
    let executors = &models.executors;
    (executors.methods.contains(name) && call.args.iter().any(&holds))
        || (executors.guard_methods.contains(name) && holds(receiver))
}

/// Whether a statement call writes: its SQL's verb, else a writing method.
pub(crate) fn statement_writes(
    models: &Models,
    function: &Function,
    call: &txlint_ir::ir::Call,
) -> bool {
    crate::semantics::rust::writes(models, function, call)
}

/// A function being summarised, with what every round of it shares.
struct Own<'a> {
    id: FuncId,
    /// Per parameter, its copies (itself first).
    aliases: &'a [Vec<VarId>],
    /// The function's locals that closures capture.
    captured: &'a [VarId],
}

/// One function's summary, its callees judged by `summaries`.
fn summarize(file: &FileIr, models: &Models, own: &Own, summaries: &RustSummaries) -> RustSummary {
    let function = file.function(own.id);
    let mut summary = RustSummary::default();
    let is_end = |name: &str| {
        models
            .libraries
            .iter()
            .any(|l| l.is_commit(name) || l.is_rollback(name))
    };
    let raw = crate::semantics::rust::raw_begins(models, file, function, summaries);
    for (position, aliases) in own.aliases.iter().enumerate() {
        let holds = |operand: &Operand| matches!(operand, Operand::Var(v) if aliases.contains(v));
        for call in &function.calls {
            if statement_through(models, call, holds) {
                summary.statements.set(position, true);
                if statement_writes(models, function, call) {
                    summary.writes.set(position, true);
                }
            }
            let on_param = match &call.callee {
                Callee::Method { receiver, .. } => holds(receiver),
                _ => false,
            } || call.args.iter().any(holds);
            if on_param && crate::semantics::rust::raw_sql_end(function, call).is_some() {
                summary.raw_ends.set(position, true);
            }
            if let Callee::Method { receiver, name, .. } = &call.callee {
                if holds(receiver) && is_end(name) {
                    summary.ends.set(position, true);
                }
            }
            let helper = summaries.callee(file, function, &call.callee);
            for (index, arg) in call.args.iter().enumerate() {
                if !holds(arg) {
                    continue;
                }
                let moved = call.moved_args.contains(&index);
                match helper {
                    Some(h) => {
                        summary.statements.set(position, h.statements_at(index));
                        summary.writes.set(position, h.writes_at(index));
                        summary.ends.set(position, h.ends_at(index));
                        summary.raw_ends.set(position, h.raw_ends_at(index));
                        summary.keeps.set(position, moved && h.keeps_at(index));
                    }
                    // `drop(tx)` ends nothing and keeps nothing: the guard rolls back.
                    None if matches!(&call.callee, Callee::Path(p) if p.len() == 1 && p[0] == "drop") =>
                        {}
                    None => summary.keeps.set(position, moved),
                }
            }
        }
        summary.keeps.set(
            position,
            kept(function, aliases) || own.captured.iter().any(|v| aliases.contains(v)),
        );
        summary.raw_begins.set(
            position,
            raw.iter().any(|begin| {
                begin.connection.is_some_and(|c| aliases.contains(&c)) && begin.handed_to_caller()
            }),
        );
    }
    summary
}

/// Whether a function returns one of `aliases` (itself or inside `Ok(…)`) or stores it
/// in a place.
fn kept(function: &Function, aliases: &[VarId]) -> bool {
    let holds = |operand: &Operand| matches!(operand, Operand::Var(v) if aliases.contains(v));
    let in_value = |operand: &Operand| match operand {
        Operand::Call(call) => function.call(*call).args.iter().any(holds),
        other => holds(other),
    };
    let returned = function.cfg.blocks.iter().any(|block| {
        matches!(&block.terminator, txlint_ir::ir::Terminator::Return { values, .. }
            if values.iter().any(in_value))
    });
    let stored = function.events().any(|event| match event {
        Event::Assign {
            targets, values, ..
        } => targets
            .iter()
            .zip(values)
            .any(|(t, v)| matches!(t, Binding::Place(_)) && holds(v)),
        _ => false,
    });
    returned || stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_type_is_read_from_its_declaration() {
        let source = "mod db;\nmod mutex;\nuse db::Repo;\n\
            fn f(a: &Store, b: &mut Store, c: &'a mut db::Repo, d: Arc<Store>, e: &dyn Repo, \
            g: &mutex::Guard, h: Store, i: &mut mutex::Guard, j: u32) {}\n";
        let ir = txlint_rust::lower_file(source);
        let function = ir
            .functions
            .iter()
            .find(|f| f.name == "f")
            .expect("f is lowered");
        let types: Vec<Option<String>> = function
            .params
            .iter()
            .map(|p| receiver_type(&ir, function, &Operand::Var(*p)).map(|s| s.join("::")))
            .collect();
        let expected = [
            Some("Store"),
            Some("Store"),
            Some("db::Repo"),
            None,
            None,
            Some("mutex::Guard"),
            Some("Store"),
            Some("mutex::Guard"),
            None,
        ];
        assert_eq!(
            types,
            expected.map(|t| t.map(str::to_string)).to_vec(),
            "{:?}",
            function
                .params
                .iter()
                .map(|p| &function.var(*p).ty)
                .collect::<Vec<_>>()
        );
    }
}
