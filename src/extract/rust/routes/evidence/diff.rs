//! An insert of what a reconcile must add: `let to_create =
//! relations_to_create(&existing, &desired); Entity::insert_many(to_create).exec(db)`.
//! The rows written are those of the desired set missing from the stored one; a repeat
//! finds none missing and inserts nothing (an upsert's effect: [`repeat::ORM_UPSERT`]).
//! Which functions compute such a difference is data, by name (`[writes] diff-calls`:
//! `*_to_create`, `missing_*`).

use super::{repeat, types, Collector};

impl Collector<'_> {
    /// `let x = relations_to_create(..).await?`: `x` holds a difference to add.
    pub(super) fn bind_diff(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        let Some(var) = types::pat_var(pat).map(ToString::to_string) else {
            return;
        };
        self.sea.diffs.retain(|v| *v != var);
        if called_name(init).is_some_and(|f| self.cat.is_diff_call(&f)) {
            self.sea.diffs.push(var);
        }
    }

    /// A write call given a variable holding a difference to add (`insert_many(x)`):
    /// no write a repeat applies twice (the call, pushed after `before`, is dropped).
    pub(super) fn inserts_diff(&mut self, c: &syn::ExprCall, before: usize) {
        if self.sea.diffs.is_empty() || self.names.writes.text.len() <= before {
            return;
        }
        let given = c
            .args
            .iter()
            .any(|a| types::var(a).is_some_and(|v| self.sea.diffs.contains(&v)));
        if given {
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::ORM_UPSERT;
        }
    }
}

/// The name of the function or method an expression calls, through `.await`, `?`
/// and parentheses (`relations::relations_to_create(..).await?`).
fn called_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Await(a) => called_name(&a.base),
        syn::Expr::Try(t) => called_name(&t.expr),
        syn::Expr::Paren(p) => called_name(&p.expr),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        syn::Expr::MethodCall(m) => Some(m.method.to_string()),
        _ => None,
    }
}
