//! Clients a factory of one package returns to another package of the workspace: what
//! the caller does with the client counts for its timeout.
//!
//! A workspace often keeps its HTTP client in a shared crate (`common::http::client()`
//! building a `reqwest::Client`) and sets a timeout on each request where the client is
//! used, in the services (`c.get(url).timeout(d).send()`). The link step follows a
//! factory within its own package ([`super::flow`]); across packages the caller's
//! handle records the call by path ([`Origin::Workspace`]), and here each client a
//! package's function returns meets the chains of those handles in the packages that
//! depend on it, as the chains of a client handed to another package do
//! ([`super::foreign`]).
//!
//! Only what the caller does with the value in place counts. A caller that keeps the
//! client (in a field or a `static`), hands it to a function or returns it, uses it
//! where this step cannot see: the client then meets nothing from any caller, and is
//! judged on its own package's uses alone.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::foreign::Foreign;
use crate::extract::rust::facts::{Chain, FnFact, Origin};
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Adds to each package's [`Foreign`] the chains the clients its functions return
/// meet in the packages that depend on it. `names[j]`: package `j`'s own name as its
/// dependents spell it.
pub(super) fn add_returned_chains(
    packages: &[(Option<&Deps>, &[PackageFile])],
    names: &[Option<&str>],
    foreign: &mut [Foreign],
) {
    // The keys of the functions that return a client they build: only calls of those
    // are looked at (and their chains decoded).
    let factories: HashSet<&str> = (packages.iter().flat_map(|(_, files)| files.iter()))
        .flat_map(|(_, f)| f.fns.iter().filter(|func| !built(f, func).is_empty()))
        .map(|func| func.name.as_str())
        .collect();
    if factories.is_empty() {
        return;
    }
    // Per package: the callers' handles by the key they call, and the keys some
    // caller's value escapes through.
    let calls: Vec<Calls> = (packages.iter())
        .map(|(_, files)| calls_of(files, &factories))
        .collect();
    if calls.iter().all(Calls::is_empty) {
        return;
    }
    for (j, (_, files)) in packages.iter().enumerate() {
        let Some(name) = names[j] else { continue };
        let users: Vec<usize> = (0..packages.len())
            .filter(|&k| k != j && !calls[k].is_empty())
            .filter(|&k| packages[k].0.is_some_and(|d| d.depends_on(name)))
            .collect();
        if users.is_empty() {
            continue;
        }
        for (fi, (_, f)) in files.iter().enumerate() {
            for func in &f.fns {
                let clients = built(f, func);
                let key = func.name.as_str();
                if clients.is_empty() {
                    continue;
                }
                if users.iter().any(|&k| calls[k].escaped.contains(key)) {
                    continue;
                }
                let met: Vec<Chain> = (users.iter())
                    .flat_map(|&k| calls[k].chains.get(key).into_iter().flatten())
                    .flat_map(|chains| chains.iter().cloned())
                    .collect();
                if met.is_empty() {
                    continue;
                }
                for h in clients {
                    let list = foreign[j].entry((fi, h)).or_default();
                    list.extend(met.iter().cloned());
                }
            }
        }
    }
}

/// The clients a function builds and returns: not the outcome of a one-shot request
/// (`reqwest::get(url).await?.text().await`, a `String`).
fn built(f: &FileFacts, func: &FnFact) -> Vec<usize> {
    (func.returns.iter().copied())
        .filter(|&h| matches!(&f.handles[h].origin, Origin::Client(c) if !c.request))
        .collect()
}

/// A package's calls of other packages' functions by path.
#[derive(Default)]
struct Calls<'a> {
    /// Function key → the chains of each handle holding its result.
    chains: HashMap<&'a str, Vec<&'a [Chain]>>,
    /// Keys whose result some handle keeps, hands on or returns.
    escaped: HashSet<&'a str>,
}

impl Calls<'_> {
    /// No call of a factory: neither a use seen nor one escaping (a package whose
    /// every call keeps the value still keeps the factory's client from meeting
    /// anything).
    fn is_empty(&self) -> bool {
        self.chains.is_empty() && self.escaped.is_empty()
    }
}

fn calls_of<'a>(files: &'a [PackageFile], factories: &HashSet<&str>) -> Calls<'a> {
    let mut out = Calls::default();
    for (_, f) in files {
        let kept: HashSet<usize> = (f.field_binds.iter().map(|(_, h)| *h))
            .chain(f.static_binds.iter().map(|(_, h)| *h))
            .chain(f.arg_passes.iter().map(|(_, _, h)| *h))
            .chain(f.workspace_passes.iter().map(|(_, _, h)| *h))
            .chain(f.fns.iter().flat_map(|func| func.returns.iter().copied()))
            .collect();
        for (h, handle) in f.handles.iter().enumerate() {
            let Origin::Workspace { callee } = &handle.origin else {
                continue;
            };
            if !factories.contains(callee.as_str()) {
                continue;
            }
            if kept.contains(&h) {
                out.escaped.insert(callee);
            } else {
                let chains = out.chains.entry(callee).or_default();
                chains.push(handle.chains.get().as_slice());
            }
        }
    }
    out
}
