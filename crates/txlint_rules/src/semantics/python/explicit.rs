//! Python explicit transactions: asyncpg `tr = conn.transaction()` started with
//! `await tr.start()`, SQLAlchemy `trans = conn.begin()` not used as a context, Django
//! `transaction.set_autocommit(False)` and raw `BEGIN` statements. Which calls begin one,
//! and the model the engine runs for it (TX002, TX006 and the calls made while one is open
//! read them).

use txlint_ir::ir::{
    Binding, Call, CallId, Callee, Event, FuncId, Function, Operand, ResultUse, VarId,
};
use txlint_ir::TextRange;

use crate::context::Context;
use crate::engine::aliases::aliases_of;
use crate::engine::flow::{Effect, ResourceModel};
use crate::engine::MAX_BEGINS_PER_FUNCTION;
use crate::semantics::python::{resolve, Kind};

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

pub(crate) fn raw_model<'a>(
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
pub(crate) fn raw_begins(cx: &Context, index: usize, function: &Function) -> Vec<ExplicitBegin> {
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
pub(crate) fn begin_calls(
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
