//! The Kubernetes Gateway API's contribution: each `HTTPRoute`/`GRPCRoute` rule with
//! backends is a gateway edge from each parent Gateway to each backend Service, with
//! what bounds the request (the rule's `timeouts`, else the Envoy Gateway policy the
//! normaliser found: `request-timeout-from`), its `retry` (`attempts` retries; GEP-1731)
//! and what ejects failing backends (`breaker-from`). A route whose parent is a
//! Service (GAMMA) is a mesh route to that Service instead. Mesh (sidecar) routes are
//! not put on a Gateway API gateway's edges: it is an edge proxy, not a sidecar.

use super::host::HostKey;
use super::plan::{Host, Recorder};
use super::{Call, Layer, LayerKind, Match, Retries, Route, Setting, Source};
use crate::classify::Platform;
use crate::load::Document;
use crate::normalise::gateway::{is_route, ROUTE_KINDS};
use crate::rules::duration::parse_seconds;
use crate::tree::Node;

pub fn plan(b: &mut Recorder) {
    let kinds: Vec<String> = ROUTE_KINDS.iter().map(|k| k.to_string()).collect();
    for doc in b.ws.docs_of(Some(Platform::Kubernetes), &kinds) {
        if is_route(doc) {
            route(b, doc);
        }
    }
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

fn key(name: &str, namespace: &str) -> HostKey {
    HostKey {
        name: name.to_ascii_lowercase(),
        namespace: Some(namespace.to_string()),
        external: false,
    }
}

fn route(b: &mut Recorder, doc: &Document) {
    let ns = crate::join::namespace(doc).to_string();
    let kind = doc.meta.kind.as_deref().unwrap_or("HTTPRoute");
    let name = doc.meta.name.clone().unwrap_or_default();
    let Some(spec) = doc.root.get("spec") else {
        return;
    };
    let parents = spec
        .get("parentRefs")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    // (is a mesh Service, key) of each parent.
    let parents: Vec<(bool, HostKey)> = parents
        .iter()
        .filter_map(|p| {
            let pns = text(p, "namespace").unwrap_or(&ns);
            let mesh = text(p, "kind") == Some("Service");
            Some((mesh, key(text(p, "name")?, pns)))
        })
        .collect();
    let rules = spec.get("rules").and_then(Node::as_seq).unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        let backends = rule
            .get("backendRefs")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        let at = b.at(doc.file, rule.span);
        let mut layer = Layer::new(
            LayerKind::Gateway,
            "gateway-api",
            format!("{kind} {ns}/{name}, rules[{i}]"),
            at.clone(),
        );
        layer.timeout = timeout(b, doc, rule);
        layer.retries = rule.get("retry").map(|r| {
            let attempts = r.get("attempts").and_then(Node::as_i64).unwrap_or(0).max(0) as u64;
            Retries {
                tries: Some(attempts + 1),
                unbounded: false,
                conditions: r
                    .get("codes")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| {
                        c.as_str()
                            .map(str::to_string)
                            .or(c.as_i64().map(|n| n.to_string()))
                    })
                    .collect(),
                per_try_seconds: rule
                    .get("timeouts")
                    .and_then(|t| text(t, "backendRequest"))
                    .and_then(|t| parse_seconds(t, 1.0)),
                backoff: r.get("backoff").map(|_| "set".to_string()),
                default: false,
                at: b.at(doc.file, r.span),
            }
        });
        layer.breaker = rule.get("breaker-from").map(|n| Setting {
            value: n.as_str().unwrap_or("breaker").to_string(),
            seconds: None,
            at: at.clone(),
        });
        let layer = std::sync::Arc::new(layer);
        for (mesh, parent) in &parents {
            if *mesh {
                let to = b.service(
                    parent,
                    Source {
                        layer: LayerKind::Mesh,
                        what: format!("parent Service of {kind} {ns}/{name}"),
                        at: at.clone(),
                    },
                );
                b.add_route(
                    &to,
                    Route {
                        layer: std::sync::Arc::new(Layer {
                            layer: LayerKind::Mesh,
                            ..(*layer).clone()
                        }),
                        order: (doc.file, doc.index, i),
                        matches: vec![Match {
                            unknown: rule.get("matches").is_some(),
                            ..Match::default()
                        }],
                        namespace: Some(ns.clone()),
                        export: Vec::new(),
                    },
                );
                continue;
            }
            let from = b.service(
                parent,
                Source {
                    layer: LayerKind::Gateway,
                    what: format!("Gateway {}", parent.id()),
                    at: b.at(doc.file, doc.root.span),
                },
            );
            for backend in backends {
                if text(backend, "kind").is_some_and(|k| k != "Service") {
                    continue;
                }
                let Some(bname) = text(backend, "name") else {
                    continue;
                };
                let bkey = key(bname, text(backend, "namespace").unwrap_or(&ns));
                let what = format!("backend of {kind} {ns}/{name}");
                let seen = b.at(doc.file, backend.span);
                let call = Call {
                    from: &from,
                    origin: LayerKind::Gateway,
                    at: at.clone(),
                    method: None,
                    path: None,
                };
                b.add_call(Host::Exact(bkey), what, seen, call, layer.clone());
            }
        }
    }
}

/// The rule's request timeout (`timeouts.request`), else what the normaliser found
/// bounds it (`request-timeout-from`: a policy, a per-try timeout), seconds unknown.
fn timeout(b: &Recorder, doc: &Document, rule: &Node) -> Option<Setting> {
    if let Some(t) = rule.get("timeouts").and_then(|t| t.get("request")) {
        let value = t.as_str()?;
        let seconds = parse_seconds(value, 1.0).filter(|s| *s > 0.0)?;
        return Some(Setting {
            value: format!("timeouts.request: {value}"),
            seconds: Some(seconds),
            at: b.at(doc.file, t.span),
        });
    }
    let from = rule.get("request-timeout-from")?;
    Some(Setting {
        value: from.as_str().unwrap_or("set").to_string(),
        seconds: None,
        at: b.at(doc.file, from.span),
    })
}
