//! Retry-crate strategies in one function body: where each strategy is built, the
//! names it goes by, what bounds it and whether it reaches a run call. Collected in
//! one walk ([`BodyScan::see`]), then judged per strategy ([`BodyScan::facts`]).

use std::collections::HashMap;

use proc_macro2::TokenStream;
use syn::Expr;

use super::catalog::RetryCrate;
use super::crates::{any_method, chain, root_var, strategy_root, Chain, Found};
use super::delay::pat_name;
use super::walk::{walk_block, Options, Seen};
use super::{Ctx, RetryFact};
use crate::extract::rust::front::items::Items;

/// The strategy facts of one function body.
pub(super) fn in_body(ctx: &Ctx, block: &syn::Block) -> Vec<RetryFact> {
    // Only a strategy found in the body makes a fact; its path needs certain words.
    if !ctx.may_name_strategy(block) {
        return Vec::new();
    }
    let mut scan = BodyScan::default();
    let mut pending_let: Option<String> = None;
    let options = Options {
        macro_idents: Some(&|i| ctx.is_crate_ident(i)),
        ..Options::default()
    };
    walk_block(block, options, &mut |seen| match seen {
        Seen::Local(l) => {
            pending_let = l.init.as_ref().and_then(|_| pat_name(&l.pat));
            true
        }
        Seen::Expr(e) => scan.see(ctx, e, pending_let.take()),
    });
    if scan.found.is_empty() {
        return Vec::new();
    }
    scan.facts(ctx, block)
}

/// What the walk of one body records.
#[derive(Default)]
struct BodyScan<'k> {
    found: Vec<Found<'k>>,
    /// `let x = <strategy>`: index into `found` by name.
    bindings: HashMap<String, usize>,
    /// Indexes of strategies passed straight to a run call, with the call's tokens.
    fed: HashMap<usize, TokenStream>,
    /// Variables passed to a run call, with whether a bound was applied on the way.
    fed_vars: Vec<(String, bool, TokenStream)>,
    /// Variables some chain bounds (`s.take(3)`), by method list per crate checked later.
    var_chains: Vec<(String, Vec<&'k str>)>,
    /// `let b = a.clone();`: `b` is the strategy `a` names.
    aliases: HashMap<String, String>,
}

/// Whether an expression can be a strategy or a chain on a variable (most are neither).
fn interesting(e: &Expr) -> bool {
    let mut root = e;
    while let Expr::MethodCall(m) = root {
        root = &m.receiver;
    }
    let shaped = matches!(
        root,
        Expr::Call(_)
            | Expr::Struct(_)
            | Expr::Path(_)
            | Expr::Paren(_)
            | Expr::Reference(_)
            | Expr::Try(_)
    ) && (matches!(e, Expr::MethodCall(_)) || !matches!(root, Expr::Path(_)));
    shaped || matches!(e, Expr::MethodCall(_) | Expr::Call(_))
}

impl<'k> BodyScan<'k> {
    /// Records expression `e` (the initializer of `let binding` when there is one);
    /// returns whether the walk goes inside it (not inside a strategy's chain).
    fn see(&mut self, ctx: &Ctx<'k>, e: &Expr, binding: Option<String>) -> bool {
        if !interesting(e) {
            return true;
        }
        let c = chain(e);
        if let Some((hit, unbound_field, target)) = strategy_root(ctx, c.root) {
            let unbound = unbound_field || any_method(&hit.krate.unbound_methods, &c.methods);
            let bound = any_method(&hit.krate.bound_methods, &c.methods);
            self.found.push(Found {
                hit,
                expr: e.clone(),
                root_span: ctx.pos.of(c.root),
                unbound,
                bound,
                target,
            });
            if let Some(name) = binding {
                self.bindings.insert(name, self.found.len() - 1);
            }
            return false;
        }
        self.variable_chain(ctx, &c, binding);
        if let Expr::MethodCall(m) = e {
            self.run_method(ctx, m);
        }
        if let Expr::Call(call) = e {
            self.run_call(ctx, call);
        }
        true
    }

    /// A chain on a variable: an alias (`let b = a.clone()`) or a bound (`a.take(3)`).
    fn variable_chain(&mut self, ctx: &Ctx<'k>, c: &Chain, binding: Option<String>) {
        if let (Some(name), Some(var)) = (&binding, root_var(c)) {
            if c.methods
                .iter()
                .all(|(m, _)| *m == "clone" || *m == "to_owned")
            {
                self.aliases.insert(name.clone(), var);
            }
        }
        if let Some(var) = root_var(c) {
            // Only chains that call a bound method matter; keep the crates that it bounds.
            let bounds: Vec<&str> = ctx
                .catalog
                .crates
                .iter()
                .filter(|k| any_method(&k.bound_methods, &c.methods))
                .map(|k| k.name.as_str())
                .collect();
            if !bounds.is_empty() {
                self.var_chains.push((var, bounds));
            }
        }
    }

    /// `operation.retry(strategy)`: the operation is the receiver.
    fn run_method(&mut self, ctx: &Ctx<'k>, m: &syn::ExprMethodCall) {
        let runs = ctx
            .catalog
            .crates
            .iter()
            .any(|k| k.run_methods.iter().any(|r| m.method == r));
        if runs
            && m.args
                .iter()
                .any(|a| strategy_root(ctx, chain(a).root).is_some())
        {
            self.fed.insert(
                self.found.len(),
                quote::ToTokens::to_token_stream(&m.receiver),
            );
        }
    }

    /// `Retry::spawn(strategy, operation)`: a run function fed a strategy or a variable.
    fn run_call(&mut self, ctx: &Ctx<'k>, call: &syn::ExprCall) {
        let Expr::Path(p) = &*call.func else { return };
        if !(ctx.may_name_catalogued(&p.path) && ctx.catalog.is_run(&ctx.resolve(&p.path))) {
            return;
        }
        let target = quote::ToTokens::to_token_stream(&call.args);
        for arg in call.args.items() {
            let ac = chain(arg);
            if let Some(var) = root_var(&ac) {
                let bound = ctx
                    .catalog
                    .crates
                    .iter()
                    .any(|k| any_method(&k.bound_methods, &ac.methods));
                self.fed_vars.push((var, bound, target.clone()));
            } else if strategy_root(ctx, ac.root).is_some() {
                // Marked below, once the chain itself is recorded.
                self.fed.insert(self.found.len(), target.clone());
            }
        }
    }

    /// The names strategy `i` goes by: its `let` and any alias of it.
    fn names_of(&self, i: usize) -> Vec<String> {
        let name = self
            .bindings
            .iter()
            .find(|(_, &j)| j == i)
            .map(|(n, _)| n.clone());
        let mut names: Vec<String> = name.iter().cloned().collect();
        for _ in 0..4 {
            let more: Vec<String> = self
                .aliases
                .iter()
                .filter(|(alias, of)| names.contains(of) && !names.contains(alias))
                .map(|(alias, _)| alias.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            names.extend(more);
        }
        names
    }

    fn var_bounded(&self, name: &str, krate: &RetryCrate) -> bool {
        self.var_chains
            .iter()
            .any(|(v, crates)| v == name && crates.contains(&krate.name.as_str()))
    }

    /// One fact per strategy found.
    fn facts(&self, ctx: &Ctx, block: &syn::Block) -> Vec<RetryFact> {
        let lets = ctx.fn_lets(block.brace_token.span.join().start());
        self.found
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let names = self.names_of(i);
                // A use that reaches a run call with no bound on the way, and no
                // `name.take(n)` anywhere for that name.
                let endless_use = self.fed_vars.iter().find(|(v, bound, _)| {
                    names.contains(v) && !bound && !self.var_bounded(v, f.hit.krate)
                });
                let via_var = endless_use
                    .or_else(|| self.fed_vars.iter().find(|(v, _, _)| names.contains(v)));
                let endless = !f.hit.krate.bounded_by_default
                    && !f.bound
                    && (self.fed.contains_key(&i) || endless_use.is_some());
                let target = f
                    .target
                    .clone()
                    .or_else(|| {
                        self.fed
                            .get(&i)
                            .and_then(|t| ctx.target_in(t.clone(), &lets))
                    })
                    .or_else(|| via_var.and_then(|(_, _, t)| ctx.target_in(t.clone(), &lets)))
                    .or_else(|| ctx.target_in(quote::ToTokens::to_token_stream(&f.expr), &lets));
                let unbounded = f.unbound || endless;
                RetryFact {
                    unbounded,
                    attempt_limit: !unbounded && (f.bound || f.hit.krate.bounded_by_default),
                    target,
                    ..RetryFact::of_crate(
                        ctx.pos.of(&f.expr),
                        f.hit.krate.name.clone(),
                        f.hit.strategy.path.clone(),
                        f.hit.strategy.delay.into(),
                        Some(f.root_span),
                    )
                }
            })
            .collect()
    }
}
