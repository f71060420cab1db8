//! Spring Boot's relaxed binding, made explicit once: every spelling of a key
//! becomes one canonical tree.
//!
//! - Nested (`resilience4j: {retry: ...}`), dotted (`resilience4j.retry.instances.a.maxAttempts`,
//!   the only form `.properties` has) and mixed keys become one nested tree; `routes[0]`
//!   becomes an item of a sequence, `[a.b]` a key holding dots.
//! - Property names are lowercase kebab-case: `maxAttempts`, `max_attempts` and
//!   `max-attempts` are all `max-attempts`. Names a user chooses are kept as written:
//!   keys directly under `instances`, `configs`, `config` (Feign clients) and
//!   `metadata` (route metadata, which the gateway reads literally).
//! - The gateway's newer root `spring.cloud.gateway.server.webflux` is folded into
//!   `spring.cloud.gateway`, Feign's older `feign.client` into `spring.cloud.openfeign.client`,
//!   Resilience4j's `circuit-breaker`/`time-limiter`/`rate-limiter` into the
//!   library's own `circuitbreaker`/`timelimiter`/`ratelimiter`, and its older
//!   `<kind>.backends` into `<kind>.instances`.
//! - Gateway filters in shortcut form (`- Retry=3,INTERNAL_SERVER_ERROR,GET`,
//!   `- CircuitBreaker=myCB`) become the full form (`{name: Retry, args: {...}}`), and
//!   a Retry's comma-separated `methods`/`statuses`/`series`/`exceptions` become lists.
//!
//! Every value keeps the span it was written at; a key made from a part of a dotted
//! key carries the span of the whole key as written. When two spellings set the same
//! key, the later one wins, as in Spring.

use std::collections::HashMap;

use crate::tree::{Node, Span, Value};

/// Keys of more segments than this are kept whole (a guard against hostile input,
/// far above anything Spring configuration uses).
const MAX_SEGMENTS: usize = 64;

/// Resilience4j's instance kinds, as the library spells its prefixes.
const R4J_KINDS: [&str; 6] = [
    "retry",
    "circuitbreaker",
    "timelimiter",
    "bulkhead",
    "thread-pool-bulkhead",
    "ratelimiter",
];

/// Parents whose keys are names chosen by the user, kept as written.
const NAME_PARENTS: &[&str] = &["instances", "backends", "configs", "config", "metadata"];

/// The canonical tree under construction.
enum B {
    Leaf(Node),
    Map(Entries, Span),
    /// Items by index, sorted (`routes[3]` may come before `routes[0]`).
    Seq(Vec<(usize, B)>, Span),
}

/// A mapping's entries in first-written order, indexed by key so that a file of
/// many keys is built in linear time.
#[derive(Default)]
struct Entries {
    list: Vec<(String, Span, B)>,
    index: HashMap<String, usize>,
}

impl Entries {
    fn from_list(list: Vec<(String, Span, B)>) -> Self {
        let index = list
            .iter()
            .enumerate()
            .map(|(i, (k, _, _))| (k.clone(), i))
            .collect();
        Entries { list, index }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn push(&mut self, entry: (String, Span, B)) {
        self.index.insert(entry.0.clone(), self.list.len());
        self.list.push(entry);
    }

    fn remove(&mut self, at: usize) -> (String, Span, B) {
        let entry = self.list.remove(at);
        *self = Entries::from_list(std::mem::take(&mut self.list));
        entry
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

/// The canonical tree of a Spring document.
pub fn canonical(root: &Node) -> Node {
    let mut tree = B::Map(Entries::default(), root.span);
    add(&mut tree, &[], root, "", root.span);
    fold(
        &mut tree,
        &["spring", "cloud", "gateway", "server", "webflux"],
        &["spring", "cloud", "gateway"],
    );
    fold(
        &mut tree,
        &["feign", "client"],
        &["spring", "cloud", "openfeign", "client"],
    );
    for (alias, name) in [
        ("circuit-breaker", "circuitbreaker"),
        ("time-limiter", "timelimiter"),
        ("rate-limiter", "ratelimiter"),
    ] {
        fold(&mut tree, &["resilience4j", alias], &["resilience4j", name]);
    }
    // `backends` is Resilience4j's older name for `instances`.
    for kind in R4J_KINDS {
        fold(
            &mut tree,
            &["resilience4j", kind, "backends"],
            &["resilience4j", kind, "instances"],
        );
    }
    expand_filters(&mut tree);
    build(tree)
}

/// Whether a raw root has a top-level key that could spell a Spring root, so that
/// canonicalising it is worth trying.
pub fn may_be_spring(root: &Node) -> bool {
    root.as_map().is_some_and(|m| {
        m.iter().any(|(k, _)| {
            k.as_str().is_some_and(|k| {
                let k = k.to_ascii_lowercase();
                k.starts_with("spring") || k.starts_with("resilience4j") || k.starts_with("feign")
            })
        })
    })
}

/// Whether a canonical tree holds configuration the Spring rules read.
pub fn is_spring(canonical: &Node) -> bool {
    let at = |path: &[&str]| path.iter().try_fold(canonical, |n, k| n.get(k)).is_some();
    at(&["resilience4j"])
        || at(&["spring", "cloud", "gateway"])
        || at(&["spring", "cloud", "openfeign"])
}

/// Lowercase kebab-case: `maxAttempts`, `max_attempts`, `MAX_ATTEMPTS` → `max-attempts`.
pub fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c == '_' {
            out.push('-');
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Splits a key as written into segments: dots, `[N]` indices, `[any.key]` brackets.
fn split(key: &str, parent: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut parent = parent.to_string();
    let mut rest = key;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                segs.push(Seg::Key(rest.to_string()));
                break;
            };
            let text = &inner[..close];
            match text.parse::<usize>() {
                Ok(i) => {
                    segs.push(Seg::Index(i));
                    parent.clear();
                }
                Err(_) => {
                    segs.push(Seg::Key(text.to_string()));
                    parent = text.to_string();
                }
            }
            rest = inner[close + 1..]
                .strip_prefix('.')
                .unwrap_or(&inner[close + 1..]);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let part = &rest[..end];
        let name = if NAME_PARENTS.contains(&parent.as_str()) {
            part.to_string()
        } else {
            kebab(part)
        };
        parent.clone_from(&name);
        segs.push(Seg::Key(name));
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    if segs.len() > MAX_SEGMENTS {
        return vec![Seg::Key(key.to_string())];
    }
    segs
}

fn union(a: Span, b: Span) -> Span {
    if a == Span::default() {
        return b;
    }
    Span::new(a.start.min(b.start), a.end.max(b.end))
}

fn span_of(b: &B) -> Span {
    match b {
        B::Leaf(n) => n.span,
        B::Map(_, s) | B::Seq(_, s) => *s,
    }
}

/// Adds `node`, reached by `path` below `target`, into the tree. `parent` is the last
/// canonical key above `node`, `key_span` the span of the key that named it.
fn add(target: &mut B, path: &[Seg], node: &Node, parent: &str, key_span: Span) {
    let Some((first, rest)) = path.split_first() else {
        return merge_node(target, node, parent);
    };
    match first {
        Seg::Key(name) => {
            if !matches!(target, B::Map(..)) {
                *target = B::Map(Entries::default(), key_span);
            }
            let B::Map(entries, span) = target else {
                return;
            };
            *span = union(*span, union(key_span, node.span));
            let at = match entries.position(name) {
                Some(i) => i,
                None => {
                    let empty = B::Map(Entries::default(), Span::default());
                    entries.push((name.clone(), key_span, empty));
                    entries.list.len() - 1
                }
            };
            add(&mut entries.list[at].2, rest, node, name, key_span);
        }
        Seg::Index(i) => {
            if !matches!(target, B::Seq(..)) {
                *target = B::Seq(Vec::new(), key_span);
            }
            let B::Seq(items, span) = target else {
                return;
            };
            *span = union(*span, union(key_span, node.span));
            let at = match items.binary_search_by_key(i, |(k, _)| *k) {
                Ok(p) => p,
                Err(p) => {
                    items.insert(p, (*i, B::Map(Entries::default(), Span::default())));
                    p
                }
            };
            add(&mut items[at].1, rest, node, "", key_span);
        }
    }
}

fn merge_node(target: &mut B, node: &Node, parent: &str) {
    match &node.value {
        Value::Map(entries) => {
            if !matches!(target, B::Map(..)) {
                *target = B::Map(Entries::default(), node.span);
            }
            if let B::Map(_, span) = target {
                *span = union(*span, node.span);
            }
            for (k, v) in entries {
                let text = k.as_str().unwrap_or_default();
                add(target, &split(text, parent), v, parent, k.span);
            }
        }
        Value::Seq(items) => {
            // A list written again replaces the earlier one, as Spring binds lists.
            let mut seq = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let mut b = B::Map(Entries::default(), Span::default());
                merge_node(&mut b, item, "");
                seq.push((i, b));
            }
            *target = B::Seq(seq, node.span);
        }
        Value::Scalar(_) => *target = B::Leaf(node.clone()),
    }
}

/// Moves the subtree at `from` (when present) into the one at `to`, `from`'s values winning.
fn fold(tree: &mut B, from: &[&str], to: &[&str]) {
    let Some(moved) = detach(tree, from) else {
        return;
    };
    let path: Vec<Seg> = to.iter().map(|k| Seg::Key(k.to_string())).collect();
    let span = span_of(&moved);
    let node = build(moved);
    add(tree, &path, &node, "", span);
}

fn detach(tree: &mut B, path: &[&str]) -> Option<B> {
    let (first, rest) = path.split_first()?;
    let B::Map(entries, _) = tree else {
        return None;
    };
    let at = entries.position(first)?;
    if rest.is_empty() {
        return Some(entries.remove(at).2);
    }
    detach(&mut entries.list[at].2, rest)
}

fn get_mut<'a>(tree: &'a mut B, path: &[&str]) -> Option<&'a mut B> {
    let Some((first, rest)) = path.split_first() else {
        return Some(tree);
    };
    let B::Map(entries, _) = tree else {
        return None;
    };
    let at = entries.position(first)?;
    get_mut(&mut entries.list[at].2, rest)
}

/// Shortcut-form gateway filters (`- Retry=3`) in full form, in routes and `default-filters`.
fn expand_filters(tree: &mut B) {
    let Some(gateway) = get_mut(tree, &["spring", "cloud", "gateway"]) else {
        return;
    };
    if let Some(B::Seq(items, _)) = get_mut(gateway, &["default-filters"]) {
        items.iter_mut().for_each(|(_, f)| expand_filter(f));
    }
    if let Some(B::Seq(routes, _)) = get_mut(gateway, &["routes"]) {
        for (_, route) in routes {
            if let Some(B::Seq(items, _)) = get_mut(route, &["filters"]) {
                items.iter_mut().for_each(|(_, f)| expand_filter(f));
            }
        }
    }
}

/// Positional arguments of a shortcut, by filter (Spring Cloud Gateway's `shortcutFieldOrder`).
fn shortcut_fields(name: &str) -> &'static [&'static str] {
    match name {
        "Retry" => &[
            "retries",
            "statuses",
            "methods",
            "backoff.first-backoff",
            "backoff.max-backoff",
            "backoff.factor",
            "backoff.based-on-previous-value",
        ],
        "CircuitBreaker" | "Hystrix" => &["name", "fallback-uri"],
        _ => &[],
    }
}

/// Retry arguments that are lists, written comma-separated in either form.
const LIST_ARGS: &[&str] = &["methods", "statuses", "series", "exceptions"];

fn expand_filter(filter: &mut B) {
    if let B::Leaf(node) = filter {
        let Some(text) = node.as_str().map(str::to_string) else {
            return;
        };
        let span = node.span;
        let (name, args) = text.split_once('=').unwrap_or((text.as_str(), ""));
        let name = name.trim();
        let mut entries = vec![(
            "name".to_string(),
            span,
            B::Leaf(Node::scalar(name, false, span)),
        )];
        let mut arg_tree = B::Map(Entries::default(), span);
        let fields = shortcut_fields(name);
        let parts: Vec<&str> = if args.trim().is_empty() {
            Vec::new()
        } else {
            args.split(',').map(str::trim).collect()
        };
        for (i, part) in parts.iter().enumerate() {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (kebab(k.trim()), v.trim()),
                None => match fields.get(i) {
                    Some(f) => (f.to_string(), *part),
                    None => (format!("_genkey_{i}"), *part),
                },
            };
            let path = split(&key, "args");
            add(
                &mut arg_tree,
                &path,
                &Node::scalar(value, false, span),
                "args",
                span,
            );
        }
        entries.push(("args".to_string(), span, arg_tree));
        *filter = B::Map(Entries::from_list(entries), span);
    }
    let is_retry = matches!(filter, B::Map(entries, _) if entries.list.iter().any(|(k, _, v)| k == "name" && matches!(v, B::Leaf(n) if n.as_str() == Some("Retry"))));
    if !is_retry {
        return;
    }
    let Some(B::Map(args, _)) = get_mut(filter, &["args"]) else {
        return;
    };
    // A list argument is a list even when written as one value or as `GET,POST`.
    for (key, _, value) in args.list.iter_mut() {
        if !LIST_ARGS.contains(&key.as_str()) {
            continue;
        }
        if let B::Leaf(node) = value {
            if let Some(text) = node.as_str() {
                let span = node.span;
                let items = text
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .enumerate()
                    .map(|(i, t)| (i, B::Leaf(Node::scalar(t, false, span))))
                    .collect();
                *value = B::Seq(items, span);
            }
        }
    }
}

fn build(tree: B) -> Node {
    match tree {
        B::Leaf(node) => node,
        B::Map(entries, span) => {
            let entries: Vec<(Node, Node)> = entries
                .list
                .into_iter()
                .map(|(k, key_span, v)| (Node::scalar(k, false, key_span), build(v)))
                .collect();
            Node {
                value: Value::Map(entries),
                span,
            }
        }
        B::Seq(items, span) => Node {
            value: Value::Seq(items.into_iter().map(|(_, b)| build(b)).collect()),
            span,
        },
    }
}

#[cfg(test)]
mod tests;
