//! Route registrations of axum, actix-web, Rocket, warp, poem and utoipa, per file.
//!
//! Expressions are evaluated to a small abstract value ([`Val`]): a router/scope
//! under construction, a method router or warp filter still waiting for its path,
//! function references, or nothing of interest. Registrations land in the file's
//! [`FileRoutes`]; what crosses files (a handler, a router built by another
//! function) is kept by name for the link step.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::spanned::Spanned;

use super::catalog::{has, tail_matches, NameSet, RoutesCatalog};
use super::evidence::{string_literals, Evidence, Scratch};
use super::{
    Child, FileRoutes, FnInfo, Handler, LayerBy, LayerRec, LayerRefs, Positions, RouteRec, ScopeRec,
};
use crate::extract::rust::front::ident::with_ident_str;
use crate::tree::Span;

/// Deeper expressions are not followed (the framework refuses much deeper files anyway).
const MAX_DEPTH: usize = 128;

pub(crate) fn summarize_file(
    file: &syn::File,
    lines: &Positions,
    cat: &RoutesCatalog,
) -> FileRoutes {
    let mut s = Summarizer {
        cat,
        lines,
        items: &file.items,
        uses: OnceCell::new(),
        out: FileRoutes::default(),
        generic_handlers: Params::default(),
        interesting: &cat.names().interesting,
        triggers: &cat.names().triggers,
        scratch: Scratch::default(),
    };
    s.items(&file.items);
    s.out
}

struct Summarizer<'a> {
    cat: &'a RoutesCatalog,
    lines: &'a Positions<'a>,
    /// The file's items, for `uses`.
    items: &'a [syn::Item],
    /// `use` renames and imports: local name → full path. Collected when a path is
    /// first resolved (few files have a candidate route to resolve).
    uses: OnceCell<HashMap<String, Vec<String>>>,
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
    }

    fn path(&self) -> Option<String> {
        (!self.path.is_empty()).then(|| format!("/{}", self.path.join("/")))
    }
}

use crate::extract::rust::front::test_code::is_test_attr;

fn collect_uses(items: &[syn::Item], uses: &mut HashMap<String, Vec<String>>, cat: &RoutesCatalog) {
    fn walk(
        tree: &syn::UseTree,
        prefix: &mut Vec<String>,
        uses: &mut HashMap<String, Vec<String>>,
    ) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, uses);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                uses.insert(n.ident.to_string(), full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                uses.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    walk(t, prefix, uses);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }
    for item in items {
        match item {
            syn::Item::Use(u) => walk(&u.tree, &mut Vec::new(), uses),
            syn::Item::Mod(m) if !(cat.skip_test_code && m.attrs.iter().any(is_test_attr)) => {
                if let Some((_, inner)) = &m.content {
                    collect_uses(inner, uses, cat);
                }
            }
            _ => {}
        }
    }
}

/// Names whose calls (or presence in a macro body) may register routes.
pub(crate) fn interesting(cat: &RoutesCatalog) -> HashSet<String> {
    let fw = &cat.frameworks;
    let mut set: HashSet<String> = cat.methods.keys().cloned().collect();
    for list in [
        &fw.method_filter_functions,
        &fw.header_filters,
        &fw.route_calls,
        &fw.nest_calls,
        &fw.ordered_layer_methods,
        &fw.wrap_methods,
        &fw.registration_macros,
    ] {
        set.extend(list.iter().cloned());
    }
    set.extend(
        fw.path_filters
            .iter()
            .map(|p| p.trim_end_matches('!').to_string()),
    );
    for c in &fw.scope_constructors {
        set.extend(c.split("::").map(str::to_string));
    }
    set
}

pub(crate) fn triggers(cat: &RoutesCatalog) -> HashSet<String> {
    let mut set = interesting(cat);
    for (name, method) in &cat.methods {
        if !cat.is_subject(method) {
            set.remove(name);
        }
    }
    // `Router::new` triggers through `Router` (evidence records the type of a `Type::f`
    // call too), not through the ubiquitous `new`.
    for c in &cat.frameworks.scope_constructors {
        if let Some((_, last)) = c.rsplit_once("::") {
            set.remove(last);
        }
    }
    for c in &cat.frameworks.scope_constructors {
        if !c.contains("::") {
            set.insert(c.clone());
        }
    }
    set
}

/// A token stream names something routing-related (so a macro body is worth parsing).
fn mentions(ts: &TokenStream, set: &NameSet, depth: usize) -> bool {
    depth < 32
        && ts.clone().into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => with_ident_str(&i, |s| set.contains(s)),
            TokenTree::Group(g) => mentions(&g.stream(), set, depth + 1),
            _ => false,
        })
}

fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn last_ident(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// Per-function evaluation state (the parameters are `Summarizer::generic_handlers`).
struct FnCtx {
    /// The function's name, which names its scope.
    name: String,
    vars: HashMap<String, Val>,
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
        for id in sig.inputs.iter().filter_map(param_ident) {
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
                self.function(&f.sig, &f.block, &f.attrs);
            }
            syn::Item::Impl(imp) if !self.skip(&imp.attrs) => self.impl_block(imp),
            syn::Item::Mod(m) if !self.skip(&m.attrs) => {
                if let Some((_, inner)) = &m.content {
                    self.items(inner);
                }
            }
            syn::Item::Mod(m) if m.content.is_none() => {
                // `#[cfg(test)] mod tests;`: the integrator skips that file.
                self.out.test_modules.push(m.ident.to_string());
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
        if Evidence::of_expr(expr, self.cat, &mut self.scratch).reads_key {
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
                    let i = self.function(&f.sig, &f.block, &f.attrs);
                    // Only extractor and middleware impls keep the impl's evidence.
                    if extractor || middleware {
                        impl_ev.merge(self.out.fns[i].evidence.clone());
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
    ) -> usize {
        let name = sig.ident.to_string();
        let ev = Evidence::of_fn(sig, body, self.cat, &mut self.scratch);
        // Only bodies that call something routing-related can register routes; the
        // others matter only through their tail (`fn app() -> Router { api::router() }`).
        let routing = ev.calls.iter().any(|c| self.triggers.contains(c));
        for attr in attrs {
            self.attribute_route(attr, &name);
        }
        self.generic_handlers.set(sig);
        let mut cx = FnCtx {
            name,
            vars: HashMap::new(),
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
        self.out.fns.push(FnInfo {
            name: cx.name,
            evidence: ev,
        });
        self.out.fns.len() - 1
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

    fn fn_scope(&mut self, cx: &FnCtx) -> usize {
        self.fn_scope_named(&cx.name)
    }

    fn fn_scope_named(&mut self, name: &str) -> usize {
        if let Some((_, s)) = self.out.fn_scopes.iter().find(|(n, _)| n == name) {
            return *s;
        }
        let s = self.new_scope(None);
        self.out.fn_scopes.push((name.to_string(), s));
        s
    }

    fn new_scope(&mut self, path: Option<String>) -> usize {
        self.out.scopes.push(ScopeRec {
            path,
            ..ScopeRec::default()
        });
        self.out.scopes.len() - 1
    }

    fn tick(&mut self, s: usize) -> u32 {
        let sc = &mut self.out.scopes[s];
        sc.next += 1;
        sc.next
    }

    fn add_child(&mut self, s: usize, c: Child) {
        let o = self.tick(s);
        self.out.scopes[s].children.push((o, c));
    }

    fn add_layer(&mut self, s: usize, ordered: bool, by: LayerBy) {
        let order = self.tick(s);
        self.out.scopes[s]
            .layers
            .push(LayerRec { order, ordered, by });
    }

    fn register(&mut self, scope: Option<usize>, p: Pending, path: Option<String>) {
        let path = path.or_else(|| p.path());
        for r in p.routes {
            if matches!(&r.handler, Some(Handler::Named(h)) if self.generic_handlers.contains(h)) {
                // `fn post<H>(self, handler: H) { self.route(p, post(handler)) }`: a routing
                // helper; its callers register the real routes.
                continue;
            }
            if let Some(Handler::Named(h)) = &r.handler {
                if !self.out.handlers.contains(h) {
                    self.out.handlers.push(h.clone());
                }
            }
            if !self.cat.is_subject(&r.method) || self.cat.ignored_path(path.as_deref()) {
                continue;
            }
            let order = scope.map_or(0, |s| self.tick(s));
            self.out.routes.push(RouteRec {
                method: r.method,
                path: path.clone(),
                handler: r.handler,
                span: r.span,
                scope,
                order,
                covered_here: p.covered.clone(),
                openapi_only: false,
            });
        }
    }

    /// A value nobody consumes: a complete method router or filter (it has a handler
    /// or a path) is a route without a router.
    fn discard(&mut self, v: Val) {
        if let Val::Methods(p) = v {
            let complete = !p.path.is_empty() || p.routes.iter().any(|r| r.handler.is_some());
            if complete {
                self.register(None, p, None);
            }
        }
    }

    // ---- attributes ------------------------------------------------------------

    fn attribute_route(&mut self, attr: &syn::Attribute, fn_name: &str) {
        let syn::Meta::List(list) = &attr.meta else {
            return;
        };
        let segs = segments(&list.path);
        let Some(last) = segs.last().cloned() else {
            return;
        };
        let resolved = self.resolve(&segs);
        let qualified_ok = segs.len() == 1 || self.framework_head(&resolved);
        let fw = &self.cat.frameworks;
        let mut methods: Vec<String> = Vec::new();
        let mut path = None;
        let mut openapi = false;
        if has(&fw.method_attributes, &last) && qualified_ok {
            if let Some(m) = self.cat.method_of(&last) {
                methods.push(m.to_string());
            }
            path = string_literals(list.tokens.clone()).into_iter().next();
        } else if has(&fw.route_attributes, &last) && qualified_ok {
            let (ms, p) = self.route_attribute_args(list.tokens.clone());
            methods = ms;
            path = p;
        } else if tail_matches(&fw.openapi_attributes, &resolved) {
            let (ms, p) = self.openapi_args(list.tokens.clone());
            methods = ms;
            path = p;
            openapi = true;
        }
        if methods.is_empty() || self.cat.ignored_path(path.as_deref()) {
            return;
        }
        // Only now: an attribute's span builds its whole token stream.
        let span = self.span(attr.span());
        let scope = self.fn_scope_named(fn_name);
        for method in methods {
            if !self.cat.is_subject(&method) {
                continue;
            }
            let order = self.tick(scope);
            self.out.routes.push(RouteRec {
                method,
                path: path.clone(),
                handler: Some(Handler::Named(fn_name.to_string())),
                span,
                scope: Some(scope),
                order,
                covered_here: None,
                openapi_only: openapi,
            });
        }
    }

    /// `("/p", method = "POST", method = "PATCH")`, Rocket `(POST, uri = "/p")`,
    /// poem-openapi `(path = "/p", method = "post")`.
    fn route_attribute_args(&self, ts: TokenStream) -> (Vec<String>, Option<String>) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        let mut methods = Vec::new();
        let mut path = None;
        let mut i = 0;
        while i < tts.len() {
            match &tts[i] {
                TokenTree::Ident(id) => {
                    let key = id.to_string();
                    let value = match (tts.get(i + 1), tts.get(i + 2)) {
                        (Some(TokenTree::Punct(p)), Some(TokenTree::Literal(l)))
                            if p.as_char() == '=' =>
                        {
                            string_literals(TokenStream::from(TokenTree::Literal(l.clone())))
                                .into_iter()
                                .next()
                        }
                        _ => None,
                    };
                    match (key.as_str(), value) {
                        ("method", Some(v)) => {
                            if let Some(m) = self.cat.method_constant(&v) {
                                methods.push(m.to_string());
                            }
                            i += 2;
                        }
                        ("path" | "uri", Some(v)) => {
                            path.get_or_insert(v);
                            i += 2;
                        }
                        (_, Some(_)) => i += 2,
                        (k, None) if is_upper(k) => {
                            if let Some(m) = self.cat.method_constant(k) {
                                methods.push(m.to_string());
                            }
                        }
                        _ => {}
                    }
                }
                TokenTree::Literal(l) if path.is_none() => {
                    path = string_literals(TokenStream::from(TokenTree::Literal(l.clone())))
                        .into_iter()
                        .next();
                }
                _ => {}
            }
            i += 1;
        }
        (methods, path)
    }

    /// utoipa: `(post, path = "/p", ..)` or `(method(post, patch), path = "/p")`.
    fn openapi_args(&self, ts: TokenStream) -> (Vec<String>, Option<String>) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        let mut methods = Vec::new();
        let mut path = None;
        let mut i = 0;
        while i < tts.len() {
            if let TokenTree::Ident(id) = &tts[i] {
                let key = id.to_string();
                let next = tts.get(i + 1);
                let at_top =
                    i == 0 || matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == ',');
                match next {
                    Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                        if key == "path" {
                            if let Some(TokenTree::Literal(l)) = tts.get(i + 2) {
                                path = string_literals(TokenStream::from(TokenTree::Literal(
                                    l.clone(),
                                )))
                                .into_iter()
                                .next();
                            }
                        }
                        i += 2;
                    }
                    Some(TokenTree::Group(g))
                        if key == "method" && g.delimiter() == Delimiter::Parenthesis =>
                    {
                        for t in g.stream() {
                            if let TokenTree::Ident(m) = t {
                                if let Some(m) = self.cat.method_of(&m.to_string()) {
                                    methods.push(m.to_string());
                                }
                            }
                        }
                        i += 1;
                    }
                    Some(TokenTree::Group(_)) => i += 1,
                    _ if at_top => {
                        if let Some(m) = self.cat.method_of(&key) {
                            methods.push(m.to_string());
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        (methods, path)
    }

    // ---- paths -----------------------------------------------------------------

    fn uses(&self) -> &HashMap<String, Vec<String>> {
        self.uses.get_or_init(|| {
            let mut uses = HashMap::new();
            collect_uses(self.items, &mut uses, self.cat);
            uses
        })
    }

    /// A path with its first segment replaced by what `use` imported under that name.
    fn resolve(&self, segs: &[String]) -> Vec<String> {
        match segs.first().and_then(|f| self.uses().get(f)) {
            Some(full) => full.iter().chain(&segs[1..]).cloned().collect(),
            None => segs.to_vec(),
        }
    }

    fn framework_head(&self, resolved: &[String]) -> bool {
        let fw = &self.cat.frameworks;
        resolved.len() <= 1
            || resolved
                .first()
                .is_some_and(|h| has(&fw.crates, h) || has(&fw.modules, h))
    }

    /// The method a call path names, if it comes from a framework (`post`, `web::post`,
    /// `axum::routing::post`; not `ureq::post`).
    fn method_fn(&self, segs: &[String]) -> Option<String> {
        let last = segs.last()?;
        let m = self.cat.method_of(last)?;
        self.framework_head(&self.resolve(segs))
            .then(|| m.to_string())
    }

    // ---- expressions -----------------------------------------------------------

    fn block(&mut self, b: &syn::Block, cx: &mut FnCtx, depth: usize) -> Val {
        let mut last = Val::Other;
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            let v = self.stmt(stmt, cx, depth);
            if i + 1 == n {
                last = v;
            } else {
                self.discard(v);
            }
        }
        last
    }

    fn stmt(&mut self, stmt: &syn::Stmt, cx: &mut FnCtx, depth: usize) -> Val {
        match stmt {
            syn::Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    let v = self.eval(&init.expr, cx, depth + 1);
                    if let Some((_, diverge)) = &init.diverge {
                        let d = self.eval(diverge, cx, depth + 1);
                        self.discard(d);
                    }
                    self.bind(&local.pat, v, cx);
                }
                Val::Other
            }
            syn::Stmt::Expr(e, semi) => {
                let v = self.eval(e, cx, depth + 1);
                if semi.is_some() {
                    self.discard(v);
                    Val::Other
                } else {
                    v
                }
            }
            syn::Stmt::Macro(m) => self.mac(&m.mac, cx, depth + 1),
            syn::Stmt::Item(_) => Val::Other,
        }
    }

    fn bind(&mut self, pat: &syn::Pat, v: Val, cx: &mut FnCtx) {
        let pat = match pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        match (pat, v) {
            (syn::Pat::Ident(pi), v @ (Val::Scope(_) | Val::Call(_))) => {
                cx.vars.insert(pi.ident.to_string(), v);
            }
            (syn::Pat::Ident(pi), other) => {
                cx.vars.remove(&pi.ident.to_string());
                self.discard(other);
            }
            (_, other) => self.discard(other),
        }
    }

    fn eval_discard(&mut self, e: &syn::Expr, cx: &mut FnCtx, depth: usize) {
        let v = self.eval(e, cx, depth);
        self.discard(v);
    }

    fn eval(&mut self, e: &syn::Expr, cx: &mut FnCtx, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            return Val::Other;
        }
        let d = depth + 1;
        match e {
            syn::Expr::Call(c) => self.call(c, cx, d),
            syn::Expr::MethodCall(m) => self.method_call(m, cx, d),
            syn::Expr::Path(p) => self.path_value(&p.path, cx),
            syn::Expr::Macro(m) => self.mac(&m.mac, cx, d),
            syn::Expr::Paren(p) => self.eval(&p.expr, cx, d),
            syn::Expr::Group(g) => self.eval(&g.expr, cx, d),
            syn::Expr::Reference(r) => self.eval(&r.expr, cx, d),
            syn::Expr::Try(t) => self.eval(&t.expr, cx, d),
            syn::Expr::Await(a) => self.eval(&a.base, cx, d),
            syn::Expr::Block(b) => self.block(&b.block, cx, d),
            syn::Expr::Async(b) => self.block(&b.block, cx, d),
            syn::Expr::Unsafe(b) => self.block(&b.block, cx, d),
            syn::Expr::Closure(c) => {
                self.eval_discard(&c.body, cx, d);
                Val::Other
            }
            syn::Expr::Assign(a) => {
                let v = self.eval(&a.right, cx, d);
                if let syn::Expr::Path(p) = &*a.left {
                    if let Some(id) = p.path.get_ident() {
                        let pat = syn::Pat::Ident(syn::PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability: None,
                            ident: id.clone(),
                            subpat: None,
                        });
                        self.bind(&pat, v, cx);
                        return Val::Other;
                    }
                }
                self.discard(v);
                Val::Other
            }
            syn::Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    let v = self.eval(x, cx, d);
                    self.returned(v, cx);
                }
                Val::Other
            }
            syn::Expr::If(i) => {
                self.eval_discard(&i.cond, cx, d);
                let v = self.block(&i.then_branch, cx, d);
                self.discard(v);
                if let Some((_, e)) = &i.else_branch {
                    self.eval_discard(e, cx, d);
                }
                Val::Other
            }
            syn::Expr::Match(m) => {
                self.eval_discard(&m.expr, cx, d);
                for arm in &m.arms {
                    self.eval_discard(&arm.body, cx, d);
                }
                Val::Other
            }
            syn::Expr::While(w) => {
                self.eval_discard(&w.cond, cx, d);
                let v = self.block(&w.body, cx, d);
                self.discard(v);
                Val::Other
            }
            syn::Expr::ForLoop(f) => {
                self.eval_discard(&f.expr, cx, d);
                let v = self.block(&f.body, cx, d);
                self.discard(v);
                Val::Other
            }
            syn::Expr::Loop(l) => {
                let v = self.block(&l.body, cx, d);
                self.discard(v);
                Val::Other
            }
            syn::Expr::Let(l) => {
                self.eval_discard(&l.expr, cx, d);
                Val::Other
            }
            syn::Expr::Array(a) => {
                for x in &a.elems {
                    self.eval_discard(x, cx, d);
                }
                Val::Other
            }
            syn::Expr::Tuple(t) => {
                for x in &t.elems {
                    self.eval_discard(x, cx, d);
                }
                Val::Other
            }
            syn::Expr::Struct(s) => {
                for f in &s.fields {
                    self.eval_discard(&f.expr, cx, d);
                }
                Val::Other
            }
            syn::Expr::Binary(b) => {
                self.eval_discard(&b.left, cx, d);
                self.eval_discard(&b.right, cx, d);
                Val::Other
            }
            syn::Expr::Unary(u) => {
                self.eval_discard(&u.expr, cx, d);
                Val::Other
            }
            syn::Expr::Field(f) => {
                self.eval_discard(&f.base, cx, d);
                Val::Other
            }
            _ => Val::Other,
        }
    }

    fn path_value(&self, path: &syn::Path, cx: &FnCtx) -> Val {
        if let Some(id) = path.get_ident() {
            let name = id.to_string();
            if let Some(v) = cx.vars.get(&name) {
                return v.clone();
            }
            if self.generic_handlers.contains(&name) {
                return Val::Param;
            }
        }
        match last_ident(path) {
            Some(name) => Val::Fns(vec![name]),
            None => Val::Other,
        }
    }

    /// The span of a call from the start of `from` to the end of `to`.
    fn join(&self, from: proc_macro2::Span, to: proc_macro2::Span) -> Span {
        let a = self.span(from);
        let b = self.span(to);
        Span::new(a.start, b.end.max(a.start))
    }

    fn handler_of(&self, e: &syn::Expr) -> Option<Handler> {
        match e {
            syn::Expr::Path(p) => last_ident(&p.path).map(Handler::Named),
            syn::Expr::Closure(c) => {
                Some(Handler::Inline(Box::new(Evidence::of_closure(c, self.cat))))
            }
            syn::Expr::MethodCall(m) => self.handler_of(&m.receiver),
            syn::Expr::Reference(r) => self.handler_of(&r.expr),
            syn::Expr::Paren(p) => self.handler_of(&p.expr),
            _ => None,
        }
    }

    /// Methods named by constants in an expression: `MethodFilter::POST`,
    /// `MethodFilter::POST.or(MethodFilter::PATCH)`, `Method::POST`, `guard::Post()`.
    fn methods_in(&self, e: &syn::Expr) -> Vec<String> {
        struct Names<'c>(&'c RoutesCatalog, Vec<String>);
        impl<'ast> syn::visit::Visit<'ast> for Names<'_> {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                if p.segments.len() >= 2 {
                    if let Some(last) = p.segments.last() {
                        let name = last.ident.to_string();
                        let upper_or_capital =
                            name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
                        if upper_or_capital {
                            if let Some(m) = self.0.method_constant(&name) {
                                if !self.1.iter().any(|x| x == m) {
                                    self.1.push(m.to_string());
                                }
                            }
                        }
                    }
                }
                syn::visit::visit_path(self, p);
            }
        }
        let mut n = Names(self.cat, Vec::new());
        syn::visit::Visit::visit_expr(&mut n, e);
        n.1
    }

    fn call(&mut self, c: &syn::ExprCall, cx: &mut FnCtx, d: usize) -> Val {
        let syn::Expr::Path(fp) = &*c.func else {
            self.eval_discard(&c.func, cx, d);
            for a in &c.args {
                self.eval_discard(a, cx, d);
            }
            return Val::Other;
        };
        let Some(last) = last_ident(&fp.path) else {
            return Val::Other;
        };
        let args: Vec<&syn::Expr> = c.args.iter().collect();
        if !self.interesting.contains(&last) {
            // The common case: a call of no interest to routing.
            self.plain_call_args(&args, cx, d);
            return Val::Call(last);
        }
        let segs = segments(&fp.path);
        let fw = &self.cat.frameworks;

        // Method routers: `post(h)` (axum, poem), `web::post()` (actix), `warp::post()`.
        if let Some(method) = self.method_fn(&segs) {
            // aide's `post_with(handler, docs)` takes a second argument.
            let with_docs = args.len() == 2 && last.ends_with("_with");
            if args.len() <= 1 || with_docs {
                let handler = args.first().and_then(|a| self.handler_of(a));
                if with_docs {
                    self.eval_discard(args[1], cx, d);
                }
                if !args.is_empty() && handler.is_none() {
                    // `post("http://..")` and the like: not a method router.
                    self.eval_discard(args[0], cx, d);
                    return Val::Other;
                }
                if let Some(a) = args.first() {
                    if matches!(a, syn::Expr::Closure(_)) {
                        // The closure body is judged as the handler; routers inside are still walked.
                        self.eval_discard(a, cx, d);
                    }
                }
                return Val::Methods(Pending {
                    routes: vec![PendingRoute {
                        method,
                        handler,
                        span: self.call_span(fp, c),
                    }],
                    ..Pending::default()
                });
            }
        }
        // `on(MethodFilter::POST, h)`.
        if has(&fw.method_filter_functions, &last)
            && args.len() == 2
            && self.framework_head(&self.resolve(&segs))
        {
            let methods = self.methods_in(args[0]);
            if !methods.is_empty() {
                let handler = self.handler_of(args[1]);
                let span = self.call_span(fp, c);
                return Val::Methods(Pending {
                    routes: methods
                        .into_iter()
                        .map(|method| PendingRoute {
                            method,
                            handler: handler.clone(),
                            span,
                        })
                        .collect(),
                    ..Pending::default()
                });
            }
        }
        // actix `web::route()`: methods come from `.method(..)`/`.guard(..)`.
        if last == "route" && args.is_empty() {
            return Val::Methods(Pending::default());
        }
        // warp `warp::path("orders")`.
        if has(&fw.path_filters, &last)
            && segs.len() >= 2
            && segs.first().is_some_and(|h| h == "warp")
        {
            let mut p = Pending::default();
            for a in &args {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = a
                {
                    p.path.push(s.value());
                }
            }
            return Val::Methods(p);
        }
        // warp `warp::header::<T>("idempotency-key")`.
        if has(&fw.header_filters, &last) && segs.iter().any(|s| s == "header") {
            let mut p = Pending::default();
            let key = args.iter().any(|a| {
                matches!(a, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if self.cat.is_key_header(&s.value()))
            });
            if key {
                p.covered = Some("header filter".to_string());
            }
            return Val::Methods(p);
        }
        // Routers, apps, scopes, resources.
        if tail_matches(&fw.scope_constructors, &segs) {
            let path = args.first().and_then(|a| match a {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            });
            for a in &args {
                self.eval_discard(a, cx, d);
            }
            return Val::Scope(self.new_scope(path));
        }
        self.plain_call_args(&args, cx, d);
        Val::Call(last)
    }

    /// The span of a call from its path to its closing parenthesis. Computed only for
    /// the calls that become routes: it is the first position a file converts.
    fn call_span(&self, fp: &syn::ExprPath, c: &syn::ExprCall) -> Span {
        let first = match &fp.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => fp.path.segments[0].ident.span(),
        };
        self.join(first, c.paren_token.span.close())
    }

    /// Walks the arguments of a call; a helper taking (path, method router) registers
    /// the route: `route("/foo", post(h))`.
    fn plain_call_args(&mut self, args: &[&syn::Expr], cx: &mut FnCtx, d: usize) {
        let path = args.first().and_then(|a| lit_str(a));
        for a in args {
            match self.eval(a, cx, d) {
                Val::Methods(p) if path.is_some() => self.register(None, p, path.clone()),
                other => self.discard(other),
            }
        }
    }

    /// Turns a receiver into the scope a router method acts on.
    fn as_scope(&mut self, v: &Val, cx: &FnCtx) -> Option<usize> {
        match v {
            Val::Scope(s) => Some(*s),
            Val::Param => Some(self.fn_scope(cx)),
            Val::Call(f) => {
                let s = self.new_scope(None);
                self.add_child(s, Child::Fn(f.clone()));
                Some(s)
            }
            _ => None,
        }
    }

    /// A method chain, evaluated from its root outwards without recursing per link, so
    /// a router with hundreds of chained `.route(..)` calls costs no stack.
    fn method_call(&mut self, m: &syn::ExprMethodCall, cx: &mut FnCtx, d: usize) -> Val {
        let mut links = vec![m];
        let mut root = &*m.receiver;
        loop {
            root = match root {
                syn::Expr::MethodCall(inner) => {
                    links.push(inner);
                    &inner.receiver
                }
                syn::Expr::Try(t) => &t.expr,
                syn::Expr::Await(a) => &a.base,
                syn::Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        let mut v = self.eval(root, cx, d);
        for link in links.into_iter().rev() {
            v = self.apply_method(v, link, cx, d);
        }
        v
    }

    fn apply_method(
        &mut self,
        recv: Val,
        m: &syn::ExprMethodCall,
        cx: &mut FnCtx,
        d: usize,
    ) -> Val {
        let name = m.method.to_string();
        let args: Vec<&syn::Expr> = m.args.iter().collect();
        let fw = &self.cat.frameworks;

        if let Val::Methods(mut p) = recv {
            let call_span = self.join(m.method.span(), m.paren_token.span.close());
            // Chained method routers: `get(a).post(b)`, `.on(MethodFilter::PATCH, h)`.
            if let Some(method) = self.cat.method_of(&name).map(str::to_string) {
                if args.len() == 1 || (args.len() == 2 && name.ends_with("_with")) {
                    let handler = self.handler_of(args[0]);
                    if handler.is_some() {
                        p.routes.push(PendingRoute {
                            method,
                            handler,
                            span: call_span,
                        });
                        return Val::Methods(p);
                    }
                }
            }
            if has(&fw.method_filter_functions, &name) && args.len() == 2 {
                let handler = self.handler_of(args[1]);
                for method in self.methods_in(args[0]) {
                    p.routes.push(PendingRoute {
                        method,
                        handler: handler.clone(),
                        span: call_span,
                    });
                }
                return Val::Methods(p);
            }
            if has(&fw.method_setters, &name) && args.len() == 1 {
                let start = p.routes.first().map(|r| r.span.start);
                for method in self.methods_in(args[0]) {
                    p.routes.push(PendingRoute {
                        method,
                        handler: None,
                        span: Span::new(start.unwrap_or(call_span.start), call_span.end),
                    });
                }
                return Val::Methods(p);
            }
            if has(&fw.handler_calls, &name) && args.len() == 1 {
                let handler = self.handler_of(args[0]);
                if matches!(args[0], syn::Expr::Closure(_)) {
                    self.eval_discard(args[0], cx, d);
                }
                for r in &mut p.routes {
                    if r.handler.is_none() {
                        r.handler = handler.clone();
                        r.span.end = r.span.end.max(call_span.end);
                    }
                }
                return Val::Methods(p);
            }
            if has(&fw.filter_joins, &name) && args.len() == 1 {
                match self.eval(args[0], cx, d) {
                    Val::Methods(q) => p.join(q),
                    other => self.discard(other),
                }
                return Val::Methods(p);
            }
            if has(&fw.filter_splits, &name) {
                self.discard(Val::Methods(p));
                for a in &args {
                    self.eval_discard(a, cx, d);
                }
                return Val::Other;
            }
            if has(&fw.ordered_layer_methods, &name) || has(&fw.wrap_methods, &name) {
                if let Some(LayerBy::Named(l)) = args.first().and_then(|a| self.layer_in(a, cx)) {
                    p.covered.get_or_insert(format!("layer {l}"));
                }
                return Val::Methods(p);
            }
            for a in &args {
                self.eval_discard(a, cx, d);
            }
            // `.boxed()`, `.with_state(..)`, `.recover(..)`: still the same routes.
            return Val::Methods(p);
        }

        let routerish = has(&fw.route_calls, &name)
            || has(&fw.nest_calls, &name)
            || has(&fw.ordered_layer_methods, &name)
            || has(&fw.wrap_methods, &name);
        let scope = match &recv {
            Val::Scope(s) => Some(*s),
            Val::Param | Val::Call(_) if routerish => self.as_scope(&recv, cx),
            Val::Call(_) => {
                // `api::router(cfg).with_state(s)`, `.into()`: still what the function built.
                for a in &args {
                    self.eval_discard(a, cx, d);
                }
                return recv;
            }
            _ => None,
        };
        let Some(s) = scope else {
            if routerish && has(&fw.route_calls, &name) && args.len() == 2 {
                // A router we cannot see (`self.router`, a struct field): its routes still count.
                if let Val::Methods(p) = self.eval(args[1], cx, d) {
                    let path = lit_str(args[0]);
                    self.eval_discard(args[0], cx, d);
                    self.register(None, p, path);
                    return Val::Other;
                }
            }
            for a in &args {
                self.eval_discard(a, cx, d);
            }
            return Val::Other;
        };

        if has(&fw.route_calls, &name) && !args.is_empty() {
            for extra in args.iter().skip(2) {
                self.eval_discard(extra, cx, d);
            }
            let (path, target) = if args.len() >= 2 {
                (lit_str(args[0]), args[1])
            } else {
                (self.out.scopes[s].path.clone(), args[0])
            };
            match self.eval(target, cx, d) {
                Val::Methods(p) => self.register(Some(s), p, path),
                other => self.nest_value(s, other, cx),
            }
            return Val::Scope(s);
        }
        if has(&fw.nest_calls, &name) {
            for a in &args {
                let v = if let syn::Expr::Closure(c) = a {
                    // `configure(|cfg| { cfg.service(..); })`: the closure's parameter is this scope.
                    let inner = self.new_scope(None);
                    self.add_child(s, Child::Local(inner));
                    for input in &c.inputs {
                        if let syn::Pat::Ident(pi) = strip_pat_type(input) {
                            cx.vars.insert(pi.ident.to_string(), Val::Scope(inner));
                        }
                    }
                    self.eval_discard(&c.body, cx, d);
                    continue;
                } else {
                    self.eval(a, cx, d)
                };
                self.nest_value(s, v, cx);
            }
            return Val::Scope(s);
        }
        let ordered = has(&fw.ordered_layer_methods, &name);
        if ordered || has(&fw.wrap_methods, &name) {
            for a in &args {
                if let Some(by) = self.layer_in(a, cx) {
                    self.add_layer(s, ordered, by);
                }
                self.eval_discard(a, cx, d);
            }
            return Val::Scope(s);
        }
        for a in &args {
            self.eval_discard(a, cx, d);
        }
        // `.with_state(..)`, `.fallback(..)`, `.app_data(..)`: still the same router.
        Val::Scope(s)
    }

    /// Something attached below scope `s` by `nest`, `merge`, `service`, `mount`, ...
    fn nest_value(&mut self, s: usize, v: Val, cx: &FnCtx) {
        match v {
            Val::Scope(c) if c != s => self.add_child(s, Child::Local(c)),
            Val::Call(f) => self.add_child(s, Child::Fn(f)),
            Val::Fns(fs) => {
                for f in fs {
                    self.add_child(s, Child::Fn(f));
                }
            }
            Val::Methods(p) => self.register(Some(s), p, None),
            Val::Param => {
                let fs = self.fn_scope(cx);
                if fs != s {
                    self.add_child(s, Child::Local(fs));
                }
            }
            _ => {}
        }
    }

    /// An idempotency layer or middleware in a `layer`/`wrap`/`with` argument.
    fn layer_in(&self, e: &syn::Expr, cx: &FnCtx) -> Option<LayerBy> {
        struct Finder<'c> {
            cat: &'c RoutesCatalog,
            named: Option<String>,
            refs: LayerRefs,
            closure_reads_key: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
            fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
                let name = seg.ident.to_string();
                if self.named.is_none() && has(&self.cat.evidence.layers, &name) {
                    self.named = Some(name.clone());
                }
                if name.starts_with(|c: char| c.is_ascii_uppercase())
                    && !self.refs.types.contains(&name)
                {
                    self.refs.types.push(name);
                }
                syn::visit::visit_path_segment(self, seg);
            }
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    if let Some(l) = p.path.segments.last() {
                        let name = l.ident.to_string();
                        if has(&self.cat.frameworks.middleware_functions, &name) {
                            self.middleware_args(c.args.iter());
                        } else {
                            self.refs.builders.push(name);
                        }
                    }
                }
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if has(
                    &self.cat.frameworks.middleware_functions,
                    &m.method.to_string(),
                ) {
                    self.middleware_args(m.args.iter());
                }
                if has(&self.cat.cors.methods, &m.method.to_string()) {
                    self.visit_expr(&m.receiver);
                    return;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        impl Finder<'_> {
            fn middleware_args<'x>(&mut self, args: impl Iterator<Item = &'x syn::Expr>) {
                for a in args {
                    match a {
                        syn::Expr::Path(p) => {
                            if let Some(l) = p.path.segments.last() {
                                self.refs.middleware_fns.push(l.ident.to_string());
                            }
                        }
                        syn::Expr::Closure(c) => {
                            let ev = Evidence::of_closure(c, self.cat);
                            self.closure_reads_key |= ev.reads_key;
                            // A closure calling a middleware function: that function decides.
                            self.refs
                                .middleware_fns
                                .extend(ev.calls.sorted().into_iter().map(str::to_string));
                        }
                        _ => {}
                    }
                }
            }
        }
        // A variable holding a layer stack built earlier (`let svc = ServiceBuilder::new().layer(..)`).
        if let syn::Expr::Path(p) = e {
            if let Some(Val::Scope(v)) =
                p.path.get_ident().and_then(|i| cx.vars.get(&i.to_string()))
            {
                if let Some(l) = self.out.scopes[*v]
                    .layers
                    .iter()
                    .find(|l| matches!(l.by, LayerBy::Named(_)))
                {
                    return Some(l.by.clone());
                }
            }
        }
        let mut f = Finder {
            cat: self.cat,
            named: None,
            refs: LayerRefs::default(),
            closure_reads_key: false,
        };
        syn::visit::Visit::visit_expr(&mut f, e);
        if let Some(n) = f.named {
            return Some(LayerBy::Named(n));
        }
        if f.closure_reads_key {
            return Some(LayerBy::Named("middleware closure".to_string()));
        }
        let r = &f.refs;
        let any = !(r.middleware_fns.is_empty() && r.builders.is_empty() && r.types.is_empty());
        any.then_some(LayerBy::Refs(f.refs))
    }

    /// Macros: `routes![a, b]`, `warp::path!("orders" / u64)`; other macro bodies are
    /// parsed as expressions when they are (`vec![..]`), so routers inside are seen.
    fn mac(&mut self, m: &syn::Macro, cx: &mut FnCtx, d: usize) -> Val {
        let Some(last) = last_ident(&m.path) else {
            return Val::Other;
        };
        let fw = &self.cat.frameworks;
        if has(&fw.registration_macros, &last) {
            let mut names = Vec::new();
            let parsed = m.parse_body_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            );
            if let Ok(paths) = parsed {
                for p in paths {
                    if let Some(n) = last_ident(&p) {
                        if !self.out.macro_registered.contains(&n) {
                            self.out.macro_registered.push(n.clone());
                        }
                        names.push(n);
                    }
                }
            }
            return Val::Fns(names);
        }
        if has(&fw.path_filters, &format!("{last}!"))
            && (m.path.segments.len() >= 2
                || self
                    .uses()
                    .get(&last)
                    .is_some_and(|u| u.first().is_some_and(|h| h == "warp")))
        {
            return Val::Methods(Pending {
                path: warp_path_macro(m.tokens.clone()),
                ..Pending::default()
            });
        }
        if !mentions(&m.tokens, self.interesting, 0) {
            return Val::Other;
        }
        if let Ok(args) = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) {
            for a in &args {
                self.eval_discard(a, cx, d);
            }
        }
        Val::Other
    }
}

fn strip_pat_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(pt) => &pt.pat,
        p => p,
    }
}

fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

fn is_upper(s: &str) -> bool {
    s.len() > 1 && s.chars().all(|c| c.is_ascii_uppercase())
}

/// `"orders" / u64 / "items"` → `["orders", "{}", "items"]`.
fn warp_path_macro(ts: TokenStream) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current: Option<String> = None;
    let mut any = false;
    for tt in ts {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '/' => {
                parts.push(current.take().unwrap_or_else(|| "{}".to_string()));
                any = false;
            }
            TokenTree::Punct(p) if p.as_char() == '.' => break,
            TokenTree::Literal(l) if !any => {
                current = string_literals(TokenStream::from(TokenTree::Literal(l)))
                    .into_iter()
                    .next();
                any = true;
            }
            _ => {
                current = None;
                any = true;
            }
        }
    }
    if any {
        parts.push(current.unwrap_or_else(|| "{}".to_string()));
    }
    parts
}
