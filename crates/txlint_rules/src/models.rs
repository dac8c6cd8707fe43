//! Library models: what each database library's calls do, loaded from the data files in
//! the repository's `rules/models/` directory (embedded at build time).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;
use txlint_ir::ir::FileIr;
use txlint_ir::Language;

const GO_MODELS: &str = include_str!("../../../rules/models/go.toml");
const PYTHON_MODELS: &str = include_str!("../../../rules/models/python.toml");
const RUST_MODELS: &str = include_str!("../../../rules/models/rust.toml");

/// All library models of one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Models {
    #[serde(rename = "library", default)]
    pub libraries: Vec<Library>,
    #[serde(default)]
    pub statements: Statements,
    #[serde(default)]
    pub rows: Rows,
    #[serde(default)]
    pub blocking: Blocking,
    #[serde(default)]
    pub pools: Pools,
    /// Python: kinds of connection.
    #[serde(rename = "driver", default)]
    pub drivers: Vec<Driver>,
    /// Python: pools, engines and session factories.
    #[serde(rename = "pool", default)]
    pub pool_kinds: Vec<PoolKind>,
    /// Python: methods of connections, cursors and sessions.
    #[serde(default)]
    pub connection: ConnectionMethods,
    #[serde(default)]
    pub django: Django,
    /// Python: what calls do to the flow of control.
    #[serde(default)]
    pub control: Control,
    /// Rust: how statements reach a guard.
    #[serde(default)]
    pub executors: Executors,
    /// Go: calls that only write a log line.
    #[serde(default)]
    pub logging: Logging,
    /// Go: the handles transaction control sent as SQL runs on.
    #[serde(default, rename = "raw-sql")]
    pub raw_sql: RawSql,
}

/// Python: calls that change the flow of control.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Control {
    /// Functions that never return: they always raise (`flask.abort`), as the file's
    /// imports resolve them.
    pub never_return: Vec<String>,
    /// Methods that never return, as `Class.method` with the class import-resolved
    /// (`flask_restx.Namespace.abort`): called on a module global made by that class
    /// (`ns = Namespace("users")`, then `ns.abort(404)`).
    pub never_return_methods: Vec<String>,
}

/// Logging libraries (Go): an error handed only to these and then dropped is swallowed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Logging {
    /// Import paths of logging packages; any function of theirs logs (or builds a
    /// logger), except the `Fatal*`/`Panic*` ones, which end the program.
    pub packages: Vec<String>,
    /// Logger types as written: every method called on a value of one of them logs.
    pub types: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Executors {
    pub methods: Vec<String>,
    pub guard_methods: Vec<String>,
    pub writing_methods: Vec<String>,
    pub write_verbs: Vec<String>,
    pub discarding_methods: Vec<String>,
    pub unwrapping_methods: Vec<String>,
    /// Functions that move the value out of the place their first argument borrows
    /// (`mem::replace(&mut self.txn, None)`, `mem::take(&mut slot)`), and methods that do
    /// it to their receiver (`self.txn.take()`): what they return is what the place held,
    /// so a transaction kept in an `Option` field is still that transaction once taken out.
    pub taking_functions: Vec<String>,
    pub taking_methods: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Driver {
    pub name: String,
    pub connect: Vec<String>,
    pub types: Vec<String>,
    pub implicit: Implicit,
    pub autocommit: Vec<String>,
    pub context_exit: ContextExit,
    /// The database the driver talks to, when it is one: what a failed statement does to
    /// the transaction depends on it (TX003).
    #[serde(default)]
    pub database: Option<Database>,
    /// The session of a registry that hands each request or thread its own and removes
    /// it at teardown (Flask-SQLAlchemy's `db.session`, `scoped_session`): it outlives the
    /// function that uses it, so an error swallowed there stays for the rest of the
    /// request (TX003), but the registry ends what a read left open (no TX004).
    #[serde(default)]
    pub scoped: bool,
    /// A scoped session whose registry's scope is a web application's context (Flask-
    /// SQLAlchemy's `db.session`): the context's teardown removes it, rolling back.
    #[serde(default)]
    pub app_context_scoped: bool,
    /// `commit()` runs the pending writes first (an ORM session's flush): a failed commit
    /// leaves the session to be rolled back, like a failed statement (TX003).
    #[serde(default)]
    pub commit_flushes: bool,
    /// A write given as a plain string (not `text(…)`) commits by itself: SQLAlchemy
    /// 1.x's legacy autocommit of textual DML on a `Connection` outside a transaction.
    /// 2.x refuses plain strings (`ObjectNotExecutableError`), so such a call is evidence
    /// of 1.x.
    #[serde(default)]
    pub plain_string_autocommits: bool,
    /// In autocommit mode `commit()` and `rollback()` send nothing (psycopg2): they do not
    /// end a transaction begun with a raw `BEGIN`.
    #[serde(default)]
    pub autocommit_methods_send_nothing: bool,
    /// An attribute that is true once the connection is closed (`conn.closed`).
    #[serde(default)]
    pub closed_attribute: Option<String>,
}

/// A database whose transactions the rules describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Database {
    /// A failed statement aborts the transaction until a rollback.
    Postgresql,
    /// A failed statement is undone alone; the transaction stays open.
    Mysql,
    /// A failed statement is undone alone (most errors); the transaction stays open.
    Sqlite,
}

/// When a connection opens a transaction by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Implicit {
    Any,
    Dml,
    Never,
}

/// What a context manager does when its block completes normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContextExit {
    Commit,
    CommitClose,
    Close,
    Rollback,
    RollbackClose,
    /// Gives the connection back to its pool as it is (a project `@contextmanager` that
    /// yields a pooled connection and puts it back in its `finally`).
    Release,
    None,
}

impl ContextExit {
    /// Whether the exit ends the block's transaction (commits, rolls back or closes).
    pub fn ends_transaction(&self) -> bool {
        matches!(
            self,
            ContextExit::Commit
                | ContextExit::CommitClose
                | ContextExit::Close
                | ContextExit::Rollback
                | ContextExit::RollbackClose
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PoolKind {
    pub name: String,
    pub create: Vec<String>,
    pub types: Vec<String>,
    pub driver: String,
    pub acquire: Vec<String>,
    pub release: Vec<String>,
    pub contexts: Vec<PoolContext>,
    #[serde(default)]
    pub factory: bool,
    /// Keyword arguments of `create` that make the connections it hands out autocommit.
    #[serde(default)]
    pub autocommit: Vec<String>,
    /// Methods of the pool that borrow a connection for the call's duration (asyncpg's
    /// `pool.fetchval(…)`), besides `acquire` and `contexts`.
    #[serde(default)]
    pub borrowing: Vec<String>,
    /// What the pool does when every connection is out and one more is asked for (TX013).
    #[serde(default)]
    pub exhausted: Option<String>,
    /// Attributes of the object that are a connection of `driver` (Flask-SQLAlchemy's
    /// `db.session`).
    #[serde(default)]
    pub session_attributes: Vec<String>,
    /// Whether the pool, given a connection back in a transaction or a failed one, rolls
    /// it back with a logged warning (psycopg_pool: `rolling back returned connection`)
    /// instead of silently (psycopg2's pools): TX004 then follows exception paths too.
    #[serde(default)]
    pub warns_returned_in_transaction: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolContext {
    pub method: String,
    pub exit: ContextExit,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectionMethods {
    pub statements: Vec<String>,
    pub cursors: Vec<String>,
    pub commit: Vec<String>,
    pub rollback: Vec<String>,
    pub close: Vec<String>,
    pub scoped_transactions: Vec<String>,
    pub deferred_begins: Vec<String>,
    pub start: Vec<String>,
    pub immediate_begins: Vec<String>,
    pub savepoints: Vec<String>,
    /// Methods that return the connection they are called on (see python.toml).
    pub same_connection: Vec<String>,
    /// Keyword options of those methods that switch autocommit on.
    pub same_connection_autocommit: Vec<String>,
    /// Methods whose decorator calls make a function a request's view (see python.toml).
    pub request_views: Vec<String>,
    /// Base classes whose methods are a request's views (see python.toml).
    pub request_view_bases: Vec<String>,
    /// Web application types, as the file's imports resolve them (see python.toml).
    pub app_types: Vec<String>,
    /// Methods of such an application whose `with` block is an application context.
    pub app_contexts: Vec<String>,
    pub orm_writes: Vec<String>,
    pub write_verbs: Vec<String>,
    pub write_constructs: Vec<String>,
    pub errors: Vec<String>,
    /// The classes of `errors` every database error derives from (by last name):
    /// a handler naming one catches whatever a statement raises.
    pub base_errors: Vec<String>,
    /// Calls that return a connection inside a transaction its framework owns and ends
    /// (import-resolved): a session bound to one joins that transaction.
    pub joined_connections: Vec<String>,
    /// The errors MySQL undoes by the failed statement alone (by last name); a deadlock,
    /// also a database error, rolls back the whole transaction.
    pub statement_errors: Vec<String>,
    /// Exception types no driver raises (`queue.*` for a whole module).
    pub not_driver_errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Django {
    pub atomic: Vec<String>,
    /// The database errors Django raises (`django.db.IntegrityError`), import-resolved.
    pub errors: Vec<String>,
    pub set_autocommit: Vec<String>,
    pub commit: Vec<String>,
    pub rollback: Vec<String>,
    /// Methods that write in a savepoint of their own (`get_or_create`): the errors of
    /// `savepointed_errors` they raise leave an enclosing atomic block usable.
    pub savepointed: Vec<String>,
    pub savepointed_errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Statements {
    pub methods: Vec<String>,
    pub builder_methods: Vec<String>,
    pub global_handles: Vec<String>,
    /// Declared types of database handles (pools, connections) as a package-level
    /// variable holds them (`var Store *sql.DB`).
    pub handle_types: Vec<String>,
}

/// Go: what a raw `BEGIN` (`x.ExecContext(ctx, "BEGIN")`) runs on, by evidence. On a pool
/// each statement takes whichever connection is free; on one connection it is a
/// transaction that `COMMIT`/`ROLLBACK` sent the same way end.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSql {
    /// Declared types of pools (`*sql.DB`), with the conventional package name.
    pub pool_types: Vec<String>,
    /// Declared types of single connections (`*sql.Conn`, `*pgx.Conn`).
    pub connection_types: Vec<String>,
    /// Of those, the ones that closing hands back to their pool as they are, an open
    /// transaction included (database/sql's `*sql.Conn`).
    pub returned_as_is: Vec<String>,
    /// Functions (`pkg.Func`) whose first result is a pool.
    pub pool_functions: Vec<String>,
    /// Functions whose first result is one connection (`pgx.Connect`).
    pub connection_functions: Vec<String>,
    /// Methods that, called on a pool, return one of its connections, with the type of
    /// the connection (`Conn` → `*sql.Conn`).
    pub connection_methods: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rows {
    pub query_methods: Vec<String>,
    /// Methods of query builders that make the built query run on the handle they are
    /// given (squirrel's `RunWith(tx)`): the rows are that handle's.
    pub runner_methods: Vec<String>,
    pub close_methods: Vec<String>,
    pub closing_functions: Vec<String>,
    /// Methods that advance to the next row and close the row set when there is none.
    pub next_methods: Vec<String>,
    /// Methods whose non-nil result says the row set is closed already (rows' `Err`: only
    /// a failed `Next` or `Close` sets it).
    #[serde(default)]
    pub error_methods: Vec<String>,
    /// Declared types of the handles whose query methods return a row set, written
    /// with the package name the library is normally imported under.
    pub handle_types: Vec<String>,
    /// Functions (`pkg.Func`) whose first result is such a handle.
    pub handle_functions: Vec<String>,
    /// Methods that, called on such a handle, return another one (`db.Conn(ctx)`).
    pub handle_methods: Vec<String>,
    /// Libraries (by model name) whose transactions are such handles.
    pub libraries: Vec<String>,
    /// Libraries whose transactions close their open rows when they end.
    #[serde(default)]
    pub closed_with_transaction: Vec<String>,
    /// Methods that give a prepared statement bound to their receiver: the rows of a
    /// statement prepared on such a transaction are the transaction's.
    #[serde(default)]
    pub statement_methods: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Blocking {
    pub functions: Vec<String>,
    pub client_types: Vec<String>,
    pub client_globals: Vec<String>,
    pub client_methods: Vec<String>,
    pub command_constructors: Vec<String>,
    pub command_methods: Vec<String>,
    pub stub_constructor_prefix: String,
    pub stub_constructor_suffix: String,
    /// Python: constructors of clients whose `client-methods` block.
    pub client_constructors: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Pools {
    pub open_functions: Vec<String>,
    pub bound_methods: Vec<String>,
    /// Library functions that wrap a pool into another handle on the same pool
    /// (`sqlx.NewDb(db, driver)`): the wrapper is the pool.
    pub wrap_functions: Vec<String>,
    /// `database/sql` driver names of databases whose sessions an unbounded pool does not
    /// exhaust (embedded and analytic engines): `sql.Open("sqlite3", …)` is not reported.
    #[serde(default)]
    pub sessionless_drivers: Vec<String>,
    /// Import paths of GORM dialector packages for those databases (`sqlite.Open(…)`).
    #[serde(default)]
    pub sessionless_dialectors: Vec<String>,
    /// Methods that take a connection out of a pool and hold it until it is given back
    /// (`db.Conn(ctx)`, pgxpool's `Acquire`, sqlx's `pool.acquire()`): TX013.
    #[serde(default)]
    pub acquire_methods: Vec<String>,
    /// Declared types of handles that run a function when they end (`*testing.T`), and
    /// the methods that register it (`Cleanup`): a pool closed by a function registered
    /// there lives as long as the handle, not the program (TX010).
    #[serde(default)]
    pub cleanup_types: Vec<String>,
    #[serde(default)]
    pub cleanup_methods: Vec<String>,
    /// Configuration fields, as `Type.Field`, that make a pool run no statement when an
    /// open is given a literal setting them to `true` (GORM's `gorm.Config.DryRun`).
    #[serde(default)]
    pub dry_run_fields: Vec<String>,
}

/// Whether `list` contains `name`.
pub(crate) fn listed(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n == name)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Library {
    pub name: String,
    /// The language of a project's own model in a configuration file (`go` when
    /// absent). The shipped models are per-language files and leave it out.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub imports: Vec<String>,
    #[serde(default)]
    pub tx_types: Vec<String>,
    /// Go: the types of the rows its queries return (`*sql.Rows`). A project interface
    /// that declares the library's commit and rollback and a query returning one of them
    /// is a transaction of the library (see `WrapParts::tx_interface`).
    #[serde(default)]
    pub rows_types: Vec<String>,
    #[serde(default)]
    pub begin: Vec<BeginSpec>,
    #[serde(default)]
    pub acquire: Vec<String>,
    pub commit: CommitSpec,
    pub rollback: MethodSet,
    #[serde(default)]
    pub closure: Vec<String>,
    /// Whether a `COMMIT` that fails leaves the transaction open (SQLite: a `COMMIT` that
    /// fails with `SQLITE_BUSY` keeps the transaction active, to be retried or rolled
    /// back). On PostgreSQL and MySQL a failed commit ends the transaction.
    #[serde(default)]
    pub failed_commit_keeps_transaction: bool,
    /// Whether the handle a begin is called on is always one connection (rusqlite's
    /// `Connection`): statements on it while the transaction is open run inside the
    /// transaction, not beside it on another connection of a pool.
    #[serde(default)]
    pub single_connection: bool,
    /// Rust: functions whose call begins a transaction, as paths from the crate root
    /// (`lmdb_zero::WriteTransaction::new`). A call's path is resolved through the file's
    /// imports (`WriteTransaction::new` after `use lmdb_zero::WriteTransaction`), so the
    /// crate in the path is the evidence. The `begin` table only knows methods, and
    /// lmdb-zero opens its write transaction with a constructor.
    #[serde(default)]
    pub begin_constructors: Vec<String>,
    /// Rust: the library's `begin` methods count only in a file that imports its crate.
    /// The key-value stores' begin names (`write_txn`, `begin_write`) are plain words
    /// that other code uses too; the SQL libraries predate this key.
    #[serde(default)]
    pub begin_needs_import: bool,
    /// Rust: the result of the library's closure API is the commit's result (sled's
    /// `tree.transaction(|tx| …)` returns the storage error of the commit it ran), so
    /// throwing it away is an unchecked commit. The other closure APIs are not concerned.
    #[serde(default)]
    pub closure_result_is_commit: bool,
    /// Rust: the handle types the closure API is called on, as paths from the crate root
    /// (`sled::Tree`): the evidence that a `transaction(..)` call is the library's.
    #[serde(default)]
    pub handle_types: Vec<String>,
    /// Rust: functions whose chain yields such a handle (`sled::open(path)?`,
    /// `sled::Config::new().path(p).open()?`), as paths from the crate root.
    #[serde(default)]
    pub handle_functions: Vec<String>,
    /// Rust: methods that, called on a handle, return another (`db.open_tree(name)?`).
    #[serde(default)]
    pub handle_methods: Vec<String>,
    /// A type of the project that wraps a library's transaction (see `wrapping`), made
    /// for the files that can name it: never read from a model file.
    #[serde(skip)]
    pub project_wrapper: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginSpec {
    pub methods: Vec<String>,
    pub args: Option<usize>,
    pub results: BeginResults,
    /// When not empty, the call begins only on the value of one of these methods, in its
    /// receiver chain or through a local bound to one: tokio-postgres `start()` on the
    /// builder of `build_transaction()`, not any `job.start()`.
    #[serde(default)]
    pub on: Vec<String>,
}

/// The result shape of a begin call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeginResults {
    /// `(tx, err)`
    TxError,
    /// `tx`; the call panics on failure.
    Tx,
    /// One value that carries its error in `.Error` (GORM).
    Handle,
    /// Begins on the receiver and returns only an error (xorm sessions).
    Error,
}

impl BeginResults {
    /// How many values a call site binds for this shape.
    pub fn arity(self) -> usize {
        match self {
            BeginResults::TxError => 2,
            BeginResults::Tx | BeginResults::Handle | BeginResults::Error => 1,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitSpec {
    pub methods: Vec<String>,
    pub returns: CommitReturns,
}

/// What a commit call returns, which decides how its error can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitReturns {
    /// An `error` value.
    Error,
    /// A handle whose `.Error` field holds the error (GORM).
    Handle,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSet {
    pub methods: Vec<String>,
}

impl Models {
    /// Whether an import path is one of a modelled library's.
    pub fn is_library_import(&self, path: &str) -> bool {
        self.libraries
            .iter()
            .any(|library| library.imports.iter().any(|p| path_matches(p, path)))
    }

    /// The shipped models of a language (empty for a language without models yet).
    pub fn builtin(language: Language) -> &'static Models {
        static GO: OnceLock<Models> = OnceLock::new();
        static PYTHON: OnceLock<Models> = OnceLock::new();
        static RUST: OnceLock<Models> = OnceLock::new();
        match language {
            Language::Go => GO.get_or_init(|| {
                Models::parse(GO_MODELS).expect("rules/models/go.toml is valid (tested)")
            }),
            Language::Python => PYTHON.get_or_init(|| {
                Models::parse(PYTHON_MODELS).expect("rules/models/python.toml is valid (tested)")
            }),
            Language::Rust => RUST.get_or_init(|| {
                Models::parse(RUST_MODELS).expect("rules/models/rust.toml is valid (tested)")
            }),
        }
    }

    pub fn parse(text: &str) -> Result<Models, toml::de::Error> {
        toml::from_str(text)
    }

    /// Adds another set of models: its libraries after these (the shipped ones win
    /// ties), its method lists to these.
    pub fn extend(&mut self, other: &Models) {
        self.libraries.extend(other.libraries.iter().cloned());
        let lists = [
            (&mut self.statements.methods, &other.statements.methods),
            (
                &mut self.statements.builder_methods,
                &other.statements.builder_methods,
            ),
            (
                &mut self.statements.global_handles,
                &other.statements.global_handles,
            ),
            (
                &mut self.statements.handle_types,
                &other.statements.handle_types,
            ),
            (&mut self.raw_sql.pool_types, &other.raw_sql.pool_types),
            (
                &mut self.raw_sql.connection_types,
                &other.raw_sql.connection_types,
            ),
            (
                &mut self.raw_sql.returned_as_is,
                &other.raw_sql.returned_as_is,
            ),
            (
                &mut self.raw_sql.pool_functions,
                &other.raw_sql.pool_functions,
            ),
            (
                &mut self.raw_sql.connection_functions,
                &other.raw_sql.connection_functions,
            ),
            (&mut self.rows.query_methods, &other.rows.query_methods),
            (&mut self.rows.runner_methods, &other.rows.runner_methods),
            (&mut self.rows.close_methods, &other.rows.close_methods),
            (
                &mut self.rows.closing_functions,
                &other.rows.closing_functions,
            ),
            (&mut self.rows.next_methods, &other.rows.next_methods),
            (&mut self.rows.error_methods, &other.rows.error_methods),
            (&mut self.rows.handle_types, &other.rows.handle_types),
            (
                &mut self.rows.handle_functions,
                &other.rows.handle_functions,
            ),
            (&mut self.rows.handle_methods, &other.rows.handle_methods),
            (
                &mut self.rows.statement_methods,
                &other.rows.statement_methods,
            ),
            (&mut self.rows.libraries, &other.rows.libraries),
            (&mut self.blocking.functions, &other.blocking.functions),
            (
                &mut self.blocking.client_types,
                &other.blocking.client_types,
            ),
            (
                &mut self.blocking.client_globals,
                &other.blocking.client_globals,
            ),
            (
                &mut self.blocking.client_methods,
                &other.blocking.client_methods,
            ),
            (
                &mut self.blocking.command_constructors,
                &other.blocking.command_constructors,
            ),
            (
                &mut self.blocking.command_methods,
                &other.blocking.command_methods,
            ),
            (&mut self.control.never_return, &other.control.never_return),
            (
                &mut self.control.never_return_methods,
                &other.control.never_return_methods,
            ),
            (&mut self.pools.open_functions, &other.pools.open_functions),
            (&mut self.pools.bound_methods, &other.pools.bound_methods),
            (&mut self.pools.wrap_functions, &other.pools.wrap_functions),
            (
                &mut self.pools.acquire_methods,
                &other.pools.acquire_methods,
            ),
            (&mut self.pools.cleanup_types, &other.pools.cleanup_types),
            (
                &mut self.pools.cleanup_methods,
                &other.pools.cleanup_methods,
            ),
            (&mut self.pools.dry_run_fields, &other.pools.dry_run_fields),
        ];
        for (mine, theirs) in lists {
            mine.extend(theirs.iter().cloned());
        }
        for (method, ty) in &other.raw_sql.connection_methods {
            self.raw_sql
                .connection_methods
                .entry(method.clone())
                .or_insert_with(|| ty.clone());
        }
    }

    /// Words one of which every file with a finding contains: the names of the calls
    /// that begin, commit, acquire or run a transaction, and the import paths of the
    /// modelled libraries (rows cursors are only tracked, and pools only opened, in files
    /// that import one). Rollback and close names are left out on purpose: alone they
    /// cannot produce a finding, and `Close` is everywhere.
    /// The texts one of which a file must contain to be worth parsing, in the shape they
    /// take in code: a modelled method only where it is called (`.Commit(`), a library
    /// only where it is imported or named as a path. Bare words let in every file with a
    /// `Txn`, an `Appender.Commit` or a `start` (issue 13); the shapes keep the same
    /// findings, since every rule needs one of these calls or the library's types.
    pub fn prefilter_patterns(&self, language: Language) -> Vec<String> {
        self.prefilter_patterns_with(language, true)
    }

    /// [`Models::prefilter_patterns`] without the commit and rollback methods: what a file
    /// needs beyond a commit call to hold a transaction of its own (see
    /// [`crate::Prefilter::CommitOnly`]).
    pub fn evidence_patterns(&self, language: Language) -> Vec<String> {
        self.prefilter_patterns_with(language, false)
    }

    fn prefilter_patterns_with(&self, language: Language, commits: bool) -> Vec<String> {
        // A helper that only rolls back (`func rollback(tx *db.Tx, …)` beside the files
        // that begin) ends a transaction from elsewhere, like a commit. `Close` also
        // closes rows and statements everywhere, so it is no evidence of a transaction.
        let closes = &self.rows.close_methods;
        let methods = self.libraries.iter().flat_map(move |library| {
            let rollback = library
                .rollback
                .methods
                .iter()
                .filter(|m| !closes.contains(m));
            let commit = library
                .commit
                .methods
                .iter()
                .chain(rollback)
                .filter(move |_| commits);
            library
                .begin
                .iter()
                .flat_map(|b| b.methods.iter())
                .chain(commit)
                .chain(&library.acquire)
                .chain(&library.closure)
        });
        let imports = self.libraries.iter().flat_map(|library| {
            library
                .imports
                .iter()
                .filter(|p| !p.starts_with("*/"))
                .map(|p| p.trim_end_matches("/*"))
        });
        let mut patterns: Vec<String> = Vec::new();
        match language {
            Language::Go => {
                patterns.extend(methods.map(|m| format!(".{m}(")));
                // An import path is always quoted; a prefix also covers its subpackages
                // and major versions (`"github.com/jackc/pgx/v5"`).
                patterns.extend(imports.map(|p| format!("\"{p}")));
                // A declared transaction type (`tx *sql.Tx`) is evidence of its own.
                let types = self.libraries.iter().flat_map(|l| &l.tx_types);
                patterns.extend(types.map(|t| t.trim_start_matches('*').to_string()));
            }
            Language::Rust => {
                // tokio-postgres's `start` only ever follows `build_transaction()`, itself
                // a trigger; the bare word let in most of any large Rust tree.
                let begins: BTreeSet<&String> = self
                    .libraries
                    .iter()
                    .flat_map(|l| l.begin.iter().flat_map(|b| &b.methods))
                    .collect();
                for m in methods.filter(|m| *m != "start") {
                    patterns.push(format!(".{m}("));
                    patterns.push(format!(".{m}::<"));
                    // A type of the crate with a begin's name of its own
                    // (`fn transaction(&mut self)`): the index must know it, or its calls on
                    // a value of unshown type are taken for the library's.
                    if begins.contains(m) {
                        patterns.push(format!("fn {m}("));
                        patterns.push(format!("fn {m}<"));
                    }
                }
                for krate in imports {
                    patterns.push(format!("{krate}::"));
                    patterns.push(format!("use {krate}"));
                    patterns.push(format!("crate {krate}"));
                }
            }
            Language::Python => {
                // Every Python finding involves a driver, pool or Django, all reached
                // through an import of their top-level module.
                let callables = self
                    .drivers
                    .iter()
                    .flat_map(|d| d.connect.iter().chain(&d.types))
                    .chain(
                        self.pool_kinds
                            .iter()
                            .flat_map(|p| p.create.iter().chain(&p.types)),
                    )
                    .chain(&self.django.atomic);
                // In import shape only: a bare `sqlite3` or `psycopg` lets in every
                // docstring and test of a driver's own tree (issue 13). `, m` covers
                // `import os, sqlite3`. Any module of the package counts, not only the
                // callable's own: a file importing `django.http` or `django.conf` may hold a
                // helper that matters through the project index (one that never returns,
                // called from a handler; one that blocks), and only lowered files have
                // summaries.
                let modules: BTreeSet<&str> =
                    callables.filter_map(|c| c.split('.').next()).collect();
                for module in modules {
                    for shape in ["import ", "from ", ", ", ","] {
                        patterns.push(format!("{shape}{module}"));
                    }
                }
                // A module that defines a class-based view base (`from flask.views import
                // MethodView`) is read for the views of the modules deriving from it.
                let view_modules: BTreeSet<&str> = self
                    .connection
                    .request_view_bases
                    .iter()
                    .filter_map(|base| base.rsplit_once('.').map(|(module, _)| module))
                    .collect();
                for module in view_modules {
                    patterns.push(format!("from {module} import"));
                    patterns.push(format!("import {module}"));
                }
            }
        }
        patterns.sort_unstable();
        patterns.dedup();
        patterns
    }
}

impl Library {
    /// Whether the file imports this library.
    pub fn is_imported_by(&self, file: &FileIr) -> bool {
        file.imports
            .iter()
            .any(|import| self.imports.iter().any(|p| path_matches(p, &import.path)))
    }

    /// Whether a declared type (whitespace removed) is one of this library's transaction
    /// types. `qualifier_alias` maps the type's package qualifier back to the name the
    /// library is normally imported under, for files that import it under an alias.
    pub fn is_tx_type(&self, ty: &str, file: &FileIr) -> bool {
        if file.language == Language::Rust {
            // Rust type texts are paths (`heed::RwTxn<'e>`, `RwTxn` after `use heed::RwTxn`).
            return rust_type_path(ty, file).is_some_and(|path| self.tx_types.contains(&path));
        }
        let canonical = canonical_type(ty, file, self);
        self.tx_types.contains(&canonical)
    }

    /// Whether `ty` is one of the library's rows types, as the file names it.
    pub fn is_rows_type(&self, ty: &str, file: &FileIr) -> bool {
        let canonical = canonical_type(ty, file, self);
        self.rows_types.contains(&canonical)
    }

    /// Whether calling `method` on one of the library's transactions ends it: its commit
    /// or rollback, or either with `Must` before it (`t.MustRollback()`), Go's convention
    /// for the same call panicking instead of returning its error, which a project type
    /// wrapping the transaction (and an interface of it) offers.
    pub fn ends_by_method(&self, method: &str) -> bool {
        let plain = |m: &str| self.is_commit(m) || self.is_rollback(m);
        plain(method) || method.strip_prefix("Must").is_some_and(plain)
    }

    pub fn is_commit(&self, method: &str) -> bool {
        self.commit.methods.iter().any(|m| m == method)
    }

    pub fn is_rollback(&self, method: &str) -> bool {
        self.rollback.methods.iter().any(|m| m == method)
    }

    pub fn is_acquire(&self, method: &str) -> bool {
        self.acquire.iter().any(|m| m == method)
    }

    /// The begin specification matching a call of `method` with `args` arguments.
    pub fn begin_spec(&self, method: &str, args: usize) -> Option<&BeginSpec> {
        self.begin.iter().find(|spec| {
            spec.methods.iter().any(|m| m == method) && spec.args.is_none_or(|n| n == args)
        })
    }
}

/// Matches an import path against a model pattern: exact, `prefix/*` or `*/suffix`; a
/// Rust crate name matches every path inside the crate (`sqlx` matches `sqlx::PgPool`).
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    if path
        .strip_prefix(pattern)
        .is_some_and(|rest| rest.starts_with("::"))
    {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix("/*") {
        return path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'));
    }
    if let Some(suffix) = pattern.strip_prefix("*/") {
        return path.ends_with(&format!("/{suffix}"));
    }
    pattern == path
}

/// Rust: a path as written in the file (`lmdb::WriteTransaction::new`, `RwTxn`),
/// with its first segment replaced by what the file imports under that name
/// (`use heed::RwTxn;`, `extern crate lmdb_zero as lmdb;`). A leading `::` is dropped;
/// paths through `crate`, `self` or `super` are the project's own and stay as they are.
pub(crate) fn resolve_rust_path(path: &str, file: &FileIr) -> String {
    let path = path.trim_start_matches("::");
    let (first, rest) = match path.split_once("::") {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    let Some(import) = file
        .import_named(first)
        .filter(|_| !matches!(first, "crate" | "self" | "super"))
    else {
        return path.to_string();
    };
    match rest {
        Some(rest) => format!("{}::{rest}", import.path),
        None => import.path.clone(),
    }
}

/// Rust: the path a type names, resolved through the file's imports, for an owned
/// value of that type: `heed::RwTxn<'e>` → `heed::RwTxn`. References, pointers and
/// types that are not a plain path (tuples, slices, `dyn`, `impl`) have none.
pub(crate) fn rust_type_path(ty: &str, file: &FileIr) -> Option<String> {
    let path = ty.split('<').next().unwrap_or(ty);
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
    plain.then(|| resolve_rust_path(path, file))
}

/// Rust: the element types of what an `Option` type holds: `Option<(u32, Txn<'a>)>` →
/// `["u32", "Txn<'a>"]`, `Option<Txn>` → `["Txn"]`; `None` for any other type.
pub(crate) fn rust_option_elements<'t>(ty: &'t str, file: &FileIr) -> Option<Vec<&'t str>> {
    let (outer, inner) = ty.split_once('<')?;
    let inner = inner.strip_suffix('>')?;
    let outer = resolve_rust_path(outer, file);
    if !matches!(
        outer.as_str(),
        "Option" | "std::option::Option" | "core::option::Option"
    ) {
        return None;
    }
    let Some(tuple) = inner.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else {
        return Some(vec![inner]);
    };
    // Split at the commas of the tuple itself, not those inside generic arguments.
    let mut elements = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in tuple.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                elements.push(&tuple[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tuple.len() {
        elements.push(&tuple[start..]);
    }
    Some(elements)
}

/// Rewrites `*alias.Tx` to `*sql.Tx` when the file imports the library as `alias`.
fn canonical_type(ty: &str, file: &FileIr, library: &Library) -> String {
    let pointer = if ty.starts_with('*') { "*" } else { "" };
    let bare = ty.trim_start_matches('*');
    let Some((qualifier, name)) = bare.split_once('.') else {
        return ty.to_string();
    };
    let imported = file.import_named(qualifier).filter(|import| {
        import.alias.is_some()
            && library
                .imports
                .iter()
                .any(|p| path_matches(p, &import.path))
    });
    match imported {
        Some(_) => {
            // The conventional qualifier is the one the model's own types use.
            let conventional = library
                .tx_types
                .iter()
                .filter_map(|t| t.trim_start_matches('*').split_once('.'))
                .map(|(q, _)| q)
                .next()
                .unwrap_or(qualifier);
            format!("{pointer}{conventional}.{name}")
        }
        None => ty.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use txlint_ir::ir::Import;
    use txlint_ir::TextRange;

    #[test]
    fn shipped_go_models_parse() {
        let models = Models::parse(GO_MODELS).unwrap();
        let names: Vec<&str> = models.libraries.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "database/sql",
                "sqlx",
                "pgx",
                "bun",
                "ent",
                "gorm",
                "gorp",
                "xorm"
            ]
        );
    }

    #[test]
    fn shipped_rust_models_parse() {
        let models = Models::parse(RUST_MODELS).unwrap();
        assert!(models.libraries.iter().any(|l| l.name == "sqlx"));
        assert!(models.executors.methods.iter().any(|m| m == "execute"));
    }

    #[test]
    fn shipped_python_models_parse() {
        let models = Models::parse(PYTHON_MODELS).unwrap();
        assert!(models.drivers.iter().any(|d| d.name == "psycopg"));
        for pool in &models.pool_kinds {
            assert!(
                models.drivers.iter().any(|d| d.name == pool.driver),
                "{}: unknown driver",
                pool.name
            );
        }
    }

    #[test]
    fn import_patterns() {
        assert!(path_matches("database/sql", "database/sql"));
        assert!(!path_matches("database/sql", "database/sql/driver"));
        assert!(path_matches(
            "github.com/jackc/pgx/v5/*",
            "github.com/jackc/pgx/v5/pgxpool"
        ));
        assert!(!path_matches(
            "github.com/jackc/pgx/v5/*",
            "github.com/jackc/pgx/v5"
        ));
        assert!(path_matches("*/ent", "example.com/app/ent"));
        assert!(!path_matches("*/ent", "example.com/app/content"));
    }

    #[test]
    fn aliased_imports_resolve_tx_types() {
        let models = Models::builtin(Language::Go);
        let sql = &models.libraries[0];
        let mut file = FileIr::empty(Language::Go);
        file.imports.push(Import {
            path: "database/sql".into(),
            alias: Some("stdsql".into()),
            range: TextRange::default(),
        });
        assert!(sql.is_tx_type("*stdsql.Tx", &file));
        assert!(sql.is_tx_type("*sql.Tx", &file));
        assert!(!sql.is_tx_type("*stdsql.DB", &file));
        assert!(!sql.is_tx_type("sql.Tx", &file));
    }
}
