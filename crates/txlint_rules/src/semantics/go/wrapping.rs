//! Go: a project's own transaction type. A struct that holds a modelled transaction in a
//! field (`type Tx struct{ inner *sql.Tx }`) or embeds one (`struct{ *sqlx.Tx }`), with
//! methods that end it, is a transaction in its own right: its values are begun by the
//! project's constructors (see `facts::wrapper`) and ended by those methods. Each such
//! type becomes a library model of the files that can name it, so every rule treats it
//! like a library's transaction.
//!
//! The evidence is in the code: the field's declared type, and which methods call a
//! commit or rollback of the library on that field (or return its commit's result). No
//! name of the type or its methods matters.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use txlint_ir::ir::{Callee, FileIr, FunctionKind, Operand, Terminator, VarId};

use crate::engine::aliases::aliases_of;
use crate::models::{CommitReturns, CommitSpec, Library, MethodSet, Models};
use crate::semantics::typed::facts::LibraryId;

/// What a package's declarations say about the transactions its types may wrap. Only
/// syntax and the shipped models: it is the same in every round of the project index.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WrapParts {
    /// Struct fields declared with a modelled transaction type, by (type, field): the
    /// library and whether the field is embedded.
    tx_fields: BTreeMap<(String, String), (LibraryId, bool)>,
    /// Methods by (type, method).
    methods: BTreeMap<(String, String), MethodShape>,
    /// The package's interfaces that are a library's transaction by what they declare
    /// (see [`WrapParts::tx_interface`]).
    tx_interfaces: BTreeMap<String, LibraryId>,
}

/// The calls a method makes on its receiver: `(field, method)` for `r.field.method()`,
/// `("", method)` for `r.method()`.
#[derive(Debug, Clone, Default, PartialEq)]
struct MethodShape {
    calls: BTreeSet<(String, String)>,
    /// Those of the calls whose result the method returns.
    returns: BTreeSet<(String, String)>,
}

impl WrapParts {
    /// The parts a file declares.
    pub fn of_file(file: &FileIr, models: &Models) -> WrapParts {
        let mut parts = WrapParts::default();
        if file.language != txlint_ir::Language::Go {
            return parts;
        }
        for field in &file.fields {
            let library = models
                .libraries
                .iter()
                .position(|l| !l.project_wrapper && l.is_tx_type(&field.ty, file));
            if let Some(library) = library {
                parts.tx_fields.insert(
                    (field.owner.clone(), field.name.clone()),
                    (library, field.embedded),
                );
            }
        }
        let mut interfaces: BTreeMap<&str, Vec<&txlint_ir::ir::InterfaceMethod>> = BTreeMap::new();
        for method in &file.interface_methods {
            interfaces
                .entry(&method.interface)
                .or_default()
                .push(method);
        }
        for (interface, methods) in interfaces {
            let library = models.libraries.iter().position(|l| {
                !l.project_wrapper
                    && methods.iter().any(|m| l.is_commit(&m.name))
                    && methods.iter().any(|m| l.is_rollback(&m.name))
                    && methods
                        .iter()
                        .any(|m| m.results.iter().any(|ty| l.is_rows_type(ty, file)))
            });
            if let Some(library) = library {
                parts.tx_interfaces.insert(interface.to_string(), library);
            }
        }
        for function in &file.functions {
            if function.kind != FunctionKind::Method || function.parent.is_some() {
                continue;
            }
            let Some(receiver) = function.receiver else {
                continue;
            };
            let Some(owner) = function.var(receiver).ty.as_deref().map(bare_type) else {
                continue;
            };
            let method = function.name.rsplit('.').next().unwrap_or(&function.name);
            let holders = aliases_of(function, receiver);
            let on_receiver = |callee: &Callee| -> Option<(String, String)> {
                let Callee::Method { receiver, name, .. } = callee else {
                    return None;
                };
                let field = match receiver {
                    Operand::Var(v) if holders.contains(v) => String::new(),
                    Operand::Field(base, field) if is_holder(base, &holders) => field.clone(),
                    _ => return None,
                };
                Some((field, name.clone()))
            };
            let mut shape = MethodShape::default();
            for call in &function.calls {
                if let Some(used) = on_receiver(&call.callee) {
                    shape.calls.insert(used);
                }
            }
            for block in &function.cfg.blocks {
                if let Terminator::Return { values, .. } = &block.terminator {
                    for value in values {
                        if let Operand::Call(id) = value {
                            if let Some(used) = on_receiver(&function.call(*id).callee) {
                                shape.returns.insert(used);
                            }
                        }
                    }
                }
            }
            // A method can end the type's transaction, or shadow a promoted end, only
            // through an end method's name or a call of one of its own methods: the
            // others (most methods of most types) are left out of the parts.
            let is_end = |name: &str| {
                models
                    .libraries
                    .iter()
                    .any(|l| l.is_commit(name) || l.is_rollback(name))
            };
            let may_matter = (!shape.calls.is_empty() && is_end(method))
                || shape
                    .calls
                    .iter()
                    .any(|(field, name)| field.is_empty() || is_end(name));
            if may_matter {
                parts
                    .methods
                    .insert((owner.to_string(), method.to_string()), shape);
            }
        }
        parts
    }

    /// The library of a struct field declared with a modelled transaction type
    /// (`tx *sql.Tx`, an embedded `*sql.Tx` named `Tx`), by its type and name.
    pub fn tx_field(&self, owner: &str, field: &str) -> Option<LibraryId> {
        self.tx_fields
            .get(&(owner.to_string(), field.to_string()))
            .map(|(library, _)| *library)
    }

    /// The library of an interface type of the package that declares the library's
    /// commit and rollback and a query returning its rows (concourse's `db.Tx`, which
    /// `DbConn.Begin()` returns over a `*sql.Tx`): what runs on a value of it runs in
    /// one of the library's transactions.
    pub fn tx_interface(&self, ty: &str) -> Option<LibraryId> {
        self.tx_interfaces.get(ty).copied()
    }

    /// Adds the transaction interfaces of another package, as `qualifier.Name`.
    pub fn add_tx_interfaces_of(&mut self, qualifier: &str, other: &WrapParts) {
        for (interface, library) in &other.tx_interfaces {
            self.tx_interfaces
                .insert(format!("{qualifier}.{interface}"), *library);
        }
    }

    pub fn merge(&mut self, other: &WrapParts) {
        self.tx_interfaces
            .extend(other.tx_interfaces.iter().map(|(k, v)| (k.clone(), *v)));
        self.tx_fields
            .extend(other.tx_fields.iter().map(|(k, v)| (k.clone(), *v)));
        self.methods
            .extend(other.methods.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    /// The wrapper types of these parts, as library models: `qualifier` is how the file
    /// that uses them names their package (`None` in the package itself), `unit` names
    /// the package for [`Library::name`].
    fn libraries(&self, models: &Models, unit: &str, qualifier: Option<&str>) -> Vec<Library> {
        let owners: BTreeSet<&String> = self.tx_fields.keys().map(|(owner, _)| owner).collect();
        let mut found = Vec::new();
        for owner in owners {
            let fields: Vec<(&String, LibraryId, bool)> = self
                .tx_fields
                .iter()
                .filter(|((o, _), _)| o == owner)
                .map(|((_, f), (l, e))| (f, *l, *e))
                .collect();
            let own_methods: BTreeMap<&String, &MethodShape> = self
                .methods
                .iter()
                .filter(|((o, _), _)| o == owner)
                .map(|((_, m), shape)| (m, shape))
                .collect();
            // A library method reached on the wrapper: through its field, or promoted
            // from an embedded field when the type declares no method of that name.
            let library_call = |call: &(String, String)| -> Option<&Library> {
                let (field, method) = call;
                fields.iter().find_map(|(name, library, embedded)| {
                    let reached = *name == field
                        || (field.is_empty() && *embedded && !own_methods.contains_key(method));
                    reached.then_some(&models.libraries[*library])
                })
            };
            let mut ends: BTreeSet<String> = BTreeSet::new();
            let mut commits: BTreeSet<String> = BTreeSet::new();
            // Promoted methods of an embedded transaction.
            for (_, library, embedded) in &fields {
                if !*embedded {
                    continue;
                }
                let library = &models.libraries[*library];
                for method in library
                    .commit
                    .methods
                    .iter()
                    .chain(&library.rollback.methods)
                {
                    if own_methods.contains_key(method) {
                        continue;
                    }
                    ends.insert(method.clone());
                    if library.is_commit(method) && library.commit.returns == CommitReturns::Error {
                        commits.insert(method.clone());
                    }
                }
            }
            // The type's own methods, and those that call them, to a fixed point.
            loop {
                let before = (ends.len(), commits.len());
                for (method, shape) in &own_methods {
                    let ends_here = shape.calls.iter().any(|call| {
                        library_call(call)
                            .is_some_and(|l| l.is_commit(&call.1) || l.is_rollback(&call.1))
                            || (call.0.is_empty() && ends.contains(&call.1))
                    });
                    if ends_here {
                        ends.insert((*method).clone());
                    }
                    let commits_here = shape.returns.iter().any(|call| {
                        library_call(call).is_some_and(|l| {
                            l.is_commit(&call.1) && l.commit.returns == CommitReturns::Error
                        }) || (call.0.is_empty() && commits.contains(&call.1))
                    });
                    if commits_here {
                        commits.insert((*method).clone());
                    }
                }
                if (ends.len(), commits.len()) == before {
                    break;
                }
            }
            if ends.is_empty() {
                continue;
            }
            // The methods that only roll back come first: the one a message suggests
            // deferring (`defer t.MustRollback()`).
            let rolls_back_only = |method: &String| {
                let promoted = fields.iter().any(|(_, library, embedded)| {
                    *embedded
                        && !own_methods.contains_key(method)
                        && models.libraries[*library].is_rollback(method)
                });
                let direct = own_methods.get(method).is_some_and(|shape| {
                    let reached: Vec<bool> = shape
                        .calls
                        .iter()
                        .filter_map(|call| library_call(call).map(|l| l.is_commit(&call.1)))
                        .collect();
                    !reached.is_empty() && reached.iter().all(|commits| !commits)
                });
                promoted || direct
            };
            let (mut rollbacks, others): (Vec<String>, Vec<String>) = ends
                .difference(&commits)
                .cloned()
                .partition(|m| rolls_back_only(m));
            rollbacks.extend(others);
            let written = match qualifier {
                Some(q) => format!("{q}.{owner}"),
                None => owner.clone(),
            };
            found.push(Library {
                name: format!("{unit}.{owner}"),
                language: None,
                imports: Vec::new(),
                tx_types: vec![format!("*{written}"), written],
                rows_types: Vec::new(),
                begin: Vec::new(),
                acquire: Vec::new(),
                commit: CommitSpec {
                    methods: commits.iter().cloned().collect(),
                    returns: CommitReturns::Error,
                },
                rollback: MethodSet { methods: rollbacks },
                closure: Vec::new(),
                failed_commit_keeps_transaction: false,
                single_connection: false,
                begin_constructors: Vec::new(),
                begin_needs_import: false,
                closure_result_is_commit: false,
                handle_types: Vec::new(),
                handle_functions: Vec::new(),
                handle_methods: Vec::new(),
                project_wrapper: true,
            });
        }
        found
    }
}

fn is_holder(operand: &Operand, holders: &[VarId]) -> bool {
    matches!(operand, Operand::Var(v) if holders.contains(v))
}

/// `*Tx`, `Tx[T]` → `Tx`.
fn bare_type(ty: &str) -> &str {
    let bare = ty.trim_start_matches('*');
    bare.split('[').next().unwrap_or(bare)
}

/// The models a Go file is checked with: the shipped ones, then the wrapper types of its
/// own package and of the project packages it imports (`units`: the parts of each, with
/// the name the file knows the package by, `None` for its own).
pub(crate) fn file_models<'m>(
    base: &'m Models,
    units: &[(String, Option<String>, WrapParts)],
) -> Cow<'m, Models> {
    let mut extra = Vec::new();
    for (unit, qualifier, parts) in units {
        extra.extend(parts.libraries(base, unit, qualifier.as_deref()));
    }
    if extra.is_empty() {
        return Cow::Borrowed(base);
    }
    let mut models = base.clone();
    models.libraries.extend(extra);
    Cow::Owned(models)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRAPPER: &str = r#"package store
import (
	"database/sql"
	"log"
)
type Tx struct{ inner *sql.Tx }
type Plain struct{ inner *sql.Tx }
func (t *Tx) MustCommit() {
	if err := t.inner.Commit(); err != nil {
		log.Fatal(err)
	}
}
func (t *Tx) MustRollback() { _ = t.inner.Rollback() }
func (t *Tx) Finish(err error) error {
	if err != nil {
		t.MustRollback()
		return err
	}
	return t.inner.Commit()
}
func (t *Tx) Peek() { log.Print(t.inner) }
func (p *Plain) Commit() { log.Print(p.inner) }
"#;

    #[test]
    fn a_wrapper_type_is_known_by_what_its_methods_do() {
        let file = txlint_go::lower_file(WRAPPER);
        let base = Models::builtin(txlint_ir::Language::Go);
        let parts = WrapParts::of_file(&file, base);
        let models = file_models(base, &[("example.com/s".into(), None, parts)]);
        let wrappers: Vec<&Library> = models
            .libraries
            .iter()
            .filter(|l| l.project_wrapper)
            .collect();
        // `Plain` ends nothing, whatever its method is called.
        let [tx] = wrappers.as_slice() else {
            panic!("one wrapper type: {wrappers:?}")
        };
        assert_eq!(tx.name, "example.com/s.Tx");
        assert_eq!(tx.tx_types, ["*Tx", "Tx"]);
        // Finish returns the commit's error; MustCommit handles it itself.
        assert_eq!(tx.commit.methods, ["Finish"]);
        // The plain rollback first: the one a message suggests deferring.
        assert_eq!(tx.rollback.methods, ["MustRollback", "MustCommit"]);
        assert!(!tx.is_commit("Peek") && !tx.is_rollback("Peek"));
    }
}
