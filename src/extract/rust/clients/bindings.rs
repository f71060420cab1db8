//! Values the visitor follows beyond plain `let`s: a timeout decided by
//! configuration (`if let Some(t) = timeout { .. }`), closures bound to a name and
//! called later (`let call = || async { .. }; breaker.call(call())`), and clients
//! kept in a `static` (`LazyLock`, `once_cell::Lazy`, `OnceLock::get_or_init`), and
//! one client built on both branches of an `if` (twins).

use quote::ToTokens;
use syn::{Expr, ExprIf};

use super::syntax::{pat_ident, simple_ident};
use super::Visitor;
use crate::extract::rust::catalog::PathRole;
use crate::extract::rust::facts::{Origin, Target};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::test_code::is_test;

/// The field-key prefix of a branch placeholder ([`Visitor::one_of`]).
const BRANCHES: &str = "#branches@";

/// Whether a field placeholder's name is an `if`'s or `match`'s value ([`BRANCHES`]).
pub(super) fn is_branches(name: &str) -> bool {
    name.starts_with(BRANCHES)
}

/// Lazy cells whose constructor takes the closure that builds the value.
const LAZY_CELLS: &[&str] = &["LazyLock", "Lazy", "LazyCell"];

/// `OnceLock`/`OnceCell` methods whose closure argument builds the value.
pub(super) const GET_OR_INIT: &[&str] = &["get_or_init", "get_or_try_init"];

/// `Lazy::new(|| ..)`, `LazyLock::new(..)`: the path of a lazy cell's constructor.
pub(super) fn is_lazy_new(path: &syn::Path) -> bool {
    let n = path.segments.len();
    n >= 2
        && path.segments[n - 1].ident == "new"
        && LAZY_CELLS.iter().any(|c| path.segments[n - 2].ident == c)
}

/// `if let Some(name) = value`: the bound name and the `let`.
fn some_binding(i: &ExprIf) -> Option<(String, &syn::ExprLet)> {
    let Expr::Let(l) = &*i.cond else { return None };
    let syn::Pat::TupleStruct(ts) = &*l.pat else {
        return None;
    };
    let is_some = ts.path.segments.last().is_some_and(|s| s.ident == "Some");
    let bound = ts.elems.first().and_then(pat_ident).filter(|_| is_some)?;
    Some((bound, l))
}

/// A `static`'s name as written: upper-case (`HTTP_CLIENT`), the Rust convention.
pub(super) fn is_static_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Visitor<'_, '_> {
    /// The value a lazy cell's initialiser makes: a closure's
    /// ([`Self::closure_value`]), or a constructor's named by its path
    /// (`LazyLock::new(reqwest::Client::new)`, `CLIENT.get_or_init(Client::new)`), as
    /// its call with no argument would.
    pub(super) fn cell_init_value(&mut self, e: &Expr) -> Option<usize> {
        let Expr::Path(p) = e else {
            return self.closure_value(e);
        };
        let role = self.path_role(&p.path);
        if !matches!(role, Some((PathRole::Constructor(_), _))) {
            return self.expr(e);
        }
        let last = p.path.segments.last()?.ident.span();
        let call = syn::ExprCall {
            attrs: Vec::new(),
            func: Box::new(e.clone()),
            paren_token: syn::token::Paren(last),
            args: Default::default(),
        };
        self.call(&call)
    }

    /// The value a closure evaluates to (`|| Client::builder().build().unwrap()`),
    /// an async one's too (`|| async { endpoint.connect().await }`).
    pub(super) fn closure_value(&mut self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Closure(c) => self.closure_value(&c.body),
            Expr::Paren(p) => self.closure_value(&p.expr),
            Expr::Block(b) => self.block_value(&b.block),
            Expr::Async(a) => self.block_value(&a.block),
            _ => self.expr(e),
        }
    }

    /// Visits a block and returns the value of its trailing expression.
    pub(super) fn block_value(&mut self, b: &syn::Block) -> Option<usize> {
        let n = b.stmts.len();
        let mut value = None;
        for (i, stmt) in b.stmts.iter().enumerate() {
            self.before_stmt(&b.stmts, i);
            match stmt {
                syn::Stmt::Expr(e, None) if i + 1 == n => value = self.expr(e),
                _ => syn::visit::Visit::visit_stmt(self, stmt),
            }
        }
        value
    }

    /// `static NAME: LazyLock<Client> = LazyLock::new(|| ..)`: the client the
    /// package keeps under `NAME`.
    pub(super) fn item_static(&mut self, s: &syn::ItemStatic) {
        // `#[cfg(test)] static CLIENT: .. = ..;` beside its release twin
        // `#[cfg(not(test))]` (transFAIR's): only tests build it.
        if !is_test(&s.attrs) {
            self.static_init(&s.ident, &s.expr);
        }
    }

    /// `lazy_static! { static ref NAME: Client = Client::builder()..; }`: each
    /// static of the macro, as `item_static` takes a `static` (vigil keeps its
    /// probe and notifier clients so).
    pub(super) fn lazy_statics(&mut self, m: &syn::Macro) {
        let statics = crate::extract::rust::front::macros::lazy_statics(m);
        for (name, init) in statics.iter().flatten() {
            self.static_init(name, init);
        }
    }

    fn static_init(&mut self, name: &syn::Ident, init: &syn::Expr) {
        let saved = self.fn_name.replace(format!("static {name}"));
        if let Some(h) = self.expr(init) {
            self.facts.static_binds.push((name.to_string(), h));
        }
        self.fn_name = saved;
    }

    /// A use of an upper-case name that no `let` binds: a placeholder for the value the
    /// package keeps in that `static` (joined in the link step).
    pub(super) fn static_use(&mut self, name: &str) -> Option<usize> {
        if !is_static_name(name) || self.fn_name.is_none() {
            return None;
        }
        if let Some(&h) = self.statics.get(name) {
            return Some(h);
        }
        let h = self.new_handle(Origin::Static {
            name: name.to_string(),
        });
        self.statics.insert(name.to_string(), h);
        Some(h)
    }

    /// `x.<field>` used for a request: a placeholder for what the package's struct
    /// literals store in a field of that name.
    pub(super) fn static_use_field(&mut self, field: &syn::Ident) -> Option<usize> {
        let key = format!(".{field}");
        if let Some(&h) = self.statics.get(&key) {
            return Some(h);
        }
        let h = self.new_handle(Origin::Static { name: key.clone() });
        self.statics.insert(key, h);
        Some(h)
    }

    /// `let name = || ..;`: the closure's body is visited as a function of its own
    /// (link key `<fn>::{closure name}`), so that calling it inside a breaker's
    /// `call` guards the requests in it, like calling a function does.
    pub(super) fn let_closure(&mut self, name: String, c: &syn::ExprClosure) {
        let key = format!(
            "{}::{{closure {name}}}",
            self.fn_name.as_deref().unwrap_or("")
        );
        let saved = self.fn_name.replace(key.clone());
        self.expr(&c.body);
        self.fn_name = saved;
        self.scope().closures.insert(name, key);
    }

    /// The link key of a closure bound by `let` in this function, by name.
    pub(super) fn closure_key(&self, name: &str) -> Option<String> {
        self.scopes.last()?.closures.get(name).cloned()
    }

    /// `if let Some(t) = timeout { ..t.. } else { .. }` whose first branch bounds
    /// something with `t`: a timeout decided by configuration. Calls passing `t` in
    /// the first branch, and calls on the `else` branch, are `configurable`.
    pub(super) fn if_optional(&mut self, i: &ExprIf) -> bool {
        let Some((bound, l)) = some_binding(i) else {
            return false;
        };
        if !super::syntax::mentions(&i.then_branch.to_token_stream(), &["timeout"]) {
            return false;
        }
        // `if let Some(client) = self.client.clone() { timeout(t, client.get(u).send()) }`:
        // a client, not a configured timeout ([`Self::if_let_some`]).
        if let Some(h) = self.expr(&l.expr) {
            self.bind_some(bound, h, i);
            return true;
        }
        self.optional.push(bound);
        self.scopes_block(&i.then_branch);
        self.optional.pop();
        if let Some((_, e)) = &i.else_branch {
            self.configurable += 1;
            self.expr(e);
            self.configurable -= 1;
        }
        true
    }

    /// `if let Some(client) = self.client.clone() { .. }`: a client kept in an
    /// `Option` (tremor's HTTP sink, built on connect); the bound name is the value
    /// the expression holds, as a `let` binds it. Any other `if let Some(..)` is
    /// valued as an `if` is (`let ctor = if let Some(tls) = &config.tls { ..;
    /// builder.use_preconfigured_tls(c).build() } else { builder.build() }`: both
    /// clients are the value). `None`: not an `if let Some(..)`.
    pub(super) fn if_let_some(&mut self, i: &ExprIf) -> Option<Option<usize>> {
        let (bound, l) = some_binding(i)?;
        match self.expr(&l.expr) {
            Some(h) => {
                self.bind_some(bound, h, i);
                Some(None)
            }
            None => {
                let mut values: Vec<usize> = self.block_value(&i.then_branch).into_iter().collect();
                if let Some((_, e)) = &i.else_branch {
                    values.extend(self.branch_value(e));
                }
                Some(self.one_of(values, i.if_token.span))
            }
        }
    }

    /// `match Endpoint::from_shared(s) { Ok(ep) => ep.timeout(d), Err(e) => .. }`: a
    /// client matched binds the arms' `Ok(x)`/`Some(x)` to it. The match's value, on a
    /// client or anything else, is every arm's handle ([`Self::one_of`]: `Ok(ep) => ep`
    /// hands the client on; `"https" => Channel::builder(uri).tls_config(t)?` and `_ =>
    /// Channel::builder(uri)` are both the binding's).
    pub(super) fn match_value(&mut self, m: &syn::ExprMatch) -> Option<usize> {
        let on_self = matches_on_self(&m.expr);
        let Some(h) = self.expr(&m.expr) else {
            // `match uri.scheme() { "http" => Channel::builder(uri), "https" =>
            // Channel::builder(uri).tls_config(tls)?, .. }`: the value of every arm.
            let mut values = Vec::new();
            for arm in &m.arms {
                if on_self {
                    self.bind_variant_fields(&arm.pat);
                }
                if let Some((_, guard)) = &arm.guard {
                    self.expr(guard);
                }
                values.extend(self.branch_value(&arm.body));
            }
            return self.one_of(values, m.match_token.span);
        };
        let mut values = Vec::new();
        for arm in &m.arms {
            if on_self {
                self.bind_variant_fields(&arm.pat);
            }
            if let syn::Pat::TupleStruct(t) = &arm.pat {
                let wraps = t.path.is_ident("Ok") || t.path.is_ident("Some");
                if let (true, Some(p)) = (wraps && t.elems.len() == 1, t.elems.first()) {
                    if let Some(name) = pat_ident(p) {
                        self.scope().vars.insert(name, h);
                    }
                }
            }
            if let Some((_, guard)) = &arm.guard {
                self.expr(guard);
            }
            let mark = self.facts.handles.len();
            let value = self.branch_value(&arm.body);
            // `match builder.timeout(d).build() { Ok(c) => c, Err(e) => { warn!(..);
            // Client::new() } }`: the failed build's fallback (bindy), as with
            // `unwrap_or_else(|_| Client::new())`.
            if is_err_arm(&arm.pat) && super::handles::is_build(&m.expr) {
                let before = self.fallbacks.len();
                let client = matches!(self.facts.handles[h].origin, Origin::Client(_));
                if client {
                    self.drop_fallbacks(h, mark);
                } else {
                    self.drop_untracked_fallbacks(mark);
                }
                if self.fallbacks[before..].iter().any(|f| value == Some(*f)) {
                    continue;
                }
            }
            values.extend(value);
        }
        self.one_of(values, m.match_token.span)
    }

    /// `match self { Client::Http { client } => client.request(req) }` (hive-router's
    /// coprocessor client, an enum over transports, dispatching over its own variants):
    /// each field a struct pattern binds to a name
    /// is that variant's field, whatever the literals of the file store there
    /// (`Client::Http { client }` built in a constructor; [`Self::field_key`] by the
    /// variant's name).
    fn bind_variant_fields(&mut self, pat: &syn::Pat) {
        let syn::Pat::Struct(ps) = pat else { return };
        let Some(variant) = ps.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        for f in &ps.fields {
            let (syn::Member::Named(n), Some(var)) = (&f.member, pat_ident(&f.pat)) else {
                continue;
            };
            let name = n.to_string();
            let known = self.fields.get(&name).and_then(|of| {
                of.iter()
                    .find(|(t, _)| t.as_deref() == Some(variant.as_str()))
                    .map(|(_, h)| *h)
            });
            let h = known.unwrap_or_else(|| self.field_placeholder(Some(&variant), &name));
            self.scope().vars.insert(var, h);
        }
    }

    /// `x = value`: what `x` holds afterwards. A variable declared with no value and
    /// assigned on each branch (`let channel: Channel; if tls { channel = .. } else {
    /// channel = .. }`, ServerStatus-Rust's probe) holds every assignment's value, as an
    /// `if`'s value does ([`Self::one_of`]); any other assignment replaces the value.
    pub(super) fn assign(&mut self, a: &syn::ExprAssign) {
        self.note_assign(&a.left);
        self.note_timed_field(a);
        let mut h = self.expr(&a.right);
        let deferred = (!self.scope().deferred.is_empty())
            .then(|| simple_ident(&a.left))
            .flatten()
            .filter(|n| self.scope().deferred.contains(n));
        if let (Some(name), Some(new)) = (deferred, h) {
            if let Some(&old) = self.scope().vars.get(&name) {
                h = self.one_of(vec![old, new], a.eq_token.span);
            }
        }
        self.bind(&a.left, h);
    }

    /// `let b = if secure { Client::builder().https_only(true) } else {
    /// Client::builder() }`: the value of either branch.
    pub(super) fn if_value(&mut self, i: &ExprIf) -> Option<usize> {
        self.expr(&i.cond);
        // `if url == "http://localhost:8042" { .. }`: in the branch, `url` is local,
        // and so is a client built there.
        let guard = super::address::local_guard(&i.cond);
        let (var, why) = guard.map_or((None, None), |(v, w)| (v, Some(w)));
        let shadowed = (var.as_ref().zip(why.as_ref())).map(|(v, w)| {
            self.scope()
                .local_targets
                .insert(v.clone(), Target::Local(w.clone()))
        });
        let outer = match why {
            Some(w) => self.local_branch.replace(w),
            None => self.local_branch.clone(),
        };
        let mut values: Vec<usize> = self.block_value(&i.then_branch).into_iter().collect();
        self.local_branch = outer;
        if let (Some(var), Some(shadowed)) = (var, shadowed) {
            let targets = &mut self.scope().local_targets;
            match shadowed {
                Some(before) => targets.insert(var, before),
                None => targets.remove(&var),
            };
        }
        if let Some((_, e)) = &i.else_branch {
            values.extend(self.branch_value(e));
        }
        self.one_of(values, i.if_token.span)
    }

    /// The value of a branch: a block's trailing expression, or the expression.
    fn branch_value(&mut self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Block(b) if b.label.is_none() => self.block_value(&b.block),
            _ => self.expr(e),
        }
    }

    /// The value of an `if` or `match` (at `at`) whose branches evaluate to `values`:
    /// the one handle, or, for two or more, a placeholder every one of them is bound
    /// to (as values stored in one field meet its uses, [`super::fields`]), so that
    /// what is then done with the value (`b.timeout(d)`) happens to each.
    pub(super) fn one_of(
        &mut self,
        mut values: Vec<usize>,
        at: proc_macro2::Span,
    ) -> Option<usize> {
        values.dedup();
        if values.len() < 2 {
            return values.first().copied();
        }
        let start = at.start();
        let key = format!("{BRANCHES}{}:{}", start.line, start.column);
        let placeholder = self.new_handle(Origin::Field { name: key.clone() });
        for h in values {
            self.bind_field(key.clone(), h);
        }
        Some(placeholder)
    }

    /// The catalogue APIs of the clients an `if`'s branches build, when handle `h` is
    /// the placeholder of [`Self::one_of`] and every branch's value is a client built
    /// in place; empty otherwise.
    pub(super) fn branch_apis(&self, h: usize) -> Vec<usize> {
        let Origin::Field { name } = &self.facts.handles[h].origin else {
            return Vec::new();
        };
        if !name.starts_with(BRANCHES) {
            return Vec::new();
        }
        let mut apis = Vec::new();
        for (_, v) in self.facts.field_binds.iter().filter(|(k, _)| k == name) {
            match &self.facts.handles[*v].origin {
                Origin::Client(c) => apis.push(c.api),
                _ => return Vec::new(),
            }
        }
        apis
    }

    /// A function's returned values with each branch placeholder of [`Self::one_of`]
    /// replaced by the values it stands for (`if tls { A } else { B }` returns both
    /// builders): a caller's chain (`make().timeout(d).build()`) then meets each of
    /// them, as it meets a single returned builder.
    pub(super) fn branch_values(&self, returns: Vec<usize>) -> Vec<usize> {
        let key = |h: usize| match &self.facts.handles[h].origin {
            Origin::Field { name } if name.starts_with(BRANCHES) => Some(name),
            _ => None,
        };
        if !returns.iter().any(|&h| key(h).is_some()) {
            return returns;
        }
        let mut out = Vec::with_capacity(returns.len() + 1);
        let mut todo: Vec<usize> = returns.into_iter().rev().collect();
        // Nested placeholders (an `if` inside a `match` arm) expand in turn, each once.
        let mut seen = Vec::new();
        while let Some(h) = todo.pop() {
            let Some(name) = key(h) else {
                if !out.contains(&h) {
                    out.push(h);
                }
                continue;
            };
            if seen.contains(&h) {
                continue;
            }
            seen.push(h);
            let bound = self.facts.field_binds.iter().filter(|(k, _)| k == name);
            let values: Vec<usize> = bound.map(|(_, v)| *v).collect();
            todo.extend(values.into_iter().rev());
        }
        out
    }

    /// Binds `bound` to handle `h` and visits both branches of `if let Some(bound) = ..`.
    fn bind_some(&mut self, bound: String, h: usize, i: &ExprIf) {
        self.scope().vars.insert(bound, h);
        syn::visit::Visit::visit_block(self, &i.then_branch);
        if let Some((_, e)) = &i.else_branch {
            self.expr(e);
        }
    }

    fn scopes_block(&mut self, b: &syn::Block) {
        for stmt in &b.stmts {
            syn::visit::Visit::visit_stmt(self, stmt);
        }
    }

    /// Whether a call with these arguments is decided by configuration.
    pub(super) fn is_configurable<'e>(&self, args: impl IntoIterator<Item = &'e Expr>) -> bool {
        self.configurable > 0
            || (!self.optional.is_empty()
                && args.into_iter().any(|a| {
                    super::syntax::simple_ident(a).is_some_and(|n| self.optional.contains(&n))
                }))
    }
}

impl Visitor<'_, '_> {
    /// The value a path names: a tracked variable, a closure handed to a breaker, or a
    /// `static` of the package.
    pub(super) fn path_value(&mut self, path: &syn::Path) -> Option<usize> {
        // Most paths name nothing tracked: check cheap signs before naming them. The
        // last name's text is read once for both questions (a variable of this scope,
        // a `static`'s name): reading an identifier costs more than either lookup.
        let last = &path.segments.last()?.ident;
        let vars = &self.scopes.last()?.vars;
        let lookup = path.get_ident().is_some() && !vars.is_empty();
        let (var, is_static) = with_ident_str(last, |name| {
            let var = if lookup {
                vars.get(name).copied()
            } else {
                None
            };
            (var, var.is_none() && is_static_name(name))
        });
        if var.is_some() {
            return var;
        }
        if self.breaker > 0 && path.segments.len() == 1 {
            if let Some(key) = self.closure_key(&last.to_string()) {
                self.facts.breaker_callees.push(key);
                return None;
            }
        }
        if !is_static {
            return None;
        }
        self.static_use(&last.to_string())
    }
}

impl Visitor<'_, '_> {
    /// `let b = if c { A } else { B }` where both branches build a client of one
    /// API (among the handles made from `mark` on): the `else` one is the `then`
    /// one's twin ([`crate::extract::rust::facts::ClientOrigin::twin_of`]).
    pub(super) fn mark_twins(&mut self, i: &syn::ExprIf, mark: usize) {
        let Some((_, else_branch)) = &i.else_branch else {
            return;
        };
        let split = self
            .pos
            .span(syn::spanned::Spanned::span(&**else_branch))
            .start;
        let first: Vec<(usize, usize)> = (mark..self.facts.handles.len())
            .filter_map(|h| match &self.facts.handles[h].origin {
                Origin::Client(c) if c.span.start < split => Some((c.api, c.span.start)),
                _ => None,
            })
            .collect();
        for h in &mut self.facts.handles[mark..] {
            if let Origin::Client(c) = &mut h.origin {
                if c.span.start >= split {
                    c.twin_of = first.iter().find(|(api, _)| *api == c.api).map(|(_, t)| *t);
                }
            }
        }
    }
}

/// `match self`, `match *self`, `match &self`: an enum's method over its own variants.
fn matches_on_self(mut e: &Expr) -> bool {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Path(p) => return p.path.is_ident("self"),
            _ => return false,
        };
    }
}

/// Whether a `match`'s scrutinee is a builder's `build()` (whose `Err` arm is the
/// failed build's).
/// `Err(..)` or `_`: an arm a failed build may take.
fn is_err_arm(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(t) => t.path.is_ident("Err"),
        syn::Pat::Wild(_) => true,
        _ => false,
    }
}
