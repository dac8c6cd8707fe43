//! How a Python connection's implicit transaction goes through one function, for TX004
//! connection-left-in-transaction, TX003 swallowed-db-error and TX011 lost-write: the
//! connection model the engine runs from the statement that opens what may leak, the
//! `except` blocks that swallow a database error, and what an exception leaves behind.
use txlint_ir::ir::{BlockId, CallId, Callee, Event, FuncId, Function, Operand, Terminator};
use txlint_ir::TextRange;

use crate::context::Context;
use crate::engine::flow::{self, Effect, Exit, ExitKind, ExitPolicy, Resource, ResourceModel};
use crate::models::Database;
use crate::semantics::python::{in_with_body, ConnectionModel, Holder, Mode, Owner};

/// How many opening statements per connection are tried as the start of a leak: bounds
/// the work on huge functions (each try is linear).
pub(crate) const MAX_STARTS: usize = 64;

pub(crate) fn policy(returns: bool) -> ExitPolicy {
    ExitPolicy {
        returns,
        raises: false,
        // Normal paths only: what a handler does is TX003's question.
        exception_edges: false,
        reacquire: false,
    }
}

pub(crate) fn holder_name(cx: &Context, function: &Function, holder: &Holder) -> String {
    cx.display(function, &holder.operand)
}

pub(crate) fn model<'a>(
    cx: &'a Context,
    id: FuncId,
    holder: &'a Holder,
    mode: Mode,
) -> ConnectionModel<'a> {
    ConnectionModel {
        file: cx.ir,
        models: cx.models,
        facts: cx.python(),
        function_id: id,
        function: cx.function(id),
        holder,
        mode,
    }
}

/// Statements on the holder that start what `keep` selects, in source order.
pub(crate) fn starts(
    model: &ConnectionModel,
    keep: impl Fn(&txlint_ir::ir::Call) -> bool,
) -> Vec<CallId> {
    let mut calls: Vec<(TextRange, CallId)> = model
        .function
        .calls
        .iter()
        .enumerate()
        .filter(|(_, call)| model.is_statement(call) && keep(call))
        .map(|(i, call)| (call.range, CallId(i as u32)))
        .collect();
    calls.sort();
    calls.dedup_by_key(|(range, _)| *range);
    calls
        .into_iter()
        .map(|(_, id)| id)
        .take(MAX_STARTS)
        .collect()
}

/// The first start whose analysis finds a leak, with the leaking exits.
pub(crate) fn first_leak(
    model: &ConnectionModel,
    starts: &[CallId],
    exits: ExitPolicy,
) -> Option<(CallId, Vec<Exit>)> {
    starts.iter().find_map(|&start| {
        let resource = Resource::new(
            Event::Call(start),
            model.function.call(start).range,
            model.holder.aliases.clone(),
            exits,
        );
        let leaks = flow::reported_exits(&flow::analyze(model.function, &resource, model));
        (!leaks.is_empty()).then_some((start, leaks))
    })
}

pub(crate) fn label(exit: &Exit, what: &str) -> String {
    match exit.kind {
        ExitKind::Released => format!("goes back to the pool here {what}"),
        ExitKind::Return => format!("returns here {what}"),
        ExitKind::FunctionEnd => format!("the function ends here {what}"),
        ExitKind::Raise => format!("raises out of the function here {what}"),
        ExitKind::Continue | ExitKind::Reacquire | ExitKind::Overwritten => format!("{what} here"),
    }
}

/// Where the connection is used again, given back or left after the handler at `range`
/// swallowed a database error its `try` body (`guarded`) raised on the holder, with no
/// rollback: TX003's leaks. `None` when it does not swallow one.
pub(crate) fn swallowed(
    cx: &Context,
    model: &ConnectionModel,
    guarded: &[(CallId, Vec<Event>)],
    (catches, range, body): (&[String], TextRange, TextRange),
) -> Option<Vec<Exit>> {
    let holder = model.holder;
    let function = model.function;
    if holder.autocommit {
        return None;
    }
    // A statement inside a scoped transaction entered in the `try` body
    // (`with conn.transaction():`, `with session.begin_nested():`) cannot leave
    // the connection aborted: the block rolls back before the handler runs.
    let guarded_ids: Vec<CallId> = guarded.iter().map(|(call, _)| *call).collect();
    let contained = scoped_regions(function, model, &guarded_ids);
    // A statement whose exception leaves a `with` on the connection on its way
    // (`with conn:`, `with pool.connection()`) was rolled back by that exit.
    // An ORM session's commit flushes the pending writes first: when that
    // fails, the session waits for a rollback like after a failed statement.
    let flushes = cx.models.drivers[holder.driver].commit_flushes;
    let commits = &cx.models.connection.commit;
    let does_db_work = guarded.iter().any(|(call, exits)| {
        let c = function.call(*call);
        let rolled_back = exits.iter().any(|exit| model.effect(exit) == Effect::End);
        let flush = flushes
            && model
                .method_on_holder(c)
                .is_some_and(|name| commits.iter().any(|m| m == name));
        ((model.is_statement(c) && model.opens(c)) || flush)
            && !contained.contains(call)
            && !rolled_back
    });
    if !does_db_work {
        return None;
    }
    // Exception edges lead into the handler; a re-raise is not a leak. A local
    // connection dies with the function, unless it was borrowed from a pool,
    // which counts it lent, aborted, until it is given back.
    let exits = ExitPolicy {
        exception_edges: true,
        ..policy(holder.owner != Owner::Local || holder.borrowed.is_some())
    };
    // The clause's event as the function has it: the analysis starts where it is.
    let clause = function
        .events()
        .find_map(|event| match event {
            Event::Handler {
                range: r, clause, ..
            } if *r == range => Some(*clause),
            _ => None,
        })
        .unwrap_or(range);
    let handler = Event::Handler {
        catches: catches.to_vec(),
        range,
        body,
        clause,
    };
    let resource = Resource::new(handler, range, holder.aliases.clone(), exits);
    let mut leaks = flow::reported_exits(&flow::analyze(function, &resource, model));
    // A request's view that returns ends the request: the teardown removes its scoped
    // session, error and all, before anything else can use it.
    if holder.owner == Owner::Scoped && is_request_view(cx, function) {
        leaks.retain(|exit| !matches!(exit.kind, ExitKind::Return | ExitKind::FunctionEnd));
    }
    // A helper whose handler returns the failure as a value to callers that all take the
    // value has passed the error on, as a re-raise would: what the session needs is the
    // callers' to decide (a view that turns it into an error response ends the request).
    if holder.owner == Owner::Scoped && callers_take_the_value(cx, model.function_id) {
        leaks.retain(|exit| {
            let handed_back = exit.kind == ExitKind::Return
                && clause.contains_range(exit.range)
                && returns_a_value(function, exit);
            !handed_back
        });
    }
    (!leaks.is_empty()).then_some(leaks)
}

/// Whether the function's callers are known and none throws its result away: the callers
/// in its module and, for a module-level function, the calls the project index found in
/// the modules that import it (every module importing a function that may hand a failure
/// back is read for the index: its summary says so). A method is followed only in a
/// request's view class, whose calls come from the framework and its own methods.
fn callers_take_the_value(cx: &Context, id: FuncId) -> bool {
    let file = cx.ir;
    let function = file.function(id);
    let facts = cx.python();
    let mut callers = crate::index::Callers::default();
    for caller in &file.functions {
        for call in &caller.calls {
            if facts.resolve_call(file, caller, &call.callee) == Some(id) {
                callers.calls += 1;
                let from_view = || is_request_view_in(file, cx.models, &cx.project, caller);
                callers.dropped += usize::from(drops_the_value(&call.result, from_view));
            }
        }
    }
    match function.kind {
        txlint_ir::ir::FunctionKind::Function if !function.name.contains('.') => {
            let elsewhere = cx.project.python_callers(&function.name);
            callers.calls += elsewhere.calls;
            callers.dropped += elsewhere.dropped;
        }
        // A method of a request's view class: the framework calls its views, and its own
        // methods (in this module) call its helpers. Any other class may have subclasses
        // or instances elsewhere whose calls are not seen.
        txlint_ir::ir::FunctionKind::Method => {
            let of_view = function.name.rsplit_once('.').is_some_and(|(class, _)| {
                crate::semantics::python::request_view_classes(file, cx.models, &cx.project)
                    .contains(class)
            });
            if !of_view {
                return false;
            }
        }
        _ => return false,
    }
    callers.calls > 0 && callers.dropped == 0
}

/// Whether a call throws away the value a helper hands back: a statement of its own, or a
/// `return` of it from a function that is no request's view (whose own callers, not seen
/// here, decide; a view's return ends the request with it).
pub(crate) fn drops_the_value(
    result: &txlint_ir::ir::ResultUse,
    from_view: impl FnOnce() -> bool,
) -> bool {
    match result {
        txlint_ir::ir::ResultUse::Returned => !from_view(),
        other => other.is_dropped(),
    }
}

/// Whether the `return` an exit stands for hands a value back.
fn returns_a_value(function: &Function, exit: &Exit) -> bool {
    function.cfg.blocks.iter().any(|block| {
        matches!(&block.terminator, Terminator::Return { range, values, implicit: false }
            if *range == exit.range && !values.is_empty())
    })
}

/// Whether a function is a web request's view: decorated with a call of a routing method
/// (`@app.route("/x")`, `@bp.post("/x")`), or a method of a class-based view
/// (`class Items(MethodView)`, also through classes of the project) that the class's own
/// methods do not call: one they call (`self.delete_shared(…)`) is their helper, and they
/// carry on after it returns.
pub(crate) fn is_request_view(cx: &Context, function: &txlint_ir::ir::Function) -> bool {
    is_request_view_in(cx.ir, cx.models, &cx.project, function)
}

/// [`is_request_view`] of a function of `file`, as the project index sees it.
pub(crate) fn is_request_view_in(
    file: &txlint_ir::ir::FileIr,
    models: &crate::models::Models,
    project: &crate::index::ProjectView,
    function: &txlint_ir::ir::Function,
) -> bool {
    let connection = &models.connection;
    let class_based = function.kind == txlint_ir::ir::FunctionKind::Method
        && function
            .name
            .rsplit_once('.')
            .is_some_and(|(class, method)| {
                crate::semantics::python::request_view_classes(file, models, project)
                    .contains(class)
                    && !called_by_own_methods(file, class, method)
            });
    class_based
        || function.decorators.iter().any(|decorator| {
            let Some((callee, _)) = decorator.split_once('(') else {
                return false;
            };
            callee
                .rsplit_once('.')
                .is_some_and(|(_, method)| connection.request_views.iter().any(|m| m == method))
        })
}

/// Whether a method of the class calls `self.<method>(…)`.
pub(crate) fn called_by_own_methods(
    file: &txlint_ir::ir::FileIr,
    class: &str,
    method: &str,
) -> bool {
    file.functions.iter().any(|caller| {
        let Some(receiver) = caller.receiver else {
            return false;
        };
        caller
            .name
            .rsplit_once('.')
            .is_some_and(|(c, _)| c == class)
            && caller.calls.iter().any(|call| {
                matches!(&call.callee, Callee::Method { receiver: Operand::Var(v), name, .. }
                    if *v == receiver && name == method)
            })
    })
}

/// Whether an `except` clause of the function swallows a database error raised on the
/// holder (TX003's finding): the exception paths that clause does not catch are then
/// not reported again as TX004, whose fix is the same rollback.
pub(crate) fn swallows_on(cx: &Context, model: &ConnectionModel) -> bool {
    let function = model.function;
    let swallowing = ConnectionModel {
        mode: Mode::Aborted,
        ..*model
    };
    let handlers = function
        .cfg
        .blocks
        .iter()
        .filter(|block| matches!(block.events.first(), Some(Event::Handler { .. })))
        .count();
    // Each clause is an analysis of the function: past the cap, the exception paths are
    // left to TX003 rather than walked once a clause.
    if handlers > MAX_STARTS {
        return true;
    }
    database_handlers(cx, function).any(|handler| {
        let guarded = guarded_calls(function, handler.block);
        swallowed(
            cx,
            &swallowing,
            &guarded,
            (handler.catches, handler.range, handler.body),
        )
        .is_some()
    })
}

/// An `except` clause that can catch a database error.
pub(crate) struct DatabaseHandler<'f> {
    /// The block the handler starts.
    pub block: BlockId,
    pub catches: &'f [String],
    /// The `except` clause.
    pub range: TextRange,
    /// The `try` body it covers.
    pub body: TextRange,
}

/// The function's `except` clauses that can catch a database error.
pub(crate) fn database_handlers<'f>(
    cx: &'f Context,
    function: &'f Function,
) -> impl Iterator<Item = DatabaseHandler<'f>> + 'f {
    function
        .cfg
        .blocks
        .iter()
        .enumerate()
        .filter_map(move |(index, block)| match block.events.first() {
            Some(Event::Handler {
                catches,
                range,
                body,
                ..
            }) if crate::semantics::python::catches_database_errors(cx.models, cx.ir, catches) => {
                Some(DatabaseHandler {
                    block: BlockId(index as u32),
                    catches,
                    range: *range,
                    body: *body,
                })
            }
            _ => None,
        })
}

/// The calls that run inside scoped transactions on the holder whose `with` is among the
/// guarded calls.
pub(crate) fn scoped_regions(
    function: &Function,
    model: &ConnectionModel,
    guarded: &[CallId],
) -> Vec<CallId> {
    let mut inside = Vec::new();
    for &context in guarded {
        let is_context = model.facts.is_context(model.function_id, context);
        let scoped = match &function.call(context).callee {
            txlint_ir::ir::Callee::Method { receiver, name, .. } => {
                model.is_holder(receiver)
                    && model.models.connection.scoped_transactions.contains(name)
                    && is_context
            }
            _ => false,
        } || (is_context && model.scoped_by_helper(context).is_some())
            || (is_context
                && model.models.drivers[model.holder.driver].app_context_scoped
                && app_context(model, context));
        if !scoped {
            continue;
        }
        let resource = Resource::new(
            Event::Call(context),
            function.call(context).range,
            Vec::new(),
            crate::semantics::python::open::POLICY,
        );
        let outcome = flow::analyze(
            function,
            &resource,
            &crate::semantics::python::open::ScopedModel { context },
        );
        for (block, event) in outcome.open_events {
            if let Event::Call(call) = &function.cfg.block(block).events[event] {
                inside.push(*call);
            }
        }
    }
    inside
}

/// Whether a `with` call opens a web application's context (`with app.app_context():`):
/// when the block exits, the teardown removes the registry's scoped session.
fn app_context(model: &ConnectionModel, call: CallId) -> bool {
    let function = model.function;
    let connection = &model.models.connection;
    match &function.call(call).callee {
        Callee::Method { receiver, name, .. } => {
            connection.app_contexts.contains(name)
                && is_app(model.file, function, receiver, &connection.app_types)
        }
        // An imported application is called as a path: `current_app.app_context()`.
        Callee::Path(path) => match path.split_last() {
            Some((name, [owner])) => {
                connection.app_contexts.contains(name)
                    && is_app(
                        model.file,
                        function,
                        &Operand::Global(owner.clone()),
                        &connection.app_types,
                    )
            }
            _ => false,
        },
        Callee::Other(_) => false,
    }
}

/// Whether an operand is a web application: annotated with one of `types` or made by
/// one (`app = Flask(__name__)`, here or at module level), or one of them itself
/// (`current_app`), as the file's imports resolve the names.
fn is_app(
    file: &txlint_ir::ir::FileIr,
    function: &Function,
    operand: &Operand,
    types: &[String],
) -> bool {
    let is_type = |dotted: &str| {
        let segments: Vec<&str> = dotted.split('.').collect();
        let resolved = crate::semantics::python::resolve(file, &segments);
        types.contains(&resolved)
    };
    let made_by_type = |function: &Function, operand: &Operand| match operand {
        Operand::Call(id) => match &function.call(*id).callee {
            Callee::Path(path) => is_type(&path.join(".")),
            _ => false,
        },
        _ => false,
    };
    let var_is_app = |function: &Function, var: txlint_ir::ir::VarId| {
        let definitions = function.definitions(var);
        function.var(var).ty.as_deref().is_some_and(is_type)
            || (!definitions.is_empty()
                && definitions
                    .iter()
                    .all(|definition| made_by_type(function, definition)))
    };
    match operand {
        Operand::Var(var) => var_is_app(function, *var),
        Operand::Global(name) => {
            is_type(name)
                || file
                    .functions
                    .iter()
                    .filter(|f| f.name == "<module>")
                    .any(|module| {
                        module
                            .vars
                            .iter()
                            .position(|v| v.name == *name)
                            .is_some_and(|index| {
                                var_is_app(module, txlint_ir::ir::VarId(index as u32))
                            })
                    })
        }
        _ => false,
    }
}

/// Whether a statement call on the holder starts at `range`.
pub(crate) fn is_statement_at(model: &ConnectionModel, range: TextRange) -> bool {
    model
        .function
        .calls
        .iter()
        .any(|call| call.range == range && model.is_statement(call))
}

/// The calls whose exceptions can reach the handler starting at `handler` — those in the
/// blocks of the `try` body, which end with an exception edge to the handler's dispatch —
/// each with the `with` exits its exception runs on the way.
pub(crate) fn guarded_calls(function: &Function, handler: BlockId) -> Vec<(CallId, Vec<Event>)> {
    let dispatches: Vec<(BlockId, TextRange)> = function
        .cfg
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match &b.terminator {
            Terminator::Switch { targets, range } if targets.contains(&handler) => {
                Some((BlockId(i as u32), *range))
            }
            _ => None,
        })
        .collect();
    // An exception edge leaving `with` bodies first runs their exits in a detour block.
    let through_detours = |mut block: BlockId| {
        let mut exits = Vec::new();
        loop {
            let data = function.cfg.block(block);
            let only_exits = data
                .events
                .iter()
                .all(|e| matches!(e, Event::ScopeExit { .. }));
            match data.terminator {
                Terminator::Goto(next) if only_exits && !data.events.is_empty() => {
                    exits.extend(data.events.iter().cloned());
                    block = next;
                }
                _ => return (block, exits),
            }
        }
    };
    let mut guarded = Vec::new();
    for block in &function.cfg.blocks {
        let Terminator::MayRaise { handler: h, .. } = block.terminator else {
            continue;
        };
        let (target, exits) = through_detours(h);
        let Some((_, try_range)) = dispatches.iter().find(|(d, _)| *d == target) else {
            continue;
        };
        // The block that ends at the first statement of the `try` also holds the calls
        // made before it.
        for event in &block.events {
            if let Event::Call(id) = event {
                if try_range.contains_range(function.call(*id).range) {
                    guarded.push((*id, exits.clone()));
                }
            }
        }
    }
    guarded
}

/// Calls that take a cursor or connection without writing through it.
pub(crate) const NOT_WRITERS: &[&str] = &[
    "print",
    "len",
    "list",
    "tuple",
    "set",
    "dict",
    "iter",
    "next",
    "isinstance",
    "str",
    "repr",
    "id",
    "type",
    "getattr",
    "hasattr",
    "setattr",
    "sorted",
    "enumerate",
    "zip",
    "map",
    "filter",
    "vars",
    "bool",
    "contextlib.closing",
];

/// What starts a sqlite3 write transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Start {
    /// A statement whose SQL writes.
    Write,
    /// A statement whose SQL is not known (a parameter, a computed string).
    Unknown,
    /// A call handed the connection or one of its cursors.
    Handed,
}

/// What an exception that carries a connection's transaction out of the function
/// harms (see [`exception_leak`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Harm {
    /// A local sqlite3 or aiosqlite connection the function closes itself: the write lock
    /// stays held until the garbage collector frees the connection.
    Locked,
    /// A long-lived PostgreSQL connection (an attribute, a module global): every later
    /// use finds it in the aborted transaction, or in the one with the uncommitted write.
    Aborted,
    /// A connection a `finally` gives back to a pool that rolls it back with a warning.
    ReturnedOpen,
}

/// A transaction that an exception can carry out of the function.
pub(crate) struct ExceptionLeak {
    pub harm: Harm,
    /// The write that opened it, or the call handed the cursor or connection.
    pub start: CallId,
    /// What `start` is; the writes of all but [`Start::Write`] are known by the commit
    /// after them.
    pub handed: Start,
    /// Calls whose exception leaves the function directly with the transaction open.
    pub raising: Vec<TextRange>,
    /// Exits through `try` statements that neither roll back nor close.
    pub exits: Vec<Exit>,
    /// The `close()` (sqlite3) or the commit (the others) the exception skips.
    pub skipped: Option<TextRange>,
}

/// Which harm an exception path does to this holder's transaction, if any is followed.
pub(crate) fn harm(cx: &Context, model: &ConnectionModel) -> Option<Harm> {
    let holder = model.holder;
    let driver = &cx.models.drivers[holder.driver];
    if holder.autocommit || driver.scoped {
        return None;
    }
    match (driver.implicit, holder.owner) {
        (crate::models::Implicit::Dml, Owner::Local)
            if !private_database(model.function, &holder.operand) =>
        {
            Some(Harm::Locked)
        }
        (crate::models::Implicit::Any, _) if driver.database != Some(Database::Postgresql) => None,
        (crate::models::Implicit::Any, Owner::Shared)
            if !cx.python().ended_by_caller(model.function, &holder.operand)
                && outlives_every_call(cx, model) =>
        {
            Some(Harm::Aborted)
        }
        (crate::models::Implicit::Any, Owner::Local)
            if holder
                .borrowed
                .is_some_and(|pool| cx.models.pool_kinds[pool].warns_returned_in_transaction) =>
        {
            Some(Harm::ReturnedOpen)
        }
        _ => None,
    }
}

/// Whether a local connection is made on a private in-memory database
/// (`sqlite3.connect(":memory:")`, a `mode=memory` URI without `cache=shared`): no other
/// connection sees it, so the write lock it keeps locks nobody out.
fn private_database(function: &Function, holder: &Operand) -> bool {
    let Operand::Var(v) = holder else {
        return false;
    };
    let in_memory = |operand: Option<&Operand>| {
        matches!(operand, Some(Operand::Str(name))
            if name == ":memory:"
                || (name.starts_with("file:")
                    && name.contains("mode=memory")
                    && !name.contains("cache=shared")))
    };
    let definitions = function.definitions(*v);
    !definitions.is_empty()
        && definitions.iter().all(|definition| match definition {
            Operand::Call(id) => {
                let call = function.call(*id);
                in_memory(call.args.first()) || in_memory(call.keyword("database"))
            }
            _ => false,
        })
}

/// Whether a long-lived holder is evidently shared by later calls: a module global, an
/// attribute of an object the module keeps (`state.conn`), a connection a plain function
/// gets from a helper (which hands out a module's), any connection a method of a class
/// the module keeps an instance of (`service = Service()`) uses, or an attribute a
/// constructor stores a long-lived connection in that some module of the project hands it
/// (`Store(config.conn)`). An attribute of an object
/// whose life is not visible is not: callers often make it for one job (`Report(dsn).run()`)
/// or hold its connection in a block that rolls back and closes (`with psycopg.connect(…)
/// as conn: Store(conn).load()`), and the exception then takes the connection with it.
pub(crate) fn outlives_every_call(cx: &Context, model: &ConnectionModel) -> bool {
    let function = model.function;
    if crate::semantics::python::module_level(&model.holder.operand) {
        return true;
    }
    match function.kind {
        txlint_ir::ir::FunctionKind::Method => {
            function
                .name
                .rsplit_once('.')
                .is_some_and(|(class, _)| cx.python().kept_at_module_level(class))
                || cx
                    .python()
                    .holds_handed_connection(function, &model.holder.operand)
        }
        _ => matches!(model.holder.operand, Operand::Var(_)),
    }
}

/// TX004 on exception paths, where a normal path leaves nothing open:
/// - a local sqlite3 (aiosqlite) connection that the function closes itself, with a write
///   (or a call handed the connection or a cursor of it, with a commit after it), and a call
///   after it, or the write itself, whose exception leaves the function before the commit,
///   rollback or close, through no `try` that rolls back or closes and no `with` that ends
///   the transaction. SQLite keeps the write lock until then, and the traceback keeps the
///   frame, with the connection in it, alive;
/// - a long-lived PostgreSQL connection the function commits or rolls back itself, with a
///   statement whose exception, or that of a call after it, leaves the function before the
///   commit and through nothing that rolls back;
/// - a connection of a pool that warns about what it is given back in a transaction
///   (psycopg_pool), given back by a `finally` that an exception reaches with the
///   transaction open.
pub(crate) fn exception_leak(cx: &Context, model: &ConnectionModel) -> Option<ExceptionLeak> {
    let harm = harm(cx, model)?;
    if harm != Harm::Locked && swallows_on(cx, model) {
        return None;
    }
    let function = model.function;
    let commit_names = &cx.models.connection.commit;
    let is_commit = |call: &txlint_ir::ir::Call| {
        model
            .method_on_holder(call)
            .is_some_and(|name| commit_names.iter().any(|m| m == name))
    };
    // The function means to end the transaction (or the connection's life) itself.
    let skipped = function
        .calls
        .iter()
        .filter(|call| match harm {
            Harm::Locked => model.closes(call),
            Harm::Aborted | Harm::ReturnedOpen => {
                let rollbacks = &cx.models.connection.rollback;
                is_commit(call)
                    || model
                        .method_on_holder(call)
                        .is_some_and(|name| rollbacks.iter().any(|m| m == name))
            }
        })
        .map(|call| call.range)
        .min()?;
    let mut candidates: Vec<(TextRange, CallId, Start)> = Vec::new();
    for (index, call) in function.calls.iter().enumerate() {
        let id = CallId(index as u32);
        if model.is_statement(call) {
            if model.opens(call) {
                candidates.push((call.range, id, Start::Write));
            } else if harm == Harm::Locked && unknown_sql(function, call) {
                candidates.push((call.range, id, Start::Unknown));
            }
            continue;
        }
        if harm == Harm::Locked && hands_holder(cx, model, call) {
            candidates.push((call.range, id, Start::Handed));
        }
    }
    candidates.sort();
    candidates.dedup_by_key(|(range, _, _)| *range);
    let exits = ExitPolicy {
        returns: harm == Harm::Aborted,
        raises: harm != Harm::ReturnedOpen,
        exception_edges: true,
        reacquire: false,
    };
    let raised = ConnectionModel {
        mode: Mode::Raised,
        ..*model
    };
    let flow_model: &dyn ResourceModel = match harm {
        Harm::Locked => model,
        Harm::Aborted | Harm::ReturnedOpen => &raised,
    };
    let withs = model.ending_withs();
    let mut block_of: std::collections::HashMap<CallId, BlockId> = Default::default();
    for (index, block) in function.cfg.blocks.iter().enumerate() {
        for event in &block.events {
            if let Event::Call(call) = event {
                block_of.entry(*call).or_insert(BlockId(index as u32));
            }
        }
    }
    for (_, start, handed) in candidates.into_iter().take(MAX_STARTS) {
        let resource = Resource {
            failed_acquire_opens: harm != Harm::Locked,
            ..Resource::new(
                Event::Call(start),
                function.call(start).range,
                model.holder.aliases.clone(),
                exits,
            )
        };
        let outcome = flow::analyze(function, &resource, flow_model);
        let open_calls: Vec<(BlockId, CallId)> = outcome
            .open_events
            .iter()
            .filter_map(
                |&(block, event)| match function.cfg.block(block).events[event] {
                    Event::Call(call) => Some((block, call)),
                    _ => None,
                },
            )
            .collect();
        // A call handed the connection writes when the code commits after it. A write
        // that is closed without any commit after it is TX011's (lost on every path).
        let ended = open_calls.iter().any(|&(_, c)| {
            let call = function.call(c);
            if handed != Start::Write {
                is_commit(call)
            } else {
                model.effect(&Event::Call(c)) == Effect::End && !model.closes(call)
            }
        });
        if !ended {
            continue;
        }
        let mut raising: Vec<TextRange> = Vec::new();
        let candidates = block_of
            .get(&start)
            .map(|&b| (b, start))
            .into_iter()
            .chain(open_calls.iter().copied());
        // An exception from outside any `try` leaves a pooled connection ungiven-back: not
        // the harm followed here.
        for (block, call) in candidates.filter(|_| harm != Harm::ReturnedOpen) {
            let data = function.cfg.block(block);
            if matches!(data.terminator, Terminator::MayRaise { .. }) {
                continue; // a `try` decides, followed by the engine
            }
            let event = Event::Call(call);
            if !flow_model.may_raise(Some(&event)) {
                continue;
            }
            // Closing a cursor (`finally: cur.close(); conn.close()`) does not fail in
            // practice: it frees the cursor, and skips nothing after it.
            let closes_something = matches!(&function.call(call).callee,
                Callee::Method { name, .. } if cx.models.connection.close.iter().any(|m| m == name));
            if closes_something {
                continue;
            }
            if matches!(model.effect(&event), Effect::End | Effect::Release) {
                continue;
            }
            let range = function.call(call).range;
            if in_with_body(&withs, range) {
                continue;
            }
            raising.push(range);
        }
        raising.sort();
        raising.dedup();
        let leaks: Vec<Exit> = flow::reported_exits(&outcome)
            .into_iter()
            .filter(|e| match harm {
                Harm::Locked => e.kind == ExitKind::Raise,
                Harm::Aborted => matches!(
                    e.kind,
                    ExitKind::Raise | ExitKind::Return | ExitKind::FunctionEnd
                ),
                Harm::ReturnedOpen => e.kind == ExitKind::Released,
            })
            .collect();
        if raising.is_empty() && leaks.is_empty() {
            continue;
        }
        return Some(ExceptionLeak {
            harm,
            start,
            handed,
            raising,
            exits: leaks,
            skipped: Some(skipped),
        });
    }
    None
}

/// Whether a statement's SQL is unknown here: its first argument is neither text nor a
/// query construct the analysis reads (a parameter, an attribute, a computed value).
pub(crate) fn unknown_sql(function: &Function, call: &txlint_ir::ir::Call) -> bool {
    // `executescript` commits first and runs the script as written: it opens nothing.
    if matches!(&call.callee, Callee::Method { name, .. } if name == "executescript") {
        return false;
    }
    let Some(first) = call.args.first() else {
        return false;
    };
    if crate::semantics::python::sql_values(function, first).is_some() {
        return false;
    }
    match first {
        Operand::Var(_) | Operand::Field(..) | Operand::Global(_) | Operand::Other => true,
        // A call other than a query construct (`read_sql("insert.sql")`).
        Operand::Call(id) => !matches!(&function.call(*id).callee, Callee::Path(path)
            if path.last().is_some_and(|n| matches!(n.as_str(), "select" | "insert" | "update" | "delete" | "text"))),
        _ => false,
    }
}

/// Whether a call hands the holder, or a cursor of it, to code that may write through it:
/// an argument of a call that is not a method of the connection or cursor, nor a builtin
/// that only looks at it, nor a helper known to end or give back what it is given.
pub(crate) fn hands_holder(
    cx: &Context,
    model: &ConnectionModel,
    call: &txlint_ir::ir::Call,
) -> bool {
    let kinds = model.kinds();
    let of_holder = |operand: &Operand| {
        model.is_holder(operand)
            || matches!(kinds.get(operand), Some(crate::semantics::python::Kind::Cursor { owner }) if model.is_holder(owner))
    };
    match &call.callee {
        Callee::Method { receiver, .. } if of_holder(receiver) => return false,
        Callee::Path(path) => {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            let name = crate::semantics::python::resolve(cx.ir, &segments);
            if NOT_WRITERS.contains(&name.as_str()) {
                return false;
            }
        }
        _ => {}
    }
    let handed = call
        .args
        .iter()
        .chain(call.keywords.iter().map(|(_, value)| value))
        .any(of_holder);
    if !handed {
        return false;
    }
    // A helper that commits, rolls back or closes it ends the transaction itself.
    let settled = model
        .facts
        .callee_summary(cx.ir, model.function, &call.callee)
        .is_some_and(|summary| {
            summary.bound(call).any(|(i, a)| {
                of_holder(a)
                    && (summary.ends.has(i) || summary.releases.has(i) || summary.closes.has(i))
            })
        });
    !settled
}

/// Whether the function controls the transaction of a connection whose driver begins by
/// itself only before writes (sqlite3) with SQL text: a `BEGIN`, or a `SAVEPOINT` set
/// outside a transaction. Its writes then run inside that transaction and open nothing;
/// TX002 follows it.
pub(crate) fn begins_by_sql_before_writes(cx: &Context, model: &ConnectionModel) -> bool {
    let driver = &cx.models.drivers[model.holder.driver];
    driver.implicit == crate::models::Implicit::Dml
        && model.function.calls.iter().any(|call| {
            model.is_statement(call)
                && crate::semantics::python::sql_text(model.function, call).is_some_and(|sql| {
                    crate::engine::sql_control::effect(&sql).begins
                        || crate::engine::sql_control::outermost_savepoint(&sql).is_some()
                })
        })
}
