//! Detached tasks: a call made only in a spawned task whose handle is dropped
//! (`tokio::spawn(async move { telemetry::send(ev).await });`, `let _ =
//! tokio::spawn(..)`) has no caller waiting on its outcome, so a failing dependency
//! ties up no one a breaker would free: the breaker rule leaves what only such tasks
//! reach ([`detached_functions`], across the workspace's call graph, as periodic
//! loops are). The timeout rule still judges the client: a hung detached task is a
//! leak of its own.
//!
//! Only what is sound is taken: a call of a free `spawn` or `spawn_local` path
//! (`tokio::spawn`, `tokio::task::spawn`, `std::thread::spawn`, a bare `spawn`) as a
//! statement of its own, its result dropped by `;` or bound to `_`. A handle kept,
//! returned, awaited or pushed somewhere is joined by someone; a method `spawn`
//! (`set.spawn(..)` on a `JoinSet`, `rt.spawn(..)`) is not taken, since a set is
//! joined later. Inside the spawned task, a loop calls per item and waits on each
//! (a worker, a consumer): its calls are not detached. A task spawned inside a loop
//! or a closure is not taken either: that is a server's task per accepted connection
//! or a consumer's per message (`loop { let s = l.accept().await?; tokio::spawn(serve(s)); }`),
//! whose outcome a peer waits on. A task that sends its outcome on a channel
//! (`tx.send(result).await`) is waited on by the channel's reader: not taken. Known
//! limit: a function that spawns one task and is itself called per connection from a
//! loop elsewhere is taken for detached.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

use super::callgraph::CallGraph;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::macros;
use crate::extract::rust::FileFacts;

/// The spawned future of a statement that spawns a task and drops its handle.
pub(super) fn dropped_spawn(st: &Stmt) -> Option<&Expr> {
    let call = match st {
        Stmt::Expr(e, Some(_)) => e,
        Stmt::Local(l) if matches!(l.pat, syn::Pat::Wild(_)) => &*l.init.as_ref()?.expr,
        _ => return None,
    };
    let Expr::Call(c) = call else {
        return None;
    };
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let last = p.path.segments.last()?;
    let spawn = last.ident == "spawn" || last.ident == "spawn_local";
    (spawn && c.args.len() == 1).then(|| &c.args[0])
}

/// Whether a spawned task hands its outcome to a channel (`tx.send(message).await`,
/// one argument, on a variable or a field: not reqwest's argument-less `send()`):
/// whoever reads the channel waits on the task (arroyo's connection test streams the
/// spawned check's result to the user), so it is not detached.
fn reports_back(task: &Expr) -> bool {
    #[derive(Default)]
    struct Sends(bool);
    impl<'a> Visit<'a> for Sends {
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let channel = with_ident_str(&m.method, |n| {
                matches!(n, "send" | "try_send" | "blocking_send" | "unbounded_send")
            });
            let holder = matches!(&*m.receiver, Expr::Path(_) | Expr::Field(_));
            self.0 |= channel && holder && m.args.len() == 1;
            visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut sends = Sends::default();
    sends.visit_expr(task);
    sends.0
}

/// The names `block` calls only inside detached tasks, sorted.
pub(super) fn detached_only(block: &syn::Block) -> Vec<String> {
    let mut calls = Calls::default();
    calls.visit_block(block);
    let mut out: Vec<String> = calls
        .detached
        .into_iter()
        .filter(|(name, n)| calls.all.get(name) == Some(n))
        .map(|(name, _)| name)
        .collect();
    out.sort_unstable();
    out
}

#[derive(Default)]
struct Calls {
    /// Depth of detached tasks around the expression being walked (0 in a loop).
    depth: u32,
    /// Depth of loops and closures around it: a task spawned there is one per item.
    repeated: u32,
    /// Every call by name, with how many times it is made.
    all: HashMap<String, u32>,
    /// The calls made inside detached tasks.
    detached: HashMap<String, u32>,
}

impl Calls {
    fn record(&mut self, name: String) {
        if self.depth > 0 {
            *self.detached.entry(name.clone()).or_default() += 1;
        }
        *self.all.entry(name).or_default() += 1;
    }

    /// A loop's body: a loop waits on each of its calls before the next item, and a
    /// task it spawns is one per item.
    fn in_loop(&mut self, body: &syn::Block) {
        let saved = std::mem::replace(&mut self.depth, 0);
        self.repeated += 1;
        self.visit_block(body);
        self.repeated -= 1;
        self.depth = saved;
    }
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_stmt(&mut self, st: &'ast Stmt) {
        let spawned = dropped_spawn(st).filter(|t| self.repeated == 0 && !reports_back(t));
        match spawned {
            Some(task) => {
                self.record("spawn".to_string());
                self.depth += 1;
                self.visit_expr(task);
                self.depth -= 1;
            }
            None => visit::visit_stmt(self, st),
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.record(m.method.to_string());
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                self.record(last.ident.to_string());
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.in_loop(&l.body);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.in_loop(&f.body);
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        let saved = std::mem::replace(&mut self.depth, 0);
        self.visit_expr(&w.cond);
        self.depth = saved;
        self.in_loop(&w.body);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(macros::Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            // Unparsed: every `name(` in it is taken for a call made outside any
            // detached task, so a name it calls is never taken for detached only.
            None => {
                let saved = std::mem::replace(&mut self.depth, 0);
                macros::token_calls(m)
                    .iter()
                    .for_each(|n| self.record(n.clone()));
                self.depth = saved;
            }
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.repeated += 1;
        visit::visit_expr_closure(self, c);
        self.repeated -= 1;
    }

    // A nested function is a function of its own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Per package (of `packages` many): the names of its functions only detached tasks
/// run (called by name only inside such tasks, or from functions only they run),
/// each with why.
pub(super) fn detached_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
) -> Vec<HashMap<String, String>> {
    // A function spawned and detached that loops (`tokio::spawn(db_writer(rx))`,
    // whose body is `loop { .. rx.recv() .. }`) is a worker: what it calls holds
    // the work queued behind it, so it is no best-effort call.
    // By name across the run: the task may spawn a function of another package.
    let looping: HashSet<&str> = (files.iter().flat_map(|p| p.iter()))
        .flat_map(|(_, f)| &f.looping)
        .map(|k| k.rsplit("::").next().unwrap_or(k))
        .collect();
    let entries: Vec<Vec<(&str, Vec<&str>)>> = files
        .iter()
        .map(|package| {
            (package.iter().flat_map(|(_, f)| &f.detached))
                .map(|(key, names)| {
                    let names = names.iter().map(String::as_str);
                    (
                        key.as_str(),
                        names.filter(|n| !looping.contains(n)).collect(),
                    )
                })
                .collect()
        })
        .collect();
    graph.run_only_from_entries(&entries, &|_| false, |root| {
        format!(
            "runs only in a task `{root}` spawns and detaches (its handle dropped): no caller waits on the outcome"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::detached_only;

    fn names(body: &str) -> Vec<String> {
        let f: syn::ItemFn = syn::parse_str(&format!("async fn f() {{ {body} }}")).expect("parses");
        detached_only(&f.block)
    }

    #[test]
    fn a_dropped_spawn_detaches_its_calls() {
        assert_eq!(
            names("tokio::spawn(async move { track(ev).await; });"),
            ["track"]
        );
        assert_eq!(
            names("let _ = tokio::task::spawn(async move { track(ev).await });"),
            ["track"]
        );
        assert_eq!(names("spawn(report(ev));"), ["report"]);
        assert_eq!(
            names("std::thread::spawn(move || { send(ev); });"),
            ["send"]
        );
    }

    #[test]
    fn joined_handles_loops_and_other_calls_are_not_detached() {
        assert!(names("tokio::spawn(async move { track(ev).await }).await?;").is_empty());
        assert!(
            names("let h = tokio::spawn(async move { track(ev).await }); h.await?;").is_empty()
        );
        assert!(names("handles.push(tokio::spawn(track(ev)));").is_empty());
        assert!(names("set.spawn(async move { track(ev).await });").is_empty());
        // A worker in a detached task waits on each item's call.
        assert!(names("tokio::spawn(async move { while let Some(m) = rx.recv().await { deliver(m).await; } });").is_empty());
        assert!(names("tokio::spawn(async move { loop { deliver().await; } });").is_empty());
        // Called outside the task too.
        assert!(names("track(a).await; tokio::spawn(track(b));").is_empty());
        // A task per connection or per message: a peer waits on it.
        assert!(names(
            "loop { let (s, _) = l.accept().await?; tokio::spawn(async move { serve(s).await }); }"
        )
        .is_empty());
        assert!(
            names("while let Some(m) = rx.recv().await { tokio::spawn(process(m)); }").is_empty()
        );
        assert!(names("incoming.for_each(|c| { tokio::spawn(serve(c)); });").is_empty());
        // A task that sends its outcome on a channel: the reader waits on it.
        assert!(names(
            "tokio::spawn(async move { let r = check(p).await; tx.send(r).await.unwrap(); });"
        )
        .is_empty());
        assert_eq!(
            names("tokio::spawn(async move { http.post(u).send().await.ok(); });"),
            ["ok", "post", "send"],
            "a request's argument-less `send()` is no channel"
        );
    }
}
