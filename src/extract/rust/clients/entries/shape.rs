//! What an expression shows of a file's shape for the per-entry reach: whether a
//! loop runs until the process stops, and whether a listener is bound to an
//! ephemeral port of this host.

use syn::Expr;

use crate::extract::rust::front::ident::with_ident_str;

/// Port `0`: the system picks a free port.
pub(super) fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0")
}

/// A loopback address: `[127, 0, 0, 1]`, `"127.0.0.1"`, `"localhost"`,
/// `Ipv4Addr::LOCALHOST`, `IpAddr::V4(Ipv4Addr::LOCALHOST)`.
pub(super) fn is_loopback(e: &Expr) -> bool {
    match e {
        Expr::Array(a) => {
            let digits: Vec<String> = a
                .elems
                .iter()
                .map(|e| match e {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => i.base10_digits().to_string(),
                    _ => String::new(),
                })
                .collect();
            digits == ["127", "0", "0", "1"]
        }
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => matches!(s.value().as_str(), "127.0.0.1" | "localhost" | "::1"),
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "LOCALHOST"),
        Expr::Call(c) if c.args.len() == 1 => is_loopback(&c.args[0]),
        Expr::Reference(r) => is_loopback(&r.expr),
        _ => false,
    }
}

/// Whether a `loop` ends when its work is done: a `break` of it or a `return` in its
/// body (outside nested closures, async blocks and items; a `break` of a nested loop
/// leaves that loop only), other than one that only gives up on an end of input or
/// a failure. A re-prompt (`loop { match client.login(..).await? { Success => break,
/// TwoFactorRequired => ask() } }`) or a retry until success ends with its work: not
/// a serve or poll loop, which runs until the process stops. A consumer's `None =>
/// break` (its channel closed), an `Err(e) => return Err(e)` or a `let .. else {
/// break }` is how such a loop stops, not a sign that it ends: an exit under a
/// `None` or `Err(..)` arm or in a `let`'s `else` counts only as a `return` of a
/// call's value (`None => return store_key(..).await`: the work's last step). A loop
/// left only inside a macro (`select! { _ = stop => break, .. }`) keeps counting:
/// the macro's body is not read.
pub(super) fn leaves(l: &syn::ExprLoop) -> bool {
    struct Exits<'l> {
        label: Option<&'l syn::Lifetime>,
        depth: u32,
        failing: u32,
        found: bool,
    }
    impl<'a> syn::visit::Visit<'a> for Exits<'_> {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            let ours = match &b.label {
                Some(l) => self.label == Some(l),
                None => self.depth == 0,
            };
            self.found |= ours && self.failing == 0;
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            self.found |= self.failing == 0 || r.expr.as_deref().is_some_and(computed);
        }
        fn visit_arm(&mut self, a: &'a syn::Arm) {
            let failing = u32::from(gives_up(&a.pat));
            self.failing += failing;
            syn::visit::visit_arm(self, a);
            self.failing -= failing;
        }
        fn visit_local_init(&mut self, i: &'a syn::LocalInit) {
            self.visit_expr(&i.expr);
            if let Some((_, diverge)) = &i.diverge {
                self.failing += 1;
                self.visit_expr(diverge);
                self.failing -= 1;
            }
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, w);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, f);
            self.depth -= 1;
        }
        // `if restart_flag.exists() { return Ok(()) }`, `if token.is_cancelled() {
        // break }`: how a worker's loop stops, not its work ending.
        fn visit_expr_if(&mut self, i: &'a syn::ExprIf) {
            self.visit_expr(&i.cond);
            let stop = u32::from(names_a_stop(&i.cond));
            self.failing += stop;
            self.visit_block(&i.then_branch);
            self.failing -= stop;
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut exits = Exits {
        label: l.label.as_ref().map(|l| &l.name),
        depth: 0,
        failing: 0,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut exits, &l.body);
    exits.found
}

/// Whether a condition names a stop: a variable, field or method with a word of
/// `shutdown`, `restart`, `stop`, `cancel` or `terminate` (`restart_flag.exists()`,
/// `self.stopped.load(..)`, `token.is_cancelled()`).
fn names_a_stop(cond: &Expr) -> bool {
    struct Names(bool);
    impl<'a> syn::visit::Visit<'a> for Names {
        fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
            self.0 |= with_ident_str(i, |n| {
                n.split('_').any(|w| {
                    let w = w.to_ascii_lowercase();
                    STOP_WORDS.iter().any(|s| w.starts_with(s))
                })
            });
        }
    }
    let mut names = Names(false);
    syn::visit::Visit::visit_expr(&mut names, cond);
    names.0
}

const STOP_WORDS: [&str; 5] = ["shutdown", "restart", "stop", "cancel", "terminat"];

/// An arm that gives up: `None`, `Err(..)` (also `Ok(None)`, `Some(Err(..))`).
fn gives_up(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Ident(i) => i.ident == "None",
        syn::Pat::Path(p) => p.path.is_ident("None"),
        syn::Pat::TupleStruct(t) => t.path.is_ident("Err") || t.elems.iter().any(gives_up),
        syn::Pat::Or(o) => o.cases.iter().any(gives_up),
        _ => false,
    }
}

/// A value computed by a call (not `Ok(..)`/`Err(..)`/`Some(..)` wrapping): `store_key(..).await`.
fn computed(e: &Expr) -> bool {
    match e {
        Expr::Await(a) => computed(&a.base),
        Expr::Try(t) => computed(&t.expr),
        Expr::MethodCall(_) => true,
        Expr::Call(c) => !matches!(&*c.func, Expr::Path(p)
            if ["Ok", "Err", "Some"].iter().any(|w| p.path.is_ident(w))),
        _ => false,
    }
}

/// Whether a `while`'s condition reads a result to its end, failing out at the
/// first error: `while let Some(r) = stream.message().await?` (a response's
/// messages, a query's rows through `try_next().await?`). The `?` leaves the
/// function when a read fails, so the loop ends with its result; a consumer's
/// `while let Some(m) = rx.recv().await` (no `?`) waits for the next message
/// whatever came before. Known limit: a consumer that reads a stream this way from a
/// crate the catalogue does not list as a consumer framework (which shows the file
/// long-running by itself) is taken for a finite read.
pub(super) fn reads_to_end(cond: &Expr) -> bool {
    let Expr::Let(l) = cond else {
        return false;
    };
    let Expr::Try(t) = &*l.expr else {
        return false;
    };
    // The result may pass through an adapter between the read and the `?`:
    // `stream.try_next().await.map_err(Report::body_stream)?`.
    matches!(super::methods::passed_through(&t.expr), Expr::Await(_))
}

/// Whether an expression awaits (`while let Some(m) = rx.recv().await`).
pub(super) fn awaits(e: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_await(&mut self, _: &'a syn::ExprAwait) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Whether a loop's body awaits: an `.await`, or a `select!`/`join!` (whose futures
/// it awaits) outside nested closures, async blocks and items; or waits for the next
/// connection of a listener in blocking code (`listener.accept()?`: a server's
/// accept loop, simple-smtp-relay's).
pub(super) fn loop_awaits(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_expr_await(&mut self, _: &'a syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            self.0 |= m.method == "accept" && m.args.is_empty();
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            let last = m.path.segments.last();
            self.0 |= last.is_some_and(|s| s.ident == "select" || s.ident == "join");
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_block(&mut f, body);
    f.0
}

/// `listener.incoming()`: a `for` over it takes connections for as long as the
/// process runs, a blocking server's accept loop.
pub(super) fn takes_connections(e: &Expr) -> bool {
    matches!(e, Expr::MethodCall(m) if m.method == "incoming" && m.args.is_empty())
}

/// Whether a `while` that awaits hands on what it waited for: a `return` (outside
/// nested closures, async blocks and items, and outside an arm that gives up) whose
/// value names a variable the loop bound (`while let Some(Ok(msg)) = rx.next().await
/// { if let Message::Text(s) = msg { return Ok(Some(s)) } }`: cargo-shuttle's wait
/// for one reply on a websocket), or that is a literal a `match` on what it read
/// answers (`while let Ok(Some(line)) = lines.next_line().await { match line.trim()
/// { "y" => return true, "n" => return false, _ => ask_again() } }`: surrealdb's
/// download prompt). It ends with its work, as a `loop` that [`leaves`] does; a
/// consumer's `return Ok(())` on a stop message names nothing it read and keeps
/// counting.
pub(super) fn returns_what_it_read(w: &syn::ExprWhile) -> bool {
    use syn::visit::Visit;
    /// The names the loop's patterns bind.
    struct Bound(Vec<String>);
    impl<'a> Visit<'a> for Bound {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    /// Whether an expression names one of them.
    struct Names<'b>(&'b [String], bool);
    impl<'a> Visit<'a> for Names<'_> {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            self.1 |= p
                .path
                .get_ident()
                .is_some_and(|i| self.0.iter().any(|b| i == b));
        }
    }
    struct Returns<'b> {
        bound: &'b [String],
        failing: u32,
        /// Depth of `match`es on what the loop read.
        deciding: u32,
        found: bool,
    }
    impl<'a> Visit<'a> for Returns<'_> {
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            if let (Some(e), 0) = (r.expr.as_deref(), self.failing) {
                let mut n = Names(self.bound, false);
                n.visit_expr(e);
                self.found |= n.1 || (self.deciding > 0 && matches!(e, Expr::Lit(_)));
            }
        }
        fn visit_expr_match(&mut self, m: &'a syn::ExprMatch) {
            let mut n = Names(self.bound, false);
            n.visit_expr(&m.expr);
            let deciding = u32::from(n.1);
            self.visit_expr(&m.expr);
            self.deciding += deciding;
            for arm in &m.arms {
                self.visit_arm(arm);
            }
            self.deciding -= deciding;
        }
        fn visit_arm(&mut self, a: &'a syn::Arm) {
            let failing = u32::from(gives_up(&a.pat));
            self.failing += failing;
            syn::visit::visit_arm(self, a);
            self.failing -= failing;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut bound = Bound(Vec::new());
    if let Expr::Let(l) = &*w.cond {
        bound.visit_pat(&l.pat);
    }
    bound.visit_block(&w.body);
    if bound.0.is_empty() {
        return false;
    }
    let mut returns = Returns {
        bound: &bound.0,
        failing: 0,
        deciding: 0,
        found: false,
    };
    returns.visit_block(&w.body);
    returns.found
}

/// Whether the `while` at `stmts[i]` gathers into a variable the block declares
/// `let mut` before it and reads after it (`let mut counts = ..; while let Some(r) =
/// stream.next().await { *counts.entry(..) += 1 } let total = counts..`): it reads a
/// finite stream to its end for a result, as a command's report does, not a
/// consumer's loop that lasts as long as the process.
pub(super) fn collects(stmts: &[syn::Stmt], i: usize) -> bool {
    use syn::visit::Visit;
    struct Names<'n>(&'n [String], bool);
    impl<'a> Visit<'a> for Names<'_> {
        fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
            self.1 |= self.0.iter().any(|n| i == n);
        }
    }
    let Some(syn::Stmt::Expr(Expr::While(w), _)) = stmts.get(i) else {
        return false;
    };
    let declared: Vec<String> = stmts[..i]
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Local(syn::Local {
                pat: syn::Pat::Ident(p),
                ..
            }) if p.mutability.is_some() => Some(p.ident.to_string()),
            syn::Stmt::Local(syn::Local {
                pat: syn::Pat::Type(t),
                ..
            }) => match &*t.pat {
                syn::Pat::Ident(p) if p.mutability.is_some() => Some(p.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    declared.iter().any(|name| {
        let one = std::slice::from_ref(name);
        let mut body = Names(one, false);
        body.visit_block(&w.body);
        let mut after = Names(one, false);
        stmts[i + 1..].iter().for_each(|s| after.visit_stmt(s));
        body.1 && after.1
    })
}

/// Whether the `while` at `stmts[i]` reads a stream that ends: its condition awaits
/// the next item of a variable (`while let Some(page) = pages.next().await`, the last
/// expression of a block condition too) that the block binds before it to a finite
/// source ([`finite_source`]): a paginator, a stream over a collection, or an adapter
/// over one (`let buffered = downloads.buffer_unordered(8)`). A command pages through
/// a listing or downloads a known set this way; a consumer reads a channel or a
/// subscription, which has no end.
pub(super) fn reads_finite(stmts: &[syn::Stmt], i: usize) -> bool {
    let Some(syn::Stmt::Expr(Expr::While(w), _)) = stmts.get(i) else {
        return false;
    };
    let Expr::Let(l) = &*w.cond else {
        return false;
    };
    let mut read = &*l.expr;
    loop {
        match read {
            Expr::Try(t) => read = &t.expr,
            Expr::Await(a) => read = &a.base,
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(e, None)) => read = e,
                _ => return false,
            },
            _ => break,
        }
    }
    let Expr::MethodCall(m) = read else {
        return false;
    };
    let next = m.method == "next" || m.method == "try_next";
    next && bound_name(&m.receiver).is_some_and(|v| finite_binding(&stmts[..i], &v, 2))
}

/// The variable an expression names (`pages`, `&mut pages`).
fn bound_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => bound_name(&r.expr),
        _ => None,
    }
}

/// Whether the last `let` of `name` among `stmts` binds a finite source
/// ([`finite_source`]), following a variable it is made from `depth` more times.
fn finite_binding(stmts: &[syn::Stmt], name: &str, depth: u32) -> bool {
    let init = stmts.iter().rev().find_map(|s| match s {
        syn::Stmt::Local(syn::Local {
            pat,
            init: Some(init),
            ..
        }) if pat_names(pat, name) => Some(&*init.expr),
        _ => None,
    });
    init.is_some_and(|e| finite_source(e, stmts, depth))
}

/// Whether a `let` pattern binds `name` (`x`, `mut x`, `x: T`).
fn pat_names(pat: &syn::Pat, name: &str) -> bool {
    pat_ident(pat).is_some_and(|i| i == name)
}

/// The variable a `let` pattern binds (`x`, `mut x`, `x: T`).
pub(super) fn pat_ident(pat: &syn::Pat) -> Option<&syn::Ident> {
    match pat {
        syn::Pat::Ident(p) => Some(&p.ident),
        syn::Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// Whether an expression makes a stream that ends: a chain through
/// `into_paginator()` (an SDK's pages of a listing), one starting at `stream::iter(..)`
/// or `iter(..)` (a stream over a collection), a `stream!` or `try_stream!` whose body
/// pages, or an adapter over a variable bound to one (`downloads.buffer_unordered(8)`).
fn finite_source(e: &Expr, stmts: &[syn::Stmt], depth: u32) -> bool {
    let mut e = e;
    loop {
        match e {
            Expr::MethodCall(m) if m.method == "into_paginator" => return true,
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Await(a) => e = &a.base,
            Expr::Try(t) => e = &t.expr,
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return false;
                };
                return p.path.segments.last().is_some_and(|s| s.ident == "iter");
            }
            Expr::Macro(m) => {
                let last = m.mac.path.segments.last();
                let stream = last.is_some_and(|s| s.ident == "stream" || s.ident == "try_stream");
                return stream && pages(m.mac.tokens.clone());
            }
            Expr::Path(_) if depth > 0 => {
                return bound_name(e).is_some_and(|v| finite_binding(stmts, &v, depth - 1));
            }
            _ => return false,
        }
    }
}

/// Whether a token stream names `into_paginator`.
fn pages(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "into_paginator",
        proc_macro2::TokenTree::Group(g) => pages(g.stream()),
        _ => false,
    })
}

/// Whether a `while` with an empty body waits on a signal (`while
/// tokio::signal::ctrl_c().await.is_ok() {}`): it swallows the signal (rattler's
/// `exec` leaves Ctrl-C to the child it runs), neither a daemon's wait for shutdown
/// nor a loop that does work; nothing in it is a client either.
pub(crate) fn ignores_signal(w: &syn::ExprWhile) -> bool {
    w.body.stmts.is_empty() && super::signals::names_signal(&w.cond) && awaits(&w.cond)
}
