//! Rows cursors as resources: the first result of a query call that returns rows, which
//! must be closed on every path.
//!
//! A method named `Query` proves nothing: xorm's `Query` returns materialised maps, query
//! builders and generated clients have methods of that name too. A call is a query only
//! on a receiver with evidence of being a handle of a library whose queries return a row
//! set (see [`Evidence`]).

use std::collections::HashMap;

use txlint_ir::ir::{
    Binding, CallId, Callee, Event, FileIr, FuncId, Function, FunctionKind, Import, Operand,
    ResultUse, VarId, VarKind,
};

use crate::engine::aliases::aliases_of;
use crate::engine::flow::{self, Outcome, Resource};
use crate::models::{listed, Models};
use crate::semantics::go::wrapping::WrapParts;
use crate::semantics::typed::facts::{field_type, FileFacts};
use crate::semantics::typed::transactions::{FileSummaries, HolderModel};

pub(crate) struct RowsAnalysis {
    pub function: FuncId,
    pub resource: Resource,
    pub outcome: Outcome,
}

/// What shows that a value is a handle whose queries return a row set. `None` where an
/// operand's type is known and is no such handle (`*xorm.Engine`, a project's builder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Evidence {
    /// Nothing is known of its type (a field of a struct declared in another file): its
    /// `Query` counts in a file that imports a library whose queries return rows, when
    /// the code also reads the result as a cursor.
    Unknown,
    /// Built by an unknown function from such a handle (`dbtx.GetAccessor(ctx, s.db)`):
    /// its `Query` counts when the code also reads the result as a cursor.
    Derived,
    /// Declared with a handle type (variable, parameter, field, package variable), a
    /// transaction of a library whose queries return rows, or the result of a call that
    /// opens or hands out such a handle.
    Handle,
}

/// The handle a query runs on: the base of its receiver's chain of calls
/// (`db.WithContext(ctx).Query`), or what a query builder of the chain was told to run on
/// (squirrel's `sq.Select(…).From(…).RunWith(tx).Query()`, `runner-methods`).
fn runner_of(function: &Function, models: &Models, receiver: &Operand) -> Operand {
    let mut current = receiver;
    while let Operand::Call(id) = current {
        match &function.call(*id).callee {
            Callee::Method { receiver, name, .. } => {
                let call = function.call(*id);
                if listed(&models.rows.runner_methods, name) && call.args.len() == 1 {
                    return crate::engine::aliases::base_handle(function, &call.args[0]);
                }
                current = receiver;
            }
            _ => break,
        }
    }
    current.clone()
}

/// Whether a handle is a transaction of a library that closes its rows when it ends:
/// a variable the analyses know as one, a struct field declared with its type
/// (`m.Tx` of `struct{ *sql.Tx }`, `h.tx`), a local copied only from such fields, or (with
/// `through_statements`) a statement prepared on one of these.
fn closed_with_transaction(
    file: &FileIr,
    (models, package): (&Models, &WrapParts),
    (facts, summaries): (&FileFacts, &FileSummaries),
    id: FuncId,
    handle: &Operand,
    through_statements: bool,
) -> bool {
    let function = file.function(id);
    let closing = |library: usize| {
        listed(
            &models.rows.closed_with_transaction,
            &models.libraries[library].name,
        )
    };
    let field_closes = |operand: &Operand| match operand {
        Operand::Field(base, name) => {
            // The field of a struct declared in another file of the package, by the
            // base variable's type (`m *migrations`).
            let owner = match &**base {
                Operand::Var(v) => function.var(*v).ty.as_deref(),
                _ => None,
            };
            let elsewhere = owner
                .and_then(|owner| package.tx_field(owner.trim_start_matches('*'), name))
                .is_some_and(closing);
            elsewhere
                || crate::semantics::typed::facts::field_type(file, function, base, name)
                    .is_some_and(|ty| {
                        models
                            .libraries
                            .iter()
                            .position(|l| l.is_tx_type(ty, file))
                            .is_some_and(closing)
                    })
        }
        _ => false,
    };
    match handle {
        Operand::Var(tx) => {
            if facts.functions[id.index()]
                .tx_vars
                .get(tx)
                .is_some_and(|&lib| closing(lib))
            {
                return true;
            }
            // A value declared with the package's own transaction interface.
            let declared = function.var(*tx).ty.as_deref();
            if declared
                .and_then(|ty| package.tx_interface(ty))
                .is_some_and(closing)
            {
                return true;
            }
            if callback_querier(file, summaries, id, *tx)
                && models
                    .libraries
                    .iter()
                    .enumerate()
                    .any(|(library, l)| closing(library) && l.is_imported_by(file))
                && !models.libraries.iter().enumerate().any(|(library, l)| {
                    !closing(library)
                        && listed(&models.rows.libraries, &l.name)
                        && l.is_imported_by(file)
                })
            {
                return true;
            }
            let definitions = function.definitions(*tx);
            if !definitions.is_empty() && definitions.iter().all(field_closes) {
                return true;
            }
            if !through_statements {
                return false;
            }
            // A statement prepared on such a transaction (`stmt, err :=
            // tx.PrepareContext(…)`): every value it is given is one.
            let mut prepared = function.calls.iter().filter(|call| {
                matches!(&call.result, ResultUse::Assigned(bindings) if bindings.first() == Some(&Binding::Var(*tx)))
            });
            !definitions.is_empty()
                && definitions
                    .iter()
                    .all(|d| matches!(d, Operand::Call(_) | Operand::Other))
                && prepared.clone().next().is_some()
                && prepared.all(|call| match &call.callee {
                    Callee::Method { receiver, name, .. }
                        if listed(&models.rows.statement_methods, name) =>
                    {
                        let on = runner_of(function, models, receiver);
                        closed_with_transaction(
                            file,
                            (models, package),
                            (facts, summaries),
                            id,
                            &on,
                            false,
                        )
                    }
                    _ => false,
                })
        }
        other => field_closes(other),
    }
}

/// Whether a variable is the querier a transaction runner of the project hands its
/// callback: a parameter, declared with a type of the project, of a function literal that
/// returns only an `error` and is passed straight to a call (`store.DoTx(ctx, func(rd
/// Reader) error { … })`). The runner supplies the querier and ends what it runs on when
/// the callback returns, with the error deciding how; with database/sql that end closes
/// the rows.
fn callback_querier(file: &FileIr, summaries: &FileSummaries, id: FuncId, var: VarId) -> bool {
    let function = file.function(id);
    if function.kind != FunctionKind::Literal
        || !function.params.contains(&var)
        || function.result_types.as_slice() != ["error"]
    {
        return false;
    }
    let Some(declared) = function.var(var).ty.as_deref() else {
        return false;
    };
    let name = declared.trim_start_matches('*');
    // Declared in the package, or in a package of the module (not the standard
    // library's or a third party's: `boil.ContextExecutor` is anybody's).
    let of_the_project = match name.split_once('.') {
        None => true,
        Some((qualifier, _)) => file
            .import_named(qualifier)
            .is_some_and(|import| summaries.is_project_import(&import.path)),
    };
    let passed_to_a_runner = function.parent.is_some_and(|parent| {
        file.function(parent)
            .calls
            .iter()
            .any(|call| call.args.contains(&Operand::Closure(id)))
    });
    of_the_project && passed_to_a_runner
}

/// Analyses every rows-returning query of the file. Only files that import one of the
/// modelled libraries are considered.
pub(crate) fn analyze_file(
    file: &FileIr,
    models: &Models,
    facts: &FileFacts,
    summaries: &FileSummaries,
    package: &WrapParts,
) -> Vec<RowsAnalysis> {
    if !models.libraries.iter().any(|l| l.is_imported_by(file)) {
        return Vec::new();
    }
    let handles = Handles::compute(file, models, facts);
    let imports_rows_library = models
        .libraries
        .iter()
        .any(|l| listed(&models.rows.libraries, &l.name) && l.is_imported_by(file));
    let is_close = |name: &str| listed(&models.rows.close_methods, name);
    let mut analyses = Vec::new();
    for (index, function) in file.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            if !listed(&models.rows.query_methods, name) {
                continue;
            }
            let ResultUse::Assigned(bindings) = &call.result else {
                continue;
            };
            let (Some(Binding::Var(rows)), 2) = (bindings.first(), bindings.len()) else {
                continue;
            };
            // Rows assigned to a named result or to a variable of an enclosing function
            // (a retry closure's) leave the function with it.
            if matches!(
                function.var(*rows).kind,
                VarKind::NamedResult | VarKind::Captured
            ) {
                continue;
            }
            // The rows of a transaction whose library closes them when the transaction
            // ends (database/sql's `*sql.Tx`, sqlx's): they live no longer than it, and a
            // transaction that is not ended is TX002's.
            let handle = runner_of(function, models, receiver);
            if closed_with_transaction(
                file,
                (models, package),
                (facts, summaries),
                id,
                &handle,
                true,
            ) {
                continue;
            }
            let aliases = aliases_of(function, *rows);
            let evidence = handles.operand(file, models, id, receiver);
            let tracked = match evidence {
                Some(Evidence::Handle) => true,
                Some(Evidence::Derived) => used_as_cursor(function, models, &aliases),
                Some(Evidence::Unknown) => {
                    imports_rows_library && used_as_cursor(function, models, &aliases)
                }
                None => false,
            };
            if !tracked {
                continue;
            }
            let query = CallId(call_index as u32);
            let resource = Resource::go_call(query, call.range, aliases, bindings);
            let model = HolderModel {
                file,
                function_id: id,
                function,
                is_end_method: &is_close,
                end_functions: &models.rows.closing_functions,
                aliases: &resource.aliases,
                summaries,
                closed_when_false: &models.rows.next_methods,
                closed_when_non_nil: &models.rows.error_methods,
                own_type_results: Vec::new(),
                chains_share_session: false,
            };
            let outcome = flow::analyze(function, &resource, &model);
            analyses.push(RowsAnalysis {
                function: id,
                resource,
                outcome,
            });
        }
    }
    analyses
}

/// Whether the code calls a cursor method (`Next`, `Close`) on the rows.
fn used_as_cursor(function: &Function, models: &Models, aliases: &[VarId]) -> bool {
    function.calls.iter().any(|call| match &call.callee {
        Callee::Method {
            receiver: Operand::Var(v),
            name,
            ..
        } => {
            aliases.contains(v)
                && (listed(&models.rows.next_methods, name)
                    || listed(&models.rows.close_methods, name))
        }
        _ => false,
    })
}

/// The variables of each function that hold a rows-returning handle.
pub(crate) struct Handles<'a> {
    facts: &'a FileFacts,
    by_function: Vec<HashMap<VarId, Evidence>>,
}

impl<'a> Handles<'a> {
    pub(crate) fn compute(file: &FileIr, models: &Models, facts: &'a FileFacts) -> Handles<'a> {
        let mut handles = Handles {
            facts,
            by_function: Vec::with_capacity(file.functions.len()),
        };
        // Literals come after their parent: captured variables find the parent's handles.
        for (index, function) in file.functions.iter().enumerate() {
            let id = FuncId(index as u32);
            handles.by_function.push(HashMap::new());
            // Copies and derived handles can chain; a few rounds reach them in real code.
            for _ in 0..4 {
                let mut found: Vec<(VarId, Evidence)> = Vec::new();
                for (index, call) in function.calls.iter().enumerate() {
                    let ResultUse::Assigned(bindings) = &call.result else {
                        continue;
                    };
                    if let Some(Binding::Var(v)) = bindings.first() {
                        let operand = Operand::Call(CallId(index as u32));
                        if let Some(e) = handles.operand(file, models, id, &operand) {
                            found.push((*v, e));
                        }
                    }
                }
                for event in function.events() {
                    if let Event::Assign {
                        targets, values, ..
                    } = event
                    {
                        for (target, value) in targets.iter().zip(values) {
                            if let (Binding::Var(t), Some(e)) =
                                (target, handles.operand(file, models, id, value))
                            {
                                found.push((*t, e));
                            }
                        }
                    }
                }
                let mut changed = false;
                let known = &mut handles.by_function[id.index()];
                for (var, evidence) in found {
                    // A declared type decides by itself.
                    if function.var(var).ty.is_some() || evidence == Evidence::Unknown {
                        continue;
                    }
                    if known.get(&var).is_none_or(|k| *k < evidence) {
                        known.insert(var, evidence);
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        handles
    }

    /// The evidence that an operand of function `id` is a rows-returning handle.
    fn operand(
        &self,
        file: &FileIr,
        models: &Models,
        id: FuncId,
        operand: &Operand,
    ) -> Option<Evidence> {
        let function = file.function(id);
        let typed = |ty: &str| type_evidence(file, models, ty);
        match operand {
            Operand::Var(v) => {
                let var = function.var(*v);
                if let Some(ty) = &var.ty {
                    return typed(ty);
                }
                if let Some(&lib) = self.facts.functions[id.index()].tx_vars.get(v) {
                    // A transaction (or session) of a library whose queries return
                    // rows, or of one whose queries do not (xorm, GORM).
                    let rows = listed(&models.rows.libraries, &models.libraries[lib].name);
                    return rows.then_some(Evidence::Handle);
                }
                let known = match var.outer {
                    Some((outer_fn, outer_var)) => self
                        .by_function
                        .get(outer_fn.index())
                        .and_then(|m| m.get(&outer_var)),
                    None => self.by_function.get(id.index()).and_then(|m| m.get(v)),
                };
                Some(known.copied().unwrap_or(Evidence::Unknown))
            }
            Operand::Field(base, name) => match field_type(file, function, base, name) {
                Some(ty) => typed(ty),
                None => Some(Evidence::Unknown),
            },
            Operand::Global(name) => match file.global_type(name) {
                Some(ty) => typed(ty),
                None => Some(Evidence::Unknown),
            },
            Operand::Call(call) => self.call(file, models, id, *call),
            _ => None,
        }
    }

    /// Whether an operand of function `id` is, by evidence, a handle of a modelled library
    /// (declared with a handle type, a transaction of one, or opened by one of its calls).
    pub(crate) fn is_handle(
        &self,
        file: &FileIr,
        models: &Models,
        id: FuncId,
        operand: &Operand,
    ) -> bool {
        self.operand(file, models, id, operand) == Some(Evidence::Handle)
    }

    /// The evidence that a call's (first) result is a rows-returning handle.
    fn call(&self, file: &FileIr, models: &Models, id: FuncId, call: CallId) -> Option<Evidence> {
        let function = file.function(id);
        let call = function.call(call);
        match &call.callee {
            Callee::Path(path) if path.len() == 2 => {
                let qualified = format!("{}.{}", conventional_qualifier(file, &path[0]), path[1]);
                if listed(&models.rows.handle_functions, &qualified) {
                    return Some(Evidence::Handle);
                }
            }
            Callee::Method { receiver, name, .. } if listed(&models.rows.handle_methods, name) => {
                if let Some(e) = self.operand(file, models, id, receiver) {
                    return Some(e);
                }
            }
            _ => {}
        }
        // Queries return rows, not handles.
        if call
            .callee
            .name()
            .is_some_and(|n| listed(&models.rows.query_methods, n))
        {
            return None;
        }
        let from_handle = call.args.iter().any(|a| {
            self.operand(file, models, id, a)
                .is_some_and(|e| e > Evidence::Unknown)
        });
        Some(if from_handle {
            Evidence::Derived
        } else {
            Evidence::Unknown
        })
    }
}

/// What a declared type shows: one of the modelled handle types (whatever name the file
/// imports its package under) is a handle; another type of a modelled library
/// (`*xorm.Engine`, `*gorm.DB`) is not; a project's own type (`DBTX`, `*store.Queries`)
/// could be anything.
fn type_evidence(file: &FileIr, models: &Models, ty: &str) -> Option<Evidence> {
    let Some((qualifier, _)) = ty.trim_start_matches('*').split_once('.') else {
        return Some(Evidence::Unknown);
    };
    if listed(&models.rows.handle_types, &conventional_type(file, ty)) {
        return Some(Evidence::Handle);
    }
    let library_type = file
        .import_named(qualifier)
        .is_some_and(|import| models.is_library_import(&import.path));
    (!library_type).then_some(Evidence::Unknown)
}

/// A declared type written with the package name its library is normally imported under,
/// as the models write types (`*stdsql.DB` → `*sql.DB` for an aliased `database/sql`); a
/// type without a package qualifier as it is.
pub(crate) fn conventional_type(file: &FileIr, ty: &str) -> String {
    let pointer = if ty.starts_with('*') { "*" } else { "" };
    match ty.trim_start_matches('*').split_once('.') {
        Some((qualifier, name)) => {
            format!(
                "{pointer}{}.{name}",
                conventional_qualifier(file, qualifier)
            )
        }
        None => ty.to_string(),
    }
}

/// The name a package is normally imported under (`stdsql` → `sql` for an aliased
/// `database/sql`); the qualifier itself when it is not an import of the file.
pub(crate) fn conventional_qualifier<'a>(file: &'a FileIr, qualifier: &'a str) -> &'a str {
    match file.import_named(qualifier) {
        Some(import) if import.alias.is_some() => {
            let path = import.path.as_str();
            let plain = Import {
                path: path.to_string(),
                alias: None,
                range: import.range,
            };
            let name = plain.local_name();
            // `local_name` borrows from `plain`; find the same text in the import path.
            path.rfind(name)
                .map_or(qualifier, |at| &path[at..at + name.len()])
        }
        _ => qualifier,
    }
}

/// The name of the variable holding the rows.
pub(crate) fn rows_name(function: &Function, analysis: &RowsAnalysis) -> String {
    analysis
        .resource
        .aliases
        .first()
        .map_or_else(|| "rows".to_string(), |v| function.var(*v).name.clone())
}
