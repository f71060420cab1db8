//! Timeout layers on server and client builders (`ServiceBuilder::new().timeout(d)`,
//! `.layer(TimeoutLayer::new(d))`): whether a chain's call adds one, and which
//! service types a timed server builder serves. Read by [`super::chains`] as it walks
//! a builder's calls, and by `let` bindings holding a layer.

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
