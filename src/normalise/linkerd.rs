//! Linkerd: what a ServiceProfile route condition can match, and what the 2.16
//! annotations on a Service, HTTPRoute or GRPCRoute really configure, written into
//! each document as derived keys so the rules in `rules/linkerd/` stay `require` and
//! `mutation-retry` checks.
//!
//! Per document ([`document`], run from [`link`] so that the items of a Kubernetes
//! `List` are read too), on a `ServiceProfile`: each route whose condition
//! names a method gets `mutating-methods`, the non-idempotent methods (POST,
//! PATCH) its condition can match. Conditions nest `all`, `any` and `not`, and the
//! fields of one condition are all required (Linkerd ANDs them); other predicates
//! (`pathRegex`) are unknown, so they neither prove nor rule out a match. A
//! condition that never names a method is left alone, as Istio routes without a
//! method match are.
//!
//! Across documents ([`link`]): Linkerd ignores the `retry.linkerd.io/*` and
//! `timeout.linkerd.io/*` annotations of a Service for which a ServiceProfile exists
//! (named by the Service's FQDN, `name.ns.svc.<cluster domain>`, in the Service's
//! namespace and the Service file's deployment scope), and those of a route whose
//! parent Services all have one. Every other Service, HTTPRoute and GRPCRoute
//! carrying Linkerd annotations, and every Service a ServiceProfile names, gets a
//! root key `linkerd`:
//!
//! - `profile`: the ServiceProfile that overrides the annotations;
//! - `timeouts.request` / `timeouts.response`: the timeout annotations;
//! - `retry.conditions` and `retry.bounded-by`: the retry annotation, and the
//!   annotation or route timeout that bounds its retries (absent: none does);
//! - `failure-accrual` (Services): `balancer.linkerd.io/failure-accrual`, which the
//!   ServiceProfile does not override.
//!
//! An HTTPRoute whose `retry.linkerd.io/http` applies also gets, in each of its
//! `spec.rules[]`, `linkerd-retry.http` and `linkerd-retry.limit` (unquoted, so a
//! limit of `"0"` reads as a number), for the `mutation-retry` check.
//!
//! Derived nodes keep the spans of the annotations they come from, so findings point
//! at the annotation a user would edit.

use crate::classify::Platform;
use crate::load::Document;
use crate::rules::duration::parse_seconds;
use crate::tree::{Node, Span, Value};
use crate::workspace::Scopes;

/// Methods that are not idempotent, in the order messages list them.
const MUTATING: [&str; 2] = ["POST", "PATCH"];

/// Whether a document is a Linkerd ServiceProfile.
fn is_profile(doc: &Document) -> bool {
    doc.meta.platform == Platform::Kubernetes
        && doc.meta.kind.as_deref() == Some("ServiceProfile")
        && doc
            .meta
            .api_version
            .as_deref()
            .is_some_and(|a| a.starts_with("linkerd.io/"))
}

/// Per-document step: marks the ServiceProfile routes that can match POST or PATCH.
pub fn document(doc: &mut Document) {
    if !is_profile(doc) {
        return;
    }
    let Some(routes) = mut_at(&mut doc.root, &["spec", "routes"]) else {
        return;
    };
    let Value::Seq(items) = &mut routes.value else {
        return;
    };
    for route in items {
        let Some(condition) = route.get("condition") else {
            continue;
        };
        if !names_method(condition) {
            continue;
        }
        let methods: Vec<Node> = MUTATING
            .iter()
            .filter(|m| eval(condition, m) != Tri::No)
            .map(|m| Node::scalar(*m, false, condition.span))
            .collect();
        if methods.is_empty() {
            continue;
        }
        let span = condition.span;
        push(route, "mutating-methods", seq(methods, span), span);
    }
}

/// Three-valued truth: a condition may depend on what is not known statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    No,
    Maybe,
    Yes,
}

fn and(values: impl IntoIterator<Item = Tri>) -> Tri {
    values.into_iter().fold(Tri::Yes, |acc, v| match (acc, v) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Maybe, _) | (_, Tri::Maybe) => Tri::Maybe,
        _ => Tri::Yes,
    })
}

fn or(values: impl IntoIterator<Item = Tri>) -> Tri {
    values.into_iter().fold(Tri::No, |acc, v| match (acc, v) {
        (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
        (Tri::Maybe, _) | (_, Tri::Maybe) => Tri::Maybe,
        _ => Tri::No,
    })
}

/// Whether a request with `method` can match `condition` (a Linkerd `RequestMatch`:
/// its fields are ANDed). Methods compare exactly, as HTTP methods are case-sensitive.
fn eval(condition: &Node, method: &str) -> Tri {
    let mut parts = Vec::new();
    if let Some(all) = condition.get("all") {
        let items = all.as_seq().unwrap_or_default();
        parts.push(and(items.iter().map(|c| eval(c, method))));
    }
    if let Some(any) = condition.get("any") {
        let items = any.as_seq().unwrap_or_default();
        parts.push(or(items.iter().map(|c| eval(c, method))));
    }
    if let Some(m) = condition.get("method") {
        parts.push(if m.as_str() == Some(method) {
            Tri::Yes
        } else {
            Tri::No
        });
    }
    if let Some(not) = condition.get("not") {
        parts.push(match eval(not, method) {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        });
    }
    if parts.is_empty() || condition.get("pathRegex").is_some() {
        parts.push(Tri::Maybe);
    }
    and(parts)
}

/// Whether a condition names a method anywhere in it.
fn names_method(condition: &Node) -> bool {
    match &condition.value {
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.as_str() == Some("method") || names_method(v)),
        Value::Seq(items) => items.iter().any(names_method),
        Value::Scalar(_) => false,
    }
}

/// A ServiceProfile as Linkerd looks it up: the Service its name is the FQDN of
/// (`name.ns.svc.<cluster domain>`, any cluster domain), its own namespace, its file.
struct Profile {
    service: (String, String),
    namespace: Option<String>,
    name: String,
    file: usize,
}

impl Profile {
    fn of(doc: &Document) -> Option<Profile> {
        let name = doc.meta.name.as_deref()?.to_ascii_lowercase();
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 4 || labels[2] != "svc" {
            return None;
        }
        Some(Profile {
            service: (labels[0].to_string(), labels[1].to_string()),
            namespace: doc.meta.namespace.clone(),
            file: doc.file,
            name,
        })
    }

    /// Whether this profile overrides the annotations of `service` (name, namespace)
    /// for every client: Linkerd uses a profile from the client's namespace or the
    /// Service's, so only one in the Service's namespace does (one without a
    /// namespace is taken to be applied there), and only within the deployment
    /// scope the Service's file sees.
    fn overrides(&self, service: &(String, String), from: usize, scopes: &Scopes) -> bool {
        self.service == *service
            && self.namespace.as_ref().is_none_or(|ns| *ns == service.1)
            && scopes.visible(from, self.file)
    }
}

/// Cross-document step: the `linkerd` block of each annotated Service and route.
pub fn link(docs: &mut [Document], scopes: &Scopes) {
    docs.iter_mut().for_each(document);
    let profiles: Vec<Profile> = docs
        .iter()
        .filter(|d| is_profile(d))
        .filter_map(Profile::of)
        .collect();
    for doc in docs.iter_mut() {
        let kind = doc.meta.kind.as_deref().unwrap_or("");
        if doc.meta.platform != Platform::Kubernetes
            || !matches!(kind, "Service" | "HTTPRoute" | "GRPCRoute")
        {
            continue;
        }
        let services = parent_services(doc);
        if services.is_empty() {
            continue;
        }
        let found: Option<Vec<&Profile>> = services
            .iter()
            .map(|s| profiles.iter().find(|p| p.overrides(s, doc.file, scopes)))
            .collect();
        let profile = found.map(|all| all[0].name.clone());
        if let Some(block) = block(doc, profile, kind == "Service") {
            push_root(&mut doc.root, "linkerd", block);
        }
    }
}

/// The Services (name, namespace) whose traffic a document configures: a Service
/// itself, or a route's `parentRefs` of kind Service (routes attached to a Gateway
/// are not Linkerd's to configure: its annotations apply to Service parents only).
fn parent_services(doc: &Document) -> Vec<(String, String)> {
    let ns = doc.meta.namespace.as_deref().unwrap_or("default");
    let pair = |name: &str, ns: &str| (name.to_ascii_lowercase(), ns.to_string());
    if doc.meta.kind.as_deref() == Some("Service") {
        return doc
            .meta
            .name
            .as_deref()
            .map(|n| pair(n, ns))
            .into_iter()
            .collect();
    }
    let refs = doc
        .root
        .get("spec")
        .and_then(|s| s.get("parentRefs"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    refs.iter()
        .filter(|r| r.get("kind").and_then(Node::as_str) == Some("Service"))
        .filter_map(|r| {
            let name = r.get("name").and_then(Node::as_str)?;
            let ns = r.get("namespace").and_then(Node::as_str).unwrap_or(ns);
            Some(pair(name, ns))
        })
        .collect()
}

/// The `linkerd` block of one document, `None` when nothing of Linkerd's applies.
fn block(doc: &mut Document, profile: Option<String>, is_service: bool) -> Option<Node> {
    let metadata = doc.root.get("metadata");
    let annotations = metadata.and_then(|m| m.entry("annotations"));
    let span = annotations
        .map(|(k, v)| Span::new(k.span.start, v.span.end))
        .or_else(|| metadata.map(|m| m.span))
        .unwrap_or(doc.root.span);
    // The Linkerd annotations, copied: the rules of a route are annotated below.
    let linkerd: Vec<(Node, Node)> = annotations
        .and_then(|(_, a)| a.as_map())
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| k.as_str().is_some_and(|k| k.contains(".linkerd.io/")))
        .cloned()
        .collect();
    let ann = |name: &str| {
        linkerd
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .cloned()
    };
    let mut entries: Vec<(Node, Node)> = Vec::new();
    let accrual = ann("balancer.linkerd.io/failure-accrual").filter(|_| is_service);
    if let Some(name) = &profile {
        entries.push((key("profile", span), Node::scalar(name.clone(), true, span)));
    } else {
        let mut timeouts = Vec::new();
        for which in ["request", "response"] {
            if let Some((k, v)) = ann(&format!("timeout.linkerd.io/{which}")) {
                timeouts.push((renamed(&k, which), v));
            }
        }
        let retry = ann("retry.linkerd.io/http").or_else(|| ann("retry.linkerd.io/grpc"));
        if let Some((rk, rv)) = &retry {
            // A zero timeout bounds nothing (`annotation-timeout-disabled` reports it).
            let bounds = |v: &Node| v.as_str().and_then(|s| parse_seconds(s, 1.0)) != Some(0.0);
            let bound = timeouts
                .iter()
                .map(|(_, v)| v.clone())
                .chain(ann("retry.linkerd.io/timeout").map(|(_, v)| v))
                .find(bounds)
                .or_else(|| every_rule_timeout(&doc.root));
            let mut fields = vec![(renamed(rk, "conditions"), rv.clone())];
            if let Some(b) = bound {
                fields.push((key("bounded-by", b.span), b));
            }
            entries.push((renamed(rk, "retry"), map(fields, rk.span)));
        }
        if !timeouts.is_empty() {
            let s = timeouts[0].0.span;
            entries.push((key("timeouts", s), map(timeouts, s)));
        }
        if let Some((k, v)) = ann("retry.linkerd.io/http") {
            let limit = ann("retry.linkerd.io/limit").map(|(_, v)| v);
            annotate_rules(&mut doc.root, &k, &v, limit);
        }
    }
    if let Some((k, v)) = accrual {
        entries.push((renamed(&k, "failure-accrual"), v));
    }
    // A Service is Linkerd's when it is annotated or a ServiceProfile names it.
    (!entries.is_empty()).then(|| map(entries, span))
}

/// A route's Gateway API timeout when every rule sets a non-zero `timeouts.request`.
fn every_rule_timeout(root: &Node) -> Option<Node> {
    let rules = root.get("spec")?.get("rules")?.as_seq()?;
    let timeouts: Option<Vec<&Node>> = rules
        .iter()
        .map(|r| {
            r.get("timeouts")?
                .get("request")
                .filter(|t| t.as_str().and_then(|s| parse_seconds(s, 1.0)) != Some(0.0))
        })
        .collect();
    timeouts?.first().map(|n| (*n).clone())
}

/// Copies the HTTP retry annotation into each rule of an HTTPRoute.
fn annotate_rules(root: &mut Node, key_node: &Node, http: &Node, limit: Option<Node>) {
    let Some(rules) = mut_at(root, &["spec", "rules"]) else {
        return;
    };
    let Value::Seq(items) = &mut rules.value else {
        return;
    };
    for rule in items {
        let mut fields = vec![(renamed(key_node, "http"), http.clone())];
        if let Some(l) = &limit {
            let text = l.as_str().unwrap_or("").trim().to_string();
            fields.push((key("limit", l.span), Node::scalar(text, false, l.span)));
        }
        push(
            rule,
            "linkerd-retry",
            map(fields, key_node.span),
            key_node.span,
        );
    }
}

fn key(text: &str, span: Span) -> Node {
    Node::scalar(text, false, span)
}

/// A derived key with the span of the key it comes from.
fn renamed(from: &Node, text: &str) -> Node {
    key(text, from.span)
}

fn map(entries: Vec<(Node, Node)>, span: Span) -> Node {
    Node {
        value: Value::Map(entries),
        span,
    }
}

fn seq(items: Vec<Node>, span: Span) -> Node {
    Node {
        value: Value::Seq(items),
        span,
    }
}

/// Adds `name: value` to a map node (replacing an earlier derived value).
fn push(node: &mut Node, name: &str, value: Node, key_span: Span) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(k, _)| k.as_str() != Some(name));
        entries.push((key(name, key_span), value));
    }
}

fn push_root(root: &mut Node, name: &str, value: Node) {
    let span = value.span;
    push(root, name, value, span);
}

/// The node at a key path, mutably.
fn mut_at<'a>(node: &'a mut Node, path: &[&str]) -> Option<&'a mut Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let Value::Map(entries) = &mut node.value else {
        return None;
    };
    let (_, v) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some(first))?;
    mut_at(v, rest)
}

#[cfg(test)]
mod tests {
    use super::{eval, names_method, Tri};
    use crate::tree::Node;

    fn condition(yaml: &str) -> Node {
        crate::load::yaml::parse(yaml).docs.remove(0).root
    }

    #[test]
    fn nested_conditions_are_evaluated_per_method() {
        let c = condition("all:\n- not: {method: GET}\n- pathRegex: /x\n");
        assert_eq!(eval(&c, "POST"), Tri::Maybe);
        assert_eq!(eval(&c, "GET"), Tri::No);
        let c = condition("any:\n- method: GET\n- method: PATCH\n");
        assert_eq!(eval(&c, "PATCH"), Tri::Yes);
        assert_eq!(eval(&c, "POST"), Tri::No);
        let c = condition("method: POST\nnot: {method: POST}\n");
        assert_eq!(eval(&c, "POST"), Tri::No);
        assert!(names_method(&condition("not: {any: [{method: GET}]}\n")));
        assert!(!names_method(&condition("pathRegex: /x\n")));
    }
}
