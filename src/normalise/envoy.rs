//! Envoy configuration in any of the spellings it is written in: static bootstrap
//! YAML or JSON, xDS responses (`resources: [{"@type": ...}]`), admin config dumps
//! (`configs: [...]`) and the camelCase protojson that control planes print.
//!
//! Per document ([`canonical`]), keeping every position:
//!
//! - keys become snake_case (`retryPolicy` → `retry_policy`); keys that are not
//!   plain camelCase identifiers (`@type`, filter names, header names) stay as written;
//! - `typed_config` wrappers are unwrapped where they hide the real message: a
//!   `TypedStruct` (`{"@type": ".../TypedStruct", type_url, value}`) becomes its
//!   `value` (with `@type` set to its `type_url`), and a delta-xDS `Resource`
//!   (`{"@type": ".../Resource", resource: {...}}`) becomes its `resource`. An `Any`
//!   (`{"@type": ..., fields}`) already holds its fields inline;
//! - two derived lists are added at the top level (a document whose root is a list
//!   becomes `{resources: [...]}` first), so rules reach routes and clusters wherever
//!   a listener, an HTTP connection manager or a config dump nests them:
//!   - `all_routes`: every route of every virtual host (a map with `domains` and
//!     `routes`), in document order, each with
//!     - `virtual_host`: the name of its virtual host;
//!     - `route.retry_policy` from the virtual host when the route sets none
//!       (Envoy uses the route's policy when it has one, else the virtual host's);
//!     - `route.timeout: 15s` when unset (Envoy's route default; `0s` disables it);
//!     - `match.method`: the `:method` header matcher as a string match
//!       (`{exact|prefix|regex: ...}`), unless it is inverted;
//!     - `match.header_names`: the matched header names as map keys (for guards
//!       such as `idempotency-key`);
//!     - `clusters`: the clusters the route sends to, `[{name}]` ([`usage`]);
//!   - `all_clusters`: every cluster (a map with a `name` and a cluster's own fields,
//!     or an `@type` naming a Cluster), each with `control_plane` set when the
//!     document uses it to reach its control plane or telemetry (`dynamic_resources`,
//!     an `api_config_source` or `ads_config`, `cluster_manager`, `tracing`,
//!     `stats_sinks`, `access_log`): such a cluster carries no application traffic;
//!     and `local` set when every endpoint it lists is on the same host (a loopback
//!     address or a unix socket: the sidecar's own application, its agent, its admin
//!     port), where there is no other endpoint to eject to.
//!
//! Across documents ([`link`]), clusters named for the control plane by another file
//! are marked `control_plane`, and clusters are marked `routed` or `unused` by what
//! the routes of their directory name ([`usage`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::classify::Platform;
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Scalar, Span, Value};

/// Envoy's route timeout when a route sets none.
const DEFAULT_ROUTE_TIMEOUT: &str = "15s";

/// Fields only a Cluster has (besides `name`), snake_case.
const CLUSTER_FIELDS: &[&str] = &[
    "connect_timeout",
    "load_assignment",
    "eds_cluster_config",
    "cluster_type",
    "lb_policy",
    "outlier_detection",
    "circuit_breakers",
    "hosts",
];

/// Top-level keys and wrappers whose clusters serve the proxy itself.
const CONTROL_PLANE_KEYS: &[&str] = &[
    "dynamic_resources",
    "api_config_source",
    "ads_config",
    "cluster_manager",
    "tracing",
    "stats_sinks",
    "access_log",
];

/// The canonical form of one Envoy document; see the module docs.
pub fn canonical(root: &Node) -> Node {
    let mut root = snake(root);
    if let Value::Seq(_) = root.value {
        let span = root.span;
        root = Node {
            value: Value::Map(vec![(key_at("resources", span), root)]),
            span,
        };
    }
    let mut routes = Vec::new();
    collect_routes(&root, &mut routes);
    let mut infra = Vec::new();
    collect_control_plane(&root, false, &mut infra);
    let mut clusters = Vec::new();
    collect_clusters(&root, &infra, &mut clusters);
    let span = root.span;
    if let Value::Map(entries) = &mut root.value {
        entries.push((key_at("all_routes", span), seq_at(routes, span)));
        entries.push((key_at("all_clusters", span), seq_at(clusters, span)));
    }
    root
}

/// Cross-document: a cluster named for the control plane or telemetry by another
/// Envoy document of its directory or a directory above it (a CDS dump beside the
/// bootstrap whose `ads_config` uses it) is marked `control_plane` too.
pub fn link(docs: &mut [Document], files: &[SourceFile]) {
    let envoy: Vec<usize> = (0..docs.len())
        .filter(|i| docs[*i].meta.platform == Platform::Envoy)
        .collect();
    let dir_of = |d: &Document| files[d.file].path.parent().map(Path::to_path_buf);
    let mut infra: HashMap<String, Vec<Option<PathBuf>>> = HashMap::new();
    for &i in &envoy {
        let mut names = Vec::new();
        collect_control_plane(&docs[i].root, false, &mut names);
        let dir = dir_of(&docs[i]);
        for n in names {
            let dirs = infra.entry(n).or_default();
            if !dirs.contains(&dir) {
                dirs.push(dir.clone());
            }
        }
    }
    usage::link(docs, files);
    if infra.is_empty() {
        return;
    }
    for &i in &envoy {
        let dir = dir_of(&docs[i]);
        let named = |name: &str| {
            infra
                .get(name)
                .into_iter()
                .flatten()
                .any(|d| match (&dir, d) {
                    (Some(here), Some(there)) => here.starts_with(there),
                    _ => false,
                })
        };
        let Value::Map(root) = &mut docs[i].root.value else {
            continue;
        };
        let Some((_, clusters)) = root
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("all_clusters"))
        else {
            continue;
        };
        let Value::Seq(clusters) = &mut clusters.value else {
            continue;
        };
        for c in clusters.iter_mut() {
            let name = c.get("name").and_then(Node::as_str).unwrap_or("");
            if c.get("control_plane").is_some() || !named(name) {
                continue;
            }
            let span = c.span;
            if let Value::Map(entries) = &mut c.value {
                let first = entries.first().map_or(span, |(k, _)| k.span);
                entries.push(flag("control_plane", first));
            }
        }
    }
}

fn flag(key: &str, at: Span) -> (Node, Node) {
    let value = Value::Scalar(Scalar {
        text: "true".into(),
        quoted: false,
    });
    (key_at(key, at), Node { value, span: at })
}

/// Whether a key is a camelCase identifier to rewrite (`retryPolicy`, not `@type`).
fn camel_to_snake(key: &str) -> Option<String> {
    let first = key.chars().next()?;
    if !first.is_ascii_lowercase()
        || !key.chars().all(|c| c.is_ascii_alphanumeric())
        || !key.chars().any(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// snake_case keys and unwrapped `TypedStruct` / `Resource` wrappers, recursively.
fn snake(node: &Node) -> Node {
    let value = match &node.value {
        Value::Scalar(_) => node.value.clone(),
        Value::Seq(items) => Value::Seq(items.iter().map(snake).collect()),
        Value::Map(entries) => {
            let entries: Vec<(Node, Node)> = entries
                .iter()
                .map(|(k, v)| {
                    let key = match k.as_str().and_then(camel_to_snake) {
                        Some(s) => Node::scalar(s, false, k.span),
                        None => k.clone(),
                    };
                    (key, snake(v))
                })
                .collect();
            return unwrap(Node {
                value: Value::Map(entries),
                span: node.span,
            });
        }
    };
    Node {
        value,
        span: node.span,
    }
}

/// A `TypedStruct` as its `value`, a delta-xDS `Resource` as its `resource`.
fn unwrap(node: Node) -> Node {
    let Some(ty) = node.get("@type").and_then(Node::as_str) else {
        return node;
    };
    if ty.ends_with(".TypedStruct") {
        let type_url = node.entry("type_url").map(|(k, v)| (k.clone(), v.clone()));
        if let Some(Value::Map(inner)) = node.get("value").map(|v| v.value.clone()) {
            let mut entries = Vec::with_capacity(inner.len() + 1);
            if let Some((k, v)) = type_url {
                entries.push((Node::scalar("@type", false, k.span), v));
            }
            entries.extend(inner);
            return Node {
                value: Value::Map(entries),
                span: node.span,
            };
        }
    } else if ty.ends_with("discovery.v3.Resource") {
        if let Some(inner) = node.get("resource").filter(|r| r.as_map().is_some()) {
            return inner.clone();
        }
    }
    node
}

fn key_at(text: &str, span: Span) -> Node {
    Node::scalar(text, false, Span::new(span.start, span.start))
}

fn seq_at(items: Vec<Node>, span: Span) -> Node {
    Node {
        value: Value::Seq(items),
        span,
    }
}

/// Every route of every virtual host below `node`, materialised.
fn collect_routes(node: &Node, out: &mut Vec<Node>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter().for_each(|i| collect_routes(i, out)),
        Value::Map(entries) => {
            if node.get("domains").is_some() {
                if let Some(routes) = node.get("routes").and_then(Node::as_seq) {
                    let vhost_name = node.get("name").and_then(Node::as_str).unwrap_or("");
                    let vhost_retry = node.entry("retry_policy");
                    for r in routes.iter().filter(|r| r.as_map().is_some()) {
                        out.push(route(r, vhost_name, vhost_retry));
                    }
                    return;
                }
            }
            entries.iter().for_each(|(_, v)| collect_routes(v, out));
        }
    }
}

/// One route with its derived fields; see the module docs.
fn route(r: &Node, vhost: &str, vhost_retry: Option<(&Node, &Node)>) -> Node {
    let mut entries = r.as_map().unwrap_or_default().to_vec();
    let first = entries.first().map_or(r.span, |(k, _)| k.span);
    entries.push((
        key_at("virtual_host", first),
        Node::scalar(vhost, true, first),
    ));
    let clusters = r
        .get("route")
        .and_then(|action| usage::clusters_entry(action, first));
    entries.extend(clusters);
    for (k, v) in entries.iter_mut() {
        match k.as_str() {
            Some("route") => *v = route_action(v, k.span, vhost_retry),
            Some("match") => *v = route_match(v),
            _ => {}
        }
    }
    Node {
        value: Value::Map(entries),
        span: r.span,
    }
}

fn route_action(action: &Node, key_span: Span, vhost_retry: Option<(&Node, &Node)>) -> Node {
    let Some(entries) = action.as_map() else {
        return action.clone();
    };
    let has = |k: &str| entries.iter().any(|(key, _)| key.as_str() == Some(k));
    let (has_retry, has_timeout) = (has("retry_policy"), has("timeout"));
    let mut entries = entries.to_vec();
    if !has_retry {
        if let Some((k, v)) = vhost_retry {
            entries.push((k.clone(), v.clone()));
        }
    }
    if !has_timeout {
        entries.push((
            key_at("timeout", key_span),
            Node::scalar(DEFAULT_ROUTE_TIMEOUT, false, key_span),
        ));
    }
    Node {
        value: Value::Map(entries),
        span: action.span,
    }
}

/// A route match with `method` and `header_names` derived from its header matchers.
fn route_match(m: &Node) -> Node {
    let Some(entries) = m.as_map() else {
        return m.clone();
    };
    let mut entries = entries.to_vec();
    let headers = m.get("headers").and_then(Node::as_seq).unwrap_or_default();
    let mut names = Vec::new();
    let mut method = None;
    for h in headers {
        let Some((name_key, name)) = h.entry("name") else {
            continue;
        };
        let Some(text) = name.as_str() else { continue };
        let inverted = h.get("invert_match").and_then(Node::as_bool) == Some(true);
        if !inverted {
            names.push((name.clone(), h.clone()));
        }
        if text == ":method" && !inverted && method.is_none() {
            method = header_string_match(h).map(|(kind, value)| Node {
                value: Value::Map(vec![(key_at(kind, name_key.span), value.clone())]),
                span: h.span,
            });
        }
    }
    if let Some(method) = method {
        entries.push((key_at("method", m.span), method));
    }
    entries.push((
        key_at("header_names", m.span),
        Node {
            value: Value::Map(names),
            span: m.span,
        },
    ));
    Node {
        value: Value::Map(entries),
        span: m.span,
    }
}

/// The string match of a header matcher as (`exact`|`prefix`|`regex`, value), from
/// the v3 `string_match` or the older `exact_match`/`prefix_match`/`safe_regex_match`.
fn header_string_match(h: &Node) -> Option<(&'static str, &Node)> {
    fn pick<'a>(kind: &'static str, node: Option<&'a Node>) -> Option<(&'static str, &'a Node)> {
        node.map(|n| (kind, n))
    }
    let sm = h.get("string_match");
    pick("exact", h.get("exact_match"))
        .or_else(|| pick("exact", sm.and_then(|s| s.get("exact"))))
        .or_else(|| pick("prefix", h.get("prefix_match")))
        .or_else(|| pick("prefix", sm.and_then(|s| s.get("prefix"))))
        .or_else(|| {
            pick(
                "regex",
                h.get("safe_regex_match").and_then(|r| r.get("regex")),
            )
        })
        .or_else(|| {
            pick(
                "regex",
                sm.and_then(|s| s.get("safe_regex"))
                    .and_then(|r| r.get("regex")),
            )
        })
        .filter(|(_, n)| n.as_str().is_some())
}

/// Names of the clusters the proxy uses for itself (xDS, tracing, stats).
fn collect_control_plane(node: &Node, inside: bool, out: &mut Vec<String>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for i in items {
                collect_control_plane(i, inside, out);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.as_str().unwrap_or("");
                let here = inside || CONTROL_PLANE_KEYS.contains(&key);
                if here
                    && matches!(
                        key,
                        "cluster_name" | "collector_cluster" | "cluster" | "local_cluster_name"
                    )
                {
                    out.extend(v.as_str().map(str::to_string));
                }
                if here && key == "cluster_names" {
                    for n in v.as_seq().unwrap_or_default() {
                        out.extend(n.as_str().map(str::to_string));
                    }
                }
                collect_control_plane(v, here, out);
            }
        }
    }
}

fn is_cluster(node: &Node) -> bool {
    if node
        .get("@type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.ends_with(".Cluster") && t.contains("envoy."))
    {
        return true;
    }
    node.get("name").and_then(Node::as_str).is_some()
        && node.get("cluster_name").is_none()
        && CLUSTER_FIELDS.iter().any(|f| node.get(f).is_some())
}

/// Whether a cluster lists endpoints and every one is on this host: a loopback
/// address (`127.0.0.1`, `::1`, `localhost`) or a unix socket (`pipe`).
fn is_local(cluster: &Node) -> bool {
    let mut addresses = Vec::new();
    collect_addresses(cluster.get("load_assignment"), &mut addresses);
    collect_addresses(cluster.get("hosts"), &mut addresses);
    !addresses.is_empty()
        && addresses.iter().all(|a| match a {
            None => true,
            Some(host) => {
                host.starts_with("127.") || *host == "::1" || host.eq_ignore_ascii_case("localhost")
            }
        })
}

/// Endpoint addresses below `node`: `Some(host)` for a socket address, `None` for a pipe.
fn collect_addresses<'a>(node: Option<&'a Node>, out: &mut Vec<Option<&'a str>>) {
    let Some(node) = node else { return };
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter().for_each(|i| collect_addresses(Some(i), out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some("socket_address") => {
                        out.push(Some(v.get("address").and_then(Node::as_str).unwrap_or("")))
                    }
                    Some("pipe") => out.push(None),
                    _ => collect_addresses(Some(v), out),
                }
            }
        }
    }
}

/// Every cluster below `node`, with `control_plane` and `local` derived.
fn collect_clusters(node: &Node, infra: &[String], out: &mut Vec<Node>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter().for_each(|i| collect_clusters(i, infra, out)),
        Value::Map(entries) => {
            if is_cluster(node) {
                let mut c = entries.clone();
                let name = node.get("name").and_then(Node::as_str).unwrap_or("");
                let first = entries.first().map_or(node.span, |(k, _)| k.span);
                if infra.iter().any(|n| n == name) {
                    c.push(flag("control_plane", first));
                }
                if is_local(node) {
                    c.push(flag("local", first));
                }
                out.push(Node {
                    value: Value::Map(c),
                    span: node.span,
                });
                return;
            }
            entries
                .iter()
                .for_each(|(_, v)| collect_clusters(v, infra, out));
        }
    }
}

#[cfg(test)]
mod tests;
mod usage;
