//! Baselines end to end: `--write-baseline` records today's findings without line
//! numbers, `--baseline` hides them and counts fixed entries, and a round trip
//! survives inserted lines and a reformatted file.

mod common;

use common::run::{code, json, run_in, shop, stderr, stdout, write, ROUTES};
use serde_json::Value;

/// `ROUTES` rewritten as another formatter would: block style, four-space indents,
/// a comment header.
const ROUTES_REFORMATTED: &str = "# Orders: reformatted by another editor.
# (the findings below must not come back)

apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
    name: orders
    namespace: shop
spec:
    hosts:
    -   orders
    http:
    -   name: create
        match:
        -   method:
                exact: POST
        route:
        -   destination:
                host: orders
        retries:
            attempts: 3
            retryOn: 5xx
        timeout: 2s
    -   name: read
        route:
        -   destination:
                host: orders
";

const MAIN_RS_REFORMATTED: &str = "//! Billing.

use std::time::Duration;

/// The shared client.
pub fn client() -> reqwest::Client {
    reqwest::Client
        ::new()
}

pub fn unused() -> Duration {
    Duration::from_secs(1)
}
";

#[test]
fn a_baseline_round_trip_survives_inserted_lines_and_reformatting() {
    let dir = shop();
    let out = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code(&out), 0, "everything is in the baseline just written");
    assert!(
        stderr(&out).contains("wrote 5 findings to the baseline baseline.json"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["version"], 1);
    let entries = file["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    assert!(
        !text.contains("\"line\""),
        "no line numbers in a baseline:\n{text}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["subject"] == "VirtualService/shop/orders spec.http[name=read]"),
        "{text}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["subject"] == "rust#0 clients[fn client/reqwest::Client::new()]"),
        "{text}"
    );

    let out = run_in(dir.path(), &["check", ".", "--baseline", "baseline.json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "0 warnings, 0 info in 5 files (5 in the baseline, 0 baseline entries fixed)"
        ),
        "{}",
        stdout(&out)
    );

    write(dir.path(), "k8s/orders.yaml", ROUTES_REFORMATTED);
    write(dir.path(), "billing/src/main.rs", MAIN_RS_REFORMATTED);
    let moved = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    // Both routes to `orders` lack outlier detection in its one DestinationRule:
    // one finding with the other route as its related location (5 subjects).
    let findings = moved["findings"].as_array().unwrap();
    let related: usize = findings
        .iter()
        .filter_map(|f| f.get("related").and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    assert_eq!(
        (findings.len(), related),
        (4, 1),
        "the findings are still there, on other lines"
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let report = json(&out);
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(
        report["baseline"],
        serde_json::json!({"matched": 5, "fixed": 0})
    );
}

#[test]
fn new_findings_are_reported_and_fixed_entries_counted() {
    let dir = shop();
    assert_eq!(
        code(&run_in(
            dir.path(),
            &["check", ".", "--write-baseline", "b.json"]
        )),
        0
    );
    // A new route without a timeout, and the old `read` route fixed.
    let changed = ROUTES.replace(
        "  - name: read\n    route:\n    - destination: {host: orders}\n",
        "  - name: read\n    timeout: 1s\n    route:\n    - destination: {host: orders}\n  - name: export\n    route:\n    - destination: {host: orders}\n",
    );
    assert_ne!(changed, ROUTES);
    write(dir.path(), "k8s/orders.yaml", &changed);
    let out = run_in(
        dir.path(),
        &["check", ".", "--baseline", "b.json", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    let report = json(&out);
    let new: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        new,
        vec![
            ("istio/route-without-timeout".to_string(), 18),
            (
                "istio/destination-without-outlier-detection".to_string(),
                20
            ),
        ],
        "only the export route's findings are new"
    );
    assert_eq!(
        report["baseline"],
        serde_json::json!({"matched": 4, "fixed": 1})
    );
}

#[test]
fn a_baseline_that_cannot_be_read_is_a_usage_error() {
    let dir = shop();
    let out = run_in(dir.path(), &["check", ".", "--baseline", "missing.json"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("missing.json: cannot read baseline"),
        "{}",
        stderr(&out)
    );
    write(
        dir.path(),
        "bad.json",
        "{\"version\": 1, \"findings\": [{\"rule\": 3}]}",
    );
    let out = run_in(dir.path(), &["check", ".", "--baseline", "bad.json"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bad.json:1:"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--write-baseline"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_same_call_in_a_new_function_above_is_the_new_finding() {
    let dir = shop();
    let two = "pub fn orders() -> reqwest::Client {\n    reqwest::Client::new()\n}\n\npub fn refunds() -> reqwest::Client {\n    reqwest::Client::new()\n}\n";
    write(dir.path(), "billing/src/main.rs", two);
    assert_eq!(
        code(&run_in(
            dir.path(),
            &["check", ".", "--write-baseline", "b.json"]
        )),
        0
    );
    let three =
        format!("pub fn invoices() -> reqwest::Client {{\n    reqwest::Client::new()\n}}\n\n{two}");
    write(dir.path(), "billing/src/main.rs", &three);
    let report = json(&run_in(
        dir.path(),
        &["check", ".", "--baseline", "b.json", "--format", "json"],
    ));
    let new: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        new,
        vec![("billing/src/main.rs", 2)],
        "the client in `invoices`, not a shifted old one"
    );
}
