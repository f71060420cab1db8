//! One link of a method chain applied to the value so far: a method router gains
//! a method, a router gains a route, a nested router or a layer.

use super::layers::LayerTimeout;
use super::*;
use crate::extract::rust::front::items::Items;

impl Summarizer<'_> {
    /// Applies one link of a method chain to the value of its receiver.
    pub(super) fn apply_method(
        &mut self,
        recv: Val,
        m: &syn::ExprMethodCall,
        cx: &mut FnCtx,
        d: usize,
    ) -> Val {
        let name = m.method.to_string();
        let args: Vec<&syn::Expr> = m.args.items().collect();
        let fw = &self.cat.frameworks;

        if let Val::Methods(p) = recv {
            return self.apply_to_methods(p, m, &args, cx, d);
        }
        let routerish = has(&fw.route_calls, &name)
            || has(&fw.nest_calls, &name)
            || has(&fw.ordered_layer_methods, &name)
            || has(&fw.wrap_methods, &name);
        let scope = match &recv {
            Val::Scope(s) => Some(*s),
            Val::Param | Val::Call(_) if routerish => self.as_scope(&recv, cx),
            Val::Call(_) => {
                // `api::router(cfg).with_state(s)`, `.into()`: still what the function built.
                for a in &args {
                    self.eval_discard(a, cx, d);
                }
                return recv;
            }
            _ => None,
        };
        let Some(s) = scope else {
            if routerish && has(&fw.route_calls, &name) && args.len() == 2 {
                // A router we cannot see (`self.router`, a struct field): its routes still count.
                if let Val::Methods(p) = self.eval(args[1], cx, d) {
                    let path = lit_str(args[0]);
                    self.eval_discard(args[0], cx, d);
                    self.register(None, p, path);
                    return Val::Other;
                }
            }
            for a in &args {
                self.eval_discard(a, cx, d);
            }
            return Val::Other;
        };

        self.apply_to_scope(s, &name, &args, cx, d)
    }

    /// A link applied to a method router or warp filter that has not met its router:
    /// chained methods (`get(a).post(b)`), method setters, handlers, filter joins
    /// and splits, layers on the method router.
    fn apply_to_methods(
        &mut self,
        mut p: Pending,
        m: &syn::ExprMethodCall,
        args: &[&syn::Expr],
        cx: &mut FnCtx,
        d: usize,
    ) -> Val {
        let name = m.method.to_string();
        let fw = &self.cat.frameworks;
        let call_span = self.join(m.method.span(), m.paren_token.span.close());
        if self.add_methods(&mut p, &name, args, call_span, cx) {
            return Val::Methods(p);
        }
        if has(&fw.handler_calls, &name) && args.len() == 1 {
            let handler = self.handler_of(args[0]);
            if matches!(args[0], syn::Expr::Closure(_)) {
                self.eval_discard(args[0], cx, d);
            }
            for r in &mut p.routes {
                if r.handler.is_none() {
                    r.handler = handler.clone();
                    r.span.end = r.span.end.max(call_span.end);
                }
            }
            return Val::Methods(p);
        }
        if has(&fw.filter_joins, &name) && args.len() == 1 {
            match self.eval(args[0], cx, d) {
                Val::Methods(q) => p.join(q),
                other => self.discard(other),
            }
            return Val::Methods(p);
        }
        if has(&fw.filter_splits, &name) {
            self.discard(Val::Methods(p));
            for a in args {
                self.eval_discard(a, cx, d);
            }
            return Val::Other;
        }
        if has(&fw.ordered_layer_methods, &name) || has(&fw.wrap_methods, &name) {
            match args.first().and_then(|a| self.layer_in(a, cx)) {
                Some(LayerBy::Named(l)) => {
                    p.covered.get_or_insert(format!("layer {l}"));
                }
                Some(LayerBy::Refs(r)) => {
                    let refs = p.layer_refs.get_or_insert_with(LayerRefs::default);
                    refs.middleware_fns.extend(r.middleware_fns);
                    refs.builders.extend(r.builders);
                    refs.types.extend(r.types);
                }
                None => {}
            }
            return Val::Methods(p);
        }
        for a in args {
            self.eval_discard(a, cx, d);
        }
        // `.boxed()`, `.with_state(..)`, `.recover(..)`: still the same routes.
        Val::Methods(p)
    }

    /// A link applied to router or scope `s`: a route, a nested router or
    /// configuration closure, a layer, or a method that keeps the same router.
    fn apply_to_scope(
        &mut self,
        s: usize,
        name: &str,
        args: &[&syn::Expr],
        cx: &mut FnCtx,
        d: usize,
    ) -> Val {
        let fw = &self.cat.frameworks;
        if has(&fw.route_calls, name) && !args.is_empty() {
            for extra in args.iter().skip(2) {
                self.eval_discard(extra, cx, d);
            }
            // With one argument (actix `resource(p).route(..)`) the path is the
            // resource's own, which the link step puts in front of every route of it.
            let (path, target) = if args.len() >= 2 {
                (lit_str(args[0]), args[1])
            } else {
                (None, args[0])
            };
            match self.eval(target, cx, d) {
                Val::Methods(p) => self.register(Some(s), p, path),
                other => self.nest_value(s, other, cx, path),
            }
            return Val::Scope(s);
        }
        if has(&fw.nest_calls, name) {
            // `nest("/api", router)`, `mount("/api", routes![..])`: a path prefix for
            // what the other arguments attach.
            let prefix = match args {
                [first, _, ..] => lit_str(first),
                _ => None,
            };
            for a in args {
                let v = if let syn::Expr::Closure(c) = a {
                    // `configure(|cfg| { cfg.service(..); })`: the closure's parameter is this scope.
                    let inner = self.new_scope(None);
                    self.add_child_at(s, Child::Local(inner), prefix.clone());
                    for input in c.inputs.items() {
                        if let syn::Pat::Ident(pi) = strip_pat_type(input) {
                            cx.vars.insert(pi.ident.to_string(), Val::Scope(inner));
                        }
                    }
                    self.eval_discard(&c.body, cx, d);
                    continue;
                } else {
                    self.eval(a, cx, d)
                };
                self.nest_value(s, v, cx, prefix.clone());
            }
            return Val::Scope(s);
        }
        let ordered = has(&fw.ordered_layer_methods, name);
        if ordered || has(&fw.wrap_methods, name) {
            for a in args {
                if let Some(by) = self.layer_in(a, cx) {
                    self.add_layer(s, ordered, by);
                }
                if self.out.request_timeout.is_none() {
                    let line = || u32::try_from(syn::spanned::Spanned::span(a).start().line).ok();
                    match self.request_timeout_in(a) {
                        Some(LayerTimeout::Literal) => self.out.request_timeout = line(),
                        Some(LayerTimeout::Configured) if self.configured_timeout.is_none() => {
                            self.configured_timeout = line();
                        }
                        _ => {}
                    }
                }
                self.eval_discard(a, cx, d);
            }
            return Val::Scope(s);
        }
        for a in args {
            self.eval_discard(a, cx, d);
        }
        // `.with_state(..)`, `.fallback(..)`, `.app_data(..)`: still the same router.
        Val::Scope(s)
    }

    /// Links that add methods to a method router: chained method routers
    /// (`get(a).post(b)`), `.on(MethodFilter::PATCH, h)`, actix's `.method(..)`.
    /// False when the link is none of these.
    fn add_methods(
        &self,
        p: &mut Pending,
        name: &str,
        args: &[&syn::Expr],
        call_span: Span,
        cx: &FnCtx,
    ) -> bool {
        let fw = &self.cat.frameworks;
        // Chained method routers: `get(a).post(b)`, `.on(MethodFilter::PATCH, h)`.
        if let Some(method) = self.cat.method_of(name).map(str::to_string) {
            if args.len() == 1 || (args.len() == 2 && name.ends_with("_with")) {
                let handler = self.handler_of(args[0]);
                if handler.is_some() {
                    p.routes.push(PendingRoute {
                        method,
                        handler,
                        span: call_span,
                    });
                    return true;
                }
            }
        }
        if has(&fw.method_filter_functions, name) && args.len() == 2 {
            let handler = self.handler_of(args[1]);
            for method in self.methods_of(args[0], cx) {
                p.routes.push(PendingRoute {
                    method,
                    handler: handler.clone(),
                    span: call_span,
                });
            }
            return true;
        }
        if has(&fw.method_setters, name) && args.len() == 1 {
            let start = p.routes.first().map(|r| r.span.start);
            for method in self.methods_of(args[0], cx) {
                p.routes.push(PendingRoute {
                    method,
                    handler: None,
                    span: Span::new(start.unwrap_or(call_span.start), call_span.end),
                });
            }
            return true;
        }
        false
    }

    /// Something attached below scope `s` by `nest`, `merge`, `service`, `mount`, ...,
    /// under the path `prefix` when the call names one (`nest("/api", router)`).
    pub(super) fn nest_value(&mut self, s: usize, v: Val, cx: &FnCtx, prefix: Option<String>) {
        match v {
            Val::Scope(c) if c != s => self.add_child_at(s, Child::Local(c), prefix),
            Val::Call(f) => self.add_child_at(s, Child::Fn(f), prefix),
            Val::Fns(fs) => {
                for f in fs {
                    self.add_child_at(s, Child::Fn(f), prefix.clone());
                }
            }
            Val::Methods(p) => self.register(Some(s), p, prefix),
            Val::Param => {
                let fs = self.fn_scope(cx);
                if fs != s {
                    self.add_child_at(s, Child::Local(fs), prefix);
                }
            }
            _ => {}
        }
    }
}
