//! Generators for the benchmark's non-Istio files: Kong decK files, Envoy
//! configuration (bootstrap YAML and camelCase xDS JSON) and Gateway API routes with
//! Envoy Gateway policies. Each takes the shared generator so trees stay reproducible.

use std::fmt::Write as _;

use super::Rng;

/// A decK file (`_format_version: "3.0"`): services with nested routes, some through
/// an upstream with targets, some with timeouts or retries, a few `${{ env }}` values.
pub fn kong(rng: &mut Rng, i: usize) -> String {
    let mut s = String::from("_format_version: \"3.0\"\nservices:\n");
    let mut upstreams = Vec::new();
    for k in 0..1 + rng.below(3) {
        let name = format!("svc-{i}-{k}");
        if rng.below(2) == 0 {
            let _ = write!(s, "- name: {name}\n  host: {name}-upstream\n  port: 8080\n");
            upstreams.push(name.clone());
        } else {
            let _ = write!(s, "- name: {name}\n  url: http://{name}.internal:8080\n");
        }
        match rng.below(4) {
            0 => {}
            1 => s.push_str("  read_timeout: 0\n"),
            2 => s.push_str("  connect_timeout: ${{ env \"DECK_CONNECT_TIMEOUT\" }}\n"),
            _ => {
                let _ = writeln!(s, "  read_timeout: {}", 1000 * (1 + rng.below(30)));
            }
        }
        if rng.below(3) == 0 {
            let _ = writeln!(s, "  retries: {}", rng.below(6));
        }
        s.push_str("  routes:\n");
        for r in 0..1 + rng.below(3) {
            let method = ["GET", "POST", "PATCH"][rng.below(3) as usize];
            let _ = write!(
                s,
                "  - name: {name}-r{r}\n    paths: [/api/{i}/{k}/{r}]\n    methods: [{method}]\n"
            );
        }
    }
    if !upstreams.is_empty() {
        s.push_str("upstreams:\n");
        for u in upstreams {
            let _ = write!(s, "- name: {u}-upstream\n  targets:\n  - target: {u}-a:8080\n  - target: {u}-b:8080\n");
            if rng.below(2) == 0 {
                let _ = write!(
                    s,
                    "  healthchecks:\n    passive:\n      unhealthy: {{http_failures: {}, timeouts: 3}}\n",
                    rng.below(5)
                );
            }
        }
    }
    s
}

/// An Envoy static bootstrap (snake_case YAML) or an RDS + CDS response pair in
/// camelCase protojson, with routes (methods, retries, timeouts) and clusters.
pub fn envoy(rng: &mut Rng, i: usize) -> (String, String) {
    let routes = 1 + rng.below(5) as usize;
    let clusters = 1 + rng.below(3) as usize;
    if i % 2 == 0 {
        let mut s = format!(
            "static_resources:\n  listeners:\n  - name: l{i}\n    address: {{socket_address: {{address: 0.0.0.0, port_value: 8080}}}}\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: l{i}\n          route_config:\n            virtual_hosts:\n            - name: vh{i}\n              domains: [\"*\"]\n              routes:\n"
        );
        for r in 0..routes {
            let method = ["POST", "GET", "PATCH"][rng.below(3) as usize];
            let _ = write!(
                s,
                "              - match:\n                  prefix: /r{r}\n                  headers: [{{name: \":method\", string_match: {{exact: {method}}}}}]\n                route:\n                  cluster: c{i}-{}\n                  timeout: {}s\n",
                r % clusters,
                rng.below(10)
            );
            if rng.below(2) == 0 {
                let _ = writeln!(
                    s,
                    "                  retry_policy: {{retry_on: \"{}\", num_retries: {}, per_try_timeout: {}s}}",
                    ["5xx", "connect-failure", "reset,gateway-error"][rng.below(3) as usize],
                    rng.below(4),
                    1 + rng.below(4)
                );
            }
        }
        s.push_str("  clusters:\n");
        for c in 0..clusters {
            let _ = write!(
                s,
                "  - name: c{i}-{c}\n    connect_timeout: 1s\n    type: STRICT_DNS\n    load_assignment:\n      cluster_name: c{i}-{c}\n      endpoints: [{{lb_endpoints: [{{endpoint: {{address: {{socket_address: {{address: svc-{c}.ns, port_value: 8080}}}}}}}}]}}]\n"
            );
            if rng.below(2) == 0 {
                s.push_str("    outlier_detection: {consecutive_5xx: 5, interval: 10s}\n");
            }
        }
        (format!("envoy-{i}.yaml"), s)
    } else {
        let mut route_items = Vec::new();
        for r in 0..routes {
            let retry = if rng.below(2) == 0 {
                format!(
                    ", \"retryPolicy\": {{\"retryOn\": \"5xx\", \"numRetries\": {}, \"perTryTimeout\": \"{}s\"}}",
                    rng.below(4),
                    1 + rng.below(6)
                )
            } else {
                String::new()
            };
            route_items.push(format!(
                "{{\"match\": {{\"prefix\": \"/r{r}\"}}, \"route\": {{\"cluster\": \"c{i}-{}\", \"timeout\": \"{}s\"{retry}}}}}",
                r % clusters,
                rng.below(10)
            ));
        }
        let mut resources = vec![format!(
            "{{\"@type\": \"type.googleapis.com/envoy.config.route.v3.RouteConfiguration\", \"name\": \"rc{i}\", \"virtualHosts\": [{{\"name\": \"vh{i}\", \"domains\": [\"*\"], \"routes\": [{}]}}]}}",
            route_items.join(", ")
        )];
        for c in 0..clusters {
            let outlier = if rng.below(2) == 0 {
                ", \"outlierDetection\": {\"consecutive5xx\": 5}"
            } else {
                ""
            };
            resources.push(format!(
                "{{\"@type\": \"type.googleapis.com/envoy.config.cluster.v3.Cluster\", \"name\": \"c{i}-{c}\", \"type\": \"EDS\", \"connectTimeout\": \"1s\"{outlier}}}"
            ));
        }
        (
            format!("xds-{i}.json"),
            format!(
                "{{\"versionInfo\": \"1\", \"resources\": [{}]}}\n",
                resources.join(",\n")
            ),
        )
    }
}

/// Gateway API routes (HTTPRoute, GRPCRoute) with timeouts and retries, and
/// BackendTrafficPolicies targeting routes (targetRef, targetRefs) or the Gateway.
pub fn gateway_api(rng: &mut Rng, i: usize, ns: usize) -> String {
    let kind = if rng.below(4) == 0 {
        "GRPCRoute"
    } else {
        "HTTPRoute"
    };
    let mut s = format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: route-{i}\n  namespace: ns{ns}\n  labels: {{team: team-{}}}\nspec:\n  parentRefs: [{{name: gw-{}, namespace: infra}}]\n  rules:\n",
        i % 7,
        i % 3
    );
    for r in 0..1 + rng.below(3) {
        let _ = write!(
            s,
            "  - name: rule-{r}\n    backendRefs: [{{name: svc-{}, port: 8080}}]\n",
            rng.below(50)
        );
        if kind == "HTTPRoute" {
            match rng.below(4) {
                0 => {}
                1 => s.push_str("    timeouts: {request: 0s}\n"),
                _ => {
                    let _ = writeln!(
                        s,
                        "    timeouts: {{request: {}s, backendRequest: {}s}}",
                        2 + rng.below(10),
                        1 + rng.below(4)
                    );
                }
            }
            if rng.below(3) == 0 {
                let _ = writeln!(s, "    retry: {{attempts: {}, codes: [503]}}", rng.below(4));
            }
        }
    }
    let target = match rng.below(4) {
        0 => format!(
            "targetRef: {{group: gateway.networking.k8s.io, kind: {kind}, name: route-{i}}}"
        ),
        1 => format!(
            "targetRefs: [{{group: gateway.networking.k8s.io, kind: {kind}, name: route-{i}}}]"
        ),
        2 => format!(
            "targetSelectors: [{{kind: {kind}, matchLabels: {{team: team-{}}}}}]",
            i % 7
        ),
        _ => return s,
    };
    let _ = write!(
        s,
        "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata:\n  name: btp-{i}\n  namespace: ns{ns}\nspec:\n  {target}\n  timeout: {{http: {{requestTimeout: 10s}}}}\n"
    );
    if rng.below(2) == 0 {
        s.push_str("  healthCheck: {passive: {consecutive5XxErrors: 5}}\n");
    }
    if i % 100 == 19 {
        let _ = write!(
            s,
            "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata:\n  name: gw-{i}\n  namespace: infra\nspec:\n  targetRefs: [{{group: gateway.networking.k8s.io, kind: Gateway, name: gw-{}}}]\n  circuitBreaker: {{maxPendingRequests: 100}}\n",
            i % 3
        );
    }
    s
}
