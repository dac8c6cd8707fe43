//! The configuration file as written: `txlint.toml`, `.txlint.toml` or the
//! `[tool.txlint]` table of `pyproject.toml`. Every key is optional, unknown keys are
//! errors (`deny_unknown_fields`), and the JSON Schema published as
//! `txlint.schema.json` is generated from these types, so their doc comments are what
//! editors show.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use txlint_ir::Severity;

/// txlint configuration (`txlint.toml`, `.txlint.toml` or `[tool.txlint]` in
/// `pyproject.toml`). Paths and globs are relative to the directory of the file that
/// contains them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "txlint configuration")]
pub struct ConfigFile {
    /// Another configuration file to inherit from, relative to this one. Keys set here
    /// override the inherited ones; `extend-exclude` and `[[library]]` add to them, and
    /// `[severity]` and `[per-file-ignores]` are merged entry by entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub extend: Option<String>,

    /// Rules to run: codes (`TX001`), code prefixes (`TX00`) or names
    /// (`unchecked-commit`). All rules when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub select: Option<Vec<String>>,

    /// Rules not to run, from those selected: codes, code prefixes or names.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub ignore: Option<Vec<String>>,

    /// Severity of a rule's findings, by code or name. `off` turns the rule off.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, Level>")]
    pub severity: Option<BTreeMap<String, Level>>,

    /// Files and directories not to check (globs). A glob with `/` is a path relative
    /// to this file's directory (`internal/legacy/**`); one without matches a file or
    /// directory name at any depth (`*_gen.go`, `testdata`) below the directory of the
    /// configuration in use (the extending one, when inherited). Replaces an inherited
    /// `exclude`. `.gitignore`d files, hidden directories, `vendor/`,
    /// `node_modules/` and `target/` are always excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub exclude: Option<Vec<String>>,

    /// More globs not to check, added to `exclude` and to inherited ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub extend_exclude: Option<Vec<String>>,

    /// Rules not to report in some files: glob (as in `exclude`) → codes or names.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,

    /// Rules that report in test code (codes, prefixes or names; `[]` for none). Replaces
    /// the default: the rules whose documentation says they report in tests (see
    /// `txlint rules`). Test code is Go `_test.go` files; Python `test_*.py`,
    /// `*_test.py`, `conftest.py` and files under `tests/` or `test/`; Rust files under
    /// `tests/`, `benches/` or `examples/`, `#[cfg(test)]` items and `#[test]` functions; and
    /// `test-paths`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub report_in_tests: Option<Vec<String>>,

    /// More files that are test code (globs, as in `exclude`): shared test helpers,
    /// fixtures. Added to the built-in test paths and to inherited ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub test_paths: Option<Vec<String>>,

    /// The lowest severity whose findings make `txlint check` exit with 1. Default
    /// `note`: any finding fails the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FailOn")]
    pub fail_on: Option<FailOn>,

    /// How a file that was meant to be checked and could not be is reported: one that
    /// cannot be read, is binary, not UTF-8 or over the size limit, has syntax errors,
    /// or met an internal error of txlint. `error` (the default) makes `txlint check`
    /// exit with 1, whatever `fail-on` says; `warning` reports it without changing the
    /// exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UncheckedFiles")]
    pub unchecked_files: Option<UncheckedFiles>,

    /// Options of individual rules, in tables named after the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RuleOptions")]
    pub rules: Option<RuleOptions>,

    /// A project's own transaction APIs (wrappers that begin, commit or roll back), in
    /// the format of the shipped models in `rules/models/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<LibraryModel>")]
    pub library: Option<Vec<LibraryModel>>,
}

/// A rule's severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }

    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Note => Level::Note,
        }
    }
}

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }

    pub fn of(severity: Severity) -> FailOn {
        match severity {
            Severity::Error => FailOn::Error,
            Severity::Warning => FailOn::Warning,
            Severity::Note => FailOn::Note,
        }
    }
}

/// The level of the notice about a file that could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UncheckedFiles {
    Error,
    Warning,
}

impl UncheckedFiles {
    pub fn severity(self) -> Severity {
        match self {
            UncheckedFiles::Error => Severity::Error,
            UncheckedFiles::Warning => Severity::Warning,
        }
    }

    /// `Error` for anything but a warning.
    pub fn of(severity: Severity) -> UncheckedFiles {
        match severity {
            Severity::Warning | Severity::Note => UncheckedFiles::Warning,
            Severity::Error => UncheckedFiles::Error,
        }
    }
}

/// Per-rule options. Only rules with options have a table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleOptions {
    /// TX012 rollback-not-deferred.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RollbackNotDeferredOptions")]
    pub rollback_not_deferred: Option<RollbackNotDeferredOptions>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RollbackNotDeferredOptions {
    /// Report every begin without a deferred end, not only those with a visible panic
    /// site before their end (also `--tx012-strict`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub strict: Option<bool>,
}

/// A transaction library: which calls begin, commit and roll back. The same keys as a
/// `[[library]]` of the shipped `rules/models/go.toml`, plus `language`.
///
/// This mirrors `txlint_rules::models::Library`, which has no `Serialize` or
/// `JsonSchema`: entries are converted to it (and so validated by it) when the
/// configuration is loaded, and a test keeps the two in step over the shipped models.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LibraryModel {
    /// Display name.
    pub name: String,
    /// The language of the library's code. Default `go`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "LanguageName")]
    pub language: Option<LanguageName>,
    /// Import paths that identify the library (`example.com/db`; a trailing `/*`
    /// matches any path below, a leading `*/` any path ending so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Declared types whose values are transactions (`*db.Tx`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tx_types: Vec<String>,
    /// Go: the types of the rows its queries return (`*db.Rows`): a project interface
    /// that declares the library's commit and rollback and a method returning one of
    /// them is one of its transactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows_types: Vec<String>,
    /// Calls that open a transaction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub begin: Vec<BeginModel>,
    /// Calls whose single result is a transaction-capable session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acquire: Vec<String>,
    /// Methods that commit.
    pub commit: CommitModel,
    /// Methods that roll back.
    pub rollback: MethodsModel,
    /// Methods and functions that run a callback inside a transaction they end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closure: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LanguageName {
    Go,
    Python,
    Rust,
}

impl LanguageName {
    pub fn language(self) -> txlint_ir::Language {
        match self {
            LanguageName::Go => txlint_ir::Language::Go,
            LanguageName::Python => txlint_ir::Language::Python,
            LanguageName::Rust => txlint_ir::Language::Rust,
        }
    }
}

/// Calls that open a transaction.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BeginModel {
    /// Method or function names.
    pub methods: Vec<String>,
    /// Number of arguments, when it tells libraries apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "usize")]
    pub args: Option<usize>,
    /// What the call returns.
    pub results: BeginResultsModel,
}

/// `tx-error`: `(tx, err)`; `tx`: the transaction only (panics on failure); `handle`:
/// one value carrying its error in `.Error` (GORM); `error`: begins on the receiver and
/// returns only an error (xorm sessions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BeginResultsModel {
    TxError,
    Tx,
    Handle,
    Error,
}

/// Methods that commit, and what they return.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitModel {
    pub methods: Vec<String>,
    /// `error`: an error value; `handle`: a handle whose `.Error` holds it (GORM).
    pub returns: CommitReturnsModel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CommitReturnsModel {
    Error,
    Handle,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodsModel {
    pub methods: Vec<String>,
}

impl LibraryModel {
    /// The rules crate's own model of this library. Going through its `Deserialize`
    /// means the rules crate, not this mirror, has the last word on what is valid.
    pub fn to_library(&self) -> Result<txlint_rules::models::Library, String> {
        let value = toml::Value::try_from(self).map_err(|e| e.to_string())?;
        value.try_into().map_err(|e: toml::de::Error| e.to_string())
    }
}

/// `pyproject.toml`: only `[tool.txlint]` is read; everything else belongs to other
/// tools and is not checked.
#[derive(Debug, Deserialize)]
pub struct Pyproject {
    #[serde(default)]
    pub tool: Option<PyprojectTools>,
}

#[derive(Debug, Deserialize)]
pub struct PyprojectTools {
    #[serde(default)]
    pub txlint: Option<ConfigFile>,
}

/// The JSON Schema of [`ConfigFile`], pretty-printed with a final newline: the content
/// of `txlint.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED_GO_MODELS: &str = include_str!("../../../../rules/models/go.toml");

    /// Every library of the shipped models is a valid `[[library]]` entry, and turns
    /// back into the same library: the mirror accepts every key the shipped models use.
    #[test]
    fn shipped_libraries_are_valid_library_entries() {
        let models: toml::Table = toml::from_str(SHIPPED_GO_MODELS).unwrap();
        let libraries = models["library"].as_array().unwrap();
        assert!(libraries.len() > 3);
        for library in libraries {
            let model: LibraryModel = library.clone().try_into().unwrap_or_else(|e| {
                panic!("{library}: {e}");
            });
            let converted = model.to_library().unwrap();
            assert_eq!(converted.name, model.name);
            assert_eq!(converted.commit.methods, model.commit.methods);
            assert_eq!(converted.begin.len(), model.begin.len());
        }
    }

    #[test]
    fn unknown_keys_are_rejected_and_named() {
        let error = toml::from_str::<ConfigFile>("selct = [\"TX001\"]\n").unwrap_err();
        assert!(error.to_string().contains("selct"), "{error}");
        let error =
            toml::from_str::<ConfigFile>("[rules.rollback-not-deferred]\nstrict = 1\nx = 2\n")
                .unwrap_err();
        assert!(error.to_string().contains("invalid type"), "{error}");
    }

    #[test]
    fn a_full_configuration_round_trips() {
        let text = r#"
select = ["TX0"]
ignore = ["TX009"]
fail-on = "warning"
unchecked-files = "warning"
exclude = ["gen"]
extend-exclude = ["*_gen.go"]

[severity]
TX005 = "error"
rollback-not-deferred = "off"

[per-file-ignores]
"tests/**" = ["TX002"]

[rules.rollback-not-deferred]
strict = true

[[library]]
name = "ourdb"
imports = ["example.com/ourdb"]
tx-types = ["*ourdb.Tx"]
begin = [{ methods = ["Start"], results = "tx-error" }]
commit = { methods = ["Finish"], returns = "error" }
rollback = { methods = ["Abort"] }
"#;
        let config: ConfigFile = toml::from_str(text).unwrap();
        let printed = toml::to_string_pretty(&config).unwrap();
        let again: ConfigFile = toml::from_str(&printed).unwrap();
        assert_eq!(config, again);
        assert_eq!(config.fail_on, Some(FailOn::Warning));
        assert_eq!(config.unchecked_files, Some(UncheckedFiles::Warning));
        let library = config.library.unwrap()[0].to_library().unwrap();
        assert_eq!(library.rollback.methods, ["Abort"]);
    }
}
