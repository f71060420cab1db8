//! Route registrations of axum, actix-web, Rocket, warp, poem and utoipa, per file.
//!
//! Expressions are evaluated to a small abstract value ([`Val`]): a router/scope
//! under construction, a method router or warp filter still waiting for its path,
//! function references, or nothing of interest. Registrations land in the file's
//! [`FileRoutes`]; what crosses files (a handler, a router built by another
//! function) is kept by name for the link step.

use std::collections::HashMap;
use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::spanned::Spanned;

use super::catalog::{has, tail_matches, NameSet, RoutesCatalog};
use super::evidence::{string_literals, Evidence, Scratch};
use super::{
    Child, FileRoutes, FnInfo, Handler, LayerBy, LayerRec, LayerRefs, Positions, RouteRec, ScopeRec,
};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::imports::Imports;
use crate::extract::rust::front::paths::segments;
use crate::extract::rust::front::test_code::called_by_host;
use crate::tree::Span;

mod attributes;
mod calls;
mod chains;
mod eval;
mod layers;
mod macros;
mod scopes;
mod timeout_middleware;

/// Deeper expressions are not followed (the framework refuses much deeper files anyway).
const MAX_DEPTH: usize = 128;

pub(crate) fn summarize_file(
    file: &syn::File,
    imports: &Imports,
    lines: &Positions,
    cat: &RoutesCatalog,
) -> FileRoutes {
    let mut s = Summarizer {
        cat,
        lines,
        imports,
        out: FileRoutes::default(),
        generic_handlers: Params::default(),
        interesting: &cat.names().interesting,
        triggers: &cat.names().triggers,
        scratch: Scratch::default(),
        configured_timeout: None,
    };
    s.scratch.state = super::evidence::file_state(&file.items, cat);
    s.scratch.mail = imports_mail(imports, cat);
    if imports.uses_crate(|c| c.starts_with("sea_orm") || c == "sea_query") {
        s.out.sea = super::sea::file_facts(&file.items);
        s.scratch.model_fns = super::evidence::model_fns(&file.items);
        s.scratch.entity = imports
            .lookup("ActiveModel", false)
            .filter(|p| p.len() >= 2)
            .map(|p| p[p.len() - 2].clone());
    }
    s.items(&file.items);
    // A configured timeout layer is a server's in a file that registers routes.
    let registers = !(s.out.routes.is_empty() && s.out.handlers.is_empty());
    if s.out.request_timeout.is_none() && registers {
        s.out.request_timeout = s.configured_timeout;
    }
    s.out.uses = uses(imports);
    s.out
}

/// Whether a `use` of the file (or a glob) reaches a mail crate (`use lettre::Message`).
fn imports_mail(imports: &Imports, cat: &RoutesCatalog) -> bool {
    let crates = &cat.writes.mail_crates;
    // A package's name may spell `-` where its paths have `_` (`mail-send`).
    let same = |c: &str, head: &str| {
        c.len() == head.len()
            && c.bytes()
                .zip(head.bytes())
                .all(|(a, b)| a == b || (a == b'_' && b == b'-'))
    };
    !crates.is_empty() && imports.uses_crate(|head| crates.iter().any(|c| same(c, head)))
}

/// [`FileRoutes::uses`] of a file's imports, sorted (the table is a hash map).
fn uses(imports: &Imports) -> Box<str> {
    let deps = imports.deps();
    let foreign = |path: &[String]| {
        let head = path.first().map_or("", String::as_str);
        matches!(head, "std" | "core" | "alloc")
            || deps.is_some_and(|d| d.is_foreign(head) && !d.workspace_deps.contains(head))
    };
    let mut lines: Vec<String> = imports
        .bindings()
        .filter(|(name, _)| name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_'))
        .map(|(name, path)| match foreign(&path) {
            true => format!("{name} \n"),
            false => format!("{name} {}\n", path.join("::")),
        })
        .collect();
    lines.sort_unstable();
    for g in imports.globs().filter(|g| !foreign(g)) {
        lines.push(format!("* {}\n", g.join("::")));
    }
    lines.concat().into_boxed_str()
}

struct Summarizer<'a> {
    cat: &'a RoutesCatalog,
    lines: &'a Positions<'a>,
    /// The front end's `use` resolver: through it a renamed framework
    /// (`web = { package = "axum" }`) is recognised under its package's name.
    imports: &'a Imports<'a>,
    out: FileRoutes,
    /// Last path segments of calls (and idents in macro bodies) that may take part in routing.
    interesting: &'a NameSet,
    /// Calls that make a function body worth evaluating (`interesting` without the
    /// ubiquitous `get`, `head`, ...: a body calling only those registers no subject).
    triggers: &'a NameSet,
    /// Parameters of the function being evaluated: a handler of that name is a
    /// routing helper's argument, not a handler.
    generic_handlers: Params,
    /// Buffers reused by the evidence of every function of the file.
    scratch: Scratch,
    /// The line of a timeout layer given a configuration's field
    /// ([`layers::LayerTimeout::Configured`]), until the file is known to register routes.
    configured_timeout: Option<u32>,
}

/// An abstract value of an expression.
#[derive(Debug, Clone)]
enum Val {
    Scope(usize),
    Methods(Pending),
    /// Functions named by path (`create`, `handlers::create`) or a macro list.
    Fns(Vec<String>),
    /// The result of calling a function of the package (it may return a router).
    Call(String),
    /// A parameter of the enclosing function (`cfg: &mut ServiceConfig`, `router: Router`).
    Param,
    Other,
}

/// A method router or warp filter that has not met its router yet.
#[derive(Debug, Clone, Default)]
struct Pending {
    routes: Vec<PendingRoute>,
    /// warp path filters seen in the chain.
    path: Vec<String>,
    /// A warp header filter on the key, or a layer on the method router.
    covered: Option<String>,
    /// What the other layers on the method router name (`from_fn(f)`), for the link
    /// step.
    layer_refs: Option<LayerRefs>,
}

#[derive(Debug, Clone)]
struct PendingRoute {
    method: String,
    handler: Option<Handler>,
    span: Span,
}

impl Pending {
    fn join(&mut self, other: Pending) {
        self.routes.extend(other.routes);
        self.path.extend(other.path);
        self.covered = self.covered.take().or(other.covered);
        self.layer_refs = self.layer_refs.take().or(other.layer_refs);
    }

    fn path(&self) -> Option<String> {
        (!self.path.is_empty()).then(|| format!("/{}", self.path.join("/")))
    }
}

use crate::extract::rust::front::items::Items;
use crate::extract::rust::front::test_code::{is_test_attr, is_test_mod};

/// A token stream names something routing-related (so a macro body is worth parsing).
fn mentions(ts: &TokenStream, set: &NameSet, depth: usize) -> bool {
    depth < 32
        && ts.clone().into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => with_ident_str(&i, |s| set.contains(s)),
            TokenTree::Group(g) => mentions(&g.stream(), set, depth + 1),
            _ => false,
        })
}

fn last_ident(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// Per-function evaluation state (the parameters are `Summarizer::generic_handlers`).
struct FnCtx {
    /// The function's name, which names its scope.
    name: String,
    vars: HashMap<String, Val>,
    /// Variables bound to HTTP method constants (`let filter = MethodFilter::GET.or(
    /// MethodFilter::POST)`), for `on(filter, h)`.
    method_vars: HashMap<String, Vec<String>>,
    /// Closures that make a layer (`let auth = || middleware::from_fn(..)`), for the
    /// `route_layer(auth())` calls that put it on.
    layer_closures: HashMap<String, LayerBy>,
}

/// The name a parameter binds (`cfg` of `cfg: &mut ServiceConfig`).
fn param_ident(input: &syn::FnArg) -> Option<&syn::Ident> {
    match input {
        syn::FnArg::Typed(pt) => match &*pt.pat {
            syn::Pat::Ident(pi) => Some(&pi.ident),
            _ => None,
        },
        syn::FnArg::Receiver(_) => None,
    }
}

/// The parameter names of the function being evaluated, written into strings reused
/// from one function to the next rather than allocated per parameter.
#[derive(Default)]
struct Params {
    names: Vec<String>,
    /// How many of `names` belong to the current function.
    len: usize,
}

impl Params {
    fn set(&mut self, sig: &syn::Signature) {
        self.len = 0;
        for id in sig.inputs.items().filter_map(param_ident) {
            if self.len == self.names.len() {
                self.names.push(String::new());
            }
            let slot = &mut self.names[self.len];
            slot.clear();
            let _ = write!(slot, "{id}");
            self.len += 1;
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn contains(&self, name: &str) -> bool {
        self.names[..self.len].iter().any(|n| n == name)
    }
}

impl<'a> Summarizer<'a> {
    fn skip(&self, attrs: &[syn::Attribute]) -> bool {
        self.cat.skip_test_code && attrs.iter().any(is_test_attr)
    }

    fn span(&self, s: proc_macro2::Span) -> Span {
        self.lines.span(s)
    }

    fn items(&mut self, items: &[syn::Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Fn(f) if !self.skip(&f.attrs) => {
                self.function(&f.sig, &f.block, &f.attrs, None);
            }
            syn::Item::Impl(imp) if !self.skip(&imp.attrs) => self.impl_block(imp),
            // A trait's default methods run for its implementors: a body of the call
            // graph (`fn invalidate(&self) { self.purge(..) }`), of no type.
            syn::Item::Trait(t) if !self.skip(&t.attrs) => {
                for it in &t.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let (Some(body), false) = (&f.default, self.skip(&f.attrs)) {
                            let i = self.function(&f.sig, body, &f.attrs, None);
                            self.out.fns[i].entry = true;
                        }
                    }
                }
            }
            syn::Item::Mod(m) if !(self.cat.skip_test_code && is_test_mod(m)) => {
                if let Some((_, inner)) = &m.content {
                    self.items(inner);
                }
            }
            syn::Item::Mod(m) if m.content.is_none() => {
                // `#[cfg(test)] mod tests;`: the integrator skips that file.
                self.out
                    .test_modules
                    .push(crate::extract::rust::test_files::module_key(m));
            }
            syn::Item::Const(c) => self.constant(&c.ident, &c.expr),
            syn::Item::Static(s) => self.constant(&s.ident, &s.expr),
            syn::Item::Struct(s) if s.fields.iter().any(|f| self.is_key_field(f)) => {
                self.out.key_body_types.push(s.ident.to_string());
            }
            syn::Item::Enum(e)
                if e.variants
                    .iter()
                    .any(|v| v.fields.iter().any(|f| self.is_key_field(f))) =>
            {
                self.out.key_body_types.push(e.ident.to_string());
            }
            _ => {}
        }
    }

    fn is_key_field(&self, f: &syn::Field) -> bool {
        let named = f
            .ident
            .as_ref()
            .is_some_and(|i| self.cat.evidence.key_fields.iter().any(|k| i == k));
        // `#[serde(rename = "idempotencyKey")]` on a differently named field.
        let renamed = f.attrs.iter().any(|a| {
            a.path().is_ident("serde")
                && matches!(&a.meta, syn::Meta::List(l) if string_literals(l.tokens.clone()).iter().any(|s| has(&self.cat.evidence.key_fields, s)))
        });
        named || renamed
    }

    fn constant(&mut self, ident: &syn::Ident, expr: &syn::Expr) {
        // Only `reads_key` is read: a value naming no key header is not walked for it.
        if super::evidence::may_read_key(expr, self.cat)
            && Evidence::of_expr(expr, self.cat, &mut self.scratch).reads_key
        {
            self.out.key_consts.push(ident.to_string());
        }
    }

    fn impl_block(&mut self, imp: &syn::ItemImpl) {
        let trait_name = imp.trait_.as_ref().and_then(|(_, p, _)| last_ident(p));
        let extractor = trait_name
            .as_ref()
            .is_some_and(|t| has(&self.cat.evidence.extractor_traits, t));
        let middleware = trait_name
            .as_ref()
            .is_some_and(|t| has(&self.cat.evidence.middleware_traits, t));
        let self_ty = match &*imp.self_ty {
            syn::Type::Path(tp) => last_ident(&tp.path),
            _ => None,
        };
        let mut impl_ev = Evidence::default();
        for it in &imp.items {
            match it {
                syn::ImplItem::Fn(f) if !self.skip(&f.attrs) => {
                    let i = self.function(&f.sig, &f.block, &f.attrs, self_ty.as_deref());
                    self.out.fns[i].of_trait = imp.trait_.is_some();
                    // Only a constructor (no `self`) makes a new record with its new
                    // id; a method giving its record a fresh value (`self.stamp =
                    // get_uuid()`) updates that record.
                    let ctor = f.sig.receiver().is_none();
                    // A generator for `None` callers only (`gen?k`) is the callers' to judge.
                    let id = self.out.fns[i].evidence().new_id.as_ref();
                    let id = id.filter(|id| super::evidence::conditional(id).is_none());
                    if let (Some(ty), Some(id), true) = (&self_ty, id, ctor) {
                        let f = format!("{ty}::{}", self.out.fns[i].name);
                        self.out.new_id_fns.push((f, id.to_string()));
                    }
                    // Only extractor and middleware impls keep the impl's evidence.
                    if extractor || middleware {
                        impl_ev.merge(self.out.fns[i].evidence().clone());
                    }
                }
                syn::ImplItem::Const(c) => self.constant(&c.ident, &c.expr),
                syn::ImplItem::Type(t) if middleware => impl_ev.add_types(&t.ty),
                _ => {}
            }
        }
        if let Some(ty) = self_ty {
            if extractor {
                self.out.extractors.push((ty, impl_ev));
            } else if middleware {
                self.out.middlewares.push((ty, impl_ev));
            }
        }
    }

    /// Records a function: its evidence, its attribute routes, and the routers its body
    /// builds. Returns the index of its entry in `fns` (the evidence is not cloned).
    fn function(
        &mut self,
        sig: &syn::Signature,
        body: &syn::Block,
        attrs: &[syn::Attribute],
        owner: Option<&str>,
    ) -> usize {
        let name = sig.ident.to_string();
        let mut ev = Evidence::of_fn(sig, body, owner, self.cat, &mut self.scratch);
        if timeout_middleware::bounds_next(sig, body) {
            self.out.timeout_middlewares.push(name.clone());
        }
        // Only bodies that call something routing-related can register routes; the
        // others matter only through their tail (`fn app() -> Router { api::router() }`).
        let routing = ev.calls.iter().any(|c| self.triggers.contains(c));
        for attr in attrs {
            ev.documents_conflict |= self.attribute_route(attr, &name);
        }
        self.generic_handlers.set(sig);
        let mut cx = FnCtx {
            name,
            vars: HashMap::new(),
            method_vars: HashMap::new(),
            layer_closures: HashMap::new(),
        };
        let tail = if routing {
            self.block(body, &mut cx, 0)
        } else {
            match body.stmts.last() {
                Some(syn::Stmt::Expr(e, None)) => self.eval(e, &mut cx, 0),
                _ => Val::Other,
            }
        };
        self.returned(tail, &mut cx);
        self.generic_handlers.clear();
        // Pushed last so the name moves in; nothing above reads `fns`.
        self.out.fns.push(FnInfo::new(
            cx.name.into(),
            ev,
            owner.map(str::to_string),
            sig.receiver().is_some(),
            params(sig),
            // Free functions only: a value typed by its maker is made by a call
            // `make(..)` (a type's function `T::make(..)` types it `T`).
            (owner.is_none() && sig.receiver().is_none())
                .then(|| crate::extract::rust::routes::types::returned(sig))
                .flatten(),
        ));
        let last = self.out.fns.len() - 1;
        let info = &mut self.out.fns[last];
        info.entry = called_by_host(attrs, sig);
        // Through the file's line starts: proc-macro2's `byte_range` counts characters
        // from the start of the file, and cost a run of 100k lines 1.4% more.
        let bytes = self.lines.span(body.brace_token.span.join());
        info.body = (bytes.start as u32, bytes.end as u32);
        last
    }

    /// A value leaving a function: a router becomes part of the function's scope,
    /// a method router or filter is a route of its own.
    fn returned(&mut self, v: Val, cx: &mut FnCtx) {
        match v {
            Val::Scope(s) => {
                let fs = self.fn_scope(cx);
                if fs != s {
                    self.add_child(fs, Child::Local(s));
                }
            }
            // `Ok(..)`, `Some(..)`, `Json(..)`: constructors, not router builders.
            Val::Call(f) if !f.starts_with(|c: char| c.is_ascii_uppercase()) => {
                let fs = self.fn_scope(cx);
                self.add_child(fs, Child::Fn(f));
            }
            // `fn create_route() -> MethodRouter { post(create) }`: the routes belong to the
            // function's scope, which `.route(p, create_route())` nests.
            Val::Methods(p) if p.routes.iter().any(|r| r.handler.is_some()) => {
                let fs = self.fn_scope(cx);
                self.register(Some(fs), p, None);
            }
            other => self.discard(other),
        }
    }
}

fn strip_pat_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(pt) => &pt.pat,
        p => p,
    }
}

/// A path argument's text: a string literal, or one computed from literals and
/// values (`[basepath, "/api"].concat()`, `format!("{base}/api")`), each value shown
/// as a parameter (`{basepath}/api`), as vaultwarden mounts its routes.
fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Reference(r) => lit_str(&r.expr),
        syn::Expr::Paren(p) => lit_str(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "concat" && m.args.is_empty() => {
            let syn::Expr::Array(a) = strip_ref(&m.receiver) else {
                return None;
            };
            let parts: Vec<Option<String>> = a.elems.items().map(lit_str).collect();
            if parts.iter().all(Option::is_none) {
                return None;
            }
            let mut out = String::new();
            for (p, e) in parts.into_iter().zip(&a.elems) {
                match p {
                    Some(p) => out.push_str(&p),
                    None => out.push_str(&format!("{{{}}}", value_name(e))),
                }
            }
            Some(out)
        }
        syn::Expr::Macro(m) if m.mac.path.is_ident("format") => {
            // The format string, its `{x}` placeholders kept as parameters.
            let first = m.mac.tokens.clone().into_iter().next()?;
            let s: syn::LitStr = syn::parse2(first.into()).ok()?;
            Some(s.value())
        }
        _ => None,
    }
}

fn strip_ref(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) => strip_ref(&r.expr),
        syn::Expr::Paren(p) => strip_ref(&p.expr),
        e => e,
    }
}

/// The name a computed path part goes by (`basepath`, `CONFIG.base` → `base`).
fn value_name(e: &syn::Expr) -> String {
    match strip_ref(e) {
        syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(id) => Some(id.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::MethodCall(m) => Some(m.method.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| "..".to_string())
}

fn is_upper(s: &str) -> bool {
    s.len() > 1 && s.chars().all(|c| c.is_ascii_uppercase())
}

/// The parameters of `sig` besides `self`, as [`FnInfo::params`] keeps them.
fn params(sig: &syn::Signature) -> u8 {
    let n = sig
        .inputs
        .iter()
        .filter(|a| matches!(a, syn::FnArg::Typed(_)))
        .count();
    u8::try_from(n).map_or(u8::MAX - 1, |n| n.min(u8::MAX - 1))
}
