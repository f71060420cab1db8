//! Which function a call runs by its path, as the compiler would resolve it.
//!
//! A call `f(..)` runs the `f` its file defines or imports (`use crate::cache::f`,
//! `use super::f`, a workspace member's `use config::f`, a rename, a glob of a module
//! that defines `f`); `db::get(..)` runs `get` of the module `db` names. In a
//! workspace of fifty packages, following every function of the name instead made a
//! search handler a writer through a config getter's cache fill. Only when nothing of
//! the file says where a name comes from is it matched by its name
//! ([`Package::call_targets_how`]).

use super::*;

/// The `super::`s a path may climb (deeper paths are not written in practice).
const MAX_SUPER: usize = 16;

/// How many `use`s one path is followed through (`crate::service::f` with
/// `use openobserve_core as service;` in the crate root is one).
const MAX_HOPS: u8 = 4;

/// Whether body `ev` asks the call `c` a question: its answer is a condition there
/// (`if !license::search_allowed()`, kept as `?search_allowed` among the calls).
pub(super) fn asks(ev: &Evidence, c: &str) -> bool {
    ev.fn_calls.iter().any(|n| n.strip_prefix('?') == Some(c))
}

impl<'a> Package<'a> {
    /// The functions a call `c` of body `ev` runs, when the body's file says where
    /// `c` comes from: empty when that is another party's code. `None` when it does
    /// not (a method, a name neither defined nor imported, a file outside `src/`).
    pub(super) fn path_targets(
        &self,
        ev: &Evidence,
        c: &str,
    ) -> Option<Vec<(usize, &'a Evidence)>> {
        let (file, module) = self.placed(ev)?;
        let mut paths = ev
            .path_calls
            .iter()
            .filter(|p| last_segment_is(p, c))
            .peekable();
        if paths.peek().is_some() {
            // Every path must resolve, or the name decides: one body may call `c`
            // through two paths.
            // In the order the paths were met, each function once: addresses would
            // order them differently from run to run.
            let mut out: Vec<(usize, &'a Evidence)> = Vec::new();
            for p in paths {
                let segs: Vec<&str> = p.split("::").collect();
                for t in self.resolve(file, module, &segs, MAX_HOPS)? {
                    if !out.iter().any(|(_, e)| std::ptr::eq(*e, t.1)) {
                        out.push(t);
                    }
                }
            }
            return Some(out);
        }
        if !ev.fn_calls.iter().any(|n| n == c) {
            return None;
        }
        self.bare_targets(file, module, c)
    }

    /// The package of body `ev` (by the file its evidence was placed from), or
    /// `fallback`: a handler registered in one member of the workspace and defined in
    /// another is walked in its own package, whose dependencies its calls resolve in
    /// (openobserve's router registers the pipelines package's handlers).
    pub(super) fn pkg_of_body(&self, ev: &Evidence, fallback: usize) -> usize {
        let at = std::ptr::from_ref(ev) as usize;
        let file = self.file_of.borrow().get(&at).copied();
        file.map_or(fallback, |f| self.pkg_of[f])
    }

    /// The bodies a route's handler (registered in `file`) runs, each with the package
    /// it is walked in ([`Package::pkg_of_body`]) and the handler's name when it is a
    /// named one: the one way every judgement of a route reaches its handler.
    pub(super) fn route_bodies<'h>(
        &self,
        handler: &'h Handler,
        file: usize,
    ) -> Vec<(&'h Evidence, usize, Option<&'h str>)>
    where
        'a: 'h,
    {
        let pkg = self.pkg_of[file];
        match handler {
            Handler::Inline(ev) => vec![(&**ev, pkg, None)],
            Handler::Named(h, path) => self
                .handler_bodies(h, path.as_deref(), file)
                .into_iter()
                .map(|ev| (ev, self.pkg_of_body(ev, pkg), Some(h.as_str())))
                .collect(),
        }
    }

    /// The bodies a named handler runs, registered in `file` through `path` as written
    /// (`organization::storage::save`): the function the path names when it can be
    /// placed, else every function of that name the file can see
    /// ([`Package::candidates`]).
    pub(super) fn handler_bodies(
        &self,
        name: &str,
        path: Option<&str>,
        file: usize,
    ) -> Vec<&'a Evidence> {
        let module = self.layout.mod_paths.get(file).and_then(|m| m.as_deref());
        let placed = path.zip(module).and_then(|(path, module)| {
            let segs: Vec<&str> = path.split("::").collect();
            match segs[..] {
                [one] => self.bare_targets(file, module, one),
                _ => self.resolve(file, module, &segs, MAX_HOPS),
            }
        });
        match placed {
            Some(found) if !found.is_empty() => found.into_iter().map(|(_, e)| e).collect(),
            _ => self.candidates(name, file),
        }
    }

    /// A bare call `c(..)` in `file` (of module `module`): the file's own `fn c`, else
    /// the one its `use` names, else one of a glob-imported module of the workspace.
    fn bare_targets(
        &self,
        file: usize,
        module: &str,
        c: &str,
    ) -> Option<Vec<(usize, &'a Evidence)>> {
        let free = self.free_fns.get(c).map(Vec::as_slice).unwrap_or_default();
        let own = self.bodies(free.iter().filter(|(f, _)| *f == file).copied());
        if !own.is_empty() {
            return Some(own);
        }
        if let Some(path) = self.used(file, c) {
            if path.is_empty() {
                return Some(Vec::new());
            }
            let segs: Vec<&str> = path.split("::").collect();
            return self.resolve(file, module, &segs, MAX_HOPS - 1);
        }
        let globs = self.files[file]
            .uses
            .lines()
            .filter_map(|l| l.strip_prefix("* "));
        for g in globs {
            let segs: Vec<&str> = g.split("::").chain([c]).collect();
            if let Some(found) = self.resolve(file, module, &segs, MAX_HOPS - 1) {
                if !found.is_empty() {
                    return Some(found);
                }
            }
        }
        None
    }

    /// What a `use` of `file` binds `name` to: its path, empty for another party's
    /// code ([`FileRoutes::uses`]).
    fn used(&self, file: usize, name: &str) -> Option<&'a str> {
        let files: &'a [&'a FileRoutes] = self.files;
        files[file].uses.lines().find_map(|l| {
            let (n, path) = l.split_once(' ')?;
            (n == name).then_some(path)
        })
    }

    /// The functions the path `segs` (its last segment the function's name), written
    /// in `file` of module `module`, names: `Some(empty)` for another party's code,
    /// `None` when the path cannot be placed. A first segment bound by a `use` is
    /// replaced by what it binds, `hops` times at most, as a compiler reads imports.
    fn resolve(
        &self,
        file: usize,
        module: &str,
        segs: &[&str],
        hops: u8,
    ) -> Option<Vec<(usize, &'a Evidence)>> {
        let pkg = self.pkg_of[file];
        let (head, rest) = segs.split_first()?;
        if rest.is_empty() {
            return None;
        }
        match *head {
            "crate" => return self.under_root(pkg, rest, hops),
            "self" => return self.lookup(pkg, module, rest),
            "super" => {
                let ups = segs
                    .iter()
                    .take(MAX_SUPER)
                    .take_while(|s| **s == "super")
                    .count();
                let mut base = module;
                for _ in 0..ups {
                    base = base.rsplit_once("::").map_or("", |(b, _)| b);
                }
                return self.lookup(pkg, base, &segs[ups..]);
            }
            _ => {}
        }
        if let Some(found) = self.through_use(file, module, segs, hops) {
            return found;
        }
        if let Some(q) = self.package_named(pkg, head) {
            // A scanned package without the function and with no `use` that could
            // re-export it (an empty stub standing for a closed-source member:
            // openobserve's `o2_dex`) runs nothing of the workspace: matching
            // `o2_dex::config::get_config` by its name ran another `get_config`.
            let found = self.under_root(q, rest, hops);
            if found.is_none() && q != pkg && !self.may_reexport(q, rest) {
                self.stub_hit.set(Some(q));
                return Some(Vec::new());
            }
            return found;
        }
        let deps = self.layout.deps.get(pkg).copied().flatten();
        if matches!(*head, "std" | "core" | "alloc")
            || deps.is_some_and(|d| d.names.contains_key(*head))
        {
            return Some(Vec::new());
        }
        // A child module of this one (`db::get` in `src/api.rs`: `api::db::get`).
        let child = if module.is_empty() {
            (*head).to_string()
        } else {
            format!("{module}::{head}")
        };
        self.lookup(pkg, &child, rest)
    }

    /// `segs` with its first segment replaced by what a `use` of `file` binds it to,
    /// resolved: `None` when no `use` binds it (or no hop is left).
    fn through_use(
        &self,
        file: usize,
        module: &str,
        segs: &[&str],
        hops: u8,
    ) -> Option<Option<Vec<(usize, &'a Evidence)>>> {
        let (head, rest) = segs.split_first()?;
        let path = self.used(file, head).filter(|_| hops > 0)?;
        if path.is_empty() {
            return Some(Some(Vec::new()));
        }
        let full: Vec<&str> = path.split("::").chain(rest.iter().copied()).collect();
        Some(self.resolve(file, module, &full, hops - 1))
    }

    /// `rest` from the root of package `pkg` (`crate::a::f`, `config::a::f`): a
    /// module of the crate, or a name a crate root's `use` binds (`use
    /// openobserve_core as service;` makes `crate::service::f` that crate's).
    fn under_root(
        &self,
        pkg: usize,
        rest: &[&str],
        hops: u8,
    ) -> Option<Vec<(usize, &'a Evidence)>> {
        if rest.len() > 1 {
            for &root in &self.crate_roots {
                if self.pkg_of[root] != pkg {
                    continue;
                }
                if let Some(found) = self.through_use(root, "", rest, hops) {
                    return found;
                }
            }
        }
        self.lookup(pkg, "", rest)
    }

    /// The free functions `rest` names under module `base` of package `pkg`
    /// (`a::f` under `x`: `f` of `x::a`); else those of that module's submodules (a
    /// `pub use inner::*` re-export), else those of the package (a re-export from
    /// elsewhere); `None` when the package has no free function of the name (a
    /// macro's, or a re-export of another package's).
    fn lookup(&self, pkg: usize, base: &str, rest: &[&str]) -> Option<Vec<(usize, &'a Evidence)>> {
        let (name, mods) = rest.split_last()?;
        let mut module = base.to_string();
        for m in mods {
            if !module.is_empty() {
                module.push_str("::");
            }
            module.push_str(m);
        }
        let in_pkg = self
            .free_fns
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|(f, _)| self.pkg_of[*f] == pkg);
        let mod_of = |f: usize| self.layout.mod_paths.get(f).and_then(|m| m.as_deref());
        let exact = self.bodies(
            in_pkg
                .clone()
                .filter(|(f, _)| mod_of(*f) == Some(&*module))
                .copied(),
        );
        if !exact.is_empty() {
            return Some(exact);
        }
        let below = |m: &str| {
            module.is_empty()
                || m.strip_prefix(&*module)
                    .is_some_and(|r| r.starts_with("::"))
        };
        let sub = self.bodies(
            in_pkg
                .clone()
                .filter(|(f, _)| mod_of(*f).is_some_and(below))
                .copied(),
        );
        if !sub.is_empty() {
            return Some(sub);
        }
        let any = self.bodies(in_pkg.copied());
        (!any.is_empty()).then_some(any)
    }

    /// A call `c` of body `ev` whose path leads into a scanned package that has
    /// neither the function nor a `use` that could re-export it: an empty stub standing
    /// for a closed-source member (openobserve's `o2_enterprise`), where the handler's
    /// work is done out of sight (`job_api::lease(req, &org_id)`). A body not in sight
    /// stays a write, as a handler not in the scanned code does: what it says.
    /// A call whose answer is a condition (`if !license::search_allowed()`) asks a
    /// question there and is no write, nor is one named to answer
    /// (`get_o2_config()`, `check_license(key)`: `[writes] stub-reads`, `lookups`).
    pub(super) fn stub_call(&self, ev: &Evidence, c: &str) -> Option<String> {
        if asks(ev, c) || self.cat.is_read_name(c) {
            return None;
        }
        self.stub_message(c, || self.path_targets(ev, c))
    }

    /// The file and module body `ev` was placed from.
    fn placed(&self, ev: &Evidence) -> Option<(usize, &'a str)> {
        let file = *self
            .file_of
            .borrow()
            .get(&(std::ptr::from_ref(ev) as usize))?;
        Some((file, self.layout.mod_paths.get(file)?.as_deref()?))
    }

    /// What [`Self::stub_call`] says of call `c` when resolving it (`find`) led into a
    /// stub package and nowhere else.
    fn stub_message(
        &self,
        c: &str,
        find: impl FnOnce() -> Option<Vec<(usize, &'a Evidence)>>,
    ) -> Option<String> {
        self.stub_hit.set(None);
        let targets = find()?;
        let stub = self.stub_hit.take().filter(|_| targets.is_empty())?;
        let name = self.layout.names.get(stub).and_then(|n| n.as_deref());
        Some(format!(
            "call {c}: its body is not in sight (package {} is a stub)",
            name.unwrap_or("?")
        ))
    }

    /// A write call `c` of body `ev` by its name (`groups::create_group`), said to be
    /// out of sight when its path leads into a stub package
    /// (`o2_openfga::authorizer::groups::create_group(..)`): what [`Self::stub_call`]
    /// says of a call that is no write by name. `None`: not such a call.
    pub(super) fn stub_write(&self, ev: &Evidence, c: &str) -> Option<String> {
        if !c.contains("::") {
            return self.stub_call(ev, c);
        }
        let (file, module) = self.placed(ev)?;
        let path = ev.path_calls.iter().find(|p| {
            p.strip_suffix(c)
                .is_some_and(|q| q.is_empty() || q.ends_with("::"))
        })?;
        let segs: Vec<&str> = path.split("::").collect();
        self.stub_message(c, || self.resolve(file, module, &segs, MAX_HOPS))
    }

    /// Whether a `use` of a file of package `pkg` binds a segment of `rest` (`pub use
    /// other::config;`, `pub use other::get_config;`) or is a glob: the package may
    /// re-export what `rest` names.
    fn may_reexport(&self, pkg: usize, rest: &[&str]) -> bool {
        (0..self.files.len())
            .filter(|f| self.pkg_of[*f] == pkg)
            .any(|f| {
                self.files[f].uses.lines().any(|l| {
                    l.split_once(' ')
                        .is_some_and(|(n, _)| n == "*" || rest.contains(&n))
                })
            })
    }

    /// The package a path's first segment names from package `pkg`: itself (its own
    /// name) or a scanned package it depends on.
    fn package_named(&self, pkg: usize, head: &str) -> Option<usize> {
        let deps = self.layout.deps.get(pkg).copied().flatten();
        let target = match deps {
            Some(d) => d.names.get(head)?.as_str(),
            None => head,
        };
        if target == "crate" {
            return Some(pkg);
        }
        let named = |q: usize| self.layout.names.get(q).and_then(|n| n.as_deref()) == Some(target);
        if named(pkg) {
            return Some(pkg);
        }
        self.deps_of.get(pkg)?.iter().copied().find(|q| named(*q))
    }
}
