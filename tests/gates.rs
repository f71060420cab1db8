//! Coverage gates end to end: `--min-coverage` and `[coverage]` pass and fail, bad
//! values are usage errors, an empty category never fails, the text summary ends
//! with the coverage table, and `--show-covered` lists every counted point.

mod common;

use common::run::{code, json, run_in, shop, stderr, stdout, write};

#[test]
fn a_flag_gate_below_its_minimum_fails_and_names_the_category() {
    let dir = shop();
    // Timeout coverage is 1/3; findings alone must not decide the exit code here.
    let out = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--fail-on",
            "never",
            "--min-coverage",
            "timeout=50",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "coverage gate failed: timeout is 33.3% (1/3 covered), below the minimum 50%"
        ),
        "{text}"
    );
    assert!(
        text.contains("timeout                1      3    33.3%    50.0%  FAILED"),
        "{text}"
    );

    let pass = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--fail-on",
            "never",
            "--min-coverage",
            "timeout=33.3",
        ],
    );
    assert_eq!(code(&pass), 0, "{}", stdout(&pass));
    assert!(!stdout(&pass).contains("gate failed"));
}

#[test]
fn the_config_table_gates_and_a_flag_overrides_it() {
    let dir = shop();
    write(
        dir.path(),
        "resilint.toml",
        "[coverage]\ncircuit-breaker = 10\n",
    );
    let out = run_in(
        dir.path(),
        &["check", ".", "--fail-on", "never", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    let report = json(&out);
    let gates = report["gates"].as_array().expect("gates in JSON");
    assert_eq!(gates.len(), 1);
    assert_eq!(gates[0]["category"], "circuit-breaker");
    assert_eq!(gates[0]["passed"], false);
    assert_eq!(gates[0]["covered"], 0);
    assert_eq!(gates[0]["total"], 2);

    let overridden = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--fail-on",
            "never",
            "--min-coverage",
            "circuit-breaker=0",
        ],
    );
    assert_eq!(code(&overridden), 0, "{}", stdout(&overridden));
}

#[test]
fn a_category_with_no_integration_points_never_fails() {
    let dir = shop();
    let out = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--fail-on",
            "never",
            "--min-coverage",
            "retry-backoff=100",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("retry-backoff          0      0        -   100.0%"));
}

#[test]
fn bad_gate_values_are_usage_errors_that_say_how_to_fix_them() {
    let dir = shop();
    for (value, says) in [
        ("timeout", "CATEGORY=PERCENT"),
        ("timeouts=80", "unknown category `timeouts`"),
        ("timeout=many", "not a number"),
        ("timeout=120", "from 0 to 100"),
    ] {
        let out = run_in(dir.path(), &["check", ".", "--min-coverage", value]);
        assert_eq!(code(&out), 2, "{value}");
        assert!(stderr(&out).contains(says), "{value}: {}", stderr(&out));
    }
    write(dir.path(), "resilint.toml", "[coverage]\ntimeout = 120\n");
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("error: [coverage]: 120 is not a percentage")
            && stderr(&out).contains("┌─ resilint.toml:2:11"),
        "{}",
        stderr(&out)
    );
    write(dir.path(), "resilint.toml", "[coverage]\ntimeouts = 80\n");
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("timeouts"), "{}", stderr(&out));
}

#[test]
fn the_text_summary_ends_with_the_coverage_table() {
    let dir = shop();
    let out = run_in(dir.path(), &["check", "."]);
    let text = stdout(&out);
    assert!(
        text.ends_with(
            "coverage         covered  total  percent
timeout                1      3    33.3%
retry-backoff          0      0        -
idempotency            0      1     0.0%
circuit-breaker        0      2     0.0%
"
        ),
        "{text}"
    );
}

#[test]
fn show_covered_lists_every_counted_point_covered_ones_included() {
    let dir = shop();
    let out = run_in(dir.path(), &["check", ".", "--show-covered"]);
    let text = stdout(&out);
    for line in [
        "timeout integration points (1/3 covered):",
        "  missing  billing/src/main.rs:2:5  clients[0]",
        "  covered  k8s/orders.yaml:7:5  spec.http[0]",
        "  missing  k8s/orders.yaml:14:5  spec.http[1]",
        "idempotency integration points (0/1 covered):",
        "circuit-breaker integration points (0/2 covered):",
        "  missing  k8s/orders.yaml:11:20  spec.http[0].route[0].destination",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let listed = text
        .lines()
        .filter(|l| l.starts_with("  covered") || l.starts_with("  missing"));
    assert_eq!(
        listed.count(),
        3 + 1 + 2,
        "one line per counted point:\n{text}"
    );

    let out = run_in(
        dir.path(),
        &["check", ".", "--show-covered", "--format", "json"],
    );
    let subjects = json(&out)["subjects"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(subjects.len(), 6);
    assert!(subjects
        .iter()
        .any(|s| s["covered"] == true && s["path"] == "k8s/orders.yaml" && s["line"] == 7));
    // Without the flag the JSON keeps its contract shape.
    let plain = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert!(plain.get("subjects").is_none());
}
