use serde_json::{json, Value};
use txlint_report::{fingerprints, Format, HumanOptions, Report, SourceFile};
use txlint_rules::RULES;

use crate::fixture::Fixture;
use crate::{rendered, rendered_json};

const SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");

/// The official schema's pattern for `run.language` has a stray `]`
/// (oasis-tcs/sarif-spec#490), which jsonschema rightly rejects when it checks the
/// schema itself. We never emit `run.language`, so the upstream fix changes nothing
/// for our logs; it only lets the schema compile.
const BROKEN_LANGUAGE_PATTERN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
const FIXED_LANGUAGE_PATTERN: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;

/// The whole log, except the rule documentation texts: those belong to `rules/*.md`
/// and are checked against the docs in `sarif_describes_every_rule`, so that editing a
/// rule's prose does not churn this snapshot.
#[test]
fn sarif_output_snapshot() {
    let fixture = Fixture::new();
    let output = rendered(&fixture.report(), Format::Sarif, &HumanOptions::default());
    let mut log: Value = serde_json::from_str(&output).expect("the output is JSON");
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let code = rule["id"].as_str().unwrap().to_string();
        rule["fullDescription"]["text"] = json!(format!("[rules/{code}.md: What it does]"));
        rule["help"]["text"] = json!(format!("[rules/{code}.md]"));
        rule["help"]["markdown"] = json!(format!("[rules/{code}.md]"));
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
}

fn run(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run per invocation");
    &runs[0]
}

fn results(log: &Value) -> &Vec<Value> {
    run(log)["results"].as_array().expect("results is an array")
}

/// Every error of `log` against the official 2.1.0 schema, formats included.
fn schema_errors(log: &Value) -> Vec<String> {
    let schema = SCHEMA.replace(BROKEN_LANGUAGE_PATTERN, FIXED_LANGUAGE_PATTERN);
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

fn assert_valid_sarif(log: &Value) {
    let errors = schema_errors(log);
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn the_schema_check_rejects_an_invalid_log() {
    let mut log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let result = &mut log["runs"][0]["results"][0];
    result["locations"][0]["physicalLocation"]["region"]["startLine"] = json!(0);
    result["message"] = json!({});
    log["runs"][0]["tool"]["driver"]["informationUri"] = json!("not a uri");
    log["unknownTopLevelField"] = json!(true);
    let errors = schema_errors(&log).join("\n");
    for path in [
        "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
        "/runs/0/results/0/message",
        "/runs/0/tool/driver/informationUri",
        "unknownTopLevelField",
    ] {
        assert!(errors.contains(path), "{path} not reported in:\n{errors}");
    }
}

#[test]
fn sarif_is_valid_against_the_schema() {
    assert_valid_sarif(&rendered_json(&Fixture::new().report(), Format::Sarif));
}

#[test]
fn sarif_without_findings_is_valid_and_still_lists_the_rules() {
    let files = [SourceFile::new("main.go".into(), String::new())];
    let report = Report {
        tool_version: "0.1.0",
        files: &files,
        diagnostics: &[],
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    };
    let log = rendered_json(&report, Format::Sarif);
    assert_valid_sarif(&log);
    assert_eq!(results(&log).len(), 0, "results must be present, and empty");
    assert_eq!(
        run(&log)["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert!(run(&log).get("artifacts").is_none());
    assert!(run(&log).get("originalUriBaseIds").is_none());
}

#[test]
fn sarif_log_header() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = run(&log);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["originalUriBaseIds"],
        json!({"%SRCROOT%": {"uri": "file:///home/dev/shop/"}})
    );
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "txlint");
    assert_eq!(driver["version"], "1.2.3");
    assert_eq!(driver["semanticVersion"], "1.2.3");
    assert_eq!(driver["informationUri"], "https://github.com/txlint/txlint");
}

#[test]
fn sarif_describes_every_rule() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let rules = run(&log)["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 12);
    assert_eq!(rules.len(), RULES.len());
    for (descriptor, rule) in rules.iter().zip(RULES) {
        assert_eq!(descriptor["id"], rule.code);
        assert_eq!(descriptor["name"], rule.name);
        assert_eq!(descriptor["shortDescription"]["text"], rule.summary());
        assert!(!descriptor["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        assert_eq!(descriptor["help"]["markdown"], rule.doc().body.as_str());
        assert_eq!(descriptor["helpUri"], rule.url());
        assert_eq!(
            descriptor["defaultConfiguration"]["level"],
            rule.default_severity.name()
        );
        let properties = &descriptor["properties"];
        assert_eq!(properties["tags"], json!(["reliability", "database"]));
        assert_eq!(properties["precision"], "high");
        assert!(properties.get("security-severity").is_none());
    }
    assert_eq!(rules[0]["properties"]["problem.severity"], "error");
    assert_eq!(rules[4]["properties"]["problem.severity"], "warning");
}

#[test]
fn sarif_rule_index_points_at_the_rule_id() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let rules = run(&log)["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(results(&log).len(), 4);
    for result in results(&log) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn sarif_levels_follow_the_findings() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let levels: Vec<&Value> = results(&log).iter().map(|r| &r["level"]).collect();
    assert_eq!(
        levels,
        [
            &json!("warning"),
            &json!("error"),
            &json!("note"),
            &json!("error")
        ]
    );
}

#[test]
fn sarif_region_uses_code_point_columns() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let commit = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX001")
        .unwrap();
    let location = &commit["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "internal/db/users.go");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let region = &location["region"];
    assert_eq!(region["startLine"], 9);
    assert_eq!(region["startColumn"], 19);
    assert_eq!(region["endLine"], 9);
    assert_eq!(region["endColumn"], 30);
    assert_eq!(region["charLength"], 11);
    // Code points before the span: counted independently of the emitter.
    let text = crate::fixture::USERS_GO;
    let before = &text[..text.find("tx.Commit()").unwrap()];
    assert_eq!(region["charOffset"], before.chars().count());
}

#[test]
fn sarif_artifact_indexes_match_the_uris() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let artifacts = run(&log)["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2, "one artifact per file with findings");
    for result in results(&log) {
        let located = std::iter::once(&result["locations"][0])
            .chain(result["relatedLocations"].as_array().into_iter().flatten());
        for location in located {
            let artifact = &location["physicalLocation"]["artifactLocation"];
            let index = artifact["index"].as_u64().expect("index") as usize;
            assert_eq!(artifacts[index]["location"]["uri"], artifact["uri"]);
        }
    }
}

#[test]
fn sarif_related_locations_come_from_labels() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let commit = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX001")
        .unwrap();
    let related = commit["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 2);
    assert_eq!(related[0]["id"], 0);
    assert_eq!(related[0]["message"]["text"], "transaction begun here");
    assert_eq!(related[1]["id"], 1);
    assert_eq!(related[1]["physicalLocation"]["region"]["startLine"], 10);
    let begin = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX008")
        .unwrap();
    assert!(begin.get("relatedLocations").is_none());
}

#[test]
fn sarif_partial_fingerprints_are_ours() {
    let fixture = Fixture::new();
    let log = rendered_json(&fixture.report(), Format::Sarif);
    let in_log: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["partialFingerprints"]["txlint/v1"].as_str().unwrap())
        .collect();
    assert_eq!(in_log, fingerprints(&fixture.report()));
}

#[test]
fn sarif_tool_notifications() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let invocation = &run(&log)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 2);
    assert_eq!(notifications[0]["level"], "warning");
    let syntax = &notifications[0]["locations"][0]["physicalLocation"];
    assert_eq!(syntax["artifactLocation"]["uri"], "cmd/broken.go");
    assert_eq!(syntax["region"]["startLine"], 4);
    assert_eq!(notifications[1]["level"], "error");
    let unreadable = &notifications[1]["locations"][0]["physicalLocation"];
    assert_eq!(unreadable["artifactLocation"]["uri"], "vendor/blob.go");
    assert!(unreadable.get("region").is_none());
}

#[test]
fn sarif_marks_suppressed_results_as_suppressed_in_source() {
    let fixture = Fixture::with_suppression();
    let log = rendered_json(&fixture.report(), Format::Sarif);
    assert_valid_sarif(&log);
    let suppressed: Vec<&Value> = results(&log)
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "TX001");
    assert_eq!(
        suppressed[0]["suppressions"],
        json!([{"kind": "inSource", "justification": "commit error handled by the caller"}])
    );
    // The same fingerprint as when the finding was reported: the alert is the same one.
    let reported = rendered_json(&Fixture::new().report(), Format::Sarif);
    let before = results(&reported)
        .iter()
        .find(|r| r["ruleId"] == "TX001")
        .unwrap();
    assert_eq!(
        suppressed[0]["partialFingerprints"],
        before["partialFingerprints"]
    );
}

#[test]
fn sarif_describes_tool_rules_only_when_used() {
    let log = rendered_json(&Fixture::with_suppression().report(), Format::Sarif);
    let rules = run(&log)["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len() + 1);
    assert_eq!(rules[RULES.len()]["id"], "TX900");
    assert_eq!(rules[RULES.len()]["name"], "unused-suppression");
    for result in results(&log) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}
