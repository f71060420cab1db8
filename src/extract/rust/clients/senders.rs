//! Requests bounded by the function they are handed to. An SDK-style executor often
//! builds a request in one method and sends it in another that sets the deadline
//! (control-layer's fusillade: `let req = self.client.request(m, &url); ..
//! self.execute_non_streaming(req)`, then `req.timeout(total).send()`, or its
//! streaming twin's `timeout_at(deadline, async { req.send().await })`). The request
//! call is not timed where it is made, yet no request it carries goes unbounded.
//!
//! The file visit records the functions that send a request-builder parameter
//! (a catalogued `request-builders` type) only bounded ([`bounds_param`],
//! [`FileFacts::bounding_senders`]), and a request not yet sent that is handed to a
//! function of the package (the chain's [`Chain::handed_to`]). The link step takes
//! such a request as bounded when the function it is handed to is one of them.
//!
//! Known limits: the function is matched by name (link key) and argument index; a
//! request handed through another variable or a struct is not followed.
//!
//! [`FileFacts::bounding_senders`]: crate::extract::rust::facts::FileFacts::bounding_senders
//! [`Chain::handed_to`]: crate::extract::rust::facts::Chain::handed_to

use syn::visit::Visit;
use syn::Expr;

use crate::extract::rust::front::deadlines::{is_sleep, is_timeout_call};
use crate::extract::rust::front::macros::{is_select, select_branches};

/// The key of parameter `index` of function `key` in [`FileFacts::bounding_senders`].
///
/// [`FileFacts::bounding_senders`]: crate::extract::rust::facts::FileFacts::bounding_senders
pub(super) fn sender_key(key: &str, index: usize) -> String {
    format!("{key}/{index}")
}

/// Whether the body sends parameter `param` (a request builder) at least once and
/// only with a timeout: a chain on it that sets one (`param.timeout(d).send()`), or a
/// send under a timeout wrapper (`timeout(d, param.send())`, `timeout_at(t, async {
/// param.send().await })`) or raced against a sleep in `select!`.
pub(super) fn bounds_param(body: &syn::Block, param: &str) -> bool {
    let mut f = Finder {
        param,
        wrapped: 0,
        bounded: 0,
        unbounded: 0,
    };
    f.visit_block(body);
    f.bounded > 0 && f.unbounded == 0
}

struct Finder<'p> {
    param: &'p str,
    wrapped: usize,
    bounded: usize,
    unbounded: usize,
}

impl Finder<'_> {
    /// A `send` (or a `build`, whose request the client's `execute` sends later with
    /// the timeout it carries: parity-processbot's `execute(builder)`) whose receiver
    /// chain starts at the parameter: whether a call of the chain sets a timeout
    /// (`timeout(d)` with an argument).
    fn send_on_param(&self, m: &syn::ExprMethodCall) -> Option<bool> {
        if m.method != "send" && m.method != "build" {
            return None;
        }
        let mut timed = false;
        let mut e = &*m.receiver;
        loop {
            match e {
                Expr::MethodCall(inner) => {
                    timed |= inner.method == "timeout" && !inner.args.is_empty();
                    e = &inner.receiver;
                }
                Expr::Path(p) => {
                    return p.path.is_ident(self.param).then_some(timed);
                }
                _ => return None,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let wraps = is_timeout_call(c);
        self.wrapped += usize::from(wraps);
        syn::visit::visit_expr_call(self, c);
        self.wrapped -= usize::from(wraps);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        match self.send_on_param(m) {
            Some(timed) if timed || self.wrapped > 0 => self.bounded += 1,
            Some(_) => self.unbounded += 1,
            None => {}
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let Some(branches) = (is_select(m)).then(|| select_branches(m)).flatten() else {
            return;
        };
        let wraps = (branches.iter()).any(|b| b.future.as_ref().is_some_and(is_sleep));
        self.wrapped += usize::from(wraps);
        for b in &branches {
            if let Some(f) = &b.future {
                self.visit_expr(f);
            }
        }
        self.wrapped -= usize::from(wraps);
        for b in &branches {
            self.visit_expr(&b.body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bounds_param;

    fn bounds(src: &str) -> bool {
        let f: syn::ItemFn = syn::parse_str(src).expect("a function");
        bounds_param(&f.block, "req")
    }

    #[test]
    fn a_builder_sent_with_a_timeout() {
        assert!(bounds(
            "async fn f(&self, req: RequestBuilder) -> R {
                let request = req.bearer_auth(t).timeout(TEN).build()?;
                self.client.execute(request).await
            }"
        ));
        assert!(!bounds(
            "async fn f(&self, req: RequestBuilder) -> R {
                let request = req.bearer_auth(t).build()?;
                self.client.execute(request).await
            }"
        ));
        assert!(bounds(
            "async fn f(req: RequestBuilder) -> R { req.timeout(self.total).send().await?.text().await }"
        ));
        assert!(bounds(
            "async fn f(req: RequestBuilder) -> R {
                let deadline = Instant::now() + self.first;
                match tokio::time::timeout_at(deadline, async { req.send().await }).await {
                    Ok(r) => r,
                    Err(_) => gone(),
                }
            }"
        ));
        assert!(bounds(
            "async fn f(req: RequestBuilder) -> R {
                tokio::select! { r = req.send() => r, _ = sleep(LIMIT) => gone() }
            }"
        ));
    }

    #[test]
    fn a_builder_sent_bare_or_not_sent() {
        // One branch sends it bare.
        assert!(!bounds(
            "async fn f(req: RequestBuilder, fast: bool) -> R {
                if fast { req.send().await } else { req.timeout(T).send().await }
            }"
        ));
        // A timeout on another request, or none sent here at all.
        assert!(!bounds(
            "async fn f(req: RequestBuilder) -> R { other.timeout(T).send().await; req.send().await }"
        ));
        assert!(!bounds(
            "async fn f(req: RequestBuilder) -> R { keep(req) }"
        ));
    }
}
