//! A `let` outside test code: what the bound name holds afterwards (a client, a
//! local address, a timeout layer, a pending request or async block), so later
//! uses of the name are judged with it.

use syn::visit::Visit;
use syn::Expr;

use super::address::unwrapped_binding;
use super::syntax::*;
use super::Visitor;
use crate::extract::rust::facts::{Origin, Target};
use crate::extract::rust::front::ident::with_ident_str;

impl<'ast> Visitor<'_, '_> {
    /// A `let` outside test code.
    pub(super) fn local(&mut self, l: &'ast syn::Local) {
        for a in &l.attrs {
            self.visit_attribute(a);
        }
        if l.init.is_none() {
            if let Some(name) = pat_ident(&l.pat) {
                self.scope().deferred.insert(name);
            }
        }
        if let Some(init) = &l.init {
            if let (Expr::Closure(c), Some(name)) = (&*init.expr, pat_ident(&l.pat)) {
                self.let_closure(name, c);
                return;
            }
            self.last_request = None;
            let name = pat_ident_ref(&l.pat);
            if let Some(name) = name {
                // `let socket = self.listen_socket();`, `let url =
                // format!("http://{binding}/health");`, and a literal of this host
                // (`let url = "http://127.0.0.1:8008/v1/search".to_string();`).
                // A request built with its address (`let req = Request::builder()
                // .uri("http://127.0.0.1:7677/attestation-doc").body(b)?`): sending it
                // is a call to that address.
                self.note_held_address(name, &init.expr);
                self.note_address_let(name, &init.expr);
                self.note_returned_let(name, &init.expr);
                self.note_empty_let(name, &init.expr);
                if self.layer_text && self.holds_timeout_layer(&init.expr) {
                    self.scope().timeout_layers.insert(name.to_string());
                }
            }
            // `let Ok(url) = get_server_address().await else { return .. };`: `?`.
            let unwrapped = init.diverge.as_ref().and(unwrapped_binding(&l.pat));
            if let (None, Some(x)) = (name, unwrapped) {
                self.note_held_address(x, &init.expr);
                self.note_returned_let(x, &init.expr);
            }
            self.valued_loop = matches!(&*init.expr, Expr::Loop(_));
            let mark = self.facts.handles.len();
            let block = match (&*init.expr, name) {
                (Expr::Async(_), Some(_)) => Some(self.chain_counts()),
                _ => None,
            };
            let mut h = self.expr(&init.expr);
            if let Some(h) = h.filter(|_| unused_binding(&l.pat) && builds_only(&init.expr)) {
                self.note_unused(h);
            }
            if let Some(name) = name {
                // `let req = other;`: no longer the request a caller handed in.
                with_ident_str(name, |n| self.scope().request_params.remove(n));
            }
            if let (Some(before), Some(name)) = (block, name) {
                let made = self.chains_since(&before);
                if !made.is_empty() {
                    self.scope().pending_blocks.insert(name.to_string(), made);
                }
            }
            if let Expr::If(i) = &*init.expr {
                self.mark_twins(i, mark);
            }
            // `let client = &ANALYTICS.client;`: a struct field of another value, as
            // `conf.client.request(..)` uses one in place.
            if h.is_none() && name.is_some() && self.fn_name.is_some() {
                if let Some(field) = other_field(&init.expr) {
                    h = self.static_use_field(field);
                }
            }
            if let (Some(h), Some(name)) = (h, name) {
                self.scope().vars.insert(name.to_string(), h);
            }
            if h.is_none() && self.fn_name.is_some() {
                self.destructured_fields(&l.pat);
            }
            // `let fut = client.get(u).send();`: a request future, bounded if a
            // timeout wrapper is later given `fut`; `let req = client.get(u)
            // .timeout(d).build()?;`: a request built, sent later by `execute(req)`.
            let future = match &*init.expr {
                Expr::MethodCall(_) => true,
                Expr::Try(t) => matches!(&*t.expr, Expr::MethodCall(_)),
                _ => false,
            };
            if let (Some(req), Some(name), true) = (self.last_request.take(), name, future) {
                self.scope().pending.insert(name.to_string(), req);
            }
            if let Some(name) = name.filter(|_| self.builds_bounded(&init.expr)) {
                self.scope().bounded_builds.insert(name.to_string());
            }
            if let Some((_, diverge)) = &init.diverge {
                self.expr(diverge);
            }
        }
    }
}

impl Visitor<'_, '_> {
    /// Notes that variable `name` holds a local address or a constant's when `init`
    /// names one (a literal of this host, not a health probe's path alone).
    fn note_held_address(&mut self, name: &proc_macro2::Ident, init: &Expr) {
        let address = (self.address_of(init)).or_else(|| self.built_request_address(init));
        let held = match address {
            Some(t @ (Target::Local(_) | Target::Const(_))) => Some(t),
            Some(Target::Literal(a)) => (local_reason(&a))
                .filter(|why| *why != "a health probe")
                .map(|why| Target::Local(why.to_string())),
            _ => None,
        };
        if let Some(t) = held {
            self.scope().local_targets.insert(name.to_string(), t);
        }
    }

    /// Whether an expression builds a request from a request-builder parameter the
    /// function only sends bounded (`builder.bearer_auth(t).timeout(d).build()?`).
    fn builds_bounded(&mut self, e: &Expr) -> bool {
        let mut e = e;
        if let Expr::Try(t) = e {
            e = &t.expr;
        }
        // Through an error adapter: `.build().context(error::Http)?`.
        let Expr::MethodCall(m) = super::entries::passed_through(e) else {
            return false;
        };
        if m.method != "build" {
            return false;
        }
        let mut base = &*m.receiver;
        while let Expr::MethodCall(inner) = base {
            base = &inner.receiver;
        }
        simple_ident_expr(base)
            .is_some_and(|v| with_ident_str(v, |v| self.scope().bounded_builds.contains(v)))
    }

    /// `let SendRequestOpts { http_client, .. } = opts;`: each field bound to a name
    /// is a placeholder for what the package's struct literals store in a field of
    /// that name, as `opts.http_client` is (hive-router hands its subgraph client to
    /// `send_request` inside an options struct).
    fn destructured_fields(&mut self, pat: &syn::Pat) {
        let syn::Pat::Struct(s) = pat else { return };
        for f in &s.fields {
            let (syn::Member::Named(field), syn::Pat::Ident(bound)) = (&f.member, &*f.pat) else {
                continue;
            };
            if let Some(h) = self.static_use_field(field) {
                self.scope().vars.insert(bound.ident.to_string(), h);
            }
        }
    }

    /// `let _http_client = reqwest::Client::new();`: a client bound to a name marked
    /// unused (or to `_`) is dropped at the end of the file's walk when nothing was
    /// done with it after the binding (open-webui-rust's polling handler builds one
    /// and never sends through it).
    fn note_unused(&mut self, h: usize) {
        if let Origin::Client(c) = &self.facts.handles[h].origin {
            if !c.request {
                let uses = self.facts.handles[h].chains.get().len();
                self.unused_lets.push((h, uses));
            }
        }
    }
}

/// `_`, or a name starting with `_`: the author says the value is not used.
fn unused_binding(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(i) => with_ident_str(&i.ident, |n| n.starts_with('_')),
        syn::Pat::Type(t) => unused_binding(&t.pat),
        _ => false,
    }
}

/// A construction that makes no call of its own on the network: a constructor
/// (`Client::new()`) or a builder's `build()`, under `?`, `.unwrap()` or
/// `.expect(..)` (not `Endpoint::from_static(u).connect().await`, which connects).
fn builds_only(e: &Expr) -> bool {
    match e {
        Expr::Try(t) => builds_only(&t.expr),
        Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
            builds_only(&m.receiver)
        }
        Expr::MethodCall(m) => m.method == "build",
        Expr::Call(_) => true,
        _ => false,
    }
}
