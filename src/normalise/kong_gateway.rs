//! Kong as a Gateway API implementation (the Kong Ingress Controller, or Kong
//! Operator): which Gateways Kong serves, and which Services their routes send to.
//!
//! A Gateway is Kong's when its `gatewayClassName` names a GatewayClass whose
//! `controllerName` is Kong's (`konghq.com/...`), or, when no GatewayClass of that
//! name is among the files read, when the class name itself says `kong` (as an
//! Ingress class does for [`super::kong_ingress`]). An HTTPRoute or GRPCRoute is
//! Kong's when every Gateway it attaches to is.
//!
//! KIC makes a Kong service from each route's backend Services and configures it from
//! the **Service's** annotations (`konghq.com/connect-timeout`, `read-timeout`,
//! `write-timeout`, `retries`, `upstream-policy`), exactly as for an Ingress; without
//! them Kong runs 60000 ms each. So such a route is never unbounded: the timeout
//! question is the Service's, judged by `kong/ingress-service-default-timeouts`.

use std::collections::{HashMap, HashSet};

use super::gateway::{is_route, parent_gateways};
use crate::classify::Platform;
use crate::join::namespace;
use crate::load::Document;
use crate::tree::Node;

/// What bounds a Kong route's requests, for `request-timeout-from`.
pub const TIMEOUT_SOURCE: &str = "Kong: the backend Services' connect/read/write timeouts \
(konghq.com/*-timeout, else Kong's 60 s each; kong/ingress-service-default-timeouts judges them)";

/// What bounds failing backends on a route of a Gateway Kong serves: Kong's upstream
/// health checks, which `kong/ingress-service-without-health-checks` judges on each
/// backend Service. Naming it here keeps one missing breaker one finding, on the Service.
pub const BREAKER_SOURCE: &str = "Kong: the backend Services' upstream health checks \
(konghq.com/upstream-policy; kong/ingress-service-without-health-checks judges them)";

fn is_gateway_api(doc: &Document, kind: &str) -> bool {
    doc.meta.platform == Platform::Kubernetes
        && doc.meta.kind.as_deref() == Some(kind)
        && doc
            .meta
            .api_version
            .as_deref()
            .is_some_and(|a| a.starts_with("gateway.networking.k8s.io/"))
}

/// The Gateways Kong serves, as (namespace, name).
pub fn gateways(docs: &[Document]) -> HashSet<(String, String)> {
    let classes: HashMap<&str, bool> = docs
        .iter()
        .filter(|d| is_gateway_api(d, "GatewayClass"))
        .filter_map(|d| {
            let controller = d.root.get("spec")?.get("controllerName")?.as_str()?;
            Some((
                d.meta.name.as_deref()?,
                controller.starts_with("konghq.com/"),
            ))
        })
        .collect();
    docs.iter()
        .filter(|d| is_gateway_api(d, "Gateway"))
        .filter(|d| {
            let class = d.root.get("spec").and_then(|s| s.get("gatewayClassName"));
            let class = class.and_then(Node::as_str).unwrap_or("");
            match classes.get(class) {
                Some(kong) => *kong,
                None => class.to_ascii_lowercase().contains("kong"),
            }
        })
        .filter_map(|d| Some((namespace(d).to_string(), d.meta.name.clone()?)))
        .collect()
}

/// Whether a route is Kong's: it attaches to Gateways, all of them Kong's.
pub fn governs(route: &Document, kong: &HashSet<(String, String)>) -> bool {
    let parents = parent_gateways(route);
    !parents.is_empty()
        && parents
            .iter()
            .all(|p| kong.contains(&(p.namespace.clone(), p.name.clone())))
}

/// The Services (namespace, name) the rules of Kong's routes send to.
pub fn backends(docs: &[Document]) -> Vec<(String, String)> {
    let kong = gateways(docs);
    if kong.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for route in docs.iter().filter(|d| is_route(d) && governs(d, &kong)) {
        let rules = route.root.get("spec").and_then(|s| s.get("rules"));
        for rule in rules.and_then(Node::as_seq).unwrap_or_default() {
            let refs = rule.get("backendRefs").and_then(Node::as_seq);
            for r in refs.unwrap_or_default() {
                let kind = r.get("kind").and_then(Node::as_str).unwrap_or("Service");
                let group = r.get("group").and_then(Node::as_str).unwrap_or("");
                let Some(name) = r.get("name").and_then(Node::as_str) else {
                    continue;
                };
                if kind == "Service" && group.is_empty() {
                    let ns = r.get("namespace").and_then(Node::as_str);
                    let ns = ns.unwrap_or(namespace(route)).to_string();
                    out.push((ns, name.to_string()));
                }
            }
        }
    }
    out
}
