//! Resilience4j instances materialised with everything they inherit.
//!
//! Each instance under `resilience4j.<retry|circuitbreaker|timelimiter>.instances.<name>`
//! gets every key it runs with: its own (from every document of its view), then its
//! `baseConfig`'s (following a config's own `baseConfig` further), or `configs.default`'s
//! when it names no `baseConfig`, then the library defaults (DOMAIN.md). Each
//! instance also gets `name` and `origin.<key>`: `set here`, `set at application.yml:4`,
//! `inherited from configs.default at line 12` or `library default`. Inherited values
//! are shown at the instance's key, so a finding points at the instance.
//!
//! Derived: `resilience4j.backend-names.<name>` for every name a retry or time limiter
//! instance uses, once per name. Which breaker guards it is a join
//! (`resilience4j-instance`, [`crate::join::resilience4j`]), not a derived key.
//!
//! A `baseConfig` that names no config, or a loop of them, is an `errors` entry; the
//! instance is still materialised with what could be inherited.

use super::views::{at, Found, Materialised, View};
use crate::report::{ErrorKind, FileError};
use crate::tree::{Node, Value};

/// Library defaults per instance kind (Resilience4j 2.x).
const KINDS: &[(&str, &[(&str, &str)])] = &[
    (
        "retry",
        &[
            ("max-attempts", "3"),
            ("wait-duration", "500ms"),
            ("enable-exponential-backoff", "false"),
            ("exponential-backoff-multiplier", "1.5"),
            ("enable-randomized-wait", "false"),
        ],
    ),
    (
        "circuitbreaker",
        &[
            ("failure-rate-threshold", "50"),
            ("slow-call-rate-threshold", "100"),
            ("slow-call-duration-threshold", "60s"),
            ("sliding-window-type", "COUNT_BASED"),
            ("sliding-window-size", "100"),
            ("minimum-number-of-calls", "100"),
            ("wait-duration-in-open-state", "60s"),
        ],
    ),
    ("timelimiter", &[("timeout-duration", "1s")]),
];

/// Replacement subtrees for this document: (path, node).
pub fn patches(view: &View, errors: &mut Vec<FileError>) -> Vec<(Vec<String>, Node)> {
    let mut out = Vec::new();
    let mut backends: Vec<(String, Node)> = Vec::new();
    let mut backend_names: std::collections::HashSet<String> = Default::default();
    for (kind, defaults) in KINDS {
        let path = ["resilience4j", kind, "instances"];
        let Some((_, mine)) = at(&view.me().root, &path) else {
            continue;
        };
        let Some(map) = mine.as_map() else {
            continue;
        };
        let mut entries = Vec::new();
        for (key, _) in map {
            let Some(name) = key.as_str() else {
                continue;
            };
            if !view.owns(&["resilience4j", kind, "instances", name]) {
                continue;
            }
            let node = instance(view, kind, name, key, defaults, errors);
            if matches!(*kind, "retry" | "timelimiter") && backend_names.insert(name.to_string()) {
                backends.push((name.to_string(), key.clone()));
            }
            entries.push((key.clone(), node));
        }
        let node = Node {
            value: Value::Map(entries),
            span: mine.span,
        };
        out.push((path.iter().map(|s| s.to_string()).collect(), node));
    }
    if !backends.is_empty() {
        let entries = backends
            .into_iter()
            .map(|(name, key)| {
                let node = backend(view, &name, &key);
                (key, node)
            })
            .collect();
        let span = view.me().root.span;
        out.push((
            vec!["resilience4j".into(), "backend-names".into()],
            Node {
                value: Value::Map(entries),
                span,
            },
        ));
    }
    out
}

fn instance(
    view: &View,
    kind: &str,
    name: &str,
    key: &Node,
    defaults: &[(&str, &str)],
    errors: &mut Vec<FileError>,
) -> Node {
    let mut m = Materialised::new(key.span);
    m.take_item(view, &["resilience4j", kind, "instances", name]);
    // The chain of configs: the instance's baseConfig, each config's own, else `default`.
    let mut next = m
        .get("base-config")
        .and_then(Node::as_str)
        .map(|b| (b.to_string(), found_own(view, kind, name)));
    if next.is_none() {
        next = Some(("default".to_string(), None));
    }
    let mut visited: Vec<String> = Vec::new();
    let mut looked_at: Vec<String> = Vec::new();
    while let Some((config, named_at)) = next.take() {
        if visited.contains(&config) {
            if let Some(f) = named_at {
                visited.push(config);
                errors.push(loop_error(view, kind, &visited, &f));
            }
            break;
        }
        visited.push(config.clone());
        let path = ["resilience4j", kind, "configs", config.as_str()];
        let label = format!("configs.{config}");
        match m.inherit(view, &path, &label, &["base-config"]) {
            Some(place) => looked_at.push(place),
            None => {
                if let Some(f) = named_at {
                    errors.push(missing_error(view, kind, &config, &f));
                }
                break;
            }
        }
        let mut base = path.to_vec();
        base.push("base-config");
        next = view
            .lookup(&base)
            .and_then(|f| f.node.as_str().map(|b| (b.to_string(), Some(f))));
    }
    m.defaults_noting(defaults, &looked_at);
    m.derived("name", name);
    let mut node = m.finish(key.span);
    explicit_durations(&mut node);
    node
}

/// Durations with their unit: Spring reads a bare number as milliseconds and also
/// accepts ISO-8601 (`PT10S`); both are written the way rules and messages read them.
fn explicit_durations(node: &mut Node) {
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    for (k, v) in entries {
        let is_duration = k.as_str().is_some_and(|k| k.contains("duration"));
        let Value::Scalar(s) = &mut v.value else {
            continue;
        };
        if !is_duration {
            continue;
        }
        if !s.text.is_empty() && s.text.bytes().all(|b| b.is_ascii_digit()) {
            s.text.push_str("ms");
        } else if let Some(text) = iso_duration(&s.text) {
            s.text = text.into();
        }
    }
}

/// `PT1H2M3.5S` → `1h2m3.5s`; `None` for anything else.
fn iso_duration(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("PT")
        .or_else(|| text.strip_prefix("pt"))?;
    if rest.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut number = String::new();
    for c in rest.chars() {
        match c.to_ascii_lowercase() {
            d if d.is_ascii_digit() || d == '.' => number.push(d),
            u @ ('h' | 'm' | 's') if !number.is_empty() => {
                out.push_str(&number);
                out.push(u);
                number.clear();
            }
            _ => return None,
        }
    }
    number.is_empty().then_some(out)
}

/// Where the instance names its `baseConfig` (for error positions).
fn found_own<'a>(view: &View<'a>, kind: &str, name: &str) -> Option<Found<'a>> {
    view.lookup(&["resilience4j", kind, "instances", name, "base-config"])
}

fn error_at(view: &View, f: &Found, message: String) -> FileError {
    let file = &view.files[f.doc.file];
    file.error(Some(f.node.span.start), ErrorKind::Parse, message)
}

fn loop_error(view: &View, kind: &str, chain: &[String], f: &Found) -> FileError {
    let message = if chain.len() == 2 && chain[0] == chain[1] {
        format!(
            "resilience4j.{kind}: config `{}` names itself as its `baseConfig`; Resilience4j cannot build it (values are inherited up to the loop)",
            chain[0]
        )
    } else {
        format!(
            "resilience4j.{kind}: `baseConfig` inheritance loops ({}); Resilience4j cannot build it (values are inherited up to the loop)",
            chain.join(" → ")
        )
    };
    error_at(view, f, message)
}

fn missing_error(view: &View, kind: &str, config: &str, f: &Found) -> FileError {
    error_at(
        view,
        f,
        format!(
            "resilience4j.{kind}: `baseConfig: {config}` names no config under `resilience4j.{kind}.configs`; Resilience4j fails at startup (ConfigurationNotFoundException)"
        ),
    )
}

/// A name that retries or has a time limiter.
fn backend(view: &View, name: &str, key: &Node) -> Node {
    let mut m = Materialised::new(key.span);
    m.derived("name", name);
    let has = |k: &str| {
        view.lookup(&["resilience4j", k, "instances", name])
            .is_some()
    };
    if has("retry") {
        m.derived("retry", "true");
    }
    if has("timelimiter") {
        m.derived("timelimiter", "true");
    }
    m.finish(key.span)
}
