//! Rule documentation: one markdown file per rule in the repository's `rules/`
//! directory, embedded at build time. Its TOML front matter is the source of the rule's
//! summary; the body is what `txlint explain` prints and SARIF carries as help.

use serde::Deserialize;

/// The front matter of a rule document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub code: String,
    pub name: String,
    pub severity: String,
    pub languages: Vec<String>,
    pub summary: String,
    /// Whether the rule reports in test code by default (the doc's "Test code" section
    /// says why); configuration `report-in-tests` changes it.
    pub test_code: bool,
}

#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub front: FrontMatter,
    /// The markdown after the front matter.
    pub body: String,
}

impl RuleDoc {
    /// Splits `+++\n<toml>\n+++\n<markdown>`.
    pub fn parse(text: &str) -> Result<RuleDoc, String> {
        let rest = text
            .strip_prefix("+++\n")
            .or_else(|| text.strip_prefix("+++\r\n"))
            .ok_or("the document does not start with a `+++` front matter line")?;
        let (front, body) = rest
            .split_once("\n+++\n")
            .or_else(|| rest.split_once("\r\n+++\r\n"))
            .ok_or("the front matter is not closed by a `+++` line")?;
        let front: FrontMatter = toml::from_str(front).map_err(|e| e.to_string())?;
        Ok(RuleDoc {
            front,
            body: body.trim().to_string(),
        })
    }

    /// The text of one `## heading` section, without the heading.
    pub fn section(&self, heading: &str) -> Option<&str> {
        let marker = format!("## {heading}\n");
        let start = self.body.find(&marker)? + marker.len();
        let rest = &self.body[start..];
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        Some(rest[..end].trim())
    }
}
