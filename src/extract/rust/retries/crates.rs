//! Retry crates, driven by the catalogue: strategy constructions and tower-style
//! retry policies.
//!
//! A strategy fact is the whole method chain that builds it
//! (`ExponentialBackoff::from_millis(10).map(jitter).take(3)`), found anywhere in a
//! function body, macro bodies included. Its delay is the catalogue's class for the
//! constructor. For a crate whose strategies never stop on their own
//! (`bounded-by-default = false`, tokio-retry), a strategy is unbounded when it reaches
//! a run call (`Retry::spawn`) directly or through a `let` with no bound method
//! (`.take(n)`) on the way; a strategy that leaves the function is given the benefit
//! of the doubt. An `unbound-methods` call (`without_max_times()`) or struct field
//! (`max_elapsed_time: None`) makes any strategy unbounded.

use std::collections::HashMap;

use syn::visit::{self, Visit};
use syn::Expr;

use super::catalog::{RetryCrate, StrategyHit};
use super::delay::{pat_name, sleep_sites, Part, Scope};
use super::walk::{walk_block, Options, Seen};
use super::{is_test, Ctx, Delay, RetryFact, RetrySource};

pub(crate) fn find(ctx: &Ctx, file: &syn::File) -> Vec<RetryFact> {
    let mut finder = Finder {
        ctx,
        facts: Vec::new(),
    };
    finder.visit_file(file);
    finder.facts
}

struct Finder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    facts: Vec<RetryFact>,
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            self.facts.extend(in_body(self.ctx, &f.block));
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            self.facts.extend(in_body(self.ctx, &f.block));
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test(&i.attrs) {
            return;
        }
        if let Some(fact) = policy_impl(self.ctx, i) {
            self.facts.push(fact);
        }
        visit::visit_item_impl(self, i);
    }
}

/// A method chain: the calls from the outside in, and the expression it starts from.
struct Chain<'e> {
    methods: Vec<(&'e syn::Ident, Vec<&'e Expr>)>,
    root: &'e Expr,
}

fn chain(e: &Expr) -> Chain<'_> {
    let mut methods = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                methods.push((&m.method, m.args.iter().collect()));
                cur = &m.receiver;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Reference(r) => cur = &r.expr,
            Expr::Try(t) => cur = &t.expr,
            _ => break,
        }
    }
    Chain { methods, root: cur }
}

/// `name` or `name(None)` (only when the single argument is `None`).
fn method_matches(entry: &str, name: &syn::Ident, args: &[&Expr]) -> bool {
    // `Ident == &str` compares the text `to_string` would give, without allocating.
    match entry.strip_suffix("(None)") {
        Some(base) => name == base && args.len() == 1 && is_none(args[0]),
        None => name == entry,
    }
}

fn is_none(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("None"))
}

fn any_method(list: &[String], methods: &[(&syn::Ident, Vec<&Expr>)]) -> bool {
    methods
        .iter()
        .any(|(n, args)| list.iter().any(|entry| method_matches(entry, n, args)))
}

/// A strategy construction found in a body.
struct Found<'e> {
    hit: StrategyHit<'e>,
    expr: Expr,
    root_span: crate::tree::Span,
    unbound: bool,
    bound: bool,
    target: Option<String>,
}

fn strategy_root<'k>(
    ctx: &Ctx<'k>,
    root: &Expr,
) -> Option<(StrategyHit<'k>, bool, Option<String>)> {
    match root {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            if !ctx.may_name_catalogued(&p.path) {
                return None;
            }
            let hit = ctx.catalog.strategy(&ctx.resolve(&p.path))?;
            let target = hit
                .strategy
                .target_arg
                .and_then(|i| c.args.iter().nth(i))
                .and_then(|a| literal_or_const(ctx, a));
            Some((hit, false, target))
        }
        Expr::Struct(s) => {
            if !ctx.may_name_catalogued(&s.path) {
                return None;
            }
            let hit = ctx.catalog.strategy(&ctx.resolve(&s.path))?;
            let unbound = s.fields.iter().any(|f| {
                let syn::Member::Named(name) = &f.member else {
                    return false;
                };
                hit.krate
                    .unbound_methods
                    .iter()
                    .any(|entry| method_matches(entry, name, &[&f.expr]))
            });
            Some((hit, unbound, None))
        }
        _ => None,
    }
}

fn literal_or_const(ctx: &Ctx, e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| ctx.consts.get(&i.to_string()).cloned()),
        Expr::Reference(r) => literal_or_const(ctx, &r.expr),
        _ => None,
    }
}

/// The variable a chain starts from (`strategy` in `strategy.clone().take(3)`).
fn root_var(c: &Chain) -> Option<String> {
    match c.root {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

fn in_body(ctx: &Ctx, block: &syn::Block) -> Vec<RetryFact> {
    // Only a strategy found in the body makes a fact; its path needs certain words.
    if !ctx.may_name_strategy(block) {
        return Vec::new();
    }
    let mut found: Vec<Found> = Vec::new();
    // `let x = <strategy>`: index into `found` by name.
    let mut bindings: HashMap<String, usize> = HashMap::new();
    // Indexes of strategies passed straight to a run call, with the call's tokens.
    let mut fed: HashMap<usize, proc_macro2::TokenStream> = HashMap::new();
    // Variables passed to a run call, with whether a bound was applied on the way.
    let mut fed_vars: Vec<(String, bool, proc_macro2::TokenStream)> = Vec::new();
    // Variables some chain bounds (`s.take(3)`), by method list per crate checked later.
    let mut var_chains: Vec<(String, Vec<&str>)> = Vec::new();
    let mut pending_let: Option<String> = None;
    // `let b = a.clone();`: `b` is the strategy `a` names.
    let mut aliases: HashMap<String, String> = HashMap::new();

    let options = Options {
        macro_idents: Some(&|i| ctx.is_crate_ident(i)),
        ..Options::default()
    };
    walk_block(block, options, &mut |seen| {
        let e = match seen {
            Seen::Local(l) => {
                pending_let = l.init.as_ref().and_then(|_| pat_name(&l.pat));
                return true;
            }
            Seen::Expr(e) => e,
        };
        let binding = pending_let.take();
        // Most expressions are neither a strategy nor a chain on a variable.
        let mut root = e;
        while let Expr::MethodCall(m) = root {
            root = &m.receiver;
        }
        let interesting = matches!(
            root,
            Expr::Call(_)
                | Expr::Struct(_)
                | Expr::Path(_)
                | Expr::Paren(_)
                | Expr::Reference(_)
                | Expr::Try(_)
        ) && (matches!(e, Expr::MethodCall(_)) || !matches!(root, Expr::Path(_)));
        if !interesting && !matches!(e, Expr::MethodCall(_) | Expr::Call(_)) {
            return true;
        }
        let c = chain(e);
        if let Some((hit, unbound_field, target)) = strategy_root(ctx, c.root) {
            let unbound = unbound_field || any_method(&hit.krate.unbound_methods, &c.methods);
            let bound = any_method(&hit.krate.bound_methods, &c.methods);
            found.push(Found {
                hit,
                expr: e.clone(),
                root_span: ctx.pos.of(c.root),
                unbound,
                bound,
                target,
            });
            if let Some(name) = binding {
                bindings.insert(name, found.len() - 1);
            }
            return false;
        }
        if let (Some(name), Some(var)) = (&binding, root_var(&c)) {
            if c.methods
                .iter()
                .all(|(m, _)| *m == "clone" || *m == "to_owned")
            {
                aliases.insert(name.clone(), var);
            }
        }
        if let Some(var) = root_var(&c) {
            // Only chains that call a bound method matter; keep the crates that it bounds.
            let bounds: Vec<&str> = ctx
                .catalog
                .crates
                .iter()
                .filter(|k| any_method(&k.bound_methods, &c.methods))
                .map(|k| k.name.as_str())
                .collect();
            if !bounds.is_empty() {
                var_chains.push((var, bounds));
            }
        }
        // `operation.retry(strategy)`: the operation is the receiver.
        if let Expr::MethodCall(m) = e {
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
                fed.insert(found.len(), quote::ToTokens::to_token_stream(&m.receiver));
            }
        }
        if let Expr::Call(call) = e {
            if let Expr::Path(p) = &*call.func {
                if ctx.may_name_catalogued(&p.path) && ctx.catalog.is_run(&ctx.resolve(&p.path)) {
                    let target = quote::ToTokens::to_token_stream(&call.args);
                    for arg in &call.args {
                        let ac = chain(arg);
                        if let Some(var) = root_var(&ac) {
                            let bound = ctx
                                .catalog
                                .crates
                                .iter()
                                .any(|k| any_method(&k.bound_methods, &ac.methods));
                            fed_vars.push((var, bound, target.clone()));
                        } else if strategy_root(ctx, ac.root).is_some() {
                            // Marked below, once the chain itself is recorded.
                            fed.insert(found.len(), target.clone());
                        }
                    }
                }
            }
        }
        true
    });

    if found.is_empty() {
        return Vec::new();
    }
    let lets = ctx.fn_lets(block.brace_token.span.join().start());
    let var_bounded = |name: &str, krate: &RetryCrate| {
        var_chains
            .iter()
            .any(|(v, crates)| v == name && crates.contains(&krate.name.as_str()))
    };

    found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = bindings
                .iter()
                .find(|(_, &j)| j == i)
                .map(|(n, _)| n.clone());
            // The names the strategy goes by: its `let` and any alias of it.
            let mut names: Vec<String> = name.iter().cloned().collect();
            for _ in 0..4 {
                let more: Vec<String> = aliases
                    .iter()
                    .filter(|(alias, of)| names.contains(of) && !names.contains(alias))
                    .map(|(alias, _)| alias.clone())
                    .collect();
                if more.is_empty() {
                    break;
                }
                names.extend(more);
            }
            // A use that reaches a run call with no bound on the way, and no
            // `name.take(n)` anywhere for that name.
            let endless_use = fed_vars
                .iter()
                .find(|(v, bound, _)| names.contains(v) && !bound && !var_bounded(v, f.hit.krate));
            let via_var =
                endless_use.or_else(|| fed_vars.iter().find(|(v, _, _)| names.contains(v)));
            let endless = !f.hit.krate.bounded_by_default
                && !f.bound
                && (fed.contains_key(&i) || endless_use.is_some());
            let target = f
                .target
                .clone()
                .or_else(|| fed.get(&i).and_then(|t| ctx.target_in(t.clone(), &lets)))
                .or_else(|| via_var.and_then(|(_, _, t)| ctx.target_in(t.clone(), &lets)))
                .or_else(|| ctx.target_in(quote::ToTokens::to_token_stream(&f.expr), &lets));
            RetryFact {
                span: ctx.pos.of(&f.expr),
                source: RetrySource::Crate {
                    krate: f.hit.krate.name.clone(),
                    strategy: f.hit.strategy.path.clone(),
                },
                delay: f.hit.strategy.delay.into(),
                delay_span: Some(f.root_span),
                unbounded: f.unbound || endless,
                target,
            }
        })
        .collect()
}

/// An `impl Policy for X` of a catalogue policy trait: what its retry future waits.
fn policy_impl(ctx: &Ctx, imp: &syn::ItemImpl) -> Option<RetryFact> {
    let (_, trait_path, _) = imp.trait_.as_ref()?;
    let resolved = ctx.resolve(trait_path);
    let trait_def = ctx
        .catalog
        .policy_traits
        .iter()
        .find(|t| super::catalog::path_is_or_below(&resolved, &t.path))?;
    let method = imp.items.iter().find_map(|it| match it {
        syn::ImplItem::Fn(f) if f.sig.ident == trait_def.method => Some(f),
        _ => None,
    })?;
    let future = imp.items.iter().find_map(|it| match it {
        syn::ImplItem::Type(t) if t.ident == "Future" => Some(t),
        _ => None,
    });
    let header = ctx.pos.between(imp.impl_token.span, span_of(&*imp.self_ty));
    let fact = |delay: Delay, delay_span| RetryFact {
        span: header,
        source: RetrySource::Crate {
            krate: trait_def.krate.clone(),
            strategy: trait_def.path.clone(),
        },
        delay,
        delay_span,
        unbounded: false,
        target: None,
    };
    let immediate = |name: &str| trait_def.immediate_futures.iter().any(|f| f == name);
    if let Some(t) = future {
        if let syn::Type::Path(tp) = &t.ty {
            if tp
                .path
                .segments
                .last()
                .is_some_and(|s| immediate(&s.ident.to_string()))
            {
                return Some(fact(Delay::None, Some(ctx.pos.of(t))));
            }
        }
    }
    // Fields any method of the impl changes (`self.attempts += 1`) vary between retries.
    let mut scope = Scope {
        follow_helpers: true,
        ..Scope::default()
    };
    for it in &imp.items {
        if let syn::ImplItem::Fn(f) = it {
            scope
                .varying
                .extend(Scope::of_body(&[Part::Block(&f.block)]).varying);
        }
    }
    scope.lets = Scope::of_body(&[Part::Block(&method.block)]).lets;
    let sites = sleep_sites(ctx, &scope, &[Part::Block(&method.block)]);
    let by_name = named_growth(&imp.self_ty);
    if let Some(site) = sites.iter().max_by_key(|s| s.delay) {
        let delay = match (site.delay, by_name) {
            (Delay::Unknown, Some(d)) => d,
            (d, _) => d,
        };
        return Some(fact(delay, Some(site.span)));
    }
    let mut ready = None;
    walk_block(&method.block, Options::default(), &mut |seen| {
        if let Seen::Expr(e @ Expr::Call(c)) = seen {
            if let Expr::Path(p) = &*c.func {
                let written: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if immediate(&written.join("::")) || immediate(&ctx.resolve(&p.path)) {
                    ready.get_or_insert(ctx.pos.of(e));
                }
            }
        }
        ready.is_none()
    });
    Some(match ready {
        Some(span) => fact(Delay::None, Some(span)),
        // The project's own future type: judge by the policy's name, else unknown.
        None => fact(by_name.unwrap_or(Delay::Unknown), None),
    })
}

/// `ExponentialRetryPolicy`, `FibonacciRetryPolicy`: a policy named for its growth.
fn named_growth(ty: &syn::Type) -> Option<Delay> {
    let syn::Type::Path(tp) = ty else {
        return None;
    };
    let name = tp.path.segments.last()?.ident.to_string();
    (name.contains("Exponential") || name.contains("Fibonacci")).then_some(Delay::Growing)
}

fn span_of(node: &impl syn::spanned::Spanned) -> proc_macro2::Span {
    node.span()
}
