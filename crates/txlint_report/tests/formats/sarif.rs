use serde_json::{json, Value};
use txlint_ir::Label;
use txlint_report::{fingerprints, Format, HumanOptions, Report, SourceFile};
use txlint_rules::RULES;

use crate::fixture::{find, Fixture};
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
        RULES.len()
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
    assert_eq!(related[0]["id"], 1);
    assert_eq!(related[0]["message"]["text"], "transaction begun here");
    assert_eq!(related[1]["id"], 2);
    assert_eq!(related[1]["physicalLocation"]["region"]["startLine"], 10);
    // GitHub shows related locations only through links in the message.
    assert_eq!(
        commit["message"]["text"],
        "Result of `tx.Commit()` is discarded, so a failed commit looks like success. \
Line 5: [transaction begun here](1). Line 10: [returns success even if the commit failed](2)."
    );
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

/// GitHub reads only `primaryLocationLineHash`; the upload action would compute the same
/// value from the checked-out file (see `line_hash.rs`), the REST endpoint would not.
#[test]
fn sarif_sets_github_s_line_hash() {
    let hashes = |fixture: &Fixture| -> Vec<String> {
        let log = rendered_json(&fixture.report(), Format::Sarif);
        results(&log)
            .iter()
            .map(|r| {
                let hash = r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .expect("primaryLocationLineHash");
                let (value, occurrence) = hash.split_once(':').expect("hash:occurrence");
                assert!(u64::from_str_radix(value, 16).is_ok(), "{hash}");
                assert!(occurrence.parse::<u32>().unwrap() >= 1, "{hash}");
                hash.to_string()
            })
            .collect()
    };
    let before = hashes(&Fixture::new());
    assert_eq!(before.len(), 4);
    // The hash covers the line and what follows it, never what is above: lines added
    // at the top keep every alert.
    assert_eq!(
        hashes(&Fixture::with_prefix("// Code generated above.\n\n")),
        before
    );
    // The three TX006/TX008/TX012 findings of orders.go are on different lines.
    let mut distinct = before.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), before.len());
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

/// The embedded links of a SARIF plain-text message (§3.11.6) as (link text, target), and
/// the text with escapes resolved and links replaced by their text. Panics on a bracket
/// that is neither escaped nor part of a link.
fn parse_message(text: &str) -> (String, Vec<(String, String)>) {
    let mut plain = String::new();
    let mut links = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => plain.push(chars.next().expect("a character after `\\`")),
            '[' => {
                let mut link_text = String::new();
                loop {
                    match chars.next().expect("an unclosed `[` in {text:?}") {
                        '\\' => link_text.push(chars.next().unwrap()),
                        ']' => break,
                        '[' => panic!("an unescaped `[` in link text: {text:?}"),
                        c => link_text.push(c),
                    }
                }
                assert_eq!(
                    chars.next(),
                    Some('('),
                    "a `[…]` that is not a link: {text:?}"
                );
                let target: String = chars.by_ref().take_while(|&c| c != ')').collect();
                plain.push_str(&link_text);
                links.push((link_text, target));
            }
            ']' => panic!("an unescaped `]` in {text:?}"),
            c => plain.push(c),
        }
    }
    (plain, links)
}

/// Every message link targets a related location of its result, and every related
/// location is linked exactly once: GitHub shows a related location only from a link.
fn assert_links_resolve(log: &Value) {
    for result in results(log) {
        let text = result["message"]["text"].as_str().unwrap();
        let (_, links) = parse_message(text);
        let related = result["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut ids: Vec<u64> = related
            .iter()
            .map(|r| r["id"].as_u64().expect("an integer id"))
            .collect();
        let mut targets: Vec<u64> = links
            .iter()
            .map(|(_, target)| target.parse().expect("a location id, not a URI"))
            .collect();
        ids.sort_unstable();
        targets.sort_unstable();
        assert_eq!(targets, ids, "links of {text:?}");
        for (link_text, target) in &links {
            let target: u64 = target.parse().unwrap();
            let location = related.iter().find(|r| r["id"] == target).unwrap();
            let (label, _) = parse_message(location["message"]["text"].as_str().unwrap());
            assert_eq!(link_text, &label, "the link text is the label");
        }
    }
}

#[test]
fn sarif_message_links_resolve_to_related_locations() {
    assert_links_resolve(&rendered_json(&Fixture::new().report(), Format::Sarif));
    assert_links_resolve(&rendered_json(
        &Fixture::with_suppression().report(),
        Format::Sarif,
    ));
}

/// Brackets in a message or label are escaped, so that they are not read as links, and
/// read back as written.
#[test]
fn sarif_messages_escape_brackets() {
    let mut fixture = Fixture::new();
    let commit = fixture
        .diagnostics
        .iter_mut()
        .find(|d| d.code == "TX001")
        .unwrap();
    commit.message = r"`rows[0]` of [x](1) in C:\src".into();
    commit.labels[0].message = "`# txlint: ignore[TX001]` [here]".into();
    let log = rendered_json(&fixture.report(), Format::Sarif);
    assert_valid_sarif(&log);
    assert_links_resolve(&log);
    let result = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX001")
        .unwrap();
    let text = result["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with(r"`rows\[0\]` of \[x\](1) in C:\\src. Line 5: [`# txlint: ignore\[TX001\]` \[here\]](1)."),
        "{text}"
    );
    let (plain, links) = parse_message(text);
    assert!(
        plain.starts_with(r"`rows[0]` of [x](1) in C:\src."),
        "{plain}"
    );
    assert_eq!(links.len(), 2, "the literal `[x](1)` is not a link");
    assert_eq!(
        result["relatedLocations"][0]["message"]["text"],
        r"`# txlint: ignore\[TX001\]` \[here\]"
    );
}

/// A finding without labels keeps its message as it is.
#[test]
fn sarif_message_without_related_locations_is_the_message() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let begin = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX008")
        .unwrap();
    assert_eq!(
        begin["message"]["text"],
        "Error of `db.Begin()` is discarded"
    );
}

/// GitHub's documented limits on rule descriptors (docs.github.com, "SARIF support for
/// code scanning"): `name` ≤ 255 characters, `shortDescription` and `fullDescription`
/// ≤ 1024 (we keep `fullDescription` ≤ 1000), required texts not empty, `help` with
/// both forms, at most 20 tags (10 shown), and a `helpUri` and `informationUri`.
#[test]
fn sarif_rule_descriptors_fit_github_limits() {
    let log = rendered_json(&Fixture::with_suppression().report(), Format::Sarif);
    let driver = &run(&log)["tool"]["driver"];
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() <= 25_000);
    let chars = |value: &Value| value.as_str().expect("a string").chars().count();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(!id.is_empty());
        assert!((1..=255).contains(&chars(&rule["name"])), "{id} name");
        assert!(
            (1..=1024).contains(&chars(&rule["shortDescription"]["text"])),
            "{id}"
        );
        let full = chars(&rule["fullDescription"]["text"]);
        assert!(
            (1..=1000).contains(&full),
            "{id}: fullDescription has {full} characters"
        );
        assert!(chars(&rule["help"]["text"]) > 0, "{id} help.text");
        assert!(chars(&rule["help"]["markdown"]) > 0, "{id} help.markdown");
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(!tags.is_empty() && tags.len() <= 10, "{id} tags");
        // Reliability rules, not security ones: no security-severity.
        assert!(rule["properties"].get("security-severity").is_none());
        assert!(["error", "warning", "recommendation"]
            .contains(&rule["properties"]["problem.severity"].as_str().unwrap()));
        assert!(["note", "warning", "error"]
            .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    for rule in &rules[..RULES.len()] {
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    }
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
}

/// The whole "What it does" section is in `help`; `fullDescription` is its leading
/// paragraphs that fit, or the first paragraph's sentences that fit, never a cut word.
#[test]
fn sarif_full_description_is_whole_sentences_of_the_rule_doc() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    let rules = run(&log)["tool"]["driver"]["rules"].as_array().unwrap();
    for (descriptor, rule) in rules.iter().zip(RULES) {
        let full = descriptor["fullDescription"]["text"].as_str().unwrap();
        let section = rule.doc().section("What it does").unwrap();
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(section).starts_with(&words(full)),
            "{}: not a prefix of the doc",
            rule.code
        );
        assert!(full.ends_with(['.', '!', '?']), "{}: {full:?}", rule.code);
        assert!(!full.contains('…'), "{}", rule.code);
        assert!(!full.replace("\n\n", " ").contains('\n'), "{}", rule.code);
    }
}

/// One location per result (GitHub uses only the first, and accepts at most 10), lines
/// and columns 1-based everywhere, and all four region bounds that GitHub requires.
#[test]
fn sarif_locations_fit_github() {
    let log = rendered_json(&Fixture::new().report(), Format::Sarif);
    assert!(
        run(&log).get("automationDetails").is_none(),
        "left to `category`"
    );
    let mut regions = Vec::new();
    for result in results(&log) {
        assert_eq!(result["locations"].as_array().unwrap().len(), 1);
        regions.push(&result["locations"][0]["physicalLocation"]["region"]);
        for related in result["relatedLocations"].as_array().into_iter().flatten() {
            regions.push(&related["physicalLocation"]["region"]);
        }
    }
    assert_eq!(regions.len(), 7);
    for region in regions {
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().expect(key) >= 1, "{key} in {region}");
        }
        assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
    }
}

/// A finding with more labels than GitHub shows keeps the first
/// [`MAX_RELATED_LOCATIONS`], all linked, and says how many are not listed.
#[test]
fn sarif_caps_related_locations() {
    let mut fixture = Fixture::new();
    let text = fixture.files[0].text.clone();
    let commit = fixture
        .diagnostics
        .iter_mut()
        .find(|d| d.code == "TX001")
        .unwrap();
    commit.labels = (0..150)
        .map(|i| Label {
            range: find(&text, "return nil"),
            message: format!("exit {i}"),
        })
        .collect();
    let log = rendered_json(&fixture.report(), Format::Sarif);
    assert_links_resolve(&log);
    let result = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "TX001")
        .unwrap();
    let related = result["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 100);
    assert_eq!(related[99]["id"], 100);
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .ends_with("Line 10: [exit 99](100). 50 more locations are not listed."));
}

/// `version` and `semanticVersion` are optional for GitHub but must not be empty, and
/// `semanticVersion` must be SemVer 2.0.
#[test]
fn sarif_tool_versions_are_left_out_when_unusable() {
    let files = [SourceFile::new("main.go".into(), String::new())];
    let report = |tool_version| Report {
        tool_version,
        files: &files,
        diagnostics: &[],
        suppressed: &[],
        baselined: 0,
        notifications: &[],
        enabled_rules: &[],
        files_checked: 1,
        root_uri: None,
    };
    let driver = |log: &Value| run(log)["tool"]["driver"].clone();
    let empty = driver(&rendered_json(&report(""), Format::Sarif));
    assert!(empty.get("version").is_none());
    assert!(empty.get("semanticVersion").is_none());
    let custom = driver(&rendered_json(&report("nightly-2026"), Format::Sarif));
    assert_eq!(custom["version"], "nightly-2026");
    assert!(custom.get("semanticVersion").is_none());
    let release = driver(&rendered_json(&report("0.2.0-rc.1"), Format::Sarif));
    assert_eq!(release["semanticVersion"], "0.2.0-rc.1");
}
