//! A front Envoy's contribution: in a static bootstrap (a document with
//! `static_resources`, as people write an edge proxy by hand), each route to a
//! cluster is a gateway edge from the proxy (named after its file) to each host the
//! cluster's `load_assignment` lists, with what [`crate::normalise::envoy`] made
//! explicit: the route `timeout` (Envoy's 15 s default; `0s` none), its
//! `retry_policy` (`num_retries`, default 1; `retry_on`; `per_try_timeout`; Envoy's
//! exponential backoff from 25 ms unless `retry_back_off` sets it) and the cluster's
//! `outlier_detection` as its breaker.
//!
//! xDS responses and config dumps (a sidecar's view, which Istio's layer already
//! draws) add nothing here, nor do clusters that only reach the proxy's control
//! plane or its own host, or endpoints written as IP addresses.

use std::collections::HashMap;

use super::host::{self, HostKey};
use super::plan::{Host, Recorder};
use super::{Call, Layer, LayerKind, Retries, Setting, Source};
use crate::classify::Platform;
use crate::load::Document;
use crate::rules::duration::parse_seconds;
use crate::tree::Node;

fn list<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or_default()
}

fn get<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

pub fn plan(b: &mut Recorder) {
    for doc in b.ws.docs_of(Some(Platform::Envoy), &[]) {
        if doc.root.get("static_resources").is_some() {
            bootstrap(b, doc);
        }
    }
}

/// The hosts a cluster's `load_assignment` names, IP addresses left out.
fn hosts(cluster: &Node) -> Vec<&str> {
    get(cluster, &["load_assignment", "endpoints"])
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .flat_map(|e| list(e, "lb_endpoints"))
        .filter_map(|e| get(e, &["endpoint", "address", "socket_address", "address"]))
        .filter_map(Node::as_str)
        .filter(|a| a.parse::<std::net::IpAddr>().is_err())
        .collect()
}

fn bootstrap(b: &mut Recorder, doc: &Document) {
    let clusters: HashMap<&str, &Node> = list(&doc.root, "all_clusters")
        .iter()
        .filter(|c| c.get("control_plane").is_none() && c.get("local").is_none())
        .filter_map(|c| Some((c.get("name")?.as_str()?, c)))
        .collect();
    let path = &b.files()[doc.file].path;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_else(|| "envoy".into());
    let from = b.service(
        &HostKey {
            name: name.clone(),
            namespace: None,
            external: false,
        },
        Source {
            layer: LayerKind::Gateway,
            what: format!("Envoy proxy {name}"),
            at: b.at(doc.file, doc.root.span),
        },
    );
    for r in list(&doc.root, "all_routes") {
        let Some(cluster) = get(r, &["route", "cluster"])
            .and_then(Node::as_str)
            .and_then(|c| clusters.get(c))
        else {
            continue;
        };
        let at = b.at(doc.file, r.span);
        let vhost = r.get("virtual_host").and_then(Node::as_str).unwrap_or("?");
        let m = r.get("match");
        let path = m
            .and_then(|m| m.get("prefix").or_else(|| m.get("path")))
            .and_then(Node::as_str)
            .map(String::from);
        let mut layer = Layer::new(
            LayerKind::Gateway,
            "envoy",
            format!(
                "Envoy {name}, virtual host {vhost}, route {}",
                path.as_deref().unwrap_or("?")
            ),
            at.clone(),
        );
        layer.timeout = get(r, &["route", "timeout"]).and_then(|t| {
            let value = t.as_str()?;
            let seconds = parse_seconds(value, 1.0).filter(|s| *s > 0.0)?;
            Some(Setting {
                value: format!("timeout: {value}"),
                seconds: Some(seconds),
                at: b.at(doc.file, t.span),
            })
        });
        layer.retries = get(r, &["route", "retry_policy"]).map(|p| retries(b, doc, p));
        layer.breaker = cluster.get("outlier_detection").map(|o| Setting {
            value: "outlier_detection".into(),
            seconds: None,
            at: b.at(doc.file, o.span),
        });
        let layer = std::sync::Arc::new(layer);
        let method = m
            .and_then(|m| get(m, &["method", "exact"]))
            .and_then(Node::as_str)
            .map(str::to_ascii_uppercase);
        for target in hosts(cluster) {
            let Some(address) = host::parse(target) else {
                continue;
            };
            let call = Call {
                from: &from,
                origin: LayerKind::Gateway,
                at: at.clone(),
                method: method.clone(),
                path: path.clone(),
            };
            let what = format!("endpoint of Envoy {name}");
            let seen = b.at(doc.file, cluster.span);
            b.add_call(
                Host::Resolved(address.host),
                what,
                seen,
                call,
                layer.clone(),
            );
        }
    }
}

fn retries(b: &Recorder, doc: &Document, policy: &Node) -> Retries {
    let n = policy
        .get("num_retries")
        .and_then(|n| n.as_i64().or_else(|| n.as_str()?.parse().ok()))
        .unwrap_or(1);
    Retries {
        tries: Some(n.max(0) as u64 + 1),
        unbounded: false,
        conditions: policy
            .get("retry_on")
            .and_then(Node::as_str)
            .map(|s| s.split(',').map(|c| c.trim().to_string()).collect())
            .unwrap_or_default(),
        per_try_seconds: policy
            .get("per_try_timeout")
            .and_then(Node::as_str)
            .and_then(|t| parse_seconds(t, 1.0)),
        backoff: Some(if policy.get("retry_back_off").is_some() {
            "exponential (retry_back_off)".into()
        } else {
            "exponential (Envoy's 25 ms base)".into()
        }),
        default: policy.get("num_retries").is_none(),
        at: b.at(doc.file, policy.span),
    }
}
