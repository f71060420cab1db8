//! The items the client visitor enters: functions, `impl` blocks, inline modules,
//! each skipped when test code and marked when compiled only for WebAssembly.

use syn::visit::{self, Visit};

use super::scope::Scope;
use super::syntax::{pat_ident, trait_default_calls};
use super::{
    called_by_host, collect, entries, gates, handed, is_skipped_fn, is_test, is_test_mod, jobs,
    may_be_client, request_path, returns_request_builder, runners, senders, Visitor,
};
use crate::extract::rust::facts::{FnFact, Origin};
use crate::extract::rust::front::target::is_wasm_only;
use crate::extract::rust::front::test_code::test_fn_name;

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
        if test_fn_name(&key) {
            return;
        }
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
        if test_fn_name(name.rsplit("::").next().unwrap_or_default()) {
            return;
        }
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

impl Visitor<'_, '_> {
    /// A function's body: its parameters bound (a request, a request builder its
    /// callers hand in, a possible client), its statements visited with the
    /// function's loops and pacing noted, what it returns kept for its callers.
    pub(super) fn fn_body(&mut self, name: String, sig: &syn::Signature, block: &syn::Block) {
        let saved_fn = self.fn_name.replace(name.clone());
        let saved_receivers =
            std::mem::replace(&mut self.local_receivers, entries::local_receivers(block));
        self.scopes.push(Scope::default());
        // Parameters are values callers pass in: bind them so their uses are recorded.
        let typed = sig.inputs.iter().filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        });
        for (index, t) in typed.enumerate() {
            if handed::is_request_type(&t.ty) {
                if let Some(p) = pat_ident(&t.pat) {
                    self.scope().request_params.insert(p);
                }
                continue;
            }
            // `req: reqwest::RequestBuilder`: a request a caller made, sent here.
            if collect::type_path_last(&t.ty)
                .is_some_and(|l| self.ctx.catalog.is_request_builder(l))
            {
                let p = pat_ident(&t.pat).filter(|p| senders::bounds_param(block, p));
                if let Some(p) = p {
                    (self.facts.bounding_senders).push(senders::sender_key(&name, index));
                    self.scope().bounded_builds.insert(p);
                }
                continue;
            }
            // Only parameters whose type may be a client: tracking every parameter
            // would record calls on strings and maps too.
            if !may_be_client(&t.ty) {
                continue;
            }
            if let Some(p) = pat_ident(&t.pat) {
                let h = self.new_handle(Origin::Param {
                    function: name.as_str().into(),
                    index,
                });
                self.scope().vars.insert(p, h);
            }
        }
        if returns_request_builder(&sig.output, self.ctx.catalog) {
            self.facts.request_builder_fns.push(name.clone());
        }
        let n = block.stmts.len();
        if let Some(r) = runners::runner(sig, block) {
            self.facts.runners.push(r);
        }
        self.with_periodic(&name, block, |v| {
            for (i, stmt) in block.stmts.iter().enumerate() {
                v.before_stmt(&block.stmts, i);
                match stmt {
                    syn::Stmt::Expr(e, None) if i + 1 == n => {
                        if let Some(h) = v.expr(e) {
                            v.scope().returns.push(h);
                        }
                        if v.returns_bounded_request(e) {
                            v.facts.request_makers.push(name.clone());
                        }
                    }
                    _ => v.visit_stmt(stmt),
                }
            }
        });
        let scope = self.scopes.pop().unwrap_or_default();
        self.fn_name = saved_fn;
        self.local_receivers = saved_receivers;
        if !scope.returns.is_empty() {
            let returns = self.branch_values(scope.returns);
            self.facts.fns.push(FnFact { name, returns });
        }
    }
}
