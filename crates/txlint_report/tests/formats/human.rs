use txlint_report::{Format, HumanOptions};

use crate::fixture::Fixture;
use crate::rendered;

fn plain() -> HumanOptions {
    HumanOptions {
        color: false,
        show_summary: true,
    }
}

#[test]
fn human_output_snapshot() {
    let fixture = Fixture::new();
    insta::assert_snapshot!(rendered(&fixture.report(), Format::Human, &plain()));
}

#[test]
fn human_columns_count_code_points() {
    // `tx.Commit()` follows `\tlog.Print("é🦀"); `: 18 characters but 23 bytes.
    let fixture = Fixture::new();
    let out = rendered(&fixture.report(), Format::Human, &plain());
    assert!(out.contains("internal/db/users.go:9:19"), "{out}");
}

#[test]
fn human_ends_with_the_summary_line() {
    let fixture = Fixture::new();
    let out = rendered(&fixture.report(), Format::Human, &plain());
    assert!(
        out.ends_with("\n4 findings in 2 files (3 files checked, 1 file skipped)\n"),
        "{out}"
    );
}

#[test]
fn human_summary_can_be_turned_off() {
    let fixture = Fixture::new();
    let options = HumanOptions {
        color: false,
        show_summary: false,
    };
    let out = rendered(&fixture.report(), Format::Human, &options);
    assert!(!out.contains("findings in"), "{out}");
    assert!(out.contains("error[TX001]"), "{out}");
}

#[test]
fn human_prints_no_notifications() {
    // The binary prints them on stderr.
    let fixture = Fixture::new();
    let out = rendered(&fixture.report(), Format::Human, &plain());
    assert!(!out.contains("permission denied"), "{out}");
    assert!(!out.contains("syntax error"), "{out}");
}

#[test]
fn colour_only_when_asked() {
    let fixture = Fixture::new();
    let coloured = HumanOptions {
        color: true,
        show_summary: true,
    };
    let with = rendered(&fixture.report(), Format::Human, &coloured);
    let without = rendered(&fixture.report(), Format::Human, &plain());
    assert!(
        with.contains("\u{1b}["),
        "no ANSI escape in coloured output"
    );
    assert!(!without.contains('\u{1b}'), "ANSI escape in plain output");
}

#[test]
fn human_summary_counts_suppressed_findings() {
    let fixture = Fixture::with_suppression();
    let out = rendered(&fixture.report(), Format::Human, &plain());
    assert!(
        out.ends_with("\n4 findings in 2 files (3 files checked, 1 suppressed, 1 file skipped)\n"),
        "{out}"
    );
    assert!(out.contains("warning[TX900]"), "{out}");
}
