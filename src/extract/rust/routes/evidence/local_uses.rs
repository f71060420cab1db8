//! `use` items inside a body (`fn create_location(..) { use svc::service::create_location;
//! create_location(..) }`): a bare call of a name such a `use` brings in runs the
//! function that path names, not the body's own function of that name (a handler
//! named like the service function it calls). The file's own `use`s are resolved by
//! the link step ([`crate::extract::rust::routes::link`]); these are known only here.

use super::calls::module_name;
use super::Collector;
use crate::extract::rust::front::imports::{use_leaves, UseLeaf};

impl Collector<'_> {
    /// Brings the `use`s among `stmts` (a block's own) into scope, until
    /// [`Collector::end_uses`] with the returned mark.
    pub(super) fn block_uses(&mut self, stmts: &[syn::Stmt]) -> usize {
        let mark = self.names.local_uses.len();
        for st in stmts {
            if let syn::Stmt::Item(syn::Item::Use(u)) = st {
                use_tree(&u.tree, &mut self.names.local_uses);
            }
        }
        mark
    }

    /// Drops the `use`s of a block walked to its end.
    pub(super) fn end_uses(&mut self, mark: usize) {
        self.names.local_uses.truncate(mark);
    }

    /// A bare call `name(..)` of a name a body's `use` brings in: kept with that path
    /// among [`super::Evidence::path_calls`], which the link step resolves as if the
    /// call were written so (`svc::service::create_location(..)`), and a write it is
    /// (pushed after `before`) as that module's, as [`Collector::module_write`] keeps
    /// `service::create_location(..)`.
    pub(super) fn local_use_call(&mut self, name: &proc_macro2::Ident, before: usize) {
        if self.names.local_uses.is_empty() {
            return;
        }
        let uses = &self.names.local_uses;
        let Some((_, path)) = uses.iter().rev().find(|(n, _)| name == n) else {
            return;
        };
        let path = path.clone();
        self.names.path_calls.push_str(&path);
        let mut segs = path.rsplit("::").skip(1);
        if let Some(module) = segs.next() {
            self.module_write_in(module, before);
        }
    }
}

/// The names a `use` tree brings in, each with its full path (`a::b::c`). Paths
/// through a type (`Type::f`), renames and globs are left out: only module paths name
/// one function the link step can place. A rename's call names no function (the link
/// step matches a path's last segment with the name called): it is matched by its
/// name, as before.
fn use_tree(tree: &syn::UseTree, out: &mut Vec<(String, String)>) {
    use_leaves(tree, &mut |path, leaf| {
        let (UseLeaf::Name(name), [modules @ .., _]) = (leaf, path) else {
            return;
        };
        if !modules.is_empty() && modules.iter().all(|m| module_name(m)) {
            out.push((name.to_string(), path.join("::")));
        }
    });
}
