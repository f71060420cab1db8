//! Output formats end to end: each format snapshotted on a small tree; SARIF
//! validated against the official SARIF 2.1.0 schema (the copy shipped in the
//! `serde-sarif` crate's sources), byte-identical across runs and thread counts,
//! with fingerprints that survive inserted lines; several `--format`/`--output`.

mod common;

use std::path::PathBuf;

use common::run::{code, json, run_in, shop, stderr, stdout, tree, write, MAIN_RS, ROUTES};
use serde_json::Value;

// A broken Istio object: an error where it matters (a broken file that names no
// platform resilint judges is only counted as skipped).
const BROKEN: &str =
    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nspec: {a: [1, 2}\n";

fn shop_with_broken_file() -> tempfile::TempDir {
    let dir = shop();
    write(dir.path(), "k8s/broken.yaml", BROKEN);
    dir
}

fn sarif(dir: &std::path::Path, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["check", ".", "--format", "sarif"];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    (stdout(&out), json(&out))
}

/// The SARIF 2.1.0 schema as published inside the `serde-sarif` package this build
/// uses (`src/schema.json`, the OASIS schema), found in Cargo's registry sources.
fn official_schema() -> Value {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("serde-sarif in Cargo.lock");
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registries = std::fs::read_dir(home.join("registry/src")).expect("Cargo registry sources");
    let path = registries
        .flatten()
        .map(|r| {
            r.path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
        .expect("serde-sarif's schema.json in the registry sources");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema",
        "{} is not the SARIF 2.1.0 schema",
        path.display()
    );
    schema
}

/// Removes every `"pattern": <bad>` from a schema; returns how many there were.
fn drop_pattern(schema: &mut Value, bad: &str) -> usize {
    match schema {
        Value::Object(map) => {
            let here = usize::from(map.get("pattern").and_then(Value::as_str) == Some(bad));
            if here == 1 {
                map.remove("pattern");
            }
            here + map
                .values_mut()
                .map(|v| drop_pattern(v, bad))
                .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(|v| drop_pattern(v, bad)).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let dir = shop_with_broken_file();
    write(
        dir.path(),
        "k8s/batch.yaml",
        ROUTES
            .replace("orders", "batch")
            .replace("  - name: read", "  # resilint: ignore[istio/route-without-timeout, istio/nope] nightly batch\n  - name: read"),
    );
    write(dir.path(), "k8s/my orders #2.yaml", ROUTES);
    let (_, log) = sarif(dir.path(), &["--show-ignored"]);
    let run = &log["runs"][0];
    assert!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "k8s/my%20orders%20%232.yaml"
        ));
    assert!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["suppressions"][0]["kind"] == "inSource"));
    // Both routes to `orders` lack the DestinationRule's outlier detection: one
    // result, the other route as a related location (validated below too).
    assert!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"].is_u64()));
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let mut schema = official_schema();
    // The published schema's `language` patterns (on `run` and `toolComponent`) have
    // an unbalanced `]` (`...-[a-zA-Z]{2}]?$`), which strict validators refuse to
    // compile. resilint never writes `language`; those patterns, and only they, go.
    let dropped = drop_pattern(&mut schema, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
    assert_eq!(dropped, 2, "the known erratum, twice");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the validator does reject what the schema forbids.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("loud");
    assert!(!validator.is_valid(&bad));
}

#[test]
fn sarif_carries_rules_results_coverage_and_file_errors() {
    let dir = shop_with_broken_file();
    let (_, log) = sarif(dir.path(), &[]);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "resilint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // No invented address: Cargo.toml names no `repository` yet, so the optional
    // `informationUri` is left out (it is the repository's URL once there is one).
    match option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty()) {
        Some(uri) => assert_eq!(driver["informationUri"], uri),
        None => assert!(driver.get("informationUri").is_none(), "{driver}"),
    }
    let rules = driver["rules"].as_array().unwrap();
    let listed = run_in(dir.path(), &["rules"]);
    assert_eq!(
        rules.len(),
        stdout(&listed)
            .lines()
            .filter(|l| l.starts_with("  "))
            .count(),
        "every active rule"
    );
    for rule in rules {
        for field in [
            "/id",
            "/shortDescription/text",
            "/fullDescription/text",
            "/help/text",
            "/help/markdown",
            "/defaultConfiguration/level",
        ] {
            assert!(
                rule.pointer(field)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()),
                "{field} in {rule}"
            );
        }
        assert_eq!(
            rule["properties"]["tags"].as_array().unwrap().len(),
            2,
            "{rule}"
        );
    }
    let results = run["results"].as_array().unwrap();
    // 5 subjects; the two routes to `orders` share one problem (see tests/grouping.rs).
    assert_eq!(results.len(), 4);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert_eq!(
            r["partialFingerprints"]["resilint/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
    assert_eq!(run["properties"]["coverage"]["timeout"]["covered"], 1);
    assert_eq!(run["properties"]["coverage"]["timeout"]["total"], 3);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/broken.yaml"
    );
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root() {
    let dir = shop();
    let out = run_in(
        &dir.path().join("k8s"),
        &["check", ".", "--format", "sarif"],
    );
    let log = json(&out);
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(
        uri, "k8s/orders.yaml",
        "run from k8s/, the URI still starts at the root"
    );
}

#[test]
fn sarif_is_byte_identical_across_runs_and_thread_counts() {
    let dir = shop_with_broken_file();
    let (one, _) = sarif(dir.path(), &["--threads", "1"]);
    let (eight, _) = sarif(dir.path(), &["--threads", "8"]);
    let (again, _) = sarif(dir.path(), &["--threads", "8"]);
    assert_eq!(one, eight);
    assert_eq!(eight, again);
}

fn fingerprints(log: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r["partialFingerprints"]["resilint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let dir = shop();
    let (_, before) = sarif(dir.path(), &[]);
    write(
        dir.path(),
        "k8s/orders.yaml",
        format!("# owned by the shop team\n# see the runbook\n\n{ROUTES}"),
    );
    write(
        dir.path(),
        "billing/src/main.rs",
        format!("//! Billing.\n\nuse std::time::Duration;\n\n{MAIN_RS}"),
    );
    let (_, after) = sarif(dir.path(), &[]);
    let before = fingerprints(&before);
    let after = fingerprints(&after);
    assert_ne!(
        before.iter().map(|f| f.1).collect::<Vec<_>>(),
        after.iter().map(|f| f.1).collect::<Vec<_>>(),
        "the lines did move"
    );
    let prints = |v: &[(String, u64, String)]| {
        let mut p: Vec<(String, String)> = v.iter().map(|f| (f.0.clone(), f.2.clone())).collect();
        p.sort();
        p
    };
    assert_eq!(prints(&before), prints(&after));
    let mut unique: Vec<&String> = after.iter().map(|f| &f.2).collect();
    unique.dedup();
    assert_eq!(unique.len(), after.len(), "fingerprints are unique");
}

/// The output without what changes whenever a rule is added elsewhere: SARIF keeps
/// the descriptors of the rules that reported (their indices are checked in
/// `sarif_carries_rules_results_coverage_and_file_errors`), JUnit keeps the failing
/// test cases and drops the counts of all rules.
fn stable_across_rule_packs(format: &str, text: &str) -> String {
    match format {
        "sarif" => {
            let mut log: Value = serde_json::from_str(text).unwrap();
            let run = &mut log["runs"][0];
            let reported: Vec<Value> = run["results"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .map(|r| {
                    r.as_object_mut().unwrap().remove("ruleIndex");
                    r["ruleId"].clone()
                })
                .collect();
            run["tool"]["driver"]["rules"]
                .as_array_mut()
                .unwrap()
                .retain(|r| reported.contains(&r["id"]));
            serde_json::to_string_pretty(&log).unwrap()
        }
        "junit" => text
            .lines()
            .filter(|l| !(l.trim_start().starts_with("<testcase") && l.ends_with("/>")))
            .map(|l| {
                let mut l = l.to_string();
                for attr in [" tests=\"", " skipped=\"", " errors=\""] {
                    if let Some(at) = l.find(attr) {
                        let end = at + attr.len() + l[at + attr.len()..].find('"').unwrap();
                        l.replace_range(at + attr.len()..end, "N");
                    }
                }
                l + "\n"
            })
            .collect(),
        _ => text.to_string(),
    }
}

#[test]
fn every_format_on_a_small_tree() {
    let dir = shop_with_broken_file();
    for (format, name) in [
        ("sarif", "format_sarif"),
        ("github", "format_github"),
        ("markdown", "format_markdown"),
        ("gitlab", "format_gitlab"),
        ("junit", "format_junit"),
    ] {
        let out = run_in(
            dir.path(),
            &[
                "check",
                ".",
                "--format",
                format,
                "--min-coverage",
                "timeout=50",
            ],
        );
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        insta::assert_snapshot!(name, stable_across_rule_packs(format, &stdout(&out)));
    }
}

#[test]
fn github_annotations_escape_what_the_runner_reads() {
    let dir = shop();
    let out = run_in(dir.path(), &["check", ".", "--format", "github"]);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("route-without-timeout"))
        .expect("an annotation for the route");
    assert_eq!(
        line,
        "::warning file=k8s/orders.yaml,line=14,col=5,endLine=14,endColumn=15,title=istio/route-without-timeout::HTTP route has no `timeout`: Istio disables the request timeout by default, so a slow upstream holds callers indefinitely"
    );
}

#[test]
fn gitlab_code_quality_has_the_fields_gitlab_reads() {
    let dir = shop();
    let issues = json(&run_in(dir.path(), &["check", ".", "--format", "gitlab"]));
    let issues = issues.as_array().unwrap();
    // 5 subjects; the two routes to `orders` share one problem (see tests/grouping.rs).
    assert_eq!(issues.len(), 4);
    for i in issues {
        for field in [
            "/description",
            "/check_name",
            "/fingerprint",
            "/severity",
            "/location/path",
        ] {
            assert!(
                i.pointer(field).and_then(Value::as_str).is_some(),
                "{field} in {i}"
            );
        }
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn one_run_prints_text_and_writes_sarif_and_junit() {
    let dir = shop();
    let out = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--output",
            "out/r.sarif",
            "--format",
            "junit",
            "--output",
            "r.xml",
            "--format",
            "text",
        ],
    );
    // The output directory does not exist: a usage error naming the file.
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("out/r.sarif"), "{}", stderr(&out));

    let out = run_in(
        dir.path(),
        &[
            "check", ".", "--format", "sarif", "--output", "r.sarif", "--format", "junit",
            "--output", "r.xml", "--format", "text",
        ],
    );
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("warning[istio/route-without-timeout]"));
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.sarif")).unwrap()).unwrap();
    // 5 subjects; the two routes to `orders` share one problem (see tests/grouping.rs).
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 4);
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
}

#[test]
fn format_and_output_pairings_that_cannot_work_are_usage_errors() {
    let dir = tree(&[("k8s/orders.yaml", ROUTES)]);
    let out = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--format", "text"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("more than one --format would go to stdout"),
        "{}",
        stderr(&out)
    );
    let out = run_in(
        dir.path(),
        &["check", ".", "--output", "a", "--output", "b"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("give a --format for each"),
        "{}",
        stderr(&out)
    );
    let out = run_in(
        dir.path(),
        &["check", ".", "--format", "json", "--output", "-"],
    );
    assert_eq!(code(&out), 1);
    json(&out);
}
