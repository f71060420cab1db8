//! Hand-written circuit breakers: calls run only under a function that refuses a
//! failing host and records failures need no breaker library.
//!
//! Some services keep their own failure record instead of a breaker crate
//! (symbolicator's `HostDenyList`: `download` asks `is_blocked(&host)` first, refuses
//! the host if so, and calls `register_failure` when the download fails). Such a
//! function is recognised by shape, from names the catalogue lists
//! (`[[hand-breaker]]`: `check` and `record` methods), not by its type: it calls one
//! of each list of one entry. Its own calls are guarded, and so are those of the
//! functions only such functions run ([`CallGraph::only_from`]: every caller by name
//! is one of them, and one of them reaches it), across packages.

use rustc_hash::FxHashMap as HashMap;

use super::callgraph::CallGraph;
use crate::extract::rust::catalog::HandBreaker;
use crate::extract::rust::routes::FnInfo;

/// Why a body is a hand-written breaker, when it is one: it calls `check` and `record`
/// names of one catalogue entry.
fn breaker_shape(info: &FnInfo, entries: &[HandBreaker]) -> Option<String> {
    entries.iter().find_map(|e| {
        let has = |list: &[String]| info.calls().least(|n| list.iter().any(|l| l == n)).map(str::to_string);
        let check = has(&e.check)?;
        let record = has(&e.record)?;
        Some(format!(
            "runs under a hand-written circuit breaker: `{}` refuses the call on its failure record (`{check}`) and records failures (`{record}`)",
            info.name
        ))
    })
}

/// Whether some function of the packages may be a hand-written breaker: a cheap scan
/// before the call graph is built.
pub(super) fn any_breaker_shape<'a>(
    mut fns: impl Iterator<Item = &'a FnInfo>,
    entries: &[HandBreaker],
) -> bool {
    !entries.is_empty() && fns.any(|f| breaker_shape(f, entries).is_some())
}

/// Per package (of `packages` many): the names of its functions whose calls run under
/// a hand-written breaker, each with why. A name is kept only when every function of
/// that name in the package agrees.
pub(super) fn hand_guarded(
    graph: &CallGraph,
    packages: usize,
    entries: &[HandBreaker],
) -> Vec<HashMap<String, String>> {
    let shapes: Vec<Option<String>> = graph
        .bodies
        .iter()
        .map(|(_, info)| breaker_shape(info, entries))
        .collect();
    if shapes.iter().all(Option::is_none) {
        return vec![HashMap::default(); packages];
    }
    let root = |c: usize, _: usize| shapes[c].is_some();
    let candidate: Vec<bool> = (0..graph.bodies.len())
        .map(|b| shapes[b].is_none() && !graph.callers(b).is_empty())
        .collect();
    let kept = graph.only_from(&root, candidate);
    let marked: Vec<bool> = (0..kept.len())
        .map(|b| kept[b] || shapes[b].is_some())
        .collect();
    let names = graph.names_by_package(packages, &|_| true, &marked);
    let mut out: Vec<HashMap<String, String>> = vec![HashMap::default(); packages];
    for (b, (j, info)) in graph.bodies.iter().enumerate() {
        let Some(set) = &names[*j] else { continue };
        if !set.contains(info.name.as_str()) || out[*j].contains_key(info.name.as_str()) {
            continue;
        }
        let why = match &shapes[b] {
            Some(why) => why.clone(),
            None => {
                let r = graph.reaching_root(b, &marked, &root);
                let shape = r.and_then(|r| shapes[r].as_deref()).unwrap_or_default();
                shape.replacen("runs under", "runs only under", 1)
            }
        };
        out[*j].insert(info.name.to_string(), why);
    }
    out
}
