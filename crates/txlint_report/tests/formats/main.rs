//! End-to-end tests of every output format, through the public `render` API the
//! binary uses, on the in-memory report of `fixture.rs`.

mod fingerprints;
mod fixture;
mod github;
mod human;
mod json;
mod sarif;

use txlint_report::{render, Format, HumanOptions, Report};

/// Renders `report` as the binary would, into a string.
pub fn rendered(report: &Report, format: Format, human: &HumanOptions) -> String {
    let mut out = Vec::new();
    render(report, format, human, &mut out).expect("rendering to memory cannot fail");
    String::from_utf8(out).expect("every format is UTF-8")
}

/// Renders a machine-readable format and parses it back.
pub fn rendered_json(report: &Report, format: Format) -> serde_json::Value {
    let text = rendered(report, format, &HumanOptions::default());
    assert!(text.ends_with("}\n"), "output must end with a newline");
    serde_json::from_str(&text).expect("the output is JSON")
}
