use serde_json::{json, Value};
use txlint_report::{fingerprints, Format, HumanOptions};

use crate::fixture::{Fixture, USERS_GO};
use crate::{rendered, rendered_json};

#[test]
fn json_output_snapshot() {
    let fixture = Fixture::new();
    insta::assert_snapshot!(rendered(
        &fixture.report(),
        Format::Json,
        &HumanOptions::default()
    ));
}

fn finding<'a>(output: &'a Value, code: &str) -> &'a Value {
    output["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding"))
}

#[test]
fn json_header_and_summary() {
    let output = rendered_json(&Fixture::new().report(), Format::Json);
    assert_eq!(output["version"], 1);
    assert_eq!(
        output["tool"],
        json!({"name": "txlint", "version": "1.2.3"})
    );
    assert_eq!(
        output["summary"],
        json!({
            "findings": 4,
            "files_checked": 3,
            "files_skipped": 1,
            "errors": 2,
            "warnings": 1,
            "notes": 1,
            "suppressed": 0,
            "baselined": 0,
        })
    );
}

#[test]
fn json_columns_are_code_points_and_offsets_are_bytes() {
    let output = rendered_json(&Fixture::new().report(), Format::Json);
    let range = &finding(&output, "TX001")["range"];
    let byte_offset = USERS_GO.find("tx.Commit()").unwrap();
    assert_eq!(
        *range,
        json!({
            "start": {"line": 9, "column": 19, "offset": byte_offset},
            "end": {"line": 9, "column": 30, "offset": byte_offset + "tx.Commit()".len()},
        })
    );
}

#[test]
fn json_multi_line_range_ends_on_its_last_line() {
    let output = rendered_json(&Fixture::new().report(), Format::Json);
    let range = &finding(&output, "TX006")["range"];
    assert_eq!(range["start"]["line"], 5);
    assert_eq!(range["start"]["column"], 8);
    assert_eq!(range["end"]["line"], 7);
    assert_eq!(range["end"]["column"], 5);
}

#[test]
fn json_findings_carry_labels_and_fingerprints() {
    let fixture = Fixture::new();
    let output = rendered_json(&fixture.report(), Format::Json);
    let commit = finding(&output, "TX001");
    let labels: Vec<&Value> = commit["labels"].as_array().unwrap().iter().collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0]["message"], "transaction begun here");
    assert_eq!(labels[1]["range"]["start"]["line"], 10);
    assert_eq!(commit["function"], "renameUser");
    assert_eq!(finding(&output, "TX006")["help"], Value::Null);

    let in_output: Vec<&str> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().expect("fingerprint is a string"))
        .collect();
    assert_eq!(in_output, fingerprints(&fixture.report()));
}

#[test]
fn json_notifications() {
    let output = rendered_json(&Fixture::new().report(), Format::Json);
    assert_eq!(
        output["notifications"],
        json!([
            {
                "level": "warning",
                "path": "cmd/broken.go",
                "message": "syntax error: expected an expression; the rest of the file was checked",
                "range": {
                    "start": {"line": 4, "column": 7, "offset": 34},
                    "end": {"line": 4, "column": 8, "offset": 35},
                },
                "skipped": false,
            },
            {
                "level": "error",
                "path": "vendor/blob.go",
                "message": "could not read the file: permission denied (os error 13)",
                "range": null,
                "skipped": true,
            },
        ])
    );
}

/// Every key the format writes is documented, so the schema page cannot fall behind.
#[test]
fn every_json_field_is_documented() {
    let docs = include_str!("../../../../docs/json-format.md");
    let output = rendered_json(&Fixture::new().report(), Format::Json);
    let mut keys = Vec::new();
    collect_keys("", &output, &mut keys);
    let undocumented: Vec<&String> = keys
        .iter()
        .filter(|key| !docs.contains(&format!("`{key}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/json-format.md: {undocumented:?}"
    );
}

/// Keys as the documentation names them: `summary.errors` for nested objects of the
/// document, the bare name inside findings, labels, notifications and positions.
fn collect_keys(prefix: &str, value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let name = format!("{prefix}{key}");
                let nested_prefix = if matches!(key.as_str(), "tool" | "summary") {
                    format!("{name}.")
                } else {
                    String::new()
                };
                keys.push(name);
                collect_keys(&nested_prefix, child, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_keys("", item, keys)),
        _ => {}
    }
}

#[test]
fn json_lists_suppressed_findings_with_their_reason() {
    let fixture = Fixture::with_suppression();
    let output = rendered_json(&fixture.report(), Format::Json);
    assert_eq!(output["summary"]["suppressed"], 1);
    assert_eq!(output["summary"]["findings"], 4);
    let suppressed = output["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["code"], "TX001");
    assert_eq!(
        suppressed[0]["suppression"],
        json!({"kind": "inSource", "justification": "commit error handled by the caller"})
    );
    assert!(suppressed[0]["fingerprint"]
        .as_str()
        .unwrap()
        .ends_with(":1"));
    assert_eq!(finding(&output, "TX900")["name"], "unused-suppression");
}

/// Suppressed findings (and their `suppression` object) are documented too.
#[test]
fn every_json_field_of_suppressed_findings_is_documented() {
    let docs = include_str!("../../../../docs/json-format.md");
    let output = rendered_json(&Fixture::with_suppression().report(), Format::Json);
    let mut keys = Vec::new();
    collect_keys("", &output, &mut keys);
    let undocumented: Vec<&String> = keys
        .iter()
        .filter(|key| !docs.contains(&format!("`{key}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/json-format.md: {undocumented:?}"
    );
}
