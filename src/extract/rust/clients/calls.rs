//! Calls and method chains: constructors, factories, wrappers, breakers,
//! and the calls made on tracked values.

use syn::spanned::Spanned;
use syn::{Expr, ExprCall, ExprMethodCall};

use super::syntax::*;
use super::Visitor;
use crate::extract::rust::catalog::PathRole;
use crate::extract::rust::facts::{CallFact, Chain, Origin};
use crate::extract::rust::front::ident::with_ident_str;
use crate::tree::Span;

/// `Ok(x)`, `Some(x)`, `Arc::new(x)`, ...: the value is the argument's.
fn is_transparent(path: &syn::Path) -> bool {
    let mut rev = path.segments.iter().rev();
    let Some(last) = rev.next() else { return false };
    match rev.next() {
        None => last.ident == "Ok" || last.ident == "Some",
        Some(ty) => {
            last.ident == "new"
                && ["Arc", "Rc", "Box", "Mutex", "RwLock"]
                    .iter()
                    .any(|w| ty.ident == w)
        }
    }
}

impl Visitor<'_, '_> {
    /// [`Self::role`] of a path as written; most paths end in a name no catalogue
    /// entry ends in, and are turned down before the path is built.
    fn path_role(&self, path: &syn::Path) -> Option<(PathRole, Vec<String>)> {
        let last = &path.segments.last()?.ident;
        if !with_ident_str(last, |l| self.ctx.catalog.may_match(l)) {
            return None;
        }
        self.role(&segments(path))
    }

    pub(super) fn call(&mut self, c: &ExprCall) -> Option<usize> {
        let Expr::Path(fp) = &*c.func else {
            self.expr(&c.func);
            for a in &c.args {
                self.expr(a);
            }
            return None;
        };
        if c.args.len() == 1 && is_transparent(&fp.path) {
            return self.expr(&c.args[0]);
        }
        let segs = segments(&fp.path);
        let n = segs.len();
        let last = segs.last().map(String::as_str).unwrap_or("");
        let role = self.role(&segs);
        let request = matches!(role, Some((PathRole::Request(_), _)));
        match role {
            Some((PathRole::Constructor(api), path)) | Some((PathRole::Request(api), path)) => {
                let target = c.args.first().and_then(target_of);
                for a in &c.args {
                    self.expr(a);
                }
                let wildcard_type = self.ctx.catalog.clients[api]
                    .constructors
                    .iter()
                    .any(|p| p.starts_with("**"))
                    .then(|| path.get(path.len().saturating_sub(2)).cloned())
                    .flatten();
                let origin = Origin::Client {
                    api,
                    span: self.pos.span(c.span()),
                    constructor: path.join("::"),
                    target,
                    request,
                    wrapped: self.wrapped > 0,
                    breaker: self.breaker > 0,
                    in_fn: self.fn_name.clone(),
                    wildcard_type,
                };
                return Some(self.new_handle(origin));
            }
            Some((PathRole::Breaker(api), _)) => {
                for a in &c.args {
                    self.expr(a);
                }
                return Some(self.new_handle(Origin::Breaker { api }));
            }
            Some((PathRole::ClientWrapper, _)) => {
                return self.args_keep_first(&c.args);
            }
            Some((PathRole::TimeoutWrapper, _)) => {
                self.wrapped += 1;
                for a in &c.args {
                    if let Some(h) = self.expr(a) {
                        self.mark_wrapped(h);
                    }
                }
                self.wrapped -= 1;
                return None;
            }
            _ => {}
        }
        // A generated client around a channel: `GreeterClient::new(channel)`.
        if n >= 2
            && segs[n - 2].ends_with("Client")
            && matches!(last, "new" | "with_interceptor" | "with_origin")
        {
            return self.args_keep_first(&c.args);
        }
        let mut passed = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if let Some(h) = self.expr(a) {
                self.mark_context(h);
                passed.push((i, h));
            }
        }
        let callee = self.local_callee(&segs)?;
        for (i, h) in passed {
            self.facts.arg_passes.push((callee.clone(), i, h));
        }
        Some(self.call_handle(callee))
    }

    /// Visits every argument and returns the handle of the first: a wrapper or a
    /// generated client around the value passed first (`GreeterClient::new(channel)`).
    fn args_keep_first(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Option<usize> {
        let mut first = None;
        for (i, a) in args.iter().enumerate() {
            let h = self.expr(a);
            if i == 0 {
                first = h;
            }
        }
        first
    }

    pub(super) fn method_chain(&mut self, e: &Expr) -> Option<usize> {
        let mut calls: Vec<(&ExprMethodCall, bool)> = Vec::new();
        let mut cur = e;
        let mut awaited = false;
        loop {
            match cur {
                Expr::MethodCall(m) => {
                    calls.push((m, std::mem::take(&mut awaited)));
                    cur = &m.receiver;
                }
                Expr::Await(a) => {
                    awaited = true;
                    cur = &a.base;
                }
                Expr::Try(t) => cur = &t.expr,
                Expr::Paren(p) => cur = &p.expr,
                _ => break,
            }
        }
        calls.reverse();
        let base = cur;
        let mut skip = 0;
        let mut handle = None;
        let mut base_is_var = false;
        let mut layer = None;
        if is_self(base) {
            // `self.make_client()`: a call to a method of this impl.
            if let (Some(ty), Some((first, _))) = (self.impl_type.clone(), calls.first()) {
                let callee = format!("{ty}::{}", first.method);
                for (i, a) in first.args.iter().enumerate() {
                    if let Some(h) = self.expr(a) {
                        self.facts.arg_passes.push((callee.clone(), i, h));
                    }
                }
                handle = Some(self.call_handle(callee));
                skip = 1;
            }
        } else {
            if let Expr::Call(c) = base {
                if let Expr::Path(p) = &*c.func {
                    if let Some((PathRole::LayerBuilder(i), _)) = self.path_role(&p.path) {
                        layer = Some(i);
                    }
                }
            }
            handle = self.expr(base);
            base_is_var = handle.is_none() && simple_ident_expr(base).is_some();
        }
        let mut chain = Chain::default();
        let mut in_request = false;
        let mut layered = false;
        let mut breaker_layered = false;
        let breaker_api = handle.and_then(|h| self.is_breaker(h));
        for &(m, awaited) in &calls[skip..] {
            // Naming a method allocates. On a value nothing tracks only a method that
            // bounds a request is recorded (`.layer(..)` is compared in place below).
            let named = handle.is_some()
                || layer.is_some()
                || breaker_layered
                || (base_is_var && self.ctx.catalog.is_request_timeout_ident(&m.method));
            let name = if named {
                m.method.to_string()
            } else {
                String::new()
            };
            if let Some(i) = layer {
                let l = &self.ctx.catalog.layers[i];
                if l.methods.contains(&name) {
                    layered = true;
                }
                if name == "layer" {
                    if let Some(Expr::Call(c)) = m.args.first() {
                        if let Expr::Path(p) = &*c.func {
                            if let Some((PathRole::TimeoutLayerCtor, _)) = self.path_role(&p.path) {
                                layered = true;
                            }
                        }
                    }
                }
            }
            let wrap_args = layered && name == "service";
            if wrap_args {
                self.wrapped += 1;
            }
            // `breaker.call(fut)`, or `.service(svc)` after a breaker `.layer(..)`.
            let guard_args = breaker_api
                .is_some_and(|b| self.ctx.catalog.breakers[b].call_methods.contains(&name))
                || (breaker_layered && name == "service")
                || (breaker_api.is_some_and(|b| self.ctx.catalog.breakers[b].layer)
                    && name == "layer");
            if guard_args {
                self.breaker += 1;
            }
            let mut arg_methods = Vec::new();
            for a in &m.args {
                if let Some(h) = self.expr(a) {
                    self.mark_context(h);
                    if m.method == "layer" {
                        if let Some(b) = self.is_breaker(h) {
                            breaker_layered |= self.ctx.catalog.breakers[b].layer;
                        }
                    }
                }
                if handle.is_none() {
                    continue;
                }
                if let Some(var) = simple_ident(a) {
                    if let Some(ms) = self.scopes.last().and_then(|s| s.var_methods.get(&var)) {
                        arg_methods.extend(ms.iter().cloned());
                    }
                }
            }
            if wrap_args {
                self.wrapped -= 1;
            }
            if guard_args {
                self.breaker -= 1;
            }
            // After a request the chain yields a response, not the client.
            let client_api = handle.and_then(|h| match self.facts.handles[h].origin {
                Origin::Client { api, .. } => Some(api),
                _ => None,
            });
            if self.ctx.catalog.is_request_name(&name)
                || client_api
                    .is_some_and(|a| self.ctx.catalog.clients[a].is_request_method(&name, awaited))
            {
                in_request = true;
            }
            if handle.is_none() {
                // Only methods that bound a request matter on other values (`req.set_timeout(d)`).
                if base_is_var && self.ctx.catalog.is_request_timeout_name(&name) {
                    chain.calls.push(CallFact {
                        name,
                        span: Span::default(),
                        nargs: 0,
                        arg_words: Vec::new(),
                        target: None,
                        arg_methods: Vec::new(),
                        wrapped: false,
                        awaited,
                        breaker: false,
                        in_fn: None,
                    });
                }
                continue;
            }
            let span = Span::new(
                self.pos.offset(m.method.span().start()),
                self.pos.offset(m.paren_token.span.close().end()),
            );
            chain.calls.push(CallFact {
                name,
                span,
                nargs: m.args.len(),
                arg_words: arg_words(m.args.iter()),
                target: m.args.first().and_then(target_of),
                arg_methods,
                wrapped: self.wrapped > 0,
                awaited,
                breaker: self.breaker > 0,
                in_fn: self.fn_name.clone(),
            });
        }
        if let Some(h) = handle {
            if !chain.calls.is_empty() {
                self.facts.handles[h].chains.push(chain);
            }
            return (!in_request).then_some(h);
        }
        if let Some(var) = base_is_var
            .then(|| simple_ident(base))
            .flatten()
            .filter(|_| !chain.calls.is_empty())
        {
            let names: Vec<String> = chain.calls.into_iter().map(|c| c.name).collect();
            self.scope()
                .var_methods
                .entry(var)
                .or_default()
                .extend(names);
        }
        None
    }
}
