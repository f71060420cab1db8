//! ORM updates that set columns to given values: diesel `update(t).set(col.eq(v))`,
//! and ORM deletes (`delete(t.filter(..))`).
//!
//! Like an SQL `UPDATE .. SET col = $1` (see `sql.rs`), such a chain leaves the rows
//! as the first run left them; `set(n.eq(n + 1))` does not. Which chains are updates
//! is data (`[writes] set-chains`); only the `col.eq(value)` pairs are read here.

use syn::visit::{self, Visit};

use super::catalog::RoutesCatalog;

/// `Some(true)` when the chain ending in `m` is a catalogue set chain whose every
/// assignment is absolute (a changeset value such as `&form` counts as absolute),
/// `Some(false)` when one computes a column from itself, `None` when it is no set chain.
pub(crate) fn absolute_set(m: &syn::ExprMethodCall, cat: &RoutesCatalog) -> Option<bool> {
    cat.writes.set_chains.iter().find_map(|c| {
        let (root_want, set_want) = c.split_once(" * ")?;
        let mut set_arg = None;
        let mut cur = m;
        let root = loop {
            if cur.method == set_want && cur.args.len() == 1 {
                set_arg = Some(&cur.args[0]);
            }
            match strip(&cur.receiver) {
                syn::Expr::MethodCall(inner) => cur = inner,
                other => break other,
            }
        };
        let syn::Expr::Call(root) = root else {
            return None;
        };
        let syn::Expr::Path(f) = &*root.func else {
            return None;
        };
        let named = f.path.segments.last().is_some_and(|s| s.ident == root_want);
        named.then(|| set_arg.map(absolute_pairs))?
    })
}

/// The chain ending in `m` starts from a call of a catalogue delete chain
/// (`diesel::delete(t.filter(id.eq(x))).execute(c)`).
pub(crate) fn delete_chain(m: &syn::ExprMethodCall, cat: &RoutesCatalog) -> bool {
    let mut cur = m;
    let root = loop {
        match strip(&cur.receiver) {
            syn::Expr::MethodCall(inner) => cur = inner,
            other => break other,
        }
    };
    let syn::Expr::Call(root) = root else {
        return false;
    };
    let syn::Expr::Path(f) = &*root.func else {
        return false;
    };
    f.path
        .segments
        .last()
        .is_some_and(|s| cat.is_delete(&s.ident.to_string()))
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Try(t) => strip(&t.expr),
        syn::Expr::Await(a) => strip(&a.base),
        syn::Expr::Paren(p) => strip(&p.expr),
        e => e,
    }
}

/// Every `col.eq(rhs)` in `arg` leaves `col`'s name out of `rhs`.
fn absolute_pairs(arg: &syn::Expr) -> bool {
    struct Pairs(bool);
    impl<'ast> Visit<'ast> for Pairs {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "eq" && m.args.len() == 1 {
                if let Some((col, qualified)) = last_ident(&m.receiver) {
                    let mut mentions = Mentions(&col, qualified, false);
                    mentions.visit_expr(&m.args[0]);
                    self.0 &= !mentions.2;
                }
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    /// The column as a path (`users::logins`, `logins`); a field of the request
    /// (`p.name`) is a given value. A column qualified by its table on the left
    /// (`users::updated_at`) is mentioned qualified on the right: a bare
    /// `updated_at` there is a local named like it (vaultwarden's
    /// `set(users::updated_at.eq(updated_at))`).
    struct Mentions<'c>(&'c str, bool, bool);
    impl<'ast> Visit<'ast> for Mentions<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            let segs = &p.path.segments;
            self.2 |= (!self.1 || segs.len() > 1) && segs.last().is_some_and(|s| s.ident == self.0);
        }
    }
    let mut p = Pairs(true);
    p.visit_expr(arg);
    p.0
}

/// The last identifier of a path expression (`versions::yanked` → `yanked`), and
/// whether it is qualified.
fn last_ident(e: &syn::Expr) -> Option<(String, bool)> {
    match e {
        syn::Expr::Path(p) => {
            let segs = &p.path.segments;
            segs.last().map(|s| (s.ident.to_string(), segs.len() > 1))
        }
        _ => None,
    }
}
