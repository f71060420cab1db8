//! Kong Ingress Controller (KIC): Kubernetes Services that Kong proxies to, with the
//! settings KIC reads for them, so `rules/kong/ingress-*` are plain `require` checks.
//!
//! KIC makes one Kong service per Kubernetes Service an Ingress of a Kong class routes
//! to (`spec.ingressClassName` or the `kubernetes.io/ingress.class` annotation naming
//! `kong`), and configures it from the **Service's** annotations (KIC reads
//! `konghq.com/connect-timeout`, `read-timeout`, `write-timeout` and `retries` there,
//! not on the Ingress; a value that is not a whole number is ignored, leaving Kong's
//! 60000 ms default). Its upstream comes from a `KongUpstreamPolicy`
//! (`configuration.konghq.com`) named by the Service's `konghq.com/upstream-policy`
//! annotation; the older `KongIngress` named by `konghq.com/override` may set both
//! (`proxy.*_timeout`, `upstream.healthchecks`).
//!
//! KIC reads the same Service annotations for the backends of the HTTPRoutes and
//! GRPCRoutes of a Gateway Kong serves ([`super::kong_gateway`]). Each such Service
//! (routed by a Kong Ingress or a Kong Gateway's route, or carrying any `konghq.com/`
//! annotation) gains a `kong` key:
//!
//! - `label`: `namespace/name`;
//! - `implicit-timeouts`: the timeout annotations that set nothing KIC uses, each
//!   leaving Kong's 60000 ms default (absent when all three are set);
//! - `connect-timeout`, `read-timeout`, `write-timeout`: the annotation values, where
//!   they are written;
//! - `no-health-checks`: why the upstream has none (no policy attached, or a policy
//!   whose passive thresholds are all 0 and whose active checks have no interval);
//!   absent when it has some, or when the policy it names is not among the files read
//!   (then nothing is said of it).

use std::collections::{HashMap, HashSet};

use crate::classify::Platform;
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Span, Value};

const PREFIX: &str = "konghq.com/";

/// (annotation, the `KongIngress` `proxy` key that also sets it).
const TIMEOUTS: [(&str, &str); 3] = [
    ("connect-timeout", "connect_timeout"),
    ("read-timeout", "read_timeout"),
    ("write-timeout", "write_timeout"),
];

/// A namespaced name.
type Key<'a> = (&'a str, &'a str);

/// Adds the `kong` key to every Service Kong proxies to (see the module docs).
pub fn link(docs: &mut [Document], files: &[SourceFile]) {
    let patches: Vec<(usize, Node)> = {
        let index = Index::new(docs);
        // Services a Kong Gateway's HTTPRoutes and GRPCRoutes send to.
        let routed: HashSet<(String, String)> =
            super::kong_gateway::backends(docs).into_iter().collect();
        let by_route = |d: &Document| {
            let (ns, name) = key(d);
            routed.contains(&(ns.to_string(), name.to_string()))
        };
        if index.backends.is_empty() && routed.is_empty() && !docs.iter().any(has_kong_annotation) {
            return;
        }
        docs.iter()
            .enumerate()
            .filter(|(_, d)| is_kind(d, "Service") && d.meta.api_version.as_deref() == Some("v1"))
            .filter(|(_, d)| {
                index.backends.contains(&key(d)) || by_route(d) || has_kong_annotation(d)
            })
            .map(|(i, d)| (i, index.derive(d, files)))
            .collect()
    };
    for (i, node) in patches {
        if let Value::Map(entries) = &mut docs[i].root.value {
            let span = node.span;
            entries.push((Node::scalar("kong", false, span), node));
        }
    }
}

fn is_kind(doc: &Document, kind: &str) -> bool {
    doc.meta.platform == Platform::Kubernetes && doc.meta.kind.as_deref() == Some(kind)
}

fn key(doc: &Document) -> Key<'_> {
    (
        crate::join::namespace(doc),
        doc.meta.name.as_deref().unwrap_or(""),
    )
}

fn annotations(doc: &Document) -> &[(Node, Node)] {
    doc.root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Node::as_map)
        .unwrap_or_default()
}

fn annotation<'a>(doc: &'a Document, name: &str) -> Option<(&'a Node, &'a Node)> {
    annotations(doc)
        .iter()
        .find(|(k, _)| k.as_str().and_then(|k| k.strip_prefix(PREFIX)) == Some(name))
        .map(|(k, v)| (k, v))
}

fn has_kong_annotation(doc: &Document) -> bool {
    is_kind(doc, "Service")
        && annotations(doc)
            .iter()
            .any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with(PREFIX)))
}

fn at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

/// Whether an Ingress is served by Kong.
fn is_kong_ingress(doc: &Document) -> bool {
    let class = at(&doc.root, &["spec", "ingressClassName"])
        .and_then(Node::as_str)
        .or_else(|| {
            annotations(doc)
                .iter()
                .find(|(k, _)| k.as_str() == Some("kubernetes.io/ingress.class"))
                .and_then(|(_, v)| v.as_str())
        });
    is_kind(doc, "Ingress") && class.is_some_and(|c| c.to_ascii_lowercase().contains("kong"))
}

/// The Services an Ingress routes to (`networking.k8s.io/v1` and the older
/// `serviceName` spelling).
fn backends(doc: &Document) -> Vec<&str> {
    let spec = doc.root.get("spec");
    let mut refs: Vec<&Node> = Vec::new();
    refs.extend(spec.and_then(|s| s.get("defaultBackend")));
    refs.extend(spec.and_then(|s| s.get("backend")));
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let paths = at(rule, &["http", "paths"]).and_then(Node::as_seq);
        refs.extend(
            paths
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.get("backend")),
        );
    }
    refs.iter()
        .filter_map(|b| {
            at(b, &["service", "name"])
                .or_else(|| b.get("serviceName"))
                .and_then(Node::as_str)
        })
        .collect()
}

/// What Services join to: the Kong Ingresses' backends and the Kong resources by name.
struct Index<'a> {
    backends: HashSet<Key<'a>>,
    /// Timeout annotations written on a Kong Ingress, by the Services it routes to:
    /// KIC does not read them there, which the finding says.
    on_ingress: HashMap<Key<'a>, Vec<(&'a str, &'a str)>>,
    policies: HashMap<Key<'a>, &'a Document>,
    overrides: HashMap<Key<'a>, &'a Document>,
}

impl<'a> Index<'a> {
    fn new(docs: &'a [Document]) -> Self {
        let mut index = Index {
            backends: HashSet::new(),
            on_ingress: HashMap::new(),
            policies: HashMap::new(),
            overrides: HashMap::new(),
        };
        for doc in docs {
            if is_kong_ingress(doc) {
                let ns = crate::join::namespace(doc);
                let ingress = doc.meta.name.as_deref().unwrap_or("");
                for b in backends(doc) {
                    index.backends.insert((ns, b));
                    for (name, _) in TIMEOUTS {
                        if annotation(doc, name).is_some() {
                            index
                                .on_ingress
                                .entry((ns, b))
                                .or_default()
                                .push((name, ingress));
                        }
                    }
                }
            }
            let konghq = doc
                .meta
                .api_version
                .as_deref()
                .is_some_and(|a| a.starts_with("configuration.konghq.com/"));
            if konghq && is_kind(doc, "KongUpstreamPolicy") {
                index.policies.entry(key(doc)).or_insert(doc);
            }
            if konghq && is_kind(doc, "KongIngress") {
                index.overrides.entry(key(doc)).or_insert(doc);
            }
        }
        index
    }

    fn derive(&self, service: &Document, files: &[SourceFile]) -> Node {
        let anchor = Anchor::of(service);
        let (ns, name) = key(service);
        let mut out = vec![anchor.entry("label", &format!("{ns}/{name}"))];
        let kong_ingress = annotation(service, "override")
            .and_then(|(_, v)| v.as_str())
            .and_then(|o| self.overrides.get(&(ns, o)));
        let mut implicit = Vec::new();
        for (annotation_name, proxy_key) in TIMEOUTS {
            let from_override = kong_ingress
                .and_then(|d| at(&d.root, &["proxy", proxy_key]))
                .is_some_and(|v| v.as_i64().is_some());
            match annotation(service, annotation_name) {
                Some((k, v)) => {
                    out.push((
                        Node::scalar(annotation_name, false, k.span),
                        Node::scalar(v.as_str().unwrap_or_default(), false, v.span),
                    ));
                    let text = v.as_str().unwrap_or_default();
                    if text.trim().parse::<i64>().is_err() && !from_override {
                        implicit.push(format!(
                            "{PREFIX}{annotation_name} (`{text}` is not a whole number of milliseconds: KIC ignores it)"
                        ));
                    }
                }
                None if from_override => {}
                None => {
                    let ingress = self
                        .on_ingress
                        .get(&(ns, name))
                        .and_then(|l| l.iter().find(|(a, _)| *a == annotation_name));
                    implicit.push(match ingress {
                        Some((_, i)) => format!(
                            "{PREFIX}{annotation_name} (written on Ingress `{i}`, where KIC does not read it)"
                        ),
                        None => format!("{PREFIX}{annotation_name}"),
                    });
                }
            }
        }
        if !implicit.is_empty() {
            let names: Vec<&str> = implicit.iter().map(String::as_str).collect();
            out.push(anchor.entry("implicit-timeouts", &super::kong::and_list(&names)));
        }
        if let Some(reason) = self.no_health_checks(service, kong_ingress, files) {
            out.push(anchor.entry("no-health-checks", &reason));
        }
        Node {
            value: Value::Map(out),
            span: Span::new(anchor.key.start, anchor.value.end),
        }
    }

    /// Why the Service's upstream has no health checks; `None` when it has some or
    /// when the policy it names was not read.
    fn no_health_checks(
        &self,
        service: &Document,
        kong_ingress: Option<&&Document>,
        files: &[SourceFile],
    ) -> Option<String> {
        let (ns, _) = key(service);
        let place = |d: &Document| {
            let file = &files[d.file];
            let line = file.line_col(d.root.span.start).line;
            if d.file == service.file {
                format!("line {line}")
            } else {
                format!("{}:{line}", file.display)
            }
        };
        if let Some(d) = kong_ingress {
            if let Some(hc) = at(&d.root, &["upstream", "healthchecks"]) {
                if health_on(hc, "http_failures", "tcp_failures") {
                    return None;
                }
            }
        }
        let Some((_, policy)) = annotation(service, "upstream-policy") else {
            return Some(format!(
                "no `{PREFIX}upstream-policy` names a KongUpstreamPolicy"
            ));
        };
        let policy_name = policy.as_str().unwrap_or_default();
        let policy = self.policies.get(&(ns, policy_name))?;
        let on = at(&policy.root, &["spec", "healthchecks"])
            .is_some_and(|hc| health_on(hc, "httpFailures", "tcpFailures"));
        (!on).then(|| {
            format!(
                "KongUpstreamPolicy `{policy_name}` ({}) has every passive unhealthy threshold at 0 and no active check interval",
                place(policy)
            )
        })
    }
}

/// Passive checks with an unhealthy threshold above 0, or active checks with an
/// interval above 0 (the threshold keys as the resource spells them).
fn health_on(hc: &Node, http: &str, tcp: &str) -> bool {
    let positive = |n: Option<&Node>| n.and_then(Node::as_f64).is_some_and(|x| x > 0.0);
    let passive = [http, tcp, "timeouts"]
        .iter()
        .any(|k| positive(at(hc, &["passive", "unhealthy", k])));
    let active = ["healthy", "unhealthy"]
        .iter()
        .any(|s| positive(at(hc, &["active", s, "interval"])));
    passive || active
}

/// Where derived entries point: the Service's `metadata.name`.
struct Anchor {
    key: Span,
    value: Span,
}

impl Anchor {
    fn of(doc: &Document) -> Self {
        match doc.root.get("metadata").and_then(|m| m.entry("name")) {
            Some((k, v)) => Anchor {
                key: k.span,
                value: v.span,
            },
            None => Anchor {
                key: doc.root.span,
                value: doc.root.span,
            },
        }
    }

    fn entry(&self, key: &str, value: &str) -> (Node, Node) {
        (
            Node::scalar(key, false, self.key),
            Node::scalar(value, false, self.value),
        )
    }
}

#[cfg(test)]
mod tests;
