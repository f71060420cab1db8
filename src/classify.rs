//! Decides what a loaded document is, by its structure rather than its file name
//! or a stray word in it.

use crate::tree::Node;

/// The platform a configuration document belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Platform {
    /// A Kubernetes-style object with `apiVersion` and `kind` (Istio, Gateway API, Linkerd, ...).
    Kubernetes,
    /// Kong declarative configuration (decK).
    Kong,
    /// Envoy bootstrap or xDS resources.
    Envoy,
    /// A Spring Boot configuration with `resilience4j`, `spring.cloud.gateway`,
    /// `spring.cloud.openfeign` or `feign.client` keys (YAML or `.properties`).
    Spring,
    /// Facts extracted from a Rust source file (`{clients: [...]}`), never classified from YAML.
    Rust,
    /// Integration paths built by the graph (`{paths: [...]}`, see `crate::graph::docs`),
    /// never classified from YAML.
    Cross,
    /// A Consul config entry file (`Kind = "service-router"`, HCL or JSON); Consul's
    /// Kubernetes CRDs become this platform in the normaliser (`crate::normalise::consul`).
    Consul,
    /// Anything else: loaded, but no built-in rule selects it.
    Other,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Kubernetes => "kubernetes",
            Platform::Kong => "kong",
            Platform::Envoy => "envoy",
            Platform::Spring => "spring",
            Platform::Rust => "rust",
            Platform::Cross => "cross",
            Platform::Consul => "consul",
            Platform::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        [
            Platform::Kubernetes,
            Platform::Kong,
            Platform::Envoy,
            Platform::Spring,
            Platform::Rust,
            Platform::Cross,
            Platform::Consul,
            Platform::Other,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }
}

/// What a document is and, for Kubernetes objects, its identity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocMeta {
    pub platform: Platform,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

pub fn classify(root: &Node) -> DocMeta {
    let text = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_owned);
    let api_version = text(root.get("apiVersion"));
    let kind = text(root.get("kind"));
    let metadata = root.get("metadata");
    let platform = if api_version.is_some() && kind.is_some() {
        Platform::Kubernetes
    } else if is_kong(root) {
        Platform::Kong
    } else if is_envoy(root) {
        Platform::Envoy
    } else if is_spring(root) {
        Platform::Spring
    } else if is_consul(root) {
        Platform::Consul
    } else {
        Platform::Other
    };
    DocMeta {
        platform,
        api_version,
        kind,
        name: text(metadata.and_then(|m| m.get("name"))),
        namespace: text(metadata.and_then(|m| m.get("namespace"))),
    }
}

/// A Consul config entry: a top-level `Kind` (or `kind`) naming a config entry kind
/// resilint reads, and no `apiVersion` (that is a Kubernetes object).
fn is_consul(root: &Node) -> bool {
    root.get("apiVersion").is_none()
        && root
            .get("Kind")
            .or_else(|| root.get("kind"))
            .and_then(Node::as_str)
            .is_some_and(|k| crate::load::hcl::KINDS.contains(&k))
}

/// The top-level keys of a decK file: without `_format_version`, a document is Kong's
/// only when it holds nothing else, so a Spring or other tool's file that happens to
/// have a `services:` list is not taken for one.
const KONG_TOP_LEVEL: &[&str] = &[
    "services",
    "routes",
    "upstreams",
    "targets",
    "plugins",
    "consumers",
    "consumer_groups",
    "certificates",
    "ca_certificates",
    "snis",
    "vaults",
    "partials",
    "key_sets",
    "keys",
    "licenses",
    "custom_entities",
    "filter_chains",
    "ai_models",
    "_info",
    "_workspace",
    "_konnect",
    "_plugin_configs",
];

/// `_format_version`, or a top-level `services:` that is a list of objects with
/// `url` or `host` (docker-compose has `services:` as a map) beside nothing but other
/// decK keys.
fn is_kong(root: &Node) -> bool {
    if root.get("_format_version").is_some() {
        return true;
    }
    let only_deck_keys = root.as_map().is_some_and(|m| {
        m.iter()
            .all(|(k, _)| k.as_str().is_some_and(|k| KONG_TOP_LEVEL.contains(&k)))
    });
    only_deck_keys
        && root
            .get("services")
            .and_then(Node::as_seq)
            .is_some_and(|s| {
                !s.is_empty()
                    && s.iter()
                        .all(|svc| svc.get("url").is_some() || svc.get("host").is_some())
            })
}

fn is_envoy(root: &Node) -> bool {
    if [
        "static_resources",
        "staticResources",
        "dynamic_resources",
        "dynamicResources",
    ]
    .iter()
    .any(|k| root.get(k).is_some())
    {
        return true;
    }
    let has_type = |n: &Node| {
        n.get("@type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.contains("envoy."))
    };
    // A config dump fragment: `[{cluster: {"@type": ...}, last_updated: ...}]`.
    let wraps_type = |n: &Node| {
        n.as_map()
            .is_some_and(|m| m.iter().any(|(_, v)| has_type(v)))
    };
    let all = |items: &[Node], f: &dyn Fn(&Node) -> bool| !items.is_empty() && items.iter().all(f);
    has_type(root)
        || ["resources", "configs"].iter().any(|k| {
            root.get(k)
                .and_then(Node::as_seq)
                .is_some_and(|r| r.iter().any(has_type))
        })
        || root.as_seq().is_some_and(|r| {
            all(r, &has_type) || all(r, &wraps_type) || all(r, &is_envoy_resource_shape)
        })
}

/// A RouteConfiguration or Cluster without `@type`, as a control plane lists them
/// (snake_case or camelCase): a `name` with virtual hosts, or with a cluster's own
/// connection fields.
fn is_envoy_resource_shape(n: &Node) -> bool {
    let has = |keys: &[&str]| keys.iter().any(|k| n.get(k).is_some());
    n.get("name").and_then(Node::as_str).is_some()
        && (has(&["virtual_hosts", "virtualHosts"])
            || (has(&["connect_timeout", "connectTimeout"])
                && has(&[
                    "load_assignment",
                    "loadAssignment",
                    "eds_cluster_config",
                    "edsClusterConfig",
                    "type",
                    "cluster_type",
                    "clusterType",
                ])))
}

fn is_spring(root: &Node) -> bool {
    let Some(entries) = root.as_map() else {
        return false;
    };
    entries.iter().any(|(k, v)| match k.as_str() {
        Some("resilience4j") => true,
        Some(key)
            if key.starts_with("resilience4j.")
                || key.starts_with("spring.cloud.gateway")
                || key.starts_with("spring.cloud.openfeign")
                || key.starts_with("feign.client") =>
        {
            true
        }
        Some("spring") => v
            .get("cloud")
            .is_some_and(|c| c.get("gateway").is_some() || c.get("openfeign").is_some()),
        Some("feign") => v.get("client").is_some(),
        Some(key) if key.starts_with("spring.cloud") => {
            v.get("gateway").is_some() || v.get("openfeign").is_some()
        }
        _ => false,
    })
}

/// Replaces each Kubernetes list (`kind: List` or `kind: <Kind>List` with `items:`, the
/// shape of `kubectl get ... -o yaml`) by its items, each classified on its own and
/// keeping its position in the file. Documents are renumbered in file order.
pub fn unwrap_lists(docs: Vec<crate::load::Document>) -> Vec<crate::load::Document> {
    use crate::tree::Value;
    if !docs.iter().any(is_list) {
        return docs;
    }
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        if !is_list(&doc) {
            out.push(doc);
            continue;
        }
        let file = doc.file;
        let Value::Map(entries) = doc.root.value else {
            continue;
        };
        for (key, value) in entries {
            if key.as_str() != Some("items") {
                continue;
            }
            if let Value::Seq(items) = value.value {
                out.extend(items.into_iter().map(|item| crate::load::Document {
                    file,
                    index: 0,
                    meta: classify(&item),
                    root: item,
                }));
            }
        }
    }
    for (i, doc) in out.iter_mut().enumerate() {
        doc.index = i;
    }
    out
}

fn is_list(doc: &crate::load::Document) -> bool {
    doc.meta.platform == Platform::Kubernetes
        && doc
            .meta
            .kind
            .as_deref()
            .is_some_and(|k| k.ends_with("List"))
        && doc.root.get("items").and_then(Node::as_seq).is_some()
}

#[cfg(test)]
mod kong_tests {
    use super::{classify, Platform};
    use crate::load::load_config;
    use crate::source::SourceFile;

    fn platform(text: &str) -> Platform {
        let f = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.to_string());
        classify(&load_config(0, &f).docs[0].root).platform
    }

    #[test]
    fn deck_files_are_kong_with_or_without_a_format_version() {
        assert_eq!(platform("_format_version: \"1.1\"\n"), Platform::Kong);
        let bare = "services:\n- name: a\n  host: a.internal\nplugins:\n- name: cors\n";
        assert_eq!(platform(bare), Platform::Kong);
    }

    #[test]
    fn other_files_with_a_services_list_are_not_kong() {
        // docker-compose: `services:` is a map.
        assert_eq!(platform("services:\n  web: {image: x}\n"), Platform::Other);
        // A Spring file with a list of hosts is Spring's.
        let spring = "services:\n- host: a.internal\nresilience4j:\n  retry:\n    instances: {a: {maxAttempts: 3}}\n";
        assert_eq!(platform(spring), Platform::Spring);
        // Another tool's list of hosts beside its own keys.
        let other = "services:\n- host: a.internal\nmonitoring: {interval: 5}\n";
        assert_eq!(platform(other), Platform::Other);
    }
}
