//! An insert of what a reconcile must add: `let to_create =
//! relations_to_create(&existing, &desired); Entity::insert_many(to_create).exec(db)`.
//! The rows written are those of the desired set missing from the stored one; a repeat
//! finds none missing and inserts nothing (an upsert's effect: [`repeat::ORM_UPSERT`]).
//! Which functions compute such a difference is data, by name (`[writes] diff-calls`:
//! `*_to_create`, `missing_*`).

use super::{repeat, types, Collector};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::routes::orm::strip;

impl Collector<'_> {
    /// `let x = relations_to_create(..).await?`: `x` holds a difference to add. Every
    /// `let` of every function comes here: nothing is allocated unless it is one.
    pub(super) fn bind_diff(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        let Some(var) = types::pat_var(pat) else {
            return;
        };
        if !self.sea.diffs.is_empty() {
            self.sea.diffs.retain(|v| var != v);
        }
        let diff = called(init).is_some_and(|f| with_ident_str(f, |f| self.cat.is_diff_call(f)));
        if diff {
            self.sea.diffs.push(var.to_string());
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

/// The function or method an expression calls, through `.await`, `?` and parentheses
/// (`relations::relations_to_create(..).await?`).
fn called(e: &syn::Expr) -> Option<&proc_macro2::Ident> {
    match strip(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| &s.ident),
            _ => None,
        },
        syn::Expr::MethodCall(m) => Some(&m.method),
        _ => None,
    }
}
