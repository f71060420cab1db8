//! Timeouts set by a caller: a request made in a function that runs only inside a
//! timeout wrapper, however many calls up and in whatever package, is bounded by it
//! (corrosion's consul sync calls `consul.agent_services()` only inside
//! `tokio::time::timeout(5 s, ..)`; the `consul-client` library's `agent_services`
//! sends through its `request()`: both run only under that deadline).
//!
//! Per body, the file visit records the names it calls only inside the arguments of
//! a catalogued timeout wrapper (`timeout(d, fut)`, [`timed_only`]), and a future
//! bound by `let` and then handed to one (`let fut = sync(); timeout(d, fut)`). The
//! workspace's call graph then finds the functions only such positions run
//! ([`timed_functions`], as periodic loops and detached tasks are found): every
//! caller by name (in a package that may call into theirs) calls them under a wrapper
//! or runs only under one itself.
//!
//! A task spawned inside the wrapper (`tokio::spawn(..)`, `std::thread::spawn(..)`)
//! outlives it: its calls are not taken. Known limits: callers by name, so a function also handed on as
//! a value (`.map(fetch)`) is taken on its named callers alone; a wrapper whose
//! deadline is very long (ten minutes) counts like any other.

use proc_macro2::LineColumn;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

use super::callgraph::CallGraph;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::macros;
use crate::extract::rust::FileFacts;

/// [`super::Visitor::paced`] bit: the function calls a timeout wrapper.
pub(super) const HAS_TIMEOUT: u8 = 16;

/// The names `block` calls only inside timeout wrappers, sorted. `wrappers`: where
/// the calls of catalogued wrappers start (the file visit resolved their paths).
pub(super) fn timed_only(block: &syn::Block, wrappers: &[LineColumn]) -> Vec<String> {
    let mut handed = Handed {
        wrappers,
        names: HashSet::default(),
    };
    handed.visit_block(block);
    let mut calls = Calls {
        wrappers,
        handed: handed.names,
        depth: 0,
        all: HashMap::default(),
        timed: HashMap::default(),
    };
    calls.visit_block(block);
    let mut out: Vec<String> = (calls.timed.into_iter())
        .filter(|(name, n)| calls.all.get(name) == Some(n))
        .map(|(name, _)| name)
        .collect();
    out.sort_unstable();
    out
}

/// Variables handed as a whole argument to a wrapper (`timeout(d, fut)`): a `let`
/// binding one of them makes its calls under the wrapper.
struct Handed<'w> {
    wrappers: &'w [LineColumn],
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for Handed<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if self.wrappers.contains(&c.paren_token.span.open().start()) {
            for a in &c.args {
                if let Expr::Path(p) = a {
                    if let Some(i) = p.path.get_ident() {
                        self.names.insert(i.to_string());
                    }
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(macros::Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            None => {}
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

struct Calls<'w> {
    wrappers: &'w [LineColumn],
    handed: HashSet<String>,
    /// Depth of wrappers around the expression being walked (0 in a spawned task).
    depth: u32,
    /// Every call by name, with how many times it is made.
    all: HashMap<String, u32>,
    /// The calls made inside wrappers.
    timed: HashMap<String, u32>,
}

impl Calls<'_> {
    fn record(&mut self, name: String) {
        if self.depth > 0 {
            *self.timed.entry(name.clone()).or_default() += 1;
        }
        *self.all.entry(name).or_default() += 1;
    }

    fn under(&mut self, depth: u32, walk: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.depth, depth);
        walk(self);
        self.depth = saved;
    }
}

/// A free `spawn` call (`tokio::spawn`, `tokio::task::spawn_blocking`,
/// `std::thread::spawn`): the task it starts outlives a wrapper around it.
fn spawns(c: &syn::ExprCall) -> bool {
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    (p.path.segments.last()).is_some_and(|s| with_ident_str(&s.ident, |n| n.starts_with("spawn")))
}

impl<'ast> Visit<'ast> for Calls<'_> {
    fn visit_stmt(&mut self, st: &'ast Stmt) {
        let bound = match st {
            Stmt::Local(l) => match (&l.pat, &l.init) {
                (syn::Pat::Ident(i), Some(init)) if self.handed.contains(&i.ident.to_string()) => {
                    Some(&init.expr)
                }
                _ => None,
            },
            _ => None,
        };
        match bound {
            Some(init) => {
                let depth = self.depth + 1;
                self.under(depth, |s| s.visit_expr(init));
            }
            None => visit::visit_stmt(self, st),
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.record(m.method.to_string());
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let depth = if spawns(c) {
            0
        } else if self.wrappers.contains(&c.paren_token.span.open().start()) {
            self.depth + 1
        } else {
            self.depth
        };
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                // A spawn is no call made under the wrapper: what it starts is not.
                let own = if depth == 0 { 0 } else { self.depth };
                self.under(own, |s| s.record(last.ident.to_string()));
            }
        }
        self.visit_expr(&c.func);
        self.under(depth, |s| c.args.iter().for_each(|a| s.visit_expr(a)));
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(macros::Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            // Unparsed: every `name(` in it is taken for a call made outside any
            // wrapper, so a name it calls is never taken for timed only.
            None => self.under(0, |s| {
                macros::token_calls(m)
                    .iter()
                    .for_each(|n| s.record(n.clone()))
            }),
        }
    }

    // A nested function is a function of its own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Per package (of `files.len()` many): the names of its functions only timeout
/// wrappers run (called by name only inside one, or from functions only they run),
/// each with why. `reach[k * n + j]`: package `k` may call into package `j` (a caller
/// elsewhere is no caller). A one-shot tool's call counts like any other: its wrapper
/// bounds what it reaches, and its bare call keeps a function out.
pub(super) fn timed_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
    reach: &[bool],
) -> Vec<HashMap<String, String>> {
    let entries: Vec<Vec<(&str, Vec<&str>)>> = files
        .iter()
        .map(|package| {
            (package.iter().flat_map(|(_, f)| &f.timed))
                .map(|(key, names)| (key.as_str(), names.iter().map(String::as_str).collect()))
                .collect()
        })
        .collect();
    let n = files.len();
    let counts = |c: usize, b: usize| graph.may_call(reach, n, c, b);
    graph.run_only_from_where(&entries, &counts, |root| {
        format!("its requests run only under a timeout wrapper: `{root}` makes the call that reaches them inside `timeout(..)`")
    })
}

#[cfg(test)]
mod tests {
    use super::timed_only;

    /// The names `body` calls only inside `timeout(..)` (every call of that name
    /// taken for the catalogued wrapper).
    fn names(body: &str) -> Vec<String> {
        let f: syn::ItemFn = syn::parse_str(&format!("async fn f() {{ {body} }}")).expect("parses");
        struct Starts(Vec<proc_macro2::LineColumn>);
        impl<'a> syn::visit::Visit<'a> for Starts {
            fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    if p.path.segments.last().is_some_and(|s| s.ident == "timeout") {
                        self.0.push(c.paren_token.span.open().start());
                    }
                }
                syn::visit::visit_expr_call(self, c);
            }
        }
        let mut starts = Starts(Vec::new());
        syn::visit::Visit::visit_item_fn(&mut starts, &f);
        timed_only(&f.block, &starts.0)
    }

    #[test]
    fn calls_inside_a_wrapper_are_timed() {
        assert_eq!(
            names("let r = timeout(d, consul.agent_services()).await;"),
            ["agent_services"]
        );
        assert_eq!(
            names("tokio::time::timeout(d, async { sync(c).await }).await?;"),
            ["sync"]
        );
        assert_eq!(
            names("let fut = refresh(c); let r = timeout(d, fut).await;"),
            ["refresh"]
        );
    }

    #[test]
    fn calls_outside_a_wrapper_or_in_a_spawned_task_are_not() {
        assert!(names("sync(c).await; timeout(d, sync(c)).await;").is_empty());
        assert!(names("timeout(d, async { tokio::spawn(sync(c)); }).await;").is_empty());
        assert!(names("let fut = refresh(c); fut.await;").is_empty());
        assert!(names("fetch(u).await?;").is_empty());
    }
}
