//! One data-driven test runs every built-in rule over its fixtures.
//!
//! Layout: `fixtures/<rule-id>/fail/**` and `fixtures/<rule-id>/pass/**`, where the
//! rule id is `<group>/<name>` (e.g. `fixtures/istio/route-without-timeout/fail`).
//! Each directory is linted on its own, as `resilint check <dir>` would (every rule
//! enabled, no config file, one thread), so documents join across the files of one
//! directory and no further.
//!
//! Markers: in a fail fixture, each expected finding is marked on the line where
//! the finding starts (its `line` in the JSON output):
//!
//! - YAML (and any `#`-comment format): `timeout: 0s  # expect: istio/route-without-timeout`
//! - `.properties`: a comment line of its own, `# expect: <rule-id>`, naming the next
//!   line that is neither blank nor a comment (a `#` after a value is part of the value)
//! - Rust (and `//`-comment languages): `Client::new(); // expect: rust/http-client-without-timeout`
//! - JSON: a sidecar `<file>.expect` beside it with one `LINE: rule-id` per line.
//!
//! Several expected findings on one line: comma-separate the ids or repeat the
//! marker; an id named twice expects two findings. See `tests/common/mod.rs`.
//!
//! What is compared, per fixture directory of rule `R`:
//!
//! - the findings of `R` against the markers naming `R`, as (file, line) multisets;
//! - likewise for every other rule that a marker in the directory names (opt-in: a
//!   fixture may pin findings of other rules, and then must pin all of them);
//!   findings of rules no marker names are ignored;
//! - a `pass` directory must yield no finding of `R` and carry no marker naming `R`;
//! - every directory must load without `errors` entries (a fixture that does not
//!   parse proves nothing), and a `pass` directory must hold at least one subject
//!   of `R`'s category, so that it shows the rule staying silent on real input.
//!
//! All problems of all rules are collected and reported together.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{collect_markers, display_to_path, fixture_dir, run, show, Marker};
use resilint::rules::Rule;

/// A finding or marker reduced to what is compared.
type Key = (PathBuf, usize, String);

fn canonical_or_same(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn check_dir(rule: &Rule, known: &[String], outcome_name: &str, problems: &mut Vec<String>) {
    let dir = fixture_dir(&rule.id, outcome_name);
    if !dir.is_dir() {
        problems.push(format!(
            "{}: missing fixture directory `{}`",
            rule.id,
            show(&dir)
        ));
        return;
    }
    // A `resilint.toml` of the fixture's own (a `[services]` table) is part of it.
    let own = |c: &Path| c.parent().map(canonical_or_same) == Some(canonical_or_same(&dir));
    if let Some(config) = resilint::config::find(&dir).filter(|c| !own(c)) {
        problems.push(format!(
            "{}: a `{}` above the fixtures changes what they mean; remove it",
            show(&dir),
            config.display()
        ));
        return;
    }
    let outcome = run(&dir);
    let (markers, marker_errors) = collect_markers(&dir);
    problems.extend(marker_errors);

    for e in &outcome.report.errors {
        problems.push(format!(
            "{}:{}: fixture does not load ({:?}): {}",
            e.path,
            e.line.unwrap_or(0),
            e.kind,
            e.message
        ));
    }
    for m in &markers {
        if !known.contains(&m.rule) {
            problems.push(format!(
                "{}:{}: marker names unknown rule `{}`",
                show(&m.path),
                m.line,
                m.rule
            ));
        }
    }

    let paths = display_to_path(&outcome);
    let mut checked: Vec<&str> = vec![rule.id.as_str()];
    for m in &markers {
        if known.contains(&m.rule) && !checked.contains(&m.rule.as_str()) {
            checked.push(&m.rule);
        }
    }

    if outcome_name == "pass" {
        for m in markers.iter().filter(|m| m.rule == rule.id) {
            problems.push(format!(
                "{}:{}: a pass fixture carries a marker for its own rule `{}`",
                show(&m.path),
                m.line,
                m.rule
            ));
        }
        let total = outcome
            .report
            .coverage
            .get(&rule.category)
            .map_or(0, |c| c.total);
        if total == 0 {
            problems.push(format!(
                "{}: pass fixtures hold no `{}` subject, so they prove nothing",
                show(&dir),
                rule.category.name()
            ));
        }
    }

    // Expected and actual findings, as multisets keyed by (file, line, rule).
    let mut expected: BTreeMap<Key, usize> = BTreeMap::new();
    for Marker {
        path,
        line,
        rule: r,
    } in &markers
    {
        if checked.contains(&r.as_str()) && !(outcome_name == "pass" && *r == rule.id) {
            *expected
                .entry((path.clone(), *line, r.clone()))
                .or_default() += 1;
        }
    }
    let mut actual: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for f in &outcome.report.findings {
        if !checked.contains(&f.rule.as_str()) {
            continue;
        }
        let path = paths
            .get(&f.location.path)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(&f.location.path));
        actual
            .entry((path, f.location.line, f.rule.clone()))
            .or_default()
            .push(format!("{}: {}", f.location.column, f.message));
    }

    let mut keys: Vec<&Key> = expected.keys().chain(actual.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (path, line, r) = key;
        let want = expected.get(key).copied().unwrap_or(0);
        let got = actual.get(key).map_or(&[][..], Vec::as_slice);
        if got.len() > want {
            for message in &got[want..] {
                let (column, message) = message.split_once(": ").unwrap_or(("?", message));
                problems.push(format!(
                    "unexpected  {}:{line}:{column}  [{r}] {message}",
                    show(path)
                ));
            }
        } else if want > got.len() {
            for _ in got.len()..want {
                problems.push(format!(
                    "missing     {}:{line}  [{r}] (marked `expect: {r}`, no such finding)",
                    show(path)
                ));
            }
        }
    }
}

fn check_rule(rule: &Rule, known: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for outcome_name in ["fail", "pass"] {
        check_dir(rule, known, outcome_name, &mut problems);
    }
    problems
}

#[test]
fn every_rule_matches_its_fixtures() {
    let rules = resilint::rules::builtin().expect("built-in rules load");
    assert!(!rules.is_empty(), "no built-in rules found under rules/");
    let known: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let mut report = String::new();
    let mut failing = 0;
    for rule in &rules {
        let problems = check_rule(rule, &known);
        if !problems.is_empty() {
            failing += 1;
            let _ = writeln!(report, "\n{} ({} problems):", rule.id, problems.len());
            for p in problems {
                let _ = writeln!(report, "  {p}");
            }
        }
    }
    assert!(
        failing == 0,
        "{failing} of {} rules disagree with their fixtures:\n{report}",
        rules.len()
    );
}

#[test]
fn markers_are_parsed_from_comments() {
    use common::markers_in_line;
    assert_eq!(
        markers_in_line("  timeout: 0s   # expect: istio/a", "#"),
        ["istio/a"]
    );
    assert_eq!(
        markers_in_line("- x: 1 # expect: istio/a, istio/b", "#"),
        ["istio/a", "istio/b"]
    );
    assert_eq!(
        markers_in_line("- x: 1 # expect: istio/a # expect: istio/a", "#"),
        ["istio/a", "istio/a"]
    );
    assert_eq!(
        markers_in_line("let c = Client::new(); // expect: rust/x", "//"),
        ["rust/x"]
    );
    assert!(markers_in_line("# a comment that says expect: nothing", "#").is_empty());
    assert!(markers_in_line("timeout: 2s", "#").is_empty());
}

#[test]
fn properties_markers_name_the_next_key_line() {
    let text = "# expect: g/x\n\n! expect: g/y, g/x\na=1 # expect: g/z\n# plain comment\nb=2\n";
    assert_eq!(
        common::properties_markers(text),
        [
            (4, "g/x".to_string()),
            (4, "g/y".to_string()),
            (4, "g/x".to_string())
        ],
        "a `#` after a value is part of the value, not a marker"
    );
}

#[test]
fn sidecar_markers_are_read_for_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("a.json");
    std::fs::write(&json, "{\n  \"a\": 1\n}\n").unwrap();
    std::fs::write(
        dir.path().join("a.json.expect"),
        "# line: rule\n2: g/x, g/y\n\n3: g/x\n",
    )
    .unwrap();
    let (markers, errors) = collect_markers(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    let got: Vec<(usize, &str)> = markers.iter().map(|m| (m.line, m.rule.as_str())).collect();
    assert_eq!(got, [(2, "g/x"), (2, "g/y"), (3, "g/x")]);
    assert!(markers
        .iter()
        .all(|m| m.path == common::canonical(Path::new(&json))));

    std::fs::write(dir.path().join("a.json.expect"), "two: g/x\n").unwrap();
    let (_, errors) = collect_markers(dir.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
}
