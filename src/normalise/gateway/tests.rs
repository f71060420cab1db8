use super::{apply, patches};
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::Node;

fn run(text: &str) -> Vec<Document> {
    let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.into());
    let mut docs = crate::load::load_config(0, &file).docs;
    let p = patches(&docs, std::slice::from_ref(&file));
    apply(&mut docs, p);
    docs
}

fn rule<'a>(docs: &'a [Document], route: &str, i: usize) -> &'a Node {
    let d = docs
        .iter()
        .find(|d| d.meta.name.as_deref() == Some(route))
        .unwrap();
    &d.root
        .get("spec")
        .unwrap()
        .get("rules")
        .unwrap()
        .as_seq()
        .unwrap()[i]
}

fn derived<'a>(rule: &'a Node, key: &str) -> Option<&'a str> {
    rule.get(key).and_then(Node::as_str)
}

const ROUTES: &str = "
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: shop, labels: {team: pay}}
spec:
  parentRefs: [{name: edge, sectionName: https}]
  rules:
  - name: read
    backendRefs: [{name: a, port: 80}]
  - name: write
    backendRefs: [{name: a, port: 80}]
    timeouts: {request: 0s, backendRequest: 2s}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: shop}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: b, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c, namespace: other}
spec:
  parentRefs: [{name: edge, namespace: shop}]
  rules:
  - backendRefs: [{name: c, port: 80}]
";

#[test]
fn route_policy_beats_gateway_policy_and_each_applies_in_its_namespace() {
    let docs = run(&format!(
        "{ROUTES}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {{name: gw, namespace: shop}}
spec:
  targetRefs: [{{group: gateway.networking.k8s.io, kind: Gateway, name: edge}}]
  timeout: {{http: {{requestTimeout: 10s}}}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {{name: route-a, namespace: shop}}
spec:
  targetRef: {{group: gateway.networking.k8s.io, kind: HTTPRoute, name: a}}
  healthCheck: {{passive: {{consecutive5XxErrors: 5}}}}
"
    ));
    let a_read = rule(&docs, "a", 0);
    assert!(derived(a_read, "backend-traffic-policy")
        .unwrap()
        .contains("shop/route-a"));
    // The route's policy wins as a whole: the Gateway's timeout does not merge in.
    assert_eq!(derived(a_read, "request-timeout-from"), None);
    assert!(derived(a_read, "breaker-from")
        .unwrap()
        .contains("healthCheck.passive"));
    // The rule's own backendRequest bounds each try even with request 0s.
    assert_eq!(
        derived(rule(&docs, "a", 1), "request-timeout-from"),
        Some("timeouts.backendRequest 2s")
    );
    let b = rule(&docs, "b", 0);
    assert!(derived(b, "request-timeout-from")
        .unwrap()
        .contains("shop/gw"));
    assert_eq!(derived(b, "breaker-from"), None);
    // Route c is in another namespace: the Gateway's policy (in shop) still applies to it.
    assert!(derived(rule(&docs, "c", 0), "backend-traffic-policy").is_some());
}

#[test]
fn section_names_and_selectors() {
    let docs = run(&format!(
        "{ROUTES}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {{name: write-only, namespace: shop}}
spec:
  targetRefs: [{{kind: HTTPRoute, name: a, sectionName: write}}]
  circuitBreaker: {{maxPendingRequests: 10}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {{name: by-label, namespace: shop}}
spec:
  targetSelectors: [{{kind: HTTPRoute, matchLabels: {{team: pay}}}}]
  timeout: {{http: {{requestTimeout: 3s}}}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {{name: other-listener, namespace: shop}}
spec:
  targetRef: {{kind: Gateway, name: edge, sectionName: http}}
  timeout: {{http: {{requestTimeout: 3s}}}}
"
    ));
    assert!(derived(rule(&docs, "a", 0), "backend-traffic-policy")
        .unwrap()
        .contains("by-label"));
    assert!(derived(rule(&docs, "a", 1), "backend-traffic-policy")
        .unwrap()
        .contains("write-only"));
    assert!(derived(rule(&docs, "a", 1), "breaker-from")
        .unwrap()
        .contains("circuitBreaker"));
    // Route b attaches to every listener, but the policy names only `http`.
    assert_eq!(derived(rule(&docs, "b", 0), "backend-traffic-policy"), None);
}

#[test]
fn istio_destination_rules_count_as_breakers() {
    let docs = run(&format!(
        "{ROUTES}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: b, namespace: shop}}
spec:
  host: b
  trafficPolicy: {{outlierDetection: {{consecutive5xxErrors: 5}}}}
"
    ));
    assert!(derived(rule(&docs, "b", 0), "breaker-from")
        .unwrap()
        .contains("DestinationRule shop/b"));
    assert_eq!(derived(rule(&docs, "c", 0), "breaker-from"), None);
}

/// [`run`] after the Linkerd step, as `normalise::link` orders them.
fn run_linked(text: &str) -> Vec<Document> {
    let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.into());
    let mut docs = crate::load::load_config(0, &file).docs;
    crate::normalise::link(&mut docs, std::slice::from_ref(&file));
    docs
}

#[test]
fn linkerd_timeouts_count_only_where_linkerd_applies_them() {
    let route = |name: &str, parent: &str| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {name}
  namespace: faces
  annotations: {{timeout.linkerd.io/request: 0s}}
spec:
  parentRefs: [{parent}]
  rules:
  - backendRefs: [{{name: {name}, port: 80}}]
---
"
        )
    };
    let text = [
        route("meshed", "{name: meshed, kind: Service, group: ''}"),
        route("profiled", "{name: profiled, kind: Service, group: ''}"),
        route("edge", "{name: edge}"),
        "apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: {name: profiled.faces.svc.cluster.local, namespace: faces}
spec: {routes: [{name: all, condition: {pathRegex: /}}]}
"
        .to_string(),
    ]
    .concat();
    let docs = run_linked(&text);
    let from = |name| derived(rule(&docs, name, 0), "request-timeout-from");
    // The annotation applies (its zero is the Linkerd pack's finding).
    assert_eq!(
        from("meshed"),
        Some("annotation timeout.linkerd.io/request 0s")
    );
    // A ServiceProfile overrides the route and its annotation.
    assert_eq!(
        from("profiled"),
        Some("ServiceProfile profiled.faces.svc.cluster.local, which Linkerd uses instead of this route")
    );
    // Linkerd ignores routes attached to a Gateway.
    assert_eq!(from("edge"), None);
}
