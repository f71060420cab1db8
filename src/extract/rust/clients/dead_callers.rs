//! The callers' side of dead code: a function a client is built in whose only callers
//! are themselves never run is never run either (autonomi's node manager, where
//! `restart_node` calls `get_rpc_client` and nothing calls `restart_node`).
//!
//! Here the facts' call graph says which functions nothing running can reach by name:
//! the bodies no dead-code question is asked about (a package whose callers the run
//! cannot all see, a trait's method, `main`, a function a host or framework runs
//! by an attribute or a foreign ABI, [`FnInfo::entry`]) run, and so do the functions
//! of the names they call, and the names those call, and so on. What the graph
//! leaves unreached is only a question: a function passed as a value or named in a
//! macro has no caller in it. The text decides ([`super::dead`]): a name counts as
//! dead only where every mention of it lies in the body of a function found dead.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::routes::{called_name, FnInfo};
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// A function of the run: (package, file's candidate index, the function).
pub(super) type Function<'p> = (usize, usize, &'p FnInfo);

/// At most this many callers are asked about: each is a name searched for in the
/// text of the whole run, and a deep tree of uncalled code is rare.
const MAX_CALLERS: usize = 256;

/// Of `wanted`, the names no running body reaches through the call graph, and the
/// functions calling them (directly or not) that none reaches either. `asked[j]`:
/// whether package `j`'s functions may be asked about (see [`super::dead`]);
/// `edge(info, n, i)`: whether `info`'s call of `n`, in file `i`, may run the
/// function the question is about (a call in a file where the name is another
/// function's does not).
pub(super) fn unreached<'p>(
    packages: &[(Option<&Deps>, &'p [PackageFile])],
    asked: &[bool],
    wanted: &HashSet<&'p str>,
    edge: &dyn Fn(&FnInfo, &str, usize) -> bool,
) -> (HashSet<&'p str>, Vec<Function<'p>>) {
    let askable =
        |j: usize, info: &FnInfo| asked[j] && !info.entry && !info.of_trait && info.name != "main";
    let mut by_name: HashMap<&str, Vec<Function>> = HashMap::default();
    let mut queue: Vec<&str> = Vec::new();
    for (j, (_, files)) in packages.iter().enumerate() {
        for (i, f) in files.iter() {
            for info in &f.routes.fns {
                if askable(j, info) {
                    by_name.entry(&info.name).or_default().push((j, *i, info));
                } else {
                    queue.extend(callees(info).filter(|n| edge(info, n, *i)));
                }
            }
            queue.extend(f.trait_default_calls.iter().map(String::as_str));
        }
    }
    let mut reached: HashSet<&str> = HashSet::default();
    while let Some(n) = queue.pop() {
        if !reached.insert(n) {
            continue;
        }
        for &(_, i, info) in by_name.get(n).into_iter().flatten() {
            let next = callees(info).filter(|c| !reached.contains(c) && edge(info, c, i));
            queue.extend(next);
        }
    }
    let unreached: HashSet<&str> = (wanted.iter().copied())
        .filter(|n| !reached.contains(n))
        .collect();
    // The unreached functions by the names they call.
    let mut callers: HashMap<&str, Vec<Function>> = HashMap::default();
    let dead_fns = by_name.iter().filter(|(n, _)| !reached.contains(*n));
    for &(j, i, info) in dead_fns.flat_map(|(_, fns)| fns) {
        for c in callees(info).filter(|c| edge(info, c, i)) {
            callers.entry(c).or_default().push((j, i, info));
        }
    }
    let mut out: Vec<Function> = Vec::new();
    let mut taken: HashSet<*const FnInfo> = HashSet::default();
    let mut seen: HashSet<&str> = unreached.clone();
    let mut stack: Vec<&str> = unreached.iter().copied().collect();
    stack.sort_unstable();
    while let Some(n) = stack.pop() {
        for &(j, i, info) in callers.get(n).into_iter().flatten() {
            if out.len() == MAX_CALLERS {
                return (unreached, out);
            }
            if taken.insert(info) {
                out.push((j, i, info));
            }
            if seen.insert(&info.name) {
                stack.push(&info.name);
            }
        }
    }
    (unreached, out)
}

/// The names a body calls, as functions or methods.
fn callees(info: &FnInfo) -> impl Iterator<Item = &str> {
    (info.calls().iter()).chain(info.fn_calls().iter().map(called_name))
}
