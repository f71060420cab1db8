//! Method chains (`client.post(url).timeout(d).send().await?`): what the chain
//! starts from, then each call in order, recorded on the handle it is made on.

use syn::{Expr, ExprMethodCall};

use super::syntax::*;
use super::Visitor;
use crate::extract::rust::catalog::PathRole;
use crate::extract::rust::facts::{ArgSource, CallFact, Chain, Origin};
use crate::extract::rust::front::ident::with_ident_str;
use crate::tree::Span;

/// The closure `e` is, parenthesized or not.
fn closure(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Paren(p) => closure(&p.expr),
        Expr::Closure(_) => Some(e),
        _ => None,
    }
}

/// The calls of a chain from the inside out, each with whether it is awaited, and
/// the expression the chain starts from.
pub(super) fn flatten(e: &Expr) -> (Vec<(&ExprMethodCall, bool)>, &Expr) {
    // Chains are short: room for most at once instead of growing one call at a time.
    let mut calls: Vec<(&ExprMethodCall, bool)> = Vec::with_capacity(8);
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
    (calls, cur)
}

/// What is known while walking one chain's calls.
#[derive(Default)]
struct ChainState {
    /// The tracked value the chain is on.
    handle: Option<usize>,
    /// The chain starts from a variable nothing tracks.
    base_is_var: bool,
    /// The chain starts from a catalogue layer builder (`ServiceBuilder::new()`).
    layer: Option<usize>,
    /// A timeout layer was added: `.service(..)` wraps its argument.
    layered: bool,
    /// A breaker was added as a layer: `.service(..)` guards its argument.
    breaker_layered: bool,
    /// The handle is a breaker of this catalogue entry.
    breaker_api: Option<usize>,
    /// A request was made: the chain now yields a response, not the client.
    in_request: bool,
    /// A call was recorded on the handle: it is the chain's subject from here on
    /// (a combinator's closure no longer replaces it, [`Visitor::combinator`]).
    called: bool,
}

impl Visitor<'_, '_> {
    pub(super) fn method_chain(&mut self, e: &Expr) -> Option<usize> {
        // Set by the request call this chain is the argument of (`client.execute(..)`).
        let request_arg = self.request_arg.take();
        let (calls, base) = flatten(e);
        if calls.iter().any(|(m, _)| reads_stream(m)) {
            if let Some(f) = self
                .fn_name
                .clone()
                .filter(|f| !self.facts.streaming_fns.contains(f))
            {
                self.facts.streaming_fns.push(f);
            }
        }
        self.note_probe_path(base, &calls);
        self.note_prompt(base, &calls);
        if self.serverless {
            self.note_listener_methods(&calls);
        }
        self.note_unbounded_pool(&calls);
        if self.service_fn_text {
            self.note_timed_service_fn(base, &calls);
        }
        let (mut st, skip) = self.chain_base(base, &calls);
        st.breaker_api = st.handle.and_then(|h| self.is_breaker(h));
        let mut chain = Chain::default();
        for &(m, awaited) in &calls[skip..] {
            self.chain_call(m, awaited, &mut st, &mut chain);
        }
        if let Some(h) = st.handle {
            // `client.execute(client.get(u).build()?)`: one request, made here (its
            // target and timeout are this chain's); the outer call is not another.
            self.merged_request |= st.in_request && request_arg == Some(h);
            if !chain.calls.is_empty() {
                self.facts.handles[h].chains.get_mut().push(chain);
                if st.in_request {
                    self.last_request = Some((h, self.facts.handles[h].chains.get().len() - 1));
                }
            }
            return (!st.in_request).then_some(h);
        }
        if let Some(var) = st
            .base_is_var
            .then(|| simple_ident(base))
            .flatten()
            .filter(|_| !chain.calls.is_empty())
        {
            // `let req = client.put(u); .. let req = req.timeout(d);`: a request
            // timeout set on the variable holding a request not yet sent is that
            // request's.
            if let Some(&(h, ci)) = self.scope().pending.get(&var) {
                let bounds = chain.calls.iter().filter(|c| c.nargs > 0).cloned();
                self.facts.handles[h].chains.get_mut()[ci]
                    .calls
                    .extend(bounds);
            }
            let names: Vec<String> = chain.calls.into_iter().map(|c| c.name.into()).collect();
            self.scope()
                .var_methods
                .entry(var)
                .or_default()
                .extend(names);
        }
        None
    }

    /// What the chain starts from, and how many of its calls that consumed
    /// (`self.make_client()` is a call to a method of this impl).
    fn chain_base(
        &mut self,
        base: &Expr,
        calls: &[(&ExprMethodCall, bool)],
    ) -> (ChainState, usize) {
        let mut st = ChainState::default();
        if is_self(base) {
            if let (Some(ty), Some((first, _))) = (self.impl_type.clone(), calls.first()) {
                let callee = format!("{ty}::{}", first.method);
                let mut passed = Vec::new();
                for (i, a) in first.args.iter().enumerate() {
                    self.note_handed_request(a, &callee, i);
                    let (h, request) = self.arg_request(a);
                    if let Some(req) = request {
                        self.hand_request(req, &callee, i);
                    }
                    if let Some(h) = h {
                        self.facts.arg_passes.push((callee.clone(), i, h));
                        passed.push((i, h));
                    }
                }
                let call = self.call_handle(callee);
                (self.facts.call_args).extend(passed.into_iter().map(|(i, h)| (call, i, h)));
                st.handle = Some(call);
                return (st, 1);
            }
            return (st, 0);
        }
        // `(|| async { endpoint.connect().await }).retry(strategy).await`: what the
        // retried operation yields, once the retry (and its settings) is awaited.
        if let (Some(op), Some((first, _))) = (closure(base), calls.first()) {
            if self.ctx.catalog.retry.is_run_method(&first.method) {
                st.handle = self.closure_value(op);
                let awaited = calls.iter().position(|(_, awaited)| *awaited);
                return (st, awaited.map_or(calls.len(), |i| i + 1));
            }
        }
        // `CLIENT.get_or_init(|| ..)`: the value the closure builds, kept in the static.
        if let Some((first, _)) = calls.first().filter(|(m, _)| {
            m.args.len() == 1 && super::bindings::GET_OR_INIT.iter().any(|g| m.method == g)
        }) {
            st.handle = self.cell_init_value(&first.args[0]);
            if let (Some(h), Some(name)) = (st.handle, simple_ident(base)) {
                self.facts.static_binds.push((name, h));
            }
            return (st, 1);
        }
        // `PROXY_CLIENT.with(|cell| cell.get_or_init(|| build_client()).clone())`: a
        // `thread_local!`'s value, what the closure yields (secutils' proxy client).
        let thread_local = simple_ident(base).is_some_and(|n| super::bindings::is_static_name(&n));
        if let Some((first, _)) = calls
            .first()
            .filter(|(m, _)| m.method == "with" && thread_local)
        {
            if let Some(op) = first.args.first().and_then(closure) {
                st.handle = self.closure_value(op);
                return (st, 1);
            }
        }
        // `conf.client.request(..)`: a field of another value, used for a request.
        if let (Expr::Field(f), Some((first, _))) = (base, calls.first()) {
            if let (syn::Member::Named(n), false) = (&f.member, is_self(&f.base)) {
                let request =
                    with_ident_str(&first.method, |m| self.ctx.catalog.is_request_name(m));
                if self.fn_name.is_some() && request {
                    st.handle = self.static_use_field(n);
                    return (st, 0);
                }
            }
        }
        if let Expr::Call(c) = base {
            if let Expr::Path(p) = &*c.func {
                if let Some((PathRole::LayerBuilder(i), _)) = self.path_role(&p.path) {
                    st.layer = Some(i);
                }
            }
        }
        st.handle = self.expr(base);
        st.base_is_var = st.handle.is_none() && simple_ident_expr(base).is_some();
        (st, 0)
    }

    /// One call of the chain: its arguments (wrapped or guarded by what the chain
    /// built so far), then the call itself, recorded when it is made on a handle.
    fn chain_call(
        &mut self,
        m: &ExprMethodCall,
        awaited: bool,
        st: &mut ChainState,
        chain: &mut Chain,
    ) {
        // Naming a method allocates. On a value nothing tracks only a method that
        // bounds a request is recorded (`.layer(..)` is compared in place below).
        let named = st.handle.is_some()
            || st.layer.is_some()
            || st.breaker_layered
            || (st.base_is_var && self.ctx.catalog.is_request_timeout_ident(&m.method));
        let name = if named {
            m.method.to_string()
        } else {
            String::new()
        };
        if let Some(layer) = st.layer {
            st.layered |= self.adds_timeout_layer(layer, m, &name);
            if st.layered {
                self.note_timed_service(layer, m, &name);
            }
        }
        let request = self.is_request(st, &name, awaited);
        let outer = std::mem::take(&mut self.merged_request);
        let (arg_methods, arg_sources) = self.chain_args(m, &name, st, request);
        let merged = std::mem::replace(&mut self.merged_request, outer);
        if request {
            st.in_request = true;
            if merged {
                // The request is its argument's (recorded there).
                return;
            }
        }
        if st.handle.is_none() {
            // Only methods that bound a request matter on other values (`req.set_timeout(d)`).
            if st.base_is_var && self.ctx.catalog.is_request_timeout_name(&name) {
                chain.calls.push(CallFact {
                    name: name.into(),
                    span: Span::default(),
                    nargs: m.args.len(),
                    arg_words: Vec::new(),
                    target: None,
                    arg_methods: Vec::new(),
                    wrapped: false,
                    awaited,
                    breaker: false,
                    in_fn: None,
                    configurable: false,
                    arg_sources: Vec::new(),
                });
            }
            return;
        }
        let span = Span::new(
            self.pos.offset(m.method.span().start()),
            self.pos.offset(m.paren_token.span.close().end()),
        );
        st.called = true;
        chain.calls.push(CallFact {
            name: name.into(),
            span,
            nargs: m.args.len(),
            arg_words: arg_words(m.args.iter()),
            target: self.call_target(m).map(Box::new),
            arg_methods,
            wrapped: self.wrapped > 0,
            awaited,
            breaker: self.breaker > 0,
            in_fn: self.fn_name.as_deref().map(Into::into),
            configurable: self.is_configurable(&m.args),
            arg_sources,
        });
    }

    /// Whether the call `name` on the chain's value sends a request: after it, the
    /// chain yields a response, not the client.
    fn is_request(&self, st: &ChainState, name: &str, awaited: bool) -> bool {
        let client_api = st.handle.and_then(|h| match self.facts.handles[h].origin {
            Origin::Client(ref c) => Some(c.api),
            _ => None,
        });
        if self.ctx.catalog.is_request_name(name) {
            return true;
        }
        if let Some(a) = client_api {
            return self.ctx.catalog.clients[a].is_request_method(name, awaited);
        }
        // The value of an `if` whose branches each build a client here: their APIs
        // say (`let loader = if c { aws_config::defaults(..).region(r) } else {
        // aws_config::defaults(..) }; loader.load().await` loads a configuration).
        let branches = st.handle.map(|h| self.branch_apis(h)).unwrap_or_default();
        if !branches.is_empty() {
            let clients = &self.ctx.catalog.clients;
            return branches
                .iter()
                .any(|&a| clients[a].is_request_method(name, awaited));
        }
        // A value whose client the link step resolves (a factory's, a parameter, a
        // field): an awaited RPC of a `*` client ends its client part too.
        let unresolved = st.handle.is_some_and(|h| {
            !matches!(
                self.facts.handles[h].origin,
                Origin::Client(_) | Origin::Breaker { .. }
            )
        });
        unresolved && awaited && (self.ctx.catalog).may_request_awaited(name, |k| self.depends(k))
    }

    /// Visits the arguments of one call, inside a timeout wrapper or a breaker guard
    /// when the chain makes one; returns the methods called on the variables passed,
    /// and where the arguments come from when a helper or a caller made them.
    fn chain_args(
        &mut self,
        m: &ExprMethodCall,
        name: &str,
        st: &mut ChainState,
        request: bool,
    ) -> (Vec<String>, Vec<ArgSource>) {
        let wrap_args = (st.layered && name == "service") || deadline_method(m);
        if wrap_args {
            self.wrapped += 1;
        }
        let guard_args = self.guards_args(name, st);
        if guard_args {
            self.breaker += 1;
        }
        // `.with_http_client(client)` of an exporter: the client is used under the
        // exporter's own deadline.
        let consumed = !m.args.is_empty()
            && with_ident_str(&m.method, |n| {
                self.ctx.catalog.is_timeout_consumer(n, self.ctx.deps)
            });
        let fallback = st
            .handle
            .filter(|_| super::handles::FALLBACK_CALLS.contains(&name));
        // `builder.build().unwrap_or_else(|_| Client::new())` on a builder of no
        // catalogued client (another crate's `platform::client_builder()`, a helper's
        // of the package): the fallback is that failed build's twin all the same.
        let untracked_build = super::handles::fails_over_build(m)
            && !st
                .handle
                .is_some_and(|h| matches!(self.facts.handles[h].origin, Origin::Client(_)));
        let mark = self.facts.handles.len();
        let mut arg_methods = Vec::new();
        let mut sources = Vec::new();
        let combined = self.combinator(m, st.handle);
        // The untracked build's fallback is no value of the chain's: what the chain
        // yields stays unknown, as the build's is.
        if let Some(value) = combined.filter(|_| !untracked_build) {
            let made = value.0.filter(|&b| b >= mark);
            match self.either_value(fallback, made, m.method.span()) {
                Some(either) => st.handle = Some(either),
                None => st.take_combined(value, mark),
            }
        }
        for (i, a) in m.args.iter().enumerate().filter(|_| combined.is_none()) {
            let value = self.chain_arg(
                m,
                a,
                st,
                (request, consumed),
                (&mut arg_methods, &mut sources),
            );
            if let (Some(h), None) = (value, st.handle) {
                // `request.into_future(self.client.clone())`: a method of some type of
                // the package ([`super::flow`] meets it by name) taking the client.
                self.facts
                    .arg_passes
                    .push((format!("*::{}", m.method), i, h));
            }
        }
        if untracked_build {
            self.drop_untracked_fallbacks(mark);
        } else if let Some(h) = fallback {
            self.drop_fallbacks(h, mark);
        }
        if wrap_args {
            self.wrapped -= 1;
        }
        if guard_args {
            self.breaker -= 1;
        }
        (arg_methods, sources)
    }

    /// Whether the arguments of call `name` run guarded by a breaker, so the calls in
    /// them are.
    fn guards_args(&self, name: &str, st: &ChainState) -> bool {
        // `breaker.call(fut)`, or `.service(svc)` after a breaker `.layer(..)`.
        st.breaker_api.is_some_and(|b| {
            self.ctx.catalog.breakers[b]
                .call_methods
                .iter()
                .any(|x| x == name)
        }) || (st.breaker_layered && name == "service")
            || (st
                .breaker_api
                .is_some_and(|b| self.ctx.catalog.breakers[b].layer)
                && name == "layer")
    }

    /// Visits argument `a` of call `m` (of a chain on `st.handle`, a `request` call or
    /// one that `consumed` a client under its own deadline): what is passed is marked,
    /// and the methods called on a variable passed go to `arg_methods`. Returns the
    /// handle the argument gives.
    fn chain_arg(
        &mut self,
        m: &ExprMethodCall,
        a: &Expr,
        st: &mut ChainState,
        (request, consumed): (bool, bool),
        (arg_methods, sources): (&mut Vec<String>, &mut Vec<ArgSource>),
    ) -> Option<usize> {
        // A request built in the argument of a request call on the same client.
        let chain_arg = matches!(a, Expr::MethodCall(_)) || ends_in_method_call(a);
        if request && chain_arg {
            self.request_arg = st.handle;
        }
        let value = self.expr(a);
        self.request_arg = None;
        // `let req = client.get(u).timeout(d).build()?; client.execute(req)`: the
        // request built before, recorded there, as when built in the argument.
        if let (true, Some(handle), Some(var)) = (request, st.handle, simple_ident_expr(a)) {
            let pending = &self.scope().pending;
            let built = with_ident_str(var, |v| pending.get(v).map(|&(h, _)| h));
            self.merged_request |= built == Some(handle);
            // `self.client.execute(request)` with the request a caller handed in as a
            // builder, built here with its timeout: the caller's request, bounded here
            // ([`super::senders`]).
            let scope = self.scope();
            self.merged_request |= with_ident_str(var, |v| scope.bounded_builds.contains(v));
        }
        if consumed {
            if let Some(ty) = made_type(a).filter(|t| !self.facts.consumer_types.contains(t)) {
                self.facts.consumer_types.push(ty);
            }
        }
        if let Some(h) = value {
            self.mark_context(h);
            if consumed {
                self.mark_wrapped(h);
            }
            if m.method == "layer" {
                if let Some(b) = self.is_breaker(h) {
                    st.breaker_layered |= self.ctx.catalog.breakers[b].layer;
                }
            }
        }
        if st.handle.is_none() {
            return value;
        }
        if let Some(var) = simple_ident(a) {
            if let Some(ms) = self.scopes.last().and_then(|s| s.var_methods.get(&var)) {
                arg_methods.extend(ms.iter().cloned());
            }
            if self
                .scopes
                .last()
                .is_some_and(|s| s.request_params.contains(&var))
            {
                sources.push(ArgSource::Param);
                self.facts.param_requests = true;
            }
        }
        let made = value.and_then(|h| match &self.facts.handles[h].origin {
            Origin::Call { callee } | Origin::Workspace { callee } => Some(callee.as_str()),
            _ => None,
        });
        if let Some(callee) = made {
            sources.push(ArgSource::Made(callee.into()));
        }
        value
    }
}

impl ChainState {
    /// Takes the value a combinator's closures evaluate to, `built` ([`Visitor::combinator`],
    /// `replaces` whether the combinator's result is that value), as the chain's, where
    /// it is; `mark`: the first handle made in the closures.
    fn take_combined(&mut self, (built, replaces): (Option<usize>, bool), mark: usize) {
        // `tls.map_or_else(|| Ok(ClientBuilder::new()), ..)`: what the closures
        // return is the chain's value from here on; after `map` or `and_then` it
        // is, over the value handed in (`load(&t).map(|id| builder.identity(id))`:
        // the builder, not what `load` returned), when they return a value and
        // no call was made on the one handed in (`client.get(u).send().await?
        // .bytes_stream().map(|b| parse(b))` stays the client's chain).
        let replaces = replaces && built.is_some() && !self.called;
        // Otherwise (`or_else`, `inspect`) only a value made in the closures
        // counts: `region.or_else(|| sdk_config.region().cloned())` is no config.
        let made = built.filter(|&b| b >= mark);
        self.handle = if replaces {
            built
        } else {
            self.handle.or(made)
        };
    }
}

/// `self.timeout.timeout(client.request(req))`: a deadline's method handed the
/// future (an extension trait on a duration, bd-time's `TimeDurationExt`). A request
/// made in its argument runs under the deadline (a builder's `.timeout(d)` makes none).
fn deadline_method(m: &ExprMethodCall) -> bool {
    m.args.len() == 1 && with_ident_str(&m.method, |n| n == "timeout" || n == "timeout_at")
}

/// Whether a method call reads a streamed response: `.bytes_stream()`,
/// `.eventsource()` (reqwest-eventsource), or `.header(ACCEPT, "text/event-stream")`.
/// Not a response the program serves (`Response::builder().header(CONTENT_TYPE,
/// "text/event-stream")`: llama-nexus streams its own answer after reading the
/// upstream's whole body).
fn reads_stream(m: &ExprMethodCall) -> bool {
    let str_lit = |a: &Expr, want: &str| matches!(a, Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value().eq_ignore_ascii_case(want));
    let accept = |a: &Expr| match a {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "ACCEPT"),
        a => str_lit(a, "accept"),
    };
    m.method == "bytes_stream"
        || m.method == "eventsource"
        || (m.method == "header"
            && m.args.len() == 2
            && accept(&m.args[0])
            && str_lit(&m.args[1], "text/event-stream"))
}

/// The type an expression makes: `T { .. }`, or a call of one of its functions
/// (`T::new(..)`, `module::T::with(..)`); not `Self`.
fn made_type(e: &Expr) -> Option<String> {
    let path = match e {
        Expr::Struct(s) => return last_type(&s.path, 1),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => &p.path,
            _ => return None,
        },
        _ => return None,
    };
    last_type(path, 2)
}

/// The segment `from_end` places from a path's end (1: the last), when it names a
/// type (upper camel case, not `Self`).
fn last_type(path: &syn::Path, from_end: usize) -> Option<String> {
    let n = path.segments.len().checked_sub(from_end)?;
    let ident = path.segments[n].ident.to_string();
    let upper = ident.chars().next().is_some_and(char::is_uppercase);
    (upper && ident != "Self").then_some(ident)
}
