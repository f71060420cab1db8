//! The link step: handlers, extractors, helpers and routers across files, and across
//! the packages of a workspace.
//!
//! A name (a handler, a helper, a function whose router is nested) is looked up in the
//! package that uses it first and, when that package has none, in the scanned packages
//! it depends on: lemmy's app (one workspace member) wraps an idempotency middleware
//! and `.configure(|cfg| api_routes::config(cfg))`s the routes another member registers.

// Link steps hash every name of a package; `Fx` hashing is several times cheaper than
// the default SipHash, and nothing here is attacker-keyed or iterated into output order.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::evidence::Evidence;
use super::fn_info::FnInfo;
use super::{Child, FileRoutes, Handler, LayerBy, LayerRefs, RouteFact, RouteRec, RoutesCatalog};
use crate::extract::rust::front::imports::Deps;

mod by_path;
mod creates;
mod key;
mod names;
mod paths;
mod refusal;
mod repeat;
mod resolve;
mod seen;
mod workspace;
mod writes;

use names::{last_segment_is, norm_name};
use workspace::Layout;

pub use workspace::link_workspace;

/// How many calls down a handler's write evidence is looked for.
const WRITE_DEPTH: u8 = 2;

/// The budget of [`Package::body_writes`]: a call matched by its name spends two
/// steps (two such calls down, [`WRITE_DEPTH`]), a call resolved to the function it
/// runs (by a path, an import, a type) one, so a thin handler's service call is
/// followed four calls down (openobserve's ingest handler → `handle_request` →
/// the writer), and a name's fan-out over the workspace no deeper than before.
const WRITE_STEPS: u8 = 2 * WRITE_DEPTH;

/// A scope of the package: (file index, scope index in that file).
type ScopeId = (usize, usize);

/// A function of the workspace in a name table: its file, and the function, whose
/// evidence is decoded (read from the cache) only when a link step reaches it
/// ([`Package::body`]).
type Entry<'a> = (usize, &'a FnInfo);

/// Where a scope is attached: the parent, the order there, the path prefix of the edge.
type Parent<'a> = (ScopeId, u32, Option<&'a str>);

/// Resolved call targets by (body address, package, any call or write call), then
/// call name (looked up by `&str`, so a hit allocates nothing), with whether an any
/// call was resolved rather than matched by its name.
type TargetsMemo<'a> =
    HashMap<(usize, usize, bool), HashMap<String, (Vec<(usize, &'a Evidence)>, bool)>>;

struct Package<'a> {
    files: &'a [&'a FileRoutes],
    /// Calls not followed when judging what a repeat does (`[writes] not-followed`).
    not_followed: &'a [String],
    /// The catalogue, for the calls a repeat may run again (`repeat-harmless`).
    cat: &'a RoutesCatalog,
    /// Per file: its package.
    pkg_of: Vec<usize>,
    /// Per package: the other scanned packages it depends on.
    deps_of: Vec<Vec<usize>>,
    fns: HashMap<&'a str, Vec<Entry<'a>>>,
    /// The functions of `impl` blocks by type and name (`Folder::save`), and the free
    /// functions by module and name (`mail::send_invite`), as two borrowed keys: a
    /// `String` per function was an allocation for each of a workspace's functions
    /// ([`Package::owned_of`] looks them up).
    owned: HashMap<&'a str, HashMap<&'a str, Vec<Entry<'a>>>>,
    /// The evidence (by address) of the functions taking `self`: those made in this
    /// run when indexed, those read from the cache when decoded ([`Package::body`]).
    method_evs: std::cell::RefCell<HashSet<usize>>,
    /// The types with an `impl` block in the workspace.
    owners: HashSet<&'a str>,
    /// [`Package::owners`] sorted, each with its name lowercased and without `_`
    /// ([`Package::named_after`] compares a value's name with every type's, once per
    /// call it resolves: normalised once here, not per comparison).
    owner_norms: Vec<(String, &'a str)>,
    /// The types whose save replaces by a natural key (see `evidence::repeat::REPLACES`).
    replacing: HashSet<&'a str>,
    /// The functions taking `self` by name, what `x.name(..)` may call.
    methods: HashMap<&'a str, Vec<Entry<'a>>>,
    fn_scopes: HashMap<&'a str, Vec<ScopeId>>,
    key_consts: HashSet<&'a str>,
    body_types: HashSet<&'a str>,
    key_types: HashMap<&'a str, &'static str>,
    /// Middleware types whose impls read the key.
    key_middlewares: HashSet<&'a str>,
    /// Per scope: where it is attached.
    parents: HashMap<ScopeId, Vec<Parent<'a>>>,
    /// [`Package::body_writes`] by (evidence address, depth, sure): handlers share callees.
    writes_memo: std::cell::RefCell<HashMap<(usize, u8, bool), Option<writes::Written<'a>>>>,
    /// [`Package::creates`] by (evidence address, depth).
    creates_memo: std::cell::RefCell<HashMap<(usize, u8, bool), Option<String>>>,
    /// [`Package::memo_targets`]: the calls of a shared helper are resolved once, not
    /// once per route that reaches it.
    targets_memo: std::cell::RefCell<TargetsMemo<'a>>,
    /// The repeat walks kept for later routes, by (evidence address, package, depth)
    /// (see [`seen`]).
    repeat_memo: std::cell::RefCell<HashMap<(usize, usize, u8), seen::Kept>>,
    /// `Type::f` of the constructors that make a new identity, with the generator.
    new_id_fns: HashMap<&'a str, &'a str>,
    macro_registered: HashSet<&'a str>,
    handlers: HashSet<&'a str>,
    /// Where the files sit: packages' names and dependencies, files' module paths.
    layout: &'a Layout<'a>,
    /// The free functions by name (no `impl` block's), what a resolved path may run.
    free_fns: HashMap<&'a str, Vec<Entry<'a>>>,
    /// The file of each function's evidence (by address): where its calls resolve.
    /// Filled as [`Package::method_evs`] is: an evidence is known here before any
    /// link step holds it.
    file_of: std::cell::RefCell<HashMap<usize, usize>>,
    /// The files that are crate roots (`src/lib.rs`, `src/main.rs`).
    crate_roots: Vec<usize>,
    /// Per package: the unique columns of its SQL migrations, read on first use.
    schemas: super::migrations::Schemas<'a>,
    /// The stub package the last path resolved into ([`Package::stub_call`]).
    stub_hit: std::cell::Cell<Option<usize>>,
}

/// Judges the routes of one package: every subject route with how it is covered.
/// Facts come out sorted by file, then position.
pub fn link(files: &[FileRoutes], cat: &RoutesCatalog) -> Vec<RouteFact> {
    link_refs(&files.iter().collect::<Vec<_>>(), cat)
}

/// [`link`] over borrowed summaries (the caller keeps its own, nothing is cloned).
pub fn link_refs(files: &[&FileRoutes], cat: &RoutesCatalog) -> Vec<RouteFact> {
    link_files(
        files,
        vec![0; files.len()],
        vec![Vec::new()],
        &Layout::default(),
        cat,
    )
}

fn link_files<'a>(
    files: &'a [&'a FileRoutes],
    pkg_of: Vec<usize>,
    deps_of: Vec<Vec<usize>>,
    layout: &'a Layout<'a>,
    cat: &'a RoutesCatalog,
) -> Vec<RouteFact> {
    // Facts come from route registrations only: with none in the run, the index of
    // every function (a warm run's whole package) is not built for nothing.
    if files.iter().all(|f| f.routes.is_empty()) {
        return Vec::new();
    }
    let mut pkg = Package::new(files, pkg_of, deps_of, layout, cat);
    pkg.schemas = super::migrations::Schemas::new(layout.roots.clone(), sea_files(&pkg, files));
    pkg.index_modules(&layout.modules);
    let mut out = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        let has_other_route = |name: &str| {
            pkg.handlers.contains(name)
                || files.iter().any(|f| {
                    f.routes.iter().any(|r| {
                        !r.openapi_only
                            && matches!(&r.handler, Some(Handler::Named(h, _)) if h == name)
                    })
                })
        };
        for r in &file.routes {
            let handler_name = match &r.handler {
                Some(Handler::Named(h, _)) => Some(h.clone()),
                _ => None,
            };
            if r.openapi_only {
                let name = handler_name.as_deref().unwrap_or_default();
                if !pkg.macro_registered.contains(name) || has_other_route(name) {
                    continue;
                }
            }
            out.extend(pkg.route_fact(fi, r, handler_name));
        }
    }
    out.sort_by(|a, b| (a.file, a.span, &a.method).cmp(&(b.file, b.span, &b.method)));
    out.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.method == b.method);
    merge_methods(out)
}

impl Package<'_> {
    /// The fact of route `r` of file `fi` (its handler named `handler_name`), how it
    /// is covered and what it writes; `None` for a path the catalogue ignores.
    fn route_fact(
        &self,
        fi: usize,
        r: &RouteRec,
        handler_name: Option<String>,
    ) -> Option<RouteFact> {
        // The path behind the prefixes of the scopes above; a sign-in path may show
        // only there (`web::scope("/auth")` around `/opaque/finish`).
        let path = self.full_path(r.scope.map(|s| (fi, s)), r.path.as_deref());
        if self.cat.ignored_path(path.as_deref()) {
            return None;
        }
        // A handler that shows no write (in its body or two calls down) only reads
        // or answers: the rule does not judge it.
        let written = self.handler_writes(r.handler.as_ref(), fi);
        let mut covered_by = self.key_cover(r, fi);
        // A key read settles it without the new-identity walk (a covered route's
        // `confirmed` only decides which rule counts it).
        let confirmed = written.as_ref().and_then(|_| {
            covered_by
                .as_ref()
                .map(|_| KEY_READ.to_string())
                .or_else(|| {
                    self.handler_creates(r.handler.as_ref(), fi)
                        .map(|how| format!("creates a record: {how}"))
                })
        });
        let mut writes = written.as_ref().map(|w| w.0.clone());
        if let Some((how, site)) = written.filter(|_| covered_by.is_none()) {
            // Only writes a repeat leaves as they are: the database dedups them on a
            // key, they set given values, they delete. Else the write a repeat
            // applies twice says best what the finding is about.
            match self.repeat_safe(r.handler.as_ref(), fi, (&how, site)) {
                Ok(how) => covered_by = Some(how),
                Err(Some(why)) => writes = Some(why),
                Err(None) => {}
            }
        }
        Some(RouteFact {
            file: fi,
            span: r.span,
            method: r.method.clone(),
            path,
            handler: handler_name,
            covered_by,
            writes,
            confirmed,
        })
    }
}

/// Per package, the sea-query facts of its files (see [`super::migrations::SeaFile`]).
fn sea_files<'a>(
    pkg: &Package<'a>,
    files: &'a [&'a FileRoutes],
) -> Vec<Vec<super::migrations::SeaFile<'a>>> {
    let mut out: Vec<Vec<_>> = Vec::new();
    for (fi, f) in files.iter().enumerate().filter(|(_, f)| !f.sea.is_empty()) {
        let p = pkg.pkg_of[fi];
        if out.len() <= p {
            out.resize_with(p + 1, Vec::new);
        }
        let layout = pkg.layout;
        let path = layout.mod_paths.get(fi).and_then(|m| m.as_deref());
        let module = layout.modules.get(fi).copied().unwrap_or_default();
        out[p].push((path.unwrap_or_default(), module, &*f.sea));
    }
    out
}

/// Why a route that reads an idempotency key is surely a mutation.
const KEY_READ: &str = "reads an idempotency key: its authors treat it as a mutation";

/// One handler serving one literal path with two subject methods (`post(h).patch(h)`)
/// is one change to make, not two: the routes of a file that share handler, path and
/// judgment become one fact at the first registration, its `method` naming both
/// (`POST, PATCH`). svix's webhook receiver gave two findings on one line.
fn merge_methods(facts: Vec<RouteFact>) -> Vec<RouteFact> {
    let mut out: Vec<RouteFact> = Vec::with_capacity(facts.len());
    for f in facts {
        let same = |o: &RouteFact| {
            o.file == f.file
                && f.path.is_some()
                && f.handler.is_some()
                && (&o.path, &o.handler, &o.covered_by, &o.writes, &o.confirmed)
                    == (&f.path, &f.handler, &f.covered_by, &f.writes, &f.confirmed)
        };
        match out
            .iter_mut()
            .rev()
            .take_while(|o| o.file == f.file)
            .find(|o| same(o))
        {
            Some(o) if !o.method.split(", ").any(|m| m == f.method) => {
                o.method = format!("{}, {}", o.method, f.method);
            }
            Some(_) => {}
            None => out.push(f),
        }
    }
    out
}

impl<'a> Package<'a> {
    fn new(
        files: &'a [&'a FileRoutes],
        pkg_of: Vec<usize>,
        deps_of: Vec<Vec<usize>>,
        layout: &'a Layout<'a>,
        cat: &'a RoutesCatalog,
    ) -> Self {
        let mut p = Package {
            files,
            not_followed: &cat.writes.not_followed,
            cat,
            pkg_of,
            deps_of,
            fns: HashMap::default(),
            owned: HashMap::default(),
            replacing: HashSet::default(),
            methods: HashMap::default(),
            owners: HashSet::default(),
            owner_norms: Vec::new(),
            method_evs: Default::default(),
            fn_scopes: HashMap::default(),
            key_consts: HashSet::default(),
            body_types: HashSet::default(),
            key_types: HashMap::default(),
            key_middlewares: HashSet::default(),
            parents: HashMap::default(),
            writes_memo: Default::default(),
            creates_memo: Default::default(),
            targets_memo: Default::default(),
            repeat_memo: Default::default(),
            new_id_fns: HashMap::default(),
            macro_registered: HashSet::default(),
            handlers: HashSet::default(),
            layout,
            free_fns: HashMap::default(),
            file_of: Default::default(),
            crate_roots: (0..files.len())
                .filter(|f| {
                    layout
                        .mod_paths
                        .get(*f)
                        .is_some_and(|m| m.as_deref() == Some(""))
                })
                .collect(),
            schemas: Default::default(),
            stub_hit: Default::default(),
        };
        for (fi, f) in files.iter().enumerate() {
            p.index_fns(fi, f);
            for (name, s) in &f.fn_scopes {
                p.fn_scopes.entry(name).or_default().push((fi, *s));
            }
            p.key_consts.extend(f.key_consts.iter().map(String::as_str));
            p.body_types
                .extend(f.key_body_types.iter().map(String::as_str));
            p.macro_registered
                .extend(f.macro_registered.iter().map(String::as_str));
            p.handlers
                .extend(f.handlers.iter().map(|(h, _)| h.as_str()));
            p.new_id_fns
                .extend(f.new_id_fns.iter().map(|(t, g)| (t.as_str(), g.as_str())));
        }
        let mut owners: Vec<&'a str> = p.owners.iter().copied().collect();
        owners.sort_unstable();
        p.owner_norms = owners.into_iter().map(|t| (norm_name(t), t)).collect();
        p.index_keys();
        p.attach_parents();
        p
    }

    /// The key extractors and typed headers (an impl that reads the key, directly or
    /// one call down) and the key middlewares (likewise, or an impl naming one).
    fn index_keys(&mut self) {
        // Extractors and typed headers whose impl reads the key, directly or one call down.
        for (fi, f) in self.files.iter().enumerate() {
            for (ty, ev) in &f.extractors {
                if self.direct(ev).is_some()
                    || self.callee_reads(ev, None, self.pkg_of[fi]).is_some()
                {
                    self.key_types.insert(ty, "extractor");
                }
            }
        }
        // Middleware types whose impl reads the key; then types whose impl names one of
        // them (an actix `Transform` naming its `Service`, a `Layer` naming its service).
        let mws: Vec<(&str, &Evidence, usize)> = self
            .files
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| f.middlewares.iter().map(move |(t, e)| (t.as_str(), e, fi)))
            .collect();
        for (ty, ev, fi) in &mws {
            if self.direct(ev).is_some() || self.callee_reads(ev, None, self.pkg_of[*fi]).is_some()
            {
                self.key_middlewares.insert(ty);
            }
        }
        let named: Vec<&str> = mws
            .iter()
            .filter(|(ty, ev, _)| {
                !self.key_middlewares.contains(ty)
                    && ev
                        .types
                        .iter()
                        .any(|t| t != *ty && self.key_middlewares.contains(t))
            })
            .map(|(ty, _, _)| *ty)
            .collect();
        self.key_middlewares.extend(named);
    }

    /// Records where each scope is attached ([`Package::parents`]): the scopes and
    /// functions' scopes its children name, in this package or those it depends on.
    fn attach_parents(&mut self) {
        let files = self.files;
        for (fi, f) in files.iter().enumerate() {
            for (si, s) in f.scopes.iter().enumerate() {
                for (order, child, prefix) in &s.children {
                    let targets: Vec<ScopeId> = match child {
                        Child::Local(c) => vec![(fi, *c)],
                        Child::Fn(name) => self.visible(&self.fn_scopes, name, self.pkg_of[fi]),
                    };
                    for t in targets {
                        if t != (fi, si) {
                            self.parents.entry(t).or_default().push((
                                (fi, si),
                                *order,
                                prefix.as_deref(),
                            ));
                        }
                    }
                }
            }
        }
    }

    /// The entries of `map` under `name` that package `pkg` can name: its own if it
    /// has any, else those of the scanned packages it depends on.
    fn visible<T: Copy + HasFile>(
        &self,
        map: &HashMap<&'a str, Vec<T>>,
        name: &str,
        pkg: usize,
    ) -> Vec<T> {
        self.visible_in(map.get(name).map(Vec::as_slice).unwrap_or_default(), pkg)
    }

    /// The entries of `all` that package `pkg` can name ([`Package::visible`]).
    fn visible_in<T: Copy + HasFile>(&self, all: &[T], pkg: usize) -> Vec<T> {
        let own: Vec<T> = all
            .iter()
            .filter(|e| self.pkg_of[e.file()] == pkg)
            .copied()
            .collect();
        if !own.is_empty() {
            return own;
        }
        let deps = &self.deps_of[pkg];
        all.iter()
            .filter(|e| deps.contains(&self.pkg_of[e.file()]))
            .copied()
            .collect()
    }

    /// The evidence of the functions named `name` that package `pkg` can call.
    fn fns_in(&self, name: &str, pkg: usize) -> Vec<&'a Evidence> {
        self.visible(&self.fns, name, pkg)
            .into_iter()
            .map(|e| self.body(e).1)
            .collect()
    }

    /// The functions named `name`, those of `file` first if there are any, then those
    /// of its package, then those of the packages it depends on.
    fn candidates(&self, name: &str, file: usize) -> Vec<&'a Evidence> {
        let all = self.fns.get(name).map(Vec::as_slice).unwrap_or_default();
        let local: Vec<&Evidence> = all
            .iter()
            .filter(|(f, _)| *f == file)
            .map(|e| self.body(*e).1)
            .collect();
        if local.is_empty() {
            self.fns_in(name, self.pkg_of[file])
        } else {
            local
        }
    }
}

/// An entry of a name table, which file it comes from.
trait HasFile {
    fn file(&self) -> usize;
}

impl<T> HasFile for (usize, T) {
    fn file(&self) -> usize {
        self.0
    }
}
