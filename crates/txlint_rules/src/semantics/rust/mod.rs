//! Rust transaction guards as resources. A guard (`pool.begin().await?`,
//! `client.transaction()`, `conn.transaction()`) rolls back when dropped, so what leaks
//! is a guard with writes that reaches a *successful* exit uncommitted (TX011); error
//! exits (`?`, `return Err(..)`) are the intended rollback. The same analysis tells which
//! calls run while a guard is open (TX007, TX009). Raw `BEGIN` statements are separate
//! resources (TX002).

pub(crate) mod open;
pub(crate) mod summary;

use txlint_ir::ir::{Callee, Event, FileIr, FuncId, Function, Operand, ResultUse, VarId};
use txlint_ir::TextRange;

use crate::engine::aliases::aliases_of;
use crate::engine::flow::{self, Effect, ExitPolicy, Outcome, Resource, ResourceModel};
use crate::models::Models;
use crate::semantics::rust::summary::RustSummaries;
use crate::semantics::typed::facts::{Begin, FileFacts};

/// The same record as a Go transaction's: the begin, the guard, and its outcome.
pub(crate) type GuardAnalysis = crate::semantics::typed::transactions::TxAnalysis;

/// The variable a begin's guard is bound to: `let mut tx = pool.begin().await?;` lowers to
/// an assignment from the begin call (possibly through `?`/`.unwrap()` links).
fn guard_var(models: &Models, function: &Function, begin: &Begin) -> Option<VarId> {
    bound_var(models, function, begin.call)
}

/// The variable a call's value is bound to, through `?`/`.unwrap()` links.
pub(crate) fn bound_var(
    models: &Models,
    function: &Function,
    call: txlint_ir::ir::CallId,
) -> Option<VarId> {
    function
        .events()
        .find_map(|event| {
            let Event::Assign {
                targets, values, ..
            } = event
            else {
                return None;
            };
            targets.iter().zip(values).find_map(|(target, value)| {
                let txlint_ir::ir::Binding::Var(v) = target else {
                    return None;
                };
                behind_call(models, function, value, call).then_some(*v)
            })
        })
        .or_else(
            || match crate::semantics::typed::facts::chain_result(models, function, call) {
                txlint_ir::ir::ResultUse::Assigned(bindings) => match bindings.first() {
                    Some(txlint_ir::ir::Binding::Var(v)) => Some(*v),
                    _ => None,
                },
                _ => None,
            },
        )
}

/// Whether an operand is the call's value, through unwrapping links.
fn behind_call(
    models: &Models,
    function: &Function,
    operand: &Operand,
    call: txlint_ir::ir::CallId,
) -> bool {
    let Operand::Call(mut id) = operand else {
        return false;
    };
    loop {
        if id == call {
            return true;
        }
        match &function.call(id).callee {
            Callee::Method {
                receiver: Operand::Call(inner),
                name,
                ..
            } if models.executors.unwrapping_methods.contains(name) => id = *inner,
            _ => return false,
        }
    }
}

/// The SQL text of a statement call: its own first string argument, or the one at the
/// start of its receiver chain (`sqlx::query("…").bind(x).execute(&mut *tx)`).
pub(crate) fn sql_of(function: &Function, call: &txlint_ir::ir::Call) -> Option<String> {
    if let Some(Operand::Str(sql)) = call.args.first() {
        return Some(sql.clone());
    }
    let mut current = match &call.callee {
        Callee::Method { receiver, .. } => receiver.clone(),
        _ => return None,
    };
    while let Operand::Call(id) = current {
        let inner = function.call(id);
        if let Some(Operand::Str(sql)) = inner.args.first() {
            return Some(sql.clone());
        }
        current = match &inner.callee {
            Callee::Method { receiver, .. } => receiver.clone(),
            _ => return None,
        };
    }
    None
}

fn first_verb(sql: &str) -> String {
    sql.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether a statement call writes: its SQL's verb, else a writing method.
pub(crate) fn writes(models: &Models, function: &Function, call: &txlint_ir::ir::Call) -> bool {
    let executors = &models.executors;
    match sql_of(function, call) {
        Some(sql) => executors.write_verbs.contains(&first_verb(&sql)),
        None => call
            .callee
            .name()
            .is_some_and(|n| executors.writing_methods.iter().any(|w| w == n)),
    }
}

/// The engine's view of one guard.
pub(crate) struct GuardModel<'a> {
    pub models: &'a Models,
    pub file: &'a txlint_ir::ir::FileIr,
    /// The crate's functions, for calls the guard is handed to.
    pub helpers: &'a RustSummaries,
    pub function: &'a Function,
    pub aliases: &'a [VarId],
    pub commit: &'a [String],
    pub rollback: &'a [String],
}

impl GuardModel<'_> {
    pub fn is_alias(&self, operand: &Operand) -> bool {
        matches!(operand, Operand::Var(v) if self.aliases.contains(v))
    }

    /// Whether a call runs a statement on the guard: `….execute(&mut *tx)` or
    /// `tx.execute(sql, params)`.
    pub fn is_statement(&self, call: &txlint_ir::ir::Call) -> bool {
        crate::semantics::rust::summary::statement_through(self.models, call, |a| self.is_alias(a))
    }

    /// Whether a statement on the guard writes.
    pub fn writes(&self, call: &txlint_ir::ir::Call) -> bool {
        writes(self.models, self.function, call)
    }

    /// Whether a call writes through the guard: a statement of its own, or a helper of
    /// the crate the guard is lent to that writes through it (`insert_line(&mut tx, …)`).
    /// A guard moved into a helper is the helper's: what it does with the writes is the
    /// call's effect (see `effect`).
    pub fn writes_through(&self, call: &txlint_ir::ir::Call) -> bool {
        if self.is_statement(call) && self.writes(call) {
            return true;
        }
        let Some(helper) = self.helpers.callee(self.file, self.function, &call.callee) else {
            return false;
        };
        call.args
            .iter()
            .enumerate()
            .any(|(i, a)| self.is_alias(a) && !call.moved_args.contains(&i) && helper.writes_at(i))
    }
}

impl ResourceModel for GuardModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        let Event::Call(id) = event else {
            return match event {
                Event::Assign {
                    targets, values, ..
                } if targets.iter().zip(values).any(|(t, v)| {
                    self.is_alias(v) && matches!(t, txlint_ir::ir::Binding::Place(_))
                }) =>
                {
                    Effect::Escape
                }
                // The end of the block that declared the guard drops it, unless it was
                // copied or moved into another local (which may live on).
                Event::ScopeExit {
                    context: None,
                    value: Operand::Var(v),
                    ..
                } if self.aliases == [*v] => Effect::Release,
                _ => Effect::None,
            };
        };
        let call = self.function.call(*id);
        if let Callee::Method { receiver, name, .. } = &call.callee {
            if self.is_alias(receiver) {
                if self.commit.contains(name) || self.rollback.contains(name) {
                    return Effect::End;
                }
                // rusqlite: with `DropBehavior::Commit` the drop commits, with `Ignore` it
                // rolls nothing back (what then leaks is TX002's, see `ignored_on_drop`):
                // either way no drop discards the writes, for every later exit.
                if name == "set_drop_behavior"
                    && matches!(drop_behavior(call), Some("Commit" | "Ignore"))
                {
                    return Effect::DeferredEnd;
                }
            }
        }
        if matches!(&call.callee, Callee::Path(p) if p.len() == 1 && p[0] == "drop")
            && call.args.iter().any(|a| self.is_alias(a))
        {
            return Effect::Release;
        }
        // Moved into a function of the crate: its body says whether it ends the guard,
        // hands it on, or lets it drop (the writes then roll back at this call).
        if let Some(helper) = self.helpers.callee(self.file, self.function, &call.callee) {
            let moved: Vec<usize> = call
                .moved_args
                .iter()
                .copied()
                .filter(|&i| call.args.get(i).is_some_and(|a| self.is_alias(a)))
                .collect();
            if !moved.is_empty() {
                return if moved.iter().any(|&i| helper.ends_at(i)) {
                    Effect::End
                } else if moved.iter().any(|&i| helper.keeps_at(i)) {
                    Effect::Escape
                } else {
                    Effect::Release
                };
            }
        }
        // Moved into another function or value (`finish(tx)`, `Some(tx)`, `sender.send(tx)`):
        // its new owner decides.
        if call
            .moved_args
            .iter()
            .any(|&i| call.args.get(i).is_some_and(|a| self.is_alias(a)))
        {
            return Effect::Escape;
        }
        Effect::None
    }

    fn returned(&self, values: &[Operand]) -> bool {
        // `Ok(tx)`, `Ok(Repo { tx })`; of a call of the crate's own function, only what its
        // body hands back.
        returns_held(self.file, self.function, self.helpers, values, |v| {
            self.is_alias(v)
        })
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }
}

/// Successful exits only: `?` and `return Err(..)` are error exits (`Raise`).
pub(crate) const GUARD_EXITS: ExitPolicy = ExitPolicy {
    returns: true,
    raises: false,
    exception_edges: true,
    reacquire: false,
};

pub(crate) fn analyze_file(
    file: &txlint_ir::ir::FileIr,
    models: &Models,
    facts: &FileFacts,
    helpers: &RustSummaries,
) -> Vec<GuardAnalysis> {
    let mut analyses = Vec::new();
    for (index, (function, function_facts)) in
        file.functions.iter().zip(&facts.functions).enumerate()
    {
        for begin in &function_facts.begins {
            let Some(var) = guard_var(models, function, begin) else {
                continue;
            };
            let library = &models.libraries[begin.library];
            let aliases = aliases_of(function, var);
            let model = GuardModel {
                models,
                file,
                helpers,
                function,
                aliases: &aliases,
                commit: &library.commit.methods,
                rollback: &library.rollback.methods,
            };
            let resource = Resource::new(
                Event::Call(begin.call),
                function.call(begin.call).range,
                aliases.clone(),
                GUARD_EXITS,
            );
            let outcome = flow::analyze(function, &resource, &model);
            analyses.push(GuardAnalysis {
                function: FuncId(index as u32),
                begin: *begin,
                resource,
                outcome,
            });
        }
    }
    analyses
}

/// The exits where writes on a guard are lost: the analysis runs from each write (in
/// source order, the first that leaks wins), so that an early successful return before
/// any write is not a lost write.
pub(crate) fn lost_write_exits(
    file: &txlint_ir::ir::FileIr,
    models: &Models,
    helpers: &RustSummaries,
    analysis: &GuardAnalysis,
) -> Vec<flow::Exit> {
    let function = file.function(analysis.function);
    let library = &models.libraries[analysis.begin.library];
    let model = GuardModel {
        models,
        file,
        helpers,
        function,
        aliases: &analysis.resource.aliases,
        commit: &library.commit.methods,
        rollback: &library.rollback.methods,
    };
    let mut writes: Vec<(TextRange, txlint_ir::ir::CallId)> = function
        .calls
        .iter()
        .enumerate()
        .filter(|(_, call)| model.writes_through(call))
        .map(|(i, call)| (call.range, txlint_ir::ir::CallId(i as u32)))
        .collect();
    writes.sort();
    writes
        .into_iter()
        .take(64)
        .find_map(|(range, write)| {
            let resource = Resource::new(
                Event::Call(write),
                range,
                analysis.resource.aliases.clone(),
                GUARD_EXITS,
            );
            let write_model = WriteModel {
                guard: &model,
                outcome: write_outcome(function, write),
            };
            let leaks = flow::reported_exits(&flow::analyze(function, &resource, &write_model));
            (!leaks.is_empty()).then_some(leaks)
        })
        .unwrap_or_default()
}

/// One write on a guard, followed for TX011: the guard's model, plus the local that
/// holds the write's outcome (its `Result`, or its row count), which, tested `Err`/`0`,
/// says nothing was written on that edge.
struct WriteModel<'a> {
    guard: &'a GuardModel<'a>,
    outcome: Option<VarId>,
}

impl ResourceModel for WriteModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        self.guard.effect(event)
    }

    fn returned(&self, values: &[Operand]) -> bool {
        self.guard.returned(values)
    }

    fn panic_site(&self, event: &Event) -> Option<TextRange> {
        self.guard.panic_site(event)
    }

    fn did_nothing_when_nil(&self, operand: &Operand) -> bool {
        self.outcome.is_some()
            && operand.root_var() == self.outcome
            && matches!(operand, Operand::Var(_))
    }
}

/// The local a write's outcome is bound to, through its chain:
/// `let result = q.execute(&mut *tx).await;`,
/// `let n = q.execute(&mut *tx).await?.rows_affected();`.
fn write_outcome(function: &Function, write: txlint_ir::ir::CallId) -> Option<VarId> {
    let mut result = &function.call(write).result;
    loop {
        match result {
            ResultUse::Receiver(next) => result = &function.call(*next).result,
            ResultUse::Assigned(bindings) if bindings.len() == 1 => {
                return match bindings.first() {
                    Some(txlint_ir::ir::Binding::Var(v)) => Some(*v),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
}

/// The `DropBehavior` variant passed to rusqlite's `set_drop_behavior`.
fn drop_behavior(call: &txlint_ir::ir::Call) -> Option<&str> {
    match call.args.first() {
        Some(Operand::Global(path)) => path.rsplit("::").next(),
        _ => None,
    }
}

/// rusqlite guards told to do nothing when dropped (`DropBehavior::Ignore`): from that
/// call on, every exit without commit or rollback (error exits included) leaves the
/// connection inside the transaction. Returns the exits for each such guard.
pub(crate) fn ignored_on_drop(
    file: &txlint_ir::ir::FileIr,
    models: &Models,
    helpers: &RustSummaries,
    analysis: &GuardAnalysis,
) -> Vec<flow::Exit> {
    let function = file.function(analysis.function);
    let library = &models.libraries[analysis.begin.library];
    let model = GuardModel {
        models,
        file,
        helpers,
        function,
        aliases: &analysis.resource.aliases,
        commit: &library.commit.methods,
        rollback: &library.rollback.methods,
    };
    let ignoring = function.calls.iter().enumerate().find(|(_, call)| {
        matches!(&call.callee, Callee::Method { receiver, name, .. }
            if name == "set_drop_behavior" && model.is_alias(receiver))
            && drop_behavior(call) == Some("Ignore")
    });
    let Some((index, call)) = ignoring else {
        return Vec::new();
    };
    let resource = Resource::new(
        Event::Call(txlint_ir::ir::CallId(index as u32)),
        call.range,
        analysis.resource.aliases.clone(),
        ExitPolicy::EXPLICIT,
    );
    flow::reported_exits(&flow::analyze(function, &resource, &model))
}

/// A raw `BEGIN` statement and what ends it: `COMMIT`/`ROLLBACK` statements, and calls
/// of the crate's functions that run them. The transaction lives on its connection: a
/// connection moved into another value or function, stored, or returned (a transaction
/// wrapper whose `Drop` rolls back) hands the transaction on with it.
struct RawModel<'a> {
    function: &'a Function,
    file: &'a txlint_ir::ir::FileIr,
    helpers: &'a RustSummaries,
    /// Per call: whether its SQL ends the open transaction, `Some(true)` by a commit;
    /// computed once per function, since every `BEGIN` of the function is followed over
    /// all of its events.
    ends: &'a [Option<bool>],
    /// The local the `BEGIN` ran on (`conn.execute("BEGIN", [])`).
    connection: Option<VarId>,
    /// The file uses a library on which a failed `COMMIT` leaves the transaction open.
    failed_commit_keeps_transaction: bool,
}

impl RawModel<'_> {
    fn is_connection(&self, operand: &Operand) -> bool {
        self.connection.is_some() && operand.root_var() == self.connection
    }
}

/// The local connection a statement runs on: the receiver of `conn.execute(..)`.
fn statement_connection(call: &txlint_ir::ir::Call) -> Option<VarId> {
    match &call.callee {
        Callee::Method {
            receiver: Operand::Var(v),
            ..
        } => Some(*v),
        _ => None,
    }
}

/// Whether the call's SQL ends the transaction open before it (`COMMIT`, `ROLLBACK`, and
/// the end of `COMMIT; BEGIN`), `Some(true)` for a commit.
pub(crate) fn raw_sql_end(function: &Function, call: &txlint_ir::ir::Call) -> Option<bool> {
    sql_of(function, call).and_then(|sql| crate::engine::sql_control::effect(&sql).ends_open)
}

/// Whether a call ends a raw transaction: its own SQL, or a function of the crate that
/// runs `COMMIT`/`ROLLBACK` on a connection handed to it (`Some(false)`: its outcome is
/// the helper's).
fn raw_end(
    file: &txlint_ir::ir::FileIr,
    function: &Function,
    helpers: &RustSummaries,
    call: &txlint_ir::ir::Call,
) -> Option<bool> {
    raw_sql_end(function, call).or_else(|| {
        let helper = helpers.callee(file, function, &call.callee)?;
        call.args
            .iter()
            .enumerate()
            .any(|(i, a)| matches!(a, Operand::Var(_)) && helper.raw_ends_at(i))
            .then_some(false)
    })
}

impl RawModel<'_> {
    fn end(&self, call: txlint_ir::ir::CallId) -> Option<bool> {
        self.ends.get(call.index()).copied().flatten()
    }
}

impl ResourceModel for RawModel<'_> {
    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) => {
                let call = self.function.call(*id);
                if self.end(*id).is_some() {
                    return Effect::End;
                }
                // Moved into another value or function (`Some(conn)`, `Wrapper::new(conn)`);
                // a function of the crate keeps it only if its body says so.
                let moved = |i: &usize| call.args.get(*i).is_some_and(|a| self.is_connection(a));
                let escapes = match self.helpers.callee(self.file, self.function, &call.callee) {
                    Some(helper) => call
                        .moved_args
                        .iter()
                        .any(|i| moved(i) && helper.keeps_at(*i)),
                    None => call.moved_args.iter().any(moved),
                };
                if escapes {
                    return Effect::Escape;
                }
                Effect::None
            }
            Event::Assign {
                targets, values, ..
            } if targets.iter().zip(values).any(|(t, v)| {
                self.is_connection(v) && matches!(t, txlint_ir::ir::Binding::Place(_))
            }) =>
            {
                Effect::Escape
            }
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        returns_held(self.file, self.function, self.helpers, values, |v| {
            self.is_connection(v)
        })
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }

    fn end_fails_open(&self, event: &Event) -> bool {
        let Event::Call(id) = event else {
            return false;
        };
        self.failed_commit_keeps_transaction && self.end(*id) == Some(true)
    }
}

/// Whether the connection a raw `BEGIN` ran on is declared with a type of a library on
/// which a failed `COMMIT` leaves the transaction open (`conn: &Connection` with
/// `use rusqlite::Connection`, or `&rusqlite::Connection`).
fn keeps_failed_commit(
    models: &Models,
    file: &txlint_ir::ir::FileIr,
    function: &Function,
    connection: Option<VarId>,
) -> bool {
    let Some(ty) = connection.and_then(|v| function.var(v).ty.as_deref()) else {
        return false;
    };
    let crates: Vec<&str> = models
        .libraries
        .iter()
        .filter(|l| l.failed_commit_keeps_transaction)
        .flat_map(|l| l.imports.iter().map(String::as_str))
        .collect();
    let of_library = |path: &str| {
        crates.iter().any(|c| {
            path.strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
        })
    };
    crates.iter().any(|c| ty.contains(&format!("{c}::")))
        || ty
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .any(|word| {
                file.imports
                    .iter()
                    .any(|i| i.alias.as_deref() == Some(word) && of_library(&i.path))
            })
}

/// A raw transaction begun in a function, and what became of it.
pub(crate) struct RawBegin {
    pub call: txlint_ir::ir::CallId,
    pub outcome: Outcome,
    /// The local connection it was begun on.
    pub connection: Option<VarId>,
    /// Begun by a call of a function of the crate (`pg::open(client)`), not by SQL here.
    pub by_helper: bool,
    /// The connection is (a copy of) one of the function's parameters.
    pub on_parameter: bool,
    /// A write runs on the connection while the transaction is open.
    pub writes_while_open: bool,
}

impl RawBegin {
    /// Whether the function begins the transaction for its caller: it is begun on a
    /// connection the caller lent, nothing is written in it here, and only successful
    /// returns leave it open (an error exit that leaves it open, or writes left
    /// uncommitted, are a leak of the function's own).
    pub fn handed_to_caller(&self) -> bool {
        let leaks = flow::reported_exits(&self.outcome);
        self.on_parameter
            && !self.writes_while_open
            && !leaks.is_empty()
            && leaks
                .iter()
                .all(|e| matches!(e.kind, flow::ExitKind::Return | flow::ExitKind::FunctionEnd))
    }
}

/// Raw `BEGIN`/`START TRANSACTION` statements run through an executor method, and calls
/// of the crate's functions that leave one open on a connection handed to them, with the
/// analysis of each: on a pooled connection, every exit without `COMMIT`/`ROLLBACK`
/// (error exits included: dropping does not end a raw transaction) leaks it.
pub(crate) fn raw_begins(
    models: &Models,
    file: &txlint_ir::ir::FileIr,
    function: &Function,
    helpers: &RustSummaries,
) -> Vec<RawBegin> {
    let begins = all_raw_begins(models, file, function, helpers);
    // Each analysis walks the function: past the limit, none (see `crowded_by_raw_begins`).
    if begins.len() > crate::engine::MAX_BEGINS_PER_FUNCTION {
        return Vec::new();
    }
    let params: Vec<VarId> = function
        .params
        .iter()
        .flat_map(|&p| aliases_of(function, p))
        .collect();
    let mut found = Vec::new();
    let mut ends: Option<Vec<Option<bool>>> = None;
    for (id, connection, by_helper) in begins {
        let call = function.call(id);
        let resource = Resource::new(
            Event::Call(id),
            call.range,
            Vec::new(),
            ExitPolicy::EXPLICIT,
        );
        let ends = ends.get_or_insert_with(|| {
            function
                .calls
                .iter()
                .map(|call| raw_end(file, function, helpers, call))
                .collect()
        });
        let model = RawModel {
            function,
            file,
            helpers,
            ends,
            connection,
            failed_commit_keeps_transaction: keeps_failed_commit(
                models, file, function, connection,
            ),
        };
        let outcome = flow::analyze(function, &resource, &model);
        let on_connection = |a: &Operand| connection.is_some() && a.root_var() == connection;
        let writes_while_open = outcome.open_events.iter().any(|&(block, index)| {
            let Event::Call(open) = &function.cfg.block(block).events[index] else {
                return false;
            };
            let call = function.call(*open);
            if *open == id {
                return false;
            }
            let own =
                crate::semantics::rust::summary::statement_through(models, call, on_connection)
                    && writes(models, function, call);
            own || helpers
                .callee(file, function, &call.callee)
                .is_some_and(|h| {
                    call.args
                        .iter()
                        .enumerate()
                        .any(|(i, a)| on_connection(a) && h.writes_at(i))
                })
        });
        found.push(RawBegin {
            call: id,
            outcome,
            connection,
            by_helper,
            on_parameter: connection.is_some_and(|c| params.contains(&c)),
            writes_while_open,
        });
    }
    found
}

/// A function's raw begins: its `BEGIN` statements, and its calls of the crate's functions
/// that leave one open on a connection handed to them, each with that connection and
/// whether it is such a call.
fn all_raw_begins(
    models: &Models,
    file: &txlint_ir::ir::FileIr,
    function: &Function,
    helpers: &RustSummaries,
) -> Vec<(txlint_ir::ir::CallId, Option<VarId>, bool)> {
    let mut begins: Vec<(txlint_ir::ir::CallId, Option<VarId>, bool)> =
        raw_begin_calls(models, function)
            .into_iter()
            .map(|id| (id, statement_connection(function.call(id)), false))
            .collect();
    for (index, call) in function.calls.iter().enumerate() {
        let Some(helper) = helpers.callee(file, function, &call.callee) else {
            continue;
        };
        let connection = call.args.iter().enumerate().find_map(|(i, a)| match a {
            Operand::Var(v) if helper.raw_begins_at(i) => Some(*v),
            _ => None,
        });
        if connection.is_some() {
            begins.push((txlint_ir::ir::CallId(index as u32), connection, true));
        }
    }
    begins
}

/// The functions of a file with more raw begins than can be analysed.
pub(crate) fn crowded_by_raw_begins(
    models: &Models,
    file: &txlint_ir::ir::FileIr,
    helpers: &RustSummaries,
) -> Vec<FuncId> {
    file.functions
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            all_raw_begins(models, file, f, helpers).len() > crate::engine::MAX_BEGINS_PER_FUNCTION
        })
        .map(|(index, _)| FuncId(index as u32))
        .collect()
}

/// The calls of a function that run a `BEGIN`/`START TRANSACTION` statement through an
/// executor method: `….execute(&pool)` or `conn.execute("BEGIN", …)`, not the
/// `sqlx::query("BEGIN")` that builds it; and not a batch that also ends what it began
/// (`"BEGIN; …; COMMIT;"`).
fn raw_begin_calls(models: &Models, function: &Function) -> Vec<txlint_ir::ir::CallId> {
    let mut found = Vec::new();
    for (index, call) in function.calls.iter().enumerate() {
        let is_statement = matches!(&call.callee, Callee::Method { name, .. }
            if models.executors.methods.contains(name) || models.executors.guard_methods.contains(name));
        if !is_statement {
            continue;
        }
        let Some(sql) = sql_of(function, call) else {
            continue;
        };
        if crate::engine::sql_control::effect(&sql).leaves_open {
            found.push(txlint_ir::ir::CallId(index as u32));
        }
    }
    found
}

/// Whether returned values hand on what `held` holds: itself, or a call given it (`Ok(tx)`,
/// `Repo { tx }`), except a call of the crate's own function whose body does not keep that
/// argument.
fn returns_held(
    file: &FileIr,
    function: &Function,
    helpers: &RustSummaries,
    values: &[Operand],
    held: impl Fn(&Operand) -> bool,
) -> bool {
    values.iter().any(|v| match v {
        Operand::Call(id) => {
            let call = function.call(*id);
            let helper = helpers.callee(file, function, &call.callee);
            call.args
                .iter()
                .enumerate()
                .any(|(i, a)| held(a) && helper.is_none_or(|h| h.keeps_at(i)))
        }
        other => held(other),
    })
}
