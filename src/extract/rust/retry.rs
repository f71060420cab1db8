//! Hand-written retry loops: `for _ in 0..n`, `loop` with an attempt counter,
//! `while let Err(..) = call().await`. A loop is a retry when its body awaits,
//! matches on `Ok`/`Err` and exits on success; a loop over a collection is not.
//! The delay between attempts is classified: none, constant, or growing with the
//! attempt (`pow`, `<<`, `*=`, the counter in the duration, a helper one call deep).

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{BinOp, Expr, Pat};

use super::facts::{DelayKind, RetryFact};
use crate::tree::Span;

/// Names of sleep functions (last path segment).
pub fn is_sleep(name: &str) -> bool {
    matches!(name, "sleep" | "sleep_until" | "delay_for" | "delay_until")
}

/// What an expression computing a delay depends on.
#[derive(Default)]
pub struct DelayExpr {
    pub idents: HashSet<String>,
    /// `pow`, `powi`, `<<`, `*`, `checked_mul`, `saturating_mul`, `mul_f64`, ...
    pub grows: bool,
}

impl<'ast> Visit<'ast> for DelayExpr {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    self.idents.insert(i.to_string());
                }
            }
            // `base << n`, `base * factor`: growth needs a variable operand
            // (`60 * 5` or `BASE * 2` is a constant).
            Expr::Binary(b)
                if matches!(b.op, BinOp::Shl(_) | BinOp::Mul(_))
                    && (has_variable(&b.left) || has_variable(&b.right)) =>
            {
                self.grows = true
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let variable = has_variable(&m.receiver) || m.args.iter().any(has_variable);
                if ((name.starts_with("pow") || name.contains("mul")) && variable)
                    || name.contains("backoff")
                    || name.contains("exponential")
                {
                    self.grows = true;
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `Duration::from_millis(base * 2u64.pow(n))` inside `sleep!`-like macros is rare;
        // look at the tokens for identifiers only.
        for t in m.tokens.clone() {
            if let proc_macro2::TokenTree::Ident(i) = t {
                self.idents.insert(i.to_string());
            }
        }
    }
}

fn pat_idents(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => out.push(i.ident.to_string()),
        Pat::Type(t) => pat_idents(&t.pat, out),
        Pat::Tuple(t) => t.elems.iter().for_each(|e| pat_idents(e, out)),
        Pat::Reference(r) => pat_idents(&r.pat, out),
        _ => {}
    }
}

fn is_one(e: &Expr) -> bool {
    matches!(e, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "1"))
}

/// Whether an expression reads a variable (a lowercase identifier), not only
/// literals and constants.
fn has_variable(e: &Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                let s = i.to_string();
                if s.starts_with(|c: char| c.is_lowercase() || c == '_') {
                    self.0 = true;
                }
            }
        }
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
}

/// Features of a loop body.
#[derive(Default)]
struct Body {
    awaits: bool,
    ok_err: bool,
    exits: bool,
    /// Variables incremented (`x += 1`) or multiplied (`d *= 2`) in the body.
    incremented: HashSet<String>,
    multiplied: HashSet<String>,
    /// `let d = <expr>` in the body: what each local depends on.
    lets: Vec<(String, DelayExpr)>,
    sleeps: Vec<(Span, DelayExpr)>,
    /// Calls to functions of the package: (link key, argument identifiers).
    calls: Vec<(String, HashSet<String>)>,
}

fn is_ok_err_path(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|s| s.ident == "Ok" || s.ident == "Err")
}

struct BodyVisitor<'a> {
    body: Body,
    span: &'a dyn Fn(proc_macro2::Span) -> Span,
    callee: &'a dyn Fn(&syn::Path) -> Option<String>,
}

impl<'ast> Visit<'ast> for BodyVisitor<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Await(_) => self.body.awaits = true,
            Expr::Break(_) | Expr::Return(_) => self.body.exits = true,
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if matches!(name.as_str(), "is_ok" | "is_err" | "ok" | "err") {
                    self.body.ok_err = true;
                }
            }
            Expr::Binary(b) => {
                if let Expr::Path(p) = &*b.left {
                    if let Some(i) = p.path.get_ident() {
                        match b.op {
                            // An attempt counter counts by one (`total += rows` does not).
                            BinOp::AddAssign(_) if is_one(&b.right) => {
                                self.body.incremented.insert(i.to_string());
                            }
                            BinOp::MulAssign(_) | BinOp::ShlAssign(_) => {
                                self.body.multiplied.insert(i.to_string());
                            }
                            _ => {}
                        }
                    }
                }
            }
            Expr::Assign(a) => {
                // `delay = delay * 2` / `delay = next(delay)`
                if let Expr::Path(p) = &*a.left {
                    if let Some(i) = p.path.get_ident() {
                        let mut d = DelayExpr::default();
                        d.visit_expr(&a.right);
                        if d.grows && d.idents.contains(&i.to_string()) {
                            self.body.multiplied.insert(i.to_string());
                        }
                    }
                }
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let last = p.path.segments.last().map(|s| s.ident.to_string());
                    if last.as_deref().is_some_and(is_sleep) {
                        let mut d = DelayExpr::default();
                        for a in &c.args {
                            d.visit_expr(a);
                        }
                        self.body
                            .sleeps
                            .push(((self.span)(syn::spanned::Spanned::span(c)), d));
                    } else if let Some(key) = (self.callee)(&p.path) {
                        let mut d = DelayExpr::default();
                        for a in &c.args {
                            d.visit_expr(a);
                        }
                        self.body.calls.push((key, d.idents));
                    }
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_pat(&mut self, p: &'ast Pat) {
        if let Pat::TupleStruct(t) = p {
            if is_ok_err_path(&t.path) {
                self.body.ok_err = true;
            }
        }
        visit::visit_pat(self, p);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            // `let (delay, status) = match .. { .. }`: every name bound depends on the init.
            let mut names = Vec::new();
            pat_idents(&l.pat, &mut names);
            for name in names {
                let mut d = DelayExpr::default();
                d.visit_expr(&init.expr);
                self.body.lets.push((name, d));
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `tokio::select!` / `join!` bodies: the sleep may hide in a branch.
        for part in super::visit::macro_exprs(m) {
            self.visit_expr(&part);
        }
    }
}

/// Recognises a retry loop and classifies its delay; `None` when `e` is not one.
pub fn analyze(
    e: &Expr,
    span: &dyn Fn(proc_macro2::Span) -> Span,
    callee: &dyn Fn(&syn::Path) -> Option<String>,
) -> Option<RetryFact> {
    let (kind, body, counter, head_span, while_err) = match e {
        Expr::ForLoop(f) => {
            // Only `for _ in 0..n`: a loop over a collection is not a retry.
            if !matches!(&*f.expr, Expr::Range(_)) {
                return None;
            }
            let counter = match &*f.pat {
                Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            };
            ("for", &f.body, counter, span(f.for_token.span), false)
        }
        Expr::Loop(l) => ("loop", &l.body, None, span(l.loop_token.span), false),
        Expr::While(w) => {
            let while_err = matches!(&*w.cond, Expr::Let(l)
                if matches!(&*l.pat, Pat::TupleStruct(t) if t.path.segments.last().is_some_and(|s| s.ident == "Err"))
                && contains_await(&l.expr));
            ("while", &w.body, None, span(w.while_token.span), while_err)
        }
        _ => return None,
    };
    let mut v = BodyVisitor {
        body: Body::default(),
        span,
        callee,
    };
    v.visit_block(body);
    let b = v.body;
    let outer_counters = b
        .incremented
        .iter()
        .any(|v| !b.lets.iter().any(|(name, _)| name == v));
    let is_retry =
        while_err || (b.awaits && b.ok_err && b.exits && (kind == "for" || outer_counters));
    if !is_retry {
        return None;
    }
    // A counter declared inside the body restarts every iteration: it counts
    // something else (an inner retry), not this loop's attempts.
    let mut counters: HashSet<String> = b
        .incremented
        .iter()
        .filter(|v| !b.lets.iter().any(|(name, _)| name == *v))
        .cloned()
        .collect();
    counters.extend(counter);
    counters.remove("_");
    // Locals whose value depends on a counter or grows.
    let mut growing_locals: HashSet<String> = b.multiplied.clone();
    for (name, d) in &b.lets {
        if d.grows || d.idents.iter().any(|i| counters.contains(i)) {
            growing_locals.insert(name.clone());
        }
    }
    let mut delay = DelayKind::None;
    for (s, d) in &b.sleeps {
        // A duration named `*backoff*` comes from a backoff schedule or policy.
        let grows = d.grows
            || d.idents.iter().any(|i| {
                counters.contains(i) || growing_locals.contains(i) || i.contains("backoff")
            });
        delay = if grows {
            DelayKind::Growing(*s)
        } else {
            match delay {
                DelayKind::Growing(g) => DelayKind::Growing(g),
                _ => DelayKind::Constant(*s),
            }
        };
    }
    let helpers = b
        .calls
        .into_iter()
        .map(|(key, idents)| {
            let passes_counter = idents
                .iter()
                .any(|i| counters.contains(i) || growing_locals.contains(i));
            (key, passes_counter)
        })
        .collect();
    Some(RetryFact {
        span: head_span,
        kind: kind.to_string(),
        delay,
        helpers,
        forever: false,
    })
}

fn contains_await(e: &Expr) -> bool {
    struct A(bool);
    impl<'ast> Visit<'ast> for A {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
    }
    let mut a = A(false);
    a.visit_expr(e);
    a.0
}
