//! `txlint config [PATH]`: the effective configuration of a path, as a TOML document
//! that is itself a valid configuration, preceded by comments saying which files it
//! came from. `txlint config --schema` prints the JSON Schema of the file format.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};
use txlint_rules::RULES;

use super::model::{
    ConfigFile, FailOn, Level, RollbackNotDeferredOptions, RuleOptions, UncheckedFiles,
};
use super::patterns::{slashed, Pattern};
use super::{enabled_codes, Overrides, Profile, Resolver};
use crate::cli::ConfigArgs;

pub fn run(args: &ConfigArgs) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    if args.schema {
        out.write_all(super::model::json_schema().as_bytes())?;
        return Ok(0);
    }
    let cwd = std::env::current_dir()?;
    let overrides = Overrides {
        config: args.config.clone(),
        ..Overrides::default()
    };
    let resolver = Resolver::new(&cwd, overrides).map_err(anyhow::Error::msg)?;
    let path = args.path.as_deref().unwrap_or(Path::new("."));
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    let absolute = resolver.absolute(path);
    let profile = if path.is_dir() {
        resolver.profile_for_directory(&absolute)
    } else {
        resolver.profile_for_file(&absolute)
    }
    .map_err(anyhow::Error::msg)?;

    writeln!(
        out,
        "# Effective txlint configuration for {}",
        path.display()
    )?;
    match profile.config.files.split_first() {
        Some((file, extended)) => {
            writeln!(out, "# from {}", file.display())?;
            for file in extended {
                writeln!(out, "# which extends {}", file.display())?;
            }
        }
        None => writeln!(out, "# no configuration file found: built-in defaults")?,
    }
    if profile.is_excluded(&absolute) {
        writeln!(
            out,
            "# this path is excluded: `txlint check` skips it unless named on the command line"
        )?;
    }
    writeln!(
        out,
        "# Globs are shown absolute. Flags of `txlint check` (--select, --ignore, --fail-on, --unchecked-files, ...) apply on top.\n"
    )?;
    let effective = effective_config(&profile);
    out.write_all(toml::to_string_pretty(&effective)?.as_bytes())?;
    Ok(0)
}

/// The profile written back as a configuration file.
fn effective_config(profile: &Profile) -> ConfigFile {
    let enabled = enabled_codes(&profile.settings);
    let severity = RULES
        .iter()
        .filter(|rule| enabled.contains(&rule.code))
        .map(|rule| {
            let severity = profile
                .settings
                .severity
                .get(rule.code)
                .copied()
                .unwrap_or(rule.default_severity);
            (rule.code.to_string(), Level::of(severity))
        })
        .collect();
    let absolute = |patterns: &[&Pattern]| -> Vec<String> {
        patterns
            .iter()
            .map(|p| slashed(Path::new(&p.absolute())))
            .collect()
    };
    let config = &profile.config;
    let exclude: Vec<&Pattern> = config
        .exclude
        .iter()
        .chain(&config.extend_exclude)
        .collect();
    let per_file_ignores = config
        .per_file_ignores
        .iter()
        .map(|(pattern, codes)| {
            (
                absolute(&[pattern]).remove(0),
                codes.iter().map(|c| c.to_string()).collect(),
            )
        })
        .collect();
    ConfigFile {
        extend: None,
        select: Some(enabled.iter().map(|c| c.to_string()).collect()),
        ignore: None,
        severity: Some(severity),
        exclude: Some(absolute(&exclude)),
        extend_exclude: None,
        per_file_ignores: Some(per_file_ignores),
        report_in_tests: Some(
            RULES
                .iter()
                .filter(|r| profile.reports_in_tests(r.code))
                .map(|r| r.code.to_string())
                .collect(),
        ),
        test_paths: (!config.test_paths.is_empty())
            .then(|| absolute(&config.test_paths.iter().collect::<Vec<_>>())),
        fail_on: Some(FailOn::of(profile.fail_on)),
        unchecked_files: Some(UncheckedFiles::of(profile.unchecked_files)),
        rules: Some(RuleOptions {
            rollback_not_deferred: Some(RollbackNotDeferredOptions {
                strict: Some(profile.settings.strict_rollback),
            }),
        }),
        library: (!config.libraries.is_empty()).then(|| config.libraries.clone()),
    }
}
