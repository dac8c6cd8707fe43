//! TX005 unclosed-rows: rows from a query are not closed on every path.

use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::engine::flow::{reported_exits, ExitKind};
use crate::meta::{rule_meta, RuleMeta};
use crate::semantics::go::rows::rows_name;

/// TX005 unclosed-rows.
pub(crate) static RULE: RuleMeta = rule_meta!("TX005", "unclosed-rows", Warning, [Go]);

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = &RULE;
    for analysis in cx.rows() {
        let exits = reported_exits(&analysis.outcome);
        if exits.is_empty() {
            continue;
        }
        let function = cx.function(analysis.function);
        let name = rows_name(function, analysis);
        let mut diagnostic = cx
            .diagnostic(
                meta,
                function,
                analysis.resource.acquire_range,
                format!("`{name}` is not closed on every path"),
            )
            .primary_label("rows opened here");
        for exit in exits {
            let label = match exit.kind {
                ExitKind::Return => "returns here with the rows still open",
                ExitKind::FunctionEnd => "the function ends here with the rows still open",
                ExitKind::Released => "released here while the rows are still open",
                ExitKind::Raise => "raises out of the function here with the rows still open",
                ExitKind::Overwritten => "overwritten here while the rows are still open",
                ExitKind::Continue => "continues the loop without closing them",
                ExitKind::Reacquire => {
                    "the next iteration queries again while these rows are still open"
                }
            };
            diagnostic = diagnostic.label(exit.range, label);
        }
        out.push(
            diagnostic
                .help(format!("add `defer {name}.Close()` right after the query's error check"))
                .note("open rows pin their connection (inside a transaction, the transaction's connection) until they are closed")
                .build(),
        );
    }
}
