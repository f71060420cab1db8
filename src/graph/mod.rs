//! The integration graph: which service calls which, and what every layer on the way
//! (the caller's code, a gateway, the mesh) sets for that call.
//!
//! Services come from every layer: Rust packages and binaries, Kubernetes Services
//! and Deployments, the hosts Istio objects name, the `uri`s of Spring gateway
//! routes. Hosts meet through one spelling ([`host`]). A code package is tied to its
//! service by name (package or binary name = Service or Deployment name) or by the
//! `[services]` table of `resilint.toml` ([`ties`]); the graph says which ties it
//! guessed.
//!
//! Edges are integration points: a code call with a known target, a gateway route to
//! its `uri`, a mesh route to its destination. Each edge carries one [`Layer`] per
//! layer on its path, with what that layer sets (timeout, retries with tries and
//! conditions, backoff, breaker or outlier detection, idempotency evidence) and where.
//!
//! A platform contributes through one function of [`PLATFORMS`] that adds services,
//! edges, and *routes*: what a mesh applies to every call addressed to a host
//! ([`Builder::add_route`]); [`path`] then puts each route on the code and gateway
//! edges to that host. Building is linear in the number of edges: routes are looked
//! up by host id, findings by file.

mod build;
mod code;
mod consul;
pub mod coverage;
pub mod docs;
mod envoy;
mod gateway_api;
pub mod host;
mod istio;
mod kong;
mod kube;
mod linkerd;
mod order;
pub mod owners;
pub mod path;
mod plan;
mod settings;
mod spring;
pub mod ties;

pub use build::{build, build_configuration, build_rest, Partial};
pub use settings::{ServicesConfig, Settings};

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::source::SourceFile;
use crate::tree::Span;
use crate::workspace::Workspace;
use host::HostKey;

/// Version of the `resilint map --format json` contract: fields may be added within a
/// version, never removed or renamed.
pub const VERSION: u32 = 1;

/// One layer of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerKind {
    /// The caller's own code (its client, retry loop, breaker).
    Code,
    /// An API gateway in front of the service (Spring Cloud Gateway, Kong, ...).
    Gateway,
    /// A service mesh route or policy (Istio, Linkerd, Consul, ...).
    Mesh,
    /// Kubernetes objects that only name a service (Service, Deployment).
    Kubernetes,
}

impl LayerKind {
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Code => "code",
            LayerKind::Gateway => "gateway",
            LayerKind::Mesh => "mesh",
            LayerKind::Kubernetes => "kubernetes",
        }
    }
}

/// A place in a file: shown as `path:line`, kept as file index and span for documents.
///
/// The path is shared by every place in the file: a graph holds several places per
/// edge, and a copy of the path each was most of its allocations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Where {
    #[serde(serialize_with = "shared_str")]
    pub path: Arc<str>,
    pub line: usize,
    #[serde(skip)]
    pub file: usize,
    #[serde(skip)]
    pub span: Span,
}

impl Where {
    pub fn new(files: &[SourceFile], file: usize, span: Span) -> Self {
        Where::in_file(
            &files[file],
            Arc::from(files[file].display.as_str()),
            file,
            span,
        )
    }

    /// A place in `f` (the workspace's file `file`), whose shown path is `path`.
    fn in_file(f: &SourceFile, path: Arc<str>, file: usize, span: Span) -> Self {
        Where {
            path,
            line: f.line_col(span.start).line,
            file,
            span,
        }
    }

    /// `path:line`.
    pub fn short(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

/// A shared string, written as the string (serde's own impl needs its `rc` feature).
fn shared_str<S: serde::Serializer>(s: &Arc<str>, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(s)
}

/// Shared values, written as the values.
fn shared_seq<T: Serialize, S: serde::Serializer>(v: &[Arc<T>], out: S) -> Result<S::Ok, S::Error> {
    out.collect_seq(v.iter().map(|x| &**x))
}

/// A value a layer sets, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// As written or described (`6s`, `a timeout is set on the builder`).
    pub value: String,
    /// The duration in seconds, when it is one and is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    pub at: Where,
}

/// A layer's retries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retries {
    /// Requests made for one call, the first included; `None` when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tries: Option<u64>,
    /// Nothing bounds the attempts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unbounded: bool,
    /// What is retried on (`5xx`, `connect-failure`, ...); empty when not known.
    pub conditions: Vec<String>,
    /// Timeout of each try, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_seconds: Option<f64>,
    /// The wait between tries, in words (`exponential`, `constant`, `none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<String>,
    /// Whether the value is a platform default, not written anywhere.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    pub at: Where,
}

/// What one layer sets for a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    pub layer: LayerKind,
    /// `rust`, `istio`, `spring-cloud-gateway`, ...
    pub platform: &'static str,
    /// The object, in words (`VirtualService payments/payments, route charge`).
    pub what: String,
    pub at: Where,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Setting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<Retries>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaker: Option<Setting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<Setting>,
    /// Other places of this layer where a finding about it may point (the client a
    /// code call is made from, its retry loop).
    #[serde(skip)]
    pub related: Vec<Where>,
}

impl Layer {
    pub fn new(layer: LayerKind, platform: &'static str, what: String, at: Where) -> Self {
        Layer {
            layer,
            platform,
            what,
            at,
            timeout: None,
            retries: None,
            breaker: None,
            idempotency: None,
            related: Vec::new(),
        }
    }
}

/// Where a service was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub layer: LayerKind,
    /// In words (`Rust package checkout`, `Service shop/payments`).
    pub what: String,
    pub at: Where,
}

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// `name.namespace`, `name`, or an external host.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    pub sources: Vec<Source>,
}

/// An integration point, with every layer on its path (the origin's first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// Stable within a version of the input: `from -> to @ path:line`.
    pub id: String,
    /// The calling service; `None` for a mesh route, which applies to every caller.
    pub from: Option<String>,
    pub to: String,
    /// The layer the integration point is written in.
    pub origin: LayerKind,
    pub at: Where,
    /// The HTTP method, when known (`POST`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The request path, when known (`/v1/charges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Shared, not copied: a mesh route's layer is on every edge whose request it may
    /// take, and copying it onto each was most of the memory a large graph allocated.
    #[serde(serialize_with = "shared_seq")]
    pub layers: Vec<Arc<Layer>>,
    /// Ids of the rules with findings on this edge's layers (filled by [`Graph::attach_findings`]).
    pub findings: Vec<String>,
}

/// How a code package was tied to a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Tie {
    /// The package (or binary) name.
    pub code: String,
    /// The service id it was tied to.
    pub service: String,
    /// `name` (guessed: the names are equal) or `config` (the `[services]` table).
    pub by: &'static str,
    /// In words, with the object matched.
    pub how: String,
    /// Whether resilint guessed the tie (by name) rather than being told.
    pub guessed: bool,
}

/// The whole graph, as `resilint map` prints it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Graph {
    pub version: u32,
    pub services: Vec<Service>,
    pub edges: Vec<Edge>,
    pub ties: Vec<Tie>,
    /// Each code package's directory as files are shown (`/`-terminated, or empty
    /// for the working directory) and the service it is tied to, in directory order:
    /// what [`owners`] attributes code without an edge by.
    #[serde(skip)]
    pub packages: Vec<(String, String)>,
}

/// A mesh route: what the mesh applies to calls addressed to a host.
#[derive(Debug, Clone)]
pub struct Route {
    /// The route's layer (timeouts, retries, the destination's breaker).
    pub layer: Arc<Layer>,
    /// Order among the routes of one object (first match wins).
    pub order: (usize, usize, usize),
    /// Conditions on the request (none: every request).
    pub matches: Vec<Match>,
    /// Namespace of the object the route is in: routes in the caller's namespace
    /// take precedence over others for the same host (Istio's sidecar scoping).
    pub namespace: Option<String>,
    /// Namespaces the object is visible in (`exportTo`); empty: every one.
    pub export: Vec<String>,
}

/// One match block of a route; an unset field matches anything.
#[derive(Debug, Clone, Default)]
pub struct Match {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub path_exact: Option<String>,
    /// Header names that must be present.
    pub headers: Vec<String>,
    /// A condition resilint cannot evaluate (a regex, a query match): may match.
    pub unknown: bool,
}

/// What platform functions write into.
pub struct Builder<'a> {
    pub ws: &'a Workspace,
    pub settings: &'a Settings,
    places: Places,
    added: Added,
}

/// What the platforms have added so far.
#[derive(Default)]
struct Added {
    /// Services in the order first seen, and their index by id: a hash map, not an
    /// ordered one, as every edge looks its services up (sorted by id once, at the end).
    services: Vec<Service>,
    service_index: FxHashMap<String, usize>,
    edges: Vec<Edge>,
    routes: FxHashMap<String, Vec<Route>>,
    /// The hosts of `routes` in the order their first route was added: mesh edges are
    /// made in this order (a map's order is random, and sorting random edges moved
    /// every edge about log n times: on a large graph that memory traffic grew faster
    /// than the edges).
    route_hosts: Vec<String>,
    ties: Vec<Tie>,
    /// Code package (by manifest file index) → service id, from [`ties`].
    code_service: HashMap<usize, String>,
    /// Host aliases of the `[services]` table: alias id → the service's key.
    aliases: HashMap<String, HostKey>,
    /// Name → (how many namespaced, non-external services bear it, the namespace of
    /// the first): [`Builder::resolve`] looks a short name up here instead of
    /// scanning every service per call (quadratic on a tree of many Kong routes).
    named: FxHashMap<String, (usize, Option<String>)>,
}

/// Each file's shown path, made on its first place and shared by the others ([`Where`]).
struct Places(Vec<std::sync::OnceLock<Arc<str>>>);

impl Places {
    fn new(files: usize) -> Places {
        Places(vec![std::sync::OnceLock::new(); files])
    }

    /// A place in file `file` of `files`.
    fn at(&self, files: &[SourceFile], file: usize, span: Span) -> Where {
        let f = &files[file];
        let path = self.0[file].get_or_init(|| Arc::from(f.display.as_str()));
        Where::in_file(f, path.clone(), file, span)
    }
}

impl<'a> Builder<'a> {
    pub fn files(&self) -> &'a [SourceFile] {
        &self.ws.files
    }

    pub fn at(&self, file: usize, span: Span) -> Where {
        self.places.at(&self.ws.files, file, span)
    }

    /// Records the service a code package (by its manifest's file index) is.
    pub fn package_service(&mut self, manifest: usize, service: String) {
        self.added.code_service.insert(manifest, service);
    }

    /// Adds (or adds a source to) the service of `key`; returns its id.
    pub fn service(&mut self, key: &HostKey, source: Source) -> String {
        let id = key.id();
        let i = match self.added.service_index.get(&id) {
            Some(&i) => i,
            None => {
                if !key.external && key.namespace.is_some() {
                    let n = self
                        .added
                        .named
                        .entry(key.name.clone())
                        .or_insert((0, None));
                    n.0 += 1;
                    n.1.get_or_insert_with(|| key.namespace.clone().unwrap_or_default());
                }
                self.added.services.push(Service {
                    id: id.clone(),
                    name: key.name.clone(),
                    namespace: key.namespace.clone(),
                    external: key.external,
                    sources: Vec::new(),
                });
                self.added
                    .service_index
                    .insert(id.clone(), self.added.services.len() - 1);
                self.added.services.len() - 1
            }
        };
        // Repeats are dropped once, at the end ([`sorted_sources`]): a search per
        // call was quadratic for a service that many calls name.
        self.added.services[i].sources.push(source);
        id
    }

    /// The id a host resolves to from a caller in `namespace`: a short name takes the
    /// caller's namespace, else the one service of that name when there is only one.
    pub fn resolve(&self, key: &HostKey, namespace: Option<&str>) -> HostKey {
        if key.namespace.is_some() || key.external {
            return key.clone();
        }
        if namespace.is_some() {
            return key.clone().in_namespace(namespace);
        }
        match self.added.named.get(&key.name) {
            Some((1, one)) => key.clone().in_namespace(one.as_deref()),
            _ => key.clone(),
        }
    }

    /// The service a host alias of the `[services]` table stands for, else the key.
    pub fn alias(&self, key: &HostKey) -> HostKey {
        self.added
            .aliases
            .get(&key.id())
            .cloned()
            .unwrap_or_else(|| key.clone())
    }

    pub fn add_edge(&mut self, edge: Edge) {
        self.added.edges.push(edge);
    }

    /// Adds the service a call goes to (a source of it, seen as `target` says) and
    /// the call's edge, with `layer` as its first layer; returns the service's id.
    /// Every layer that sends requests (a gateway route, a code call) makes its
    /// edges here, in one shape.
    pub fn add_call(&mut self, target: Target, call: Call, layer: Arc<Layer>) -> String {
        let to = self.service(
            target.key,
            Source {
                layer: call.origin,
                what: target.what,
                at: target.seen,
            },
        );
        self.add_edge(Edge {
            id: format!("{} -> {to} @ {}", call.from, call.at.short()),
            from: Some(call.from.to_string()),
            to: to.clone(),
            origin: call.origin,
            at: call.at,
            method: call.method,
            path: call.path,
            layers: vec![layer],
            findings: Vec::new(),
        });
        to
    }

    /// A route the mesh applies to every call addressed to the service `to`.
    pub fn add_route(&mut self, to: &str, route: Route) {
        match self.added.routes.get_mut(to) {
            Some(list) => list.push(route),
            None => {
                self.added.route_hosts.push(to.to_string());
                self.added.routes.insert(to.to_string(), vec![route]);
            }
        }
    }

    pub fn add_tie(&mut self, tie: Tie) {
        self.added.ties.push(tie);
    }

    /// Services known by name alone (no namespace), for ties.
    pub fn services_named(&self, name: &str) -> Vec<&Service> {
        let mut found: Vec<&Service> = self
            .added
            .services
            .iter()
            .filter(|s| s.name == name)
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found
    }
}

/// The service a call goes to, as the layer making the call names it.
pub struct Target<'k> {
    pub key: &'k HostKey,
    /// How the layer names it, in words (`uri of gateway route r1`).
    pub what: String,
    /// Where the layer names it.
    pub seen: Where,
}

/// Where a call starts and what it asks for.
pub struct Call<'f> {
    /// The calling service's id.
    pub from: &'f str,
    pub origin: LayerKind,
    pub at: Where,
    pub method: Option<String>,
    pub path: Option<String>,
}

impl Graph {
    /// Records on each edge the rules whose findings sit on one of its layers (the
    /// finding's range overlaps a place of the layer, in the same file).
    pub fn attach_findings(&mut self, findings: &[crate::report::Finding]) {
        let mut by_path: HashMap<&str, Vec<(usize, usize, &str)>> = HashMap::new();
        for f in findings {
            by_path.entry(f.location.path.as_str()).or_default().push((
                f.byte_range.0,
                f.byte_range.1,
                f.rule.as_str(),
            ));
        }
        for edge in &mut self.edges {
            let places = edge.layers.iter().flat_map(|l| {
                std::iter::once(&l.at)
                    .chain(&l.related)
                    .chain(l.timeout.as_ref().map(|s| &s.at))
                    .chain(l.retries.as_ref().map(|s| &s.at))
                    .chain(l.breaker.as_ref().map(|s| &s.at))
            });
            let mut ids: Vec<String> = Vec::new();
            for w in places {
                for (start, end, rule) in by_path.get(&*w.path).into_iter().flatten() {
                    if *start < w.span.end.max(w.span.start + 1)
                        && w.span.start < (*end).max(start + 1)
                    {
                        ids.push(rule.to_string());
                    }
                }
            }
            ids.sort();
            ids.dedup();
            edge.findings = ids;
        }
    }
}
