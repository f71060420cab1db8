//! The per-file `syn` visitor: follows values from catalogue constructors through
//! `let` bindings, reassignment, struct fields, method chains and well-known macro
//! bodies, and records every call made on them.

use std::collections::HashMap;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall, ExprMethodCall, Lit, Pat};

use super::catalog::{Catalog, DelayClass, PathRole};
use super::facts::{
    CallFact, Chain, DelayKind, FileFacts, FnFact, Handle, Origin, RetryFact, RouteFact, SleepFact,
    Target,
};
use super::imports::{Deps, Imports};
use crate::source::SourceFile;
use crate::tree::Span;

/// What the visitor needs to know about the run and the package.
pub struct Ctx<'a> {
    pub catalog: &'a Catalog,
    /// `None` when no `Cargo.toml` was found: crate names are taken as written.
    pub deps: Option<&'a Deps>,
}

/// Byte offset of a proc-macro2 position (1-based line, column in chars).
///
/// `Span::byte_range` would do, but it caches char→byte offsets in a `BTreeMap` per
/// call; line and column are a cheap lookup, and most lines are ASCII.
fn offset(source: &SourceFile, lc: proc_macro2::LineColumn) -> usize {
    let (start, end) = source.line_range(lc.line.saturating_sub(1));
    let line = &source.text[start..end];
    if line.is_ascii() {
        return start + lc.column.min(line.len());
    }
    start
        + line
            .char_indices()
            .nth(lc.column)
            .map_or(line.len(), |(i, _)| i)
}

fn span_of(source: &SourceFile, s: proc_macro2::Span) -> Span {
    Span::new(offset(source, s.start()), offset(source, s.end()))
}

/// Summarises one parsed file.
pub fn summarize_file(file: &syn::File, ctx: &Ctx, source: &SourceFile) -> FileFacts {
    let mut collector = Collector::default();
    collector.visit_file(file);
    let mut v = Visitor {
        ctx,
        source,
        imports: std::mem::take(&mut collector.imports),
        facts: FileFacts {
            consts: std::mem::take(&mut collector.consts),
            types: std::mem::take(&mut collector.types),
            test_mods: std::mem::take(&mut collector.test_mods),
            ..FileFacts::default()
        },
        scopes: vec![Scope::default()],
        fields: HashMap::new(),
        wrapped: 0,
        impl_type: None,
        breaker: 0,
        fn_name: None,
        fn_params: Vec::new(),
        sleep_idents: Vec::new(),
        idem_layer: 0,
        cors: 0,
        scan_idempotency: super::routes::names_idempotency(&source.text),
    };
    // Struct fields typed as a breaker hold one wherever it is built.
    for (field, ty) in &collector.field_types {
        if let Some((PathRole::BreakerType(api), _)) = v.role(ty) {
            let h = v.new_handle(Origin::Breaker { api });
            v.fields.insert(field.clone(), h);
        }
    }
    v.visit_file(file);
    prune(v.facts)
}

/// First pass: imports, local type names, string constants.
#[derive(Default)]
struct Collector {
    imports: Imports,
    consts: HashMap<String, String>,
    types: std::collections::HashSet<String>,
    test_mods: Vec<String>,
    /// Named struct fields and their type path (through `Arc`/`Box`/`Rc`/`Option`).
    field_types: Vec<(String, Vec<String>)>,
}

/// The path of a type, looking through `Arc<..>`, `Box<..>`, `Rc<..>`, `Option<..>`.
fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if matches!(
        last.ident.to_string().as_str(),
        "Arc" | "Box" | "Rc" | "Option"
    ) {
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return type_path(inner);
            }
        }
    }
    Some(segments(&p.path))
}

impl<'ast> Visit<'ast> for Collector {
    /// Items only: expressions hold nothing this pass wants (items inside function
    /// bodies are still reached through their statements).
    fn visit_expr(&mut self, _: &'ast Expr) {}
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.imports.add(&u.tree);
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test(&m.attrs) {
            if m.content.is_none() {
                self.test_mods.push(m.ident.to_string());
            }
            return;
        }
        visit::visit_item_mod(self, m);
    }
    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.types.insert(s.ident.to_string());
        self.imports.local.insert(s.ident.to_string());
        for f in &s.fields {
            if let (Some(name), Some(ty)) = (&f.ident, type_path(&f.ty)) {
                self.field_types.push((name.to_string(), ty));
            }
        }
    }
    fn visit_item_enum(&mut self, s: &'ast syn::ItemEnum) {
        self.types.insert(s.ident.to_string());
        self.imports.local.insert(s.ident.to_string());
    }
    fn visit_item_type(&mut self, s: &'ast syn::ItemType) {
        // `type HttpClient = reqwest::Client;` names the type like a `use .. as`.
        match &*s.ty {
            syn::Type::Path(p)
                if p.qself.is_none()
                    && p.path.segments.iter().all(|seg| seg.arguments.is_none()) =>
            {
                self.imports.alias(s.ident.to_string(), segments(&p.path));
            }
            _ => {
                self.imports.local.insert(s.ident.to_string());
            }
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.imports.local.insert(f.sig.ident.to_string());
        visit::visit_item_fn(self, f);
    }
    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        if let Some(Target::Literal(s)) = target_of(&c.expr) {
            self.consts.insert(c.ident.to_string(), s);
        }
    }
    fn visit_item_static(&mut self, c: &'ast syn::ItemStatic) {
        if let Some(Target::Literal(s)) = target_of(&c.expr) {
            self.consts.insert(c.ident.to_string(), s);
        }
    }
    fn visit_impl_item_const(&mut self, c: &'ast syn::ImplItemConst) {
        if let Some(Target::Literal(s)) = target_of(&c.expr) {
            self.consts.insert(c.ident.to_string(), s);
        }
    }
}

#[derive(Default)]
struct Scope {
    vars: HashMap<String, usize>,
    /// Methods called on variables that are not handles (`req.set_timeout(d)`).
    var_methods: HashMap<String, Vec<String>>,
    returns: Vec<usize>,
}

struct Visitor<'c, 'a> {
    ctx: &'c Ctx<'a>,
    source: &'c SourceFile,
    imports: Imports,
    facts: FileFacts,
    scopes: Vec<Scope>,
    /// `self.<field>` → handle, for the whole file.
    fields: HashMap<String, usize>,
    /// Depth of timeout wrappers around the expression being visited.
    wrapped: usize,
    /// Self type of the enclosing `impl`.
    impl_type: Option<String>,
    /// Depth of circuit-breaker `call`s around the expression being visited.
    breaker: usize,
    /// Link key of the function being visited, and its parameter names.
    fn_name: Option<String>,
    fn_params: Vec<String>,
    /// Sleeps of the current function whose duration names locals: (index into
    /// `facts.sleeps`, identifiers), settled when the function ends.
    sleep_idents: Vec<(usize, Vec<String>)>,
    /// Inside a router chain an idempotency layer wraps, and inside a CORS list.
    idem_layer: usize,
    cors: usize,
    /// The file mentions idempotency at all (most do not: skip the per-identifier checks).
    scan_idempotency: bool,
}

fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `#[test]`, `#[tokio::test]`, `#[cfg(test)]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        path.is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().trim() == "test")
    })
}

/// A literal address or a constant's name.
fn target_of(e: &Expr) -> Option<Target> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(Target::Literal(s.value())),
            _ => None,
        },
        Expr::Reference(r) => target_of(&r.expr),
        Expr::Paren(p) => target_of(&p.expr),
        Expr::Group(g) => target_of(&g.expr),
        Expr::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            (last
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && last.chars().any(|c| c.is_ascii_uppercase()))
            .then_some(Target::Const(last))
        }
        Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| {
                    matches!(
                        s.ident.to_string().as_str(),
                        "from" | "parse" | "from_static" | "from_str" | "new"
                    )
                }) =>
            {
                target_of(&c.args[0])
            }
            _ => None,
        },
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "to_string" | "to_owned" | "into" | "parse" | "unwrap" | "expect"
            ) =>
        {
            target_of(&m.receiver)
        }
        Expr::Try(t) => target_of(&t.expr),
        _ => None,
    }
}

/// Last segment of each argument that is a plain path (`None`, `Timeout::Never`).
fn arg_words<'a>(args: impl Iterator<Item = &'a Expr>) -> Vec<String> {
    args.filter_map(|a| match a {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    })
    .collect()
}

fn simple_ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => simple_ident(&r.expr),
        _ => None,
    }
}

fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// Whether a parameter type may hold a client (`&reqwest::Client`, `Arc<HttpClient>`,
/// `Channel`, `ureq::Agent`, an `impl`/generic type).
fn may_be_client(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => may_be_client(&r.elem),
        syn::Type::Paren(p) => may_be_client(&p.elem),
        syn::Type::Path(p) => type_path(ty).is_some_and(|segs| {
            segs.last().is_some_and(|l| {
                [
                    "Client",
                    "Agent",
                    "Channel",
                    "Endpoint",
                    "Connection",
                    "Http",
                ]
                .iter()
                .any(|k| l.contains(k))
            }) || (p.path.segments.len() == 1 && p.path.segments[0].ident.to_string().len() == 1)
        }),
        _ => false,
    }
}

/// Whether the method chain `e` calls one of `names` (`strategy.take(3)`).
fn chain_calls_any(mut e: &Expr, names: &[String]) -> bool {
    loop {
        match e {
            Expr::MethodCall(m) => {
                if names.iter().any(|n| m.method == n.as_str()) {
                    return true;
                }
                e = &m.receiver;
            }
            Expr::Paren(p) => e = &p.expr,
            Expr::Reference(r) => e = &r.expr,
            _ => return false,
        }
    }
}

/// Whether `e`, under any `?`, `.await` and parentheses, is a method call.
fn ends_in_method_call(mut e: &Expr) -> bool {
    loop {
        match e {
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Paren(p) => e = &p.expr,
            Expr::MethodCall(_) => return true,
            _ => return false,
        }
    }
}

fn is_self(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("self"))
}

/// Well-known macros whose bodies hold calls worth seeing.
fn macro_kind(path: &syn::Path) -> Option<&'static str> {
    let last = path.segments.last()?.ident.to_string();
    Some(match last.as_str() {
        "select" | "join" | "try_join" => "exprs",
        "stream" | "try_stream" => "block",
        _ => return None,
    })
}

/// Splits a macro body at top-level `,`, `=>` and `=` (not `==`, `<=`, ...).
fn split_body(tokens: TokenStream) -> Vec<TokenStream> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let mut parts = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        let sep = match &tts[i] {
            TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';' => 1,
            TokenTree::Punct(p) if p.as_char() == '=' => {
                let prev_joint = matches!(
                    i.checked_sub(1).map(|j| &tts[j]),
                    Some(TokenTree::Punct(q)) if q.spacing() == Spacing::Joint
                );
                let next_gt =
                    matches!(tts.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == '>');
                let next_eq =
                    matches!(tts.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == '=');
                if p.spacing() == Spacing::Joint && next_gt {
                    2
                } else if p.spacing() == Spacing::Alone && !prev_joint {
                    1
                } else if next_eq {
                    // `==`: keep both.
                    current.push(tts[i].clone());
                    current.push(tts[i + 1].clone());
                    i += 2;
                    continue;
                } else {
                    0
                }
            }
            _ => 0,
        };
        if sep > 0 {
            parts.push(current.drain(..).collect());
            i += sep;
        } else {
            current.push(tts[i].clone());
            i += 1;
        }
    }
    parts.push(current.into_iter().collect());
    parts
}

/// The expressions in the body of a well-known macro (`tokio::select!`, `join!`,
/// `stream!`), parsed; empty for other macros or bodies that do not parse.
pub fn macro_exprs(m: &syn::Macro) -> Vec<Expr> {
    match macro_kind(&m.path) {
        Some("block") => syn::parse::Parser::parse2(syn::Block::parse_within, m.tokens.clone())
            .map(|stmts| {
                vec![Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: syn::Block {
                        brace_token: Default::default(),
                        stmts,
                    },
                })]
            })
            .unwrap_or_default(),
        Some(_) => split_body(m.tokens.clone())
            .into_iter()
            .filter(|p| !p.is_empty())
            .filter_map(|p| syn::parse2::<Expr>(p).ok())
            .collect(),
        None => Vec::new(),
    }
}

impl Visitor<'_, '_> {
    fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn depends(&self, krate: &str) -> bool {
        self.ctx.deps.is_none_or(|d| d.depends_on(krate))
    }

    /// The catalogue role of a path as written, and the resolved path.
    fn role(&self, segs: &[String]) -> Option<(PathRole, Vec<String>)> {
        if !self.ctx.catalog.may_match(segs.last()?) {
            return None;
        }
        let deps = self.ctx.deps;
        let depends = |k: &str| self.depends(k);
        self.imports
            .resolve(segs, deps)
            .into_iter()
            .find_map(|p| self.ctx.catalog.role(&p, &depends).map(|r| (r, p)))
    }

    /// A function of this package called by path: its link key.
    fn local_callee(&self, segs: &[String]) -> Option<String> {
        let resolved = self.imports.resolve(segs, self.ctx.deps);
        let first = resolved.first()?;
        let local = first.first().is_some_and(|s| s == "crate")
            || (self.ctx.deps.is_none() && segs.len() == 1);
        if !local {
            return None;
        }
        let n = segs.len();
        Some(match (n, segs.first().map(String::as_str)) {
            (1, _) => segs[0].clone(),
            (2, Some("Self")) => format!("{}::{}", self.impl_type.as_deref()?, segs[1]),
            _ if n >= 2 && segs[n - 2].chars().next().is_some_and(char::is_uppercase) => {
                format!("{}::{}", segs[n - 2], segs[n - 1])
            }
            _ => segs[n - 1].clone(),
        })
    }

    fn new_handle(&mut self, origin: Origin) -> usize {
        self.facts.handles.push(Handle {
            origin,
            chains: Vec::new(),
        });
        self.facts.handles.len() - 1
    }

    fn mark_wrapped(&mut self, h: usize) {
        self.facts.handles[h].chains.push(Chain {
            calls: Vec::new(),
            wrapped: true,
            breaker: false,
        });
    }

    /// A value passed along inside a timeout wrapper or a breaker: remember which.
    fn mark_context(&mut self, h: usize) {
        if self.wrapped > 0 || self.breaker > 0 {
            self.facts.handles[h].chains.push(Chain {
                calls: Vec::new(),
                wrapped: self.wrapped > 0,
                breaker: self.breaker > 0,
            });
        }
    }

    fn call_handle(&mut self, callee: String) -> usize {
        if self.breaker > 0 {
            self.facts.breaker_callees.push(callee.clone());
        }
        if self.idem_layer > 0 {
            self.facts.idem_layer_callees.push(callee.clone());
        }
        if let Some(f) = &self.fn_name {
            self.facts.fn_calls.push((f.clone(), callee.clone()));
        }
        self.new_handle(Origin::Call { callee })
    }

    /// The current function names idempotency (outside a CORS list).
    fn idempotency_evidence(&mut self, text: &str) {
        if self.scan_idempotency
            && self.cors == 0
            && self.fn_name.is_some()
            && super::routes::names_idempotency(text)
        {
            if let Some(f) = &self.fn_name {
                self.facts.idem_fns.push(f.clone());
            }
        }
    }

    /// The handler's link key when it is in this package, else its name (another
    /// crate's handler is judged as unchecked: its body is not seen).
    fn handler_key(&self, path: &syn::Path) -> Option<String> {
        let segs = segments(path);
        self.local_callee(&segs).or_else(|| segs.last().cloned())
    }

    fn route(&mut self, span: Span, method: &str, path: Option<String>, handler: Option<String>) {
        self.facts.routes.push(RouteFact {
            span,
            method: method.to_string(),
            path,
            handler,
            layered: self.idem_layer > 0,
            in_fn: self.fn_name.clone(),
        });
    }

    fn bind_field(&mut self, name: String, h: usize) {
        self.facts.field_binds.push((name.clone(), h));
        self.fields.insert(name, h);
    }

    fn is_breaker(&self, h: usize) -> Option<usize> {
        match self.facts.handles[h].origin {
            Origin::Breaker { api } => Some(api),
            _ => None,
        }
    }

    fn bind(&mut self, target: &Expr, h: Option<usize>) {
        let Some(h) = h else { return };
        match target {
            Expr::Path(_) => {
                if let Some(name) = simple_ident(target) {
                    self.scope().vars.insert(name, h);
                }
            }
            Expr::Field(f) if is_self(&f.base) => {
                if let syn::Member::Named(n) = &f.member {
                    self.bind_field(n.to_string(), h);
                }
            }
            _ => {}
        }
    }

    /// Visits `e` and returns the handle it evaluates to, if any.
    fn expr(&mut self, e: &Expr) -> Option<usize> {
        match e {
            // `x.m().await?`: the chain sees the `.await` (it marks awaited calls).
            Expr::Try(_) | Expr::Await(_) if ends_in_method_call(e) => self.method_chain(e),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Try(t) => self.expr(&t.expr),
            Expr::Await(a) => self.expr(&a.base),
            Expr::Reference(r) => self.expr(&r.expr),
            Expr::Path(p) => {
                if self.scan_idempotency {
                    if let Some(last) = p.path.segments.last() {
                        self.idempotency_evidence(&last.ident.to_string());
                    }
                }
                let name = p.path.get_ident()?.to_string();
                self.scopes.last()?.vars.get(&name).copied()
            }
            Expr::Field(f) if is_self(&f.base) => match &f.member {
                syn::Member::Named(n) => {
                    let name = n.to_string();
                    match self.fields.get(&name) {
                        Some(h) => Some(*h),
                        // Used before the file stores it (methods in any order): a
                        // placeholder the link step joins to what is stored there.
                        None if self.fn_name.is_some() => {
                            let h = self.new_handle(Origin::Field { name: name.clone() });
                            self.fields.insert(name, h);
                            Some(h)
                        }
                        None => None,
                    }
                }
                _ => None,
            },
            Expr::Call(c) => self.call(c),
            Expr::MethodCall(_) => self.method_chain(e),
            Expr::Assign(a) => {
                let h = self.expr(&a.right);
                self.bind(&a.left, h);
                None
            }
            Expr::Struct(s) => {
                for f in &s.fields {
                    let h = self.expr(&f.expr);
                    if let (Some(h), syn::Member::Named(n)) = (h, &f.member) {
                        self.bind_field(n.to_string(), h);
                    }
                }
                if let Some(rest) = &s.rest {
                    self.expr(rest);
                }
                None
            }
            Expr::ForLoop(_) | Expr::Loop(_) | Expr::While(_) => {
                let source = self.source;
                let span = |s: proc_macro2::Span| span_of(source, s);
                let callee = |p: &syn::Path| self.local_callee(&segments(p));
                if let Some(r) = super::retry::analyze(e, &span, &callee) {
                    self.facts.retries.push(r);
                }
                visit::visit_expr(self, e);
                None
            }
            Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    if let Some(h) = self.expr(x) {
                        self.scope().returns.push(h);
                    }
                }
                None
            }
            _ => {
                visit::visit_expr(self, e);
                None
            }
        }
    }

    fn call(&mut self, c: &ExprCall) -> Option<usize> {
        let Expr::Path(fp) = &*c.func else {
            self.expr(&c.func);
            for a in &c.args {
                self.expr(a);
            }
            return None;
        };
        let segs = segments(&fp.path);
        let n = segs.len();
        let last = segs.last().map(String::as_str).unwrap_or("");
        let transparent = (n == 1 && matches!(last, "Ok" | "Some"))
            || (n >= 2
                && last == "new"
                && matches!(
                    segs[n - 2].as_str(),
                    "Arc" | "Rc" | "Box" | "Mutex" | "RwLock"
                ));
        if transparent && c.args.len() == 1 {
            return self.expr(&c.args[0]);
        }
        if super::retry::is_sleep(last) {
            if let Some(f) = self.fn_name.clone() {
                let mut d = super::retry::DelayExpr::default();
                for a in &c.args {
                    d.visit_expr(a);
                }
                let param_dependent = d.idents.iter().any(|i| self.fn_params.contains(i));
                self.sleep_idents
                    .push((self.facts.sleeps.len(), d.idents.into_iter().collect()));
                self.facts.sleeps.push((
                    f,
                    SleepFact {
                        grows: d.grows,
                        param_dependent,
                    },
                ));
            }
        }
        let role = self.role(&segs);
        let request = matches!(role, Some((PathRole::Request(_), _)));
        match role {
            Some((PathRole::Constructor(api), path)) | Some((PathRole::Request(api), path)) => {
                let target = c.args.first().and_then(target_of);
                for a in &c.args {
                    self.expr(a);
                }
                let wildcard_type = self.ctx.catalog.clients[api]
                    .constructors
                    .iter()
                    .any(|p| p.starts_with("**"))
                    .then(|| path.get(path.len().saturating_sub(2)).cloned())
                    .flatten();
                let origin = Origin::Client {
                    api,
                    span: span_of(self.source, c.span()),
                    constructor: path.join("::"),
                    target,
                    request,
                    wrapped: self.wrapped > 0,
                    breaker: self.breaker > 0,
                    in_fn: self.fn_name.clone(),
                    wildcard_type,
                };
                return Some(self.new_handle(origin));
            }
            Some((PathRole::RetryStrategy(class), _)) => {
                let span = span_of(self.source, c.span());
                let delay = match class {
                    DelayClass::None => DelayKind::None,
                    DelayClass::Constant => DelayKind::Constant(span),
                    DelayClass::Growing => DelayKind::Growing(span),
                };
                self.facts.retries.push(RetryFact {
                    span,
                    kind: "strategy".into(),
                    delay,
                    helpers: Vec::new(),
                    forever: false,
                });
                for a in &c.args {
                    self.expr(a);
                }
                return None;
            }
            Some((PathRole::Breaker(api), _)) => {
                for a in &c.args {
                    self.expr(a);
                }
                return Some(self.new_handle(Origin::Breaker { api }));
            }
            Some((PathRole::RetryRunner(runner), _)) => {
                // `Retry::spawn(FixedInterval::from_millis(10), f)`: no `.take(n)` on the
                // strategy written in place means it retries forever.
                let before = self.facts.retries.len();
                let bounded = c
                    .args
                    .first()
                    .is_some_and(|a| chain_calls_any(a, self.ctx.catalog.bounded_by(runner)));
                for a in &c.args {
                    self.expr(a);
                }
                if !bounded && self.facts.retries.len() > before {
                    self.facts.retries[before].forever = true;
                }
                return None;
            }
            Some((PathRole::ClientWrapper, _)) => {
                let mut first = None;
                for (i, a) in c.args.iter().enumerate() {
                    let h = self.expr(a);
                    if i == 0 {
                        first = h;
                    }
                }
                return first;
            }
            Some((PathRole::TimeoutWrapper, _)) => {
                self.wrapped += 1;
                for a in &c.args {
                    if let Some(h) = self.expr(a) {
                        self.mark_wrapped(h);
                    }
                }
                self.wrapped -= 1;
                return None;
            }
            _ => {}
        }
        // A generated client around a channel: `GreeterClient::new(channel)`.
        if n >= 2
            && segs[n - 2].ends_with("Client")
            && matches!(last, "new" | "with_interceptor" | "with_origin")
        {
            let mut first = None;
            for (i, a) in c.args.iter().enumerate() {
                let h = self.expr(a);
                if i == 0 {
                    first = h;
                }
            }
            return first;
        }
        let mut passed = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if let Some(h) = self.expr(a) {
                self.mark_context(h);
                passed.push((i, h));
            }
        }
        let callee = self.local_callee(&segs)?;
        for (i, h) in passed {
            self.facts.arg_passes.push((callee.clone(), i, h));
        }
        Some(self.call_handle(callee))
    }

    fn method_chain(&mut self, e: &Expr) -> Option<usize> {
        let mut calls: Vec<(&ExprMethodCall, bool)> = Vec::new();
        let mut cur = e;
        let mut awaited = false;
        loop {
            match cur {
                Expr::MethodCall(m) => {
                    calls.push((m, std::mem::take(&mut awaited)));
                    cur = &m.receiver;
                }
                Expr::Await(a) => {
                    awaited = true;
                    cur = &a.base;
                }
                Expr::Try(t) => cur = &t.expr,
                Expr::Paren(p) => cur = &p.expr,
                _ => break,
            }
        }
        calls.reverse();
        let base = cur;
        let mut skip = 0;
        let mut handle = None;
        let mut base_var = None;
        let mut layer = None;
        if is_self(base) {
            // `self.make_client()`: a call to a method of this impl.
            if let (Some(ty), Some((first, _))) = (self.impl_type.clone(), calls.first()) {
                let callee = format!("{ty}::{}", first.method);
                for (i, a) in first.args.iter().enumerate() {
                    if let Some(h) = self.expr(a) {
                        self.facts.arg_passes.push((callee.clone(), i, h));
                    }
                }
                handle = Some(self.call_handle(callee));
                skip = 1;
            }
        } else {
            if let Expr::Call(c) = base {
                if let Expr::Path(p) = &*c.func {
                    if let Some((PathRole::LayerBuilder(i), _)) = self.role(&segments(&p.path)) {
                        layer = Some(i);
                    }
                }
            }
            handle = self.expr(base);
            if handle.is_none() {
                base_var = simple_ident(base);
            }
        }
        // An idempotency layer/middleware anywhere in a router chain wraps its routes.
        let idem_layer = calls.iter().any(|(m, _)| {
            matches!(
                m.method.to_string().as_str(),
                "layer" | "wrap" | "route_layer" | "with"
            ) && m.args.iter().any(super::routes::mentions_idempotency)
        });
        if idem_layer {
            self.idem_layer += 1;
            if let Some(f) = &self.fn_name {
                self.facts.idem_layer_fns.push(f.clone());
            }
        }
        // actix `web::post().to(handler)`.
        let base_method = match base {
            Expr::Call(c) if c.args.is_empty() => match &*c.func {
                Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .and_then(|s| super::routes::method_name(&s.ident.to_string())),
                _ => None,
            },
            _ => None,
        };
        let mut chain = Chain::default();
        let mut in_request = false;
        let mut layered = false;
        let mut breaker_layered = false;
        let breaker_api = handle.and_then(|h| self.is_breaker(h));
        for &(m, awaited) in &calls[skip..] {
            let name = m.method.to_string();
            if let Some(i) = layer {
                let l = &self.ctx.catalog.layers[i];
                if l.methods.contains(&name) {
                    layered = true;
                }
                if name == "layer" {
                    if let Some(Expr::Call(c)) = m.args.first() {
                        if let Expr::Path(p) = &*c.func {
                            if let Some((PathRole::TimeoutLayerCtor, _)) =
                                self.role(&segments(&p.path))
                            {
                                layered = true;
                            }
                        }
                    }
                }
            }
            let cors = super::routes::is_cors_list(&name);
            if cors {
                self.cors += 1;
            }
            if matches!(name.as_str(), "try_processing" | "save_response") {
                self.idempotency_evidence("idempotency");
            }
            let route_span = || {
                Span::new(
                    offset(self.source, m.method.span().start()),
                    offset(self.source, m.paren_token.span.close().end()),
                )
            };
            if name == "route" && m.args.len() == 2 {
                let path = super::routes::literal_path(m.args.first());
                for (method, h) in super::routes::axum_handlers(&m.args[1]) {
                    let handler = self.handler_key(&h);
                    let span = route_span();
                    self.route(span, method, path.clone(), handler);
                }
            }
            if name == "to" && std::ptr::eq(m, calls[skip.min(calls.len() - 1)].0) {
                if let (Some(method), Some(Expr::Path(h))) = (base_method, m.args.first()) {
                    let handler = self.handler_key(&h.path);
                    let span = route_span();
                    self.route(span, method, None, handler);
                }
            }
            let wrap_args = layered && name == "service";
            if wrap_args {
                self.wrapped += 1;
            }
            // `breaker.call(fut)`, or `.service(svc)` after a breaker `.layer(..)`.
            let guard_args = breaker_api
                .is_some_and(|b| self.ctx.catalog.breakers[b].call_methods.contains(&name))
                || (breaker_layered && name == "service")
                || (breaker_api.is_some_and(|b| self.ctx.catalog.breakers[b].layer)
                    && name == "layer");
            if guard_args {
                self.breaker += 1;
            }
            let mut arg_methods = Vec::new();
            for a in &m.args {
                if let Some(h) = self.expr(a) {
                    self.mark_context(h);
                    if name == "layer" {
                        if let Some(b) = self.is_breaker(h) {
                            breaker_layered |= self.ctx.catalog.breakers[b].layer;
                        }
                    }
                }
                if handle.is_none() {
                    continue;
                }
                if let Some(var) = simple_ident(a) {
                    if let Some(ms) = self.scopes.last().and_then(|s| s.var_methods.get(&var)) {
                        arg_methods.extend(ms.iter().cloned());
                    }
                }
            }
            if wrap_args {
                self.wrapped -= 1;
            }
            if guard_args {
                self.breaker -= 1;
            }
            if cors {
                self.cors -= 1;
            }
            // After a request the chain yields a response, not the client.
            let client_api = handle.and_then(|h| match self.facts.handles[h].origin {
                Origin::Client { api, .. } => Some(api),
                _ => None,
            });
            if self.ctx.catalog.is_request_name(&name)
                || client_api
                    .is_some_and(|a| self.ctx.catalog.clients[a].is_request_method(&name, awaited))
            {
                in_request = true;
            }
            if handle.is_none() {
                // Only methods that bound a request matter on other values (`req.set_timeout(d)`).
                if base_var.is_some() && self.ctx.catalog.is_request_timeout_name(&name) {
                    chain.calls.push(CallFact {
                        name,
                        span: Span::default(),
                        nargs: 0,
                        arg_words: Vec::new(),
                        target: None,
                        arg_methods: Vec::new(),
                        wrapped: false,
                        awaited,
                        breaker: false,
                        in_fn: None,
                    });
                }
                continue;
            }
            let span = Span::new(
                offset(self.source, m.method.span().start()),
                offset(self.source, m.paren_token.span.close().end()),
            );
            chain.calls.push(CallFact {
                name,
                span,
                nargs: m.args.len(),
                arg_words: arg_words(m.args.iter()),
                target: m.args.first().and_then(target_of),
                arg_methods,
                wrapped: self.wrapped > 0,
                awaited,
                breaker: self.breaker > 0,
                in_fn: self.fn_name.clone(),
            });
        }
        if idem_layer {
            self.idem_layer -= 1;
        }
        if let Some(h) = handle {
            if !chain.calls.is_empty() {
                self.facts.handles[h].chains.push(chain);
            }
            return (!in_request).then_some(h);
        }
        if let Some(var) = base_var {
            let names: Vec<String> = chain.calls.into_iter().map(|c| c.name).collect();
            self.scope()
                .var_methods
                .entry(var)
                .or_default()
                .extend(names);
        }
        None
    }

    fn mac(&mut self, m: &syn::Macro) {
        let Some(kind) = macro_kind(&m.path) else {
            return;
        };
        let text = m.tokens.to_string();
        let sleeps = m.path.segments.last().is_some_and(|s| s.ident == "select")
            && (text.contains("sleep") || text.contains("timeout"));
        if sleeps {
            self.wrapped += 1;
        }
        if kind == "block" {
            if let Ok(stmts) =
                syn::parse::Parser::parse2(syn::Block::parse_within, m.tokens.clone())
            {
                for s in &stmts {
                    self.visit_stmt(s);
                }
            }
        } else {
            for e in macro_exprs(m) {
                self.expr(&e);
            }
        }
        if sleeps {
            self.wrapped -= 1;
        }
    }

    /// A sleep whose duration is a local (`let ms = 50 << attempt; sleep(ms)`): follow
    /// the function's `let`s to see whether it grows or depends on a parameter.
    fn settle_sleeps(&mut self, block: &syn::Block) {
        #[derive(Default)]
        struct Lets(Vec<(String, super::retry::DelayExpr)>);
        impl<'ast> Visit<'ast> for Lets {
            fn visit_local(&mut self, l: &'ast syn::Local) {
                if let (Some(name), Some(init)) = (pat_ident(&l.pat), &l.init) {
                    let mut d = super::retry::DelayExpr::default();
                    d.visit_expr(&init.expr);
                    self.0.push((name, d));
                }
                visit::visit_local(self, l);
            }
        }
        let mut lets = Lets::default();
        lets.visit_block(block);
        let mut dependent: std::collections::HashSet<String> =
            self.fn_params.iter().cloned().collect();
        let mut growing = std::collections::HashSet::new();
        for _ in 0..4 {
            for (name, d) in &lets.0 {
                if d.idents.iter().any(|i| dependent.contains(i)) {
                    dependent.insert(name.clone());
                }
                if d.grows || d.idents.iter().any(|i| growing.contains(i)) {
                    growing.insert(name.clone());
                }
            }
        }
        for (index, idents) in std::mem::take(&mut self.sleep_idents) {
            if let Some((_, fact)) = self.facts.sleeps.get_mut(index) {
                fact.param_dependent |= idents.iter().any(|i| dependent.contains(i));
                fact.grows |= idents.iter().any(|i| growing.contains(i));
            }
        }
    }

    fn attr_routes(&mut self, attrs: &[syn::Attribute], key: &str) {
        for (method, path, span) in super::routes::attr_routes(attrs) {
            let span = span_of(self.source, span);
            let span = Span::new(span.start, self.source.end_of_line(span.start));
            self.facts.routes.push(RouteFact {
                span,
                method: method.to_string(),
                path,
                handler: Some(key.to_string()),
                layered: false,
                in_fn: None,
            });
        }
    }

    fn fn_body(&mut self, name: String, sig: &syn::Signature, block: &syn::Block) {
        let saved_fn = self.fn_name.replace(name.clone());
        let params = sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(t) => pat_ident(&t.pat),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let saved_params = std::mem::replace(&mut self.fn_params, params);
        let saved_sleeps = std::mem::take(&mut self.sleep_idents);
        // An extractor named for idempotency (`key: IdempotencyKey`) is a check.
        if sig.inputs.iter().any(|a| match a {
            syn::FnArg::Typed(t) => {
                super::routes::type_mentions_idempotency(&t.ty)
                    || pat_ident(&t.pat).is_some_and(|p| super::routes::names_idempotency(&p))
            }
            syn::FnArg::Receiver(_) => false,
        }) {
            self.facts.idem_fns.push(name.clone());
        }
        self.scopes.push(Scope::default());
        // Parameters are values callers pass in: bind them so their uses are recorded.
        let typed = sig.inputs.iter().filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        });
        for (index, t) in typed.enumerate() {
            // Only parameters whose type may be a client: tracking every parameter
            // would record calls on strings and maps too.
            if !may_be_client(&t.ty) {
                continue;
            }
            if let Some(p) = pat_ident(&t.pat) {
                let h = self.new_handle(Origin::Param {
                    function: name.clone(),
                    index,
                });
                self.scope().vars.insert(p, h);
            }
        }
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == n => {
                    if let Some(h) = self.expr(e) {
                        self.scope().returns.push(h);
                    }
                }
                _ => self.visit_stmt(stmt),
            }
        }
        let scope = self.scopes.pop().unwrap_or_default();
        if !self.sleep_idents.is_empty() {
            self.settle_sleeps(block);
        }
        self.fn_name = saved_fn;
        self.fn_params = saved_params;
        self.sleep_idents = saved_sleeps;
        if !scope.returns.is_empty() {
            self.facts.fns.push(FnFact {
                name,
                returns: scope.returns,
            });
        }
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        self.expr(e);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        for a in &l.attrs {
            self.visit_attribute(a);
        }
        if let Some(init) = &l.init {
            let h = self.expr(&init.expr);
            if let (Some(h), Some(name)) = (h, pat_ident(&l.pat)) {
                self.scope().vars.insert(name, h);
            }
            if let Some((_, diverge)) = &init.diverge {
                self.expr(diverge);
            }
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.mac(m);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            let key = f.sig.ident.to_string();
            self.attr_routes(&f.attrs, &key);
            self.fn_body(key, &f.sig, &f.block);
        }
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.idempotency_evidence(&s.value());
    }

    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        if self.scan_idempotency {
            self.idempotency_evidence(&i.to_string());
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test(&i.attrs) {
            return;
        }
        let ty = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let saved = std::mem::replace(&mut self.impl_type, ty);
        visit::visit_item_impl(self, i);
        self.impl_type = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        let name = match &self.impl_type {
            Some(t) => format!("{t}::{}", f.sig.ident),
            None => f.sig.ident.to_string(),
        };
        self.attr_routes(&f.attrs, &name);
        self.fn_body(name, &f.sig, &f.block);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            if !is_test(&f.attrs) {
                self.fn_body(f.sig.ident.to_string(), &f.sig, block);
            }
        }
    }
}

/// Drops factory-call handles nothing was done with, renumbering the rest.
fn prune(mut facts: FileFacts) -> FileFacts {
    let returned: std::collections::HashSet<usize> = facts
        .fns
        .iter()
        .flat_map(|f| f.returns.iter().copied())
        .chain(facts.arg_passes.iter().map(|(_, _, h)| *h))
        .chain(facts.field_binds.iter().map(|(_, h)| *h))
        .collect();
    let keep: Vec<bool> = facts
        .handles
        .iter()
        .enumerate()
        .map(|(i, h)| {
            matches!(h.origin, Origin::Client { .. })
                || !h.chains.is_empty()
                || returned.contains(&i)
        })
        .collect();
    let mut new_index = vec![usize::MAX; keep.len()];
    let mut next = 0;
    for (i, k) in keep.iter().enumerate() {
        if *k {
            new_index[i] = next;
            next += 1;
        }
    }
    let handles = std::mem::take(&mut facts.handles);
    facts.handles = handles
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(h, _)| h)
        .collect();
    for f in &mut facts.fns {
        f.returns = f.returns.iter().map(|&r| new_index[r]).collect();
    }
    for (_, _, h) in &mut facts.arg_passes {
        *h = new_index[*h];
    }
    for (_, h) in &mut facts.field_binds {
        *h = new_index[*h];
    }
    facts
}
