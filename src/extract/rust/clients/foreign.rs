//! Clients handed to a function of another package of the workspace: what that
//! function does with the client counts for its timeout.
//!
//! The link step follows a client through its own package's functions
//! ([`super::link`]); a client passed to a function another workspace package defines
//! (`check_nodes_status(&client)` in openobserve's `common`, defined in `infra`, which
//! sets `.timeout(..)` on each request) would otherwise look unused. Here every such
//! hand-over of a package (a call its `arg_passes` record of a function the package
//! does not define, by name) meets the chains of the matching parameter in the packages it
//! depends on. Those chains only bound the client in time: the requests in them are
//! the other package's call sites, judged (or not) there. They run while the
//! hand-over does: bounded when the client is built in a function only timeout
//! wrappers run that spawns no task (`verdict::judge_client`).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::facts::{Chain, Handle, Origin};
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Per package: (package file index, handle) of a handle passed to a function of
/// another package → that function's chains for the parameter.
pub(super) type Foreign = HashMap<(usize, usize), Vec<Chain>>;

/// The chains each package's hand-overs to other packages' functions meet.
/// `names[j]`: package `j`'s own name as its dependents spell it. Parameters' chains
/// are decoded only for the hand-overs that meet them.
pub(super) fn foreign_chains(
    packages: &[(Option<&Deps>, &[PackageFile])],
    names: &[Option<&str>],
) -> Vec<Foreign> {
    // Per package, the hand-overs to functions it does not define: (file, callee,
    // argument index, handle).
    let unmatched: Vec<Vec<(usize, &str, usize, usize)>> = (0..packages.len())
        .map(|j| {
            let files = packages[j].1;
            if files
                .iter()
                .all(|(_, f)| f.arg_passes.is_empty() && f.workspace_passes.is_empty())
            {
                return Vec::new();
            }
            // A function the package defines, with or without a client parameter, is
            // the one called: only names it does not define are looked up elsewhere.
            let own: HashSet<&str> = files
                .iter()
                .flat_map(|(_, f)| &f.routes.fns)
                .map(|i| i.name.as_str())
                .chain(params(files).map(|((f, _), _)| f))
                .collect();
            let unknown = files.iter().enumerate().flat_map(|(fi, (_, f))| {
                f.arg_passes
                    .iter()
                    .map(move |(callee, i, h)| (fi, callee.as_str(), *i, *h))
            });
            let named = files.iter().enumerate().flat_map(|(fi, (_, f))| {
                f.workspace_passes
                    .iter()
                    .map(move |(callee, i, h)| (fi, callee.as_str(), *i, *h))
            });
            unknown
                .filter(|(_, callee, _, _)| !own.contains(last(callee)))
                .chain(named)
                .collect()
        })
        .collect();
    let mut out: Vec<Foreign> = vec![Foreign::default(); packages.len()];
    if unmatched.iter().all(Vec::is_empty) {
        return out;
    }
    let mut index: Vec<Option<Params>> = vec![None; packages.len()];
    for (j, passes) in unmatched.iter().enumerate() {
        let Some(deps) = packages[j].0.filter(|_| !passes.is_empty()) else {
            continue;
        };
        let used: Vec<usize> = (0..packages.len())
            .filter(|&k| k != j && names[k].is_some_and(|n| deps.depends_on(n)))
            .collect();
        for &(fi, callee, i, h) in passes {
            for &k in &used {
                let params = index[k].get_or_insert_with(|| by_key(packages[k].1));
                for handle in params.get(&(callee, i)).into_iter().flatten() {
                    let list = out[j].entry((fi, h)).or_default();
                    list.extend(handle.chains.get().iter().cloned());
                }
            }
        }
    }
    out
}

/// The parameter handles of a package's files, by (function, index).
fn params(files: &[PackageFile]) -> impl Iterator<Item = ((&str, usize), &Handle)> {
    files
        .iter()
        .flat_map(|(_, f)| &f.handles)
        .filter_map(|h| match &h.origin {
            Origin::Param { function, index } => Some(((function.as_str(), *index), h)),
            _ => None,
        })
}

/// Parameter handles by (function key, index).
type Params<'a> = HashMap<(&'a str, usize), Vec<&'a Handle>>;

fn by_key(files: &[PackageFile]) -> Params<'_> {
    let mut map: HashMap<(&str, usize), Vec<&Handle>> = HashMap::default();
    for (k, h) in params(files) {
        map.entry(k).or_default().push(h);
    }
    map
}

/// The function of a link key (`Client::get` → `get`).
fn last(key: &str) -> &str {
    key.rsplit("::").next().unwrap_or(key)
}

impl super::Visitor<'_, '_> {
    /// Values handed to a function of another package of the workspace
    /// (`infra::cluster::check_nodes_status(&client)`, a path or workspace dependency
    /// named through its imports): recorded apart from the package's own hand-overs,
    /// as (function key, argument index, handle), for [`foreign_chains`].
    pub(super) fn workspace_passes(&mut self, key: &str, passed: Vec<(usize, usize)>) {
        for (i, h) in passed {
            self.facts.workspace_passes.push((key.to_string(), i, h));
        }
    }

    /// The key (`check`, `Api::new`) of a function of another package of the workspace
    /// called by this path (its head, through the imports, a path or workspace
    /// dependency), or `None`. `members`: only a package known to be of the workspace
    /// (by `path`, here or in the root), not a third-party crate whose version the
    /// workspace pins (`tokio = { workspace = true }`).
    pub(super) fn workspace_key(&self, segs: &[String], members: bool) -> Option<String> {
        let deps = self.ctx.deps?;
        if members && deps.path_deps.is_empty() && deps.workspace_members.is_empty() {
            return None;
        }
        let path = self.imports.path(segs, false);
        let local = path.first().is_some_and(|head| match members {
            true => deps
                .names
                .get(head.as_str())
                .is_some_and(|p| deps.path_deps.contains(p) || deps.workspace_members.contains(p)),
            false => {
                deps.local_package(head).is_some()
                    || deps.path_deps.contains(head)
                    || deps.workspace_deps.contains(head)
            }
        });
        let n = path.len();
        if !local || n < 2 {
            return None;
        }
        Some(match path.get(n - 2) {
            Some(ty) if n >= 3 && ty.starts_with(char::is_uppercase) => {
                format!("{ty}::{}", path[n - 1])
            }
            _ => path[n - 1].clone(),
        })
    }
}
