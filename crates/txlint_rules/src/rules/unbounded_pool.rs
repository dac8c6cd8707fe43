//! TX010 unbounded-pool: a long-lived connection pool whose package never bounds it with
//! `SetMaxOpenConns`. Package-level: each file contributes its long-lived opens and
//! whether it bounds pools; [`crate::check_package`] decides.
//!
//! Long-lived means the function that opens the pool keeps it for the program: stores it
//! in a package variable or a field (a composite literal included), alone or wrapped by
//! a library (`sqlx.NewDb`). A pool returned as it is belongs to the caller, whose
//! package bounds it for its own workload. A pool that function closes with a deferred
//! `Close` (or a deferred literal, or a literal given to a test's `t.Cleanup`), keeps in a
//! local
//! (an example `main`, a CLI command), or hands to a project function whose use of it is
//! not known, is not reported: there is no evidence that it serves concurrent requests.

use txlint_ir::ir::{Binding, Call, CallId, Callee, Event, FileIr, FuncId, Function, Operand};
use txlint_ir::ir::{ResultUse, VarId, VarKind};
use txlint_ir::Diagnostic;

use crate::context::Context;
use crate::meta::{rule_meta, RuleMeta};
use crate::models::{listed, Pools};

/// TX010 unbounded-pool.
pub(crate) static RULE: RuleMeta = rule_meta!("TX010", "unbounded-pool", Warning, [Go]);

/// TX010 is a package-level rule: a file's pools are gathered by [`file_facts`] and
/// reported by `check_package` when no file of the package bounds its pools.
pub(crate) fn check(_cx: &Context, _out: &mut Vec<Diagnostic>) {}

/// What one file says about pools: opens that are findings unless the package bounds
/// its pools somewhere, and whether this file does.
pub(crate) fn file_facts(cx: &Context) -> (Vec<Diagnostic>, bool) {
    let meta = &RULE;
    let pools = &cx.models.pools;
    let mut opens = Vec::new();
    let bounds = bounds_pools(cx.ir, pools);
    for (id, function) in cx.ir.functions.iter().enumerate() {
        let id = FuncId(id as u32);
        for (index, call) in function.calls.iter().enumerate() {
            let Callee::Path(path) = &call.callee else {
                continue;
            };
            let name = path.join(".");
            if path.len() != 2
                || !listed(&pools.open_functions, &name)
                || sessionless(cx, function, pools, call)
                || dry_run(function, pools, call)
                || !kept_for_the_program(cx.ir, id, pools, CallId(index as u32))
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
    }
    (opens, bounds)
}

/// Whether a file bounds a pool (`SetMaxOpenConns`), as [`file_facts`] says: a file of the
/// package that the run does not check answers for the package all the same.
pub(crate) fn bounds_pools(ir: &FileIr, pools: &Pools) -> bool {
    ir.functions.iter().flat_map(|f| &f.calls).any(|call| {
        matches!(&call.callee, Callee::Method { name, .. } if listed(&pools.bound_methods, name))
    })
}

/// Whether the open names a database whose sessions an unbounded pool cannot exhaust:
/// its driver name literal (`sql.Open("sqlite3", …)`) or its GORM dialector's package
/// (`gorm.Open(sqlite.Open(…))`).
fn sessionless(cx: &Context, function: &Function, pools: &Pools, call: &Call) -> bool {
    match call.args.first() {
        Some(Operand::Str(driver)) => listed(&pools.sessionless_drivers, driver),
        Some(Operand::Call(dialector)) => match &function.call(*dialector).callee {
            Callee::Path(path) if path.len() == 2 => cx
                .ir
                .import_named(&path[0])
                .is_some_and(|import| listed(&pools.sessionless_dialectors, &import.path)),
            _ => false,
        },
        _ => false,
    }
}

/// Whether the open is given a configuration literal that keeps the pool from running
/// statements (`gorm.Open(dialector, &gorm.Config{DryRun: true})`), inline or through a
/// local that is assigned nothing else.
fn dry_run(function: &Function, pools: &Pools, call: &Call) -> bool {
    let says_dry_run = |operand: &Operand| match operand {
        Operand::Composite(ty, fields) => fields.iter().any(|(field, value)| {
            *value == Operand::Const("true".into())
                && listed(&pools.dry_run_fields, &format!("{ty}.{field}"))
        }),
        _ => false,
    };
    call.args.iter().any(|arg| match arg {
        Operand::Var(v) => {
            let mut values = function.events().filter_map(|event| match event {
                Event::Assign {
                    targets, values, ..
                } => targets
                    .iter()
                    .zip(values)
                    .find(|(target, _)| matches!(target, Binding::Var(t) if t == v))
                    .map(|(_, value)| value),
                _ => None,
            });
            let assigned_by_call = function.calls.iter().any(
                |c| matches!(&c.result, ResultUse::Assigned(b) if b.contains(&Binding::Var(*v))),
            );
            let first = values.next();
            !assigned_by_call && first.is_some_and(says_dry_run) && values.all(says_dry_run)
        }
        other => says_dry_run(other),
    })
}

/// How the pool opened by one call is kept by the function that opens it.
#[derive(Default)]
struct Keeping {
    /// Locals holding the pool or a library wrapper of it.
    aliases: Vec<VarId>,
    /// Stored where it outlives the function: a package variable, a field, a composite
    /// literal. Returned alone, it is the caller's to bound.
    kept: bool,
    /// `defer pool.Close()`, a deferred literal that closes it, or a literal that closes
    /// it registered with a test's `Cleanup`: the pool of this function or of this test
    /// (a `Close` on an error path is cleanup, not a lifetime).
    closed: bool,
}

impl Keeping {
    fn holds(&self, operand: &Operand) -> bool {
        matches!(operand, Operand::Var(v) if self.aliases.contains(v))
    }

    /// Follows the value of `call` (the open or a wrapper of it) to where it goes.
    fn follow_result(&mut self, function: &Function, pools: &Pools, result: &ResultUse) {
        match result {
            // Handed to the caller, whose package bounds it for its own workload.
            ResultUse::Returned => {}
            ResultUse::Assigned(bindings) => match bindings.first() {
                Some(Binding::Var(v)) => match function.var(*v).kind {
                    VarKind::Local | VarKind::NamedResult => {
                        if !self.aliases.contains(v) {
                            self.aliases.push(*v);
                        }
                    }
                    _ => self.kept = true,
                },
                Some(Binding::Place(_)) => self.kept = true,
                _ => {}
            },
            ResultUse::Argument(outer) => {
                let outer = function.call(*outer);
                if is_wrapper(pools, &outer.callee) {
                    self.follow_result(function, pools, &outer.result);
                }
            }
            _ => {}
        }
    }
}

fn is_wrapper(pools: &Pools, callee: &Callee) -> bool {
    matches!(callee, Callee::Path(path) if path.len() == 2 && listed(&pools.wrap_functions, &path.join(".")))
}

/// Whether a function literal of `parent` closes the pool: it calls `Close` on a
/// captured copy of it (`func() { _ = db.Close() }`, `require.NoError(t, db.Close())`).
fn literal_closes(file: &FileIr, parent: FuncId, literal: FuncId, keeping: &Keeping) -> bool {
    let literal = file.function(literal);
    literal.calls.iter().any(|call| match &call.callee {
        Callee::Method {
            receiver: Operand::Var(v),
            name,
            ..
        } => {
            name == "Close"
                && matches!(literal.var(*v).outer, Some((f, outer)) if f == parent && keeping.aliases.contains(&outer))
        }
        _ => false,
    })
}

/// Whether `call` registers a function with a handle that runs it when it ends:
/// `t.Cleanup(f)` on a declared `*testing.T`.
fn registers_cleanup(function: &Function, pools: &Pools, call: &Call) -> bool {
    match &call.callee {
        Callee::Method {
            receiver: Operand::Var(v),
            name,
            ..
        } => {
            listed(&pools.cleanup_methods, name)
                && function
                    .var(*v)
                    .ty
                    .as_deref()
                    .is_some_and(|ty| listed(&pools.cleanup_types, ty))
        }
        _ => false,
    }
}

/// Whether the pool opened by `open` is kept for the program and not closed.
fn kept_for_the_program(file: &FileIr, id: FuncId, pools: &Pools, open: CallId) -> bool {
    let function = file.function(id);
    let mut keeping = Keeping::default();
    keeping.follow_result(function, pools, &function.call(open).result);
    // Aliases grow as copies and wrappers are found: repeat until nothing changes.
    loop {
        let known = keeping.aliases.len();
        for block in &function.cfg.blocks {
            for event in &block.events {
                match event {
                    Event::Call(id) | Event::Defer(id) => {
                        let call = function.call(*id);
                        match &call.callee {
                            Callee::Method { receiver, name, .. }
                                if matches!(event, Event::Defer(_))
                                    && name == "Close"
                                    && keeping.holds(receiver) =>
                            {
                                keeping.closed = true;
                            }
                            callee
                                if is_wrapper(pools, callee)
                                    && call.args.iter().any(|a| keeping.holds(a)) =>
                            {
                                keeping.follow_result(function, pools, &call.result);
                            }
                            _ => {}
                        }
                    }
                    Event::Assign {
                        targets, values, ..
                    } => {
                        for (target, value) in targets.iter().zip(values) {
                            if !keeping.holds(value) {
                                continue;
                            }
                            match target {
                                Binding::Place(_) => keeping.kept = true,
                                Binding::Var(v) => match function.var(*v).kind {
                                    VarKind::Local | VarKind::NamedResult
                                        if !keeping.aliases.contains(v) =>
                                    {
                                        keeping.aliases.push(*v)
                                    }
                                    VarKind::Local | VarKind::NamedResult => {}
                                    _ => keeping.kept = true,
                                },
                                Binding::Blank => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if keeping.aliases.len() == known {
            break;
        }
    }
    // A literal that closes the pool, run when the function returns (`defer func() {
    // db.Close() }()`) or when the test ends (`t.Cleanup(func() { db.Close() })`).
    for event in function.events() {
        let (Event::Call(call) | Event::Defer(call)) = event else {
            continue;
        };
        let call = function.call(*call);
        let literals: Vec<FuncId> = match (&call.callee, event) {
            (Callee::Other(Operand::Closure(literal)), Event::Defer(_)) => vec![*literal],
            _ if registers_cleanup(function, pools, call) => call
                .args
                .iter()
                .filter_map(|a| match a {
                    Operand::Closure(literal) => Some(*literal),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if literals
            .iter()
            .any(|&literal| literal_closes(file, id, literal, &keeping))
        {
            keeping.closed = true;
        }
    }
    keeping.kept && !keeping.closed
}
