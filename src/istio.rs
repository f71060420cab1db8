//! What resilint knows about Istio beyond its rule files: how a host names a service
//! (the `istio-host` join resolver) and how a `StringMatch` matches.
//!
//! Host resolution follows Istio: a short host (`reviews`) resolves in the document's
//! namespace (`reviews.<ns>.svc.cluster.local`, `default` when unset); a host with a
//! dot is taken as written. Like Istio (`PushContext::destinationRule`), rules are
//! looked up namespace by namespace: the route's, then the service's (`<ns>` of
//! `name.<ns>.svc.cluster.local`), then the root `istio-system`; a rule in any other
//! namespace does not apply. Within a namespace an exact host wins over a wildcard
//! (`*.example.com`), the longest wildcard over shorter ones. For a host outside the
//! cluster the service's namespace is unknown (its ServiceEntry's), so a rule in any
//! namespace is accepted last. A rule from another namespace must be exported to the
//! route's (`spec.exportTo`; absent means everywhere). The policy of a destination is
//! its subset's `trafficPolicy` when that sets the key, else the top-level one; a
//! matching `portLevelSettings` entry replaces the policy it sits in, without merging.

use crate::join::{namespace, Layer, Reference, Resolve, Target, View};
use crate::load::Document;
use crate::rules::path::Path;
use crate::tree::Node;

/// Istio's default root namespace, whose DestinationRules apply mesh-wide.
const ROOT_NAMESPACE: &str = "istio-system";

/// Index key of wildcard hosts that do not start with `*.` (`*example.com`): rare,
/// looked up last and ranked one by one.
const ODD_WILDCARDS: &str = "*~";

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

/// The host a policy document applies to, resolved in its own namespace.
fn target_host(target: &Target) -> Option<String> {
    let host = target.node.get("spec")?.get("host")?.as_str()?;
    Some(resolve_host(host, namespace(target.doc)))
}

/// The `istio-host` resolver: a destination host to the DestinationRule (or any
/// document with `spec.host`) Istio applies to it.
pub struct IstioHost;

impl Resolve for IstioHost {
    fn identities(&self, target: &Target, _name: Option<&Path>) -> Vec<String> {
        let Some(host) = target_host(target) else {
            return Vec::new();
        };
        let odd = host.starts_with('*') && host != "*" && !host.starts_with("*.");
        vec![if odd { ODD_WILDCARDS.to_string() } else { host }]
    }

    fn lookup_keys(&self, reference: &Reference) -> Vec<String> {
        let host = self.display(reference);
        let mut keys = vec![host.clone()];
        for (i, _) in host.match_indices('.') {
            let wildcard = format!("*{}", &host[i..]);
            if wildcard != host {
                keys.push(wildcard);
            }
        }
        if host != "*" {
            keys.push("*".into());
        }
        keys.push(ODD_WILDCARDS.into());
        keys
    }

    fn display(&self, reference: &Reference) -> String {
        resolve_host(reference.key, reference.namespace())
    }

    fn choose<'a>(
        &self,
        reference: &Reference,
        candidates: &[(usize, Target<'a>)],
    ) -> Option<Target<'a>> {
        let host = self.display(reference);
        let ns = reference.namespace();
        let service_ns = service_namespace(&host);
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
        let mut best: Option<(u8, usize, Target<'a>)> = None;
        for (_, target) in candidates {
            let Some(rank) = target_host(target).and_then(|h| match_rank(&h, &host)) else {
                continue;
            };
            let rule_ns = namespace(target.doc);
            let Some(tier) = tier(rule_ns) else {
                continue;
            };
            if rule_ns != ns && !exported_to(target.doc, ns) {
                continue;
            }
            // Ties go to the first in file order, as candidates arrive per lookup key.
            let better = best.as_ref().is_none_or(|(t, r, b)| {
                (tier, rank) > (*t, *r)
                    || ((tier, rank) == (*t, *r) && doc_order(target) < doc_order(b))
            });
            if better {
                best = Some((tier, rank, *target));
            }
        }
        best.map(|(_, _, t)| t)
    }

    /// Layers: the subset's port-level entry, the subset's policy, the top-level
    /// port-level entry, the top-level policy.
    fn view<'a>(&self, reference: &Reference, target: &Target<'a>) -> View<'a> {
        let spec = target.node.get("spec");
        let subset_policy = reference.subset.and_then(|name| {
            spec?
                .get("subsets")?
                .as_seq()?
                .iter()
                .find(|s| s.get("name").and_then(Node::as_str) == Some(name))?
                .get("trafficPolicy")
        });
        let policies = [
            subset_policy.map(|p| {
                (
                    p,
                    format!("subsets[{}].trafficPolicy", reference.subset.unwrap_or("")),
                )
            }),
            spec.and_then(|s| s.get("trafficPolicy"))
                .map(|p| (p, "trafficPolicy".to_string())),
        ];
        let mut layers = Vec::new();
        for (policy, place) in policies.into_iter().flatten() {
            let port_level = reference.port.and_then(|port| {
                policy.get("portLevelSettings")?.as_seq()?.iter().find(|e| {
                    e.get("port")
                        .and_then(|p| p.get("number"))
                        .and_then(Node::as_i64)
                        == Some(port)
                })
            });
            if let Some(entry) = port_level {
                layers.push(Layer {
                    node: entry,
                    place: format!("{place}.portLevelSettings"),
                    replaces: true,
                });
            }
            layers.push(Layer {
                node: policy,
                place,
                replaces: false,
            });
        }
        View {
            layers,
            fallback_place: "trafficPolicy".into(),
        }
    }
}

fn doc_order(t: &Target) -> (usize, usize) {
    (t.doc.file, t.doc.index)
}

/// Whether an Istio `StringMatch` (`{exact: POST}`, `{prefix: P}`, `{regex: "P(OST|ATCH)"}`)
/// or a plain string matches `value`. Istio compares case-sensitively and a regex must
/// match the whole value (RE2 semantics, which the `regex` crate shares).
pub fn string_match(m: &Node, value: &str) -> bool {
    if let Some(text) = m.as_str() {
        return text == value;
    }
    if let Some(exact) = m.get("exact").and_then(Node::as_str) {
        return exact == value;
    }
    if let Some(prefix) = m.get("prefix").and_then(Node::as_str) {
        return value.starts_with(prefix);
    }
    if let Some(pattern) = m.get("regex").and_then(Node::as_str) {
        return regex_matches(pattern, value);
    }
    false
}

/// Compiled size limit of a method regex: an HTTP method pattern needs a few
/// kilobytes; a hostile one could take seconds and megabytes to compile.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Distinct patterns kept per thread; past it the cache starts over.
const REGEX_CACHE_ENTRIES: usize = 1024;

/// A compiled method regex, or why it is not one: `Err(true)` compiled past
/// [`REGEX_SIZE_LIMIT`], `Err(false)` invalid.
type Compiled = Result<regex::bytes::Regex, bool>;

thread_local! {
    /// Patterns compiled so far: a file repeats the same method regex over hundreds
    /// of match blocks, and each is judged once per mutating method.
    static REGEXES: std::cell::RefCell<std::collections::HashMap<String, Compiled>> =
        Default::default();
}

/// `f` of `pattern` compiled (once per thread, then from the cache).
fn with_regex<T>(pattern: &str, f: impl FnOnce(&Compiled) -> T) -> T {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            if cache.len() >= REGEX_CACHE_ENTRIES {
                cache.clear();
            }
            // Envoy matches with RE2, whose classes (`\w`, `\d`) are ASCII: the same
            // here, which also keeps a hostile `\w{1,40}` from compiling Unicode tables.
            let compiled = regex::bytes::RegexBuilder::new(&format!("^(?:{pattern})$"))
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| matches!(e, regex::Error::CompiledTooBig(_)));
            cache.insert(pattern.to_owned(), compiled);
        }
        f(&cache[pattern])
    })
}

/// Whether `pattern` matches all of `method`. A pattern that does not compile, or
/// compiles past [`REGEX_SIZE_LIMIT`], matches nothing here; [`method_regex_errors`]
/// reports it, so the route it could not judge is not passed over in silence.
fn regex_matches(pattern: &str, method: &str) -> bool {
    with_regex(pattern, |c| {
        c.as_ref().is_ok_and(|re| re.is_match(method.as_bytes()))
    })
}

/// One `errors` entry per VirtualService method regex that cannot be used: `limit`
/// when it compiles past [`REGEX_SIZE_LIMIT`], `parse` when it is not a regex. Each
/// pattern is reported once per file, at its first use.
pub fn method_regex_errors(
    docs: &[Document],
    files: &[crate::source::SourceFile],
) -> Vec<crate::report::FileError> {
    use crate::report::ErrorKind;
    let methods = Path::parse("spec.http[*].match[*].method.regex").expect("a valid path");
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    let virtual_services = docs.iter().filter(|d| {
        d.meta.kind.as_deref() == Some("VirtualService")
            && d.meta
                .api_version
                .as_deref()
                .is_some_and(|v| v.starts_with("networking.istio.io/"))
    });
    for doc in virtual_services {
        for hit in methods.select(&doc.root) {
            let Some(pattern) = hit.node.as_str() else {
                continue;
            };
            let Some(too_big) = with_regex(pattern, |c| c.as_ref().err().copied()) else {
                continue;
            };
            if !seen.insert((doc.file, pattern.to_owned())) {
                continue;
            }
            let (kind, why) = if too_big {
                let limit = REGEX_SIZE_LIMIT >> 10;
                (
                    ErrorKind::Limit,
                    format!("compiles to more than {limit} KiB"),
                )
            } else {
                (
                    ErrorKind::Parse,
                    "is not a valid regex (RE2 syntax)".to_string(),
                )
            };
            let message = format!(
                "method regex {why}: the routes using it match no method here, so a retried \
                 mutation through them is not judged"
            );
            errors.push(files[doc.file].error(Some(hit.node.span.start), kind, message));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::{match_rank, regex_matches, resolve_host, service_namespace};

    #[test]
    fn method_regexes_match_whole_methods_with_ascii_classes_as_re2_does() {
        assert!(regex_matches(r"\w{1,40}", "POST"));
        assert!(regex_matches("P.*", "PATCH"));
        assert!(regex_matches("P(OST|ATCH)", "POST"));
        assert!(!regex_matches("POS", "POST"), "the whole method must match");
        assert!(!regex_matches(r"\w", "É"), "`\\w` is ASCII in RE2");
        assert!(
            !regex_matches("[[", "POST"),
            "a broken pattern matches nothing"
        );
    }

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
