//! The per-package link step: handlers, extractors, helpers and routers across files.

// Link steps hash every name of a package; `Fx` hashing is several times cheaper than
// the default SipHash, and nothing here is attacker-keyed or iterated into output order.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::evidence::Evidence;
use super::{Child, FileRoutes, Handler, LayerBy, LayerRefs, RouteFact};

/// A scope of the package: (file index, scope index in that file).
type ScopeId = (usize, usize);

struct Package<'a> {
    files: &'a [&'a FileRoutes],
    fns: HashMap<&'a str, Vec<(usize, &'a Evidence)>>,
    fn_scopes: HashMap<&'a str, Vec<ScopeId>>,
    key_consts: HashSet<&'a str>,
    body_types: HashSet<&'a str>,
    key_types: HashMap<&'a str, &'static str>,
    /// Middleware types whose impls read the key.
    key_middlewares: HashSet<&'a str>,
    parents: HashMap<ScopeId, Vec<(ScopeId, u32)>>,
    macro_registered: HashSet<&'a str>,
    handlers: HashSet<&'a str>,
}

/// Judges the routes of one package: every subject route with how it is covered.
/// Facts come out sorted by file, then position.
pub fn link(files: &[FileRoutes]) -> Vec<RouteFact> {
    link_refs(&files.iter().collect::<Vec<_>>())
}

/// [`link`] over borrowed summaries (the caller keeps its own, nothing is cloned).
pub fn link_refs(files: &[&FileRoutes]) -> Vec<RouteFact> {
    let pkg = Package::new(files);
    let mut out = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        let has_other_route = |name: &str| {
            pkg.handlers.contains(name)
                || files.iter().any(|f| {
                    f.routes.iter().any(|r| {
                        !r.openapi_only
                            && matches!(&r.handler, Some(Handler::Named(h)) if h == name)
                    })
                })
        };
        for r in &file.routes {
            let handler_name = match &r.handler {
                Some(Handler::Named(h)) => Some(h.clone()),
                _ => None,
            };
            if r.openapi_only {
                let name = handler_name.as_deref().unwrap_or_default();
                if !pkg.macro_registered.contains(name) || has_other_route(name) {
                    continue;
                }
            }
            let covered_by = r
                .covered_here
                .clone()
                .or_else(|| match &r.handler {
                    Some(Handler::Named(h)) => pkg.handler_evidence(h, fi),
                    Some(Handler::Inline(ev)) => pkg.evidence(ev, None),
                    None => None,
                })
                .or_else(|| {
                    r.scope
                        .and_then(|s| pkg.layer_cover((fi, s), r.order, &mut HashSet::default()))
                });
            out.push(RouteFact {
                file: fi,
                span: r.span,
                method: r.method.clone(),
                path: r.path.clone(),
                handler: handler_name,
                covered_by,
            });
        }
    }
    out.sort_by(|a, b| (a.file, a.span, &a.method).cmp(&(b.file, b.span, &b.method)));
    out.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.method == b.method);
    out
}

impl<'a> Package<'a> {
    fn new(files: &'a [&'a FileRoutes]) -> Self {
        let mut p = Package {
            files,
            fns: HashMap::default(),
            fn_scopes: HashMap::default(),
            key_consts: HashSet::default(),
            body_types: HashSet::default(),
            key_types: HashMap::default(),
            key_middlewares: HashSet::default(),
            parents: HashMap::default(),
            macro_registered: HashSet::default(),
            handlers: HashSet::default(),
        };
        for (fi, f) in files.iter().enumerate() {
            for info in &f.fns {
                p.fns
                    .entry(&info.name)
                    .or_default()
                    .push((fi, &info.evidence));
            }
            for (name, s) in &f.fn_scopes {
                p.fn_scopes.entry(name).or_default().push((fi, *s));
            }
            p.key_consts.extend(f.key_consts.iter().map(String::as_str));
            p.body_types
                .extend(f.key_body_types.iter().map(String::as_str));
            p.macro_registered
                .extend(f.macro_registered.iter().map(String::as_str));
            p.handlers.extend(f.handlers.iter().map(String::as_str));
        }
        // Extractors and typed headers whose impl reads the key, directly or one call down.
        for f in files {
            for (ty, ev) in &f.extractors {
                if p.direct(ev).is_some() || p.callee_reads(ev, None).is_some() {
                    p.key_types.insert(ty, "extractor");
                }
            }
        }
        // Middleware types whose impl reads the key; then types whose impl names one of
        // them (an actix `Transform` naming its `Service`, a `Layer` naming its service).
        let mws: Vec<(&str, &Evidence)> = files
            .iter()
            .flat_map(|f| f.middlewares.iter().map(|(t, e)| (t.as_str(), e)))
            .collect();
        for (ty, ev) in &mws {
            if p.direct(ev).is_some() || p.callee_reads(ev, None).is_some() {
                p.key_middlewares.insert(ty);
            }
        }
        let named: Vec<&str> = mws
            .iter()
            .filter(|(ty, ev)| {
                !p.key_middlewares.contains(ty)
                    && ev
                        .types
                        .iter()
                        .any(|t| t != *ty && p.key_middlewares.contains(t))
            })
            .map(|(ty, _)| *ty)
            .collect();
        p.key_middlewares.extend(named);
        for (fi, f) in files.iter().enumerate() {
            for (si, s) in f.scopes.iter().enumerate() {
                for (order, child) in &s.children {
                    let targets: Vec<ScopeId> = match child {
                        Child::Local(c) => vec![(fi, *c)],
                        Child::Fn(name) => {
                            p.fn_scopes.get(name.as_str()).cloned().unwrap_or_default()
                        }
                    };
                    for t in targets {
                        if t != (fi, si) {
                            p.parents.entry(t).or_default().push(((fi, si), *order));
                        }
                    }
                }
            }
        }
        p
    }

    /// A key read in this very body: a header literal or a key-header constant.
    fn direct(&self, ev: &Evidence) -> Option<String> {
        if ev.reads_key {
            return Some("header".to_string());
        }
        ev.consts
            .least(|c| self.key_consts.contains(c))
            .map(|c| format!("header {c}"))
    }

    /// A function called from `ev` (one level down) that reads the key; of several,
    /// the least name.
    fn callee_reads(&self, ev: &Evidence, skip: Option<&str>) -> Option<String> {
        let how = |c: &str| {
            let fns = self.fns.get(c)?;
            fns.iter().find_map(|(_, cev)| self.direct(cev))
        };
        let c = ev.calls.least(|c| Some(c) != skip && how(c).is_some())?;
        how(c).map(|how| format!("{how} (in {c})"))
    }

    /// The functions named `name`, those of `file` first if there are any.
    fn candidates(&self, name: &str, file: usize) -> Vec<&'a Evidence> {
        let all = self.fns.get(name).map(Vec::as_slice).unwrap_or_default();
        let local: Vec<&Evidence> = all
            .iter()
            .filter(|(f, _)| *f == file)
            .map(|(_, e)| *e)
            .collect();
        if local.is_empty() {
            all.iter().map(|(_, e)| *e).collect()
        } else {
            local
        }
    }

    fn handler_evidence(&self, name: &str, file: usize) -> Option<String> {
        self.candidates(name, file)
            .into_iter()
            .find_map(|ev| self.evidence(ev, Some(name)))
    }

    /// How a handler with evidence `ev` reads the key, if it does.
    fn evidence(&self, ev: &Evidence, name: Option<&str>) -> Option<String> {
        if let Some(how) = self.direct(ev) {
            return Some(how);
        }
        if let Some(t) = &ev.known_extractor {
            return Some(format!("extractor {t}"));
        }
        if let Some(t) = ev.types.least(|t| self.key_types.contains_key(t)) {
            return Some(format!("extractor {t}"));
        }
        if let Some(how) = self.callee_reads(ev, name) {
            return Some(how);
        }
        // A key field in the body, with a storage call here or one level down.
        let body = ev.key_field || ev.types.iter().any(|t| self.body_types.contains(t));
        let callees = || {
            ev.calls
                .iter()
                .filter(move |c| Some(*c) != name)
                .filter_map(|c| self.fns.get(c))
                .flatten()
                .map(|(_, e)| *e)
        };
        let body = body || callees().any(|e| e.key_field);
        let storage = ev.storage.is_some() || callees().any(|e| e.storage.is_some());
        (body && storage).then(|| "body field idempotency_key".to_string())
    }

    /// How the functions and types a layer argument names cover a route, if they do.
    fn layer_refs(&self, refs: &LayerRefs) -> Option<String> {
        for n in &refs.middleware_fns {
            let reads = self.fns.get(n.as_str()).is_some_and(|fs| {
                fs.iter().any(|(_, e)| {
                    self.direct(e).is_some() || self.callee_reads(e, Some(n)).is_some()
                })
            });
            if reads {
                return Some(format!("middleware {n}"));
            }
        }
        for n in &refs.builders {
            let layer = self
                .fns
                .get(n.as_str())
                .and_then(|fs| fs.iter().find_map(|(_, e)| e.layer.clone()));
            if let Some(l) = layer {
                return Some(format!("layer {l} (from {n})"));
            }
        }
        refs.types
            .iter()
            .find(|t| self.key_middlewares.contains(t.as_str()))
            .map(|t| format!("middleware {t}"))
    }

    /// An idempotency layer over a route registered at `order` in `scope`, in that
    /// scope or any router it is nested in.
    fn layer_cover(
        &self,
        scope: ScopeId,
        order: u32,
        seen: &mut HashSet<ScopeId>,
    ) -> Option<String> {
        if !seen.insert(scope) {
            return None;
        }
        let rec = self.files.get(scope.0)?.scopes.get(scope.1)?;
        for l in &rec.layers {
            if l.ordered && l.order < order {
                continue;
            }
            match &l.by {
                LayerBy::Named(n) => return Some(format!("layer {n}")),
                LayerBy::Refs(refs) => {
                    if let Some(how) = self.layer_refs(refs) {
                        return Some(how);
                    }
                }
            }
        }
        let parents = self.parents.get(&scope)?;
        parents
            .iter()
            .find_map(|(p, o)| self.layer_cover(*p, *o, seen))
    }
}
