//! Path-sensitive typestate of one resource (a transaction, a rows cursor) through the
//! control-flow graph of one function.
//!
//! The state at a program point is the set of states the resource can be in over all
//! paths reaching it, a bitset. Transfer functions map each state separately, so they
//! distribute over union and a worklist reaches the fixpoint after visiting each block
//! at most once per state: linear in the size of the function.

use txlint_ir::ir::{
    Binding, BlockId, CallId, Callee, Cfg, Event, Function, JumpKind, NilTest, NoReturnKind,
    Operand, ResultUse, Terminator, VarId, VarKind,
};
use txlint_ir::TextRange;

/// Where the resource is on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not acquired: before the acquire, or the acquire failed.
    Absent = 0,
    Open = 1,
    Done = 2,
    /// Handed to someone else: no longer this function's business.
    Escaped = 3,
}

/// One state of the resource on one path: its phase, whether a deferred end is
/// registered (it runs at every exit), whether the acquire's error value is still
/// intact, so that a nil test on it tells whether the acquire succeeded, whether the
/// resource's guard counter has changed since the acquire (see [`Resource::guard`]), and
/// whether the function's success flag is set (see [`success_flag`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    phase: Phase,
    covered: bool,
    fresh: bool,
    counted: bool,
    flagged: bool,
}

impl State {
    /// A flag is false until assigned: Python cannot read a local before, and Go's zero
    /// value is `false`.
    const START: State = State {
        phase: Phase::Absent,
        covered: false,
        fresh: false,
        counted: false,
        flagged: false,
    };

    fn bit(self) -> States {
        1 << ((self.phase as u32) * 16
            + u32::from(self.covered) * 8
            + u32::from(self.fresh) * 4
            + u32::from(self.counted) * 2
            + u32::from(self.flagged))
    }

    fn from_index(index: u32) -> State {
        let phase = match index / 16 {
            0 => Phase::Absent,
            1 => Phase::Open,
            2 => Phase::Done,
            _ => Phase::Escaped,
        };
        State {
            phase,
            covered: index & 8 != 0,
            fresh: index & 4 != 0,
            counted: index & 2 != 0,
            flagged: index & 1 != 0,
        }
    }

    /// Open with nothing to end it at exit: a leak if the function exits now.
    fn exposed(self) -> bool {
        self.phase == Phase::Open && !self.covered
    }
}

/// A set of [`State`]s, one bit each.
type States = u64;

/// The indexes of the states in a set.
fn members(states: States) -> impl Iterator<Item = u32> {
    let mut rest = states;
    std::iter::from_fn(move || {
        (rest != 0).then(|| {
            let index = rest.trailing_zeros();
            rest &= rest - 1;
            index
        })
    })
}

/// Applies `f` to each state of a set.
fn map_states(states: States, f: impl Fn(State) -> State) -> States {
    members(states).fold(0, |acc, i| acc | f(State::from_index(i)).bit())
}

/// The states with an open resource moved to `phase`, the others as they are.
fn open_becomes(states: States, phase: Phase) -> States {
    map_states(states, |s| match s.phase {
        Phase::Open => State { phase, ..s },
        _ => s,
    })
}

/// The states with an open resource ended: what an edge that shows it over leaves.
fn ended(states: States) -> States {
    open_becomes(states, Phase::Done)
}

/// The states of a set for which `keep` holds.
fn filter_states(states: States, keep: impl Fn(State) -> bool) -> States {
    members(states)
        .filter(|i| keep(State::from_index(*i)))
        .fold(0, |acc, i| acc | (1 << i))
}

fn any(states: States, f: impl Fn(State) -> bool) -> bool {
    members(states).any(|i| f(State::from_index(i)))
}

/// What an event does to the tracked resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    End,
    DeferredEnd,
    Escape,
    /// Hands the holder back (to a pool) or closes it: a leak if the resource is open
    /// here; nothing refers to it afterwards.
    Release,
}

/// What the analysis needs to know about one resource. Implemented per kind of resource.
pub(crate) trait ResourceModel {
    /// The effect of an event other than the acquire itself.
    fn effect(&self, event: &Event) -> Effect;
    /// Whether returning these values hands the resource to the caller.
    fn returned(&self, values: &[Operand]) -> bool;
    /// Where an event may panic (an explicit panic site), if it can.
    fn panic_site(&self, event: &Event) -> Option<TextRange>;
    /// Whether an exception raised once the resource is open settles it: TX003 follows a
    /// caught error, and any exception leaving the handler carries an error to the caller.
    fn exception_settles(&self) -> bool {
        false
    }
    /// Whether this operand, tested nil, empty or zero, says the acquire did nothing: a
    /// write's result matched `Err(_)`, its row count `== 0`.
    fn did_nothing_when_nil(&self, _operand: &Operand) -> bool {
        false
    }
    /// Whether this operand, where it is true (set, non-zero), says the resource is over:
    /// `conn.closed` of the connection that holds the transaction.
    fn over_when_set(&self, _operand: &Operand) -> bool {
        false
    }
    /// Whether a branch on this call's value ends the resource on its `false` edge:
    /// `for rows.Next() { … }` leaves the loop with the rows closed (database/sql and pgx
    /// close them when `Next` finds no further row).
    fn ends_when_false(&self, _call: CallId) -> bool {
        false
    }
    /// Whether a nil test of this call's value ends the resource on its non-nil edge:
    /// `if err := rows.Err(); err != nil` finds the rows closed already.
    fn ends_when_non_nil(&self, _call: CallId) -> bool {
        false
    }
    /// Whether an exception raised by this event is a database error: a statement, commit
    /// or rollback on the resource or the connection it holds.
    fn raises_database_error(&self, _event: &Event) -> bool {
        false
    }
    /// Whether an exception handler that names these classes (empty: a bare `except:`)
    /// can catch a database error.
    fn catches_database_errors(&self, _catches: &[String]) -> bool {
        true
    }
    /// Whether the exception edge of a block inside a `try` is followed, by the last call
    /// of the block (`None`: the block calls nothing, and raises otherwise): all are,
    /// unless the model follows only some exceptions.
    fn may_raise(&self, _call: Option<&Event>) -> bool {
        true
    }
    /// Whether a handler that names these classes catches every database error: then a
    /// database error never goes past its `try`.
    fn catches_every_database_error(&self, _catches: &[String]) -> bool {
        false
    }
    /// Whether this event ends the resource only when it succeeds: raising, it leaves
    /// the resource open (SQLite's raw `COMMIT` failing with `SQLITE_BUSY`).
    fn end_fails_open(&self, _event: &Event) -> bool {
        false
    }
    /// For a deferred end that runs only when a local of the function is not nil
    /// (`defer func() { if err != nil { tx.Rollback() } }()` with `err` a local, not a
    /// named result): that local. At a `return` that leaves it nil the end does not run.
    fn deferred_end_unless_nil(&self, _event: &Event) -> Option<VarId> {
        None
    }
}

/// One resource of a function.
pub(crate) struct Resource {
    /// The event that acquires it (a begin call, a query call).
    pub acquire: Event,
    pub acquire_range: TextRange,
    /// Variables that hold it.
    pub aliases: Vec<VarId>,
    /// Operands whose non-nil value means the acquire failed (`err`, `tx.Error`).
    pub error_operands: Vec<Operand>,
    /// The acquire's error variable: assigning it again makes nil tests on it stale.
    pub error_var: Option<VarId>,
    /// Booleans that tell whether the resource has a type the function asserts
    /// (`t, ok := tx.(Tx)`): where one is false, the value is not one the function can end
    /// through that type, so no path from there holds it.
    pub type_tests: Vec<VarId>,
    /// A counter the acquire runs under only while it is zero (`if n == 0 { tx = begin() }`,
    /// a batch carried across loop iterations): zero at the acquire, so while it has not
    /// changed since, a non-zero test of it cannot pass with the resource open, and once it
    /// has changed (`n++`, until `n = 0`), a zero test cannot.
    pub guard: Option<VarId>,
    pub exits: ExitPolicy,
    /// Whether the acquire raising leaves the resource open too: a PostgreSQL statement
    /// that fails has opened the transaction it aborts.
    pub failed_acquire_opens: bool,
}

/// Which exits leak an open resource, and which paths are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExitPolicy {
    /// `return` and the end of the function (false when the holder dies with the
    /// function and that ends the resource, like a local Python connection).
    pub returns: bool,
    /// An exception leaving the function (Python explicit transactions).
    pub raises: bool,
    /// Whether exception edges are followed (false: normal paths only).
    pub exception_edges: bool,
    /// Whether reaching the acquire again while open leaks (a loop's next begin).
    pub reacquire: bool,
}

impl Resource {
    /// A resource with no error value to test (everything but Go begins).
    pub fn new(
        acquire: Event,
        acquire_range: TextRange,
        aliases: Vec<VarId>,
        exits: ExitPolicy,
    ) -> Resource {
        Resource {
            acquire,
            acquire_range,
            aliases,
            error_operands: Vec::new(),
            error_var: None,
            type_tests: Vec::new(),
            guard: None,
            exits,
            failed_acquire_opens: false,
        }
    }

    /// A Go value acquired by a call with its error as second result (`v, err := f()`):
    /// a non-nil `err` means the call acquired nothing.
    pub fn go_call(
        call: CallId,
        call_range: TextRange,
        aliases: Vec<VarId>,
        bindings: &[Binding],
    ) -> Resource {
        let error_var = match bindings.get(1) {
            Some(Binding::Var(v)) => Some(*v),
            _ => None,
        };
        Resource {
            error_operands: error_var.map(Operand::Var).into_iter().collect(),
            error_var,
            ..Resource::new(Event::Call(call), call_range, aliases, ExitPolicy::GO)
        }
    }
}

impl ExitPolicy {
    /// Explicit transactions that no drop or context ends: every exit leaks, error exits
    /// included (Python explicit begins, raw `BEGIN` statements).
    pub const EXPLICIT: ExitPolicy = ExitPolicy {
        returns: true,
        raises: true,
        exception_edges: true,
        reacquire: false,
    };

    /// Go transactions and rows.
    pub const GO: ExitPolicy = ExitPolicy {
        returns: true,
        raises: false,
        exception_edges: true,
        reacquire: true,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitKind {
    Return,
    FunctionEnd,
    /// The acquire runs again (next loop iteration, or a second acquire into the same
    /// variable) while the previous one is still open.
    Reacquire,
    Continue,
    /// The only variable holding it is assigned something else.
    Overwritten,
    /// Handed back to a pool or closed while open.
    Released,
    /// An exception leaves the function while it is open.
    Raise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exit {
    pub kind: ExitKind,
    pub range: TextRange,
}

/// What the analysis found for one resource.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Exits reached with the resource open and no deferred end.
    pub leaks: Vec<Exit>,
    /// Panic sites reached with the resource open and no deferred end.
    pub panic_sites: Vec<TextRange>,
    /// Whether the resource escapes on some path.
    pub escapes: bool,
    /// Whether a deferred end is registered on some path.
    pub deferred: bool,
    /// The local a deferred end waits for to be non-nil, when a `return` leaks only
    /// because that local is nil there (see [`ResourceModel::deferred_end_unless_nil`]).
    pub deferred_end_skipped: Option<VarId>,
    /// How many of the leaks are returns that only skip that deferred end.
    pub skipping_exits: usize,
    /// Ranges of events evaluated while the resource may be open (deferred end or not),
    /// with the index of the block, in program order.
    pub open_events: Vec<(BlockId, usize)>,
}

struct Analysis<'a> {
    function: &'a Function,
    resource: &'a Resource,
    model: &'a dyn ResourceModel,
    /// Blocks that run the exits of `with` bodies left by a database error on its way to
    /// the `except` clauses (see [`Analysis::database_error_targets`]).
    database_detours: std::collections::HashSet<BlockId>,
    /// The function's success flag, if it has one (see [`success_flag`]).
    flag: Option<Flag>,
    /// The local every deferred end of the resource is conditioned on, when there is one
    /// and no success flag: the `flagged` bit then says the local is known to be nil (see
    /// [`ResourceModel::deferred_end_unless_nil`]).
    nil_guard: Option<VarId>,
}

/// A local boolean that the function only ever sets to `True` or `False` and tests by its
/// truth in a branch: `ok = False … conn.commit(); ok = True … finally: if not ok:
/// conn.rollback()`. Which way the test goes on each path follows from where the flag was
/// last set, so a path that skips the rollback is one that committed. The first such
/// variable is followed. Only a flag every write of which the function shows is taken: not
/// one declared with a type (Go's `var done bool` has no write to reset it in a loop),
/// handed to a call (`Scan(&found)`), or in a function with closures (which may set it).
///
/// A boolean parameter the function never assigns is such a flag too, fixed for the whole
/// call: `if transaction: BEGIN … finally: if transaction: COMMIT` takes both tests the same
/// way. Its value is unknown at entry (see [`Flag::fixed`]). Only a parameter declared
/// `bool` that nothing can change out of sight (see [`only_tested`]): the truth of a list
/// or an object can change while the function runs.
fn success_flag(function: &Function, resource: &Resource) -> Option<Flag> {
    let tested = function
        .cfg
        .blocks
        .iter()
        .filter_map(|block| match &block.terminator {
            Terminator::Branch {
                nil_test:
                    Some(NilTest {
                        operand: Operand::Var(v),
                        by_truth: true,
                        one_sided: false,
                        ..
                    }),
                ..
            } => Some(*v),
            _ => None,
        });
    let mut candidates: Vec<VarId> = tested.collect();
    candidates.sort();
    candidates.dedup();
    if candidates.is_empty() || has_closures(function) {
        return None;
    }
    candidates.into_iter().find_map(|v| {
        let var = function.vars.get(v.index())?;
        let local = var.kind == VarKind::Local && var.ty.is_none();
        // Declared `bool`: an untyped parameter may be a list its own methods empty.
        let fixed = var.kind == VarKind::Param
            && var.ty.as_deref() == Some("bool")
            && only_tested(function, v);
        let handed = function.calls.iter().any(|call| {
            call.args
                .iter()
                .chain(call.keywords.iter().map(|(_, value)| value))
                .any(|arg| *arg == Operand::Var(v))
        });
        let definitions = function.definitions(v);
        let followed = !handed
            && !resource.aliases.contains(&v)
            && resource.error_var != Some(v)
            && resource.guard != Some(v)
            && !resource.type_tests.contains(&v);
        let set_by_literals =
            !definitions.is_empty() && definitions.iter().all(|d| truth_of(d).is_some());
        match (
            followed,
            local && set_by_literals,
            fixed && definitions.is_empty(),
        ) {
            (true, true, _) => Some(Flag {
                var: v,
                fixed: false,
            }),
            (true, _, true) => Some(Flag {
                var: v,
                fixed: true,
            }),
            _ => None,
        }
    })
}

/// The local every deferred end of a resource is conditioned on (see
/// [`ResourceModel::deferred_end_unless_nil`]): none when some deferred end is not, or two
/// are conditioned on different locals.
fn nil_guard(function: &Function, model: &dyn ResourceModel) -> Option<VarId> {
    let mut guard = None;
    for event in function.events() {
        if !matches!(event, Event::Defer(_)) || model.effect(event) != Effect::DeferredEnd {
            continue;
        }
        let condition = model.deferred_end_unless_nil(event)?;
        if guard.is_some_and(|g| g != condition) {
            return None;
        }
        guard = Some(condition);
    }
    guard
}

/// Whether nothing can change a variable out of sight: it is never copied (`p := &atomic`),
/// handed on, called on, sent or returned.
fn only_tested(function: &Function, var: VarId) -> bool {
    let it = Operand::Var(var);
    let mentioned_by_call = function.calls.iter().any(|call| {
        call.args
            .iter()
            .chain(call.keywords.iter().map(|(_, value)| value))
            .any(|arg| *arg == it)
            || matches!(&call.callee, Callee::Method { receiver, .. } if *receiver == it)
    });
    let mentioned_by_event = function.events().any(|event| match event {
        Event::Assign { values, .. } => values.contains(&it),
        Event::Send { value, .. } => *value == it,
        _ => false,
    });
    let returned = function.cfg.blocks.iter().any(|block| {
        matches!(&block.terminator, Terminator::Return { values, .. } if values.contains(&it))
    });
    !mentioned_by_call && !mentioned_by_event && !returned
}

/// The flag a function's paths are told apart by (see [`success_flag`]).
#[derive(Debug, Clone, Copy)]
struct Flag {
    var: VarId,
    /// A parameter never assigned: either value at entry, the same on every test. A local
    /// starts unset.
    fixed: bool,
}

/// The call whose value a nil test tests: the call itself (`rows.Err() != nil`), or the one
/// that last set the tested variable in the block (`err := rows.Err(); err != nil`).
fn tested_call(events: &[Event], function: &Function, operand: &Operand) -> Option<CallId> {
    let var = match operand {
        Operand::Call(id) => return Some(*id),
        Operand::Var(var) => Binding::Var(*var),
        _ => return None,
    };
    events.iter().rev().find_map(|event| match event {
        Event::Call(id) => match &function.call(*id).result {
            ResultUse::Assigned(bindings) if bindings.contains(&var) => {
                Some((bindings.first() == Some(&var)).then_some(*id))
            }
            _ => None,
        },
        Event::Assign { targets, .. } if targets.contains(&var) => Some(None),
        _ => None,
    })?
}

/// Whether the function makes a closure (a function literal, a lambda, a nested `def`).
fn has_closures(function: &Function) -> bool {
    let closure = |operand: &Operand| matches!(operand, Operand::Closure(_));
    function.calls.iter().any(|call| {
        call.args.iter().any(closure)
            || call.keywords.iter().any(|(_, value)| closure(value))
            || matches!(&call.callee, Callee::Other(callee) if closure(callee))
    }) || function.events().any(|event| match event {
        Event::Assign { values, .. } => values.iter().any(closure),
        Event::Use { operand, .. } => closure(operand),
        _ => false,
    })
}

/// Whether a literal is true or false, when it is a boolean one.
fn truth_of(operand: &Operand) -> Option<bool> {
    match operand {
        Operand::Const(text) => match text.as_str() {
            "True" | "true" => Some(true),
            "False" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Runs the analysis of `resource` over `function`.
pub(crate) fn analyze(
    function: &Function,
    resource: &Resource,
    model: &dyn ResourceModel,
) -> Outcome {
    let mut analysis = Analysis {
        function,
        resource,
        model,
        database_detours: Default::default(),
        flag: success_flag(function, resource),
        nil_guard: None,
    };
    if analysis.flag.is_none() {
        analysis.nil_guard = nil_guard(function, model);
    }
    if resource.exits.exception_edges {
        analysis.database_detours = analysis.find_database_detours();
    }
    let cfg = &function.cfg;
    let mut in_states: Vec<States> = vec![0; cfg.blocks.len()];
    if cfg.blocks.is_empty() {
        return Outcome::default();
    }
    in_states[Cfg::ENTRY.index()] = match analysis.flag {
        Some(Flag { fixed: true, .. }) => {
            State::START.bit()
                | State {
                    flagged: true,
                    ..State::START
                }
                .bit()
        }
        _ => State::START.bit(),
    };
    let mut worklist = vec![Cfg::ENTRY];
    let mut queued = vec![false; cfg.blocks.len()];
    queued[Cfg::ENTRY.index()] = true;
    while let Some(block) = worklist.pop() {
        queued[block.index()] = false;
        let out = analysis.transfer_block(block, in_states[block.index()], None);
        let raised = analysis.raised_state(block, in_states[block.index()], out);
        for (successor, state) in analysis.edges(block, out, raised) {
            let merged = in_states[successor.index()] | state;
            if merged != in_states[successor.index()] {
                in_states[successor.index()] = merged;
                if !std::mem::replace(&mut queued[successor.index()], true) {
                    worklist.push(successor);
                }
            }
        }
    }
    let mut outcome = Outcome::default();
    for (index, &state) in in_states.iter().enumerate() {
        if state != 0 {
            analysis.transfer_block(BlockId(index as u32), state, Some(&mut outcome));
        }
    }
    outcome.leaks.sort_by_key(|e| (e.range, e.kind as u8));
    outcome.leaks.dedup();
    outcome.panic_sites.sort();
    outcome.panic_sites.dedup();
    outcome
}

impl Analysis<'_> {
    fn transfer_block(
        &self,
        block: BlockId,
        mut states: States,
        mut record: Option<&mut Outcome>,
    ) -> States {
        let data = self.function.cfg.block(block);
        for (index, event) in data.events.iter().enumerate() {
            if let Some(outcome) = record.as_deref_mut() {
                if any(states, |s| s.phase == Phase::Open) {
                    outcome.open_events.push((block, index));
                }
            }
            states = self.transfer_event(event, states, record.as_deref_mut());
        }
        if let Some(outcome) = record {
            self.record_terminator(block, states, outcome);
        }
        match &data.terminator {
            Terminator::Return { values, .. } if self.model.returned(values) => escape(states),
            _ => states,
        }
    }

    fn transfer_event(
        &self,
        event: &Event,
        states: States,
        record: Option<&mut Outcome>,
    ) -> States {
        if self.is_acquire(event) {
            if let Some(outcome) = record {
                if self.resource.exits.reacquire && any(states, State::exposed) {
                    outcome.leaks.push(Exit {
                        kind: ExitKind::Reacquire,
                        range: self.resource.acquire_range,
                    });
                }
            }
            // A deferred end registered earlier (`defer sess.Close()` before
            // `sess.Begin()`, a deferred closure testing `tx != nil`) still runs.
            let fresh = !self.resource.error_operands.is_empty();
            return map_states(states, |s| State {
                phase: Phase::Open,
                covered: s.covered,
                fresh,
                counted: false,
                flagged: s.flagged,
            });
        }
        let mut record = record;
        // `tx, committed = nil, false` sets the flag as it drops the holder.
        let states = match self.assigns_flag(event) {
            Some(flagged) => map_states(states, |s| State { flagged, ..s }),
            None => states,
        };
        if let Some(range) = self.overwrites_holder(event) {
            if any(states, State::exposed) {
                if let Some(outcome) = record.as_deref_mut() {
                    outcome.leaks.push(Exit {
                        kind: ExitKind::Overwritten,
                        range,
                    });
                }
            }
            // Nothing refers to it any more: later ends through the variable end the
            // new value, not this one.
            return ended(states);
        }
        if let Some(site) = self.model.panic_site(event) {
            if any(states, State::exposed) && !self.asserts_acquire_error(event, states) {
                if let Some(outcome) = record.as_deref_mut() {
                    outcome.panic_sites.push(site);
                }
            }
        }
        self.apply(event, states, record)
    }

    fn apply(&self, event: &Event, states: States, record: Option<&mut Outcome>) -> States {
        let states = if self.assigns_nil_guard(event) {
            map_states(states, |s| State {
                flagged: false,
                ..s
            })
        } else {
            states
        };
        let states = if self.reassigns_error(event) {
            map_states(states, |s| State { fresh: false, ..s })
        } else {
            states
        };
        let states = match self.assigns_guard(event) {
            Some(counted) => map_states(states, |s| State { counted, ..s }),
            None => states,
        };
        match self.model.effect(event) {
            Effect::None => states,
            Effect::End => ended(states),
            Effect::DeferredEnd => {
                if let Some(outcome) = record {
                    outcome.deferred = true;
                }
                map_states(states, |s| State { covered: true, ..s })
            }
            Effect::Release => {
                if let Some(outcome) = record {
                    if any(states, State::exposed) {
                        outcome.leaks.push(Exit {
                            kind: ExitKind::Released,
                            range: event_range(self.function, event),
                        });
                    }
                }
                ended(states)
            }
            Effect::Escape => {
                if let Some(outcome) = record {
                    if any(states, |s| s.phase == Phase::Open) {
                        outcome.escapes = true;
                    }
                }
                escape(states)
            }
        }
    }

    /// Where an event assigns a new value to the only variable holding the resource.
    fn overwrites_holder(&self, event: &Event) -> Option<TextRange> {
        let [holder] = self.resource.aliases.as_slice() else {
            return None;
        };
        let is_holder = |b: &Binding| *b == Binding::Var(*holder);
        match event {
            Event::Assign { targets, range, .. } => targets.iter().any(is_holder).then_some(*range),
            Event::Call(id) => {
                let call = self.function.call(*id);
                match &call.result {
                    // `let tx = pool.begin().await.expect(..)` binds the acquire's own
                    // value through the chain: not an overwrite.
                    ResultUse::Assigned(bindings) if !self.chains_to_acquire(*id) => {
                        bindings.iter().any(is_holder).then_some(call.range)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether an event is the acquire. Compared for every event of every block, once per
    /// resource: the common case, a call, is a comparison of two ids.
    fn is_acquire(&self, event: &Event) -> bool {
        match (event, &self.resource.acquire) {
            (Event::Call(a), Event::Call(b)) => a == b,
            (Event::Call(_), _) | (_, Event::Call(_)) => false,
            (event, acquire) => event == acquire,
        }
    }

    /// Whether a call's receiver chain leads to the acquire call.
    fn chains_to_acquire(&self, call: CallId) -> bool {
        let Event::Call(acquire) = self.resource.acquire else {
            return false;
        };
        let mut current = call;
        loop {
            if current == acquire {
                return true;
            }
            match &self.function.call(current).callee {
                Callee::Method {
                    receiver: Operand::Call(inner),
                    ..
                } => current = *inner,
                _ => return false,
            }
        }
    }

    /// Whether an event is a call given only the acquire's own error, not reassigned since
    /// (`must(err)`, `jd.assertError(err)` right after the begin): a helper that panics on
    /// it panics when the acquire failed, with nothing open.
    fn asserts_acquire_error(&self, event: &Event, states: States) -> bool {
        let Event::Call(id) = event else {
            return false;
        };
        let args = &self.function.call(*id).args;
        !args.is_empty()
            && args
                .iter()
                .all(|arg| self.resource.error_operands.contains(arg))
            && !any(states, |s| s.phase == Phase::Open && !s.fresh)
    }

    /// Whether an event assigns the acquire's error variable again.
    fn reassigns_error(&self, event: &Event) -> bool {
        let Some(error_var) = self.resource.error_var else {
            return false;
        };
        let is_error = |b: &Binding| *b == Binding::Var(error_var);
        match event {
            Event::Assign { targets, .. } => targets.iter().any(is_error),
            Event::Call(id) => {
                let call = self.function.call(*id);
                match &call.result {
                    // `err = translate(err)`: taken to give that error or one wrapping
                    // it, nil for nil, as a call the error is tested through is.
                    ResultUse::Assigned(bindings)
                        if bindings.as_slice() == [Binding::Var(error_var)]
                            && call.args.contains(&Operand::Var(error_var)) =>
                    {
                        false
                    }
                    ResultUse::Assigned(bindings) => bindings.iter().any(is_error),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Whether an event assigns the guard counter, and whether it is then changed since the
    /// acquire: `n = 0` resets it, anything else (`n++`, `n = f()`) counts.
    fn assigns_guard(&self, event: &Event) -> Option<bool> {
        let guard = Binding::Var(self.resource.guard?);
        match event {
            Event::Assign {
                targets, values, ..
            } => {
                let index = targets.iter().position(|t| *t == guard)?;
                Some(values.get(index) != Some(&Operand::Const("0".into())))
            }
            Event::Call(id) => match &self.function.call(*id).result {
                ResultUse::Assigned(bindings) if bindings.contains(&guard) => Some(true),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the states at a `return` leave the resource open where it may be covered only
    /// by a deferred end that waits for the nil guard to be set, and the guard is known nil
    /// on every path that reaches it open. (Every deferred end waits for the guard when there
    /// is one. Paths are told apart only by the guard itself: a return that some path
    /// reaches with the guard set, through a copy of it or a flag, is not reported.)
    fn skips_deferred_end(&self, states: States) -> bool {
        self.nil_guard.is_some()
            && any(states, |s| s.phase == Phase::Open)
            && !any(states, |s| s.phase == Phase::Open && !s.flagged)
    }

    /// Whether an event may set the nil guard: it assigns it, or hands it to a call (Go's
    /// `&err` is the variable itself in the IR: `errors.As(e, &err)`, `Scan(&err)`).
    fn assigns_nil_guard(&self, event: &Event) -> bool {
        let Some(guard) = self.nil_guard else {
            return false;
        };
        let it = Binding::Var(guard);
        match event {
            Event::Assign { targets, .. } => targets.contains(&it),
            Event::Call(id) | Event::Defer(id) | Event::Go(id) => {
                let call = self.function.call(*id);
                matches!(&call.result, ResultUse::Assigned(b) if b.contains(&it))
                    || call.args.contains(&Operand::Var(guard))
            }
            _ => false,
        }
    }

    /// Whether an event sets the success flag, and to what.
    fn assigns_flag(&self, event: &Event) -> Option<bool> {
        let flag = Binding::Var(self.flag?.var);
        let Event::Assign {
            targets, values, ..
        } = event
        else {
            return None;
        };
        let index = targets.iter().position(|t| *t == flag)?;
        values.get(index).and_then(truth_of)
    }

    fn record_terminator(&self, block: BlockId, states: States, outcome: &mut Outcome) {
        let data = self.function.cfg.block(block);
        match &data.terminator {
            Terminator::Return {
                range,
                values,
                implicit,
            } => {
                if self.model.returned(values) {
                    if any(states, |s| s.phase == Phase::Open) {
                        outcome.escapes = true;
                    }
                } else if self.resource.exits.returns
                    && (any(states, State::exposed) || self.skips_deferred_end(states))
                {
                    if !any(states, State::exposed) {
                        outcome.deferred_end_skipped = self.nil_guard;
                        outcome.skipping_exits += 1;
                    }
                    outcome.leaks.push(Exit {
                        kind: if *implicit {
                            ExitKind::FunctionEnd
                        } else {
                            ExitKind::Return
                        },
                        range: *range,
                    });
                }
            }
            Terminator::NoReturn {
                range,
                kind: NoReturnKind::Panic,
            } if any(states, State::exposed) => outcome.panic_sites.push(*range),
            Terminator::Raise { range }
                if self.resource.exits.raises && any(states, State::exposed) =>
            {
                outcome.leaks.push(Exit {
                    kind: ExitKind::Raise,
                    range: *range,
                })
            }
            _ => {}
        }
        if let Some(jump) = data.jump {
            if jump.kind == JumpKind::Continue && any(states, State::exposed) {
                outcome.leaks.push(Exit {
                    kind: ExitKind::Continue,
                    range: jump.range,
                });
            }
        }
    }

    /// The states on the exception edge of a block that ends with `MayRaise`: those at
    /// its end, except that an exception raised by the acquire itself opened nothing, so
    /// a block that contains the acquire raises with the states from before it.
    fn raised_state(&self, block: BlockId, states_in: States, states_out: States) -> States {
        let data = self.function.cfg.block(block);
        let Some(position) = data.events.iter().position(|e| self.is_acquire(e)) else {
            return self.raised_by_failed_end(block, states_in, states_out);
        };
        if self.resource.failed_acquire_opens {
            return states_out;
        }
        // A call after the acquire may be what raised: then the resource is open. Calls
        // on the acquire's own result (`.map_err(f)` before `?`) only pass its error on.
        let mut own_result = Vec::new();
        if let Event::Call(acquire) = &self.resource.acquire {
            let mut next = &self.function.call(*acquire).result;
            while let ResultUse::Receiver(outer) = next {
                own_result.push(*outer);
                next = &self.function.call(*outer).result;
            }
        }
        if data.events[position + 1..]
            .iter()
            .any(|e| matches!(e, Event::Call(id) if !own_result.contains(id)))
        {
            return states_out;
        }
        data.events[..position]
            .iter()
            .fold(states_in, |states, event| {
                self.transfer_event(event, states, None)
            })
    }

    /// The states on the exception edge of a block whose raising call is an end that
    /// leaves the resource open when it fails: those from before that call.
    fn raised_by_failed_end(
        &self,
        block: BlockId,
        states_in: States,
        states_out: States,
    ) -> States {
        let events = &self.function.cfg.block(block).events;
        let Some(position) = events.iter().rposition(|e| matches!(e, Event::Call(_))) else {
            return states_out;
        };
        // The raising call is the last one, or the one whose own result chain
        // (`.map_err(f)` before `?`) ends the block.
        let mut raising = position;
        while raising > 0 {
            let Event::Call(outer) = &events[raising] else {
                break;
            };
            let inner = events[..raising]
                .iter()
                .rposition(|e| matches!(e, Event::Call(id) if self.function.call(*id).result == ResultUse::Receiver(*outer)));
            match inner {
                Some(index) => raising = index,
                None => break,
            }
        }
        if !self.model.end_fails_open(&events[raising]) {
            return states_out;
        }
        events[..raising].iter().fold(states_in, |states, event| {
            self.transfer_event(event, states, None)
        })
    }

    /// Successor blocks with the states that flow along each edge. A nil test on the
    /// acquire's intact error (or on the resource itself) removes the resource from the
    /// edge on which the acquire failed.
    fn edges(&self, block: BlockId, states: States, raised: States) -> Vec<(BlockId, States)> {
        let edges = self.edges_of_states(block, states, raised);
        let Some(guard) = self.nil_guard else {
            return edges;
        };
        // A nil test of the guard: known nil on the nil edge, not on the other.
        match &self.function.cfg.block(block).terminator {
            Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } if !test.by_truth
                && test.operand == Operand::Var(guard)
                && then_block != else_block =>
            {
                let nil_edge = if test.then_is_nil {
                    *then_block
                } else {
                    *else_block
                };
                edges
                    .into_iter()
                    .map(|(target, states)| match target == nil_edge {
                        // `err != sql.ErrNoRows`, `!errors.Is(err, …)`: its other edge
                        // says nothing of nil.
                        true if test.one_sided => (target, states),
                        flagged => (target, map_states(states, |s| State { flagged, ..s })),
                    })
                    .collect()
            }
            _ => edges,
        }
    }

    fn edges_of_states(
        &self,
        block: BlockId,
        states: States,
        raised: States,
    ) -> Vec<(BlockId, States)> {
        let data = self.function.cfg.block(block);
        let plain = || {
            self.function
                .cfg
                .successors(block)
                .into_iter()
                .map(|b| (b, states))
                .collect()
        };
        if let Terminator::MayRaise {
            normal, handler, ..
        } = &data.terminator
        {
            return if self.resource.exits.exception_edges {
                let raised = if self.model.exception_settles() {
                    ended(raised)
                } else {
                    raised
                };
                let mut edges = vec![(*normal, states)];
                let raising = data
                    .events
                    .iter()
                    .rev()
                    .find(|e| matches!(e, Event::Call(_)));
                if self.model.may_raise(raising) {
                    edges.extend(self.handlers_of(block, *handler, raised));
                }
                edges
            } else {
                vec![(*normal, states)]
            };
        }
        if let Terminator::Goto(dispatch) = &data.terminator {
            if self.database_detours.contains(&block) {
                if let Some(targets) = self.database_error_targets(*dispatch, states) {
                    return targets;
                }
            }
        }
        if let Terminator::Branch {
            nil_test: None,
            range,
            then_block,
            else_block,
        } = &data.terminator
        {
            let tested = data.events.iter().rev().find_map(|event| match event {
                Event::Call(id) if self.function.call(*id).range == *range => Some(*id),
                _ => None,
            });
            if tested.is_some_and(|id| self.model.ends_when_false(id)) {
                let ended = ended(states);
                return vec![(*then_block, states), (*else_block, ended)];
            }
        }
        let Terminator::Branch {
            nil_test: Some(test),
            then_block,
            else_block,
            ..
        } = &data.terminator
        else {
            return plain();
        };
        if let Some(call) = tested_call(&data.events, self.function, &test.operand) {
            if !test.by_truth && self.model.ends_when_non_nil(call) {
                let ended = ended(states);
                return if test.then_is_nil {
                    vec![(*then_block, states), (*else_block, ended)]
                } else {
                    vec![(*then_block, ended), (*else_block, states)]
                };
            }
        }
        if test.by_truth
            && self
                .flag
                .is_some_and(|f| test.operand == Operand::Var(f.var))
        {
            // The flag is false (falsy) on the nil edge, true on the other.
            let unset = filter_states(states, |s| !s.flagged);
            let set = filter_states(states, |s| s.flagged);
            return if test.then_is_nil {
                vec![(*then_block, unset), (*else_block, set)]
            } else {
                vec![(*then_block, set), (*else_block, unset)]
            };
        }
        if self
            .resource
            .guard
            .is_some_and(|g| test.operand == Operand::Var(g))
        {
            // An open resource with its guard changed is not on the zero edge, nor one
            // with its guard as the acquire left it (zero) on the other.
            let zero = filter_states(states, |s| s.phase != Phase::Open || !s.counted);
            let other = filter_states(states, |s| s.phase != Phase::Open || s.counted);
            return if test.then_is_nil {
                vec![(*then_block, zero), (*else_block, other)]
            } else {
                vec![(*then_block, other), (*else_block, zero)]
            };
        }
        if test.by_truth && self.model.over_when_set(&test.operand) {
            let over = ended(states);
            return if test.then_is_nil {
                vec![(*then_block, states), (*else_block, over)]
            } else {
                vec![(*then_block, over), (*else_block, states)]
            };
        }
        let failed = |s: State, needs_fresh: bool| {
            if s.phase == Phase::Open && (s.fresh || !needs_fresh) {
                State {
                    phase: Phase::Absent,
                    fresh: false,
                    ..s
                }
            } else {
                s
            }
        };
        let (failed_on_then, failed_states) = if self.tests_error(&test.operand) {
            // `err != nil`: the acquire failed on the `then` edge.
            (!test.then_is_nil, map_states(states, |s| failed(s, true)))
        } else if matches!(&test.operand, Operand::Var(v) if self.resource.aliases.contains(v) || self.resource.type_tests.contains(v))
            || self.model.did_nothing_when_nil(&test.operand)
        {
            // `tx == nil`: nothing is open on the nil edge (nor on the `!ok` edge of an
            // assertion of its type).
            (test.then_is_nil, map_states(states, |s| failed(s, false)))
        } else {
            return plain();
        };
        if failed_on_then {
            vec![(*then_block, failed_states), (*else_block, states)]
        } else {
            vec![(*then_block, states), (*else_block, failed_states)]
        }
    }
}

impl Analysis<'_> {
    /// The detour blocks (the exits of the `with` bodies an exception leaves, then on to
    /// a `try`'s dispatch) that only a database call's exception takes: each raising
    /// statement has its own.
    fn find_database_detours(&self) -> std::collections::HashSet<BlockId> {
        let cfg = &self.function.cfg;
        let mut found = std::collections::HashSet::new();
        for (index, data) in cfg.blocks.iter().enumerate() {
            let Terminator::MayRaise { handler, .. } = &data.terminator else {
                continue;
            };
            let detour = cfg.block(*handler);
            let is_detour = matches!(detour.terminator, Terminator::Goto(_))
                && !detour.events.is_empty()
                && detour
                    .events
                    .iter()
                    .all(|e| matches!(e, Event::ScopeExit { .. }));
            let raising = cfg
                .block(BlockId(index as u32))
                .events
                .iter()
                .rev()
                .find(|e| matches!(e, Event::Call(_)));
            if is_detour && raising.is_some_and(|e| self.model.raises_database_error(e)) {
                found.insert(*handler);
            }
        }
        found
    }

    /// The `except` clauses of the dispatch block `dispatch` that a database error can
    /// reach: those that can catch one, and on outwards unless one catches every database
    /// error. `None` when `dispatch` is not a `try`'s dispatch.
    fn database_error_targets(
        &self,
        dispatch: BlockId,
        raised: States,
    ) -> Option<Vec<(BlockId, States)>> {
        let cfg = &self.function.cfg;
        let data = cfg.block(dispatch);
        let Terminator::Switch { targets, .. } = &data.terminator else {
            return None;
        };
        if !data.events.is_empty() {
            return None;
        }
        let caught = targets.iter().any(|&entry| {
            matches!(cfg.block(entry).events.first(),
                Some(Event::Handler { catches, .. }) if self.model.catches_every_database_error(catches))
        });
        Some(
            targets
                .iter()
                .filter(|&&entry| match cfg.block(entry).events.first() {
                    Some(Event::Handler { catches, .. }) => {
                        self.model.catches_database_errors(catches)
                    }
                    _ => !caught,
                })
                .map(|&entry| (entry, raised))
                .collect(),
        )
    }

    /// Where an exception raised at the end of `block` goes: to its handler target, or,
    /// when the raising call is a database call and that target only dispatches to the
    /// `except` clauses of a `try`, to each clause that can catch a database error (and on
    /// outwards) but not to `except queue.Empty:`.
    fn handlers_of(
        &self,
        block: BlockId,
        target: BlockId,
        raised: States,
    ) -> Vec<(BlockId, States)> {
        let cfg = &self.function.cfg;
        let raising = cfg
            .block(block)
            .events
            .iter()
            .rev()
            .find(|e| matches!(e, Event::Call(_)));
        if !raising.is_some_and(|event| self.model.raises_database_error(event)) {
            return vec![(target, raised)];
        }
        self.database_error_targets(target, raised)
            .unwrap_or_else(|| vec![(target, raised)])
    }

    /// Whether a nil test on `operand` tests the acquire's error: the error itself, or a
    /// call given it whose result is tested instead (`if db.AddError(err) == nil`), which
    /// is taken to return that error or one wrapping it.
    fn tests_error(&self, operand: &Operand) -> bool {
        let errors = &self.resource.error_operands;
        match operand {
            Operand::Call(id) => self
                .function
                .call(*id)
                .args
                .iter()
                .any(|a| errors.contains(a)),
            _ => errors.contains(operand),
        }
    }
}

/// Where an event happens, for labels.
fn event_range(function: &Function, event: &Event) -> TextRange {
    match event {
        Event::Call(id) | Event::Defer(id) | Event::Go(id) => function.call(*id).range,
        Event::Assign { range, .. }
        | Event::Use { range, .. }
        | Event::Send { range, .. }
        | Event::PanicSite { range, .. }
        | Event::ScopeExit { range, .. }
        | Event::Handler { range, .. }
        | Event::Raise { range }
        | Event::Yield { range, .. } => *range,
    }
}

fn escape(states: States) -> States {
    open_becomes(states, Phase::Escaped)
}

/// Whether a continue exit only matters when the loop acquires again: a `continue` with
/// the resource open leaks only if the next iteration reaches the acquire.
pub(crate) fn reported_exits(outcome: &Outcome) -> Vec<Exit> {
    let reacquires = outcome.leaks.iter().any(|e| e.kind == ExitKind::Reacquire);
    outcome
        .leaks
        .iter()
        .copied()
        .filter(|e| e.kind != ExitKind::Continue || reacquires)
        .collect()
}
