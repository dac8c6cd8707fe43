//! Go transactions controlled by SQL text: `conn.ExecContext(ctx, "BEGIN")` … `"COMMIT"`.
//!
//! What a raw `BEGIN` means depends on the handle it runs on, known only from evidence (a
//! declared type, or the call that made the value; see `[raw-sql]` in the Go models):
//! - on a pool (`*sql.DB`, `*pgxpool.Pool`), each statement takes whichever connection is
//!   free: the `BEGIN` leaves that connection inside a transaction as it goes back to the
//!   pool, and the statements after it, the `COMMIT` included, may run on others. Always
//!   wrong, reported at the `BEGIN`.
//! - on one connection (`db.Conn(ctx)`, `pgx.Connect`), it is a transaction like
//!   `BeginTx`'s, ended by `COMMIT`/`ROLLBACK` sent on the same connection, and followed
//!   over the function's paths like one.

use txlint_ir::ir::{Binding, CallId, Callee, Event, FileIr, FuncId, Function, Operand, ResultUse};
use txlint_ir::TextRange;

use crate::engine::flow::{self, Effect, Outcome, Resource, ResourceModel};
use crate::models::{listed, Models};
use crate::semantics::go::rows::{conventional_qualifier, conventional_type};

/// The kind of handle a raw statement runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawHandle {
    Pool,
    /// One connection; `true` when closing it hands it back to a pool as it is
    /// (database/sql's `*sql.Conn`), `false` when closing it ends the session or the
    /// pool destroys it (pgx).
    Connection {
        returned_as_is: bool,
    },
}

/// A raw `BEGIN` in a function, and what became of it.
pub(crate) struct GoRawBegin {
    pub call: CallId,
    pub handle: RawHandle,
    /// The handle as written (`db`, `s.db`), for messages.
    pub handle_name: String,
    /// Connections only: the analysis of the function's paths from the `BEGIN`, when some
    /// call of the function sends `COMMIT`/`ROLLBACK` on the connection. A function that
    /// never does begins for its caller (`func begin(c *sql.Conn) error`): not analysed.
    pub outcome: Option<Outcome>,
    /// Pools only: the calls after it that send `COMMIT`/`ROLLBACK` through the same pool.
    pub pool_ends: Vec<CallId>,
}

/// The SQL text a statement call sends: its first string literal argument
/// (`ExecContext(ctx, "BEGIN")`, `Exec("COMMIT")`), or a local holding only one.
fn sql_of(function: &Function, call: &txlint_ir::ir::Call) -> Option<String> {
    call.args.iter().take(2).find_map(|arg| match arg {
        Operand::Str(sql) => Some(sql.clone()),
        Operand::Var(v) => match function.definitions(*v) {
            [Operand::Str(sql)] => Some(sql.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// The receiver and SQL of a statement call (`x.Exec(…)` with a literal).
fn statement<'f>(
    models: &Models,
    function: &'f Function,
    call: &'f txlint_ir::ir::Call,
) -> Option<(&'f Operand, String)> {
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return None;
    };
    if !listed(&models.statements.methods, name) {
        return None;
    }
    Some((receiver, sql_of(function, call)?))
}

/// What a declared type says of a handle.
fn typed(file: &FileIr, models: &Models, ty: &str) -> Option<RawHandle> {
    let canonical = conventional_type(file, ty);
    let raw = &models.raw_sql;
    if listed(&raw.pool_types, &canonical) {
        return Some(RawHandle::Pool);
    }
    listed(&raw.connection_types, &canonical).then(|| RawHandle::Connection {
        returned_as_is: listed(&raw.returned_as_is, &canonical),
    })
}

/// The kind of handle an operand is, by evidence: its declared type (a local, a
/// parameter, a struct field, a package variable), or the call it was bound from
/// (`sql.Open(…)`, `db.Conn(ctx)` on a pool).
pub(crate) fn handle_kind(
    file: &FileIr,
    models: &Models,
    function: &Function,
    operand: &Operand,
    depth: usize,
) -> Option<RawHandle> {
    if depth > 4 {
        return None;
    }
    match operand {
        Operand::Var(v) => {
            let var = function.var(*v);
            if let Some(ty) = &var.ty {
                return typed(file, models, ty);
            }
            if var.outer.is_some() {
                return None;
            }
            // The calls bound to it, and the plain values assigned to it, must agree.
            let mut kinds = function
                .calls
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    matches!(&c.result, ResultUse::Assigned(b)
                        if matches!(b.first(), Some(Binding::Var(t)) if t == v))
                })
                .map(|(i, _)| call_kind(file, models, function, CallId(i as u32), depth))
                .chain(
                    function
                        .definitions(*v)
                        .iter()
                        .filter(|d| !matches!(d, Operand::Call(_) | Operand::Other))
                        .map(|d| handle_kind(file, models, function, d, depth + 1)),
                );
            let first = kinds.next()??;
            kinds.all(|k| k == Some(first)).then_some(first)
        }
        Operand::Field(base, name) => typed(
            file,
            models,
            crate::semantics::typed::facts::field_type(file, function, base, name)?,
        ),
        Operand::Global(name) => typed(file, models, file.global_type(name)?),
        Operand::Call(id) => call_kind(file, models, function, *id, depth),
        _ => None,
    }
}

/// The kind of handle a call returns.
fn call_kind(
    file: &FileIr,
    models: &Models,
    function: &Function,
    id: CallId,
    depth: usize,
) -> Option<RawHandle> {
    let call = function.call(id);
    let raw = &models.raw_sql;
    match &call.callee {
        Callee::Path(path) if path.len() == 2 => {
            let qualified = format!("{}.{}", conventional_qualifier(file, &path[0]), path[1]);
            if listed(&raw.pool_functions, &qualified) {
                return Some(RawHandle::Pool);
            }
            listed(&raw.connection_functions, &qualified).then_some(RawHandle::Connection {
                returned_as_is: false,
            })
        }
        Callee::Method { receiver, name, .. } => {
            let ty = raw.connection_methods.get(name)?;
            match handle_kind(file, models, function, receiver, depth + 1)? {
                RawHandle::Pool => typed(file, models, ty),
                RawHandle::Connection { .. } => None,
            }
        }
        _ => None,
    }
}

/// Each raw `BEGIN` of a function, with the analysis its handle calls for. At most
/// `MAX_BEGINS_PER_FUNCTION` are analysed (each walks the function).
pub(crate) fn raw_begins(file: &FileIr, models: &Models, function_id: FuncId) -> Vec<GoRawBegin> {
    let function = file.function(function_id);
    let mut found = Vec::new();
    // Calls that send SQL ending the open transaction, by the handle they run on.
    let mut ends: Vec<Option<&Operand>> = vec![None; function.calls.len()];
    let mut begins: Vec<(CallId, &Operand)> = Vec::new();
    for (index, call) in function.calls.iter().enumerate() {
        let Some((receiver, sql)) = statement(models, function, call) else {
            continue;
        };
        let effect = crate::engine::sql_control::effect(&sql);
        if effect.ends_open.is_some() {
            ends[index] = Some(receiver);
        }
        if effect.leaves_open {
            begins.push((CallId(index as u32), receiver));
        }
    }
    if begins.len() > crate::engine::MAX_BEGINS_PER_FUNCTION {
        return found;
    }
    for (id, receiver) in begins {
        let Some(handle) = handle_kind(file, models, function, receiver, 0) else {
            continue;
        };
        let handle_name = shown(function, receiver);
        let same = |other: &Operand| *other == *receiver;
        match handle {
            RawHandle::Pool => {
                let pool_ends = ends
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| *i > id.index() && r.is_some_and(same))
                    .map(|(i, _)| CallId(i as u32))
                    .collect();
                found.push(GoRawBegin {
                    call: id,
                    handle,
                    handle_name,
                    outcome: None,
                    pool_ends,
                });
            }
            RawHandle::Connection { returned_as_is } => {
                // A function that never ends it begins for its caller: nothing to follow.
                let ended_here = ends.iter().any(|r| r.is_some_and(same));
                if !ended_here {
                    continue;
                }
                let call = function.call(id);
                let bindings = match &call.result {
                    ResultUse::Assigned(b) => b.as_slice(),
                    _ => &[],
                };
                let resource = Resource::go_call(id, call.range, Vec::new(), bindings);
                let model = RawModel {
                    file,
                    models,
                    function_id,
                    function,
                    connection: receiver,
                    ends: &ends,
                    returned_as_is,
                };
                let outcome = flow::analyze(function, &resource, &model);
                found.push(GoRawBegin {
                    call: id,
                    handle,
                    handle_name,
                    outcome: Some(outcome),
                    pool_ends: Vec::new(),
                });
            }
        }
    }
    found
}

/// An operand as the source names it, for messages.
fn shown(function: &Function, operand: &Operand) -> String {
    match operand {
        Operand::Var(v) => function.var(*v).name.clone(),
        Operand::Global(name) => name.clone(),
        Operand::Field(base, name) => format!("{}.{name}", shown(function, base)),
        _ => "the handle".to_string(),
    }
}

/// A raw transaction on one connection: `COMMIT`/`ROLLBACK` sent on it end it; closing it
/// hands it back to the pool (database/sql) or ends the session (pgx); a connection
/// returned, stored or handed to another function takes the transaction with it.
struct RawModel<'a> {
    file: &'a FileIr,
    models: &'a Models,
    function_id: FuncId,
    function: &'a Function,
    connection: &'a Operand,
    ends: &'a [Option<&'a Operand>],
    returned_as_is: bool,
}

impl RawModel<'_> {
    fn is_connection(&self, operand: &Operand) -> bool {
        operand == self.connection
    }

    /// Whether a function literal run at exit (`defer func() { … }()`) ends the
    /// transaction: it sends `COMMIT`/`ROLLBACK` on the captured connection, or hands the
    /// connection to a function that may (`finish(ctx, conn, err)`).
    fn literal_ends(&self, literal: FuncId) -> bool {
        let Some(connection) = self.connection.root_var() else {
            return false;
        };
        let inner = self.file.function(literal);
        let captured = |operand: &Operand| {
            operand
                .root_var()
                .is_some_and(|v| inner.var(v).outer == Some((self.function_id, connection)))
        };
        inner.calls.iter().any(|call| {
            let ends = statement(self.models, inner, call).is_some_and(|(receiver, sql)| {
                captured(receiver) && crate::engine::sql_control::effect(&sql).ends_open.is_some()
            });
            ends || call.args.iter().any(captured)
        })
    }
}

impl ResourceModel for RawModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) => {
                if self.ends[id.index()].is_some_and(|r| self.is_connection(r)) {
                    return Effect::End;
                }
                let call = self.function.call(*id);
                if let Callee::Method { receiver, name, .. } = &call.callee {
                    if self.is_connection(receiver) && matches!(name.as_str(), "Close" | "Release")
                    {
                        return match self.returned_as_is {
                            true => Effect::Release,
                            false => Effect::End,
                        };
                    }
                }
                // Handed to another function: it may end the transaction.
                if call.args.iter().any(|a| self.is_connection(a)) {
                    return Effect::Escape;
                }
                Effect::None
            }
            Event::Defer(id) => {
                let ends = self.ends[id.index()].is_some_and(|r| self.is_connection(r));
                let call = self.function.call(*id);
                let closes = matches!(&call.callee, Callee::Method { receiver, name, .. }
                    if self.is_connection(receiver) && matches!(name.as_str(), "Close" | "Release"));
                let literal = matches!(&call.callee, Callee::Other(Operand::Closure(f))
                    if self.literal_ends(*f));
                if ends || literal || (closes && !self.returned_as_is) {
                    Effect::DeferredEnd
                } else {
                    Effect::None
                }
            }
            Event::Assign {
                targets, values, ..
            } if targets
                .iter()
                .zip(values)
                .any(|(t, v)| self.is_connection(v) && matches!(t, Binding::Place(_))) =>
            {
                Effect::Escape
            }
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        values.iter().any(|v| self.is_connection(v))
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }
}
