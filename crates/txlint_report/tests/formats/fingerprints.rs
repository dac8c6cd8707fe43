use std::collections::HashSet;

use txlint_ir::{FileId, Severity, TextRange};
use txlint_report::{fingerprints, Report, SourceFile};

use crate::fixture::{bare_diagnostic, find, Fixture};

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let before = Fixture::new();
    let after =
        Fixture::with_prefix("// Copyright 2026 Shop Inc.\n// SPDX-License-Identifier: MIT\n\n");
    // The ranges really moved, so the test would see a line-based fingerprint.
    assert_ne!(before.diagnostics[0].range, after.diagnostics[0].range);
    assert_eq!(
        fingerprints(&before.report()),
        fingerprints(&after.report())
    );
}

#[test]
fn fingerprints_differ_between_findings() {
    let fixture = Fixture::new();
    let all = fingerprints(&fixture.report());
    assert_eq!(all.len(), fixture.diagnostics.len());
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "{all:?}");
}

#[test]
fn fingerprints_ignore_whitespace_inside_the_span() {
    let compact = "func f() {\n\ttx.Commit()\n}\n";
    let spaced = "func f() {\n\ttx.Commit( )\n}\n";
    let fingerprint = |text: &str, needle: &str| {
        let files = [SourceFile::new("a.go".into(), text.into())];
        let diagnostics = [bare_diagnostic(
            FileId(0),
            find(text, needle),
            Severity::Error,
            "m",
        )];
        fingerprints(&report(&files, &diagnostics)).remove(0)
    };
    assert_eq!(
        fingerprint(compact, "tx.Commit()"),
        fingerprint(spaced, "tx.Commit( )")
    );
}

#[test]
fn identical_findings_are_numbered_in_order() {
    let text = "tx.Commit()\ntx.Commit()\n";
    let files = [SourceFile::new("a.go".into(), text.into())];
    let diagnostics = [
        bare_diagnostic(FileId(0), TextRange::new(0, 11), Severity::Error, "m"),
        bare_diagnostic(FileId(0), TextRange::new(12, 23), Severity::Error, "m"),
    ];
    let all = fingerprints(&report(&files, &diagnostics));
    let (hash, first) = all[0].split_once(':').unwrap();
    assert_eq!(first, "1");
    assert_eq!(all[1], format!("{hash}:2"));
}

#[test]
fn fingerprints_depend_on_the_path() {
    let text = "tx.Commit()\n";
    let fingerprint = |path: &str| {
        let files = [SourceFile::new(path.into(), text.into())];
        let diagnostics = [bare_diagnostic(
            FileId(0),
            TextRange::new(0, 11),
            Severity::Error,
            "m",
        )];
        fingerprints(&report(&files, &diagnostics)).remove(0)
    };
    assert_ne!(fingerprint("a.go"), fingerprint("b.go"));
}

fn report<'a>(files: &'a [SourceFile], diagnostics: &'a [txlint_ir::Diagnostic]) -> Report<'a> {
    Report {
        tool_version: "0.1.0",
        files,
        diagnostics,
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    }
}
