//! Idempotency layers and middleware in a `layer`/`wrap`/`with` argument.

use super::*;
use crate::extract::rust::front::items::Items;

impl Summarizer<'_> {
    /// An idempotency layer or middleware in a `layer`/`wrap`/`with` argument.
    pub(super) fn layer_in(&self, e: &syn::Expr, cx: &FnCtx) -> Option<LayerBy> {
        // A call of a closure bound to a layer earlier (`let auth = || from_fn(..)`).
        if let syn::Expr::Call(c) = e {
            let closure = match &*c.func {
                syn::Expr::Path(p) if c.args.is_empty() => p.path.get_ident(),
                _ => None,
            };
            if let Some(by) = closure.and_then(|i| cx.layer_closures.get(&i.to_string())) {
                return Some(by.clone());
            }
        }
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
    /// The duration a `layer` argument's server-side timeout layer is given, when it
    /// is always there: a literal (`TimeoutLayer::new(Duration::from_secs(30))`), or a
    /// configuration's field (`TimeoutLayer::new(config.request_timeout)`: a
    /// `Duration`, or the call would not compile) or a `Duration` made from one. One
    /// given a plain variable may be bound on one branch only (docs.rs's optional
    /// `request_timeout`, `if let Some(t) = ..`): none.
    pub(super) fn request_timeout_in(&self, e: &syn::Expr) -> Option<LayerTimeout> {
        let layers = &self.cat.evidence.request_timeout_layers;
        let syn::Expr::Call(c) = e else {
            return None;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let mut segs = p.path.segments.iter().rev();
        let (Some(_ctor), Some(ty)) = (segs.next(), segs.next()) else {
            return None;
        };
        if !has(layers, &ty.ident.to_string()) {
            return None;
        }
        let d = c.args.last()?;
        if literal_duration(d) {
            Some(LayerTimeout::Literal)
        } else {
            present_duration(d).then_some(LayerTimeout::Configured)
        }
    }
}

/// How a server-side timeout layer's duration is given.
pub(super) enum LayerTimeout {
    /// `Duration::from_secs(30)`.
    Literal,
    /// A configuration's field: taken for a server's only in a file that registers
    /// routes (a tower `ServiceBuilder` wrapping an outbound client takes the same
    /// layer, `.layer(TimeoutLayer::new(config.request_timeout)).service(client)`).
    Configured,
}

/// A duration a layer always has: [`literal_duration`], a field (`config.timeout`,
/// `self.settings.request_timeout`), or a `Duration` made from either
/// (`Duration::from_millis(config.timeout_ms)`); not `Duration::MAX`.
fn present_duration(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Field(_) => true,
        syn::Expr::Paren(p) => present_duration(&p.expr),
        syn::Expr::Call(c) => {
            duration_ctor(c)
                && c.args.iter().all(|a| match a {
                    syn::Expr::Lit(_) => true,
                    other => present_duration(other),
                })
        }
        _ => false,
    }
}

/// `Duration::from_*(..)` or `Duration::new(..)`.
fn duration_ctor(c: &syn::ExprCall) -> bool {
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let mut segs = p.path.segments.iter().rev();
    let (Some(f), Some(ty)) = (segs.next(), segs.next()) else {
        return false;
    };
    ty.ident == "Duration" && (f.ident == "new" || f.ident.to_string().starts_with("from_"))
}

/// `Duration::from_secs(30)`, `Duration::from_millis(500)`, `Duration::new(5, 0)`.
fn literal_duration(e: &syn::Expr) -> bool {
    let syn::Expr::Call(c) = e else {
        return false;
    };
    duration_ctor(c) && c.args.iter().all(|a| matches!(a, syn::Expr::Lit(_)))
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

#[cfg(test)]
mod tests {
    use super::{literal_duration, present_duration};

    fn expr(text: &str) -> syn::Expr {
        syn::parse_str(text).expect("an expression")
    }

    #[test]
    fn a_layer_duration_is_present_when_literal_or_a_configured_field() {
        assert!(literal_duration(&expr("Duration::from_secs(30)")));
        assert!(present_duration(&expr("Duration::from_secs(30)")));
        assert!(present_duration(&expr("config.request_timeout")));
        assert!(present_duration(&expr("(self.settings.timeout)")));
        assert!(present_duration(&expr(
            "Duration::from_millis(config.timeout_ms)"
        )));
        assert!(present_duration(&expr(
            "std::time::Duration::new(cfg.secs, 0)"
        )));
        // A variable may be bound on one branch only (`if let Some(t) = ..`).
        assert!(!present_duration(&expr("t")));
        assert!(!present_duration(&expr("Duration::from_secs(t)")));
        assert!(!present_duration(&expr("Duration::MAX")));
        assert!(!present_duration(&expr("timeout()")));
    }
}
