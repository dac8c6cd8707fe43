//! What a run is configured with: which rules run, how severe their findings are, and
//! the library models (with the prefilter built from them). Data only; choosing rules by
//! selector, which needs the registry, is in the crate root.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};

use txlint_ir::{Language, Severity};

use crate::models::Models;

/// Which rules run, how severe their findings are, and with which library models.
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) enabled: BTreeSet<&'static str>,
    /// TX012's `strict` option: report every begin without a deferred end, panic site
    /// or not.
    pub strict_rollback: bool,
    /// Severity overrides by rule code (configuration `[severity]`).
    pub severity: BTreeMap<&'static str, Severity>,
    pub(crate) models: Arc<ModelSet>,
}

/// What the prefilter makes of a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefilter {
    /// No modelled call or import: no rule can fire in it.
    Skip,
    /// Its only modelled calls are commits or rollbacks (`.Commit(`, `.Rollback(`): a
    /// transaction value it ends must come from somewhere that begins one or names a
    /// library, so it is worth parsing only when a file of the run, or for Go a file of
    /// its package, does (prometheus's `Appender.Commit` is not a transaction).
    CommitOnly,
    /// Worth parsing.
    Parse,
}

/// The library models of every language, with the prefilter built from them.
#[derive(Debug)]
pub struct ModelSet {
    models: Vec<(Language, Models, Option<AhoCorasick>)>,
    /// Per language, the prefilter without the commit methods (see
    /// [`Prefilter::CommitOnly`]).
    evidence: Vec<(Language, Option<AhoCorasick>)>,
    /// Go statement and pool-bound methods in call shape (`.Create(`, `.SetMaxOpenConns(`),
    /// for files of a checked package that can matter to it without a transaction word of
    /// their own.
    go_statements: Option<AhoCorasick>,
}

impl ModelSet {
    fn build(models: Vec<(Language, Models)>) -> ModelSet {
        // Leftmost-first answers `is_match` as the standard semantics would, and lets the
        // automaton use its SIMD prefilter.
        let automaton = |patterns: Vec<String>| {
            (!patterns.is_empty()).then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&patterns)
                    .expect("model method names form a valid automaton")
            })
        };
        let evidence = models
            .iter()
            .map(|(language, models)| (*language, automaton(models.evidence_patterns(*language))))
            .collect();
        let models = models
            .into_iter()
            .map(|(language, models)| {
                let matcher = automaton(models.prefilter_patterns(language));
                (language, models, matcher)
            })
            .collect::<Vec<_>>();
        let go_statements = models
            .iter()
            .find(|(l, _, _)| *l == Language::Go)
            .map(|(_, m, _)| {
                // Statements (helpers' summaries) and pool bounds (TX010 is decided
                // per package: `SetMaxOpenConns` may sit in a file with no import of a
                // database package).
                let mut patterns: Vec<String> = m
                    .statements
                    .methods
                    .iter()
                    .chain(&m.pools.bound_methods)
                    .map(|name| format!(".{name}("))
                    .collect();
                // Blocking calls (`http.Post(`): a helper that makes one blocks whoever
                // calls it with a transaction open (TX009 through summaries).
                // So do a client's methods (`client.Do(req)`) and commands
                // (`exec.Command(…)`).
                patterns.extend(
                    m.blocking
                        .functions
                        .iter()
                        .chain(&m.blocking.command_constructors)
                        .map(|name| format!("{name}(")),
                );
                patterns.extend(
                    m.blocking
                        .client_methods
                        .iter()
                        .map(|name| format!(".{name}(")),
                );
                // Closing helpers (`func closeQuietly(c io.Closer)`): rows handed to one
                // are closed by it, wherever it sits.
                patterns.push("io.Closer".to_string());
                patterns
            })
            .filter(|patterns| !patterns.is_empty())
            .map(|patterns| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&patterns)
                    .expect("statement method names form a valid automaton")
            });
        ModelSet {
            models,
            evidence,
            go_statements,
        }
    }

    /// Whether a Go file that [`ModelSet::may_have_findings`] passes over can still
    /// matter to the summaries of its package: it runs statements (on a package-level
    /// handle, say) or makes blocking calls in functions that other files call while a
    /// transaction is open.
    pub fn may_matter_to_package(&self, language: Language, text: &str) -> bool {
        language == Language::Go
            && self
                .go_statements
                .as_ref()
                .is_some_and(|matcher| matcher.is_match(text))
    }

    /// The shipped models (shared).
    pub fn builtin() -> Arc<ModelSet> {
        static BUILTIN: OnceLock<Arc<ModelSet>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Arc::new(ModelSet::build(
                    Language::ALL
                        .iter()
                        .map(|&l| (l, Models::builtin(l).clone()))
                        .collect(),
                ))
            })
            .clone()
    }

    pub fn for_language(&self, language: Language) -> &Models {
        &self
            .models
            .iter()
            .find(|(l, _, _)| *l == language)
            .expect("every language has models")
            .1
    }

    /// Whether a source text can produce any finding at all: it must mention one of the
    /// calls the language's library models describe, or import a modelled library. The
    /// binary skips parsing the rest, which is most of a large repository.
    pub fn may_have_findings(&self, language: Language, text: &str) -> bool {
        self.prefilter(language, text) != Prefilter::Skip
    }

    /// What the prefilter makes of a source text (see [`Prefilter`]).
    pub fn prefilter(&self, language: Language, text: &str) -> Prefilter {
        let find = |matchers: Option<&Option<AhoCorasick>>| {
            matchers
                .and_then(Option::as_ref)
                .is_some_and(|matcher| matcher.is_match(text))
        };
        let all = self
            .models
            .iter()
            .find(|(l, _, _)| *l == language)
            .map(|(_, _, matcher)| matcher);
        if !find(all) {
            return Prefilter::Skip;
        }
        let evidence = self
            .evidence
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, matcher)| matcher);
        match find(evidence) {
            true => Prefilter::Parse,
            false => Prefilter::CommitOnly,
        }
    }
}

impl Settings {
    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }

    /// Turns one rule off (configuration severity `off`).
    pub fn disable(&mut self, code: &str) {
        self.enabled.remove(code);
    }

    /// Adds a project's own library models (configuration `[[library]]`) to the shipped
    /// ones of `language`: its wrappers then begin, commit and roll back like the
    /// libraries they wrap.
    pub fn add_models(&mut self, language: Language, extra: &Models) {
        let mut all: Vec<(Language, Models)> = self
            .models
            .models
            .iter()
            .map(|(l, m, _)| (*l, m.clone()))
            .collect();
        if let Some((_, models)) = all.iter_mut().find(|(l, _)| *l == language) {
            models.extend(extra);
        }
        self.models = Arc::new(ModelSet::build(all));
    }

    /// The models in effect for this run.
    pub fn models(&self) -> &ModelSet {
        &self.models
    }
}

/// [`ModelSet::may_have_findings`] with the shipped models.
pub fn may_have_findings(language: Language, text: &str) -> bool {
    ModelSet::builtin().may_have_findings(language, text)
}

/// What the shipped models' prefilter makes of a source text.
pub fn prefilter(language: Language, text: &str) -> Prefilter {
    ModelSet::builtin().prefilter(language, text)
}
