use super::canonical;
use crate::tree::Node;

fn load(text: &str) -> Node {
    let parsed = crate::load::yaml::parse(text);
    parsed.docs.into_iter().next().expect("one document").root
}

fn routes(root: &Node) -> &[Node] {
    root.get("all_routes").and_then(Node::as_seq).unwrap()
}

#[test]
fn camel_case_and_snake_case_read_the_same() {
    let camel = canonical(&load(
        "- name: rc\n  virtualHosts:\n  - name: vh\n    domains: ['*']\n    retryPolicy: {retryOn: 5xx, perTryTimeout: 1s}\n    routes:\n    - match: {prefix: /}\n      route: {cluster: backend}\n",
    ));
    let r = &routes(&camel)[0];
    let action = r.get("route").unwrap();
    assert_eq!(action.get("timeout").and_then(Node::as_str), Some("15s"));
    let retry = action
        .get("retry_policy")
        .expect("inherited from the virtual host");
    assert_eq!(
        retry.get("per_try_timeout").and_then(Node::as_str),
        Some("1s")
    );
    assert_eq!(r.get("virtual_host").and_then(Node::as_str), Some("vh"));
}

#[test]
fn typed_struct_is_unwrapped_and_method_matchers_derived() {
    let root = canonical(&load(concat!(
        "static_resources:\n  listeners:\n  - filter_chains:\n    - filters:\n      - typed_config:\n",
        "          '@type': type.googleapis.com/udpa.type.v1.TypedStruct\n",
        "          type_url: type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n",
        "          value:\n            route_config:\n              virtual_hosts:\n              - domains: ['*']\n                routes:\n",
        "                - match: {prefix: /, headers: [{name: ':method', string_match: {exact: POST}}]}\n",
        "                  route: {cluster: a, timeout: 0s}\n",
    )));
    let r = &routes(&root)[0];
    let m = r.get("match").unwrap();
    assert_eq!(
        m.get("method")
            .and_then(|x| x.get("exact"))
            .and_then(Node::as_str),
        Some("POST")
    );
    assert!(m
        .get("header_names")
        .and_then(|h| h.get(":method"))
        .is_some());
    assert_eq!(
        r.get("route")
            .and_then(|a| a.get("timeout"))
            .and_then(Node::as_str),
        Some("0s")
    );
}

#[test]
fn clusters_found_everywhere_and_control_plane_marked() {
    let root = canonical(&load(concat!(
        "dynamic_resources:\n  ads_config:\n    grpc_services: [{envoy_grpc: {cluster_name: xds}}]\n",
        "static_resources:\n  clusters:\n  - name: xds\n    connect_timeout: 1s\n  - name: app\n    type: STRICT_DNS\n    lb_policy: ROUND_ROBIN\n",
    )));
    let clusters = root.get("all_clusters").and_then(Node::as_seq).unwrap();
    assert_eq!(clusters.len(), 2);
    assert!(clusters[0].get("control_plane").is_some());
    assert!(clusters[1].get("control_plane").is_none());
}

#[test]
fn routes_list_their_clusters_plain_and_weighted_but_not_from_a_header() {
    let root = canonical(&load(concat!(
        "- name: rc\n  virtual_hosts:\n  - domains: ['*']\n    routes:\n",
        "    - {match: {prefix: /a}, route: {cluster: a}}\n",
        "    - {match: {prefix: /w}, route: {weighted_clusters: {clusters: [{name: b, weight: 1}, {name: c, weight: 1}]}}}\n",
        "    - {match: {prefix: /h}, route: {cluster_header: x-cluster}}\n",
    )));
    let names: Vec<Vec<&str>> = routes(&root)
        .iter()
        .map(|r| {
            r.get("clusters")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|c| c.get("name").and_then(Node::as_str))
                .collect()
        })
        .collect();
    assert_eq!(names, vec![vec!["a"], vec!["b", "c"], vec![]]);
}
