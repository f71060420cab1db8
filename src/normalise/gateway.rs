//! Kubernetes Gateway API routes (`HTTPRoute`, `GRPCRoute`) with what governs them
//! from other documents: Envoy Gateway `BackendTrafficPolicy` attached to the route or
//! to its Gateway, and Istio `DestinationRule`s of its backends.
//!
//! Cross-document (run from [`super::link`]): each rule of a route
//! (`spec.rules[*]`) gets derived keys, kebab-case so they read apart from the
//! Gateway API's own camelCase:
//!
//! - `route-name`: the route as `Kind ns/name`, for messages;
//! - `backend-traffic-policy`: the policy that applies, as `Kind ns/name (path:line)`.
//!   Envoy Gateway applies the most specific one and does not merge them: a policy
//!   naming the route's rule (`sectionName`) before one naming the route (by
//!   `targetRef`, `targetRefs` or `targetSelectors`), before one naming the
//!   route's Gateway listener, before one naming the Gateway. A policy applies only
//!   in its own namespace.
//! - `request-timeout-from`: what bounds the request, when something does: the
//!   rule's own `timeouts.request`, else its `timeouts.backendRequest` (each try),
//!   else the policy's `timeout.http.requestTimeout`, else its
//!   `retry.perRetry.timeout` (each try), else a Linkerd `timeout.linkerd.io/request`
//!   or `/response` annotation on the route when Linkerd applies it (a route whose
//!   parents are Services), or the parent Services' ServiceProfile, which Linkerd
//!   uses instead of the route and its annotations, or, on a route of a Gateway
//!   Kong serves, Kong's service timeouts ([`super::kong_gateway`]) (a zero duration bounds nothing,
//!   but one the rule writes itself is named here: rules report the zero itself).
//! - `breaker-from`: what stops traffic to failing backends: the policy's
//!   `healthCheck.passive` (outlier detection) or a `circuitBreaker` with a
//!   connection or request threshold below Envoy's default of 1024, else, for
//!   every backend of the rule, an Istio `DestinationRule` with top-level
//!   `trafficPolicy.outlierDetection` for the backend's Service host, or a Linkerd
//!   `balancer.linkerd.io/failure-accrual: consecutive` annotation on the Service.
//!
//! The helpers ([`is_route`], [`parent_gateways`], [`Attachment`]) are public so
//! that other packs reading routes (Linkerd's annotations) apply the same rules.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::join::name::service_fqdn;
use crate::join::namespace;
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Span, Value};

/// The route kinds whose rules are judged.
pub const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute"];

/// Whether a document is a Gateway API HTTPRoute or GRPCRoute.
pub fn is_route(doc: &Document) -> bool {
    doc.meta
        .api_version
        .as_deref()
        .is_some_and(|a| a.starts_with("gateway.networking.k8s.io/"))
        && doc
            .meta
            .kind
            .as_deref()
            .is_some_and(|k| ROUTE_KINDS.contains(&k))
}

fn is_kind(doc: &Document, group: &str, kind: &str) -> bool {
    doc.meta.kind.as_deref() == Some(kind)
        && doc
            .meta
            .api_version
            .as_deref()
            .is_some_and(|a| a.starts_with(group))
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

/// A Gateway a route attaches to: (namespace, name, listener `sectionName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentGateway {
    pub namespace: String,
    pub name: String,
    pub section: Option<String>,
}

/// The Gateways in a route's `spec.parentRefs` (kind `Gateway`, the default; a
/// Service parent is a mesh route, not a Gateway's).
pub fn parent_gateways(route: &Document) -> Vec<ParentGateway> {
    let refs = route
        .root
        .get("spec")
        .and_then(|s| s.get("parentRefs"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    refs.iter()
        .filter(|p| text(p, "kind").unwrap_or("Gateway") == "Gateway")
        .filter_map(|p| {
            Some(ParentGateway {
                namespace: text(p, "namespace").unwrap_or(namespace(route)).to_string(),
                name: text(p, "name")?.to_string(),
                section: text(p, "sectionName").map(str::to_string),
            })
        })
        .collect()
}

/// How specifically a policy attaches to a route rule; lower is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attachment {
    /// A `targetRef` to the route with the rule's `sectionName`.
    RouteRule,
    /// A `targetRef` or `targetSelectors` entry naming the route.
    Route,
    /// The route's Gateway, at the listener the route attaches to.
    GatewayListener,
    /// The route's Gateway.
    Gateway,
}

/// A policy's targets, read once.
struct Targets<'a> {
    doc: &'a Document,
    refs: Vec<(&'a str, &'a str, Option<&'a str>)>,
    selectors: Vec<&'a Node>,
}

impl<'a> Targets<'a> {
    fn of(doc: &'a Document) -> Self {
        let spec = doc.root.get("spec");
        let one = spec.and_then(|s| s.get("targetRef")).into_iter();
        let many = spec
            .and_then(|s| s.get("targetRefs"))
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let refs = one
            .chain(many)
            .filter_map(|r| Some((text(r, "kind")?, text(r, "name")?, text(r, "sectionName"))))
            .collect();
        let selectors = spec
            .and_then(|s| s.get("targetSelectors"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .collect();
        Targets {
            doc,
            refs,
            selectors,
        }
    }

    /// How this policy attaches to `rule` of `route`, if it does. `gateways` gives
    /// the labels of Gateway documents by (namespace, name), for selectors.
    fn attachment(
        &self,
        route: &Document,
        rule_name: Option<&str>,
        gateways: &HashMap<(String, String), &Node>,
    ) -> Option<Attachment> {
        let policy_ns = namespace(self.doc);
        let kind = route.meta.kind.as_deref().unwrap_or("");
        let route_name = route.meta.name.as_deref().unwrap_or("");
        let mut best = None;
        let mut offer = |a: Attachment| {
            if best.is_none_or(|b| a < b) {
                best = Some(a);
            }
        };
        if policy_ns == namespace(route) {
            for (k, name, section) in &self.refs {
                if *k == kind && *name == route_name {
                    match section {
                        None => offer(Attachment::Route),
                        Some(s) if Some(*s) == rule_name => offer(Attachment::RouteRule),
                        Some(_) => {}
                    }
                }
            }
            if self
                .selectors
                .iter()
                .any(|s| text(s, "kind") == Some(kind) && labels_match(s, labels(&route.root)))
            {
                offer(Attachment::Route);
            }
        }
        for parent in parent_gateways(route) {
            if parent.namespace != policy_ns {
                continue;
            }
            for (k, name, section) in &self.refs {
                if *k != "Gateway" || *name != parent.name {
                    continue;
                }
                match section {
                    None => offer(Attachment::Gateway),
                    Some(s) if parent.section.as_deref() == Some(*s) => {
                        offer(Attachment::GatewayListener)
                    }
                    Some(_) => {}
                }
            }
            let key = (parent.namespace.clone(), parent.name.clone());
            if let Some(gw_labels) = gateways.get(&key) {
                if self
                    .selectors
                    .iter()
                    .any(|s| text(s, "kind") == Some("Gateway") && labels_match(s, Some(gw_labels)))
                {
                    offer(Attachment::Gateway);
                }
            }
        }
        best
    }
}

fn labels(root: &Node) -> Option<&Node> {
    root.get("metadata").and_then(|m| m.get("labels"))
}

/// Whether a selector's `matchLabels` and `matchExpressions` (`In`, `NotIn`,
/// `Exists`, `DoesNotExist`) hold for `labels`. A selector with neither selects nothing.
fn labels_match(selector: &Node, labels: Option<&Node>) -> bool {
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
    let match_labels = selector.get("matchLabels").and_then(Node::as_map);
    let expressions = selector
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    if match_labels.is_none() && expressions.is_empty() {
        return false;
    }
    let labels_ok = match_labels.unwrap_or_default().iter().all(|(k, v)| {
        k.as_str()
            .is_some_and(|k| label(k).is_some() && label(k) == v.as_str())
    });
    labels_ok
        && expressions.iter().all(|e| {
            let key = text(e, "key").unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            match text(e, "operator") {
                Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => label(key).is_some(),
                Some("DoesNotExist") => label(key).is_none(),
                _ => false,
            }
        })
}

/// Where a document is, for messages: `Kind ns/name (path:line)`.
fn describe(doc: &Document, files: &[SourceFile]) -> String {
    let file = &files[doc.file];
    let line = file.line_col(doc.root.span.start).line;
    format!(
        "{} {}/{} ({}:{line})",
        doc.meta.kind.as_deref().unwrap_or("?"),
        namespace(doc),
        doc.meta.name.as_deref().unwrap_or("?"),
        file.display
    )
}

/// A non-zero duration at `path` below `node`.
fn bound<'a>(node: Option<&'a Node>, path: &[&str]) -> Option<&'a str> {
    let mut n = node?;
    for p in path {
        n = n.get(p)?;
    }
    n.as_str()
        .filter(|v| crate::rules::duration::parse_seconds(v, 1.0).is_some_and(|s| s > 0.0))
}

/// Derived entries for one route rule.
pub struct RulePatch {
    /// Index of the route's document.
    pub doc: usize,
    /// Index of the rule in `spec.rules`.
    pub rule: usize,
    pub entries: Vec<(Node, Node)>,
}

/// Derived keys for each rule of each route.
pub fn patches(docs: &[Document], files: &[SourceFile]) -> Vec<RulePatch> {
    let routes: Vec<usize> = (0..docs.len()).filter(|i| is_route(&docs[*i])).collect();
    if routes.is_empty() {
        return Vec::new();
    }
    let policies: Vec<Targets> = docs
        .iter()
        .filter(|d| is_kind(d, "gateway.envoyproxy.io/", "BackendTrafficPolicy"))
        .map(Targets::of)
        .collect();
    // Policies by the (namespace, name) they name, and those with selectors: a rule
    // looks up its candidates instead of scanning every policy.
    let mut by_target: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    let mut unindexed: HashMap<&str, Vec<usize>> = HashMap::new();
    for (p, t) in policies.iter().enumerate() {
        for (_, name, _) in &t.refs {
            by_target
                .entry((namespace(t.doc), name))
                .or_default()
                .push(p);
        }
        for sel in &t.selectors {
            // A selector with `matchLabels` needs all of them: index it under the first.
            let first = sel
                .get("matchLabels")
                .and_then(Node::as_map)
                .and_then(|m| m.first())
                .and_then(|(k, v)| Some((k.as_str()?, v.as_str()?)));
            match first {
                Some((k, v)) => by_label
                    .entry((namespace(t.doc), k, v))
                    .or_default()
                    .push(p),
                None => unindexed.entry(namespace(t.doc)).or_default().push(p),
            }
        }
    }
    // The policies whose selectors may pick a document of `ns` with these labels.
    let selecting = |ns: &str, labels: Option<&Node>, out: &mut Vec<usize>| {
        out.extend(unindexed.get(ns).into_iter().flatten());
        for (k, v) in labels.and_then(Node::as_map).unwrap_or_default() {
            if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                out.extend(by_label.get(&(ns, k, v)).into_iter().flatten());
            }
        }
    };
    let mut gateways: HashMap<(String, String), &Node> = HashMap::new();
    for d in docs
        .iter()
        .filter(|d| is_kind(d, "gateway.networking.k8s.io/", "Gateway"))
    {
        if let (Some(name), Some(l)) = (d.meta.name.as_deref(), labels(&d.root)) {
            gateways.insert((namespace(d).to_string(), name.to_string()), l);
        }
    }
    let breakers = outlier_hosts(docs, files);
    let kong = super::kong_gateway::gateways(docs);
    // Each route's patches read only the indexes above: routes are derived in
    // parallel, and collected in their order.
    routes
        .into_par_iter()
        .flat_map_iter(|i| {
            let route = &docs[i];
            let rules = route
                .root
                .get("spec")
                .and_then(|s| s.get("rules"))
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let mut candidates: Vec<usize> = Vec::new();
            selecting(namespace(route), labels(&route.root), &mut candidates);
            if let Some(name) = route.meta.name.as_deref() {
                candidates.extend(
                    by_target
                        .get(&(namespace(route), name))
                        .into_iter()
                        .flatten(),
                );
            }
            for parent in parent_gateways(route) {
                let key = (parent.namespace.as_str(), parent.name.as_str());
                candidates.extend(by_target.get(&key).into_iter().flatten());
                let gw_labels = gateways.get(&(parent.namespace.clone(), parent.name.clone()));
                selecting(&parent.namespace, gw_labels.copied(), &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
            let kong_route = super::kong_gateway::governs(route, &kong);
            let mut out = Vec::with_capacity(rules.len());
            for (r, rule) in rules.iter().enumerate() {
                let rule_name = text(rule, "name");
                let policy = candidates
                    .iter()
                    .map(|p| &policies[*p])
                    .filter_map(|p| Some((p.attachment(route, rule_name, &gateways)?, p.doc)))
                    .min_by_key(|(a, d)| (*a, d.file, d.index))
                    .map(|(_, d)| d);
                out.push(RulePatch {
                    doc: i,
                    rule: r,
                    entries: derived(route, rule, policy, &breakers, files, kong_route),
                });
            }
            out
        })
        .collect()
}

/// Hosts that eject failing endpoints, FQDN → description: Istio DestinationRules
/// with top-level outlier detection, and Services with Linkerd's
/// `balancer.linkerd.io/failure-accrual: consecutive` annotation.
fn outlier_hosts(docs: &[Document], files: &[SourceFile]) -> HashMap<String, String> {
    let istio = docs
        .iter()
        .filter(|d| is_kind(d, "networking.istio.io/", "DestinationRule"))
        .filter_map(|d| {
            let spec = d.root.get("spec")?;
            spec.get("trafficPolicy")?.get("outlierDetection")?;
            let host = service_fqdn(text(spec, "host")?, namespace(d));
            Some((host, format!("{} outlierDetection", describe(d, files))))
        });
    let linkerd = docs
        .iter()
        .filter(|d| {
            d.meta.kind.as_deref() == Some("Service") && d.meta.api_version.as_deref() == Some("v1")
        })
        .filter_map(|d| {
            let key = "balancer.linkerd.io/failure-accrual";
            let value = d
                .root
                .get("metadata")?
                .get("annotations")?
                .get(key)?
                .as_str()?;
            let host = service_fqdn(d.meta.name.as_deref()?, namespace(d));
            (value == "consecutive").then(|| (host, format!("{} {key}", describe(d, files))))
        });
    istio.chain(linkerd).collect()
}

fn derived(
    route: &Document,
    rule: &Node,
    policy: Option<&Document>,
    breakers: &HashMap<String, String>,
    files: &[SourceFile],
    kong: bool,
) -> Vec<(Node, Node)> {
    let at = rule
        .as_map()
        .and_then(|m| m.first())
        .map_or(rule.span, |(k, _)| k.span);
    let entry = |key: &str, value: String| {
        (
            Node::scalar(key, false, Span::new(at.start, at.start)),
            Node::scalar(value, true, at),
        )
    };
    let mut out = vec![entry(
        "route-name",
        format!(
            "{} {}/{}",
            route.meta.kind.as_deref().unwrap_or("?"),
            namespace(route),
            route.meta.name.as_deref().unwrap_or("?")
        ),
    )];
    let spec = policy.and_then(|p| p.root.get("spec"));
    let shown = policy.map(|p| describe(p, files));
    if let Some(s) = &shown {
        out.push(entry("backend-traffic-policy", s.clone()));
    }
    let timeouts = rule.get("timeouts");
    // The rule's own timeouts, non-zero first; one written as zero still wins over a
    // policy (the zero is its own finding).
    let written = |key: &str| timeouts.and_then(|t| t.get(key)).and_then(Node::as_str);
    let timeout = bound(timeouts, &["request"])
        .map(|v| ("request", v))
        .or_else(|| bound(timeouts, &["backendRequest"]).map(|v| ("backendRequest", v)))
        .or_else(|| written("request").map(|v| ("request", v)))
        .or_else(|| written("backendRequest").map(|v| ("backendRequest", v)))
        .map(|(k, v)| format!("timeouts.{k} {v}"))
        .or_else(|| {
            let p = shown.as_deref().unwrap_or("");
            bound(spec, &["timeout", "http", "requestTimeout"])
                .map(|v| format!("{p} timeout.http.requestTimeout {v}"))
                .or_else(|| {
                    bound(spec, &["retry", "perRetry", "timeout"])
                        .map(|v| format!("{p} retry.perRetry.timeout {v}"))
                })
        })
        .or_else(|| linkerd_timeout(route))
        .or_else(|| kong.then(|| super::kong_gateway::TIMEOUT_SOURCE.to_string()));
    out.extend(timeout.map(|t| entry("request-timeout-from", t)));
    let from_policy = spec.and_then(|s| {
        if s.get("healthCheck")
            .and_then(|h| h.get("passive"))
            .is_some()
        {
            Some("healthCheck.passive")
        } else if s.get("circuitBreaker").is_some_and(trips_early) {
            Some("circuitBreaker")
        } else {
            None
        }
    });
    let breaker = match from_policy {
        Some(what) => Some(format!("{} {what}", shown.as_deref().unwrap_or(""))),
        None => backends_breaker(route, rule, breakers)
            .or_else(|| kong.then(|| super::kong_gateway::BREAKER_SOURCE.to_string())),
    };
    out.extend(breaker.map(|b| entry("breaker-from", b)));
    out
}

/// Envoy's default for the connection and request thresholds an Envoy Gateway
/// `circuitBreaker` sets.
const ENVOY_DEFAULT_THRESHOLD: i64 = 1024;

/// Whether a `circuitBreaker` sets a connection or request threshold below Envoy's
/// default of 1024: thresholds at or above it change nothing, so they are no breaker.
fn trips_early(breaker: &Node) -> bool {
    [
        "maxConnections",
        "maxPendingRequests",
        "maxParallelRequests",
    ]
    .iter()
    .any(|k| {
        breaker
            .get(k)
            .and_then(Node::as_i64)
            .is_some_and(|v| v < ENVOY_DEFAULT_THRESHOLD)
    })
}

/// What Linkerd bounds a route with, as the Linkerd normaliser found it to apply
/// (only to a route whose parents are Services: Linkerd ignores a route attached to
/// a Gateway): the ServiceProfile of its parent Services, which Linkerd uses instead
/// of the route and of its annotations (its routes time out at 10 s by default), else
/// a timeout annotation (`timeout.linkerd.io/request` or `/response`). One of zero
/// still names the source: the Linkerd pack reports the zero
/// (`linkerd/annotation-timeout-disabled`).
fn linkerd_timeout(route: &Document) -> Option<String> {
    let linkerd = route.root.get("linkerd")?;
    if let Some(profile) = linkerd.get("profile").and_then(Node::as_str) {
        return Some(format!(
            "ServiceProfile {profile}, which Linkerd uses instead of this route"
        ));
    }
    let timeouts = linkerd.get("timeouts")?;
    ["request", "response"].iter().find_map(|which| {
        let v = timeouts.get(which)?.as_str()?;
        Some(format!("annotation timeout.linkerd.io/{which} {v}"))
    })
}

/// The DestinationRules with outlier detection of every Service backend of a rule,
/// when each has one.
fn backends_breaker(
    route: &Document,
    rule: &Node,
    breakers: &HashMap<String, String>,
) -> Option<String> {
    let refs = rule.get("backendRefs").and_then(Node::as_seq)?;
    let mut found = Vec::new();
    for b in refs {
        if text(b, "kind").unwrap_or("Service") != "Service" {
            return None;
        }
        let ns = text(b, "namespace").unwrap_or(namespace(route));
        let shown = breakers.get(&service_fqdn(text(b, "name")?, ns))?;
        if !found.contains(shown) {
            found.push(shown.clone());
        }
    }
    (!found.is_empty()).then(|| found.join(", "))
}

/// Adds the derived entries to the route rules they belong to.
pub fn apply(docs: &mut [Document], patches: Vec<RulePatch>) {
    for RulePatch {
        doc: d,
        rule: r,
        entries,
    } in patches
    {
        let Value::Map(root) = &mut docs[d].root.value else {
            continue;
        };
        let Some((_, spec)) = root.iter_mut().find(|(k, _)| k.as_str() == Some("spec")) else {
            continue;
        };
        let Value::Map(spec) = &mut spec.value else {
            continue;
        };
        let Some((_, rules)) = spec.iter_mut().find(|(k, _)| k.as_str() == Some("rules")) else {
            continue;
        };
        if let Value::Seq(items) = &mut rules.value {
            if let Some(Value::Map(rule)) = items.get_mut(r).map(|n| &mut n.value) {
                rule.extend(entries);
            }
        }
    }
}

#[cfg(test)]
mod tests;
