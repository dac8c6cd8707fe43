//! TX010 unbounded-pool: a connection pool is opened and its package never bounds it
//! with `SetMaxOpenConns`. Package-level: each file contributes its opens and whether it
//! bounds pools; [`crate::check_package`] decides.

use txlint_ir::ir::{Binding, Callee, Function, Operand, ResultUse, Terminator, VarKind};
use txlint_ir::Diagnostic;

use crate::models::listed;
use crate::Context;

/// What one file says about pools: opens that are findings unless the package bounds
/// its pools somewhere, and whether this file does.
pub(crate) fn file_facts(cx: &Context) -> (Vec<Diagnostic>, bool) {
    let meta = crate::registry::rule("TX010").expect("registered");
    let pools = &cx.models.pools;
    let mut opens = Vec::new();
    let mut bounds = false;
    for function in &cx.ir.functions {
        for call in &function.calls {
            match &call.callee {
                Callee::Method { name, .. } if listed(&pools.bound_methods, name) => bounds = true,
                Callee::Path(path) if path.len() == 2 => {
                    let name = path.join(".");
                    if !listed(&pools.open_functions, &name)
                        || handed_to_caller(function, &call.result)
                    {
                        continue;
                    }
                    opens.push(
                        cx.diagnostic(meta, function, call.range, format!("pool opened by `{name}` is never bounded with `SetMaxOpenConns` in this package"))
                            .primary_label("pool opened here")
                            .help("call `SetMaxOpenConns` on it (for GORM, on the `*sql.DB` from `db.DB()`), with `SetMaxIdleConns` and `SetConnMaxLifetime`")
                            .note("without a bound, every leaked or slow transaction takes one more server connection until PostgreSQL refuses new ones")
                            .build(),
                    );
                }
                _ => {}
            }
        }
    }
    (opens, bounds)
}

/// Whether the opened pool goes straight back to the caller, who then owns its settings.
fn handed_to_caller(function: &Function, result: &ResultUse) -> bool {
    match result {
        ResultUse::Returned => true,
        ResultUse::Assigned(bindings) => match bindings.first() {
            Some(Binding::Var(v)) => {
                function.var(*v).kind == VarKind::NamedResult
                    || function.cfg.blocks.iter().any(|b| {
                        matches!(&b.terminator, Terminator::Return { values, .. } if values.contains(&Operand::Var(*v)))
                    })
            }
            _ => false,
        },
        _ => false,
    }
}
