//! Timeout wrappers of the file's own: a function or method that hands one of its
//! parameters to a catalogued timeout wrapper (danube's admin client runs every RPC
//! through `async fn execute_with_timeout(&self, fut: F) { tokio::time::timeout(
//! self.timeout, fut).await .. }`) bounds whatever it is given there. A call of it in
//! the same file (`self.execute_with_timeout(fut).await`, `with_deadline(req)`) is
//! read as the catalogued wrapper's call: the requests made in its arguments, or in
//! the future a `let` bound and handed to it, are bounded.
//!
//! Found before the file is walked ([`Visitor::note_own_wrappers`]), only in a file
//! whose text calls something `timeout`. Known limits: only the file's own helpers
//! (one of another file or crate is not seen); the parameter must be handed over as it
//! is (`timeout(d, fut)`, not `timeout(d, Box::pin(fut))`); any argument of a call of
//! the helper counts as bounded, not only the position it hands over.

use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall};

use super::Visitor;
use crate::extract::rust::catalog::PathRole;

impl Visitor<'_, '_> {
    /// Notes the file's functions and methods that hand a parameter to a catalogued
    /// timeout wrapper (see the module's doc).
    pub(super) fn note_own_wrappers(&mut self, file: &syn::File, text: &str) {
        if !text.contains("timeout(") {
            return;
        }
        let mut fns = Fns(Vec::new());
        fns.visit_file(file);
        for (name, params, block) in fns.0 {
            let mut hands = Hands {
                v: self,
                params: &params,
                found: false,
            };
            hands.visit_block(block);
            if hands.found && !self.own_wrappers.contains(&name) {
                self.own_wrappers.push(name);
            }
        }
    }

    /// `e` is a call of one of the file's own timeout wrappers (under any `.await`,
    /// `?` and parentheses): its receiver and arguments are visited, the arguments as
    /// a catalogued wrapper's are. `None` for any other expression.
    pub(super) fn own_wrapper_call(&mut self, e: &Expr) -> Option<Option<usize>> {
        if self.own_wrappers.is_empty() {
            return None;
        }
        let mut inner = e;
        while let Expr::Await(syn::ExprAwait { base: x, .. })
        | Expr::Try(syn::ExprTry { expr: x, .. })
        | Expr::Paren(syn::ExprParen { expr: x, .. }) = inner
        {
            inner = x;
        }
        match inner {
            Expr::MethodCall(ExprMethodCall {
                method,
                receiver,
                args,
                ..
            }) if self.own_wrappers.iter().any(|w| method == w) => {
                self.expr(receiver);
                self.wrap_args(args.iter());
                Some(None)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let name = p.path.get_ident()?;
                if !self.own_wrappers.iter().any(|w| name == w) {
                    return None;
                }
                self.wrap_args(c.args.iter());
                Some(None)
            }
            _ => None,
        }
    }

    /// Visits a timeout wrapper's arguments: the requests made in them, and the
    /// request futures a `let` bound and handed over, are bounded.
    pub(super) fn wrap_args<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) {
        self.wrapped += 1;
        for a in args {
            self.wrap_pending(a);
            if let Some(h) = self.expr(a) {
                self.mark_wrapped(h);
            }
        }
        self.wrapped -= 1;
    }

    /// `select! { r = fut => .., _ = sleep(d) => handle().await }`: the branches'
    /// futures race the sleep, as `timeout(d, fut)` bounds `fut` (a request future
    /// bound by `let` too); a branch's body runs after its future won, unbounded.
    pub(super) fn racing_sleep(
        &mut self,
        branches: &[crate::extract::rust::front::macros::SelectBranch],
    ) {
        for b in branches {
            if let Some(future) = &b.future {
                self.wrapped += 1;
                self.wrap_pending(future);
                self.expr(future);
                self.wrapped -= 1;
            }
            if let Some(guard) = &b.guard {
                self.expr(guard);
            }
            self.expr(&b.body);
        }
    }
}

/// The file's functions and methods: (name, parameter names, body). Test code is
/// walked too: a helper there wraps test requests only.
struct Fns<'a>(Vec<(String, Vec<String>, &'a syn::Block)>);

impl<'a> Visit<'a> for Fns<'a> {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.0
            .push((f.sig.ident.to_string(), params(&f.sig), &f.block));
        visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.0
            .push((f.sig.ident.to_string(), params(&f.sig), &f.block));
        visit::visit_impl_item_fn(self, f);
    }

    // Bodies are not searched for items: a nested function is rare.
    fn visit_block(&mut self, _: &'a syn::Block) {}
}

/// A signature's parameters bound to plain names (`fut: F`), `self` left out.
fn params(sig: &syn::Signature) -> Vec<String> {
    (sig.inputs.iter())
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => match &*t.pat {
                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Whether a body calls a catalogued timeout wrapper with one of `params` as an
/// argument.
struct Hands<'v, 'a, 'b, 'p> {
    v: &'v Visitor<'a, 'b>,
    params: &'p [String],
    found: bool,
}

impl<'ast> Visit<'ast> for Hands<'_, '_, '_, '_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let (false, Expr::Path(p)) = (self.found, &*c.func) {
            let handed = c.args.iter().any(|a| match a {
                Expr::Path(x) => x
                    .path
                    .get_ident()
                    .is_some_and(|i| self.params.iter().any(|p| i == p)),
                _ => false,
            });
            self.found = handed
                && matches!(
                    self.v.path_role(&p.path),
                    Some((PathRole::TimeoutWrapper, _))
                );
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
