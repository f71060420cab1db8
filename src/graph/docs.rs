//! What the graph hands to the judge stage, so that `cross/` rules stay declarative:
//!
//! - [`documents`]: one `platform = "cross"` document per file where paths start (a
//!   code call, a gateway route), `{paths: [...]}`, each item positioned at the call
//!   or route and holding what the path's layers amount to (see
//!   `crate::schema::cross`): `cross/` rules are `require` checks over them.
//! - [`annotate`]: credit across layers in the Rust facts documents. A client with no
//!   timeout of its own whose every call is bounded by every mesh route to its target
//!   gets `timeout` (and `covered-by`) saying which layer bounds it; likewise a call
//!   with no breaker of its own whose every route's destination ejects failing
//!   endpoints gets `breaker`. A client or call left uncovered gets `other-layers`,
//!   which the Rust rules' messages quote: no other layer covers it either.

use std::collections::HashMap;

use super::path::{self, Cover};
use super::{Edge, Graph, Layer, LayerKind, Setting};
use crate::classify::{DocMeta, Platform};
use crate::load::Document;
use crate::tree::{Node, Span, Value};

/// Default of `[cross] max-tries`.
pub const DEFAULT_MAX_TRIES: u64 = 10;

fn scalar(text: impl Into<String>, span: Span) -> Node {
    Node::scalar(text, false, span)
}

fn entry(key: &str, text: impl Into<String>, span: Span) -> (Node, Node) {
    (scalar(key, span), scalar(text, span))
}

/// The `cross` documents of a graph, with one `[cross] max-tries` for every path.
pub fn documents(graph: &Graph, max_tries: u64) -> Vec<Document> {
    documents_with(graph, &|_| max_tries, &|_| true)
}

/// The `cross` documents of a graph; `max_tries(file)` is the `[cross] max-tries`
/// of the configuration governing the file a path is written in. Only paths that
/// start in a file `wanted` accepts are made (`--changed-only` judges the changed
/// files only).
pub fn documents_with(
    graph: &Graph,
    max_tries: &dyn Fn(usize) -> u64,
    wanted: &dyn Fn(usize) -> bool,
) -> Vec<Document> {
    // Code edges by calling service, for gateway timeouts shorter than the callee's own calls.
    let mut calls_from: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for e in &graph.edges {
        if e.origin == LayerKind::Code {
            if let Some(from) = &e.from {
                calls_from.entry(from.as_str()).or_default().push(e);
            }
        }
    }
    // Gateway routes into each service, with the timeout the caller gives it.
    let mut gateway_into: HashMap<&str, Vec<(&Edge, &Setting)>> = HashMap::new();
    for e in &graph.edges {
        if e.origin == LayerKind::Gateway {
            if let Some(t) = e.layers.first().and_then(|l| l.timeout.as_ref()) {
                gateway_into.entry(e.to.as_str()).or_default().push((e, t));
            }
        }
    }
    let mut by_file: std::collections::BTreeMap<usize, Vec<Node>> = Default::default();
    for e in &graph.edges {
        if !matches!(e.origin, LayerKind::Code | LayerKind::Gateway) || !wanted(e.at.file) {
            continue;
        }
        let fronts = e.from.as_deref().and_then(|from| gateway_into.get(from));
        let inverted = fronts.and_then(|gs| gs.iter().find_map(|(g, t)| caller_gone(e, g, t)));
        // Timeouts on two layers of one path: the origin's and a later route's retry
        // budget, or a gateway in front of the caller.
        let own = e.layers[0]
            .timeout
            .as_ref()
            .and_then(|t| t.seconds)
            .is_some();
        let nested = (own
            && e.layers[1..]
                .iter()
                .any(|l| path::retry_budget(l).is_some()))
            || (fronts.is_some() && path::wait_of(e).is_some());
        by_file.entry(e.at.file).or_default().push(path_node(
            e,
            max_tries(e.at.file),
            inverted,
            nested,
        ));
    }
    by_file
        .into_iter()
        .map(|(file, mut items)| {
            items.sort_by_key(|n| n.span);
            let span = Span::new(
                items.first().map_or(0, |n| n.span.start),
                items.last().map_or(0, |n| n.span.end),
            );
            let paths = Node {
                value: Value::Seq(items),
                span,
            };
            Document {
                file,
                index: 0,
                root: Node {
                    value: Value::Map(vec![(scalar("paths", span), paths)]),
                    span,
                },
                meta: DocMeta {
                    platform: Platform::Cross,
                    api_version: None,
                    kind: None,
                    name: None,
                    namespace: None,
                },
            }
        })
        .collect()
}

/// A gateway route to the caller that gives up before this call of the caller can.
fn caller_gone(call: &Edge, gateway: &Edge, timeout: &Setting) -> Option<String> {
    let outer = timeout.seconds?;
    let (inner, at) = path::wait_of(call)?;
    let secs = crate::rules::duration::format_seconds;
    (inner > outer).then(|| {
        format!(
            "{} gives up after {} ({}), but this call may wait {} ({at}): {} keeps working for a caller that has gone",
            gateway.layers[0].what,
            secs(outer),
            timeout.at.short(),
            secs(inner),
            call.from.as_deref().unwrap_or("the service")
        )
    })
}

fn path_node(e: &Edge, max_tries: u64, inverted: Option<String>, nested: bool) -> Node {
    let span = e.at.span;
    let mut fields = vec![
        entry("from", e.from.clone().unwrap_or_default(), span),
        entry("to", &e.to, span),
        entry("layer", e.origin.name(), span),
    ];
    if let Some(m) = &e.method {
        fields.push(entry("method", m, span));
    }
    let layers = e
        .layers
        .iter()
        .map(|l| format!("{} ({}, {})", l.layer.name(), l.what, l.at.short()))
        .collect::<Vec<_>>()
        .join(" → ");
    fields.push(entry("layers", layers, span));
    match path::cover(e, |l| l.timeout.as_ref()) {
        Cover::Own(s) => fields.push(entry(
            "timeout",
            format!("the {} sets one ({})", e.origin.name(), s.at.short()),
            span,
        )),
        Cover::Path(set) => fields.push(entry("timeout", path::describe(&set), span)),
        Cover::None { .. } => {}
    }
    match path::cover(e, |l| l.breaker.as_ref()) {
        Cover::Own(s) => fields.push(entry(
            "breaker",
            format!("the {} has one ({})", e.origin.name(), s.at.short()),
            span,
        )),
        Cover::Path(set) => fields.push(entry("breaker", path::describe(&set), span)),
        Cover::None { .. } => {}
    }
    if let Some((product, shares)) = path::amplification(e) {
        fields.push(entry("tries", product.to_string(), span));
        if product > max_tries {
            fields.push(entry(
                "amplification",
                format!("one call can become {product} requests: {shares}; more than {max_tries}"),
                span,
            ));
        }
    }
    if nested {
        fields.push(entry("nested-timeouts", "true", span));
    }
    if let Some(m) = path::retried_mutation(e) {
        fields.push(entry("mutation", m, span));
    }
    if let Some(text) = path::retries_outlast_caller(e).or(inverted) {
        fields.push(entry("timeout-inversion", text, span));
    }
    if let Some(text) = path::mutation_retried(e) {
        fields.push(entry("mutation-retried", text, span));
    }
    Node {
        value: Value::Map(fields),
        span,
    }
}

/// What the other layers of a path say about one protection of the origin layer:
/// `Ok(covered-by text)` when every route sets it, `Err(other-layers text)` when not.
fn credit(
    e: &Edge,
    pick: fn(&Layer) -> Option<&Setting>,
    what: &str,
) -> Option<Result<String, String>> {
    match path::cover(e, pick) {
        Cover::Own(_) => None,
        Cover::Path(set) => Some(Ok(path::describe(&set))),
        Cover::None { routes: 0 } => Some(Err(format!(
            ", and no other layer covers it: no mesh or gateway route to `{}` was found",
            e.to
        ))),
        Cover::None { .. } => Some(Err(format!(
            ", and no other layer covers it: not every mesh route to `{}` sets a {what}",
            e.to
        ))),
    }
}

fn remove_field(node: &mut Node, key: &str) {
    if let Value::Map(fields) = &mut node.value {
        fields.retain(|(k, _)| k.as_str() != Some(key));
    }
}

fn set_field(node: &mut Node, key: &str, text: String, span: Span) {
    remove_field(node, key);
    if let Value::Map(fields) = &mut node.value {
        fields.push(entry(key, text, span));
    }
}

/// Credits Rust clients and calls with what the other layers of their paths set.
pub fn annotate(graph: &Graph, docs: &mut [Document], wanted: &dyn Fn(usize) -> bool) {
    // Code edges by (file, span) of the call, and by (file, span) of each client.
    let mut by_call: HashMap<(usize, Span), &Edge> = HashMap::new();
    let mut by_client: HashMap<(usize, Span), Vec<&Edge>> = HashMap::new();
    for e in graph.edges.iter().filter(|e| e.origin == LayerKind::Code) {
        by_call.insert((e.at.file, e.at.span), e);
        for w in &e.layers[0].related {
            by_client.entry((w.file, w.span)).or_default().push(e);
        }
    }
    for doc in docs
        .iter_mut()
        .filter(|d| d.meta.platform == Platform::Rust && wanted(d.file))
    {
        let file = doc.file;
        let Value::Map(fields) = &mut doc.root.value else {
            continue;
        };
        for (k, v) in fields.iter_mut() {
            let Value::Seq(items) = &mut v.value else {
                continue;
            };
            match k.as_str() {
                Some("clients") => {
                    for c in items.iter_mut() {
                        if c.get("timeout").is_some() || c.get("timeout-disabled").is_some() {
                            continue;
                        }
                        let Some(edges) = by_client.get(&(file, c.span)) else {
                            continue;
                        };
                        let credits: Vec<Result<String, String>> = edges
                            .iter()
                            .filter_map(|e| credit(e, |l| l.timeout.as_ref(), "timeout"))
                            .collect();
                        apply(c, credits, "timeout");
                    }
                }
                Some("calls") => {
                    for c in items.iter_mut() {
                        if c.get("breaker").is_some() {
                            continue;
                        }
                        let Some(e) = by_call.get(&(file, c.span)) else {
                            continue;
                        };
                        // A mesh or gateway timeout on the call's path bounds it.
                        let timed = credit(e, |l| l.timeout.as_ref(), "timeout");
                        if matches!(timed, Some(Ok(_))) {
                            remove_field(c, "untimed-client");
                        }
                        let credits = credit(e, |l| l.breaker.as_ref(), "breaker")
                            .into_iter()
                            .collect();
                        apply(c, credits, "breaker");
                    }
                }
                _ => {}
            }
        }
    }
}

/// Covered (`key` and `covered-by`) when every credit covers, else `other-layers`.
fn apply(node: &mut Node, credits: Vec<Result<String, String>>, key: &str) {
    if credits.is_empty() {
        return;
    }
    let span = node.span;
    if credits.iter().all(Result::is_ok) {
        let mut texts: Vec<String> = credits.into_iter().filter_map(Result::ok).collect();
        texts.dedup();
        let text = format!("covered on its path by {}", texts.join("; "));
        set_field(node, key, text.clone(), span);
        set_field(node, "covered-by", text, span);
    } else if let Some(Err(text)) = credits.into_iter().find(Result::is_err) {
        set_field(node, "other-layers", text, span);
    }
}
