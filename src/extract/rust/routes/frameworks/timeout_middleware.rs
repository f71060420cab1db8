//! Middleware functions that bound every request they pass on: a function given the
//! rest of the chain (a `Next` parameter: axum's `middleware::from_fn`, actix-web's
//! `middleware::from_fn`) whose body awaits that chain under a timeout
//! (`tokio::time::timeout(d, next.call(req))`, `next.run(req)` in axum), or races it
//! against a sleep in `select!` (`let fut = next.run(req); tokio::select! { () =
//! sleep(d) => too_slow(), res = fut => res }`). Put on a router with `wrap`/`layer`,
//! it is a server-side request timeout like tower's `TimeoutLayer`
//! ([`crate::extract::rust::routes::FileRoutes::timeout_middlewares`]).
//!
//! The duration is not read: a middleware written to time requests out is taken to
//! do so (trieve's `timeout_15secs` picks 15, 120 or 300 s by path). Known limit: a
//! switch that turns it off (an environment variable) is taken as off.

use syn::visit::Visit;

use crate::extract::rust::front::deadlines::{is_sleep, is_timeout_call, unwrap_future};
use crate::extract::rust::front::macros::{is_select, select_branches};

/// Whether the function takes the rest of the chain and awaits it under a timeout.
pub(super) fn bounds_next(sig: &syn::Signature, body: &syn::Block) -> bool {
    let next: Vec<String> = (sig.inputs.iter())
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) if type_is_next(&t.ty) => match &*t.pat {
                syn::Pat::Ident(p) => Some(p.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if next.is_empty() {
        return false;
    }
    let mut finder = Finder {
        next: &next,
        chains: Vec::new(),
        timers: Vec::new(),
        found: false,
    };
    finder.visit_block(body);
    finder.found
}

/// `Next`, `Next<B>`, `middleware::Next<impl MessageBody>`.
fn type_is_next(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Next"),
        _ => false,
    }
}

struct Finder<'n> {
    next: &'n [String],
    /// Variables bound to the rest of the chain (`let fut = next.run(req);`), and to
    /// a sleep (`let timer = tokio::time::sleep(d);`), for a `select!` that races them.
    chains: Vec<String>,
    timers: Vec<String>,
    found: bool,
}

impl Finder<'_> {
    /// `next.call(req)`, `next.run(req)` (or the same awaited, pinned or borrowed),
    /// or a variable bound to it.
    fn passes_on(&self, e: &syn::Expr) -> bool {
        match unwrap_future(e) {
            syn::Expr::MethodCall(m) if m.method == "call" || m.method == "run" => {
                matches!(&*m.receiver, syn::Expr::Path(p)
                    if p.path.get_ident().is_some_and(|i| self.next.iter().any(|n| i == n)))
            }
            e => named_in(e, &self.chains),
        }
    }

    /// `sleep(d)`, `tokio::time::sleep_until(t)` (or the same pinned or borrowed), or a
    /// variable bound to one.
    fn sleeps(&self, e: &syn::Expr) -> bool {
        is_sleep(e) || named_in(unwrap_future(e), &self.timers)
    }
}

/// A plain variable among `names`.
fn named_in(e: &syn::Expr, names: &[String]) -> bool {
    matches!(e, syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| names.iter().any(|n| i == n)))
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
            let name = p.ident.to_string();
            if self.passes_on(&init.expr) {
                self.chains.push(name);
            } else if self.sleeps(&init.expr) {
                self.timers.push(name);
            }
        }
        syn::visit::visit_local(self, l);
    }

    /// `select!` with the chain in one branch and a sleep in another.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if !is_select(m) {
            return;
        }
        let Some(branches) = select_branches(m) else {
            return;
        };
        let futures = || branches.iter().filter_map(|b| b.future.as_ref());
        if futures().any(|f| self.passes_on(f)) && futures().any(|f| self.sleeps(f)) {
            self.found = true;
        }
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if is_timeout_call(c) && c.args.iter().any(|a| self.passes_on(a)) {
            self.found = true;
            return;
        }
        syn::visit::visit_expr_call(self, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(src: &str) -> bool {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        bounds_next(&f.sig, &f.block)
    }

    #[test]
    fn a_timeout_around_the_rest_of_the_chain() {
        assert!(bounds(
            "async fn t(req: ServiceRequest, next: Next<impl MessageBody>) -> R {
                match tokio::time::timeout(Duration::from_secs(15), next.call(req)).await {
                    Ok(res) => res,
                    Err(_) => Err(timeout_error()),
                }
            }"
        ));
        assert!(bounds(
            "async fn t(req: Request, next: middleware::Next) -> Response {
                timeout(LIMIT, next.run(req)).await.unwrap_or_else(|_| too_slow())
            }"
        ));
    }

    #[test]
    fn the_chain_raced_against_a_sleep() {
        assert!(bounds(
            "async fn t(req: Request<Body>, next: Next) -> impl IntoResponse {
                let limit = req.extensions().get::<Data>().unwrap().config.request_timeout;
                let timer = tokio::time::sleep(limit);
                let response_fut = next.run(req);
                tokio::select! {
                    () = timer => ApiError::RequestTimeout.into_response(),
                    response = response_fut => response,
                }
            }"
        ));
        assert!(bounds(
            "async fn t(req: Request, next: Next) -> Response {
                select! {
                    res = next.run(req) => res,
                    _ = sleep(LIMIT) => too_slow(),
                }
            }"
        ));
        // A race against something else (a shutdown signal) bounds nothing.
        assert!(!bounds(
            "async fn t(req: Request, next: Next) -> Response {
                let fut = next.run(req);
                tokio::select! {
                    res = fut => res,
                    _ = shutdown.cancelled() => gone(),
                }
            }"
        ));
        // A sleep raced against another future: the chain still runs unbounded.
        assert!(!bounds(
            "async fn t(req: Request, next: Next) -> Response {
                tokio::select! {
                    user = load_user(&req) => remember(user),
                    _ = sleep(LIMIT) => {},
                }
                next.run(req).await
            }"
        ));
    }

    #[test]
    fn no_timeout_or_not_the_chain() {
        // A timeout around something else: the chain runs unbounded.
        assert!(!bounds(
            "async fn t(req: Request, next: Next) -> Response {
                let user = timeout(LIMIT, load_user(&req)).await;
                next.run(req).await
            }"
        ));
        // No `Next` parameter: not a middleware function.
        assert!(!bounds(
            "async fn t(req: Request, chain: Chain) -> Response {
                timeout(LIMIT, chain.run(req)).await.unwrap()
            }"
        ));
    }
}
