//! Function calls (`post(h)`, `Router::new()`, `warp::path("x")`) and method chains,
//! evaluated from their root outwards.

use super::*;
use crate::extract::rust::front::items::Items;

impl Summarizer<'_> {
    /// A function call: a method router, a warp filter, a router constructor, or a
    /// call of no interest whose arguments are still walked.
    pub(super) fn call(&mut self, c: &syn::ExprCall, cx: &mut FnCtx, d: usize) -> Val {
        let syn::Expr::Path(fp) = &*c.func else {
            self.eval_discard(&c.func, cx, d);
            for a in c.args.items() {
                self.eval_discard(a, cx, d);
            }
            return Val::Other;
        };
        let Some(last) = last_ident(&fp.path) else {
            return Val::Other;
        };
        let args: Vec<&syn::Expr> = c.args.items().collect();
        if !self.interesting.contains(&last) {
            // The common case: a call of no interest to routing.
            self.plain_call_args(&last, &args, cx, d);
            return Val::Call(last);
        }
        let segs = segments(&fp.path);
        let fw = &self.cat.frameworks;

        if let Some(v) = self.method_router_call(fp, c, &last, &segs, &args, cx, d) {
            return v;
        }
        // actix `web::route()`: methods come from `.method(..)`/`.guard(..)`.
        if last == "route" && args.is_empty() {
            return Val::Methods(Pending::default());
        }
        if let Some(v) = self.warp_filter_call(&last, &segs, &args) {
            return v;
        }
        // Routers, apps, scopes, resources.
        if tail_matches(&fw.scope_constructors, &segs) {
            let path = args.first().and_then(|a| match a {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            });
            for a in &args {
                self.eval_discard(a, cx, d);
            }
            return Val::Scope(self.new_scope(path));
        }
        self.plain_call_args(&last, &args, cx, d);
        Val::Call(last)
    }

    /// Method routers: `post(h)` (axum, poem), `web::post()` (actix), `warp::post()`,
    /// `on(MethodFilter::POST, h)`. `None` when the call is none of these.
    #[allow(clippy::too_many_arguments)]
    fn method_router_call(
        &mut self,
        fp: &syn::ExprPath,
        c: &syn::ExprCall,
        last: &str,
        segs: &[String],
        args: &[&syn::Expr],
        cx: &mut FnCtx,
        d: usize,
    ) -> Option<Val> {
        let fw = &self.cat.frameworks;
        // Method routers: `post(h)` (axum, poem), `web::post()` (actix), `warp::post()`.
        if let Some(method) = self.method_fn(segs) {
            // aide's `post_with(handler, docs)` takes a second argument.
            let with_docs = args.len() == 2 && last.ends_with("_with");
            if args.len() <= 1 || with_docs {
                let handler = args.first().and_then(|a| self.handler_of(a));
                if with_docs {
                    self.eval_discard(args[1], cx, d);
                }
                if !args.is_empty() && handler.is_none() {
                    // `post("http://..")` and the like: not a method router.
                    self.eval_discard(args[0], cx, d);
                    return Some(Val::Other);
                }
                if let Some(a) = args.first() {
                    if matches!(a, syn::Expr::Closure(_)) {
                        // The closure body is judged as the handler; routers inside are still walked.
                        self.eval_discard(a, cx, d);
                    }
                }
                return Some(Val::Methods(Pending {
                    routes: vec![PendingRoute {
                        method,
                        handler,
                        span: self.call_span(fp, c),
                    }],
                    ..Pending::default()
                }));
            }
        }
        // `on(MethodFilter::POST, h)`.
        if has(&fw.method_filter_functions, last)
            && args.len() == 2
            && self.framework_head(&self.resolve(segs))
        {
            let methods = self.methods_of(args[0], cx);
            if !methods.is_empty() {
                let handler = self.handler_of(args[1]);
                let span = self.call_span(fp, c);
                return Some(Val::Methods(Pending {
                    routes: methods
                        .into_iter()
                        .map(|method| PendingRoute {
                            method,
                            handler: handler.clone(),
                            span,
                        })
                        .collect(),
                    ..Pending::default()
                }));
            }
        }
        None
    }

    /// warp path and header filters: `warp::path("orders")`,
    /// `warp::header::<T>("idempotency-key")`.
    fn warp_filter_call(&self, last: &str, segs: &[String], args: &[&syn::Expr]) -> Option<Val> {
        let fw = &self.cat.frameworks;
        // warp `warp::path("orders")`.
        if has(&fw.path_filters, last)
            && segs.len() >= 2
            && segs.first().is_some_and(|h| h == "warp")
        {
            let mut p = Pending::default();
            for a in args {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = a
                {
                    p.path.push(s.value());
                }
            }
            return Some(Val::Methods(p));
        }
        // warp `warp::header::<T>("idempotency-key")`.
        if has(&fw.header_filters, last) && segs.iter().any(|s| s == "header") {
            let mut p = Pending::default();
            let key = args.iter().any(|a| {
                matches!(a, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if self.cat.is_key_header(&s.value()))
            });
            if key {
                p.covered = Some("header filter".to_string());
            }
            return Some(Val::Methods(p));
        }
        None
    }

    /// The span of a call from its path to its closing parenthesis. Computed only for
    /// the calls that become routes: it is the first position a file converts.
    pub(super) fn call_span(&self, fp: &syn::ExprPath, c: &syn::ExprCall) -> Span {
        let first = match &fp.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => fp.path.segments[0].ident.span(),
        };
        self.join(first, c.paren_token.span.close())
    }

    /// Walks the arguments of a call; a helper taking (path, method router) registers
    /// the route: `route("/foo", post(h))`. A router or scope passed to the function
    /// (`configure(|cfg| api::config(cfg, &limits))`, `mount(router)`) holds what the
    /// function registers on its parameter: the function's scope becomes its child.
    pub(super) fn plain_call_args(
        &mut self,
        callee: &str,
        args: &[&syn::Expr],
        cx: &mut FnCtx,
        d: usize,
    ) {
        let path = args.first().and_then(|a| lit_str(a));
        for a in args {
            match self.eval(a, cx, d) {
                Val::Methods(p) if path.is_some() => self.register(None, p, path.clone()),
                Val::Scope(s) if matches!(a, syn::Expr::Path(_) | syn::Expr::Reference(_)) => {
                    self.add_child(s, Child::Fn(callee.to_string()))
                }
                Val::Param if matches!(a, syn::Expr::Path(_) | syn::Expr::Reference(_)) => {
                    let s = self.fn_scope(cx);
                    self.add_child(s, Child::Fn(callee.to_string()));
                }
                other => self.discard(other),
            }
        }
    }

    /// Turns a receiver into the scope a router method acts on.
    pub(super) fn as_scope(&mut self, v: &Val, cx: &FnCtx) -> Option<usize> {
        match v {
            Val::Scope(s) => Some(*s),
            Val::Param => Some(self.fn_scope(cx)),
            Val::Call(f) => {
                let s = self.new_scope(None);
                self.add_child(s, Child::Fn(f.clone()));
                Some(s)
            }
            _ => None,
        }
    }

    /// A method chain, evaluated from its root outwards without recursing per link, so
    /// a router with hundreds of chained `.route(..)` calls costs no stack.
    pub(super) fn method_call(&mut self, m: &syn::ExprMethodCall, cx: &mut FnCtx, d: usize) -> Val {
        let mut links = vec![m];
        let mut root = &*m.receiver;
        loop {
            root = match root {
                syn::Expr::MethodCall(inner) => {
                    links.push(inner);
                    &inner.receiver
                }
                syn::Expr::Try(t) => &t.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        let mut v = self.eval(root, cx, d);
        for link in links.into_iter().rev() {
            v = self.apply_method(v, link, cx, d);
        }
        v
    }
}
