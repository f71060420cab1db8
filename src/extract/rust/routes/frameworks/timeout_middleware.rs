//! Middleware functions that bound every request they pass on: a function given the
//! rest of the chain (a `Next` parameter: axum's `middleware::from_fn`, actix-web's
//! `middleware::from_fn`) whose body awaits that chain under a timeout
//! (`tokio::time::timeout(d, next.call(req))`, `next.run(req)` in axum). Put on a
//! router with `wrap`/`layer`, it is a server-side request timeout like tower's
//! `TimeoutLayer` ([`crate::extract::rust::routes::FileRoutes::timeout_middlewares`]).
//!
//! The duration is not read: a middleware written to time requests out is taken to
//! do so (trieve's `timeout_15secs` picks 15, 120 or 300 s by path). Known limit: a
//! switch that turns it off (an environment variable) is taken as off.

use syn::visit::Visit;

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
    found: bool,
}

impl Finder<'_> {
    /// `next.call(req)`, `next.run(req)` (or the same awaited).
    fn passes_on(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Await(a) => self.passes_on(&a.base),
            syn::Expr::MethodCall(m) if m.method == "call" || m.method == "run" => {
                matches!(&*m.receiver, syn::Expr::Path(p)
                    if p.path.get_ident().is_some_and(|i| self.next.iter().any(|n| i == n)))
            }
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let timeout = matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == "timeout"));
        if timeout && c.args.len() == 2 && c.args.iter().any(|a| self.passes_on(a)) {
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
