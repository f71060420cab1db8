//! Joins across documents: a subject names another document (a destination host, a
//! Service, a backend's name) and a *resolver* says which document that is.
//!
//! Resolvers are a small closed set, like check kinds: [`Resolver`] names them in rule
//! files and each one implements [`Resolve`]. A resolver answers four questions:
//!
//! - [`Resolve::identities`]: under which names a candidate target is indexed
//!   (an Istio DestinationRule under its fully qualified host);
//! - [`Resolve::lookup_keys`]: which of those names a reference may match (the exact
//!   host, then its wildcards), so that resolving is a few hash lookups, not a scan;
//! - [`Resolve::choose`]: which of the matching candidates applies (Istio's namespace
//!   order and `exportTo`);
//! - [`Resolve::view`]: the target as the subject sees it, as layers where the first
//!   one that sets a key wins (a subset's traffic policy over the top-level one).
//!
//! Everything platform-specific lives in the resolver's module ([`crate::istio`],
//! [`name`]); the `join` check kind ([`crate::rules::checks::Join`]) only wires them up.
//! Candidates are limited to the subject's deployment scope
//! ([`crate::workspace::Workspace::visible`]) before a resolver chooses.

pub mod envoy;
pub mod name;
pub mod resilience4j;

use std::collections::HashMap;

use serde::Deserialize;

use crate::load::Document;
use crate::rules::path::{Hit, Path};
use crate::tree::Node;
use crate::workspace::Workspace;

/// The resolvers a rule can name (`resolver = "..."` in a `join` check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolver {
    /// An Istio host: short names, namespaces, wildcards, `exportTo`, subsets and ports.
    IstioHost,
    /// A Kubernetes Service by name (`reviews`, `reviews.shop`, `reviews.shop.svc.cluster.local`).
    KubernetesService,
    /// A plain name or id within the same file set (`metadata.name`, or `target-name`).
    Name,
    /// A Resilience4j instance by name in the subject's Spring application (its
    /// directory, the default profile or its own), else that kind's `configs.default`.
    Resilience4jInstance,
    /// An Envoy cluster by name, in the route's document, file or directory.
    EnvoyCluster,
}

impl Resolver {
    /// Every resolver, for listings and docs.
    pub const ALL: [Resolver; 5] = [
        Resolver::IstioHost,
        Resolver::KubernetesService,
        Resolver::Name,
        Resolver::Resilience4jInstance,
        Resolver::EnvoyCluster,
    ];

    pub fn imp(self) -> &'static dyn Resolve {
        match self {
            Resolver::IstioHost => &crate::istio::IstioHost,
            Resolver::KubernetesService => &name::KubernetesService,
            Resolver::Name => &name::PlainName,
            Resolver::Resilience4jInstance => &resilience4j::Resilience4jInstance,
            Resolver::EnvoyCluster => &envoy::EnvoyCluster,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolver::IstioHost => "istio-host",
            Resolver::KubernetesService => "kubernetes-service",
            Resolver::Name => "name",
            Resolver::Resilience4jInstance => "resilience4j-instance",
            Resolver::EnvoyCluster => "envoy-cluster",
        }
    }
}

/// What a subject refers to, read from the subject by the `join` check.
#[derive(Debug, Clone)]
pub struct Reference<'a> {
    /// The name as written (`reviews`).
    pub key: &'a str,
    pub subset: Option<&'a str>,
    pub port: Option<i64>,
    /// The subject's document (its namespace, its file).
    pub doc: &'a Document,
    /// The run's files, by [`Document::file`] (their paths, for resolvers that
    /// resolve within a directory).
    pub files: &'a [crate::source::SourceFile],
}

impl Reference<'_> {
    /// The subject document's namespace (`default` when unset, as in Kubernetes).
    pub fn namespace(&self) -> &str {
        namespace(self.doc)
    }
}

/// A Kubernetes object's namespace, `default` when unset.
pub fn namespace(doc: &Document) -> &str {
    doc.meta.namespace.as_deref().unwrap_or("default")
}

/// A document, or a node in one, that a reference can resolve to.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub doc: &'a Document,
    pub node: &'a Node,
    /// The map key naming the node (`backendA:`), when it is a map value.
    pub key: Option<&'a Node>,
}

impl<'a> Target<'a> {
    /// The target's own name: the map key that names it, else `metadata.name`.
    pub fn name(&self) -> &'a str {
        self.key
            .and_then(Node::as_str)
            .or(self.doc.meta.name.as_deref())
            .unwrap_or("")
    }
}

/// One layer of a target as the subject sees it.
#[derive(Debug, Clone)]
pub struct Layer<'a> {
    pub node: &'a Node,
    /// Where the layer sits in the target, as a path (`subsets[v1].trafficPolicy`).
    pub place: String,
    /// Whether the layer replaces the ones after it instead of falling through to them
    /// (Istio's `portLevelSettings` entry).
    pub replaces: bool,
}

/// A target as the subject sees it: layers in priority order.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub layers: Vec<Layer<'a>>,
    /// Where a key is said to be missing when no layer decides (`trafficPolicy`).
    pub fallback_place: String,
}

impl<'a> View<'a> {
    /// The whole target node, one layer.
    pub fn whole(node: &'a Node) -> Self {
        View {
            layers: vec![Layer {
                node,
                place: String::new(),
                replaces: true,
            }],
            fallback_place: String::new(),
        }
    }

    /// The value of `path` in the first layer that sets it, or where it was looked for.
    pub fn lookup(&self, path: &Path) -> Result<Hit<'a>, String> {
        let at = |place: &str| {
            if place.is_empty() {
                path.to_string()
            } else {
                format!("{place}.{path}")
            }
        };
        for layer in &self.layers {
            if let Some(hit) = path.first(layer.node) {
                return Ok(hit);
            }
            if layer.replaces {
                return Err(at(&layer.place));
            }
        }
        Err(at(&self.fallback_place))
    }
}

/// A named way to resolve references; see the module docs.
pub trait Resolve: Sync {
    /// The names a candidate is indexed under (normalised as lookups spell them).
    fn identities(&self, target: &Target, name_path: Option<&Path>) -> Vec<String>;
    /// The names a reference may match, best first.
    fn lookup_keys(&self, reference: &Reference) -> Vec<String>;
    /// Whether [`Resolve::choose`] only ever picks a target in a file of the subject's
    /// own directory: the index then keeps each directory's targets apart.
    fn same_directory(&self) -> bool {
        false
    }
    /// The reference as messages show it (`reviews.shop.svc.cluster.local`); by
    /// default the name as written.
    fn display(&self, reference: &Reference) -> String {
        reference.key.to_string()
    }
    /// Of the candidates under the lookup keys (visible from the subject, each with the
    /// position of its key in [`Resolve::lookup_keys`]), the one that applies.
    fn choose<'a>(
        &self,
        reference: &Reference,
        candidates: &[(usize, Target<'a>)],
    ) -> Option<Target<'a>>;
    /// The target as the subject sees it.
    fn view<'a>(&self, reference: &Reference, target: &Target<'a>) -> View<'a> {
        let _ = reference;
        View::whole(target.node)
    }
}

/// Which documents and nodes a join may resolve to.
#[derive(Debug)]
pub struct TargetSelect<'r> {
    pub platform: Option<crate::classify::Platform>,
    pub kinds: &'r [String],
    pub api_version: Option<&'r globset::GlobSet>,
    /// Nodes within each document (default: the document itself).
    pub each: &'r [Path],
    /// Path from a target node to its name (the name resolver's id).
    pub name: Option<&'r Path>,
}

/// An index of join targets by the names their resolver gives them: one per
/// (resolver, target selection), built once per run over the workspace's (platform,
/// kind) index, so that resolving a reference is a handful of hash lookups.
///
/// Keys are (directory number, name). For a resolver bound to the subject's directory
/// ([`Resolve::same_directory`]) the number is the target file's directory's, so a
/// lookup sees only the candidates that can apply: a monorepo of Spring services
/// that all name an instance `backendA` would otherwise hand every lookup every one
/// of them, and the run would grow with the square of the services. Otherwise it is 0.
#[derive(Debug, Default)]
pub struct ServiceIndex<'a> {
    by_name: HashMap<(usize, String), Vec<Target<'a>>>,
    /// Directory numbers (from 1), for directory-bound resolvers.
    dirs: HashMap<&'a std::path::Path, usize>,
}

/// The directory of a file, as the index numbers it.
fn directory(files: &[crate::source::SourceFile], file: usize) -> &std::path::Path {
    files[file]
        .path
        .parent()
        .unwrap_or(std::path::Path::new(""))
}

impl<'a> ServiceIndex<'a> {
    pub fn build(ws: &'a Workspace, resolver: Resolver, select: &TargetSelect) -> Self {
        let imp = resolver.imp();
        let mut by_name: HashMap<(usize, String), Vec<Target<'a>>> = HashMap::new();
        let mut dirs: HashMap<&'a std::path::Path, usize> = HashMap::new();
        for doc in ws.docs_of(select.platform, select.kinds) {
            if let (Some(glob), Some(api)) = (select.api_version, &doc.meta.api_version) {
                if !glob.is_match(api) {
                    continue;
                }
            }
            let hits = if select.each.is_empty() {
                vec![Hit {
                    node: &doc.root,
                    key: None,
                    concrete: String::new(),
                }]
            } else {
                select
                    .each
                    .iter()
                    .flat_map(|e| e.select(&doc.root))
                    .collect()
            };
            let dir = match imp.same_directory() {
                true => {
                    let next = dirs.len() + 1;
                    *dirs.entry(directory(&ws.files, doc.file)).or_insert(next)
                }
                false => 0,
            };
            for hit in hits {
                let target = Target {
                    doc,
                    node: hit.node,
                    key: hit.key,
                };
                for id in imp.identities(&target, select.name) {
                    by_name.entry((dir, id)).or_default().push(target);
                }
            }
        }
        ServiceIndex { by_name, dirs }
    }

    /// The target a reference resolves to within the subject's scope, if any.
    pub fn resolve(
        &self,
        ws: &Workspace,
        resolver: Resolver,
        reference: &Reference,
    ) -> Option<Target<'a>> {
        let imp = resolver.imp();
        let dir = match imp.same_directory() {
            // A directory holding no target: no candidate (`choose` still decides).
            true => (self
                .dirs
                .get(directory(reference.files, reference.doc.file)))
            .copied()
            .unwrap_or(usize::MAX),
            false => 0,
        };
        let mut candidates = Vec::new();
        for (rank, key) in imp.lookup_keys(reference).into_iter().enumerate() {
            for t in self.by_name.get(&(dir, key)).into_iter().flatten() {
                if ws.visible(reference.doc.file, t.doc.file) {
                    candidates.push((rank, *t));
                }
            }
        }
        imp.choose(reference, &candidates)
    }
}
