//! Scope bookkeeping: the router or scope each registration lands in, the
//! children and layers attached to it, and what is dropped unregistered.

use super::*;

impl Summarizer<'_> {
    pub(super) fn fn_scope(&mut self, cx: &FnCtx) -> usize {
        self.fn_scope_named(&cx.name)
    }

    pub(super) fn fn_scope_named(&mut self, name: &str) -> usize {
        if let Some((_, s)) = self.out.fn_scopes.iter().find(|(n, _)| n == name) {
            return *s;
        }
        let s = self.new_scope(None);
        self.out.fn_scopes.push((name.to_string(), s));
        s
    }

    pub(super) fn new_scope(&mut self, path: Option<String>) -> usize {
        self.out.scopes.push(ScopeRec {
            path,
            ..ScopeRec::default()
        });
        self.out.scopes.len() - 1
    }

    pub(super) fn tick(&mut self, s: usize) -> u32 {
        let sc = &mut self.out.scopes[s];
        sc.next += 1;
        sc.next
    }

    pub(super) fn add_child(&mut self, s: usize, c: Child) {
        self.add_child_at(s, c, None);
    }

    /// A child attached under a path prefix (`nest("/api", router)`).
    pub(super) fn add_child_at(&mut self, s: usize, c: Child, prefix: Option<String>) {
        let o = self.tick(s);
        self.out.scopes[s].children.push((o, c, prefix));
    }

    pub(super) fn add_layer(&mut self, s: usize, ordered: bool, by: LayerBy) {
        let order = self.tick(s);
        self.out.scopes[s]
            .layers
            .push(LayerRec { order, ordered, by });
    }

    pub(super) fn register(&mut self, scope: Option<usize>, p: Pending, path: Option<String>) {
        let path = path.or_else(|| p.path());
        for r in p.routes {
            if matches!(&r.handler, Some(Handler::Named(h, _)) if self.generic_handlers.contains(h))
            {
                // `fn post<H>(self, handler: H) { self.route(p, post(handler)) }`: a routing
                // helper; its callers register the real routes.
                continue;
            }
            if let Some(Handler::Named(h, written)) = &r.handler {
                let module = written.as_deref().and_then(|w| self.handler_module(w));
                let handler = (h.clone(), module);
                if !self.out.handlers.contains(&handler) {
                    self.out.handlers.push(handler);
                }
            }
            if !self.cat.is_subject(&r.method) || self.cat.ignored_path(path.as_deref()) {
                continue;
            }
            // `web::post().to(HttpResponse::NotFound)`: answers, changes nothing.
            if matches!(&r.handler, Some(Handler::Named(h, _)) if has(&self.cat.writes.inert_handlers, h))
            {
                continue;
            }
            let order = scope.map_or(0, |s| self.tick(s));
            self.out.routes.push(RouteRec {
                method: r.method,
                path: path.clone(),
                handler: r.handler,
                span: r.span,
                scope,
                order,
                covered_here: p.covered.clone(),
                layer_refs: p.layer_refs.clone(),
                openapi_only: false,
            });
        }
    }

    /// A value nobody consumes: a complete method router or filter (it has a handler
    /// or a path) is a route without a router.
    pub(super) fn discard(&mut self, v: Val) {
        if let Val::Methods(p) = v {
            let complete = !p.path.is_empty() || p.routes.iter().any(|r| r.handler.is_some());
            if complete {
                self.register(None, p, None);
            }
        }
    }
}
