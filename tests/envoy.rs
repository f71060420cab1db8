//! Envoy routes joined to their clusters by name: one finding per cluster without
//! outlier detection (the routes sending to it as related locations), a cluster
//! defined in none of the route's files left unresolved, and clusters nothing names
//! not judged when the directory has routes.

mod common;

use common::run::{json, run_in, tree};
use serde_json::Value;

const ROUTE_RULE: &str = "envoy/route-cluster-without-outlier-detection";
const CLUSTER_RULE: &str = "envoy/cluster-without-outlier-detection";

/// RDS with three routes to `payments` and one to `search`, defined nowhere.
const RDS: &str = "resources:
- \"@type\": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
  name: shop
  virtual_hosts:
  - name: shop
    domains: ['*']
    routes:
    - match: {prefix: /pay}
      route: {cluster: payments}
    - match: {prefix: /refund}
      route: {cluster: payments}
    - match: {prefix: /charge}
      route: {cluster: payments}
    - match: {prefix: /search}
      route: {cluster: search}
";

const CDS: &str = "resources:
- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: payments
  connect_timeout: 1s
- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: access_log_sink
  connect_timeout: 1s
";

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn one_finding_per_cluster_with_its_routes_related_and_every_route_counted() {
    let dir = tree(&[("edge/rds.yaml", RDS), ("edge/cds.yaml", CDS)]);
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    let routes = findings(&report, ROUTE_RULE);
    assert_eq!(routes.len(), 1, "{report:#}");
    let f = routes[0];
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64()),
        (Some("edge/rds.yaml"), Some(9))
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("`payments` (edge/cds.yaml:2)"),
        "{f}"
    );
    let related: Vec<u64> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(related, vec![11, 13]);
    // Three judged routes; `search` is unresolved, not counted.
    assert_eq!(
        report["coverage"]["circuit-breaker"]["total"], 3,
        "{report:#}"
    );
    let unresolved: Vec<&Value> = report["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["rule"] == ROUTE_RULE)
        .collect();
    assert_eq!(unresolved.len(), 1, "{report:#}");
    assert_eq!(unresolved[0]["line"], 15);
    assert!(unresolved[0]["message"]
        .as_str()
        .unwrap()
        .contains("`search`"));
    // `payments` is judged through its routes, `access_log_sink` carries no traffic.
    assert!(findings(&report, CLUSTER_RULE).is_empty(), "{report:#}");

    let sarif = json(&run_in(dir.path(), &["check", ".", "--format", "sarif"]));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result = results.iter().find(|r| r["ruleId"] == ROUTE_RULE).unwrap();
    assert_eq!(
        result["relatedLocations"].as_array().unwrap().len(),
        2,
        "{result}"
    );
}

#[test]
fn clusters_resolve_only_beside_the_route_and_are_judged_alone_without_routes() {
    // The only `payments` is in another directory: another proxy's, so unresolved;
    // that directory has no routes, so its clusters are judged on their own.
    let dir = tree(&[("edge/rds.yaml", RDS), ("other/cds.yaml", CDS)]);
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert!(findings(&report, ROUTE_RULE).is_empty(), "{report:#}");
    let unresolved = report["unresolved"].as_array().unwrap();
    assert_eq!(unresolved.len(), 4, "{report:#}");
    let clusters: Vec<&str> = findings(&report, CLUSTER_RULE)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(clusters, vec!["other/cds.yaml", "other/cds.yaml"]);
}

#[test]
fn a_name_several_unrelated_files_define_is_ambiguous() {
    let cds = CDS.replace("  name: access_log_sink\n", "  name: other\n");
    let dir = tree(&[
        ("out/a.clusters.yaml", &cds),
        ("out/b.clusters.yaml", &cds),
        ("out/shop.routes.yaml", RDS),
    ]);
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    assert!(findings(&report, ROUTE_RULE).is_empty(), "{report:#}");
    // Unresolved routes leave both `payments` to the cluster rule.
    assert_eq!(findings(&report, CLUSTER_RULE).len(), 2, "{report:#}");
    // A file sharing the routes' stem wins.
    let dir = tree(&[
        ("out/a.clusters.yaml", &cds),
        ("out/shop.clusters.yaml", &cds),
        ("out/shop.routes.yaml", RDS),
    ]);
    let report = json(&run_in(dir.path(), &["check", ".", "--format", "json"]));
    let routes = findings(&report, ROUTE_RULE);
    assert_eq!(routes.len(), 1, "{report:#}");
    assert!(routes[0]["message"]
        .as_str()
        .unwrap()
        .contains("out/shop.clusters.yaml:2"));
    assert_eq!(
        findings(&report, CLUSTER_RULE).len(),
        1,
        "a.clusters.yaml's payments"
    );
}
