//! Regression tests for hostile inputs to the loader, positions and text output
//! (issue 11, rows 2, 4-9, 12-15 and 17). Each builds its input here, at a size
//! that shows the behaviour, and asserts on the JSON `errors` and `findings`, exit
//! codes and output size: never on time.

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::tree::tree;

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run resilint")
}

/// `check --format json` over the tree: (exit code, report).
fn check_json(dir: &TempDir) -> (i32, Value) {
    let out = run_in(dir.path(), &["check", ".", "--format", "json"]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), report)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn errors(report: &Value) -> &Vec<Value> {
    report["errors"].as_array().unwrap()
}

const NO_TIMEOUT: &str = "istio/route-without-timeout";

/// A VirtualService named `name` with one route and no timeout.
fn virtual_service(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {name}\nspec:\n  hosts: [{name}]\n  http:\n  - route:\n    - destination: {{host: {name}}}\n"
    )
}

#[test]
fn row2_aliases_of_a_large_anchor_stop_at_the_copy_budget() {
    // A 20,000-item list aliased at each of 250 nested flow mappings: 5 million
    // copied nodes unless the copies are budgeted.
    let items = vec!["x"; 20_000].join(", ");
    let nested = format!("{}1{}", "{a: *big, b: ".repeat(250), "}".repeat(250));
    let bomb = format!(
        "big: &big [{items}]\nbomb: {nested}\n---\n{}",
        virtual_service("after")
    );
    let dir = tree(&[("bomb.yaml", bomb.as_bytes())]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["kind"], "limit");
    assert_eq!(errs[0]["line"], 2, "{errs:?}");
    assert!(errs[0]["message"].as_str().unwrap().contains("MiB"));
    // The document after the bomb is still judged.
    assert_eq!(findings(&report, NO_TIMEOUT).len(), 1);
}

#[test]
fn row4_method_regexes_are_compiled_once_and_bounded() {
    let block = "    - method: {regex: \"P(OST|ATCH)\"}\n";
    // 100,000 character classes in a row: past the compiled-size limit.
    let huge = "    - method: {regex: \"(?:[a-zA-Z]{1000}){100}\"}\n";
    let vs = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: w\nspec:\n  hosts: [w]\n  http:\n  - match:\n{}{huge}    route:\n    - destination: {{host: w}}\n    timeout: 2s\n    retries: {{attempts: 2, retryOn: 5xx}}\n",
        block.repeat(1000)
    );
    let dir = tree(&[("vs.yaml", vs.as_bytes())]);
    let (_, report) = check_json(&dir);
    // The over-size pattern is not silently "matches nothing": it is a limit error
    // at its position (line 9 + 1,000 blocks), and the other blocks are still judged.
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["kind"], "limit");
    assert_eq!(
        (&errs[0]["path"], &errs[0]["line"]),
        (&"vs.yaml".into(), &1009.into())
    );
    assert!(errs[0]["message"]
        .as_str()
        .unwrap()
        .contains("method regex compiles to more than"));
    let found = findings(&report, "istio/non-idempotent-route-retried");
    assert_eq!(found.len(), 1, "{report}");
    assert!(found[0]["message"].as_str().unwrap().contains("POST/PATCH"));
}

#[test]
fn row4_an_invalid_method_regex_is_a_parse_error_once_per_file() {
    let vs = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: w\nspec:\n  hosts: [w]\n  http:\n  - match:\n{}    route:\n    - destination: {{host: w}}\n    timeout: 2s\n    retries: {{attempts: 2, retryOn: 5xx}}\n",
        "    - method: {regex: \"P(OST\"}\n".repeat(3)
    );
    let dir = tree(&[("vs.yaml", vs.as_bytes())]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["kind"], "parse");
    assert_eq!(errs[0]["line"], 9);
    assert!(errs[0]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid regex"));
}

#[test]
fn row5_many_merge_keys_resolve_linearly_and_count_in_the_budget() {
    // 300 anchored maps of 50 distinct keys, all merged into one mapping.
    let mut text = String::from("bases:\n");
    for b in 0..300 {
        let keys: Vec<String> = (0..50).map(|k| format!("k{b}_{k}: {k}")).collect();
        text.push_str(&format!("  b{b}: &b{b} {{{}}}\n", keys.join(", ")));
    }
    let aliases: Vec<String> = (0..300).map(|b| format!("*b{b}")).collect();
    text.push_str(&format!(
        "merged:\n  <<: [{}]\n  k0_0: own\n",
        aliases.join(", ")
    ));
    text.push_str(&format!("---\n{}", virtual_service("ok")));
    // The same merge repeated until the copies pass the budget.
    let mut bomb = String::from("b: &b {");
    bomb.push_str(
        &(0..2000)
            .map(|k| format!("k{k}: {k}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    bomb.push_str("}\n");
    for m in 0..400 {
        bomb.push_str(&format!("m{m}: {{<<: *b}}\n"));
    }
    let dir = tree(&[
        ("merges.yaml", text.as_bytes()),
        ("bomb.yaml", bomb.as_bytes()),
    ]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "bomb.yaml");
    assert_eq!(errs[0]["kind"], "limit");
    assert_eq!(findings(&report, NO_TIMEOUT).len(), 1);
}

/// A VirtualService of `routes` routes without timeouts, minified onto one line,
/// with non-ASCII text before each route so columns differ from byte offsets.
fn minified(routes: usize) -> String {
    let route = r#"{"name":"é✓","route":[{"destination":{"host":"a"}}]}"#;
    let http = vec![route; routes].join(",");
    format!(
        r#"{{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{{"name":"m"}},"spec":{{"hosts":["a"],"http":[{http}]}}}}"#
    )
}

#[test]
fn row6_positions_on_one_long_line_are_exact() {
    let text = minified(1000);
    let dir = tree(&[("min.json", text.as_bytes())]);
    let (_, report) = check_json(&dir);
    let found = findings(&report, NO_TIMEOUT);
    assert_eq!(found.len(), 1000);
    // The n-th route's finding points at its `{`, counted in characters.
    let starts: Vec<usize> = text
        .match_indices(r#"{"name":"é✓""#)
        .map(|(i, _)| text[..i].chars().count() + 1)
        .collect();
    let mut columns: Vec<u64> = found
        .iter()
        .map(|f| f["column"].as_u64().unwrap())
        .collect();
    columns.sort_unstable();
    let expected: Vec<u64> = starts.iter().map(|&c| c as u64).collect();
    assert_eq!(columns, expected);
    assert!(found.iter().all(|f| f["line"] == 1));
}

#[test]
fn row6_a_suppression_on_one_long_line_covers_all_its_findings() {
    // YAML flow style on one line can carry a comment: one lookup per file, not per finding.
    let text = format!(
        "{}  # resilint: ignore[{NO_TIMEOUT}] generated\n",
        minified(1000)
    );
    let dir = tree(&[("min.yaml", text.as_bytes())]);
    let (code, report) = check_json(&dir);
    assert!(errors(&report).is_empty(), "{report}");
    assert!(findings(&report, NO_TIMEOUT).is_empty());
    assert_eq!(report["suppressed"], 1000);
    assert_eq!(report["coverage"]["timeout"]["covered"], 0);
    assert_eq!(code, 1, "the outlier-detection findings remain");
}

#[test]
fn row7_text_snippets_of_a_long_line_are_cut() {
    let text = minified(1000);
    assert!(text.len() > 50_000);
    let dir = tree(&[("min.json", text.as_bytes())]);
    let out = run_in(dir.path(), &["check", ".", "--format", "text"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let shown = stdout.matches("route-without-timeout").count();
    assert!(shown >= 1000, "{shown}");
    // Every finding prints a window of the line (a few lines of at most ~120
    // characters), not the line: output grows with findings, not with the line.
    assert!(stdout.len() < 1000 * 1500, "{} bytes", stdout.len());
    assert!(stdout.lines().all(|l| l.chars().count() < 400));
    assert!(stdout.contains('…'));
}

#[test]
fn row7_no_format_grows_with_the_length_of_a_line() {
    // The same 500 routes on one line, then with 200 KB more on that line (a
    // label before the routes): the output of every format may grow by the wider
    // column numbers, never by the line, so no format prints whole lines.
    let plain = minified(500);
    let pad = format!(r#""labels":{{"pad":"{}"}},"name""#, "x".repeat(200_000));
    let padded = plain.replacen(r#""name""#, &pad, 1);
    assert!(padded.len() > plain.len() + 200_000);
    for format in [
        "text", "concise", "json", "sarif", "github", "markdown", "gitlab", "junit", "html",
    ] {
        let size = |text: &str| {
            let dir = tree(&[("min.json", text.as_bytes())]);
            let out = run_in(dir.path(), &["check", ".", "--format", format]);
            assert_eq!(out.status.code(), Some(1), "{format}");
            out.stdout.len()
        };
        let (short, long) = (size(&plain), size(&padded));
        assert!(short > 500 * 40, "{format}: {short} bytes for 500 findings");
        assert!(
            long < short + short / 10,
            "{format}: {short} bytes, {long} with a longer line"
        );
    }
}

#[test]
fn row8_a_duplicate_key_keeps_the_last_value_and_is_reported() {
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: d\nspec:\n  hosts: [d]\n  http:\n  - route:\n    - destination: {host: d}\n    timeout: 5s\n    timeout: 0s\n";
    let dir = tree(&[("dup.yaml", vs.as_bytes())]);
    let (code, report) = check_json(&dir);
    assert_eq!(code, 1, "the judged value is `0s`: a finding");
    let found = findings(&report, NO_TIMEOUT);
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["line"], 11);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["kind"], "duplicate-key");
    assert_eq!(errs[0]["line"], 10);
    assert!(errs[0]["message"].as_str().unwrap().contains("line 11"));
}

#[test]
fn row9_a_broken_document_drops_only_itself() {
    let text = format!(
        "{}---\n{}  broken: [1, 2\n---\n{}---\nbad: *nowhere\n---\n{}",
        virtual_service("one"),
        virtual_service("two"),
        virtual_service("three"),
        virtual_service("four")
    );
    let dir = tree(&[("multi.yaml", text.as_bytes())]);
    let (_, report) = check_json(&dir);
    let mut hosts: Vec<String> = findings(&report, NO_TIMEOUT)
        .iter()
        .map(|f| f["line"].to_string())
        .collect();
    hosts.sort();
    assert_eq!(hosts.len(), 3, "{report}");
    let errs = errors(&report);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs
        .iter()
        .all(|e| e["kind"] == "parse" && e["line"].is_u64()));
    let broken_line = text.lines().position(|l| l.contains("broken")).unwrap() + 1;
    let alias_line = text.lines().position(|l| l.contains("*nowhere")).unwrap() + 1;
    let lines: Vec<u64> = errs.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert!(lines[0] as usize >= broken_line && (lines[0] as usize) < alias_line - 1);
    assert_eq!(lines[1] as usize, alias_line);
}

#[test]
fn row9_many_broken_documents_are_reported_up_to_a_cap() {
    let text = format!(
        "{}---\n{}",
        "a: [\n---\n".repeat(3000),
        virtual_service("last")
    );
    let dir = tree(&[("many.yaml", text.as_bytes())]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 50);
    let last = errs[49]["message"].as_str().unwrap();
    assert!(last.contains("2950 more broken documents"), "{last}");
    assert_eq!(findings(&report, NO_TIMEOUT).len(), 1);
}

#[test]
fn row9_many_skipped_properties_lines_are_reported_up_to_a_cap() {
    // A fuzz input of this shape (thousands of `\u00` lines) once took the run
    // 19 s under AddressSanitizer: one error, with its snippet, per line.
    let text = format!(
        "resilience4j.retry.instances.pay.max-attempts=3\n{}",
        "  g\r\n\\u00\r\n".repeat(3000)
    );
    let dir = tree(&[("src/main/resources/application.properties", text.as_bytes())]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 50, "{errs:?}");
    assert!(errs.iter().all(|e| e["kind"] == "parse"));
    assert_eq!(errs[0]["line"], 3);
    let last = errs[49]["message"].as_str().unwrap();
    assert!(last.contains("2950 more skipped lines"), "{last}");
    // The good line is still judged.
    assert_eq!(findings(&report, "resilience4j/retry-fixed-wait").len(), 1);
}

#[test]
fn row12_control_characters_never_reach_the_terminal_raw() {
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: c\nspec:\n  hosts: [c]\n  http:\n  - route:   # \u{1b}[2J\u{7}\n    - destination: {host: \"c\\e[2J\\rerror: fake\"}\n";
    let dir = tree(&[
        ("ctl.yaml", vs.as_bytes()),
        // Names a platform resilint judges, so its parse failure is an error.
        (
            "bad\u{1b}[31m.yaml",
            b"apiVersion: networking.istio.io/v1\na: [\n",
        ),
    ]);
    let out = run_in(dir.path(), &["check", ".", "--format", "text"]);
    assert_eq!(out.status.code(), Some(1));
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let raw: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|&b| b < 0x20 && b != b'\n')
            .collect();
        assert!(raw.is_empty(), "{name} has control bytes {raw:?}");
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("\\u{1b}"), "{stdout}");
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("bad\\u{1b}[31m.yaml"));
}

#[test]
fn row13_braces_in_quotes_and_comments_do_not_make_a_template() {
    let rule = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: p  # {{ not a template }}\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      annotations:\n        summary: \"{{ $labels.instance }} is down\"\n        description: '{{ $value }}'\n";
    let text = format!("{rule}---\n{}", virtual_service("v"));
    let helm = format!(
        "{}  labels: {{{{ .Values.labels }}}}\n",
        virtual_service("h")
    );
    let dir = tree(&[
        ("rules.yaml", text.as_bytes()),
        ("helm.yaml", helm.as_bytes()),
    ]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["path"], "helm.yaml");
    assert_eq!(errs[0]["kind"], "template");
    let found = findings(&report, NO_TIMEOUT);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["path"], "rules.yaml");
}

#[test]
fn row14_cr_line_breaks_and_tab_separators() {
    let cr = virtual_service("cr").replace('\n', "\r");
    let tab = virtual_service("tab").replace("name: tab", "name:\ttab") + "    timeout:\t0s\n";
    let dir = tree(&[("cr.yaml", cr.as_bytes()), ("tab.yaml", tab.as_bytes())]);
    let (_, report) = check_json(&dir);
    assert!(errors(&report).is_empty(), "{report}");
    let found = findings(&report, NO_TIMEOUT);
    assert_eq!(found.len(), 2, "{report}");
    let cr = found.iter().find(|f| f["path"] == "cr.yaml").unwrap();
    assert_eq!(
        (cr["line"].as_u64(), cr["column"].as_u64()),
        (Some(8), Some(5))
    );
    let tab = found.iter().find(|f| f["path"] == "tab.yaml").unwrap();
    assert_eq!(tab["line"], 10, "the tab-separated `timeout: 0s` is read");
    assert!(tab["message"].as_str().unwrap().contains("0s"), "{tab}");
}

#[test]
fn row15_huge_attempts_do_not_wrap_into_coverage() {
    let vs = format!(
        "{}    timeout: 10s\n    retries: {{attempts: {}, perTryTimeout: 1s}}\n",
        virtual_service("big"),
        i64::MAX
    );
    let dir = tree(&[("big.yaml", vs.as_bytes())]);
    let (_, report) = check_json(&dir);
    assert!(errors(&report).is_empty(), "{report}");
    assert_eq!(findings(&report, "istio/retries-exceed-timeout").len(), 1);
}

#[test]
fn row17_files_over_max_file_size_are_a_limit_error_naming_the_setting() {
    let big = format!("{}# {}\n", virtual_service("big"), "x".repeat(2000));
    let dir = tree::<&[u8]>(&[
        ("resilint.toml", b"max-file-size = \"1KB\"\n"),
        ("big.yaml", big.as_bytes()),
        ("small.yaml", virtual_service("small").as_bytes()),
    ]);
    let (_, report) = check_json(&dir);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0]["kind"], "limit");
    assert_eq!(errs[0]["path"], "big.yaml");
    assert!(errs[0]["message"]
        .as_str()
        .unwrap()
        .contains("max-file-size"));
    assert_eq!(findings(&report, NO_TIMEOUT).len(), 1);

    std::fs::write(
        dir.path().join("resilint.toml"),
        "max-file-size = \"lots\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2), "a bad size is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("resilint.toml"));
}
