//! End-to-end tests of the built `resilint` binary on small trees written into
//! temporary directories: exit codes and their precedence, the JSON contract,
//! rule-file errors, loader errors, positions, determinism and user rules.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::tree::tree;

// ---------------------------------------------------------------- helpers

/// Writes `files` (relative path, bytes) into a fresh temporary directory.
/// Runs the binary in `cwd` with `args`; `NO_COLOR` and `CLICOLOR_FORCE` are cleared.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run resilint")
}

fn exit(out: &Output) -> i32 {
    out.status.code().expect("exit code, not a signal")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `check . --format json` in `cwd`: exit code and the parsed stdout (which must be JSON only).
fn check_json(cwd: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run_in(cwd, &args);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (exit(&out), value)
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

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// 1-based line and character column of the first occurrence of `needle` in
/// `text` (BOM already stripped), and the column just past it.
fn locate(text: &str, needle: &str) -> (u64, u64, u64) {
    let at = text.find(needle).expect("needle in text");
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let end = column + needle.chars().count();
    (line as u64, column as u64, end as u64)
}

// ---------------------------------------------------------------- inputs

const GOOD: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
    timeout: 2s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 5
      maxEjectionPercent: 50
";

/// One warning: a route without a timeout (the destination is covered).
const NO_TIMEOUT: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
  namespace: shop
spec:
  hosts: [ratings]
  http:
  - route:
    - destination:
        host: reviews.shop.svc.cluster.local
";

const BROKEN: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
spec:
  http: [
    - route
  oops: }
";

/// A tree for the JSON contract: timeout, idempotency and circuit-breaker
/// subjects, covered and not, plus one file that does not parse.
const CONTRACT_ROUTES: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: orders
  namespace: shop
spec:
  hosts: [orders]
  http:
  - name: create
    match:
    - method: {exact: POST}
    route:
    - destination: {host: orders}
    timeout: 3s
    retries: {attempts: 2, perTryTimeout: 1s, retryOn: 5xx}
  - name: read
    route:
    - destination: {host: orders}
";

const CONTRACT_RULES: &str = "\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: orders, namespace: shop}
spec:
  host: orders
";

// ---------------------------------------------------------------- exit codes

#[test]
fn clean_tree_exits_0() {
    let dir = tree(&[("k8s/reviews.yaml", GOOD.as_bytes())]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(report["coverage"]["timeout"]["covered"], 1);
    assert_eq!(report["coverage"]["circuit-breaker"]["percent"], 100.0);
    assert_eq!(report["files_scanned"], 1);
}

#[test]
fn fail_on_decides_exit_1() {
    let dir = tree(&[
        ("k8s/reviews.yaml", GOOD.as_bytes()),
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
    ]);
    let p = dir.path();
    // The default threshold is `warning`.
    assert_eq!(exit(&run_in(p, &["check", "."])), 1);
    assert_eq!(exit(&run_in(p, &["check", ".", "--fail-on", "warning"])), 1);
    assert_eq!(exit(&run_in(p, &["check", ".", "--fail-on", "info"])), 1);
    // Only warnings: `error` and `never` pass.
    assert_eq!(exit(&run_in(p, &["check", ".", "--fail-on", "error"])), 0);
    assert_eq!(exit(&run_in(p, &["check", ".", "--fail-on", "never"])), 0);
}

#[test]
fn severity_override_to_error_trips_fail_on_error() {
    let dir = tree(&[
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
        (
            "resilint.toml",
            b"[rules]\n\"istio/route-without-timeout\" = \"error\"\n",
        ),
    ]);
    let (code, report) = check_json(dir.path(), &["--fail-on", "error"]);
    assert_eq!(code, 1);
    let f = findings(&report, "istio/route-without-timeout");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "error");
}

#[test]
fn usage_errors_exit_2_even_with_findings() {
    let dir = tree(&[("k8s/ratings.yaml", NO_TIMEOUT.as_bytes())]);
    let p = dir.path();
    assert_eq!(
        exit(&run_in(p, &["check", "."])),
        1,
        "the tree has a finding"
    );

    // Bad command-line arguments (clap).
    for args in [
        &["check", ".", "--format", "xml"][..],
        &["check", ".", "--fail-on", "sometimes"],
        &["check", ".", "--threads", "0"],
        &["check", ".", "--no-such-flag"],
        &["lint", "."],
    ] {
        let out = run_in(p, args);
        assert_eq!(exit(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
    // A path that does not exist, a config that does not exist.
    assert_eq!(exit(&run_in(p, &["check", "nowhere"])), 2);
    assert_eq!(
        exit(&run_in(p, &["check", ".", "--config", "missing.toml"])),
        2
    );
    // A config naming an unknown rule; a config with an unknown key.
    std::fs::write(
        p.join("resilint.toml"),
        "[rules]\n\"istio/nope\" = \"off\"\n",
    )
    .unwrap();
    let out = run_in(p, &["check", ".", "--fail-on", "never"]);
    assert_eq!(exit(&out), 2);
    assert!(stderr(&out).contains("istio/nope"), "{}", stderr(&out));
    std::fs::write(p.join("resilint.toml"), "colour = \"red\"\n").unwrap();
    let out = run_in(p, &["check", "."]);
    assert_eq!(exit(&out), 2);
    assert!(stderr(&out).contains("resilint.toml:1"), "{}", stderr(&out));
    // An invalid level.
    std::fs::write(
        p.join("resilint.toml"),
        "[rules]\n\"istio/route-without-timeout\" = \"loud\"\n",
    )
    .unwrap();
    let out = run_in(p, &["check", "."]);
    assert_eq!(exit(&out), 2);
    assert!(stderr(&out).contains("\"off\""), "{}", stderr(&out));
}

#[test]
fn help_and_version_exit_0() {
    let dir = tree::<&[u8]>(&[]);
    assert_eq!(exit(&run_in(dir.path(), &["--help"])), 0);
    assert_eq!(exit(&run_in(dir.path(), &["--version"])), 0);
    assert_eq!(exit(&run_in(dir.path(), &["check", "--help"])), 0);
}

#[test]
fn file_errors_alone_exit_0_unless_strict() {
    let dir = tree(&[
        ("k8s/reviews.yaml", GOOD.as_bytes()),
        ("k8s/broken.yaml", BROKEN.as_bytes()),
    ]);
    let p = dir.path();
    let out = run_in(p, &["check", "."]);
    assert_eq!(exit(&out), 0);
    // Text mode prints the error entries on stderr.
    assert!(
        stderr(&out).contains("error[parse]: ") && stderr(&out).contains("┌─ k8s/broken.yaml:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(exit(&run_in(p, &["check", ".", "--strict"])), 1);
    assert_eq!(
        exit(&run_in(
            p,
            &["check", ".", "--strict", "--fail-on", "never"]
        )),
        1
    );
    let (code, report) = check_json(p, &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(errors(&report).len(), 1);
}

// ---------------------------------------------------------------- JSON contract

#[test]
fn json_follows_the_contract() {
    let dir = tree(&[
        ("k8s/orders.yaml", CONTRACT_ROUTES.as_bytes()),
        ("k8s/orders-dr.yaml", CONTRACT_RULES.as_bytes()),
        ("k8s/broken.yaml", BROKEN.as_bytes()),
        ("README.md", b"not linted\n"),
    ]);
    let out = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(exit(&out), 1);
    let text = stdout(&out);
    let report: Value = serde_json::from_str(&text).expect("stdout is exactly one JSON value");

    let top: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in ["findings", "coverage", "errors", "files_scanned"] {
        assert!(top.contains(&key), "missing top-level `{key}`");
    }
    let required = [
        "rule",
        "category",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
    ];
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let obj = f.as_object().unwrap();
        for key in required {
            assert!(obj.contains_key(key), "finding lacks `{key}`: {f}");
        }
        for key in obj.keys() {
            assert!(
                required.contains(&key.as_str()) || key == "target" || key == "related",
                "unexpected finding field `{key}`"
            );
        }
        // `related`: the other subjects with the same shared problem, as locations.
        for r in f
            .get("related")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for key in ["path", "line", "column", "end_line", "end_column"] {
                assert!(r.get(key).is_some(), "related location lacks `{key}`: {r}");
            }
        }
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(f[key].as_u64().unwrap() >= 1);
        }
        assert!(!f["path"].as_str().unwrap().contains('\\'));
    }
    let mut categories: Vec<&str> = report["coverage"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    categories.sort_unstable();
    assert_eq!(
        categories,
        ["circuit-breaker", "idempotency", "retry-backoff", "timeout"]
    );
    // The contract's order, in the bytes.
    let at = |key: &str| text.find(&format!("\"{key}\": {{")).unwrap();
    assert!(at("timeout") < at("retry-backoff"));
    assert!(at("retry-backoff") < at("idempotency"));
    assert!(at("idempotency") < at("circuit-breaker"));
    assert_eq!(
        report["coverage"]["retry-backoff"],
        serde_json::json!({"covered": 0, "total": 0, "percent": null})
    );
    let errs = errors(&report);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["path"], "k8s/broken.yaml");
    assert_eq!(errs[0]["kind"], "parse");
    assert!(errs[0]["line"].as_u64().is_some());
    // Two YAML files and the broken one; README.md is not a candidate.
    assert_eq!(report["files_scanned"], 3);

    insta::assert_snapshot!("json_contract", text);
}

#[test]
fn text_output_has_rule_snippet_help_and_coverage_without_ansi() {
    let dir = tree(&[
        ("k8s/orders.yaml", CONTRACT_ROUTES.as_bytes()),
        ("k8s/orders-dr.yaml", CONTRACT_RULES.as_bytes()),
    ]);
    let out = run_in(dir.path(), &["check", "."]);
    let text = stdout(&out);
    for needle in [
        "warning[istio/route-without-timeout]",
        "warning[istio/non-idempotent-route-retried]",
        "k8s/orders.yaml:16:5",
        "  - name: read",
        "retryOn: 5xx",
        "^^^^",
        "= help: Set `timeout`",
        "coverage         covered  total  percent\ntimeout                1      2    50.0%\nretry-backoff          0      0        -\nidempotency            0      1     0.0%\ncircuit-breaker        0      2     0.0%\n",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "ANSI codes when not a terminal");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let no_color = std::process::Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", "."])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&no_color),
        text,
        "NO_COLOR changes nothing off a terminal"
    );
}

#[test]
fn same_bytes_for_any_thread_count() {
    let root = crate_root();
    for format in ["json", "text"] {
        let one = run_in(
            &root,
            &["check", "demo", "--format", format, "--threads", "1"],
        );
        let eight = run_in(
            &root,
            &["check", "demo", "--format", format, "--threads", "8"],
        );
        assert_eq!(exit(&one), 1);
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, eight.stdout, "--format {format}");
        assert_eq!(one.stderr, eight.stderr, "--format {format}");
    }
}

#[test]
fn demo_shows_every_rule_and_meaningful_coverage() {
    let root = crate_root();
    let out = run_in(&root, &["check", "demo", "--format", "json"]);
    assert_eq!(exit(&out), 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(errors(&report).len(), 0, "{report:#}");
    let rules = run_in(&root, &["rules"]);
    // Rules are listed under a heading per group, indented.
    for line in stdout(&rules).lines().filter(|l| l.starts_with("  ")) {
        let rule = line.split_whitespace().next().unwrap();
        assert!(!findings(&report, rule).is_empty(), "demo has no {rule}");
    }
    for category in ["timeout", "retry-backoff", "idempotency", "circuit-breaker"] {
        let line = &report["coverage"][category];
        let covered = line["covered"].as_u64().unwrap();
        let total = line["total"].as_u64().unwrap();
        assert!(0 < covered && covered < total, "{category}: {line}");
    }
    // The `timeout: 0s` finding, on the key itself.
    let zero: Vec<_> = findings(&report, "istio/route-without-timeout")
        .into_iter()
        .filter(|f| f["path"] == "demo/k8s/shop/cart.yaml")
        .collect();
    assert_eq!(zero.len(), 1);
    assert!(zero[0]["message"].as_str().unwrap().contains("0s"));
}

// ---------------------------------------------------------------- rule-file errors

const PIPE_RULE_HEAD: &str = r#"id = "acme/pipe-hop-without-deadline"
category = "timeout"
severity = "warning"
summary = "Pipe hop has no deadline"

[select]
api-version = "acme.io/*"
kind = "Pipe"
each = "spec.hops[*]"

[check]
kind = "require"

[[check.require]]
path = "deadline"
present = true
message = "hop has no `deadline`: a stuck consumer blocks the whole pipe"
"#;

const PIPE_RULE_DOCS: &str = r#"
[docs]
what = "Flags Pipe hops without a `deadline`."
why = "A hop without a deadline waits forever on a stuck downstream, and the whole pipe stalls behind it."
example = """
spec:
  hops:
  - name: enrich
    target: http://enricher
    deadline: 2s
"""
fix = "Set `deadline` on every hop to the downstream's p99 latency plus a margin."
"#;

const PIPE: &str = "\
apiVersion: acme.io/v1
kind: Pipe
metadata:
  name: orders
spec:
  hops:
  - name: ingest
    target: kafka://orders
    deadline: 2s
  - name: enrich
    target: http://enricher
";

fn pipe_rule() -> String {
    format!("{PIPE_RULE_HEAD}{PIPE_RULE_DOCS}")
}

/// A tree with a finding, a `resilint.toml` naming `my-rules`, and `rule` as the
/// Pipe rule file.
fn tree_with_rule(rule: &str) -> TempDir {
    tree(&[
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
        ("k8s/pipe.yaml", PIPE.as_bytes()),
        ("resilint.toml", b"rule-dirs = [\"my-rules\"]\n"),
        (
            "my-rules/acme/pipe-hop-without-deadline.toml",
            rule.as_bytes(),
        ),
    ])
}

#[test]
fn bad_rule_files_exit_2_naming_file_line_and_fix() {
    let cases: Vec<(&str, String, u64, &[&str])> = vec![
        (
            "unknown key",
            pipe_rule().replace("summary =", "colour = \"red\"\nsummary ="),
            4,
            &["unknown field `colour`", "expected one of", "`summary`"],
        ),
        (
            "unknown check kind",
            pipe_rule().replace("kind = \"require\"", "kind = \"nope\""),
            12,
            &["unknown variant `nope`", "`require`", "`retry-budget`"],
        ),
        (
            "bad path expression",
            pipe_rule().replace("spec.hops[*]", "spec.http[x]"),
            9,
            &["bad path `spec.http[x]`", "`[*]`", "`[0]`"],
        ),
        (
            "missing docs",
            PIPE_RULE_HEAD.to_string(),
            1,
            &["`docs`", "[docs]", "what", "why", "example", "fix"],
        ),
        (
            "empty docs field",
            pipe_rule().replace(
                "fix = \"Set `deadline` on every hop to the downstream's p99 latency plus a margin.\"",
                "fix = \"\"",
            ),
            19,
            &["`docs.fix` is empty"],
        ),
        (
            "id not matching the path",
            pipe_rule().replace(
                "id = \"acme/pipe-hop-without-deadline\"",
                "id = \"acme/pipe\"",
            ),
            1,
            &["id = \\\"acme/pipe-hop-without-deadline\\\"", "acme/pipe.toml"],
        ),
    ];
    for (what, rule, line, hints) in cases {
        let dir = tree_with_rule(&rule);
        for args in [
            &["check", "."][..],
            &["check", ".", "--format", "json"],
            &["rules"],
        ] {
            let out = run_in(dir.path(), args);
            let err = stderr(&out);
            assert_eq!(exit(&out), 2, "{what}, {args:?}: {err}");
            assert!(out.stdout.is_empty(), "{what}: stdout {}", stdout(&out));
            let at = format!("my-rules/acme/pipe-hop-without-deadline.toml:{line}:");
            assert!(err.contains(&at), "{what}: expected `{at}` in: {err}");
            for hint in hints {
                let hint = hint.replace("\\\"", "\"");
                assert!(err.contains(&hint), "{what}: expected {hint:?} in: {err}");
            }
        }
    }
}

#[test]
fn missing_rule_dir_exits_2() {
    let dir = tree(&[
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
        ("resilint.toml", b"rule-dirs = [\"nowhere\"]\n"),
    ]);
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(exit(&out), 2);
    assert!(stderr(&out).contains("rule-dirs"), "{}", stderr(&out));
}

// ---------------------------------------------------------------- declarative for real

#[test]
fn user_rule_for_an_invented_crd_fires_and_counts() {
    let dir = tree(&[
        ("k8s/pipe.yaml", PIPE.as_bytes()),
        ("resilint.toml", b"rule-dirs = [\"my-rules\"]\n"),
        (
            "my-rules/acme/pipe-hop-without-deadline.toml",
            pipe_rule().as_bytes(),
        ),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let all = report["findings"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{report:#}");
    let f = &all[0];
    assert_eq!(f["rule"], "acme/pipe-hop-without-deadline");
    assert_eq!(f["category"], "timeout");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["path"], "k8s/pipe.yaml");
    let (line, column, _) = locate(PIPE, "name: enrich");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(
        f["message"],
        "hop has no `deadline`: a stuck consumer blocks the whole pipe"
    );
    assert_eq!(
        report["coverage"]["timeout"],
        serde_json::json!({"covered": 1, "total": 2, "percent": 50.0})
    );

    // `rules` lists it, `explain` shows its docs.
    let out = run_in(dir.path(), &["rules"]);
    assert_eq!(exit(&out), 0);
    let line = stdout(&out)
        .lines()
        .find(|l| l.starts_with("  acme/pipe-hop-without-deadline "))
        .map(str::to_string)
        .expect("user rule listed");
    assert!(line.contains("timeout") && line.contains("Pipe hop has no deadline"));
    assert!(stdout(&out).contains("istio/route-without-timeout"));
    let out = run_in(dir.path(), &["explain", "acme/pipe-hop-without-deadline"]);
    assert_eq!(exit(&out), 0);
    let text = stdout(&out);
    for needle in [
        "Flags Pipe hops without a `deadline`.",
        "whole pipe stalls",
        "deadline: 2s",
        "Set `deadline` on every hop",
    ] {
        assert!(text.contains(needle), "explain lacks {needle:?}:\n{text}");
    }
    let out = run_in(dir.path(), &["explain", "acme/no-such-rule"]);
    assert_eq!(exit(&out), 2);
}

#[test]
fn level_off_silences_a_rule_and_drops_it_from_coverage() {
    let config =
        "rule-dirs = [\"my-rules\"]\n\n[rules]\n\"acme/pipe-hop-without-deadline\" = \"off\"\n";
    let dir = tree(&[
        ("k8s/pipe.yaml", PIPE.as_bytes()),
        ("resilint.toml", config.as_bytes()),
        (
            "my-rules/acme/pipe-hop-without-deadline.toml",
            pipe_rule().as_bytes(),
        ),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(
        report["coverage"]["timeout"],
        serde_json::json!({"covered": 0, "total": 0, "percent": null})
    );
    let out = run_in(dir.path(), &["rules"]);
    assert!(!stdout(&out).contains("acme/pipe-hop-without-deadline"));
}

#[test]
fn severity_override_changes_the_severity() {
    let config =
        "rule-dirs = [\"my-rules\"]\n\n[rules]\n\"acme/pipe-hop-without-deadline\" = \"info\"\n";
    let dir = tree(&[
        ("k8s/pipe.yaml", PIPE.as_bytes()),
        ("resilint.toml", config.as_bytes()),
        (
            "my-rules/acme/pipe-hop-without-deadline.toml",
            pipe_rule().as_bytes(),
        ),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "info is below the default --fail-on warning");
    assert_eq!(report["findings"][0]["severity"], "info");
    let (code, _) = check_json(dir.path(), &["--fail-on", "info"]);
    assert_eq!(code, 1);
    let out = run_in(dir.path(), &["check", "."]);
    assert!(
        stdout(&out).contains("info[acme/pipe-hop-without-deadline]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn include_and_exclude_globs_pick_files() {
    let dir = tree(&[
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
        ("legacy/ratings.yaml", NO_TIMEOUT.as_bytes()),
        ("resilint.toml", b"exclude = [\"legacy/**\"]\n"),
    ]);
    let (_, report) = check_json(dir.path(), &[]);
    assert_eq!(report["files_scanned"], 1);
    assert_eq!(report["findings"][0]["path"], "k8s/ratings.yaml");
}

// ---------------------------------------------------------------- loader errors

#[test]
fn broken_yaml_among_good_files_is_an_error_entry_and_others_are_linted() {
    let dir = tree(&[
        ("a/reviews.yaml", GOOD.as_bytes()),
        ("b/broken.yaml", BROKEN.as_bytes()),
        ("c/ratings.yaml", NO_TIMEOUT.as_bytes()),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["files_scanned"], 3);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(errs[0]["path"], "b/broken.yaml");
    assert_eq!(errs[0]["kind"], "parse");
    let line = errs[0]["line"].as_u64().expect("a parse error has a line");
    assert!((4..=6).contains(&line), "line {line}");
    assert_eq!(findings(&report, "istio/route-without-timeout").len(), 1);
    assert_eq!(report["coverage"]["timeout"]["total"], 2);
}

#[test]
fn helm_templates_are_reported_and_skipped() {
    // Does not parse as YAML.
    let control = "{{- if .Values.enabled }}\napiVersion: networking.istio.io/v1\nkind: VirtualService\n{{- end }}\n";
    // Parses as YAML (`{{ .Values.x }}` is a flow mapping) but is still a template.
    let parses = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: x\nspec:\n  hosts: [x]\n  http:\n  - route:\n    - destination:\n        host: {{ .Values.host }}\n";
    let dir = tree(&[
        ("chart/templates/control.yaml", control.as_bytes()),
        ("chart/templates/vs.yaml", parses.as_bytes()),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(report["coverage"]["timeout"]["total"], 0, "skipped files");
    let errs = errors(&report);
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0]["path"], "chart/templates/control.yaml");
    assert_eq!(errs[0]["kind"], "template");
    assert_eq!(errs[0]["line"], 1);
    assert_eq!(errs[1]["path"], "chart/templates/vs.yaml");
    assert_eq!(errs[1]["kind"], "template");
    assert_eq!(errs[1]["line"], 10);
}

#[test]
fn a_project_templates_rust_files_are_skipped_not_parse_errors() {
    let templated = "mod {{crate_name}};\nfn main() { {{crate_name}}::run(); }\n";
    let client = "pub async fn f() { reqwest::get(\"http://a.example.com\").await.ok(); }\n";
    let dir = tree(&[
        (
            "service-template/{{project-name}}-server/src/main.rs",
            templated.as_bytes(),
        ),
        (
            "service-template/{{project-name}}-server/Cargo.toml",
            b"[package]\nname = \"{{project-name}}-server\"\n",
        ),
        (
            "svc/Cargo.toml",
            b"[package]\nname = \"svc\"\n[dependencies]\nreqwest = \"0.12\"\n",
        ),
        ("svc/src/lib.rs", client.as_bytes()),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(errors(&report).len(), 0, "{report:#}");
    assert_eq!(
        findings(&report, "rust/http-client-without-timeout").len(),
        1
    );
    assert_eq!(report["skipped"], 1, "{report:#}");
    let out = run_in(dir.path(), &["check", ".", "--show-skipped"]);
    assert!(
        stderr(&out).contains("{{project-name}}-server/src/main.rs: a project template's file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deck_env_substitution_is_not_a_template() {
    let kong = "_format_version: \"3.0\"\nservices:\n- name: orders\n  url: http://orders:8080\n  connect_timeout: 1000\n  read_timeout: ${{ env \"DECK_ORDERS_TIMEOUT\" }}\n  write_timeout: 1000\nupstreams:\n- name: orders\n  healthchecks: {passive: {unhealthy: {http_failures: 3}}}\n";
    let dir = tree(&[("kong/kong.yaml", kong.as_bytes())]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(errors(&report).len(), 0, "{report:#}");
    assert_eq!(report["files_scanned"], 1);
    // Unresolved: neither covered nor a finding, and listed with where and why.
    assert_eq!(report["coverage"]["timeout"]["total"], 0, "{report:#}");
    assert_eq!(report["coverage"]["circuit-breaker"]["covered"], 1);
    let unresolved = report["unresolved"].as_array().expect("unresolved listed");
    assert_eq!(unresolved.len(), 1, "{report:#}");
    assert_eq!(unresolved[0]["rule"], "kong/service-default-timeouts");
    assert_eq!(unresolved[0]["path"], "kong/kong.yaml");
    assert_eq!(unresolved[0]["line"], 6);
    assert_eq!(unresolved[0]["value"], "${{ env \"DECK_ORDERS_TIMEOUT\" }}");
    let text = run_in(dir.path(), &["check", ".", "--color", "never"]);
    assert!(
        stdout(&text).contains("info[unresolved]: kong/kong.yaml:6:3: [kong/service-default-timeouts] `read_timeout` is"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn alias_bomb_is_a_limit_error() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let dir = tree(&[
        ("bomb.yaml", bomb.as_bytes()),
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1, "the good file is still linted");
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(errs[0]["path"], "bomb.yaml");
    assert_eq!(errs[0]["kind"], "limit");
    assert!(errs[0]["line"].as_u64().is_some());
}

#[test]
fn merge_key_bomb_is_a_limit_error() {
    let mut bomb = String::from(
        "a0: &a0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}\n",
    );
    for level in 1..=7 {
        let prev = level - 1;
        let items: Vec<String> = (0..10).map(|i| format!("m{i}: {{<<: *a{prev}}}")).collect();
        bomb.push_str(&format!("a{level}: &a{level} {{{}}}\n", items.join(", ")));
    }
    let dir = tree(&[("bomb.yaml", bomb.as_bytes())]);
    let (_, report) = check_json(dir.path(), &[]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(errs[0]["kind"], "limit");
}

#[test]
fn binary_and_invalid_utf8_files_are_clear_errors() {
    let binary: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
    // An Istio object, so its failure is an error (a file naming no platform
    // resilint judges, like the PNG, is counted as skipped with the reason).
    let latin1: &[u8] =
        b"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  city: M\xfcnchen\n";
    let dir = tree(&[
        ("img.yaml", binary),
        ("latin1.yaml", latin1),
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
    ]);
    let (code, report) = check_json(dir.path(), &[]);
    assert_eq!(code, 1, "the good file is still linted");
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(errs[0]["path"], "latin1.yaml");
    assert_eq!(errs[0]["kind"], "parse");
    assert!(errs[0]["message"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(errs[0]["line"], 4);
    assert_eq!(report["skipped"], 1);
    // Text mode: on stderr, no panic.
    let out = run_in(dir.path(), &["check", ".", "--show-skipped"]);
    assert_eq!(exit(&out), 1);
    assert!(!stderr(&out).contains("panicked"));
    assert!(stderr(&out).contains("latin1.yaml:4"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped: img.yaml: does not parse"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------- positions

/// Terminal columns of a character, as codespan-reporting lays out carets
/// (wide East Asian characters and emoji take two), for the characters used here.
fn display_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F680..=0x1F6FF
        | 0x1F900..=0x1F9FF => 2,
        _ => 1,
    }
}

/// A route with `timeout: 0s` in flow style after non-ASCII text on the same
/// line, and a route without timeout after non-ASCII lines.
const UNICODE_VS: &str = "# Café ☕ — 日本語のコメント
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: café, namespace: shop}
spec:
  hosts: [café]
  http:
  - {name: \"日本語ルート\", route: [{destination: {host: reviews.shop.svc.cluster.local}}], timeout: 0s}
  # ünïcödé 🚀
  - name: \"straße\"
    route:
    - destination: {host: reviews.shop.svc.cluster.local}
";

fn check_positions(report: &Value, text: &str) {
    let f = findings(report, "istio/route-without-timeout");
    assert_eq!(f.len(), 2, "{report:#}");
    let (line, column, end) = locate(text, "timeout: 0s");
    assert_eq!(f[0]["line"].as_u64(), Some(line));
    assert_eq!(f[0]["column"].as_u64(), Some(column));
    assert_eq!(f[0]["end_line"].as_u64(), Some(line));
    assert_eq!(f[0]["end_column"].as_u64(), Some(end));
    let (line, column, end) = locate(text, "name: \"straße\"");
    assert_eq!(f[1]["line"].as_u64(), Some(line));
    assert_eq!(f[1]["column"].as_u64(), Some(column));
    assert_eq!(f[1]["end_line"].as_u64(), Some(line));
    assert_eq!(
        f[1]["end_column"].as_u64(),
        Some(end),
        "no `\\r` in the span"
    );
}

#[test]
fn bom_crlf_and_non_ascii_keep_positions_right() {
    let lf = UNICODE_VS.to_string();
    let crlf = lf.replace('\n', "\r\n");
    let bom_crlf = format!("\u{feff}{crlf}");
    let bom_lf = format!("\u{feff}{lf}");
    for (name, content) in [
        ("lf", &lf),
        ("crlf", &crlf),
        ("bom-crlf", &bom_crlf),
        ("bom-lf", &bom_lf),
    ] {
        let dir = tree(&[("vs.yaml", content.as_bytes())]);
        let (_, report) = check_json(dir.path(), &[]);
        assert_eq!(errors(&report).len(), 0, "{name}: {report:#}");
        check_positions(&report, &lf);

        // The text snippet underlines exactly the key and value.
        let out = run_in(dir.path(), &["check", "."]);
        let text = stdout(&out);
        assert!(!stderr(&out).contains("panicked"), "{name}");
        let header = text
            .lines()
            .position(|l| l.contains("]: `timeout: 0s` disables"))
            .unwrap_or_else(|| panic!("{name}: no diagnostic in\n{text}"));
        let snippet_line = text
            .lines()
            .skip(header)
            .position(|l| l.contains("timeout: 0s}"))
            .map(|i| i + header)
            .unwrap_or_else(|| panic!("{name}: no snippet in\n{text}"));
        let source_line = text.lines().nth(snippet_line).unwrap();
        let marks = text.lines().nth(snippet_line + 1).unwrap();
        let start = source_line.find("timeout: 0s").unwrap();
        let col_of = |s: &str, byte: usize| s[..byte].chars().map(display_width).sum::<usize>();
        let caret = marks.find('^').expect("carets");
        assert_eq!(
            col_of(marks, caret),
            col_of(source_line, start),
            "{name}: underline starts under `timeout`\n{source_line}\n{marks}"
        );
        assert_eq!(
            marks.matches('^').count(),
            "timeout: 0s".len(),
            "{name}: underline covers `timeout: 0s`"
        );
    }
}

#[test]
fn a_file_named_on_the_command_line_is_linted_whatever_the_globs() {
    let dir = tree(&[
        ("k8s/ratings.yaml", NO_TIMEOUT.as_bytes()),
        (
            "resilint.toml",
            b"include = [\"k8s/**\"]\nexclude = [\"**/ratings.yaml\"]\n",
        ),
    ]);
    let out = run_in(
        dir.path(),
        &["check", "k8s/ratings.yaml", "--format", "json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files_scanned"], 1, "{report:#}");
    assert_eq!(exit(&out), 1);
}

// ---------------------------------------------------------------- docs stay true

#[test]
fn readme_opens_with_the_demo_and_the_ci_test_command() {
    let root = crate_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_block = readme.split("```").nth(1).expect("README has a code block");
    assert!(
        readme.trim_start().starts_with("# resilint\n\n```"),
        "README starts with the commands"
    );
    assert!(first_block.contains("cargo run --release -- check demo"));
    let test_command = "cargo test --all-targets";
    assert!(first_block.contains(test_command));
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.contains(&format!("\n{test_command}\n")),
        ".ci/run runs {test_command}"
    );
    assert!(ci.contains("set -euo pipefail"));

    // Every rule is in the README's rule table.
    let out = run_in(&root, &["rules"]);
    for line in stdout(&out).lines().filter(|l| l.starts_with("  ")) {
        let id = line.split_whitespace().next().unwrap();
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "README lacks rule {id}"
        );
    }
}
