//! Request paths: a circuit breaker frees a caller that waits on a failing dependency,
//! and in a service the callers that wait are its requests. So where a run serves
//! requests the breaker rule judges only the calls a request reaches: those of the
//! functions a request's entry runs, directly or through what it calls (matched by
//! name, across the workspace's call graph). A call only start-up code, a
//! background loop, an internal queue's worker or a maintenance task reaches carries
//! `off-request-path` ([`request_path`]): nobody waits on it while it fails, and the
//! timeout rule still judges its client.
//!
//! A request's entries, from the facts of every file of the run:
//! - route handlers (`route("/x", post(create))`, `#[post("/x")] fn create`, a
//!   registration macro's list), and the functions that register a route with an
//!   inline closure handler (whose calls are its registering function's);
//! - middleware and extractors (`impl Service/Transform/FromRequestParts for T`'s
//!   methods, `from_fn(f)`): they run on every request;
//! - RPC methods: a method of a trait impl that takes a `Request<..>` and returns a
//!   `Result<Response<..>, ..>` (a `tonic` service: [`rpc_methods`]);
//! - the functions a raw service's closure hands its requests to, on a service
//!   builder with a timeout layer (`.service_fn(move |req| server.handle(req))`:
//!   `FileFacts::timed_service_fns`). Known limit: an untimed `service_fn` closure's
//!   are not entries yet.
//!
//! Where the entries of a process are not seen, everything it runs stays judged: a
//! long-running package that registers no entry, and depends on no package of the
//! run that does, is served some other way (its own protocol, a queue it consumes),
//! and a package no package of the run uses or serves through (a published client
//! library) is called by code outside the run; all their functions count as entries.
//! A run with no entry at all is left as it was.

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::callgraph::CallGraph;
use crate::extract::rust::routes::FnInfo;
use crate::extract::rust::FileFacts;

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Functions of a package: (file of the package, name).
pub(super) type OffPath = HashSet<(usize, String)>;

/// What the request entries of a run say of each package's functions.
pub(super) struct RequestPaths {
    /// Per package, the functions no request reaches (`None`: all are judged).
    pub(super) off: Vec<Option<OffPath>>,
    /// Per package, the functions only requests a server-side timeout layer bounds
    /// run: a client only they use cannot hold a caller past the layer's timeout.
    pub(super) bounded: Vec<Option<OffPath>>,
}

/// The methods of a trait impl for type `ty` shaped like RPC handlers, by link key
/// (`Svc::search`): a `Request<..>` parameter and a `Result<Response<..>, ..>` result,
/// as a `tonic` service's methods are. Empty for any other impl.
pub(super) fn rpc_methods(i: &syn::ItemImpl, ty: &str) -> Vec<String> {
    if i.trait_.is_none() {
        return Vec::new();
    }
    i.items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) if is_rpc(&f.sig) => Some(format!("{ty}::{}", f.sig.ident)),
            _ => None,
        })
        .collect()
}

/// `fn m(&self, r: Request<T>) -> Result<Response<U>, Status>`.
fn is_rpc(sig: &syn::Signature) -> bool {
    let takes_request = sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(t) => last_segment(&t.ty).is_some_and(|s| s.ident == "Request"),
        syn::FnArg::Receiver(_) => false,
    });
    let syn::ReturnType::Type(_, out) = &sig.output else {
        return false;
    };
    let answers = last_segment(out).is_some_and(|s| {
        let syn::PathArguments::AngleBracketed(args) = &s.arguments else {
            return false;
        };
        s.ident == "Result"
            && args.args.first().is_some_and(|a| match a {
                syn::GenericArgument::Type(t) => {
                    last_segment(t).is_some_and(|s| s.ident == "Response")
                }
                _ => false,
            })
    });
    takes_request && answers
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// Whether a file registers a request entry (see the module's list).
pub(super) fn has_entries(f: &FileFacts) -> bool {
    let r = &f.routes;
    !r.handlers.is_empty()
        || !r.macro_registered.is_empty()
        || !r.routes.is_empty()
        || !r.middlewares.is_empty()
        || !r.extractors.is_empty()
        || !f.rpc_methods.is_empty()
        || !f.timed_service_fns.is_empty()
}

/// Where a registration says its handler lives.
enum Place<'a> {
    /// In a file that is this module or below it (`workflows` of `workflows::run`:
    /// `workflows.rs`, or `workflows/run.rs` re-exported by `pub use run::*`), any
    /// package.
    Module(&'a str),
    /// Somewhere in this package (a function of the registering file, a glob import).
    Package(usize),
}

/// The request entries of a run, by what a body must match.
#[derive(Default)]
struct Entries<'a> {
    /// Handlers, registration-macro lists and middleware functions, by name.
    named: HashMap<&'a str, Vec<Place<'a>>>,
    /// Middleware and extractor types: every method of theirs.
    types: HashSet<&'a str>,
    /// RPC methods, by (type, method) of their link key (`Svc::search`).
    keys: HashSet<(&'a str, &'a str)>,
}

impl<'a> Entries<'a> {
    fn of(files: &[&'a [PackageFile]]) -> Self {
        let mut e = Entries::default();
        for (j, package) in files.iter().enumerate() {
            for (_, f) in package.iter() {
                let r = &f.routes;
                for (h, module) in &r.handlers {
                    let place = module.as_deref().map_or(Place::Package(j), Place::Module);
                    e.named.entry(h.as_str()).or_default().push(place);
                }
                for h in r
                    .macro_registered
                    .iter()
                    .map(String::as_str)
                    .chain(r.middleware_fns())
                    .chain(r.route_middleware_fns())
                    .chain(f.timed_service_fns.iter().map(String::as_str))
                {
                    e.named.entry(h).or_default().push(Place::Package(j));
                }
                e.types
                    .extend(r.middlewares.iter().map(|(t, _)| t.as_str()));
                e.types.extend(r.extractors.iter().map(|(t, _)| t.as_str()));
                e.keys
                    .extend(f.rpc_methods.iter().filter_map(|k| k.rsplit_once("::")));
            }
        }
        e
    }

    /// Whether function `info` of a file of package `j`, at `path` in its package
    /// (`None`: not known), is an entry.
    fn holds(&self, info: &FnInfo, j: usize, path: Option<&Path>) -> bool {
        let placed = |p: &Place| match p {
            Place::Module(m) => path.is_none_or(|f| in_module(f, m)),
            Place::Package(p) => *p == j,
        };
        if (self.named.get(info.name.as_str())).is_some_and(|places| places.iter().any(placed)) {
            return true;
        }
        let Some(owner) = info.owner.as_deref() else {
            return false;
        };
        self.types.contains(owner) || self.keys.contains(&(owner, info.name.as_str()))
    }
}

/// Whether the file at `path` is module `m` or below it (`src/routes/mod.rs`,
/// `src/routes.rs` and `src/routes/subscriptions.rs` are all in `routes`).
fn in_module(path: &Path, m: &str) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str());
    stem == Some(m)
        || (path.parent().into_iter())
            .flat_map(Path::iter)
            .any(|c| c == m)
}

/// Per package (of `files.len()` many): the names of its functions no request entry
/// of the run reaches, when the run has entries (`None` for a package whose calls are
/// all judged). `long_running[j]`: package `j` is a long-running one (not a library
/// or a one-shot tool); `users[j]`: the packages that depend on package `j`;
/// `reach[c * n + b]`: package `c` may call into package `b` (itself, or one it
/// depends on through packages of the run). A body is reached through callers
/// matched by name ([`CallGraph::callers`]) whose package may call into its own.
pub(super) fn request_path(
    graph: &CallGraph,
    files: &[&[PackageFile]],
    paths: &[Vec<PathBuf>],
    long_running: &[bool],
    users: &[Vec<usize>],
    reach: &[bool],
) -> RequestPaths {
    let served: Vec<bool> = files
        .iter()
        .map(|p| p.iter().any(|(_, f)| has_entries(f)))
        .collect();
    if !served.iter().any(|s| *s) {
        return RequestPaths {
            off: vec![None; files.len()],
            bounded: vec![None; files.len()],
        };
    }
    let served = served_through_dependencies(&served, users);
    let entries = Entries::of(files);
    // In the order of the graph's bodies: package, file, function.
    let mut root: Vec<bool> = Vec::with_capacity(graph.bodies.len());
    let mut entry: Vec<bool> = Vec::with_capacity(graph.bodies.len());
    let mut file_of: Vec<usize> = Vec::with_capacity(graph.bodies.len());
    for (j, package) in files.iter().enumerate() {
        let all = long_running[j] && !served[j];
        for (i, (_, f)) in package.iter().enumerate() {
            let path = paths.get(j).and_then(|p| p.get(i)).map(PathBuf::as_path);
            let inline: HashSet<&str> = f.routes.inline_registering().collect();
            file_of.extend(std::iter::repeat_n(i, f.routes.fns.len()));
            entry.extend(
                (f.routes.fns.iter()).map(|info| {
                    entries.holds(info, j, path) || inline.contains(info.name.as_str())
                }),
            );
            root.extend(std::iter::repeat_n(all, f.routes.fns.len()));
        }
    }
    let n = files.len();
    let counts = |c: usize, b: usize| graph.may_call(reach, n, c, b);
    for (r, e) in root.iter_mut().zip(&entry) {
        *r |= *e;
    }
    let reached = graph.reached_from(root, &counts);
    RequestPaths {
        off: by_file(graph, &file_of, &reached, n, false),
        bounded: bounded(graph, files, &file_of, &entry, &counts),
    }
}

/// Per package, the functions only requests a server-side timeout layer bounds run
/// ([`RequestPaths::bounded`]): the entries of a package one of whose routers carries
/// such a layer (`FileRoutes::request_timeout`), the RPC methods of a service a server
/// builder with a timeout serves (`FileFacts::timed_services`), and the functions only
/// they run.
/// Known limit: the layer is taken to wrap every route of its package.
fn bounded(
    graph: &CallGraph,
    files: &[&[PackageFile]],
    file_of: &[usize],
    entry: &[bool],
    counts: &dyn Fn(usize, usize) -> bool,
) -> Vec<Option<OffPath>> {
    let layered: Vec<bool> = files.iter().map(|p| timeout_layered(p)).collect();
    // Per package, the services a server builder serves under its timeout.
    let services: Vec<HashSet<&str>> = (files.iter())
        .map(|p| {
            (p.iter().flat_map(|(_, f)| &f.timed_services))
                .map(String::as_str)
                .collect()
        })
        .collect();
    // Per package, the functions a timed raw service hands its requests to.
    let service_fns: Vec<HashSet<&str>> = (files.iter())
        .map(|p| {
            (p.iter().flat_map(|(_, f)| &f.timed_service_fns))
                .map(String::as_str)
                .collect()
        })
        .collect();
    let none = |sets: &[HashSet<&str>]| sets.iter().all(HashSet::is_empty);
    if !layered.iter().any(|l| *l) && none(&services) && none(&service_fns) {
        return vec![None; files.len()];
    }
    let bounded_entry = |b: usize| {
        let (j, info) = &graph.bodies[b];
        let served = || {
            info.owner
                .as_deref()
                .is_some_and(|o| services[*j].contains(o))
        };
        let handed = || service_fns[*j].contains(info.name.as_str());
        entry[b] && (layered[*j] || served() || handed())
    };
    // A function with no caller in sight (`main`, a trait method a framework or queue
    // calls) is run by what is not seen: no member.
    let seen: Vec<bool> = (0..entry.len())
        .map(|b| graph.callers(b).iter().any(|&c| counts(c, b)))
        .collect();
    let only = graph.only_from_where(&|c, _| bounded_entry(c), counts, seen);
    let marked: Vec<bool> = (0..entry.len())
        .map(|b| bounded_entry(b) || only[b])
        .collect();
    by_file(graph, file_of, &marked, files.len(), true)
}

/// Whether a router of the package carries a server-side request timeout: a
/// catalogued timeout layer, or a middleware function of the package that awaits the
/// rest of the chain under a timeout (`FileRoutes::timeout_middlewares`).
fn timeout_layered(package: &[PackageFile]) -> bool {
    let routes = || package.iter().map(|(_, f)| &f.routes);
    if routes().any(|r| r.request_timeout.is_some()) {
        return true;
    }
    let timing: HashSet<&str> = routes()
        .flat_map(|r| r.timeout_middlewares.iter().map(String::as_str))
        .collect();
    !timing.is_empty() && routes().any(|r| r.middleware_fns().any(|m| timing.contains(m)))
}

/// Per package, the (file, name) pairs of its functions whose `marked` bit is `want`:
/// a name in a file where every function of that name agrees (`report::quote` is off
/// the path while the handler `api::quote` is on it).
fn by_file(
    graph: &CallGraph,
    file_of: &[usize],
    marked: &[bool],
    packages: usize,
    want: bool,
) -> Vec<Option<OffPath>> {
    let mut out: Vec<Option<OffPath>> = vec![Some(OffPath::default()); packages];
    let key = |b: usize| (file_of[b], graph.bodies[b].1.name.to_string());
    for b in (0..marked.len()).filter(|&b| marked[b] == want) {
        if let Some(set) = &mut out[graph.bodies[b].0] {
            set.insert(key(b));
        }
    }
    for b in (0..marked.len()).filter(|&b| marked[b] != want) {
        if let Some(set) = &mut out[graph.bodies[b].0] {
            set.remove(&key(b));
        }
    }
    out
}

/// Per package: whether it or a package it depends on (through packages of the run)
/// registers a request entry: a server binary over a library that registers its
/// routes is served. Not the other way: a daemon that depends on a served package's
/// client library still speaks its own protocol.
fn served_through_dependencies(served: &[bool], users: &[Vec<usize>]) -> Vec<bool> {
    let mut out = served.to_vec();
    let mut stack: Vec<usize> = (0..served.len()).filter(|&j| served[j]).collect();
    while let Some(j) = stack.pop() {
        for &u in &users[j] {
            if !out[u] {
                out[u] = true;
                stack.push(u);
            }
        }
    }
    out
}
