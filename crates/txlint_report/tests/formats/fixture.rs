//! An in-memory report that exercises every corner the formats must get right:
//! non-ASCII text before a span, a finding with two secondary labels, a multi-line
//! span, errors, a warning and a note, a syntax-error notification with a range and an
//! unreadable file that was skipped.

use txlint_ir::{Diagnostic, FileId, Label, Severity, TextRange};
use txlint_report::{Notification, Report, SourceFile, SuppressedDiagnostic};
use txlint_rules::{RuleMeta, RULES};

pub const TOOL_VERSION: &str = "1.2.3";

pub const USERS_GO: &str = "package db

// renameUser — café ☕
func renameUser(ctx context.Context, db *sql.DB, id int64) error {
\ttx, err := db.BeginTx(ctx, nil)
\tif err != nil {
\t\treturn err
\t}
\tlog.Print(\"é🦀\"); tx.Commit()
\treturn nil
}
";

pub const ORDERS_GO: &str = "package app

func cancelOrder(db *sql.DB, id int64) error {
\ttx, _ := db.Begin()
\tdefer func() {
\t\ttx.Commit()
\t}()
\t_, err := tx.Exec(`UPDATE orders SET status = 'cancelled' WHERE id = $1`, id)
\tif err != nil {
\t\ttx.Rollback()
\t\treturn err
\t}
\treturn nil
}
";

pub const BROKEN_GO: &str = "package main

func main() {
\tx := [
}
";

/// Indexes into `Fixture::files`.
const USERS: u32 = 0;
const ORDERS: u32 = 1;
const BROKEN: usize = 2;

pub struct Fixture {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: Vec<SuppressedDiagnostic>,
    pub notifications: Vec<Notification>,
    pub enabled_rules: Vec<&'static RuleMeta>,
}

impl Fixture {
    /// The standard fixture.
    pub fn new() -> Fixture {
        Fixture::with_prefix("")
    }

    /// The standard fixture with its TX001 finding silenced by a comment with a reason,
    /// and one unused-suppression finding (TX900) added.
    pub fn with_suppression() -> Fixture {
        let mut fixture = Fixture::new();
        let at = fixture
            .diagnostics
            .iter()
            .position(|d| d.code == "TX001")
            .expect("the fixture has a TX001 finding");
        let diagnostic = fixture.diagnostics.remove(at);
        let mut unused = bare_diagnostic(
            diagnostic.file,
            find(&fixture.files[USERS as usize].text, "renameUser — café"),
            Severity::Warning,
            "unused suppression: nothing to silence",
        );
        unused.code = txlint_report::UNUSED_SUPPRESSION.code;
        unused.name = txlint_report::UNUSED_SUPPRESSION.name;
        fixture.diagnostics.push(unused);
        fixture.suppressed.push(SuppressedDiagnostic {
            diagnostic,
            justification: Some("commit error handled by the caller".into()),
        });
        fixture
    }

    /// The same files with `prefix` inserted at the top of each, and every range
    /// shifted accordingly: what a user editing above the findings produces.
    pub fn with_prefix(prefix: &str) -> Fixture {
        let users = format!("{prefix}{USERS_GO}");
        let orders = format!("{prefix}{ORDERS_GO}");
        let broken = format!("{prefix}{BROKEN_GO}");
        let diagnostics = vec![
            unchecked_begin(&orders),
            deferred_commit(&orders),
            rollback_not_deferred(&orders),
            unchecked_commit(&users),
        ];
        let notifications = vec![
            Notification {
                level: Severity::Warning,
                file: Some(BROKEN),
                path: "cmd/broken.go".into(),
                raw_path: None,
                range: Some(find(&broken, "[")),
                message: "syntax error: expected an expression; the rest of the file was checked"
                    .into(),
                skipped: false,
            },
            Notification {
                level: Severity::Error,
                file: None,
                path: "vendor/blob.go".into(),
                raw_path: None,
                range: None,
                message: "could not read the file: permission denied (os error 13)".into(),
                skipped: true,
            },
        ];
        Fixture {
            files: vec![
                SourceFile::new("internal/db/users.go".into(), users),
                SourceFile::new("app/orders.go".into(), orders),
                SourceFile::new("cmd/broken.go".into(), broken),
            ],
            diagnostics,
            suppressed: Vec::new(),
            notifications,
            enabled_rules: RULES.to_vec(),
        }
    }

    pub fn report(&self) -> Report<'_> {
        Report {
            tool_version: TOOL_VERSION,
            files: &self.files,
            diagnostics: &self.diagnostics,
            suppressed: &self.suppressed,
            baselined: 0,
            notifications: &self.notifications,
            enabled_rules: &self.enabled_rules,
            files_checked: 3,
            root_uri: Some("file:///home/dev/shop/".into()),
        }
    }
}

/// The byte range of the only occurrence of `needle` in `text`.
pub fn find(text: &str, needle: &str) -> TextRange {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the fixture"));
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} is ambiguous in the fixture"
    );
    TextRange::from_usize(start..start + needle.len())
}

/// A finding with everything optional left empty.
pub fn bare_diagnostic(
    file: FileId,
    range: TextRange,
    severity: Severity,
    message: &str,
) -> Diagnostic {
    Diagnostic {
        code: "TX001",
        name: "unchecked-commit",
        severity,
        message: message.into(),
        file,
        range,
        primary_label: String::new(),
        labels: vec![],
        help: None,
        note: None,
        function: None,
    }
}

/// Error with two secondary labels, after non-ASCII text on its line.
fn unchecked_commit(users: &str) -> Diagnostic {
    Diagnostic {
        code: "TX001",
        name: "unchecked-commit",
        severity: Severity::Error,
        message: "Result of `tx.Commit()` is discarded, so a failed commit looks like success"
            .into(),
        file: FileId(USERS),
        range: find(users, "tx.Commit()"),
        primary_label: "the commit error is thrown away".into(),
        labels: vec![
            Label {
                range: find(users, "db.BeginTx(ctx, nil)"),
                message: "transaction begun here".into(),
            },
            Label {
                range: find(users, "return nil"),
                message: "returns success even if the commit failed".into(),
            },
        ],
        help: Some("return the commit's error: `return tx.Commit()`".into()),
        note: Some("a failed commit rolls the work back".into()),
        function: Some("renameUser".into()),
    }
}

fn unchecked_begin(orders: &str) -> Diagnostic {
    Diagnostic {
        code: "TX008",
        name: "unchecked-begin",
        severity: Severity::Warning,
        message: "Error of `db.Begin()` is discarded".into(),
        file: FileId(ORDERS),
        range: find(orders, "db.Begin()"),
        primary_label: "the error is assigned to `_`".into(),
        labels: vec![],
        help: Some("check the error before using `tx`".into()),
        note: None,
        function: Some("cancelOrder".into()),
    }
}

/// Error whose primary span covers three lines.
fn deferred_commit(orders: &str) -> Diagnostic {
    Diagnostic {
        code: "TX006",
        name: "deferred-commit",
        severity: Severity::Error,
        message: "Transaction is committed in a deferred function, where its error is lost".into(),
        file: FileId(ORDERS),
        range: find(orders, "func() {\n\t\ttx.Commit()\n\t}()"),
        primary_label: "deferred commit".into(),
        labels: vec![Label {
            range: find(orders, "tx, _ := db.Begin()"),
            message: "transaction begun here".into(),
        }],
        help: None,
        note: Some("the deferred commit also runs after the rollback on the error path".into()),
        function: Some("cancelOrder".into()),
    }
}

fn rollback_not_deferred(orders: &str) -> Diagnostic {
    Diagnostic {
        code: "TX012",
        name: "rollback-not-deferred",
        severity: Severity::Note,
        message: "Rollback is called on one path only".into(),
        file: FileId(ORDERS),
        range: find(orders, "tx.Rollback()"),
        primary_label: "rolled back here only".into(),
        labels: vec![],
        help: Some("`defer tx.Rollback()` right after the begin".into()),
        note: None,
        function: Some("cancelOrder".into()),
    }
}
