//! What the body of a candidate loop shows: its checks of an attempt, its exits on
//! success and failure, what it awaits and what it compares.

use super::*;

/// What the body of a candidate loop shows.
#[derive(Default)]
pub(super) struct Evidence {
    pub(super) awaits: bool,
    pub(super) checks: bool,
    pub(super) success_exit: bool,
    /// Some failure goes round again (an `Err` arm that does not always leave).
    pub(super) err_continues: bool,
    /// Some failure other than a timed-out attempt goes round again: all but an `Err`
    /// arm guarded by a timeout question (`Err(e) if e.is_timeout() => continue`).
    pub(super) untimed_err_continues: bool,
    pub(super) continue_on_err: bool,
    /// Every `.await` of the body, and the ranges that hold the attempt or the success
    /// path (where an `.await` is not a wait between attempts).
    pub(super) await_spans: Vec<crate::tree::Span>,
    pub(super) exempt: Vec<crate::tree::Span>,
    /// Names bound or assigned in the body from something awaited.
    pub(super) awaited_names: HashSet<String>,
    /// Scrutinees of the checks that decide success: the attempt itself.
    pub(super) attempts: Vec<Expr>,
    /// Comparisons (`a < b`, `a >= b`) seen in the body, and guards.
    pub(super) comparisons: Vec<Expr>,
    /// Names bound in the body from the next item of an iterator, stream or channel
    /// (`if let Some(c) = candidates.next()`): an attempt that uses one tries another
    /// item each time (failover over candidates), not the same call again.
    pub(super) picked: HashSet<String>,
    /// Some success goes round again without leaving (`Ok(None) => {}`, `Ok(_) => {}`,
    /// no `return`/`break` anywhere in the arm): the loop waits for a condition.
    pub(super) ok_waits: bool,
    /// The bodies of the arms and branches that handle an error.
    pub(super) err_spans: Vec<crate::tree::Span>,
    /// The loop leaves when an iterator runs out (`if let Some(pause) =
    /// retry_iter.next() { sleep(pause) } else { return Err(e) }`, `let Some(..) =
    /// it.next() else { break }`, a `match` arm `None => return ..`): a retry policy's
    /// schedule bounds it, as a counter would.
    pub(super) schedule_ends: bool,
}

impl Evidence {
    /// Records what one node of the loop's condition or body shows; false when the
    /// walk should not descend (closures, nested loops).
    fn see(&mut self, ctx: &Ctx, seen: Seen<'_>, spans: bool) -> bool {
        let x = match seen {
            Seen::Local(l) => {
                if let Some(init) = &l.init {
                    self.see_let_else(ctx, l, init, spans);
                }
                if let Some(init) = &l.init {
                    if consumes(&init.expr) {
                        self.picked
                            .extend(some_binding(&l.pat).or_else(|| pat_name(&l.pat)));
                    }
                }
                if let (Some(n), Some(init)) = (pat_name(&l.pat), &l.init) {
                    if contains_await(&init.expr) {
                        self.awaited_names.insert(n);
                        if spans {
                            self.exempt.push(ctx.pos.of(&*init.expr));
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
                self.awaits = true;
                if spans {
                    self.await_spans.push(ctx.pos.of(x));
                }
            }
            Expr::Return(_) | Expr::Break(_) if spans => self.exempt.push(ctx.pos.of(x)),
            Expr::Assign(a) if contains_await(&a.right) => {
                if let Some(n) = super::super::delay::name_of(&a.left) {
                    self.awaited_names.insert(n);
                    if spans {
                        self.exempt.push(ctx.pos.of(&*a.right));
                    }
                }
            }
            // `select!` and `join!` await their futures.
            Expr::Macro(m) if awaits_inside(&m.mac) => self.awaits = true,
            // A nested loop's checks and exits are its own.
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => return false,
            Expr::Match(m) => self.see_match(ctx, m, spans),
            Expr::If(i) => self.see_if_let(ctx, i, spans),
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
                self.comparisons.push(x.clone());
            }
            _ => {}
        }
        true
    }

    /// `let Err(e) = attempt else { break };` (success leaves through the `else`) and
    /// `let Ok(v) = attempt else { continue };` (an error goes round; what follows
    /// leaves): a check of the attempt.
    fn see_let_else(&mut self, ctx: &Ctx, l: &syn::Local, init: &syn::LocalInit, spans: bool) {
        let Some((_, otherwise)) = &init.diverge else {
            return;
        };
        if consumes(&init.expr) {
            self.schedule_ends |= is_variant(&l.pat, "Some") && exits(otherwise);
            return;
        }
        let err = err_binding(&l.pat);
        let ok = is_variant(&l.pat, "Ok") && ok_binding(&l.pat);
        if err && exits(otherwise) {
            self.checks = true;
            self.success_exit = true;
            self.err_continues = true;
            self.untimed_err_continues = true;
        } else if ok && continues(otherwise) {
            self.checks = true;
            self.err_continues = true;
            self.untimed_err_continues = true;
            self.continue_on_err = true;
        } else {
            return;
        }
        self.attempts.push((*init.expr).clone());
        if spans {
            self.exempt.push(ctx.pos.of(&*init.expr));
        }
        if ok {
            self.err_spans.push(ctx.pos.of(&**otherwise));
        }
    }

    /// A `match` on `Ok`/`Err`: a check, its success exit, errors that go round again.
    fn see_match(&mut self, ctx: &Ctx, m: &syn::ExprMatch, spans: bool) {
        self.schedule_ends |= ends_with_schedule(m);
        let checked = m
            .arms
            .iter()
            .any(|a| is_variant(&a.pat, "Ok") || is_variant(&a.pat, "Err"));
        if checked {
            self.checks = true;
            if spans {
                self.exempt.push(ctx.pos.of(&*m.expr));
            }
            let mut attempt_here = false;
            for arm in &m.arms {
                let ok = is_variant(&arm.pat, "Ok") && !err_binding(&arm.pat);
                // `Err(e)` or `_`: errors in general. `Err(Kind::TooSmall(..))`
                // fixes one case and tries again, which is not a retry.
                let err = !ok && (err_binding(&arm.pat) || catch_all(&arm.pat));
                if ok && ok_binding(&arm.pat) && exits(&arm.body) {
                    self.success_exit = true;
                    attempt_here = true;
                }
                if ok && spans {
                    self.exempt.push(ctx.pos.of(&*arm.body));
                }
                if err && (arm.guard.is_some() || !exits(&arm.body)) {
                    self.err_continues = true;
                    self.untimed_err_continues |= !asks_timeout(ctx, arm);
                }
                if is_variant(&arm.pat, "Ok") && !err_binding(&arm.pat) && !leaves(&arm.body) {
                    self.ok_waits = true;
                }
                if err {
                    self.err_spans.push(ctx.pos.of(&*arm.body));
                }
                if err && continues(&arm.body) {
                    self.continue_on_err = true;
                }
                if let Some((_, g)) = &arm.guard {
                    self.comparisons.push((**g).clone());
                }
            }
            if attempt_here {
                self.attempts.push((*m.expr).clone());
            }
        }
    }

    /// An `if let Ok/Err(..)`: a check, its success exit, errors that go round again.
    fn see_if_let(&mut self, ctx: &Ctx, i: &syn::ExprIf, spans: bool) {
        if let Expr::Let(l) = &*i.cond {
            if consumes(&l.expr) {
                self.picked.extend(some_binding(&l.pat));
                self.schedule_ends |= is_variant(&l.pat, "Some")
                    && i.else_branch.as_ref().is_some_and(|(_, e)| exits(e));
            }
            let ok = is_variant(&l.pat, "Ok");
            let err = err_binding(&l.pat);
            if ok || err {
                self.checks = true;
                if spans {
                    self.exempt.push(ctx.pos.of(&*l.expr));
                }
            }
            if ok && spans {
                self.exempt.push(ctx.pos.of(&i.then_branch));
            }
            let else_exits = i.else_branch.as_ref().is_some_and(|(_, e)| exits(e));
            if ok && ok_binding(&l.pat) && block_exits(&i.then_branch) {
                self.success_exit = true;
                self.attempts.push((*l.expr).clone());
            }
            if err && (else_exits || block_continues(&i.then_branch)) {
                self.attempts.push((*l.expr).clone());
            }
            if ok && !else_exits {
                self.err_continues = true;
                self.untimed_err_continues = true;
            }
            if ok && !block_leaves(&i.then_branch) {
                self.ok_waits = true;
            }
            if ok {
                if let Some((_, e)) = &i.else_branch {
                    self.err_spans.push(ctx.pos.of(&**e));
                }
            }
            if err {
                self.err_spans.push(ctx.pos.of(&i.then_branch));
            }
            if err {
                if else_exits {
                    self.success_exit = true;
                }
                if block_continues(&i.then_branch) {
                    self.continue_on_err = true;
                }
                if !block_exits(&i.then_branch) || block_continues(&i.then_branch) {
                    self.err_continues = true;
                    self.untimed_err_continues = true;
                }
            }
        }
    }
}

/// Walks the loop's condition and body for [`Evidence`]. The spans (`await_spans`,
/// `exempt`) cost a token stream per node, and matter only for a loop that sleeps
/// nowhere: they are collected when `spans` is set (a second walk, then).
/// An `Err` arm guarded by a timeout question (`Err(e) if e.is_timeout()`, the
/// catalogue's `timeout-questions`): the attempt it retries has waited its timeout.
fn asks_timeout(ctx: &Ctx, arm: &syn::Arm) -> bool {
    let Some((_, guard)) = &arm.guard else {
        return false;
    };
    let questions = &ctx.catalog.timeout_questions;
    match &**guard {
        Expr::MethodCall(m) => m.args.is_empty() && questions.iter().any(|q| m.method == q),
        _ => false,
    }
}

pub(super) fn collect(ctx: &Ctx, shape: &Shape<'_>, spans: bool) -> Evidence {
    let mut ev = Evidence {
        checks: shape.implied_check,
        success_exit: shape.implied_check,
        err_continues: shape.implied_check,
        untimed_err_continues: shape.implied_check,
        ..Evidence::default()
    };
    for part in &shape.parts {
        let mut f = |seen: Seen<'_>| ev.see(ctx, seen, spans);
        match part {
            Part::Expr(x) => walk_expr(x, Options::default(), &mut f),
            Part::Block(b) => super::super::walk::walk_block(b, Options::default(), &mut f),
        }
    }
    if ev.continue_on_err && shape.body.stmts.iter().any(stmt_exits) {
        ev.success_exit = true;
    }
    ev
}

/// Methods that take the next item of a stream, channel or socket.
pub(super) const CONSUMERS: &[&str] = &[
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

pub(super) fn consumes(scrutinee: &Expr) -> bool {
    let mut e = strip_refs(scrutinee);
    if let Expr::Await(a) = e {
        e = &a.base;
    }
    matches!(e, Expr::MethodCall(m) if CONSUMERS.iter().any(|c| m.method == c))
}

pub(super) fn strip_refs(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_refs(&r.expr),
        Expr::Paren(p) => strip_refs(&p.expr),
        _ => e,
    }
}

/// Whether `e` awaits: `.await`, or a `select!`/`join!` (which await their futures).
pub(super) fn contains_await(e: &Expr) -> bool {
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

pub(super) fn awaits_inside(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "select" | "select_biased" | "join" | "try_join"
        )
    })
}

/// What some comparison reads: a counter (first), else a clock.
pub(super) fn bound(ev: &Evidence, scope: &Scope) -> Bound {
    if ev.schedule_ends {
        return Bound::Counter;
    }
    let mut counters: HashSet<String> = scope.varying.clone();
    counters.retain(|n| !n.is_empty());
    if ev.comparisons.iter().any(|c| reads_any(c, &counters)) {
        return Bound::Counter;
    }
    // Printing a comparison costs a walk: only when no counter bounds the loop.
    let clock = ev.comparisons.iter().any(|c| {
        let text = quote::ToTokens::to_token_stream(c).to_string();
        text.contains("elapsed") || text.contains("Instant") || text.contains("deadline")
    });
    if clock {
        Bound::Clock
    } else {
        Bound::None
    }
}

/// A `match` on an iterator's next item, alone or in a tuple (`match (op().await,
/// retry_iter.next())`), with an arm for `None` (or a tuple holding one) that leaves.
fn ends_with_schedule(m: &syn::ExprMatch) -> bool {
    let (next_at, width) = match strip_refs(&m.expr) {
        Expr::Tuple(t) => match t.elems.iter().position(consumes) {
            Some(i) => (i, t.elems.len()),
            None => return false,
        },
        e if consumes(e) => (0, 1),
        _ => return false,
    };
    let none = |p: &syn::Pat| {
        matches!(p, syn::Pat::Ident(i) if i.ident == "None")
            || matches!(p, syn::Pat::Path(pp) if pp.path.is_ident("None"))
    };
    m.arms.iter().any(|arm| {
        let at = match (&arm.pat, width) {
            (syn::Pat::Tuple(t), w) if w > 1 && t.elems.len() == w => t.elems.get(next_at),
            (p, 1) => Some(p),
            _ => None,
        };
        at.is_some_and(none) && arm.guard.is_none() && exits(&arm.body)
    })
}

/// What limits an open loop's attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bound {
    /// Nothing the body compares.
    None,
    /// A counter: a variable changed in the body.
    Counter,
    /// Only a clock (`elapsed`, `Instant`, `deadline`): a total time.
    Clock,
}

/// A success exit: `return`/`break` as the branch, at its top level, or under an `if`
/// on the response status.
pub(super) fn exits(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) => true,
        Expr::Block(b) => block_exits(&b.block),
        Expr::Paren(p) => exits(&p.expr),
        _ => false,
    }
}

pub(super) fn block_exits(b: &syn::Block) -> bool {
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

pub(super) fn stmt_exits(s: &syn::Stmt) -> bool {
    matches!(s, syn::Stmt::Expr(Expr::Return(_) | Expr::Break(_), _))
}

pub(super) fn status_check(cond: &Expr) -> bool {
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

pub(super) fn continues(e: &Expr) -> bool {
    match e {
        Expr::Continue(_) => true,
        Expr::Block(b) => block_continues(&b.block),
        _ => false,
    }
}

pub(super) fn block_continues(b: &syn::Block) -> bool {
    b.stmts
        .iter()
        .any(|s| matches!(s, syn::Stmt::Expr(Expr::Continue(_), _)))
}

/// Whether `e` leaves the loop somewhere (`return` or `break`, at any depth, outside
/// nested loops and closures).
pub(super) fn leaves(e: &Expr) -> bool {
    let mut found = false;
    walk_expr(e, Options::default(), &mut |seen| leaving(seen, &mut found));
    found
}

/// [`leaves`] for a block.
pub(super) fn block_leaves(b: &syn::Block) -> bool {
    let mut found = false;
    super::super::walk::walk_block(b, Options::default(), &mut |seen| leaving(seen, &mut found));
    found
}

/// The walk of [`leaves`]: notes a `return` or `break` in `found`, does not enter
/// nested loops and closures, and stops once one is found.
fn leaving(seen: Seen<'_>, found: &mut bool) -> bool {
    match seen {
        Seen::Expr(Expr::Closure(_) | Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_)) => {
            return false
        }
        Seen::Expr(Expr::Return(_) | Expr::Break(_)) => *found = true,
        _ => {}
    }
    !*found
}
