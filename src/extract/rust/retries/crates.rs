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

use syn::visit::{self, Visit};
use syn::Expr;

use super::catalog::StrategyHit;
use super::delay::{sleep_sites, Part, Scope};
use super::walk::{walk_block, Options, Seen};
use super::{is_skipped_fn, is_test, is_test_mod, Ctx, Delay, RetryFact};
use crate::extract::rust::front::items::Items;

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

impl Finder<'_, '_> {
    /// The retry strategies one function's body runs, unless it is named for tests.
    fn body(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let found = super::strategies::in_body(self.ctx, block);
        if !found.is_empty() && !super::loops::named_for_tests(sig) {
            self.facts.extend(found);
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_skipped_fn(&f.attrs) {
            self.body(&f.sig, &f.block);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_skipped_fn(&f.attrs) {
            self.body(&f.sig, &f.block);
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_mod(m) {
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
pub(super) struct Chain<'e> {
    pub methods: Vec<(&'e syn::Ident, Vec<&'e Expr>)>,
    pub root: &'e Expr,
}

pub(super) fn chain(e: &Expr) -> Chain<'_> {
    let mut methods = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                methods.push((&m.method, m.args.items().collect()));
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

pub(super) fn any_method(list: &[String], methods: &[(&syn::Ident, Vec<&Expr>)]) -> bool {
    methods
        .iter()
        .any(|(n, args)| list.iter().any(|entry| method_matches(entry, n, args)))
}

/// A strategy construction found in a body.
pub(super) struct Found<'e> {
    pub hit: StrategyHit<'e>,
    pub expr: Expr,
    pub root_span: crate::tree::Span,
    pub unbound: bool,
    pub bound: bool,
    pub target: Option<String>,
}

pub(super) fn strategy_root<'k>(
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
                .and_then(|i| c.args.items().nth(i))
                .and_then(|a| literal_or_const(ctx, a));
            Some((hit, false, target))
        }
        Expr::Struct(s) => {
            if !ctx.may_name_catalogued(&s.path) {
                return None;
            }
            let hit = ctx.catalog.strategy(&ctx.resolve(&s.path))?;
            let unbound = s.fields.items().any(|f| {
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
pub(super) fn root_var(c: &Chain) -> Option<String> {
    match c.root {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
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
    let fact = |delay: Delay, delay_span| {
        RetryFact::of_crate(
            header,
            trait_def.krate.clone(),
            trait_def.path.clone(),
            delay,
            delay_span,
        )
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
    let scope = policy_scope(imp, method);
    let sites = sleep_sites(ctx, &scope, &[Part::Block(&method.block)]);
    let by_name = named_growth(&imp.self_ty);
    if let Some(site) = sites.iter().max_by_key(|s| s.delay) {
        let delay = match (site.delay, by_name) {
            (Delay::Unknown, Some(d)) => d,
            (d, _) => d,
        };
        return Some(fact(delay, Some(site.span)));
    }
    Some(match ready_call(ctx, method, &immediate) {
        Some(span) => fact(Delay::None, Some(span)),
        // The project's own future type: judge by the policy's name, else unknown.
        None => fact(by_name.unwrap_or(Delay::Unknown), None),
    })
}

/// The scope a policy's retry method is judged in: fields any method of the impl
/// changes (`self.attempts += 1`) vary between retries; the method's own `let`s.
fn policy_scope(imp: &syn::ItemImpl, method: &syn::ImplItemFn) -> Scope {
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
    scope
}

/// The first call in the retry method that builds an immediately ready future
/// (`future::ready(..)`), by its path as written or resolved.
fn ready_call(
    ctx: &Ctx,
    method: &syn::ImplItemFn,
    immediate: &dyn Fn(&str) -> bool,
) -> Option<crate::tree::Span> {
    let mut ready = None;
    walk_block(&method.block, Options::default(), &mut |seen| {
        if let Seen::Expr(e @ Expr::Call(c)) = seen {
            if let Expr::Path(p) = &*c.func {
                let written = crate::extract::rust::front::paths::segments(&p.path);
                if immediate(&written.join("::")) || immediate(&ctx.resolve(&p.path)) {
                    ready.get_or_insert(ctx.pos.of(e));
                }
            }
        }
        ready.is_none()
    });
    ready
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
