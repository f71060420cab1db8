//! Where findings about a whole subject point: its first key (and value when it
//! fits on the line), never a trailing comment.

use std::fs;

use resilint::engine::{run, Options};

#[test]
fn subject_findings_underline_the_first_key_not_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:   # the v1 route
    - destination:
        host: reviews   # short name
";
    fs::write(dir.path().join("vs.yaml"), vs).unwrap();
    let outcome = run(&Options {
        paths: vec![dir.path().to_path_buf()],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    let at = |rule: &str| {
        let f = outcome
            .report
            .findings
            .iter()
            .find(|f| f.rule == rule)
            .unwrap_or_else(|| panic!("no {rule} finding"));
        let l = &f.location;
        (l.line, l.column, l.end_line, l.end_column)
    };
    // `route` (the value opens a block): the key only.
    assert_eq!(at("istio/route-without-timeout"), (7, 5, 7, 10));
    // `host: reviews`: key and value, not the comment.
    assert_eq!(
        at("istio/destination-without-outlier-detection"),
        (9, 9, 9, 22)
    );
}
