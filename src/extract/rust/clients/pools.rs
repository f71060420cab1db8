//! Connects a connection pool makes: a method of a pool manager trait's impl (`impl
//! r2d2::ManageConnection for RedisManager { fn connect(&self) { .. } }`, the clients
//! catalogue's `[[connection-pool]]`) runs when the pool opens a connection, while a
//! caller waits in the pool's checkout (`pool.get()`), which gives up at its own
//! timeout. A client connected there cannot hold a caller past that deadline, even
//! one with no timeout of its own: limitador's synchronous redis `get_connection()`
//! under an r2d2 pool, rustus's lapin connect under mobc. The timeout rule takes the
//! checkout as the bound, for the method's own calls and those of the functions only
//! it runs ([`pooled_functions`], across the workspace's call graph). A package that
//! builds the pool with no checkout timeout (mobc's `get_timeout(None)`, the
//! catalogue's `unbounded-by`) gets no such bound from it; known limit: a pool built
//! so in another package of the workspace than its manager's is not seen.

use rustc_hash::FxHashMap as HashMap;
use syn::visit::Visit;

use super::callgraph::CallGraph;
use super::jobs::Calls;
use super::Visitor;
use crate::extract::rust::facts::PoolConnect;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::FileFacts;

impl Visitor<'_, '_> {
    /// Records the pool methods of an impl for type `ty` of a catalogue pool manager
    /// trait (resolved through the file's imports, in a package depending on the
    /// pool's crate): their link keys, the names they call, and why they are bounded.
    pub(super) fn pool_methods(&mut self, i: &syn::ItemImpl, ty: &str) {
        let Some((_, path, _)) = &i.trait_ else {
            return;
        };
        let pools = &self.ctx.catalog.connection_pools;
        let Some(last) = path.segments.last() else {
            return;
        };
        // Most trait impls are no pool's: turned down before any path is built.
        let named = with_ident_str(&last.ident, |l| {
            (pools.iter().flat_map(|p| &p.traits)).any(|t| t.rsplit("::").next() == Some(l))
        });
        if !named {
            return;
        }
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let resolved: Vec<String> = self
            .imports
            .resolve(&segs)
            .iter()
            .map(|p| p.join("::"))
            .collect();
        let depends = |t: &str| self.depends(t.split("::").next().unwrap_or(t));
        let Some((pool, trait_path)) = pools.iter().find_map(|p| {
            let t = p
                .traits
                .iter()
                .find(|t| resolved.contains(t) && depends(t))?;
            Some((p, t))
        }) else {
            return;
        };
        for item in &i.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if !pool.methods.iter().any(|m| f.sig.ident == m) {
                continue;
            }
            let key = format!("{ty}::{}", f.sig.ident);
            let why = format!(
                "connected only while a caller waits in a {} pool's checkout (`impl {trait_path} for {ty}`), which gives up after {}",
                pool.name, pool.checkout_timeout
            );
            let mut calls = Calls::default();
            calls.visit_block(&f.block);
            let calls = calls.0.into_iter().collect();
            let pool = pool.name.clone();
            (self.facts.pooled).push(PoolConnect {
                key,
                pool,
                calls,
                why,
            });
        }
    }

    /// Records the pools a chain builds with no checkout timeout: a catalogue pool's
    /// `unbounded-by` method given `None` (`Pool::builder().get_timeout(None)`).
    pub(super) fn note_unbounded_pool(&mut self, calls: &[(&syn::ExprMethodCall, bool)]) {
        let pools = &self.ctx.catalog.connection_pools;
        for (m, _) in calls {
            let none =
                matches!(m.args.first(), Some(syn::Expr::Path(p)) if p.path.is_ident("None"));
            if !none {
                continue;
            }
            let unbounded = with_ident_str(&m.method, |n| {
                pools.iter().find(|p| p.unbounded_by.iter().any(|u| u == n))
            });
            if let Some(pool) = unbounded {
                if !self.facts.unbounded_pools.contains(&pool.name) {
                    self.facts.unbounded_pools.push(pool.name.clone());
                }
            }
        }
    }
}

/// The connects of a package's pools that bound their callers: those of the pools
/// it does not build with no checkout timeout.
fn bounding(package: &[(usize, FileFacts)]) -> impl Iterator<Item = &PoolConnect> {
    let unbounded =
        |pool: &str| (package.iter()).any(|(_, f)| f.unbounded_pools.iter().any(|u| u == pool));
    (package.iter().flat_map(|(_, f)| &f.pooled)).filter(move |p| !unbounded(&p.pool))
}

/// Where a package's connection pools connect: the pool methods by link key and the
/// functions only they run by name, each with why.
pub(super) struct Pooled<'p> {
    methods: HashMap<&'p str, &'p str>,
    functions: &'p HashMap<String, String>,
}

impl<'p> Pooled<'p> {
    pub(super) fn of(
        package: &'p [(usize, FileFacts)],
        functions: &'p HashMap<String, String>,
    ) -> Self {
        let methods = bounding(package)
            .map(|p| (p.key.as_str(), p.why.as_str()))
            .collect();
        Pooled { methods, functions }
    }

    /// Why a call made in function `in_fn` (a link key) is bounded by a pool's
    /// checkout, when it is.
    pub(super) fn why(&self, in_fn: Option<&str>) -> Option<&'p str> {
        let in_fn = in_fn?;
        if let Some(why) = self.methods.get(in_fn) {
            return Some(why);
        }
        let name = super::link_key::fn_name(in_fn)?;
        self.functions.get(name).map(String::as_str)
    }
}

/// Per package (of `files.len()` many): the names of its functions only pool
/// connects run (called by name only from a pool method, or from functions only they
/// run), each with why.
pub(super) fn pooled_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
) -> Vec<HashMap<String, String>> {
    let whys: HashMap<&str, &str> = (files.iter().flat_map(|package| bounding(package)))
        .map(|p| (p.key.as_str(), p.why.as_str()))
        .collect();
    let entries: Vec<Vec<(&str, Vec<&str>)>> = files
        .iter()
        .map(|package| {
            bounding(package)
                .map(|p| (p.key.as_str(), p.calls.iter().map(String::as_str).collect()))
                .collect()
        })
        .collect();
    graph.run_only_from_entries(&entries, &|_| false, |root| match whys.get(root) {
        Some(why) => format!("runs only from `{root}`, {why}"),
        None => format!("runs only from `{root}`, a connection pool's connect"),
    })
}
