//! The `join` check kind through each resolver, with rules written by a user (no Rust
//! change), and deployment scopes set in `resilint.toml`.

use std::path::Path;

use resilint::engine::{self, Options};

mod common;

use common::tree::tree;

/// (rule, path relative to the tree, line, message) of every finding.
fn findings(dir: &Path) -> Vec<(String, String, usize, String)> {
    let outcome = engine::run(&Options {
        paths: vec![dir.to_path_buf()],
        threads: Some(1),
        ..Options::default()
    })
    .expect("run");
    assert!(
        outcome.report.errors.is_empty(),
        "{:?}",
        outcome.report.errors
    );
    let prefix = format!("{}/", dir.display()).replace('\\', "/");
    outcome
        .report
        .findings
        .iter()
        .map(|f| {
            let path = f.location.path.replace('\\', "/");
            let path = path.strip_prefix(&prefix).unwrap_or(&path).to_string();
            (f.rule.clone(), path, f.location.line, f.message.clone())
        })
        .collect()
}

const RULE_HEAD: &str = "category = \"circuit-breaker\"\nseverity = \"warning\"\nsummary = \"s\"\n";
const DOCS: &str = "[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n";

fn rule(id: &str, body: &str) -> String {
    format!("id = \"{id}\"\n{RULE_HEAD}{body}\n{DOCS}")
}

const BREAKER_RULE: &str = r#"
[select]
platform = "spring"
each = "resilience4j.retry.instances[*]"

[check]
kind = "join"
resolver = "name"
target-platform = "spring"
target-each = ["resilience4j.circuitbreaker.instances[*]", "resilience4j.circuitbreaker.configs[*]"]
fallback = ["default"]
message-no-target = "retry instance `{key}` has no circuit breaker"
"#;

#[test]
fn the_name_resolver_joins_map_entries_by_their_key_with_a_fallback() {
    let app = "resilience4j:\n  retry:\n    instances:\n      payments: {maxAttempts: 3}\n      inventory: {maxAttempts: 3}\n  circuitbreaker:\n    instances:\n      payments: {failureRateThreshold: 50}\n";
    let files = [
        ("app/application.yaml", app),
        ("resilint.toml", "rule-dirs = [\"r\"]\n"),
        ("r/acme/breaker.toml", &rule("acme/breaker", BREAKER_RULE)),
    ];
    let dir = tree(&files);
    let mine = |dir: &Path| -> Vec<_> {
        findings(dir)
            .into_iter()
            .filter(|f| f.0.starts_with("acme/"))
            .collect()
    };
    assert_eq!(
        mine(dir.path()),
        [(
            "acme/breaker".to_string(),
            "app/application.yaml".to_string(),
            5,
            "retry instance `inventory` has no circuit breaker".to_string()
        )]
    );
    // A `configs.default` breaker covers every instance without one of its own.
    let with_default = format!("{app}    configs:\n      default: {{failureRateThreshold: 50}}\n");
    let dir = tree(&[files[1], files[2], ("app/application.yaml", &with_default)]);
    assert_eq!(mine(dir.path()), []);
}

const SERVICE_RULE: &str = r#"
[select]
api-version = "networking.istio.io/*"
kind = "VirtualService"
each = "spec.http[*].route[*].destination"

[check]
kind = "join"
resolver = "kubernetes-service"
key = "host"
port = "port.number"
target-kind = "Service"
"#;

#[test]
fn the_kubernetes_service_resolver_takes_dns_forms_and_ports() {
    let vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: shop}\nspec:\n  http:\n  - route:\n    - destination: {host: reviews, port: {number: 9080}}\n    - destination: {host: reviews.shop.svc.cluster.local}\n    - destination: {host: reviews, port: {number: 1234}}\n    - destination: {host: ratings}\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  ports:\n  - port: 9080\n";
    let dir = tree(&[
        ("k8s/vs.yaml", vs),
        ("k8s/svc.yaml", svc),
        ("resilint.toml", "rule-dirs = [\"r\"]\n"),
        ("r/acme/svc.toml", &rule("acme/svc", SERVICE_RULE)),
    ]);
    let lines: Vec<(usize, String)> = findings(dir.path())
        .into_iter()
        .filter(|f| f.0 == "acme/svc")
        .map(|f| (f.2, f.3))
        .collect();
    assert_eq!(
        lines,
        [
            (
                9,
                "no Service for `reviews.shop.svc.cluster.local`".to_string()
            ),
            (
                10,
                "no Service for `ratings.shop.svc.cluster.local`".to_string()
            ),
        ]
    );
}

const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: shop}\nspec:\n  http:\n  - route:\n    - destination: {host: reviews}\n    timeout: 2s\n";
const DR: &str = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5}\n";

fn outlier_findings(dir: &Path) -> Vec<String> {
    findings(dir)
        .into_iter()
        .filter(|f| f.0 == "istio/destination-without-outlier-detection")
        .map(|f| f.1)
        .collect()
}

#[test]
fn scopes_from_the_config_keep_environments_apart() {
    let files = [
        ("stages/a/vs.yaml", VS),
        ("stages/a/dr.yaml", DR),
        ("stages/b/vs.yaml", VS),
    ];
    // Without a scope for `stages/*`, a's DestinationRule covers b's route (one scope).
    let dir = tree(&files);
    assert_eq!(outlier_findings(dir.path()), Vec::<String>::new());
    let mut scoped = files.to_vec();
    scoped.push(("resilint.toml", "scopes = [\"stages/*\"]\n"));
    let dir = tree(&scoped);
    assert_eq!(outlier_findings(dir.path()), ["stages/b/vs.yaml"]);
}

#[test]
fn a_bad_scope_glob_is_a_usage_error() {
    let dir = tree(&[("a.yaml", VS), ("resilint.toml", "scopes = [\"envs/[\"]\n")]);
    let err = engine::run(&Options {
        paths: vec![dir.path().to_path_buf()],
        ..Options::default()
    })
    .err()
    .expect("usage error");
    assert!(err.message.contains("envs/["), "{err}");
}

#[test]
fn list_items_are_judged_with_their_own_positions() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- {}",
        VS.replace('\n', "\n  ").trim_end()
    );
    let dir = tree(&[("dump.yaml", &list)]);
    let found = findings(dir.path());
    let lines: Vec<usize> = found
        .iter()
        .filter(|f| f.0 == "istio/destination-without-outlier-detection")
        .map(|f| f.2)
        .collect();
    assert_eq!(lines, [10], "{found:?}");
}
