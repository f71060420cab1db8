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
///
/// A setter given one argument holds `col.eq(value)` pairs (diesel `set(..)`); one
/// given two is one assignment, column then value (sea-orm `update_many()
/// .col_expr(Column::Enabled, Expr::value(v))`): every such link of the chain counts.
pub(crate) fn absolute_set(m: &syn::ExprMethodCall, cat: &RoutesCatalog) -> Option<bool> {
    cat.writes.set_chains.iter().find_map(|c| {
        let (root_want, set_want) = c.split_once(" * ")?;
        let mut sets: Option<bool> = None;
        let mut assigned = Assigned::default();
        let mut cur = m;
        let root = loop {
            if cur.method == set_want {
                let args = &cur.args;
                let before = assigned;
                match args.len() {
                    1 => {
                        absolute_pairs(&args[0], cat, &mut assigned);
                        // A changeset value (`set(&form)`) holds given values.
                        assigned.given |= assigned == before;
                    }
                    2 => assigned.add(&args[0], absolute_value(&args[0], &args[1]), cat),
                    _ => {}
                }
                if assigned != before {
                    sets = Some(true);
                }
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
        if f.path.segments.last().is_none_or(|s| s.ident != root_want) {
            return None;
        }
        // A fencing count beside given values sets given values; alone it counts.
        sets = sets.map(|_| !assigned.counted && assigned.given);
        // sea-orm `Entity::update(ActiveModel { hits: Set(m.hits + 1), ..m.into() })`:
        // the model written in the call holds the values (one bound to a variable
        // first is taken as given values, as `am.update(db)` is).
        if let Some(syn::Expr::Struct(model)) = root.args.first().map(strip) {
            let given = model.fields.iter().all(|f| {
                // A local named like its column (`status: Set(status)`) is given.
                let mut r = Relative(None, false);
                r.visit_expr(&f.expr);
                !r.1
            });
            sets = sets.map(|s| s && given);
        }
        sets
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

/// The expression under `.await`, `?` and parentheses (`store::get(..).await?` is the
/// call `store::get(..)`).
pub(crate) fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Try(t) => strip(&t.expr),
        syn::Expr::Await(a) => strip(&a.base),
        syn::Expr::Paren(p) => strip(&p.expr),
        e => e,
    }
}

/// What the assignments of a set chain do: some give a column a value, some count a
/// column (other than a fencing one beside given values) from what it held.
#[derive(Clone, Copy, Default, PartialEq)]
struct Assigned {
    given: bool,
    counted: bool,
    fenced: bool,
}

impl Assigned {
    /// One assignment to column `col` (a path: `Column::Enabled`, `users::logins`).
    fn add(&mut self, col: &syn::Expr, absolute: bool, cat: &RoutesCatalog) {
        if absolute {
            self.given = true;
            return;
        }
        let fencing = match strip(col) {
            syn::Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| fencing_column(&s.ident.to_string(), cat)),
            _ => false,
        };
        match fencing {
            true => self.fenced = true,
            false => self.counted = true,
        }
    }
}

/// Whether a column's name holds a fencing word (`EvaluationGeneration`, `lock_version`),
/// by whole words of its snake or camel case.
fn fencing_column(name: &str, cat: &RoutesCatalog) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if c == '_' || (c.is_ascii_uppercase() && !word.is_empty()) {
            words.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
        }
        if c != '_' {
            word.push(c.to_ascii_lowercase());
        }
    }
    words.push(word);
    let fencing = &cat.writes.fencing_columns;
    words.iter().any(|w| fencing.iter().any(|f| f == w))
}

/// Every `col.eq(rhs)` in `arg`: given when `rhs` leaves `col`'s name out.
fn absolute_pairs(arg: &syn::Expr, cat: &RoutesCatalog, assigned: &mut Assigned) {
    struct Pairs<'a, 'c>(&'c RoutesCatalog, &'a mut Assigned);
    impl<'ast> Visit<'ast> for Pairs<'_, '_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "eq" && m.args.len() == 1 {
                if let Some((col, qualified)) = last_ident(&m.receiver) {
                    let mut mentions = Mentions(&col, qualified, false);
                    mentions.visit_expr(&m.args[0]);
                    self.1.add(&m.receiver, !mentions.2, self.0);
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
    Pairs(cat, assigned).visit_expr(arg);
}

/// One assignment `col, value` (sea-orm `col_expr(Column::Hits, value)`) is absolute
/// when the value names no column of that name (`Expr::col(Column::Hits).add(1)`
/// does) and does no arithmetic (`(budget.version + 1).into()` counts from a value
/// read before: a repeat reads the new one and counts again).
fn absolute_value(col: &syn::Expr, value: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = strip(col) else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let mut r = Relative(Some(&last.ident), false);
    r.visit_expr(value);
    !r.1
}

/// Whether a value names the column `.0` (when given) or does arithmetic (`.1`):
/// then it is counted from what was read before, not given.
struct Relative<'c>(Option<&'c syn::Ident>, bool);

impl<'ast> Visit<'ast> for Relative<'_> {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        self.1 |= self
            .0
            .is_some_and(|col| p.path.segments.last().is_some_and(|s| s.ident == *col));
    }
    fn visit_bin_op(&mut self, op: &'ast syn::BinOp) {
        use syn::BinOp::*;
        self.1 |= matches!(
            op,
            Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_) | AddAssign(_) | SubAssign(_)
        );
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.1 |= ["add", "sub", "mul", "div", "concat"]
            .iter()
            .any(|n| m.method == n);
        visit::visit_expr_method_call(self, m);
    }
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
