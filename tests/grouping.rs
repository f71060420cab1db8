//! Noise: when several routes lack the same DestinationRule, the finding is reported
//! once per host, the other routes as related locations (JSON `related`, SARIF
//! `relatedLocations`, "and N other routes" in text), while coverage still counts
//! every route. Baselines and `--changed-only` judge each route on its own first.

mod common;

use common::run::{code, json, run_in, stdout, tree, write};
use serde_json::Value;

const DR_RULE: &str = "istio/destination-without-outlier-detection";

fn route(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: shop}}
spec:
  hosts: [{name}]
  http:
  - name: main
    timeout: 2s
    route:
    - destination: {{host: payments}}
"
    )
}

/// Three routes in three files, all to `payments`, which has no DestinationRule.
fn three_routes() -> tempfile::TempDir {
    tree(&[
        ("k8s/a.yaml", &route("a")),
        ("k8s/b.yaml", &route("b")),
        ("k8s/c.yaml", &route("c")),
    ])
}

fn dr_findings(report: &Value) -> Vec<(String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == DR_RULE)
        .map(|f| {
            let related = f
                .get("related")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|r| format!("{}:{}", r["path"].as_str().unwrap(), r["line"]))
                .collect();
            (f["path"].as_str().unwrap().to_string(), related)
        })
        .collect()
}

#[test]
fn one_finding_per_missing_host_and_every_route_still_counted() {
    let dir = three_routes();
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert_eq!(
        dr_findings(&report),
        vec![(
            "k8s/a.yaml".to_string(),
            vec!["k8s/b.yaml:10".to_string(), "k8s/c.yaml:10".to_string()]
        )]
    );
    assert_eq!(report["coverage"]["circuit-breaker"]["total"], 3);
    assert_eq!(report["coverage"]["circuit-breaker"]["covered"], 0);
    let text = stdout(&run_in(dir.path(), &["check", ".", "--color", "never"]));
    assert!(
        text.contains(
            "and 2 other routes with the same problem: k8s/b.yaml:10:20, k8s/c.yaml:10:20"
        ),
        "{text}"
    );
    let concise = stdout(&run_in(dir.path(), &["check", ".", "--format", "concise"]));
    assert!(concise.contains("(and 2 other routes)"), "{concise}");
    // Different hosts are different findings.
    write(
        dir.path(),
        "k8s/c.yaml",
        route("c").replace("payments", "ledger"),
    );
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert_eq!(dr_findings(&report).len(), 2);
}

#[test]
fn a_baseline_keeps_one_entry_per_route_so_a_new_route_is_new() {
    let dir = tree(&[("k8s/a.yaml", &route("a")), ("k8s/b.yaml", &route("b"))]);
    let out = run_in(dir.path(), &["check", ".", "--write-baseline", "base.json"]);
    assert_eq!(code(&out), 0);
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    assert_eq!(base["findings"].as_array().unwrap().len(), 2, "{base}");
    // A third route to the same missing host is a new finding, at that route.
    write(dir.path(), "k8s/0.yaml", route("zero"));
    let out = run_in(
        dir.path(),
        &["check", ".", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        dr_findings(&json(&out)),
        vec![("k8s/0.yaml".to_string(), vec![])]
    );
}

#[test]
fn changed_only_reports_the_shared_problem_at_a_changed_route() {
    let dir = three_routes();
    let out = run_in(
        dir.path(),
        &["check", "--changed-only", "k8s/b.yaml", "--format", "json"],
    );
    // The full run carries it at a.yaml; the hook on b.yaml still says it, at b.yaml.
    assert_eq!(
        dr_findings(&json(&out)),
        vec![("k8s/b.yaml".to_string(), vec![])]
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--changed-only",
            "k8s/c.yaml",
            "k8s/b.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        dr_findings(&json(&out)),
        vec![("k8s/b.yaml".to_string(), vec!["k8s/c.yaml:10".to_string()])]
    );
}
