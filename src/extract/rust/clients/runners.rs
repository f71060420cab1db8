//! Periodic runners: a function whose periodic loop calls one of its own parameters
//! (`loop { interval.tick().await; exec().await }`) runs whatever closure it is given
//! once per period, so the calls inside a closure handed to it are periodic positions
//! of the function handing it over (docs.rs's `start_async_cron(name, period, move ||
//! async move { updater.update_all_crates().await })`). A function that forwards such
//! a parameter to a runner is one too (`start_async_cron` hands `exec` to
//! `start_async_cron_in_runtime`), across files and packages.
//!
//! Per file only two small facts are kept, since whether a callee is a runner is known
//! only once the whole run is read: the functions with `Fn`-bound parameters ([`Runner`])
//! and the closures passed to calls ([`ClosureArgs`]). They are resolved when the run
//! is linked ([`periodic_positions`]), callees matched by last name as the call graph
//! matches them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};
use syn::visit::{self, Visit};
use syn::{Expr, FnArg, GenericParam, Pat, Type, TypeParamBound, WherePredicate};

use super::callgraph::CallGraph;
use super::periodic::{call_counts, periodic_only};
use crate::extract::rust::FileFacts;

/// A function with `Fn`/`FnMut`/`FnOnce` parameters: which it calls only in periodic
/// positions, and which it hands on to other calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Runner {
    /// The function's last name (`start_async_cron`).
    pub name: String,
    /// Indices (`self` not counted) of its `Fn` parameters it calls, and calls only
    /// from periodic loops.
    pub paced: Vec<usize>,
    /// Its `Fn` parameters it passes on: (callee's last name, argument index,
    /// parameter index). Only calls written as function calls.
    pub forwards: Vec<(String, usize, usize)>,
    /// Indices of its `Fn` parameters it calls outside periodic loops, or passes to a
    /// method: never a runner's.
    pub other: Vec<usize>,
}

/// The closures a function passes to calls written as function calls
/// (`start_async_cron(name, d, move || ..)`), each with the names called inside it
/// that the function calls nowhere but in such closures, and there not inside a
/// nested loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClosureArgs {
    /// The function's link key.
    pub key: String,
    /// (callee's last name, argument index, names).
    pub args: Vec<(String, usize, Vec<String>)>,
}

/// [`super::Visitor::paced`] bit: the function passes a closure to a call.
pub(super) const HAS_CLOSURE_ARG: u8 = 8;

/// A closure passed to a function call: asked of every call, so no allocation.
pub(super) fn has_closure_arg(c: &syn::ExprCall) -> bool {
    c.args.iter().any(|a| matches!(a, Expr::Closure(_)))
}

/// The `Fn`-bound parameters of a signature: (index, `self` not counted; name).
fn fn_params(sig: &syn::Signature) -> Vec<(usize, String)> {
    let bound = |b: &TypeParamBound| match b {
        TypeParamBound::Trait(t) => t
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Fn" || s.ident == "FnMut" || s.ident == "FnOnce"),
        _ => false,
    };
    let mut generic: HashSet<String> = HashSet::default();
    for p in &sig.generics.params {
        if let GenericParam::Type(t) = p {
            if t.bounds.iter().any(bound) {
                generic.insert(t.ident.to_string());
            }
        }
    }
    for w in sig.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let WherePredicate::Type(t) = w {
            if let (Type::Path(p), true) = (&t.bounded_ty, t.bounds.iter().any(bound)) {
                if let Some(id) = p.path.get_ident() {
                    generic.insert(id.to_string());
                }
            }
        }
    }
    let typed = sig.inputs.iter().filter_map(|a| match a {
        FnArg::Typed(t) => Some(t),
        FnArg::Receiver(_) => None,
    });
    let mut out = Vec::new();
    for (i, t) in typed.enumerate() {
        let is_fn = match &*t.ty {
            Type::ImplTrait(it) => it.bounds.iter().any(bound),
            Type::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|id| generic.contains(&id.to_string())),
            _ => false,
        };
        if let (true, Pat::Ident(p)) = (is_fn, &*t.pat) {
            out.push((i, p.ident.to_string()));
        }
    }
    out
}

/// A function's [`Runner`] fact, when it has `Fn` parameters.
pub(super) fn runner(sig: &syn::Signature, block: &syn::Block) -> Option<Runner> {
    if sig.generics.params.is_empty()
        && !sig
            .inputs
            .iter()
            .any(|a| matches!(a, FnArg::Typed(t) if matches!(&*t.ty, Type::ImplTrait(_))))
    {
        return None;
    }
    let params = fn_params(sig);
    if params.is_empty() {
        return None;
    }
    let periodic = periodic_only(block);
    let all = call_counts(block);
    let mut uses = Uses {
        params: &params,
        forwards: Vec::new(),
        method: Vec::new(),
    };
    uses.visit_block(block);
    let mut r = Runner {
        name: sig.ident.to_string(),
        forwards: uses.forwards,
        ..Runner::default()
    };
    for (i, p) in &params {
        let called = all.contains_key(p.as_str());
        match (called, periodic.iter().any(|n| n == p)) {
            (true, true) => r.paced.push(*i),
            (true, false) => r.other.push(*i),
            _ => {}
        }
        if uses.method.contains(i) && !r.other.contains(i) {
            r.other.push(*i);
        }
    }
    Some(r)
}

/// Where a function hands its `Fn` parameters on.
struct Uses<'p> {
    params: &'p [(usize, String)],
    forwards: Vec<(String, usize, usize)>,
    /// Parameters passed to a method call (not followed).
    method: Vec<usize>,
}

impl Uses<'_> {
    fn param(&self, e: &Expr) -> Option<usize> {
        let e = match e {
            Expr::Reference(r) => &*r.expr,
            e => e,
        };
        let Expr::Path(p) = e else { return None };
        let id = p.path.get_ident()?;
        self.params.iter().find(|(_, n)| id == n).map(|(i, _)| *i)
    }
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                for (a, arg) in c.args.iter().enumerate() {
                    if let Some(i) = self.param(arg) {
                        self.forwards.push((last.ident.to_string(), a, i));
                    }
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        for arg in &m.args {
            if let Some(i) = self.param(arg) {
                self.method.push(i);
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The closures a function body passes to function calls, with the names each calls
/// that the body calls nowhere else ([`ClosureArgs`]).
pub(super) fn closure_args(key: &str, block: &syn::Block) -> Option<ClosureArgs> {
    let mut found = Found::default();
    found.visit_block(block);
    if found.args.is_empty() {
        return None;
    }
    let all = call_counts(block);
    // Per name: its calls inside the closures, in their periodic positions.
    let mut inside: HashMap<&str, u32> = HashMap::default();
    for (_, _, counts) in &found.args {
        for (n, c) in counts {
            *inside.entry(n.as_str()).or_default() += c;
        }
    }
    let args: Vec<(String, usize, Vec<String>)> = found
        .args
        .iter()
        .map(|(callee, a, counts)| {
            let mut names: Vec<String> = counts
                .keys()
                .filter(|n| all.get(n.as_str()) == inside.get(n.as_str()))
                .cloned()
                .collect();
            names.sort_unstable();
            (callee.clone(), *a, names)
        })
        .filter(|(_, _, names)| !names.is_empty())
        .collect();
    (!args.is_empty()).then(|| ClosureArgs {
        key: key.to_string(),
        args,
    })
}

#[derive(Default)]
struct Found {
    /// (callee's last name, argument index, periodic call counts inside).
    args: Vec<(String, usize, HashMap<String, u32>)>,
}

impl<'ast> Visit<'ast> for Found {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let callee = match &*c.func {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let Some(callee) = callee.filter(|_| has_closure_arg(c)) else {
            visit::visit_expr_call(self, c);
            return;
        };
        for (a, arg) in c.args.iter().enumerate() {
            match arg {
                // Its body as a periodic loop's: a loop inside runs per item.
                Expr::Closure(cl) => {
                    let counts = super::periodic::periodic_counts(&cl.body);
                    self.args.push((callee.clone(), a, counts));
                }
                other => self.visit_expr(other),
            }
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Per package (of `files.len()` many): (function key, names it calls only inside
/// closures it hands to periodic runners), resolved over the run: a runner is a
/// function that calls an `Fn` parameter only from periodic loops, or hands it only
/// to runners (by last name: every function of that name must be one, at that
/// argument).
pub(super) fn periodic_positions<'f>(
    graph: &CallGraph,
    files: &[&'f [(usize, FileFacts)]],
) -> Vec<Vec<(&'f str, Vec<&'f str>)>> {
    let facts = || {
        files
            .iter()
            .flat_map(|p| p.iter())
            .flat_map(|(_, f)| &f.runners)
    };
    // Per name: how many bodies of the run have it.
    let mut bodies: HashMap<&str, usize> = HashMap::default();
    for (_, info) in &graph.bodies {
        *bodies.entry(info.name.as_str()).or_default() += 1;
    }
    let runners: Vec<&Runner> = facts().collect();
    // (fact, parameter): the parameter runs periodically.
    let mut paced: HashSet<(usize, usize)> = HashSet::default();
    let runner_at = |paced: &HashSet<(usize, usize)>, name: &str, a: usize| {
        let n = (runners.iter().enumerate())
            .filter(|(k, r)| r.name == name && paced.contains(&(*k, a)))
            .count();
        n > 0 && bodies.get(name) == Some(&n)
    };
    // A parameter runs periodically when every use does: it is called only from
    // periodic loops, and handed only to runners. Until nothing changes: forwarding
    // chains.
    let mut changed = true;
    while changed {
        changed = false;
        for (k, r) in runners.iter().enumerate() {
            for i in r.paced.iter().chain(r.forwards.iter().map(|(_, _, i)| i)) {
                if paced.contains(&(k, *i)) || r.other.contains(i) {
                    continue;
                }
                let mut fwd = r.forwards.iter().filter(|(_, _, p)| p == i);
                if fwd.all(|(callee, a, _)| runner_at(&paced, callee, *a)) {
                    paced.insert((k, *i));
                    changed = true;
                }
            }
        }
    }
    let runs = |callee: &str, a: usize| runner_at(&paced, callee, a);
    files
        .iter()
        .map(|p| {
            p.iter()
                .flat_map(|(_, f)| &f.closure_args)
                .filter_map(|c| {
                    let (yes, no): (Vec<_>, Vec<_>) =
                        c.args.iter().partition(|(callee, a, _)| runs(callee, *a));
                    let not: HashSet<&str> = no
                        .iter()
                        .flat_map(|(_, _, n)| n.iter().map(String::as_str))
                        .collect();
                    let mut names: Vec<&str> = yes
                        .iter()
                        .flat_map(|(_, _, n)| n.iter().map(String::as_str))
                        .filter(|n| !not.contains(n))
                        .collect();
                    names.sort_unstable();
                    names.dedup();
                    (!names.is_empty()).then_some((c.key.as_str(), names))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{closure_args, runner};

    fn item(src: &str) -> syn::ItemFn {
        syn::parse_str(src).expect("parses")
    }

    #[test]
    fn a_loop_calling_its_fn_parameter_is_a_runner() {
        let f = item(
            "fn cron<F: Fn() -> Fut, Fut>(d: Duration, exec: F) { \
             tokio::spawn(async move { let mut i = interval(d); loop { i.tick().await; exec().await; } }); }",
        );
        let r = runner(&f.sig, &f.block).expect("has an Fn parameter");
        assert_eq!((r.paced, r.other), (vec![1], vec![]));
        // Forwarded, `where` bound.
        let f =
            item("fn start<F>(d: Duration, exec: F) where F: Fn() -> Fut { run(&rt(), d, exec) }");
        let r = runner(&f.sig, &f.block).expect("has an Fn parameter");
        assert_eq!(r.forwards, [("run".to_string(), 2, 1)]);
        // Per item, or outside any loop: not periodic.
        let f = item("fn each(items: Vec<u8>, f: impl Fn(u8)) { loop { sleep(D).await; for i in &items { f(*i) } } }");
        let r = runner(&f.sig, &f.block).expect("has an Fn parameter");
        assert_eq!((r.paced, r.other), (vec![], vec![1]));
        assert!(runner(
            &item("fn plain(d: Duration) {}").sig,
            &item("fn plain(d: Duration) {}").block
        )
        .is_none());
    }

    #[test]
    fn closure_names_are_those_called_only_inside_closures() {
        let f = item(
            "fn start(u: U) { cron(D, move || { let u = u.clone(); async move { u.update_all().await } }); u.clone(); }",
        );
        let c = closure_args("start", &f.block).expect("a closure argument");
        assert_eq!(
            c.args,
            [("cron".to_string(), 1, vec!["update_all".to_string()])]
        );
        let f = item("fn start(u: U) { cron(D, move || u.update_all()); u.update_all(); }");
        assert!(closure_args("start", &f.block).is_none());
    }
}
