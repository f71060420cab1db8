//! What the client analysis reads from a whole package before judging its clients:
//! whether it is a one-shot command-line tool, and which closures always run under
//! a timeout.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::extract::rust::catalog::{Catalog, ClientApi};
use crate::extract::rust::facts::{CallFact, FileFacts, Origin};
use crate::extract::rust::routes::FnInfo;
use crate::extract::rust::Ctx;

/// Closures and functions (link keys) every call of which runs under a timeout
/// wrapper (`let fut = send(req); tokio::time::timeout(d, fut)`,
/// `timeout(d, probe::check_api(..))`): the requests made inside them are bounded one
/// level down. `true`: some wrapper runs only when configured.
///
/// A function declared to return a request not yet sent (`-> RequestBuilder`,
/// [`FileFacts::request_builder_fns`]) is sent by its callers: a call of it counts as
/// wrapped when the caller bounds the send (`let req = self.list(u).send();` raced
/// against `sleep(d)` in a `select!`, or `.timeout(d)` on the returned request).
///
/// A closure's every call is kept by the file visit. A function's bare calls are not
/// (only calls whose value flows somewhere are), so a function counts only when the
/// package's bodies that call it by name (the routes analysis's per-body call names)
/// are no more than its wrapped calls: a body that calls it bare as well as wrapped
/// makes it uncovered only when it is also counted among the wrapped ones, which
/// this cannot tell apart (rare: the same function called twice in one body).
pub(super) fn timed_closures<'p>(
    package: &'p [(usize, FileFacts)],
    catalog: &Catalog,
) -> HashMap<&'p str, bool> {
    let builders: HashSet<&str> = package
        .iter()
        .flat_map(|(_, f)| f.request_builder_fns.iter().map(String::as_str))
        .collect();
    // (every call wrapped, some wrapper configurable, wrapped calls)
    let mut seen: HashMap<&str, (bool, bool, usize)> = HashMap::default();
    for h in package.iter().flat_map(|(_, f)| &f.handles) {
        let Origin::Call { callee } = &h.origin else {
            continue;
        };
        let chains = h.chains.get();
        let mut wrapped = chains.iter().any(|c| c.wrapped);
        let mut configurable = chains.iter().any(|c| c.wrapped && c.configurable);
        if !wrapped && builders.contains(callee.as_str()) {
            let sends = chains.iter().flat_map(|c| &c.calls);
            let bounded = |c: &&CallFact| {
                c.wrapped || (c.nargs > 0 && catalog.is_request_timeout_name(&c.name))
            };
            wrapped = sends.clone().any(|c| bounded(&c));
            configurable = sends.filter(bounded).any(|c| c.configurable);
        }
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

/// How many bodies of the package call each of `names` (by last segment) with as
/// many arguments as a function of that name takes: the SDK's `client.put_object()`
/// in one file is no call of the package's own `put_object(from, size, to)`.
fn bodies_calling<'p>(
    package: &'p [(usize, FileFacts)],
    names: &HashSet<&str>,
) -> HashMap<&'p str, usize> {
    let mut count: HashMap<&str, usize> = HashMap::default();
    if names.is_empty() {
        return count;
    }
    let fns = || package.iter().flat_map(|(_, f)| &f.routes.fns);
    let named: Vec<&FnInfo> = fns().filter(|i| names.contains(i.name.as_str())).collect();
    for info in fns() {
        for called in info.calls().iter().filter(|c| names.contains(c)) {
            let fits = match info.evidence().arg_counts(called) {
                None => true,
                Some(counts) => named.iter().any(|f| f.name == called && f.takes(counts)),
            };
            if fits {
                *count.entry(called).or_insert(0) += 1;
            }
        }
    }
    count
}

/// Why the package is a one-shot command-line tool, if it is one by its
/// dependencies (see [`crate::extract::rust::catalog::OneShot`]).
pub(super) fn one_shot_by_deps(ctx: &Ctx) -> (Option<String>, Option<(String, Vec<String>)>) {
    let Some(deps) = ctx.deps else {
        return (None, None);
    };
    let shape = &ctx.catalog.one_shot;
    let Some(cli) = shape
        .cli
        .iter()
        .find(|c| deps.depends_on(&c.replace('-', "_")))
    else {
        return (None, None);
    };
    // A crate that builds clients as well as servers (`tonic`, `hyper`, `tower`) makes
    // no service by the dependency alone: a file naming its server side does
    // (`tonic::transport::Server`: the package then runs long, see `note_server_side`).
    let servers: Vec<String> = (shape.servers_only())
        .map(|s| s.replace('-', "_"))
        .filter(|s| deps.depends_on(s))
        .collect();
    if servers.is_empty() {
        let why = format!(
            "a one-shot command-line tool (it depends on `{cli}` and on no server or consumer framework)"
        );
        return (Some(why), None);
    }
    let why = format!(
        "a one-shot command-line tool (it depends on `{cli}`, and on `{}` for its tests only)",
        servers.join("`, `")
    );
    (None, Some((why, servers)))
}

/// Whether a test module's text (`bodies`, byte ranges of `text`) names one of
/// `servers` as a path (`axum::Router`, `use axum::{..}`).
pub(crate) fn servers_in_tests(
    text: &str,
    bodies: &[std::ops::Range<usize>],
    servers: &[String],
) -> bool {
    bodies.iter().any(|b| {
        let body = text.get(b.clone()).unwrap_or("");
        servers.iter().any(|s| {
            let path = format!("{s}::");
            memchr::memmem::find_iter(body.as_bytes(), path.as_bytes()).any(|at| {
                let before = body[..at].chars().next_back();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
    })
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
    if let Some(why) = package.iter().find_map(|(_, f)| f.one_shot.as_deref()) {
        return Some(why);
    }
    // Depending on a server framework its files name only in tests (fh's stand-in
    // FlakeHub servers in `#[cfg(test)]` modules, axum in `[dependencies]`).
    let tests_only = package.iter().any(|(_, f)| f.servers_in_tests);
    (package
        .iter()
        .find_map(|(_, f)| f.one_shot_but_serves.as_ref()))
    .filter(|_| tests_only)
    .map(|(why, _)| why.as_str())
}

/// Whether client `hi` of file `fi` is a value only clients of other crates send
/// requests through (`consumed-by`: an `SdkConfig`), and its package names none of
/// those clients and keeps the value to itself (not returned, stored or handed to
/// another package): no request is sent through it.
pub(super) fn unconsumed(
    api: &ClientApi,
    index: usize,
    package: &[(usize, FileFacts)],
    fi: usize,
    hi: usize,
) -> bool {
    if api.consumed_by.is_empty()
        || package
            .iter()
            .any(|(_, f)| f.consumers_named.contains(&index))
    {
        return false;
    }
    let f = &package[fi].1;
    let handed_on = f.fns.iter().any(|func| func.returns.contains(&hi))
        || f.field_binds.iter().any(|(_, h)| *h == hi)
        || f.static_binds.iter().any(|(_, h)| *h == hi)
        || f.workspace_passes.iter().any(|(_, _, h)| *h == hi);
    !handed_on
}

#[cfg(test)]
mod tests {
    use super::servers_in_tests;

    #[test]
    fn a_server_is_named_in_tests_as_a_path() {
        let text = "fn a() {} mod tests { fn s() -> axum::Router { todo() } } // my_axum::x";
        let start = text.find("mod tests").expect("a test module");
        let servers = ["axum".to_string()];
        let (test, before) = (start..text.len(), 0..start);
        assert!(servers_in_tests(
            text,
            std::slice::from_ref(&test),
            &servers
        ));
        // Outside the test body, or only as part of another name: not named there.
        assert!(!servers_in_tests(
            text,
            std::slice::from_ref(&before),
            &servers
        ));
        let other = "mod tests { my_axum::x(); }";
        let all = 0..other.len();
        assert!(!servers_in_tests(
            other,
            std::slice::from_ref(&all),
            &servers
        ));
    }
}
