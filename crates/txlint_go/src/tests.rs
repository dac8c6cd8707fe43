//! Lowering tests: the IR a Go snippet produces.

use txlint_ir::ir::{
    Binding, Callee, Event, FileIr, Function, FunctionKind, NilTest, NoReturnKind, Operand,
    ResultUse, Terminator, VarId, VarKind,
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

/// The nil test of the first branch that has one.
fn first_nil_test(f: &Function) -> NilTest {
    f.cfg
        .blocks
        .iter()
        .find_map(|b| match &b.terminator {
            Terminator::Branch { nil_test, .. } => nil_test.clone(),
            _ => None,
        })
        .expect("a nil test")
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

fn method_calls<'a>(function: &'a Function, method: &str) -> Vec<&'a txlint_ir::ir::Call> {
    function
        .calls
        .iter()
        .filter(|c| matches!(&c.callee, Callee::Method { name, .. } if name == method))
        .collect()
}

#[test]
fn imports_package_and_struct_fields() {
    let ir = lower(
        r#"package store

import (
	"database/sql"
	pg "github.com/jackc/pgx/v5"
)

type Store struct {
	db, backup *sql.DB
	tx         * sql.Tx
}
"#,
    );
    assert_eq!(ir.package.as_deref(), Some("store"));
    let paths: Vec<_> = ir
        .imports
        .iter()
        .map(|i| (i.path.as_str(), i.local_name()))
        .collect();
    assert_eq!(
        paths,
        [("database/sql", "sql"), ("github.com/jackc/pgx/v5", "pg")]
    );
    let fields: Vec<_> = ir
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ty.as_str()))
        .collect();
    assert_eq!(
        fields,
        [("db", "*sql.DB"), ("backup", "*sql.DB"), ("tx", "*sql.Tx")]
    );
}

#[test]
fn interface_methods_are_recorded_with_their_result_types() {
    let ir = lower(
        r#"package store

type Tx interface {
	io.Closer
	Commit() error
	Query(q string, args ...any) (rows * sql.Rows, err error)
	Stmt(*sql.Stmt) *sql.Stmt
	Reset()
}
"#,
    );
    let methods: Vec<_> = ir
        .interface_methods
        .iter()
        .map(|m| (m.interface.as_str(), m.name.as_str(), m.results.clone()))
        .collect();
    assert_eq!(
        methods,
        [
            ("Tx", "Commit", vec!["error".to_string()]),
            ("Tx", "Query", vec!["*sql.Rows".into(), "error".into()]),
            ("Tx", "Stmt", vec!["*sql.Stmt".into()]),
            ("Tx", "Reset", vec![]),
        ]
    );
}

#[test]
fn new_of_a_value_parses_as_go_1_26_allows() {
    let ir = lower(
        r#"package p

func f(n int64) (*int64, *[]int, *Store) {
	a := new(n + 1)
	b := new([]int)
	c := new(Store)
	return a, b, c
}
"#,
    );
    assert!(ir.syntax_errors.is_empty(), "{:?}", ir.syntax_errors);
    let f = function(&ir, "f");
    let types: Vec<_> = f
        .vars
        .iter()
        .map(|v| (v.name.as_str(), v.ty.clone()))
        .collect();
    assert!(
        types.contains(&("c", Some("*Store".to_string()))),
        "{types:?}"
    );
    assert!(
        types.contains(&("b", Some("*[]int".to_string()))),
        "{types:?}"
    );
    assert!(types.contains(&("a", None)), "{types:?}");
}

#[test]
fn new_of_a_composite_literal_parses_as_go_1_26_allows() {
    let ir = lower(
        r#"package p

type Filter struct{ Status *[]string }

func f() (*Filter, *map[string]int, *[]struct{ X int }, *[]struct{ X int }) {
	a := &Filter{Status: new([]string{"PENDING"})}
	b := new(map[string]int{"a": 1})
	c := new([]struct{ X int })
	d := new([]struct{ X int }{{1}})
	return a, b, c, d
}
"#,
    );
    assert!(ir.syntax_errors.is_empty(), "{:?}", ir.syntax_errors);
    let types: Vec<_> = function(&ir, "f")
        .vars
        .iter()
        .map(|v| (v.name.as_str(), v.ty.clone()))
        .collect();
    // A type stays a type; the literals say nothing of theirs that a text could.
    assert!(
        types
            .iter()
            .any(|(name, ty)| *name == "c"
                && ty.as_deref().is_some_and(|t| t.starts_with("*[]struct"))),
        "{types:?}"
    );
    assert!(types.contains(&("b", None)), "{types:?}");
    assert!(types.contains(&("d", None)), "{types:?}");
}

#[test]
fn composite_literals_are_told_from_types_in_new() {
    for (argument, literal) in [
        ("[]string{\"a\"})", true),
        ("map[string]int{})", true),
        ("[]int)", false),
        ("map[string][]int)", false),
        ("[]struct{ X int })", false),
        ("[]struct{ X int }{{1}})", true),
        ("[]interface{ M() })", false),
        ("[2]int{1, 2})", true),
    ] {
        assert_eq!(
            crate::is_composite_literal(argument),
            literal,
            "new({argument}"
        );
    }
}

#[test]
fn methods_params_and_result_uses() {
    let ir = lower(
        r#"package p

func (s *Store) Save(ctx context.Context) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tx.Commit()
	_ = tx.Commit()
	go tx.Commit()
	res := tx.Commit().Error
	return tx.Commit()
}
"#,
    );
    let f = function(&ir, "(*Store).Save");
    assert_eq!(f.kind, FunctionKind::Method);
    assert_eq!(f.var(f.receiver.unwrap()).name, "s");
    assert_eq!(f.params.len(), 1);
    assert_eq!(f.var(f.params[0]).ty.as_deref(), Some("context.Context"));
    assert_eq!(f.named_results.len(), 1);
    assert_eq!(f.result_types, ["error"]);
    // Results share the body's outermost scope: `tx, err :=` reuses the named `err`.
    let begin = &method_calls(f, "BeginTx")[0];
    let ResultUse::Assigned(bindings) = &begin.result else {
        panic!("begin not assigned: {:?}", begin.result)
    };
    assert_eq!(bindings.len(), 2);
    assert_eq!(bindings[1], Binding::Var(f.named_results[0]));
    let Binding::Var(tx) = bindings[0] else {
        panic!()
    };
    assert_eq!(f.var(tx).name, "tx");
    assert!(
        matches!(&begin.callee, Callee::Method { receiver: Operand::Field(base, field), .. }
        if field == "db" && **base == Operand::Var(f.receiver.unwrap()))
    );

    let rollback = &method_calls(f, "Rollback")[0];
    assert_eq!(rollback.result, ResultUse::Deferred);
    let commits: Vec<_> = method_calls(f, "Commit")
        .iter()
        .map(|c| c.result.clone())
        .collect();
    assert_eq!(
        commits,
        [
            ResultUse::Discarded,
            ResultUse::Assigned(vec![Binding::Blank]),
            ResultUse::Spawned,
            ResultUse::Field {
                name: "Error".into(),
                then: Box::new(ResultUse::Assigned(vec![Binding::Var(
                    f.vars
                        .iter()
                        .position(|v| v.name == "res")
                        .map(|i| txlint_ir::ir::VarId(i as u32))
                        .unwrap()
                )]))
            },
            ResultUse::Returned,
        ]
    );
    assert!(f.events().any(|e| matches!(e, Event::Defer(_))));
    assert!(f.events().any(|e| matches!(e, Event::Go(_))));
}

#[test]
fn shadowing_declares_a_new_variable_in_an_inner_scope() {
    let ir = lower(
        r#"package p

func f(db *sql.DB) {
	tx, err := db.Begin()
	if err == nil {
		tx, err := db.Begin()
		tx.Commit()
		_ = err
	}
	tx.Commit()
}
"#,
    );
    let f = function(&ir, "f");
    let txs: Vec<_> = f.vars.iter().filter(|v| v.name == "tx").collect();
    assert_eq!(txs.len(), 2, "inner `:=` shadows");
    let receivers: Vec<_> = method_calls(f, "Commit")
        .iter()
        .map(|c| match &c.callee {
            Callee::Method { receiver, .. } => receiver.root_var().unwrap(),
            _ => unreachable!(),
        })
        .collect();
    assert_ne!(receivers[0], receivers[1]);
}

#[test]
fn function_literals_are_functions_with_captured_variables() {
    let ir = lower(
        r#"package p

func outer(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		db.Create(nil)
		return tx.Create(nil).Error
	})
}
"#,
    );
    let literal = function(&ir, "outer.func1");
    assert_eq!(literal.kind, FunctionKind::Literal);
    assert_eq!(literal.parent, Some(txlint_ir::ir::FuncId(0)));
    let captured = literal.vars.iter().find(|v| v.name == "db").unwrap();
    assert_eq!(captured.kind, VarKind::Captured);
    assert_eq!(captured.ty.as_deref(), Some("*gorm.DB"));
    let outer = function(&ir, "outer");
    let transaction = &method_calls(outer, "Transaction")[0];
    assert_eq!(
        transaction.args,
        [Operand::Closure(txlint_ir::ir::FuncId(1))]
    );
    assert_eq!(transaction.result, ResultUse::Returned);
}

#[test]
fn control_flow_returns_loops_and_no_return_calls() {
    let ir = lower(
        r#"package p

func f(items []int) error {
outer:
	for _, item := range items {
		switch item {
		case 1:
			continue outer
		case 2:
			break outer
		default:
			if item > 3 {
				return nil
			}
		}
	}
	panic("unreachable")
}
"#,
    );
    let f = function(&ir, "f");
    let reachable = f.cfg.reachable();
    let terminators: Vec<_> = reachable
        .iter()
        .map(|b| &f.cfg.block(*b).terminator)
        .collect();
    assert!(terminators.iter().any(|t| matches!(
        t,
        Terminator::Return {
            implicit: false,
            ..
        }
    )));
    assert!(terminators.iter().any(|t| matches!(
        t,
        Terminator::NoReturn {
            kind: NoReturnKind::Panic,
            ..
        }
    )));
    // The panic ends the function: no implicit return is reachable.
    assert!(!terminators
        .iter()
        .any(|t| matches!(t, Terminator::Return { implicit: true, .. })));
    let jumps: Vec<_> = reachable
        .iter()
        .filter_map(|b| f.cfg.block(*b).jump)
        .collect();
    assert_eq!(jumps.len(), 2, "continue outer and break outer");
}

#[test]
fn nil_tests_on_branches() {
    let ir = lower(
        r#"package p

func f() error {
	tx := db.Begin()
	if tx.Error != nil {
		return tx.Error
	}
	return nil
}
"#,
    );
    let f = function(&ir, "f");
    let test = first_nil_test(f);
    assert!(!test.then_is_nil);
    assert!(matches!(test.operand, Operand::Field(_, ref name) if name == "Error"));
}

#[test]
fn compound_conditions_branch_per_operand() {
    let ir = lower(
        r#"package p

func f(ok bool) error {
	tx, err := db.Begin()
	if err != nil || !(tx != nil && ok) {
		return err
	}
	return nil
}
"#,
    );
    let f = function(&ir, "f");
    let branches: Vec<_> = f
        .cfg
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(index, b)| match &b.terminator {
            Terminator::Branch {
                nil_test,
                then_block,
                else_block,
                ..
            } => Some((index, nil_test.clone(), *then_block, *else_block)),
            _ => None,
        })
        .collect();
    assert_eq!(branches.len(), 3, "{branches:?}");
    let (_, err_test, then_arm, after_err) = &branches[0];
    assert!(!err_test.as_ref().unwrap().then_is_nil);
    // `tx != nil` is tested only when `err` is nil; under `!` its edges are swapped: when
    // tx is nil the `then` arm runs, otherwise `ok` decides.
    let (tx_block, tx_test, tx_then, tx_else) = &branches[1];
    assert_eq!(after_err.index(), *tx_block);
    assert!(!tx_test.as_ref().unwrap().then_is_nil);
    assert_eq!(tx_else, then_arm);
    let (ok_block, ok_test, ok_then, ok_else) = &branches[2];
    assert_eq!(tx_then.index(), *ok_block);
    // A boolean is tested against its zero value, `false`.
    assert!(!ok_test.as_ref().unwrap().then_is_nil);
    assert_eq!(ok_else, then_arm, "`ok` false runs the `then` arm");
    assert_ne!(ok_then, then_arm);
}

#[test]
fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
    let ir = lower_file(
        "package p\n\nfunc broken( {\n\tx := \n}\n\nfunc fine(tx *sql.Tx) {\n\ttx.Commit()\n}\n",
    );
    assert!(!ir.syntax_errors.is_empty());
    assert!(ir.functions.iter().any(|f| f.name == "fine"));
}

#[test]
fn empty_and_garbage_input_do_not_panic() {
    assert!(lower_file("").functions.is_empty());
    let garbage = lower_file("\u{0}\u{1}}}}{{{ func ( ) ) ) \"unterminated");
    assert!(!garbage.syntax_errors.is_empty());
}

#[test]
fn deep_nesting_is_bounded() {
    let mut source = String::from("package p\nfunc f() {\n");
    for _ in 0..3000 {
        source.push_str("if x {\n");
    }
    for _ in 0..3000 {
        source.push_str("}\n");
    }
    source.push_str("}\n");
    let ir = lower_file(&source);
    assert_eq!(ir.functions.len(), 1);
}

#[test]
fn every_field_name_exists_in_the_grammar() {
    // `fields()` panics on a field the grammar lacks; lowering any function touches it.
    let ir = lower("package p\nfunc f() {}\n");
    assert_eq!(ir.functions.len(), 1);
}

#[test]
fn panic_sites_and_composite_literal_stores() {
    let ir = lower(
        r#"package p

func f(tx *sql.Tx, p *int, x interface{}) *Repo {
	total := *p
	_ = (*Repo)(nil)
	s := x.(string)
	v, ok := x.(int)
	switch y := x.(type) {
	case int:
		_ = y
	}
	_, _, _, _ = total, s, v, ok
	return &Repo{tx: tx, items: []int{1}}
}
"#,
    );
    let f = function(&ir, "f");
    let sites: Vec<_> = f
        .events()
        .filter_map(|e| match e {
            Event::PanicSite { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        sites,
        [
            txlint_ir::ir::PanicKind::Dereference,
            txlint_ir::ir::PanicKind::TypeAssertion
        ]
    );
    let tx = f.params[0];
    assert!(f.events().any(|e| matches!(e,
        Event::Assign { targets, values, .. }
            if matches!(targets[0], Binding::Place(_)) && values[0] == Operand::Var(tx))));
}

#[test]
fn deep_selector_chains_do_not_overflow_the_stack() {
    let source = format!(
        "package p\nimport \"database/sql\"\nfunc f(tx *sql.Tx) {{\n\tx := a{}\n\t_ = x\n}}\n",
        ".b".repeat(100_000)
    );
    let ir = lower_file(&source);
    assert_eq!(ir.functions.len(), 1);
}

#[test]
fn a_closure_can_shadow_what_it_captures() {
    let ir = lower(
        r#"package p

func f(tx *sql.Tx) {
	run(func() {
		if tx == nil {
			return
		}
		tx := newBatch()
		tx.Commit()
	})
}
"#,
    );
    let literal = function(&ir, "f.func1");
    let txs: Vec<_> = literal
        .vars
        .iter()
        .filter(|v| v.name == "tx")
        .map(|v| v.kind)
        .collect();
    assert_eq!(txs, [VarKind::Captured, VarKind::Local]);
}

#[test]
fn only_logging_packages_never_return() {
    let ir = lower(
        r#"package p

import (
	"log"

	"github.com/stretchr/testify/assert"
)

func f(t *testing.T) {
	assert.Panics(t, func() {})
	log.Fatalf("bye")
}
"#,
    );
    let f = function(&ir, "f");
    let no_returns = f
        .cfg
        .reachable()
        .iter()
        .filter(|b| matches!(f.cfg.block(**b).terminator, Terminator::NoReturn { .. }))
        .count();
    assert_eq!(no_returns, 1, "log.Fatalf exits; assert.Panics returns");
}

#[test]
fn type_switch_aliases_have_the_case_type() {
    let ir = lower(
        r#"package p

func f(v any) {
	switch t := v.(type) {
	case *sql.Tx:
		_ = t
	case int, string:
		_ = t
	}
}
"#,
    );
    let f = function(&ir, "f");
    let types: Vec<_> = f
        .vars
        .iter()
        .filter(|v| v.name == "t")
        .map(|v| v.ty.clone())
        .collect();
    assert_eq!(types, [Some("*sql.Tx".to_string()), None]);
}

#[test]
fn result_types_are_recorded_as_written() {
    let ir = lower_file(
        "package p\nfunc a() error { return nil }\nfunc b() (n, m int, err error) { return }\nfunc c() (*sql.Rows, error) { return nil, nil }\nfunc d() {}\n",
    );
    assert_eq!(function(&ir, "a").result_types, ["error"]);
    assert_eq!(function(&ir, "b").result_types, ["int", "int", "error"]);
    assert_eq!(function(&ir, "c").result_types, ["*sql.Rows", "error"]);
    assert!(function(&ir, "d").result_types.is_empty());
}

#[test]
fn conversions_and_assertions_denote_their_operand() {
    let ir = lower(
        r#"package p

import "database/sql"

type mine sql.Rows

func f(rows *sql.Rows, v any, deref *func(int) int) (*mine, any, []byte, int) {
	s := "x"
	return (*mine)(rows), v.(*sql.Rows), []byte(s), (*deref)(1)
}
"#,
    );
    let f = function(&ir, "f");
    let values = f
        .cfg
        .blocks
        .iter()
        .find_map(|b| match &b.terminator {
            Terminator::Return { values, .. } if !values.is_empty() => Some(values.clone()),
            _ => None,
        })
        .unwrap();
    let var = |name: &str| {
        Operand::Var(txlint_ir::ir::VarId(
            f.vars.iter().position(|v| v.name == name).unwrap() as u32,
        ))
    };
    assert_eq!(values[0], var("rows"));
    assert_eq!(values[1], var("v"));
    assert_eq!(values[2], var("s"));
    // A dereferenced function variable is called, not a conversion.
    assert!(matches!(values[3], Operand::Call(_)));
}

#[test]
fn a_call_tested_against_nil_is_the_tested_operand() {
    let ir = lower(
        r#"package p

func f() {
	rows, err := db.Query("q")
	if keep(err) == nil {
		rows.Close()
	}
}
"#,
    );
    let f = function(&ir, "f");
    let test = first_nil_test(f);
    assert!(test.then_is_nil);
    let Operand::Call(id) = test.operand else {
        panic!("{:?}", test.operand)
    };
    assert_eq!(f.call(id).callee, Callee::Path(vec!["keep".into()]));
}

#[test]
fn an_unclosed_string_ending_in_a_multibyte_character_is_lowered() {
    // Found by the fuzzer: the quotes were cut off by byte (`text[1..len - 1]`), which
    // panicked inside `é` when broken code left the literal without its closing quote.
    for source in [
        "package p\n\nfunc f() {\n\tx := \"é─é\n}\n",
        "package p\n\nfunc f() {\n\tx := `é\n",
        "package p\n\nfunc f() {\n\tx := \"\n}\n",
    ] {
        let ir = lower_file(source);
        assert!(!ir.syntax_errors.is_empty(), "{source:?}");
    }
}

#[test]
fn comma_ok_assertion_copies_the_value() {
    let ir = lower("package p\nfunc f(x any) {\n\tv, ok := x.(int)\n\t_, _ = v, ok\n}\n");
    let f = function(&ir, "f");
    let assigned: Vec<(String, Operand)> = f
        .events()
        .filter_map(|e| match e {
            Event::Assign {
                targets, values, ..
            } => match (targets.as_slice(), values.as_slice()) {
                ([Binding::Var(t)], [value]) => Some((f.var(*t).name.clone(), value.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let x = f.params[0];
    assert_eq!(
        assigned,
        [
            ("v".to_string(), Operand::Var(x)),
            (
                "ok".to_string(),
                Operand::TypeTest(Box::new(Operand::Var(x)))
            )
        ]
    );
}

#[test]
fn counters_are_zero_tested_and_assigned() {
    let ir = lower(
        r#"package p

func f(items []int) {
	n := 0
	for range items {
		if n == 0 {
			begin()
		}
		n++
		n += 2
		if 0 != n {
			n = 0
		}
		if len(items) == 0 {
		}
	}
}
"#,
    );
    let f = function(&ir, "f");
    let n_var = VarId(f.vars.iter().position(|v| v.name == "n").unwrap() as u32);
    let n = Operand::Var(n_var);
    let tests: Vec<_> = f
        .cfg
        .blocks
        .iter()
        .filter_map(|b| match &b.terminator {
            Terminator::Branch { nil_test, .. } => Some(nil_test.clone()),
            _ => None,
        })
        .collect();
    let on_n = |then_is_nil| {
        Some(NilTest {
            operand: n.clone(),
            then_is_nil,
            by_truth: false,
            one_sided: false,
        })
    };
    // The loop's own test, `n == 0`, `0 != n`; a call's length is not a path.
    assert!(tests.contains(&on_n(true)), "{tests:?}");
    assert!(tests.contains(&on_n(false)), "{tests:?}");
    assert_eq!(tests.iter().filter(|t| t.is_some()).count(), 2, "{tests:?}");
    // `n := 0`, `n++`, `n += 2`, `n = 0`: four assignments, two of them to zero.
    let assigned: Vec<_> = f
        .events()
        .filter_map(|e| match e {
            Event::Assign {
                targets, values, ..
            } if targets == &[Binding::Var(n_var)] => Some(values[0].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        assigned,
        [
            Operand::Const("0".into()),
            Operand::Other,
            Operand::Other,
            Operand::Const("0".into())
        ]
    );
}
