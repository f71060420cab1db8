//! Periodic tasks: the functions a body calls only from a loop that waits out a
//! period each time round make one call per period, which cannot pile up on a failing
//! dependency; the breaker rule leaves what only such loops reach
//! ([`periodic_functions`], across the workspace's call graph).
//!
//! A loop is periodic when it runs for the life of its task and each iteration waits
//! for its period: a `loop` or a `while` whose condition awaits nothing (a `while let
//! Some(m) = rx.recv().await` consumer is no periodic task), with among the body's own
//! statements an awaited pacing call (`interval.tick().await`, `sleep(period).await`,
//! `std::thread::sleep(period)`) or a `select!` with a pacing branch, and with no
//! `break` or `return` of its own (a loop that stops on success is a retry or a poll,
//! whose caller waits for it; a `break` in another branch of the pacing `select!` is a
//! stop signal). A sleep inside an `if` or `match` (an error path's back-off) does not
//! pace the loop. In a pacing `select!` the pacing branch's body is periodic; the rest
//! of the loop is too only when the other branches do nothing or stop (atuin's sync
//! loop also syncs on a command, which is not periodic). A loop nested in a periodic
//! loop calls per item within a period (openobserve's reaper handles each dead-lettered
//! row): its calls are not periodic. Only functions with a loop
//! and a pacing call are walked ([`super::Visitor::note_pacing`]).

use rustc_hash::FxHashMap as HashMap;
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

use super::callgraph::CallGraph;
use crate::extract::rust::front::macros::{self, SelectBranch as Branch};
use crate::extract::rust::FileFacts;

/// The names `block` calls only from periodic positions, sorted.
pub(super) fn periodic_only(block: &syn::Block) -> Vec<String> {
    let mut calls = Calls::default();
    calls.visit_block(block);
    let mut out: Vec<String> = calls
        .periodic
        .into_iter()
        .filter(|(name, n)| calls.all.get(name) == Some(n))
        .map(|(name, _)| name)
        .collect();
    out.sort_unstable();
    out
}

/// Every name `block` calls, with how many times ([`Calls`] counts them: macros
/// reparsed, nested functions skipped).
pub(super) fn call_counts(block: &syn::Block) -> HashMap<String, u32> {
    let mut calls = Calls::default();
    calls.visit_block(block);
    calls.all
}

/// The names `body` calls from periodic positions when `body` itself runs once per
/// period (a closure a periodic runner calls): a loop inside it runs per item.
pub(super) fn periodic_counts(body: &Expr) -> HashMap<String, u32> {
    let mut calls = Calls {
        depth: 1,
        ..Calls::default()
    };
    calls.visit_expr(body);
    calls.periodic
}

/// A name that may pace a loop (`tick`, `sleep`): a cheap test before
/// [`periodic_only`] walks the body again. Compared in place: it is asked of every
/// call expression of every body.
fn is_pacing_name(name: &proc_macro2::Ident) -> bool {
    name == "tick" || name == "sleep" || name == "sleep_until"
}

#[derive(Default)]
struct Calls {
    /// Depth of periodic positions around the expression being walked.
    depth: u32,
    /// Every call by name, with how many times it is made.
    all: HashMap<String, u32>,
    /// The calls made in periodic positions.
    periodic: HashMap<String, u32>,
}

impl Calls {
    fn record(&mut self, name: String) {
        if self.depth > 0 {
            *self.periodic.entry(name.clone()).or_default() += 1;
        }
        *self.all.entry(name).or_default() += 1;
    }

    /// Walks a loop body; `may_pace`: the loop runs for the life of its task unless
    /// its body leaves it (no consumer's `while let`).
    fn loop_body(&mut self, body: &syn::Block, may_pace: bool) {
        let selects: Vec<Option<Vec<Branch>>> = body.stmts.iter().map(pacing_select).collect();
        let direct = paces_directly(body);
        let paced = may_pace && (direct || selects.iter().any(Option::is_some));
        let saved = self.depth;
        if !paced || leaves(body, &selects) {
            // A loop inside a periodic loop runs per item within one period (a worker
            // calling per dead-lettered row): its calls are not once per period.
            self.depth = 0;
            body.stmts.iter().for_each(|st| self.visit_stmt(st));
            self.depth = saved;
            return;
        }
        // Every iteration waits a period: a pacing statement of its own, or a pacing
        // `select!` whose other branches only stop or wake the loop.
        let whole = direct
            || selects.iter().flatten().any(|b| {
                b.iter()
                    .filter(|b| !is_pacing_future(b))
                    .all(|b| stops(&b.body))
            });
        self.depth = u32::from(whole);
        for (st, sel) in body.stmts.iter().zip(&selects) {
            match sel {
                Some(branches) => self.select(branches, whole),
                None => self.visit_stmt(st),
            }
        }
        self.depth = saved;
    }

    /// The branches of a pacing `select!`: the pacing branch's body runs once per
    /// period, the others' on their own events.
    fn select(&mut self, branches: &[Branch], whole: bool) {
        for b in branches {
            if let Some(f) = &b.future {
                self.visit_expr(f);
            }
            let saved = self.depth;
            match (is_pacing_future(b), whole) {
                (true, false) => self.depth += 1,
                (false, true) => self.depth -= 1,
                _ => {}
            }
            self.visit_expr(&b.body);
            self.depth = saved;
        }
    }
}

impl<'ast> Visit<'ast> for Calls {
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
        self.loop_body(&l.body, true);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        let saved = std::mem::replace(&mut self.depth, 0);
        self.visit_block(&f.body);
        self.depth = saved;
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.visit_expr(&w.cond);
        let consumer = awaits(&w.cond) || matches!(&*w.cond, Expr::Let(_));
        self.loop_body(&w.body, !consumer);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(macros::Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            // Unparsed: every `name(` in it is a call made outside any periodic position,
            // so a name it calls is never taken for periodic only.
            None => {
                let saved = std::mem::replace(&mut self.depth, 0);
                macros::token_calls(m)
                    .iter()
                    .for_each(|n| self.record(n.clone()));
                self.depth = saved;
            }
        }
    }

    // A nested function is a function of its own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether one of the body's own statements waits out a period (`sleep(d).await;`,
/// `interval.tick().await;`, `let _ = ..`): not one inside an `if` or `match`.
fn paces_directly(body: &syn::Block) -> bool {
    body.stmts.iter().any(|st| {
        let e = match st {
            Stmt::Expr(e, _) => e,
            Stmt::Local(l) => match &l.init {
                Some(init) => &*init.expr,
                None => return false,
            },
            Stmt::Macro(_) | Stmt::Item(_) => return false,
        };
        match e {
            Expr::Await(a) => is_pacing(&a.base, true),
            other => is_pacing(other, false),
        }
    })
}

fn is_pacing_future(b: &Branch) -> bool {
    b.future.as_ref().is_some_and(|f| is_pacing(f, true))
}

/// A pacing call: `x.tick()`, `sleep(d)`, `tokio::time::sleep_until(t)` (`awaited`),
/// or `std::thread::sleep(d)` (blocking, not awaited).
fn is_pacing(e: &Expr, awaited: bool) -> bool {
    match e {
        Expr::MethodCall(m) => awaited && m.method == "tick" && m.args.is_empty(),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs = &p.path.segments;
            let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
            let thread = segs.iter().any(|s| s.ident == "thread");
            matches!(last.as_str(), "sleep" | "sleep_until") && awaited != thread
        }
        _ => false,
    }
}

/// Whether the expression awaits anything.
fn awaits(e: &Expr) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// Whether the loop body leaves the loop by its own `break` or `return` (not a
/// nested loop's `break` or a closure's): a retry or a poll that stops on success.
/// In a pacing `select!` only the pacing branch counts: another branch that breaks
/// is a stop signal.
fn leaves(body: &syn::Block, selects: &[Option<Vec<Branch>>]) -> bool {
    let mut f = Leaves(false);
    for (st, sel) in body.stmts.iter().zip(selects) {
        match sel {
            Some(branches) => branches
                .iter()
                .filter(|b| is_pacing_future(b))
                .for_each(|b| f.visit_expr(&b.body)),
            None => f.visit_stmt(st),
        }
    }
    f.0
}

struct Leaves(bool);

impl<'ast> Visit<'ast> for Leaves {
    fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
        self.0 = true;
    }
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        // A nested loop's `break` is its own; its `return` leaves this loop too.
        self.0 |= returns(&l.body);
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.0 |= returns(&w.body);
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.0 |= returns(&f.body);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `if stop { break }` is syntax; a `break` in a macro body (`select!`) is seen
        // by its word.
        let mut found = false;
        macro_words(m.tokens.clone(), &mut |w| {
            found |= w == "break" || w == "return"
        });
        self.0 |= found;
    }
}

/// Whether a block has a `return` (outside closures).
fn returns(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(false);
    f.visit_block(body);
    f.0
}

fn macro_words(tokens: proc_macro2::TokenStream, out: &mut dyn FnMut(&str)) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => out(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => macro_words(g.stream(), out),
            _ => {}
        }
    }
}

/// The branches of a `select!` statement with a pacing branch (`_ = ticker.tick() =>
/// ..`).
fn pacing_select(st: &Stmt) -> Option<Vec<Branch>> {
    let m = match st {
        Stmt::Macro(m) => &m.mac,
        Stmt::Expr(Expr::Macro(m), _) => &m.mac,
        _ => return None,
    };
    if !macros::is_select(m) {
        return None;
    }
    let branches = macros::select_branches(m)?;
    branches.iter().any(is_pacing_future).then_some(branches)
}

/// A branch body that does nothing or leaves the loop.
fn stops(body: &Expr) -> bool {
    match body {
        Expr::Block(b) if b.block.stmts.is_empty() => true,
        Expr::Tuple(t) if t.elems.is_empty() => true,
        Expr::Break(_) | Expr::Return(_) => true,
        Expr::Block(b) => matches!(
            b.block.stmts.last(),
            Some(Stmt::Expr(Expr::Break(_) | Expr::Return(_), _))
        ),
        _ => false,
    }
}

/// [`super::Visitor::paced`] bits: the function has a loop; it calls a pacing name;
/// it spawns a task and drops the handle ([`super::detached`]).
const HAS_LOOP: u8 = 1;
const HAS_PACING: u8 = 2;
pub(super) const HAS_SPAWN: u8 = 4;

impl super::Visitor<'_, '_> {
    /// Notes a loop or a pacing call in the function being visited, so that only
    /// functions with both are walked again ([`periodic_only`]).
    pub(super) fn note_pacing(&mut self, e: &Expr) {
        let mut inner = e;
        while let Expr::Await(syn::ExprAwait { base, .. })
        | Expr::Try(syn::ExprTry { expr: base, .. }) = inner
        {
            inner = base;
        }
        self.paced |= match inner {
            Expr::Loop(_) | Expr::While(_) => HAS_LOOP,
            Expr::MethodCall(m) if m.method == "tick" => HAS_PACING,
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if p.path
                        .segments
                        .last()
                        .is_some_and(|s| is_pacing_name(&s.ident)) =>
                {
                    HAS_PACING
                }
                _ => 0,
            },
            _ => 0,
        };
    }

    /// Visits a function body through `visit`, then records the names it calls only
    /// from periodic loops, and those it calls only in detached tasks, when it has
    /// any (each walked again only when the first walk saw its shape).
    pub(super) fn with_periodic(
        &mut self,
        name: &str,
        block: &syn::Block,
        visit: impl FnOnce(&mut Self),
    ) {
        let saved = std::mem::take(&mut self.paced);
        let saved_starts = std::mem::take(&mut self.wrapper_starts);
        visit(self);
        if self.paced & (HAS_LOOP | HAS_PACING) == HAS_LOOP | HAS_PACING {
            let names = periodic_only(block);
            if !names.is_empty() {
                self.facts.periodic.push((name.to_string(), names));
            }
        }
        if self.paced & super::runners::HAS_CLOSURE_ARG != 0 {
            if let Some(c) = super::runners::closure_args(name, block) {
                self.facts.closure_args.push(c);
            }
        }
        if self.paced & HAS_LOOP != 0 {
            self.facts.looping.push(name.to_string());
        }
        if self.paced & HAS_SPAWN != 0 {
            let names = super::detached::detached_only(block);
            if !names.is_empty() {
                self.facts.detached.push((name.to_string(), names));
            }
        }
        if self.paced & super::timed::HAS_TIMEOUT != 0 {
            let names = super::timed::timed_only(block, &self.wrapper_starts);
            if !names.is_empty() {
                self.facts.timed.push((name.to_string(), names));
            }
        }
        self.paced = saved;
        self.wrapper_starts = saved_starts;
    }
}

/// Per package (of `packages` many): the names of its functions only periodic loops
/// run (called by name only from such loops, from closures handed to periodic runners
/// ([`super::runners`]), or from functions only they run), each with why
/// ([`CallGraph::run_only_from_entries`] over each file's `periodic` facts, a
/// function's closure names joined to its loop names).
pub(super) fn periodic_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
    tool: &[bool],
) -> Vec<HashMap<String, String>> {
    let runners = super::runners::periodic_positions(graph, files);
    let entries: Vec<Vec<(&str, Vec<&str>)>> = files
        .iter()
        .zip(runners)
        .map(|(package, mut closures)| {
            let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
            for (_, f) in package.iter() {
                for (key, names) in &f.periodic {
                    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
                    // The same body's closure names: one entry per body.
                    if let Some(k) = closures.iter().position(|(c, _)| *c == key) {
                        names.extend(closures.swap_remove(k).1);
                    }
                    out.push((key.as_str(), names));
                }
            }
            out.extend(closures);
            out
        })
        .collect();
    // A one-shot tool's call is no caller: a function periodic loops and tools run
    // makes one call per period in the long-running process, and the tool's calls
    // are not judged (docs.rs's stats updater, also run by the admin command).
    let ignored = |c: usize| tool.get(c).copied().unwrap_or(false);
    graph.run_only_from_entries(&entries, &ignored, |root| {
        format!(
            "runs only from a periodic loop (in `{root}`): one call per period, which cannot pile up on a failing upstream"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::periodic_only;

    fn names(body: &str) -> Vec<String> {
        let f: syn::ItemFn = syn::parse_str(&format!("async fn f() {{ {body} }}")).expect("parses");
        periodic_only(&f.block)
    }

    #[test]
    fn a_paced_loop_calls_periodically() {
        assert_eq!(
            names("loop { interval.tick().await; poll().await; }"),
            ["poll", "tick"]
        );
        assert_eq!(
            names("while !stop { poll(); tokio::select! { _ = sleep(D) => {}, _ = s.changed() => {} } }"),
            ["changed", "poll", "sleep"]
        );
        // The tick branch only: the command branch runs on its own events.
        assert_eq!(
            names("loop { tokio::select! { _ = t.tick() => { sync().await; flush() } c = rx.recv() => { sync().await; log(c) } } }"),
            ["flush"]
        );
    }

    #[test]
    fn retries_consumers_and_back_offs_are_not_periodic() {
        assert!(names("loop { if poll().await.is_ok() { break; } sleep(D).await; }").is_empty());
        assert!(
            names("while let Some(m) = rx.recv().await { poll(m).await; sleep(D).await; }")
                .is_empty()
        );
        assert!(names("loop { if poll().await.is_err() { sleep(D).await; } }").is_empty());
        // Per item inside a period: a worker's calls.
        assert_eq!(
            names("loop { sleep(D).await; let rows = expired().await; for r in rows { handle(r).await; } }"),
            ["expired", "sleep"]
        );
        // Called outside the loop too.
        assert!(!names("poll(); loop { sleep(D).await; poll(); }").contains(&"poll".to_string()));
    }
}
