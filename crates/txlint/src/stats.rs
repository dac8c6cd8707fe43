//! `--statistics`: how many findings of each rule and in each language, printed
//! instead of the findings, for audits of whole repositories (like
//! `ruff --statistics`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use txlint_ir::{Diagnostic, Language};

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Statistics {
    pub rules: Vec<RuleCount>,
    pub languages: Vec<LanguageCount>,
    /// Findings silenced in the source, not counted above.
    pub suppressed: usize,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RuleCount {
    pub count: usize,
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LanguageCount {
    pub count: usize,
    pub language: &'static str,
}

impl Statistics {
    /// `language_of(file index)` gives each finding's language.
    pub fn of(
        diagnostics: &[Diagnostic],
        language_of: &dyn Fn(usize) -> Option<Language>,
        suppressed: usize,
    ) -> Statistics {
        let mut rules: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
        let mut languages: BTreeMap<&'static str, usize> = BTreeMap::new();
        for diagnostic in diagnostics {
            *rules.entry((diagnostic.code, diagnostic.name)).or_default() += 1;
            let language = language_of(diagnostic.file.0 as usize).map_or("other", Language::name);
            *languages.entry(language).or_default() += 1;
        }
        // Most frequent first, then by code or name: stable for diffs between audits.
        let mut rules: Vec<RuleCount> = rules
            .into_iter()
            .map(|((code, name), count)| RuleCount { count, code, name })
            .collect();
        rules.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
        let mut languages: Vec<LanguageCount> = languages
            .into_iter()
            .map(|(language, count)| LanguageCount { count, language })
            .collect();
        languages.sort_by(|a, b| b.count.cmp(&a.count).then(a.language.cmp(b.language)));
        Statistics {
            rules,
            languages,
            suppressed,
        }
    }

    /// `COUNT  CODE   NAME` lines, then `COUNT  LANGUAGE` lines.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let width = self
            .rules
            .iter()
            .map(|r| r.count.to_string().len())
            .max()
            .unwrap_or(1)
            .max("COUNT".len());
        writeln!(out, "{:>width$}  {:<6} NAME", "COUNT", "CODE")?;
        for rule in &self.rules {
            writeln!(
                out,
                "{:>width$}  {:<6} {}",
                rule.count, rule.code, rule.name
            )?;
        }
        writeln!(out)?;
        writeln!(out, "{:>width$}  LANGUAGE", "COUNT")?;
        for language in &self.languages {
            writeln!(out, "{:>width$}  {}", language.count, language.language)?;
        }
        let total: usize = self.rules.iter().map(|r| r.count).sum();
        writeln!(out)?;
        match self.suppressed {
            0 => writeln!(out, "{total} findings")?,
            n => writeln!(out, "{total} findings ({n} suppressed, not counted above)")?,
        }
        Ok(())
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use txlint_ir::{FileId, Severity, TextRange};

    use super::*;

    fn finding(code: &'static str, name: &'static str, file: u32) -> Diagnostic {
        Diagnostic {
            code,
            name,
            severity: Severity::Error,
            message: String::new(),
            file: FileId(file),
            range: TextRange::new(0, 0),
            primary_label: String::new(),
            labels: vec![],
            help: None,
            note: None,
            function: None,
        }
    }

    #[test]
    fn counts_by_rule_and_language_most_frequent_first() {
        let findings = [
            finding("TX001", "unchecked-commit", 0),
            finding("TX008", "unchecked-begin", 1),
            finding("TX008", "unchecked-begin", 0),
        ];
        let language = |file: usize| Some([Language::Go, Language::Python][file]);
        let stats = Statistics::of(&findings, &language, 2);
        let mut text = Vec::new();
        stats.write_text(&mut text).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "COUNT  CODE   NAME\n    2  TX008  unchecked-begin\n    1  TX001  unchecked-commit\n\nCOUNT  LANGUAGE\n    2  go\n    1  python\n\n3 findings (2 suppressed, not counted above)\n"
        );
    }
}
