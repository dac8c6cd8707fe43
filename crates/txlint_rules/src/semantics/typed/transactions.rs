//! Transactions as resources for the path-sensitive analysis: one per begin call, the
//! events that end it or hand it on, and per-file summaries of helper functions.

use std::collections::{BTreeSet, HashMap, HashSet};

use txlint_ir::ir::{
    Binding, CallId, Callee, Event, FileIr, FuncId, Function, FunctionKind, Operand, ResultUse,
    Terminator, VarId, VarKind,
};
use txlint_ir::{Language, TextRange};

use crate::engine::aliases::{aliases_of, base_handle};
use crate::engine::flow::{self, Effect, ExitPolicy, Outcome, Resource, ResourceModel};
use crate::index::ProjectView;
use crate::models::{BeginResults, Models};
use crate::semantics::param_flags::ParamFlags;
use crate::semantics::typed::facts::{Begin, FileFacts, FunctionFacts, Wrapper};
use crate::semantics::{functions_by_name, resolve_by_name};

const GO_BUILTINS: &[&str] = &[
    "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max",
    "min", "new", "panic", "print", "println", "real", "recover",
];

/// What a function does with its parameters, for calls from elsewhere in the file or
/// the project. Helpers that call helpers are followed to a fixed point.
/// A statement on a package-level handle, as a summary carries it up its callers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GlobalStatement {
    /// The handle as written (`config.DB`).
    pub handle: String,
    /// The statement's call as written (`config.DB.Exec`).
    pub call: String,
    /// The function it is in (`CreditService.Add`), however deep below the caller.
    pub function: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Summary {
    /// How many parameters the function has: methods of one name but different arities
    /// have different summaries even when they say nothing (a call's name keeps a summary
    /// only when every method it may reach has the same one).
    pub arity: usize,
    /// Parameters on which the function calls a commit or rollback method, itself or
    /// through a helper it hands them to.
    pub ends: ParamFlags,
    /// Parameters the function returns, stores or hands to a goroutine (or to a helper
    /// that does).
    pub keeps: ParamFlags,
    /// Parameters the function keeps only by returning them, itself (`return tx`, not
    /// stored, not handed to a helper that keeps them): a caller that uses the result
    /// only as a receiver whose result it drops keeps nothing (`withOptions(tx).Create(x)`).
    pub only_returns: ParamFlags,
    /// Function-valued parameters the function calls, itself, in a literal of its body
    /// (`go func() { done <- f() }()`) or through a helper it hands them to: a method
    /// value `tx.Rollback` passed there is run (`defer try(tx.Rollback, "rollback")`).
    pub calls: ParamFlags,
    /// Whether the body calls `panic` (directly).
    pub panics: bool,
    /// A transaction the function begins and returns: its calls are begins too.
    pub begins: Option<Box<Wrapper>>,
    /// A package-level handle (`config.DB`) the function runs a statement on, itself or
    /// through a helper: called while a transaction of that handle is open, the statement
    /// runs outside it (TX007).
    pub global_statement: Option<Box<GlobalStatement>>,
    /// A blocking call the function makes, itself or through a helper: the call as shown
    /// and what it does (`("http.Post", "blocks")`). Called while a transaction is open,
    /// it holds the transaction for as long (TX009).
    pub blocks: Option<Box<(String, &'static str)>>,
}

/// Facts about the whole file that the transaction analyses share.
pub(crate) struct FileSummaries {
    pub summaries: Vec<Summary>,
    /// Function ids by plain name (`finish`) and by method name (`(*Store).finish` is
    /// found as `finish` too, when unambiguous).
    by_name: HashMap<String, Vec<FuncId>>,
    /// For each function, the literals nested in it at any depth (itself included).
    descendants: Vec<Vec<FuncId>>,
    /// Summaries of functions of other files of the project, by the path the file calls
    /// them with (`rollback`, `dbutil.Rollback`; `.rollback` for a method).
    external: HashMap<Vec<String>, Summary>,
    /// The file's imports of packages of the project (those the project index knows).
    project_imports: HashSet<String>,
    /// The package-level database handles the file can name.
    pub handle_globals: HandleGlobals,
    /// Rust: the begin methods of the libraries (`transaction`, `begin`) that types of the
    /// crate also define, with those types. Called on a value whose type the code does not
    /// show, such a call may be the crate's own (an in-memory batch's `transaction()`).
    pub shadowed_begins: HashMap<String, BTreeSet<String>>,
}

/// The libraries' begin method names that types of the Rust file's crate define too, with
/// those types: in this file or, through the project index, in another module of the crate.
fn shadowed_begins(
    file: &FileIr,
    models: &Models,
    project: &ProjectView,
) -> HashMap<String, BTreeSet<String>> {
    let mut shadowed: HashMap<String, BTreeSet<String>> = HashMap::new();
    let begins: BTreeSet<&String> = models
        .libraries
        .iter()
        .flat_map(|library| &library.begin)
        .flat_map(|spec| &spec.methods)
        .collect();
    for function in file
        .functions
        .iter()
        .filter(|f| f.kind == FunctionKind::Method)
    {
        if let Some((ty, method)) = function.name.rsplit_once("::") {
            if begins.contains(&method.to_string()) {
                shadowed
                    .entry(method.to_string())
                    .or_default()
                    .insert(ty.to_string());
            }
        }
    }
    for name in begins {
        if let Some(types) = project.rust_types_with_method(name) {
            shadowed
                .entry(name.clone())
                .or_default()
                .extend(types.iter().cloned());
        }
    }
    shadowed
}

/// The function literals a function defers (`defer func() { … }()`): they run at each of
/// its exits.
fn deferred_literals(function: &Function) -> Vec<FuncId> {
    function
        .events()
        .filter_map(|event| match event {
            Event::Defer(call) => match &function.call(*call).callee {
                Callee::Other(Operand::Closure(literal)) => Some(*literal),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The value a chain of method calls starts from (`tx` of `tx.WithContext(ctx)`).
pub(crate) fn chain_root<'f>(function: &'f Function, operand: &'f Operand) -> &'f Operand {
    let mut current = operand;
    while let Operand::Call(id) = current {
        match &function.call(*id).callee {
            Callee::Method { receiver, .. } => current = receiver,
            _ => break,
        }
    }
    current
}

/// Whether a library's handles share their session along a chain of method calls: GORM's
/// every method returns a `*gorm.DB` on the same connection or transaction, so
/// `tx.WithContext(ctx).Commit()` commits `tx`'s transaction.
fn chains_share_session(library: &crate::models::Library) -> bool {
    library.commit.returns == crate::models::CommitReturns::Handle
}

fn end_methods(models: &Models) -> impl Fn(&str) -> bool + '_ {
    move |name| models.libraries.iter().any(|l| l.ends_by_method(name))
}

impl FileSummaries {
    pub fn compute(file: &FileIr, models: &Models, project: &ProjectView) -> FileSummaries {
        let is_end = end_methods(models);
        let handle_globals = project.handle_globals(file, models);
        let by_name = functions_by_name(file);
        let mut descendants: Vec<Vec<FuncId>> = (0..file.functions.len())
            .map(|i| vec![FuncId(i as u32)])
            .collect();
        for (index, function) in file.functions.iter().enumerate() {
            if function.kind == FunctionKind::Literal {
                let id = FuncId(index as u32);
                let mut parent = function.parent;
                while let Some(p) = parent {
                    descendants[p.index()].push(id);
                    parent = file.function(p).parent;
                }
            }
        }
        let summaries = file
            .functions
            .iter()
            .enumerate()
            .map(|(index, function)| {
                let id = FuncId(index as u32);
                let calls = calls_params(file, id, &descendants[index]);
                let deferred = deferred_literals(function);
                let ends = function
                    .params
                    .iter()
                    .map(|&p| {
                        let end_of_p = |operand: &Operand| {
                            matches!(operand, Operand::Field(base, name)
                                if **base == Operand::Var(p) && is_end(name))
                        };
                        // A GORM parameter ends by a chain too (`db.WithContext(ctx).Commit()`).
                        let chains_share = function.var(p).ty.as_deref().is_some_and(|ty| {
                            models
                                .libraries
                                .iter()
                                .any(|l| chains_share_session(l) && l.is_tx_type(ty, file))
                        });
                        function.calls.iter().any(|call| {
                            matches!(&call.callee, Callee::Method { receiver, name, .. }
                                if is_end(name) && (*receiver == Operand::Var(p)
                                    || chains_share && *chain_root(function, receiver) == Operand::Var(p)))
                                // The method value `tx.Rollback` handed to a call that runs
                                // it (a timeout or retry helper).
                                || call.args.iter().any(end_of_p)
                        })
                        // A deferred literal that ends it (`defer func() { if err :=
                        // rows.Close(); err != nil { log(err) } }()`). One that recovers
                        // may end it only when a panic is under way (`if r := recover();
                        // r != nil { rows.Close(); panic(r) }`): there, only an end on
                        // every way through the literal counts.
                        || deferred.iter().any(|&literal| {
                            let literal = file.function(literal);
                            let recovers =
                                literal.calls.iter().any(|c| c.callee.is_plain("recover"));
                            literal.calls.iter().enumerate().any(|(index, call)| {
                                matches!(&call.callee, Callee::Method { receiver: Operand::Var(v), name, .. }
                                    if is_end(name) && literal.var(*v).outer == Some((id, p)))
                                    && (!recovers
                                        || literal
                                            .cfg
                                            .block_of(&Event::Call(CallId(index as u32)))
                                            .is_some_and(|block| literal.cfg.on_every_way_out(block)))
                            })
                        })
                    })
                    .collect();
                let (keeps, only_returns): (Vec<bool>, Vec<bool>) = function
                    .params
                    .iter()
                    .map(|&p| {
                        let (stored, returned) = keeps_var(function, p);
                        (stored || returned, returned && !stored)
                    })
                    .unzip();
                let panics = function
                    .calls
                    .iter()
                    .any(|c| c.callee.is_plain("panic"));
                let global_statement = function.calls.iter().find_map(|call| {
                    let Callee::Method { receiver, name, .. } = &call.callee else {
                        return None;
                    };
                    // A statement, or a transaction of its own (`config.DB.Transaction(…)`,
                    // `config.DB.Begin()`): either way a second connection from the pool.
                    let own_transaction = models.libraries.iter().any(|library| {
                        library.closure.iter().any(|c| c == name)
                            || library.begin.iter().any(|b| crate::models::listed(&b.methods, name))
                    });
                    if !crate::models::listed(&models.statements.methods, name) && !own_transaction {
                        return None;
                    }
                    let handle =
                        handle_globals.text(models, &base_handle(function, receiver))?;
                    Some(GlobalStatement {
                        call: crate::semantics::blocking::shown_go_callee(function, &call.callee)
                            .unwrap_or_else(|| format!("{handle}.{name}")),
                        handle,
                        function: function.name.clone(),
                    })
                });
                let built = crate::semantics::blocking::constructed_vars(function);
                let blocks = function.calls.iter().find_map(|call| {
                    let what = crate::semantics::blocking::go_blocking_call(
                        file,
                        function,
                        &built,
                        &call.callee,
                        &models.blocking,
                    )?;
                    Some((crate::semantics::blocking::shown_go_callee(function, &call.callee)?, what))
                });
                Summary {
                    arity: function.params.len(),
                    ends,
                    keeps: keeps.into_iter().collect(),
                    only_returns: only_returns.into_iter().collect(),
                    calls,
                    panics,
                    begins: None,
                    global_statement: global_statement.map(Box::new),
                    blocks: blocks.map(Box::new),
                }
            })
            .collect();
        let mut external = HashMap::new();
        // What each method call reaches, by name: the summaries are keyed by the name
        // alone, so a name is kept only when all its calls reach the same method.
        let mut methods: HashMap<Vec<String>, Vec<Option<&Summary>>> = HashMap::new();
        for function in &file.functions {
            for call in &function.calls {
                let Some(key) = external_key(&call.callee) else {
                    continue;
                };
                if resolve_by_name(&by_name, file, &call.callee).is_none() {
                    if let Callee::Method { receiver, .. } = &call.callee {
                        let receiver_type = match receiver {
                            Operand::Var(var) => function.var(*var).ty.as_deref(),
                            // A chain rooted at a value of another package's type
                            // (`tx.Where(…).First(…)` on `tx *gorm.DB`) never reaches this
                            // package's types: Go's imports have no cycles.
                            Operand::Call(_) => match base_handle(function, receiver) {
                                Operand::Var(root) => function
                                    .var(root)
                                    .ty
                                    .as_deref()
                                    .filter(|ty| crate::index::bare_go_type(ty).contains('.')),
                                _ => None,
                            },
                            _ => None,
                        };
                        let found = project.go_function_on(file, &call.callee, receiver_type);
                        methods.entry(key).or_default().push(found);
                        continue;
                    }
                    let found = project.go_function(file, &call.callee);
                    if let Some(summary) = found {
                        external.insert(key, summary.clone());
                    } else if let Some(begins) = project.rust_begins(file, &call.callee) {
                        // A function of another module of the crate that returns a guard
                        // it begins: its calls are begins (see `FileFacts`).
                        external.insert(
                            key,
                            Summary {
                                begins: Some(Box::new(begins)),
                                ..Summary::default()
                            },
                        );
                    }
                }
            }
        }
        for (key, reached) in methods {
            if let [Some(first), rest @ ..] = reached.as_slice() {
                if rest.iter().all(|other| *other == Some(*first)) {
                    external.insert(key, (*first).clone());
                }
            }
        }
        let project_imports = file
            .imports
            .iter()
            .filter(|import| project.is_project_unit(&import.path))
            .map(|import| import.path.clone())
            .collect();
        let shadowed_begins = match file.language {
            Language::Rust => shadowed_begins(file, models, project),
            _ => HashMap::new(),
        };
        let mut summaries = FileSummaries {
            summaries,
            by_name,
            descendants,
            external,
            project_imports,
            handle_globals,
            shadowed_begins,
        };
        summaries.close_over_helpers(file);
        summaries
    }

    /// A parameter handed on to a helper that ends or keeps it is ended or kept by the
    /// function too. Facts only grow, so repeating until nothing changes terminates.
    fn close_over_helpers(&mut self, file: &FileIr) {
        loop {
            let mut grown: Vec<(usize, usize, bool)> = Vec::new();
            let mut called: Vec<(usize, usize)> = Vec::new();
            for (index, function) in file.functions.iter().enumerate() {
                for call in &function.calls {
                    let Some(helper) = self.callee_summary(file, &call.callee) else {
                        continue;
                    };
                    for (position, param) in function.parameters_passed(call) {
                        let own = &self.summaries[index];
                        if helper.ends.has(position) && !own.ends.has(param) {
                            grown.push((index, param, true));
                        }
                        // Kept by a helper (stored there, or returned to this function):
                        // no longer kept only by being returned.
                        if helper.keeps.has(position)
                            && (!own.keeps.has(param) || own.only_returns.has(param))
                        {
                            grown.push((index, param, false));
                        }
                        if helper.calls.has(position) && !own.calls.has(param) {
                            called.push((index, param));
                        }
                    }
                }
            }
            let mut reached: Vec<(usize, Box<GlobalStatement>)> = Vec::new();
            for (index, function) in file.functions.iter().enumerate() {
                if self.summaries[index].global_statement.is_some() {
                    continue;
                }
                let handle = function.calls.iter().find_map(|call| {
                    self.callee_summary(file, &call.callee)?
                        .global_statement
                        .clone()
                });
                if let Some(handle) = handle {
                    reached.push((index, handle));
                }
            }
            let mut blocking: Vec<(usize, Box<(String, &'static str)>)> = Vec::new();
            for (index, function) in file.functions.iter().enumerate() {
                if self.summaries[index].blocks.is_some() {
                    continue;
                }
                let blocks = function
                    .calls
                    .iter()
                    .find_map(|call| self.callee_summary(file, &call.callee)?.blocks.clone());
                if let Some(blocks) = blocks {
                    blocking.push((index, blocks));
                }
            }
            if grown.is_empty() && called.is_empty() && reached.is_empty() && blocking.is_empty() {
                return;
            }
            for (index, param) in called {
                self.summaries[index].calls.set(param);
            }
            for (index, blocks) in blocking {
                self.summaries[index].blocks = Some(blocks);
            }
            for (index, handle) in reached {
                self.summaries[index].global_statement = Some(handle);
            }
            for (index, param, ends) in grown {
                let summary = &mut self.summaries[index];
                if ends {
                    summary.ends.set(param);
                } else {
                    summary.keeps.set(param);
                    summary.only_returns.unset(param);
                }
            }
        }
    }

    /// Records which functions return a transaction they begin (from the file's facts).
    pub fn record_wrappers(&mut self, file: &FileIr, models: &Models, facts: &FileFacts) {
        for (summary, wrapper) in self.summaries.iter_mut().zip(facts.wrappers(file, models)) {
            summary.begins = wrapper.map(Box::new);
        }
    }

    /// The file's function a call refers to, when the name identifies exactly one.
    pub fn resolve(&self, file: &FileIr, callee: &Callee) -> Option<FuncId> {
        resolve_by_name(&self.by_name, file, callee)
    }

    /// The summary of the function a call refers to: one of the file's, else one of
    /// another file of the project.
    pub fn callee_summary(&self, file: &FileIr, callee: &Callee) -> Option<&Summary> {
        match self.resolve(file, callee) {
            Some(id) => Some(self.summary(id)),
            None => self.external.get(&external_key(callee)?),
        }
    }

    /// Whether an import path is a package of the project.
    pub fn is_project_import(&self, path: &str) -> bool {
        self.project_imports.contains(path)
    }

    pub fn summary(&self, id: FuncId) -> &Summary {
        &self.summaries[id.index()]
    }

    /// Literals nested in `literal` at any depth, itself included.
    pub fn nested(&self, literal: FuncId) -> &[FuncId] {
        &self.descendants[literal.index()]
    }
}

/// The package-level database handles a file can name: its package's own (`DB`) and
/// those of the project packages it imports (`config.Store`).
#[derive(Debug, Default)]
pub(crate) struct HandleGlobals {
    own: BTreeSet<String>,
    /// By the name the file imports the package under.
    imported: HashMap<String, BTreeSet<String>>,
}

impl HandleGlobals {
    pub fn new(own: BTreeSet<String>, imported: HashMap<String, BTreeSet<String>>) -> Self {
        HandleGlobals { own, imported }
    }

    /// `config.Store` or `DB`, when the operand is a package-level handle: one declared
    /// with a handle type or assigned a modelled constructor's result (see
    /// [`handle_globals_of`]), in the file's package or an imported one of the project,
    /// or one of the names the models list.
    pub fn text(&self, models: &Models, operand: &Operand) -> Option<String> {
        let listed = |name: &str| crate::models::listed(&models.statements.global_handles, name);
        match operand {
            Operand::Global(name) if self.own.contains(name) || listed(name) => Some(name.clone()),
            Operand::Field(base, name) => match &**base {
                Operand::Global(package)
                    if listed(name)
                        || self
                            .imported
                            .get(package)
                            .is_some_and(|names| names.contains(name)) =>
                {
                    Some(format!("{package}.{name}"))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// The package-level variables of a file that hold a database handle: declared with one
/// of the models' handle types (`var Store *sql.DB`), or assigned the result of a
/// modelled constructor in a function of the file (`DB, err = sql.Open(…)` in `init`).
pub(crate) fn handle_globals_of(file: &FileIr, models: &Models) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    if file.language != txlint_ir::Language::Go {
        return found;
    }
    for global in &file.globals {
        if crate::models::listed(
            &models.statements.handle_types,
            &crate::semantics::go::rows::conventional_type(file, &global.ty),
        ) {
            found.insert(global.name.clone());
        }
    }
    let constructors = models
        .rows
        .handle_functions
        .iter()
        .chain(&models.pools.open_functions);
    let constructors: Vec<&String> = constructors.collect();
    for function in &file.functions {
        for call in &function.calls {
            let Callee::Path(path) = &call.callee else {
                continue;
            };
            let [qualifier, name] = path.as_slice() else {
                continue;
            };
            if file.import_named(qualifier).is_none() {
                continue;
            }
            let written = format!(
                "{}.{name}",
                crate::semantics::go::rows::conventional_qualifier(file, qualifier)
            );
            if !constructors.iter().any(|c| **c == written) {
                continue;
            }
            if let ResultUse::Assigned(bindings) = &call.result {
                if let Some(Binding::Place(Operand::Global(global))) = bindings.first() {
                    found.insert(global.clone());
                }
            }
        }
    }
    found
}

/// How a call of another file's function is filed: its path, or `.name` for a method.
fn external_key(callee: &Callee) -> Option<Vec<String>> {
    match callee {
        Callee::Path(path) => Some(path.clone()),
        Callee::Method { name, .. } => Some(vec![".".to_string(), name.clone()]),
        Callee::Other(_) => None,
    }
}

/// The parameters of `id` the function calls as functions: `f()` in its body, in a copy
/// of it, or in a literal of the body that captures it (`bodies`: the function and the
/// literals nested in it).
fn calls_params(file: &FileIr, id: FuncId, bodies: &[FuncId]) -> ParamFlags {
    let function = file.function(id);
    function
        .params
        .iter()
        .map(|&param| {
            bodies.iter().any(|&body_id| {
                let body = file.function(body_id);
                let holders: Vec<VarId> = if body_id == id {
                    aliases_of(body, param)
                } else {
                    body.vars
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.outer == Some((id, param)))
                        .flat_map(|(i, _)| aliases_of(body, VarId(i as u32)))
                        .collect()
                };
                body.calls.iter().any(|call| {
                    matches!(&call.callee, Callee::Other(Operand::Var(v)) if holders.contains(v))
                })
            })
        })
        .collect()
}

/// Whether a function returns, stores, sends or spawns with a variable.
/// Whether a function keeps a variable's value: `(stored, returned)`, stored in a place,
/// sent, handed to a goroutine or to a constructor (`append`, `New…`); returned as is.
fn keeps_var(function: &Function, var: VarId) -> (bool, bool) {
    let is = |op: &Operand| *op == Operand::Var(var);
    let stored = function.events().any(|event| match event {
        Event::Assign {
            targets, values, ..
        } => targets
            .iter()
            .zip(values)
            .any(|(t, v)| is(v) && matches!(t, Binding::Place(_))),
        Event::Send { value, .. } => is(value),
        Event::Go(id) => function.call(*id).args.iter().any(is),
        // `s.open = append(s.open, v)`, `s.repo = NewRepo(v)`: kept in what the call builds.
        Event::Call(id) => {
            let call = function.call(*id);
            let keeps = call
                .callee
                .name()
                .is_some_and(|n| n == "append" || n.starts_with("New"));
            keeps && call.args.iter().any(is)
        }
        _ => false,
    });
    let returned = function.cfg.blocks.iter().any(
        |b| matches!(&b.terminator, Terminator::Return { values, .. } if values.iter().any(is)),
    );
    (stored, returned)
}

/// A begin and the analysis of its transaction.
pub(crate) struct TxAnalysis {
    pub function: FuncId,
    pub begin: Begin,
    pub resource: Resource,
    pub outcome: Outcome,
}

/// Whether a begin's receiver is a transaction object of its own (`sp, err :=
/// tx.Begin(ctx)` on pgx's `tx` from `pool.Begin(ctx)`): a transaction another begin of the
/// function gave, as a distinct object (`(tx, err)` or `tx` results; not GORM's handle or
/// xorm's session, on which `Begin` is the begin itself).
fn begins_on_a_transaction(function: &Function, facts: &FunctionFacts, begin: &Begin) -> bool {
    let Callee::Method { receiver, .. } = &function.call(begin.call).callee else {
        return false;
    };
    let Operand::Var(var) = chain_root(function, receiver) else {
        return false;
    };
    facts.begins.iter().any(|outer| {
        outer.call != begin.call
            && matches!(outer.results, BeginResults::TxError | BeginResults::Tx)
            && matches!(&function.call(outer.call).result, ResultUse::Assigned(bindings) if bindings.first() == Some(&Binding::Var(*var)))
    })
}

/// Analyses every begin of every function in the file.
pub(crate) fn analyze_file(
    file: &FileIr,
    models: &Models,
    facts: &FileFacts,
    summaries: &FileSummaries,
) -> Vec<TxAnalysis> {
    let mut analyses = Vec::new();
    for (index, (function, function_facts)) in
        file.functions.iter().zip(&facts.functions).enumerate()
    {
        let id = FuncId(index as u32);
        for begin in &function_facts.begins {
            // A begin on a transaction is a savepoint inside it (pgx `tx.Begin(ctx)`), or
            // an error (GORM): the outer transaction's end ends it, and its connection is
            // the outer one's, which that transaction's own analysis follows.
            if begins_on_a_transaction(function, function_facts, begin) {
                continue;
            }
            let Some(resource) = resource_for(function, begin) else {
                continue;
            };
            let library = &models.libraries[begin.library];
            let is_end = |name: &str| library.ends_by_method(name);
            let model = HolderModel {
                file,
                function_id: id,
                function,
                is_end_method: &is_end,
                end_functions: &[],
                aliases: &resource.aliases,
                summaries,
                closed_when_false: &[],
                closed_when_non_nil: &[],
                own_type_results: function
                    .result_types
                    .iter()
                    .map(|ty| library.is_tx_type(ty, file))
                    .collect(),
                chains_share_session: chains_share_session(library),
            };
            let outcome = flow::analyze(function, &resource, &model);
            analyses.push(TxAnalysis {
                function: id,
                begin: *begin,
                resource,
                outcome,
            });
        }
    }
    analyses
}

/// The resource a begin opens: the variable it binds (or the session it begins on), its
/// copies, and the operands that tell whether it failed.
fn resource_for(function: &Function, begin: &Begin) -> Option<Resource> {
    let call = function.call(begin.call);
    let bindings = match &call.result {
        ResultUse::Assigned(bindings) => bindings.as_slice(),
        ResultUse::Discarded => &[],
        // Returned or passed on directly: the caller owns it.
        _ => return None,
    };
    let (holder, error_binding) = match begin.results {
        BeginResults::Error => {
            let Callee::Method {
                receiver: Operand::Var(session),
                ..
            } = &call.callee
            else {
                return None;
            };
            if begins_for_caller(function, begin.call, *session, bindings.first()) {
                return None;
            }
            (*session, bindings.first())
        }
        BeginResults::TxError => match bindings.first() {
            Some(Binding::Var(tx)) => (*tx, bindings.get(1)),
            _ => return None,
        },
        BeginResults::Tx | BeginResults::Handle => match bindings.first() {
            Some(Binding::Var(tx)) => (*tx, None),
            _ => return None,
        },
    };
    // A transaction assigned to a named result or a captured variable leaves the
    // function with it.
    if matches!(
        function.var(holder).kind,
        VarKind::NamedResult | VarKind::Captured
    ) {
        return None;
    }
    let aliases = aliases_of(function, holder);
    let error_var = match error_binding {
        Some(Binding::Var(v)) => Some(*v),
        _ => None,
    };
    let mut error_operands: Vec<Operand> = error_var.map(Operand::Var).into_iter().collect();
    if begin.results == BeginResults::Handle {
        let error_field = Operand::Field(Box::new(Operand::Var(holder)), "Error".into());
        // `if err := tx.Error; err != nil` tests the same error through a copy.
        for event in function.events() {
            if let Event::Assign {
                targets, values, ..
            } = event
            {
                for (target, value) in targets.iter().zip(values) {
                    if let (Binding::Var(v), true) = (target, *value == error_field) {
                        error_operands.push(Operand::Var(*v));
                    }
                }
            }
        }
        error_operands.push(error_field);
    }
    let type_tests = function
        .events()
        .filter_map(|event| match event {
            Event::Assign {
                targets, values, ..
            } => match (targets.as_slice(), values.as_slice()) {
                ([Binding::Var(ok)], [Operand::TypeTest(tested)])
                    if matches!(**tested, Operand::Var(v) if aliases.contains(&v)) =>
                {
                    Some(*ok)
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    // `if tx == nil { tx = begin() }` tests the transaction itself, not a counter.
    let guard =
        zero_guard(function, begin.call).filter(|g| !aliases.contains(g) && error_var != Some(*g));
    Some(Resource {
        acquire: Event::Call(begin.call),
        acquire_range: call.range,
        aliases,
        error_operands,
        error_var,
        type_tests,
        guard,
        exits: ExitPolicy::GO,
        failed_acquire_opens: false,
    })
}

/// Whether a begin that returns only an error (xorm's `sess.Begin()`), made on a session
/// the caller handed in, hands its result to the caller: the error is bound to a variable
/// that nothing else assigns and that the function returns (`err := sess.Begin(); return
/// err`, or a named result and a bare `return`). Like `return sess.Begin()`, the function
/// begins the caller's transaction and tells it whether it did: the caller, which owns
/// the session, ends it.
fn begins_for_caller(
    function: &Function,
    begin: CallId,
    session: VarId,
    error: Option<&Binding>,
) -> bool {
    let Some(Binding::Var(error)) = error else {
        return false;
    };
    if !matches!(
        function.var(session).kind,
        VarKind::Param | VarKind::Receiver
    ) {
        return false;
    }
    let named = function.var(*error).kind == VarKind::NamedResult;
    if !named && function.var(*error).kind != VarKind::Local {
        return false;
    }
    let assigned_elsewhere = function.calls.iter().enumerate().any(|(index, call)| {
        index != begin.index()
            && matches!(&call.result, ResultUse::Assigned(bindings)
                if bindings.contains(&Binding::Var(*error)))
    }) || function.events().any(|event| {
        matches!(event, Event::Assign { targets, values, .. }
        if targets.iter().zip(values).any(|(target, value)| {
            *target == Binding::Var(*error) && *value != Operand::Const("nil".into())
        }))
    });
    if assigned_elsewhere {
        return false;
    }
    function
        .cfg
        .blocks
        .iter()
        .any(|block| match &block.terminator {
            Terminator::Return {
                values,
                implicit: false,
                ..
            } => values.contains(&Operand::Var(*error)) || (named && values.is_empty()),
            _ => false,
        })
}

/// The local counter a begin runs under only when it is zero: the begin is in the block
/// entered on the zero edge of `if n == 0` (a batch transaction begun on its first item).
fn zero_guard(function: &Function, begin: CallId) -> Option<VarId> {
    let block = function.cfg.block_of(&Event::Call(begin))?;
    function
        .cfg
        .blocks
        .iter()
        .find_map(|data| match &data.terminator {
            Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } => {
                let zero_edge = if test.then_is_nil {
                    then_block
                } else {
                    else_block
                };
                match test.operand {
                    Operand::Var(v)
                        if *zero_edge == block
                            && matches!(function.var(v).kind, VarKind::Local) =>
                    {
                        Some(v)
                    }
                    _ => None,
                }
            }
            _ => None,
        })
}

/// How events affect a value held in local variables (a transaction, a rows cursor):
/// which methods end it, which functions end it when given it, and the file's helpers.
pub(crate) struct HolderModel<'a> {
    pub file: &'a FileIr,
    pub function_id: FuncId,
    pub function: &'a Function,
    pub is_end_method: &'a dyn Fn(&str) -> bool,
    /// Functions that end the value passed to them (pgx `CollectRows`).
    pub end_functions: &'a [String],
    pub aliases: &'a [VarId],
    pub summaries: &'a FileSummaries,
    /// Methods whose `false` result means the value closed itself (rows' `Next`).
    pub closed_when_false: &'a [String],
    /// Methods whose non-nil result means the value is closed already (rows' `Err`).
    pub closed_when_non_nil: &'a [String],
    /// For each result the function declares, whether it has the value's own type (a
    /// transaction type of its library): a call handed the value and returned in such a
    /// position gives back a value made from it, as a decorator's `return p.wrap(tx), nil`
    /// through a function-valued field.
    pub own_type_results: Vec<bool>,
    /// Whether every method called on the value returns a handle on the same session, so
    /// that an end at the end of a chain rooted at it ends it too (GORM:
    /// `tx.WithContext(ctx).Commit()` commits `tx`'s transaction).
    pub chains_share_session: bool,
}

impl HolderModel<'_> {
    fn is_alias(&self, operand: &Operand) -> bool {
        matches!(operand, Operand::Var(v) if self.aliases.contains(v))
    }

    fn is_end_method(&self, name: &str) -> bool {
        (self.is_end_method)(name)
    }

    /// Whether a literal (or one nested in it) refers to the transaction.
    fn captures(&self, literal: FuncId) -> bool {
        self.summaries.nested(literal).iter().any(|&id| {
            self.file
                .function(id)
                .vars
                .iter()
                .any(|v| matches!(v.outer, Some((f, outer)) if f == self.function_id && self.aliases.contains(&outer)))
        })
    }

    /// Whether a literal (or one nested in it) commits or rolls back the transaction.
    fn literal_ends(&self, literal: FuncId) -> bool {
        self.summaries
            .nested(literal)
            .iter()
            .any(|&id| self.calls_an_end(id))
    }

    /// Whether a literal itself (not those nested in it) calls an end of the transaction.
    fn calls_an_end(&self, literal: FuncId) -> bool {
        let inner = self.file.function(literal);
        let holders = self.literal_holders(inner);
        inner
            .calls
            .iter()
            .any(|call| self.ends_holder(call, &holders))
    }

    /// The captured transaction in a literal and the literal's own copies of it
    /// (`if tx, ok := held.(*sql.Tx); ok { tx.Rollback() }`).
    fn literal_holders(&self, inner: &Function) -> Vec<VarId> {
        let mut holders: Vec<VarId> = Vec::new();
        for (index, var) in inner.vars.iter().enumerate() {
            // Captured through literals in between (`go func() { tx.Rollback() }()`
            // inside the literal), the variable is the function's at the end.
            let mut outer = var.outer;
            while let Some((f, v)) = outer.filter(|(f, _)| *f != self.function_id) {
                outer = self.file.function(f).var(v).outer;
            }
            if matches!(outer, Some((_, v)) if self.aliases.contains(&v)) {
                holders.extend(aliases_of(inner, VarId(index as u32)));
            }
        }
        holders
    }

    /// Whether a call of a literal ends one of these holders.
    fn ends_holder(&self, call: &txlint_ir::ir::Call, holders: &[VarId]) -> bool {
        match &call.callee {
            Callee::Method {
                receiver: Operand::Var(v),
                name,
                ..
            } => self.is_end_method(name) && holders.contains(v),
            _ => false,
        }
    }

    /// Whether the function shows every write of a local the deferred literal tests: it
    /// is never copied into another variable (`errp := &err` is `err` itself in the IR) and
    /// no other literal captures it (`fail := func() error { err = …; return err }`).
    fn guard_followed(&self, local: VarId, literal: FuncId) -> bool {
        let it = Operand::Var(local);
        let copied = self
            .function
            .events()
            .any(|event| matches!(event, Event::Assign { values, .. } if values.contains(&it)));
        let deferred = self.summaries.nested(literal);
        let captured_elsewhere = self.file.functions.iter().enumerate().any(|(index, f)| {
            !deferred.contains(&FuncId(index as u32))
                && f.vars
                    .iter()
                    .any(|v| v.outer == Some((self.function_id, local)))
        });
        !copied && !captured_elsewhere
    }

    /// For a deferred literal of no argument that ends the transaction only on the non-nil
    /// side of a nil test of a local of this function (`if err != nil`): that local. A
    /// named result is not one: a `return` sets it.
    fn literal_ends_unless_nil(&self, literal: FuncId) -> Option<VarId> {
        let inner = self.file.function(literal);
        let holders = self.literal_holders(inner);
        // Nothing in a literal nested in it ends the transaction on another path.
        let nested_end = self
            .summaries
            .nested(literal)
            .iter()
            .any(|&id| id != literal && self.calls_an_end(id));
        let ending: Vec<txlint_ir::ir::BlockId> = (0..inner.cfg.blocks.len())
            .map(|index| txlint_ir::ir::BlockId(index as u32))
            .filter(|&block| {
                inner.cfg.block(block).events.iter().any(|event| {
                    matches!(event, Event::Call(id) | Event::Defer(id) if self.ends_holder(inner.call(*id), &holders))
                })
            })
            .collect();
        if nested_end || ending.is_empty() {
            return None;
        }
        // A nil test of a captured local whose non-nil side holds every end, also under
        // another test (`if owned { if err != nil { tx.Rollback() } }`).
        inner.cfg.blocks.iter().find_map(|block| {
            let Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } = &block.terminator
            else {
                return None;
            };
            let Operand::Var(tested) = &test.operand else {
                return None;
            };
            let (function, local) = inner.var(*tested).outer?;
            if test.by_truth
                || test.one_sided
                || function != self.function_id
                || self.function.var(local).kind != VarKind::Local
            {
                return None;
            }
            let (non_nil, nil) = if test.then_is_nil {
                (*else_block, *then_block)
            } else {
                (*then_block, *else_block)
            };
            let after_non_nil = inner.cfg.reachable_from(&[non_nil]);
            let after_nil = inner.cfg.reachable_from(&[nil]);
            let held = ending
                .iter()
                .all(|block| after_non_nil.contains(block) && !after_nil.contains(block));
            (held && self.guard_followed(local, literal)).then_some(local)
        })
    }

    /// Whether a local variable only ever holds function literals, each of which ends the
    /// captured transaction.
    fn local_literals_end(&self, local: VarId) -> bool {
        if !matches!(self.function.var(local).kind, VarKind::Local) {
            return false;
        }
        let definitions = self.function.definitions(local);
        !definitions.is_empty()
            && definitions
                .iter()
                .all(|value| matches!(value, Operand::Closure(l) if self.literal_ends(*l)))
    }

    /// Whether a literal called on the spot with the value as an argument ends the
    /// parameter it receives it in: `defer func(r *sql.Rows) { r.Close() }(rows)`.
    fn literal_ends_argument(&self, literal: FuncId, args: &[Operand]) -> bool {
        let function = self.file.function(literal);
        args.iter()
            .zip(&function.params)
            .filter(|(arg, _)| self.is_alias(arg))
            .any(|(_, &param)| {
                let receives = aliases_of(function, param);
                function.calls.iter().any(|call| {
                    matches!(&call.callee, Callee::Method { receiver: Operand::Var(v), name, .. }
                        if receives.contains(v) && self.is_end_method(name))
                })
            })
    }

    /// Whether an operand is a part of the value reached through its fields
    /// (`tx.Statement.ConnPool`), other than the results a GORM handle carries
    /// (`Error`, `RowsAffected`): plain values, not the connection.
    fn part_of(&self, operand: &Operand) -> bool {
        let mut current = operand;
        let mut first_field = None;
        while let Operand::Field(base, name) = current {
            first_field = Some(name.as_str());
            current = base;
        }
        first_field.is_some_and(|name| !["Error", "RowsAffected"].contains(&name))
            && self.is_alias(current)
    }

    fn mentions(&self, operand: &Operand) -> bool {
        match operand {
            Operand::Var(_) => self.is_alias(operand),
            Operand::Closure(literal) => self.captures(*literal),
            _ => false,
        }
    }

    /// Whether a callee is a Go builtin or a function of the standard library (an import
    /// path without a dot in its first element).
    fn standard_or_builtin(&self, callee: &Callee) -> bool {
        match callee {
            Callee::Path(path) => match path.as_slice() {
                [name] => GO_BUILTINS.contains(&name.as_str()),
                [package, _] => self.file.imports.iter().any(|import| {
                    import.local_name() == package
                        && !import.path.split('/').next().unwrap_or("").contains('.')
                }),
                _ => false,
            },
            _ => false,
        }
    }

    /// What passing the transaction as an argument of `call` does.
    fn argument_effect(&self, call: CallId, deferred: bool) -> Effect {
        let call = self.function.call(call);
        let positions: Vec<usize> = call
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| self.mentions(a))
            .map(|(i, _)| i)
            .collect();
        // Deferred, a call of a function this file cannot see that is handed the method
        // value of an end method runs it: running it at every exit is the only reason to
        // defer it with one (`defer common.LogOnError(ctx, rows.Close)`, whose file may
        // show no database work and is then not summarised).
        let unseen_deferred = deferred
            && self
                .summaries
                .callee_summary(self.file, &call.callee)
                .is_none()
            && !self.standard_or_builtin(&call.callee);
        // The method value of an end method (`tx.Rollback`) handed to a helper whose
        // summary says it calls that parameter: the helper ends the transaction
        // (`defer try(tx.Rollback, "rollback")`).
        let method_value_run = call.args.iter().enumerate().any(|(i, arg)| {
            matches!(arg, Operand::Field(base, name) if self.is_alias(base) && self.is_end_method(name))
                && (unseen_deferred
                    || self
                        .summaries
                        .callee_summary(self.file, &call.callee)
                        .is_some_and(|summary| summary.calls.has(i)))
        });
        if method_value_run {
            return if deferred {
                Effect::DeferredEnd
            } else {
                Effect::End
            };
        }
        if positions.is_empty() {
            return Effect::None;
        }
        let name = call.callee.name().unwrap_or("");
        if name == "append" {
            return Effect::Escape;
        }
        if self.end_functions.iter().any(|f| f == name) {
            return if deferred {
                Effect::DeferredEnd
            } else {
                Effect::End
            };
        }
        if let Some(summary) = self.summaries.callee_summary(self.file, &call.callee) {
            let passed_directly = |i: &usize| self.is_alias(&call.args[*i]);
            if positions
                .iter()
                .filter(|i| passed_directly(i))
                .any(|&i| summary.ends.has(i))
            {
                return if deferred {
                    Effect::DeferredEnd
                } else {
                    Effect::End
                };
            }
            let kept = |i: usize| {
                summary.keeps.has(i)
                    && (!summary.only_returns.has(i)
                        || !self.result_dropped_through_receivers(call))
            };
            if positions.iter().any(|&i| kept(i)) {
                return Effect::Escape;
            }
        }
        // A deferred call of a function this file cannot see (another file or package of
        // the project, a third-party helper), handed the transaction itself: it runs at
        // every exit, and finishing the transaction is the only reason to defer it with
        // one (`defer dbutil.RollbackQuietly(ctx, tx)`). A helper of this file is judged
        // by its summary above; the standard library and Go's builtins end nothing.
        if deferred
            && self
                .summaries
                .callee_summary(self.file, &call.callee)
                .is_none()
            && positions.iter().any(|&i| self.is_alias(&call.args[i]))
            && !self.standard_or_builtin(&call.callee)
        {
            return Effect::DeferredEnd;
        }
        // A function this file cannot see, named like a constructor, may keep what it is
        // given; one whose summary says it neither ends nor keeps it does not
        // (`WithFence(ctx, tx, callback)` runs statements on it and returns).
        let constructor = ["New", "new", "With"].iter().any(|p| name.starts_with(p))
            && self
                .summaries
                .callee_summary(self.file, &call.callee)
                .is_none();
        let passes_closure = positions
            .iter()
            .any(|&i| matches!(call.args[i], Operand::Closure(_)));
        if constructor || passes_closure {
            return Effect::Escape;
        }
        Effect::None
    }
}

impl HolderModel<'_> {
    /// Whether a call's result goes nowhere but into receivers of further calls whose
    /// own result is dropped or only its `Error` field read (`withOptions(tx, k).
    /// AutoMigrate(&T{}).Error`), none of them an end: what the call returns is not kept.
    fn result_dropped_through_receivers(&self, call: &txlint_ir::ir::Call) -> bool {
        let mut result = &call.result;
        loop {
            match result {
                ResultUse::Discarded => return true,
                ResultUse::Field { name, then } => {
                    return name == "Error"
                        && matches!(
                            **then,
                            ResultUse::Discarded | ResultUse::Assigned(_) | ResultUse::Used
                        )
                }
                ResultUse::Receiver(outer) => {
                    let outer = self.function.call(*outer);
                    if outer
                        .callee
                        .name()
                        .is_some_and(|name| self.is_end_method(name))
                    {
                        return false;
                    }
                    result = &outer.result;
                }
                _ => return false,
            }
        }
    }
}

impl ResourceModel for HolderModel<'_> {
    fn deferred_end_unless_nil(&self, event: &Event) -> Option<VarId> {
        let Event::Defer(id) = event else {
            return None;
        };
        let call = self.function.call(*id);
        match &call.callee {
            Callee::Other(Operand::Closure(literal)) if call.args.is_empty() => {
                self.literal_ends_unless_nil(*literal)
            }
            _ => None,
        }
    }

    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) | Event::Defer(id) => {
                let deferred = matches!(event, Event::Defer(_));
                let call = self.function.call(*id);
                match &call.callee {
                    Callee::Method { receiver, name, .. }
                        if self.is_end_method(name)
                            && (self.is_alias(receiver)
                                || self.chains_share_session
                                    && self.is_alias(chain_root(self.function, receiver))) =>
                    {
                        return if deferred {
                            Effect::DeferredEnd
                        } else {
                            Effect::End
                        };
                    }
                    Callee::Other(Operand::Closure(literal))
                        if self.literal_ends(*literal)
                            || self.literal_ends_argument(*literal, &call.args) =>
                    {
                        return if deferred {
                            Effect::DeferredEnd
                        } else {
                            Effect::End
                        };
                    }
                    // A local function value, whenever it was made (`fail := func(e
                    // error) { tx.Rollback(); … }` before the begin): what each literal
                    // it holds does.
                    Callee::Other(Operand::Var(local)) if self.local_literals_end(*local) => {
                        return if deferred {
                            Effect::DeferredEnd
                        } else {
                            Effect::End
                        };
                    }
                    _ => {}
                }
                self.argument_effect(*id, deferred)
            }
            Event::Go(id) => {
                let call = self.function.call(*id);
                let spawned_closure =
                    matches!(&call.callee, Callee::Other(Operand::Closure(l)) if self.captures(*l));
                if spawned_closure || call.args.iter().any(|a| self.mentions(a)) {
                    Effect::Escape
                } else {
                    Effect::None
                }
            }
            Event::Assign {
                targets, values, ..
            } => {
                // A closure that refers to the transaction, kept anywhere, may end it
                // later or elsewhere; a copy into a local is an alias, not an escape. A
                // part of it stored where it outlives the function (GORM's
                // `db.Statement.ConnPool = tx.Statement.ConnPool`) hands it on too.
                let escapes = targets.iter().zip(values).any(|(target, value)| {
                    matches!(value, Operand::Closure(l) if self.captures(*l))
                        || (self.is_alias(value) || self.part_of(value))
                            && match target {
                                Binding::Place(_) => true,
                                Binding::Var(v) => {
                                    !matches!(self.function.var(*v).kind, VarKind::Local)
                                }
                                Binding::Blank => false,
                            }
                });
                if escapes {
                    Effect::Escape
                } else {
                    Effect::None
                }
            }
            Event::Send { value, .. } if self.mentions(value) => Effect::Escape,
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        // One call returning all of the function's results fills each position.
        let own_type_at = |position: usize| match values.len() {
            1 => self.own_type_results.contains(&true),
            _ => self.own_type_results.get(position) == Some(&true),
        };
        values
            .iter()
            .enumerate()
            .any(|(position, value)| match value {
                Operand::Call(id) if own_type_at(position) => self
                    .function
                    .call(*id)
                    .args
                    .iter()
                    .any(|a| self.mentions(a)),
                other => self.mentions(other),
            })
    }

    fn ends_when_false(&self, call: CallId) -> bool {
        matches!(&self.function.call(call).callee, Callee::Method { receiver, name, .. }
            if self.is_alias(receiver) && self.closed_when_false.iter().any(|m| m == name))
    }

    fn ends_when_non_nil(&self, call: CallId) -> bool {
        matches!(&self.function.call(call).callee, Callee::Method { receiver, name, .. }
            if self.is_alias(receiver) && self.closed_when_non_nil.iter().any(|m| m == name))
    }

    fn panic_site(&self, event: &Event) -> Option<TextRange> {
        match event {
            Event::PanicSite { range, .. } => Some(*range),
            Event::Call(id) => {
                let call = self.function.call(*id);
                let name = call.callee.name()?;
                // The end itself (a project type's `MustCommit`): whatever it does on
                // failure, the transaction is not left open by it.
                if matches!(&call.callee, Callee::Method { receiver, .. } if self.is_alias(receiver))
                    && self.is_end_method(name)
                {
                    return None;
                }
                let visible = name.starts_with("Must")
                    || matches!(&call.callee, Callee::Path(p) if p.len() == 2 && p[1].starts_with("Panic") && self.file.import_named(&p[0]).is_some())
                    || self
                        .summaries
                        .callee_summary(self.file, &call.callee)
                        .is_some_and(|s| s.panics);
                visible.then_some(call.range)
            }
            _ => None,
        }
    }
}

/// The variable that holds the transaction: `tx`, or the session an xorm begin runs on.
pub(crate) fn transaction_name(function: &Function, analysis: &TxAnalysis) -> String {
    match analysis.resource.aliases.first() {
        Some(var) => function.var(*var).name.clone(),
        None => match &function.call(analysis.begin.call).callee {
            Callee::Method { name, .. } => name.clone(),
            _ => "tx".to_string(),
        },
    }
}
