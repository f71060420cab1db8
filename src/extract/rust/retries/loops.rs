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

use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use super::delay::{pat_name, reads_any, sleep_sites, Part, Scope};
use super::walk::{walk_expr, Options, Seen};
use super::{is_test, Ctx, Delay, RetryFact, RetrySource, MAX_DEPTH};

/// Every retry loop of the file outside test code.
pub(crate) fn find(ctx: &Ctx, file: &syn::File) -> Vec<RetryFact> {
    let mut finder = Finder {
        ctx,
        facts: Vec::new(),
        depth: 0,
        in_timeout: 0,
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
        if !is_test(&f.attrs) {
            f.attrs.iter().for_each(|a| self.visit_attribute(a));
            self.visit_visibility(&f.vis);
            self.visit_signature(&f.sig);
            if self.ctx.may_loop(&f.block) {
                self.visit_block(&f.block);
            }
        }
    }
    // As `visit::visit_impl_item_fn`, the body only when its text holds a loop keyword.
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            f.attrs.iter().for_each(|a| self.visit_attribute(a));
            self.visit_visibility(&f.vis);
            self.visit_signature(&f.sig);
            if self.ctx.may_loop(&f.block) {
                self.visit_block(&f.block);
            }
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
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
        if let Some(mut fact) = analyze(self.ctx, e) {
            // `tokio::time::timeout(d, async { loop { .. } })` bounds it in time.
            fact.unbounded &= self.in_timeout == 0;
            self.facts.push(fact);
        }
        let timeout = is_timeout_call(e);
        self.in_timeout += usize::from(timeout);
        self.depth += 1;
        visit::visit_expr(self, e);
        self.depth -= 1;
        self.in_timeout -= usize::from(timeout);
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
        Pat::Or(o) => o.cases.iter().any(|c| is_variant(c, name)),
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
        Pat::TupleStruct(t) => t.elems.iter().all(binding_like),
        Pat::Or(o) => o.cases.iter().all(ok_binding),
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
        Pat::Tuple(t) => t.elems.iter().all(binding_like),
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
        Pat::Or(o) => o.cases.iter().any(err_binding),
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

/// What the body of a candidate loop shows.
#[derive(Default)]
struct Evidence {
    awaits: bool,
    checks: bool,
    success_exit: bool,
    /// Some failure goes round again (an `Err` arm that does not always leave).
    err_continues: bool,
    continue_on_err: bool,
    /// Every `.await` of the body, and the ranges that hold the attempt or the success
    /// path (where an `.await` is not a wait between attempts).
    await_spans: Vec<crate::tree::Span>,
    exempt: Vec<crate::tree::Span>,
    /// Names bound or assigned in the body from something awaited.
    awaited_names: HashSet<String>,
    /// Scrutinees of the checks that decide success: the attempt itself.
    attempts: Vec<Expr>,
    /// Comparisons (`a < b`, `a >= b`) seen in the body, and guards.
    comparisons: Vec<Expr>,
    /// Names bound in the body from the next item of an iterator, stream or channel
    /// (`if let Some(c) = candidates.next()`): an attempt that uses one tries another
    /// item each time (failover over candidates), not the same call again.
    picked: HashSet<String>,
}

/// Walks the loop's condition and body for [`Evidence`]. The spans (`await_spans`,
/// `exempt`) cost a token stream per node, and matter only for a loop that sleeps
/// nowhere: they are collected when `spans` is set (a second walk, then).
fn collect(ctx: &Ctx, shape: &Shape<'_>, spans: bool) -> Evidence {
    let mut ev = Evidence {
        checks: shape.implied_check,
        success_exit: shape.implied_check,
        err_continues: shape.implied_check,
        ..Evidence::default()
    };
    for part in &shape.parts {
        let mut f = |seen: Seen<'_>| {
            let x = match seen {
                Seen::Local(l) => {
                    if let Some(init) = &l.init {
                        if consumes(&init.expr) {
                            ev.picked
                                .extend(some_binding(&l.pat).or_else(|| pat_name(&l.pat)));
                        }
                    }
                    if let (Some(n), Some(init)) = (pat_name(&l.pat), &l.init) {
                        if contains_await(&init.expr) {
                            ev.awaited_names.insert(n);
                            if spans {
                                ev.exempt.push(ctx.pos.of(&*init.expr));
                            }
                        }
                    }
                    return true;
                }
                Seen::Expr(x) => x,
            };
            match x {
                Expr::Closure(_) => return false,
                Expr::Await(_) => {
                    ev.awaits = true;
                    if spans {
                        ev.await_spans.push(ctx.pos.of(x));
                    }
                }
                Expr::Return(_) | Expr::Break(_) if spans => ev.exempt.push(ctx.pos.of(x)),
                Expr::Assign(a) if contains_await(&a.right) => {
                    if let Some(n) = super::delay::name_of(&a.left) {
                        ev.awaited_names.insert(n);
                        if spans {
                            ev.exempt.push(ctx.pos.of(&*a.right));
                        }
                    }
                }
                // `select!` and `join!` await their futures.
                Expr::Macro(m) if awaits_inside(&m.mac) => ev.awaits = true,
                // A nested loop's checks and exits are its own.
                Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => return false,
                Expr::Match(m) => {
                    let checked = m
                        .arms
                        .iter()
                        .any(|a| is_variant(&a.pat, "Ok") || is_variant(&a.pat, "Err"));
                    if checked {
                        ev.checks = true;
                        if spans {
                            ev.exempt.push(ctx.pos.of(&*m.expr));
                        }
                        let mut attempt_here = false;
                        for arm in &m.arms {
                            let ok = is_variant(&arm.pat, "Ok") && !err_binding(&arm.pat);
                            // `Err(e)` or `_`: errors in general. `Err(Kind::TooSmall(..))`
                            // fixes one case and tries again, which is not a retry.
                            let err = !ok && (err_binding(&arm.pat) || catch_all(&arm.pat));
                            if ok && ok_binding(&arm.pat) && exits(&arm.body) {
                                ev.success_exit = true;
                                attempt_here = true;
                            }
                            if ok && spans {
                                ev.exempt.push(ctx.pos.of(&*arm.body));
                            }
                            if err && (arm.guard.is_some() || !exits(&arm.body)) {
                                ev.err_continues = true;
                            }
                            if err && continues(&arm.body) {
                                ev.continue_on_err = true;
                            }
                            if let Some((_, g)) = &arm.guard {
                                ev.comparisons.push((**g).clone());
                            }
                        }
                        if attempt_here {
                            ev.attempts.push((*m.expr).clone());
                        }
                    }
                }
                Expr::If(i) => {
                    if let Expr::Let(l) = &*i.cond {
                        if consumes(&l.expr) {
                            ev.picked.extend(some_binding(&l.pat));
                        }
                        let ok = is_variant(&l.pat, "Ok");
                        let err = err_binding(&l.pat);
                        if ok || err {
                            ev.checks = true;
                            if spans {
                                ev.exempt.push(ctx.pos.of(&*l.expr));
                            }
                        }
                        if ok && spans {
                            ev.exempt.push(ctx.pos.of(&i.then_branch));
                        }
                        let else_exits = i.else_branch.as_ref().is_some_and(|(_, e)| exits(e));
                        if ok && ok_binding(&l.pat) && block_exits(&i.then_branch) {
                            ev.success_exit = true;
                            ev.attempts.push((*l.expr).clone());
                        }
                        if err && (else_exits || block_continues(&i.then_branch)) {
                            ev.attempts.push((*l.expr).clone());
                        }
                        if ok && !else_exits {
                            ev.err_continues = true;
                        }
                        if err {
                            if else_exits {
                                ev.success_exit = true;
                            }
                            if block_continues(&i.then_branch) {
                                ev.continue_on_err = true;
                            }
                            if !block_exits(&i.then_branch) || block_continues(&i.then_branch) {
                                ev.err_continues = true;
                            }
                        }
                    }
                }
                Expr::Binary(b)
                    if matches!(
                        b.op,
                        syn::BinOp::Lt(_)
                            | syn::BinOp::Le(_)
                            | syn::BinOp::Gt(_)
                            | syn::BinOp::Ge(_)
                            | syn::BinOp::Eq(_)
                    ) =>
                {
                    ev.comparisons.push(x.clone());
                }
                _ => {}
            }
            true
        };
        match part {
            Part::Expr(x) => walk_expr(x, Options::default(), &mut f),
            Part::Block(b) => super::walk::walk_block(b, Options::default(), &mut f),
        }
    }
    if ev.continue_on_err && shape.body.stmts.iter().any(stmt_exits) {
        ev.success_exit = true;
    }
    ev
}

fn analyze(ctx: &Ctx, e: &Expr) -> Option<RetryFact> {
    let shape = shape(ctx, e)?;
    let mut ev = collect(ctx, &shape, false);
    // The cheap gates first: most loops are not retries.
    if !ev.checks || !ev.success_exit || !ev.err_continues {
        return None;
    }
    // The `let`s of the enclosing function, computed once per function that needs them.
    let fn_lets = ctx.fn_lets(shape.at);
    let lets = &*fn_lets;
    let mut scope = Scope::of_body(&shape.parts);
    scope.outer = lets.clone();
    if let Some(c) = &shape.counter {
        // Paging, not retrying: the counter goes into the call that is checked.
        let named = c != "_" && !c.starts_with('_');
        if named && ev.attempts.iter().any(|s| super::delay::mentions(s, c)) {
            return None;
        }
        if named {
            scope.varying.insert(c.clone());
        }
    }
    let sites = sleep_sites(ctx, &scope, &shape.parts);
    // `while let Err(..) = attempt`: the attempt is the condition.
    let implied_attempt = match (shape.implied_check, shape.parts.first()) {
        (true, Some(Part::Expr(Expr::Let(l)))) => Some(&*l.expr),
        _ => None,
    };
    if let Some(a) = implied_attempt {
        ev.attempts.push(a.clone());
    }
    // The attempt is awaited (or, in blocking code, the loop sleeps); reading the next
    // item of a stream or channel is consuming, not retrying. A name the body never
    // binds with `let` comes from a pattern (a `select!` branch) and counts when the
    // body awaits at all.
    let attempt_awaits = ev.attempts.iter().any(|s| {
        contains_await(s)
            || super::delay::name_of(strip_refs(s)).is_some_and(|n| {
                ev.awaited_names.contains(&n)
                    || (ev.awaits && !scope.lets.contains_key(&n) && !lets.contains_key(&n))
            })
    });
    // Failover or iteration: each attempt calls something picked by the counter
    // (`services[attempt]`), directly or through a `let` of the body.
    let mut counters = scope.varying.clone();
    counters.extend(shape.counter.clone());
    counters.extend(lent_mutably(&shape.parts));
    if ev
        .attempts
        .iter()
        .any(|s| indexed_by(s, &counters, &scope, 0))
    {
        return None;
    }
    if ev.attempts.iter().any(consumes) {
        return None;
    }
    if ev
        .picked
        .iter()
        .any(|n| ev.attempts.iter().any(|s| super::delay::mentions(s, n)))
    {
        return None;
    }
    let blocking_sleep = sites.iter().any(|s| s.blocking);
    if !(attempt_awaits || blocking_sleep) || !ev.checks || !ev.success_exit || !ev.err_continues {
        return None;
    }
    // `while cond`: a retry only when the condition counts attempts.
    if let (false, "while", Some(Part::Expr(cond))) = (shape.open, shape.form, shape.parts.first())
    {
        if !reads_any(cond, &scope.varying) {
            return None;
        }
    }
    let decisive = sites.iter().max_by_key(|s| s.delay);
    // No sleep, but the failure path awaits something else (a notification, the reader
    // making room): it waits, for how long is unknown.
    // Only asked when nothing sleeps: the spans come from a second walk then.
    let waits_otherwise = decisive.is_none() && {
        let spanned = collect(ctx, &shape, true);
        let mut exempt = spanned.exempt;
        exempt.extend(implied_attempt.map(|a| ctx.pos.of(a)));
        spanned
            .await_spans
            .iter()
            .any(|a| !exempt.iter().any(|x| x.start <= a.start && a.end <= x.end))
    };
    let delay = match decisive {
        Some(s) => s.delay,
        None if waits_otherwise => Delay::Unknown,
        None => Delay::None,
    };
    // A loop that waits for a notification between attempts is waiting for a
    // condition, not retrying blindly: not called unbounded.
    let unbounded = shape.open && !bounded(&ev, &scope) && !(decisive.is_none() && waits_otherwise);
    Some(RetryFact {
        span: shape.header,
        source: RetrySource::Loop { form: shape.form },
        delay,
        delay_span: decisive.map(|s| s.span),
        unbounded,
        // The condition (`while let Err(e) = call().await`) and the body.
        target: ctx.target_in_parts(&shape.parts, lets),
    })
}

/// Whether `e` (or a `let` of the loop body it reads) indexes with something that
/// depends on one of `names`.
fn indexed_by(e: &Expr, names: &HashSet<String>, scope: &Scope, depth: usize) -> bool {
    if depth > 4 || names.is_empty() {
        return false;
    }
    let mut found = false;
    walk_expr(e, Options::default(), &mut |seen| {
        if let Seen::Expr(x) = seen {
            match x {
                Expr::Index(i) if depends_on(&i.index, names, scope, depth + 1) => found = true,
                _ => {
                    if let Some(inits) = super::delay::name_of(x).and_then(|n| scope.lets.get(&n)) {
                        found |= inits
                            .iter()
                            .any(|init| indexed_by(init, names, scope, depth + 1));
                    }
                }
            }
        }
        !found
    });
    found
}

/// Whether `e` reads one of `names`, directly or through `let`s of the loop body.
fn depends_on(e: &Expr, names: &HashSet<String>, scope: &Scope, depth: usize) -> bool {
    if depth > 6 {
        return false;
    }
    reads_any(e, names)
        || scope.lets.iter().any(|(n, inits)| {
            super::delay::mentions(e, n)
                && inits
                    .iter()
                    .any(|init| depends_on(init, names, scope, depth + 1))
        })
}

/// Names the body lends out mutably (`advance(&mut attempt)`): they may change.
fn lent_mutably(parts: &[Part<'_>]) -> HashSet<String> {
    let mut out = HashSet::new();
    for part in parts {
        let mut f = |seen: Seen<'_>| {
            if let Seen::Expr(Expr::Reference(r)) = seen {
                if r.mutability.is_some() {
                    if let Some(n) = super::delay::name_of(&r.expr) {
                        out.insert(n);
                    }
                }
            }
            true
        };
        match part {
            Part::Expr(x) => walk_expr(x, Options::default(), &mut f),
            Part::Block(b) => super::walk::walk_block(b, Options::default(), &mut f),
        }
    }
    out
}

/// Methods that take the next item of a stream, channel or socket.
const CONSUMERS: &[&str] = &[
    "next",
    "try_next",
    "recv",
    "try_recv",
    "recv_from",
    "accept",
    "read",
    "read_buf",
    "read_exact",
    "read_line",
    "read_to_end",
    "changed",
    "tick",
    "next_message",
];

fn consumes(scrutinee: &Expr) -> bool {
    let mut e = strip_refs(scrutinee);
    if let Expr::Await(a) = e {
        e = &a.base;
    }
    matches!(e, Expr::MethodCall(m) if CONSUMERS.iter().any(|c| m.method == c))
}

fn strip_refs(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_refs(&r.expr),
        Expr::Paren(p) => strip_refs(&p.expr),
        _ => e,
    }
}

/// Whether `e` awaits: `.await`, or a `select!`/`join!` (which await their futures).
fn contains_await(e: &Expr) -> bool {
    let mut found = false;
    walk_expr(e, Options::default(), &mut |seen| {
        match seen {
            Seen::Expr(Expr::Closure(_)) => return false,
            Seen::Expr(Expr::Await(_)) => found = true,
            Seen::Expr(Expr::Macro(m)) if awaits_inside(&m.mac) => found = true,
            _ => {}
        }
        !found
    });
    found
}

fn awaits_inside(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "select" | "select_biased" | "join" | "try_join"
        )
    })
}

/// Whether some comparison reads a counter or a clock.
fn bounded(ev: &Evidence, scope: &Scope) -> bool {
    let mut clocks: HashSet<String> = scope.varying.clone();
    clocks.retain(|n| !n.is_empty());
    ev.comparisons.iter().any(|c| {
        reads_any(c, &clocks) || {
            let text = quote::ToTokens::to_token_stream(c).to_string();
            text.contains("elapsed") || text.contains("Instant") || text.contains("deadline")
        }
    })
}

/// A success exit: `return`/`break` as the branch, at its top level, or under an `if`
/// on the response status.
fn exits(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) => true,
        Expr::Block(b) => block_exits(&b.block),
        Expr::Paren(p) => exits(&p.expr),
        _ => false,
    }
}

fn block_exits(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| {
        stmt_exits(s)
            || match s {
                syn::Stmt::Expr(Expr::If(i), _) => {
                    status_check(&i.cond) && block_exits(&i.then_branch)
                }
                _ => false,
            }
    })
}

fn stmt_exits(s: &syn::Stmt) -> bool {
    matches!(s, syn::Stmt::Expr(Expr::Return(_) | Expr::Break(_), _))
}

fn status_check(cond: &Expr) -> bool {
    let mut found = false;
    walk_expr(cond, Options::default(), &mut |seen| {
        if let Seen::Expr(Expr::MethodCall(m)) = seen {
            let n = m.method.to_string();
            if matches!(n.as_str(), "is_success" | "is_ok" | "status") {
                found = true;
            }
        }
        !found
    });
    found
}

fn continues(e: &Expr) -> bool {
    match e {
        Expr::Continue(_) => true,
        Expr::Block(b) => block_continues(&b.block),
        _ => false,
    }
}

fn block_continues(b: &syn::Block) -> bool {
    b.stmts
        .iter()
        .any(|s| matches!(s, syn::Stmt::Expr(Expr::Continue(_), _)))
}
