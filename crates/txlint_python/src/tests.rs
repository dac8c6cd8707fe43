//! Lowering tests: the IR a Python snippet produces.

use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, Event, FileIr, FuncId, Function, FunctionKind, NilTest,
    Operand, ResultUse, Terminator, VarId, VarKind,
};
use txlint_ir::{Language, TextRange};

use crate::lower_file;

fn lower(source: &str) -> FileIr {
    let ir = lower_file(source);
    assert!(
        ir.syntax_errors.is_empty(),
        "unexpected syntax errors: {:?}",
        ir.syntax_errors
    );
    ir
}

fn function<'a>(ir: &'a FileIr, name: &str) -> &'a Function {
    ir.functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no function {name}: {:?}",
                ir.functions.iter().map(|f| &f.name).collect::<Vec<_>>()
            )
        })
}

/// The calls of `function` whose callee is named `name` (method or path).
fn calls<'a>(function: &'a Function, name: &str) -> Vec<(CallId, &'a Call)> {
    function
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.callee.name() == Some(name))
        .map(|(i, c)| (CallId(i as u32), c))
        .collect()
}

fn call<'a>(function: &'a Function, name: &str) -> (CallId, &'a Call) {
    let found = calls(function, name);
    assert_eq!(found.len(), 1, "expected one call of {name}");
    found[0]
}

fn var(function: &Function, name: &str) -> VarId {
    let found: Vec<usize> = function
        .vars
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name == name)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "expected one variable {name}");
    VarId(found[0] as u32)
}

/// The block whose events include `Event::Call(id)`.
fn block_of_call(function: &Function, id: CallId) -> BlockId {
    let index = function
        .cfg
        .blocks
        .iter()
        .position(|b| b.events.contains(&Event::Call(id)))
        .expect("call has an event");
    BlockId(index as u32)
}

fn text(source: &str, range: TextRange) -> &str {
    &source[range.to_usize()]
}

fn reachable_terminators(function: &Function) -> Vec<&Terminator> {
    function
        .cfg
        .reachable()
        .into_iter()
        .map(|b| &function.cfg.block(b).terminator)
        .collect()
}

/// Blocks reachable from `from` (included).
fn reachable_from(function: &Function, from: BlockId) -> Vec<BlockId> {
    let mut seen = vec![false; function.cfg.blocks.len()];
    let mut stack = vec![from];
    let mut order = Vec::new();
    while let Some(b) = stack.pop() {
        if std::mem::replace(&mut seen[b.index()], true) {
            continue;
        }
        order.push(b);
        stack.extend(function.cfg.successors(b));
    }
    order
}

// ----- imports, module, functions ---------------------------------------------------

#[test]
fn imports_bind_one_name_each_with_the_bound_name_as_alias() {
    let ir = lower(
        "import a.b.c\nimport a.b as x, os\nfrom a.b import c\nfrom a.b import (c as d, e)\n\
         from . import sibling\nfrom .pkg import thing\nfrom m import *\n\
         def f():\n    import psycopg\n",
    );
    let imports: Vec<_> = ir
        .imports
        .iter()
        .map(|i| (i.path.as_str(), i.alias.as_deref().unwrap()))
        .collect();
    assert_eq!(
        imports,
        [
            ("a", "a"),
            ("a.b", "x"),
            ("os", "os"),
            ("a.b.c", "c"),
            ("a.b.c", "d"),
            ("a.b.e", "e"),
            (".sibling", "sibling"),
            (".pkg.thing", "thing"),
            ("psycopg", "psycopg"),
        ]
    );
    assert_eq!(ir.language, Language::Python);
    assert_eq!(ir.package, None);
    assert_eq!(ir.import_named("d").unwrap().path, "a.b.c");
}

#[test]
fn module_code_is_the_function_module() {
    let source = "import psycopg\nconn = psycopg.connect()\nconn.commit()\n";
    let ir = lower(source);
    let module = &ir.functions[0];
    assert_eq!(module.name, "<module>");
    assert_eq!(module.kind, FunctionKind::Function);
    assert_eq!(module.parent, None);
    let conn = var(module, "conn");
    assert_eq!(module.var(conn).kind, VarKind::Local);
    let (_, connect) = call(module, "connect");
    assert_eq!(
        connect.result,
        ResultUse::Assigned(vec![Binding::Var(conn)])
    );
    assert!(matches!(
        reachable_terminators(module).last(),
        Some(Terminator::Return { implicit: true, range, .. }) if range.start() as usize == source.len()
    ));
}

#[test]
fn methods_receivers_and_static_methods() {
    let ir = lower(
        r#"
def top(conn):
    pass

class Repo:
    def save(self, conn):
        pass

    @staticmethod
    def build(dsn):
        pass

    @classmethod
    def create(cls):
        pass
"#,
    );
    let top = function(&ir, "top");
    assert_eq!(top.kind, FunctionKind::Function);
    assert_eq!(top.receiver, None);
    assert_eq!(top.params.len(), 1);

    let save = function(&ir, "Repo.save");
    assert_eq!(save.kind, FunctionKind::Method);
    assert_eq!(save.parent, None);
    let receiver = save.receiver.expect("self is the receiver");
    assert_eq!(save.var(receiver).name, "self");
    assert_eq!(save.var(receiver).kind, VarKind::Receiver);
    assert_eq!(save.var(receiver).ty.as_deref(), Some("Repo"));
    assert_eq!(save.params.len(), 1, "the receiver is not among params");
    assert_eq!(save.var(save.params[0]).name, "conn");

    let build = function(&ir, "Repo.build");
    assert_eq!(build.kind, FunctionKind::Method);
    assert_eq!(build.receiver, None);
    assert_eq!(build.var(build.params[0]).name, "dsn");
    assert_eq!(build.decorators, ["staticmethod"]);

    let create = function(&ir, "Repo.create");
    assert_eq!(create.var(create.receiver.unwrap()).name, "cls");
}

#[test]
fn decorators_are_recorded_without_at_and_whitespace() {
    let ir = lower(
        r#"
@transaction.atomic
def a(): pass

@transaction.atomic()
def b(): pass

@app.get( "/x" )
async def c(): pass
"#,
    );
    assert_eq!(function(&ir, "a").decorators, ["transaction.atomic"]);
    assert_eq!(function(&ir, "b").decorators, ["transaction.atomic()"]);
    assert_eq!(function(&ir, "c").decorators, ["app.get(\"/x\")"]);
    // Decorators run where the function is defined.
    let module = &ir.functions[0];
    assert_eq!(calls(module, "atomic").len(), 1);
}

#[test]
fn parameters_with_annotations_defaults_and_splats() {
    let ir = lower(
        "def f(a, b: psycopg.Connection, c=1, d: Session = None, *args, \
         e: AsyncConnection | None = None, **kwargs): pass\n",
    );
    let f = function(&ir, "f");
    let params: Vec<_> = f
        .params
        .iter()
        .map(|p| (f.var(*p).name.as_str(), f.var(*p).ty.as_deref()))
        .collect();
    assert_eq!(
        params,
        [
            ("a", None),
            ("b", Some("psycopg.Connection")),
            ("c", None),
            ("d", Some("Session")),
            ("args", None),
            ("e", Some("AsyncConnection|None")),
            ("kwargs", None),
        ]
    );
    assert!(f.params.iter().all(|p| f.var(*p).kind == VarKind::Param));
}

// ----- scoping ----------------------------------------------------------------------

#[test]
fn a_name_assigned_anywhere_is_one_local_of_the_whole_function() {
    let ir = lower(
        r#"
def f(pool):
    for i in range(3):
        if conn:
            conn.commit()
        conn: Connection = pool.getconn()
    return undefined_name
"#,
    );
    let f = function(&ir, "f");
    let conn = var(f, "conn");
    assert_eq!(f.var(conn).kind, VarKind::Local);
    assert_eq!(f.var(conn).ty.as_deref(), Some("Connection"));
    let (_, commit) = call(f, "commit");
    assert!(
        matches!(&commit.callee, Callee::Method { receiver, .. } if *receiver == Operand::Var(conn))
    );
    let (_, getconn) = call(f, "getconn");
    assert_eq!(
        getconn.result,
        ResultUse::Assigned(vec![Binding::Var(conn)])
    );
    // A name nobody assigns is a global.
    assert!(reachable_terminators(f).iter().any(|t| matches!(t,
        Terminator::Return { values, .. } if values == &[Operand::Global("undefined_name".into())])));
}

#[test]
fn nested_functions_capture_and_global_names_are_not_locals() {
    let ir = lower(
        r#"
POOL = None

def outer(db):
    global POOL
    POOL = make_pool()
    conn = db.connect()
    def inner():
        conn.commit()
    def rebind():
        nonlocal conn
        conn = None
    run(inner)
    POOL.close()
"#,
    );
    let outer = function(&ir, "outer");
    assert!(outer.vars.iter().all(|v| v.name != "POOL"));
    let (_, make) = call(outer, "make_pool");
    assert_eq!(
        make.result,
        ResultUse::Assigned(vec![Binding::Place(Operand::Global("POOL".into()))])
    );
    let (_, close) = call(outer, "close");
    assert!(
        matches!(&close.callee, Callee::Method { receiver: Operand::Global(g), .. } if g == "POOL")
    );

    let inner = function(&ir, "outer.func1");
    assert_eq!(inner.kind, FunctionKind::Literal);
    assert_eq!(inner.parent, Some(FuncId(1)));
    let captured = var(inner, "conn");
    assert_eq!(inner.var(captured).kind, VarKind::Captured);
    assert_eq!(
        inner.var(captured).outer,
        Some((FuncId(1), var(outer, "conn")))
    );

    let rebind = function(&ir, "outer.func2");
    let conn = var(rebind, "conn");
    assert_eq!(rebind.var(conn).kind, VarKind::Captured, "nonlocal");

    // The def binds a local of the outer function to the closure.
    let inner_var = var(outer, "inner");
    assert!(outer.events().any(|e| matches!(e,
        Event::Assign { targets, values, .. }
            if targets == &[Binding::Var(inner_var)] && values == &[Operand::Closure(FuncId(2))])));
    let (_, run) = call(outer, "run");
    assert_eq!(run.args, [Operand::Var(inner_var)]);
}

#[test]
fn module_names_are_globals_inside_functions() {
    let ir = lower(
        r#"
pool = make()
handler = lambda: pool.getconn()

def f():
    return pool.getconn()

def main():
    f()
"#,
    );
    let lambda = function(&ir, "<module>.func1");
    assert_eq!(lambda.parent, Some(FuncId(0)));
    let (_, getconn) = call(lambda, "getconn");
    assert!(
        matches!(&getconn.callee, Callee::Method { receiver: Operand::Global(g), .. } if g == "pool")
    );
    assert!(lambda.vars.is_empty());
    let f = function(&ir, "f");
    assert!(f.vars.is_empty());
    assert_eq!(f.result_count, 1);
    // A module-level function is called by path, not through a variable.
    let (_, call_f) = call(function(&ir, "main"), "f");
    assert_eq!(call_f.callee, Callee::Path(vec!["f".into()]));
}

#[test]
fn lambdas_are_literals_returning_their_body() {
    let ir = lower("def f(conn):\n    run(lambda cur: conn.execute(cur))\n");
    let lambda = function(&ir, "f.func1");
    assert_eq!(lambda.kind, FunctionKind::Literal);
    assert_eq!(lambda.result_count, 1);
    assert_eq!(lambda.var(lambda.params[0]).name, "cur");
    let (id, execute) = call(lambda, "execute");
    assert_eq!(execute.result, ResultUse::Returned);
    assert!(reachable_terminators(lambda).iter().any(|t| matches!(t,
        Terminator::Return { values, .. } if values == &[Operand::Call(id)])));
    let (_, run) = call(function(&ir, "f"), "run");
    assert_eq!(run.args, [Operand::Closure(FuncId(2))]);
}

// ----- fields and globals -----------------------------------------------------------

#[test]
fn fields_from_class_attributes_and_self_assignments() {
    let ir = lower(
        r#"
import psycopg

class Repo:
    engine = create_engine("postgresql://")
    session: Session
    retries = 3

    def __init__(self, pool):
        self.pool = pool
        self.conn = psycopg.connect()
        self.cur: Cursor | None = None
        self.other = self.pool.getconn()
        self.conn = other_kind()
        other.x = make()
"#,
    );
    let fields: Vec<_> = ir
        .fields
        .iter()
        .map(|f| (f.owner.as_str(), f.name.as_str(), f.ty.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("Repo", "engine", "create_engine()"),
            ("Repo", "session", "Session"),
            ("Repo", "conn", "psycopg.connect()"),
            ("Repo", "cur", "Cursor|None"),
            ("Repo", "other", "self.pool.getconn()"),
        ]
    );
    // A class attribute assigned from a call is a place.
    let module = &ir.functions[0];
    let (_, create) = call(module, "create_engine");
    assert_eq!(
        create.result,
        ResultUse::Assigned(vec![Binding::Place(Operand::Field(
            Box::new(Operand::Global("Repo".into())),
            "engine".into()
        ))])
    );
}

#[test]
fn globals_with_annotations_or_evident_types() {
    let ir = lower(
        r#"
from sqlalchemy.orm import sessionmaker
Session = sessionmaker(bind=engine)
pool: ConnectionPool = build()
count = 0
def f():
    local = sessionmaker()
"#,
    );
    let globals: Vec<_> = ir
        .globals
        .iter()
        .map(|g| (g.name.as_str(), g.ty.as_str()))
        .collect();
    assert_eq!(
        globals,
        [("Session", "sessionmaker()"), ("pool", "ConnectionPool")]
    );
    assert_eq!(ir.global_type("pool"), Some("ConnectionPool"));
}

// ----- calls ------------------------------------------------------------------------

#[test]
fn callees_rooted_at_imports_are_paths() {
    let ir = lower(
        r#"
import psycopg2.pool
from sqlalchemy.orm import Session

def f(engine, psycopg2_like):
    pool = psycopg2.pool.ThreadedConnectionPool(1, 10, dsn)
    with Session(engine) as session:
        session.commit()
    psycopg2_like.pool.get()
    helper(pool)

def g():
    Session = pick()
    Session(1)
"#,
    );
    let f = function(&ir, "f");
    let (_, pool) = call(f, "ThreadedConnectionPool");
    assert_eq!(
        pool.callee,
        Callee::Path(vec![
            "psycopg2".into(),
            "pool".into(),
            "ThreadedConnectionPool".into()
        ])
    );
    assert_eq!(
        pool.args[..2],
        [Operand::Const("1".into()), Operand::Const("10".into())]
    );
    assert_eq!(pool.args[2], Operand::Global("dsn".into()));
    let (_, session) = call(f, "Session");
    assert_eq!(session.callee, Callee::Path(vec!["Session".into()]));
    assert_eq!(
        ir.import_named("Session").unwrap().path,
        "sqlalchemy.orm.Session"
    );
    let (_, commit) = call(f, "commit");
    assert!(
        matches!(&commit.callee, Callee::Method { receiver, name_range, .. }
        if *receiver == Operand::Var(var(f, "session")) && name_range.len() == 6)
    );
    let (_, get) = call(f, "get");
    assert!(
        matches!(&get.callee, Callee::Method { receiver: Operand::Field(base, name), .. }
        if name == "pool" && **base == Operand::Var(var(f, "psycopg2_like")))
    );
    assert_eq!(
        call(f, "helper").1.callee,
        Callee::Path(vec!["helper".into()])
    );
    // A local shadows the import.
    let g = function(&ir, "g");
    let shadowed = calls(g, "Session");
    assert!(shadowed.is_empty());
    assert!(g
        .calls
        .iter()
        .any(|c| c.callee == Callee::Other(Operand::Var(var(g, "Session")))));
}

#[test]
fn mapping_keywords_are_dotted_keywords() {
    let ir = lower(
        r#"
def f(dsn, flag):
    ConnectionPool(dsn, kwargs={"autocommit": True, "prepare_threshold": 5, f"x{dsn}": 1, "y": flag})
    ConnectionPool(dsn, kwargs=dict(autocommit=False))
    create_engine(dsn, isolation_level="AUTOCOMMIT")
"#,
    );
    let f = function(&ir, "f");
    let pools = calls(f, "ConnectionPool");
    assert_eq!(
        pools[0].1.keyword("kwargs.autocommit"),
        Some(&Operand::Const("True".into()))
    );
    assert_eq!(
        pools[0].1.keyword("kwargs.prepare_threshold"),
        Some(&Operand::Const("5".into()))
    );
    // Interpolated keys and non-literal values are not options we can read.
    assert_eq!(pools[0].1.keywords.len(), 3);
    assert_eq!(pools[0].1.keyword("kwargs"), Some(&Operand::Other));
    assert_eq!(
        pools[1].1.keyword("kwargs.autocommit"),
        Some(&Operand::Const("False".into()))
    );
    let (_, engine) = call(f, "create_engine");
    assert_eq!(
        engine.keyword("isolation_level"),
        Some(&Operand::Str("AUTOCOMMIT".into()))
    );
}

#[test]
fn arguments_keywords_and_literals() {
    let ir = lower(
        r#"
def f(dsn, conn):
    psycopg.connect(dsn, autocommit=True, timeout=None, retries=3)
    conn.execute(b"SELECT 1", rf'x{dsn}' "y", *rest, **extra)
    conn.execute("SELECT " "1", (conn, 2), [conn], {"k": conn})
"#,
    );
    let f = function(&ir, "f");
    let (_, connect) = call(f, "connect");
    assert_eq!(connect.args, [Operand::Var(var(f, "dsn"))]);
    assert_eq!(
        connect.keyword("autocommit"),
        Some(&Operand::Const("True".into()))
    );
    assert_eq!(
        connect.keyword("timeout"),
        Some(&Operand::Const("None".into()))
    );
    assert_eq!(
        connect.keyword("retries"),
        Some(&Operand::Const("3".into()))
    );
    let executes = calls(f, "execute");
    assert_eq!(
        executes[0].1.args,
        [
            Operand::Str("SELECT 1".into()),
            Operand::Str("x{dsn}y".into()),
            Operand::Global("rest".into()),
            Operand::Global("extra".into()),
        ]
    );
    assert_eq!(executes[1].1.args[0], Operand::Str("SELECT 1".into()));
    assert_eq!(
        executes[1].1.args[1..],
        [Operand::Other, Operand::Other, Operand::Other]
    );
    // Variables put in a tuple, list or dict are stored in an aggregate.
    let conn = var(f, "conn");
    let stores = f
        .events()
        .filter(|e| {
            matches!(e, Event::Assign { targets, values, .. }
            if targets == &[Binding::Place(Operand::Other)] && values == &[Operand::Var(conn)])
        })
        .count();
    assert_eq!(stores, 3);
}

#[test]
fn result_uses() {
    let ir = lower(
        r#"
class Repo:
    def f(self, pool):
        pool.putconn()
        x = pool.getconn()
        a, b = pool.pair()
        self.c = pool.getconn()
        _ = pool.blank()
        helper(pool.arg())
        pool.recv().close()
        status = pool.fetch().status
        x = await pool.awaited()
        d[0] = pool.indexed()
        return pool.last()
"#,
    );
    let f = function(&ir, "Repo.f");
    let use_of = |name: &str| calls(f, name)[0].1.result.clone();
    let x = var(f, "x");
    assert_eq!(use_of("putconn"), ResultUse::Discarded);
    assert_eq!(
        use_of("getconn"),
        ResultUse::Assigned(vec![Binding::Var(x)])
    );
    assert_eq!(
        use_of("pair"),
        ResultUse::Assigned(vec![Binding::Var(var(f, "a")), Binding::Var(var(f, "b"))])
    );
    let self_c = Operand::Field(Box::new(Operand::Var(f.receiver.unwrap())), "c".into());
    assert_eq!(
        calls(f, "getconn")[1].1.result,
        ResultUse::Assigned(vec![Binding::Place(self_c)])
    );
    assert_eq!(
        use_of("blank"),
        ResultUse::Assigned(vec![Binding::Var(var(f, "_"))])
    );
    let (helper, _) = call(f, "helper");
    assert_eq!(use_of("arg"), ResultUse::Argument(helper));
    let (close, _) = call(f, "close");
    assert_eq!(use_of("recv"), ResultUse::Receiver(close));
    assert_eq!(
        use_of("fetch"),
        ResultUse::Field {
            name: "status".into(),
            then: Box::new(ResultUse::Assigned(vec![Binding::Var(var(f, "status"))])),
        }
    );
    assert_eq!(
        use_of("awaited"),
        ResultUse::Assigned(vec![Binding::Var(x)])
    );
    assert_eq!(
        use_of("indexed"),
        ResultUse::Assigned(vec![Binding::Place(Operand::Other)])
    );
    assert_eq!(use_of("last"), ResultUse::Returned);
    assert_eq!(f.result_count, 1);
}

#[test]
fn plain_assignments_and_uses() {
    let ir = lower(
        r#"
def f(conn, other):
    alias = conn
    a = b = other.make()
    print(conn.closed)
    x = conn, other
"#,
    );
    let f = function(&ir, "f");
    let (conn, other) = (var(f, "conn"), var(f, "other"));
    assert!(f.events().any(|e| matches!(e,
        Event::Assign { targets, values, .. }
            if targets == &[Binding::Var(var(f, "alias"))] && values == &[Operand::Var(conn)])));
    let (_, make) = call(f, "make");
    assert_eq!(
        make.result,
        ResultUse::Assigned(vec![Binding::Var(var(f, "a"))])
    );
    assert!(f.events().any(|e| matches!(e,
        Event::Assign { targets, values, .. }
            if targets == &[Binding::Var(var(f, "b"))] && values == &[Operand::Var(var(f, "a"))])));
    // `conn.closed` is an argument: the call describes it, no use event.
    let (_, print) = call(f, "print");
    assert_eq!(
        print.args,
        [Operand::Field(
            Box::new(Operand::Var(conn)),
            "closed".into()
        )]
    );
    // A tuple of variables stores them.
    for v in [conn, other] {
        assert!(f.events().any(|e| matches!(e,
            Event::Assign { targets, values, .. }
                if targets == &[Binding::Place(Operand::Other)] && values == &[Operand::Var(v)])));
    }
}

// ----- with -------------------------------------------------------------------------

#[test]
fn with_items_assign_their_targets_and_exit_innermost_first() {
    let source = r#"
def f(pool, conn):
    with pool.connection() as c, c.transaction():
        c.execute("x")
    with conn:
        pass
    with pool.connection() as self.held:
        pass
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let (connection, connection_call) = calls(f, "connection")[0];
    let (transaction, transaction_call) = call(f, "transaction");
    let c = var(f, "c");
    assert_eq!(
        connection_call.result,
        ResultUse::Assigned(vec![Binding::Var(c)])
    );
    assert_eq!(transaction_call.result, ResultUse::Used);
    let exits: Vec<_> = f
        .events()
        .filter_map(|e| match e {
            Event::ScopeExit {
                context,
                value,
                range,
                exceptional: false,
            } => Some((*context, value.clone(), text(source, *range))),
            _ => None,
        })
        .collect();
    assert_eq!(
        exits[..3],
        [
            (
                Some(transaction),
                Operand::Call(transaction),
                "with pool.connection() as c, c.transaction():"
            ),
            (
                Some(connection),
                Operand::Call(connection),
                "with pool.connection() as c, c.transaction():"
            ),
            (None, Operand::Var(var(f, "conn")), "with conn:"),
        ]
    );
    // The exits come after the body.
    let (execute, _) = call(f, "execute");
    let block = &f.cfg.block(block_of_call(f, execute)).events;
    let position = |e: &Event| block.iter().position(|x| x == e).unwrap();
    assert!(
        position(&Event::Call(execute))
            < position(
                &f.events()
                    .find(|e| matches!(e, Event::ScopeExit { .. }))
                    .unwrap()
                    .clone()
            )
    );
    // An attribute target is a place.
    let held = calls(f, "connection")[1].1;
    assert!(matches!(&held.result, ResultUse::Assigned(b)
        if matches!(&b[..], [Binding::Place(Operand::Field(_, name))] if name == "held")));
}

#[test]
fn return_inside_with_exits_the_scope_first() {
    let ir = lower(
        r#"
def f(pool):
    with pool.connection() as conn:
        if conn.broken:
            return None
        conn.execute("x")
    return 1
"#,
    );
    let f = function(&ir, "f");
    let (connection, _) = call(f, "connection");
    let returns: Vec<_> = f
        .cfg
        .reachable()
        .into_iter()
        .map(|b| f.cfg.block(b))
        .filter(|b| matches!(b.terminator, Terminator::Return { .. }))
        .collect();
    assert_eq!(returns.len(), 2);
    for block in returns {
        let exits = block
            .events
            .iter()
            .filter(
                |e| matches!(e, Event::ScopeExit { context, .. } if *context == Some(connection)),
            )
            .count();
        assert_eq!(exits, 1, "each path exits the scope once before returning");
    }
}

#[test]
fn break_inside_with_exits_the_scope_and_jumps() {
    let ir = lower(
        r#"
def f(pool, items):
    for item in items:
        with pool.connection() as conn:
            if item:
                break
            conn.execute(item)
"#,
    );
    let f = function(&ir, "f");
    let jumping = f
        .cfg
        .reachable()
        .into_iter()
        .map(|b| f.cfg.block(b))
        .find(|b| b.jump.is_some())
        .expect("a break");
    assert!(matches!(
        jumping.events.last(),
        Some(Event::ScopeExit { .. })
    ));
}

// ----- exceptions -------------------------------------------------------------------

/// The dispatch block: the one every MayRaise goes to, ending with a Switch.
fn dispatch_targets(function: &Function) -> (BlockId, Vec<BlockId>) {
    let handler = function
        .cfg
        .blocks
        .iter()
        .find_map(|b| match b.terminator {
            Terminator::MayRaise { handler, .. } => Some(handler),
            _ => None,
        })
        .expect("an exception edge");
    match &function.cfg.block(handler).terminator {
        Terminator::Switch { targets, .. } => (handler, targets.clone()),
        other => panic!("dispatch ends with {other:?}"),
    }
}

#[test]
fn try_statements_get_exception_edges_to_their_handlers() {
    let source = r#"
def f(conn):
    x = 1
    try:
        cur = conn.cursor()
        cur.execute("x")
        count = 0
    except (ValueError, psycopg.Error) as e:
        conn.rollback()
    except KeyError:
        pass
    conn.commit()
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let may_raise: Vec<_> = f
        .cfg
        .blocks
        .iter()
        .filter_map(|b| match &b.terminator {
            Terminator::MayRaise { range, handler, .. } => Some((text(source, *range), *handler)),
            _ => None,
        })
        .collect();
    let (dispatch, targets) = dispatch_targets(f);
    assert_eq!(
        may_raise,
        [
            ("cur = conn.cursor()", dispatch),
            ("cur.execute(\"x\")", dispatch)
        ],
        "statements without calls and statements outside the try do not raise"
    );
    assert_eq!(targets.len(), 3, "two handlers and propagation");
    let handlers: Vec<_> = targets[..2]
        .iter()
        .map(|b| match &f.cfg.block(*b).events[0] {
            Event::Handler {
                catches,
                range,
                body,
                ..
            } => (catches.clone(), text(source, *range), text(source, *body)),
            other => panic!("handler block starts with {other:?}"),
        })
        .collect();
    // Each handler knows the `try` body it covers.
    let body = "cur = conn.cursor()\n        cur.execute(\"x\")\n        count = 0";
    assert_eq!(
        handlers,
        [
            (
                vec!["ValueError".to_string(), "psycopg.Error".to_string()],
                "except (ValueError, psycopg.Error) as e",
                body
            ),
            (vec!["KeyError".to_string()], "except KeyError", body),
        ]
    );
    // `as e` binds the exception.
    assert!(matches!(&f.cfg.block(targets[0]).events[1],
        Event::Assign { targets, .. } if targets == &[Binding::Var(var(f, "e"))]));
    // Uncaught exceptions leave the function at the try statement.
    match &f.cfg.block(targets[2]).terminator {
        Terminator::Raise { range } => assert!(text(source, *range).starts_with("try:")),
        other => panic!("propagation ends with {other:?}"),
    }
    // The handler and the body both reach the commit.
    let (commit, _) = call(f, "commit");
    let commit_block = block_of_call(f, commit);
    assert!(reachable_from(f, targets[0]).contains(&commit_block));
}

#[test]
fn a_catch_all_handler_does_not_propagate() {
    for handler in [
        "except:",
        "except Exception:",
        "except (KeyError, BaseException) as e:",
    ] {
        let source =
            format!("def f(conn):\n    try:\n        conn.commit()\n    {handler}\n        pass\n");
        let ir = lower(&source);
        let f = function(&ir, "f");
        let (_, targets) = dispatch_targets(f);
        assert_eq!(targets.len(), 1, "{handler}");
        assert!(
            !reachable_terminators(f)
                .iter()
                .any(|t| matches!(t, Terminator::Raise { .. })),
            "{handler}"
        );
    }
    let ir = lower("def f(conn):\n    try:\n        conn.commit()\n    except:\n        pass\n");
    let f = function(&ir, "f");
    let (_, targets) = dispatch_targets(f);
    assert!(matches!(&f.cfg.block(targets[0]).events[0],
        Event::Handler { catches, .. } if catches.is_empty()));
}

#[test]
fn raise_goes_to_the_handlers_or_leaves_the_function() {
    let source = r#"
def f(conn):
    try:
        if conn.broken:
            raise ValueError("broken")
    except ValueError as e:
        conn.rollback()
        raise RuntimeError() from e
    raise KeyError
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    // The raise in the body jumps to the dispatch.
    let (value_error, _) = call(f, "ValueError");
    let raising = block_of_call(f, value_error);
    let Terminator::Goto(dispatch) = f.cfg.block(raising).terminator else {
        panic!("the raise jumps");
    };
    let Terminator::Switch { targets, .. } = &f.cfg.block(dispatch).terminator else {
        panic!("to the dispatch");
    };
    assert!(matches!(
        &f.cfg.block(targets[0]).events[0],
        Event::Handler { .. }
    ));
    // The raise in the handler leaves the function; so does the last one.
    let raises: Vec<_> = reachable_terminators(f)
        .into_iter()
        .filter_map(|t| match t {
            Terminator::Raise { range } => Some(text(source, *range)),
            _ => None,
        })
        .collect();
    assert!(raises.contains(&"raise RuntimeError() from e"));
    assert!(raises.iter().any(|r| r.starts_with("try:")), "propagation");
    assert!(raises.contains(&"raise KeyError"), "outside any try");
    assert_eq!(targets.len(), 2);
}

#[test]
fn else_is_not_covered_by_the_handlers_but_finally_is() {
    let source = r#"
def f(conn):
    try:
        cur = conn.cursor()
    except ValueError:
        conn.rollback()
    else:
        conn.commit()
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let (commit, _) = call(f, "commit");
    let block = block_of_call(f, commit);
    assert!(
        !matches!(f.cfg.block(block).terminator, Terminator::MayRaise { .. }),
        "no try covers the else"
    );
    let (_, targets) = dispatch_targets(f);
    assert!(
        !reachable_from(f, targets[0]).contains(&block),
        "handlers skip the else"
    );
}

#[test]
fn finally_has_a_normal_copy_and_an_abrupt_copy_reached_by_return() {
    let source = r#"
def f(pool):
    conn = pool.getconn()
    try:
        if conn.closed:
            return None
        conn.commit()
    finally:
        pool.putconn(conn)
    return conn
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let putconns = calls(f, "putconn");
    assert_eq!(putconns.len(), 2, "normal and abrupt copies");
    let blocks: Vec<BlockId> = putconns
        .iter()
        .map(|(id, _)| block_of_call(f, *id))
        .collect();
    let reachable = f.cfg.reachable();
    assert!(blocks.iter().all(|b| reachable.contains(b)));
    // One copy ends with a switch over the continuations of the exits through it: the
    // early return and the propagated exception.
    let continuations: Vec<&Terminator> = blocks
        .iter()
        .find_map(|b| match &f.cfg.block(*b).terminator {
            Terminator::Switch { targets, .. } => Some(
                targets
                    .iter()
                    .map(|t| &f.cfg.block(*t).terminator)
                    .collect(),
            ),
            _ => None,
        })
        .expect("the abrupt copy");
    assert!(continuations.iter().any(|t| matches!(t,
        Terminator::Return { range, values, .. }
            if text(source, *range) == "return None" && values == &[Operand::Const("None".into())])));
    assert!(continuations
        .iter()
        .any(|t| matches!(t, Terminator::Raise { .. })));
    // The normal copy continues to the final return.
    assert!(blocks.iter().any(|b| reachable_from(f, *b)
        .iter()
        .any(|r| matches!(&f.cfg.block(*r).terminator,
            Terminator::Return { range, .. } if text(source, *range) == "return conn"))));
}

#[test]
fn exceptions_in_handlers_and_raises_go_through_finally() {
    let source = r#"
def f(conn):
    try:
        conn.execute("x")
    except ValueError:
        conn.rollback()
        raise
    finally:
        conn.close()
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let (rollback, _) = call(f, "rollback");
    let Terminator::MayRaise { handler, .. } = f.cfg.block(block_of_call(f, rollback)).terminator
    else {
        panic!("the handler's call may raise into the finally");
    };
    let closes: Vec<BlockId> = calls(f, "close")
        .iter()
        .map(|(id, _)| block_of_call(f, *id))
        .collect();
    assert!(closes.contains(&handler), "the abrupt copy");
    let Terminator::Switch { targets, .. } = &f.cfg.block(handler).terminator else {
        panic!("the abrupt copy ends with a switch");
    };
    let raises: Vec<_> = targets
        .iter()
        .filter_map(|t| match f.cfg.block(*t).terminator {
            Terminator::Raise { range } => Some(text(source, range)),
            _ => None,
        })
        .collect();
    assert!(
        raises.contains(&"raise"),
        "the re-raise continues out of the function"
    );
    assert!(
        raises.iter().any(|r| r.starts_with("try:")),
        "so do uncaught exceptions"
    );
}

#[test]
fn nested_try_propagates_to_the_outer_handlers() {
    let ir = lower(
        r#"
def f(conn):
    try:
        try:
            conn.execute("x")
        except KeyError:
            pass
    except ValueError:
        conn.rollback()
"#,
    );
    let f = function(&ir, "f");
    let (execute, _) = call(f, "execute");
    let Terminator::MayRaise { handler: inner, .. } =
        f.cfg.block(block_of_call(f, execute)).terminator
    else {
        panic!("exception edge");
    };
    let Terminator::Switch { targets, .. } = &f.cfg.block(inner).terminator else {
        panic!("dispatch");
    };
    let Terminator::Switch { targets: outer, .. } = &f.cfg.block(targets[1]).terminator else {
        panic!("propagation goes to the outer dispatch");
    };
    assert!(matches!(&f.cfg.block(outer[0]).events[0],
        Event::Handler { catches, .. } if catches == &["ValueError"]));
}

#[test]
fn yield_and_await_inside_try_may_raise() {
    let ir = lower(
        r#"
@contextmanager
def transaction(conn):
    try:
        yield conn
    except Exception:
        conn.rollback()
        raise
    else:
        conn.commit()

async def g(conn):
    try:
        await conn
    except Exception:
        pass
"#,
    );
    for name in ["transaction", "g"] {
        let f = function(&ir, name);
        assert!(
            f.cfg
                .blocks
                .iter()
                .any(|b| matches!(b.terminator, Terminator::MayRaise { .. })),
            "{name}"
        );
    }
}

#[test]
fn continue_through_finally_and_decorators_inside_try() {
    let ir = lower(
        r#"
def f(pool, items):
    for item in items:
        try:
            if item:
                continue
            pool.put(item)
        finally:
            pool.done()
    try:
        @retry(3)
        def g(): pass
    except KeyError:
        pass
"#,
    );
    let f = function(&ir, "f");
    // The abrupt copy continues the loop, marked as a `continue`.
    let abrupt = calls(f, "done")
        .iter()
        .map(|(id, _)| block_of_call(f, *id))
        .find(|b| matches!(f.cfg.block(*b).terminator, Terminator::Switch { .. }))
        .expect("the abrupt copy");
    let Terminator::Switch { targets, .. } = &f.cfg.block(abrupt).terminator else {
        unreachable!()
    };
    assert!(targets.iter().any(|t| {
        let block = f.cfg.block(*t);
        matches!(block.jump, Some(j) if j.kind == txlint_ir::ir::JumpKind::Continue)
    }));
    // Decorators run when the definition does, and may raise.
    let (retry, _) = call(f, "retry");
    assert!(matches!(
        f.cfg.block(block_of_call(f, retry)).terminator,
        Terminator::MayRaise { .. }
    ));
}

// ----- loops, match, conditions -----------------------------------------------------

#[test]
fn loop_else_runs_only_without_break() {
    for source in [
        "def f(items):\n    for item in items:\n        if item:\n            break\n    else:\n        missing()\n    after()\n",
        "def f(item):\n    while item.more():\n        if item:\n            break\n    else:\n        missing()\n    after()\n",
    ] {
        let ir = lower(source);
        let f = function(&ir, "f");
        let (missing, _) = call(f, "missing");
        let (after, _) = call(f, "after");
        let break_block = f
            .cfg
            .blocks
            .iter()
            .position(|b| matches!(b.jump, Some(j) if j.kind == txlint_ir::ir::JumpKind::Break))
            .map(|i| BlockId(i as u32))
            .expect("a break");
        let from_break = reachable_from(f, break_block);
        assert!(!from_break.contains(&block_of_call(f, missing)), "{source}");
        assert!(from_break.contains(&block_of_call(f, after)), "{source}");
        assert!(f.cfg.reachable().contains(&block_of_call(f, missing)), "{source}");
    }
}

#[test]
fn while_true_leaves_only_by_break_and_continue_jumps_back() {
    let ir = lower(
        "def f(conn):\n    while True:\n        if conn.retry():\n            continue\n        break\n    done()\n",
    );
    let f = function(&ir, "f");
    let jumps: Vec<_> = f
        .cfg
        .reachable()
        .into_iter()
        .filter_map(|b| f.cfg.block(b).jump.map(|j| j.kind))
        .collect();
    assert_eq!(
        jumps,
        [
            txlint_ir::ir::JumpKind::Continue,
            txlint_ir::ir::JumpKind::Break
        ]
    );
    assert!(!f
        .cfg
        .blocks
        .iter()
        .any(|b| matches!(b.terminator, Terminator::Branch { range, .. } if range.len() == 4)));
}

#[test]
fn match_is_a_switch_over_its_cases() {
    let ir = lower(
        r#"
def f(command):
    match command:
        case Point(x=px, y=0) as point:
            use(px, point)
        case [first, *rest]:
            use(first, rest)
        case Color.RED:
            pass

def g(command):
    match command:
        case "a":
            pass
        case other:
            use(other)
"#,
    );
    let f = function(&ir, "f");
    let switch = f
        .cfg
        .blocks
        .iter()
        .find_map(|b| match &b.terminator {
            Terminator::Switch { targets, .. } if targets.len() > 2 => Some(targets.clone()),
            _ => None,
        })
        .expect("a switch");
    assert_eq!(switch.len(), 4, "three cases and no match");
    for name in ["px", "point", "first", "rest"] {
        assert_eq!(f.var(var(f, name)).kind, VarKind::Local, "{name}");
    }
    assert!(f
        .vars
        .iter()
        .all(|v| v.name != "Point" && v.name != "Color"));
    let g = function(&ir, "g");
    let switch = g
        .cfg
        .blocks
        .iter()
        .find_map(|b| match &b.terminator {
            Terminator::Switch { targets, .. } => Some(targets.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(switch, 2, "a capture pattern matches everything");
}

#[test]
fn nil_tests_on_branches() {
    let cases = [
        ("x is None", true, false),
        ("x is not None", false, false),
        ("x == None", true, false),
        ("None != x", false, false),
        ("x", false, true),
        ("not x", true, true),
        ("(x := conn.get()) is None", true, false),
    ];
    for (condition, then_is_nil, by_truth) in cases {
        let source = format!("def f(conn, x):\n    if {condition}:\n        pass\n");
        let ir = lower(&source);
        let f = function(&ir, "f");
        let test = f
            .cfg
            .blocks
            .iter()
            .find_map(|b| match &b.terminator {
                Terminator::Branch { nil_test, .. } => Some(nil_test.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            test,
            Some(NilTest {
                operand: Operand::Var(var(f, "x")),
                then_is_nil,
                by_truth,
                one_sided: false,
            }),
            "{condition}"
        );
    }
    let ir = lower("def f(res):\n    if res.error is not None:\n        pass\n    elif res.ok():\n        pass\n");
    let f = function(&ir, "f");
    let tests: Vec<_> = f
        .cfg
        .blocks
        .iter()
        .filter_map(|b| match &b.terminator {
            Terminator::Branch { nil_test, .. } => Some(nil_test.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        tests,
        [
            Some(NilTest {
                operand: Operand::Field(Box::new(Operand::Var(var(f, "res"))), "error".into()),
                then_is_nil: false,
                by_truth: false,
                one_sided: false,
            }),
            None
        ]
    );
}

#[test]
fn conditions_are_read() {
    let ir = lower("def f(conn):\n    if conn.closed:\n        return\n");
    let f = function(&ir, "f");
    assert!(f.events().any(|e| matches!(e,
        Event::Use { operand: Operand::Field(base, name), .. }
            if name == "closed" && **base == Operand::Var(var(f, "conn")))));
}

// ----- robustness -------------------------------------------------------------------

#[test]
fn every_field_name_exists_in_the_grammar() {
    // `fields()` panics on a field the grammar lacks; lowering any function touches it.
    let ir = lower("def f():\n    pass\n");
    assert_eq!(ir.functions.len(), 2);
}

#[test]
fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
    let ir = lower_file("def broken():\n    x = )\n\ndef fine(conn):\n    conn.commit()\n");
    assert!(!ir.syntax_errors.is_empty());
    let fine = function(&ir, "fine");
    assert_eq!(calls(fine, "commit").len(), 1);
}

#[test]
fn empty_and_garbage_input_do_not_panic() {
    let empty = lower_file("");
    assert_eq!(empty.functions.len(), 1, "just the module");
    assert!(empty.syntax_errors.is_empty());
    for garbage in [
        "\u{0}\u{1}}}}{{{ def ( ) ) ) \"unterminated",
        "try:\nexcept\nfinally:\n  with as:\n    return",
        "with :\n  break\nraise from\nmatch:\n case:\n",
        "def f(:\n  try:\n    x = (yield\n  finally\n",
        "\u{feff}é = ü\n\tdef ∂():\n\t\treturn ∂",
        "lambda: (yield)\nclass (:\n  def (self",
    ] {
        let ir = lower_file(garbage);
        assert!(!ir.functions.is_empty());
    }
    let garbage = lower_file("\u{0}\u{1}}}}{{{ def ( ) ) ) \"unterminated");
    assert!(!garbage.syntax_errors.is_empty());
}

/// `levels` nested blocks, one space of indentation each, around `innermost`.
fn nested(levels: usize, open: &str, innermost: &str) -> String {
    let mut source = String::from("def f(conn):\n");
    for depth in 1..=levels {
        for line in open.lines() {
            source.push_str(&" ".repeat(depth));
            source.push_str(line);
            source.push('\n');
        }
    }
    source.push_str(&" ".repeat(levels + 1));
    source.push_str(innermost);
    source.push('\n');
    source
}

#[test]
fn deep_nesting_is_bounded() {
    // Deeper than the depth guard, within what the parser's indentation stack accepts.
    let ir = lower(&nested(500, "if conn:", "conn.commit()"));
    assert_eq!(function(&ir, "f").kind, FunctionKind::Function);
    let ir = lower(&nested(450, "try:\n conn.a()\nfinally:", "conn.b()"));
    assert!(function(&ir, "f").calls.len() > 300);
    let ir = lower(&nested(450, "with conn.a() as c:", "return c"));
    assert!(function(&ir, "f").calls.len() > 250);
    let ir = lower(&nested(450, "def f(conn):", "conn.commit()"));
    assert!(ir.functions.len() > 30);
    // Beyond it, the parser gives up; lowering still does not panic.
    let ir = lower_file(&nested(3000, "if conn:", "conn.commit()"));
    assert!(!ir.syntax_errors.is_empty());

    let brackets = format!("x = {}conn{}\n", "[(".repeat(3000), ")]".repeat(3000));
    assert_eq!(lower_file(&brackets).functions.len(), 1);
    let lambdas = format!("f = {}conn\n", "lambda: ".repeat(3000));
    assert!(!lower_file(&lambdas).functions.is_empty());
    let nots = format!("if {}conn:\n    pass\n", "not ".repeat(3000));
    assert_eq!(lower_file(&nots).functions.len(), 1);
}

#[test]
fn long_attribute_chains_do_not_overflow_the_stack() {
    for root in ["psycopg", "conn"] {
        let chain = ".b".repeat(100_000);
        let source = format!(
            "import psycopg\ndef f(conn):\n    x = {root}{chain}\n    {root}{chain}.c()\n    if {root}{chain} is None:\n        pass\n"
        );
        let ir = lower_file(&source);
        assert!(ir.functions.iter().any(|f| f.name == "f"));
    }
    let sum = format!("x = a{}\n", " + a".repeat(100_000));
    assert_eq!(lower_file(&sum).functions.len(), 1);
}

#[test]
fn functions_in_finally_exist_once() {
    let ir = lower(
        "def f(conn):\n    try:\n        return conn.a()\n    finally:\n        run(lambda: conn.close())\n",
    );
    let lambdas = ir
        .functions
        .iter()
        .filter(|f| f.kind == FunctionKind::Literal)
        .count();
    assert_eq!(lambdas, 1);
    let f = function(&ir, "f");
    let runs = calls(f, "run");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].1.args, runs[1].1.args);
}

#[test]
fn finally_bodies_are_cleanup_blocks() {
    let source =
        "def f(conn):\n    try:\n        conn.execute('x')\n    finally:\n        conn.commit()\n";
    let ir = crate::lower_file(source);
    let commit = source.find("conn.commit()").unwrap() as u32;
    assert_eq!(ir.cleanup_blocks.len(), 1);
    assert!(ir.cleanup_blocks[0].contains_range(txlint_ir::TextRange::new(commit, commit + 13)));
}

#[test]
fn exceptions_leaving_a_with_body_run_its_exit() {
    let source = "def f(conn):\n    try:\n        with conn:\n            conn.execute('x')\n    except Exception:\n        pass\n";
    let ir = crate::lower_file(source);
    let f = ir.functions.iter().find(|f| f.name == "f").unwrap();
    let exceptional = f
        .events()
        .filter(|e| {
            matches!(
                e,
                Event::ScopeExit {
                    exceptional: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        exceptional, 1,
        "the exception edge runs the `with conn:` exit"
    );
}

// ----- findings the front-end once lost ---------------------------------------------

/// The TX004 shape of `fixtures/python/TX004/cached_connection.py`: a statement on a cached
/// module connection, never committed. `{}` stands for code put between the statement and
/// the return.
const CACHED_CONNECTION: &str = "import psycopg\n\n_conn: psycopg.Connection | None = None\n\n\ndef get_plan(plan_id):\n    cur = _conn.cursor()\n    cur.execute(\"SELECT id, name FROM plans WHERE id = %s\", (plan_id,))\n    {}\n    return cur.fetchone()\n";

/// Every rule's findings on `source`, as (1-based line, code).
fn findings(source: &str) -> Vec<(u32, &'static str)> {
    let ir = lower_file(source);
    let report = txlint_rules::check_file(
        txlint_ir::FileId(0),
        &ir,
        &txlint_rules::Settings::default(),
    );
    let lines = txlint_ir::LineIndex::new(source);
    report
        .diagnostics
        .iter()
        .map(|d| (lines.line_column(d.range.start(), source).line, d.code))
        .collect()
}

fn cached_connection(between: &str) -> String {
    CACHED_CONNECTION.replace("{}", between)
}

#[test]
fn the_cached_connection_shape_is_a_finding() {
    assert_eq!(findings(&cached_connection("pass")), [(8, "TX004")]);
}

#[test]
fn carriage_returns_alone_end_lines() {
    // Old Mac line endings: Python reads a lone CR as a line break, tree-sitter-python
    // as a space.
    let source = cached_connection("pass").replace('\n', "\r");
    assert_eq!(findings(&source), [(8, "TX004")]);
    let ir = lower_file(&source);
    assert!(ir.syntax_errors.is_empty(), "{:?}", ir.syntax_errors);
    // Mixed with CRLF and LF, with a CR alone in a string.
    let mixed = cached_connection("x = \"\"\"a\rb\"\"\"\r\n    y = 1").replacen(
        "\n\n_conn",
        "\r\r_conn",
        1,
    );
    assert_eq!(findings(&mixed), [(8, "TX004")]);
    assert!(lower_file(&mixed).syntax_errors.is_empty());
}
#[test]
fn a_long_flat_concatenation_is_not_deep_nesting() {
    // Operands in evaluation order.
    let ir = lower("def g():\n    x = a() + b() - c() or d() and e()\n");
    let names: Vec<_> = function(&ir, "g")
        .calls
        .iter()
        .map(|c| c.callee.name())
        .collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"].map(Some));
    for operator in [" + ", " and ", " | "] {
        let operands = vec!["'x'"; 5_000].join(operator);
        let source = cached_connection(&format!("query = {operands}"));
        assert_eq!(findings(&source), [(8, "TX004")], "{operator}");
        assert!(lower_file(&source).unanalysed.is_empty(), "{operator}");
    }
}
#[test]
fn deep_module_level_code_hides_only_itself() {
    let deep_if = nested(400, "if x:", "pass").replacen("def f(conn):\n", "", 1);
    let deep_if: String = deep_if.lines().map(|l| format!("{}\n", &l[1..])).collect();
    let deep_list = format!("x = {}1{}\n", "[".repeat(400), "]".repeat(400));
    let deep_call = format!("x = {}1{}\n", "f(".repeat(400), ")".repeat(400));
    for deep in [deep_if, deep_list, deep_call] {
        let source = format!("{}\n{deep}", cached_connection("pass"));
        assert!(lower_file(&source).syntax_errors.is_empty());
        assert_eq!(findings(&source), [(8, "TX004")], "{}", &deep[..20]);
        assert_eq!(lower_file(&source).unanalysed.len(), 1);
        // Deep code in a function still withholds that function's findings.
        let source = format!(
            "{}\ndef deep():\n{}",
            cached_connection("pass"),
            deep.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        assert_eq!(findings(&source), [(8, "TX004")]);
        let inside = cached_connection(&deep.lines().collect::<Vec<_>>().join("\n    "));
        assert_eq!(findings(&inside), []);
    }
}

#[test]
fn strings_built_from_a_literal_keep_their_literal_start() {
    let ir = lower(
        "def f(cur, table, n):\n    \
             cur.execute(\"UPDATE \" + table + \" SET n = 0\")\n    \
             cur.executemany(\"DELETE FROM t WHERE id = %s\" % n)\n    \
             cur.fetchall(table + \" x\")\n    \
             cur.close(n * \"y\")\n",
    );
    let f = function(&ir, "f");
    let arg = |name: &str| call(f, name).1.args.first().cloned();
    assert_eq!(
        arg("execute"),
        Some(Operand::Str("UPDATE {} SET n = 0".into()))
    );
    assert_eq!(
        arg("executemany"),
        Some(Operand::Str("DELETE FROM t WHERE id = %s".into()))
    );
    // Not a literal first, or not `+` / `%`: no text.
    assert_eq!(arg("fetchall"), Some(Operand::Other));
    assert_eq!(arg("close"), Some(Operand::Other));
}

#[test]
fn with_statements_are_recorded_with_their_bodies() {
    let source = "def f(conn):\n    with conn:\n        conn.execute(\"x\")\n    conn.close()\n";
    let ir = lower(source);
    assert_eq!(ir.with_blocks.len(), 1);
    let (header, whole) = ir.with_blocks[0];
    let f = function(&ir, "f");
    let execute = call(f, "execute").1.range;
    let close = call(f, "close").1.range;
    assert!(whole.contains_range(execute) && execute.start() >= header.end());
    assert!(!whole.contains_range(close));
    let exits: Vec<TextRange> = f
        .events()
        .filter_map(|e| match e {
            Event::ScopeExit { range, .. } => Some(*range),
            _ => None,
        })
        .collect();
    assert!(
        exits.iter().all(|r| *r == header),
        "{exits:?} vs {header:?}"
    );
}

#[test]
fn top_level_classes_record_their_bases() {
    let ir = lower(
        "import flask_sqlalchemy\n\nclass AppDb(flask_sqlalchemy.SQLAlchemy, metaclass=Meta):\n    class Inner(Base):\n        pass\n\nclass Plain:\n    pass\n\ndef f():\n    class Local(Base):\n        pass\n",
    );
    assert_eq!(
        ir.class_bases,
        vec![
            (
                "AppDb".to_string(),
                vec!["flask_sqlalchemy.SQLAlchemy".to_string()]
            ),
            ("Plain".to_string(), Vec::new()),
        ]
    );
}
