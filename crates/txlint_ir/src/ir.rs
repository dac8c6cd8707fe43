//! The language-neutral intermediate representation.
//!
//! A front-end lowers each function body (function literals and closures are functions
//! of their own) to a [`Function`]: its variables resolved to [`VarId`]s (so shadowing
//! is already decided), an arena of [`Call`]s recording how each call's result is used,
//! and a control-flow graph of [`Block`]s whose [`Event`]s carry byte ranges. The IR is
//! syntax-level: it knows nothing of databases. Library models, in the rules crate,
//! decide which calls begin, commit or roll back a transaction.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::{Language, TextRange};

/// How long a parser may take on a file of `len` bytes before it is stopped. Real code
/// parses at about 0.2 µs a byte, twenty times under this; what reaches it is
/// tree-sitter's error recovery on long broken lines, which can take seconds (fuzzing
/// found 2 s for 150 kB). A stopped file is reported as not checked.
pub fn parse_budget(len: usize) -> Duration {
    Duration::from_millis(250) + Duration::from_nanos(4_000 * len as u64)
}

/// The moment a parse of a file of a given size has used up its [`parse_budget`].
#[derive(Debug, Clone, Copy)]
pub struct ParseDeadline(Instant);

impl ParseDeadline {
    pub fn for_len(len: usize) -> ParseDeadline {
        ParseDeadline(Instant::now() + parse_budget(len))
    }

    /// A deadline already passed: the parser stops at its first check (tests).
    pub fn passed_already() -> ParseDeadline {
        ParseDeadline(Instant::now())
    }

    pub fn passed(&self) -> bool {
        Instant::now() >= self.0
    }

    /// The time left until the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(/// A function in [`FileIr::functions`].
    FuncId);
id!(/// A variable in [`Function::vars`].
    VarId);
id!(/// A call in [`Function::calls`].
    CallId);
id!(/// A block in [`Cfg::blocks`].
    BlockId);

/// Everything txlint knows about one source file.
#[derive(Debug, Clone)]
pub struct FileIr {
    pub language: Language,
    /// Package or module name, when the language has one in the file.
    pub package: Option<String>,
    pub imports: Vec<Import>,
    /// Declared fields of the file's struct/class types, with their type text.
    pub fields: Vec<FieldDecl>,
    /// Go: the methods the file's interface types declare (their embedded interfaces
    /// left out).
    pub interface_methods: Vec<InterfaceMethod>,
    /// Package-level variables with a declared or evident type (`var DB *gorm.DB`).
    pub globals: Vec<GlobalDecl>,
    /// Python: the file's top-level classes with their base classes as written, whitespace
    /// removed (`class AppDb(SQLAlchemy)` is `("AppDb", ["SQLAlchemy"])`).
    pub class_bases: Vec<(String, Vec<String>)>,
    pub functions: Vec<Function>,
    /// Regions the parser could not understand. Rules report nothing inside them.
    pub syntax_errors: Vec<TextRange>,
    /// Why the file was not parsed, if it was not: the whole file is one syntax error, and
    /// it was not checked.
    pub not_parsed: Option<NotParsed>,
    /// Code nested too deeply to be lowered: the first such region of each function (see
    /// [`FileIr::cut_off`]). What it does is unknown, so that function's findings are
    /// withheld.
    pub unanalysed: Vec<(Option<FuncId>, TextRange)>,
    /// Code that runs on every exit of a block, whatever the exit (Python `finally`).
    pub cleanup_blocks: Vec<TextRange>,
    /// Python `with` statements: the header (`with …:`, the range of their
    /// [`Event::ScopeExit`]s) and the whole statement, body included. An exception raised
    /// in the body outside any `try` has no edge in the CFG; the rules use these to tell
    /// which context managers it leaves on its way out.
    pub with_blocks: Vec<(TextRange, TextRange)>,
    /// Code that only tests run, beyond what the file's path says (Rust `#[cfg(test)]`
    /// modules and `#[test]` functions): rules report there only if they report in tests.
    pub test_code: Vec<TextRange>,
    /// Built on first use by [`FileIr::import_named`], for the imports there were then.
    pub imports_by_name: ImportsByName,
}

/// Each local name's first import, by position (see [`FileIr::import_named`]): every
/// dotted name the analyses resolve is looked up, and a scan of every import computing
/// its local name was a few percent of a cold run.
#[derive(Debug, Clone, Default)]
pub struct ImportsByName(std::sync::OnceLock<(usize, HashMap<String, usize>)>);

/// Why a file's parser did not give a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotParsed {
    /// Stopped for taking longer than [`parse_budget`] allows.
    OverBudget,
    /// Not started: the file has more indentation widths than tree-sitter-python's scanner
    /// can keep beside its string quotes (see `txlint_python`): it could abort the process.
    TooManyIndentationLevels { widths: usize },
}

impl FileIr {
    pub fn empty(language: Language) -> FileIr {
        FileIr {
            language,
            package: None,
            imports: Vec::new(),
            fields: Vec::new(),
            interface_methods: Vec::new(),
            globals: Vec::new(),
            class_bases: Vec::new(),
            functions: Vec::new(),
            syntax_errors: Vec::new(),
            not_parsed: None,
            unanalysed: Vec::new(),
            cleanup_blocks: Vec::new(),
            with_blocks: Vec::new(),
            test_code: Vec::new(),
            imports_by_name: ImportsByName::default(),
        }
    }

    pub fn function(&self, id: FuncId) -> &Function {
        &self.functions[id.index()]
    }

    /// Gives back the spare capacity of the vectors the lowering grew: a whole project's
    /// IR is kept until its index is resolved, and growth by doubling left a third of it
    /// unused.
    pub fn shrink_to_fit(&mut self) {
        for function in &mut self.functions {
            function.vars.shrink_to_fit();
            function.params.shrink_to_fit();
            for call in &mut function.calls {
                call.args.shrink_to_fit();
                call.keywords.shrink_to_fit();
            }
            function.calls.shrink_to_fit();
            for block in &mut function.cfg.blocks {
                block.events.shrink_to_fit();
            }
            function.cfg.blocks.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.imports.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.globals.shrink_to_fit();
    }

    /// The file's declarations without its functions: what a project needs of a file whose
    /// functions were set aside to bound memory (its imports, package, types and globals).
    pub fn declarations(&self) -> FileIr {
        FileIr {
            package: self.package.clone(),
            imports: self.imports.clone(),
            fields: self.fields.clone(),
            interface_methods: self.interface_methods.clone(),
            globals: self.globals.clone(),
            class_bases: self.class_bases.clone(),
            ..FileIr::empty(self.language)
        }
    }

    /// About how many bytes the file's IR holds: its vectors' elements, and a string's
    /// worth for each name. Close enough to bound the memory of a run by.
    pub fn approximate_size(&self) -> usize {
        use std::mem::size_of;
        let name = size_of::<String>() + 16;
        let mut bytes = size_of::<FileIr>()
            + self.imports.len() * (size_of::<Import>() + 2 * name)
            + (self.fields.len() + self.globals.len()) * 3 * name;
        for function in &self.functions {
            bytes += size_of::<Function>() + name;
            bytes += function.vars.len() * (size_of::<Var>() + 2 * name);
            for call in &function.calls {
                bytes += size_of::<Call>() + name;
                bytes += call.args.len() * size_of::<Operand>();
                bytes += call.keywords.len() * (size_of::<(String, Operand)>() + name);
            }
            for block in &function.cfg.blocks {
                bytes += size_of::<Block>() + block.events.len() * size_of::<Event>();
            }
        }
        bytes
    }

    /// Whether `range` overlaps a region the parser could not understand.
    pub fn in_syntax_error(&self, range: TextRange) -> bool {
        self.syntax_errors
            .iter()
            .any(|e| e.intersects(range) || e.contains_range(range))
    }

    /// Records code the lowering cut off for depth in `function` (`None`: outside any);
    /// only the first region of each function is kept.
    pub fn cut_off(&mut self, function: Option<FuncId>, range: TextRange) {
        if self.unanalysed.iter().all(|(f, _)| *f != function) {
            self.unanalysed.push((function, range));
        }
    }

    /// Whether `range` lies in a function part of which was cut off. Code cut off
    /// outside any function hides no function's behaviour.
    pub fn in_unanalysed_function(&self, range: TextRange) -> bool {
        self.unanalysed.iter().any(|(function, _)| {
            function.is_some_and(|id| self.function(id).range.contains_range(range))
        })
    }

    /// The declared type of a package-level variable.
    pub fn global_type(&self, name: &str) -> Option<&str> {
        self.globals
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.ty.as_str())
    }

    /// The name under which an import is visible in the file (alias or last path segment).
    pub fn import_named(&self, local_name: &str) -> Option<&Import> {
        let (built_for, by_name) = self.imports_by_name.0.get_or_init(|| {
            let mut by_name = HashMap::with_capacity(self.imports.len());
            for (position, import) in self.imports.iter().enumerate() {
                by_name
                    .entry(import.local_name().to_string())
                    .or_insert(position);
            }
            (self.imports.len(), by_name)
        });
        // Imports added after the first lookup (a front-end or a test growing the file)
        // are not in the map: scan them as before.
        if *built_for != self.imports.len() {
            return self.imports.iter().find(|i| i.local_name() == local_name);
        }
        by_name
            .get(local_name)
            .map(|&position| &self.imports[position])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Full import path, e.g. `github.com/jackc/pgx/v5`.
    pub path: String,
    /// Explicit alias (`import pg "github.com/lib/pq"`), `_` and `.` included.
    pub alias: Option<String>,
    pub range: TextRange,
}

impl Import {
    /// The identifier the file uses for this import. For Go, a trailing major-version
    /// segment (`/v5`) is skipped, as the language does.
    pub fn local_name(&self) -> &str {
        if let Some(alias) = &self.alias {
            return alias;
        }
        let mut segments = self.path.rsplit('/');
        let last = segments.next().unwrap_or(&self.path);
        let is_major_version = last.len() > 1
            && last.starts_with('v')
            && last[1..].bytes().all(|b| b.is_ascii_digit());
        if is_major_version {
            segments.next().unwrap_or(last)
        } else {
            last
        }
    }
}

/// A method an interface type declares: `Query(string, ...any) (*sql.Rows, error)` of
/// `type Tx interface { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceMethod {
    pub interface: String,
    pub name: String,
    /// The result types as written, without spaces (`*sql.Rows`, `error`).
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecl {
    pub owner: String,
    pub name: String,
    /// Type as written, whitespace removed: `*sql.Tx`, `pgx.Tx`.
    pub ty: String,
    /// Go: an embedded field (`struct{ *sqlx.Tx }`), named after its type (`Tx`): the
    /// type's methods are the struct's too, unless it declares its own of that name.
    pub embedded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalDecl {
    pub name: String,
    /// Type as written, whitespace removed.
    pub ty: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Function,
    Method,
    /// A function literal, lambda or closure, lowered separately from its parent.
    Literal,
}

#[derive(Debug, Clone)]
pub struct Function {
    /// Qualified display name: `Save`, `(*Store).Save`, `Save.func1`.
    pub name: String,
    pub kind: FunctionKind,
    pub range: TextRange,
    /// Range of the name (the `func` keyword for literals).
    pub name_range: TextRange,
    /// The enclosing function of a literal.
    pub parent: Option<FuncId>,
    /// The receiver of a method, first among `vars`.
    pub receiver: Option<VarId>,
    pub params: Vec<VarId>,
    /// Decorators as written, without the `@` (Python).
    pub decorators: Vec<String>,
    /// Named results (Go), in order.
    pub named_results: Vec<VarId>,
    /// How many values the function returns.
    pub result_count: usize,
    /// The declared result types as written, whitespace removed, one per value, when
    /// the front-end knows them (Go); empty otherwise.
    pub result_types: Vec<String>,
    pub vars: Vec<Var>,
    pub calls: Vec<Call>,
    pub cfg: Cfg,
    /// Built on first use by [`Function::definitions`]: asking the events per variable is
    /// quadratic in a function with thousands of statements.
    pub definitions_index: std::sync::OnceLock<Vec<Vec<Operand>>>,
}

impl Function {
    /// Every value a variable is assigned in the function, in order: plain values of
    /// [`Event::Assign`]s first, then calls whose result is bound to it
    /// ([`Operand::Call`] when it is the call's only binding, [`Operand::Other`] when the
    /// call binds several targets: `a, q = f()`).
    pub fn definitions(&self, var: VarId) -> &[Operand] {
        let index = self.definitions_index.get_or_init(|| {
            let mut index: Vec<Vec<Operand>> = vec![Vec::new(); self.vars.len()];
            for event in self.events() {
                if let Event::Assign {
                    targets, values, ..
                } = event
                {
                    for (target, value) in targets.iter().zip(values) {
                        if let Binding::Var(v) = target {
                            if let Some(slot) = index.get_mut(v.index()) {
                                slot.push(value.clone());
                            }
                        }
                    }
                }
            }
            for (position, call) in self.calls.iter().enumerate() {
                if let ResultUse::Assigned(bindings) = &call.result {
                    for binding in bindings {
                        if let Binding::Var(v) = binding {
                            if let Some(slot) = index.get_mut(v.index()) {
                                slot.push(match bindings.as_slice() {
                                    [_] => Operand::Call(CallId(position as u32)),
                                    _ => Operand::Other,
                                });
                            }
                        }
                    }
                }
            }
            index
        });
        index.get(var.index()).map_or(&[], Vec::as_slice)
    }

    /// The function's own parameters among a call's arguments: `(argument position,
    /// parameter index)` for each argument that is a parameter itself.
    pub fn parameters_passed<'a>(
        &'a self,
        call: &'a Call,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        call.args
            .iter()
            .enumerate()
            .filter_map(|(position, arg)| match arg {
                Operand::Var(v) => self
                    .params
                    .iter()
                    .position(|p| p == v)
                    .map(|i| (position, i)),
                _ => None,
            })
    }

    pub fn var(&self, id: VarId) -> &Var {
        &self.vars[id.index()]
    }

    pub fn call(&self, id: CallId) -> &Call {
        &self.calls[id.index()]
    }

    /// Every event of every block, in block order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.cfg.blocks.iter().flat_map(|b| b.events.iter())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    Receiver,
    Param,
    NamedResult,
    Local,
    /// A variable of an enclosing function that a literal refers to. Its `outer` link
    /// says which one.
    Captured,
}

#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub kind: VarKind,
    /// Declared type as written, whitespace removed, when the declaration gives one.
    pub ty: Option<String>,
    pub range: TextRange,
    /// For [`VarKind::Captured`]: the function and variable it refers to.
    pub outer: Option<(FuncId, VarId)>,
}

/// What an expression denotes, as far as the analyses care.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    Var(VarId),
    /// An identifier that is not a local: a package-level variable, a package, a builtin.
    Global(String),
    /// `base.name`
    Field(Box<Operand>, String),
    /// `base["key"]`, an item of a mapping under a literal key (Python), as an assignment
    /// target. A dictionary display's literal entries are assigned as items:
    /// `d = {"key": True}` is also `d["key"] = True`.
    Item(Box<Operand>, String),
    /// The value of a call.
    Call(CallId),
    /// A function literal or closure.
    Closure(FuncId),
    /// Whether the operand has the type a comma-ok assertion asks for: the `ok` of
    /// `v, ok := x.(T)` (Go).
    TypeTest(Box<Operand>),
    /// A literal string (SQL text matters to some rules).
    Str(String),
    /// Another literal, as written: `True`, `None`, `3`.
    Const(String),
    /// A composite literal (Go `T{…}` or `&T{…}`) that sets fields to constants: its type
    /// as written and those fields (`&gorm.Config{DryRun: true}` is
    /// `Composite("gorm.Config", [("DryRun", Const("true"))])`). A composite literal that
    /// sets no field to a constant is `Other`.
    Composite(String, Vec<(String, Operand)>),
    /// Anything else.
    Other,
}

impl Operand {
    /// The variable at the root of `a.b.c`, if any.
    pub fn root_var(&self) -> Option<VarId> {
        match self {
            Operand::Var(v) => Some(*v),
            Operand::Field(base, _) => base.root_var(),
            _ => None,
        }
    }
}

/// One call expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The whole call expression, arguments included.
    pub range: TextRange,
    pub callee: Callee,
    pub args: Vec<Operand>,
    /// Keyword arguments (Python), by name. A `**mapping` argument is the keyword `**`
    /// (and also among `args`).
    pub keywords: Vec<(String, Operand)>,
    /// Positions of arguments that are variables passed by value (Rust): the callee
    /// takes ownership of them.
    pub moved_args: Vec<usize>,
    pub result: ResultUse,
}

impl Call {
    /// The keyword argument `name`, if given.
    pub fn keyword(&self, name: &str) -> Option<&Operand> {
        self.keywords
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `receiver.name(...)`
    Method {
        receiver: Operand,
        name: String,
        name_range: TextRange,
    },
    /// `name(...)`, `pkg.name(...)`: a path of identifiers with no local variable in it.
    Path(Vec<String>),
    /// A call of a function value: a literal, an index expression, a local variable.
    Other(Operand),
}

impl Callee {
    /// Whether this calls the function `name` by its bare name (`panic(…)`, `drop(…)`).
    pub fn is_plain(&self, name: &str) -> bool {
        matches!(self, Callee::Path(path) if path.len() == 1 && path[0] == name)
    }

    /// The called method or function's own name.
    pub fn name(&self) -> Option<&str> {
        match self {
            Callee::Method { name, .. } => Some(name),
            Callee::Path(path) => path.last().map(String::as_str),
            Callee::Other(_) => None,
        }
    }
}

/// Where the results of a call go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultUse {
    /// The call is a statement of its own: its results are thrown away.
    Discarded,
    /// `defer f()`: the call runs at function exit and its results are thrown away.
    Deferred,
    /// `go f()`: the call runs concurrently and its results are thrown away.
    Spawned,
    /// The results are assigned, one binding per result position (`x, err := f()`).
    Assigned(Vec<Binding>),
    /// `return f()`.
    Returned,
    /// `f().name`, the field then used as `then` says.
    Field { name: String, then: Box<ResultUse> },
    /// The result is the receiver of another call (`f().g()`).
    Receiver(CallId),
    /// An argument of another call.
    Argument(CallId),
    /// Any other use inside an expression (a condition, an operand, a composite literal).
    Used,
}

impl ResultUse {
    /// Whether the call's results are thrown away: a statement of its own, deferred or
    /// spawned.
    pub fn is_dropped(&self) -> bool {
        matches!(
            self,
            ResultUse::Discarded | ResultUse::Deferred | ResultUse::Spawned
        )
    }
}

/// Where one assigned value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `_`
    Blank,
    Var(VarId),
    /// A field, an index expression, a package-level variable: the value outlives the
    /// function's locals.
    Place(Operand),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A call is evaluated. Calls nested in an expression come before the call that uses
    /// them.
    Call(CallId),
    /// Values are assigned to places: `t := tx`, `s.tx = tx`. Assignments of a call's
    /// results are described by the call's [`ResultUse::Assigned`] instead.
    Assign {
        targets: Vec<Binding>,
        values: Vec<Operand>,
        range: TextRange,
    },
    /// An operand is read, e.g. `res.Error` in a condition. Recorded for variables and
    /// their fields.
    Use { operand: Operand, range: TextRange },
    /// `defer call`: the call runs at every exit of the function.
    Defer(CallId),
    /// `go call`.
    Go(CallId),
    /// A value is sent on a channel.
    Send { value: Operand, range: TextRange },
    /// Python: a `with` context manager exits without an exception: its body completed,
    /// or a `return`/`break`/`continue` leaves it. `context` is the call that produced
    /// the context manager (`pool.connection()`, `conn.transaction()`); `value` is the
    /// operand of the `with` item when it is not a call (`with conn:`).
    ScopeExit {
        context: Option<CallId>,
        value: Operand,
        range: TextRange,
        /// An exception leaves the block through this exit: the context manager's exit
        /// runs with the exception (a connection or transaction context rolls back).
        exceptional: bool,
    },
    /// Python: the start of an `except` handler. `catches` lists the exception types as
    /// written (empty for a bare `except:`).
    Handler {
        catches: Vec<String>,
        range: TextRange,
        /// The `try` body the handler covers (empty when the body is missing).
        body: TextRange,
        /// The whole `except` clause, its body included.
        clause: TextRange,
    },
    /// Python: a `raise` statement, before the jump to a handler or `finally` it may take
    /// (so that the `finally` code on its way is known to run while the error propagates).
    Raise { range: TextRange },
    /// Python: a generator yields a value (`Other` for `yield from`). What a
    /// `@contextmanager` function yields is what `with f() as x` binds.
    Yield { value: Operand, range: TextRange },
    /// An expression the language defines as able to panic, visible in the syntax: an
    /// explicit pointer dereference, a type assertion without comma-ok.
    PanicSite { kind: PanicKind, range: TextRange },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicKind {
    Dereference,
    TypeAssertion,
}

/// A condition the CFG branches on, when it tests a value against nil/None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NilTest {
    pub operand: Operand,
    /// True when the `then` edge is taken if the operand is nil.
    pub then_is_nil: bool,
    /// Whether the test is the operand's truth value (`if ok`, `if not conn.closed`, Go
    /// `if !done`) rather than a comparison with nil, `None` or zero.
    pub by_truth: bool,
    /// Only the edge on which the operand is not nil tells anything: `errors.Is(err, X)`
    /// or `err == sql.ErrNoRows` being true says `err` is set, being false says nothing
    /// (it may be another error).
    pub one_sided: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terminator {
    /// Falls through to one block.
    Goto(BlockId),
    /// Two-way branch on a condition.
    Branch {
        range: TextRange,
        nil_test: Option<NilTest>,
        then_block: BlockId,
        else_block: BlockId,
    },
    /// Many-way branch: switch, select, type switch.
    Switch {
        range: TextRange,
        targets: Vec<BlockId>,
    },
    /// A return statement, or the end of the body (`implicit`).
    Return {
        range: TextRange,
        values: Vec<Operand>,
        implicit: bool,
    },
    /// A statement inside a `try` body that may raise: control continues normally, or
    /// goes to the handlers (an exception edge).
    MayRaise {
        range: TextRange,
        normal: BlockId,
        handler: BlockId,
    },
    /// An exception leaves the function here (an explicit `raise`, or one that no handler
    /// of this function catches).
    Raise { range: TextRange },
    /// A call that never returns (`panic`, `log.Fatal`, `os.Exit`).
    NoReturn {
        range: TextRange,
        kind: NoReturnKind,
    },
    /// Not reachable (after a `return` inside a block, for instance).
    Unreachable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReturnKind {
    /// Unwinds: deferred calls still run (`panic`, `log.Panic`).
    Panic,
    /// Ends the process: deferred calls do not run (`os.Exit`, `log.Fatal`).
    Exit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub events: Vec<Event>,
    pub terminator: Terminator,
    /// Loop that a `break`/`continue` edge out of this block leaves, for labelling leaks.
    pub jump: Option<Jump>,
}

/// Why a block jumps where it does, when the jump is a `break`/`continue`/`goto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub kind: JumpKind,
    pub range: TextRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JumpKind {
    Break,
    Continue,
    Goto,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cfg {
    pub blocks: Vec<Block>,
}

impl Cfg {
    pub const ENTRY: BlockId = BlockId(0);

    pub fn block(&self, id: BlockId) -> &Block {
        &self.blocks[id.index()]
    }

    /// The block where `event` happens (the first, if it is in several).
    pub fn block_of(&self, event: &Event) -> Option<BlockId> {
        self.blocks
            .iter()
            .position(|b| b.events.contains(event))
            .map(|i| BlockId(i as u32))
    }

    /// Whether every way from the entry to a `return` goes through `block`.
    pub fn on_every_way_out(&self, block: BlockId) -> bool {
        let mut seen = vec![false; self.blocks.len()];
        let mut stack = vec![Cfg::ENTRY];
        while let Some(id) = stack.pop() {
            if id == block || std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            if matches!(self.block(id).terminator, Terminator::Return { .. }) {
                return false;
            }
            stack.extend(self.successors(id));
        }
        true
    }

    /// Whether every path from the entry to `target` passes an event that `passes` accepts
    /// before it (`false` when `target` is not in the graph).
    pub fn always_before(&self, target: &Event, passes: impl Fn(&Event) -> bool) -> bool {
        let Some(home) = self.block_of(target) else {
            return false;
        };
        let events = &self.block(home).events;
        if events.iter().take_while(|e| *e != target).any(&passes) {
            return true;
        }
        // Search from the entry without going through a block that passes one.
        let mut seen = vec![false; self.blocks.len()];
        let mut stack = vec![Cfg::ENTRY];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            if id == home {
                return false;
            }
            if self.block(id).events.iter().any(&passes) {
                continue;
            }
            stack.extend(self.successors(id));
        }
        true
    }

    /// Successors of a block.
    pub fn successors(&self, id: BlockId) -> Vec<BlockId> {
        match &self.block(id).terminator {
            Terminator::Goto(b) => vec![*b],
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => vec![*then_block, *else_block],
            Terminator::Switch { targets, .. } => targets.clone(),
            Terminator::MayRaise {
                normal, handler, ..
            } => vec![*normal, *handler],
            Terminator::Return { .. }
            | Terminator::Raise { .. }
            | Terminator::NoReturn { .. }
            | Terminator::Unreachable => Vec::new(),
        }
    }

    /// Blocks reachable from the entry, in depth-first preorder.
    pub fn reachable(&self) -> Vec<BlockId> {
        self.reachable_from(&[Cfg::ENTRY])
    }

    /// Blocks reachable from these (themselves included), in depth-first preorder.
    pub fn reachable_from(&self, starts: &[BlockId]) -> Vec<BlockId> {
        let mut seen = vec![false; self.blocks.len()];
        let mut order = Vec::new();
        let mut stack: Vec<BlockId> = starts.iter().rev().copied().collect();
        while let Some(b) = stack.pop() {
            if self.blocks.is_empty() || std::mem::replace(&mut seen[b.index()], true) {
                continue;
            }
            order.push(b);
            let mut succ = self.successors(b);
            succ.reverse();
            stack.extend(succ);
        }
        order
    }
}

/// Incremental construction of a [`Cfg`], used by front-ends.
#[derive(Debug, Default)]
pub struct CfgBuilder {
    blocks: Vec<Block>,
    current: Option<BlockId>,
}

impl CfgBuilder {
    /// A builder whose entry block is current.
    pub fn new() -> CfgBuilder {
        let mut builder = CfgBuilder::default();
        let entry = builder.new_block();
        builder.current = Some(entry);
        builder
    }

    pub fn new_block(&mut self) -> BlockId {
        let id = BlockId(u32::try_from(self.blocks.len()).unwrap_or(u32::MAX));
        self.blocks.push(Block {
            events: Vec::new(),
            terminator: Terminator::Unreachable,
            jump: None,
        });
        id
    }

    /// The block new events go to; `None` after a terminator until a new block is entered.
    pub fn current(&self) -> Option<BlockId> {
        self.current
    }

    /// Makes `block` current. Code after a `return` lands in a fresh unreachable block.
    pub fn switch_to(&mut self, block: BlockId) {
        self.current = Some(block);
    }

    /// The current block, creating an unreachable one if the previous block ended.
    fn current_or_new(&mut self) -> BlockId {
        match self.current {
            Some(b) => b,
            None => {
                let b = self.new_block();
                self.current = Some(b);
                b
            }
        }
    }

    pub fn push(&mut self, event: Event) {
        let b = self.current_or_new();
        self.blocks[b.index()].events.push(event);
    }

    /// Ends the current block with `terminator`; nothing is current afterwards.
    pub fn terminate(&mut self, terminator: Terminator) {
        let b = self.current_or_new();
        self.blocks[b.index()].terminator = terminator;
        self.current = None;
    }

    /// Ends the current block with a jump and records why it jumps.
    pub fn jump(&mut self, target: BlockId, jump: Jump) {
        let b = self.current_or_new();
        self.blocks[b.index()].jump = Some(jump);
        self.terminate(Terminator::Goto(target));
    }

    /// Falls through from the current block (if any) to `target` and makes it current.
    pub fn goto_and_switch(&mut self, target: BlockId) {
        if self.current.is_some() {
            self.terminate(Terminator::Goto(target));
        }
        self.current = Some(target);
    }

    pub fn finish(self) -> Cfg {
        Cfg {
            blocks: self.blocks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_local_names() {
        let import = |path: &str, alias: Option<&str>| Import {
            path: path.into(),
            alias: alias.map(Into::into),
            range: TextRange::default(),
        };
        assert_eq!(import("database/sql", None).local_name(), "sql");
        assert_eq!(import("github.com/jackc/pgx/v5", None).local_name(), "pgx");
        assert_eq!(import("gorm.io/gorm", Some("g")).local_name(), "g");
        assert_eq!(import("example.com/v2x", None).local_name(), "v2x");
    }

    #[test]
    fn an_import_is_found_by_its_first_local_name_even_when_added_after_a_lookup() {
        let import = |path: &str, alias: Option<&str>| Import {
            path: path.into(),
            alias: alias.map(Into::into),
            range: TextRange::default(),
        };
        let mut file = FileIr::empty(Language::Go);
        file.imports.push(import("database/sql", None));
        file.imports.push(import("example.com/other/sql", None));
        let path = |file: &FileIr, name: &str| file.import_named(name).map(|i| i.path.clone());
        assert_eq!(path(&file, "sql").as_deref(), Some("database/sql"));
        assert_eq!(path(&file, "pgx"), None);
        file.imports.push(import("github.com/jackc/pgx/v5", None));
        assert_eq!(
            path(&file, "pgx").as_deref(),
            Some("github.com/jackc/pgx/v5")
        );
        assert_eq!(path(&file, "sql").as_deref(), Some("database/sql"));
    }

    #[test]
    fn builder_links_blocks_and_reachability_skips_dead_code() {
        let mut b = CfgBuilder::new();
        let then_block = b.new_block();
        let join = b.new_block();
        b.terminate(Terminator::Branch {
            range: TextRange::default(),
            nil_test: None,
            then_block,
            else_block: join,
        });
        b.switch_to(then_block);
        b.terminate(Terminator::Return {
            range: TextRange::default(),
            values: vec![],
            implicit: false,
        });
        // Code after a return goes to a fresh block nobody reaches.
        b.push(Event::Use {
            operand: Operand::Other,
            range: TextRange::default(),
        });
        b.switch_to(join);
        b.terminate(Terminator::Return {
            range: TextRange::default(),
            values: vec![],
            implicit: true,
        });
        let cfg = b.finish();
        assert_eq!(cfg.blocks.len(), 4);
        assert_eq!(cfg.reachable(), vec![BlockId(0), BlockId(1), BlockId(2)]);
    }
}
