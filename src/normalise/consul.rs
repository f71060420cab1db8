//! Consul service mesh config entries made one form, whatever the spelling: files
//! (HCL or JSON, `Kind = "service-router"`, PascalCase keys, snake_case accepted too)
//! and Kubernetes CRDs (`consul.hashicorp.com/v1alpha1` `ServiceRouter`, camelCase
//! keys under `spec`) both become a [`Platform::Consul`] document whose root is the
//! config entry with PascalCase keys (`Routes[].Destination.RequestTimeout`,
//! `Match.HTTP.Methods`), `Kind` as Consul spells it, and the CRD's name as `Name`.
//! Its `meta.kind` is the CRD kind (`ServiceRouter`), so rules select
//! `platform = "consul"` and `kind = "ServiceRouter"` for both forms.
//!
//! Then what Consul does by default is made explicit (Consul's `agent/xds`):
//!
//! - a router route's `Destination.RequestTimeout` sets the Envoy route timeout when
//!   positive; absent or 0 leaves Envoy's 15 s default; **negative disables it**:
//!   such a route gets `Destination.RequestTimeoutDisabled` (the value, at its span);
//! - a ServiceResolver with no ServiceRouter or ServiceSplitter in front of it is its
//!   service's one route, with the resolver's `RequestTimeout` by the same rule: it
//!   gets `DefaultRoute` (`Service`, `RequestTimeout`, `RequestTimeoutDisabled`);
//! - retries: `NumRetries` 0 or absent leaves Envoy's default of 1 retry once any
//!   retry condition is set; `Destination.Retry` gets `Conditions` (`RetryOn` and
//!   `RetryOnStatusCodes` as one list) and `Attempts`;
//! - upstream circuit breaking: Consul always gives an upstream cluster Envoy outlier
//!   detection, with Envoy's defaults for every `PassiveHealthCheck` field left 0 or
//!   unset (`Interval` 10 s, `MaxFailures` 5 consecutive 5xx). An
//!   `UpstreamConfig.Overrides[]` entry replaces the `Defaults`' `PassiveHealthCheck`
//!   whole when it sets one, else inherits it: the inherited block is copied into the
//!   override (spans still pointing at `Defaults`). Each of them gets `Upstream`, the
//!   name messages show (`upstream defaults`, ``upstream `payments` ``).

use crate::classify::Platform;
use crate::load::Document;
use crate::tree::{Node, Span, Value};

/// Config entry kinds as files spell them, and as CRD kinds.
const KINDS: [(&str, &str); 5] = [
    ("service-router", "ServiceRouter"),
    ("service-resolver", "ServiceResolver"),
    ("service-defaults", "ServiceDefaults"),
    ("proxy-defaults", "ProxyDefaults"),
    ("service-splitter", "ServiceSplitter"),
];

/// Keys whose children are user data (metadata, headers, opaque proxy config): kept as written.
const VERBATIM: [&str; 4] = ["Meta", "Add", "Set", "Config"];

/// Canonicalises every Consul document (file or CRD) and derives Consul's defaults.
pub fn link(docs: &mut [Document]) {
    for doc in docs.iter_mut() {
        let crd = doc.meta.platform == Platform::Kubernetes
            && doc
                .meta
                .api_version
                .as_deref()
                .is_some_and(|a| a.starts_with("consul.hashicorp.com/"));
        if crd {
            from_crd(doc);
        } else if doc.meta.platform == Platform::Consul {
            from_file(doc);
        } else {
            continue;
        }
        derive(doc);
    }
    default_routes(docs);
}

/// Gives each ServiceResolver that is its service's first discovery-chain node (no
/// ServiceRouter or ServiceSplitter of the same name and Consul namespace in the files
/// read) a `DefaultRoute`: Consul then builds the service's one route from the
/// resolver and gives it the resolver's `RequestTimeout` (positive: the timeout;
/// negative: `0s`, none; absent or 0: Envoy's 15 s). Behind a router or splitter the
/// resolver's `RequestTimeout` is not used (Consul's `agent/xds` routes), so such a
/// resolver gets no `DefaultRoute`.
fn default_routes(docs: &mut [Document]) {
    let id = |d: &Document| {
        let name = d.root.get("Name").and_then(Node::as_str).unwrap_or("");
        // The Consul namespace (Enterprise); a CRD's Kubernetes namespace maps to one
        // only with namespace mirroring, so it is not used.
        let ns = d
            .root
            .get("Namespace")
            .and_then(Node::as_str)
            .unwrap_or("default");
        (name.to_string(), ns.to_string())
    };
    let consul = |d: &Document| d.meta.platform == Platform::Consul;
    let fronted: std::collections::HashSet<(String, String)> = docs
        .iter()
        .filter(|d| consul(d))
        .filter(|d| {
            matches!(
                d.meta.kind.as_deref(),
                Some("ServiceRouter" | "ServiceSplitter")
            )
        })
        .map(id)
        .collect();
    for doc in docs.iter_mut() {
        if !consul(doc) || doc.meta.kind.as_deref() != Some("ServiceResolver") {
            continue;
        }
        if fronted.contains(&id(doc)) {
            continue;
        }
        let span = doc
            .root
            .entry("Name")
            .map_or(doc.root.span, |(k, _)| k.span);
        let mut route = Node {
            value: Value::Map(Vec::new()),
            span,
        };
        if let Some((k, v)) = doc.root.entry("Name") {
            push(&mut route, key("Service", k.span), v.clone());
        }
        if let Some((k, v)) = doc.root.entry("RequestTimeout") {
            push(&mut route, k.clone(), v.clone());
            if v.as_str().unwrap_or("").trim().starts_with('-') {
                push(&mut route, key("RequestTimeoutDisabled", k.span), v.clone());
            }
        }
        push(&mut doc.root, key("DefaultRoute", span), route);
    }
}

fn from_file(doc: &mut Document) {
    doc.root = canonical(&doc.root, false);
    let kind = doc.root.get("Kind").and_then(Node::as_str).unwrap_or("");
    doc.meta.kind = KINDS
        .iter()
        .find(|(file, _)| *file == kind)
        .map(|(_, crd)| crd.to_string());
    doc.meta.name = doc
        .root
        .get("Name")
        .and_then(Node::as_str)
        .map(str::to_owned);
}

fn from_crd(doc: &mut Document) {
    let Some((_, file_kind)) = KINDS
        .iter()
        .find(|(_, crd)| Some(*crd) == doc.meta.kind.as_deref())
    else {
        return;
    };
    let span = doc.root.span;
    let mut entries = match doc.root.get("spec").map(|s| canonical(s, false)) {
        Some(Node {
            value: Value::Map(entries),
            ..
        }) => entries,
        _ => Vec::new(),
    };
    let kind_span = doc.root.entry("kind").map_or(span, |(_, v)| v.span);
    entries.insert(
        0,
        (
            key("Kind", kind_span),
            Node::scalar(*file_kind, true, kind_span),
        ),
    );
    if let Some((k, v)) = doc.root.get("metadata").and_then(|m| m.entry("name")) {
        entries.insert(1, (key("Name", k.span), v.clone()));
    }
    doc.root = Node {
        value: Value::Map(entries),
        span,
    };
    doc.meta.platform = Platform::Consul;
}

/// The tree with PascalCase keys (`requestTimeout`, `request_timeout` → `RequestTimeout`).
fn canonical(node: &Node, verbatim: bool) -> Node {
    let value = match &node.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let name = k
                        .as_str()
                        .map(|s| if verbatim { s.to_string() } else { pascal(s) });
                    let key = match name {
                        Some(name) => Node::scalar(name, false, k.span),
                        None => k.clone(),
                    };
                    let inner = verbatim || key.as_str().is_some_and(|n| VERBATIM.contains(&n));
                    (key, canonical(v, inner))
                })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(|i| canonical(i, verbatim)).collect()),
        Value::Scalar(_) => return node.clone(),
    };
    Node {
        value,
        span: node.span,
    }
}

/// `requestTimeout` / `request_timeout` / `RequestTimeout` → `RequestTimeout`; `http` → `HTTP`.
fn pascal(key: &str) -> String {
    let out: String = key
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    if out == "Http" {
        "HTTP".into()
    } else {
        out
    }
}

/// Adds the derived keys described in the module docs.
fn derive(doc: &mut Document) {
    match doc.meta.kind.as_deref() {
        Some("ServiceRouter") => {
            if let Some(Value::Seq(routes)) = doc.root_mut("Routes") {
                for route in routes {
                    if let Some(dest) = get_mut(route, "Destination") {
                        destination(dest);
                    }
                }
            }
        }
        Some("ServiceDefaults" | "ProxyDefaults") => {
            if let Some(upstreams) = get_mut(&mut doc.root, "UpstreamConfig") {
                upstream_config(upstreams);
            }
        }
        _ => {}
    }
}

trait RootMut {
    fn root_mut(&mut self, key: &str) -> Option<&mut Value>;
}

impl RootMut for Document {
    fn root_mut(&mut self, key: &str) -> Option<&mut Value> {
        get_mut(&mut self.root, key).map(|n| &mut n.value)
    }
}

fn destination(dest: &mut Node) {
    if let Some((k, v)) = dest.entry("RequestTimeout") {
        let text = v.as_str().unwrap_or("").trim();
        if text.starts_with('-') {
            let k = key("RequestTimeoutDisabled", k.span);
            let v = v.clone();
            push(dest, k, v);
        }
    }
    let mut conditions = Vec::new();
    let mut at: Option<(Span, Span)> = None;
    for name in ["RetryOn", "RetryOnStatusCodes"] {
        let Some((k, v)) = dest.entry(name) else {
            continue;
        };
        at.get_or_insert((k.span, v.span));
        let items = v.as_seq().unwrap_or_default();
        conditions.extend(
            items
                .iter()
                .filter_map(|i| i.as_str().map(|t| Node::scalar(t, false, i.span))),
        );
    }
    let Some((key_span, value_span)) = at else {
        return;
    };
    let attempts = match dest.entry("NumRetries") {
        Some((_, v)) if v.as_i64().is_some_and(|n| n > 0) => v.clone(),
        // Consul leaves `num_retries` unset: Envoy's default is one retry.
        _ => Node::scalar("1", false, value_span),
    };
    let retry = Node {
        value: Value::Map(vec![
            (
                key("Conditions", key_span),
                Node {
                    value: Value::Seq(conditions),
                    span: value_span,
                },
            ),
            (key("Attempts", attempts.span), attempts),
        ]),
        span: Span::new(key_span.start, value_span.end),
    };
    push(dest, key("Retry", key_span), retry);
}

fn upstream_config(config: &mut Node) {
    let defaults_check = config
        .get("Defaults")
        .and_then(|d| d.entry("PassiveHealthCheck"))
        .map(|(k, v)| (k.clone(), v.clone()));
    if let Some(defaults) = get_mut(config, "Defaults") {
        let span = defaults.span;
        push(
            defaults,
            key("Upstream", span),
            Node::scalar("upstream defaults", true, span),
        );
    }
    let Some(Node {
        value: Value::Seq(overrides),
        ..
    }) = get_mut(config, "Overrides")
    else {
        return;
    };
    for item in overrides {
        let name = item.get("Name").and_then(Node::as_str).unwrap_or("?");
        let label = format!("upstream `{name}`");
        let span = item.span;
        if item.get("PassiveHealthCheck").is_none() {
            if let Some((k, v)) = &defaults_check {
                push(item, k.clone(), v.clone());
            }
        }
        push(item, key("Upstream", span), Node::scalar(label, true, span));
    }
}

fn key(text: &str, span: Span) -> Node {
    Node::scalar(text, false, span)
}

fn push(node: &mut Node, key: Node, value: Node) {
    if let Value::Map(entries) = &mut node.value {
        entries.push((key, value));
    }
}

fn get_mut<'a>(node: &'a mut Node, name: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::pascal;

    #[test]
    fn every_spelling_becomes_pascal_case() {
        assert_eq!(pascal("requestTimeout"), "RequestTimeout");
        assert_eq!(pascal("request_timeout"), "RequestTimeout");
        assert_eq!(pascal("RequestTimeout"), "RequestTimeout");
        assert_eq!(pascal("http"), "HTTP");
        assert_eq!(
            pascal("enforcing_consecutive_5xx"),
            "EnforcingConsecutive5xx"
        );
        assert_eq!(pascal("connectTimeoutMs"), "ConnectTimeoutMs");
    }
}
