//! `kind = "destination-policy"`: the destination a route sends to must have a
//! traffic policy (e.g. `outlierDetection`) in the DestinationRule Istio applies to it.
//!
//! This joins documents across files the way Istio does: a short host (`reviews`)
//! resolves in the document's namespace (`reviews.<ns>.svc.cluster.local`, `default`
//! when unset); a host with a dot is taken as written. Like Istio (`PushContext::
//! destinationRule`), rules are looked up namespace by namespace: the route's, then the
//! service's (`<ns>` of `name.<ns>.svc.cluster.local`), then the root `istio-system`;
//! a rule in any other namespace does not apply. Within a namespace an exact host wins
//! over a wildcard (`*.example.com`), the longest wildcard over shorter ones. For a host
//! outside the cluster the service's namespace is unknown (its ServiceEntry's), so a
//! rule in any namespace is accepted last. A rule from another namespace must be
//! exported to the route's (`spec.exportTo`; absent means everywhere). The policy of
//! a destination is its subset's `trafficPolicy.<policy>` when set, else the top-level
//! one; a matching `portLevelSettings` entry replaces it without merging.

use serde::Deserialize;

use super::{Problem, Subject};
use crate::load::Document;
use crate::rules::path::Path;
use crate::rules::spec::Glob;
use crate::tree::Node;
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DestinationPolicy {
    /// Host of the destination, relative to the subject (e.g. `host`).
    pub host: Path,
    /// Subset name, relative to the subject (e.g. `subset`).
    pub subset: Option<Path>,
    /// Port number, relative to the subject (e.g. `port.number`).
    pub port: Option<Path>,
    /// Kind of the policy documents (e.g. `DestinationRule`).
    pub rule_kind: String,
    /// apiVersion glob of the policy documents.
    pub rule_api_version: Option<Glob>,
    /// Key that must be set in the effective traffic policy (e.g. `outlierDetection`).
    pub policy: String,
    /// Message when no policy document matches the host; `{host}` is replaced.
    pub message_no_rule: Option<String>,
    /// Message when the matching document lacks the policy; `{host}`, `{rule}` (its name),
    /// `{rule_location}` (`path:line`) and `{where}` (the key looked for) are replaced.
    pub message_no_policy: Option<String>,
}

/// The fully qualified name Istio resolves `host` to from `namespace`.
pub fn resolve_host(host: &str, namespace: &str) -> String {
    if host.contains('.') || host.contains('*') {
        host.to_ascii_lowercase()
    } else {
        format!(
            "{}.{namespace}.svc.cluster.local",
            host.to_ascii_lowercase()
        )
    }
}

/// Istio's default root namespace, whose DestinationRules apply mesh-wide.
const ROOT_NAMESPACE: &str = "istio-system";

/// The namespace of a cluster-local FQDN: `prod` for `reviews.prod.svc.cluster.local`.
fn service_namespace(host: &str) -> Option<&str> {
    let name_ns = host.strip_suffix(".svc.cluster.local")?;
    let (_, ns) = name_ns.rsplit_once('.')?;
    Some(ns)
}

/// Whether `spec.exportTo` makes the document visible in `ns` (`*` or absent: everywhere;
/// `.`: its own namespace only; `~`: nowhere else).
fn exported_to(doc: &Document, ns: &str) -> bool {
    let Some(list) = doc
        .root
        .get("spec")
        .and_then(|s| s.get("exportTo"))
        .and_then(Node::as_seq)
    else {
        return true;
    };
    list.iter().filter_map(Node::as_str).any(|e| match e {
        "*" => true,
        "." => namespace(doc) == ns,
        other => other == ns,
    })
}

fn namespace(doc: &Document) -> &str {
    doc.meta.namespace.as_deref().unwrap_or("default")
}

/// How well a rule host matches a destination: exact beats any wildcard, longer wildcards beat shorter.
fn match_rank(rule_host: &str, dest: &str) -> Option<usize> {
    if rule_host == dest {
        return Some(usize::MAX);
    }
    if rule_host == "*" {
        return Some(0);
    }
    let suffix = rule_host.strip_prefix('*')?;
    dest.ends_with(suffix).then_some(suffix.len())
}

impl DestinationPolicy {
    pub fn judge(&self, subject: &Subject, ws: &Workspace) -> Vec<Problem> {
        let Some(raw_host) = self.host.first(subject.node).and_then(|h| h.node.as_str()) else {
            return Vec::new();
        };
        let ns = namespace(subject.doc);
        let host = resolve_host(raw_host, ns);
        let subset = self
            .subset
            .as_ref()
            .and_then(|p| p.first(subject.node))
            .and_then(|h| h.node.as_str());
        let port = self
            .port
            .as_ref()
            .and_then(|p| p.first(subject.node))
            .and_then(|h| h.node.as_i64());
        let problem = |message: String| Problem {
            span: None,
            message: message.replace("{host}", &host),
            target: Some(host.clone()),
        };
        let Some(rule) = self.find_rule(ws, &host, ns) else {
            return vec![problem(
                self.message_no_rule
                    .clone()
                    .unwrap_or_else(|| format!("no {} for `{{host}}`", self.rule_kind)),
            )];
        };
        let (policy_found, place) = self.effective_policy(&rule.root, subset, port);
        if policy_found {
            return Vec::new();
        }
        let file = &ws.files[rule.file];
        let pos = file.line_col(rule.root.span.start);
        let rule_name = rule.meta.name.clone().unwrap_or_default();
        let message = self
            .message_no_policy
            .clone()
            .unwrap_or_else(|| format!("{} `{{rule}}` has no `{{where}}`", self.rule_kind))
            .replace("{rule}", &rule_name)
            .replace("{rule_location}", &format!("{}:{}", file.display, pos.line))
            .replace("{where}", &place);
        vec![problem(message)]
    }

    fn find_rule<'a>(&self, ws: &'a Workspace, host: &str, ns: &str) -> Option<&'a Document> {
        let service_ns = service_namespace(host);
        // Which namespaces Istio searches, in order; `None`: never this one.
        let tier = |rule_ns: &str| -> Option<u8> {
            if rule_ns == ns {
                Some(3)
            } else if Some(rule_ns) == service_ns {
                Some(2)
            } else if rule_ns == ROOT_NAMESPACE {
                Some(1)
            } else if service_ns.is_none() {
                Some(0)
            } else {
                None
            }
        };
        let mut best: Option<(u8, usize, &Document)> = None;
        for doc in ws.docs_of_kind(&self.rule_kind) {
            if let (Some(glob), Some(api)) = (&self.rule_api_version, &doc.meta.api_version) {
                if !glob.0.is_match(api) {
                    continue;
                }
            }
            let Some(rule_host) = doc
                .root
                .get("spec")
                .and_then(|s| s.get("host"))
                .and_then(Node::as_str)
            else {
                continue;
            };
            let Some(rank) = match_rank(&resolve_host(rule_host, namespace(doc)), host) else {
                continue;
            };
            let Some(tier) = tier(namespace(doc)) else {
                continue;
            };
            if namespace(doc) != ns && !exported_to(doc, ns) {
                continue;
            }
            if best.is_none_or(|(t, r, _)| (tier, rank) > (t, r)) {
                best = Some((tier, rank, doc));
            }
        }
        best.map(|(_, _, d)| d)
    }

    /// Whether the effective traffic policy sets the policy key, and where it was looked for.
    fn effective_policy(
        &self,
        rule: &Node,
        subset: Option<&str>,
        port: Option<i64>,
    ) -> (bool, String) {
        let spec = rule.get("spec");
        let top = spec.and_then(|s| s.get("trafficPolicy"));
        let subset_policy = subset.and_then(|name| {
            spec?
                .get("subsets")?
                .as_seq()?
                .iter()
                .find(|s| s.get("name").and_then(Node::as_str) == Some(name))?
                .get("trafficPolicy")
        });
        let layers = [
            subset_policy.map(|p| {
                (
                    p,
                    format!("subsets[{}].trafficPolicy", subset.unwrap_or("")),
                )
            }),
            top.map(|p| (p, "trafficPolicy".to_string())),
        ];
        for (policy, place) in layers.into_iter().flatten() {
            let port_level = port.and_then(|port| {
                policy.get("portLevelSettings")?.as_seq()?.iter().find(|e| {
                    e.get("port")
                        .and_then(|p| p.get("number"))
                        .and_then(Node::as_i64)
                        == Some(port)
                })
            });
            if let Some(entry) = port_level {
                let found = entry.get(&self.policy).is_some_and(|p| !p.is_null());
                return (found, format!("{place}.portLevelSettings.{}", self.policy));
            }
            if policy.get(&self.policy).is_some_and(|p| !p.is_null()) {
                return (true, String::new());
            }
        }
        (false, format!("trafficPolicy.{}", self.policy))
    }
}

#[cfg(test)]
mod tests {
    use super::{match_rank, resolve_host, service_namespace};

    #[test]
    fn the_service_namespace_comes_from_a_cluster_fqdn() {
        assert_eq!(
            service_namespace("reviews.prod.svc.cluster.local"),
            Some("prod")
        );
        assert_eq!(service_namespace("api.example.com"), None);
        assert_eq!(service_namespace("*.svc.cluster.local"), None);
    }

    #[test]
    fn short_names_resolve_in_the_namespace() {
        assert_eq!(
            resolve_host("reviews", "prod"),
            "reviews.prod.svc.cluster.local"
        );
        assert_eq!(resolve_host("api.example.com", "prod"), "api.example.com");
    }

    #[test]
    fn exact_beats_wildcards_and_longer_wildcards_win() {
        let d = "a.b.example.com";
        assert!(match_rank(d, d) > match_rank("*.b.example.com", d));
        assert!(match_rank("*.b.example.com", d) > match_rank("*.example.com", d));
        assert_eq!(match_rank("*.other.com", d), None);
    }
}
