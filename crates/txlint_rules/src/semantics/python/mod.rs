//! Python connections as resources: what each value is (a pool, a connection, a cursor,
//! an explicit transaction), found through imports, annotations, `self.` attributes and
//! module globals; helper summaries; and the connection model the engine runs for the
//! Python rules.

pub(crate) mod connections;
pub(crate) mod explicit;
pub(crate) mod open;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use txlint_ir::ir::{
    Binding, CallId, Callee, Event, FileIr, FuncId, Function, FunctionKind, Operand, ResultUse,
    Terminator, VarId, VarKind,
};
use txlint_ir::TextRange;

use crate::engine::flow::{Effect, ResourceModel};
use crate::index::ProjectView;
use crate::models::{ContextExit, Implicit, Models};
use crate::semantics::param_flags::ParamFlags;

/// More passes than any chain of helpers in one file needs (see [`PyFacts::compute`]).
const MAX_PASSES: usize = 16;

/// What a value is, for the Python rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A pool, engine or session factory (index into `Models::pool_kinds`); `autocommit`
    /// when it was made to hand out connections in autocommit mode; `sessions_exit`, what
    /// the `with` exit of the sessions it makes does when a project class decides it
    /// (`sessionmaker(class_=CommittingSession)`, see [`session_class_exit`]).
    Pool {
        pool: usize,
        autocommit: bool,
        sessions_exit: Option<ContextExit>,
    },
    /// A connection or session of a driver (index into `Models::drivers`).
    Connection { driver: usize, autocommit: bool },
    /// A cursor: its statements run on `owner`.
    Cursor { owner: Operand },
    /// asyncpg `tr = conn.transaction()`: a transaction once `await tr.start()` runs.
    DeferredTransaction { owner: Operand },
    /// SQLAlchemy `trans = conn.begin()`.
    Transaction { owner: Operand },
    /// SQLAlchemy `nested = conn.begin_nested()`: a savepoint. Its `rollback()` undoes the
    /// work since the savepoint and clears a failed statement's error, without ending the
    /// connection's transaction; its `commit()` only releases it.
    Savepoint { owner: Operand },
}

/// Who keeps a connection alive after the function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A local: it dies with the function (and CPython closes it), unless returned.
    Local,
    /// A parameter: the caller's.
    Param,
    /// A module global or an attribute (`self.conn`): it lives on.
    Shared,
    /// The session of a registry scoped to a request or thread (Flask-SQLAlchemy's
    /// `db.session`, a `scoped_session`): it lives on until the registry removes it at
    /// teardown, which ends what is open. An error swallowed in it stays for the rest of
    /// the request (TX003); a transaction a read opened does not outlive it (no TX004).
    Scoped,
}

/// A variable or attribute that holds a connection in one function.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub operand: Operand,
    /// Local variables that alias it (`c = conn`), for a local holder.
    pub aliases: Vec<VarId>,
    pub driver: usize,
    pub autocommit: bool,
    pub owner: Owner,
    /// A local borrowed from a pool (`pool.getconn()`, or a helper that hands one out of
    /// a pool): it does not die with the function; the pool counts it lent until it is
    /// given back. The pool's kind (index into `Models::pool_kinds`).
    pub borrowed: Option<usize>,
    /// The `with` context call that produced it and what the context does at exit.
    pub context: Option<(CallId, ContextExit)>,
    /// A session joined to a transaction its framework owns and ends (see
    /// [`bound_to_joined_connection`]): nothing it leaves open or closes is its own.
    pub joined: bool,
}

/// A connection a module hands to the constructor of a class of the project: a long-lived
/// one (`Store(config.conn)`), or one a `with` block scopes (`async with engine.begin() as
/// conn: yield Wrapper(conn)`). A fact about the class's module.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Handed {
    /// The key (project root, dotted name) of the class's module, or every key it may
    /// have when the index does not hold it yet.
    pub keys: Vec<(String, String)>,
    pub to: HandedTo,
}

/// What a class's constructor is handed (see [`Handed`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HandedTo {
    pub class: String,
    pub param: HandedParam,
    /// The connection's kind where it is made.
    pub kind: Kind,
    pub life: HandedLife,
}

/// How long a connection handed to a constructor lives where it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandedLife {
    /// A module global or an attribute of one: the process's.
    LongLived,
    /// Bound by a `with` block whose exit ends its transaction: the instance's attribute
    /// lives no longer than the block, and what a method leaves open there is the
    /// block's to end.
    Scoped,
    /// Any other connection (a local the function opens): its life is not known.
    Other,
}

/// Which parameter of `__init__` an argument fills.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HandedParam {
    /// By position, `self` not counted.
    Position(usize),
    Keyword(String),
}

impl HandedParam {
    /// The parameter of `__init__` it fills.
    fn of(&self, init: &Function) -> Option<VarId> {
        match self {
            HandedParam::Position(position) => init.params.get(*position).copied(),
            HandedParam::Keyword(name) => init
                .params
                .iter()
                .copied()
                .find(|&param| init.var(param).name == *name),
        }
    }
}

/// The attributes of the instance `__init__` stores a value in (`self.conn = conn`).
/// `(class, attribute)` for each attribute a class's `__init__` stores one of its
/// parameters in.
fn borrowed_fields(file: &FileIr) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for init in file
        .functions
        .iter()
        .filter(|f| f.kind == FunctionKind::Method && f.name.ends_with(".__init__"))
    {
        let (Some((class, _)), Some(receiver)) = (init.name.rsplit_once('.'), init.receiver) else {
            continue;
        };
        for param in &init.params {
            for attribute in stored_in_attributes(init, receiver, &Operand::Var(*param)) {
                fields.push((class.to_string(), attribute));
            }
        }
    }
    fields
}

fn stored_in_attributes(init: &Function, receiver: VarId, value: &Operand) -> Vec<String> {
    init.events()
        .filter_map(|event| match event {
            Event::Assign {
                targets, values, ..
            } => Some(targets.iter().zip(values)),
            _ => None,
        })
        .flatten()
        .filter_map(|(target, assigned)| match target {
            Binding::Place(Operand::Field(base, attribute))
                if **base == Operand::Var(receiver) && assigned == value =>
            {
                Some(attribute.clone())
            }
            _ => None,
        })
        .collect()
}

/// A method's class and the attribute of its instance an operand is (`self.conn`).
fn own_attribute<'o>(method: &'o Function, operand: &'o Operand) -> Option<(&'o str, &'o str)> {
    let (FunctionKind::Method, Some(receiver)) = (method.kind, method.receiver) else {
        return None;
    };
    let (class, _) = method.name.rsplit_once('.')?;
    match operand {
        Operand::Field(base, attribute) if **base == Operand::Var(receiver) => {
            Some((class, attribute.as_str()))
        }
        _ => None,
    }
}

/// Whether an operand is a module global or an attribute of one (`conn`, `config.conn`,
/// `state.db.conn`): it lives as long as the process.
pub(crate) fn module_level(operand: &Operand) -> bool {
    match operand {
        Operand::Global(_) => true,
        Operand::Field(base, _) => module_level(base),
        _ => false,
    }
}

/// Summaries of the file's functions and methods (and, through the project index, of
/// other modules' functions), helpers of helpers included.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PySummary {
    /// Returns a connection of this driver that the caller must give back.
    pub acquires: Option<usize>,
    /// The connection it returns is in autocommit mode (`conn.autocommit = True` before
    /// `return conn`).
    pub acquires_autocommit: bool,
    /// The connection it returns lives on after the call: a module global or an
    /// attribute it keeps (`return self.conn` after connecting once). The caller's
    /// variable is that long-lived connection, not one of its own.
    pub returns_shared: bool,
    /// The names of its parameters (the receiver left out), so that a call's keyword
    /// arguments reach the parameter they name (`create(db_session=session)`).
    pub params: Vec<String>,
    /// Parameters it gives back to a pool (`putconn(conn)`).
    pub releases: ParamFlags,
    /// Parameters it closes (`conn.close()`): closing ends the transaction (the server
    /// rolls it back), where a pool may hand the connection out again as it is.
    pub closes: ParamFlags,
    /// Parameters it commits or rolls back.
    pub ends: ParamFlags,
    /// A `@contextmanager` that yields only autocommit connections.
    pub yields_autocommit: bool,
    /// A context manager that sets the autocommit mode of the connection it yields from one
    /// of its parameters, by position (`conn.set_autocommit(autocommit)` before `yield
    /// conn`): a call that passes `True` there yields an autocommit connection.
    pub yields_autocommit_from: Option<usize>,
    /// A `@contextmanager` that yields a pooled connection (`acquires` says of which
    /// driver) and gives it back to the pool when the block ends, as it is.
    pub yields_pooled: bool,
    /// A `@contextmanager` that begins a transaction (or sets a savepoint) by SQL text on
    /// these receiver fields and ends it (commit or rollback; release or rollback to the
    /// savepoint): `with self.f():` is a transaction scoped to the block on
    /// `self.<field>`. With `true` when it ends the transaction, not only a savepoint.
    pub scope_fields: Vec<(String, bool)>,
    /// The same on these parameters, by position.
    pub scope_params: Vec<(usize, bool)>,
    /// A pool it borrows a connection from while it runs, or hands one out of, itself or
    /// through a helper: the pool's key (see [`PyFacts::pool_key`]) and its kind (index
    /// into `Models::pool_kinds`). Called while the caller holds a connection of that
    /// pool, it needs a second one (TX013).
    pub borrows: Option<(String, usize)>,
    /// A blocking call it makes, itself or through a helper: the call as shown and what
    /// it does (`("requests.post", "blocks")`). Called while a transaction is open, it
    /// holds the transaction for as long (TX009).
    pub blocks: Option<(String, &'static str)>,
    /// A context-manager class (the summary is filed under the class's name): its
    /// `__enter__` returns a connection of driver `acquires` that it keeps in an attribute,
    /// and its `__exit__` does this to it. Only the `with` context `with Class(…) as conn:`
    /// binds that connection; a plain `Class(…)` is the instance.
    pub class_exit: Option<ContextExit>,
    /// For such a class whose `__enter__` returns `self` (a unit of work): the attribute
    /// of the instance that holds the connection (`uow.conn` in the block).
    pub class_field: Option<String>,
    /// For such a class: its methods that commit or roll back the connection attribute
    /// (`uow.commit()` in the block ends the transaction).
    pub class_ends: Vec<String>,
    /// Every path of the function raises (or calls a function that never returns): a
    /// handler that calls it leaves by that exception (TX003).
    pub never_returns: bool,
    /// Commits or rolls back a scoped session it reaches itself (`db.session.rollback()`
    /// in a helper of the project), or through a helper that does.
    pub ends_scoped: bool,
    /// Not a function: a module global holding this (a registry of scoped sessions,
    /// `db = SQLAlchemy(app)`), seen by the modules that import it.
    pub global: Option<Kind>,
    /// Returns a pool, engine or session factory (index into `Models::pool_kinds`, and
    /// whether it hands out autocommit connections): `backend.get_engine().connect()` is
    /// a connection of its own.
    pub returns_pool: Option<(usize, bool)>,
    /// Not a function: a module global holding an instance of this class of its module
    /// (`backend = Backend(…)`), whose methods calls on it reach.
    pub instance_of: Option<String>,
    /// A class (the summary is filed under its name) that is a web request's view: it
    /// derives from a modelled view base (`flask.views.MethodView`), itself or through
    /// classes of the project (`class ServerNode(PGChildNodeView)`).
    pub request_view: bool,
    /// Every call it makes writes in a savepoint of its own (Django's `get_or_create`),
    /// itself or through such a helper: an IntegrityError it raises leaves the caller's
    /// atomic block usable (TX003).
    pub savepointed: bool,
    /// Decorated `@transaction.atomic` (Django): all it does runs in an atomic block of its
    /// own, a savepoint when called inside another, so any database error it raises was
    /// rolled back to that savepoint and leaves the caller's atomic block usable (TX003).
    pub own_atomic: bool,
    /// A class (filed under its name) whose `__exit__` decides what `with` does to its
    /// instances (see [`session_class_exit`]): a session factory made with it
    /// (`sessionmaker(class_=CommittingSession)` in another module) hands out such sessions.
    pub session_exit: Option<ContextExit>,
    /// Uses a registry-scoped session (`db.session`), catches exceptions and returns
    /// values: it may hand a swallowed failure back to its callers as a value (`return
    /// False, str(e)`), which TX003 follows to see what the callers do with it.
    pub fails_as_value: bool,
    /// A name the module imports from another module of the project and so offers
    /// (`from .stock import Stock` in a package's `__init__`): the absolute dotted path
    /// it stands for (`shop.models.stock.Stock`). Lookups of the name follow it.
    pub reexport_of: Option<String>,
}

impl PySummary {
    /// A call's arguments with the parameter each binds: positional ones by position,
    /// keyword ones by the parameter of that name.
    pub fn bound<'c>(
        &'c self,
        call: &'c txlint_ir::ir::Call,
    ) -> impl Iterator<Item = (usize, &'c Operand)> + 'c {
        let keywords = call.keywords.iter().filter_map(|(name, value)| {
            let position = self.params.iter().position(|p| p == name)?;
            Some((position, value))
        });
        call.args.iter().enumerate().chain(keywords)
    }

    /// Whether the summary says anything a caller's analysis can use.
    pub fn says_something(&self) -> bool {
        self.acquires.is_some()
            || self.yields_pooled
            || self.returns_shared
            || !self.releases.is_empty()
            || !self.closes.is_empty()
            || !self.ends.is_empty()
            || self.yields_autocommit
            || self.yields_autocommit_from.is_some()
            || !self.scope_fields.is_empty()
            || !self.scope_params.is_empty()
            || self.borrows.is_some()
            || self.blocks.is_some()
            || self.class_exit.is_some()
            || self.global.is_some()
            || self.returns_pool.is_some()
            || self.instance_of.is_some()
            || self.request_view
            || self.session_exit.is_some()
            || self.fails_as_value
            || self.savepointed
            || self.own_atomic
    }
}

/// The file's classes that are web request views (see [`PySummary::request_view`]): a
/// base is a modelled view base, a view class of the same file, or one of another module
/// of the project that the index knows.
pub(crate) fn request_view_classes(
    file: &FileIr,
    models: &Models,
    project: &ProjectView,
) -> BTreeSet<String> {
    let bases_of_views = &models.connection.request_view_bases;
    let mut views: BTreeSet<String> = BTreeSet::new();
    // Same-file bases may come later in the file than the classes deriving from them.
    loop {
        let before = views.len();
        for (class, bases) in &file.class_bases {
            if views.contains(class) {
                continue;
            }
            let is_view = bases.iter().any(|base| {
                let segments: Vec<&str> = base.split('.').collect();
                views.contains(base)
                    || bases_of_views.contains(&resolve(file, &segments))
                    || project.python_request_view(file, &segments)
            });
            if is_view {
                views.insert(class.clone());
            }
        }
        if views.len() == before {
            return views;
        }
    }
}

/// What a module global's or class attribute's declaration says of its kind, whatever the
/// function that uses it.
enum DeclaredKind {
    Known(Kind),
    /// `self.<attribute>.<method>()`: the kind that method gives on that attribute.
    OfAttribute {
        attribute: String,
        method: String,
    },
}

/// The kinds the file's declarations give, found once per file (each function's kinds
/// start from them).
#[derive(Default)]
struct Declared {
    globals: Vec<(String, Kind)>,
    /// By class: `(attribute, kind)`.
    fields: HashMap<String, Vec<(String, DeclaredKind)>>,
}

impl Declared {
    fn of(file: &FileIr, models: &Models) -> Declared {
        let mut declared = Declared::default();
        for global in &file.globals {
            if let Some(DeclaredKind::Known(kind)) =
                PyFacts::kind_of_declaration(file, models, &global.ty, false)
            {
                declared.globals.push((global.name.clone(), kind));
            }
        }
        for field in &file.fields {
            if let Some(kind) = PyFacts::kind_of_declaration(file, models, &field.ty, true) {
                declared
                    .fields
                    .entry(field.owner.clone())
                    .or_default()
                    .push((field.name.clone(), kind));
            }
        }
        declared
    }
}

/// Everything the Python rules know about a file.
pub(crate) struct PyFacts {
    pub kinds: Vec<HashMap<Operand, Kind>>,
    pub holders: Vec<Vec<Holder>>,
    /// Per function, indexed by call: whether the call is the context expression of a
    /// `with` statement (found once: asking the events per call is quadratic).
    contexts: Vec<Vec<bool>>,
    /// Per function, the cursor variables assigned more than once from a connection's
    /// call, with each assignment's range and connection, in source order (see
    /// [`connection_at`]; found once: scanning the calls per statement is quadratic).
    reassigned_cursors: Vec<HashMap<VarId, Vec<(TextRange, Operand)>>>,
    summaries: Vec<PySummary>,
    /// Summaries of the file's context-manager classes, by class name (see
    /// [`PySummary::class_exit`]).
    classes: HashMap<String, PySummary>,
    by_name: HashMap<String, Vec<FuncId>>,
    /// Summaries of other modules' functions, by the path the file calls them with.
    external: HashMap<Vec<String>, PySummary>,
    /// Kinds of other modules' globals the file uses through its imports
    /// (`from app.models import db`, `models.db`), by the operand the file names them with.
    external_globals: HashMap<Operand, Kind>,
    /// The module globals this module offers to the others (see [`PySummary::global`]):
    /// its own and those it imports and so re-exports (`from .base import db`).
    pub exported_globals: Vec<(String, Kind)>,
    /// Module globals holding an instance of one of the module's classes whose methods
    /// say something (see [`PySummary::instance_of`]): `(global, class)`.
    pub instance_globals: Vec<(String, String)>,
    /// Module globals assigned an instance of one of the file's classes (`state =
    /// State()`), `(global, class)`: their attributes are the class's attributes.
    module_instances: Vec<(String, String)>,
    /// Kinds of module globals and class attributes as their assigning calls give them
    /// (keywords included: `autocommit=True`), from the previous pass.
    shared: HashMap<(Option<String>, String), Kind>,
    /// `(class, attribute)` pairs whose connection one of the class's own methods
    /// commits or rolls back: the class leaves ending the transaction to its callers
    /// (a unit of work), so its other methods may return with it open.
    caller_ended: Vec<(String, String)>,
    /// What each method of the file's classes does to its own attributes' connections
    /// (see [`OwnEffects`]), by `(class, method)`.
    own_effects: HashMap<(String, String), OwnEffects>,
    /// `(class, method, attribute)`: a method called by other methods of its class, each
    /// of which ends the attribute's transaction itself (commits, rolls back or closes it,
    /// or calls a method of the class that does): what it leaves open on the attribute
    /// is theirs to end.
    helper_fields: Vec<(String, String, String)>,
    /// The module's dotted name in its project (empty for a file checked alone): pool
    /// keys of module globals and class attributes are qualified with it.
    module: String,
    /// The long-lived connections other modules (or this one) hand to the constructors of
    /// the module's classes.
    handed_in: Vec<HandedTo>,
    /// `(class, attribute)`: attributes `__init__` stores a handed long-lived connection in
    /// (`self.conn = conn`). They live as long as the process, whoever keeps the instance.
    handed_fields: Vec<(String, String)>,
    /// `(class, attribute)`: attributes `__init__` stores a handed connection in that every
    /// module hands a `with`-scoped one (see [`HandedLife::Scoped`]).
    scoped_fields: Vec<(String, String)>,
    /// `(class, attribute)`: attributes `__init__` stores one of its parameters in
    /// (`self.connection = connection`) that no module is seen handing a connection that
    /// is neither scoped nor ended there: the object borrows what its maker owns.
    borrowed_fields: Vec<(String, String)>,
    declared: Declared,
    /// Per function, on first use: what each call's SQL text does to the transaction
    /// (see [`PyFacts::sql_effect`]).
    sql_effects: Vec<std::sync::OnceLock<Vec<Option<crate::engine::sql_control::Effect>>>>,
    /// The class of the instance each `(class, attribute)` holds, found once (see
    /// [`attribute_class`]: a call on `self.store` asks it, and each asking reads every
    /// method of the class).
    attribute_classes: std::sync::Mutex<HashMap<(String, String), Option<String>>>,
}

/// Whether a function is decorated with Django's `transaction.atomic` (also called,
/// `@transaction.atomic(using="other")`): its body is an atomic block.
pub(crate) fn is_atomic_decorated(file: &FileIr, models: &Models, function: &Function) -> bool {
    atomic_decorators(file, models, function).next().is_some()
}

/// The texts of a function's Django `transaction.atomic` decorators.
fn atomic_decorators<'f>(
    file: &'f FileIr,
    models: &'f Models,
    function: &'f Function,
) -> impl Iterator<Item = &'f String> + 'f {
    function.decorators.iter().filter(move |decorator| {
        let name = decorator.split('(').next().unwrap_or(decorator);
        let segments: Vec<&str> = name.split('.').collect();
        models.django.atomic.contains(&resolve(file, &segments))
    })
}

/// Whether everything a function calls runs inside one `with transaction.atomic():` block
/// of its own (Django; plain `atomic()`, as for the decorator): the same as decorating it.
fn runs_in_own_atomic_block(file: &FileIr, models: &Models, function: &Function) -> bool {
    let plain_atomic = |call: &txlint_ir::ir::Call| {
        let Callee::Path(path) = &call.callee else {
            return false;
        };
        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
        call.args.is_empty()
            && call.keywords.is_empty()
            && models.django.atomic.contains(&resolve(file, &segments))
    };
    let Some(atomic) = function.calls.iter().find(|call| plain_atomic(call)) else {
        return false;
    };
    let Some(&(header, statement)) = file
        .with_blocks
        .iter()
        .find(|(header, _)| header.contains_range(atomic.range))
    else {
        return false;
    };
    // The header enters nothing else: `atomic() if flag else nullcontext()` may not
    // enter the block at all.
    let only_atomic_in_header = function
        .calls
        .iter()
        .filter(|call| header.contains_range(call.range))
        .count()
        == 1;
    only_atomic_in_header
        && function
            .calls
            .iter()
            .all(|call| statement.contains_range(call.range))
}

/// Resolves a dotted name through the file's imports: `ConnectionPool` imported from
/// `psycopg_pool` is `psycopg_pool.ConnectionPool`.
pub(crate) fn resolve(file: &FileIr, segments: &[&str]) -> String {
    let Some((first, rest)) = segments.split_first() else {
        return String::new();
    };
    let mut name = match file.import_named(first) {
        Some(import) => import.path.clone(),
        None => (*first).to_string(),
    };
    for segment in rest {
        name.push('.');
        name.push_str(segment);
    }
    name
}

/// An annotation without `Optional[...]`, `| None` and quotes, resolved.
fn resolve_annotation(file: &FileIr, annotation: &str) -> String {
    let mut text = annotation.trim_matches(|c| c == '"' || c == '\'');
    for wrapper in ["Optional[", "typing.Optional["] {
        if let Some(inner) = text.strip_prefix(wrapper) {
            text = inner.trim_end_matches(']');
        }
    }
    let text = text
        .split('|')
        .map(str::trim)
        .find(|part| *part != "None")
        .unwrap_or(text);
    let segments: Vec<&str> = text.split('.').collect();
    resolve(file, &segments)
}

impl PyFacts {
    pub fn compute(file: &FileIr, models: &Models, project: &ProjectView) -> PyFacts {
        let by_name = crate::semantics::functions_by_name(file);
        let mut external = HashMap::new();
        for function in &file.functions {
            for call in &function.calls {
                if let Callee::Path(path) = &call.callee {
                    if crate::semantics::resolve_by_name(&by_name, file, &call.callee).is_none() {
                        if let Some(summary) = project.python_function(file, &call.callee) {
                            external.insert(path.clone(), summary.clone());
                        }
                    }
                }
                // `super().save(…)` in a class whose base is imported: that base's method.
                if let Callee::Method { receiver, name, .. } = &call.callee {
                    for path in super_methods(file, function, receiver, name) {
                        if let Some(summary) =
                            project.python_function(file, &Callee::Path(path.clone()))
                        {
                            external.insert(path, summary.clone());
                            break;
                        }
                    }
                }
                // The session class a factory is made with, from another module.
                if let Some(path) = call.keyword(SESSION_CLASS).and_then(dotted_path) {
                    let class = Callee::Path(path.clone());
                    if let Some(summary) = project.python_function(file, &class) {
                        external.insert(path, summary.clone());
                    }
                }
            }
        }
        let external_globals = imported_globals(file, project);
        let mut facts = PyFacts {
            external,
            external_globals,
            exported_globals: Vec::new(),
            instance_globals: Vec::new(),
            module_instances: module_instances(file),
            kinds: Vec::new(),
            holders: Vec::new(),
            contexts: file.functions.iter().map(context_calls).collect(),
            reassigned_cursors: Vec::new(),
            summaries: vec![PySummary::default(); file.functions.len()],
            classes: HashMap::new(),
            by_name,
            shared: HashMap::new(),
            caller_ended: Vec::new(),
            own_effects: HashMap::new(),
            helper_fields: Vec::new(),
            module: project.module().to_string(),
            handed_in: project.python_handed(),
            handed_fields: Vec::new(),
            borrowed_fields: Vec::new(),
            scoped_fields: Vec::new(),
            declared: Declared::of(file, models),
            sql_effects: file.functions.iter().map(|_| Default::default()).collect(),
            attribute_classes: Default::default(),
        };
        // Summaries need kinds, and kinds of calls to helpers need summaries: repeated
        // until neither changes (a helper of a helper of a helper). The cap is far above
        // any real chain; reaching it only leaves facts out.
        for _ in 0..MAX_PASSES {
            let mut kinds: Vec<HashMap<Operand, Kind>> = file
                .functions
                .iter()
                .zip(&facts.contexts)
                .map(|(function, contexts)| facts.function_kinds(file, models, function, contexts))
                .collect();
            // Before summaries: a helper that switches its connection to autocommit
            // before returning it hands out autocommit connections.
            apply_autocommit(file, &mut kinds);
            let summaries: Vec<PySummary> = file
                .functions
                .iter()
                .zip(&kinds)
                .map(|(function, kinds)| facts.summarize(file, models, function, kinds))
                .collect();
            let mut shared = shared_kinds(file, &kinds, &facts.module_instances);
            property_kinds(file, &summaries, &mut shared);
            let classes = facts.class_summaries(file, models, &kinds);
            // The kinds of a pass follow from the summaries, shared kinds and classes of
            // the pass before (and the file): when this pass left those as they were, the
            // next would compute the same kinds again. A file with nothing to say settles
            // after one pass.
            let settled =
                summaries == facts.summaries && shared == facts.shared && classes == facts.classes;
            facts.kinds = kinds;
            facts.summaries = summaries;
            facts.shared = shared;
            facts.classes = classes;
            if settled {
                break;
            }
        }
        for (index, function) in file.functions.iter().enumerate() {
            let (fields, params) = transaction_scopes(file, models, function, &facts.kinds[index]);
            facts.summaries[index].scope_fields = fields;
            facts.summaries[index].scope_params = params;
        }
        apply_autocommit(file, &mut facts.kinds);
        facts.apply_caller_autocommit(file);
        facts.exported_globals = exported_globals(
            file,
            models,
            project,
            &facts.shared,
            &facts.module_instances,
        );
        facts.instance_globals = instance_globals(file, &facts.summaries, &facts.module_instances);
        facts.handed_fields = facts.handed_fields(file, HandedLife::LongLived);
        let unscoped = facts.handed_fields(file, HandedLife::Other);
        let built_here = facts.built_with_connections(file, models);
        facts.borrowed_fields = borrowed_fields(file)
            .into_iter()
            .filter(|field| {
                !facts.handed_fields.contains(field)
                    && !unscoped.contains(field)
                    && !built_here.contains(&field.0)
            })
            .collect();
        facts.scoped_fields = facts.handed_fields(file, HandedLife::Scoped);
        let not_scoped = [
            &facts.handed_fields,
            &facts.handed_fields(file, HandedLife::Other),
        ];
        facts
            .scoped_fields
            .retain(|field| not_scoped.iter().all(|fields| !fields.contains(field)));
        facts.own_effects = own_effects(models, file);
        facts.caller_ended = caller_ended(models, file, &facts.own_effects);
        facts.helper_fields = helper_fields(file, &facts.own_effects);
        let holders: Vec<Vec<Holder>> = file
            .functions
            .iter()
            .zip(&facts.kinds)
            .zip(&facts.contexts)
            .map(|((function, kinds), contexts)| {
                let locals = Locals {
                    long_lived: facts.long_lived_locals(file, function),
                    borrowed: facts.borrowed_locals(file, models, function, kinds),
                };
                let pooled = facts.pooled_contexts(file, function, contexts);
                let mut holders =
                    holders(file, models, function, kinds, contexts, (&locals, &pooled));
                for holder in &mut holders {
                    holder.joined = holder.owner == Owner::Local
                        && bound_to_joined_connection(models, file, function, holder);
                }
                holders
            })
            .collect();
        facts.holders = holders;
        facts.reassigned_cursors = file
            .functions
            .iter()
            .zip(&facts.kinds)
            .map(|(function, kinds)| reassigned_cursors(function, kinds))
            .collect();
        facts
    }

    /// What the SQL text a call sends does to the transaction (see [`sql_text`]), read once
    /// per call: the resource analyses ask it at every step.
    pub(crate) fn sql_effect(
        &self,
        id: FuncId,
        function: &Function,
        call: &txlint_ir::ir::Call,
    ) -> Option<crate::engine::sql_control::Effect> {
        let effects = self.sql_effects.get(id.index())?.get_or_init(|| {
            function
                .calls
                .iter()
                .map(|c| sql_text(function, c).map(|sql| crate::engine::sql_control::effect(&sql)))
                .collect()
        });
        // The call's index among the function's calls, from where it sits in them.
        let offset = (call as *const txlint_ir::ir::Call as usize)
            .checked_sub(function.calls.as_ptr() as usize)?;
        let index = offset / std::mem::size_of::<txlint_ir::ir::Call>();
        match function.calls.get(index) {
            Some(found) if std::ptr::eq(found, call) => *effects.get(index)?,
            _ => sql_text(function, call).map(|sql| crate::engine::sql_control::effect(&sql)),
        }
    }

    /// Connection parameters that every caller in the file passes an autocommit
    /// connection: `_listen(conn)` called only with what `with self._dedicated() as conn`
    /// binds, where `_dedicated` is a `@contextmanager` that connects with
    /// `autocommit=True`. A function never called in the file keeps what it declares.
    fn apply_caller_autocommit(&mut self, file: &FileIr) {
        let count = file.functions.len();
        let mut call_sites: HashMap<FuncId, Vec<(usize, CallId)>> = HashMap::new();
        // `Repo(conn)` calls `Repo.__init__`.
        let constructor = |callee: &Callee| match callee {
            Callee::Path(path) if path.len() == 1 => file
                .functions
                .iter()
                .position(|f| {
                    f.kind == FunctionKind::Method
                        && f.name.strip_suffix(".__init__") == Some(path[0].as_str())
                })
                .map(|i| FuncId(i as u32)),
            _ => None,
        };
        for (caller_index, caller) in file.functions.iter().enumerate() {
            for (call_index, call) in caller.calls.iter().enumerate() {
                // Every call that may reach the function, by its name: a caller missed
                // would let the others decide for it.
                let callee = crate::semantics::resolve_by_name(&self.by_name, file, &call.callee)
                    .or_else(|| constructor(&call.callee));
                if let Some(callee) = callee {
                    call_sites
                        .entry(callee)
                        .or_default()
                        .push((caller_index, CallId(call_index as u32)));
                }
            }
        }
        // Chains of helpers and callers: a few rounds.
        for _ in 0..3 {
            let autocommit: Vec<Vec<Operand>> = (0..count)
                .map(|index| self.autocommit_values(file, index))
                .collect();
            let yields: Vec<bool> = file
                .functions
                .iter()
                .zip(&autocommit)
                .map(|(function, values)| yields_only(file, function, values))
                .collect();
            for (summary, yields) in self.summaries.iter_mut().zip(yields) {
                summary.yields_autocommit = yields;
            }
            let mut switched: Vec<(usize, Operand)> = Vec::new();
            for (index, function) in file.functions.iter().enumerate() {
                for (position, &param) in function.params.iter().enumerate() {
                    let operand = Operand::Var(param);
                    let Some(Kind::Connection {
                        autocommit: false, ..
                    }) = self.kinds[index].get(&operand)
                    else {
                        continue;
                    };
                    let name = &function.var(param).name;
                    let Some(sites) = call_sites.get(&FuncId(index as u32)) else {
                        continue;
                    };
                    let all = sites.iter().all(|&(caller_index, call)| {
                        let call = file.functions[caller_index].call(call);
                        let argument = match call.keyword(name) {
                            Some(value) => Some(value),
                            // Positions are unknown past a `**kwargs`.
                            None if call.keywords.iter().all(|(k, _)| k != "**") => {
                                call.args.get(position)
                            }
                            None => None,
                        };
                        argument.is_some_and(|a| {
                            autocommit[caller_index].contains(a)
                                || self.asks_autocommit(&file.functions[caller_index], a)
                        })
                    });
                    // A class made at module level is made where no caller is seen.
                    let made_at_module_level = function.name.ends_with(".__init__")
                        && file.globals.iter().any(|g| {
                            g.ty.strip_suffix("()")
                                .is_some_and(|c| function.name.strip_suffix(".__init__") == Some(c))
                        });
                    if all && !made_at_module_level {
                        switched.push((index, operand));
                    }
                }
            }
            for (index, operand) in switched {
                if let Some(Kind::Connection { autocommit, .. }) =
                    self.kinds[index].get_mut(&operand)
                {
                    *autocommit = true;
                }
                self.constructor_autocommit(file, index, &operand);
            }
        }
    }

    /// Whether an argument is a call that makes a connection asking for autocommit:
    /// `Repo(psycopg.connect(dsn, autocommit=True))`.
    fn asks_autocommit(&self, function: &Function, argument: &Operand) -> bool {
        let Operand::Call(id) = argument else {
            return false;
        };
        let on = Operand::Const("True".into());
        call_keywords(function.call(*id), &mapping_entries(function))
            .iter()
            .any(|(k, v)| k == "autocommit" && *v == on)
    }

    /// A constructor parameter every caller passes an autocommit connection: the
    /// attributes `__init__` stores it in (`self.conn = conn`) hold an autocommit
    /// connection in every method of the class.
    fn constructor_autocommit(&mut self, file: &FileIr, index: usize, param: &Operand) {
        let init = &file.functions[index];
        let Some(class) = init.name.strip_suffix(".__init__") else {
            return;
        };
        let Some(receiver) = init.receiver else {
            return;
        };
        let attributes = stored_in_attributes(init, receiver, param);
        if attributes.is_empty() {
            return;
        }
        for (method_index, method) in file.functions.iter().enumerate() {
            let of_class = method.kind == FunctionKind::Method
                && method.name.rsplit_once('.').map(|(c, _)| c) == Some(class);
            let Some(self_var) = method.receiver.filter(|_| of_class) else {
                continue;
            };
            for attribute in &attributes {
                let field = Operand::Field(Box::new(Operand::Var(self_var)), attribute.clone());
                if let Some(Kind::Connection { autocommit, .. }) =
                    self.kinds[method_index].get_mut(&field)
                {
                    *autocommit = true;
                }
            }
        }
    }

    /// The values of a function known to be autocommit connections: of an autocommit
    /// kind, or made by a call that asks for autocommit (`autocommit=True`, whatever makes
    /// it) or by a helper that yields only autocommit connections.
    fn autocommit_values(&self, file: &FileIr, index: usize) -> Vec<Operand> {
        let function = &file.functions[index];
        let mut values: Vec<Operand> = self.kinds[index]
            .iter()
            .filter(|(_, kind)| {
                matches!(
                    kind,
                    Kind::Connection {
                        autocommit: true,
                        ..
                    }
                )
            })
            .map(|(operand, _)| operand.clone())
            .collect();
        let mappings = mapping_entries(function);
        let on = Operand::Const("True".into());
        for call in &function.calls {
            let ResultUse::Assigned(bindings) = &call.result else {
                continue;
            };
            let target = match bindings.as_slice() {
                [Binding::Var(v)] => Operand::Var(*v),
                [Binding::Place(place @ (Operand::Field(..) | Operand::Global(_)))] => {
                    place.clone()
                }
                _ => continue,
            };
            let asks = call_keywords(call, &mappings)
                .iter()
                .any(|(k, v)| k == "autocommit" && *v == on);
            let helper_yields = self
                .callee_summary(file, function, &call.callee)
                .is_some_and(|helper| {
                    helper.yields_autocommit
                        || helper.yields_autocommit_from.is_some_and(|position| {
                            helper
                                .bound(call)
                                .any(|(at, value)| at == position && *value == on)
                        })
                });
            if asks || helper_yields {
                values.push(target);
            }
        }
        values
    }

    /// Locals bound to the result of a helper that returns a long-lived connection
    /// (`conn = self._get_connection()` when it returns `self.conn`).
    fn long_lived_locals(&self, file: &FileIr, function: &Function) -> Vec<VarId> {
        function
            .calls
            .iter()
            .filter(|call| {
                self.callee_summary(file, function, &call.callee)
                    .is_some_and(|helper| helper.returns_shared)
            })
            .filter_map(|call| match &call.result {
                ResultUse::Assigned(bindings) => match bindings.first() {
                    Some(Binding::Var(v)) => Some(*v),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Locals bound to a connection borrowed from a pool: `conn = pool.getconn()`, or the
    /// result of a helper that hands one out of a pool (`conn = await _get_connection()`).
    fn borrowed_locals(
        &self,
        file: &FileIr,
        models: &Models,
        function: &Function,
        kinds: &HashMap<Operand, Kind>,
    ) -> Vec<(VarId, usize)> {
        function
            .calls
            .iter()
            .filter_map(|call| {
                let from_pool = match &call.callee {
                    Callee::Method { receiver, name, .. } => match kinds.get(receiver) {
                        Some(Kind::Pool { pool, .. })
                            if !models.pool_kinds[*pool].factory
                                && models.pool_kinds[*pool].acquire.iter().any(|m| m == name) =>
                        {
                            Some(*pool)
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let pool = from_pool.or_else(|| {
                    let helper = self.callee_summary(file, function, &call.callee)?;
                    helper.acquires?;
                    helper.borrows.as_ref().map(|(_, pool)| *pool)
                })?;
                match &call.result {
                    ResultUse::Assigned(bindings) => match bindings.as_slice() {
                        [Binding::Var(v)] => Some((*v, pool)),
                        _ => None,
                    },
                    _ => None,
                }
            })
            .collect()
    }

    /// The `with` contexts whose exit a project summary gives: a `@contextmanager` that
    /// yields a pooled connection and gives it back as it is when the block ends
    /// (`Release`), and a context-manager class (what its `__exit__` does).
    fn pooled_contexts(
        &self,
        file: &FileIr,
        function: &Function,
        contexts: &[bool],
    ) -> Vec<(CallId, ContextExit)> {
        (0..function.calls.len())
            .map(|i| CallId(i as u32))
            .filter_map(|id| {
                let helper = self.callee_summary(file, function, &function.call(id).callee)?;
                if helper.yields_pooled {
                    return Some((id, ContextExit::Release));
                }
                let exit = helper.class_exit?;
                is_context(contexts, id).then_some((id, exit))
            })
            .collect()
    }

    /// The summaries of the file's context-manager classes, by class name.
    pub fn classes(&self) -> &HashMap<String, PySummary> {
        &self.classes
    }

    /// Whether the module keeps an instance of this class of the file at module level
    /// (`service = Service()`): its attributes live as long as the process.
    pub fn kept_at_module_level(&self, class: &str) -> bool {
        self.module_instances.iter().any(|(_, c)| c == class)
    }

    /// Whether a holder of a method is an attribute its class's `__init__` stores a
    /// long-lived connection in that some module hands it (`self.conn` after
    /// `Store(config.conn)`).
    pub fn holds_handed_connection(&self, method: &Function, holder: &Operand) -> bool {
        own_attribute(method, holder).is_some_and(|(class, attribute)| {
            self.handed_fields
                .iter()
                .any(|(c, a)| c == class && a == attribute)
        })
    }

    /// The file's classes that the file itself makes around a connection that is not in
    /// autocommit mode (`Catalog(psycopg.connect(dsn))`): a maker is seen.
    fn built_with_connections(&self, file: &FileIr, models: &Models) -> Vec<String> {
        let mut classes = Vec::new();
        for (function, kinds) in file.functions.iter().zip(&self.kinds) {
            let constructions: Vec<(&String, &txlint_ir::ir::Call)> = function
                .calls
                .iter()
                .filter_map(|call| match &call.callee {
                    Callee::Path(path) => match path.as_slice() {
                        [class] if is_file_class(file, class) => Some((class, call)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if constructions.is_empty() {
                continue;
            }
            let mappings = mapping_entries(function);
            let kind = |operand: &Operand| match operand {
                Operand::Call(id) => self.kind_of_call(
                    file,
                    models,
                    kinds,
                    function,
                    (function.call(*id), false),
                    &mappings,
                ),
                other => kinds.get(other).cloned(),
            };
            for (class, call) in constructions {
                let handed = call
                    .args
                    .iter()
                    .chain(call.keywords.iter().map(|(_, value)| value))
                    .any(|argument| {
                        matches!(
                            kind(argument),
                            Some(Kind::Connection {
                                autocommit: false,
                                ..
                            })
                        )
                    });
                if handed {
                    classes.push(class.clone());
                }
            }
        }
        classes
    }

    /// Whether a holder of a method is an attribute its class's `__init__` stores one of
    /// its parameters in, no module of the project is seen handing it a connection that
    /// lives on (a module's, or a function's own that no block ends), and the module keeps
    /// no instance of the class: the object borrows a connection whose owner ends its
    /// transaction (`Impl(dialect, self.connection)` inside a migration's own block).
    pub fn holds_borrowed_connection(&self, method: &Function, holder: &Operand) -> bool {
        own_attribute(method, holder).is_some_and(|(class, attribute)| {
            self.borrowed_fields
                .iter()
                .any(|(c, a)| c == class && a == attribute)
                && !self.kept_at_module_level(class)
        })
    }

    /// Whether a holder of a method is an attribute its class's `__init__` stores a
    /// connection in that every module hands it from a `with` block that ends it.
    pub fn holds_scoped_connection(&self, method: &Function, holder: &Operand) -> bool {
        own_attribute(method, holder).is_some_and(|(class, attribute)| {
            self.scoped_fields
                .iter()
                .any(|(c, a)| c == class && a == attribute)
        })
    }

    /// The attributes of the file's classes that `__init__` assigns a handed connection
    /// of this life.
    fn handed_fields(&self, file: &FileIr, life: HandedLife) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        for handed in self.handed_in.iter().filter(|h| h.life == life) {
            let init_name = format!("{}.__init__", handed.class);
            let Some(init) = file
                .functions
                .iter()
                .find(|f| f.kind == FunctionKind::Method && f.name == init_name)
            else {
                continue;
            };
            let (Some(param), Some(receiver)) = (handed.param.of(init), init.receiver) else {
                continue;
            };
            for attribute in stored_in_attributes(init, receiver, &Operand::Var(param)) {
                fields.push((handed.class.clone(), attribute));
            }
        }
        fields.sort();
        fields.dedup();
        fields
    }

    /// The connections the file hands to constructors of the project's classes, with how
    /// long each lives (module globals and their attributes, this module's or imported,
    /// live as long as the process).
    pub(crate) fn handed_out(&self, file: &FileIr, project: &ProjectView) -> Vec<Handed> {
        let mut handed = Vec::new();
        for ((function, kinds), holders) in
            file.functions.iter().zip(&self.kinds).zip(&self.holders)
        {
            let scoped = |operand: &Operand| {
                holders.iter().any(|holder| {
                    holder.operand == *operand
                        && holder
                            .context
                            .as_ref()
                            .is_some_and(|(_, exit)| exit.ends_transaction())
                })
            };
            // Module-level code names the module's globals as its own variables
            // (`conn = connect(…)`, then `shared = Queries(conn)`).
            let module_global = |operand: &Operand| match operand {
                Operand::Var(v) if function.name == "<module>" => {
                    self.shared.get(&(None, function.var(*v).name.clone()))
                }
                _ => None,
            };
            let long_lived =
                |operand: &Operand| match kinds.get(operand).or_else(|| module_global(operand)) {
                    Some(
                        kind @ Kind::Connection {
                            autocommit: false, ..
                        },
                    ) => {
                        let life = if module_level(operand) || module_global(operand).is_some() {
                            HandedLife::LongLived
                        } else if scoped(operand) {
                            HandedLife::Scoped
                        } else {
                            HandedLife::Other
                        };
                        Some((kind.clone(), life))
                    }
                    _ => None,
                };
            for call in &function.calls {
                let Callee::Path(path) = &call.callee else {
                    continue;
                };
                let arguments: Vec<(HandedParam, (Kind, HandedLife))> = call
                    .args
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| Some((HandedParam::Position(i), long_lived(a)?)))
                    .chain(call.keywords.iter().filter_map(|(name, value)| {
                        Some((HandedParam::Keyword(name.clone()), long_lived(value)?))
                    }))
                    .collect();
                if arguments.is_empty() {
                    continue;
                }
                let Some((keys, class)) = project.python_class(file, path) else {
                    continue;
                };
                for (param, (kind, life)) in arguments {
                    handed.push(Handed {
                        keys: keys.clone(),
                        to: HandedTo {
                            class: class.clone(),
                            param,
                            kind,
                            life,
                        },
                    });
                }
            }
        }
        handed.sort_by_cached_key(|h| format!("{h:?}"));
        handed.dedup();
        handed
    }

    /// The file's context-manager classes, from their own bodies: a top-level class whose
    /// `__enter__` (`__aenter__`) returns a connection it keeps in an attribute of the
    /// instance (`self.conn = self.pool.getconn(); return self.conn`), and whose `__exit__`
    /// (`__aexit__`) visibly commits, rolls back, closes or gives back that attribute.
    /// A class whose exit shows nothing of the kind, or hands the connection to something
    /// unknown, is not summarised.
    fn class_summaries(
        &self,
        file: &FileIr,
        models: &Models,
        kinds: &[HashMap<Operand, Kind>],
    ) -> HashMap<String, PySummary> {
        let mut classes = HashMap::new();
        for (index, enter) in file.functions.iter().enumerate() {
            let Some((class, method)) = class_method(enter) else {
                continue;
            };
            let exit_name = match method {
                "__enter__" => "__exit__",
                "__aenter__" => "__aexit__",
                _ => continue,
            };
            let Some((driver, autocommit, field, returns_self)) =
                entered_connection(enter, &kinds[index])
            else {
                continue;
            };
            let Some(exit) = file
                .functions
                .iter()
                .find(|f| class_method(f) == Some((class, exit_name)))
            else {
                continue;
            };
            let Some(exit) = self.exit_effect(file, models, class, exit, &field, driver) else {
                continue;
            };
            let class_ends = if returns_self {
                self.ending_methods(file, models, class, &field, driver)
            } else {
                Vec::new()
            };
            classes.insert(
                class.to_string(),
                PySummary {
                    acquires: Some(driver),
                    acquires_autocommit: autocommit,
                    class_exit: Some(exit),
                    class_field: returns_self.then_some(field),
                    class_ends,
                    ..PySummary::default()
                },
            );
        }
        classes
    }

    /// The methods of a class that commit or roll back the connection in `self.<field>`
    /// (themselves or through another of the class's methods).
    fn ending_methods(
        &self,
        file: &FileIr,
        models: &Models,
        class: &str,
        field: &str,
        driver: usize,
    ) -> Vec<String> {
        let mut names = Vec::new();
        for function in &file.functions {
            let Some((owner, method)) = class_method(function) else {
                continue;
            };
            if owner != class || method.starts_with("__") {
                continue;
            }
            let mut seen = ExitCalls::default();
            let known = self
                .exit_calls(file, models, class, function, field, driver, &mut seen, 1)
                .is_some();
            if known && (seen.commit || seen.rollback) {
                names.push(method.to_string());
            }
        }
        names.sort();
        names
    }

    /// What a class's `__exit__` does on a normal exit to the connection in `self.<field>`.
    fn exit_effect(
        &self,
        file: &FileIr,
        models: &Models,
        class: &str,
        exit: &Function,
        field: &str,
        driver: usize,
    ) -> Option<ContextExit> {
        let mut seen = ExitCalls::default();
        self.exit_calls(file, models, class, exit, field, driver, &mut seen, 0)?;
        seen.context_exit()
    }

    /// The calls of an exit method (and of the class's own methods it calls) on the
    /// connection attribute; `None` when one hands it to something unknown.
    #[allow(clippy::too_many_arguments)]
    fn exit_calls(
        &self,
        file: &FileIr,
        models: &Models,
        class: &str,
        function: &Function,
        field: &str,
        driver: usize,
        seen: &mut ExitCalls,
        depth: u8,
    ) -> Option<()> {
        let receiver = Operand::Var(function.receiver?);
        let place = Operand::Field(Box::new(receiver.clone()), field.to_string());
        let connection = &models.connection;
        let is = |list: &[String], name: &str| list.iter().any(|m| m == name);
        for (index, call) in function.calls.iter().enumerate() {
            let id = CallId(index as u32);
            // `super().__exit__(…)`, `registry.finish(self)`: what it does to the connection
            // is not shown here.
            let inherited = call
                .callee
                .name()
                .is_some_and(|n| n == "__exit__" || n == "__aexit__");
            if inherited || call.args.contains(&receiver) {
                return None;
            }
            if let Callee::Method {
                receiver: on, name, ..
            } = &call.callee
            {
                if *on == place {
                    if is(&connection.commit, name) {
                        seen.commit = true;
                    } else if is(&connection.rollback, name) {
                        seen.rollback = true;
                        if depth == 0 && unconditional(function, id) {
                            seen.rollback_always = true;
                        }
                    } else if is(&connection.close, name) {
                        seen.close = true;
                    }
                    continue;
                }
                if passes(call, &place) {
                    let gives_back = call.args.contains(&place)
                        && models
                            .pool_kinds
                            .iter()
                            .filter(|k| driver_index(models, &k.driver) == Some(driver))
                            .any(|k| is(&k.release, name));
                    // `self._put_back(self.conn)`: a helper that gives back its parameter.
                    let helper_gives_back = self
                        .callee_summary(file, function, &call.callee)
                        .is_some_and(|h| {
                            h.bound(call).any(|(position, a)| {
                                *a == place && (h.releases.has(position) || h.closes.has(position))
                            })
                        });
                    if gives_back || helper_gives_back {
                        seen.release = true;
                        continue;
                    }
                    return None;
                }
                // `self._finish(exc)`: one of the class's own methods.
                if *on == receiver {
                    let own = file
                        .functions
                        .iter()
                        .find(|f| class_method(f) == Some((class, name.as_str())));
                    match own {
                        Some(own) if depth < 2 => {
                            let before = seen.clone();
                            self.exit_calls(
                                file,
                                models,
                                class,
                                own,
                                field,
                                driver,
                                seen,
                                depth + 1,
                            )?;
                            // A rollback in a helper counts as unconditional only when
                            // the helper itself is called on every path.
                            if seen.rollback && !before.rollback && unconditional(function, id) {
                                let mut inner = ExitCalls::default();
                                self.exit_calls(
                                    file, models, class, own, field, driver, &mut inner, 0,
                                )?;
                                seen.rollback_always |= inner.rollback_always;
                            }
                        }
                        _ => return None,
                    }
                }
                continue;
            }
            if passes(call, &place) {
                // A helper of the file or project that gives it back or closes it.
                let helper = self.callee_summary(file, function, &call.callee)?;
                if helper.bound(call).any(|(position, a)| {
                    *a == place && (helper.releases.has(position) || helper.closes.has(position))
                }) {
                    seen.release = true;
                } else {
                    return None;
                }
            }
        }
        Some(())
    }

    /// The function of the file that a call made in `caller` names. A plain name
    /// (`helper(…)`) is the file's one function of that name. A method (`recv.name(…)`)
    /// needs evidence of the receiver's class (see [`receiver_class`]): a method name
    /// alone names nothing, `resp.json().get("token")` is not the file's `Client.get`.
    pub fn resolve_call(
        &self,
        file: &FileIr,
        caller: &Function,
        callee: &Callee,
    ) -> Option<FuncId> {
        let Callee::Method { receiver, name, .. } = callee else {
            return crate::semantics::resolve_by_name(&self.by_name, file, callee);
        };
        // Most method calls name no method of the file (`.append`, `.execute`): the
        // receiver's class is not worth working out for them.
        let candidates = self.by_name.get(name)?;
        if !candidates
            .iter()
            .any(|&id| file.function(id).kind == FunctionKind::Method)
        {
            return None;
        }
        if let Some(class) = super_class(file, caller, receiver) {
            // `super().save(…)`: the first class after this one in its method resolution
            // order that has it, when every class of that order is the file's.
            return method_resolution_order(file, class)?
                .iter()
                .skip(1)
                .find_map(|c| own_method(file, &self.by_name, c, name));
        }
        let class = self.receiver_class(file, caller, receiver, 0)?;
        method_of_class(file, &self.by_name, &class, name, 0)
            .or_else(|| method_of_subclass(file, &self.by_name, &class, name))
    }

    /// Whether a call writes only in a savepoint of its own: a project function that does
    /// (its summary decides, also when it is named `get_or_create`), else one of Django's
    /// savepointed methods (`Model.objects.get_or_create(…)`).
    pub fn writes_in_own_savepoint(
        &self,
        file: &FileIr,
        models: &Models,
        caller: &Function,
        call: &txlint_ir::ir::Call,
    ) -> bool {
        match self.callee_summary(file, caller, &call.callee) {
            Some(helper) => helper.savepointed,
            None => is_savepointed(models, call),
        }
    }

    /// Whether a call may run one of the file's functions, whatever its receiver is: the
    /// file's one method of that name counts (`stamper.stamp(…)` on a parameter). For
    /// checks that must assume the worst of what a call does; [`PyFacts::resolve_call`] is
    /// the function a call is known to run.
    pub fn may_call_own_function(&self, file: &FileIr, callee: &Callee) -> bool {
        crate::semantics::resolve_by_name(&self.by_name, file, callee).is_some()
    }

    /// The summary of the function a call made in `caller` refers to: the file's own,
    /// else another module's through the file's imports.
    pub fn callee_summary(
        &self,
        file: &FileIr,
        caller: &Function,
        callee: &Callee,
    ) -> Option<&PySummary> {
        match self.resolve_call(file, caller, callee) {
            Some(id) => Some(&self.summaries[id.index()]),
            None => match callee {
                Callee::Path(path) => match path.as_slice() {
                    [name] if self.classes.contains_key(name) => self.classes.get(name),
                    _ => self.external.get(path),
                },
                Callee::Method { receiver, name, .. } => {
                    super_methods(file, caller, receiver, name)
                        .iter()
                        .find_map(|path| self.external.get(path))
                }
                Callee::Other(_) => None,
            },
        }
    }

    /// A session factory made with a class of the project that overrides `__exit__`
    /// (`sessionmaker(class_=CommittingSession)`): its sessions exit `with` as that class
    /// says, in this module or another.
    fn with_session_class(
        &self,
        file: &FileIr,
        models: &Models,
        call: &txlint_ir::ir::Call,
        kind: Kind,
    ) -> Kind {
        let Kind::Pool {
            pool, autocommit, ..
        } = kind
        else {
            return kind;
        };
        let class = call.keyword(SESSION_CLASS).and_then(dotted_path);
        let sessions_exit = class
            .filter(|_| models.pool_kinds[pool].factory)
            .and_then(|path| match path.as_slice() {
                [name] if is_file_class(file, name) => session_class_exit(file, models, name),
                _ => self.external.get(&path)?.session_exit,
            });
        Kind::Pool {
            pool,
            autocommit,
            sessions_exit,
        }
    }

    /// Whether a method's connection attribute (`self.conn`) is the one its class's `with`
    /// block works on and ends when the block exits: `__enter__` connects and returns the
    /// instance, `__exit__` commits, rolls back or closes the attribute. The transaction its
    /// reads leave open lasts as long as the block, not as long as some later write.
    pub fn ended_at_block_exit(&self, function: &Function, holder: &Operand) -> bool {
        let Some((class, attribute)) = own_attribute(function, holder) else {
            return false;
        };
        self.classes.get(class).is_some_and(|summary| {
            summary.class_field.as_deref() == Some(attribute)
                && summary
                    .class_exit
                    .as_ref()
                    .is_some_and(ContextExit::ends_transaction)
        })
    }

    /// Whether the transaction of this holder is ended by its class for its callers.
    pub fn ended_by_caller(&self, function: &Function, holder: &Operand) -> bool {
        let Some((class, attribute)) = own_attribute(function, holder) else {
            return false;
        };
        let method = function.name.rsplit('.').next().unwrap_or_default();
        self.caller_ended
            .iter()
            .any(|(c, f)| c == class && f == attribute)
            || self
                .helper_fields
                .iter()
                .any(|(c, m, f)| c == class && m == method && f == attribute)
    }

    /// What a call of a method of the function's own class (`self.disconnect()`) does
    /// to the connections of the instance's attributes.
    pub(crate) fn own_method_effect(
        &self,
        function: &Function,
        call: &txlint_ir::ir::Call,
    ) -> Option<&OwnEffects> {
        let (FunctionKind::Method, Some(receiver)) = (function.kind, function.receiver) else {
            return None;
        };
        let (class, _) = function.name.rsplit_once('.')?;
        match &call.callee {
            Callee::Method {
                receiver: Operand::Var(v),
                name,
                ..
            } if *v == receiver => self.own_effects.get(&(class.to_string(), name.clone())),
            _ => None,
        }
    }

    /// Whether a call of a function is the context expression of a `with` statement.
    pub fn is_context(&self, function: FuncId, call: CallId) -> bool {
        is_context(&self.contexts[function.index()], call)
    }

    pub fn summary(&self, id: FuncId) -> &PySummary {
        &self.summaries[id.index()]
    }

    /// Kinds of the values a function refers to: locals, parameters, attributes of
    /// `self`, globals. Assignments can chain (`pool` → `conn` → `cur`): a few rounds.
    fn function_kinds(
        &self,
        file: &FileIr,
        models: &Models,
        function: &Function,
        contexts: &[bool],
    ) -> HashMap<Operand, Kind> {
        let mut kinds: HashMap<Operand, Kind> = HashMap::new();
        for (index, var) in function.vars.iter().enumerate() {
            let operand = Operand::Var(VarId(index as u32));
            if let Some(ty) = &var.ty {
                if let Some(kind) = kind_of_type(models, &resolve_annotation(file, ty)) {
                    kinds.insert(operand.clone(), kind);
                }
            }
        }
        // `__init__`'s parameters that a module fills with a long-lived connection: of
        // the kind it has there, unless declared.
        if let Some(class) = function.name.strip_suffix(".__init__") {
            for handed in self
                .handed_in
                .iter()
                .filter(|h| h.class == class && h.life == HandedLife::LongLived)
            {
                if let Some(param) = handed.param.of(function) {
                    kinds
                        .entry(Operand::Var(param))
                        .or_insert_with(|| handed.kind.clone());
                }
            }
        }
        // Attributes of `self` and module globals, from their declarations.
        let class = match function.kind {
            FunctionKind::Method => function.name.rsplit_once('.').map(|(c, _)| c.to_string()),
            _ => None,
        };
        let receiver = function.receiver.map(Operand::Var);
        let mappings = mapping_entries(function);
        for round in 0..3 {
            for (operand, kind) in &self.external_globals {
                kinds.entry(operand.clone()).or_insert_with(|| kind.clone());
            }
            // What the assigning calls said, keywords included, wins over the text.
            for ((owner, name), kind) in &self.shared {
                match (owner, &class, &receiver) {
                    (None, _, _) => {
                        kinds.insert(Operand::Global(name.clone()), kind.clone());
                    }
                    (Some(owner), Some(class), Some(receiver)) if owner == class => {
                        kinds.insert(
                            Operand::Field(Box::new(receiver.clone()), name.clone()),
                            kind.clone(),
                        );
                    }
                    _ => {}
                }
                // `state.conn` where the module keeps `state = State()`.
                if let Some(owner) = owner {
                    for (global, _) in self.module_instances.iter().filter(|(_, c)| c == owner) {
                        kinds.insert(
                            Operand::Field(Box::new(Operand::Global(global.clone())), name.clone()),
                            kind.clone(),
                        );
                    }
                }
            }
            if round > 0 || receiver.is_some() {
                if let (Some(class), Some(receiver)) = (&class, &receiver) {
                    for (name, declared) in self.declared.fields.get(class).into_iter().flatten() {
                        let kind = match declared {
                            DeclaredKind::Known(kind) => Some(kind.clone()),
                            DeclaredKind::OfAttribute { attribute, method } => {
                                let base =
                                    Operand::Field(Box::new(receiver.clone()), attribute.clone());
                                kinds
                                    .get(&base)
                                    .and_then(|k| method_kind(models, k, method, &base, false))
                            }
                        };
                        if let Some(kind) = kind {
                            kinds
                                .entry(Operand::Field(Box::new(receiver.clone()), name.clone()))
                                .or_insert(kind);
                        }
                    }
                }
            }
            for (name, kind) in &self.declared.globals {
                kinds
                    .entry(Operand::Global(name.clone()))
                    .or_insert_with(|| kind.clone());
            }
            session_attributes(models, function, &mut kinds);
            // Calls whose value another call is made on (`backend.get_engine().connect()`)
            // or that are returned (`return SessionLocal()`): their value has the kind.
            let returned = function
                .cfg
                .blocks
                .iter()
                .filter_map(|block| match &block.terminator {
                    Terminator::Return { values, .. } => match values.first() {
                        Some(Operand::Call(id)) => Some(id.index()),
                        _ => None,
                    },
                    _ => None,
                });
            let chained: HashSet<usize> = function
                .calls
                .iter()
                .filter_map(|call| match &call.callee {
                    Callee::Method {
                        receiver: Operand::Call(inner),
                        ..
                    } => Some(inner.index()),
                    _ => None,
                })
                .chain(returned)
                .collect();
            for (call_index, call) in function.calls.iter().enumerate() {
                if chained.contains(&call_index) && !matches!(call.result, ResultUse::Assigned(_)) {
                    // A pool or connection made or handed out and used at once.
                    let kind =
                        self.kind_of_call(file, models, &kinds, function, (call, false), &mappings);
                    if let Some(kind @ (Kind::Pool { .. } | Kind::Connection { .. })) = kind {
                        kinds.insert(Operand::Call(CallId(call_index as u32)), kind);
                    }
                    continue;
                }
                let ResultUse::Assigned(bindings) = &call.result else {
                    continue;
                };
                let Some(first) = bindings.first() else {
                    continue;
                };
                let target = match first {
                    Binding::Var(v) => Operand::Var(*v),
                    Binding::Place(place @ Operand::Field(..)) => place.clone(),
                    Binding::Place(Operand::Global(name)) => Operand::Global(name.clone()),
                    _ => continue,
                };
                let in_with = is_context(contexts, CallId(call_index as u32));
                // `with UnitOfWork() as uow:`: the connection is `uow.<field>`.
                if let (true, Operand::Var(_)) = (in_with, &target) {
                    let unit = self
                        .callee_summary(file, function, &call.callee)
                        .and_then(|h| {
                            Some((h.class_field.clone()?, h.acquires?, h.acquires_autocommit))
                        });
                    if let Some((field, driver, autocommit)) = unit {
                        kinds.insert(
                            Operand::Field(Box::new(target.clone()), field),
                            Kind::Connection { driver, autocommit },
                        );
                    }
                }
                if let Some(kind) =
                    self.kind_of_call(file, models, &kinds, function, (call, in_with), &mappings)
                {
                    kinds.insert(target, kind);
                }
            }
            for event in function.events() {
                if let Event::Assign {
                    targets, values, ..
                } = event
                {
                    for (target, value) in targets.iter().zip(values) {
                        if let (Binding::Var(t), Some(kind)) = (target, kinds.get(value).cloned()) {
                            kinds.entry(Operand::Var(*t)).or_insert(kind);
                        }
                    }
                }
            }
            // Captured variables take the kind of what they capture: handled by the
            // declared types of the enclosing function's parameters only.
            let _ = round;
        }
        kinds
    }

    /// The kind a declaration's recorded type gives: an annotation, or `callee()`.
    /// The kind a declaration's text gives (an annotation, or the call assigned), or for
    /// a class attribute assigned `self.pool.getconn()`, the method of another attribute
    /// it depends on.
    fn kind_of_declaration(
        file: &FileIr,
        models: &Models,
        ty: &str,
        of_class: bool,
    ) -> Option<DeclaredKind> {
        let Some(callee) = ty.strip_suffix("()") else {
            return kind_of_type(models, &resolve_annotation(file, ty)).map(DeclaredKind::Known);
        };
        let segments: Vec<&str> = callee.split('.').collect();
        match (segments.as_slice(), of_class) {
            // `self.pool.getconn()`: a method of another attribute.
            (["self", attribute, method], true) => Some(DeclaredKind::OfAttribute {
                attribute: (*attribute).to_string(),
                method: (*method).to_string(),
            }),
            _ => path_kind(file, models, &resolve(file, &segments), &[]).map(DeclaredKind::Known),
        }
    }

    fn kind_of_call(
        &self,
        file: &FileIr,
        models: &Models,
        kinds: &HashMap<Operand, Kind>,
        function: &Function,
        (call, in_with): (&txlint_ir::ir::Call, bool),
        mappings: &Mappings,
    ) -> Option<Kind> {
        if let Some(helper) = self.callee_summary(file, function, &call.callee) {
            if let Some((pool, autocommit)) = helper.returns_pool {
                return Some(Kind::Pool {
                    pool,
                    autocommit,
                    sessions_exit: None,
                });
            }
            // A context-manager class binds its connection only as a `with` context.
            let bound = (in_with && helper.class_field.is_none()) || helper.class_exit.is_none();
            if let (Some(driver), true) = (helper.acquires, bound) {
                // `with self._conn(autocommit=True) as conn` on a context manager that
                // sets its connection's mode from that parameter.
                let on = Operand::Const("True".into());
                let asked = helper.yields_autocommit_from.is_some_and(|position| {
                    helper
                        .bound(call)
                        .any(|(at, value)| at == position && *value == on)
                });
                return Some(Kind::Connection {
                    driver,
                    autocommit: helper.acquires_autocommit || asked,
                });
            }
        }
        match &call.callee {
            Callee::Path(path) => {
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                // Calling a session factory held in a variable: `SessionLocal()`.
                match factory_kind(function, kinds, path) {
                    Some(Kind::Pool {
                        pool, autocommit, ..
                    }) if models.pool_kinds[*pool].factory => {
                        return Some(Kind::Connection {
                            driver: driver_index(models, &models.pool_kinds[*pool].driver)?,
                            autocommit: *autocommit,
                        });
                    }
                    // A scoped session called (`Session()`) is that session.
                    Some(kind @ Kind::Connection { driver, .. })
                        if models.drivers[*driver].scoped =>
                    {
                        return Some(kind.clone());
                    }
                    _ => {}
                }
                let keywords = call_keywords(call, mappings);
                let kind = path_kind(file, models, &resolve(file, &segments), &keywords)?;
                Some(self.with_session_class(file, models, call, kind))
            }
            Callee::Method { receiver, name, .. } => {
                let base = strip_await(function, receiver);
                let receiver_kind = kinds.get(&base)?;
                // `conn.execution_options(isolation_level="AUTOCOMMIT")`: the same
                // connection, in autocommit mode when the options say so.
                if let Kind::Connection { driver, autocommit } = receiver_kind {
                    if models.connection.same_connection.contains(name) {
                        let switched = any_flag(
                            file,
                            &models.connection.same_connection_autocommit,
                            &call_keywords(call, mappings),
                        );
                        return Some(Kind::Connection {
                            driver: *driver,
                            autocommit: *autocommit || switched,
                        });
                    }
                }
                method_kind(models, receiver_kind, name, &base, in_with)
            }
            Callee::Other(_) => None,
        }
    }
}

/// The `self.` attributes whose transaction the class hands to its callers to end: a
/// method that only ends it (`def commit(self): self.conn.commit()`), running no
/// statement itself, is how a unit of work exposes its transaction.
fn caller_ended(
    models: &Models,
    file: &FileIr,
    effects: &HashMap<(String, String), OwnEffects>,
) -> Vec<(String, String)> {
    let methods = &models.connection;
    let mut found = Vec::new();
    for function in &file.functions {
        if function.kind != FunctionKind::Method || function.receiver.is_none() {
            continue;
        }
        let Some((class, method)) = function.name.rsplit_once('.') else {
            continue;
        };
        let Some(effect) = effects.get(&(class.to_string(), method.to_string())) else {
            continue;
        };
        let runs_statements = function.calls.iter().any(|call| {
            call.callee.name().is_some_and(|n| {
                methods
                    .statements
                    .iter()
                    .chain(&methods.cursors)
                    .any(|m| m == n)
            })
        });
        if !runs_statements {
            found.extend(effect.ends.iter().map(|f| (class.to_string(), f.clone())));
        }
    }
    found
}

/// What a method does to the connections of its instance's attributes, on some path.
#[derive(Debug, Default, Clone)]
pub(crate) struct OwnEffects {
    /// Attributes whose connection it commits or rolls back (`self.conn.commit()`).
    pub ends: Vec<String>,
    /// Attributes whose connection it closes (`self.conn.close()`).
    pub closes: Vec<String>,
}

/// [`OwnEffects`] of every method of the file's classes, by `(class, method)`.
fn own_effects(models: &Models, file: &FileIr) -> HashMap<(String, String), OwnEffects> {
    let methods = &models.connection;
    let mut found: HashMap<(String, String), OwnEffects> = HashMap::new();
    for function in &file.functions {
        let (FunctionKind::Method, Some(receiver)) = (function.kind, function.receiver) else {
            continue;
        };
        let Some((class, method)) = function.name.rsplit_once('.') else {
            continue;
        };
        let mut effects = OwnEffects::default();
        for call in &function.calls {
            let Callee::Method {
                receiver: Operand::Field(base, field),
                name,
                ..
            } = &call.callee
            else {
                continue;
            };
            if **base != Operand::Var(receiver) {
                continue;
            }
            if methods
                .commit
                .iter()
                .chain(&methods.rollback)
                .any(|m| m == name)
            {
                effects.ends.push(field.clone());
            }
            if methods.close.iter().any(|m| m == name) {
                effects.closes.push(field.clone());
            }
        }
        if !effects.ends.is_empty() || !effects.closes.is_empty() {
            found.insert((class.to_string(), method.to_string()), effects);
        }
    }
    found
}

/// The methods whose every caller in their class ends an attribute's transaction, or is
/// such a method itself (see [`PyFacts::helper_fields`]). A caller ends it through its own
/// calls or through the class's methods it calls; deeper, only through methods called on
/// every path (`self.disconnect()` that always calls `self._close_all()`, not an
/// `_ensure()` that reconnects only when the connection is gone). A chain of steps
/// (`init_sync` → `create_tables` → `get_table_metadata`) is followed to the method that
/// ends it.
fn helper_fields(
    file: &FileIr,
    effects: &HashMap<(String, String), OwnEffects>,
) -> Vec<(String, String, String)> {
    // By (class, method): the other methods of the class it calls on `self`, and whether
    // on every path through it.
    let mut calls: BTreeMap<(&str, &str), BTreeMap<&str, bool>> = BTreeMap::new();
    for function in &file.functions {
        let (FunctionKind::Method, Some(receiver)) = (function.kind, function.receiver) else {
            continue;
        };
        let Some((class, own)) = function.name.rsplit_once('.') else {
            continue;
        };
        let called = calls.entry((class, own)).or_default();
        for (index, call) in function.calls.iter().enumerate() {
            if let Callee::Method {
                receiver: Operand::Var(v),
                name,
                ..
            } = &call.callee
            {
                if *v == receiver && name != own {
                    let always = on_every_path(function, CallId(index as u32));
                    *called.entry(name.as_str()).or_default() |= always;
                }
            }
        }
    }
    let direct = |class: &str, method: &str| -> BTreeSet<String> {
        effects
            .get(&(class.to_string(), method.to_string()))
            .map(|e| e.ends.iter().chain(&e.closes).cloned().collect())
            .unwrap_or_default()
    };
    // What each method always ends: itself, or through the methods it calls on every
    // path, grown to a fixed point since calls may go around in circles.
    let mut always: BTreeMap<(&str, &str), BTreeSet<String>> = calls
        .keys()
        .map(|&(class, method)| ((class, method), direct(class, method)))
        .collect();
    loop {
        let mut grew = false;
        for (&(class, method), called) in &calls {
            let reached: BTreeSet<String> = called
                .iter()
                .filter(|(_, every_path)| **every_path)
                .filter_map(|(name, _)| always.get(&(class, *name)))
                .flatten()
                .cloned()
                .collect();
            let mine = always.entry((class, method)).or_default();
            for attribute in reached {
                grew |= mine.insert(attribute);
            }
        }
        if !grew {
            break;
        }
    }
    // What a caller ends: itself, and what the methods it calls end themselves or always.
    let ends: BTreeMap<(&str, &str), BTreeSet<String>> = calls
        .iter()
        .map(|(&(class, method), called)| {
            let mut ended = direct(class, method);
            for name in called.keys() {
                ended.extend(direct(class, name));
                ended.extend(always.get(&(class, *name)).into_iter().flatten().cloned());
            }
            ((class, method), ended)
        })
        .collect();
    // By (class, method): the methods of the class that call it.
    let mut callers: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for (&(class, caller), called) in &calls {
        for &name in called.keys() {
            callers.entry((class, name)).or_default().push(caller);
        }
    }
    // A method is a helper for an attribute when each of its callers ends it or is a
    // helper for it: the least fixed point, so a circle of callers that never ends it
    // makes no helper.
    let mut found: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
    let covers = |found: &BTreeMap<(&str, &str), BTreeSet<String>>, key, attribute: &String| {
        ends.get(&key).is_some_and(|e| e.contains(attribute))
            || found.get(&key).is_some_and(|f| f.contains(attribute))
    };
    loop {
        let mut grew = false;
        for (&(class, method), its_callers) in &callers {
            let Some(&first) = its_callers.first() else {
                continue;
            };
            let candidates: BTreeSet<String> = ends
                .get(&(class, first))
                .into_iter()
                .chain(found.get(&(class, first)))
                .flatten()
                .cloned()
                .collect();
            for attribute in candidates {
                let covered = its_callers
                    .iter()
                    .all(|caller| covers(&found, (class, *caller), &attribute));
                if covered {
                    grew |= found.entry((class, method)).or_default().insert(attribute);
                }
            }
        }
        if !grew {
            break;
        }
    }
    let mut helpers = Vec::new();
    for ((class, method), attributes) in found {
        for attribute in attributes {
            helpers.push((class.to_string(), method.to_string(), attribute));
        }
    }
    helpers
}

/// Whether a call lies on every path from the function's entry to a return of it (a path
/// that raises does not count: the caller sees the exception).
fn on_every_path(function: &Function, call: CallId) -> bool {
    let blocks = &function.cfg.blocks;
    let holds = |block: &txlint_ir::ir::Block| {
        block
            .events
            .iter()
            .any(|e| matches!(e, Event::Call(id) if *id == call))
    };
    let mut seen = vec![false; blocks.len()];
    let mut stack = vec![txlint_ir::ir::Cfg::ENTRY];
    while let Some(id) = stack.pop() {
        let Some(block) = blocks.get(id.index()) else {
            continue;
        };
        if seen[id.index()] || holds(block) {
            continue;
        }
        seen[id.index()] = true;
        if matches!(block.terminator, Terminator::Return { .. }) {
            return false;
        }
        stack.extend(function.cfg.successors(id));
    }
    true
}

/// Kinds of module globals and class attributes at the calls that assign them (`<module>`'s
/// `conn = psycopg.connect(..., autocommit=True)`, `self.conn = …` in a method), as the
/// previous pass computed them: uses elsewhere only know the declaration's text.
/// Properties that hand out a connection or session that lives on (`@property def
/// session(self): return self._session`, or `return db.session`): reading the attribute
/// is using that connection, as if it were the attribute itself.
fn property_kinds(
    file: &FileIr,
    summaries: &[PySummary],
    shared: &mut HashMap<(Option<String>, String), Kind>,
) {
    for (function, summary) in file.functions.iter().zip(summaries) {
        let is_property = function.decorators.iter().any(|d| {
            matches!(
                d.as_str(),
                "property" | "cached_property" | "functools.cached_property"
            )
        });
        if function.kind != FunctionKind::Method || !is_property || !summary.returns_shared {
            continue;
        }
        let (Some(driver), Some((class, name))) =
            (summary.acquires, function.name.rsplit_once('.'))
        else {
            continue;
        };
        shared
            .entry((Some(class.to_string()), name.to_string()))
            .or_insert(Kind::Connection {
                driver,
                autocommit: summary.acquires_autocommit,
            });
    }
}

fn shared_kinds(
    file: &FileIr,
    kinds: &[HashMap<Operand, Kind>],
    instances: &[(String, String)],
) -> HashMap<(Option<String>, String), Kind> {
    // `holder.conn = connect()` on a module instance sets the attribute of its class.
    let instance_class = |base: &Operand| match base {
        Operand::Global(global) => instances
            .iter()
            .find(|(g, _)| g == global)
            .map(|(_, class)| class.clone()),
        _ => None,
    };
    let mut shared = HashMap::new();
    for (function, kinds) in file.functions.iter().zip(kinds) {
        let class = match function.kind {
            FunctionKind::Method => function.name.rsplit_once('.').map(|(c, _)| c.to_string()),
            _ => None,
        };
        let receiver = function.receiver.map(Operand::Var);
        for call in &function.calls {
            let ResultUse::Assigned(bindings) = &call.result else {
                continue;
            };
            let (key, target) = match bindings.first() {
                Some(Binding::Var(v)) if function.name == "<module>" => {
                    ((None, function.var(*v).name.clone()), Operand::Var(*v))
                }
                // `global _conn` then `_conn = psycopg2.connect(...)` in a function.
                Some(Binding::Place(place @ Operand::Global(name))) => {
                    ((None, name.clone()), place.clone())
                }
                Some(Binding::Place(place @ Operand::Field(base, name)))
                    if class.is_some() && receiver.as_ref() == Some(&**base) =>
                {
                    ((class.clone(), name.clone()), place.clone())
                }
                Some(Binding::Place(place @ Operand::Field(base, name))) => {
                    let Some(owner) = instance_class(base) else {
                        continue;
                    };
                    ((Some(owner), name.clone()), place.clone())
                }
                _ => continue,
            };
            if let Some(kind @ (Kind::Connection { .. } | Kind::Pool { .. })) = kinds.get(&target) {
                shared.insert(key, kind.clone());
            }
        }
        // `self._pool = pool` from a parameter (or local) whose kind is known.
        for event in function.events() {
            let Event::Assign {
                targets, values, ..
            } = event
            else {
                continue;
            };
            for (target, value) in targets.iter().zip(values) {
                let key = match target {
                    Binding::Place(Operand::Field(base, name))
                        if class.is_some() && receiver.as_ref() == Some(&**base) =>
                    {
                        (class.clone(), name.clone())
                    }
                    Binding::Place(Operand::Global(name)) => (None, name.clone()),
                    Binding::Place(Operand::Field(base, name)) => match instance_class(base) {
                        Some(owner) => (Some(owner), name.clone()),
                        None => continue,
                    },
                    _ => continue,
                };
                if let Some(kind @ (Kind::Connection { .. } | Kind::Pool { .. })) = kinds.get(value)
                {
                    shared.entry(key).or_insert_with(|| kind.clone());
                }
            }
        }
    }
    shared
}

/// psycopg2's autocommit isolation level: `ISOLATION_LEVEL_AUTOCOMMIT` of
/// `psycopg2.extensions` as the file's imports name it, or its value, 0.
fn is_autocommit_level(file: &FileIr, level: &Operand) -> bool {
    const LEVEL: &str = "psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT";
    match level {
        Operand::Const(value) => value == "0",
        _ => global_segments(level).is_some_and(|segments| {
            file.import_named(segments[0]).is_some() && resolve(file, &segments) == LEVEL
        }),
    }
}

/// Connections switched to autocommit after they were made: `conn.autocommit = True`,
/// psycopg2's `conn.set_session(autocommit=True)`, psycopg 3's `conn.set_autocommit(True)`,
/// psycopg2's `conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)`.
/// The switch is applied to the connection's kind everywhere in the file (locals in their
/// function; attributes and module globals in every function), whatever its position in
/// the code: connections are switched right after they are made in practice.
fn apply_autocommit(file: &FileIr, kinds: &mut [HashMap<Operand, Kind>]) {
    let on = Operand::Const("True".into());
    let mut switched_locals: Vec<(usize, Operand)> = Vec::new();
    let mut switched_shared: Vec<(Option<String>, String)> = Vec::new();
    // Methods that switch an attribute's connection to what a parameter says
    // (`def set_autocommit_db(self, flag): self.conn.set_session(autocommit=flag)`):
    // called with `True` by another method of the class, they switch it too.
    for (class, method, position, attribute) in autocommit_setters(file) {
        let called_on = file.functions.iter().any(|function| {
            let in_class = function.kind == FunctionKind::Method
                && function
                    .name
                    .rsplit_once('.')
                    .is_some_and(|(c, _)| c == class);
            let receiver = function.receiver.map(Operand::Var);
            in_class
                && function.calls.iter().any(|call| {
                    matches!(&call.callee, Callee::Method { receiver: r, name, .. }
                        if Some(r) == receiver.as_ref() && *name == method)
                        && call.args.get(position) == Some(&on)
                })
        });
        if called_on {
            switched_shared.push((Some(class), attribute));
        }
    }
    for (index, function) in file.functions.iter().enumerate() {
        let class = match function.kind {
            FunctionKind::Method => function.name.rsplit_once('.').map(|(c, _)| c.to_string()),
            _ => None,
        };
        let receiver = function.receiver.map(Operand::Var);
        let mut switched: Vec<Operand> = Vec::new();
        for event in function.events() {
            if let Event::Assign {
                targets, values, ..
            } = event
            {
                for (target, value) in targets.iter().zip(values) {
                    if let (Binding::Place(Operand::Field(base, name)), true) =
                        (target, *value == on)
                    {
                        if name == "autocommit" {
                            switched.push((**base).clone());
                        }
                    }
                }
            }
        }
        // `if not self.conn.autocommit: raise …` in `__init__`: once the object exists, its
        // connection is in autocommit mode (a driver that insists on it, as a listener does).
        if function.name.ends_with(".__init__") {
            switched.extend(
                autocommit_guards(function)
                    .into_iter()
                    .filter(|guarded| matches!(guarded, Operand::Field(base, _) if receiver.as_ref() == Some(&**base))),
            );
        }
        for call in &function.calls {
            if let Callee::Method { receiver, name, .. } = &call.callee {
                let by_keyword = name == "set_session" && call.keyword("autocommit") == Some(&on);
                let by_argument = name == "set_autocommit" && call.args.first() == Some(&on);
                let by_level = name == "set_isolation_level"
                    && call
                        .args
                        .first()
                        .is_some_and(|level| is_autocommit_level(file, level));
                if by_keyword || by_argument || by_level {
                    switched.push(receiver.clone());
                }
            }
        }
        for operand in switched {
            match &operand {
                Operand::Field(base, name)
                    if receiver.as_ref() == Some(&**base) && class.is_some() =>
                {
                    switched_shared.push((class.clone(), name.clone()));
                }
                Operand::Global(name) => switched_shared.push((None, name.clone())),
                Operand::Var(v) if function.name == "<module>" => {
                    switched_shared.push((None, function.var(*v).name.clone()));
                    switched_locals.push((index, operand.clone()));
                }
                _ => switched_locals.push((index, operand.clone())),
            }
        }
    }
    let switch = |kind: &mut Kind| {
        if let Kind::Connection { autocommit, .. } = kind {
            *autocommit = true;
        }
    };
    for (index, operand) in switched_locals {
        if let Some(kind) = kinds[index].get_mut(&operand) {
            switch(kind);
        }
    }
    for (index, function) in file.functions.iter().enumerate() {
        let class = match function.kind {
            FunctionKind::Method => function.name.rsplit_once('.').map(|(c, _)| c.to_string()),
            _ => None,
        };
        let receiver = function.receiver.map(Operand::Var);
        for (operand, kind) in kinds[index].iter_mut() {
            let key = match operand {
                Operand::Global(name) => Some((None, name.clone())),
                Operand::Field(base, name) if receiver.as_ref() == Some(&**base) => {
                    class.clone().map(|c| (Some(c), name.clone()))
                }
                _ => None,
            };
            if key.is_some_and(|k| switched_shared.contains(&k)) {
                switch(kind);
            }
        }
    }
}

/// Methods that set the autocommit mode of one of their instance's connections from a
/// parameter: `(class, method, parameter position, attribute)`.
fn autocommit_setters(file: &FileIr) -> Vec<(String, String, usize, String)> {
    let mut found = Vec::new();
    for function in &file.functions {
        let (FunctionKind::Method, Some((class, method)), Some(receiver)) = (
            function.kind,
            function.name.rsplit_once('.'),
            function.receiver,
        ) else {
            continue;
        };
        let receiver = Operand::Var(receiver);
        let position = |value: &Operand| match value {
            Operand::Var(v) => function.params.iter().position(|p| p == v),
            _ => None,
        };
        let attribute = |operand: &Operand| match operand {
            Operand::Field(base, name) if **base == receiver => Some(name.clone()),
            _ => None,
        };
        let mut setters: Vec<(usize, String)> = Vec::new();
        for event in function.events() {
            if let Event::Assign {
                targets, values, ..
            } = event
            {
                for (target, value) in targets.iter().zip(values) {
                    if let Binding::Place(Operand::Field(base, name)) = target {
                        if name == "autocommit" {
                            if let (Some(at), Some(field)) = (position(value), attribute(base)) {
                                setters.push((at, field));
                            }
                        }
                    }
                }
            }
        }
        for call in &function.calls {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            let value = match name.as_str() {
                "set_session" => call.keyword("autocommit"),
                "set_autocommit" => call.args.first(),
                _ => None,
            };
            if let (Some(at), Some(field)) = (value.and_then(position), attribute(receiver)) {
                setters.push((at, field));
            }
        }
        for (at, field) in setters {
            found.push((class.to_string(), method.to_string(), at, field));
        }
    }
    found
}

/// Receiver fields and parameters (by position) that a helper scopes a transaction on,
/// with `true` where it ends the transaction, not only a savepoint.
type Scopes = (Vec<(String, bool)>, Vec<(usize, bool)>);

/// The literal entries of mappings, by the mapping's operand.
type Mappings = HashMap<Operand, Vec<(String, Operand)>>;

/// Whether a function is decorated `@contextmanager` or `@asynccontextmanager`.
pub(crate) fn is_context_manager(file: &FileIr, function: &Function) -> bool {
    function.decorators.iter().any(|d| {
        let segments: Vec<&str> = d.split('.').collect();
        matches!(
            resolve(file, &segments).as_str(),
            "contextlib.contextmanager" | "contextlib.asynccontextmanager"
        )
    })
}

/// The receiver fields and parameters on which a `@contextmanager` that yields both
/// begins a transaction or sets a savepoint by SQL text (`execute("BEGIN")`,
/// `execute(f"SAVEPOINT {name}")`) and ends it (`COMMIT`, `ROLLBACK`, `RELEASE …`,
/// `ROLLBACK TO …` as text, or the driver's `commit()` / `rollback()`), or opens a `with`
/// block of a transaction scoped to it (`with self._session.begin():`). Where the yield
/// stands between them is not checked: a helper that begins and ends around nothing is
/// not written.
fn transaction_scopes(
    file: &FileIr,
    models: &Models,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
) -> Scopes {
    let yields: Vec<TextRange> = function
        .events()
        .filter_map(|event| match event {
            Event::Yield { range, .. } => Some(*range),
            _ => None,
        })
        .collect();
    if yields.is_empty() || !is_context_manager(file, function) {
        return (Vec::new(), Vec::new());
    }
    let methods = &models.connection;
    let contexts = context_calls(function);
    // Whether the `with` block a context call opens holds a `yield`.
    let yields_inside = |call: CallId| {
        let header = function.events().find_map(|event| match event {
            Event::ScopeExit {
                context: Some(context),
                range,
                ..
            } if *context == call => Some(*range),
            _ => None,
        });
        header
            .and_then(|header| file.with_blocks.iter().find(|(h, _)| *h == header))
            .is_some_and(|(_, block)| yields.iter().any(|y| block.contains_range(*y)))
    };
    // Transactions begun and ended; savepoints set and released or rolled back to.
    let (mut begun, mut ended) = (Vec::new(), Vec::new());
    let (mut set, mut cleared) = (Vec::new(), Vec::new());
    for (index, call) in function.calls.iter().enumerate() {
        let Callee::Method { receiver, name, .. } = &call.callee else {
            continue;
        };
        // `with self._session.begin(): yield …`: a transaction of a connection scoped to
        // the block, committed when it completes and rolled back on an exception.
        if methods.scoped_transactions.contains(name)
            && is_context(&contexts, CallId(index as u32))
            && yields_inside(CallId(index as u32))
            && matches!(kinds.get(receiver), Some(Kind::Connection { .. }))
        {
            let scoped = if methods.savepoints.contains(name) {
                (&mut set, &mut cleared)
            } else {
                (&mut begun, &mut ended)
            };
            scoped.0.push(receiver.clone());
            scoped.1.push(receiver.clone());
        }
        if methods
            .commit
            .iter()
            .chain(&methods.rollback)
            .any(|m| m == name)
        {
            ended.push(receiver.clone());
        }
        if !methods.statements.iter().any(|m| m == name) {
            continue;
        }
        let Some(sql) = sql_text(function, call) else {
            continue;
        };
        let target = connection_of(function, kinds, receiver);
        for control in crate::engine::sql_control::controls(&sql) {
            use crate::engine::sql_control::Control;
            match control {
                Control::Begin => begun.push(target.clone()),
                Control::Commit | Control::Rollback => ended.push(target.clone()),
                Control::Savepoint(_) => set.push(target.clone()),
                Control::Release(_) | Control::RollbackTo(_) => cleared.push(target.clone()),
                Control::Other => {}
            }
        }
    }
    let transactions = begun
        .iter()
        .filter(|o| ended.contains(o))
        .map(|o| (o, true));
    let savepoints = set
        .iter()
        .filter(|o| cleared.contains(o) || ended.contains(o))
        .map(|o| (o, false));
    let mut fields: Vec<(String, bool)> = Vec::new();
    let mut params: Vec<(usize, bool)> = Vec::new();
    for (operand, ends) in transactions.chain(savepoints) {
        match operand {
            Operand::Field(base, field)
                if function.receiver.is_some_and(|r| **base == Operand::Var(r))
                    && !fields.iter().any(|(f, _)| f == field) =>
            {
                fields.push((field.clone(), ends));
            }
            Operand::Var(v) => {
                if let Some(position) = function.params.iter().position(|p| p == v) {
                    if !params.iter().any(|(p, _)| *p == position) {
                        params.push((position, ends));
                    }
                }
            }
            _ => {}
        }
    }
    (fields, params)
}

/// Whether a function is a `@contextmanager` (sync or async) that yields, and yields only
/// values among `values`.
fn yields_only(file: &FileIr, function: &Function, values: &[Operand]) -> bool {
    let context_manager = is_context_manager(file, function);
    let mut yielded = function.events().filter_map(|e| match e {
        Event::Yield { value, .. } => Some(value),
        _ => None,
    });
    let Some(first) = yielded.next() else {
        return false;
    };
    context_manager && values.contains(first) && yielded.all(|v| values.contains(v))
}

/// The parameter, by position, from which a context manager sets the autocommit mode of
/// the one local connection it yields: `conn.set_autocommit(flag)`,
/// `conn.set_session(autocommit=flag)` or `conn.autocommit = flag`.
fn yields_autocommit_from(file: &FileIr, function: &Function) -> Option<usize> {
    if !is_context_manager(file, function) {
        return None;
    }
    let position = |value: &Operand| match value {
        Operand::Var(v) => function.params.iter().position(|p| p == v),
        _ => None,
    };
    // The parameter each yielded connection's mode is set from (a pooled local in one
    // branch, a kept attribute in the other): all must be set, from the same one.
    let set_from = |conn: &Operand| {
        let by_call = function.calls.iter().find_map(|call| match &call.callee {
            Callee::Method { receiver, name, .. } if receiver == conn => match name.as_str() {
                "set_autocommit" => call.args.first().and_then(position),
                "set_session" => call.keyword("autocommit").and_then(position),
                _ => None,
            },
            _ => None,
        });
        by_call.or_else(|| {
            function.events().find_map(|event| match event {
                Event::Assign {
                    targets, values, ..
                } => targets
                    .iter()
                    .zip(values)
                    .find_map(|(target, value)| match target {
                        Binding::Place(Operand::Field(base, name))
                            if **base == *conn && name == "autocommit" =>
                        {
                            position(value)
                        }
                        _ => None,
                    }),
                _ => None,
            })
        })
    };
    let mut found: Option<usize> = None;
    for event in function.events() {
        let Event::Yield { value, .. } = event else {
            continue;
        };
        if !matches!(value, Operand::Var(_) | Operand::Field(..)) {
            return None;
        }
        let at = set_from(value)?;
        if found.is_some_and(|f| f != at) {
            return None;
        }
        found = Some(at);
    }
    found
}

fn strip_await(_function: &Function, operand: &Operand) -> Operand {
    operand.clone()
}

fn driver_index(models: &Models, name: &str) -> Option<usize> {
    models.drivers.iter().position(|d| d.name == name)
}

/// The kind of a value declared with a type.
fn kind_of_type(models: &Models, ty: &str) -> Option<Kind> {
    if let Some(driver) = models
        .drivers
        .iter()
        .position(|d| d.types.iter().any(|t| t == ty))
    {
        return Some(Kind::Connection {
            driver,
            autocommit: false,
        });
    }
    models
        .pool_kinds
        .iter()
        .position(|p| p.types.iter().any(|t| t == ty))
        .map(|pool| Kind::Pool {
            pool,
            autocommit: false,
            sessions_exit: None,
        })
}

/// The kind of the result of calling a fully qualified callable.
fn path_kind(
    file: &FileIr,
    models: &Models,
    name: &str,
    keywords: &[(String, Operand)],
) -> Option<Kind> {
    if let Some(driver) = models
        .drivers
        .iter()
        .position(|d| d.connect.iter().any(|c| c == name))
    {
        let autocommit = any_flag(file, &models.drivers[driver].autocommit, keywords);
        return Some(Kind::Connection { driver, autocommit });
    }
    let pool = models
        .pool_kinds
        .iter()
        .position(|p| p.create.iter().any(|c| c == name));
    let Some(pool) = pool else {
        return subclass_kind(file, models, name, keywords, 0);
    };
    let autocommit = any_flag(file, &models.pool_kinds[pool].autocommit, keywords);
    Some(Kind::Pool {
        pool,
        autocommit,
        sessions_exit: None,
    })
}

/// The kind a top-level class of the file makes when it derives from a modelled one
/// (`class AppDb(SQLAlchemy)`, then `AppDb(app)`), through a few levels of the file's
/// own classes.
fn subclass_kind(
    file: &FileIr,
    models: &Models,
    name: &str,
    keywords: &[(String, Operand)],
    depth: u8,
) -> Option<Kind> {
    if depth > 3 || name.contains('.') {
        return None;
    }
    let (_, bases) = file.class_bases.iter().find(|(class, _)| class == name)?;
    bases.iter().find_map(|base| {
        let segments: Vec<&str> = base.split('.').collect();
        let resolved = resolve(file, &segments);
        if resolved == name {
            return None;
        }
        if file.import_named(segments[0]).is_some() {
            path_kind(file, models, &resolved, keywords)
        } else {
            subclass_kind(file, models, &resolved, keywords, depth + 1)
        }
    })
}

/// How deep [`receiver_class`] and [`method_of_class`] follow captured variables and base
/// classes: far more than code nests them.
const CLASS_DEPTH: u8 = 8;

impl PyFacts {
    /// The class of the file a method call's receiver is an instance of, when the code shows
    /// it: `self` or `cls` of one of the class's methods (also captured by a nested function),
    /// the class named (`Follow.from_request(…)`), a local every assignment of which builds the
    /// class (`repo = Repository(conn)`), an attribute the class's methods set so
    /// (`self.repo = Repository(conn)`), or a parameter annotated with it (`repo: Repository`).
    fn receiver_class(
        &self,
        file: &FileIr,
        caller: &Function,
        receiver: &Operand,
        depth: u8,
    ) -> Option<String> {
        let instances = &self.module_instances;
        let is_class = |name: &str| is_file_class(file, name);
        let v = match receiver {
            Operand::Var(v) => v,
            // `Follow.from_request(…)`: the class itself, named.
            Operand::Global(name) if is_class(name) => return Some(name.clone()),
            // `feed.fetch(…)` after `feed = FeedClient()` at module level.
            Operand::Global(name) => {
                return instances
                    .iter()
                    .find(|(global, class)| global == name && is_class(class))
                    .map(|(_, class)| class.clone());
            }
            // `self.store.save()`: the class whose instance the class's methods keep there.
            Operand::Field(base, attribute) if depth < CLASS_DEPTH => {
                let owner = self.receiver_class(file, caller, base, depth + 1)?;
                let key = (owner, attribute.clone());
                if let Some(known) = self.attribute_classes.lock().ok()?.get(&key) {
                    return known.clone();
                }
                let class = attribute_class(file, &key.0, attribute);
                self.attribute_classes
                    .lock()
                    .ok()?
                    .insert(key, class.clone());
                return class;
            }
            _ => return None,
        };
        let var = caller.var(*v);
        match var.kind {
            VarKind::Receiver => {
                let (class, _) = caller.name.rsplit_once('.')?;
                is_class(class).then(|| class.to_string())
            }
            VarKind::Captured if depth < CLASS_DEPTH => {
                let (outer, outer_var) = var.outer?;
                self.receiver_class(
                    file,
                    file.function(outer),
                    &Operand::Var(outer_var),
                    depth + 1,
                )
            }
            VarKind::Param => {
                let annotation = var.ty.as_deref()?.trim_matches(|c| c == '"' || c == '\'');
                is_class(annotation).then(|| annotation.to_string())
            }
            VarKind::Local => {
                let mut classes = caller
                    .definitions(*v)
                    .iter()
                    .map(|definition| built_class(file, caller, definition));
                let first = classes.next()??;
                classes.all(|c| c.as_ref() == Some(&first)).then_some(first)
            }
            _ => None,
        }
    }
}

/// The caller's class when the receiver is `super()` (with no arguments, or naming that
/// class: `super(Child, self)`), in a method of a top-level class of the file.
fn super_class<'c>(file: &FileIr, caller: &'c Function, receiver: &Operand) -> Option<&'c str> {
    let Operand::Call(id) = receiver else {
        return None;
    };
    let call = caller.call(*id);
    if !matches!(&call.callee, Callee::Path(path) if path.len() == 1 && path[0] == "super") {
        return None;
    }
    if caller.kind != FunctionKind::Method || caller.parent.is_some() {
        return None;
    }
    let (class, _) = caller.name.rsplit_once('.')?;
    let named_class = match call.args.first() {
        None => true,
        Some(Operand::Global(name)) => name == class,
        Some(_) => false,
    };
    (named_class && is_file_class(file, class)).then_some(class)
}

/// The method a class defines itself (not inherited).
fn own_method(
    file: &FileIr,
    by_name: &HashMap<String, Vec<FuncId>>,
    class: &str,
    name: &str,
) -> Option<FuncId> {
    let qualified = format!("{class}.{name}");
    by_name.get(name)?.iter().copied().find(|&id| {
        let function = file.function(id);
        function.kind == FunctionKind::Method && function.name == qualified
    })
}

/// Python's method resolution order of a class (C3 linearisation: the class, then its
/// bases' orders merged), when the class and all its ancestors are classes of the file
/// (`object` aside); `None` when one is not, or the bases admit no order.
fn method_resolution_order(file: &FileIr, class: &str) -> Option<Vec<String>> {
    fn linearise(file: &FileIr, class: &str, depth: u8) -> Option<Vec<String>> {
        if depth > CLASS_DEPTH {
            return None;
        }
        let (_, bases) = file.class_bases.iter().find(|(c, _)| c == class)?;
        let bases: Vec<&String> = bases.iter().filter(|b| b.as_str() != "object").collect();
        let mut sequences: Vec<Vec<String>> = bases
            .iter()
            .map(|base| linearise(file, base, depth + 1))
            .collect::<Option<_>>()?;
        sequences.push(bases.iter().map(|b| b.to_string()).collect());
        let mut order = vec![class.to_string()];
        loop {
            sequences.retain(|sequence| !sequence.is_empty());
            if sequences.is_empty() {
                return Some(order);
            }
            // The first head that is in no other sequence's tail.
            let head = sequences
                .iter()
                .map(|s| &s[0])
                .find(|candidate| sequences.iter().all(|s| !s[1..].contains(candidate)))?;
            let head = head.clone();
            for sequence in &mut sequences {
                if sequence.first() == Some(&head) {
                    sequence.remove(0);
                }
            }
            order.push(head);
        }
    }
    linearise(file, class, 0)
}

/// The methods each top-level class of the file inherits from the file's other classes
/// without overriding them, in its method resolution order (only for a class whose whole
/// order is the file's): `(class, method)`.
pub(crate) fn inherited_methods(file: &FileIr) -> Vec<(String, FuncId)> {
    let mut methods: HashMap<&str, Vec<(&str, FuncId)>> = HashMap::new();
    for (index, function) in file.functions.iter().enumerate() {
        if function.kind != FunctionKind::Method || function.parent.is_some() {
            continue;
        }
        if let Some((class, method)) = function.name.split_once('.') {
            methods
                .entry(class)
                .or_default()
                .push((method, FuncId(index as u32)));
        }
    }
    let mut inherited = Vec::new();
    for (class, bases) in &file.class_bases {
        if bases.is_empty() {
            continue;
        }
        let Some(order) = method_resolution_order(file, class) else {
            continue;
        };
        let mut known: HashSet<&str> = HashSet::new();
        for (position, ancestor) in order.iter().enumerate() {
            for &(name, id) in methods.get(ancestor.as_str()).into_iter().flatten() {
                if known.insert(name) && position > 0 {
                    inherited.push((class.clone(), id));
                }
            }
        }
    }
    inherited
}

/// `Base.name` when the receiver is `super()` in a class whose one base is imported: the
/// method of that base (or one it inherits in its module) is the one Python finds.
fn super_methods(
    file: &FileIr,
    caller: &Function,
    receiver: &Operand,
    name: &str,
) -> Vec<Vec<String>> {
    let Some(class) = super_class(file, caller, receiver) else {
        return Vec::new();
    };
    let bases = file
        .class_bases
        .iter()
        .find(|(c, _)| c == class)
        .map(|(_, bases)| bases.as_slice())
        .unwrap_or_default();
    match bases {
        [base] if !is_file_class(file, base) => {
            let mut path: Vec<String> = base.split('.').map(str::to_string).collect();
            path.push(name.to_string());
            vec![path]
        }
        _ => Vec::new(),
    }
}

/// The connections a function refuses unless they are in autocommit mode: a test of
/// `x.autocommit` whose false edge only raises (`if not conn.autocommit: raise …`).
fn autocommit_guards(function: &Function) -> Vec<Operand> {
    let cfg = &function.cfg;
    let raises = |block: txlint_ir::ir::BlockId| {
        let mut block = block;
        // Through the blocks a `raise` statement's arguments may take.
        for _ in 0..cfg.blocks.len() {
            match &cfg.blocks[block.index()].terminator {
                Terminator::Raise { .. } => return true,
                Terminator::Goto(next) => block = *next,
                _ => return false,
            }
        }
        false
    };
    cfg.blocks
        .iter()
        .filter_map(|block| {
            let Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } = &block.terminator
            else {
                return None;
            };
            let Operand::Field(connection, attribute) = &test.operand else {
                return None;
            };
            let refused = if test.then_is_nil {
                *then_block
            } else {
                *else_block
            };
            (test.by_truth && attribute == "autocommit" && raises(refused))
                .then(|| (**connection).clone())
        })
        .collect()
}

/// Whether a call is given `operand`, positionally or by keyword.
fn passes(call: &txlint_ir::ir::Call, operand: &Operand) -> bool {
    call.args.contains(operand) || call.keywords.iter().any(|(_, value)| value == operand)
}

/// Whether a name is one of the file's top-level classes.
fn is_file_class(file: &FileIr, name: &str) -> bool {
    file.class_bases.iter().any(|(class, _)| class == name)
}

/// The class of the file a value of `function` builds (`Repository(conn)`), if it is such
/// a call.
fn built_class(file: &FileIr, function: &Function, value: &Operand) -> Option<String> {
    let Operand::Call(id) = value else {
        return None;
    };
    match &function.call(*id).callee {
        Callee::Path(path) => match path.as_slice() {
            [class] if is_file_class(file, class) => Some(class.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The class of the file whose instance the methods of `owner` keep in
/// `self.<attribute>`, when every such assignment builds one (`self.store = Store(conn)`).
fn attribute_class(file: &FileIr, owner: &str, attribute: &str) -> Option<String> {
    let prefix = format!("{owner}.");
    let mut classes = Vec::new();
    for method in file.functions.iter().filter(|f| {
        f.kind == FunctionKind::Method
            && f.name
                .strip_prefix(&prefix)
                .is_some_and(|m| !m.contains('.'))
    }) {
        let Some(own) = method.receiver else {
            continue;
        };
        let is_place = |binding: &Binding| {
            matches!(binding, Binding::Place(Operand::Field(base, name))
                if name == attribute && **base == Operand::Var(own))
        };
        let built = |value: &Operand| built_class(file, method, value);
        for event in method.events() {
            if let Event::Assign {
                targets, values, ..
            } = event
            {
                for (target, value) in targets.iter().zip(values) {
                    if is_place(target) {
                        classes.push(built(value));
                    }
                }
            }
        }
        for (position, call) in method.calls.iter().enumerate() {
            if let ResultUse::Assigned(bindings) = &call.result {
                if bindings.iter().any(is_place) {
                    let whole = bindings.len() == 1;
                    classes.push(
                        whole
                            .then(|| built(&Operand::Call(CallId(position as u32))))
                            .flatten(),
                    );
                }
            }
        }
    }
    let first = classes.first()?.clone()?;
    classes
        .iter()
        .all(|c| c.as_ref() == Some(&first))
        .then_some(first)
}

/// The method `name` of a class of the file: its own, else one it inherits from a base
/// class of the file.
fn method_of_class(
    file: &FileIr,
    by_name: &HashMap<String, Vec<FuncId>>,
    class: &str,
    name: &str,
    depth: u8,
) -> Option<FuncId> {
    let own = own_method(file, by_name, class, name);
    if own.is_some() || depth >= CLASS_DEPTH {
        return own;
    }
    let (_, bases) = file.class_bases.iter().find(|(c, _)| c == class)?;
    bases
        .iter()
        .find_map(|base| method_of_class(file, by_name, base, name, depth + 1))
}

/// Whether a call of an `__exit__` method runs when the block completed: it is reached
/// from the entry without taking the branch of a test that finds the exception type
/// (its first parameter after `self`) set.
fn runs_without_exception(exit: &Function, call: CallId) -> bool {
    let exc_type = exit
        .params
        .iter()
        .find(|p| Some(**p) != exit.receiver)
        .copied();
    let cfg = &exit.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![txlint_ir::ir::Cfg::ENTRY];
    while let Some(block) = stack.pop() {
        if block.index() >= seen.len() || std::mem::replace(&mut seen[block.index()], true) {
            continue;
        }
        let data = cfg.block(block);
        if data
            .events
            .iter()
            .any(|event| matches!(event, Event::Call(id) if *id == call))
        {
            return true;
        }
        match &data.terminator {
            Terminator::Branch {
                nil_test: Some(test),
                then_block,
                else_block,
                ..
            } if exc_type.is_some_and(|p| test.operand == Operand::Var(p)) => {
                stack.push(if test.then_is_nil {
                    *then_block
                } else {
                    *else_block
                });
            }
            _ => stack.extend(cfg.successors(block)),
        }
    }
    false
}

/// The one method `name` of the file's subclasses of `class` (at any depth): what
/// `self.hook()` in a base class runs when only a subclass defines `hook`.
fn method_of_subclass(
    file: &FileIr,
    by_name: &HashMap<String, Vec<FuncId>>,
    class: &str,
    name: &str,
) -> Option<FuncId> {
    let derives = |start: &str| {
        let mut owner = start.to_string();
        for _ in 0..CLASS_DEPTH {
            let Some((_, bases)) = file.class_bases.iter().find(|(c, _)| *c == owner) else {
                return false;
            };
            if bases.iter().any(|b| b == class) {
                return true;
            }
            match bases.first() {
                Some(base) => owner = base.clone(),
                None => return false,
            }
        }
        false
    };
    let mut found = by_name.get(name)?.iter().copied().filter(|&id| {
        let function = file.function(id);
        function.kind == FunctionKind::Method
            && function
                .name
                .rsplit_once('.')
                .is_some_and(|(owner, _)| derives(owner))
    });
    let only = found.next()?;
    found.next().is_none().then_some(only)
}

/// A call of a method that writes in a savepoint of its own
/// (`Model.objects.get_or_create(…)`, through an imported model or not), by its name:
/// see [`PyFacts::writes_in_own_savepoint`].
fn is_savepointed(models: &Models, call: &txlint_ir::ir::Call) -> bool {
    let name = match &call.callee {
        Callee::Method { name, .. } => name,
        // `Tag.objects.get_or_create(…)`: a manager of an imported model, not a function
        // of an imported module (`tags.get_or_create(…)`).
        Callee::Path(path) if path.len() > 2 => &path[path.len() - 1],
        _ => return false,
    };
    models.django.savepointed.contains(name)
}

/// The keyword argument of a session factory that names the class of its sessions
/// (`sessionmaker(class_=…)`).
const SESSION_CLASS: &str = "class_";

/// `a.b.C` as the path `["a", "b", "C"]`, for a name or an attribute chain of one.
fn dotted_path(operand: &Operand) -> Option<Vec<String>> {
    Some(
        global_segments(operand)?
            .into_iter()
            .map(str::to_string)
            .collect(),
    )
}

/// What `with` does to an instance of a class of the file that overrides `__exit__` (or
/// `__aexit__`), read from that method: a session subclass whose exit commits when the
/// block completed and rolls back after an exception (`self.commit()`, `self.rollback()`)
/// ends the block like `with session.begin():`, and closes too when it calls the base
/// class's exit or `self.close()`. `None` when the override neither commits nor rolls back
/// (the base class's exit decides), and for a class without one.
pub(crate) fn session_class_exit(
    file: &FileIr,
    models: &Models,
    class: &str,
) -> Option<ContextExit> {
    let exits = exit_methods(file);
    if exits.is_empty() {
        return None;
    }
    session_class_exit_at(file, models, &exits, class, 0)
}

/// [`session_class_exit`] of each class of the file that has one (a file of hundreds of
/// classes asks once, not once a class).
pub(crate) fn session_class_exits(file: &FileIr, models: &Models) -> Vec<(String, ContextExit)> {
    let exits = exit_methods(file);
    if exits.is_empty() {
        return Vec::new();
    }
    file.class_bases
        .iter()
        .filter_map(|(class, _)| {
            let exit = session_class_exit_at(file, models, &exits, class, 0)?;
            Some((class.clone(), exit))
        })
        .collect()
}

/// The first `__exit__` or `__aexit__` method of each class of the file.
fn exit_methods(file: &FileIr) -> HashMap<&str, &Function> {
    let mut exits = HashMap::new();
    for function in &file.functions {
        if function.kind != FunctionKind::Method {
            continue;
        }
        if let Some((owner, "__exit__" | "__aexit__")) = function.name.rsplit_once('.') {
            exits.entry(owner).or_insert(function);
        }
    }
    exits
}

fn session_class_exit_at(
    file: &FileIr,
    models: &Models,
    exits: &HashMap<&str, &Function>,
    class: &str,
    depth: u8,
) -> Option<ContextExit> {
    // An exit inherited from a session class of the file (`class Audited(Saving): pass`),
    // or reached by the override through `super().__exit__(…)`.
    let inherited = || {
        let (_, bases) = file.class_bases.iter().find(|(c, _)| c == class)?;
        (depth < CLASS_DEPTH)
            .then(|| {
                bases
                    .iter()
                    .find_map(|base| session_class_exit_at(file, models, exits, base, depth + 1))
            })
            .flatten()
    };
    let Some(exit) = exits.get(class).copied() else {
        return inherited();
    };
    let own = exit.receiver?;
    let methods = &models.connection;
    let on_self = |names: &[String]| {
        exit.calls.iter().any(|call| {
            matches!(&call.callee, Callee::Method { receiver: Operand::Var(v), name, .. }
                if *v == own && names.contains(name))
        })
    };
    // The commit must run when the block completed: not one under
    // `if exc_type is not None:`.
    let commits = exit.calls.iter().enumerate().any(|(index, call)| {
        matches!(&call.callee, Callee::Method { receiver: Operand::Var(v), name, .. }
            if *v == own && methods.commit.contains(name))
            && runs_without_exception(exit, CallId(index as u32))
    });
    let rolls_back = on_self(&methods.rollback);
    let calls_base = exit
        .calls
        .iter()
        .any(|call| matches!(call.callee.name(), Some("__exit__" | "__aexit__")));
    if !commits && !rolls_back {
        return if calls_base { inherited() } else { None };
    }
    ExitCalls {
        commit: commits,
        rollback: rolls_back,
        // Its rollback runs on the exception's path; the commit, on the other.
        rollback_always: rolls_back,
        close: on_self(&methods.close) || calls_base,
        release: false,
    }
    .context_exit()
}

/// The operands a function names that are, or start with, a module global: call
/// receivers and the bases of attribute chains (`models.db.session` gives
/// `models.db.session`, `models.db` and `models`), arguments, assigned values.
fn named_operands(function: &Function) -> Vec<Operand> {
    fn chain(operand: &Operand, out: &mut Vec<Operand>) {
        let mut current = operand;
        loop {
            match current {
                Operand::Global(_) => {
                    out.push(current.clone());
                    return;
                }
                Operand::Field(base, _) => {
                    out.push(current.clone());
                    current = base;
                }
                _ => return,
            }
        }
    }
    let mut out = Vec::new();
    for call in &function.calls {
        match &call.callee {
            Callee::Method { receiver, .. } => chain(receiver, &mut out),
            Callee::Path(path) if path.len() == 1 => out.push(Operand::Global(path[0].clone())),
            _ => {}
        }
        for arg in &call.args {
            chain(arg, &mut out);
        }
    }
    for event in function.events() {
        if let Event::Assign { values, .. } = event {
            for value in values {
                chain(value, &mut out);
            }
        }
    }
    // `return db.session` (a property or helper handing out the registry's session).
    for block in &function.cfg.blocks {
        if let Terminator::Return { values, .. } = &block.terminator {
            for value in values {
                chain(value, &mut out);
            }
        }
    }
    // Each once (a handle is named in every call). Unordered: every caller keys a map
    // by them.
    let mut seen = std::collections::HashSet::new();
    out.retain(|o| seen.insert(o.clone()));
    out
}

/// The names of an operand rooted at a module global, outermost first
/// (`models.db` is `["models", "db"]`).
fn global_segments(operand: &Operand) -> Option<Vec<&str>> {
    match operand {
        Operand::Global(name) => Some(vec![name.as_str()]),
        Operand::Field(base, name) => {
            let mut segments = global_segments(base)?;
            segments.push(name.as_str());
            Some(segments)
        }
        _ => None,
    }
}

/// A copy of the file in which the calls of a method on another module's global that the
/// project index knows (`db.session.add(x)` after `from app.models import db`, which the
/// front-end writes as the path `db.session.add`, as for a module's function) are method
/// calls on that global, as they are on the module's own globals. `None` when there is
/// none: the file is used as it is.
pub(crate) fn with_imported_receivers(file: &FileIr, project: &ProjectView) -> Option<FileIr> {
    if file.language != txlint_ir::Language::Python {
        return None;
    }
    let mut converted: Option<FileIr> = None;
    for (function_index, function) in file.functions.iter().enumerate() {
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Path(path) = &call.callee else {
                continue;
            };
            let Some((name, prefix)) = path.split_last() else {
                continue;
            };
            let segments: Vec<&str> = prefix.iter().map(String::as_str).collect();
            let Some(first) = segments.first() else {
                continue;
            };
            if file.import_named(first).is_none() {
                continue;
            }
            let known = (1..=segments.len())
                .rev()
                .any(|n| project.python_global(file, &segments[..n]).is_some());
            if !known {
                continue;
            }
            let mut receiver = Operand::Global(segments[0].to_string());
            for segment in &segments[1..] {
                receiver = Operand::Field(Box::new(receiver), (*segment).to_string());
            }
            let target = converted.get_or_insert_with(|| file.clone());
            target.functions[function_index].calls[call_index].callee = Callee::Method {
                receiver,
                name: name.clone(),
                name_range: call.range,
            };
        }
    }
    // Method calls on instances of other modules' classes (`self.backend.get_engine()`
    // after `self.backend = Backend(…)`, `backend.get_engine()` after `from app.backend
    // import backend`) name that class's method, as a path the project index resolves.
    // The functions that assign an instance of an imported name, found once: looking
    // through every function of the file for each function is quadratic in a file of
    // many methods.
    let constructing: Vec<&Function> = file
        .functions
        .iter()
        .filter(|function| {
            function.calls.iter().any(|call| {
                matches!(
                    (&call.callee, &call.result),
                    (Callee::Path(path), ResultUse::Assigned(_))
                        if path.first().is_some_and(|first| file.import_named(first).is_some())
                )
            })
        })
        .collect();
    for (function_index, function) in file.functions.iter().enumerate() {
        let mut instances: Option<HashMap<Operand, Vec<String>>> = None;
        for (call_index, call) in function.calls.iter().enumerate() {
            let Callee::Method { receiver, name, .. } = &call.callee else {
                continue;
            };
            if !matches!(
                receiver,
                Operand::Field(..) | Operand::Var(_) | Operand::Global(_)
            ) {
                continue;
            }
            let instances =
                instances.get_or_insert_with(|| imported_instances(file, &constructing, function));
            let path: Vec<String> = match (instances.get(receiver), receiver) {
                (Some(class), _) => class.iter().chain([name]).cloned().collect(),
                // An instance another module keeps: the index knows its class.
                (None, Operand::Global(global)) if file.import_named(global).is_some() => {
                    vec![global.clone(), name.clone()]
                }
                _ => continue,
            };
            let callee = Callee::Path(path);
            if project.python_function(file, &callee).is_none() {
                continue;
            }
            let target = converted.get_or_insert_with(|| file.clone());
            target.functions[function_index].calls[call_index].callee = callee;
        }
    }
    converted
}

/// Module globals assigned an instance of a top-level class of the file
/// (`backend = Backend(…)`) one of whose methods' summaries says something.
fn instance_globals(
    file: &FileIr,
    summaries: &[PySummary],
    instances: &[(String, String)],
) -> Vec<(String, String)> {
    let helpful_class = |class: &str| {
        file.functions
            .iter()
            .zip(summaries)
            .any(|(function, summary)| {
                function.kind == FunctionKind::Method
                    && function
                        .name
                        .rsplit_once('.')
                        .is_some_and(|(c, _)| c == class)
                    && summary.says_something()
            })
    };
    instances
        .iter()
        .filter(|(_, class)| helpful_class(class))
        .cloned()
        .collect()
}

/// Module globals assigned an instance of a class the file defines (`state = State()`).
fn module_instances(file: &FileIr) -> Vec<(String, String)> {
    let Some(module) = file.functions.iter().find(|f| f.name == "<module>") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for call in &module.calls {
        let (Callee::Path(path), ResultUse::Assigned(bindings)) = (&call.callee, &call.result)
        else {
            continue;
        };
        let ([class], [Binding::Var(v)]) = (path.as_slice(), bindings.as_slice()) else {
            continue;
        };
        if file.class_bases.iter().any(|(c, _)| c == class) {
            found.push((module.var(*v).name.clone(), class.clone()));
        }
    }
    found
}

/// The class of the project an operand of a function holds an instance of, as the call
/// that made it names it (`["Backend"]`, `["backend", "Backend"]`), when that name comes
/// from an import: `self.x` assigned `C(…)` in a method of the same class, a local or a
/// module global assigned `C(…)`. One class only: an operand assigned instances of two
/// is not resolved.
fn imported_instances(
    file: &FileIr,
    constructing: &[&Function],
    function: &Function,
) -> HashMap<Operand, Vec<String>> {
    let class = match function.kind {
        FunctionKind::Method => function.name.rsplit_once('.').map(|(c, _)| c),
        _ => None,
    };
    let mut found: HashMap<Operand, Option<Vec<String>>> = HashMap::new();
    let mut record = |operand: Operand, path: &[String]| {
        let entry = found.entry(operand).or_insert_with(|| Some(path.to_vec()));
        if entry.as_deref() != Some(path) {
            *entry = None;
        }
    };
    // Whether it names a class is the project index's to say (a function's name has no
    // methods there).
    let imported = |path: &[String]| {
        path.first()
            .is_some_and(|first| file.import_named(first).is_some())
    };
    for &other in constructing {
        let same_class = other.kind == FunctionKind::Method
            && class.is_some()
            && other.name.rsplit_once('.').map(|(c, _)| c) == class;
        let is_module = other.name == "<module>";
        let is_self = std::ptr::eq(other, function);
        if !(same_class || is_module || is_self) {
            continue;
        }
        // `with C(…) as x` binds what `__enter__` returns, not the instance.
        let contexts = context_calls(other);
        for (index, call) in other.calls.iter().enumerate() {
            let (Callee::Path(path), ResultUse::Assigned(bindings)) = (&call.callee, &call.result)
            else {
                continue;
            };
            if !imported(path) || contexts.get(index).copied().unwrap_or(false) {
                continue;
            }
            match bindings.as_slice() {
                [Binding::Place(Operand::Field(base, attribute))]
                    if same_class && other.receiver.map(Operand::Var).as_ref() == Some(&**base) =>
                {
                    if let Some(receiver) = function.receiver {
                        let field =
                            Operand::Field(Box::new(Operand::Var(receiver)), attribute.clone());
                        record(field, path);
                    }
                }
                [Binding::Var(v)] if is_module => {
                    record(Operand::Global(other.var(*v).name.clone()), path);
                }
                [Binding::Var(v)] if is_self => record(Operand::Var(*v), path),
                _ => {}
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(operand, path)| Some((operand, path?)))
        .collect()
}

/// Kinds of other modules' globals that the file reaches through its imports.
fn imported_globals(file: &FileIr, project: &ProjectView) -> HashMap<Operand, Kind> {
    let mut found = HashMap::new();
    for function in &file.functions {
        for operand in named_operands(function) {
            if found.contains_key(&operand) {
                continue;
            }
            let Some(segments) = global_segments(&operand) else {
                continue;
            };
            if file.import_named(segments[0]).is_none() {
                continue;
            }
            if let Some(kind) = project.python_global(file, &segments) {
                found.insert(operand, kind.clone());
            }
        }
    }
    found
}

/// Whether other modules can use a module global of this kind: a pool, engine or session
/// factory (`SessionLocal = sessionmaker(...)` imported where sessions are made), a
/// registry of scoped sessions (Flask-SQLAlchemy's `db`, a `scoped_session`), or a
/// connection the module keeps for the process (`conn = psycopg2.connect(…)` imported as
/// `from config import conn`).
fn exportable(_models: &Models, kind: &Kind) -> bool {
    matches!(kind, Kind::Connection { .. } | Kind::Pool { .. })
}

/// The module globals a module offers: those it assigns, and those it imports from
/// another module of the project (a package's `__init__` re-exporting `db`).
fn exported_globals(
    file: &FileIr,
    models: &Models,
    project: &ProjectView,
    shared: &HashMap<(Option<String>, String), Kind>,
    instances: &[(String, String)],
) -> Vec<(String, Kind)> {
    let mut out: Vec<(String, Kind)> = shared
        .iter()
        .filter(|((owner, _), kind)| owner.is_none() && exportable(models, kind))
        .map(|((_, name), kind)| (name.clone(), kind.clone()))
        .collect();
    // The connection or pool an instance the module keeps holds (`state.conn` after
    // `state = State()`), offered as `state.conn`: whoever imports `state` uses it.
    for ((owner, name), kind) in shared {
        let Some(owner) = owner else {
            continue;
        };
        if !matches!(kind, Kind::Connection { .. } | Kind::Pool { .. }) {
            continue;
        }
        for (global, _) in instances.iter().filter(|(_, class)| class == owner) {
            out.push((format!("{global}.{name}"), kind.clone()));
        }
    }
    for import in &file.imports {
        let name = import.local_name();
        if out.iter().any(|(n, _)| n == name) {
            continue;
        }
        if let Some(kind) = project.python_global(file, &[name]) {
            out.push((name.to_string(), kind.clone()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Attributes of a registry that are its session (`db.session` where `db` is a
/// Flask-SQLAlchemy object), among the operands the function names.
fn session_attributes(models: &Models, function: &Function, kinds: &mut HashMap<Operand, Kind>) {
    let registry = |kind: &Kind| matches!(kind, Kind::Pool { pool, .. } if !models.pool_kinds[*pool].session_attributes.is_empty());
    if !kinds.values().any(registry) {
        return;
    }
    let mut found = Vec::new();
    for operand in named_operands(function) {
        let Operand::Field(base, attribute) = &operand else {
            continue;
        };
        let Some(Kind::Pool { pool, .. }) = kinds.get(base) else {
            continue;
        };
        let pool = &models.pool_kinds[*pool];
        if !pool.session_attributes.contains(attribute) {
            continue;
        }
        if let Some(driver) = driver_index(models, &pool.driver) {
            found.push((
                operand.clone(),
                Kind::Connection {
                    driver,
                    autocommit: false,
                },
            ));
        }
    }
    for (operand, kind) in found {
        kinds.entry(operand).or_insert(kind);
    }
}

/// Whether a call passes one of the model's autocommit flags: `key` (true),
/// `key=VALUE` (the literal `VALUE`, quoted or not, or the name `VALUE` as the file's
/// imports resolve it); a dotted key reaches into a mapping argument
/// (`kwargs.autocommit` for `kwargs={"autocommit": True}`).
fn any_flag(file: &FileIr, flags: &[String], keywords: &[(String, Operand)]) -> bool {
    flags.iter().any(|flag| {
        let (key, wanted) = flag.split_once('=').unwrap_or((flag, "True"));
        keywords.iter().any(|(k, v)| {
            k == key
                && match v {
                    Operand::Const(value) | Operand::Str(value) => value == wanted,
                    Operand::Global(_) | Operand::Field(..) => {
                        dotted_name(file, v).is_some_and(|name| name == wanted)
                    }
                    _ => false,
                }
        })
    })
}

/// The fully qualified name a module-level name or attribute chain stands for
/// (`PhysicalReplicationConnection` imported from `psycopg2.extras`).
fn dotted_name(file: &FileIr, operand: &Operand) -> Option<String> {
    match operand {
        Operand::Global(name) => Some(resolve(file, &[name.as_str()])),
        Operand::Field(base, name) => Some(format!("{}.{name}", dotted_name(file, base)?)),
        _ => None,
    }
}

/// The literal entries of the mappings a function builds, by the mapping's operand:
/// `kw = {"autocommit": True}`, `kw["autocommit"] = True`, `kw = dict(autocommit=True)`,
/// `kw.update(autocommit=True)`. Where in the function they are set is not considered:
/// options are gathered before the call that passes them.
fn mapping_entries(function: &Function) -> Mappings {
    let mut entries: Mappings = HashMap::new();
    for event in function.events() {
        if let Event::Assign {
            targets, values, ..
        } = event
        {
            for (target, value) in targets.iter().zip(values) {
                if let Binding::Place(Operand::Item(base, key)) = target {
                    entries
                        .entry((**base).clone())
                        .or_default()
                        .push((key.clone(), value.clone()));
                }
            }
        }
    }
    for call in &function.calls {
        let literal = |keywords: &[(String, Operand)]| -> Vec<(String, Operand)> {
            keywords
                .iter()
                .filter(|(k, _)| k != "**" && !k.contains('.'))
                .cloned()
                .collect()
        };
        match (&call.callee, &call.result) {
            (Callee::Path(path), ResultUse::Assigned(bindings)) if path == &["dict"] => {
                let base = match bindings.as_slice() {
                    [Binding::Var(v)] => Operand::Var(*v),
                    [Binding::Place(place @ (Operand::Field(..) | Operand::Global(_)))] => {
                        place.clone()
                    }
                    _ => continue,
                };
                entries
                    .entry(base)
                    .or_default()
                    .extend(literal(&call.keywords));
            }
            (Callee::Method { receiver, name, .. }, _) if name == "update" => {
                let found = literal(&call.keywords);
                if !found.is_empty() {
                    entries.entry(receiver.clone()).or_default().extend(found);
                }
            }
            _ => {}
        }
    }
    entries
}

/// A call's keywords with the entries of the mappings it passes: `**kw` adds `kw`'s
/// entries as keywords, `kwargs=kw` adds them as `kwargs.KEY`.
fn call_keywords(call: &txlint_ir::ir::Call, mappings: &Mappings) -> Vec<(String, Operand)> {
    let mut keywords = call.keywords.clone();
    for (name, value) in &call.keywords {
        let Some(entries) = mappings.get(value) else {
            continue;
        };
        for (key, entry) in entries {
            let key = if name == "**" {
                key.clone()
            } else {
                format!("{name}.{key}")
            };
            keywords.push((key, entry.clone()));
        }
    }
    keywords
}

/// The kind of the result of calling `method` on a value of kind `receiver`.
fn method_kind(
    models: &Models,
    receiver: &Kind,
    method: &str,
    base: &Operand,
    in_with: bool,
) -> Option<Kind> {
    let methods = &models.connection;
    match receiver {
        Kind::Pool {
            pool, autocommit, ..
        } => {
            let pool = &models.pool_kinds[*pool];
            let hands_out = pool.acquire.iter().any(|m| m == method)
                || pool.contexts.iter().any(|c| c.method == method);
            hands_out.then(|| Kind::Connection {
                driver: driver_index(models, &pool.driver).unwrap_or(0),
                autocommit: *autocommit,
            })
        }
        Kind::Connection { .. } if methods.cursors.iter().any(|m| m == method) => {
            Some(Kind::Cursor {
                owner: base.clone(),
            })
        }
        Kind::Connection { .. }
            if !in_with && methods.deferred_begins.iter().any(|m| m == method) =>
        {
            Some(Kind::DeferredTransaction {
                owner: base.clone(),
            })
        }
        Kind::Connection { .. }
            if !in_with && methods.immediate_begins.iter().any(|m| m == method) =>
        {
            Some(Kind::Transaction {
                owner: base.clone(),
            })
        }
        Kind::Connection { .. } if !in_with && methods.savepoints.iter().any(|m| m == method) => {
            Some(Kind::Savepoint {
                owner: base.clone(),
            })
        }
        _ => None,
    }
}

/// Which calls of a function are the context expression of a `with` statement, by
/// call index.
fn context_calls(function: &Function) -> Vec<bool> {
    let mut contexts = vec![false; function.calls.len()];
    for event in function.events() {
        if let Event::ScopeExit {
            context: Some(call),
            ..
        } = event
        {
            if let Some(slot) = contexts.get_mut(call.index()) {
                *slot = true;
            }
        }
    }
    contexts
}

/// What a context-manager class's exit does to its connection attribute.
#[derive(Debug, Default, Clone)]
struct ExitCalls {
    commit: bool,
    rollback: bool,
    /// A rollback on every path of the exit, not only under a condition (an exception).
    rollback_always: bool,
    close: bool,
    release: bool,
}

impl ExitCalls {
    /// What an exit that makes these calls does to the block's transaction.
    fn context_exit(&self) -> Option<ContextExit> {
        let exit = if self.commit {
            // Commits on a normal exit (and, with a rollback on an exception, is the
            // scoped transaction of `with conn.transaction():`).
            if self.close {
                ContextExit::CommitClose
            } else {
                ContextExit::Commit
            }
        } else if self.rollback_always {
            if self.close {
                ContextExit::RollbackClose
            } else {
                ContextExit::Rollback
            }
        } else if self.close {
            ContextExit::Close
        } else if self.release {
            ContextExit::Release
        } else {
            return None;
        };
        Some(exit)
    }
}

/// The class and method name of a method of a top-level class (`Transaction.__enter__`).
fn class_method(function: &Function) -> Option<(&str, &str)> {
    if function.kind != FunctionKind::Method || function.parent.is_some() {
        return None;
    }
    let (class, method) = function.name.split_once('.')?;
    (!method.contains('.')).then_some((class, method))
}

/// The connection an `__enter__` returns and the receiver attribute it keeps it in:
/// `return self.conn`, or `return conn` after `self.conn = conn`.
fn entered_connection(
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
) -> Option<(usize, bool, String, bool)> {
    let receiver = Operand::Var(function.receiver?);
    let mut found = None;
    for block in &function.cfg.blocks {
        let Terminator::Return { values, .. } = &block.terminator else {
            continue;
        };
        let Some(value) = values.first() else {
            continue;
        };
        let value = strip_await(function, value);
        if value == receiver {
            // `return self`: the one attribute it connects (`self.conn = pool.getconn()`).
            let mut fields = function.calls.iter().filter_map(|call| {
                let ResultUse::Assigned(bindings) = &call.result else {
                    return None;
                };
                match bindings.first()? {
                    Binding::Place(place @ Operand::Field(base, field)) if **base == receiver => {
                        match kinds.get(place) {
                            Some(Kind::Connection { driver, autocommit }) => {
                                Some((*driver, *autocommit, field.clone(), true))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            });
            let this = fields.next()?;
            if fields.any(|other| other != this) {
                return None;
            }
            match &found {
                Some(other) if *other != this => return None,
                _ => found = Some(this),
            }
            continue;
        }
        let Some(Kind::Connection { driver, autocommit }) = kinds.get(&value) else {
            return None;
        };
        let field = match &value {
            Operand::Field(base, field) if **base == receiver => Some(field.clone()),
            Operand::Var(v) => function.events().find_map(|event| match event {
                Event::Assign {
                    targets, values, ..
                } => targets.iter().zip(values).find_map(|(t, val)| match t {
                    Binding::Place(Operand::Field(base, field))
                        if **base == receiver && *val == Operand::Var(*v) =>
                    {
                        Some(field.clone())
                    }
                    _ => None,
                }),
                _ => None,
            }),
            _ => None,
        }?;
        let this = (*driver, *autocommit, field, false);
        match &found {
            Some(other) if *other != this => return None,
            _ => found = Some(this),
        }
    }
    found
}

/// Whether a call runs on every path from the function's entry to a normal return.
fn unconditional(function: &Function, call: CallId) -> bool {
    let Some(home) = function.cfg.block_of(&Event::Call(call)) else {
        return false;
    };
    let blocks = &function.cfg.blocks;
    let mut seen = vec![false; blocks.len()];
    let mut stack = vec![txlint_ir::ir::Cfg::ENTRY];
    while let Some(b) = stack.pop() {
        if b == home || blocks.is_empty() || std::mem::replace(&mut seen[b.index()], true) {
            continue;
        }
        if matches!(blocks[b.index()].terminator, Terminator::Return { .. }) {
            return false;
        }
        stack.extend(function.cfg.successors(b));
    }
    true
}

fn is_context(contexts: &[bool], call: CallId) -> bool {
    contexts.get(call.index()).copied().unwrap_or(false)
}

/// The connections a function holds.
/// What the project's summaries say of a function's locals.
struct Locals {
    /// Bound to a long-lived connection a helper hands out (see `long_lived_locals`).
    long_lived: Vec<VarId>,
    /// Bound to a connection borrowed from a pool, with the pool's kind (see
    /// `borrowed_locals`).
    borrowed: Vec<(VarId, usize)>,
}

fn holders(
    file: &FileIr,
    models: &Models,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    contexts: &[bool],
    (locals, pooled_contexts): (&Locals, &[(CallId, ContextExit)]),
) -> Vec<Holder> {
    let mut holders = Vec::new();
    for (operand, kind) in kinds {
        let Kind::Connection { driver, autocommit } = kind else {
            continue;
        };
        let owner = match operand {
            Operand::Var(v) => match function.var(*v).kind {
                // A nested function's captured variable is a parameter or local of the
                // function that encloses it, which decides what becomes of it.
                VarKind::Param | VarKind::Receiver | VarKind::Captured => Owner::Param,
                VarKind::NamedResult => Owner::Shared,
                VarKind::Local if locals.long_lived.contains(v) => Owner::Shared,
                VarKind::Local => Owner::Local,
            },
            _ => Owner::Shared,
        };
        let owner = if models.drivers[*driver].scoped {
            Owner::Scoped
        } else {
            owner
        };
        // A local copied from another holder is that holder's alias, not a holder.
        if let Operand::Var(v) = operand {
            let is_copy = function.events().any(|e| {
                matches!(e, Event::Assign { targets, values, .. }
                    if targets.iter().zip(values).any(|(t, val)| *t == Binding::Var(*v) && kinds.contains_key(val) && val != operand))
            });
            if is_copy {
                continue;
            }
        }
        // A long-lived holder's local copies (`conn = self.conn`) are the same
        // connection: statements on them run on it.
        let aliases = match operand {
            Operand::Var(v) => crate::engine::aliases::aliases_of(function, *v),
            _ => copies_of(function, operand)
                .into_iter()
                .flat_map(|v| crate::engine::aliases::aliases_of(function, v))
                .collect(),
        };
        let context = context_of(
            file,
            models,
            function,
            kinds,
            contexts,
            (operand, *driver),
            pooled_contexts,
        );
        let borrowed = match operand {
            Operand::Var(v) => locals
                .borrowed
                .iter()
                .find(|(local, _)| local == v)
                .map(|(_, pool)| *pool),
            _ => None,
        };
        holders.push(Holder {
            operand: operand.clone(),
            aliases,
            driver: *driver,
            autocommit: *autocommit,
            owner,
            borrowed,
            context,
            joined: false,
        });
    }
    holders.sort_by_cached_key(|h| format!("{:?}", h.operand));
    holders
}

/// The locals assigned straight from `operand` (`conn = self.conn`).
fn copies_of(function: &Function, operand: &Operand) -> Vec<VarId> {
    let mut copies = Vec::new();
    for event in function.events() {
        if let Event::Assign {
            targets, values, ..
        } = event
        {
            for (target, value) in targets.iter().zip(values) {
                if let (Binding::Var(v), true) = (target, value == operand) {
                    if matches!(function.var(*v).kind, VarKind::Local) && !copies.contains(v) {
                        copies.push(*v);
                    }
                }
            }
        }
    }
    copies
}

/// The value a local is assigned from, when it is assigned once from a plain operand.
fn copied_from(function: &Function, var: VarId) -> Option<Operand> {
    let mut found = None;
    for event in function.events() {
        if let Event::Assign {
            targets, values, ..
        } = event
        {
            for (target, value) in targets.iter().zip(values) {
                if *target == Binding::Var(var) {
                    if found.is_some() {
                        return None;
                    }
                    found = Some(value.clone());
                }
            }
        }
    }
    found
}

/// The call whose result a local is bound to (`conn = self._get_connection()`).
fn assigned_call(function: &Function, var: VarId) -> Option<CallId> {
    function.calls.iter().position(|call| {
        matches!(&call.result, ResultUse::Assigned(b) if b.first() == Some(&Binding::Var(var)))
    }).map(|index| CallId(index as u32))
}

/// Whether a handler naming these classes can catch what a database call raised: all but
/// one that names only classes no driver raises (`not-driver-errors`: `except KeyError:`,
/// `except queue.Empty:`).
pub(crate) fn can_catch_database_error(file: &FileIr, models: &Models, catches: &[String]) -> bool {
    let not_driver = &models.connection.not_driver_errors;
    catches.is_empty()
        || catches.iter().any(|class| {
            let segments: Vec<&str> = class.split('.').collect();
            let name = resolve(file, &segments);
            !not_driver
                .iter()
                .any(|listed| match listed.strip_suffix(".*") {
                    Some(module) => name
                        .strip_prefix(module)
                        .is_some_and(|rest| rest.starts_with('.')),
                    None => *listed == name,
                })
        })
}

/// Whether a handler naming these classes catches every database error: a bare `except:`,
/// `Exception`, `BaseException`, or a class all database errors derive from (`Error`,
/// `DatabaseError`, `SQLAlchemyError`…, by last name).
pub(crate) fn catches_every_database_error(
    models: &Models,
    file: &FileIr,
    catches: &[String],
) -> bool {
    catches_any_of(models, file, catches, &models.connection.base_errors)
}

/// Whether a handler catches everything, or one of the database error classes `errors` by
/// its last name (a class of the project's own excepted).
fn catches_any_of(models: &Models, file: &FileIr, catches: &[String], errors: &[String]) -> bool {
    catches.is_empty()
        || catches
            .iter()
            .filter(|c| !project_class(models, file, c))
            .any(|class| {
                let last = class.rsplit('.').next().unwrap_or(class);
                last == "Exception" || last == "BaseException" || errors.iter().any(|e| e == last)
            })
}

/// Whether an exception class a handler names is the project's own, not a library's:
/// defined in the file, or imported from a module that is no database library's
/// (`from app.errors import DatabaseError`, a relative import). Its name says nothing.
fn project_class(models: &Models, file: &FileIr, class: &str) -> bool {
    let segments: Vec<&str> = class.split('.').collect();
    if segments.len() == 1 && file.class_bases.iter().any(|(c, _)| c == class) {
        return true;
    }
    if file.import_named(segments[0]).is_none() {
        return false;
    }
    let resolved = resolve(file, &segments);
    let top = resolved.split('.').next().unwrap_or_default();
    let database_modules = models
        .drivers
        .iter()
        .flat_map(|d| d.connect.iter().chain(&d.types))
        .chain(
            models
                .pool_kinds
                .iter()
                .flat_map(|p| p.create.iter().chain(&p.types)),
        )
        .chain(&models.django.atomic)
        .filter_map(|path| path.split('.').next());
    resolved.starts_with('.')
        || (!top.is_empty()
            && !database_modules.into_iter().any(|module| module == top)
            && !matches!(top, "sqlalchemy" | "django" | "builtins"))
}

/// Whether a handler naming these classes surely catches a database error: a bare
/// `except:`, `Exception`, `BaseException`, or a database error class by its last name.
pub(crate) fn catches_database_errors(models: &Models, file: &FileIr, catches: &[String]) -> bool {
    catches_any_of(models, file, catches, &models.connection.errors)
}

/// The `with` context that produced a holder (`with pool.connection() as conn`), and
/// what its exit does.
fn context_of(
    file: &FileIr,
    models: &Models,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    contexts: &[bool],
    (holder, driver): (&Operand, usize),
    pooled_contexts: &[(CallId, ContextExit)],
) -> Option<(CallId, ContextExit)> {
    function.calls.iter().enumerate().find_map(|(index, call)| {
        let id = CallId(index as u32);
        let bound = matches!(&call.result, ResultUse::Assigned(b)
        if b.first().is_some_and(|b| match (b, holder) {
            (Binding::Var(v), Operand::Var(h)) => v == h,
            // `with UnitOfWork() as uow:` holds `uow.conn`.
            (Binding::Var(v), Operand::Field(base, _)) => {
                **base == Operand::Var(*v) && pooled_contexts.iter().any(|(c, _)| c.index() == index)
            }
            (Binding::Place(p), h) => p == h,
            _ => false,
        }));
        if !bound || !is_context(contexts, id) {
            return None;
        }
        if let Some(&(_, exit)) = pooled_contexts.iter().find(|(c, _)| *c == id) {
            return Some((id, exit));
        }
        Some((id, context_exit(file, models, function, kinds, id, driver)?))
    })
}

/// What the exit of a `with` block whose context is this call does to the connection it
/// binds: a pool's context method's exit (`with engine.connect() as conn:`), the
/// connection's own for one a call makes (`with psycopg.connect() as conn:`), and through
/// a method that returns the connection it is called on
/// (`with engine.connect().execution_options(…) as conn:`), that connection's.
pub(crate) fn context_exit(
    file: &FileIr,
    models: &Models,
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    context: CallId,
    driver: usize,
) -> Option<ContextExit> {
    match &function.call(context).callee {
        Callee::Method { receiver, name, .. } => match kinds.get(receiver) {
            Some(Kind::Pool { pool, .. }) => models.pool_kinds[*pool]
                .contexts
                .iter()
                .find(|c| &c.method == name)
                .map(|c| c.exit),
            Some(Kind::Connection { .. }) if models.connection.same_connection.contains(name) => {
                match receiver {
                    Operand::Call(inner) => {
                        context_exit(file, models, function, kinds, *inner, driver)
                    }
                    // `with conn.execution_options(…) as c:` exits the connection itself.
                    _ => Some(models.drivers[driver].context_exit),
                }
            }
            _ => None,
        },
        // `with SessionLocal() as s:` from a factory made with a project session class.
        Callee::Path(path)
            if let Some(Kind::Pool {
                sessions_exit: Some(exit),
                ..
            }) = factory_kind(function, kinds, path) =>
        {
            Some(*exit)
        }
        // `with CommittingSession(engine) as s:`, a session class of this file.
        Callee::Path(path)
            if let [class] = path.as_slice()
                && let Some(exit) = session_class_exit(file, models, class) =>
        {
            Some(exit)
        }
        // `with psycopg.connect() as conn:` / `with Session(engine) as s:`.
        _ => Some(models.drivers[driver].context_exit),
    }
}

/// The kind of the variable or module global a one-name call path names (`SessionLocal`
/// in `SessionLocal()`).
fn factory_kind<'k>(
    function: &Function,
    kinds: &'k HashMap<Operand, Kind>,
    path: &[String],
) -> Option<&'k Kind> {
    let [name] = path else {
        return None;
    };
    let operand = match function.vars.iter().position(|v| &v.name == name) {
        Some(index) => Operand::Var(VarId(index as u32)),
        None => Operand::Global(name.clone()),
    };
    kinds.get(&operand)
}

impl PyFacts {
    fn summarize(
        &self,
        file: &FileIr,
        models: &Models,
        function: &Function,
        kinds: &HashMap<Operand, Kind>,
    ) -> PySummary {
        let mut summary = summarize(models, function, kinds);
        summary.yields_autocommit_from = yields_autocommit_from(file, function);
        // `return _engine` (a module global made by `create_engine`), or what a helper
        // that gives a pool gives.
        summary.returns_pool = function.cfg.blocks.iter().find_map(|block| {
            let Terminator::Return { values, .. } = &block.terminator else {
                return None;
            };
            let value = values.first()?;
            let kind = match kinds.get(value) {
                Some(kind) => kind.clone(),
                None => match value {
                    Operand::Call(id) => {
                        let helper =
                            self.callee_summary(file, function, &function.call(*id).callee)?;
                        let (pool, autocommit) = helper.returns_pool?;
                        Kind::Pool {
                            pool,
                            autocommit,
                            sessions_exit: None,
                        }
                    }
                    _ => return None,
                },
            };
            match kind {
                Kind::Pool {
                    pool, autocommit, ..
                } => Some((pool, autocommit)),
                _ => None,
            }
        });
        // `return await get_connection()`: what the helper hands out, handed on.
        if summary.acquires.is_none() {
            let returned = function.cfg.blocks.iter().find_map(|block| {
                let Terminator::Return { values, .. } = &block.terminator else {
                    return None;
                };
                let Some(Operand::Call(id)) = values.first() else {
                    return None;
                };
                let helper = self.callee_summary(file, function, &function.call(*id).callee)?;
                if helper.class_exit.is_some() {
                    return None;
                }
                helper
                    .acquires
                    .map(|driver| (driver, helper.acquires_autocommit))
            });
            if let Some((driver, autocommit)) = returned {
                summary.acquires = Some(driver);
                summary.acquires_autocommit = autocommit;
            }
        }
        if !summary.returns_shared {
            summary.returns_shared = function.cfg.blocks.iter().any(|block| {
                let Terminator::Return { values, .. } = &block.terminator else {
                    return false;
                };
                let call = match values.first() {
                    Some(Operand::Call(id)) => Some(*id),
                    Some(Operand::Var(v)) => assigned_call(function, *v),
                    _ => None,
                };
                call.and_then(|id| self.callee_summary(file, function, &function.call(id).callee))
                    .is_some_and(|helper| helper.returns_shared)
            });
        }
        // `@contextmanager def connection(): conn = pool.getconn(); try: yield conn
        // finally: pool.putconn(conn)`.
        if is_context_manager(file, function) {
            let yielded = function.events().find_map(|event| match event {
                Event::Yield {
                    value: value @ Operand::Var(_),
                    ..
                } => match kinds.get(value) {
                    Some(Kind::Connection { driver, autocommit }) => {
                        Some((value.clone(), *driver, *autocommit))
                    }
                    _ => None,
                },
                _ => None,
            });
            if let Some((value, driver, autocommit)) = yielded {
                let gives_back = function.calls.iter().any(|call| {
                    let pool_release = matches!(&call.callee, Callee::Method { receiver, name, .. }
                        if matches!(kinds.get(receiver), Some(Kind::Pool { pool, .. })
                            if models.pool_kinds[*pool].release.iter().any(|m| m == name)));
                    let helper_release = self
                        .callee_summary(file, function, &call.callee)
                        .is_some_and(|h| {
                            h.bound(call).any(|(i, a)| *a == value && h.releases.has(i))
                        });
                    (pool_release && call.args.contains(&value)) || helper_release
                });
                // A helper that commits or rolls back after the block ends the
                // transaction itself: nothing is handed back open.
                let connection = &models.connection;
                let ends_it = function.calls.iter().any(|call| {
                    matches!(&call.callee, Callee::Method { receiver, name, .. }
                        if *receiver == value
                            && connection.commit.iter().chain(&connection.rollback).chain(&connection.close).any(|m| m == name))
                });
                if gives_back && !ends_it && !autocommit {
                    summary.acquires = Some(driver);
                    summary.yields_pooled = true;
                }
            }
        }
        // A parameter handed to a helper that gives it back, closes or ends it.
        for call in &function.calls {
            let Some(helper) = self.callee_summary(file, function, &call.callee) else {
                continue;
            };
            let passed = helper
                .bound(call)
                .filter_map(|(position, argument)| match argument {
                    Operand::Var(v) => {
                        Some((position, function.params.iter().position(|p| p == v)?))
                    }
                    _ => None,
                });
            for (position, param) in passed {
                if helper.releases.has(position) {
                    summary.releases.set(param);
                }
                if helper.closes.has(position) {
                    summary.closes.set(param);
                }
                if helper.ends.has(position) {
                    summary.ends.set(param);
                }
            }
        }
        summary.borrows = function.calls.iter().find_map(|call| {
            let direct = direct_borrow(models, kinds, call).and_then(|(pool, kind)| {
                let key = self.pool_key(function, &pool)?;
                (!key.starts_with(LOCAL_POOL)).then_some((key, kind))
            });
            direct.or_else(|| {
                self.callee_summary(file, function, &call.callee)
                    .and_then(|helper| helper.borrows.clone())
            })
        });
        summary.blocks = function.calls.iter().find_map(|call| {
            crate::semantics::blocking::python_blocking_call(file, models, function, call).or_else(
                || {
                    self.callee_summary(file, function, &call.callee)
                        .and_then(|helper| helper.blocks.clone())
                },
            )
        });
        // Methods are left out: a base class's `raise NotImplementedError` says nothing
        // of the override a call reaches.
        summary.ends_scoped = function.calls.iter().any(|call| {
            let on_scoped = match &call.callee {
                Callee::Method { receiver, name, .. } => {
                    matches!(kinds.get(receiver), Some(Kind::Connection { driver, .. })
                        if models.drivers[*driver].scoped)
                        && models
                            .connection
                            .commit
                            .iter()
                            .chain(&models.connection.rollback)
                            .any(|m| m == name)
                }
                _ => false,
            };
            on_scoped
                || self
                    .callee_summary(file, function, &call.callee)
                    .is_some_and(|helper| helper.ends_scoped)
        });
        summary.never_returns = function.kind == FunctionKind::Function
            && function.name != "<module>"
            && self.always_raises(file, models, function);
        // Only a plain `@transaction.atomic`: `savepoint=False` makes no savepoint, and
        // `using=` may name another database than the caller's block.
        summary.own_atomic = atomic_decorators(file, models, function).any(|decorator| {
            !decorator
                .strip_suffix("()")
                .unwrap_or(decorator)
                .contains('(')
        }) || runs_in_own_atomic_block(file, models, function);
        summary.fails_as_value = function.name != "<module>"
            && kinds.values().any(|kind| {
                matches!(kind, Kind::Connection { driver, .. } if models.drivers[*driver].scoped)
            })
            && handles_and_returns_values(function);
        summary.savepointed = function.name != "<module>"
            && !function.calls.is_empty()
            && function
                .calls
                .iter()
                .all(|call| self.writes_in_own_savepoint(file, models, function, call));
        summary
    }

    /// Whether no path of the function reaches a return: each raises, or calls a function
    /// that never returns.
    fn always_raises(&self, file: &FileIr, models: &Models, function: &Function) -> bool {
        let cfg = &function.cfg;
        if cfg.blocks.is_empty() {
            return false;
        }
        let mut seen = vec![false; cfg.blocks.len()];
        let mut stack = vec![txlint_ir::ir::Cfg::ENTRY];
        while let Some(block) = stack.pop() {
            if std::mem::replace(&mut seen[block.index()], true) {
                continue;
            }
            let data = cfg.block(block);
            let stops = data.events.iter().any(|event| {
                matches!(event, Event::Call(id)
                    if self.never_returns(file, models, (function, function.call(*id))))
            });
            if stops {
                continue;
            }
            if matches!(data.terminator, Terminator::Return { .. }) {
                return false;
            }
            stack.extend(cfg.successors(block));
        }
        true
    }

    /// Whether a call never returns: a function the models list (`flask.abort`, as the
    /// file's imports resolve it), or a project function every path of which raises.
    pub fn never_returns(
        &self,
        file: &FileIr,
        models: &Models,
        (function, call): (&Function, &txlint_ir::ir::Call),
    ) -> bool {
        if let Callee::Path(path) = &call.callee {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            let imported = segments
                .first()
                .is_some_and(|first| file.import_named(first).is_some());
            // A builtin (`exit(1)`): a bare name the file neither imports nor defines.
            let builtin = segments.len() == 1
                && !imported
                && self.resolve_call(file, function, &call.callee).is_none()
                && !file.globals.iter().any(|g| g.name == segments[0]);
            if (imported || builtin)
                && models
                    .control
                    .never_return
                    .contains(&resolve(file, &segments))
            {
                return true;
            }
        }
        // `ns.abort(404)` on `ns = Namespace(...)`, a module global of the file.
        if let Callee::Method {
            receiver: Operand::Global(global),
            name,
            ..
        } = &call.callee
        {
            let class = file
                .globals
                .iter()
                .find(|g| g.name == *global)
                .and_then(|g| g.ty.strip_suffix("()"))
                .map(|callee| resolve(file, &callee.split('.').collect::<Vec<_>>()));
            if let Some(class) = class {
                let method = format!("{class}.{name}");
                if models.control.never_return_methods.contains(&method) {
                    return true;
                }
            }
        }
        self.callee_summary(file, function, &call.callee)
            .is_some_and(|helper| helper.never_returns)
    }

    /// A name for the pool an operand denotes that is the same at every use across the
    /// project: a module global (`app.db:_pool`), an attribute of the class's instances
    /// (`app.repo:Repo.pool`), or, only within one function, a local or parameter.
    pub fn pool_key(&self, function: &Function, operand: &Operand) -> Option<String> {
        match operand {
            Operand::Global(name) => Some(format!("{}:{name}", self.module)),
            Operand::Field(base, attribute) => {
                let receiver = function.receiver?;
                let (class, _) = function.name.rsplit_once('.')?;
                (**base == Operand::Var(receiver))
                    .then(|| format!("{}:{class}.{attribute}", self.module))
            }
            Operand::Var(v) => Some(format!("{LOCAL_POOL}{}", v.0)),
            _ => None,
        }
    }
}

/// The prefix of pool keys that name a pool only within one function.
pub(crate) const LOCAL_POOL: &str = "local:";

/// A call that borrows a connection from a pool, engine or asyncpg pool, and the pool it
/// borrows from with its kind: `pool.getconn()`, `pool.acquire()`, `with pool.connection()`,
/// `with engine.connect()`, asyncpg's `pool.fetchval(…)`. Session factories borrow only
/// when a session runs its first statement, on the session: not here.
pub(crate) fn direct_borrow(
    models: &Models,
    kinds: &HashMap<Operand, Kind>,
    call: &txlint_ir::ir::Call,
) -> Option<(Operand, usize)> {
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return None;
    };
    let Some(Kind::Pool { pool, .. }) = kinds.get(receiver) else {
        return None;
    };
    let kind = &models.pool_kinds[*pool];
    let borrows = !kind.factory
        && (kind.acquire.iter().any(|m| m == name)
            || kind.contexts.iter().any(|c| &c.method == name)
            || kind.borrowing.iter().any(|m| m == name));
    borrows.then(|| (receiver.clone(), *pool))
}

fn summarize(models: &Models, function: &Function, kinds: &HashMap<Operand, Kind>) -> PySummary {
    let methods = &models.connection;
    let acquires = function.cfg.blocks.iter().find_map(|block| {
        let Terminator::Return { values, .. } = &block.terminator else {
            return None;
        };
        let value = values.first()?;
        let kind = match value {
            Operand::Call(id) => {
                let call = function.call(*id);
                // `return self.pool.getconn()` / `return psycopg.connect(...)`.
                let target = Operand::Call(*id);
                kinds.get(&target).cloned().or_else(|| match &call.callee {
                    Callee::Method { receiver, name, .. } => kinds
                        .get(receiver)
                        .and_then(|k| method_kind(models, k, name, receiver, false)),
                    _ => None,
                })
            }
            other => kinds.get(other).cloned(),
        }?;
        match kind {
            Kind::Connection { driver, autocommit } => Some((driver, autocommit)),
            _ => None,
        }
    });
    let (acquires, acquires_autocommit) = match acquires {
        Some((driver, autocommit)) => (Some(driver), autocommit),
        None => (None, false),
    };
    let long_lived = |operand: &Operand| {
        matches!(operand, Operand::Field(..) | Operand::Global(_))
            && matches!(kinds.get(operand), Some(Kind::Connection { .. }))
    };
    let returns_shared = function.cfg.blocks.iter().any(|block| {
        let Terminator::Return { values, .. } = &block.terminator else {
            return false;
        };
        match values.first() {
            Some(Operand::Var(v)) => {
                copied_from(function, *v).is_some_and(|from| long_lived(&from))
            }
            Some(other) => long_lived(other),
            None => false,
        }
    });
    let param_index = |operand: &Operand| match operand {
        Operand::Var(v) => function.params.iter().position(|p| p == v),
        _ => None,
    };
    let mut releases = ParamFlags::default();
    let mut closes = ParamFlags::default();
    let mut ends = ParamFlags::default();
    for call in &function.calls {
        let Callee::Method { receiver, name, .. } = &call.callee else {
            continue;
        };
        if let Some(Kind::Pool { pool, .. }) = kinds.get(receiver) {
            if models.pool_kinds[*pool].release.iter().any(|m| m == name) {
                for arg in &call.args {
                    if let Some(i) = param_index(arg) {
                        releases.set(i);
                    }
                }
            }
        }
        if let Some(i) = param_index(receiver) {
            if methods.close.iter().any(|m| m == name) {
                closes.set(i);
            }
            if methods
                .commit
                .iter()
                .chain(&methods.rollback)
                .any(|m| m == name)
            {
                ends.set(i);
            }
        }
    }
    let params = function
        .params
        .iter()
        .map(|param| function.var(*param).name.clone())
        .collect();
    PySummary {
        params,
        acquires,
        acquires_autocommit,
        returns_shared,
        releases,
        closes,
        ends,
        yields_autocommit: false,
        yields_autocommit_from: None,
        yields_pooled: false,
        scope_fields: Vec::new(),
        scope_params: Vec::new(),
        borrows: None,
        blocks: None,
        class_exit: None,
        class_field: None,
        class_ends: Vec::new(),
        never_returns: false,
        ends_scoped: false,
        global: None,
        returns_pool: None,
        instance_of: None,
        request_view: false,
        session_exit: None,
        savepointed: false,
        own_atomic: false,
        fails_as_value: false,
        reexport_of: None,
    }
}

/// Whether the function has an `except` handler and a `return` with a value: it may hand
/// a failure it caught back to its callers (which `return` a handler's path reaches is
/// TX003's to decide).
fn handles_and_returns_values(function: &Function) -> bool {
    function
        .events()
        .any(|event| matches!(event, Event::Handler { .. }))
        && function.cfg.blocks.iter().any(|block| {
            matches!(&block.terminator, Terminator::Return { values, implicit: false, .. }
                if !values.is_empty())
        })
}

/// Whether a local session is made on a connection whose transaction someone else owns and
/// ends (`Session(bind=op.get_bind())` in an alembic migration, which alembic commits): the
/// session joins that transaction, and closing it ends nothing (`joined-connections` in the
/// models).
fn bound_to_joined_connection(
    models: &Models,
    file: &FileIr,
    function: &Function,
    holder: &Holder,
) -> bool {
    let Operand::Var(var) = holder.operand else {
        return false;
    };
    let joined = |operand: &Operand| {
        let call = match operand {
            Operand::Call(id) => Some(*id),
            Operand::Var(v) => match function.definitions(*v) {
                [Operand::Call(id)] => Some(*id),
                _ => None,
            },
            _ => None,
        };
        let segments: Vec<&str> = match call.map(|id| &function.call(id).callee) {
            Some(Callee::Path(path)) => path.iter().map(String::as_str).collect(),
            // `op.get_bind()` on an imported module.
            Some(Callee::Method {
                receiver: Operand::Global(module),
                name,
                ..
            }) => vec![module.as_str(), name.as_str()],
            _ => return false,
        };
        let name = resolve(file, &segments);
        models.connection.joined_connections.contains(&name)
    };
    function.definitions(var).iter().any(|definition| {
        let Operand::Call(id) = definition else {
            return false;
        };
        let call = function.call(*id);
        let bind = call
            .keywords
            .iter()
            .find(|(name, _)| name == "bind")
            .map(|(_, value)| value)
            .or(call.args.first());
        bind.is_some_and(joined)
    })
}

/// Methods nothing can call: a name-mangled private method (`def __load(self)`, not a
/// dunder) that its file never names. Python rewrites `self.__load` inside the class to
/// `self._Class__load`, so no other file reaches it without spelling that name (nor a
/// subclass elsewhere, whose `self.__load` is its own); a reference anywhere in the file,
/// a call, an attribute read, the mangled name in a string, keeps it.
pub(crate) fn uncallable_methods(file: &FileIr) -> Vec<FuncId> {
    fn private(function: &Function) -> Option<&str> {
        let short = function.name.rsplit('.').next().unwrap_or(&function.name);
        (function.kind == FunctionKind::Method
            && function.parent.is_none()
            && short.starts_with("__")
            && !short.ends_with("__"))
        .then_some(short)
    }
    let candidates: Vec<(FuncId, &str)> = file
        .functions
        .iter()
        .enumerate()
        .filter_map(|(index, f)| private(f).map(|short| (FuncId(index as u32), short)))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut named: HashSet<&str> = HashSet::new();
    let mut texts: Vec<&str> = Vec::new();
    fn visit<'o>(operand: &'o Operand, named: &mut HashSet<&'o str>, texts: &mut Vec<&'o str>) {
        match operand {
            Operand::Field(base, name) | Operand::Item(base, name) => {
                named.insert(name);
                visit(base, named, texts);
            }
            Operand::Global(name) => {
                named.insert(name);
            }
            Operand::Str(text) => texts.push(text),
            Operand::TypeTest(inner) => visit(inner, named, texts),
            Operand::Composite(_, fields) => {
                for (_, value) in fields {
                    visit(value, named, texts);
                }
            }
            _ => {}
        }
    }
    for function in &file.functions {
        for call in &function.calls {
            match &call.callee {
                Callee::Method { receiver, name, .. } => {
                    named.insert(name);
                    visit(receiver, &mut named, &mut texts);
                }
                Callee::Path(path) => named.extend(path.iter().map(String::as_str)),
                Callee::Other(operand) => visit(operand, &mut named, &mut texts),
            }
            for operand in call.args.iter().chain(call.keywords.iter().map(|(_, v)| v)) {
                visit(operand, &mut named, &mut texts);
            }
        }
        for event in function.events() {
            if let Event::Assign { values, .. } = event {
                for value in values {
                    visit(value, &mut named, &mut texts);
                }
            }
        }
        for block in &function.cfg.blocks {
            if let Terminator::Return { values, .. } = &block.terminator {
                for value in values {
                    visit(value, &mut named, &mut texts);
                }
            }
        }
    }
    candidates
        .into_iter()
        .filter(|(_, short)| {
            !named.contains(short)
                && !named.iter().any(|n| n.ends_with(short))
                && !texts.iter().any(|text| text.contains(short))
        })
        .map(|(id, _)| id)
        .collect()
}

/// What a Python rule tracks about a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// TX004: an implicit transaction until commit/rollback.
    Implicit,
    /// TX003: the aborted transaction after a swallowed error, until rollback.
    Aborted,
    /// TX003 on a database that undoes a failed statement alone (SQLite, MySQL) when the
    /// `try` guarded one write: the transaction is as it was before that statement, so
    /// using it again is fine; leaving with it open (its locks held) is not.
    StatementUndone,
    /// TX011: writes until commit; closing or a rolling-back exit loses them.
    Writes,
    /// TX004 on exception paths: as `Implicit`, with the exception of a statement routed
    /// only to the handlers that can catch a database error, and a handler that surely
    /// catches one settling the transaction (what it does with it is TX003's question).
    Raised,
}

/// The engine's view of one connection holder.
pub(crate) struct ConnectionModel<'a> {
    pub file: &'a FileIr,
    pub models: &'a Models,
    pub facts: &'a PyFacts,
    pub function_id: FuncId,
    pub function: &'a Function,
    pub holder: &'a Holder,
    pub mode: Mode,
}

impl ConnectionModel<'_> {
    /// TX003's modes: what follows an `except` that swallowed a database error.
    fn after_swallowed_error(&self) -> bool {
        matches!(self.mode, Mode::Aborted | Mode::StatementUndone)
    }

    pub(crate) fn kinds(&self) -> &HashMap<Operand, Kind> {
        &self.facts.kinds[self.function_id.index()]
    }

    /// Whether an operand denotes the holder (or a local alias of it).
    pub fn is_holder(&self, operand: &Operand) -> bool {
        *operand == self.holder.operand
            || matches!(operand, Operand::Var(v) if self.holder.aliases.contains(v))
    }

    /// The connection a statement call runs on: the receiver, or the owner of a cursor.
    pub fn statement_target(&self, call: &txlint_ir::ir::Call) -> Option<Operand> {
        let Callee::Method { receiver, name, .. } = &call.callee else {
            return None;
        };
        if !self.models.connection.statements.iter().any(|m| m == name) {
            return None;
        }
        Some(connection_at(
            self.function,
            self.kinds(),
            &self.facts.reassigned_cursors[self.function_id.index()],
            receiver,
            call.range,
        ))
    }

    /// Whether a statement call runs on this holder.
    pub fn is_statement(&self, call: &txlint_ir::ir::Call) -> bool {
        self.statement_target(call)
            .is_some_and(|t| self.is_holder(&t))
    }

    /// The `with` statements of the function whose exit, run by an exception, ends the
    /// holder's transaction: `with conn:` (rolls back), `with sqlite3.connect(…) as conn:`,
    /// `async with aiosqlite.connect(…) as db:` (closes), `with contextlib.closing(conn):`.
    /// As (header, whole statement) ranges.
    pub(crate) fn ending_withs(&self) -> Vec<(TextRange, TextRange)> {
        let function = self.function;
        let mut headers: Vec<TextRange> = Vec::new();
        for event in function.events() {
            let Event::ScopeExit {
                context,
                value,
                range,
                ..
            } = event
            else {
                continue;
            };
            if headers.contains(range) {
                continue;
            }
            let closing = context.is_some_and(|c| {
                let call = function.call(c);
                let named = match &call.callee {
                    Callee::Path(path) => {
                        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                        resolve(self.file, &segments) == "contextlib.closing"
                    }
                    _ => false,
                };
                named && call.args.first().is_some_and(|a| self.is_holder(a))
            });
            if closing || self.scope_exit(*context, value).is_some() {
                headers.push(*range);
            }
        }
        self.file
            .with_blocks
            .iter()
            .filter(|(header, _)| headers.contains(header))
            .copied()
            .collect()
    }

    /// Whether a statement opens a transaction by itself on this driver.
    pub fn opens(&self, call: &txlint_ir::ir::Call) -> bool {
        if self.holder.autocommit {
            return false;
        }
        // `COMMIT`, `ROLLBACK`, `RELEASE SAVEPOINT sp` sent as text open nothing, nor
        // does `BEGIN; …; COMMIT;` in one string: after the driver's own `BEGIN`, the
        // text's `COMMIT` ends what is open.
        if let Some(effect) = self.facts.sql_effect(self.function_id, self.function, call) {
            if (effect.only_control && !effect.leaves_open) || effect.closes {
                return false;
            }
        }
        let driver = &self.models.drivers[self.holder.driver];
        // MySQL's drivers send no `BEGIN`: InnoDB starts the session's transaction at the
        // first statement that reads or writes a table, not at `SET NAMES`, `SHOW …` or
        // `SELECT VERSION()`.
        if driver.database == Some(crate::models::Database::Mysql)
            && call
                .args
                .first()
                .and_then(|text| sql_values(self.function, text))
                .is_some_and(|texts| {
                    !texts.is_empty()
                        && texts
                            .iter()
                            .all(|sql| crate::engine::sql_control::touches_no_table(sql))
                })
        {
            return false;
        }
        match driver.implicit {
            Implicit::Any => true,
            Implicit::Dml => writes(self.models, self.function, call),
            Implicit::Never => false,
        }
    }

    pub(crate) fn method_on_holder<'c>(&self, call: &'c txlint_ir::ir::Call) -> Option<&'c str> {
        match &call.callee {
            Callee::Method { receiver, name, .. } if self.is_holder(receiver) => Some(name),
            _ => None,
        }
    }

    /// Whether a call hands the holder back to a pool (or a helper that does).
    pub fn releases(&self, call: &txlint_ir::ir::Call) -> bool {
        let passes_holder = || call.args.iter().any(|a| self.is_holder(a));
        if let Callee::Method { receiver, name, .. } = &call.callee {
            if let Some(Kind::Pool { pool, .. }) = self.kinds().get(receiver) {
                if self.models.pool_kinds[*pool]
                    .release
                    .iter()
                    .any(|m| m == name)
                    && passes_holder()
                {
                    return true;
                }
            }
        }
        self.facts
            .callee_summary(self.file, self.function, &call.callee)
            .is_some_and(|summary| {
                summary
                    .bound(call)
                    .any(|(i, a)| self.is_holder(a) && summary.releases.has(i))
            })
    }

    /// Whether a call commits or rolls back the holder (directly or through a helper).
    fn ends(&self, call: &txlint_ir::ir::Call) -> bool {
        let methods = &self.models.connection;
        let ending = |name: &str| {
            methods
                .commit
                .iter()
                .chain(&methods.rollback)
                .any(|m| m == name)
        };
        if let Some(name) = self.method_on_holder(call) {
            if ending(name) {
                return true;
            }
        }
        // `self.finish()` where a method of the class commits or rolls back the holder.
        if let Some((_, attribute)) = own_attribute(self.function, &self.holder.operand) {
            if self
                .facts
                .own_method_effect(self.function, call)
                .is_some_and(|effect| effect.ends.iter().any(|a| a == attribute))
            {
                return true;
            }
        }
        // `uow.commit()` where `uow.conn` is the holder and the class's `commit` ends it.
        if let (Operand::Field(base, _), Callee::Method { receiver, name, .. }) =
            (&self.holder.operand, &call.callee)
        {
            if **base == *receiver {
                let class_ends = self.holder.context.and_then(|(context, _)| {
                    let helper = self.facts.callee_summary(
                        self.file,
                        self.function,
                        &self.function.call(context).callee,
                    )?;
                    Some(helper.class_ends.contains(name))
                });
                if class_ends == Some(true) {
                    return true;
                }
            }
        }
        // `trans.commit()` on `trans = conn.begin()` ends the connection's transaction.
        if let Callee::Method { receiver, name, .. } = &call.callee {
            if let Some(Kind::Transaction { owner } | Kind::DeferredTransaction { owner }) =
                self.kinds().get(receiver)
            {
                if self.is_holder(owner) && ending(name) {
                    return true;
                }
            }
            // Rolling back to a savepoint clears a failed statement's error.
            if let Some(Kind::Savepoint { owner }) = self.kinds().get(receiver) {
                if self.after_swallowed_error()
                    && self.is_holder(owner)
                    && methods.rollback.iter().any(|m| m == name)
                {
                    return true;
                }
            }
        }
        // Transaction control sent as SQL text on the holder: `execute("COMMIT")`, and
        // for an aborted transaction `execute("ROLLBACK TO SAVEPOINT sp")`.
        if self.is_statement(call) {
            if let Some(effect) = self.facts.sql_effect(self.function_id, self.function, call) {
                if effect.ends_open.is_some() || (self.after_swallowed_error() && effect.recovers) {
                    return true;
                }
            }
        }
        self.facts
            .callee_summary(self.file, self.function, &call.callee)
            .is_some_and(|summary| {
                // A helper that ends the request's scoped session itself.
                (self.holder.owner == Owner::Scoped && summary.ends_scoped)
                    || summary
                        .bound(call)
                        .any(|(i, a)| self.is_holder(a) && summary.ends.has(i))
            })
    }

    /// Whether a `with` context call is a same-file `@contextmanager` that begins and ends
    /// a transaction on the holder by SQL text (`with self.atomic():`): `Some(true)`, or
    /// only sets and clears a savepoint: `Some(false)`.
    pub fn scoped_by_helper(&self, context: CallId) -> Option<bool> {
        let call = self.function.call(context);
        let summary = self
            .facts
            .callee_summary(self.file, self.function, &call.callee)?;
        let on_field = match &call.callee {
            Callee::Method { receiver, .. } => {
                summary.scope_fields.iter().find_map(|(field, ends)| {
                    let place = Operand::Field(Box::new(receiver.clone()), field.clone());
                    self.is_holder(&place).then_some(*ends)
                })
            }
            _ => None,
        };
        on_field.or_else(|| {
            summary.scope_params.iter().find_map(|&(i, ends)| {
                call.args
                    .get(i)
                    .is_some_and(|a| self.is_holder(a))
                    .then_some(ends)
            })
        })
    }

    /// Whether a call closes the holder (or a helper that does: `finish(conn)`).
    pub(crate) fn closes(&self, call: &txlint_ir::ir::Call) -> bool {
        // `self.disconnect()` where a method of the class closes the holder.
        let by_own_method = || {
            own_attribute(self.function, &self.holder.operand).is_some_and(|(_, attribute)| {
                self.facts
                    .own_method_effect(self.function, call)
                    .is_some_and(|effect| effect.closes.iter().any(|a| a == attribute))
            })
        };
        self.method_on_holder(call)
            .is_some_and(|name| self.models.connection.close.iter().any(|m| m == name))
            || by_own_method()
            || self
                .facts
                .callee_summary(self.file, self.function, &call.callee)
                .is_some_and(|summary| {
                    summary
                        .bound(call)
                        .any(|(i, a)| self.is_holder(a) && summary.closes.has(i))
                })
    }

    /// What a `with` exit on the holder does.
    /// Whether an event is a call of a method of the holder or of one of its cursors
    /// (`cur.execute(…)`, `cur.fetchone()`, `conn.commit()`): what a database error comes
    /// from.
    pub(crate) fn calls_holder(&self, event: &Event) -> bool {
        let Event::Call(id) = event else {
            return false;
        };
        let call = self.function.call(*id);
        let Callee::Method { receiver, .. } = &call.callee else {
            return false;
        };
        let receiver = strip_await(self.function, receiver);
        self.is_holder(&connection_at(
            self.function,
            self.kinds(),
            &self.facts.reassigned_cursors[self.function_id.index()],
            &receiver,
            call.range,
        ))
    }

    pub(crate) fn scope_exit(
        &self,
        context: Option<CallId>,
        value: &Operand,
    ) -> Option<ContextExit> {
        if self.is_holder(value) {
            return Some(self.models.drivers[self.holder.driver].context_exit);
        }
        // `with conn.begin():` / `with session.begin():` / `with conn.transaction():`
        // commits what ran in it when the block completes.
        if let Some(context) = context {
            if let Callee::Method { receiver, name, .. } = &self.function.call(context).callee {
                let scoped = self.models.connection.scoped_transactions.contains(name);
                if scoped && self.is_holder(receiver) {
                    return Some(ContextExit::Commit);
                }
            }
            if self.scoped_by_helper(context) == Some(true) {
                return Some(ContextExit::Commit);
            }
        }
        match (context, self.holder.context) {
            (Some(c), Some((holder_context, exit))) if c == holder_context => Some(exit),
            // Another `with` block that binds the same variable (`with engine.connect()
            // as con:` twice in a function).
            (Some(c), _) if self.binds_holder(c) => context_exit(
                self.file,
                self.models,
                self.function,
                self.kinds(),
                c,
                self.holder.driver,
            ),
            _ => None,
        }
    }

    /// Whether a call's value is assigned to the holder (or a local alias of it).
    fn binds_holder(&self, call: CallId) -> bool {
        matches!(&self.function.call(call).result, ResultUse::Assigned(bindings)
        if bindings.first().is_some_and(|b| match b {
            Binding::Var(v) => self.is_holder(&Operand::Var(*v)),
            Binding::Place(place) => self.is_holder(place),
            Binding::Blank => false,
        }))
    }
}

/// How many assignments deep a variable holding SQL is followed (`q = base` where
/// `base = "UPDATE …"`).
const SQL_VALUE_DEPTH: u8 = 4;

/// The SQL texts an operand may hold: a string literal (an f-string's placeholders kept as
/// written, a concatenation or `%` format read from its literal part), SQLAlchemy's
/// `text("…")`, `"…".format(…)`, or a local variable of the function every assignment of
/// which is one of these (`sql = text("UPDATE …")`, then `conn.execute(sql)`), one text per
/// assignment. `None` when any of them is something else: a parameter, an attribute, a
/// module constant, a value computed by a call.
pub(crate) fn sql_values(function: &Function, operand: &Operand) -> Option<Vec<String>> {
    sql_values_at(function, operand, SQL_VALUE_DEPTH)
}

fn sql_values_at(function: &Function, operand: &Operand, depth: u8) -> Option<Vec<String>> {
    match operand {
        Operand::Str(sql) => Some(vec![sql.clone()]),
        Operand::Call(id) => {
            let call = function.call(*id);
            match &call.callee {
                // SQLAlchemy's `text("INSERT …")`.
                Callee::Path(path) if path.last().is_some_and(|n| n == "text") => {
                    sql_values_at(function, call.args.first()?, depth)
                }
                // `"UPDATE {} SET …".format(table)`.
                Callee::Method {
                    receiver: Operand::Str(sql),
                    name,
                    ..
                } if name == "format" => Some(vec![sql.clone()]),
                _ => None,
            }
        }
        Operand::Var(v) if depth > 0 && function.var(*v).kind == VarKind::Local => {
            let definitions = definitions_of(function, *v);
            if definitions.is_empty() {
                return None;
            }
            let mut texts = Vec::new();
            for definition in definitions {
                if definition == *operand {
                    return None;
                }
                texts.extend(sql_values_at(function, &definition, depth - 1)?);
            }
            Some(texts)
        }
        _ => None,
    }
}

/// Whether a statement's SQL is given as plain strings only: a literal, `"…".format(…)`,
/// or a local assigned only such (not SQLAlchemy's `text(…)`).
pub(crate) fn plain_sql_string(function: &Function, operand: &Operand) -> bool {
    plain_sql_string_at(function, operand, SQL_VALUE_DEPTH)
}

fn plain_sql_string_at(function: &Function, operand: &Operand, depth: u8) -> bool {
    match operand {
        Operand::Str(_) => true,
        Operand::Call(id) => matches!(
            &function.call(*id).callee,
            Callee::Method { receiver: Operand::Str(_), name, .. } if name == "format"
        ),
        Operand::Var(v) if depth > 0 && function.var(*v).kind == VarKind::Local => {
            let definitions = definitions_of(function, *v);
            !definitions.is_empty()
                && definitions
                    .iter()
                    .all(|d| d != operand && plain_sql_string_at(function, d, depth - 1))
        }
        _ => false,
    }
}

/// Every value a local variable is assigned in the function: plain values, and calls
/// whose result is bound to it alone (`sql = text("…")`). A binding of several targets
/// (`a, q = f()`) or any other binding gives [`Operand::Other`].
fn definitions_of(function: &Function, var: VarId) -> Vec<Operand> {
    function.definitions(var).to_vec()
}

/// The SQL text a statement call sends (see [`sql_values`]), when every value its first
/// argument may hold is the same text.
pub(crate) fn sql_text(function: &Function, call: &txlint_ir::ir::Call) -> Option<String> {
    let mut texts = sql_values(function, call.args.first()?)?.into_iter();
    let first = texts.next()?;
    texts.all(|t| t == first).then_some(first)
}

/// The connection a receiver stands for: itself, or the owner of a cursor.
/// The connection a statement at `at` runs on, when its receiver is a cursor variable
/// assigned more than once (`cur = a.cursor()` … `cur = b.cursor()`): the connection of the
/// last cursor assigned before the statement in the source, else [`connection_of`].
fn connection_at(
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    reassigned: &HashMap<VarId, Vec<(TextRange, Operand)>>,
    receiver: &Operand,
    at: TextRange,
) -> Operand {
    if let (Operand::Var(v), Some(Kind::Cursor { .. })) = (receiver, kinds.get(receiver)) {
        if let Some(assignments) = reassigned.get(v) {
            // Assignments are statements, so they do not overlap: in source order, their
            // ends are ordered too.
            let before = assignments.partition_point(|(range, _)| range.end() <= at.start());
            if let Some((_, connection)) = before.checked_sub(1).map(|i| &assignments[i]) {
                return connection.clone();
            }
        }
    }
    connection_of(function, kinds, receiver)
}

/// The cursor variables of a function assigned more than once from a call on a
/// connection (`cur = a.cursor()` … `cur = b.cursor()`), each with its assignments.
fn reassigned_cursors(
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
) -> HashMap<VarId, Vec<(TextRange, Operand)>> {
    let mut assignments: HashMap<VarId, Vec<(TextRange, Operand)>> = HashMap::new();
    for call in &function.calls {
        let (ResultUse::Assigned(bindings), Callee::Method { receiver, .. }) =
            (&call.result, &call.callee)
        else {
            continue;
        };
        if let (Some(Binding::Var(v)), Some(Kind::Connection { .. })) =
            (bindings.first(), kinds.get(receiver))
        {
            if matches!(kinds.get(&Operand::Var(*v)), Some(Kind::Cursor { .. })) {
                assignments
                    .entry(*v)
                    .or_default()
                    .push((call.range, receiver.clone()));
            }
        }
    }
    assignments.retain(|_, list| list.len() > 1);
    for list in assignments.values_mut() {
        list.sort_by_key(|(range, _)| range.start());
    }
    assignments
}

pub(crate) fn connection_of(
    function: &Function,
    kinds: &HashMap<Operand, Kind>,
    receiver: &Operand,
) -> Operand {
    match kinds.get(receiver) {
        Some(Kind::Cursor { owner }) => owner.clone(),
        _ => match receiver {
            // `conn.cursor().execute(...)`
            Operand::Call(id) => match &function.call(*id).callee {
                Callee::Method { receiver, .. } => receiver.clone(),
                _ => receiver.clone(),
            },
            _ => receiver.clone(),
        },
    }
}

/// Whether a statement writes: SQL text starting with a writing verb, an ORM write, or
/// an `insert()`/`update()`/`delete()` construct.
pub(crate) fn writes(models: &Models, function: &Function, call: &txlint_ir::ir::Call) -> bool {
    let methods = &models.connection;
    if let Callee::Method { name, .. } = &call.callee {
        if methods.orm_writes.iter().any(|m| m == name) {
            return true;
        }
        // sqlite3's `executescript` commits first and runs the script as written: its
        // statements commit one by one unless the script itself sends `BEGIN`.
        if name == "executescript" {
            return false;
        }
    }
    let writes_sql = |sql: &str| {
        let verb: String = sql
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_uppercase();
        methods.write_verbs.contains(&verb)
    };
    let Some(first) = call.args.first() else {
        return false;
    };
    // SQL text, inline or held in a variable: a write when every text it may be writes.
    if let Some(texts) = sql_values(function, first) {
        return !texts.is_empty() && texts.iter().all(|sql| writes_sql(sql));
    }
    // `insert(t).values(…)`, inline or assigned once to a local (`stmt = update(t)…`).
    let construct = match first {
        Operand::Call(id) => Some(*id),
        Operand::Var(v) if function.var(*v).kind == VarKind::Local => {
            match definitions_of(function, *v).as_slice() {
                [Operand::Call(id)] => Some(*id),
                _ => None,
            }
        }
        _ => None,
    };
    let Some(mut current) = construct else {
        return false;
    };
    loop {
        let inner = function.call(current);
        match &inner.callee {
            Callee::Path(path) => {
                let name = path.last().map(String::as_str).unwrap_or("");
                return methods.write_constructs.iter().any(|m| m == name);
            }
            Callee::Method {
                receiver: Operand::Call(next),
                ..
            } => current = *next,
            _ => return false,
        }
    }
}

impl ResourceModel for ConnectionModel<'_> {
    fn over_when_set(&self, operand: &Operand) -> bool {
        let Operand::Field(base, attribute) = operand else {
            return false;
        };
        let closed = self
            .models
            .drivers
            .get(self.holder.driver)
            .and_then(|d| d.closed_attribute.as_deref());
        closed == Some(attribute.as_str()) && self.is_holder(base)
    }

    fn effect(&self, event: &Event) -> Effect {
        match event {
            Event::Call(id) => {
                let call = self.function.call(*id);
                // A call that always raises (`abort(400)`) leaves like a `raise`.
                if self.after_swallowed_error()
                    && self
                        .facts
                        .never_returns(self.file, self.models, (self.function, call))
                {
                    return Effect::End;
                }
                // A helper that rolls back and then gives the connection back ends it.
                if self.ends(call) {
                    return Effect::End;
                }
                if self.releases(call) {
                    // A write handed back to the pool uncommitted is TX004's finding.
                    return match self.mode {
                        Mode::Writes => Effect::End,
                        Mode::Implicit | Mode::Aborted | Mode::StatementUndone | Mode::Raised => {
                            Effect::Release
                        }
                    };
                }
                if self.closes(call) {
                    return match self.mode {
                        Mode::Writes => Effect::Release,
                        Mode::Implicit | Mode::Aborted | Mode::StatementUndone | Mode::Raised => {
                            Effect::End
                        }
                    };
                }
                // Using the connection again while its transaction is aborted. (In the
                // other modes each opening statement is an acquire of its own, so that
                // a finding names the statement that opened the leaking transaction.)
                if self.mode == Mode::Aborted && self.is_statement(call) {
                    return Effect::Release;
                }
                // A local connection handed to code that is not modelled
                // (`finish(conn)`, `pandas.read_sql(q, con=conn)`): it may commit or keep
                // it, so the function's end no longer drops it for sure.
                let handed = call.args.iter().chain(call.keywords.iter().map(|(_, v)| v));
                if self.mode == Mode::Writes
                    && self.holder.owner == Owner::Local
                    && handed.into_iter().any(|a| self.is_holder(a))
                {
                    return Effect::Escape;
                }
                Effect::None
            }
            Event::Handler { catches, .. }
                if self.mode == Mode::Raised
                    && catches_database_errors(self.models, self.file, catches) =>
            {
                Effect::End
            }
            // A handler that raises does not swallow the error: whatever `finally` does on
            // the way out, the caller learns of it (TX003 asks only about swallowing).
            Event::Raise { .. } if self.after_swallowed_error() => Effect::End,
            // Leaving a connection or transaction context with an exception rolls back.
            Event::ScopeExit {
                context,
                value,
                exceptional: true,
                ..
            } => match self.scope_exit(*context, value) {
                Some(_) => Effect::End,
                // A context manager of the project that an exception leaves (`with
                // self.savepoint():`) was written to handle it: it may roll back.
                None if self.mode == Mode::Raised
                    && context.is_some_and(|c| {
                        self.facts
                            .may_call_own_function(self.file, &self.function.call(c).callee)
                    }) =>
                {
                    Effect::End
                }
                None => Effect::None,
            },
            Event::ScopeExit { context, value, .. } => match self.scope_exit(*context, value) {
                Some(ContextExit::Commit | ContextExit::CommitClose) => Effect::End,
                // Given back as it is: a write is TX004's finding there, not TX011's.
                Some(ContextExit::Release) => match self.mode {
                    Mode::Writes => Effect::End,
                    Mode::Implicit | Mode::Aborted | Mode::StatementUndone | Mode::Raised => {
                        Effect::Release
                    }
                },
                Some(ContextExit::Rollback | ContextExit::RollbackClose | ContextExit::Close) => {
                    match self.mode {
                        Mode::Writes => Effect::Release,
                        Mode::Implicit | Mode::Aborted | Mode::StatementUndone | Mode::Raised => {
                            Effect::End
                        }
                    }
                }
                Some(ContextExit::None) | None => Effect::None,
            },
            Event::Assign {
                targets, values, ..
            } => {
                // A local connection stored where it outlives the function.
                let stored = targets
                    .iter()
                    .zip(values)
                    .any(|(t, v)| self.is_holder(v) && matches!(t, Binding::Place(_)));
                if stored && self.holder.owner == Owner::Local {
                    Effect::Escape
                } else {
                    Effect::None
                }
            }
            _ => Effect::None,
        }
    }

    fn returned(&self, values: &[Operand]) -> bool {
        values.iter().any(|v| self.is_holder(v))
    }

    fn panic_site(&self, _event: &Event) -> Option<TextRange> {
        None
    }

    fn exception_settles(&self) -> bool {
        self.after_swallowed_error()
    }

    fn raises_database_error(&self, event: &Event) -> bool {
        self.mode == Mode::Raised && self.calls_holder(event)
    }

    fn may_raise(&self, call: Option<&Event>) -> bool {
        // On exception paths of a PostgreSQL connection, what matters is a failed
        // statement (or fetch, or commit): the transaction is aborted. Another exception
        // after a write leaves it open but usable, which TX011 and the normal-path TX004
        // speak of.
        self.mode != Mode::Raised || call.is_some_and(|event| self.calls_holder(event))
    }

    fn catches_every_database_error(&self, catches: &[String]) -> bool {
        self.mode == Mode::Raised && catches_every_database_error(self.models, self.file, catches)
    }

    fn catches_database_errors(&self, catches: &[String]) -> bool {
        can_catch_database_error(self.file, self.models, catches)
    }
}

/// Whether a call sits in the body of one of these `with` statements.
pub(crate) fn in_with_body(withs: &[(TextRange, TextRange)], range: TextRange) -> bool {
    withs
        .iter()
        .any(|&(header, whole)| whole.contains_range(range) && range.start() >= header.end())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use txlint_ir::FileId;

    use crate::{check_file, Settings};

    /// One function with `branches` early returns, each after a statement on a cursor,
    /// then a commit.
    fn early_returns(branches: usize) -> String {
        let mut source = String::from("def f(conn, x):\n    cur = conn.cursor()\n");
        for i in 0..branches {
            source.push_str(&format!(
                "    if x == {i}:\n        cur.execute(\"UPDATE t SET v = 1 WHERE id = {i}\")\n        return {i}\n"
            ));
        }
        source.push_str("    conn.commit()\n");
        source
    }

    /// The fastest of a few runs of every rule over `source`: the machine may be busy.
    fn check_time(source: &str) -> Duration {
        let ir = txlint_python::lower_file(source);
        let settings = Settings::default();
        (0..3)
            .map(|_| {
                let start = Instant::now();
                check_file(FileId(0), &ir, &settings);
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    /// The TX003 finding of a function swallowing an error on a connection of `driver`.
    fn swallowed(connect: &str, import: &str) -> txlint_ir::Diagnostic {
        let source = format!(
            "import {import}\n\n\
             conn = {connect}\n\n\
             def f():\n    \
                 cur = conn.cursor()\n    \
                 try:\n        \
                     cur.execute(\"UPDATE t SET v = 1\")\n        \
                     cur.execute(\"UPDATE u SET v = 1\")\n    \
                 except Exception:\n        \
                     pass\n    \
                 cur.execute(\"UPDATE t SET v = 2\")\n"
        );
        let ir = txlint_python::lower_file(&source);
        let report = check_file(FileId(0), &ir, &Settings::default());
        report
            .diagnostics
            .into_iter()
            .find(|d| d.code == "TX003")
            .unwrap_or_else(|| panic!("no TX003 for {connect}"))
    }

    #[test]
    fn a_swallowed_error_says_what_the_database_does_with_it() {
        let postgres = swallowed("psycopg2.connect('')", "psycopg2");
        assert!(
            postgres.message.contains("aborted transaction"),
            "{}",
            postgres.message
        );
        assert!(postgres
            .note
            .as_deref()
            .unwrap_or("")
            .contains("PostgreSQL"));
        for (connect, import, db) in [
            ("pymysql.connect()", "pymysql", "MySQL"),
            ("sqlite3.connect('x.db')", "sqlite3", "SQLite"),
        ] {
            let finding = swallowed(connect, import);
            assert!(
                finding.message.contains("lost a statement"),
                "{}",
                finding.message
            );
            assert!(finding.note.as_deref().unwrap_or("").contains(db));
        }
    }

    #[test]
    fn an_exception_left_sqlite3_write_says_the_database_stays_locked() {
        let source = "import sqlite3\n\n\
             def f(path, rows, parse):\n    \
                 conn = sqlite3.connect(path)\n    \
                 conn.execute(\"DELETE FROM t\")\n    \
                 for row in rows:\n        \
                     conn.execute(\"INSERT INTO t VALUES (?)\", (parse(row),))\n    \
                 conn.commit()\n    \
                 conn.close()\n";
        let ir = txlint_python::lower_file(source);
        let report = check_file(FileId(0), &ir, &Settings::default());
        let finding = report
            .diagnostics
            .iter()
            .find(|d| d.code == "TX004")
            .expect("a TX004 finding");
        assert!(
            finding.message.contains("database stays locked"),
            "{}",
            finding.message
        );
        let labels: Vec<&str> = finding.labels.iter().map(|l| l.message.as_str()).collect();
        assert!(
            labels.iter().any(|l| l.contains("an exception here")),
            "{labels:?}"
        );
        assert!(
            labels.iter().any(|l| l.contains("closed here only")),
            "{labels:?}"
        );
    }

    #[test]
    fn a_function_with_many_early_returns_is_checked_in_linear_time() {
        // Four times the branches: four times the time if linear, sixteen if quadratic
        // (4000 branches took 9 s in a debug build when each call searched the
        // function's events for a `with` exit; 30 ms since). Timings of a few
        // milliseconds are noisy: a fast enough run passes whatever the ratio.
        let small = check_time(&early_returns(1_000));
        let large = check_time(&early_returns(4_000));
        assert!(
            large < small * 8 || large < Duration::from_millis(250),
            "1000 branches: {small:?}, 4000 branches: {large:?}"
        );
    }
}
