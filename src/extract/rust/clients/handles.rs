//! The value handles of a file's clients (`Origin`: a client built, a call's
//! result, a breaker): made, marked as wrapped by a timeout or a breaker, bound to
//! variables and fields, and pruned of those nothing was done with.

use syn::Expr;

use super::syntax::{is_self, simple_ident};
use super::Visitor;
use crate::extract::rust::facts::{Chain, FileFacts, Handle, Origin};
use crate::extract::rust::front::ident::with_ident_str;

impl Visitor<'_, '_> {
    pub(super) fn new_handle(&mut self, origin: Origin) -> usize {
        self.facts.handles.push(Handle {
            origin,
            chains: Default::default(),
        });
        self.facts.handles.len() - 1
    }

    pub(super) fn mark_wrapped(&mut self, h: usize) {
        let configurable = self.configurable > 0 || !self.optional.is_empty();
        self.facts.handles[h].chains.get_mut().push(Chain {
            calls: Vec::new(),
            wrapped: true,
            breaker: false,
            configurable,
            handed_to: None,
        });
    }

    /// A value passed along inside a timeout wrapper or a breaker: remember which.
    pub(super) fn mark_context(&mut self, h: usize) {
        if self.wrapped > 0 || self.breaker > 0 {
            self.facts.handles[h].chains.get_mut().push(Chain {
                calls: Vec::new(),
                wrapped: self.wrapped > 0,
                breaker: self.breaker > 0,
                configurable: false,
                handed_to: None,
            });
        }
    }

    /// A call of a function of the package. Inside a timeout wrapper (`timeout(d,
    /// async { loop { self.send_once().await .. } })`: every call the wrapped future
    /// awaits) the call is bounded, as a call handed to the wrapper itself is.
    pub(super) fn call_handle(&mut self, callee: String) -> usize {
        if self.breaker > 0 {
            self.facts.breaker_callees.push(callee.clone());
        }
        let h = self.new_handle(Origin::Call { callee });
        self.mark_context(h);
        h
    }

    /// `Self { client: h, .. }`, `self.client = h`: the link step joins `h` to the
    /// file's `self.client` placeholder of the same type ([`Self::field_key`]), so
    /// that every value stored there meets every use (two constructors storing two
    /// clients in the field, one method sending through it).
    pub(super) fn bind_field(&mut self, key: String, h: usize) {
        self.facts.field_binds.push((key, h));
    }

    /// `Fraud { http: h, base, .. }`: each field's value is stored there (for the
    /// uses of `self.http` and, by name, of `x.http` across the package), and a field
    /// filled with a variable holding a local address is noted as local.
    pub(super) fn struct_literal(&mut self, s: &syn::ExprStruct) {
        let ty = s.path.segments.last().map(|t| t.ident.to_string());
        let ty = ty.filter(|t| t != "Self");
        let placeholder = self.has_empty_address(s);
        for f in &s.fields {
            if let syn::Member::Named(n) = &f.member {
                self.note_local_field(ty.as_deref(), n, &f.expr);
            }
            let h = self.expr(&f.expr);
            if let (Some(h), syn::Member::Named(n)) = (h, &f.member) {
                let name = n.to_string();
                let key = self.field_key(ty.as_deref(), &name);
                // `#[expect(dead_code)] client: reqwest::Client` (rust-srec's batch
                // detector): a client built into a field nothing reads sends nothing.
                let client = matches!(self.facts.handles[h].origin, Origin::Client(_));
                if client && self.unread_fields.contains(&key) {
                    self.fallbacks.push(h);
                    continue;
                }
                if placeholder && matches!(self.facts.handles[h].origin, Origin::Client(_)) {
                    self.facts.placeholders.push((key.clone(), h));
                }
                self.bind_field(key, h);
                self.facts.static_binds.push((format!(".{name}"), h));
            }
        }
        if let Some(rest) = &s.rest {
            self.expr(rest);
        }
    }

    /// `self.<n>` as a value: its placeholder handle for the `impl` block's type,
    /// which the link step joins to what the file stores there (methods in any
    /// order, several constructors); a field typed as a breaker holds one.
    pub(super) fn self_field(&mut self, n: &syn::Ident) -> Option<usize> {
        let ty = self.impl_type.as_deref();
        let known = with_ident_str(n, |name| {
            let mut of_type = self.fields.get(name)?.iter();
            let typed = |t: Option<&str>| t == ty || t == Some("*");
            of_type.find(|(t, _)| typed(t.as_deref())).map(|(_, h)| *h)
        });
        if known.is_some() || self.fn_name.is_none() {
            return known;
        }
        let ty = self.impl_type.clone();
        Some(self.field_placeholder(ty.as_deref(), &n.to_string()))
    }

    /// A new placeholder for field `name` of type `ty` ([`Self::field_key`]), listed in
    /// [`Self::fields`] for the file's later uses of the field.
    pub(super) fn field_placeholder(&mut self, ty: Option<&str>, name: &str) -> usize {
        let key = self.field_key(ty, name);
        let h = self.new_handle(Origin::Field { name: key });
        let of = self.fields.entry(name.to_string()).or_default();
        of.push((ty.map(str::to_string), h));
        h
    }

    /// The key of field `name` of type `ty` (`Fraud.http`; the `impl` block's type
    /// for `self` and `Self`): two types of a file with a field of the same name keep
    /// their clients and uses apart. Just the name outside an `impl` with a type.
    pub(super) fn field_key(&self, ty: Option<&str>, name: &str) -> String {
        match ty.or(self.impl_type.as_deref()) {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        }
    }

    pub(super) fn is_breaker(&self, h: usize) -> Option<usize> {
        match self.facts.handles[h].origin {
            Origin::Breaker { api } => Some(api),
            _ => None,
        }
    }

    pub(super) fn bind(&mut self, target: &Expr, h: Option<usize>) {
        let Some(h) = h else { return };
        match target {
            Expr::Path(_) => {
                if let Some(name) = simple_ident(target) {
                    self.scope().vars.insert(name, h);
                }
            }
            Expr::Field(f) if is_self(&f.base) => {
                if let syn::Member::Named(n) = &f.member {
                    let key = self.field_key(None, &n.to_string());
                    self.bind_field(key, h);
                }
            }
            // `config.client = Arc::new(..)`: stored in another value's field, as a
            // struct literal stores one (`Config { client: .. }`).
            Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    self.facts.static_binds.push((format!(".{n}"), h));
                }
            }
            _ => {}
        }
    }

    /// `Client::builder().timeout(d).build().unwrap_or_else(|_| Client::new())`: a
    /// client of the chain's own API built in the argument of a fallback call
    /// ([`FALLBACK_CALLS`]) on the chain's value (handles from `mark` on) exists only
    /// when that build failed, and a builder fails where the plain constructor does
    /// too (reqwest's `Client::new()` is its builder's `build()` unwrapped): no
    /// integration point of its own, whatever the chain sets (rustfs's fallbacks
    /// of timed builders).
    pub(super) fn drop_fallbacks(&mut self, chain: usize, mark: usize) {
        let Origin::Client(primary) = &self.facts.handles[chain].origin else {
            return;
        };
        let api = primary.api;
        for h in mark..self.facts.handles.len() {
            if let Origin::Client(c) = &self.facts.handles[h].origin {
                if c.api == api && !c.request {
                    self.fallbacks.push(h);
                }
            }
        }
    }
}

impl Visitor<'_, '_> {
    /// [`Self::drop_fallbacks`] for a build nothing tracks
    /// ([`fails_over_build`]): every client built in place in the fallback's argument
    /// (handles from `mark` on), of whatever API, is the failed build's twin.
    pub(super) fn drop_untracked_fallbacks(&mut self, mark: usize) {
        for h in mark..self.facts.handles.len() {
            if let Origin::Client(c) = &self.facts.handles[h].origin {
                if !c.request {
                    self.fallbacks.push(h);
                }
            }
        }
    }

    /// `make_tls_builder().or_else(|_| Ok(Client::builder()))?.timeout(d)`: after a
    /// fallback call on chain value `chain` whose closure `made` a value, the chain
    /// goes on with either (pulse's scraper), unless the fallback is dropped as the
    /// failed build's twin ([`Self::drop_fallbacks`], a client built in place).
    pub(super) fn either_value(
        &mut self,
        chain: Option<usize>,
        made: Option<usize>,
        at: proc_macro2::Span,
    ) -> Option<usize> {
        let (chain, made) = (chain?, made?);
        if matches!(self.facts.handles[chain].origin, Origin::Client(_)) {
            return None;
        }
        self.one_of(vec![chain, made], at)
    }
}

/// The calls whose argument gives the value when the receiver failed or was empty.
pub(super) const FALLBACK_CALLS: [&str; 3] = ["unwrap_or_else", "unwrap_or", "or_else"];

/// Whether a call gives a value when a builder's `build()` failed:
/// `builder.build().unwrap_or_else(|_| reqwest::Client::new())`, or the type's own
/// constructor did (`Self::new().unwrap_or_else(|_| Self { client: Client::new() })`
/// in an `impl Default`).
pub(super) fn fails_over_build(m: &syn::ExprMethodCall) -> bool {
    with_ident_str(&m.method, |n| FALLBACK_CALLS.contains(&n)) && is_build(&m.receiver)
}

/// A build that may fail: a builder's `build()`, or a constructor of the type
/// itself (`Self::new()`, `Self::try_new(cfg)`).
pub(super) fn is_build(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(b) => b.method == "build" && b.args.is_empty(),
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
            if p.path.segments.len() == 2 && p.path.segments[0].ident == "Self"),
        _ => false,
    }
}

/// Drops factory-call handles nothing was done with, and the handles of fallback
/// clients (`fallbacks`, [`Visitor::drop_fallbacks`]) nothing was passed or bound,
/// renumbering the rest.
pub(super) fn prune(mut facts: FileFacts, fallbacks: &[usize]) -> FileFacts {
    let returned: std::collections::HashSet<usize> = facts
        .fns
        .iter()
        .flat_map(|f| f.returns.iter().copied())
        .chain(facts.arg_passes.iter().map(|(_, _, h)| *h))
        .chain(facts.workspace_passes.iter().map(|(_, _, h)| *h))
        .chain(facts.field_binds.iter().map(|(_, h)| *h))
        .chain(facts.static_binds.iter().map(|(_, h)| *h))
        .collect();
    let handed_on: std::collections::HashSet<usize> = (facts.fns.iter())
        .flat_map(|f| f.returns.iter().copied())
        .chain(facts.arg_passes.iter().map(|(_, _, h)| *h))
        .chain(facts.workspace_passes.iter().map(|(_, _, h)| *h))
        .chain(
            (facts.static_binds.iter())
                .filter(|(name, _)| !name.starts_with('.'))
                .map(|(_, h)| *h),
        )
        .collect();
    let keep: Vec<bool> = facts
        .handles
        .iter()
        .enumerate()
        .map(|(i, h)| {
            // A fallback is dropped whatever was done with it, unless it is handed on
            // (returned, passed, kept in a `static`): an `if`'s value inside the
            // fallback, or the struct it builds (`Self { client: Client::new(), .. }`),
            // is the fallback's own value.
            if fallbacks.contains(&i) {
                return handed_on.contains(&i);
            }
            matches!(h.origin, Origin::Client(_))
                || !h.chains.get().is_empty()
                // Every call of a closure is kept: whether all of them run under a
                // timeout is judged in the link step.
                || matches!(&h.origin, Origin::Call { callee } if callee.contains("{closure"))
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
    for (_, _, h) in facts
        .arg_passes
        .iter_mut()
        .chain(&mut facts.workspace_passes)
    {
        *h = new_index[*h];
    }
    for (_, h) in (facts.field_binds.iter_mut())
        .chain(&mut facts.static_binds)
        .chain(&mut facts.placeholders)
    {
        *h = new_index[*h];
    }
    // A call whose value nothing was done with hands nothing back.
    facts.call_args.retain(|(call, _, _)| keep[*call]);
    for (call, _, h) in &mut facts.call_args {
        (*call, *h) = (new_index[*call], new_index[*h]);
    }
    facts
}
