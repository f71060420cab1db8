//! End-to-end tests of the Kong pack: decK files and the Kong Ingress Controller.

mod common;

use common::tree::{report as run, write};
use resilint::report::Category;

/// Kong retries only after a transport failure and never replays a POST the upstream
/// received (DOMAIN.md): a POST or PATCH route on a service that retries, nested or
/// joined by name or id, is no idempotency finding, whatever else is wrong with it.
#[test]
fn kong_retries_alone_are_no_idempotency_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kong/kong.yaml",
        "_format_version: \"3.0\"\nservices:\n- name: orders\n  id: 9f0c\n  host: orders.internal\n  retries: 10\n  routes:\n  - name: create\n    methods: [POST]\n    paths: [/orders]\nroutes:\n- name: patch-by-id\n  methods: [PATCH]\n  service: {id: 9f0c}\n- name: post-by-name\n  methods: [POST]\n  service: {name: orders}\n",
    );
    write(
        dir.path(),
        "k8s/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: orders\n  annotations:\n    konghq.com/retries: \"10\"\n    konghq.com/methods: POST\n",
    );
    let report = run(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The service and the Kubernetes Service are judged (other categories report).
    assert!(
        report.findings.iter().any(|f| f.rule.starts_with("kong/")),
        "{:?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.category != Category::Idempotency),
        "{:?}",
        report.findings
    );
    assert_eq!(report.coverage[&Category::Idempotency].total, 0);
}

/// Every Kong integration point is counted once per category: a decK service in
/// `timeout` and `circuit-breaker`, a Service behind a Kong Ingress likewise.
#[test]
fn each_kong_service_counts_once_per_category() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kong.yaml",
        "services:\n- name: a\n  host: up\n  connect_timeout: 1000\n  read_timeout: 1000\n  write_timeout: 1000\n- name: b\n  host: plain.example\nupstreams:\n- name: up\n  healthchecks: {passive: {unhealthy: {tcp_failures: 2}}}\n",
    );
    write(
        dir.path(),
        "k8s/ingress.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  ingressClassName: kong\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
    );
    let report = run(dir.path());
    let timeout = report.coverage[&Category::Timeout];
    let breaker = report.coverage[&Category::CircuitBreaker];
    assert_eq!(
        (timeout.covered, timeout.total),
        (1, 3),
        "{:?}",
        report.findings
    );
    assert_eq!(
        (breaker.covered, breaker.total),
        (1, 3),
        "{:?}",
        report.findings
    );
}
