//! Linkerd's contribution: each route of a `ServiceProfile` (named by its service's
//! FQDN) is a mesh route to that service, with its timeout (Linkerd's default 10 s;
//! `0s` none) and, when `isRetryable`, retries of failed (5xx) requests within the
//! profile's retry budget: how many tries one request may take is not fixed, so it
//! is left unknown (amplification is not computed for it). The Service's
//! `balancer.linkerd.io/failure-accrual: consecutive` is its breaker.

use super::host;
use super::{Builder, Layer, LayerKind, Match, Retries, Route, Setting, Source};
use crate::classify::Platform;
use crate::rules::duration::parse_seconds;
use crate::tree::Node;

/// Linkerd's route timeout when a ServiceProfile route sets none.
const DEFAULT_TIMEOUT: f64 = 10.0;

pub fn add(b: &mut Builder) {
    // Services with failure accrual, by host id.
    let mut accrual = std::collections::HashMap::new();
    let services = ["Service".to_string()];
    for doc in b.ws.docs_of(Some(Platform::Kubernetes), &services) {
        let on = doc
            .root
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("balancer.linkerd.io/failure-accrual"));
        if let (Some(n), Some(name)) = (on, doc.meta.name.as_deref()) {
            if n.as_str() == Some("consecutive") {
                let id = format!("{name}.{}", crate::join::namespace(doc));
                accrual.insert(id, b.at(doc.file, n.span));
            }
        }
    }
    let kinds = ["ServiceProfile".to_string()];
    for doc in b.ws.docs_of(Some(Platform::Kubernetes), &kinds) {
        if !doc
            .meta
            .api_version
            .as_deref()
            .is_some_and(|a| a.starts_with("linkerd.io/"))
        {
            continue;
        }
        let (Some(name), Some(spec)) = (doc.meta.name.as_deref(), doc.root.get("spec")) else {
            continue;
        };
        let ns = crate::join::namespace(doc).to_string();
        let Some(key) = host::key(name).map(|k| k.in_namespace(Some(&ns))) else {
            continue;
        };
        let to = b.service(
            &key,
            Source {
                layer: LayerKind::Mesh,
                what: format!("ServiceProfile {ns}/{name}"),
                at: b.at(doc.file, doc.root.span),
            },
        );
        let routes = spec
            .get("routes")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (i, r) in routes.iter().enumerate() {
            let label = r.get("name").and_then(Node::as_str).unwrap_or("?");
            let at = b.at(doc.file, r.span);
            let mut layer = Layer::new(
                LayerKind::Mesh,
                "linkerd",
                format!("ServiceProfile {ns}/{name}, route {label}"),
                at.clone(),
            );
            layer.timeout = match r.get("timeout") {
                Some(t) => t
                    .as_str()
                    .and_then(|v| parse_seconds(v, 1.0).map(|s| (v, s)))
                    .filter(|(_, s)| *s > 0.0)
                    .map(|(v, s)| Setting {
                        value: format!("timeout: {v}"),
                        seconds: Some(s),
                        at: b.at(doc.file, t.span),
                    }),
                None => Some(Setting {
                    value: "Linkerd's default route timeout (10s)".into(),
                    seconds: Some(DEFAULT_TIMEOUT),
                    at: at.clone(),
                }),
            };
            if r.get("isRetryable").and_then(Node::as_bool) == Some(true) {
                layer.retries = Some(Retries {
                    tries: None,
                    unbounded: false,
                    conditions: vec!["5xx".into()],
                    per_try_seconds: None,
                    backoff: Some("none (bounded by the retry budget)".into()),
                    default: false,
                    at: at.clone(),
                });
            }
            layer.breaker = accrual.get(&to).map(|w: &super::Where| Setting {
                value: "balancer.linkerd.io/failure-accrual: consecutive".into(),
                seconds: None,
                at: w.clone(),
            });
            let method = r
                .get("condition")
                .and_then(|c| c.get("method"))
                .and_then(Node::as_str)
                .map(str::to_string);
            let matches = if r.get("condition").is_some() {
                vec![Match {
                    method,
                    unknown: true,
                    ..Match::default()
                }]
            } else {
                Vec::new()
            };
            b.add_route(
                &to,
                Route {
                    layer: std::sync::Arc::new(layer),
                    order: (doc.file, doc.index, i),
                    matches,
                    namespace: Some(ns.clone()),
                    export: Vec::new(),
                },
            );
        }
    }
}
