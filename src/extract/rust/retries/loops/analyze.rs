//! The decision on one candidate loop: is it a retry, what is its delay, is it
//! unbounded.

use super::super::delay::Site;
use super::*;

/// `timed`: the loop runs inside a `timeout(..)` call, a total time bound.
pub(super) fn analyze(ctx: &Ctx, e: &Expr, timed: bool) -> Option<RetryFact> {
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
    if pages(&shape, &ev, &mut scope) {
        return None;
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
    let attempt_awaits = attempt_awaits(&ev, &scope, lets);
    if picks_another(&ev, &shape, &scope) {
        return None;
    }
    let blocking_sleep = sites.iter().any(|s| s.blocking);
    // A retry helper: the attempt calls a parameter of the function (`f()`, `op()`),
    // awaited or not, with or without a sleep.
    let helper = helper_of(ctx, &ev, shape.at);
    if !(attempt_awaits || blocking_sleep || helper.is_some())
        || !ev.checks
        || !ev.success_exit
        || !ev.err_continues
    {
        return None;
    }
    if !counts_attempts(&shape, &scope) {
        return None;
    }
    let (decisive, notified, (delay, delay_seconds)) =
        wait_of(ctx, &shape, &ev, &sites, implied_attempt);
    let stops = stops_otherwise(&shape, &ev, &scope, lets, &sites, notified)
        || stops_on_state(&shape, &ev, &scope);
    let (unbounded, deadline, attempt_limit) = limits(&shape, &ev, &scope, stops, timed);
    let found = super::super::reach::in_loop(ctx, &shape.parts, shape.at);
    // The whole loop: requests made inside it count for [`super::super::reach`].
    let body = ctx.pos.of(e);
    Some(RetryFact {
        span: shape.header,
        source: RetrySource::Loop { form: shape.form },
        delay,
        delay_span: decisive.map(|s| s.span),
        delay_seconds,
        unbounded,
        attempt_limit,
        deadline,
        startup: false,
        // The condition (`while let Err(e) = call().await`) and the body.
        target: ctx.target_in_parts(&shape.parts, lets),
        body,
        calls: found.calls,
        reaches: found.evidence,
        helper,
        method: found.method,
        key: found.key,
    })
}

/// How the loop waits between attempts: the sleep that decides its delay, whether
/// the failure path waits on something else instead, and the delay ([`delay_of`]).
fn wait_of<'s>(
    ctx: &Ctx,
    shape: &Shape<'_>,
    ev: &Evidence,
    sites: &'s [Site],
    implied_attempt: Option<&Expr>,
) -> (Option<&'s Site>, bool, (Delay, Option<f64>)) {
    let decisive = sites.iter().max_by_key(|s| s.delay);
    // No sleep, but the failure path awaits something else (a notification, the reader
    // making room): it waits, for how long is unknown.
    // Only asked when nothing sleeps: the spans come from a second walk then.
    let notified = decisive.is_none() && waits_otherwise(ctx, shape, implied_attempt);
    // Only timed-out attempts go round: each has waited its timeout, of a length the
    // client decides.
    let timed_out = ev.err_continues && !ev.untimed_err_continues;
    let delay = delay_of(sites, decisive, notified || timed_out);
    (decisive, notified, delay)
}

/// Whether an open loop is unbounded (nothing limits it: no counter, clock, stop or
/// enclosing timeout), whether a total time alone limits it (a wait-for-ready poll
/// under a deadline), and whether an attempt count does (a range, a counter compared).
fn limits(
    shape: &Shape<'_>,
    ev: &Evidence,
    scope: &Scope,
    stops: bool,
    timed: bool,
) -> (bool, bool, bool) {
    let bound = bound(ev, scope);
    let unbounded = shape.open && bound == Bound::None && !stops && !timed;
    let deadline = shape.open && (bound == Bound::Clock || (bound == Bound::None && timed));
    let attempt_limit = !shape.open || bound == Bound::Counter;
    (unbounded, deadline, attempt_limit)
}

/// The loop's delay (the longest-growing wait decides; none but a notification:
/// unknown) and, when constant, its shortest written length.
fn delay_of(
    sites: &[super::super::delay::Site],
    decisive: Option<&super::super::delay::Site>,
    notified: bool,
) -> (Delay, Option<f64>) {
    let delay = match decisive {
        Some(s) => s.delay,
        None if notified => Delay::Unknown,
        None => Delay::None,
    };
    let seconds = (delay == Delay::Constant)
        .then(|| shortest_constant(sites))
        .flatten();
    (delay, seconds)
}

/// The shortest of the constant waits, when every one is written down.
fn shortest_constant(sites: &[super::super::delay::Site]) -> Option<f64> {
    sites
        .iter()
        .filter(|s| s.delay == Delay::Constant)
        .map(|s| s.seconds)
        .try_fold(f64::INFINITY, |m, s| s.map(|s| m.min(s)))
        .filter(|s| s.is_finite())
}

/// Whether the loop's condition or body asks a cancellation token (`cancelled()`,
/// `is_cancelled()`), macro bodies (`select!` branches) included, or reads a shutdown
/// receiver (`shutdown.changed()`, `stop_rx.recv()`, `*shutdown.borrow()`: a `watch`
/// or `broadcast` channel named for stopping).
fn exits_on_cancellation(words: &[String]) -> bool {
    if words
        .iter()
        .any(|w| w == "cancelled" || w == "is_cancelled")
    {
        return true;
    }
    words.windows(3).any(|w| {
        super::super::named_for_stopping(&w[0])
            && w[1] == "."
            && matches!(
                w[2].as_str(),
                "changed" | "recv" | "borrow" | "has_changed" | "is_closed"
            )
    })
}

/// Whether the attempt is a task's outcome (`tokio::spawn(..)`'s handle awaited,
/// `spawn_blocking`, `catch_unwind`, a `JoinSet`): a supervisor restarting the task
/// after a panic or an exit, not a retry of a remote call.
fn supervises(ev: &Evidence, scope: &Scope, lets: &crate::extract::rust::retries::Lets) -> bool {
    let task = |i: &proc_macro2::Ident| {
        i == "spawn" || i == "spawn_blocking" || i == "catch_unwind" || i == "join_next"
    };
    let has = |e: &Expr| {
        crate::extract::rust::retries::walk::has_ident(&quote::ToTokens::to_token_stream(e), &task)
    };
    ev.attempts.iter().any(|a| {
        if has(a) {
            return true;
        }
        // `let handle = tokio::spawn(..); match handle.await {..}`
        let mut base = strip_refs(a);
        while let Expr::Await(x) = base {
            base = strip_refs(&x.base);
        }
        let Some(n) = super::super::delay::name_of(base) else {
            return false;
        };
        scope
            .lets
            .get(&n)
            .is_some_and(|inits| inits.iter().any(has))
            || lets.get(&n).is_some_and(has)
    })
}

/// Whether the loop polls: some success goes round again without leaving (the
/// condition is not met yet) and the loop sleeps outside its error handling, so it
/// waits after a success too. It waits for something to happen, and is not an
/// endless retry of a failure.
fn polls(ev: &Evidence, sites: &[super::super::delay::Site]) -> bool {
    ev.ok_waits
        && sites.iter().any(|s| {
            !ev.err_spans
                .iter()
                .any(|e| e.start <= s.span.start && s.span.end <= e.end)
        })
}

/// Whether the loop returns when a channel it receives from closes (`recv()` and a
/// `None => return` arm, as in a `select!` that waits out the backoff while listening
/// to its session): the loop stops when its owner goes away, like a cancelled task.
/// atuin's lab-share relay reconnects with backoff until the session drops its sender.
fn exits_when_its_channel_closes(words: &[String]) -> bool {
    let receives = words.iter().any(|w| w == "recv" || w == "recv_async");
    receives
        && words
            .windows(4)
            .any(|w| w[0] == "None" && w[1] == "=" && w[2] == ">" && w[3] == "return")
}

/// The identifiers and punctuation of the loop's condition and body, groups opened in
/// place: read by [`exits_on_cancellation`] and [`exits_when_its_channel_closes`],
/// printed once for both (printing a body back to tokens costs as much as a walk).
fn loop_words(parts: &[Part<'_>]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for part in parts {
        let tokens = match part {
            Part::Expr(x) => quote::ToTokens::to_token_stream(*x),
            Part::Block(b) => quote::ToTokens::to_token_stream(*b),
        };
        flatten(tokens, &mut words, 0);
    }
    words
}

/// The identifiers and punctuation of `tokens`, groups opened in place (bounded depth).
fn flatten(tokens: proc_macro2::TokenStream, out: &mut Vec<String>, depth: usize) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Group(g) if depth < 32 => flatten(g.stream(), out, depth + 1),
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Punct(p) => out.push(p.as_char().to_string()),
            _ => {}
        }
    }
}

/// Whether the loop's counter goes into the call that is checked (paging, not
/// retrying); otherwise a named counter varies between attempts.
fn pages(shape: &Shape, ev: &Evidence, scope: &mut Scope) -> bool {
    let Some(c) = &shape.counter else {
        return false;
    };
    let named = c != "_" && !c.starts_with('_');
    if named
        && ev
            .attempts
            .iter()
            .any(|s| super::super::delay::mentions(s, c))
    {
        return true;
    }
    if named {
        scope.varying.insert(c.clone());
    }
    false
}

/// Whether an attempt is awaited: directly, or through a name the body awaits (a
/// name it never binds with `let` comes from a pattern and counts when it awaits at all).
fn attempt_awaits(
    ev: &Evidence,
    scope: &Scope,
    lets: &crate::extract::rust::retries::Lets,
) -> bool {
    ev.attempts.iter().any(|s| {
        contains_await(s)
            || super::super::delay::name_of(strip_refs(s)).is_some_and(|n| {
                ev.awaited_names.contains(&n)
                    || (ev.awaits && !scope.lets.contains_key(&n) && !lets.contains_key(&n))
            })
    })
}

/// Whether `e` (or a `let` of the loop body it reads) indexes with something that
/// depends on one of `names`.
pub(super) fn indexed_by(e: &Expr, names: &HashSet<String>, scope: &Scope, depth: usize) -> bool {
    if depth > 4 || names.is_empty() {
        return false;
    }
    let mut found = false;
    walk_expr(e, Options::default(), &mut |seen| {
        if let Seen::Expr(x) = seen {
            match x {
                Expr::Index(i) if depends_on(&i.index, names, scope, depth + 1) => found = true,
                _ => {
                    if let Some(inits) =
                        super::super::delay::name_of(x).and_then(|n| scope.lets.get(&n))
                    {
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
pub(super) fn depends_on(e: &Expr, names: &HashSet<String>, scope: &Scope, depth: usize) -> bool {
    if depth > 6 {
        return false;
    }
    reads_any(e, names)
        || scope.lets.iter().any(|(n, inits)| {
            super::super::delay::mentions(e, n)
                && inits
                    .iter()
                    .any(|init| depends_on(init, names, scope, depth + 1))
        })
}

/// Names the body lends out mutably (`advance(&mut attempt)`): they may change.
pub(super) fn lent_mutably(parts: &[Part<'_>]) -> HashSet<String> {
    let mut out = HashSet::new();
    for part in parts {
        let mut f = |seen: Seen<'_>| {
            if let Seen::Expr(Expr::Reference(r)) = seen {
                if r.mutability.is_some() {
                    if let Some(n) = super::super::delay::name_of(&r.expr) {
                        out.insert(n);
                    }
                }
            }
            true
        };
        match part {
            Part::Expr(x) => walk_expr(x, Options::default(), &mut f),
            Part::Block(b) => super::super::walk::walk_block(b, Options::default(), &mut f),
        }
    }
    out
}

/// Failover, iteration or consumption, not a retry of the same call: each attempt
/// calls something picked by the counter (`services[attempt]`), directly or through
/// a `let` of the body, takes the next item of a stream, or uses an item picked from
/// an iterator.
fn picks_another(ev: &Evidence, shape: &Shape<'_>, scope: &Scope) -> bool {
    let mut counters = scope.varying.clone();
    counters.extend(shape.counter.clone());
    counters.extend(lent_mutably(&shape.parts));
    if ev
        .attempts
        .iter()
        .any(|s| indexed_by(s, &counters, scope, 0))
    {
        return true;
    }
    if ev.attempts.iter().any(consumes) {
        return true;
    }
    if ev.picked.iter().any(|n| {
        ev.attempts
            .iter()
            .any(|s| super::super::delay::mentions(s, n))
    }) {
        return true;
    }
    false
}

/// Whether the failure path awaits something other than the attempt (a
/// notification, the reader making room): asked only when nothing sleeps, since the
/// await spans come from a second walk of the loop.
fn waits_otherwise(ctx: &Ctx, shape: &Shape<'_>, implied_attempt: Option<&Expr>) -> bool {
    let spanned = collect(ctx, shape, true);
    let mut exempt = spanned.exempt;
    exempt.extend(implied_attempt.map(|a| ctx.pos.of(a)));
    spanned
        .await_spans
        .iter()
        .any(|a| !exempt.iter().any(|x| x.start <= a.start && a.end <= x.end))
}

/// The function's name when an attempt calls one of its parameters (`match f() {..}`,
/// `if let Ok(v) = op().await`): a retry helper taking the work as a closure.
fn helper_of(ctx: &Ctx, ev: &Evidence, at: proc_macro2::LineColumn) -> Option<String> {
    let sig = ctx.enclosing_sig(at)?;
    let params: Vec<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => super::super::delay::pat_name(&t.pat),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let calls_param = |e: &Expr| {
        let mut found = false;
        walk_expr(e, Options::default(), &mut |seen| {
            if let Seen::Expr(Expr::Call(c)) = seen {
                if let Expr::Path(p) = &*c.func {
                    found |= p
                        .path
                        .get_ident()
                        .is_some_and(|i| params.iter().any(|n| i == n));
                }
            }
            !found
        });
        found
    };
    ev.attempts
        .iter()
        .any(calls_param)
        .then(|| sig.ident.to_string())
}

/// Whether the loop ends by itself although nothing counts attempts: it waits for a
/// notification between attempts (`notified`, waiting for a condition rather than
/// retrying blindly), leaves when its task is cancelled or shut down, or its channel
/// closes, supervises a task, or polls.
fn stops_otherwise(
    shape: &Shape<'_>,
    ev: &Evidence,
    scope: &Scope,
    lets: &crate::extract::rust::retries::Lets,
    sites: &[super::super::delay::Site],
    notified: bool,
) -> bool {
    notified
        || {
            let words = loop_words(&shape.parts);
            exits_on_cancellation(&words) || exits_when_its_channel_closes(&words)
        }
        || supervises(ev, scope, lets)
        || polls(ev, sites)
        || schedule_ends(shape)
}

/// Whether the loop leaves when its backoff schedule runs out: it takes each delay
/// from an iterator (`backoff.next()`, `next_backoff()`) and returns or breaks on
/// `None` (`match backoff.next() { Some(d) => sleep(d), None => return Err(e) }`,
/// `let Some(d) = backoff.next() else { break }`). The schedule's length bounds it.
fn schedule_ends(shape: &Shape<'_>) -> bool {
    let next = |e: &Expr| {
        matches!(e, Expr::MethodCall(m) if ["next", "next_backoff", "next_delay"]
            .iter()
            .any(|n| m.method == n))
    };
    let none = |p: &Pat| matches!(p, Pat::Ident(i) if i.ident == "None");
    let mut ends = false;
    let mut f = |seen: Seen<'_>| {
        match seen {
            Seen::Expr(Expr::Match(m)) if next(&m.expr) => {
                ends |= m.arms.iter().any(|a| none(&a.pat) && exits(&a.body));
            }
            // `if e.is_retryable() && let Some(d) = backoff.next() { sleep(d).await;
            // continue }` (a let chain), `if let Some(d) = backoff.next() { .. } else {
            // return Err(e) }`: the loop goes round only while the schedule yields.
            Seen::Expr(Expr::If(i)) if takes_next(&i.cond, &next) => {
                let goes_round = i
                    .then_branch
                    .stmts
                    .last()
                    .is_some_and(|s| matches!(s, syn::Stmt::Expr(Expr::Continue(_), _)));
                let else_exits = i.else_branch.as_ref().is_some_and(|(_, e)| exits(e));
                ends |= goes_round || else_exits;
            }
            Seen::Local(l) => {
                let Some(init) = &l.init else { return true };
                ends |= next(&init.expr) && init.diverge.as_ref().is_some_and(|(_, d)| exits(d));
            }
            _ => {}
        }
        true
    };
    for part in &shape.parts {
        match part {
            Part::Expr(e) => walk_expr(e, Options::default(), &mut f),
            Part::Block(b) => super::super::walk::walk_block(b, Options::default(), &mut f),
        }
    }
    ends
}

/// Whether an `if` condition binds `Some(..)` from the next delay of a schedule, alone
/// or in a let chain (`a && let Some(d) = backoff.next()`).
fn takes_next(cond: &Expr, next: &impl Fn(&Expr) -> bool) -> bool {
    match cond {
        Expr::Let(l) => {
            next(&l.expr) && matches!(&*l.pat, Pat::TupleStruct(t) if t.path.is_ident("Some"))
        }
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            takes_next(&b.left, next) || takes_next(&b.right, next)
        }
        Expr::Paren(p) => takes_next(&p.expr, next),
        _ => false,
    }
}

/// `while cond`: a retry only when the condition counts attempts (other forms pass).
fn counts_attempts(shape: &Shape<'_>, scope: &Scope) -> bool {
    match (shape.open, shape.form, shape.parts.first()) {
        (false, "while", Some(Part::Expr(cond))) => reads_any(cond, &scope.varying),
        _ => true,
    }
}

/// Whether the body leaves, at its top level, on a question about the program's own
/// state that the attempt does not answer (`if is_offline() { break }`, `if
/// !self.running.load(Relaxed) { return }`): the loop ends when its task is no longer
/// wanted, as a cancelled one does (openobserve's NATS keep-alive re-registers until
/// it succeeds or the node goes offline). A condition that awaits, uses `?`, reads a
/// name the body binds or assigns (the attempt's result, a `done` flag) or a counter,
/// or calls what the attempt calls, is not such a question.
fn stops_on_state(shape: &Shape<'_>, ev: &Evidence, scope: &Scope) -> bool {
    let questions = shape.body.stmts.iter().filter_map(|s| match s {
        syn::Stmt::Expr(Expr::If(i), _)
            if i.else_branch.is_none() && i.then_branch.stmts.last().is_some_and(stmt_exits) =>
        {
            Some(&*i.cond)
        }
        _ => None,
    });
    let mut questions = questions.peekable();
    if questions.peek().is_none() {
        return false;
    }
    let local = names_set_in(shape.body);
    let attempted: HashSet<String> = ev.attempts.iter().flat_map(called_names).collect();
    questions.into_iter().any(|cond| {
        let called = called_names(cond);
        let mut plain = true;
        walk_expr(cond, Options::default(), &mut |seen| {
            if let Seen::Expr(x) = seen {
                plain &= !matches!(x, Expr::Await(_) | Expr::Try(_) | Expr::Macro(_));
                // `local` holds every `let` and assignment of the body (the attempt's
                // result, awaited names, counters changed there); `varying` adds the
                // `for` counter.
                if let Some(n) = super::super::delay::name_of(x) {
                    plain &= !(local.contains(&n) || scope.varying.contains(&n));
                }
            }
            plain
        });
        plain && !called.is_empty() && called.iter().all(|c| !attempted.contains(c))
    })
}

/// The function and method names an expression calls.
fn called_names(e: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    walk_expr(e, Options::default(), &mut |seen| {
        match seen {
            Seen::Expr(Expr::Call(c)) => {
                if let Expr::Path(p) = &*c.func {
                    if let Some(s) = p.path.segments.last() {
                        names.push(s.ident.to_string());
                    }
                }
            }
            Seen::Expr(Expr::MethodCall(m)) => names.push(m.method.to_string()),
            _ => {}
        }
        true
    });
    names
}

/// Names the block binds with `let` or assigns (`x = ..`, `x += ..`), at any depth.
fn names_set_in(b: &syn::Block) -> HashSet<String> {
    let mut names = HashSet::new();
    super::super::walk::walk_block(b, Options::default(), &mut |seen| {
        match seen {
            Seen::Local(l) => names.extend(super::super::delay::pat_names(&l.pat)),
            Seen::Expr(Expr::Assign(a)) => names.extend(super::super::delay::name_of(&a.left)),
            Seen::Expr(Expr::Binary(b)) if super::super::delay::is_compound_assign(&b.op) => {
                names.extend(super::super::delay::name_of(&b.left))
            }
            _ => {}
        }
        true
    });
    names
}
