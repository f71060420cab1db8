//! sea-orm inserts and the columns they set in sight, so the link step can ask the
//! package's schema whether a unique set refuses a repeat (`migrations/sea_schema.rs`).
//!
//! `let mut am = alerts::ActiveModel { id: Set(id), org: Set(org), .. }; am.name =
//! Set(name); am.insert(&txn)` (or `alerts::Entity::insert(am).exec(db)`) inserts into
//! the table of entity module `alerts` the columns `id`, `org`, `name`; a column set to
//! an identity the function makes (`let id = Ksuid::new(..)`, the catalogue's
//! `new-ids`) is marked `!`: a repeat brings a new one. As the first write of its
//! function, the insert's target joins [`super::Evidence::writes`] as an SQL insert's does,
//! led by `=` (`call insert\u{1f}=alerts:id!,org,name`).

use syn::visit::Visit;

use super::Collector;
use crate::extract::rust::front::items::Items;

/// The sea-orm models a body builds and the insert of the chain being walked.
#[derive(Default)]
pub(super) struct Inserts {
    /// Variables holding an `ActiveModel`: the variable, its entity module and the
    /// columns set so far (`id!,org`).
    models: Vec<(String, String, String)>,
    /// Variables holding an identity the body made (`let id = Ksuid::new(None, None)`).
    fresh: Vec<String>,
    /// Identity generators called so far (`calls.rs`): a `let` whose value called one
    /// holds a new identity.
    pub(super) made: u32,
    /// `module:cols` of the insert met in the method chain being walked.
    target: Option<String>,
    /// Variables holding what a reconcile must add (see `diff.rs`).
    pub(super) diffs: Vec<String>,
}

impl Collector<'_> {
    /// `let am = alerts::ActiveModel { .. }` and `let id = Ksuid::new(..)`, once the
    /// value is walked (`made`: the identities made before it).
    pub(super) fn bind_model(&mut self, pat: &syn::Pat, init: &syn::Expr, made: u32) {
        let Some(var) = super::types::pat_var(pat) else {
            return;
        };
        let fresh =
            self.sea.made > made || (!self.sea.fresh.is_empty() && self.mentions_fresh(init));
        // `let mut am = am;`: the same model.
        let same = super::types::var(peel(init))
            .and_then(|v| self.sea.models.iter().find(|(m, _, _)| *m == v))
            .map(|(_, m, c)| (m.clone(), c.clone()));
        let var = var.to_string();
        self.sea.fresh.retain(|v| *v != var);
        self.sea.models.retain(|(v, _, _)| *v != var);
        if fresh {
            self.sea.fresh.push(var.clone());
        }
        if let Some((module, cols)) = same.or_else(|| self.model_literal(init)) {
            self.sea.models.push((var, module, cols));
        }
    }

    /// `update_mutable_fields(&mut am, a)`: a function given a model of the body to
    /// fill sets its columns in memory; it writes nothing (the call, pushed after
    /// `before`, is dropped; `first`: no write came before it).
    pub(super) fn fills_model(&mut self, c: &syn::ExprCall, before: usize, first: bool) {
        if self.sea.models.is_empty() || self.names.writes.text.len() <= before {
            return;
        }
        let fills = c.args.items().any(|a| match a {
            syn::Expr::Reference(r) if r.mutability.is_some() => super::types::var(&r.expr)
                .is_some_and(|v| self.sea.models.iter().any(|(m, _, _)| *m == v)),
            _ => false,
        });
        if fills {
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
    }

    /// `am.name = Set(name)` on a model of the body: one more column set.
    pub(super) fn model_assign(&mut self, a: &syn::ExprAssign) {
        if self.sea.models.is_empty() {
            return;
        }
        let syn::Expr::Field(f) = &*a.left else {
            return;
        };
        let (syn::Member::Named(col), Some(var)) = (&f.member, super::types::var(&f.base)) else {
            return;
        };
        let fresh = self.mentions_fresh(&a.right);
        if let Some((_, _, cols)) = self.sea.models.iter_mut().find(|(v, _, _)| *v == var) {
            push_col(cols, &col.to_string(), fresh);
        }
    }

    /// `am.insert(db)` on a model of the body (or on its literal).
    pub(super) fn model_insert(&mut self, m: &syn::ExprMethodCall) {
        if m.method == "insert" && m.args.len() == 1 && self.sea.target.is_none() {
            self.sea.target = self.model_target(&m.receiver, None);
        }
    }

    /// `alerts::Entity::insert(am)`, `Entity::insert(am)`: the model's insert.
    pub(super) fn entity_insert(&mut self, c: &syn::ExprCall) {
        let syn::Expr::Path(p) = &*c.func else {
            return;
        };
        let segs = &p.path.segments;
        let n = segs.len();
        if n < 2 || c.args.len() != 1 || self.sea.target.is_some() {
            return;
        }
        if segs[n - 1].ident != "insert" || segs[n - 2].ident != "Entity" {
            return;
        }
        let module = (n >= 3).then(|| segs[n - 3].ident.to_string());
        self.sea.target = self.model_target(&c.args[0], module);
    }

    /// At the end of an outermost chain: its insert, when it is the body's first write
    /// (`wrote`: a write came before the chain), becomes the target of that write.
    pub(super) fn chain_insert(&mut self, wrote: bool, pending: Option<String>) {
        let target = std::mem::replace(&mut self.sea.target, pending);
        let Some(target) = target.filter(|_| !wrote) else {
            return;
        };
        if let Some(w) = self
            .ev
            .writes
            .as_deref()
            .filter(|w| !w.contains(super::TARGET))
        {
            self.ev.writes = Some(format!("{w}{}={target}", super::TARGET).into());
        }
    }

    /// The chain's pending insert, set aside while a chain inside it is walked.
    pub(super) fn take_insert(&mut self) -> Option<String> {
        self.sea.target.take()
    }

    /// `module:cols` of the model `e` is (a variable of the body or a literal).
    fn model_target(&self, e: &syn::Expr, module: Option<String>) -> Option<String> {
        let e = peel(e);
        let (m, cols) = match super::types::var(e) {
            Some(var) => {
                let (_, m, cols) = self.sea.models.iter().find(|(v, _, _)| *v == var)?;
                (m.clone(), cols.clone())
            }
            None => self.model_literal(e)?,
        };
        Some(format!("{}:{cols}", module.unwrap_or(m)))
    }

    /// The entity module and columns of `alerts::ActiveModel { id: Set(id), .. }`
    /// (`ActiveModel { .. }` in a file importing one entity's), or of a model a
    /// function of the file makes (`build_active_model(&check)?`, declared to return
    /// `Result<synthetics_checks::ActiveModel, Error>`), no column set yet.
    fn model_literal(&self, e: &syn::Expr) -> Option<(String, String)> {
        let e = match peel(e) {
            syn::Expr::Try(t) => peel(&t.expr),
            e => e,
        };
        if let syn::Expr::Call(c) = e {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let f = p.path.segments.last()?;
            let (_, m) = self.names.model_fns.iter().find(|(n, _)| f.ident == n)?;
            return Some((m.clone(), String::new()));
        }
        let syn::Expr::Struct(s) = e else {
            return None;
        };
        let segs = &s.path.segments;
        let n = segs.len();
        if segs.last()?.ident != "ActiveModel" {
            return None;
        }
        let module = match n {
            1 => self.names.entity.clone()?,
            _ => segs[n - 2].ident.to_string(),
        };
        let mut cols = String::new();
        for f in s.fields.items() {
            if let syn::Member::Named(id) = &f.member {
                push_col(&mut cols, &id.to_string(), self.mentions_fresh(&f.expr));
            }
        }
        Some((module, cols))
    }

    /// `e` calls an identity generator or names a variable holding an identity made.
    fn mentions_fresh(&self, e: &syn::Expr) -> bool {
        struct Fresh<'c, 'a>(&'c Collector<'a>, bool);
        impl<'ast> Visit<'ast> for Fresh<'_, '_> {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = &p.path.segments;
                    if let Some(last) = segs.last() {
                        let q = (segs.len() >= 2).then(|| segs[segs.len() - 2].ident.to_string());
                        let name = last.ident.to_string();
                        self.1 |= self.0.cat.new_id(q.as_deref(), &name).is_some();
                    }
                }
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if let Some(id) = p.path.get_ident() {
                    self.1 |= self.0.sea.fresh.iter().any(|v| id == v);
                }
            }
        }
        let mut f = Fresh(self, false);
        f.visit_expr(e);
        f.1
    }
}

/// Adds `col` (marked `!` when `fresh`) to a model's columns, once (`r#type`: `type`).
fn push_col(cols: &mut String, col: &str, fresh: bool) {
    let col = col.trim_start_matches("r#");
    let listed = cols.split(',').position(|c| c.trim_end_matches('!') == col);
    if let Some(i) = listed {
        let mut parts: Vec<&str> = cols.split(',').collect();
        let marked = format!("{col}!");
        parts[i] = if fresh { &marked } else { col };
        *cols = parts.join(",");
        return;
    }
    if !cols.is_empty() {
        cols.push(',');
    }
    cols.push_str(col);
    if fresh {
        cols.push('!');
    }
}

/// `&am`, `(am)`, `am.clone()`: the model itself.
fn peel(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) => peel(&r.expr),
        syn::Expr::Paren(p) => peel(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => peel(&m.receiver),
        _ => e,
    }
}

/// The functions of a file declared to return an entity's model (`fn
/// build_active_model(..) -> Result<synthetics_checks::ActiveModel, Error>`), each
/// with that entity's module.
pub(crate) fn model_fns(items: &[syn::Item]) -> Vec<(String, String)> {
    struct Model(Option<String>);
    impl<'ast> Visit<'ast> for Model {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            let n = p.segments.len();
            if n >= 2 && p.segments[n - 1].ident == "ActiveModel" && self.0.is_none() {
                self.0 = Some(p.segments[n - 2].ident.to_string());
            }
            syn::visit::visit_path(self, p);
        }
    }
    let mut out = Vec::new();
    let mut add = |sig: &syn::Signature| {
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let mut m = Model(None);
            m.visit_type(ty);
            if let Some(m) = m.0 {
                out.push((sig.ident.to_string(), m));
            }
        }
    };
    for item in items {
        match item {
            syn::Item::Fn(f) => add(&f.sig),
            syn::Item::Impl(i) => i.items.iter().for_each(|it| {
                if let syn::ImplItem::Fn(f) = it {
                    add(&f.sig);
                }
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_listed_once_raw_names_plain() {
        let mut cols = String::new();
        super::push_col(&mut cols, "id", true);
        super::push_col(&mut cols, "r#type", false);
        super::push_col(&mut cols, "name", false);
        super::push_col(&mut cols, "id", false);
        assert_eq!(cols, "id,type,name");
    }
}
