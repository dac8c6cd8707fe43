//! `txlint rules` and `txlint explain`.

use std::io::Write;

use anyhow::{bail, Result};
use txlint_rules::{rule, RuleMeta, RULES};

use crate::cli::{ExplainArgs, RulesArgs};

/// "go, rust" for the languages a rule is specified for.
fn specified(meta: &RuleMeta) -> String {
    meta.languages().join(", ")
}

/// What the rule checks today: "go" or "not implemented yet".
fn status(meta: &RuleMeta) -> String {
    if meta.is_implemented() {
        let today: Vec<&str> = meta.implemented.iter().map(|l| l.name()).collect();
        today.join(", ")
    } else {
        "not implemented yet".to_string()
    }
}

pub fn rules(_args: &RulesArgs) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    let name_width = RULES.iter().map(|r| r.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<6} {:<name_width$} {:<8} {:<20} SPECIFIED FOR",
        "CODE", "NAME", "SEVERITY", "CHECKS TODAY"
    )?;
    for meta in RULES {
        writeln!(
            out,
            "{:<6} {:<name_width$} {:<8} {:<20} {}",
            meta.code,
            meta.name,
            meta.default_severity.name(),
            status(meta),
            specified(meta)
        )?;
    }
    Ok(0)
}

pub fn explain(args: &ExplainArgs) -> Result<u8> {
    let Some(meta) = rule(&args.rule) else {
        bail!("unknown rule `{}` (see `txlint rules`)", args.rule);
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} {}", meta.code, meta.name)?;
    writeln!(out)?;
    writeln!(out, "{}", meta.summary())?;
    writeln!(out)?;
    writeln!(
        out,
        "Default severity: {}. Specified for: {}. Checks today: {}.",
        meta.default_severity.name(),
        specified(meta),
        status(meta)
    )?;
    writeln!(out)?;
    writeln!(out, "{}", meta.doc().body)?;
    Ok(0)
}
