use super::{link, url_host};
use crate::load::{load_config, Document};
use crate::source::SourceFile;
use crate::tree::Node;

fn linked(texts: &[(&str, &str)]) -> (Vec<SourceFile>, Vec<Document>) {
    let files: Vec<SourceFile> = texts
        .iter()
        .map(|(p, t)| SourceFile::new(p.to_string(), p.into(), t.to_string()))
        .collect();
    let mut docs: Vec<Document> = files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| load_config(i, f).docs)
        .collect();
    link(&mut docs, &files);
    (files, docs)
}

fn service(docs: &[Document], doc: usize, i: usize) -> &Node {
    &docs[doc].root.get("services").unwrap().as_seq().unwrap()[i]
}

fn text<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(node, |n, k| n.get(k))
        .and_then(Node::as_str)
}

#[test]
fn absent_timeouts_are_named_and_set_ones_are_not() {
    let (_, docs) = linked(&[(
        "kong.yaml",
        "_format_version: \"3.0\"\nservices:\n- name: a\n  host: a.internal\n  read_timeout: 5000\n- name: b\n  url: http://b.internal:8080/v1\n  connect_timeout: 1000\n  read_timeout: 5000\n  write_timeout: 5000\n",
    )]);
    let a = service(&docs, 0, 0);
    assert_eq!(
        text(a, &["implicit-timeouts"]),
        Some("connect_timeout and write_timeout")
    );
    assert_eq!(text(a, &["label"]), Some("a"));
    let b = service(&docs, 0, 1);
    assert_eq!(text(b, &["implicit-timeouts"]), None);
    assert_eq!(text(b, &["target-host"]), Some("b.internal"));
}

#[test]
fn the_host_names_an_upstream_whose_health_checks_are_read() {
    let (_, docs) = linked(&[(
        "kong.yaml",
        "_format_version: \"1.1\"\nservices:\n- name: a\n  host: up-a\n- name: b\n  host: up-b\n- name: c\n  host: plain.example\nupstreams:\n- name: up-a\n  healthchecks:\n    passive:\n      unhealthy: {http_failures: 0, tcp_failures: 0, timeouts: 0}\n    active:\n      healthy: {interval: 0}\n  targets:\n  - target: 10.0.0.1:80\n- name: up-b\n  id: 7\n  healthchecks:\n    passive:\n      unhealthy: {http_failures: 3}\ntargets:\n- target: 10.0.0.2:80\n  upstream: {id: 7}\n- target: 10.0.0.3:80\n  upstream: up-b\n",
    )]);
    let a = service(&docs, 0, 0);
    assert_eq!(text(a, &["upstream", "name"]), Some("up-a"));
    assert_eq!(text(a, &["upstream", "health-checks"]), None, "all zero");
    assert_eq!(text(a, &["upstream", "targets"]), Some("1"));
    assert_eq!(text(a, &["upstream", "defined-at"]), Some("line 10"));
    let b = service(&docs, 0, 1);
    assert_eq!(text(b, &["upstream", "health-checks"]), Some("passive"));
    assert_eq!(
        text(b, &["upstream", "targets"]),
        Some("2"),
        "top-level targets join by id and by name"
    );
    let c = service(&docs, 0, 2);
    assert!(c.get("upstream").is_none(), "a plain host");
}

#[test]
fn upstreams_join_across_the_files_of_a_directory() {
    let (_, docs) = linked(&[
        (
            "k/services.yaml",
            "_format_version: \"3.0\"\nservices:\n- name: a\n  host: up-a\n",
        ),
        (
            "k/upstreams.yaml",
            "_format_version: \"3.0\"\nupstreams:\n- name: up-a\n  healthchecks:\n    active:\n      healthy: {interval: 5}\n",
        ),
        (
            "other/upstreams.yaml",
            "_format_version: \"3.0\"\nupstreams:\n- name: up-b\n",
        ),
    ]);
    let a = service(&docs, 0, 0);
    assert_eq!(text(a, &["upstream", "health-checks"]), Some("active"));
    assert_eq!(
        text(a, &["upstream", "defined-at"]),
        Some("k/upstreams.yaml:3")
    );
}

#[test]
fn routes_join_by_name_and_by_id() {
    let (_, docs) = linked(&[(
        "kong.yaml",
        "services:\n- name: a\n  id: 1b2c\n  host: a.internal\n  routes:\n  - name: nested\nroutes:\n- name: by-name\n  service: {name: a}\n- name: by-id\n  service: {id: 1b2c}\n- name: by-string\n  service: a\n- name: elsewhere\n  service: {name: z}\n",
    )]);
    let names: Vec<&str> = service(&docs, 0, 0)
        .get("all-routes")
        .and_then(Node::as_seq)
        .unwrap()
        .iter()
        .filter_map(|r| text(r, &["name"]))
        .collect();
    assert_eq!(names, ["nested", "by-name", "by-id", "by-string"]);
}

#[test]
fn substituted_hosts_and_thresholds_stay_as_written() {
    let (_, docs) = linked(&[(
        "kong.yaml",
        "services:\n- name: a\n  host: ${{ env \"DECK_HOST\" }}\n- name: b\n  host: up\nupstreams:\n- name: up\n  healthchecks:\n    passive:\n      unhealthy:\n        http_failures: ${{ env \"DECK_FAILS\" | toInt }}\n",
    )]);
    let a = service(&docs, 0, 0);
    assert_eq!(text(a, &["upstream"]), Some("${{ env \"DECK_HOST\" }}"));
    let b = service(&docs, 0, 1);
    assert_eq!(
        text(b, &["upstream", "health-checks"]),
        Some("${{ env \"DECK_FAILS\" | toInt }}")
    );
}

#[test]
fn url_hosts() {
    assert_eq!(
        url_host("http://orders.internal:8080/v1"),
        "orders.internal"
    );
    assert_eq!(url_host("https://user@h/x?y"), "h");
    assert_eq!(url_host("grpc://[::1]:50051"), "[::1]");
    assert_eq!(url_host("plain"), "plain");
}
