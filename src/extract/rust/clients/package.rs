//! What the client analysis reads from a whole package before judging its clients:
//! whether it is a one-shot command-line tool, and which closures always run under
//! a timeout.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::facts::{FileFacts, Origin};

/// Closures and functions (link keys) every call of which runs under a timeout
/// wrapper (`let fut = send(req); tokio::time::timeout(d, fut)`,
/// `timeout(d, probe::check_api(..))`): the requests made inside them are bounded one
/// level down. `true`: some wrapper runs only when configured.
///
/// A closure's every call is kept by the file visit. A function's bare calls are not
/// (only calls whose value flows somewhere are), so a function counts only when the
/// package's bodies that call it by name (the routes analysis's per-body call names)
/// are no more than its wrapped calls: a body that calls it bare as well as wrapped
/// makes it uncovered only when it is also counted among the wrapped ones, which
/// this cannot tell apart (rare: the same function called twice in one body).
pub(super) fn timed_closures(package: &[(usize, FileFacts)]) -> HashMap<&str, bool> {
    // (every call wrapped, some wrapper configurable, wrapped calls)
    let mut seen: HashMap<&str, (bool, bool, usize)> = HashMap::default();
    for h in package.iter().flat_map(|(_, f)| &f.handles) {
        let Origin::Call { callee } = &h.origin else {
            continue;
        };
        let wrapped = h.chains.get().iter().any(|c| c.wrapped);
        let configurable = h.chains.get().iter().any(|c| c.wrapped && c.configurable);
        let e = seen.entry(callee.as_str()).or_insert((true, false, 0));
        e.0 &= wrapped;
        e.1 |= configurable;
        e.2 += usize::from(wrapped);
    }
    let functions: HashSet<&str> = seen
        .iter()
        .filter(|(k, (all, _, _))| *all && !k.contains("{closure"))
        .map(|(k, _)| last_segment(k))
        .collect();
    let callers = bodies_calling(package, &functions);
    seen.into_iter()
        .filter(|(k, (all, _, n))| {
            *all && (k.contains("{closure")
                || callers.get(last_segment(k)).copied().unwrap_or(0) <= *n)
        })
        .map(|(k, (_, configurable, _))| (k, configurable))
        .collect()
}

fn last_segment(key: &str) -> &str {
    key.rsplit("::").next().unwrap_or(key)
}

/// How many bodies of the package call each of `names` (by last segment).
fn bodies_calling<'p>(
    package: &'p [(usize, FileFacts)],
    names: &HashSet<&str>,
) -> HashMap<&'p str, usize> {
    let mut count: HashMap<&str, usize> = HashMap::default();
    if names.is_empty() {
        return count;
    }
    for info in package.iter().flat_map(|(_, f)| &f.routes.fns) {
        for called in info.calls().iter().filter(|c| names.contains(c)) {
            *count.entry(called).or_insert(0) += 1;
        }
    }
    count
}

/// Why the package is a one-shot command-line tool (its dependencies say so and none
/// of its files registers a route or names a server), if it is one.
pub(super) fn one_shot(package: &[(usize, FileFacts)]) -> Option<&str> {
    // A library (atuin-client needs clap for a derive, and a daemon calls it), a
    // package that registers routes, or one naming the server side of a crate that
    // builds clients too (`tonic::transport::Server`) is not a one-shot tool.
    let serves = package.iter().any(|(_, f)| {
        f.library_root
            || f.framework
            || !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    });
    if serves {
        return None;
    }
    package.iter().find_map(|(_, f)| f.one_shot.as_deref())
}
