//! Paths and expressions: resolution of routing names, blocks, statements,
//! `let` bindings, and the abstract value ([`Val`]) of an expression.

use super::*;
use crate::extract::rust::front::items::Items;

impl Summarizer<'_> {
    /// A path with its first segment replaced by what `use` imported under that name,
    /// then a dependency renamed in `Cargo.toml` by its package's name (the front
    /// end's resolver; test code's `use`s only when test code is read).
    pub(super) fn resolve(&self, segs: &[String]) -> Vec<String> {
        self.imports.path(segs, !self.cat.skip_test_code)
    }

    /// The module a handler's written path resolves into, through the file's
    /// imports: `workflows` of `workflows::run` or of `run` imported from
    /// `crate::handler::workflows`; `None` for a bare name of this file or a path
    /// into `self`, `super` or the crate root.
    pub(super) fn handler_module(&self, written: &str) -> Option<String> {
        let segs: Vec<String> = written.split("::").map(str::to_string).collect();
        let resolved = self.resolve(&segs);
        let module = resolved.len().checked_sub(2).map(|i| &resolved[i])?;
        (!matches!(module.as_str(), "self" | "super" | "crate")).then(|| module.clone())
    }

    pub(super) fn framework_head(&self, resolved: &[String]) -> bool {
        let fw = &self.cat.frameworks;
        // A bare name: a glob's (`use loco_rs::prelude::*; post(create)`), whatever
        // crate re-exports the framework.
        let Some(head) = resolved.first().filter(|_| resolved.len() > 1) else {
            return true;
        };
        // A path into the crate itself names a framework only as a re-export of one.
        let own = matches!(head.as_str(), "crate" | "self" | "super");
        has(&fw.crates, head) || (has(&fw.modules, head) && (!own || self.framework_in_reach()))
    }

    /// Whether a framework can be in reach of a path into the crate itself: the
    /// package depends on one, or on a package of the run (which may re-export one),
    /// or its manifest is unknown. A command-line tool's own `api::get(request)`
    /// (`crate::api::get`) is no method router (jira-terminal). Asked only of such
    /// paths, which are rare.
    fn framework_in_reach(&self) -> bool {
        let crates = &self.cat.frameworks.crates;
        (self.imports.deps())
            .is_none_or(|d| d.has_local() || crates.iter().any(|c| d.depends_on(c)))
    }

    /// The method a call path names, if it comes from a framework (`post`, `web::post`,
    /// `axum::routing::post`; not `ureq::post`, nor a bare `get(key)` calling a function
    /// the file defines itself: gitbucket-cli's `ConfigCommands::Get { key } => get(key)`).
    pub(super) fn method_fn(&self, segs: &[String]) -> Option<String> {
        let last = segs.last()?;
        let m = self.cat.method_of(last)?;
        if segs.len() == 1 && self.imports.defines(last) && !self.imports.binds(last) {
            return None;
        }
        self.framework_head(&self.resolve(segs))
            .then(|| m.to_string())
    }

    // ---- expressions -----------------------------------------------------------

    pub(super) fn block(&mut self, b: &syn::Block, cx: &mut FnCtx, depth: usize) -> Val {
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

    pub(super) fn stmt(&mut self, stmt: &syn::Stmt, cx: &mut FnCtx, depth: usize) -> Val {
        match stmt {
            syn::Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    let v = self.eval(&init.expr, cx, depth + 1);
                    if let Some((_, diverge)) = &init.diverge {
                        let d = self.eval(diverge, cx, depth + 1);
                        self.discard(d);
                    }
                    let other = matches!(v, Val::Other);
                    self.bind(&local.pat, v, cx);
                    if other {
                        self.note_method_var(&local.pat, &init.expr, cx);
                        self.note_layer_closure(&local.pat, &init.expr, cx);
                    }
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

    /// `let auth = || middleware::from_fn(..);`: a closure of no parameters that
    /// makes a layer, which `auth()` then stands for.
    fn note_layer_closure(&self, pat: &syn::Pat, e: &syn::Expr, cx: &mut FnCtx) {
        let (syn::Pat::Ident(pi), syn::Expr::Closure(c)) = (pat, e) else {
            return;
        };
        if !c.inputs.is_empty() {
            return;
        }
        if let Some(by) = self.layer_in(&c.body, cx) {
            cx.layer_closures.insert(pi.ident.to_string(), by);
        }
    }

    pub(super) fn bind(&mut self, pat: &syn::Pat, v: Val, cx: &mut FnCtx) {
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

    pub(super) fn eval_discard(&mut self, e: &syn::Expr, cx: &mut FnCtx, depth: usize) {
        let v = self.eval(e, cx, depth);
        self.discard(v);
    }

    pub(super) fn eval(&mut self, e: &syn::Expr, cx: &mut FnCtx, depth: usize) -> Val {
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
            _ => {
                self.walk_effects(e, cx, d);
                Val::Other
            }
        }
    }

    /// The expressions whose value is of no interest (`Val::Other`) but whose parts
    /// may build routers: closures, assignments, `return`, control flow, literals of
    /// arrays, tuples and structs, operators.
    fn walk_effects(&mut self, e: &syn::Expr, cx: &mut FnCtx, d: usize) {
        match e {
            syn::Expr::Closure(c) => {
                self.eval_discard(&c.body, cx, d);
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
                        return;
                    }
                }
                self.discard(v);
            }
            syn::Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    let v = self.eval(x, cx, d);
                    self.returned(v, cx);
                }
            }
            syn::Expr::If(i) => {
                self.eval_discard(&i.cond, cx, d);
                let v = self.block(&i.then_branch, cx, d);
                self.discard(v);
                if let Some((_, e)) = &i.else_branch {
                    self.eval_discard(e, cx, d);
                }
            }
            syn::Expr::Match(m) => {
                self.eval_discard(&m.expr, cx, d);
                for arm in &m.arms {
                    self.eval_discard(&arm.body, cx, d);
                }
            }
            syn::Expr::While(w) => {
                self.eval_discard(&w.cond, cx, d);
                let v = self.block(&w.body, cx, d);
                self.discard(v);
            }
            syn::Expr::ForLoop(f) => {
                self.eval_discard(&f.expr, cx, d);
                let v = self.block(&f.body, cx, d);
                self.discard(v);
            }
            syn::Expr::Loop(l) => {
                let v = self.block(&l.body, cx, d);
                self.discard(v);
            }
            _ => self.walk_parts(e, cx, d),
        }
    }

    /// The parts of a `let` condition, an array, tuple or struct literal, an
    /// operator or a field access.
    fn walk_parts(&mut self, e: &syn::Expr, cx: &mut FnCtx, d: usize) {
        match e {
            syn::Expr::Let(l) => {
                self.eval_discard(&l.expr, cx, d);
            }
            syn::Expr::Array(a) => {
                for x in a.elems.items() {
                    self.eval_discard(x, cx, d);
                }
            }
            syn::Expr::Tuple(t) => {
                for x in t.elems.items() {
                    self.eval_discard(x, cx, d);
                }
            }
            syn::Expr::Struct(s) => {
                for f in s.fields.items() {
                    self.eval_discard(&f.expr, cx, d);
                }
            }
            syn::Expr::Binary(b) => {
                self.eval_discard(&b.left, cx, d);
                self.eval_discard(&b.right, cx, d);
            }
            syn::Expr::Unary(u) => {
                self.eval_discard(&u.expr, cx, d);
            }
            syn::Expr::Field(f) => {
                self.eval_discard(&f.base, cx, d);
            }
            _ => {}
        }
    }

    pub(super) fn path_value(&self, path: &syn::Path, cx: &FnCtx) -> Val {
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
    pub(super) fn join(&self, from: proc_macro2::Span, to: proc_macro2::Span) -> Span {
        let a = self.span(from);
        let b = self.span(to);
        Span::new(a.start, b.end.max(a.start))
    }

    pub(super) fn handler_of(&self, e: &syn::Expr) -> Option<Handler> {
        match e {
            // `use symbolicate::symbolicate_frames as symbolicate; post(symbolicate)`:
            // the handler is `symbolicate_frames`, not another `symbolicate` that
            // happens to share the alias's name.
            syn::Expr::Path(p) => {
                let segs = crate::extract::rust::front::paths::segments(&p.path);
                let written = (!segs.is_empty()).then(|| segs.join("::"));
                self.resolve(&segs)
                    .pop()
                    .or_else(|| last_ident(&p.path))
                    .map(|name| Handler::Named(name, written))
            }
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
    /// `let filter = MethodFilter::DELETE.or(MethodFilter::GET)` (or `A | B`): the
    /// methods the variable names, for an `on(filter, h)` below. Only an expression
    /// rooted at a constant's path (`MethodFilter::GET`) is read.
    fn note_method_var(&self, pat: &syn::Pat, init: &syn::Expr, cx: &mut FnCtx) {
        let syn::Pat::Ident(pi) = pat else { return };
        let mut root = init;
        loop {
            root = match root {
                syn::Expr::MethodCall(m) => &m.receiver,
                syn::Expr::Binary(b) => &b.left,
                syn::Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        let syn::Expr::Path(p) = root else { return };
        let constant = p.path.segments.len() >= 2
            && p.path.segments.last().is_some_and(|s| {
                s.ident
                    .to_string()
                    .starts_with(|c: char| c.is_ascii_uppercase())
            });
        if constant {
            let methods = self.methods_in(init);
            if !methods.is_empty() {
                cx.method_vars.insert(pi.ident.to_string(), methods);
            }
        }
    }

    /// The methods an argument names: its constants (`MethodFilter::POST`), or a
    /// variable's ([`Self::note_method_var`]).
    pub(super) fn methods_of(&self, e: &syn::Expr, cx: &FnCtx) -> Vec<String> {
        let methods = self.methods_in(e);
        if !methods.is_empty() || cx.method_vars.is_empty() {
            return methods;
        }
        match e {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| cx.method_vars.get(&i.to_string()).cloned())
                .unwrap_or_default(),
            _ => methods,
        }
    }

    pub(super) fn methods_in(&self, e: &syn::Expr) -> Vec<String> {
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
}
