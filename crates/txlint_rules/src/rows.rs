//! Rows cursors as resources: the first result of a query call that returns rows, which
//! must be closed on every path.

use txlint_ir::ir::{Binding, CallId, Callee, Event, FileIr, FuncId, Function, ResultUse};

use crate::flow::{self, ExitPolicy, Outcome, Resource};
use crate::models::{listed, Models};
use crate::transactions::{aliases_of, FileSummaries, HolderModel};

pub(crate) struct RowsAnalysis {
    pub function: FuncId,
    pub resource: Resource,
    pub outcome: Outcome,
}

/// Analyses every rows-returning query of the file. Only files that import one of the
/// modelled libraries are considered: `Query` is too common a method name otherwise.
pub(crate) fn analyze_file(
    file: &FileIr,
    models: &Models,
    summaries: &FileSummaries,
) -> Vec<RowsAnalysis> {
    if !models.libraries.iter().any(|l| l.is_imported_by(file)) {
        return Vec::new();
    }
    let is_close = |name: &str| listed(&models.rows.close_methods, name);
    let mut analyses = Vec::new();
    for (index, function) in file.functions.iter().enumerate() {
        let id = FuncId(index as u32);
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Method { name, .. } = &call.callee else {
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
            let error_var = match bindings.get(1) {
                Some(Binding::Var(v)) => Some(*v),
                _ => None,
            };
            let query = CallId(call_index as u32);
            let resource = Resource {
                acquire: Event::Call(query),
                acquire_range: call.range,
                aliases: aliases_of(function, *rows),
                error_operands: error_var
                    .map(txlint_ir::ir::Operand::Var)
                    .into_iter()
                    .collect(),
                error_var,
                exits: ExitPolicy::GO,
            };
            let model = HolderModel {
                file,
                function_id: id,
                function,
                is_end_method: &is_close,
                end_functions: &models.rows.closing_functions,
                aliases: &resource.aliases,
                summaries,
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

/// The name of the variable holding the rows.
pub(crate) fn rows_name(function: &Function, analysis: &RowsAnalysis) -> String {
    analysis
        .resource
        .aliases
        .first()
        .map_or_else(|| "rows".to_string(), |v| function.var(*v).name.clone())
}
