//! What a retry loop retries: an integration point, or a local operation.
//!
//! A loop retries an integration point when it calls a catalogued client, broker or
//! database, or a function of its package that reaches one. The evidence is the
//! client catalogue's, nothing of its own:
//! - a request the client analysis links to a catalogued client (`apis/clients/`),
//!   made inside the loop or in a package function the loop calls, two calls down
//!   (functions are matched by name, as the routes analysis matches callees);
//! - a path written in the loop that starts with a client crate of the catalogue
//!   (`sqlx::query(..)`, `redis::cmd(..)`), whose values the client analysis may not
//!   follow (a pool passed as an argument).
//!
//! A request to this host or a socket (its address written in the call,
//! `get("http://localhost:4100/")`), or one the client analysis judged local (this
//! host, a socket, a health probe), is no such evidence: a loop polling a process it
//! started waits for nothing shared.
//!
//! A loop with none of these retries something local (a file removal, a lock,
//! `Arc::try_unwrap`, a local channel, a computation): no remote service is spared
//! by backing off, so its node carries `local` (the reason) and the retry rules
//! leave it. A loop that calls a parameter of its function (`fn retry<F>(f: F)`, a
//! retry helper) cannot be decided in its file: its callers pass the work, so it
//! stays a subject. Retry crates' policies always are subjects.
//!
//! The file gives each loop's calls and catalogue paths ([`in_loop`]); the package's
//! link step gives the requests and the functions that make them ([`Reach`], in
//! [`package`]).

use rustc_hash::FxHashSet;
use std::collections::HashMap;

use syn::Expr;

mod package;
pub use package::{helper_call_sites, PackageFacts, Reach, Reached};

use super::delay::Part;
use super::walk::{walk_block, walk_expr, Options, Seen};
use super::Ctx;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::items::Items;
use crate::extract::rust::front::paths::{segments, unwrapped_type_path};

/// The most names kept per loop: a loop calling more is still matched on these.
const MAX_CALLS: usize = 64;

/// The names a loop calls (last segments, sorted, once each) and the first piece of
/// in-file evidence about what it retries. Functions of the file the loop calls
/// (`self.process(..)`, `fetch(..)`) are looked into, [`FOLLOW`] calls down.
pub(super) fn in_loop(ctx: &Ctx, parts: &[Part<'_>], at: proc_macro2::LineColumn) -> Found {
    let mut scan = Scan {
        ctx,
        calls: Vec::new(),
        evidence: None,
        followed: Vec::new(),
        method: None,
        key: None,
        awaited: FxHashSet::default(),
    };
    let params = ctx.enclosing_sig(at).map(params_of).unwrap_or_default();
    let lets = ctx.fn_lets(at);
    scan.parts(parts, &params, &lets, 0);
    let Scan {
        mut calls,
        evidence,
        method,
        key,
        ..
    } = scan;
    calls.sort_unstable();
    calls.dedup();
    Found {
        calls,
        evidence: evidence.map(|(_, how)| how),
        method,
        key,
    }
}

/// What [`in_loop`] finds in a loop and the functions of the file it calls.
pub(super) struct Found {
    /// The names called (last segments, sorted, once each).
    pub calls: Vec<String>,
    /// The strongest evidence of what the loop retries.
    pub evidence: Option<String>,
    /// `POST` or `PATCH` sent through a catalogued client.
    pub method: Option<String>,
    /// How an idempotency key is set, when one is.
    pub key: Option<String>,
}

/// How many calls into functions of the same file [`in_loop`] follows.
const FOLLOW: usize = 2;

/// What kind of evidence a call gives, the strongest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// A method on a value of a dependency's type outside the catalogue.
    Dependency,
    /// A parameter called as a function: the callers decide.
    Parameter,
    /// The client catalogue's crate, or a network path.
    Catalogued,
}

struct Scan<'c, 'a> {
    ctx: &'c Ctx<'a>,
    calls: Vec<String>,
    evidence: Option<(Strength, String)>,
    /// Functions of the file already looked into.
    followed: Vec<String>,
    method: Option<String>,
    key: Option<String>,
    /// The calls of chains that are awaited (`client.get_object().send().await`): a
    /// dependency's network call is asynchronous, its parsers and codecs are not.
    awaited: FxHashSet<*const Expr>,
}

/// Whether a call's first argument is written as an address of this host or a socket
/// (`"http://localhost:4100/"`, `format!("http://127.0.0.1:{port}/")`): the client
/// analysis's reading of a local argument.
fn local_address(arg: &Expr) -> bool {
    crate::extract::rust::clients::local_arg(std::iter::once(arg)).is_some()
        || crate::extract::rust::clients::names_own_listener(arg, &|_| false)
}

/// Whether a request chain names an address of this host or a socket
/// in one of its calls (`http.get(format!("http://127.0.0.1:{port}/")).send()`).
fn addresses_this_host(m: &syn::ExprMethodCall) -> bool {
    let mut call = m;
    loop {
        if call.args.first().is_some_and(local_address) {
            return true;
        }
        match &*call.receiver {
            Expr::MethodCall(inner) => call = inner,
            _ => return false,
        }
    }
}

/// The calls of the chain an `.await` waits on, through `?` and parentheses.
fn awaited_calls(mut e: &Expr, out: &mut FxHashSet<*const Expr>) {
    loop {
        match e {
            Expr::MethodCall(m) => {
                out.insert(e as *const Expr);
                e = &m.receiver;
            }
            Expr::Call(_) => {
                out.insert(e as *const Expr);
                return;
            }
            Expr::Try(t) => e = &t.expr,
            Expr::Paren(p) => e = &p.expr,
            _ => return,
        }
    }
}

fn params_of(sig: &syn::Signature) -> HashMap<String, &syn::Type> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some((super::delay::pat_name(&t.pat)?, &*t.ty)),
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

impl Scan<'_, '_> {
    fn note(&mut self, strength: Strength, how: impl FnOnce() -> String) {
        if self.evidence.as_ref().is_none_or(|(s, _)| *s < strength) {
            self.evidence = Some((strength, how()));
        }
    }

    fn done(&self) -> bool {
        matches!(self.evidence, Some((Strength::Catalogued, _)))
    }

    /// A path as the package means it, when it names a catalogued crate or a network path.
    fn catalogued(&self, segs: &[String]) -> Option<String> {
        let full = self.ctx.imports.path(segs, false);
        let cat = self.ctx.catalog;
        let hit = full
            .first()
            .is_some_and(|r| cat.integration_roots.contains(r))
            || cat
                .network_paths
                .iter()
                .any(|p| super::catalog::below(&full, p));
        hit.then(|| full.join("::"))
    }

    /// A type path of another package that is not local: an SDK outside the catalogue.
    fn foreign(&self, segs: &[String]) -> Option<String> {
        let full = self.ctx.imports.path(segs, false);
        let first = full.first()?;
        let deps = self.ctx.imports.deps()?;
        let local = self
            .ctx
            .catalog
            .local_types
            .iter()
            .any(|p| super::catalog::below(&full, p));
        (deps.is_foreign(first) && !local).then(|| full.join("::"))
    }

    fn parts(
        &mut self,
        parts: &[Part<'_>],
        params: &HashMap<String, &syn::Type>,
        lets: &super::Lets,
        depth: usize,
    ) {
        let mut follow: Vec<String> = Vec::new();
        let mut f = |seen: Seen<'_>| {
            let Seen::Expr(x) = seen else { return true };
            self.expr(x, params, lets, depth, &mut follow);
            true
        };
        for part in parts {
            match part {
                Part::Expr(x) => walk_expr(x, Options::default(), &mut f),
                Part::Block(b) => walk_block(b, Options::default(), &mut f),
            }
        }
        if depth >= FOLLOW {
            return;
        }
        for name in follow {
            if self.done() || self.followed.contains(&name) {
                continue;
            }
            self.followed.push(name.clone());
            let Some(def) = self.ctx.local_fn(&name) else {
                continue;
            };
            let lets = super::context::lets_of(def.block);
            self.parts(
                &[Part::Block(def.block)],
                &params_of(def.sig),
                &lets,
                depth + 1,
            );
        }
    }

    /// One expression of the loop (or of a function it calls).
    fn expr(
        &mut self,
        x: &Expr,
        params: &HashMap<String, &syn::Type>,
        lets: &super::Lets,
        depth: usize,
        follow: &mut Vec<String>,
    ) {
        let awaited = self.awaited.contains(&(x as *const Expr));
        let name = match x {
            Expr::Await(a) => {
                awaited_calls(&a.base, &mut self.awaited);
                None
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let local = c.args.first().is_some_and(local_address);
                    self.path_call(&p.path, (params, awaited, local), depth, follow)
                }
                _ => None,
            },
            Expr::Macro(m) => {
                let segs = segments(&m.mac.path);
                if let Some(full) = self.catalogued(&segs) {
                    self.note(Strength::Catalogued, || format!("calls `{full}!`"));
                }
                None
            }
            Expr::MethodCall(m) => self.method_call(m, (params, awaited), lets, follow),
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(l),
                ..
            }) => {
                let v = l.value().to_ascii_lowercase();
                if self.ctx.catalog.key_headers.contains(&v) {
                    self.key.get_or_insert_with(|| format!("header {v}"));
                }
                None
            }
            Expr::Path(p) => {
                let last = p.path.segments.last().map(|s| s.ident.to_string());
                if let Some(l) = last.filter(|l| l.to_ascii_lowercase().contains("idempotency")) {
                    self.key.get_or_insert(l);
                }
                None
            }
            _ => None,
        };
        if let Some(n) = name {
            if self.calls.len() < MAX_CALLS {
                self.calls.push(n);
            }
        }
    }

    /// A call of a path (`sqlx::query(..)`, `f()`, `Self::fetch(..)`): evidence, and the
    /// function of this file to follow; returns the name called.
    fn path_call(
        &mut self,
        path: &syn::Path,
        (params, awaited, local): (&HashMap<String, &syn::Type>, bool, bool),
        depth: usize,
        follow: &mut Vec<String>,
    ) -> Option<String> {
        let segs = segments(path);
        if let Some(full) = self.catalogued(&segs) {
            // `reqwest::blocking::get("http://localhost:4100/")`: a poll of this host
            // is no evidence of a remote call.
            if !local {
                self.note(Strength::Catalogued, || format!("calls `{full}`"));
            }
        } else if segs.len() == 1 && params.contains_key(&segs[0]) && depth == 0 {
            self.note(Strength::Parameter, || {
                format!("calls parameter `{}`", segs[0])
            });
        } else if let Some(full) = self.foreign(&segs).filter(|_| awaited) {
            // `gcp_auth::provider().await`: an SDK function the catalogue does not name.
            self.note(Strength::Dependency, || {
                format!("calls `{full}`, a dependency outside the client catalogue")
            });
        }
        // `fetch(..)`, `Self::fetch(..)`: a function of this file, maybe.
        if segs.len() == 1 || segs.first().is_some_and(|f| f == "Self") {
            follow.extend(segs.last().cloned());
        }
        segs.last().cloned()
    }

    /// A method call: evidence from the value's type, the mutating method a client
    /// sends, and `self.method(..)` to follow; returns the method's name.
    fn method_call(
        &mut self,
        m: &syn::ExprMethodCall,
        (params, awaited): (&HashMap<String, &syn::Type>, bool),
        lets: &super::Lets,
        follow: &mut Vec<String>,
    ) -> Option<String> {
        if is_self(&m.receiver) {
            follow.push(m.method.to_string());
        }
        // `http.get(format!("http://127.0.0.1:{port}/")).send()`: a poll of this host is
        // no evidence of a remote call.
        if addresses_this_host(m) {
            return Some(m.method.to_string());
        }
        if let Some(ty) = receiver_type(self.ctx, &m.receiver, params, lets) {
            if let Some(full) = self.catalogued(&ty) {
                if let Some(verb) = mutation(m) {
                    self.method.get_or_insert_with(|| verb.to_string());
                }
                self.note(Strength::Catalogued, || {
                    format!("calls `{}` on `{full}`", m.method)
                });
            } else if let Some(full) = self.foreign(&ty).filter(|_| awaited) {
                self.note(Strength::Dependency, || {
                    format!(
                        "calls `{}` on `{full}`, a dependency outside the client catalogue",
                        m.method
                    )
                });
            }
        } else if awaited && self.requests(&m.method) {
            self.note(Strength::Dependency, || {
                format!("awaits `.{}()`, a client's request", m.method)
            });
        }
        Some(m.method.to_string())
    }

    /// `method` is a request method of the client catalogue (`send`, `execute`).
    fn requests(&self, method: &syn::Ident) -> bool {
        let names = &self.ctx.catalog.request_names;
        with_ident_str(method, |m| {
            names.binary_search_by(|n| n.as_str().cmp(m)).is_ok()
        })
    }
}

fn is_self(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("self"))
}

/// The type path of the value a method is called on, when the file shows it: a
/// parameter's declared type, a struct field's (`self.http`), or the path a `let` of
/// the function builds it with (`let c = redis::Client::open(..)`).
fn receiver_type(
    ctx: &Ctx,
    receiver: &Expr,
    params: &HashMap<String, &syn::Type>,
    lets: &super::Lets,
) -> Option<Vec<String>> {
    // Only the value itself: in `http.get(..).send()` the walk meets `http.get(..)` too,
    // which names the method called on the client.
    match receiver {
        Expr::Paren(p) => receiver_type(ctx, &p.expr, params, lets),
        Expr::Reference(r) => receiver_type(ctx, &r.expr, params, lets),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => type_segments(ctx.field_types.get(&n.to_string())?),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Path(p) if p.path.segments.len() == 1 => {
            let name = p.path.segments[0].ident.to_string();
            if let Some(ty) = params.get(&name) {
                return type_segments(ty);
            }
            constructed_with(lets.get(&name)?)
        }
        _ => None,
    }
}

/// The first function path called in `init` (`redis::Client::open(..).unwrap()`).
fn constructed_with(init: &Expr) -> Option<Vec<String>> {
    match init {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => Some(segments(&p.path)),
            _ => None,
        },
        Expr::MethodCall(m) => constructed_with(&m.receiver),
        Expr::Await(a) => constructed_with(&a.base),
        Expr::Try(t) => constructed_with(&t.expr),
        Expr::Paren(p) => constructed_with(&p.expr),
        _ => None,
    }
}

/// A type's path, through references and `Arc`/`Box`/`Rc`/`Option` (`&Arc<reqwest::Client>`).
fn type_segments(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Reference(r) => type_segments(&r.elem),
        syn::Type::Paren(p) => type_segments(&p.elem),
        _ => unwrapped_type_path(ty).map(segments),
    }
}

/// `client.post(url)`, `client.patch(url)`, `client.request(Method::POST, url)`: the
/// mutating method a request sends.
fn mutation(m: &syn::ExprMethodCall) -> Option<&'static str> {
    let verb = |name: &str| match name {
        "post" | "POST" => Some("POST"),
        "patch" | "PATCH" => Some("PATCH"),
        _ => None,
    };
    if m.method == "request" {
        return m.args.items().find_map(|a| match a {
            Expr::Path(p) => verb(&p.path.segments.last()?.ident.to_string()),
            _ => None,
        });
    }
    verb(&m.method.to_string())
}
