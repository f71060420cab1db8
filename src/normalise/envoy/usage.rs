//! Which clusters carry traffic: routes name their clusters, and a cluster nothing
//! names carries none.
//!
//! - Per route, [`route_clusters`] lists the clusters its action sends to (`cluster`,
//!   or each `weighted_clusters.clusters[].name`) as `clusters: [{name}]`, each item
//!   spanning the reference, so the `envoy/route-cluster-without-outlier-detection`
//!   rule joins a route to its cluster by name (`envoy-cluster` resolver). A route
//!   choosing its cluster at run time (`cluster_header`, a cluster specifier plugin)
//!   lists none.
//! - Per directory (the Envoy files that deploy together: a bootstrap and the CDS/RDS
//!   files beside it), [`link`] marks each cluster of `all_clusters`:
//!   - `routed`: a route of the directory resolves to it (as the `envoy-cluster`
//!     resolver does: [`crate::join::envoy`]). Routes judge it (one finding per
//!     cluster, the routes as related locations), so the cluster rule does not;
//!   - `unused`: the directory holds routes, and nothing names the cluster (no route,
//!     no `cluster` key such as a TCP proxy's, no aggregate cluster listing it). It
//!     carries no traffic as configured (Istio's `envoy_accesslog_service`), so it is
//!     not judged. A directory without routes (a CDS file alone, routes from a
//!     control plane) has every cluster judged: its users are not in the file set.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use super::{flag, key_at};
use crate::classify::Platform;
use crate::join::envoy;
use crate::load::Document;
use crate::source::SourceFile;
use crate::tree::{Node, Span, Value};

/// The clusters a route action sends to, as `{name: <the reference>}` items.
pub fn route_clusters(action: &Node) -> Vec<Node> {
    let item = |key: &Node, value: &Node| Node {
        value: Value::Map(vec![(Node::scalar("name", false, key.span), value.clone())]),
        span: Span::new(key.span.start, value.span.end.max(key.span.end)),
    };
    let mut out = Vec::new();
    if let Some((k, v)) = action
        .entry("cluster")
        .filter(|(_, v)| v.as_str().is_some())
    {
        out.push(item(k, v));
    }
    let weighted = action
        .get("weighted_clusters")
        .and_then(|w| w.get("clusters"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for c in weighted {
        if let Some((k, v)) = c.entry("name").filter(|(_, v)| v.as_str().is_some()) {
            out.push(item(k, v));
        }
    }
    out
}

/// Cluster names a document refers to outside the cluster definitions: `cluster`
/// keys (routes, TCP proxies, mirrors), weighted clusters, aggregate cluster lists.
fn referenced(node: &Node, out: &mut HashSet<String>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter().for_each(|i| referenced(i, out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some("all_routes" | "all_clusters") => continue,
                    Some("cluster") => out.extend(v.as_str().map(str::to_string)),
                    Some("clusters") => {
                        let names = v.as_seq().unwrap_or_default().iter();
                        out.extend(names.filter_map(Node::as_str).map(str::to_string));
                    }
                    Some("weighted_clusters") => {
                        let list = v.get("clusters").and_then(Node::as_seq);
                        for c in list.unwrap_or_default() {
                            out.extend(c.get("name").and_then(Node::as_str).map(str::to_string));
                        }
                    }
                    _ => {}
                }
                referenced(v, out);
            }
        }
    }
}

fn derived<'a>(root: &'a Node, key: &str) -> &'a [Node] {
    root.get(key).and_then(Node::as_seq).unwrap_or_default()
}

/// Marks `routed` and `unused` clusters, per directory; see the module docs.
pub fn link(docs: &mut [Document], files: &[SourceFile]) {
    let mut dirs: BTreeMap<Option<PathBuf>, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        if d.meta.platform == Platform::Envoy {
            let dir = files[d.file].path.parent().map(PathBuf::from);
            dirs.entry(dir).or_default().push(i);
        }
    }
    for group in dirs.values() {
        let routed = routed(docs, files, group);
        let mut named = HashSet::new();
        for &i in group {
            referenced(&docs[i].root, &mut named);
        }
        let has_routes = group
            .iter()
            .any(|&i| !derived(&docs[i].root, "all_routes").is_empty());
        for &i in group {
            mark(&mut docs[i].root, i, &routed, has_routes.then_some(&named));
        }
    }
}

/// The clusters (document, position in `all_clusters`) a route of the directory
/// resolves to, as the `envoy-cluster` resolver chooses them.
fn routed(docs: &[Document], files: &[SourceFile], group: &[usize]) -> HashSet<(usize, usize)> {
    let place = |i: usize| {
        let d = &docs[i];
        (d.file, d.index, files[d.file].path.as_path())
    };
    let mut by_name: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for &i in group {
        for (n, c) in derived(&docs[i].root, "all_clusters").iter().enumerate() {
            if let Some(name) = c.get("name").and_then(Node::as_str) {
                by_name.entry(name).or_default().push((i, n));
            }
        }
    }
    let mut out = HashSet::new();
    for &i in group {
        for r in derived(&docs[i].root, "all_routes") {
            for c in derived(r, "clusters") {
                let name = c.get("name").and_then(Node::as_str).unwrap_or("");
                let ranked: Vec<_> = by_name
                    .get(name)
                    .into_iter()
                    .flatten()
                    .filter_map(|&(d, n)| {
                        let closeness = envoy::closeness(place(i), place(d))?;
                        Some(((closeness, docs[d].file, docs[d].index), (d, n)))
                    })
                    .collect();
                out.extend(envoy::pick(&ranked));
            }
        }
    }
    out
}

/// Flags the clusters of document `doc`: `routed` when a route resolves to them,
/// else `unused` when `named` (the directory has routes) lacks them.
fn mark(
    root: &mut Node,
    doc: usize,
    routed: &HashSet<(usize, usize)>,
    named: Option<&HashSet<String>>,
) {
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    let Some((_, clusters)) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("all_clusters"))
    else {
        return;
    };
    let Value::Seq(clusters) = &mut clusters.value else {
        return;
    };
    for (n, c) in clusters.iter_mut().enumerate() {
        let name = c.get("name").and_then(Node::as_str).unwrap_or("");
        let label = if routed.contains(&(doc, n)) {
            "routed"
        } else if named.is_some_and(|names| !names.contains(name)) {
            "unused"
        } else {
            continue;
        };
        let span = c.span;
        if let Value::Map(entries) = &mut c.value {
            let first = entries.first().map_or(span, |(k, _)| k.span);
            entries.push(flag(label, first));
        }
    }
}

/// The route's `clusters` entry (see [`route_clusters`]); none when it names no cluster.
pub fn clusters_entry(action: &Node, at: Span) -> Option<(Node, Node)> {
    let items = route_clusters(action);
    (!items.is_empty()).then(|| {
        (
            key_at("clusters", at),
            Node {
                value: Value::Seq(items),
                span: at,
            },
        )
    })
}
