//! An update-or-insert written out by key: `if store.get_by_id(&p.id).await.is_ok() {
//! store.update(p).await } else { store.put(p).await }` (openobserve's pipeline and
//! alert `put`). The lookup asks for the record of value `p` by a field of it, the
//! found branch writes `p` over it and the other one inserts `p`: a repeat finds the
//! first attempt's record and updates it to the same value, so the insert is made once
//! ([`super::super::repeat::ONCE`]). Only the positive question (`is_ok`, `is_some`) of a
//! call the catalogue's `lookups` name, with both branches handing on the same
//! variable the lookup's argument reads.

use syn::visit::Visit;

use super::super::Collector;

impl Collector<'_> {
    /// Whether `if` is an update-or-insert by key (see the module).
    pub(super) fn keyed_upsert(&self, i: &syn::ExprIf) -> bool {
        let Some((_, else_branch)) = &i.else_branch else {
            return false;
        };
        let Some(keyed) = self.lookup_of_value(&i.cond) else {
            return false;
        };
        let hands_on = |e: &dyn Fn(&mut Hands)| {
            let mut h = Hands {
                var: &keyed,
                found: false,
            };
            e(&mut h);
            h.found
        };
        hands_on(&|h| h.visit_block(&i.then_branch)) && hands_on(&|h| h.visit_expr(else_branch))
    }

    /// `x.get_by_id(&p.id).await.is_ok()`: the variable (`p`) whose field the lookup
    /// is given, when a positive question asks a call the catalogue's `lookups` name.
    fn lookup_of_value(&self, cond: &syn::Expr) -> Option<String> {
        let syn::Expr::MethodCall(q) = cond else {
            return None;
        };
        if q.method != "is_ok" && q.method != "is_some" {
            return None;
        }
        let mut e = &*q.receiver;
        while let syn::Expr::Await(a) = e {
            e = &a.base;
        }
        let (name, args) = match e {
            syn::Expr::MethodCall(m) => (m.method.to_string(), &m.args),
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) => (p.path.segments.last()?.ident.to_string(), &c.args),
                _ => return None,
            },
            _ => return None,
        };
        let lookups = &self.cat.writes.lookups;
        if !lookups
            .iter()
            .any(|l| crate::extract::rust::routes::catalog::glob_match(l, &name))
        {
            return None;
        }
        args.iter().find_map(field_base)
    }
}

/// `&p.id`, `p.id.clone()`, `&p.name`: the variable whose field is read.
fn field_base(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Reference(r) => field_base(&r.expr),
        syn::Expr::MethodCall(m) => field_base(&m.receiver),
        syn::Expr::Field(f) => match &*f.base {
            syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
            _ => None,
        },
        _ => None,
    }
}

/// Finds a call given variable `var` itself (`store.update(p)`, `put(&p)`).
struct Hands<'v> {
    var: &'v str,
    found: bool,
}

impl Hands<'_> {
    fn is_var(&self, e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Reference(r) => self.is_var(&r.expr),
            syn::Expr::Path(p) => p.path.is_ident(self.var),
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for Hands<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.found |= m.args.iter().any(|a| self.is_var(a));
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.found |= c.args.iter().any(|a| self.is_var(a));
        syn::visit::visit_expr_call(self, c);
    }
}
