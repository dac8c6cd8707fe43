//! What a rule sees of a file: the IR, the settings and models in effect, and what the
//! semantics computed for it by its language: for Go and Rust the typed facts and every
//! transaction followed through the engine (up front, or taken from the project index),
//! then rows, open calls, Rust guards and Python connections, each computed once on first
//! use. Rules read only this; the diagnostic builder gives their findings one shape.

use std::sync::OnceLock;

use txlint_ir::ir::{CallId, Callee, FileIr, FuncId, Function, Operand};
use txlint_ir::{Diagnostic, FileId, Label, Language, TextRange};

use crate::index::{Precomputed, ProjectView};
use crate::meta::RuleMeta;
use crate::models::{CommitReturns, Models};
use crate::semantics::go::rows::{self, RowsAnalysis};
use crate::semantics::python::{self, open as python_open};
use crate::semantics::rust::{self, summary as rust_summary};
use crate::semantics::typed::facts::{operand_library, FileFacts};
use crate::semantics::typed::open::{self, OpenCall};
use crate::semantics::typed::transactions::{self, FileSummaries, TxAnalysis};
use crate::settings::Settings;

/// What a rule sees of a file.
pub(crate) struct Context<'a> {
    pub file: FileId,
    pub ir: &'a FileIr,
    pub settings: &'a Settings,
    pub models: &'a Models,
    pub project: ProjectView<'a>,
    semantics: Semantics,
}

/// What the semantics know of the file, by its language: Go and Rust share the typed
/// analyses, and each language adds its own, computed on first use.
enum Semantics {
    Go {
        typed: Typed,
        rows: OnceLock<Vec<RowsAnalysis>>,
    },
    Rust {
        typed: Typed,
        summaries: OnceLock<rust_summary::RustSummaries>,
        guards: OnceLock<Vec<rust::GuardAnalysis>>,
    },
    Python {
        facts: OnceLock<Box<python::PyFacts>>,
        open_calls: OnceLock<Vec<python_open::PyOpenCall>>,
    },
}

/// Go and Rust: which calls begin a transaction and which values hold one (`facts`), the
/// helpers' summaries, every begin followed through the engine, and (on first use) the
/// calls made while a transaction is open.
pub(crate) struct Typed {
    pub facts: FileFacts,
    pub summaries: FileSummaries,
    /// The path-sensitive analysis of every begin in the file.
    pub transactions: Vec<TxAnalysis>,
    open_calls: OnceLock<Vec<OpenCall>>,
}

impl<'a> Context<'a> {
    /// The context of a file; `precomputed` is what the project index already computed
    /// for it, the rest is computed here or on first use.
    pub fn new(
        file: FileId,
        ir: &'a FileIr,
        settings: &'a Settings,
        models: &'a Models,
        project: ProjectView<'a>,
        precomputed: Precomputed,
    ) -> Self {
        let Precomputed {
            typed: precomputed_typed,
            python,
            rust,
        } = precomputed;
        let typed = |precomputed: Option<(FileSummaries, FileFacts)>| {
            let (summaries, facts) = precomputed.unwrap_or_else(|| {
                let summaries = FileSummaries::compute(ir, models, &project);
                let facts = FileFacts::compute(ir, models, &summaries);
                (summaries, facts)
            });
            let transactions = transactions::analyze_file(ir, models, &facts, &summaries);
            Typed {
                facts,
                summaries,
                transactions,
                open_calls: OnceLock::new(),
            }
        };
        let semantics = match ir.language {
            Language::Go => Semantics::Go {
                typed: typed(precomputed_typed),
                rows: OnceLock::new(),
            },
            Language::Rust => Semantics::Rust {
                typed: typed(precomputed_typed),
                summaries: rust.map(OnceLock::from).unwrap_or_default(),
                guards: OnceLock::new(),
            },
            Language::Python => Semantics::Python {
                facts: python
                    .map(|f| OnceLock::from(Box::new(f)))
                    .unwrap_or_default(),
                open_calls: OnceLock::new(),
            },
        };
        Context {
            file,
            ir,
            settings,
            models,
            project,
            semantics,
        }
    }

    /// The typed analyses of a Go or Rust file. Rules ask for them only there.
    pub fn typed(&self) -> &Typed {
        match &self.semantics {
            Semantics::Go { typed, .. } | Semantics::Rust { typed, .. } => typed,
            Semantics::Python { .. } => unreachable!("typed analyses of a Python file"),
        }
    }
}

/// A commit call on a transaction.
pub(crate) struct Commit<'a> {
    pub function: FuncId,
    pub call: CallId,
    pub receiver: &'a Operand,
    pub method: &'a str,
    pub args: &'a [Operand],
    pub returns: CommitReturns,
}

impl<'a> Context<'a> {
    /// The analysis of every rows cursor in a Go file, computed on first use.
    pub fn rows(&self) -> &[RowsAnalysis] {
        let Semantics::Go { typed, rows } = &self.semantics else {
            unreachable!("rows of a {:?} file", self.ir.language);
        };
        rows.get_or_init(|| {
            let mut package = self.project.go_package_parts(self.ir, self.models);
            self.project
                .add_imported_tx_interfaces(self.ir, &mut package);
            rows::analyze_file(
                self.ir,
                self.models,
                &typed.facts,
                &typed.summaries,
                &package,
            )
        })
    }

    /// What the Python rules know about a Python file's values, computed on first use.
    pub fn python(&self) -> &python::PyFacts {
        let Semantics::Python { facts, .. } = &self.semantics else {
            unreachable!("Python facts of a {:?} file", self.ir.language);
        };
        facts.get_or_init(|| {
            Box::new(python::PyFacts::compute(
                self.ir,
                self.models,
                &self.project,
            ))
        })
    }

    /// The analysis of every Rust transaction guard, computed on first use.
    pub fn rust_guards(&self) -> &[rust::GuardAnalysis] {
        let Semantics::Rust { typed, guards, .. } = &self.semantics else {
            unreachable!("guards of a {:?} file", self.ir.language);
        };
        guards.get_or_init(|| {
            rust::analyze_file(self.ir, self.models, &typed.facts, self.rust_summaries())
        })
    }

    /// The summaries of the crate's functions a Rust file calls, computed on first use.
    pub fn rust_summaries(&self) -> &rust_summary::RustSummaries {
        let Semantics::Rust {
            typed, summaries, ..
        } = &self.semantics
        else {
            unreachable!("Rust summaries of a {:?} file", self.ir.language);
        };
        summaries.get_or_init(|| {
            rust_summary::RustSummaries::compute(self.ir, self.models, &typed.facts, &self.project)
        })
    }

    /// Python calls made while a transaction is open, computed on first use.
    pub fn python_open_calls(&self) -> &[python_open::PyOpenCall] {
        let Semantics::Python { open_calls, .. } = &self.semantics else {
            unreachable!("Python open calls of a {:?} file", self.ir.language);
        };
        open_calls.get_or_init(|| python_open::open_calls(self))
    }

    /// Go and Rust calls made while a transaction is open, computed on first use.
    pub fn open_calls(&self) -> &[OpenCall] {
        let typed = self.typed();
        typed
            .open_calls
            .get_or_init(|| open::open_calls(self.ir, self.models, &typed.transactions))
    }

    pub fn function(&self, id: FuncId) -> &'a Function {
        self.ir.function(id)
    }

    /// Every commit call on a value known to be a transaction.
    pub fn commits(&self) -> Vec<Commit<'a>> {
        let mut commits = Vec::new();
        for (index, (function, facts)) in self
            .ir
            .functions
            .iter()
            .zip(&self.typed().facts.functions)
            .enumerate()
        {
            for (call_index, call) in function.calls.iter().enumerate() {
                let Callee::Method { receiver, name, .. } = &call.callee else {
                    continue;
                };
                let Some(lib) = operand_library(self.ir, self.models, function, facts, receiver)
                else {
                    continue;
                };
                let library = &self.models.libraries[lib];
                if library.is_commit(name) {
                    commits.push(Commit {
                        function: FuncId(index as u32),
                        call: CallId(call_index as u32),
                        receiver,
                        method: name,
                        args: &call.args,
                        returns: library.commit.returns,
                    });
                }
            }
        }
        commits
    }

    /// `Commit()` or `Commit(ctx)`, for messages.
    pub fn method_call(&self, function: &Function, commit: &Commit) -> String {
        let args: Vec<String> = commit
            .args
            .iter()
            .map(|a| self.display(function, a))
            .collect();
        format!("{}({})", commit.method, args.join(", "))
    }

    /// How the language writes a path: `pkg.Func`, `crate::module::func`.
    fn path_separator(&self) -> &'static str {
        match self.ir.language {
            Language::Rust => "::",
            Language::Go | Language::Python => ".",
        }
    }

    /// Source-like text for an operand (`tx`, `s.tx`), for messages.
    pub fn display(&self, function: &Function, operand: &Operand) -> String {
        match operand {
            Operand::Var(v) => function.var(*v).name.clone(),
            Operand::Global(name) => name.clone(),
            Operand::Field(base, name) => format!("{}.{name}", self.display(function, base)),
            Operand::Call(id) => {
                let call = function.call(*id);
                match &call.callee {
                    Callee::Method { receiver, name, .. } => {
                        format!("{}.{name}(…)", self.display(function, receiver))
                    }
                    Callee::Path(path) => format!("{}(…)", path.join(self.path_separator())),
                    Callee::Other(_) => "(…)".to_string(),
                }
            }
            other => short_operand(other),
        }
    }

    pub fn diagnostic(
        &self,
        rule: &'static RuleMeta,
        function: &Function,
        range: TextRange,
        message: String,
    ) -> DiagnosticBuilder {
        DiagnosticBuilder(Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: rule.default_severity,
            message,
            file: self.file,
            range,
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
            note: None,
            function: Some(named_function(&function.name).to_string()),
        })
    }
}

/// The named function a literal belongs to: `Save` for `Save.func2.func1`. Literal
/// ordinals change when a literal is added above, so they stay out of fingerprints.
fn named_function(name: &str) -> &str {
    let mut end = name.len();
    while let Some(dot) = name[..end].rfind(".func") {
        let ordinal = &name[dot + 5..end];
        if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        end = dot;
    }
    &name[..end]
}

fn short_operand(operand: &Operand) -> String {
    match operand {
        Operand::Str(_) => "\"…\"".into(),
        Operand::Closure(_) => "func() {…}".into(),
        _ => "…".into(),
    }
}

pub(crate) struct DiagnosticBuilder(Diagnostic);

impl DiagnosticBuilder {
    pub fn primary_label(mut self, text: &str) -> Self {
        self.0.primary_label = text.to_string();
        self
    }

    pub fn label(mut self, range: TextRange, text: &str) -> Self {
        self.0.labels.push(Label {
            range,
            message: text.to_string(),
        });
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.0.help = Some(text.into());
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.0.note = Some(text.into());
        self
    }

    /// The finding, with at most [`MAX_LABELS`] secondary labels: a function that leaks at
    /// hundreds of exits would otherwise print each of them with every finding, output
    /// quadratic in its size. The note says how many more places there are.
    pub fn build(mut self) -> Diagnostic {
        let more = self.0.labels.len().saturating_sub(MAX_LABELS);
        if more > 0 {
            self.0.labels.truncate(MAX_LABELS);
            let places = if more == 1 { "place" } else { "places" };
            let shown = format!("{more} more {places} like the labelled ones are not shown");
            self.0.note = Some(match self.0.note.take() {
                Some(note) => format!("{note} ({shown})"),
                None => shown,
            });
        }
        self.0
    }
}

/// Secondary labels shown per finding, in source order.
const MAX_LABELS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use txlint_ir::Severity;

    fn bare_finding() -> DiagnosticBuilder {
        DiagnosticBuilder(Diagnostic {
            code: "TX002",
            name: "unended-transaction",
            severity: Severity::Error,
            message: "m".into(),
            file: FileId(0),
            range: TextRange::new(0, 1),
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
            note: None,
            function: None,
        })
    }

    #[test]
    fn a_finding_shows_at_most_twelve_labels_and_counts_the_rest() {
        let mut many = bare_finding().note("why");
        for n in 0..20u32 {
            many = many.label(TextRange::new(n * 10, n * 10 + 5), "exit");
        }
        let built = many.build();
        assert_eq!(built.labels.len(), MAX_LABELS);
        assert_eq!(built.labels[0].range, TextRange::new(0, 5));
        assert_eq!(
            built.note.as_deref(),
            Some("why (8 more places like the labelled ones are not shown)")
        );
        let mut few = bare_finding();
        for n in 0..MAX_LABELS as u32 {
            few = few.label(TextRange::new(n, n + 1), "exit");
        }
        let built = few.build();
        assert_eq!(built.labels.len(), MAX_LABELS);
        assert_eq!(built.note, None);
    }

    #[test]
    fn literal_ordinals_are_not_part_of_the_function_name() {
        assert_eq!(named_function("Save.func2.func1"), "Save");
        assert_eq!(named_function("(*Store).Save.func1"), "(*Store).Save");
        assert_eq!(named_function("Save.funcs"), "Save.funcs");
        assert_eq!(named_function("Save"), "Save");
    }
}
