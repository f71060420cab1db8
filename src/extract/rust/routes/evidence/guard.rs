//! Writes guarded by a change: made only where the request's value differs from the
//! stored one, so a repeat, which finds them equal, writes nothing.
//!
//! Two shapes, each telling a change from a validation by what the guarded code does:
//! - a comparison of a given value with the stored record's field, whose branch sets
//!   that very field to that very value (`if v != krate.trustpub_only {
//!   update(..).set(crates::trustpub_only.eq(v)); mail owners }`, `rec.f = v`). A
//!   validation compares the same way but answers an error, and sets nothing;
//! - the count of an update filtered on the change (`let n =
//!   update(t.filter(col.is_distinct_from(v))).set(col.eq(v)).execute(c)`, the
//!   catalogue's `change-filters`), the rest of the block returning when it is zero
//!   (`if n == 0 { return Ok(()) }`) or a branch running when it is not (`if n > 0`):
//!   what follows runs only when a row changed.

use syn::visit::{self, Visit};

use super::{repeat, Collector};

impl Collector<'_> {
    /// Walks code that runs only when a stored value changed: its writes, and SQL
    /// text applying twice, are made once ([`repeat::CHANGED`]).
    pub(super) fn writes_changed(&mut self, walk: impl FnOnce(&mut Self)) {
        let mark = self.names.writes.text.len();
        let first = self.ev.writes.is_none();
        let plain = self.ev.repeat & repeat::SQL_PLAIN;
        walk(self);
        let wrote = self.names.writes.text.len() > mark
            || (first && self.ev.writes.is_some())
            || self.ev.repeat & repeat::SQL_PLAIN != plain;
        if wrote {
            self.names.writes.truncate(mark);
            self.ev.repeat = (self.ev.repeat & !repeat::SQL_PLAIN) | plain | repeat::CHANGED;
        }
    }

    /// `let n = update(t.filter(col.is_distinct_from(v)))..execute(c)`: `n` counts
    /// the rows the change made.
    pub(super) fn bind_change_count(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if let Some(var) = crate::extract::rust::routes::types::pat_var(pat) {
            if self.has_change_filter(init) {
                self.change_counts.push(var.to_string());
            }
        }
    }

    fn has_change_filter(&self, e: &syn::Expr) -> bool {
        struct Scan<'a>(&'a [String], bool);
        impl<'ast> Visit<'ast> for Scan<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                self.1 |= self.0.iter().any(|f| m.method == f);
                visit::visit_expr_method_call(self, m);
            }
        }
        let mut s = Scan(&self.cat.writes.change_filters, false);
        s.visit_expr(e);
        s.1
    }

    /// `if n == 0 { return .. }` on a change count: what follows it runs only when a
    /// row changed.
    pub(super) fn returns_unchanged(&self, st: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::If(i), _) = st else {
            return false;
        };
        i.else_branch.is_none()
            && self.count_test(&i.cond) == Some(false)
            && i.then_branch
                .stmts
                .iter()
                .any(|s| matches!(s, syn::Stmt::Expr(syn::Expr::Return(_), _)))
    }

    /// What a condition on a change count says: `Some(true)` when it holds only if a
    /// row changed (`n > 0`, `n != 0`, `n == 1`), `Some(false)` when only if none did
    /// (`n == 0`).
    fn count_test(&self, cond: &syn::Expr) -> Option<bool> {
        let syn::Expr::Binary(b) = cond else {
            return None;
        };
        let var = super::types::var(&b.left)?;
        if !self.change_counts.contains(&var) {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) = &*b.right
        else {
            return None;
        };
        let zero = n.base10_digits() == "0";
        match b.op {
            syn::BinOp::Eq(_) => Some(!zero),
            syn::BinOp::Ne(_) | syn::BinOp::Gt(_) => Some(zero),
            syn::BinOp::Ge(_) => Some(!zero),
            _ => None,
        }
    }

    /// The `then` branch of `i` runs only when a stored value changed: its condition
    /// holds only if a change count is not zero, or compares a given value with a
    /// stored field (a conjunct `v != x.f`) that the branch sets to `v`.
    pub(super) fn change_branch(&self, i: &syn::ExprIf) -> bool {
        if self.count_test(&i.cond) == Some(true) {
            return true;
        }
        let mut pairs = Vec::new();
        compared(&i.cond, &mut pairs);
        pairs
            .iter()
            .any(|(value, field)| sets_field(&i.then_branch, field, value))
    }
}

/// The `(value, field)` of each conjunct `value != x.field` (or `x.field != value`)
/// of a condition, `value` a variable.
fn compared(cond: &syn::Expr, out: &mut Vec<(String, String)>) {
    match cond {
        syn::Expr::Paren(p) => compared(&p.expr, out),
        syn::Expr::Binary(b) => match b.op {
            syn::BinOp::And(_) => {
                compared(&b.left, out);
                compared(&b.right, out);
            }
            syn::BinOp::Ne(_) => {
                for (v, f) in [(&b.left, &b.right), (&b.right, &b.left)] {
                    if let (Some(v), Some(f)) = (value_var(v), field_of(f)) {
                        out.push((v, f));
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// A variable, through `*` and `&`.
fn value_var(e: &syn::Expr) -> Option<String> {
    super::types::var(e)
}

/// The field a stored record's field access names (`krate.trustpub_only`,
/// `self.settings.name`: the last member).
fn field_of(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(id) => Some(id.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::Reference(r) => field_of(&r.expr),
        syn::Expr::Paren(p) => field_of(&p.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => field_of(&u.expr),
        _ => None,
    }
}

/// The block sets `field` to `value`: an ORM column of that name compared to it
/// (`crates::trustpub_only.eq(trustpub_only)`) or an assignment (`rec.field = value`).
fn sets_field(b: &syn::Block, field: &str, value: &str) -> bool {
    struct Scan<'a> {
        field: &'a str,
        value: &'a str,
        hit: bool,
    }
    impl<'ast> Visit<'ast> for Scan<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "eq" && m.args.len() == 1 {
                let column = match &*m.receiver {
                    syn::Expr::Path(p) => p
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == self.field),
                    _ => false,
                };
                self.hit |= column && value_var(&m.args[0]).is_some_and(|v| v == self.value);
            }
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.hit |= field_of(&a.left).is_some_and(|f| f == self.field)
                && value_var(&a.right).is_some_and(|v| v == self.value);
            visit::visit_expr_assign(self, a);
        }
    }
    let mut s = Scan {
        field,
        value,
        hit: false,
    };
    s.visit_block(b);
    s.hit
}
