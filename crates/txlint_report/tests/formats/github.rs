use txlint_ir::{FileId, Severity, TextRange};
use txlint_report::{Format, HumanOptions, Report, SourceFile};

use crate::fixture::{bare_diagnostic, Fixture};
use crate::rendered;

#[test]
fn github_output_snapshot() {
    let fixture = Fixture::new();
    insta::assert_snapshot!(rendered(
        &fixture.report(),
        Format::Github,
        &HumanOptions::default()
    ));
}

#[test]
fn github_annotation_uses_code_point_columns() {
    let fixture = Fixture::new();
    let out = rendered(&fixture.report(), Format::Github, &HumanOptions::default());
    let commit = out.lines().find(|l| l.contains("TX001")).unwrap();
    assert_eq!(
        commit,
        "::error file=internal/db/users.go,line=9,col=19,endLine=9,endColumn=30,\
         title=TX001 unchecked-commit::Result of `tx.Commit()` is discarded, \
         so a failed commit looks like success"
    );
}

#[test]
fn github_escapes_messages_and_properties() {
    let files = [SourceFile::new(
        "odd,dir/a:b.go".into(),
        "tx.Commit()\n".into(),
    )];
    let diagnostics = [bare_diagnostic(
        FileId(0),
        TextRange::new(0, 11),
        Severity::Warning,
        "100% sure: a, b\nsecond line\r\n",
    )];
    let report = Report {
        tool_version: "0.1.0",
        files: &files,
        diagnostics: &diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    };
    let out = rendered(&report, Format::Github, &HumanOptions::default());
    assert_eq!(
        out,
        "::warning file=odd%2Cdir/a%3Ab.go,line=1,col=1,endLine=1,endColumn=12,\
         title=TX001 unchecked-commit::100%25 sure: a, b%0Asecond line%0D%0A\n"
    );
}

fn warnings(count: usize) -> String {
    let text = "x\n".repeat(count);
    let files = [SourceFile::new("a.go".into(), text)];
    let diagnostics: Vec<_> = (0..count)
        .map(|line| {
            let offset = u32::try_from(line * 2).unwrap();
            bare_diagnostic(
                FileId(0),
                TextRange::new(offset, offset + 1),
                Severity::Warning,
                "w",
            )
        })
        .collect();
    let report = Report {
        tool_version: "0.1.0",
        files: &files,
        diagnostics: &diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    };
    rendered(&report, Format::Github, &HumanOptions::default())
}

#[test]
fn github_prints_every_annotation_and_a_total_past_the_limit() {
    let out = warnings(11);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::warning ")).count(),
        11
    );
    assert_eq!(
        out.lines().last(),
        Some("::notice::11 findings in total; see the SARIF or JSON output for all of them")
    );
}

#[test]
fn github_adds_no_total_within_the_limit() {
    let out = warnings(10);
    assert_eq!(out.lines().count(), 10);
    assert!(!out.contains("::notice::"), "{out}");
}
