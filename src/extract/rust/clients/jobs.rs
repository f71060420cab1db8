//! Queued jobs: a method of a job-queue trait's impl (`impl BackgroundJob for
//! SyncAdmins { async fn run(&self, ctx) { .. } }`, the clients catalogue's
//! `[[background-job]]`) runs a job the queue took from its table, and the queue
//! retries a failed job later, with its own backoff. No caller waits on the job's
//! calls, and the queue already stops hammering a failing dependency: the breaker
//! rule leaves what only such methods reach ([`job_functions`], across the
//! workspace's call graph, as periodic loops and detached tasks are). The timeout rule
//! still judges the client: a hung job holds its worker.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;
use syn::visit::{self, Visit};

use super::callgraph::CallGraph;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::front::macros;
use crate::extract::rust::FileFacts;

/// The job methods of an impl of a catalogue job trait for type `ty`, each as (link
/// key, the names it calls, sorted). Empty for any other impl.
pub(super) fn job_methods(
    i: &syn::ItemImpl,
    ty: &str,
    catalog: &Catalog,
) -> Vec<(String, Vec<String>)> {
    let Some((_, path, _)) = &i.trait_ else {
        return Vec::new();
    };
    let Some(trait_name) = path.segments.last() else {
        return Vec::new();
    };
    let Some(job) = catalog
        .background_jobs
        .iter()
        .find(|j| trait_name.ident == j.trait_name)
    else {
        return Vec::new();
    };
    i.items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) if job.methods.iter().any(|m| f.sig.ident == m) => Some(f),
            _ => None,
        })
        .map(|f| {
            let mut calls = Calls::default();
            calls.visit_block(&f.block);
            (
                format!("{ty}::{}", f.sig.ident),
                calls.0.into_iter().collect(),
            )
        })
        .collect()
}

/// Every name a body calls (functions by their last segment, methods by name), sorted.
#[derive(Default)]
pub(super) struct Calls(pub(super) BTreeSet<String>);

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.0.insert(m.method.to_string());
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                self.0.insert(last.ident.to_string());
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(macros::Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            None => self.0.extend(macros::token_calls(m).iter().cloned()),
        }
    }

    // A nested function is a function of its own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Per package (of `packages` many): the names of its functions only queued jobs run
/// (called by name only from a job method, or from functions only they run), each
/// with why.
pub(super) fn job_functions(
    graph: &CallGraph,
    files: &[&[(usize, FileFacts)]],
) -> Vec<HashMap<String, String>> {
    graph.run_only_from(files, |f| &f.jobs, |root| {
        format!(
            "runs only in a queued job (`{root}`): the queue retries a failed job with its own backoff, and no caller waits on it"
        )
    })
}
