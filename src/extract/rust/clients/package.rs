//! What the client analysis reads from a whole package before judging its clients:
//! whether it is a one-shot command-line tool, and which closures always run under
//! a timeout.

use rustc_hash::FxHashMap as HashMap;

use crate::extract::rust::facts::{FileFacts, Origin};

/// Closures (link keys) every call of which runs under a timeout wrapper
/// (`let fut = send(req); tokio::time::timeout(d, fut)`): the requests made inside
/// them are bounded one level down. `true`: some wrapper runs only when configured.
pub(super) fn timed_closures(package: &[(usize, FileFacts)]) -> HashMap<&str, bool> {
    let mut seen: HashMap<&str, (bool, bool)> = HashMap::default();
    for h in package.iter().flat_map(|(_, f)| &f.handles) {
        let Origin::Call { callee } = &h.origin else {
            continue;
        };
        if !callee.contains("{closure") {
            continue;
        }
        let wrapped = h.chains.iter().any(|c| c.wrapped);
        let configurable = h.chains.iter().any(|c| c.wrapped && c.configurable);
        let e = seen.entry(callee.as_str()).or_insert((true, false));
        e.0 &= wrapped;
        e.1 |= configurable;
    }
    seen.into_iter()
        .filter(|(_, (all, _))| *all)
        .map(|(k, (_, configurable))| (k, configurable))
        .collect()
}

/// Why the package is a one-shot command-line tool (its dependencies say so and none
/// of its files registers a route), if it is one.
pub(super) fn one_shot(package: &[(usize, FileFacts)]) -> Option<&str> {
    // A library (atuin-client needs clap for a derive, and a daemon calls it) or a
    // package that registers routes is not a one-shot tool.
    let serves = package.iter().any(|(_, f)| {
        f.library_root
            || !f.routes.routes.is_empty()
            || !f.routes.handlers.is_empty()
            || !f.routes.macro_registered.is_empty()
    });
    if serves {
        return None;
    }
    package.iter().find_map(|(_, f)| f.one_shot.as_deref())
}
