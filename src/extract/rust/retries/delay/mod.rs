//! Delay classification: does the wait before a retry grow with the attempt?
//!
//! A duration expression is `growing` when it reads something that changes between
//! attempts (the loop counter, a variable updated with `*=`/`+=`/`<<=` or reassigned
//! from itself), raises to a non-literal power (`2u64.pow(n)`), shifts by a
//! non-literal amount, indexes a table by the counter, or passes the counter to a
//! helper. It is `constant` when built only from literals, constants and values that
//! do not change in the loop; `unknown` when an opaque call computes it (never a
//! finding). Helpers of the same file are followed one call deep.

use std::collections::{HashMap, HashSet};

use syn::{BinOp, Expr};

use super::walk::{walk_block, walk_expr, Options, Seen};
use super::{Ctx, Delay};
use crate::extract::rust::front::diverges::{block_diverges, diverges};
use crate::extract::rust::front::items::Items;
use crate::tree::Span;

mod seconds;
mod sleeps;

pub(crate) use seconds::seconds;
pub(crate) use sleeps::{sleep_sites, Site};

/// Depth limit of the classifier's own recursion over one duration expression.
const MAX_CLASSIFY_DEPTH: usize = 24;

/// Methods whose result depends only on their receiver and arguments.
const PURE_METHODS: &[&str] = &[
    "min",
    "max",
    "clamp",
    "mul_f64",
    "mul_f32",
    "div_f64",
    "div_f32",
    "saturating_mul",
    "saturating_add",
    "saturating_sub",
    "checked_mul",
    "checked_add",
    "checked_sub",
    "wrapping_mul",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "expect",
    "into",
    "clone",
    "as_millis",
    "as_secs",
    "as_secs_f64",
    "as_micros",
    "try_into",
    "from",
];

/// Methods that take the next delay from a backoff iterator (`backoff.next()`).
const ITER_METHODS: &[&str] = &["next", "next_backoff", "next_delay"];

const POW_METHODS: &[&str] = &[
    "pow",
    "powi",
    "powf",
    "checked_pow",
    "saturating_pow",
    "wrapping_pow",
];

/// What is known about the names a duration may read.
#[derive(Default, Clone)]
pub(crate) struct Scope {
    /// Names that change between attempts: `attempt`, `self.delay`.
    pub varying: HashSet<String>,
    /// `let` bindings in the loop body (or helper), by name, in order (shadowing).
    pub lets: HashMap<String, Vec<Expr>>,
    /// Whether a call to a helper of the file may be followed (one call deep).
    pub follow_helpers: bool,
    /// `let`s of the enclosing function, for what a name was built from.
    pub outer: super::Lets,
}

impl Scope {
    /// The varying names and `let`s of a loop body (and its condition).
    pub fn of_body(parts: &[Part<'_>]) -> Scope {
        let mut scope = Scope {
            follow_helpers: true,
            ..Scope::default()
        };
        for part in parts {
            let mut f = |seen: Seen<'_>| {
                match seen {
                    Seen::Expr(Expr::Closure(_)) => return false,
                    Seen::Expr(e) => {
                        scope.note_mutation(e);
                        scope.note_pattern_bindings(e);
                    }
                    Seen::Local(l) => {
                        // `let (delay, status) = ..`, `let Some(delay) = .. else { .. }`:
                        // each name stands for the whole value.
                        if let Some(init) = &l.init {
                            let mut names = Vec::new();
                            bound_names(&l.pat, &mut names);
                            for name in names {
                                scope
                                    .lets
                                    .entry(name)
                                    .or_default()
                                    .push((*init.expr).clone());
                            }
                        }
                    }
                }
                true
            };
            match part {
                Part::Expr(e) => walk_expr(e, Options::default(), &mut f),
                Part::Block(b) => walk_block(b, Options::default(), &mut f),
            }
        }
        scope
    }

    /// `match backoff.next() { Some(delay) => .. }`, `if let Some(delay) = ..`: a
    /// name an arm's or a `let` condition's pattern binds stands for its scrutinee, as
    /// a `let`'s name stands for its initializer.
    fn note_pattern_bindings(&mut self, e: &Expr) {
        let mut bind = |pat: &syn::Pat, value: &Expr| {
            let mut names = Vec::new();
            bound_names(pat, &mut names);
            for name in names {
                self.lets.entry(name).or_default().push(value.clone());
            }
        };
        match e {
            Expr::Match(m) => {
                for arm in &m.arms {
                    bind(&arm.pat, &m.expr);
                }
            }
            Expr::Let(l) => bind(&l.pat, &l.expr),
            _ => {}
        }
    }

    fn note_mutation(&mut self, e: &Expr) {
        match e {
            Expr::Binary(b) if is_compound_assign(&b.op) => {
                if let Some(n) = name_of(&b.left) {
                    self.varying.insert(n);
                }
            }
            Expr::Assign(a) => {
                if let Some(n) = name_of(&a.left) {
                    if mentions(&a.right, &n) {
                        self.varying.insert(n);
                    }
                }
            }
            Expr::MethodCall(m)
                if m.method.to_string().starts_with("fetch_")
                    || m.method == "increment"
                    || m.method == "inc" =>
            {
                if let Some(n) = name_of(&m.receiver) {
                    self.varying.insert(n);
                }
            }
            _ => {}
        }
    }
}

/// Something to scan: an expression or a block.
#[derive(Clone, Copy)]
pub(crate) enum Part<'a> {
    Expr(&'a Expr),
    Block(&'a syn::Block),
}

pub(crate) fn is_compound_assign(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitXorAssign(_)
    )
}

/// `x` for a plain name, `self.delay` / `state.attempt` for a field.
pub(crate) fn name_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        Expr::Field(f) => {
            let base = name_of(&f.base)?;
            let member = match &f.member {
                syn::Member::Named(i) => i.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            Some(format!("{base}.{member}"))
        }
        Expr::Paren(p) => name_of(&p.expr),
        Expr::Unary(u) => name_of(&u.expr),
        _ => None,
    }
}

/// The names a `let` pattern binds: `x`, `(a, b)`, `(a, (b, _))`.
pub(crate) fn pat_names(p: &syn::Pat) -> Vec<String> {
    match p {
        syn::Pat::Tuple(t) => t.elems.items().flat_map(pat_names).collect(),
        syn::Pat::Paren(pp) => pat_names(&pp.pat),
        _ => pat_name(p).into_iter().collect(),
    }
}

/// Every name a pattern binds, through variants and structs (`Some(d)`, `Ok((d, _))`,
/// `Retry { after: d }`).
fn bound_names(p: &syn::Pat, out: &mut Vec<String>) {
    match p {
        syn::Pat::Ident(i) => {
            out.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                bound_names(sub, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| bound_names(&f.pat, out)),
        syn::Pat::Paren(pp) => bound_names(&pp.pat, out),
        syn::Pat::Reference(r) => bound_names(&r.pat, out),
        syn::Pat::Type(t) => bound_names(&t.pat, out),
        syn::Pat::Or(o) => o.cases.iter().for_each(|p| bound_names(p, out)),
        _ => {}
    }
}

pub(crate) fn pat_name(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

/// Whether `e` reads the name (`x` or `self.field`).
pub(crate) fn mentions(e: &Expr, name: &str) -> bool {
    let mut found = false;
    walk_expr(e, Options::default(), &mut |seen| {
        if let Seen::Expr(x) = seen {
            if name_of(x).is_some_and(|n| n == name) {
                found = true;
            }
        }
        !found
    });
    found
}

fn mentions_any(e: &Expr, names: &HashSet<String>) -> bool {
    !names.is_empty() && names.iter().any(|n| mentions(e, n))
}

fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::Paren(p) => is_literal(&p.expr),
        Expr::Cast(c) => is_literal(&c.expr),
        Expr::Unary(u) => is_literal(&u.expr),
        _ => false,
    }
}

/// Classifies a duration expression.
pub(crate) fn classify(ctx: &Ctx, scope: &Scope, e: &Expr) -> Delay {
    classify_at(ctx, scope, e, 0)
}

fn join_all<'e>(
    ctx: &Ctx,
    scope: &Scope,
    exprs: impl IntoIterator<Item = &'e Expr>,
    depth: usize,
) -> Delay {
    exprs.into_iter().fold(Delay::Constant, |d, e| {
        d.join(classify_at(ctx, scope, e, depth + 1))
    })
}

fn classify_at(ctx: &Ctx, scope: &Scope, e: &Expr, depth: usize) -> Delay {
    if depth > MAX_CLASSIFY_DEPTH {
        return Delay::Unknown;
    }
    if let Some(n) = name_of(e) {
        if scope.varying.contains(&n) {
            return Delay::Growing;
        }
        if scope.lets.get(&n).is_some_and(|v| !v.is_empty()) {
            // `let d = d.min(cap);`: inside its initializer `d` is the previous binding.
            let mut outer = scope.clone();
            let init = outer.lets.get_mut(&n).and_then(Vec::pop);
            if let Some(init) = init {
                return classify_at(ctx, &outer, &init, depth + 1);
            }
        }
        if matches!(e, Expr::Path(_) | Expr::Field(_)) {
            // A parameter, a constant, a field or a `let` before the loop: fixed.
            return Delay::Constant;
        }
    }
    match e {
        Expr::Lit(_) | Expr::Path(_) => Delay::Constant,
        Expr::Paren(p) => classify_at(ctx, scope, &p.expr, depth + 1),
        Expr::Group(g) => classify_at(ctx, scope, &g.expr, depth + 1),
        Expr::Cast(c) => classify_at(ctx, scope, &c.expr, depth + 1),
        Expr::Reference(r) => classify_at(ctx, scope, &r.expr, depth + 1),
        Expr::Unary(u) => classify_at(ctx, scope, &u.expr, depth + 1),
        Expr::Field(f) => classify_at(ctx, scope, &f.base, depth + 1),
        Expr::Try(t) => classify_at(ctx, scope, &t.expr, depth + 1),
        Expr::Binary(b) => {
            if matches!(b.op, BinOp::Shl(_)) && !is_literal(&b.right) {
                return Delay::Growing;
            }
            join_all(ctx, scope, [&*b.left, &*b.right], depth)
        }
        Expr::Index(i) => join_all(ctx, scope, [&*i.expr, &*i.index], depth),
        Expr::Tuple(t) => join_all(ctx, scope, t.elems.items(), depth),
        Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => classify_at(ctx, scope, tail, depth + 1),
            _ => Delay::Unknown,
        },
        Expr::If(i) => classify_if(ctx, scope, i, depth),
        Expr::Match(m) => classify_match(ctx, scope, m, depth),
        Expr::MethodCall(m) => classify_method_call(ctx, scope, m, depth),
        Expr::Call(c) => classify_call(ctx, scope, c, depth),
        _ => Delay::Unknown,
    }
}

/// An `if` as a duration: the join of the branches that yield one.
fn classify_if(ctx: &Ctx, scope: &Scope, i: &syn::ExprIf, depth: usize) -> Delay {
    // Branches that leave (`return`, `break`, `panic!`) yield no duration.
    let mut branches: Vec<Delay> = Vec::new();
    if !block_diverges(&i.then_branch) {
        branches.push(match i.then_branch.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => classify_at(ctx, scope, tail, depth + 1),
            _ => Delay::Unknown,
        });
    }
    if let Some((_, other)) = &i.else_branch {
        if !diverges(other) {
            branches.push(classify_at(ctx, scope, other, depth + 1));
        }
    }
    branches
        .into_iter()
        .reduce(Delay::join)
        .unwrap_or(Delay::Unknown)
}

/// A `match` as a duration: growing when its scrutinee grows, else the join of the
/// arms that yield one.
fn classify_match(ctx: &Ctx, scope: &Scope, m: &syn::ExprMatch, depth: usize) -> Delay {
    // The arms' bindings come from the scrutinee: `match next(attempt) { Ok(d) => d }`.
    let arms: Vec<&Expr> = m
        .arms
        .iter()
        .map(|a| &*a.body)
        .filter(|b| !diverges(b))
        .collect();
    if arms.is_empty() {
        return Delay::Unknown;
    }
    let scrutinee = classify_at(ctx, scope, &m.expr, depth + 1);
    let arms = join_all(ctx, scope, arms, depth);
    if scrutinee == Delay::Growing {
        Delay::Growing
    } else {
        arms
    }
}

/// A method call as a duration: a backoff iterator's next delay, a power with a
/// varying exponent, a pure method of its parts, a helper method of the file.
fn classify_method_call(ctx: &Ctx, scope: &Scope, m: &syn::ExprMethodCall, depth: usize) -> Delay {
    let name = m.method.to_string();
    if ITER_METHODS.contains(&name.as_str()) {
        if let Some(d) = strategy_iterator(ctx, scope, &m.receiver) {
            return d;
        }
    }
    if POW_METHODS.contains(&name.as_str()) && m.args.items().any(|a| !is_literal(a)) {
        return Delay::Growing;
    }
    let parts = std::iter::once(&*m.receiver).chain(m.args.items());
    if PURE_METHODS.contains(&name.as_str()) || POW_METHODS.contains(&name.as_str()) {
        return join_all(ctx, scope, parts, depth);
    }
    let is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
    if is_self {
        if let Some(d) = helper_value(ctx, scope, &name, m.args.items(), depth) {
            return d;
        }
    }
    opaque(ctx, scope, parts, depth)
}

/// A function call as a duration: a `Duration` constructor, `min`/`max`, a helper
/// function of the file, or something opaque.
fn classify_call(ctx: &Ctx, scope: &Scope, c: &syn::ExprCall, depth: usize) -> Delay {
    let Expr::Path(p) = &*c.func else {
        return opaque(ctx, scope, c.args.items(), depth);
    };
    let path = ctx.resolve(&p.path);
    let last = p
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let duration_ctor = path.contains("Duration");
    let min_max = matches!(last.as_str(), "min" | "max") || path.ends_with("::clamp");
    if duration_ctor || min_max || last == "Some" || last == "Ok" {
        return join_all(ctx, scope, c.args.items(), depth);
    }
    if let Some(name) = local_call_name(&p.path) {
        if let Some(d) = helper_value(ctx, scope, &name, c.args.items(), depth) {
            return d;
        }
    }
    opaque(ctx, scope, c.args.items(), depth)
}

/// `backoff.next()`: the delay class of the strategy `backoff` was built from, by the
/// catalogue or, for a strategy type of the project, by its name (`...Exponential...`,
/// `...Fibonacci...` grow; `...Fixed...`, `...Constant...` do not).
fn strategy_iterator(ctx: &Ctx, scope: &Scope, receiver: &Expr) -> Option<Delay> {
    let name = name_of(receiver)?;
    let init = scope
        .lets
        .get(&name)
        .and_then(|v| v.first())
        .or_else(|| scope.outer.get(&name))?;
    let mut root = init;
    let mut self_method = None;
    while let Expr::MethodCall(m) = root {
        if matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")) {
            self_method = Some(m.method.to_string());
        }
        root = &m.receiver;
    }
    // `self.get_backoff().build()`: the strategy a method of the file returns.
    if let Some(def) = self_method.and_then(|n| ctx.local_fn(&n)) {
        return strategy_type(returned_type(def)?.as_str());
    }
    let Expr::Call(c) = root else {
        return None;
    };
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let resolved = ctx.resolve(&p.path);
    if let Some(hit) = ctx.catalog.strategy(&resolved) {
        return Some(hit.strategy.delay.into());
    }
    // The type: `Backoff::new()` → `Backoff`; `Self::fresh_backoff()` → its return type.
    let segs = crate::extract::rust::front::paths::segments(&p.path);
    let type_name = match local_call_name(&p.path).and_then(|n| ctx.local_fn(&n)) {
        Some(def) => returned_type(def),
        None if segs.len() >= 2 => segs.get(segs.len() - 2).cloned(),
        None => None,
    }?;
    strategy_type(&type_name)
}

/// The last segment of the type a function of the file returns.
fn returned_type(def: &super::context::FnDef<'_>) -> Option<String> {
    match &def.sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        syn::ReturnType::Default => None,
    }
}

/// A strategy type of the project by its name: `...Exponential...`, `...Fibonacci...`
/// grow; `...Fixed...`, `...Constant...` do not.
fn strategy_type(type_name: &str) -> Option<Delay> {
    if type_name.contains("Exponential") || type_name.contains("Fibonacci") {
        Some(Delay::Growing)
    } else if type_name.contains("Fixed") || type_name.contains("Constant") {
        Some(Delay::Constant)
    } else {
        None
    }
}

/// An opaque call: growing when it is fed a growing value, else unknown.
fn opaque<'e>(
    ctx: &Ctx,
    scope: &Scope,
    parts: impl IntoIterator<Item = &'e Expr>,
    depth: usize,
) -> Delay {
    if join_all(ctx, scope, parts, depth) == Delay::Growing {
        Delay::Growing
    } else {
        Delay::Unknown
    }
}

/// `helper` or `Self::helper`: the name of a function that may be in this file.
pub(crate) fn local_call_name(path: &syn::Path) -> Option<String> {
    let segs: Vec<_> = path.segments.items().collect();
    match segs.as_slice() {
        [one] => Some(one.ident.to_string()),
        [first, one] if first.ident == "Self" => Some(one.ident.to_string()),
        _ => None,
    }
}

/// The value a helper of this file returns, one call deep: growing when it is passed
/// something growing, else what its tail expression is.
fn helper_value<'e>(
    ctx: &Ctx,
    scope: &Scope,
    name: &str,
    args: impl IntoIterator<Item = &'e Expr>,
    depth: usize,
) -> Option<Delay> {
    let def = ctx.local_fn(name)?;
    let args = join_all(ctx, scope, args, depth);
    if args == Delay::Growing {
        return Some(Delay::Growing);
    }
    if !scope.follow_helpers {
        return Some(Delay::Unknown);
    }
    let inner = Scope {
        follow_helpers: false,
        ..Scope::of_body(&[Part::Block(def.block)])
    };
    let mut d = match def.block.stmts.last() {
        Some(syn::Stmt::Expr(tail, None)) => classify_at(ctx, &inner, tail, depth + 1),
        _ => Delay::Unknown,
    };
    // `return x;` anywhere in the helper counts too.
    walk_block(def.block, Options::default(), &mut |seen| {
        if let Seen::Expr(Expr::Return(r)) = seen {
            if let Some(v) = &r.expr {
                d = d.join(classify_at(ctx, &inner, v, depth + 1));
            }
        }
        !matches!(seen, Seen::Expr(Expr::Closure(_)))
    });
    Some(d)
}

/// Whether any of the names is read by `e`.
pub(crate) fn reads_any(e: &Expr, names: &HashSet<String>) -> bool {
    mentions_any(e, names)
}
