//! Where a route reads its idempotency key: in its handler's body (a header literal, a
//! key-header constant, an extractor), one call down, through a key field and a
//! storage call, or in a layer or middleware around the router it is registered in.

use super::*;

impl Package<'_> {
    /// A key read in this very body: a header literal or a key-header constant.
    pub(super) fn direct(&self, ev: &Evidence) -> Option<String> {
        if ev.reads_key {
            return Some("header".to_string());
        }
        ev.consts
            .least(|c| self.key_consts.contains(c))
            .map(|c| format!("header {c}"))
    }

    /// A function called from `ev` (one level down, in package `pkg`) that reads the
    /// key; of several, the least name.
    pub(super) fn callee_reads(
        &self,
        ev: &Evidence,
        skip: Option<&str>,
        pkg: usize,
    ) -> Option<String> {
        let how = |c: &str| {
            self.fns_in(c, pkg)
                .into_iter()
                .find_map(|cev| self.direct(cev))
        };
        let c = ev.calls.least(|c| Some(c) != skip && how(c).is_some())?;
        how(c).map(|how| format!("{how} (in {c})"))
    }

    /// How route `r` of file `fi` reads an idempotency key: at its registration, in
    /// its handler (and what it calls), or in a layer around its scope.
    pub(super) fn key_cover(
        &self,
        r: &crate::extract::rust::routes::RouteRec,
        fi: usize,
    ) -> Option<String> {
        r.covered_here
            .clone()
            .or_else(|| self.layer_refs(r.layer_refs.as_ref()?, self.pkg_of[fi]))
            .or_else(|| {
                self.route_bodies(r.handler.as_ref()?, fi)
                    .into_iter()
                    .find_map(|(ev, pkg, name)| self.evidence(ev, name, pkg))
            })
            .or_else(|| {
                r.scope
                    .and_then(|s| self.layer_cover((fi, s), r.order, &mut HashSet::default()))
            })
    }

    /// How a handler with evidence `ev` (in package `pkg`) reads the key, if it does.
    fn evidence(&self, ev: &Evidence, name: Option<&str>, pkg: usize) -> Option<String> {
        if let Some(how) = self.direct(ev) {
            return Some(how);
        }
        if let Some(t) = &ev.known_extractor {
            return Some(format!("extractor {t}"));
        }
        if ev.replay_cache {
            return Some("a response cache keyed on the request, answering a repeat".to_string());
        }
        if let Some(t) = ev.types.least(|t| self.key_types.contains_key(t)) {
            return Some(format!("extractor {t}"));
        }
        if let Some(how) = self.callee_reads(ev, name, pkg) {
            return Some(how);
        }
        // A key field in the body, with a storage call here or one level down.
        let body = ev.key_field || ev.types.iter().any(|t| self.body_types.contains(t));
        let callees = || {
            ev.calls
                .iter()
                .filter(move |c| Some(*c) != name)
                .flat_map(|c| self.fns_in(c, pkg))
        };
        let body = body || callees().any(|e| e.key_field);
        let storage = ev.storage.is_some() || callees().any(|e| e.storage.is_some());
        (body && storage).then(|| "body field idempotency_key".to_string())
    }

    /// How the functions and types a layer argument names (in package `pkg`) cover a
    /// route, if they do.
    fn layer_refs(&self, refs: &LayerRefs, pkg: usize) -> Option<String> {
        for n in &refs.middleware_fns {
            let reads = self
                .fns_in(n, pkg)
                .into_iter()
                .any(|e| self.direct(e).is_some() || self.callee_reads(e, Some(n), pkg).is_some());
            if reads {
                return Some(format!("middleware {n}"));
            }
        }
        for n in &refs.builders {
            let layer = self
                .fns_in(n, pkg)
                .into_iter()
                .find_map(|e| e.layer.clone());
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
    /// scope or any router it is nested in (in this package or one that uses it).
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
                    if let Some(how) = self.layer_refs(refs, self.pkg_of[scope.0]) {
                        return Some(how);
                    }
                }
            }
        }
        let parents = self.parents.get(&scope)?;
        parents
            .iter()
            .find_map(|(p, o, _)| self.layer_cover(*p, *o, seen))
    }
}
