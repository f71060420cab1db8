//! Spring Cloud Gateway routes and OpenFeign clients, with what they inherit.
//!
//! Gateway (`spring.cloud.gateway.routes[*]`, the newer `server.webflux` root already
//! folded in): a route list is replaced as a whole by a document of higher precedence,
//! so it counts in the document of its layer that wins. Each route gets
//! - `metadata.response-timeout` / `metadata.connect-timeout` from
//!   `spring.cloud.gateway.httpclient.*` when it sets none itself (the global value
//!   applies to every route), with `origin.<key>` saying which;
//! - `circuit-breaker`: its own `CircuitBreaker` (or `Hystrix`) filter, else one in the
//!   view's `default-filters`; absent when neither has one;
//! - `local: true` when its `uri` is `forward:` (served by the gateway itself, no upstream).
//!
//! OpenFeign (`spring.cloud.openfeign.client.config.<name>`, older `feign.client.config`
//! folded in): each client config gets `connect-timeout` and `read-timeout` from
//! itself, else the default config (`default`, or the name in
//! `spring.cloud.openfeign.client.default-config`), else Feign's defaults (10 s
//! connect, 60 s read, in milliseconds).

use super::views::{at, Found, Materialised, View};
use crate::tree::{Node, Value};

const GATEWAY: [&str; 3] = ["spring", "cloud", "gateway"];
const BREAKERS: &[&str] = &["CircuitBreaker", "Hystrix"];

/// Replacement subtrees for this document: (path, node).
pub fn patches(view: &View) -> Vec<(Vec<String>, Node)> {
    let mut out = Vec::new();
    let routes_path = [GATEWAY.as_slice(), &["routes"]].concat();
    if let Some((_, routes)) = at(&view.me().root, &routes_path) {
        if let Some(items) = routes.as_seq() {
            // A list written again in a document above this one replaces it: not judged here.
            let items = if view.owns(&routes_path) {
                items.iter().map(|r| route(view, r)).collect()
            } else {
                Vec::new()
            };
            let node = Node {
                value: Value::Seq(items),
                span: routes.span,
            };
            out.push((routes_path.iter().map(|s| s.to_string()).collect(), node));
        }
    }
    let clients_path = ["spring", "cloud", "openfeign", "client", "config"];
    if let Some((_, clients)) = at(&view.me().root, &clients_path) {
        let mut entries = Vec::new();
        for (key, _) in clients.as_map().unwrap_or_default() {
            let Some(name) = key.as_str() else { continue };
            let mut path = clients_path.to_vec();
            path.push(name);
            if view.owns(&path) {
                entries.push((key.clone(), feign_client(view, name, key)));
            }
        }
        let node = Node {
            value: Value::Map(entries),
            span: clients.span,
        };
        out.push((clients_path.iter().map(|s| s.to_string()).collect(), node));
    }
    out
}

fn filter_names(filters: Option<&Node>) -> impl Iterator<Item = &Node> {
    filters
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter(|f| {
            f.get("name")
                .and_then(Node::as_str)
                .is_some_and(|n| BREAKERS.contains(&n))
        })
}

fn route(view: &View, route: &Node) -> Node {
    let Some(entries) = route.as_map() else {
        return route.clone();
    };
    let first = entries.first().map_or(route.span, |(k, _)| k.span);
    let mut m = Materialised::new(first);
    if route.get("id").is_none() {
        // Spring names a route without `id` with a random UUID: show its URI instead.
        let uri = route.get("uri").and_then(Node::as_str).unwrap_or("?");
        m.derived("id", &format!("(no id) {uri}"));
    }
    for (k, v) in entries {
        if k.as_str() != Some("metadata") {
            m.own(k.clone(), v.clone());
        }
    }
    // Route metadata, with the global HTTP client timeouts filled in.
    let own_meta = route.get("metadata");
    let mut meta = Materialised::new(first);
    for (k, v) in own_meta.and_then(Node::as_map).unwrap_or_default() {
        meta.own(k.clone(), v.clone());
    }
    for key in ["response-timeout", "connect-timeout"] {
        let mut path = GATEWAY.to_vec();
        path.extend(["httpclient", key]);
        if let Some(found) = view.lookup(&path) {
            let label = format!("spring.cloud.gateway.httpclient.{key}");
            meta.inherit_value(view, key, &found, &label);
        }
    }
    let (meta_node, origins) = meta.into_parts(own_meta.map_or(first, |n| n.span));
    m.own(Node::scalar("metadata", false, first), meta_node);
    m.absorb_origins(origins);
    if route
        .get("uri")
        .and_then(Node::as_str)
        .is_some_and(|u| u.starts_with("forward:"))
    {
        m.derived("local", "true");
    }
    let own_breaker = filter_names(route.get("filters")).next();
    let mut default_path = GATEWAY.to_vec();
    default_path.push("default-filters");
    let guard = match own_breaker {
        Some(f) => Some(format!("its own `{}` filter", name_of(f))),
        None => view.lookup(&default_path).and_then(|found| {
            let f = filter_names(Some(found.node)).next()?;
            let place = view.place(&Found {
                key: None,
                node: f,
                ..found
            });
            Some(format!("`{}` in default-filters ({place})", name_of(f)))
        }),
    };
    if let Some(g) = guard {
        m.derived("circuit-breaker", &g);
    }
    m.finish(route.span)
}

fn name_of(filter: &Node) -> &str {
    filter
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or_default()
}

fn feign_client(view: &View, name: &str, key: &Node) -> Node {
    let base = ["spring", "cloud", "openfeign", "client", "config"];
    let mut m = Materialised::new(key.span);
    let mut path = base.to_vec();
    path.push(name);
    m.take_item(view, &path);
    let default = view
        .lookup(&["spring", "cloud", "openfeign", "client", "default-config"])
        .and_then(|f| f.node.as_str())
        .unwrap_or("default");
    let mut looked_at = Vec::new();
    if name != default {
        let mut path = base.to_vec();
        path.push(default);
        looked_at.extend(m.inherit(view, &path, &format!("client config `{default}`"), &[]));
    }
    m.defaults_noting(
        &[("connect-timeout", "10000"), ("read-timeout", "60000")],
        &looked_at,
    );
    m.derived("name", name);
    m.finish(key.span)
}
