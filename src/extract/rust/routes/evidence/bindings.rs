//! The types of a body's variables while it is walked (see `routes/types.rs`), so a
//! write method called on one is recorded with its type (`Folder::save`).

use super::Collector;
use crate::extract::rust::routes::types;

impl Collector<'_> {
    /// Binds the variable of `pat` (`folder`, `Some(folder)`, `folder: Folder`) to the
    /// type `init` makes, when that is known.
    pub(super) fn bind_pat(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if let (syn::Pat::Tuple(t), Some(module)) = (pat, types::channel_of(init)) {
            // `let (sender, receiver) = oneshot::channel()`: the sender is a
            // `oneshot::Sender`, whatever `[writes] in-memory-types` says of it.
            if let Some(var) = t.elems.first().and_then(types::pat_var) {
                self.bind_ident(var, &format!("{module}::Sender"));
            }
            return;
        }
        let Some(var) = types::pat_var(pat) else {
            return;
        };
        let ty = match pat {
            syn::Pat::Type(pt) => types::named(&pt.ty),
            _ => None,
        };
        if let Some(ty) = ty.or_else(|| types::made_by(init)) {
            self.bind_ident(var, &ty);
        }
    }

    /// Records that the variable `var` holds a `ty`.
    pub(super) fn bind(&mut self, var: &str, ty: &str) {
        self.names.bindings.push((var.to_string(), ty.to_string()));
    }

    pub(super) fn bind_ident(&mut self, var: &proc_macro2::Ident, ty: &str) {
        self.names.bindings.push((var.to_string(), ty.to_string()));
    }

    /// The type of the variable an expression names, when known.
    pub(super) fn type_of(&self, e: &syn::Expr) -> Option<&str> {
        self.type_of_name(&types::var(e)?)
    }

    /// The type of a method call's receiver: a variable's, or what a call of a type's
    /// function makes (`FolderCipher::new(..).save(conn)`: `FolderCipher`).
    pub(super) fn receiver_type(&self, e: &syn::Expr) -> Option<String> {
        match self.type_of(e) {
            Some(t) => Some(t.to_string()),
            None => types::made_by(e),
        }
    }

    pub(super) fn type_of_name(&self, name: &str) -> Option<&str> {
        let b = &self.names.bindings;
        b.iter()
            .rev()
            .find(|(v, _)| name == v)
            .map(|(_, t)| t.as_str())
    }

    /// A write method called on a variable of known type is recorded as `Type::m`, so
    /// the link step follows `folder.save(..)` into `Folder::save` rather than every
    /// `save` of the workspace; on a value of unknown type as `name.m` (the receiver's
    /// variable or field name, maybe empty), which only a method (a function with
    /// `self`) can be, not `TwoFactorDuoContext::save(state, ..)`. True when the type
    /// is an in-memory collection (`[writes] in-memory-types`): that call writes nothing.
    pub(super) fn typed_write(&mut self, receiver: &syn::Expr, before: usize) -> bool {
        match self.receiver_type(receiver) {
            Some(ty) if self.cat.writes.in_memory_types.contains(&ty) => {
                self.names.writes.text.len() > before
            }
            Some(ty) => {
                self.retype_write(before, &ty, "::");
                false
            }
            None => {
                let name = types::receiver_name(receiver).unwrap_or_default();
                self.retype_write(before, &name, ".");
                false
            }
        }
    }

    /// Prefixes the write call pushed after `before` (if any) with `ty` and `sep`.
    pub(super) fn retype_write(&mut self, before: usize, ty: &str, sep: &str) {
        if self.names.writes.text.len() <= before {
            return;
        }
        let name = self.names.writes.text[before..].trim_end().to_string();
        self.names.writes.truncate(before);
        self.names.writes.push_str(&format!("{ty}{sep}{name}"));
    }
}
