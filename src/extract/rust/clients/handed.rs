//! Requests bounded by whoever makes them. A gRPC workspace often builds every
//! request in one helper that sets its deadline (databend's `make_request(t, cfg)`:
//! `let mut r = Request::new(t); r.set_timeout(cfg.timeout()); r`), and sends it
//! through thin wrappers that take the request ready-made (`fn create_task(&self, req:
//! Request<T>) { self.client.clone().create_task(req) }`), called from other packages.
//! The channel has no timeout of its own, yet no request it carries is unbounded.
//!
//! The file visit records the functions that return a request they set a timeout on
//! ([`FileFacts::request_makers`]), and for each call on a tracked value where its
//! arguments come from ([`ArgSource`]): a function's result (`Made`), or the enclosing
//! function's request parameter (`Param`). The link step then takes a request as
//! bounded when a maker made it, or when it is a wrapper's parameter and every caller
//! of the wrapper (by name, through the run's call graph, [`handed_functions`]) hands
//! it a request a maker made or one it set a timeout on.
//!
//! Known limits: callers are matched by name and argument count, like the other
//! call-graph answers, so another function of the same name and arity keeps the
//! wrapper unproved (databend's task manager's `describe_task(&name)` beside the
//! client's `describe_task(req)`); a caller is seen only where it calls the wrapper
//! on a tracked value (a client, a value a workspace function returns, a field), so
//! one that calls it on another value keeps the wrapper unproved too (its requests
//! stay reported); and a caller body counts when every call of the wrapper's name it
//! makes on such values is bounded.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::Expr;

use super::callgraph::CallGraph;
use super::collect::type_path_last;
use super::verdict::Req;
use super::Visitor;
use crate::extract::rust::facts::{ArgSource, CallFact};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::FileFacts;

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// A parameter type that is a request to send (`Request<T>`, `&Request<T>`): a call
/// passing the parameter sends what the function's caller made.
pub(super) fn is_request_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_request_type(&r.elem),
        syn::Type::Path(_) => type_path_last(ty).is_some_and(|l| l == "Request"),
        _ => false,
    }
}

impl Visitor<'_, '_> {
    /// Whether a function's value `e` (its tail) is a request it set a timeout on:
    /// a variable a request-timeout method was called on (`r.set_timeout(d); r`),
    /// plainly or in `Ok(..)`.
    pub(super) fn returns_bounded_request(&self, e: &Expr) -> bool {
        let e = match e {
            Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                Expr::Path(p) if p.path.is_ident("Ok") => &c.args[0],
                _ => return false,
            },
            e => e,
        };
        let Expr::Path(p) = e else { return false };
        let Some(var) = p.path.get_ident() else {
            return false;
        };
        let scope = self.scopes.last();
        with_ident_str(var, |v| {
            scope.is_some_and(|s| s.var_methods.get(v).is_some_and(|m| !m.is_empty()))
        })
    }
}

/// The keys of the run's functions that return a request they bounded, when some
/// file has one.
pub(super) fn request_makers(files: &[&[PackageFile]]) -> HashSet<String> {
    (files.iter().flat_map(|p| p.iter()))
        .flat_map(|(_, f)| f.request_makers.iter().cloned())
        .collect()
}

/// Whether a call hands on a bounded request: one a maker made, or a variable a
/// request-timeout method was called on (`req.set_timeout(d); w.create_task(req)`).
pub(super) fn hands_bounded(call: &CallFact, makers: &HashSet<String>) -> bool {
    !call.arg_methods.is_empty() || made_by(call, makers).is_some()
}

/// The maker of a request the call passes, if one made it.
pub(super) fn made_by<'a>(call: &'a CallFact, makers: &HashSet<String>) -> Option<&'a str> {
    call.arg_sources.iter().find_map(|s| match s {
        ArgSource::Made(k) if makers.contains(k.as_str()) => Some(k.as_str()),
        _ => None,
    })
}

/// Per package (of `files.len()` many): the names of its functions whose every
/// caller hands them a bounded request, each with why. Asked only when some file
/// passes a request parameter on ([`FileFacts::param_requests`]). `reach[k * n + j]`:
/// package `k` may call into package `j`.
pub(super) fn handed_functions(
    graph: &CallGraph,
    files: &[&[PackageFile]],
    reach: &[bool],
) -> Vec<HashMap<String, String>> {
    let makers = request_makers(files);
    // Per package, per calling function: the names of the calls it makes on tracked
    // values, each with whether every such call of the name hands a bounded request.
    let mut by_caller: Vec<HashMap<&str, HashMap<&str, bool>>> =
        vec![HashMap::default(); files.len()];
    for (j, package) in files.iter().enumerate() {
        let calls = (package.iter().flat_map(|(_, f)| &f.handles))
            .flat_map(|h| h.chains.get().iter())
            .flat_map(|c| &c.calls);
        for call in calls {
            let Some(in_fn) = call.in_fn.as_deref() else {
                continue;
            };
            let bounded = hands_bounded(call, &makers);
            let names = by_caller[j].entry(in_fn).or_default();
            *names.entry(call.name.as_str()).or_insert(true) &= bounded;
        }
    }
    let entries: Vec<Vec<(&str, Vec<&str>)>> = (by_caller.iter())
        .map(|callers| {
            (callers.iter())
                .map(|(key, names)| {
                    let bounded = names.iter().filter(|(_, b)| **b).map(|(n, _)| *n);
                    (*key, bounded.collect::<Vec<_>>())
                })
                .filter(|(_, names)| !names.is_empty())
                .collect()
        })
        .collect();
    let n = files.len();
    // A caller counts when its package may call into the body's and it passes as
    // many arguments as the body takes (`create_task(req)` is no call of a task
    // manager's `create_task(task, option)`; a wrapper called with its `self` as
    // well, `TaskClient::create_task(&c, req)`, is taken for another function).
    let counts = |c: usize, b: usize| {
        let (caller, callee) = (graph.bodies[c], graph.bodies[b]);
        graph.may_call(reach, n, c, b)
            && (caller.1.evidence().arg_counts(&callee.1.name))
                .is_none_or(|a| callee.1.takes_exactly(a))
    };
    graph.run_only_from_where(&entries, &counts, |root| {
        format!("every caller hands it a request with its own timeout: `{root}` makes the request it passes on bounded")
    })
}

/// The functions every caller hands a bounded request (by name, with why) and the
/// functions that make one ([`super::handed`]).
/// The third set: the run's functions that send a request-builder parameter only with
/// a timeout, by [`super::senders::sender_key`].
pub(super) type Handed<'a> = (
    &'a HashMap<String, String>,
    &'a HashSet<String>,
    &'a HashSet<String>,
);

/// Why the request `r` sends is bounded out of sight, if it is: a maker made it, the
/// function it is handed to sends it with a timeout, or its function's every caller
/// hands it a bounded one.
pub(super) fn handed_bound(r: &Req, (by_callers, makers, senders): Handed) -> Option<String> {
    if let Some(k) = r.made.as_deref().filter(|k| makers.contains(*k)) {
        return Some(format!(
            "its request is made by `{k}`, which sets a timeout on it"
        ));
    }
    if let Some(to) = Some(&r.handed_to).filter(|to| !to.is_empty()) {
        if to
            .iter()
            .all(|(f, i)| senders.contains(&super::senders::sender_key(f, *i)))
        {
            let f = &to[0].0;
            return Some(format!(
                "its request is handed to `{f}`, which sends it with a timeout"
            ));
        }
    }
    let f = r
        .in_fn
        .as_deref()
        .filter(|_| r.handed)
        .and_then(super::link_key::fn_name)?;
    by_callers.get(f).cloned()
}

#[cfg(test)]
mod tests {
    use super::is_request_type;

    fn request(ty: &str) -> bool {
        is_request_type(&syn::parse_str(ty).expect("a type"))
    }

    #[test]
    fn a_request_parameter_is_one_of_request_type() {
        assert!(request("Request<CreateTaskRequest>"));
        assert!(request("tonic::Request<T>"));
        assert!(request("&Request<()>"));
        assert!(!request("CreateTaskRequest"));
        assert!(!request("RequestBuilder"));
        assert!(!request("String"));
    }
}
