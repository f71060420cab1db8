//! Hand-written retry loops.
//!
//! A loop is a retry when all of these hold (each rule was added for a false alarm
//! seen in real services; the unit tests name them):
//! - its shape can repeat an attempt: `for` over a range (`0..n`, `1..=max`, `0..`,
//!   `(0..n).rev()`), `while let Err(..) = ..`, `while cond` where `cond` reads an
//!   attempt counter, or `loop` (a `for` over anything else walks a collection, and
//!   `while let Some(..)` drains one);
//! - it checks an attempt: a `match` with `Ok`/`Err` arms or an `if let Ok/Err`
//!   (implied by `while let Err`), whose scrutinee awaits (directly, through a `let` or
//!   assignment of the body, or a `select!`), or, in blocking code, the loop sleeps
//!   with `std::thread::sleep`;
//! - it leaves on success: `return`/`break` under `Ok(v)`/`Ok(_)`/`Ok(Ok(v))` (success
//!   as such: `Ok(0)`, `Ok(None)`, `Ok(Signal::Stop)` pick one value and do not count),
//!   directly, at the top of the arm, or under an `if` on `is_success`/`is_ok`/`status`;
//!   in the `else` of `if let Err`; or a final `return`/`break` after `continue` on `Err`;
//! - some error goes round again: an `Err(e)`/`Err(_)`/`_` arm that does not always
//!   leave (`Err(Kind::TooSmall(n)) => buf.resize(n)` fixes one case, not a retry);
//! - the attempt is not the next item of a stream or channel (`next`, `recv`, `accept`,
//!   `read*`, `changed`, `tick`), and does not call something picked by the counter
//!   (`fetch(page)`, `services[attempt]`: paging or failover) or by such a next item
//!   (`if let Some(c) = candidates.next() { if let Ok(x) = c.fetch().await { break x } }`).
//!
//! Checks and exits inside a nested loop belong to that loop. A `loop`, `while let` or
//! open range is unbounded unless a comparison in the body or a guard reads a counter
//! (a variable changed in the body) or a clock (`elapsed`, `Instant`, `deadline`), or
//! the loop runs inside a `timeout(..)`/`timeout_at(..)` call.
//! When the body sleeps nowhere but its failure path awaits something else (a
//! notification), the delay is `unknown` and the loop is not called unbounded.

use std::collections::HashSet;

mod analyze;
mod evidence;

use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use super::delay::{pat_name, reads_any, sleep_sites, Part, Scope};
use super::walk::{walk_expr, Options, Seen};
use super::{is_skipped_fn, is_test, is_test_mod, Ctx, Delay, RetryFact, RetrySource, MAX_DEPTH};
use crate::extract::rust::front::items::Items;
use analyze::analyze;
use evidence::*;

/// Every retry loop of the file outside test code.
pub(crate) fn find(ctx: &Ctx, file: &syn::File) -> Vec<RetryFact> {
    let mut finder = Finder {
        ctx,
        facts: Vec::new(),
        depth: 0,
        in_timeout: 0,
        in_main: false,
        deferred: 0,
    };
    finder.visit_file(file);
    finder.facts
}

struct Finder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    facts: Vec<RetryFact>,
    depth: usize,
    /// How many `timeout(..)` calls enclose the current expression.
    in_timeout: usize,
    /// Inside a free `fn main`: a binary's start-up, until it serves.
    in_main: bool,
    /// How many closures and `spawn(..)` calls enclose the current expression: code
    /// that runs later or beside, not once in the start-up sequence.
    deferred: usize,
}

/// A closure, or a `spawn(..)` / `spawn_blocking(..)` / `spawn_local(..)` call: its
/// body does not run in line with the function's own statements.
fn defers(e: &Expr) -> bool {
    match e {
        Expr::Closure(_) => true,
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
                s.ident == "spawn" || s.ident == "spawn_blocking" || s.ident == "spawn_local"
            }))
        }
        _ => false,
    }
}

/// `timeout(d, fut)`, `timeout_at(t, fut)`, `fut.timeout(d)`: a time bound on what is inside.
fn is_timeout_call(e: &Expr) -> bool {
    let name = match e {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p.path.segments.last().map(|s| &s.ident),
            _ => None,
        },
        Expr::MethodCall(m) => Some(&m.method),
        _ => None,
    };
    // Compared in place: no `String` per call.
    name.is_some_and(|n| n == "timeout" || n == "timeout_at")
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    // As `visit::visit_item_fn`, the body only when its text holds a loop keyword.
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_skipped_fn(&f.attrs) {
            f.attrs.iter().for_each(|a| self.visit_attribute(a));
            self.visit_visibility(&f.vis);
            self.visit_signature(&f.sig);
            if self.ctx.may_loop(&f.block) && !named_for_tests(&f.sig) {
                let outer = std::mem::replace(&mut self.in_main, f.sig.ident == "main");
                self.visit_block(&f.block);
                self.in_main = outer;
            }
        }
    }
    // As `visit::visit_impl_item_fn`, the body only when its text holds a loop keyword.
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_skipped_fn(&f.attrs) {
            f.attrs.iter().for_each(|a| self.visit_attribute(a));
            self.visit_visibility(&f.vis);
            self.visit_signature(&f.sig);
            if self.ctx.may_loop(&f.block) && !named_for_tests(&f.sig) {
                let outer = std::mem::replace(&mut self.in_main, false);
                self.visit_block(&f.block);
                self.in_main = outer;
            }
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_mod(m) {
            visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_test(&i.attrs) {
            visit::visit_item_impl(self, i);
        }
    }
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        // `tokio::time::timeout(d, async { loop { .. } })` bounds it in time.
        if let Some(mut fact) = analyze(self.ctx, e, self.in_timeout > 0) {
            fact.startup = self.in_main && self.deferred == 0;
            self.facts.push(fact);
        }
        let timeout = is_timeout_call(e);
        // Only `main` asks (the test is per expression: keep it off elsewhere).
        let deferred = self.in_main && defers(e);
        self.in_timeout += usize::from(timeout);
        self.deferred += usize::from(deferred);
        self.depth += 1;
        visit::visit_expr(self, e);
        self.depth -= 1;
        self.in_timeout -= usize::from(timeout);
        self.deferred -= usize::from(deferred);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // Loops inside macro bodies (`select!` branches, `stream!`): re-parse and look.
        if self.depth >= MAX_DEPTH {
            return;
        }
        if !super::walk::has_ident(&m.tokens, &is_loop_keyword) {
            return;
        }
        self.depth += 1;
        match super::walk::reparse(m) {
            Some(super::walk::Reparsed::Exprs(exprs)) => {
                exprs.iter().for_each(|e| self.visit_expr(e))
            }
            Some(super::walk::Reparsed::Stmts(stmts)) => {
                stmts.iter().for_each(|s| self.visit_stmt(s))
            }
            None => {}
        }
        self.depth -= 1;
    }
}

/// `loop`, `for`, `while`: what a macro body needs to hold a loop.
fn is_loop_keyword(i: &proc_macro2::Ident) -> bool {
    i == "loop" || i == "for" || i == "while"
}

/// The loop's shape, before its body is looked at.
struct Shape<'e> {
    form: &'static str,
    header: crate::tree::Span,
    /// Where the header starts.
    at: proc_macro2::LineColumn,
    /// The condition (`while`) and the body.
    parts: Vec<Part<'e>>,
    body: &'e syn::Block,
    /// The `for` counter, when named.
    counter: Option<String>,
    /// `while let Err(..)`: the check and the success exit are the loop itself.
    implied_check: bool,
    /// Runs forever unless the body bounds it.
    open: bool,
}

fn shape<'e>(ctx: &Ctx, e: &'e Expr) -> Option<Shape<'e>> {
    match e {
        Expr::ForLoop(f) => {
            let range = strip_parens(&f.expr);
            let Expr::Range(r) = range else {
                return None;
            };
            let start = f
                .label
                .as_ref()
                .map_or(f.for_token.span, |l| l.name.apostrophe);
            Some(Shape {
                form: "for",
                at: start.start(),
                header: ctx.pos.between(start, span_end(&f.expr)),
                parts: vec![Part::Block(&f.body)],
                body: &f.body,
                counter: pat_name(&f.pat),
                implied_check: false,
                open: r.end.is_none(),
            })
        }
        Expr::While(w) => {
            let start = w
                .label
                .as_ref()
                .map_or(w.while_token.span, |l| l.name.apostrophe);
            let header = ctx.pos.between(start, span_end(&w.cond));
            let (form, implied_check, open) = match &*w.cond {
                Expr::Let(l) => {
                    if !is_variant(&l.pat, "Err") {
                        return None;
                    }
                    ("while-let", true, true)
                }
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Bool(b),
                    ..
                }) => ("while", false, b.value),
                _ => ("while", false, false),
            };
            Some(Shape {
                form,
                header,
                at: start.start(),
                parts: vec![Part::Expr(&w.cond), Part::Block(&w.body)],
                body: &w.body,
                counter: None,
                implied_check,
                open,
            })
        }
        Expr::Loop(l) => {
            let start = l
                .label
                .as_ref()
                .map_or(l.loop_token.span, |lb| lb.name.apostrophe);
            Some(Shape {
                form: "loop",
                at: start.start(),
                header: ctx.pos.between(start, l.loop_token.span),
                parts: vec![Part::Block(&l.body)],
                body: &l.body,
                counter: None,
                implied_check: false,
                open: true,
            })
        }
        _ => None,
    }
}

fn span_end(e: &Expr) -> proc_macro2::Span {
    syn::spanned::Spanned::span(e)
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::MethodCall(m) if m.method == "rev" => strip_parens(&m.receiver),
        _ => e,
    }
}

/// `Ok(..)`/`Err(..)` (also `Result::Ok`, `Err(_)`, `ref` forms).
fn is_variant(p: &Pat, name: &str) -> bool {
    match p {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == name),
        Pat::Path(pp) => pp.path.segments.last().is_some_and(|s| s.ident == name),
        Pat::Or(o) => o.cases.items().any(|c| is_variant(c, name)),
        Pat::Paren(pp) => is_variant(&pp.pat, name),
        _ => false,
    }
}

/// The name bound by `Some(name)`.
fn some_binding(p: &Pat) -> Option<String> {
    match p {
        Pat::TupleStruct(t)
            if t.elems.len() == 1 && t.path.segments.last().is_some_and(|s| s.ident == "Some") =>
        {
            pat_name(&t.elems[0])
        }
        _ => None,
    }
}

/// `Ok(v)`, `Ok(_)`, `Ok(())`, `Ok((a, b))`: success as such, not one value of it
/// (`Ok(0)`, `Ok(None)`, `Ok(Signal::Stop)` pick a case and are not a success exit).
fn ok_binding(p: &Pat) -> bool {
    match p {
        // `Ok(Ok(v))`: a timeout around the attempt, and the attempt succeeded.
        Pat::TupleStruct(t) if t.elems.len() == 1 && is_variant(&t.elems[0], "Ok") => {
            ok_binding(&t.elems[0])
        }
        Pat::TupleStruct(t) => t.elems.items().all(binding_like),
        Pat::Or(o) => o.cases.items().all(ok_binding),
        Pat::Paren(pp) => ok_binding(&pp.pat),
        _ => false,
    }
}

fn binding_like(p: &Pat) -> bool {
    match p {
        Pat::Ident(i) => {
            i.subpat.is_none()
                && i.ident
                    .to_string()
                    .starts_with(|c: char| c.is_lowercase() || c == '_')
        }
        Pat::Wild(_) | Pat::Rest(_) | Pat::Struct(_) => true,
        Pat::Tuple(t) => t.elems.items().all(binding_like),
        Pat::Reference(r) => binding_like(&r.pat),
        Pat::Type(t) => binding_like(&t.pat),
        Pat::Paren(pp) => binding_like(&pp.pat),
        _ => false,
    }
}

/// `Err(e)`, `Err(_)`: any error, not one case of it (also `Ok(Err(e))` under a timeout,
/// and `Ok(Err(_)) | Err(_)`).
fn err_binding(p: &Pat) -> bool {
    match p {
        Pat::Or(o) => o.cases.items().any(err_binding),
        Pat::TupleStruct(t) if is_variant(p, "Ok") && t.elems.len() == 1 => {
            err_binding(&t.elems[0])
        }
        _ => is_variant(p, "Err") && ok_binding(p),
    }
}

/// `_` or a plain binding: an arm that takes whatever is left (the errors).
fn catch_all(p: &Pat) -> bool {
    matches!(p, Pat::Wild(_)) || matches!(p, Pat::Ident(_) if binding_like(p))
}

/// A function named for tests ([`crate::extract::rust::front::test_code::test_fn_name`]),
/// asked only of the functions whose text holds a loop.
pub(super) fn named_for_tests(sig: &syn::Signature) -> bool {
    crate::extract::rust::front::test_code::test_fn_name(&sig.ident.to_string())
}
