//! The items the client visitor enters: functions, `impl` blocks, inline modules,
//! each skipped when test code and marked when compiled only for WebAssembly.

use syn::visit;

use super::syntax::trait_default_calls;
use super::{
    called_by_host, gates, is_skipped_fn, is_test, is_test_mod, jobs, request_path, Visitor,
};
use crate::extract::rust::front::target::is_wasm_only;

impl<'ast> Visitor<'_, '_> {
    /// Runs `f` with the code under `attrs` marked as WebAssembly-only when a `cfg`
    /// of them says so ([`crate::extract::rust::facts::ClientOrigin::wasm`]).
    pub(super) fn wasm_scope(&mut self, attrs: &[syn::Attribute], f: impl FnOnce(&mut Self)) {
        let wasm = u32::from(is_wasm_only(attrs));
        self.wasm += wasm;
        f(self);
        self.wasm -= wasm;
    }

    pub(super) fn item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_mod(m) {
            self.wasm_scope(&m.attrs, |v| visit::visit_item_mod(v, m));
        }
    }

    pub(super) fn item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_skipped_fn(&f.attrs) {
            return;
        }
        if self.facts.binary_root && f.sig.ident == "main" && self.fn_name.is_none() {
            self.facts.command_gates = gates::command_gates(&f.block);
        }
        let key = f.sig.ident.to_string();
        let host = called_by_host(&f.attrs, &f.sig);
        let saved = std::mem::replace(&mut self.host_called, host);
        self.wasm_scope(&f.attrs, |v| v.fn_body(key, &f.sig, &f.block));
        self.host_called = saved;
    }

    pub(super) fn item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test(&i.attrs) {
            return;
        }
        let ty = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if let Some(ty) = ty.as_deref() {
            if !self.ctx.catalog.background_jobs.is_empty() {
                let jobs = jobs::job_methods(i, ty, self.ctx.catalog);
                self.facts.jobs.extend(jobs);
            }
            if !self.ctx.catalog.connection_pools.is_empty() {
                self.pool_methods(i, ty);
            }
            self.facts
                .rpc_methods
                .extend(request_path::rpc_methods(i, ty));
        }
        let saved = std::mem::replace(&mut self.impl_type, ty);
        let saved_trait = std::mem::replace(&mut self.trait_impl, i.trait_.is_some());
        self.wasm_scope(&i.attrs, |v| visit::visit_item_impl(v, i));
        self.impl_type = saved;
        self.trait_impl = saved_trait;
    }

    pub(super) fn impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_skipped_fn(&f.attrs) {
            return;
        }
        let name = match &self.impl_type {
            Some(t) => format!("{t}::{}", f.sig.ident),
            None => f.sig.ident.to_string(),
        };
        let host = self.trait_impl || called_by_host(&f.attrs, &f.sig);
        let saved = std::mem::replace(&mut self.host_called, host);
        self.wasm_scope(&f.attrs, |v| v.fn_body(name, &f.sig, &f.block));
        self.host_called = saved;
    }

    pub(super) fn trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            trait_default_calls(block, &mut self.facts.trait_default_calls);
            if !is_test(&f.attrs) {
                let saved = std::mem::replace(&mut self.host_called, true);
                let name = f.sig.ident.to_string();
                self.wasm_scope(&f.attrs, |v| v.fn_body(name, &f.sig, block));
                self.host_called = saved;
            }
        }
    }
}
