//! Inline suppressions silence one finding, keep the subject uncovered, and are counted.

use std::fs;

use resilint::engine::{run, Options};

const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  # resilint: ignore[istio/route-without-timeout] streaming endpoint, bounded by the client
  - route:
    - destination: {host: reviews}
  - route:
    - destination: {host: reviews}
";

#[test]
fn a_comment_above_the_subject_silences_only_that_rule_there() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("vs.yaml"), VS).unwrap();
    let outcome = run(&Options {
        paths: vec![dir.path().to_path_buf()],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    let report = &outcome.report;
    let timeouts: Vec<usize> = report
        .findings
        .iter()
        .filter(|f| f.rule == "istio/route-without-timeout")
        .map(|f| f.location.line)
        .collect();
    assert_eq!(
        timeouts,
        vec![10],
        "only the unsuppressed route is reported"
    );
    assert_eq!(report.suppressed, 1);
    let timeout = report.coverage[&resilint::report::Category::Timeout];
    assert_eq!(
        (timeout.covered, timeout.total),
        (0, 2),
        "suppressed still counts as not covered"
    );
    assert!(
        report.findings.iter().any(
            |f| f.rule == "istio/destination-without-outlier-detection" && f.location.line == 9
        ),
        "other rules on the suppressed subject still report"
    );
}
