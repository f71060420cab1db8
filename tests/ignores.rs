//! Inline ignore comments end to end: a reason is required, an ignore that silences
//! nothing is reported as unused, `--show-ignored` lists what was silenced, and
//! `--strict` turns the reports into exit 1.

mod common;

use common::run::{code, json, run_in, stdout, tree, ROUTES};

fn annotated() -> String {
    ROUTES
        .replace(
            "  - name: create\n",
            "  # resilint: ignore[istio/retries-exceed-timeout] legacy client, see ADR-12\n  - name: create\n",
        )
        .replace(
            "  - name: read\n",
            "  # resilint: ignore[istio/route-without-timeout]\n  - name: read\n",
        )
        .replace(
            "    retries: {attempts: 3, retryOn: 5xx}\n",
            "    retries: {attempts: 3, retryOn: 5xx}  # resilint: ignore[istio/non-idempotent-route-retried] -- the handler dedups on order id\n",
        )
}

#[test]
fn a_reasonless_ignore_and_an_unused_ignore_are_reported() {
    let dir = tree(&[("k8s/orders.yaml", &annotated())]);
    let out = run_in(dir.path(), &["check", "."]);
    let text = stdout(&out);
    assert!(
        text.contains("warning[unused-ignore]: k8s/orders.yaml:7:5: unused ignore: `istio/retries-exceed-timeout` matched no finding here: remove it"),
        "{text}"
    );
    assert!(
        text.contains("warning[ignore-without-reason]: k8s/orders.yaml:15:5: ignore[istio/route-without-timeout] gives no reason"),
        "{text}"
    );
    assert!(
        !text.contains("warning[istio/route-without-timeout]"),
        "a reasonless ignore still silences:\n{text}"
    );
    assert!(text.contains("(2 suppressed)"), "{text}");

    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    let problems = report["ignore_problems"].as_array().unwrap();
    let kinds: Vec<(&str, &str, u64)> = problems
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap(),
                p["rule"].as_str().unwrap(),
                p["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("unused", "istio/retries-exceed-timeout", 7),
            ("missing-reason", "istio/route-without-timeout", 15),
        ]
    );
}

#[test]
fn an_id_no_rule_has_is_reported_as_unused_and_says_so() {
    let text = ROUTES.replace(
        "  - name: read\n",
        "  # resilint: ignore[istio/route-without-timeout, istio/route-without-timout] nightly\n  - name: read\n",
    );
    let dir = tree(&[("k8s/orders.yaml", &text)]);
    let out = stdout(&run_in(dir.path(), &["check", "."]));
    assert!(out.contains("unused ignore: `istio/route-without-timout` matched no finding here (no active rule has this id"), "{out}");
    assert!(
        !out.contains("`istio/route-without-timeout` matched no finding"),
        "{out}"
    );
}

#[test]
fn show_ignored_lists_silenced_findings_with_their_reasons() {
    let dir = tree(&[("k8s/orders.yaml", &annotated())]);
    let text = stdout(&run_in(dir.path(), &["check", ".", "--show-ignored"]));
    assert!(text.contains("ignored findings (2):"), "{text}");
    assert!(
        text.contains("  k8s/orders.yaml:13:28: [istio/non-idempotent-route-retried] POST route is retried on `5xx`"),
        "{text}"
    );
    assert!(
        text.contains("    reason: the handler dedups on order id\n"),
        "{text}"
    );
    assert!(text.contains("    reason: no reason given\n"), "{text}");
    let plain = stdout(&run_in(dir.path(), &["check", "."]));
    assert!(!plain.contains("ignored findings"), "only when asked for");

    let report = json(&run_in(
        dir.path(),
        &["check", ".", "--show-ignored", "--format", "json"],
    ));
    let ignored = report["ignored"]
        .as_array()
        .expect("`ignored` with --show-ignored");
    assert_eq!(ignored.len(), 2);
    assert_eq!(ignored[0]["rule"], "istio/non-idempotent-route-retried");
    assert_eq!(ignored[0]["reason"], "the handler dedups on order id");
    assert_eq!(ignored[1]["reason"], "");
    let plain = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert!(plain.get("ignored").is_none());
}

#[test]
fn strict_fails_on_ignore_problems_and_the_default_does_not() {
    let dir = tree(&[("k8s/orders.yaml", &annotated())]);
    assert_eq!(
        code(&run_in(dir.path(), &["check", ".", "--fail-on", "never"])),
        0
    );
    assert_eq!(
        code(&run_in(
            dir.path(),
            &["check", ".", "--fail-on", "never", "--strict"]
        )),
        1
    );
}
