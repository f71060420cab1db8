//! Kong's contribution (decK files, as [`crate::normalise::kong`] materialises them):
//! each route of a service is a gateway edge from the Kong gateway (named after the
//! directory of its decK files, as `deck gateway sync dir/` reads them) to the host
//! the service proxies to: the targets of its upstream, else its own host. The layer
//! carries what Kong runs the service with:
//! - timeout: `read_timeout` (how long Kong waits for the upstream), Kong's default
//!   60000 ms when left out;
//! - retries: `retries` (default 5) after transport failures only: Kong never
//!   retries a response, so the conditions say `connect-failure` and a POST the
//!   upstream received is never replayed; no wait between tries;
//! - breaker: the upstream's health checks (passive or active), when on.
//!
//! A value substituted at deploy time (`${{ env "X" }}`) is unknown: no setting.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::host::{self, HostKey};
use super::plan::{Host, Recorder};
use super::{Call, Layer, LayerKind, Retries, Setting, Source};
use crate::classify::Platform;
use crate::load::Document;
use crate::tree::Node;

/// Kong's service timeouts and retries when left out.
const DEFAULT_TIMEOUT_MS: i64 = 60_000;
const DEFAULT_RETRIES: i64 = 5;

fn list<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or_default()
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

/// A number as written, `None` for a substitution or anything else.
fn number(node: &Node) -> Option<i64> {
    node.as_i64()
        .or_else(|| node.as_str().and_then(|s| s.trim().parse().ok()))
}

pub fn plan(b: &mut Recorder) {
    let mut dirs: BTreeMap<PathBuf, Vec<&Document>> = BTreeMap::new();
    for doc in b.ws.docs_of(Some(Platform::Kong), &[]) {
        let dir = b.files()[doc.file].path.parent().map(PathBuf::from);
        dirs.entry(dir.unwrap_or_default()).or_default().push(doc);
    }
    for (dir, docs) in dirs {
        let targets = upstream_targets(&docs);
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_else(|| "kong".into());
        let gateway = HostKey {
            name: name.clone(),
            namespace: None,
            external: false,
        };
        let first = docs[0];
        let from = b.service(
            &gateway,
            Source {
                layer: LayerKind::Gateway,
                what: format!("Kong gateway {name}"),
                at: b.at(first.file, first.root.span),
            },
        );
        for doc in &docs {
            for service in list(&doc.root, "services") {
                kong_service(b, doc, service, &from, &targets);
            }
        }
    }
}

/// Upstream name (and id) → the hosts of its targets, nested or top-level.
fn upstream_targets<'a>(docs: &[&'a Document]) -> HashMap<&'a str, Vec<&'a str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for doc in docs {
        for up in list(&doc.root, "upstreams") {
            let hosts: Vec<&str> = list(up, "targets")
                .iter()
                .filter_map(|t| text(t, "target"))
                .collect();
            for id in [text(up, "name"), text(up, "id")].into_iter().flatten() {
                out.entry(id).or_default().extend(&hosts);
            }
        }
        for t in list(&doc.root, "targets") {
            let up = t.get("upstream").and_then(|u| {
                u.as_str()
                    .or_else(|| text(u, "name"))
                    .or_else(|| text(u, "id"))
            });
            if let (Some(up), Some(target)) = (up, text(t, "target")) {
                out.entry(up).or_default().push(target);
            }
        }
    }
    out
}

fn kong_service(
    b: &mut Recorder,
    doc: &Document,
    service: &Node,
    from: &str,
    targets: &HashMap<&str, Vec<&str>>,
) {
    let Some(host) = text(service, "target-host") else {
        return;
    };
    let hosts: Vec<&str> = match service.get("upstream").and_then(|u| text(u, "name")) {
        Some(up) => targets.get(up).cloned().unwrap_or_default(),
        None => vec![host],
    };
    let label = text(service, "label").unwrap_or("?");
    let at = b.at(doc.file, service.span);
    let mut layer = Layer::new(
        LayerKind::Gateway,
        "kong",
        format!("Kong service {label}"),
        at.clone(),
    );
    layer.timeout = match service.get("read_timeout") {
        Some(t) => number(t).filter(|ms| *ms > 0).map(|ms| Setting {
            value: format!("read_timeout: {ms}"),
            seconds: Some(ms as f64 / 1000.0),
            at: b.at(doc.file, t.span),
        }),
        None => Some(Setting {
            value: format!("Kong's default read_timeout ({DEFAULT_TIMEOUT_MS} ms)"),
            seconds: Some(DEFAULT_TIMEOUT_MS as f64 / 1000.0),
            at: at.clone(),
        }),
    };
    let retries = match service.get("retries") {
        Some(r) => number(r).map(|n| (n, false, b.at(doc.file, r.span))),
        None => Some((DEFAULT_RETRIES, true, at.clone())),
    };
    layer.retries = retries.map(|(n, default, at)| Retries {
        tries: Some(n.max(0) as u64 + 1),
        unbounded: false,
        conditions: vec!["connect-failure".into()],
        per_try_seconds: None,
        backoff: Some("none".into()),
        default,
        at,
    });
    layer.breaker = service
        .get("upstream")
        .and_then(|u| u.get("health-checks"))
        .and_then(|h| h.as_str().map(|s| (s, h.span)))
        .filter(|(s, _)| matches!(*s, "passive" | "active" | "passive and active"))
        .map(|(s, span)| Setting {
            value: format!("upstream health checks ({s})"),
            seconds: None,
            at: b.at(doc.file, span),
        });
    let layer = std::sync::Arc::new(layer);
    let routes = list(service, "all-routes");
    // (method when the route has exactly one, first path, where).
    let mut ways: Vec<(Option<String>, Option<String>, super::Where)> = routes
        .iter()
        .map(|r| {
            let methods = list(r, "methods");
            let method = match methods {
                [one] => one.as_str().map(str::to_ascii_uppercase),
                _ => None,
            };
            let path = list(r, "paths")
                .first()
                .and_then(Node::as_str)
                .map(String::from);
            (method, path, b.at(doc.file, r.span))
        })
        .collect();
    if ways.is_empty() {
        ways.push((None, None, at.clone()));
    }
    for target in hosts {
        let Some(address) = host::parse(target) else {
            continue;
        };
        // Resolved once for all the service's routes.
        let mut to = Host::Resolved(address.host);
        for (method, path, where_) in &ways {
            let call = Call {
                from,
                origin: LayerKind::Gateway,
                at: where_.clone(),
                method: method.clone(),
                path: path.clone(),
            };
            let what = format!("target of Kong service {label}");
            let host = std::mem::replace(&mut to, Host::Previous);
            b.add_call(host, what, at.clone(), call, layer.clone());
        }
    }
}
