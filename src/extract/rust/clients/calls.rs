//! Calls and method chains: constructors, factories, wrappers, breakers,
//! and the calls made on tracked values.

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprCall, Token};

use super::syntax::*;
use super::Visitor;
use crate::extract::rust::catalog::{has, PathRole};
use crate::extract::rust::facts::{CallFact, Chain, ClientOrigin, Origin, Target};
use crate::extract::rust::front::ident::with_ident_str;

/// `Ok(x)`, `Some(x)`, `Arc::new(x)`, `Arc::clone(&x)`, ...: the value is the
/// argument's.
fn is_transparent(path: &syn::Path) -> bool {
    let mut rev = path.segments.iter().rev();
    let Some(last) = rev.next() else { return false };
    match rev.next() {
        None => last.ident == "Ok" || last.ident == "Some",
        Some(ty) if last.ident == "clone" => ty.ident == "Arc" || ty.ident == "Rc",
        Some(ty) => {
            last.ident == "new"
                && ["Arc", "Rc", "Box", "Mutex", "RwLock"]
                    .iter()
                    .any(|w| ty.ident == w)
        }
    }
}

impl Visitor<'_, '_> {
    /// `config::Builder::from` as written or as imported: a service's configuration
    /// builder (`aws_sdk_s3::config::Builder`).
    fn sdk_config_builder(&self, segs: &[String]) -> bool {
        let is_config = |p: &[String]| p.len() >= 3 && p[p.len() - 3] == "config";
        is_config(segs) || self.imports.resolve(segs).iter().any(|p| is_config(p))
    }

    /// [`Self::role`] of a path as written; most paths end in a name no catalogue
    /// entry ends in, and are turned down before the path is built.
    pub(super) fn path_role(&self, path: &syn::Path) -> Option<(PathRole, Vec<String>)> {
        let last = &path.segments.last()?.ident;
        if !with_ident_str(last, |l| self.ctx.catalog.may_match(l)) {
            return None;
        }
        self.role(&segments(path))
    }

    pub(super) fn call(&mut self, c: &ExprCall) -> Option<usize> {
        if super::runners::has_closure_arg(c) {
            self.paced |= super::runners::HAS_CLOSURE_ARG;
        }
        let Expr::Path(fp) = &*c.func else {
            self.expr(&c.func);
            for a in &c.args {
                self.expr(a);
            }
            return None;
        };
        if c.args.len() == 1 && is_transparent(&fp.path) {
            return self.expr(&c.args[0]);
        }
        // `Err(e)`: an error, never a client (`tls.map_or_else(|| Err(..), |t| Ok(b))`
        // is worth the builder alone).
        if fp.path.is_ident("Err") {
            for a in &c.args {
                self.expr(a);
            }
            return None;
        }
        if c.args.len() == 1 && super::bindings::is_lazy_new(&fp.path) {
            return self.cell_init_value(&c.args[0]);
        }
        let segs = segments(&fp.path);
        let n = segs.len();
        let last = segs.last().map(String::as_str).unwrap_or("");
        if self.ctx.catalog.browser_login.may_open(last) {
            self.note_browser_opener(&segs);
        }
        if self.serverless {
            self.note_function_call(&segs, last);
        }
        if let Some(done) = self.role_call(c, self.role(&segs)) {
            return done;
        }
        if self.ctx.catalog.retry.may_run(last) && self.runs_retry(&segs) {
            return self.retried_value(c);
        }
        if self.wraps_channel(&segs) {
            return self.channel_wrapper(c, &segs);
        }
        // A service's configuration built from a loaded shared one (the AWS SDKs'
        // `aws_sdk_sns::config::Builder::from(&shared_config)`, also as `Builder::from`
        // after `use aws_sdk_s3::config::Builder`): what its chain sets
        // (`.timeout_config(..)`) is the loaded client's.
        if last == "from" && n >= 2 && segs[n - 2] == "Builder" && self.sdk_config_builder(&segs) {
            return self.args_keep_first(&c.args);
        }
        let mut passed = Vec::new();
        let mut written = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            // `Executor::new(config.client)`: another value's field handed on, a
            // placeholder for what the package's struct literals store there.
            let field = |v: &mut Self| {
                let f = other_field(a)?;
                v.fn_name.as_ref()?;
                v.static_use_field(f)
            };
            let (h, request) = self.arg_request(a);
            written.extend(request.map(|r| (i, r)));
            if let Some(h) = h.or_else(|| field(self)) {
                self.mark_context(h);
                passed.push((i, h));
            }
        }
        // A closure bound by `let` in this function, called (`call()`).
        let closure = (n == 1).then(|| self.closure_key(&segs[0])).flatten();
        let callee = match closure {
            Some(key) => key,
            None => match self.local_callee(&segs) {
                Some(key) => key,
                None => {
                    if !passed.is_empty() {
                        if let Some(key) = self.workspace_key(&segs, false) {
                            self.workspace_passes(&key, passed);
                        }
                    }
                    // `common::http::client()`: what another package of the workspace
                    // returns, followed there ([`super::returned`]).
                    let key = self.workspace_key(&segs, true)?;
                    return Some(self.new_handle(Origin::Workspace { callee: key }));
                }
            },
        };
        for (i, a) in c.args.iter().enumerate() {
            self.note_handed_request(a, &callee, i);
        }
        for (i, req) in written {
            self.hand_request(req, &callee, i);
        }
        for &(i, h) in &passed {
            self.facts.arg_passes.push((callee.clone(), i, h));
        }
        let call = self.call_handle(callee);
        (self.facts.call_args).extend(passed.into_iter().map(|(i, h)| (call, i, h)));
        Some(call)
    }

    /// A generated client around a channel: `GreeterClient::new(channel)`, in a
    /// package depending on tonic. Elsewhere a `*Client` is a wrapper of the
    /// package's own (`DdClient::new(http, key)` storing the client in a field): the
    /// client handed to it is followed there like any argument.
    fn wraps_channel(&self, segs: &[String]) -> bool {
        let n = segs.len();
        n >= 2
            && segs[n - 2].ends_with("Client")
            && matches!(
                segs[n - 1].as_str(),
                "new" | "with_interceptor" | "with_origin"
            )
            && self.ctx.deps.is_none_or(|d| d.depends_on("tonic"))
    }

    /// [`Self::wraps_channel`]'s call: its value is the channel's. The package's own
    /// wrapper of that name (databend's `TaskClient::new(channel)` keeping the
    /// generated client in a field) meets the channel through its parameter too; a
    /// generated client (its file skipped) has none.
    fn channel_wrapper(&mut self, c: &ExprCall, segs: &[String]) -> Option<usize> {
        let first = self.args_keep_first(&c.args);
        if let (Some(h), Some(key)) = (first, self.local_callee(segs)) {
            self.facts.arg_passes.push((key, 0, h));
        }
        first
    }

    /// Whether a call by this path runs a retry of the retry catalogue.
    fn runs_retry(&self, segs: &[String]) -> bool {
        (self.imports.resolve(segs).into_iter())
            .any(|p| self.ctx.catalog.retry.is_run(&p.join("::")))
    }

    /// `Retry::spawn(strategy, || async { Channel::from_shared(u)?.connect().await })`:
    /// what the retried operation (the first closure argument) yields; the other
    /// arguments are visited.
    fn retried_value(&mut self, c: &ExprCall) -> Option<usize> {
        let mut value = None;
        for a in &c.args {
            match a {
                Expr::Closure(_) if value.is_none() => value = self.closure_value(a),
                _ => {
                    self.expr(a);
                }
            }
        }
        value
    }

    /// A call whose path the catalogue knows: a client constructor or request, a
    /// breaker, a client or timeout wrapper. `None`: not one of those.
    fn role_call(
        &mut self,
        c: &ExprCall,
        role: Option<(PathRole, Vec<String>)>,
    ) -> Option<Option<usize>> {
        let request = matches!(role, Some((PathRole::Request(_), _)));
        match role? {
            (PathRole::Constructor(api), path) | (PathRole::Request(api), path) => {
                // `reqwest::get(&url)` after `let url = format!("http://127.0.0.1:{p}/..")`.
                // `WalletClient::connect(self.adapter.grpc_address())`: what an address
                // function returns, resolved at the link step.
                let target = match c.args.first() {
                    Some(first) => {
                        let target = self.address_of(first);
                        self.destination(first, target)
                    }
                    None => None,
                };
                // `Client::new()` in the branch where the address is this host's.
                let target = match (target, &self.local_branch) {
                    (None, Some(why)) if !request => Some(Target::Local(why.clone())),
                    (target, _) => target,
                };
                for a in &c.args {
                    self.expr(a);
                }
                let wildcard_type = self.ctx.catalog.clients[api]
                    .constructors
                    .iter()
                    .any(|p| p.starts_with("**"))
                    .then(|| path.get(path.len().saturating_sub(2)).cloned())
                    .flatten();
                let origin = Origin::Client(Box::new(ClientOrigin {
                    api,
                    span: self.pos.span(c.span()),
                    constructor: path.join("::"),
                    target,
                    request,
                    wrapped: self.wrapped > 0,
                    breaker: self.breaker > 0,
                    in_fn: self.fn_name.clone(),
                    host_called: self.host_called,
                    wasm: self.wasm > 0,
                    wildcard_type,
                    twin_of: None,
                }));
                let h = self.new_handle(origin);
                self.arg_timeouts(api, &c.args, h);
                Some(Some(h))
            }
            (PathRole::Breaker(api), _) => {
                for a in &c.args {
                    self.expr(a);
                }
                Some(Some(self.new_handle(Origin::Breaker { api })))
            }
            (PathRole::ClientWrapper, _) => Some(self.args_keep_first(&c.args)),
            (PathRole::TimeoutWrapper, _) => {
                self.paced |= super::timed::HAS_TIMEOUT;
                self.wrapper_starts.push(c.paren_token.span.open().start());
                self.wrap_args(c.args.iter());
                Some(None)
            }
            _ => None,
        }
    }

    /// Visits every argument and returns the handle of the first: a wrapper or a
    /// generated client around the value passed first (`GreeterClient::new(channel)`).
    fn args_keep_first(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Option<usize> {
        let mut first = None;
        for (i, a) in args.iter().enumerate() {
            let h = self.expr(a);
            if i == 0 {
                first = h;
            }
        }
        first
    }

    /// `timeout(d, fut)` where `fut` is a request future bound by `let`: its
    /// request is bounded.
    /// `self.send_bounded(req)` with `req` a request not yet sent (`let req =
    /// self.client.post(u)`): the request is handed to `callee`'s parameter `index`,
    /// which may send it with a timeout ([`super::senders`]).
    pub(super) fn note_handed_request(&mut self, arg: &Expr, callee: &str, index: usize) {
        let Some(var) = simple_ident_expr(arg) else {
            return;
        };
        let pending = with_ident_str(var, |v| self.scope().pending.get(v).copied());
        if let Some(req) = pending {
            self.hand_request(req, callee, index);
        }
    }

    /// Records that request chain `(h, ci)` is handed to `callee`'s parameter `index`.
    pub(super) fn hand_request(&mut self, (h, ci): (usize, usize), callee: &str, index: usize) {
        let chain = &mut self.facts.handles[h].chains.get_mut()[ci];
        let to = chain.handed_to.get_or_insert_with(Default::default);
        to.push((callee.to_string(), index));
    }

    /// Visits a call's argument: its handle, and the request it makes when it is a
    /// request chain written in place and not yet sent (`self.execute(self.client
    /// .get(url))`, parity-processbot's): handed to the callee as `let req = ..;
    /// self.execute(req)` hands it ([`Self::note_handed_request`]). What a `let`
    /// around the call reads of the last request is left as it was.
    pub(super) fn arg_request(&mut self, a: &Expr) -> (Option<usize>, Option<(usize, usize)>) {
        let outer = self.last_request.take();
        let h = self.expr(a);
        let mut inner = a;
        while let Expr::Reference(r) = inner {
            inner = &r.expr;
        }
        let made = self
            .last_request
            .filter(|_| matches!(inner, Expr::MethodCall(_)));
        self.last_request = self.last_request.or(outer);
        (h, made)
    }

    /// A request future bound by `let` (`fut`), or a request not yet sent and sent
    /// in place (`request.send()`, after `let request = client.get(url)`), handed to
    /// a timeout wrapper: the request runs under it.
    pub(super) fn wrap_pending(&mut self, arg: &Expr) {
        let mut arg = arg;
        while let Expr::MethodCall(m) = arg {
            arg = &m.receiver;
        }
        let Expr::Path(p) = arg else { return };
        let Some(name) = p.path.get_ident() else {
            return;
        };
        let name = name.to_string();
        let one = self.scope().pending.get(&name).copied();
        let block = self.scope().pending_blocks.get(&name).cloned();
        let configurable = self.configurable > 0 || !self.optional.is_empty();
        for (h, ci) in one.into_iter().chain(block.into_iter().flatten()) {
            for call in &mut self.facts.handles[h].chains.get_mut()[ci].calls {
                call.wrapped = true;
                call.configurable |= configurable;
            }
        }
    }

    /// How many chains each handle has: [`Self::chains_since`] lists the ones added
    /// after.
    pub(super) fn chain_counts(&self) -> Vec<usize> {
        (self.facts.handles.iter())
            .map(|h| h.chains.get().len())
            .collect()
    }

    /// The chains (handle, index) added since `before` was taken, new handles' too.
    pub(super) fn chains_since(&self, before: &[usize]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (h, handle) in self.facts.handles.iter().enumerate() {
            let from = before.get(h).copied().unwrap_or(0);
            out.extend((from..handle.chains.get().len()).map(|ci| (h, ci)));
        }
        out
    }
}

impl Visitor<'_, '_> {
    /// `XClient::connect(endpoint.tcp_keepalive(k).timeout(d))`: the calls of the
    /// constructor's arguments that the catalogue's `arg-timeout` names, recorded on
    /// the client built (`h`) as calls of its own construction; also those made on a
    /// variable's value before (`XClient::connect(endpoint.clone())`).
    fn arg_timeouts(&mut self, api: usize, args: &Punctuated<Expr, Token![,]>, h: usize) {
        let names = &self.ctx.catalog.clients[api].arg_timeout;
        if names.is_empty() {
            return;
        }
        let mut calls = Vec::new();
        for mut a in args {
            while let Expr::Reference(r) = a {
                a = &r.expr;
            }
            let (chain, base) = super::chains::flatten(a);
            for (m, _) in &chain {
                if names.iter().any(|n| m.method == n) {
                    calls.push(self.arg_timeout_call(m));
                }
            }
            // `let endpoint = Endpoint::new(a)?.timeout(d);` then
            // `XClient::connect(endpoint.clone())`: the calls made on the value so far.
            let Some(var) = super::syntax::simple_ident(base) else {
                continue;
            };
            // `uri.query.connection_timeout = Some(ms);` then `connect_uri(uri, ..)`.
            if let Some(set) = self.scope().timed_fields.get(&var) {
                let named = set.iter().filter(|c| has(names, &c.name));
                calls.extend(named.cloned());
            }
            let Some(&bound) = self.scope().vars.get(&var) else {
                continue;
            };
            let made = self.facts.handles[bound].chains.get().iter();
            let named = made
                .flat_map(|c| &c.calls)
                .filter(|c| names.iter().any(|n| c.name.as_str() == n.as_str()));
            calls.extend(named.cloned());
        }
        if !calls.is_empty() {
            self.facts.handles[h].chains.get_mut().push(Chain {
                calls,
                wrapped: false,
                breaker: false,
                configurable: false,
                handed_to: None,
            });
        }
    }

    /// `uri.query.connection_timeout = Some(ms)`: a field of a variable's value given
    /// a timeout some client's `arg-timeout` names (not `None`), kept for a
    /// constructor the variable is passed to ([`Self::arg_timeouts`]).
    pub(super) fn note_timed_field(&mut self, a: &syn::ExprAssign) {
        let Expr::Field(f) = &*a.left else { return };
        let syn::Member::Named(field) = &f.member else {
            return;
        };
        // Asked of every field assignment: the catalogue is asked without naming it.
        let clients = &self.ctx.catalog.clients;
        let catalogued = with_ident_str(field, |n| clients.iter().any(|c| has(&c.arg_timeout, n)));
        let none = matches!(&*a.right, Expr::Path(p) if p.path.is_ident("None"));
        if !catalogued || none {
            return;
        }
        let mut base = &*f.base;
        while let Expr::Field(inner) = base {
            base = &inner.base;
        }
        let Some(var) = super::syntax::simple_ident(base).filter(|v| v != "self") else {
            return;
        };
        let name = field.to_string();
        let span = crate::tree::Span::new(
            self.pos.offset(field.span().start()),
            self.pos.offset(a.right.span().end()),
        );
        let call = self.arg_timeout_fact(name, span, std::slice::from_ref(&*a.right));
        self.scope().timed_fields.entry(var).or_default().push(call);
    }

    fn arg_timeout_call(&self, m: &syn::ExprMethodCall) -> CallFact {
        let span = crate::tree::Span::new(
            self.pos.offset(m.method.span().start()),
            self.pos.offset(m.paren_token.span.close().end()),
        );
        let args: Vec<&Expr> = m.args.iter().collect();
        self.arg_timeout_fact(m.method.to_string(), span, &args)
    }

    /// What sets a timeout on a constructor's argument (a method called on it, or a
    /// field assigned), given its arguments (the assigned value), as a call of the
    /// client's construction.
    fn arg_timeout_fact<E: std::borrow::Borrow<Expr>>(
        &self,
        name: String,
        span: crate::tree::Span,
        args: &[E],
    ) -> CallFact {
        let args = || args.iter().map(|a| a.borrow());
        CallFact {
            name: name.into(),
            span,
            nargs: args().count(),
            arg_words: arg_words(args()),
            target: None,
            arg_methods: Vec::new(),
            wrapped: false,
            awaited: false,
            breaker: false,
            in_fn: None,
            configurable: self.is_configurable(args()),
            arg_sources: Vec::new(),
        }
    }
}
