//! Consul's contribution: each route of a `service-router` (file or CRD, as
//! [`crate::normalise::consul`] makes them one form) is a mesh route for calls
//! addressed to the router's service, with what Consul's `agent/xds` gives it:
//! - timeout: `Destination.RequestTimeout` when positive, else Envoy's 15 s route
//!   default; a negative value disables it (no timeout);
//! - retries: `Destination.Retry` (the normaliser's `Attempts` and `Conditions`,
//!   Envoy's one retry when `NumRetries` is left out), Envoy's default backoff;
//! - breaker: Consul gives every upstream cluster Envoy outlier detection (its
//!   defaults when `PassiveHealthCheck` is unset); a caller's `UpstreamConfig` that
//!   turns ejection off is `consul/upstream-ejection-disabled`'s finding, not read here.
//!
//! A route whose `Destination.Service` is another service is still a route of calls
//! addressed to the router's service: the layer's `what` names where it sends them.
//! Consul names services without a Kubernetes namespace: the name resolves to the
//! one service of that name when there is one.

use super::host;
use super::{Builder, Layer, LayerKind, Match, Retries, Route, Setting, Source};
use crate::classify::Platform;
use crate::rules::duration::parse_seconds;
use crate::tree::Node;

/// Envoy's route timeout, which Consul leaves when `RequestTimeout` is unset or 0.
const DEFAULT_TIMEOUT: f64 = 15.0;

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

pub fn add(b: &mut Builder) {
    let kinds = ["ServiceRouter".to_string()];
    for doc in b.ws.docs_of(Some(Platform::Consul), &kinds) {
        let Some(name) = text(&doc.root, "Name") else {
            continue;
        };
        let Some(key) = host::key(name) else {
            continue;
        };
        let key = b.alias(&b.resolve(&key, None));
        let to = b.service(
            &key,
            Source {
                layer: LayerKind::Mesh,
                what: format!("Consul service-router {name}"),
                at: b.at(doc.file, doc.root.span),
            },
        );
        let routes = doc
            .root
            .get("Routes")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (i, r) in routes.iter().enumerate() {
            let at = b.at(doc.file, r.span);
            let dest = r.get("Destination");
            let sent_to = dest.and_then(|d| text(d, "Service")).unwrap_or(name);
            let mut layer = Layer::new(
                LayerKind::Mesh,
                "consul",
                format!("Consul service-router {name}, Routes[{i}] to {sent_to}"),
                at.clone(),
            );
            layer.timeout = timeout(b, doc.file, dest, &at);
            layer.retries = dest.and_then(|d| d.get("Retry")).map(|retry| Retries {
                tries: retry
                    .get("Attempts")
                    .and_then(|a| a.as_i64().or_else(|| a.as_str()?.parse().ok()))
                    .map(|n| n.max(0) as u64 + 1),
                unbounded: false,
                conditions: retry
                    .get("Conditions")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
                per_try_seconds: None,
                backoff: Some("exponential (Envoy's 25 ms base)".into()),
                default: false,
                at: b.at(doc.file, retry.span),
            });
            layer.breaker = Some(Setting {
                value: "Consul's upstream outlier detection (Envoy defaults unless PassiveHealthCheck sets them)".into(),
                seconds: None,
                at: at.clone(),
            });
            b.add_route(
                &to,
                Route {
                    layer: std::sync::Arc::new(layer),
                    order: (doc.file, doc.index, i),
                    matches: matches(r),
                    namespace: None,
                    export: Vec::new(),
                },
            );
        }
    }
}

fn timeout(b: &Builder, file: usize, dest: Option<&Node>, at: &super::Where) -> Option<Setting> {
    if dest.is_some_and(|d| d.get("RequestTimeoutDisabled").is_some()) {
        return None;
    }
    let written = dest.and_then(|d| d.get("RequestTimeout"));
    let positive = written.and_then(|t| {
        let value = t.as_str()?.trim();
        let s = parse_seconds(value, 1.0).filter(|s| *s > 0.0)?;
        Some((value, s, t.span))
    });
    Some(match positive {
        Some((value, seconds, span)) => Setting {
            value: format!("RequestTimeout: {value}"),
            seconds: Some(seconds),
            at: b.at(file, span),
        },
        None => Setting {
            value: "Envoy's default route timeout (15s)".into(),
            seconds: Some(DEFAULT_TIMEOUT),
            at: at.clone(),
        },
    })
}

/// The route's `Match.HTTP`: path prefix or exact path, one method, header names;
/// several methods or a query match may match.
fn matches(route: &Node) -> Vec<Match> {
    let Some(http) = route.get("Match").and_then(|m| m.get("HTTP")) else {
        return Vec::new();
    };
    let methods: Vec<String> = http
        .get("Methods")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.as_str().map(str::to_ascii_uppercase))
        .collect();
    let headers = http
        .get("Header")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| text(h, "Name").map(str::to_ascii_lowercase))
        .collect();
    vec![Match {
        method: (methods.len() == 1).then(|| methods[0].clone()),
        path_prefix: text(http, "PathPrefix").map(String::from),
        path_exact: text(http, "PathExact").map(String::from),
        headers,
        unknown: methods.len() > 1
            || http.get("PathRegex").is_some()
            || http.get("QueryParam").is_some(),
    }]
}
