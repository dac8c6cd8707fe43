//! Lowering tests: the IR a Rust snippet produces.

use txlint_ir::ir::{
    Binding, Call, Callee, Event, FileIr, Function, FunctionKind, NoReturnKind, Operand, ResultUse,
    Terminator, VarKind,
};

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

fn method_calls<'a>(function: &'a Function, method: &str) -> Vec<&'a Call> {
    function
        .calls
        .iter()
        .filter(|c| matches!(&c.callee, Callee::Method { name, .. } if name == method))
        .collect()
}

fn method_call<'a>(function: &'a Function, method: &str) -> &'a Call {
    let calls = method_calls(function, method);
    assert_eq!(calls.len(), 1, "calls of {method}: {calls:?}");
    calls[0]
}

fn var_named(function: &Function, name: &str) -> Vec<txlint_ir::ir::VarId> {
    function
        .vars
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name == name)
        .map(|(i, _)| txlint_ir::ir::VarId(i as u32))
        .collect()
}

fn reachable_terminators(function: &Function) -> Vec<&Terminator> {
    function
        .cfg
        .reachable()
        .into_iter()
        .map(|b| &function.cfg.block(b).terminator)
        .collect()
}

/// The IR of a file that does not parse: the text of each syntax error.
fn broken(source: &str) -> (FileIr, Vec<&str>) {
    let ir = lower_file(source);
    let errors = ir
        .syntax_errors
        .iter()
        .map(|e| &source[e.to_usize()])
        .collect();
    (ir, errors)
}

/// The commits of a function whose result is thrown away (what TX001 reports).
fn discarded_commits(ir: &FileIr, name: &str) -> usize {
    method_calls(function(ir, name), "commit")
        .iter()
        .filter(|c| c.result == ResultUse::Discarded)
        .count()
}

fn function_names(ir: &FileIr) -> Vec<&str> {
    ir.functions.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn syntax_error_is_the_line_of_the_error() {
    let source = "fn ok() {}\nfn broken( {\n}\n";
    let (ir, errors) = broken(source);
    assert_eq!(function_names(&ir), ["ok"]);
    assert_eq!(errors.len(), 1);
    assert!(source.lines().any(|l| l == errors[0]), "{errors:?}");
    assert!(!lower_file("\u{0}}}}{{{ fn ( ) ) \"unterminated")
        .syntax_errors
        .is_empty());
    assert!(lower_file("").functions.is_empty());
}

#[test]
fn a_broken_function_loses_only_itself() {
    let source = r#"use sqlx::PgPool;

pub async fn first(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    tx.commit().await;
    Ok(())
}

/// Half-written.
pub async fn broken(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let x = ;
    tx.commit().await;
    Ok(())
}

pub async fn second(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    tx.commit().await;
    Ok(())
}
"#;
    let (ir, errors) = broken(source);
    assert_eq!(function_names(&ir), ["first", "second"]);
    assert_eq!(errors, ["    let x = ;"]);
    assert_eq!(discarded_commits(&ir, "first"), 1);
    assert_eq!(discarded_commits(&ir, "second"), 1);
    assert_eq!(ir.imports.len(), 1);
    // Positions are those of the file.
    let second = function(&ir, "second");
    assert_eq!(&source[second.name_range.to_usize()], "second");
    let commit = method_call(second, "commit");
    assert_eq!(&source[commit.range.to_usize()], "tx.commit()");
    assert!(!ir.in_syntax_error(commit.range));
}

#[test]
fn a_broken_method_loses_only_itself() {
    let source = r#"
#[cfg(test)]
mod store {
    pub struct Repo<T> { pool: PgPool, t: T }

    impl<T: Clone> Repo<T> {
        /// Saves.
        pub async fn save(&self) {
            let mut tx = self.pool.begin().await.unwrap();
            tx.commit().await;
        }

        pub async fn broken(&self) {
            let mut tx = self.pool.begin().await.unwrap();
            tx.commit().await
            if { }
        }

        pub async fn delete(&self, tx: Transaction<'_, Postgres>) {
            tx.commit().await;
        }
    }

    trait Audit {
        fn audit(&self, tx: Tx) { tx.commit(); }
        fn broken(&self) -> { }
        fn other(&self, tx: Tx) { tx.commit(); }
    }
}

fn after(tx: Tx) { tx.commit(); }
"#;
    let (ir, errors) = broken(source);
    assert_eq!(
        function_names(&ir),
        [
            "Repo::save",
            "Repo::delete",
            "Audit::audit",
            "Audit::other",
            "after"
        ]
    );
    // An error is the line of the error, within the broken item.
    assert_eq!(errors, ["            if { }", "fn broken(&self) -> { }"]);
    for name in ["Repo::save", "Repo::delete", "Audit::audit", "after"] {
        assert_eq!(discarded_commits(&ir, name), 1, "{name}");
    }
    let save = function(&ir, "Repo::save");
    assert_eq!(save.kind, FunctionKind::Method);
    let receiver = save.var(save.receiver.unwrap());
    assert_eq!(receiver.ty.as_deref(), Some("Repo<T>"));
    // The doc comment is the method's first attribute: the function starts there.
    assert!(source[save.range.to_usize()].starts_with("/// Saves.\n        pub async fn save"));
    let delete = function(&ir, "Repo::delete");
    assert_eq!(
        delete.var(delete.params[0]).ty.as_deref(),
        Some("Transaction<'_,Postgres>")
    );
    assert_eq!(ir.fields.len(), 2);
    // The broken `#[cfg(test)]` module is test code all the same, up to its `}`.
    let module = &source[ir.test_code[0].to_usize()];
    assert!(module.starts_with("#[cfg(test)]\nmod store {"), "{module}");
    assert!(module.ends_with("fn other(&self, tx: Tx) { tx.commit(); }\n    }\n}"));
    assert_eq!(ir.test_code.len(), 1);
}

#[test]
fn unbalanced_braces_at_the_end_lose_only_their_item() {
    let kept = "fn kept(tx: Tx) {\n    tx.commit();\n}\n";
    // A function left open at the end of the file.
    let source = format!("{kept}\nfn open(tx: Tx) {{\n    tx.commit();\n");
    let (ir, errors) = broken(&source);
    assert_eq!(function_names(&ir), ["kept"]);
    assert_eq!(errors.len(), 1);
    // Closers too many: one region.
    let source = format!("{kept}}}\n}}\n");
    let (ir, errors) = broken(&source);
    assert_eq!(function_names(&ir), ["kept"]);
    assert_eq!(errors, ["}"]);
    // An impl left open: its complete methods are kept, and so is what follows the
    // line that starts the next item.
    let source = format!(
        "impl Repo {{\n    fn a(tx: Tx) {{ tx.commit(); }}\n    fn b(tx: Tx) {{\n        tx.commit();\n\n    fn c(tx: Tx) {{ tx.commit(); }}\n\n{kept}"
    );
    let (ir, errors) = broken(&source);
    assert_eq!(function_names(&ir), ["Repo::a", "Repo::c", "kept"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    // An unclosed parenthesis swallows nothing past the next item's line.
    let (ir, _) = broken(&format!("fn open( {{\n}}\n{kept}"));
    assert_eq!(function_names(&ir), ["kept"]);
    // An unterminated string or comment swallows the rest of the file, not what
    // comes before it.
    for rest in ["fn s() { let s = \"abc;\n}\n", "/* fn f() {}\n"] {
        let source = format!("{kept}{rest}{kept}");
        let (ir, errors) = broken(&source);
        assert_eq!(function_names(&ir), ["kept"], "{rest}");
        assert_eq!(errors.len(), 1, "{rest}");
    }
}

#[test]
fn a_broken_item_on_a_long_line_loses_only_itself() {
    let source = "fn a(tx: Tx) { tx.commit(); } fn b( { } fn c(tx: Tx) { tx.commit(); } struct S { x: }; fn d(tx: Tx) { tx.commit(); }";
    let (ir, errors) = broken(source);
    assert_eq!(function_names(&ir), ["a", "c", "d"]);
    // Each error is its item, not the whole line.
    assert_eq!(errors, ["fn b( { }", "struct S { x: }"]);
}

#[test]
fn recovered_positions_are_byte_offsets_after_non_ascii_text() {
    let source = "\u{feff}fn a(tx: Tx) { let s = \"é🦀\"; tx.commit(); } fn b( { } /* ü */ fn c(tx: Tx) { let s = \"日本\"; tx.commit(); }\nfn d(tx: Tx) {\n    let s = 'ß'; tx.commit();\n}\n";
    let (ir, errors) = broken(source);
    assert_eq!(function_names(&ir), ["a", "c", "d"]);
    assert_eq!(errors, ["fn b( { }"]);
    for name in ["a", "c", "d"] {
        let f = function(&ir, name);
        assert_eq!(&source[f.name_range.to_usize()], name);
        let commit = method_call(f, "commit");
        assert_eq!(&source[commit.range.to_usize()], "tx.commit()", "{name}");
    }
}

#[test]
fn recovery_knows_strings_comments_and_lifetimes() {
    let source = r##"//! Module docs.
#![allow(dead_code)]

fn a<'a>(tx: Tx<'a>) {
    let c = '}';
    let q = '\'';
    let s = "}\"}";
    let r = r#"}"#;
    let b = b'}';
    /* } /* nested } */ } */
    // }
    tx.commit();
}

fn broken() { let = 1; }

fn z(tx: Tx) { let _ = 'x: loop { break 'x; }; tx.commit(); }
"##;
    let (ir, errors) = broken(source);
    assert_eq!(function_names(&ir), ["a", "z"]);
    assert_eq!(errors, ["fn broken() { let = 1; }"]);
}

#[test]
fn spans_are_byte_offsets_after_non_ascii_text() {
    let source = "fn f(tx: Tx) {\n    let s = \"é🦀\"; tx.commit();\n}\n";
    let ir = lower(source);
    let f = function(&ir, "f");
    let commit = method_call(f, "commit");
    assert_eq!(&source[commit.range.to_usize()], "tx.commit()");
    let Callee::Method { name_range, .. } = &commit.callee else {
        panic!("not a method call");
    };
    assert_eq!(&source[name_range.to_usize()], "commit");
    assert_eq!(&source[f.name_range.to_usize()], "f");
    // With a byte-order mark, columns on the first line start after it.
    let bom = "\u{feff}fn g(tx: Tx) { tx.commit(); }\n";
    let ir = lower(bom);
    let commit = method_call(function(&ir, "g"), "commit");
    assert_eq!(&bom[commit.range.to_usize()], "tx.commit()");
}

#[test]
fn imports_one_per_leaf() {
    let ir = lower(
        "use sqlx::{PgPool, Postgres};\nuse a::b as c;\nuse std::io::{self, prelude::*};\nuse d::e;\n",
    );
    let imports: Vec<_> = ir
        .imports
        .iter()
        .map(|i| (i.path.as_str(), i.alias.as_deref()))
        .collect();
    assert_eq!(
        imports,
        [
            ("sqlx::PgPool", Some("PgPool")),
            ("sqlx::Postgres", Some("Postgres")),
            ("a::b", Some("c")),
            ("std::io", Some("io")),
            ("d::e", Some("e")),
        ]
    );
    assert_eq!(ir.import_named("PgPool").unwrap().path, "sqlx::PgPool");
    assert_eq!(ir.package, None);
}

#[test]
fn extern_crates_are_imports_under_their_name() {
    let ir = lower("extern crate lmdb_zero as lmdb;\nextern crate serde;\n");
    let imports: Vec<_> = ir
        .imports
        .iter()
        .map(|i| (i.path.as_str(), i.alias.as_deref()))
        .collect();
    assert_eq!(
        imports,
        [("lmdb_zero", Some("lmdb")), ("serde", Some("serde"))]
    );
}

#[test]
fn a_tuple_inside_some_binds_by_position() {
    let ir = lower(
        "fn f(s: &mut S) {\n    if let Some((_, txn)) = std::mem::replace(&mut s.w, None) { txn.commit(); }\n    if let Some(_) = s.r.take() {}\n}\n",
    );
    let f = function(&ir, "f");
    let txn = var_named(f, "txn")[0];
    let replace = f
        .calls
        .iter()
        .find(|c| matches!(&c.callee, Callee::Path(p) if p.last().is_some_and(|l| l == "replace")))
        .unwrap();
    assert_eq!(
        replace.result,
        ResultUse::Assigned(vec![Binding::Blank, Binding::Var(txn)])
    );
    // `Some(_)` binds nothing: the value is tested, not thrown away.
    assert_eq!(method_call(f, "take").result, ResultUse::Used);
}

#[test]
fn methods_receivers_params_and_decorators() {
    let ir = lower(
        r#"
struct Store { pool: PgPool }

impl<'a> Store {
    #[tracing::instrument]
    async fn save(&self, tx: &mut Transaction<'_, Postgres>, pool: &PgPool, (a, b): (i32, i32)) -> Result<()> {
        Ok(())
    }
}

trait Repo {
    fn run(&self) {}
    fn abstract_one(&self);
}

#[tokio::main]
async fn main() {}
"#,
    );
    let save = function(&ir, "Store::save");
    assert_eq!(save.kind, FunctionKind::Method);
    let receiver = save.var(save.receiver.expect("receiver"));
    assert_eq!(receiver.name, "self");
    assert_eq!(receiver.kind, VarKind::Receiver);
    assert_eq!(receiver.ty.as_deref(), Some("Store"));
    let params: Vec<_> = save
        .params
        .iter()
        .map(|p| (save.var(*p).name.as_str(), save.var(*p).ty.as_deref()))
        .collect();
    assert_eq!(
        params,
        [
            (
                "tx",
                Some("&mut Transaction<'_,Postgres>".replace(' ', "").as_str())
            ),
            ("pool", Some("&PgPool")),
            ("a", None),
            ("b", None),
        ]
    );
    assert_eq!(save.result_count, 1);
    assert_eq!(save.decorators, ["tracing::instrument"]);
    let run = function(&ir, "Repo::run");
    assert_eq!(run.kind, FunctionKind::Method);
    assert_eq!(run.result_count, 0);
    assert!(ir.functions.iter().all(|f| f.name != "Repo::abstract_one"));
    assert_eq!(function(&ir, "main").decorators, ["tokio::main"]);
    assert_eq!(ir.fields.len(), 1);
    assert_eq!(ir.fields[0].ty, "PgPool");
}

#[test]
fn closures_and_async_blocks_capture_like_literals() {
    let ir = lower(
        r#"
async fn f(pool: PgPool) {
    let tx = pool.begin().await.unwrap();
    let run = |x: i32| tx.commit();
    let task = async move { tx.rollback().await; };
    fn nested() { tx.commit(); }
}
"#,
    );
    let f = function(&ir, "f");
    let closure = function(&ir, "f.closure1");
    assert_eq!(closure.kind, FunctionKind::Literal);
    assert_eq!(closure.parent, Some(txlint_ir::ir::FuncId(0)));
    assert_eq!(closure.var(closure.params[0]).ty.as_deref(), Some("i32"));
    let captured = closure.vars.iter().find(|v| v.name == "tx").unwrap();
    assert_eq!(captured.kind, VarKind::Captured);
    let outer_tx = var_named(f, "tx")[0];
    assert_eq!(captured.outer, Some((txlint_ir::ir::FuncId(0), outer_tx)));
    // The closure's body expression is its return value.
    assert_eq!(method_call(closure, "commit").result, ResultUse::Returned);
    let task = function(&ir, "f.async2");
    assert_eq!(task.kind, FunctionKind::Literal);
    assert_eq!(
        method_call(task, "rollback").callee,
        Callee::Method {
            receiver: Operand::Var(var_named(task, "tx")[0]),
            name: "rollback".into(),
            name_range: method_call(task, "rollback").callee_name_range(),
        }
    );
    // The closures are values assigned to locals.
    let run = var_named(f, "run")[0];
    assert!(f.events().any(|e| matches!(e,
        Event::Assign { targets, values, .. }
            if targets == &[Binding::Var(run)] && matches!(values[0], Operand::Closure(_)))));
    // A nested fn sees nothing of the enclosing locals.
    let nested = function(&ir, "nested");
    assert_eq!(nested.kind, FunctionKind::Function);
    assert!(nested.vars.is_empty());
}

trait CalleeName {
    fn callee_name_range(&self) -> txlint_ir::TextRange;
}

impl CalleeName for Call {
    fn callee_name_range(&self) -> txlint_ir::TextRange {
        match &self.callee {
            Callee::Method { name_range, .. } => *name_range,
            _ => panic!("not a method call"),
        }
    }
}

#[test]
fn shadowing_declares_new_variables() {
    let ir = lower(
        r#"
fn f(pool: PgPool) {
    let tx = pool.begin();
    let tx = tx.unwrap();
    {
        let tx: Tx = other();
        tx.commit();
    }
    tx.rollback();
}
"#,
    );
    let f = function(&ir, "f");
    let txs = var_named(f, "tx");
    assert_eq!(txs.len(), 3);
    assert_eq!(f.var(txs[2]).ty.as_deref(), Some("Tx"));
    let Callee::Method { receiver, .. } = &method_call(f, "unwrap").callee else {
        panic!()
    };
    assert_eq!(receiver, &Operand::Var(txs[0]));
    assert_eq!(
        method_call(f, "unwrap").result,
        ResultUse::Assigned(vec![Binding::Var(txs[1])])
    );
    let Callee::Method { receiver, .. } = &method_call(f, "commit").callee else {
        panic!()
    };
    assert_eq!(receiver, &Operand::Var(txs[2]));
    let Callee::Method { receiver, .. } = &method_call(f, "rollback").callee else {
        panic!()
    };
    assert_eq!(receiver, &Operand::Var(txs[1]));
}

#[test]
fn question_mark_may_raise_to_a_raise_block() {
    let source = r#"
async fn f(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    tx.commit().await?;
    Ok(())
}
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let tx = var_named(f, "tx")[0];
    assert_eq!(
        method_call(f, "begin").result,
        ResultUse::Assigned(vec![Binding::Var(tx)])
    );
    assert_eq!(method_call(f, "commit").result, ResultUse::Used);
    let raises: Vec<_> = f
        .cfg
        .reachable()
        .into_iter()
        .filter_map(|b| match &f.cfg.block(b).terminator {
            Terminator::MayRaise { range, handler, .. } => Some((*range, *handler)),
            _ => None,
        })
        .collect();
    assert_eq!(raises.len(), 2);
    assert_eq!(&source[raises[0].0.to_usize()], "pool.begin().await?");
    for (range, handler) in raises {
        assert_eq!(f.cfg.block(handler).terminator, Terminator::Raise { range });
    }
    // The tail `Ok(())` returns the Ok call.
    let ok = f
        .calls
        .iter()
        .position(|c| c.callee == Callee::Path(vec!["Ok".into()]))
        .unwrap();
    assert_eq!(f.calls[ok].result, ResultUse::Returned);
    let returns: Vec<_> = reachable_terminators(f)
        .into_iter()
        .filter_map(|t| match t {
            Terminator::Return {
                values,
                implicit,
                range,
            } => Some((values.clone(), *implicit, &source[range.to_usize()])),
            _ => None,
        })
        .collect();
    assert_eq!(
        returns,
        [(
            vec![Operand::Call(txlint_ir::ir::CallId(ok as u32))],
            true,
            "}"
        )]
    );
}

#[test]
fn result_uses_of_statements() {
    let ir = lower(
        r#"
async fn f(mut tx: Tx) {
    tx.commit().await;
}
async fn g(tx: Tx) {
    let _ = tx.commit().await;
}
async fn h(tx: Tx) {
    tx.commit().await.ok();
}
async fn k(tx: Tx) {
    let (a, b) = tx.commit().await;
    drop(tx);
}
"#,
    );
    assert_eq!(
        method_call(function(&ir, "f"), "commit").result,
        ResultUse::Discarded
    );
    assert_eq!(
        method_call(function(&ir, "g"), "commit").result,
        ResultUse::Assigned(vec![Binding::Blank])
    );
    let h = function(&ir, "h");
    let ok = h.calls.iter().position(|c| c.callee.name() == Some("ok"));
    assert_eq!(
        method_call(h, "commit").result,
        ResultUse::Receiver(txlint_ir::ir::CallId(ok.unwrap() as u32))
    );
    assert_eq!(method_call(h, "ok").result, ResultUse::Discarded);
    let k = function(&ir, "k");
    let (a, b) = (var_named(k, "a")[0], var_named(k, "b")[0]);
    assert_eq!(
        method_call(k, "commit").result,
        ResultUse::Assigned(vec![Binding::Var(a), Binding::Var(b)])
    );
    let drop = k
        .calls
        .iter()
        .find(|c| c.callee == Callee::Path(vec!["drop".into()]))
        .unwrap();
    assert_eq!(drop.args, [Operand::Var(var_named(k, "tx")[0])]);
}

#[test]
fn return_err_and_tail_err_raise() {
    let source = r#"
fn f(x: bool) -> Result<(), E> {
    if x {
        return Err(E::Bad);
    }
    Err(E::Other)
}
fn g(x: bool) -> Result<i32, E> {
    if x { Ok(1) } else { Err(E::Bad) }
}
"#;
    let ir = lower(source);
    let f = function(&ir, "f");
    let raises: Vec<_> = reachable_terminators(f)
        .into_iter()
        .filter_map(|t| match t {
            Terminator::Raise { range } => Some(&source[range.to_usize()]),
            _ => None,
        })
        .collect();
    assert_eq!(raises, ["return Err(E::Bad)", "Err(E::Other)"]);
    assert!(!reachable_terminators(f)
        .iter()
        .any(|t| matches!(t, Terminator::Return { .. })));
    let g = function(&ir, "g");
    let terminators = reachable_terminators(g);
    assert!(terminators
        .iter()
        .any(|t| matches!(t, Terminator::Raise { .. })));
    assert!(terminators.iter().any(
        |t| matches!(t, Terminator::Return { values, implicit: true, .. } if values.len() == 1)
    ));
}

#[test]
fn sqlx_query_macros_and_field_arguments() {
    let ir = lower(
        r#"
impl Repo {
    async fn f(&self, tx: &mut Transaction<'_, Postgres>, name: &str) -> Result<()> {
        sqlx::query!("INSERT INTO t VALUES ($1)", name).execute(&mut *tx).await?;
        query_as!(User, r"SELECT * FROM users").fetch_all(&mut **tx).await?;
        sqlx::query("DELETE FROM t").bind(name).execute(&self.pool).await?;
        Ok(())
    }
}
"#,
    );
    let f = function(&ir, "Repo::f");
    let tx = var_named(f, "tx")[0];
    let name = var_named(f, "name")[0];
    let this = f.receiver.unwrap();
    let query = f
        .calls
        .iter()
        .position(|c| c.callee == Callee::Path(vec!["sqlx".into(), "query".into()]))
        .unwrap();
    assert_eq!(
        f.calls[query].args,
        [
            Operand::Str("INSERT INTO t VALUES ($1)".into()),
            Operand::Var(name)
        ]
    );
    let executes = method_calls(f, "execute");
    assert_eq!(executes[0].args, [Operand::Var(tx)]);
    let Callee::Method { receiver, .. } = &executes[0].callee else {
        panic!()
    };
    assert_eq!(
        receiver,
        &Operand::Call(txlint_ir::ir::CallId(query as u32))
    );
    let query_as = f
        .calls
        .iter()
        .find(|c| c.callee == Callee::Path(vec!["sqlx".into(), "query_as".into()]))
        .unwrap();
    assert_eq!(query_as.args[1], Operand::Str("SELECT * FROM users".into()));
    assert_eq!(method_call(f, "fetch_all").args, [Operand::Var(tx)]);
    assert_eq!(
        executes[1].args,
        [Operand::Field(Box::new(Operand::Var(this)), "pool".into())]
    );
    let plain = f
        .calls
        .iter()
        .find(|c| c.args == [Operand::Str("DELETE FROM t".into())])
        .unwrap();
    assert_eq!(
        plain.callee,
        Callee::Path(vec!["sqlx".into(), "query".into()])
    );
}

#[test]
fn match_if_let_loops_and_labels() {
    let ir = lower(
        r#"
async fn f(pool: PgPool, items: Vec<i32>) {
    if let Ok(tx) = pool.begin().await {
        tx.commit().await;
    }
    match pool.begin().await {
        Ok(mut tx) if tx.ready() => { tx.rollback().await; }
        Ok(_) => {}
        Err(e) => log(e),
    }
    'outer: for item in items {
        loop {
            if item > 1 { break 'outer; }
            continue 'outer;
        }
    }
    while let Some(x) = next() {
        if x { break; }
    }
    let Some(y) = maybe() else { return };
    use_it(y);
}
"#,
    );
    let f = function(&ir, "f");
    let txs = var_named(f, "tx");
    assert_eq!(txs.len(), 2);
    let begins = method_calls(f, "begin");
    assert_eq!(
        begins[0].result,
        ResultUse::Assigned(vec![Binding::Var(txs[0])])
    );
    assert_eq!(begins[1].result, ResultUse::Used);
    let Callee::Method { receiver, .. } = &method_call(f, "rollback").callee else {
        panic!()
    };
    assert_eq!(receiver, &Operand::Var(txs[1]));
    let reachable = f.cfg.reachable();
    assert!(reachable
        .iter()
        .any(|b| matches!(&f.cfg.block(*b).terminator, Terminator::Switch { targets, .. } if targets.len() == 3)));
    let mut jumps: Vec<_> = reachable
        .iter()
        .filter_map(|b| f.cfg.block(*b).jump.map(|j| format!("{:?}", j.kind)))
        .collect();
    jumps.sort();
    assert_eq!(jumps, ["Break", "Break", "Continue"]);
    assert_eq!(var_named(f, "e").len(), 1);
    assert_eq!(var_named(f, "Ok").len(), 0);
    let y = var_named(f, "y")[0];
    let use_it = f
        .calls
        .iter()
        .find(|c| c.callee == Callee::Path(vec!["use_it".into()]))
        .unwrap();
    assert_eq!(use_it.args, [Operand::Var(y)]);
    // `let … else { return }`: the else branch returns.
    assert!(reachable.iter().any(|b| matches!(
        &f.cfg.block(*b).terminator,
        Terminator::Return {
            implicit: false,
            ..
        }
    )));
}

#[test]
fn panicking_macros_never_return_and_other_macros_are_values() {
    let ir = lower(
        r#"
fn f(tx: Tx) {
    println!("{}", tx);
    if broken() {
        panic!("no");
    }
    let v = vec![tx.id()];
    todo!()
}
"#,
    );
    let f = function(&ir, "f");
    let tx = var_named(f, "tx")[0];
    assert!(f
        .events()
        .any(|e| matches!(e, Event::Use { operand, .. } if *operand == Operand::Var(tx))));
    assert_eq!(method_calls(f, "id").len(), 1);
    let no_returns = reachable_terminators(f)
        .into_iter()
        .filter(|t| {
            matches!(
                t,
                Terminator::NoReturn {
                    kind: NoReturnKind::Panic,
                    ..
                }
            )
        })
        .count();
    assert_eq!(no_returns, 2);
    assert!(!reachable_terminators(f)
        .iter()
        .any(|t| matches!(t, Terminator::Return { .. })));
}

#[test]
fn struct_literals_store_variables_and_assignments_bind() {
    let ir = lower(
        r#"
fn f(tx: Tx, mut s: S) {
    let holder = Holder { tx, n: 1 };
    s.tx = other();
    let t = (tx, 2);
}
"#,
    );
    let f = function(&ir, "f");
    let tx = var_named(f, "tx")[0];
    let stores = f
        .events()
        .filter(|e| {
            matches!(e,
            Event::Assign { targets, values, .. }
                if targets == &[Binding::Place(Operand::Other)] && values == &[Operand::Var(tx)])
        })
        .count();
    assert_eq!(stores, 2);
    let s = var_named(f, "s")[0];
    let other = f
        .calls
        .iter()
        .find(|c| c.callee.name() == Some("other"))
        .unwrap();
    assert_eq!(
        other.result,
        ResultUse::Assigned(vec![Binding::Place(Operand::Field(
            Box::new(Operand::Var(s)),
            "tx".into()
        ))])
    );
}

#[test]
fn deep_nesting_is_bounded() {
    let mut source = String::from("fn f(tx: Tx) {\n");
    for _ in 0..3000 {
        source.push_str("if x {\n");
    }
    for _ in 0..3000 {
        source.push_str("}\n");
    }
    source.push_str("}\n");
    assert_eq!(lower_file(&source).functions.len(), 1);

    let chain = format!("fn f(tx: Tx) {{ let x = tx{}; }}\n", ".a()".repeat(10_000));
    assert_eq!(lower_file(&chain).functions.len(), 1);

    let parens = format!(
        "fn f(tx: Tx) {{ let x = {}tx{}; }}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let ir = lower_file(&parens);
    assert!(ir.functions.len() == 1 || !ir.syntax_errors.is_empty());
}

#[test]
fn deep_nesting_is_bounded_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let chain = format!("fn f(tx: Tx) {{ let x = tx{}; }}\n", ".a()".repeat(10_000));
            lower_file(&chain).functions.len()
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), 1);
}

#[test]
fn arguments_passed_by_value_are_recorded_as_moved() {
    let ir = crate::lower_file(
        "fn f(tx: T, v: &mut Vec<T>) { finish(tx); v.push(&mut tx); helper(&tx, tx); }\n",
    );
    let f = ir.functions.iter().find(|f| f.name == "f").unwrap();
    let moved: Vec<Vec<usize>> = f.calls.iter().map(|c| c.moved_args.clone()).collect();
    assert_eq!(moved, [vec![0], vec![], vec![1]]);
}

#[test]
fn positions_on_one_long_line() {
    let statements = "let x = \"é\"; tx.execute(x)?; ".repeat(2000);
    let source = format!("\u{feff}fn f(tx: Tx) -> R {{ {statements}tx.commit()?; Ok(()) }}");
    let ir = lower(&source);
    let f = function(&ir, "f");
    let executes = method_calls(f, "execute");
    assert_eq!(executes.len(), 2000);
    for call in executes {
        assert_eq!(&source[call.range.to_usize()], "tx.execute(x)");
    }
    assert_eq!(
        &source[method_call(f, "commit").range.to_usize()],
        "tx.commit()"
    );
}

/// The time to lower `source`, the least of three runs (the machine may be busy), and the
/// number of functions lowered.
fn lowering_time(source: &str) -> (std::time::Duration, usize) {
    let mut functions = 0;
    let time = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let ir = lower(source);
            let elapsed = start.elapsed();
            functions = ir.functions.len();
            elapsed
        })
        .min()
        .unwrap_or_default();
    (time, functions)
}

/// Positions and node ranges cost as much on one long line as on many lines: 8 times the
/// text takes about 8 times as long (64 times, when a position walked its line or a
/// node's range printed the node). Both shapes are in `bench/scaling.sh`.
#[test]
fn one_long_line_is_linear() {
    // One function of n statements on one line.
    fn statements(n: usize) -> (String, usize) {
        let body = "let x = tx.execute(\"UPDATE t SET v = 1\", (a + b) * c)?; ".repeat(n);
        (
            format!("fn f(tx: Tx) -> R {{ {body}tx.commit()?; Ok(()) }}"),
            1,
        )
    }
    // n functions on one line.
    fn functions(n: usize) -> (String, usize) {
        let text = (0..n)
            .map(|i| {
                format!("fn f{i}(tx: Tx) -> R {{ tx.execute(\"Ü\")?; tx.commit()?; Ok(()) }} ")
            })
            .collect();
        (text, n)
    }
    /// The text of a shape of size n, and the number of its functions.
    type Shape = fn(usize) -> (String, usize);
    let shapes: [(&str, Shape); 2] = [("statements", statements), ("functions", functions)];
    let small = 500;
    for (shape, make) in shapes {
        let mut times = Vec::new();
        for n in [small, 8 * small] {
            let (source, expected) = make(n);
            let (time, functions) = lowering_time(&source);
            assert_eq!(functions, expected, "{shape}");
            times.push(time);
        }
        assert!(
            times[1] < times[0] * 24,
            "{shape} on one line: {:?} for {small}, {:?} for {}",
            times[0],
            times[1],
            8 * small
        );
    }
}

/// The Rust fixtures of the repository, with their paths.
fn fixture_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rust");
    walk(&root, &mut out);
    assert!(
        out.len() > 10,
        "fixtures not found under {}",
        root.display()
    );
    out
}

/// The ends of a node computed from its own fields are those syn finds by printing it.
#[test]
fn node_ends_match_syn_spans() {
    use syn::spanned::Spanned;
    use syn::visit::Visit;

    struct Check(usize);
    fn bytes(span: proc_macro2::Span) -> std::ops::Range<usize> {
        span.byte_range()
    }
    impl Check {
        fn compare(&mut self, what: &str, ends: crate::spans::Ends, span: proc_macro2::Span) {
            let (first, last) = ends;
            assert_eq!(
                (bytes(first).start, bytes(last).end),
                (bytes(span).start, bytes(span).end),
                "{what}"
            );
            self.0 += 1;
        }
    }
    impl<'a> Visit<'a> for Check {
        fn visit_expr(&mut self, expr: &'a syn::Expr) {
            self.compare(&format!("{expr:?}"), crate::spans::expr(expr), expr.span());
            syn::visit::visit_expr(self, expr);
        }
        fn visit_stmt(&mut self, stmt: &'a syn::Stmt) {
            self.compare(&format!("{stmt:?}"), crate::spans::stmt(stmt), stmt.span());
            syn::visit::visit_stmt(self, stmt);
        }
    }
    let mut sources = fixture_sources();
    sources.push((
        "every kind of expression".into(),
        r#"
fn f() {
    #[allow(x)] let a = [1, 2];
    let b = #[attr] x + y * -z;
    x = async move { 1 };
    let c = 'l: { break 'l 1 };
    let d = || -> u8 { 1 };
    let e = for<'a> static async move |x: &'a u8| x;
    let g = const { 1 };
    'outer: for x in xs { continue 'outer; }
    'w: while let Some(x) = it.next() { break; }
    'lp: loop { break 'lp; }
    let h = if a { 1 } else if b { 2 } else { 3 };
    let i = xs[0][1];
    let _ = ..;
    let _ = ..=3;
    let _ = 1..;
    let _ = a..b;
    let j = m!(x) + m![y] + m! { z };
    let k = match x { A if y => 1, _ => 2 };
    let l = <T as Tr>::f::<u8>(1);
    let n = &raw const x;
    let o = &mut x;
    let p = [0u8; 4];
    let q = S { a: 1, ..Default::default() };
    let r = x?.y.0.await;
    let s = (1,);
    let t = !x;
    let u = unsafe { f() };
    let v = x as u64 as i32;
    let w = ::std::mem::drop;
    let y = return;
    let z = return 1;
    yield 2;
    break;
    x.m::<u8>(1).n()
}
"#
        .into(),
    ));
    let mut check = Check(0);
    for (path, text) in &sources {
        // A fixture of the recovery from a syntax error is broken on purpose.
        if text.contains("// expect: syntax-error") {
            continue;
        }
        let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        check.visit_file(&file);
    }
    assert!(check.0 > 1000, "{} nodes", check.0);
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Cut the fixtures and mutate them at random: the front-end never panics (it runs on
/// this thread here, without the catch of [`lower_file`]) and every range it reports is
/// a range of the file. `TXLINT_FUZZ_ROUNDS` sets the number of mutants per fixture.
#[test]
fn broken_fixtures_never_panic_and_keep_ranges_in_the_file() {
    const PIECES: [&str; 24] = [
        "{", "}", "(", ")", "[", "]", "\"", "'", "r#\"", "\"#", "/*", "*/", "//", "#", "!", ";",
        "fn ", "impl ", "mod m {", "'a", "b'", "\n", "é", "\u{feff}",
    ];
    let rounds: usize = std::env::var("TXLINT_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(6);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut recovered = 0;
    for (path, text) in fixture_sources() {
        for _ in 0..rounds {
            let mut mutant = text.clone();
            for _ in 0..1 + rng.below(3) {
                let mut at = rng.below(mutant.len() + 1);
                while !mutant.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(4) {
                    0 => mutant.truncate(at),
                    1 => {
                        let mut end = (at + rng.below(40)).min(mutant.len());
                        while !mutant.is_char_boundary(end) {
                            end -= 1;
                        }
                        mutant.replace_range(at..end, "");
                    }
                    _ => mutant.insert_str(at, PIECES[rng.below(PIECES.len())]),
                }
            }
            let ir = crate::lower::lower(&mutant);
            let in_file = |range: txlint_ir::TextRange| mutant.get(range.to_usize()).is_some();
            for range in &ir.syntax_errors {
                assert!(in_file(*range), "{path}: {range:?}\n{mutant}");
            }
            for function in &ir.functions {
                assert!(in_file(function.range), "{path}: {}", function.name);
                assert!(in_file(function.name_range), "{path}: {}", function.name);
                for call in &function.calls {
                    assert!(in_file(call.range), "{path}: {call:?}");
                }
            }
            if !ir.syntax_errors.is_empty() && !ir.functions.is_empty() {
                recovered += 1;
            }
        }
    }
    assert!(recovered > 0);
}
