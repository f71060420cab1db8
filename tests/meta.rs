//! Meta-tests: the conventions every built-in rule keeps.
//!
//! - its id is its path: `rules/<id>.toml`, and every rule file on disk is embedded;
//! - its docs (what, why, example, fix) are filled in and its summary is one line;
//! - it has `fixtures/<id>/fail` and `fixtures/<id>/pass`, each with a file, and the
//!   fail fixtures mark at least one expected finding of the rule;
//! - every fixture directory belongs to a rule;
//! - finding messages follow one style (see [`message_style_problem`]).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{collect_markers, fixture_dir, fixture_files, root, run, show};

fn builtin() -> Vec<resilint::rules::Rule> {
    resilint::rules::builtin().expect("built-in rules load")
}

/// Rule files on disk, as ids (`rules/istio/x.toml` → `istio/x`), with the `id` each declares.
fn rule_files_on_disk() -> Vec<(String, Option<String>)> {
    let rules_dir = root().join("rules");
    let mut out = Vec::new();
    for path in fixture_files(&rules_dir) {
        // `rules/apis/` holds API catalogues (data for the extractors), not rules.
        if path.extension().is_none_or(|e| e != "toml") || path.starts_with(rules_dir.join("apis"))
        {
            continue;
        }
        let rel = path
            .strip_prefix(&rules_dir)
            .unwrap()
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        let declared = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("id")?.as_str().map(str::to_string));
        out.push((rel, declared));
    }
    out
}

#[test]
fn rule_ids_equal_their_file_paths() {
    let mut problems = Vec::new();
    let on_disk = rule_files_on_disk();
    for (path_id, declared) in &on_disk {
        if declared.as_deref() != Some(path_id.as_str()) {
            problems.push(format!(
                "rules/{path_id}.toml declares id {declared:?}; it must be \"{path_id}\""
            ));
        }
        if path_id.split('/').count() != 2 {
            problems.push(format!(
                "rules/{path_id}.toml: ids are `<group>/<name>`, one directory deep"
            ));
        }
        let name_ok = path_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '/');
        if !name_ok {
            problems.push(format!(
                "rules/{path_id}.toml: ids are lowercase kebab-case"
            ));
        }
    }
    let embedded: BTreeSet<String> = builtin().into_iter().map(|r| r.id).collect();
    let disk: BTreeSet<String> = on_disk.into_iter().map(|(id, _)| id).collect();
    if embedded != disk {
        problems.push(format!(
            "embedded rules {embedded:?} differ from rule files {disk:?}: rebuild (build.rs watches rules/)"
        ));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn rule_docs_are_complete() {
    let mut problems = Vec::new();
    for rule in builtin() {
        let docs = rule.spec.docs.get_ref();
        for (field, value) in docs.fields() {
            if value.trim().is_empty() {
                problems.push(format!("{}: `docs.{field}` is empty", rule.id));
            }
        }
        let summary = &rule.spec.summary;
        if summary.trim().is_empty() || summary.contains('\n') || summary.trim() != summary {
            problems.push(format!(
                "{}: `summary` must be one line without surrounding spaces: {summary:?}",
                rule.id
            ));
        }
        if summary.ends_with('.') {
            problems.push(format!(
                "{}: `summary` is a title, not a sentence: drop the final period",
                rule.id
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    let mut problems = Vec::new();
    for rule in builtin() {
        for outcome in ["fail", "pass"] {
            let dir = fixture_dir(&rule.id, outcome);
            if fixture_files(&dir).is_empty() {
                problems.push(format!(
                    "{}: no fixture file under {}/",
                    rule.id,
                    show(&dir)
                ));
            }
        }
        let (markers, _) = collect_markers(&fixture_dir(&rule.id, "fail"));
        if !markers.iter().any(|m| m.rule == rule.id) {
            problems.push(format!(
                "{}: the fail fixtures carry no `expect: {}` marker",
                rule.id, rule.id
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_fixture_directory_belongs_to_a_rule() {
    let ids: BTreeSet<String> = builtin().into_iter().map(|r| r.id).collect();
    let fixtures = root().join("fixtures");
    let mut problems = Vec::new();
    for file in fixture_files(&fixtures) {
        let rel = file.strip_prefix(&fixtures).unwrap();
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let ok = parts.len() >= 4
            && matches!(parts[2].as_str(), "fail" | "pass")
            && ids.contains(&format!("{}/{}", parts[0], parts[1]));
        if !ok {
            problems.push(format!(
                "{}: fixtures live in fixtures/<group>/<name>/{{fail,pass}}/ of an existing rule",
                show(&file)
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The message style, clippy's: a message is a phrase, not a sentence.
///
/// - one line, no leading or trailing space, no final period;
/// - it starts with a lowercase letter, a digit, or a backtick (code), or its first
///   word is an acronym (`HTTP`, `POST/PATCH`) or a type name with an inner capital
///   (`DestinationRule`, `VirtualService`) — never a capitalised ordinary word.
fn message_style_problem(message: &str) -> Option<&'static str> {
    if message.is_empty() {
        return Some("is empty");
    }
    if message.contains('\n') {
        return Some("spans several lines");
    }
    if message.trim() != message {
        return Some("has leading or trailing spaces");
    }
    if message.ends_with('.') {
        return Some("ends with a period");
    }
    let first_word: &str = message
        .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .next()
        .unwrap_or("");
    let first = message.chars().next().unwrap_or(' ');
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && first_word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '/');
    let type_name = first.is_ascii_uppercase()
        && first_word.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && first_word.chars().all(|c| c.is_ascii_alphanumeric());
    if first.is_lowercase() || first.is_ascii_digit() || first == '`' || acronym || type_name {
        None
    } else {
        Some("starts with a capitalised word: start lowercase, or with `code`, an ACRONYM or a TypeName")
    }
}

#[test]
fn message_style_checker_accepts_and_rejects() {
    for ok in [
        "no DestinationRule applies to `x`",
        "`timeout: 0s` disables the request timeout",
        "HTTP route has no `timeout`",
        "POST/PATCH route is retried on `5xx`",
        "DestinationRule `r` has no `trafficPolicy.outlierDetection`",
        "3 tries × perTryTimeout 1s = 3s, more than the route timeout of 2s",
    ] {
        assert_eq!(message_style_problem(ok), None, "{ok}");
    }
    for bad in [
        "Route has no timeout",
        "route has no timeout.",
        "A route",
        " route",
        "",
        "two\nlines",
    ] {
        assert!(message_style_problem(bad).is_some(), "{bad:?}");
    }
}

#[test]
fn finding_messages_follow_the_style() {
    let mut problems = Vec::new();
    let mut seen = 0;
    for rule in builtin() {
        let dir = fixture_dir(&rule.id, "fail");
        if !Path::new(&dir).is_dir() {
            continue;
        }
        let outcome = run(&dir);
        for f in outcome.report.findings.iter().filter(|f| f.rule == rule.id) {
            seen += 1;
            if let Some(why) = message_style_problem(&f.message) {
                problems.push(format!(
                    "{}:{} [{}] message {why}: {:?}",
                    f.location.path, f.location.line, f.rule, f.message
                ));
            }
        }
    }
    assert!(
        seen > 0,
        "no findings on the fail fixtures: nothing was checked"
    );
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
