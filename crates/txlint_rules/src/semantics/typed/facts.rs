//! What the library models say about a file's values: which variables hold a
//! transaction (and of which library), and which calls begin one.
//!
//! Without type information a value is a transaction when it is produced by a begin call
//! the models describe (matched on method name, argument count and how many results the
//! call site binds), when it is declared with a transaction type, when it is a struct
//! field declared so, or when it is a copy of one of those. Its name never matters.

use std::collections::HashMap;

use txlint_ir::ir::{
    Binding, CallId, Callee, Event, FileIr, FuncId, Function, Operand, ResultUse, Terminator, VarId,
};

use crate::engine::MAX_BEGINS_PER_FUNCTION;
use crate::models::{listed, BeginResults, Library, Models};
use crate::semantics::typed::transactions::FileSummaries;

/// A library, by index into [`Models::libraries`].
pub(crate) type LibraryId = usize;

/// A call that opens a transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Begin {
    pub call: CallId,
    pub library: LibraryId,
    pub results: BeginResults,
    /// For a call of a project function that begins on a handle it is given: the
    /// argument the transaction is begun on (`Begin(ctx, db)`), the handle statements
    /// bypass it through (TX007).
    pub origin: Option<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct FunctionFacts {
    pub tx_vars: HashMap<VarId, LibraryId>,
    pub begins: Vec<Begin>,
}

pub(crate) struct FileFacts {
    pub functions: Vec<FunctionFacts>,
    /// Functions with more begins than [`MAX_BEGINS_PER_FUNCTION`]: their begins are
    /// dropped and their findings withheld (the file's report says so).
    pub crowded: Vec<FuncId>,
}

/// Whether a function takes more connections out of pools (calls of a pool's acquire
/// methods, by name: this only limits work) than [`MAX_BEGINS_PER_FUNCTION`]: each
/// connection's analysis walks the function too.
pub(crate) fn too_many_acquires(models: &Models, function: &Function) -> bool {
    let acquires = function
        .calls
        .iter()
        .filter(|c| {
            c.callee
                .name()
                .is_some_and(|n| crate::models::listed(&models.pools.acquire_methods, n))
        })
        .count();
    acquires > MAX_BEGINS_PER_FUNCTION
}

/// A function of the file that returns a transaction it has just begun: its calls are
/// begins too (`func (s *Store) beginTx(ctx) (*sql.Tx, error)`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wrapper {
    library: LibraryId,
    results: BeginResults,
    /// The project's transaction type the function returns (see `wrapping`), by its
    /// library's name: its position among the models differs from file to file.
    wrapped: Option<String>,
    /// The parameter holding the handle the transaction is begun on.
    origin: Option<usize>,
}

impl FileFacts {
    pub fn compute(file: &FileIr, models: &Models, summaries: &FileSummaries) -> FileFacts {
        let no_wrappers = vec![None; file.functions.len()];
        let first = Self::pass(file, models, summaries, &no_wrappers);
        // One level of summaries: a wrapper of a wrapper is not followed.
        let wrappers: Vec<Option<Wrapper>> = file
            .functions
            .iter()
            .zip(&first.functions)
            .map(|(function, facts)| wrapper(file, models, function, facts))
            .collect();
        let mut facts = if wrappers.iter().all(Option::is_none) {
            first
        } else {
            Self::pass(file, models, summaries, &wrappers)
        };
        for (index, (facts_of, function)) in
            facts.functions.iter_mut().zip(&file.functions).enumerate()
        {
            if facts_of.begins.len() > MAX_BEGINS_PER_FUNCTION
                || too_many_acquires(models, function)
            {
                facts_of.begins.clear();
                facts.crowded.push(FuncId(index as u32));
            }
        }
        facts
    }

    /// The functions of the file that return a transaction they begin.
    pub fn wrappers(&self, file: &FileIr, models: &Models) -> Vec<Option<Wrapper>> {
        file.functions
            .iter()
            .zip(&self.functions)
            .map(|(function, facts)| wrapper(file, models, function, facts))
            .collect()
    }

    fn pass(
        file: &FileIr,
        models: &Models,
        summaries: &FileSummaries,
        wrappers: &[Option<Wrapper>],
    ) -> FileFacts {
        let mut functions: Vec<FunctionFacts> = Vec::with_capacity(file.functions.len());
        // Literals come after their parent, so captured variables find the parent's facts.
        for function in &file.functions {
            let lookup = WrapperLookup {
                file,
                models,
                summaries,
                wrappers,
            };
            let facts = function_facts(file, models, function, &functions, &lookup);
            functions.push(facts);
        }
        FileFacts {
            functions,
            crowded: Vec::new(),
        }
    }
}

struct WrapperLookup<'a> {
    file: &'a FileIr,
    models: &'a Models,
    summaries: &'a FileSummaries,
    wrappers: &'a [Option<Wrapper>],
}

impl WrapperLookup<'_> {
    fn get(&self, callee: &Callee) -> Option<Wrapper> {
        match self.summaries.resolve(self.file, callee) {
            Some(id) => self.wrappers[id.index()].clone(),
            // A wrapper in another file of the project: its transaction type is found
            // again among this file's models.
            None => {
                let mut wrapper = self
                    .summaries
                    .callee_summary(self.file, callee)?
                    .begins
                    .clone()?;
                if let Some(name) = &wrapper.wrapped {
                    wrapper.library = self.models.libraries.iter().position(|l| &l.name == name)?;
                }
                Some(*wrapper)
            }
        }
    }
}

/// Whether a function returns, as its first result, a transaction begun in its body.
/// A begin that returns only an error (xorm's `err = sess.Begin()`) binds no
/// transaction: returning that error makes no wrapper.
fn wrapper(
    file: &FileIr,
    models: &Models,
    function: &Function,
    facts: &FunctionFacts,
) -> Option<Wrapper> {
    let results = match function.result_count {
        1 => BeginResults::Tx,
        2 => BeginResults::TxError,
        _ => return None,
    };
    let begun: Vec<(VarId, &Begin)> = facts
        .begins
        .iter()
        .filter_map(|b| {
            let call = function.call(b.call);
            match (&call.result, &call.callee) {
                // xorm's `s.Begin()` makes the session it is called on the transaction.
                (
                    _,
                    Callee::Method {
                        receiver: Operand::Var(v),
                        ..
                    },
                ) if b.results == BeginResults::Error => Some((*v, b)),
                (ResultUse::Assigned(bindings), _) if b.results != BeginResults::Error => {
                    match bindings.first() {
                        Some(Binding::Var(v)) => Some((*v, b)),
                        _ => None,
                    }
                }
                _ => None,
            }
        })
        .collect();
    let returned = function.cfg.blocks.iter().find_map(|block| {
        let Terminator::Return { values, .. } = &block.terminator else {
            return None;
        };
        let of_var = |v: &VarId| begun.iter().find(|(b, _)| b == v).map(|(_, b)| *b);
        match values.first()? {
            Operand::Var(v) => of_var(v),
            // Rust: `Ok(tx)` of a guard begun with `let tx = pool.begin().await?;`.
            Operand::Call(id) => match (
                &function.call(*id).callee,
                function.call(*id).args.as_slice(),
            ) {
                (Callee::Path(path), [Operand::Var(v)])
                    if matches!(path.as_slice(), [ok] if ok == "Ok" || ok == "Some") =>
                {
                    of_var(v)
                }
                _ => facts
                    .begins
                    .iter()
                    .find(|b| b.call == *id && b.results != BeginResults::Error),
            },
            _ => None,
        }
    });
    // A session begun on some paths only (`if tx { s.Begin() }; return s`) is no begin.
    let begun_on_every_path = |begin: &Begin| {
        begin.results != BeginResults::Error
            || function
                .cfg
                .block_of(&Event::Call(begin.call))
                .is_some_and(|at| function.cfg.on_every_way_out(at))
    };
    if let Some(begin) = returned.filter(|b| begun_on_every_path(b)) {
        return Some(Wrapper {
            library: begin.library,
            results,
            wrapped: None,
            origin: begun_on_parameter(function, begin),
        });
    }
    // A transaction of the project's own type (see `wrapping`): the function's first
    // result is declared with it, and a transaction begun here is placed in a value
    // (`return &Tx{inner: tx}, nil`).
    let declared = function.result_types.first()?;
    let library = models
        .libraries
        .iter()
        .position(|l| l.project_wrapper && l.is_tx_type(declared, file))?;
    let begin = begun.iter().find_map(|(v, begin)| {
        let copies = crate::engine::aliases::aliases_of(function, *v);
        let placed = function.events().any(|event| {
            matches!(event, Event::Assign { targets, values, .. }
            if targets.iter().zip(values).any(|(target, value)| {
                matches!(target, Binding::Place(_))
                    && matches!(value, Operand::Var(x) if copies.contains(x))
            }))
        });
        placed.then_some(*begin)
    })?;
    Some(Wrapper {
        library,
        results,
        wrapped: Some(models.libraries[library].name.clone()),
        origin: begun_on_parameter(function, begin),
    })
}

/// The parameter whose handle a begin is called on: `db` of `db.BeginTx(ctx, nil)` in
/// `func Begin(ctx context.Context, db *sql.DB)`.
fn begun_on_parameter(function: &Function, begin: &Begin) -> Option<usize> {
    let Callee::Method { receiver, .. } = &function.call(begin.call).callee else {
        return None;
    };
    match crate::engine::aliases::base_handle(function, receiver) {
        Operand::Var(v) => function.params.iter().position(|&p| p == v),
        _ => None,
    }
}

fn function_facts(
    file: &FileIr,
    models: &Models,
    function: &Function,
    earlier: &[FunctionFacts],
    wrappers: &WrapperLookup,
) -> FunctionFacts {
    let mut facts = FunctionFacts::default();
    for (index, var) in function.vars.iter().enumerate() {
        let id = VarId(index as u32);
        if let Some((outer_fn, outer_var)) = var.outer {
            if let Some(&lib) = earlier
                .get(outer_fn.index())
                .and_then(|f| f.tx_vars.get(&outer_var))
            {
                facts.tx_vars.insert(id, lib);
                continue;
            }
        }
        if let Some(ty) = &var.ty {
            if let Some(lib) = pick(file, models, |l| l.is_tx_type(ty, file)) {
                facts.tx_vars.insert(id, lib);
            }
        }
    }
    // Copies (`t := tx`) can chain; a few rounds reach every alias in real code.
    for _ in 0..4 {
        let mut changed = false;
        for (index, call) in function.calls.iter().enumerate() {
            let id = CallId(index as u32);
            if let Some(begin) = begin_of(file, models, function, &facts, id, wrappers) {
                if let ResultUse::Assigned(bindings) = chain_result(models, function, id) {
                    if begin.results != BeginResults::Error {
                        if let Some(Binding::Var(v)) = bindings.first() {
                            changed |= facts.tx_vars.insert(*v, begin.library).is_none();
                        }
                    }
                }
                if !facts.begins.iter().any(|b| b.call == id) {
                    facts.begins.push(begin);
                }
            } else if let Some(taken) = match chain_result(models, function, id) {
                ResultUse::Assigned(bindings) => {
                    taken_out(file, models, function, &facts, id, bindings)
                }
                _ => None,
            } {
                for (v, lib) in taken {
                    changed |= facts.tx_vars.insert(v, lib).is_none();
                }
            } else if let Some(lib) = acquire_of(file, models, function, id) {
                if let ResultUse::Assigned(bindings) = &call.result {
                    if let [Binding::Var(v)] = bindings.as_slice() {
                        changed |= facts.tx_vars.insert(*v, lib).is_none();
                    }
                }
            }
        }
        for event in function.events() {
            let Event::Assign {
                targets, values, ..
            } = event
            else {
                continue;
            };
            // The `Some` arm of a `match` on a call that takes a transaction out of a place.
            if let Some(Operand::Call(id)) = values.first() {
                if values.iter().all(|v| *v == Operand::Call(*id)) {
                    let taken = taken_out(file, models, function, &facts, *id, targets);
                    for (v, lib) in taken.unwrap_or_default() {
                        changed |= facts.tx_vars.insert(v, lib).is_none();
                    }
                }
            }
            for (target, value) in targets.iter().zip(values) {
                let library = operand_library(file, models, function, &facts, value)
                    .or_else(|| begun_behind(models, function, &facts, value));
                if let (Binding::Var(t), Some(lib)) = (target, library) {
                    changed |= facts.tx_vars.insert(*t, lib).is_none();
                }
            }
        }
        if !changed {
            break;
        }
    }
    facts.begins.sort_by_key(|b| b.call);
    facts
}

/// Where a call's value ends up, looking through unwrapping links: for
/// `pool.begin().await.expect("…")` bound with `let`, the `Assigned` of the `expect`.
pub(crate) fn chain_result<'f>(
    models: &Models,
    function: &'f Function,
    call: CallId,
) -> &'f ResultUse {
    let mut result = &function.call(call).result;
    while let ResultUse::Receiver(outer) = result {
        let outer = function.call(*outer);
        if !outer
            .callee
            .name()
            .is_some_and(|n| models.executors.unwrapping_methods.iter().any(|u| u == n))
        {
            break;
        }
        result = &outer.result;
    }
    result
}

/// The library of a begin whose value an operand is, through unwrapping links:
/// `pool.begin().await?`, `client.transaction().await.unwrap()` (Rust).
fn begun_behind(
    models: &Models,
    function: &Function,
    facts: &FunctionFacts,
    operand: &Operand,
) -> Option<LibraryId> {
    let Operand::Call(mut id) = operand else {
        return None;
    };
    loop {
        if let Some(begin) = facts.begins.iter().find(|b| b.call == id) {
            return Some(begin.library);
        }
        match &function.call(id).callee {
            Callee::Method {
                receiver: Operand::Call(inner),
                name,
                ..
            } if models.executors.unwrapping_methods.contains(name) => id = *inner,
            _ => return None,
        }
    }
}

/// Among the libraries satisfying `matches`, the first the file imports, else the first.
fn pick(file: &FileIr, models: &Models, matches: impl Fn(&Library) -> bool) -> Option<LibraryId> {
    let candidates: Vec<LibraryId> = models
        .libraries
        .iter()
        .enumerate()
        .filter(|(_, l)| matches(l))
        .map(|(i, _)| i)
        .collect();
    candidates
        .iter()
        .copied()
        .find(|&i| models.libraries[i].is_imported_by(file))
        .or_else(|| candidates.first().copied())
}

/// The library of the transaction an operand denotes, if it denotes one.
pub(crate) fn operand_library(
    file: &FileIr,
    models: &Models,
    function: &Function,
    facts: &FunctionFacts,
    operand: &Operand,
) -> Option<LibraryId> {
    match operand {
        Operand::Var(v) => facts.tx_vars.get(v).copied(),
        Operand::Field(base, name) => {
            let ty = field_type(file, function, base, name)?;
            pick(file, models, |l| l.is_tx_type(ty, file))
        }
        Operand::Global(name) => {
            let ty = file.global_type(name)?;
            pick(file, models, |l| l.is_tx_type(ty, file))
        }
        _ => None,
    }
}

/// The declared type of `base.name`: the field of the base variable's struct type when
/// that is known (`s.tx` with `s *Store`), else the only type fields of that name have
/// in the file.
pub(crate) fn field_type<'f>(
    file: &'f FileIr,
    function: &Function,
    base: &Operand,
    name: &str,
) -> Option<&'f str> {
    let owner = match base {
        Operand::Var(v) => function
            .var(*v)
            .ty
            .as_deref()
            .map(|t| t.trim_start_matches('*')),
        _ => None,
    };
    let mut candidates = file.fields.iter().filter(|f| f.name == name);
    if let Some(owner) = owner {
        if let Some(field) = file
            .fields
            .iter()
            .find(|f| f.name == name && f.owner == owner)
        {
            return Some(&field.ty);
        }
    }
    let first = candidates.next()?;
    candidates
        .all(|f| f.ty == first.ty)
        .then_some(first.ty.as_str())
}

/// Rust: the locals a call binds to a transaction it moves out of a place:
/// `if let Some((_, txn)) = mem::replace(&mut self.write_txn, None)`,
/// `let txn = self.write_txn.take().unwrap()`. The place is declared as an `Option` of
/// a transaction type, or of a tuple with one (`Option<(u32, lmdb::WriteTransaction<'a>)>`);
/// the pattern's bindings follow the tuple's elements by position.
fn taken_out(
    file: &FileIr,
    models: &Models,
    function: &Function,
    facts: &FunctionFacts,
    id: CallId,
    bindings: &[Binding],
) -> Option<Vec<(VarId, LibraryId)>> {
    if file.language != txlint_ir::Language::Rust {
        return None;
    }
    let call = function.call(id);
    let executors = &models.executors;
    let place = match &call.callee {
        Callee::Path(path) => {
            let written = path.join("::");
            let resolved = crate::models::resolve_rust_path(&written, file);
            let listed = |p: &str| executors.taking_functions.iter().any(|f| f == p);
            (listed(&written) || listed(&resolved)).then(|| call.args.first())??
        }
        Callee::Method { receiver, name, .. }
            if executors.taking_methods.iter().any(|m| m == name) =>
        {
            receiver
        }
        _ => return None,
    };
    let ty = match place {
        Operand::Field(base, name) => field_type(file, function, base, name)?,
        other => declared_type(file, function, other)?,
    };
    let elements = crate::models::rust_option_elements(ty, file)?;
    let libraries: Vec<Option<LibraryId>> = elements
        .iter()
        .map(|element| pick(file, models, |l| l.is_tx_type(element, file)))
        .collect();
    if libraries.iter().all(Option::is_none) {
        return None;
    }
    if bindings.len() != libraries.len() {
        return None;
    }
    let taken: Vec<(VarId, LibraryId)> = bindings
        .iter()
        .zip(&libraries)
        .filter_map(|(binding, library)| match (binding, library) {
            (Binding::Var(v), Some(lib)) if !facts.tx_vars.contains_key(v) => Some((*v, *lib)),
            _ => None,
        })
        .collect();
    Some(taken)
}

/// Rust: a begin through a constructor function (`lmdb_zero::WriteTransaction::new(&env)`),
/// its path resolved through the file's imports.
fn constructor_begin(
    file: &FileIr,
    models: &Models,
    call: &txlint_ir::ir::Call,
) -> Option<LibraryId> {
    let Callee::Path(path) = &call.callee else {
        return None;
    };
    if file.language != txlint_ir::Language::Rust || path.len() < 2 {
        return None;
    }
    let resolved = crate::models::resolve_rust_path(&path.join("::"), file);
    models
        .libraries
        .iter()
        .position(|l| l.begin_constructors.contains(&resolved))
}

/// Whether a call begins a transaction, and how.
fn begin_of(
    file: &FileIr,
    models: &Models,
    function: &Function,
    facts: &FunctionFacts,
    id: CallId,
    wrappers: &WrapperLookup,
) -> Option<Begin> {
    let call = function.call(id);
    if let Some(wrapper) = wrappers.get(&call.callee) {
        let bound = match &call.result {
            ResultUse::Assigned(bindings) => bindings.len(),
            _ => 0,
        };
        if bound == wrapper.results.arity() {
            return Some(Begin {
                call: id,
                library: wrapper.library,
                results: wrapper.results,
                origin: wrapper.origin,
            });
        }
    }
    if let Some(library) = constructor_begin(file, models, call) {
        return Some(Begin {
            call: id,
            library,
            results: BeginResults::Tx,
            origin: None,
        });
    }
    let Callee::Method { receiver, name, .. } = &call.callee else {
        return None;
    };
    // A call that receives a closure is a closure API (`conn.transaction(|c| …)`), which
    // ends the transaction itself.
    if call.args.iter().any(|a| matches!(a, Operand::Closure(_))) {
        return None;
    }
    // How many results the call site binds: none for a statement, unknown when the
    // results are returned or passed on.
    let bound = match chain_result(models, function, id) {
        ResultUse::Assigned(bindings) => Some(bindings.len()),
        dropped if dropped.is_dropped() => Some(0),
        _ => None,
    };
    // A method of a type declared in this file is the project's own, not a library's:
    // `func (c counter) Begin() (counter, error)`. Wrappers that return a transaction
    // are recognised through their summary above.
    if local_struct_type(file, models, function, receiver) {
        return None;
    }
    let receiver_lib = operand_library(file, models, function, facts, receiver);
    if receiver_lib.is_none()
        && !may_be_handle(file, models, function, receiver, wrappers.summaries)
    {
        return None;
    }
    let matches = |l: &Library| {
        l.begin_spec(name, call.args.len())
            .is_some_and(|spec| match spec.results {
                // Begins on its receiver: only a known session counts.
                BeginResults::Error => {
                    receiver_lib.is_some_and(|r| std::ptr::eq(&models.libraries[r], l))
                }
                shape => bound.is_none_or(|n| n == shape.arity()),
            })
    };
    let library = match receiver_lib {
        // The receiver's library decides (an xorm session in a file that imports bun).
        Some(r) if matches(&models.libraries[r]) => r,
        _ => pick(file, models, matches)?,
    };
    // A name the crate's own types define too: not on a receiver of unshown type, nor on
    // one declared with such a type, unless what the code shows of the receiver comes
    // from the library's crate.
    if let Some(types) = wrappers.summaries.shadowed_begins.get(name.as_str()) {
        let own = match declared_type(file, function, receiver) {
            None => true,
            Some(ty) => types.contains(bare_type_name(ty)),
        };
        if receiver_lib.is_none()
            && own
            && !from_library(file, function, receiver, &models.libraries[library], 0)
        {
            return None;
        }
    }
    let spec = models.libraries[library].begin_spec(name, call.args.len())?;
    if !spec.on.is_empty() && !made_by(function, receiver, &spec.on) {
        return None;
    }
    if models.libraries[library].begin_needs_import
        && !models.libraries[library].is_imported_by(file)
    {
        return None;
    }
    let evidence = receiver_lib.is_some()
        || models.libraries[library].is_imported_by(file)
        || declared_handle(file, models, function, receiver, library)
        || wrappers
            .summaries
            .handle_globals
            .text(models, receiver)
            .is_some();
    match spec.results {
        // One value that carries its error (GORM): `x := y.Begin()` is too common a
        // shape to be taken for GORM without evidence.
        BeginResults::Handle if !evidence => return None,
        // Results returned or passed on: only unambiguous names count.
        _ if bound.is_none() && !evidence && matches!(name.as_str(), "Begin" | "Tx") => {
            return None
        }
        _ => {}
    }
    Some(Begin {
        call: id,
        library,
        results: spec.results,
        origin: None,
    })
}

/// Rust: whether what the code shows of a value comes from one of the library's crates:
/// its declared type names one of the crate's types, also as a type argument
/// (`&mut rusqlite::Connection`, `Mutex<Connection>` after `use rusqlite::Connection`);
/// a local without one is bound from a chain that starts at such a path
/// (`Connection::open(…)?`, `PgPoolOptions::new().connect(…)`) or at such a value
/// (`conn.lock().unwrap()`).
fn from_library(
    file: &FileIr,
    function: &Function,
    value: &Operand,
    library: &Library,
    depth: usize,
) -> bool {
    if depth > 4 {
        return false;
    }
    if let Some(declared) = declared_type(file, function, value) {
        return type_names_library(declared, file, library);
    }
    let Operand::Var(var) = value else {
        return false;
    };
    (0..function.calls.len()).any(|index| {
        let id = CallId(index as u32);
        let binds = matches!(chain_result_of(function, id), ResultUse::Assigned(bindings) if bindings.contains(&Binding::Var(*var)));
        binds
            && match &function.call(id).callee {
                Callee::Path(path) => path_from_library(&path.join("::"), file, library),
                Callee::Method { receiver, .. } if !matches!(receiver, Operand::Call(_)) => {
                    from_library(file, function, receiver, library, depth + 1)
                }
                _ => false,
            }
    })
}

/// Whether a Rust type text (no whitespace: `&'amutConnection`, `Arc<Mutex<Connection>>`)
/// names a type of the library's crates. Every way of reading a reference's lifetime and
/// `mut` off the front of a part is tried.
fn type_names_library(ty: &str, file: &FileIr, library: &Library) -> bool {
    ty.split(['<', '>', ',', '(', ')', '[', ']', ';', '&', '*'])
        .filter(|part| !part.is_empty())
        .any(|part| {
            let after_lifetime: Vec<&str> = match part.strip_prefix('\'') {
                // Lifetimes are lower case (`'a`, `'conn`, `'_`).
                Some(rest) => rest
                    .char_indices()
                    .skip(1)
                    .take_while(|(i, _)| {
                        rest[..*i]
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    })
                    .map(|(i, _)| &rest[i..])
                    .collect(),
                None => vec![part],
            };
            after_lifetime
                .iter()
                .flat_map(|ty| [Some(*ty), ty.strip_prefix("mut"), ty.strip_prefix("dyn")])
                .flatten()
                .any(|ty| path_from_library(ty, file, library))
        })
}

/// Whether a Rust path, resolved through the file's imports, is inside one of the library's
/// crates (`Connection::open` after `use rusqlite::Connection`).
fn path_from_library(path: &str, file: &FileIr, library: &Library) -> bool {
    crate::models::rust_type_path(path, file).is_some_and(|path| {
        library
            .imports
            .iter()
            .any(|import| crate::models::path_matches(import, &path))
    })
}

/// Whether what the code declares of a begin's receiver allows it to be a database handle:
/// a method name alone is no evidence. A receiver declared with a type of a package that
/// no model describes and that is not the project's (`store *kv.Store`), or with an
/// interface literal that mentions no transaction type (`x interface{ Begin() (any,
/// error) }`), is not a handle. A receiver whose type the file does not show (a field of
/// a struct declared elsewhere, a local bound to a call's result) or a type of the project
/// is judged by the call's shape, as before.
fn may_be_handle(
    file: &FileIr,
    models: &Models,
    function: &Function,
    receiver: &Operand,
    summaries: &FileSummaries,
) -> bool {
    let Some(declared) = receiver_type(file, function, receiver) else {
        return true;
    };
    let bare = declared.trim_start_matches('*');
    if bare.starts_with("interface{") {
        return models.libraries.iter().any(|library| {
            library
                .tx_types
                .iter()
                .any(|t| bare.contains(t.trim_start_matches('*')))
        });
    }
    let Some((qualifier, _)) = bare.split_once('.') else {
        return true;
    };
    let Some(import) = file.import_named(qualifier) else {
        return true;
    };
    models.is_library_import(&import.path) || summaries.is_project_import(&import.path)
}

/// The type a receiver (a local, a field path or a package variable) is declared with,
/// when the file shows it: a field's from its owner's struct when that is known (see
/// [`field_type`]).
pub(crate) fn receiver_type<'f>(
    file: &'f FileIr,
    function: &'f Function,
    operand: &Operand,
) -> Option<&'f str> {
    match operand {
        Operand::Var(v) => function.var(*v).ty.as_deref(),
        Operand::Field(base, name) => field_type(file, function, base, name),
        Operand::Global(name) => file.global_type(name),
        _ => None,
    }
}

/// Whether an operand is the value of a call of one of `methods`: in its receiver chain
/// (`client.build_transaction().read_only(true)`), or a local bound to such a chain.
fn made_by(function: &Function, operand: &Operand, methods: &[String]) -> bool {
    fn chain_has(function: &Function, operand: &Operand, methods: &[String]) -> bool {
        let mut current = operand;
        while let Operand::Call(id) = current {
            let Callee::Method { receiver, name, .. } = &function.call(*id).callee else {
                return false;
            };
            if methods.contains(name) {
                return true;
            }
            current = receiver;
        }
        false
    }
    if chain_has(function, operand, methods) {
        return true;
    }
    let Operand::Var(var) = operand else {
        return false;
    };
    // `let builder = client.build_transaction(); … builder.start()`: the call whose
    // result chain binds the local.
    (0..function.calls.len()).any(|index| {
        let id = CallId(index as u32);
        matches!(chain_result_of(function, id), ResultUse::Assigned(bindings) if bindings.first() == Some(&Binding::Var(*var)))
            && chain_has(function, &Operand::Call(id), methods)
    })
}

/// Where the value of a call ends up after the links that only pass it on.
fn chain_result_of(function: &Function, mut id: CallId) -> &ResultUse {
    loop {
        match &function.call(id).result {
            ResultUse::Receiver(outer) => id = *outer,
            other => return other,
        }
    }
}

/// The declared type of a variable or struct field operand, whitespace removed.
pub(crate) fn declared_type<'f>(
    file: &'f FileIr,
    function: &'f Function,
    operand: &Operand,
) -> Option<&'f str> {
    match operand {
        Operand::Var(v) => function.var(*v).ty.as_deref(),
        Operand::Field(_, name) => file
            .fields
            .iter()
            .find(|f| &f.name == name)
            .map(|f| f.ty.as_str()),
        Operand::Global(name) => file.global_type(name),
        _ => None,
    }
}

/// Whether an operand's declared type is a struct of the project (declared in this file,
/// or in another of its package) that does not embed a library's handle: the methods of
/// one that embeds `*sql.DB` (`type datastore struct{ *sql.DB }`) are the handle's.
fn local_struct_type(
    file: &FileIr,
    models: &Models,
    function: &Function,
    operand: &Operand,
) -> bool {
    declared_type(file, function, operand).is_some_and(|ty| {
        let bare = bare_type_name(ty);
        let mut fields = file.fields.iter().filter(|f| f.owner == bare).peekable();
        fields.peek().is_some()
            && !fields.any(|f| {
                f.embedded
                    && (listed(&models.statements.handle_types, &f.ty)
                        || models.libraries.iter().any(|l| l.is_tx_type(&f.ty, file)))
            })
    })
}

/// The name of a declared type without pointers, references, `mut`, generics and path:
/// `*Store`, `&mut Staging<'a>`, `crate::db::Staging` → `Store`, `Staging`.
fn bare_type_name(ty: &str) -> &str {
    let mut bare = ty.trim_start_matches(['*', '&']);
    if let Some(rest) = bare.strip_prefix("mut") {
        if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
            bare = rest;
        }
    }
    let bare = bare.split('<').next().unwrap_or(bare);
    bare.rsplit("::").next().unwrap_or(bare)
}

/// Whether an operand is declared with one of the library's types (`db *gorm.DB`).
fn declared_handle(
    file: &FileIr,
    models: &Models,
    function: &Function,
    operand: &Operand,
    library: LibraryId,
) -> bool {
    declared_type(file, function, operand)
        .is_some_and(|ty| models.libraries[library].is_tx_type(ty, file))
}

/// Whether a call acquires a transaction-capable session (xorm's `NewSession`).
fn acquire_of(
    file: &FileIr,
    models: &Models,
    function: &Function,
    id: CallId,
) -> Option<LibraryId> {
    let Callee::Method { name, .. } = &function.call(id).callee else {
        return None;
    };
    pick(file, models, |l| l.is_acquire(name))
}
