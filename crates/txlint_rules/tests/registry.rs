//! The registry, the rule documents in `rules/` and the library models agree.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use txlint_ir::{Language, Severity};
use txlint_rules::docs::RuleDoc;
use txlint_rules::{rule, RULES};

const REQUIRED_SECTIONS: [&str; 4] = ["What it does", "Why is this bad?", "Example", "Use instead"];

#[test]
fn every_registered_rule_has_a_consistent_document() {
    // Codes are ordered and never reused; one not built yet (TX013) leaves a gap.
    for pair in RULES.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "{} before {}",
            pair[0].code,
            pair[1].code
        );
    }
    for meta in RULES {
        assert!(
            meta.code.len() == 5
                && meta.code.starts_with("TX")
                && meta.code[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            meta.code
        );
        let doc =
            RuleDoc::parse(meta.doc_source()).unwrap_or_else(|e| panic!("{}: {e}", meta.code));
        assert_eq!(doc.front.code, meta.code);
        assert_eq!(doc.front.name, meta.name, "{}", meta.code);
        assert_eq!(
            Severity::from_name(&doc.front.severity),
            Some(meta.default_severity),
            "{}",
            meta.code
        );
        for section in REQUIRED_SECTIONS {
            assert!(
                doc.section(section).is_some_and(|s| !s.is_empty()),
                "{} lacks `## {section}`",
                meta.code
            );
        }
        let summary = &doc.front.summary;
        assert!(
            summary.len() <= 120 && !summary.ends_with('.'),
            "{}: summary style",
            meta.code
        );
        for language in &doc.front.languages {
            assert!(
                Language::from_name(language).is_some(),
                "{}: unknown language {language}",
                meta.code
            );
        }
        for language in meta.implemented {
            assert!(
                doc.front.languages.iter().any(|l| l == language.name()),
                "{} is implemented for {} but its doc does not claim it",
                meta.code,
                language.name()
            );
        }
        assert!(meta
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-'));
    }
}

#[test]
fn every_document_belongs_to_a_registered_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut documented = BTreeSet::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            rule(&stem).is_some(),
            "{} documents no registered rule",
            path.display()
        );
        documented.insert(stem);
    }
    let registered: BTreeSet<String> = RULES.iter().map(|r| r.code.to_string()).collect();
    assert_eq!(documented, registered);
}

#[test]
fn lookup_by_code_or_name() {
    assert_eq!(rule("tx001").map(|r| r.name), Some("unchecked-commit"));
    assert_eq!(rule("deferred-commit").map(|r| r.code), Some("TX006"));
    assert!(rule("TX999").is_none());
}
