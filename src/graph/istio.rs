//! Istio's contribution: every VirtualService HTTP route is a mesh route to each of
//! the VirtualService's hosts, carrying its timeout, its retries (Istio's default of
//! 2 retries on `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`
//! when it sets none) and, as its breaker, the outlier detection of the
//! DestinationRule each destination resolves to (the `istio-host` resolver).

use rayon::prelude::*;

use super::host::{self, HostKey};
use super::{Builder, Layer, LayerKind, Match, Retries, Route, Setting, Source};
use crate::classify::Platform;
use crate::join::{Reference, Resolver, ServiceIndex, TargetSelect};
use crate::load::Document;
use crate::rules::duration::parse_seconds;
use crate::rules::path::Path;
use crate::tree::Node;

/// Istio's retry policy when a route sets none (mesh-wide default).
const DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
const DEFAULT_ATTEMPTS: u64 = 2;

fn is_istio(doc: &Document) -> bool {
    doc.meta
        .api_version
        .as_deref()
        .is_some_and(|a| a.starts_with("networking.istio.io/"))
}

pub fn add(b: &mut Builder) {
    let kinds = ["DestinationRule".to_string()];
    let select = TargetSelect {
        platform: Some(Platform::Kubernetes),
        kinds: &kinds,
        api_version: None,
        each: &[],
        name: None,
    };
    let rules = ServiceIndex::build(b.ws, Resolver::IstioHost, &select);
    let vs_kinds = ["VirtualService".to_string()];
    let docs: Vec<&Document> =
        b.ws.docs_of(Some(Platform::Kubernetes), &vs_kinds)
            .into_iter()
            .filter(|d| is_istio(d))
            .collect();
    // What each VirtualService adds is read from the workspace alone, in parallel;
    // the services and routes are then added in document order, as one by one.
    let reader: &Builder = b;
    let plans: Vec<Option<Plan>> = docs
        .par_iter()
        .map(|doc| virtual_service(reader, doc, &rules))
        .collect();
    for plan in plans.into_iter().flatten() {
        let Plan {
            file,
            index,
            ns,
            export,
            hosts,
            routes,
        } = plan;
        let hosts: Vec<String> = hosts
            .into_iter()
            .map(|(key, source)| b.service(&key, source))
            .collect();
        for (i, route) in routes.into_iter().enumerate() {
            let Some(route) = route else { continue };
            for host in &hosts {
                b.add_route(
                    host,
                    Route {
                        layer: route.layer.clone(),
                        order: (file, index, i),
                        matches: route.matches.clone(),
                        namespace: Some(ns.clone()),
                        export: export.clone(),
                    },
                );
            }
        }
    }
}

/// What one VirtualService adds to the graph: its hosts as services, and each HTTP
/// route's layer (`None` for a route bound only to ingress gateways).
struct Plan {
    file: usize,
    index: usize,
    ns: String,
    export: Vec<String>,
    hosts: Vec<(HostKey, Source)>,
    routes: Vec<Option<PlannedRoute>>,
}

struct PlannedRoute {
    layer: std::sync::Arc<Layer>,
    matches: Vec<Match>,
}

fn virtual_service(b: &Builder, doc: &Document, rules: &ServiceIndex) -> Option<Plan> {
    let spec = doc.root.get("spec")?;
    let ns = crate::join::namespace(doc).to_string();
    let name = doc.meta.name.clone().unwrap_or_default();
    // Routes bound only to ingress gateways do not apply to calls inside the mesh.
    let gateways: Vec<&str> = spec
        .get("gateways")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let in_mesh = gateways.is_empty() || gateways.contains(&"mesh");
    let export: Vec<String> = spec
        .get("exportTo")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(|e| if e == "." { ns.clone() } else { e.to_string() })
        .filter(|e| e != "*")
        .collect();
    let mut hosts = Vec::new();
    for h in spec.get("hosts").and_then(Node::as_seq).unwrap_or_default() {
        let Some(key) = h.as_str().and_then(host::key) else {
            continue;
        };
        let key = key.in_namespace(Some(&ns));
        let source = Source {
            layer: LayerKind::Mesh,
            what: format!("VirtualService {ns}/{name} host"),
            at: b.at(doc.file, h.span),
        };
        hosts.push((key, source));
    }
    let mut routes = Vec::new();
    let mut ejects = Ejects::default();
    for (i, route) in spec
        .get("http")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let label = route
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("http[{i}]"), |n| format!("route {n}"));
        let mut layer = Layer::new(
            LayerKind::Mesh,
            "istio",
            format!("VirtualService {ns}/{name}, {label}"),
            b.at(doc.file, route.span),
        );
        layer.timeout = route.get("timeout").and_then(|t| {
            let text = t.as_str()?;
            let seconds = parse_seconds(text, 1.0)?;
            (seconds > 0.0).then(|| Setting {
                value: format!("timeout: {text}"),
                seconds: Some(seconds),
                at: b.at(doc.file, t.span),
            })
        });
        layer.retries = Some(retries(b, doc, route));
        layer.breaker = breaker(b, doc, route, rules, &mut ejects);
        let matches: Vec<Match> = route
            .get("match")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(match_block)
            .collect();
        routes.push(in_mesh.then(|| PlannedRoute {
            layer: std::sync::Arc::new(layer),
            matches,
        }));
    }
    Some(Plan {
        file: doc.file,
        index: doc.index,
        ns,
        export,
        hosts,
        routes,
    })
}

fn retries(b: &Builder, doc: &Document, route: &Node) -> Retries {
    let Some(r) = route.get("retries") else {
        return Retries {
            tries: Some(DEFAULT_ATTEMPTS + 1),
            unbounded: false,
            conditions: DEFAULT_RETRY_ON.split(',').map(str::to_string).collect(),
            per_try_seconds: None,
            backoff: Some("exponential with jitter (Envoy, 25 ms base)".into()),
            default: true,
            at: b.at(doc.file, route.span),
        };
    };
    // A `retries` block without `attempts` installs no retry policy.
    let attempts = r
        .get("attempts")
        .and_then(Node::as_i64)
        .map_or(0, |a| a.max(0) as u64);
    let conditions = r
        .get("retryOn")
        .and_then(Node::as_str)
        .unwrap_or(DEFAULT_RETRY_ON)
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    Retries {
        tries: Some(attempts + 1),
        unbounded: false,
        conditions,
        per_try_seconds: r
            .get("perTryTimeout")
            .and_then(Node::as_str)
            .and_then(|t| parse_seconds(t, 1.0)),
        backoff: Some("exponential with jitter (Envoy, 25 ms base)".into()),
        default: false,
        at: b.at(doc.file, r.span),
    }
}

/// Per destination (host, subset, port) of one VirtualService, the outlier detection
/// its DestinationRule sets: routes of one object mostly share their destinations,
/// and resolving one is a dozen lookups and allocations. A map, not a list: one
/// object may hold tens of thousands of distinct destinations (a list searched per
/// route made a 2 MB VirtualService take seconds).
type Ejects<'a> = rustc_hash::FxHashMap<(&'a str, Option<&'a str>, Option<i64>), Option<Setting>>;

/// The outlier detection of every destination's DestinationRule, when all have one.
fn breaker<'a>(
    b: &Builder,
    doc: &Document,
    route: &'a Node,
    rules: &ServiceIndex,
    ejects: &mut Ejects<'a>,
) -> Option<Setting> {
    let dests = route
        .get("route")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let mut found = None;
    for d in dests {
        let dest = d.get("destination")?;
        let host = dest.get("host").and_then(Node::as_str)?;
        let subset = dest.get("subset").and_then(Node::as_str);
        let port = dest
            .get("port")
            .and_then(|p| p.get("number"))
            .and_then(Node::as_i64);
        let key = (host, subset, port);
        let setting = ejects
            .entry(key)
            .or_insert_with(|| ejection(b, doc, rules, key))
            .clone();
        found.get_or_insert(setting?);
    }
    found
}

/// The outlier detection of the DestinationRule a destination resolves to, if it ejects.
fn ejection(
    b: &Builder,
    doc: &Document,
    rules: &ServiceIndex,
    (host, subset, port): (&str, Option<&str>, Option<i64>),
) -> Option<Setting> {
    static OUTLIER: std::sync::LazyLock<Option<Path>> =
        std::sync::LazyLock::new(|| Path::parse("outlierDetection").ok());
    let od = OUTLIER.as_ref()?;
    let reference = Reference {
        key: host,
        subset,
        port,
        doc,
        files: &b.ws.files,
    };
    let target = rules.resolve(b.ws, Resolver::IstioHost, &reference)?;
    let view = Resolver::IstioHost.imp().view(&reference, &target);
    let hit = view.lookup(od).ok()?;
    // `consecutive5xxErrors: 0` with no gateway-error threshold ejects nothing.
    let count = |k: &str| hit.node.get(k).and_then(Node::as_i64);
    if count("consecutive5xxErrors") == Some(0)
        && count("consecutiveGatewayErrors").unwrap_or(0) == 0
    {
        return None;
    }
    let name = target.doc.meta.name.as_deref().unwrap_or("");
    Some(Setting {
        value: format!("DestinationRule {name} outlierDetection"),
        seconds: None,
        at: b.at(target.doc.file, hit.node.span),
    })
}

fn match_block(m: &Node) -> Match {
    let mut out = Match::default();
    if let Some(method) = m.get("method") {
        match method.get("exact").and_then(Node::as_str) {
            Some(exact) => out.method = Some(exact.to_string()),
            None => out.unknown = true,
        }
    }
    if let Some(uri) = m.get("uri") {
        if let Some(p) = uri.get("prefix").and_then(Node::as_str) {
            out.path_prefix = Some(p.to_string());
        } else if let Some(p) = uri.get("exact").and_then(Node::as_str) {
            out.path_exact = Some(p.to_string());
        } else {
            out.unknown = true;
        }
    }
    for (k, _) in m.get("headers").and_then(Node::as_map).unwrap_or_default() {
        if let Some(name) = k.as_str() {
            out.headers.push(name.to_ascii_lowercase());
        }
    }
    for other in [
        "queryParams",
        "authority",
        "scheme",
        "port",
        "sourceLabels",
        "gateways",
        "sourceNamespace",
        "withoutHeaders",
    ] {
        if m.get(other).is_some() {
            out.unknown = true;
        }
    }
    out
}
