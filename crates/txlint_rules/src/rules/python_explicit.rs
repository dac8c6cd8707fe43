//! Python explicit transactions for TX002: asyncpg `tr = conn.transaction()` started with
//! `await tr.start()`, SQLAlchemy `trans = conn.begin()` not used as a context, and
//! Django `transaction.set_autocommit(False)`.

use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, Event, FuncId, Function, Operand, ResultUse,
    Terminator, VarId,
};
use txlint_ir::{Diagnostic, TextRange};

use crate::context::Context;
use crate::engine::aliases::aliases_of;
use crate::engine::flow::{self, Effect, ExitKind, ExitPolicy, Resource, ResourceModel};
use crate::semantics::python::{in_with_body, resolve, ConnectionModel, Kind, Mode};
use crate::semantics::typed::facts::MAX_BEGINS_PER_FUNCTION;

/// A begin and what ends it.
pub(crate) struct ExplicitBegin {
    pub call: CallId,
    /// The variables holding the transaction object (empty for Django).
    pub holders: Vec<VarId>,
    /// The connection it runs on, whose commit/rollback/close also end it.
    pub owner: Option<Operand>,
    /// For a raw `BEGIN` sent as SQL text on an autocommit connection (or on sqlite3,
    /// whose legacy mode begins by itself only before writes), the index of the connection's
    /// holder among the function's: `COMMIT`/`ROLLBACK` sent on it end the transaction.
    pub raw: Option<(usize, usize)>,
    /// For a raw begin on SQLite that is a `SAVEPOINT` set outside any transaction (which
    /// begins one there): its name. Only `RELEASE` of it, `COMMIT` or `ROLLBACK` end it;
    /// `ROLLBACK TO` it keeps the transaction open.
    pub savepoint: Option<String>,
}

pub(crate) struct ExplicitModel<'a> {
    pub cx: &'a Context<'a>,
    pub function: &'a Function,
    pub begin: &'a ExplicitBegin,
}

impl ExplicitModel<'_> {
    fn ends(&self, call: &Call) -> bool {
        if let Some((index, raw)) = self.begin.raw {
            return self.ends_raw(index, raw, call);
        }
        let methods = &self.cx.models.connection;
        let django = &self.cx.models.django;
        match &call.callee {
            Callee::Method { receiver, name, .. } => {
                let on_transaction =
                    matches!(receiver, Operand::Var(v) if self.begin.holders.contains(v));
                let on_owner = self.begin.owner.as_ref() == Some(receiver);
                let ends = methods
                    .commit
                    .iter()
                    .chain(&methods.rollback)
                    .any(|m| m == name);
                let closes = methods.close.iter().any(|m| m == name);
                (on_transaction && ends) || (on_owner && (ends || closes))
            }
            Callee::Path(path) => {
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                let name = resolve(self.cx.ir, &segments);
                django.commit.contains(&name)
                    || django.rollback.contains(&name)
                    || (django.set_autocommit.contains(&name)
                        && call.args.first() == Some(&Operand::Const("True".into())))
            }
            Callee::Other(_) => false,
        }
    }
}

impl ExplicitModel<'_> {
    /// Whether a call ends a raw `BEGIN`: `COMMIT` or `ROLLBACK` sent on the connection
    /// or a cursor of it, the connection's `commit()`, `rollback()` (unless the driver
    /// sends nothing for them in autocommit mode) or `close()`.
    fn ends_raw(&self, index: usize, raw: usize, call: &Call) -> bool {
        let facts = self.cx.python();
        let holder = &facts.holders[index][raw];
        let model = raw_model(self.cx, index, holder);
        if model.is_statement(call) {
            if let Some(name) = &self.begin.savepoint {
                return crate::semantics::python::sql_text(self.function, call)
                    .is_some_and(|sql| crate::engine::sql_control::releases(&sql, name));
            }
            return model
                .facts
                .sql_effect(FuncId(index as u32), self.function, call)
                .is_some_and(|effect| effect.ends_open.is_some());
        }
        let Some(name) = model.method_on_holder(call) else {
            return false;
        };
        let methods = &self.cx.models.connection;
        let driver = &self.cx.models.drivers[holder.driver];
        let silent = driver.autocommit_methods_send_nothing && holder.autocommit;
        let ends = methods
            .commit
            .iter()
            .chain(&methods.rollback)
            .any(|m| m == name);
        (ends && !silent) || methods.close.iter().any(|m| m == name)
    }
}

fn raw_model<'a>(
    cx: &'a Context,
    index: usize,
    holder: &'a crate::semantics::python::Holder,
) -> crate::semantics::python::ConnectionModel<'a> {
    crate::semantics::python::ConnectionModel {
        file: cx.ir,
        models: cx.models,
        facts: cx.python(),
        function_id: FuncId(index as u32),
        function: &cx.ir.functions[index],
        holder,
        mode: crate::semantics::python::Mode::Implicit,
    }
}

impl ResourceModel for ExplicitModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) if self.ends(self.function.call(*id)) => Effect::End,
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        values
            .iter()
            .any(|v| matches!(v, Operand::Var(var) if self.begin.holders.contains(var)))
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }

    fn catches_every_database_error(&self, catches: &[String]) -> bool {
        crate::semantics::python::catches_every_database_error(self.cx.models, self.cx.ir, catches)
    }

    fn raises_database_error(&self, event: &Event) -> bool {
        if let Some((index, raw)) = self.begin.raw {
            let holder = &self.cx.python().holders[index][raw];
            return raw_model(self.cx, index, holder).calls_holder(event);
        }
        let Event::Call(id) = event else {
            return false;
        };
        match &self.function.call(*id).callee {
            Callee::Method { receiver, .. } => {
                matches!(receiver, Operand::Var(v) if self.begin.holders.contains(v))
                    || self.begin.owner.as_ref() == Some(receiver)
            }
            _ => false,
        }
    }

    fn catches_database_errors(&self, catches: &[String]) -> bool {
        crate::semantics::python::can_catch_database_error(self.cx.ir, self.cx.models, catches)
    }
}

/// The explicit begins of a function: none when it has more than
/// [`MAX_BEGINS_PER_FUNCTION`] (see [`crowded`]; each begin's analysis walks the function).
pub(crate) fn begins(cx: &Context, index: usize, function: &Function) -> Vec<ExplicitBegin> {
    let found: Vec<ExplicitBegin> = begin_calls(cx, index, function)
        .into_iter()
        .map(|(call, holder, owner)| ExplicitBegin {
            call,
            holders: holder.map_or_else(Vec::new, |v| aliases_of(function, v)),
            owner,
            raw: None,
            savepoint: None,
        })
        .chain(raw_begins(cx, index, function))
        .collect();
    if found.len() > MAX_BEGINS_PER_FUNCTION {
        return Vec::new();
    }
    found
}

/// Raw `BEGIN`s sent as SQL text where the driver has not begun a transaction itself: on
/// an autocommit connection (asyncpg's always are; a parameter's, whose mode its caller
/// chose, is taken to be one), or on sqlite3 in its legacy mode, which begins by itself only
/// before a write. Only on a connection that outlives the function
/// (an attribute, a module global, a parameter): a local one is closed, and its transaction
/// rolled back, when the function's frame goes.
fn raw_begins(cx: &Context, index: usize, function: &Function) -> Vec<ExplicitBegin> {
    let facts = cx.python();
    let mut found = Vec::new();
    for (holder_index, holder) in facts.holders[index].iter().enumerate() {
        let driver = &cx.models.drivers[holder.driver];
        // A parameter's mode is its caller's: sending `BEGIN` on it says it is autocommit.
        let own_begin = !holder.autocommit
            && driver.implicit == crate::models::Implicit::Any
            && holder.owner != crate::semantics::python::Owner::Param;
        if own_begin || holder.owner == crate::semantics::python::Owner::Local || driver.scoped {
            continue;
        }
        let model = raw_model(cx, index, holder);
        let statements: Vec<usize> = (0..function.calls.len())
            .filter(|&i| model.is_statement(&function.calls[i]))
            .collect();
        let begin = |call_index: usize, savepoint: Option<String>| ExplicitBegin {
            call: CallId(call_index as u32),
            holders: Vec::new(),
            owner: Some(holder.operand.clone()),
            raw: Some((index, holder_index)),
            savepoint,
        };
        let mut begun = false;
        for &call_index in &statements {
            let leaves_open = facts
                .sql_effect(FuncId(index as u32), function, &function.calls[call_index])
                .is_some_and(|effect| effect.leaves_open);
            if leaves_open {
                found.push(begin(call_index, None));
                begun = true;
            }
        }
        // SQLite: a `SAVEPOINT` outside a transaction begins one. Only where the function
        // begins nothing itself on the connection, and not on a parameter, which the
        // caller may hand over inside its own transaction (a nested savepoint).
        let sqlite = driver.database == Some(crate::models::Database::Sqlite);
        if sqlite && !begun && holder.owner != crate::semantics::python::Owner::Param {
            for &call_index in &statements {
                let savepoint =
                    crate::semantics::python::sql_text(function, &function.calls[call_index])
                        .and_then(|sql| crate::engine::sql_control::outermost_savepoint(&sql));
                if savepoint.is_some() {
                    found.push(begin(call_index, savepoint));
                }
            }
        }
    }
    found
}

/// The functions with too many explicit begins to analyse.
pub(crate) fn crowded(cx: &Context) -> Vec<FuncId> {
    (0..cx.ir.functions.len())
        .filter(|&index| {
            let function = &cx.ir.functions[index];
            begin_calls(cx, index, function).len() + raw_begins(cx, index, function).len()
                > MAX_BEGINS_PER_FUNCTION
        })
        .map(|index| FuncId(index as u32))
        .collect()
}

/// Each explicit begin of a function: the call, the variable holding the transaction
/// (none for Django's `set_autocommit(False)`) and the connection it was begun on.
fn begin_calls(
    cx: &Context,
    index: usize,
    function: &Function,
) -> Vec<(CallId, Option<VarId>, Option<Operand>)> {
    let kinds = &cx.python().kinds[index];
    let methods = &cx.models.connection;
    let mut found = Vec::new();
    for (call_index, call) in function.calls.iter().enumerate() {
        let id = CallId(call_index as u32);
        match &call.callee {
            // asyncpg: `await tr.start()` on `tr = conn.transaction()`.
            Callee::Method {
                receiver: Operand::Var(tr),
                name,
                ..
            } if methods.start.iter().any(|m| m == name) => {
                if let Some(Kind::DeferredTransaction { owner }) = kinds.get(&Operand::Var(*tr)) {
                    found.push((id, Some(*tr), Some(owner.clone())));
                }
            }
            Callee::Path(path) => {
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                let name = resolve(cx.ir, &segments);
                let off = call.args.first() == Some(&Operand::Const("False".into()));
                if cx.models.django.set_autocommit.contains(&name) && off {
                    found.push((id, None, None));
                }
            }
            _ => {}
        }
        // SQLAlchemy: `trans = conn.begin()` outside a `with`.
        if let ResultUse::Assigned(bindings) = &call.result {
            if let Some(Binding::Var(t)) = bindings.first() {
                if let Some(Kind::Transaction { owner }) = kinds.get(&Operand::Var(*t)) {
                    let is_begin = matches!(&call.callee, Callee::Method { receiver, .. } if receiver == owner);
                    if is_begin {
                        found.push((id, Some(*t), Some(owner.clone())));
                    }
                }
            }
        }
    }
    found
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX002").expect("registered");
    for (index, function) in cx.ir.functions.iter().enumerate() {
        for begin in begins(cx, index, function) {
            let model = ExplicitModel {
                cx,
                function,
                begin: &begin,
            };
            // A callback handed its connection by a runner raises into that runner, which
            // owns the connection and disposes of it: only its other exits leak.
            let exits = if runner_owns_connection(cx, FuncId(index as u32), &begin) {
                ExitPolicy {
                    raises: false,
                    ..ExitPolicy::EXPLICIT
                }
            } else {
                ExitPolicy::EXPLICIT
            };
            let resource = Resource::new(
                Event::Call(begin.call),
                function.call(begin.call).range,
                begin.holders.clone(),
                exits,
            );
            let mut outcome = flow::analyze(function, &resource, &model);
            // An exception that leaves through a `with` whose exit ends the connection's
            // transaction (`with engine.connect() as conn:` closes it, which rolls back)
            // takes the transaction with it.
            let withs = ending_withs_of_owner(cx, FuncId(index as u32), &begin);
            outcome
                .leaks
                .retain(|exit| exit.kind != ExitKind::Raise || !in_with_body(&withs, exit.range));
            if outcome.leaks.is_empty() {
                continue;
            }
            // A raw `BEGIN` that no path of the function ends begins for its caller (a
            // `begin(conn)` helper, a fixture's setup): only one that some path ends and
            // another leaves open is reported.
            let ended_somewhere = outcome.open_events.iter().any(|&(block, event)| {
                model.effect(&function.cfg.block(block).events[event]) == Effect::End
            });
            if begin.raw.is_some() && !ended_somewhere {
                continue;
            }
            let name = begin.holders.first().map_or_else(
                || "transaction".to_string(),
                |v| function.var(*v).name.clone(),
            );
            let (message, primary) = match (&begin.raw, &begin.owner) {
                (Some(_), Some(owner)) if begin.savepoint.is_some() => (
                    format!(
                        "savepoint `{}` begins a transaction on `{}` that is not released on every path",
                        begin.savepoint.as_deref().unwrap_or_default(),
                        cx.display(function, owner)
                    ),
                    "a SQLite `SAVEPOINT` outside a transaction begins one",
                ),
                (Some(_), Some(owner)) => (
                    format!(
                        "raw `BEGIN` on `{}` is not ended by `COMMIT` or `ROLLBACK` on every path",
                        cx.display(function, owner)
                    ),
                    "transaction begun here with SQL text",
                ),
                _ => (
                    format!("transaction `{name}` is not ended on every path"),
                    "transaction begun here",
                ),
            };
            let mut diagnostic = cx
                .diagnostic(meta, function, resource.acquire_range, message)
                .primary_label(primary);
            for exit in &outcome.leaks {
                let text = match exit.kind {
                    ExitKind::Raise => {
                        "raises out of the function here with the transaction still open"
                    }
                    ExitKind::FunctionEnd => {
                        "the function ends here with the transaction still open"
                    }
                    _ => "returns here with the transaction still open",
                };
                diagnostic = diagnostic.label(exit.range, text);
            }
            let help = if let Some(name) = &begin.savepoint {
                format!("send `RELEASE {name}` on every path, after `ROLLBACK TO {name}` too: rolling back to a savepoint keeps the transaction it began open")
            } else if begin.raw.is_some() {
                "send `COMMIT` or `ROLLBACK` on every path (`try: … except BaseException: conn.execute(\"ROLLBACK\"); raise`), or use the driver's transaction block (`with conn.transaction():`, `async with conn.transaction():`)".to_string()
            } else {
                "use the transaction as a context manager (`async with conn.transaction():`, `with conn.begin():`, `with transaction.atomic():`), or commit and roll back in `try`/`except`".to_string()
            };
            out.push(
                diagnostic
                    .help(help)
                    .note("the connection stays inside the transaction: its locks are held until something else ends it")
                    .build(),
            );
        }
    }
}

/// The `with` statements whose exit ends the transaction of the connection a begin runs
/// on (see [`ConnectionModel::ending_withs`]).
fn ending_withs_of_owner(
    cx: &Context,
    id: FuncId,
    begin: &ExplicitBegin,
) -> Vec<(TextRange, TextRange)> {
    let Some(owner) = &begin.owner else {
        return Vec::new();
    };
    let facts = cx.python();
    let Some(holder) = facts.holders[id.index()]
        .iter()
        .find(|holder| holder.operand == *owner)
    else {
        return Vec::new();
    };
    ConnectionModel {
        file: cx.ir,
        models: cx.models,
        facts,
        function_id: id,
        function: cx.function(id),
        holder,
        mode: Mode::Implicit,
    }
    .ending_withs()
}

/// Whether the transaction runs on the connection parameter of a nested function that its
/// enclosing function only hands to another call (`self.pool.do(thd)`, `run_in_thread(work)`):
/// a runner that gives each callback a connection gets the callback's exceptions, and owning
/// the connection, it closes or resets it (a closed connection rolls back). Returning with the
/// transaction open still leaks: the runner carries on with the connection as it was left.
fn runner_owns_connection(cx: &Context, id: FuncId, begin: &ExplicitBegin) -> bool {
    let function = cx.ir.function(id);
    let Some(parent) = function.parent else {
        return false;
    };
    let on_parameter = matches!(
        &begin.owner,
        Some(Operand::Var(v)) if function.params.contains(v)
    );
    if !on_parameter {
        return false;
    }
    let parent = cx.ir.function(parent);
    let holders: Vec<VarId> = parent
        .events()
        .filter_map(|event| match event {
            Event::Assign {
                targets, values, ..
            } => targets
                .iter()
                .zip(values)
                .find_map(|(target, value)| match (target, value) {
                    (Binding::Var(v), Operand::Closure(literal)) if *literal == id => Some(*v),
                    _ => None,
                }),
            _ => None,
        })
        .collect();
    let is_callback = |operand: &Operand| {
        matches!(operand, Operand::Var(v) if holders.contains(v))
            || *operand == Operand::Closure(id)
    };
    let handed_on = parent
        .calls
        .iter()
        .any(|call| call.args.iter().any(is_callback));
    let names: Vec<&str> = holders
        .iter()
        .map(|v| parent.var(*v).name.as_str())
        .collect();
    let called_here = parent.calls.iter().any(|call| match &call.callee {
        Callee::Other(callee) => is_callback(callee),
        Callee::Path(path) => matches!(path.as_slice(), [name] if names.contains(&name.as_str())),
        Callee::Method { .. } => false,
    });
    handed_on && !called_here
}

/// Python TX006: `commit()` inside a `finally` block.
pub(crate) fn check_commit_in_finally(cx: &Context, out: &mut Vec<Diagnostic>) {
    let meta = crate::registry::rule("TX006").expect("registered");
    let facts = cx.python();
    for (index, function) in cx.ir.functions.iter().enumerate() {
        let kinds = &facts.kinds[index];
        for (call_index, call) in function.calls.iter().enumerate() {
            let inside_finally = cx
                .ir
                .cleanup_blocks
                .iter()
                .any(|b| b.contains_range(call.range));
            if !inside_finally {
                continue;
            }
            let commits = match &call.callee {
                Callee::Method { receiver, name, .. } => {
                    let connection =
                        crate::semantics::python::connection_of(function, kinds, receiver);
                    let rolls_back_connection = |c: &Call| match &c.callee {
                        Callee::Method { receiver, name, .. } => {
                            cx.models.connection.rollback.iter().any(|m| m == name)
                                && crate::semantics::python::connection_of(
                                    function, kinds, receiver,
                                ) == connection
                        }
                        _ => false,
                    };
                    cx.models.connection.commit.iter().any(|m| m == name)
                        && matches!(kinds.get(&connection), Some(Kind::Connection { .. }))
                        // `finally: conn.rollback(); …; conn.commit()` commits only the
                        // cleanup's own work: the try body's is already rolled back.
                        && !always_rolled_back_before(
                            function,
                            CallId(call_index as u32),
                            &rolls_back_connection,
                        )
                        // Only an error path commits partial work: one from a failed
                        // database call that reaches the commit with no rollback on the way
                        // (`except Exception: conn.rollback(); raise` covers them all).
                        && failure_reaches_unrolled(
                            function,
                            CallId(call_index as u32),
                            &rolls_back_connection,
                            |c| match &c.callee {
                                Callee::Method { receiver, .. } => matches!(
                                    kinds.get(&crate::semantics::python::connection_of(function, kinds, receiver)),
                                    Some(Kind::Connection { .. })
                                ),
                                _ => false,
                            },
                        )
                }
                Callee::Path(path) => {
                    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                    cx.models.django.commit.contains(&resolve(cx.ir, &segments))
                }
                Callee::Other(_) => false,
            };
            if commits {
                out.push(
                    cx.diagnostic(meta, function, call.range, "`commit()` in `finally` commits on error paths too".to_string())
                        .primary_label("runs whether the block succeeded or not")
                        .help("commit at the end of the `try` body, and roll back in `except` (or use `with conn:` / `with conn.transaction():`)")
                        .note("after an exception the partial work is committed, or the commit fails and replaces the original exception")
                        .build(),
                );
            }
        }
    }
    let _ = FuncId(0);
}

/// The index of the block a call is in.
fn home_block(function: &Function, target: CallId) -> Option<usize> {
    function
        .cfg
        .block_of(&Event::Call(target))
        .map(BlockId::index)
}

/// Whether a path from the exception edge of a database call (`is_database`) reaches
/// `target` without passing a call that `is_rollback` accepts.
fn failure_reaches_unrolled(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
    is_database: impl Fn(&Call) -> bool,
) -> bool {
    let rolls_back =
        |event: &Event| matches!(event, Event::Call(id) if is_rollback(function.call(*id)));
    let blocks = &function.cfg.blocks;
    let Some(home) = home_block(function, target) else {
        return false;
    };
    let mut seen = vec![false; blocks.len()];
    let mut stack: Vec<BlockId> = blocks
        .iter()
        .filter_map(|block| match (&block.terminator, block.events.last()) {
            // A rollback that fails leaves nothing of its own to commit.
            (Terminator::MayRaise { handler, .. }, Some(Event::Call(id)))
                if is_database(function.call(*id)) && !is_rollback(function.call(*id)) =>
            {
                Some(*handler)
            }
            _ => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        let events = &blocks[id.index()].events;
        if id.index() == home {
            let before = events.iter().take_while(|e| **e != Event::Call(target));
            if !before.clone().any(rolls_back) {
                return true;
            }
            continue;
        }
        if events.iter().any(rolls_back) {
            continue;
        }
        // Calls other than the database's are taken not to raise on the way (a `log`
        // before the handler's rollback): only their normal edge is followed.
        match (&blocks[id.index()].terminator, events.last()) {
            (Terminator::MayRaise { normal, .. }, Some(Event::Call(call)))
                if !is_database(function.call(*call)) =>
            {
                stack.push(*normal)
            }
            _ => stack.extend(function.cfg.successors(id)),
        }
    }
    false
}

/// Whether every path from the function's entry to `target` runs a call that
/// `is_rollback` accepts first.
fn always_rolled_back_before(
    function: &Function,
    target: CallId,
    is_rollback: &dyn Fn(&Call) -> bool,
) -> bool {
    function.cfg.always_before(
        &Event::Call(target),
        |event| matches!(event, Event::Call(id) if is_rollback(function.call(*id))),
    )
}
