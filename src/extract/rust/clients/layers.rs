//! Timeout layers on server and client builders (`ServiceBuilder::new().timeout(d)`,
//! `.layer(TimeoutLayer::new(d))`): whether a chain's call adds one, which service
//! types a timed server builder serves, and which functions a timed raw service's
//! closure hands its requests to. Read by [`super::chains`] as it walks a builder's
//! calls, and by `let` bindings holding a layer.

use syn::{Expr, ExprMethodCall};

use super::Visitor;
use crate::extract::rust::catalog::PathRole;

/// Whether a file's text names a catalogued timeout layer type (`TimeoutLayer`): only
/// then is a `let`'s value searched for one (`let t = TimeoutLayer::new(d)`).
pub(super) fn names_a_layer(catalog: &crate::extract::rust::Catalog, text: &[u8]) -> bool {
    catalog.layers.iter().flat_map(|l| &l.layers).any(|ctor| {
        let mut segments = ctor.rsplit("::");
        let type_name = segments.nth(1).unwrap_or(ctor);
        memchr::memmem::find(text, type_name.as_bytes()).is_some()
    })
}

impl Visitor<'_, '_> {
    /// On a builder of catalogue layer `layer`: whether this call adds a timeout layer
    /// (a catalogued method, or `.layer(v)` with a timeout layer `v`).
    pub(super) fn adds_timeout_layer(&self, layer: usize, m: &ExprMethodCall, name: &str) -> bool {
        let l = &self.ctx.catalog.layers[layer];
        l.methods.iter().any(|x| x == name)
            || name == "layer" && m.args.first().is_some_and(|a| self.holds_timeout_layer(a))
    }

    /// `.add_service(GreeterServer::new(MyGreeter::new()))` on a server builder with a
    /// timeout: records the service's type (`MyGreeter`, also through `Arc::new(..)`,
    /// a struct literal or `default()`).
    pub(super) fn note_timed_service(&mut self, layer: usize, m: &ExprMethodCall, name: &str) {
        if !self.ctx.catalog.layers[layer]
            .serves
            .iter()
            .any(|s| s == name)
        {
            return;
        }
        let mut e = m.args.first();
        while let Some(x) = e {
            e = match x {
                Expr::MethodCall(mc) => Some(&*mc.receiver),
                Expr::Reference(r) => Some(&*r.expr),
                Expr::Paren(p) => Some(&*p.expr),
                Expr::Struct(s) => {
                    let ty = s.path.segments.last().map(|s| s.ident.to_string());
                    self.facts.timed_services.extend(ty);
                    return;
                }
                // A unit struct (`GreeterServer::new(MyGreeter)`).
                Expr::Path(p) => {
                    let ty = p.path.segments.last().map(|s| s.ident.to_string());
                    let unit = ty.filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()));
                    self.facts.timed_services.extend(unit);
                    return;
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return };
                    let segs = &p.path.segments;
                    let n = segs.len();
                    let wrapper = n >= 2
                        && (segs[n - 2].ident.to_string().ends_with("Server")
                            || segs[n - 2].ident == "Arc");
                    match c.args.first() {
                        Some(a) if wrapper => Some(a),
                        _ if n >= 2 => {
                            let ty = segs[n - 2].ident.to_string();
                            self.facts.timed_services.push(ty);
                            return;
                        }
                        _ => return,
                    }
                }
                _ => return,
            };
        }
    }

    /// Whether a value is a timeout layer: its expression makes one (`TimeoutLayer::new(d)`,
    /// also inside `Either::Right(..)` or an `Option`'s `map_or_else`), or it is a
    /// variable bound to such a value (`let timeout = self.timeout.map_or_else(|| ..,
    /// |d| Either::Right(TimeoutLayer::new(d)));` then `.layer(timeout)`: kitsune's
    /// client builder, whose default sets the timeout).
    pub(super) fn holds_timeout_layer(&self, e: &Expr) -> bool {
        if let Expr::Path(p) = e {
            if let Some(name) = p.path.get_ident() {
                let name = name.to_string();
                if self.scopes.iter().any(|s| s.timeout_layers.contains(&name)) {
                    return true;
                }
            }
        }
        struct Paths<'a>(Vec<&'a syn::Path>);
        impl<'a> syn::visit::Visit<'a> for Paths<'a> {
            fn visit_path(&mut self, p: &'a syn::Path) {
                self.0.push(p);
            }
        }
        let mut paths = Paths(Vec::new());
        syn::visit::Visit::visit_expr(&mut paths, e);
        paths.0.into_iter().any(|p| {
            p.segments.len() >= 2
                && matches!(self.path_role(p), Some((PathRole::TimeoutLayerCtor, _)))
        })
    }
}

impl Visitor<'_, '_> {
    /// `builder.service_fn(move |req| server.handle_request(req, ctx))`, or
    /// `.service(service_fn(..))`, on a service builder with a timeout layer (bound
    /// by `let`, or earlier in the chain): records the functions the closure passes
    /// the request to (`handle_request`) as request entries the layer bounds
    /// ([`FileFacts::timed_service_fns`]; tangram's server dispatches every route
    /// from one such function).
    ///
    /// [`FileFacts::timed_service_fns`]: crate::extract::rust::facts::FileFacts::timed_service_fns
    pub(super) fn note_timed_service_fn(&mut self, base: &Expr, calls: &[(&ExprMethodCall, bool)]) {
        for (i, (m, _)) in calls.iter().enumerate() {
            let Some(closure) = served_closure(m) else {
                continue;
            };
            let timed = self.holds_timeout_layer(base)
                || calls[..i].iter().any(|(c, _)| {
                    c.method == "timeout"
                        || c.method == "layer"
                            && c.args.first().is_some_and(|a| self.holds_timeout_layer(a))
                });
            if timed {
                let handlers = request_handlers(closure);
                self.facts.timed_service_fns.extend(handlers);
            }
        }
    }
}

/// The closure a raw service is made of: `.service_fn(c)`, `.service(service_fn(c))`
/// (also `hyper::service::service_fn(c)`), the closure possibly the value of a block
/// (`{ let server = self.clone(); move |req| .. }`).
fn served_closure(m: &ExprMethodCall) -> Option<&syn::ExprClosure> {
    let arg = m.args.first()?;
    let arg = if m.method == "service_fn" {
        arg
    } else if m.method == "service" {
        let Expr::Call(c) = arg else { return None };
        let Expr::Path(p) = &*c.func else { return None };
        if p.path.segments.last()?.ident != "service_fn" {
            return None;
        }
        c.args.first()?
    } else {
        return None;
    };
    let mut e = arg;
    loop {
        e = match e {
            Expr::Closure(c) => return Some(c),
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(e, None)) => e,
                _ => return None,
            },
            Expr::Paren(p) => &p.expr,
            _ => return None,
        };
    }
}

/// The names of the functions and methods a closure passes its first parameter (the
/// request) to: `server.handle_request(request, context)` → `handle_request`.
fn request_handlers(c: &syn::ExprClosure) -> Vec<String> {
    let Some(syn::Pat::Ident(p)) = c.inputs.first().map(|p| match p {
        syn::Pat::Type(t) => &*t.pat,
        other => other,
    }) else {
        return Vec::new();
    };
    struct Handlers<'a> {
        request: &'a syn::Ident,
        out: Vec<String>,
    }
    impl Handlers<'_> {
        fn passes(&self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> bool {
            args.iter().any(|a| {
                let mut a = a;
                while let Expr::Reference(r) = a {
                    a = &r.expr;
                }
                matches!(a, Expr::Path(p) if p.path.is_ident(self.request))
            })
        }
    }
    impl<'a> syn::visit::Visit<'a> for Handlers<'_> {
        fn visit_expr_method_call(&mut self, m: &'a ExprMethodCall) {
            if self.passes(&m.args) {
                self.out.push(m.method.to_string());
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(f) = &*c.func {
                if let Some(last) = f.path.segments.last().filter(|_| self.passes(&c.args)) {
                    self.out.push(last.ident.to_string());
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut h = Handlers {
        request: &p.ident,
        out: Vec::new(),
    };
    syn::visit::Visit::visit_expr(&mut h, &c.body);
    h.out.sort();
    h.out.dedup();
    h.out
}
