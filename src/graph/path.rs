//! Paths: the mesh routes put on each code and gateway edge, and what the layers of
//! one path amount to together (who bounds the call, how many requests one call can
//! become, which layer gives up first, whether a mutation is replayed).

use super::{Edge, Layer, LayerKind, Route, Setting};

/// Whether a route applies to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Applies {
    No,
    Maybe,
    Yes,
}

/// Gateways whose calls no mesh sidecar is assumed to route (see [`attach_routes`]).
const EDGE_PROXIES: &[&str] = &["gateway-api", "kong", "envoy"];

/// Header names that carry an idempotency key.
const KEY_HEADERS: &[&str] = &["idempotency-key", "x-idempotency-key"];

/// Retry conditions that can replay a request the upstream already received.
const UNSAFE: &[&str] = &["5xx", "gateway-error", "reset", "retriable-4xx"];

fn namespace_of(id: &str) -> Option<&str> {
    id.split_once('.')
        .map(|(_, ns)| ns)
        .filter(|ns| !ns.contains('.'))
}

/// Puts on every code and gateway edge the mesh routes its request may take: among
/// the routes to its target visible from the caller's namespace (those in the
/// caller's namespace first, as Istio scopes them), in order, every one that may
/// match until one surely does.
pub fn attach_routes(edges: &mut [Edge], routes: &rustc_hash::FxHashMap<String, Vec<Route>>) {
    for edge in edges.iter_mut() {
        if !matches!(edge.origin, LayerKind::Code | LayerKind::Gateway) {
            continue;
        }
        // A Gateway API gateway is an edge proxy (Envoy Gateway, Istio's own
        // gateway): no sidecar of the mesh routes its calls, so VirtualService
        // routes do not apply to them. Kong and a front Envoy are taken as edge
        // proxies too: whether a sidecar was injected beside them is not written
        // in their configuration, and guessing one would multiply their retries.
        if edge
            .layers
            .first()
            .is_some_and(|l| EDGE_PROXIES.contains(&l.platform))
        {
            continue;
        }
        let Some(list) = routes.get(&edge.to) else {
            continue;
        };
        let caller_ns = edge.from.as_deref().and_then(namespace_of);
        let visible: Vec<&Route> = list
            .iter()
            .filter(|r| {
                r.export.is_empty() || caller_ns.is_some_and(|ns| r.export.iter().any(|e| e == ns))
            })
            .collect();
        let local: Vec<&Route> = visible
            .iter()
            .filter(|r| caller_ns.is_some() && r.namespace.as_deref() == caller_ns)
            .copied()
            .collect();
        let mut chosen = if local.is_empty() { visible } else { local };
        chosen.sort_by_key(|r| r.order);
        let sends_key = edge.layers.iter().any(|l| l.idempotency.is_some());
        let knows_headers = edge.origin == LayerKind::Code;
        let mut taken = Vec::new();
        for r in chosen {
            match applies(r, edge, sends_key, knows_headers) {
                Applies::No => {}
                Applies::Maybe => taken.push(r.layer.clone()),
                Applies::Yes => {
                    taken.push(r.layer.clone());
                    break;
                }
            }
        }
        edge.layers.extend(taken);
    }
}

fn applies(route: &Route, edge: &Edge, sends_key: bool, knows_headers: bool) -> Applies {
    if route.matches.is_empty() {
        return Applies::Yes;
    }
    let mut best = Applies::No;
    for m in &route.matches {
        let mut a = if m.unknown {
            Applies::Maybe
        } else {
            Applies::Yes
        };
        let mut check = |known: Option<bool>| match known {
            Some(false) => a = Applies::No,
            None => a = a.min(Applies::Maybe),
            Some(true) => {}
        };
        if let Some(method) = &m.method {
            check(edge.method.as_ref().map(|x| x == method));
        }
        if let Some(prefix) = &m.path_prefix {
            check(edge.path.as_ref().map(|p| p.starts_with(prefix.as_str())));
        }
        if let Some(exact) = &m.path_exact {
            check(edge.path.as_ref().map(|p| p == exact));
        }
        for h in &m.headers {
            if KEY_HEADERS.contains(&h.as_str()) && knows_headers {
                check(Some(sends_key));
            } else {
                check(None);
            }
        }
        best = best.max(a);
    }
    best
}

/// A mesh route as an edge of its own (every caller's), for the map.
pub fn mesh_edge(to: &str, route: Route) -> Edge {
    let methods: Vec<&str> = route
        .matches
        .iter()
        .filter_map(|m| m.method.as_deref())
        .collect();
    let method = (!methods.is_empty() && methods.iter().all(|m| *m == methods[0]))
        .then(|| methods[0].to_string());
    let path = route
        .matches
        .iter()
        .find_map(|m| m.path_prefix.clone().or(m.path_exact.clone()));
    Edge {
        id: format!("mesh -> {to} @ {}", route.layer.at.short()),
        from: None,
        to: to.to_string(),
        origin: LayerKind::Mesh,
        at: route.layer.at.clone(),
        method,
        path,
        // The route is consumed: its layer moves into the edge instead of being
        // cloned (string copies were a tenth of building the graph).
        layers: vec![route.layer],
        findings: Vec::new(),
    }
}

/// How a path stands for one protection (a timeout, a breaker).
pub enum Cover<'a> {
    /// The origin layer sets it itself.
    Own(&'a Setting),
    /// Every downstream route sets it (at least one route).
    Path(Vec<(&'a Layer, &'a Setting)>),
    /// Nothing sets it on every route; the routes that do not, and whether any route is known.
    None { routes: usize },
}

/// Where a path gets a protection from: the origin layer, or every later layer.
pub fn cover<'a>(edge: &'a Edge, pick: fn(&Layer) -> Option<&Setting>) -> Cover<'a> {
    let Some(origin) = edge.layers.first() else {
        return Cover::None { routes: 0 };
    };
    if let Some(s) = pick(origin) {
        return Cover::Own(s);
    }
    let rest = &edge.layers[1..];
    let set: Vec<(&Layer, &Setting)> = rest
        .iter()
        .filter_map(|l| pick(l).map(|s| (&**l, s)))
        .collect();
    if !rest.is_empty() && set.len() == rest.len() {
        Cover::Path(set)
    } else {
        Cover::None { routes: rest.len() }
    }
}

/// `the mesh (VirtualService a/b, route c: timeout: 6s at k8s/b.yaml:12)`, one per layer.
pub fn describe(covering: &[(&Layer, &Setting)]) -> String {
    covering
        .iter()
        .map(|(l, s)| {
            format!(
                "the {} ({}: `{}` at {})",
                l.layer.name(),
                l.what,
                s.value,
                s.at.short()
            )
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The largest number of requests one call can become: per layer kind the most
/// tries among its alternatives, multiplied across layers; with each layer's share.
/// `None` unless two or more layers retry with a known count.
pub fn amplification(edge: &Edge) -> Option<(u64, String)> {
    let mut best: Vec<(LayerKind, u64, &Layer)> = Vec::new();
    for l in &edge.layers {
        let Some(tries) = l.retries.as_ref().and_then(|r| r.tries) else {
            continue;
        };
        if tries < 2 {
            continue;
        }
        match best.iter_mut().find(|(k, _, _)| *k == l.layer) {
            Some(b) if b.1 < tries => *b = (l.layer, tries, l),
            Some(_) => {}
            None => best.push((l.layer, tries, l)),
        }
    }
    if best.len() < 2 {
        return None;
    }
    let product = best.iter().fold(1u64, |p, (_, t, _)| p.saturating_mul(*t));
    let shares = best
        .iter()
        .map(|(k, t, l)| {
            let r = l.retries.as_ref().expect("kept only layers with retries");
            let default = if r.default { ", its default" } else { "" };
            format!(
                "{} {t} tries ({}{default}, {})",
                k.name(),
                l.what,
                r.at.short()
            )
        })
        .collect::<Vec<_>>()
        .join(" × ");
    Some((product, shares))
}

/// How long a mesh route may keep retrying: its timeout, or tries × per-try timeout
/// when that is shorter. `None` when the route does not retry or nothing bounds it.
pub fn retry_budget(l: &Layer) -> Option<(f64, String)> {
    let r = l.retries.as_ref()?;
    let tries = r.tries.filter(|t| *t > 1)?;
    let total = l.timeout.as_ref().and_then(|t| t.seconds);
    let tried = r.per_try_seconds.map(|p| p * tries as f64);
    let secs = |s: f64| crate::rules::duration::format_seconds(s);
    match (total, tried) {
        (Some(t), Some(p)) if p < t => Some((
            p,
            format!("{tries} tries × perTryTimeout {}", secs(r.per_try_seconds?)),
        )),
        (Some(t), _) => Some((t, format!("{tries} tries within timeout {}", secs(t)))),
        (None, Some(p)) => Some((
            p,
            format!("{tries} tries × perTryTimeout {}", secs(r.per_try_seconds?)),
        )),
        (None, None) => None,
    }
}

/// An outer layer that gives up before an inner one can finish: the origin's
/// timeout shorter than a later route's retry budget.
pub fn retries_outlast_caller(edge: &Edge) -> Option<String> {
    let origin = edge.layers.first()?;
    let t = origin.timeout.as_ref()?;
    let mine = t.seconds?;
    let secs = crate::rules::duration::format_seconds;
    edge.layers[1..].iter().find_map(|l| {
        let (budget, how) = retry_budget(l)?;
        (mine < budget).then(|| {
            format!(
                "the {} timeout of {} ({}) is shorter than the {}'s retry budget of {} ({how}; {}, {}): the caller gives up before the {} retries can finish",
                origin.layer.name(),
                secs(mine),
                t.at.short(),
                l.layer.name(),
                secs(budget),
                l.what,
                l.at.short(),
                l.layer.name()
            )
        })
    })
}

/// The longest a code call may wait: its own timeout, else the longest of the routes
/// when every route sets one.
pub fn wait_of(edge: &Edge) -> Option<(f64, String)> {
    match cover(edge, |l| l.timeout.as_ref()) {
        Cover::Own(s) => s.seconds.map(|x| (x, s.at.short())),
        Cover::Path(set) => {
            let secs: Option<Vec<f64>> = set.iter().map(|(_, s)| s.seconds).collect();
            let longest = secs?.into_iter().fold(0.0f64, f64::max);
            Some((longest, set[0].1.at.short()))
        }
        Cover::None { .. } => None,
    }
}

/// The method of a POST or PATCH call whose path retries on a later layer.
pub fn retried_mutation(edge: &Edge) -> Option<&str> {
    let method = edge
        .method
        .as_deref()
        .filter(|m| *m == "POST" || *m == "PATCH")?;
    edge.layers[1..]
        .iter()
        .any(|l| {
            l.retries
                .as_ref()
                .is_some_and(|r| r.tries.is_none_or(|t| t > 1))
        })
        .then_some(method)
}

/// A mutation (POST, PATCH) sent without an idempotency key down a path whose later
/// layers retry on conditions that replay a request the upstream received.
pub fn mutation_retried(edge: &Edge) -> Option<String> {
    let method = edge
        .method
        .as_deref()
        .filter(|m| *m == "POST" || *m == "PATCH")?;
    if edge.layers.iter().any(|l| l.idempotency.is_some()) {
        return None;
    }
    edge.layers[1..].iter().find_map(|l| {
        let bad = replays(l)?;
        let r = l.retries.as_ref()?;
        Some(format!(
            "this {method} sends no Idempotency-Key, and the {} retries it on {} ({}, {}): a request the upstream already applied can be applied again",
            l.layer.name(),
            bad.join(","),
            l.what,
            r.at.short()
        ))
    })
}

/// The conditions on which a layer retries a request the upstream may already have
/// received (`5xx`, `reset`, a status code); `None` when it does not retry on any.
pub fn replays(l: &Layer) -> Option<Vec<&str>> {
    let r = l.retries.as_ref()?;
    // Unknown tries (a retry budget) still retry.
    if r.tries.is_some_and(|t| t < 2) {
        return None;
    }
    let bad: Vec<&str> = r
        .conditions
        .iter()
        .map(String::as_str)
        .filter(|c| UNSAFE.contains(c) || c.parse::<u16>().is_ok())
        .collect();
    (!bad.is_empty()).then_some(bad)
}
