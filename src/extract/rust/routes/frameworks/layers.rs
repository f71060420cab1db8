//! Idempotency layers and middleware in a `layer`/`wrap`/`with` argument.

use super::*;
use crate::extract::rust::front::items::Items;

impl Summarizer<'_> {
    /// An idempotency layer or middleware in a `layer`/`wrap`/`with` argument.
    pub(super) fn layer_in(&self, e: &syn::Expr, cx: &FnCtx) -> Option<LayerBy> {
        // A variable holding a layer stack built earlier (`let svc = ServiceBuilder::new().layer(..)`).
        if let syn::Expr::Path(p) = e {
            if let Some(Val::Scope(v)) =
                p.path.get_ident().and_then(|i| cx.vars.get(&i.to_string()))
            {
                if let Some(l) = self.out.scopes[*v]
                    .layers
                    .iter()
                    .find(|l| matches!(l.by, LayerBy::Named(_)))
                {
                    return Some(l.by.clone());
                }
            }
        }
        let mut f = Finder {
            cat: self.cat,
            named: None,
            refs: LayerRefs::default(),
            closure_reads_key: false,
        };
        syn::visit::Visit::visit_expr(&mut f, e);
        if let Some(n) = f.named {
            return Some(LayerBy::Named(n));
        }
        if f.closure_reads_key {
            return Some(LayerBy::Named("middleware closure".to_string()));
        }
        let r = &f.refs;
        let any = !(r.middleware_fns.is_empty() && r.builders.is_empty() && r.types.is_empty());
        any.then_some(LayerBy::Refs(f.refs))
    }
}

impl Summarizer<'_> {
    /// Whether a `layer` argument is a server-side timeout layer with a literal
    /// duration (`TimeoutLayer::new(Duration::from_secs(30))`): one given a variable
    /// (docs.rs's optional `request_timeout`) may be absent or unbounded.
    pub(super) fn request_timeout_in(&self, e: &syn::Expr) -> bool {
        let layers = &self.cat.evidence.request_timeout_layers;
        let syn::Expr::Call(c) = e else {
            return false;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return false;
        };
        let mut segs = p.path.segments.iter().rev();
        let (Some(_ctor), Some(ty)) = (segs.next(), segs.next()) else {
            return false;
        };
        has(layers, &ty.ident.to_string()) && c.args.iter().any(literal_duration)
    }
}

/// `Duration::from_secs(30)`, `Duration::from_millis(500)`, `Duration::new(5, 0)`.
fn literal_duration(e: &syn::Expr) -> bool {
    let syn::Expr::Call(c) = e else {
        return false;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let mut segs = p.path.segments.iter().rev();
    let (Some(f), Some(ty)) = (segs.next(), segs.next()) else {
        return false;
    };
    ty.ident == "Duration"
        && (f.ident == "new" || f.ident.to_string().starts_with("from_"))
        && c.args.iter().all(|a| matches!(a, syn::Expr::Lit(_)))
}

/// Walks a layer argument: a catalogued layer by name, or what it refers to
/// (middleware functions, builders, types) for the link step to judge.
struct Finder<'c> {
    cat: &'c RoutesCatalog,
    named: Option<String>,
    refs: LayerRefs,
    closure_reads_key: bool,
}
impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
    fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
        let name = seg.ident.to_string();
        if self.named.is_none() && has(&self.cat.evidence.layers, &name) {
            self.named = Some(name.clone());
        }
        if name.starts_with(|c: char| c.is_ascii_uppercase()) && !self.refs.types.contains(&name) {
            self.refs.types.push(name);
        }
        syn::visit::visit_path_segment(self, seg);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(l) = p.path.segments.last() {
                let name = l.ident.to_string();
                if has(&self.cat.frameworks.middleware_functions, &name) {
                    self.middleware_args(c.args.items());
                } else {
                    self.refs.builders.push(name);
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if has(
            &self.cat.frameworks.middleware_functions,
            &m.method.to_string(),
        ) {
            self.middleware_args(m.args.items());
        }
        if has(&self.cat.cors.methods, &m.method.to_string()) {
            self.visit_expr(&m.receiver);
            return;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}
impl Finder<'_> {
    fn middleware_args<'x>(&mut self, args: impl Iterator<Item = &'x syn::Expr>) {
        for a in args {
            match a {
                syn::Expr::Path(p) => {
                    if let Some(l) = p.path.segments.last() {
                        self.refs.middleware_fns.push(l.ident.to_string());
                    }
                }
                syn::Expr::Closure(c) => {
                    let ev = Evidence::of_closure(c, self.cat);
                    self.closure_reads_key |= ev.reads_key;
                    // A closure calling a middleware function: that function decides.
                    self.refs
                        .middleware_fns
                        .extend(ev.calls.sorted().into_iter().map(str::to_string));
                }
                _ => {}
            }
        }
    }
}
