//! Repeats a body settles on its own: a unique key refusing the second attempt
//! (`match x.insert(c) { Err(DatabaseError(UniqueViolation, _)) => Err(..), .. }`), a
//! record found or made (`match T::find(..) { Some(t) => t, None => T::new(..) }`:
//! the repeat finds what the first attempt made), and outbound requests that read.

mod upsert;

use syn::visit::{self, Visit};

use super::answer::{block_refuses, expr_refuses};
use super::violation::{ignoring_arm, refusal_arm, text_refusal_arm, text_refusal_block};
use super::{repeat, Collector, CHAIN_READ, CHAIN_SEND};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::items::Items;

/// The type whose lookup an expression is (`T::find_by_uuid(..)`, through `.await`,
/// `?` and method calls on it): the calls of a `lookups` name on a type.
pub(super) fn lookup_type(e: &syn::Expr, lookups: &[String]) -> Option<String> {
    match e {
        syn::Expr::Await(a) => lookup_type(&a.base, lookups),
        syn::Expr::Try(t) => lookup_type(&t.expr, lookups),
        syn::Expr::Paren(p) => lookup_type(&p.expr, lookups),
        syn::Expr::MethodCall(m) => lookup_type(&m.receiver, lookups),
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let segs = &p.path.segments;
            let n = segs.len();
            let f = segs.last()?.ident.to_string();
            let ty = segs.iter().nth(n.checked_sub(2)?)?.ident.to_string();
            (ty.starts_with(|c: char| c.is_ascii_uppercase())
                && lookups
                    .iter()
                    .any(|l| super::super::catalog::glob_match(l, &f)))
            .then_some(ty)
        }
        _ => None,
    }
}

/// The type a condition finds a record of: `T::find(..).is_some()`, `T::exists(..)`,
/// `let Some(_) = T::find(..)` (not `.is_none()`, which asks the opposite).
fn found_type(cond: &syn::Expr, lookups: &[String]) -> Option<String> {
    match cond {
        syn::Expr::Let(l) if !found_nothing(&l.pat) => lookup_type(&l.expr, lookups),
        syn::Expr::Let(_) => None,
        syn::Expr::MethodCall(m) if m.method == "is_none" || m.method == "is_err" => None,
        syn::Expr::Paren(p) => found_type(&p.expr, lookups),
        c => lookup_type(c, lookups),
    }
}

/// `None` or `_`: the arm of a lookup that found nothing.
pub(super) fn none_arm(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Ident(id) => id.ident == "None",
        syn::Pat::Path(p) => p.path.is_ident("None"),
        syn::Pat::Wild(_) => true,
        _ => false,
    }
}

/// An arm a lookup that found nothing takes: its pattern holds `None` or `false`
/// (`(false, true)` of `match (Self::is_favorite(..), favorite)`).
fn found_nothing(pat: &syn::Pat) -> bool {
    struct Scan(bool);
    impl<'ast> Visit<'ast> for Scan {
        fn visit_ident(&mut self, id: &'ast proc_macro2::Ident) {
            self.0 |= id == "None";
        }
        fn visit_lit_bool(&mut self, b: &'ast syn::LitBool) {
            self.0 |= !b.value;
        }
    }
    let mut s = Scan(false);
    s.visit_pat(pat);
    s.0
}

/// An outbound request's method given as a value: `"GET"`, `Method::GET`.
pub(super) fn read_method(e: &syn::Expr, is_read: impl Fn(&str) -> bool) -> bool {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => {
            let v = s.value();
            v.bytes().all(|b| b.is_ascii_uppercase()) && is_read(&v)
        }
        syn::Expr::Path(p) => {
            p.path.segments.len() >= 2
                && p.path.segments.last().is_some_and(|s| {
                    let v = s.ident.to_string();
                    v.bytes().all(|b| b.is_ascii_uppercase()) && is_read(&v)
                })
        }
        syn::Expr::Reference(r) => read_method(&r.expr, is_read),
        _ => false,
    }
}

impl Collector<'_> {
    /// Walks a `match`: a refusal over the body's first write marks the body
    /// [`repeat::REFUSES`], and so does an arm refusing a record a lookup found, before
    /// any write (see [`Collector::refused`]); the `None` arm of a lookup of a type
    /// makes that type's record once (see [`Collector::once`]).
    pub(super) fn walk_match<'ast>(&mut self, m: &'ast syn::ExprMatch)
    where
        Self: Visit<'ast>,
    {
        let mut before = self.names.writes.text.len();
        for attr in &m.attrs {
            self.visit_attribute(attr);
        }
        self.visit_expr(&m.expr);
        // `let res = insert(..).await; match res { .. }`: the arms judge that write.
        let bound = self.bound_write_asked(&m.expr);
        if let Some(b) = bound {
            before = b;
        }
        // The writes since `before` are one statement's (an insert), not a closure's.
        let one_call = bound.is_some() || call_chain(&m.expr);
        let first = before == 0 && self.nothing_repeated();
        let wrote = self.names.writes.text.len() > before;
        let w = &self.cat.writes;
        let refusals = &w.refusals;
        let refuses = |a: &syn::Arm| {
            refusal_arm(a, refusals) || text_refusal_arm(a, &w.refusal_texts, &w.error_answers)
        };
        if first && wrote && m.arms.iter().any(refuses) {
            // The write the arms judge is refused on a repeat, and nothing was written before.
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::REFUSES;
        } else if wrote && one_call && m.arms.iter().any(|a| ignoring_arm(a, refusals)) {
            // An insert whose violation passes as a success: an insert-or-ignore.
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::ORM_UPSERT;
        }
        let found = lookup_type(&m.expr, &self.cat.writes.lookups);
        // `match T::find(..) { Some(_) => return Err(..), None => .. }`: refused when found.
        if first && before == self.names.writes.text.len() {
            let refuses = m.arms.iter().any(|a| {
                !found_nothing(&a.pat)
                    && !matches!(a.pat, syn::Pat::Wild(_))
                    && expr_refuses(&a.body, &self.cat.writes.error_answers)
            });
            if found.is_some() {
                // `Some(user) => if !user.password_hash.is_empty() { err!(..) }`.
                for a in m.arms.iter().filter(|a| !found_nothing(&a.pat)) {
                    self.claim_checks(a);
                }
            }
            if let Some(ty) = found.as_ref().filter(|_| refuses) {
                self.refused.push(ty.clone());
            }
            if found.is_none() {
                self.module_refusal_match(m);
            }
        }
        // `match map.entry(k) { Entry::Occupied(mut e) => e.insert(v), .. }`.
        if let Some(t) = self.entry_type(&m.expr) {
            for arm in &m.arms {
                if let Some(var) = crate::extract::rust::routes::types::pat_var(&arm.pat) {
                    self.bind_ident(var, &t);
                }
            }
        }
        let guarded = self.own_lookup(&m.expr);
        let param = self.option_param(&m.expr);
        let ensures = super::ensure::ensure_arms(m);
        for (arm, ensure) in m.arms.iter().zip(ensures) {
            let once = found.as_ref().filter(|_| none_arm(&arm.pat));
            // `match &attachment { None => generate_id(), .. }`: for `None` callers only.
            let saved = self.none_param;
            if none_arm(&arm.pat) && param.is_some() {
                self.none_param = param;
            }
            if ensure || (guarded && found_nothing(&arm.pat)) {
                self.writes_once(|c| c.visit_arm(arm));
            } else {
                self.once(once, |c| c.visit_arm(arm));
            }
            self.none_param = saved;
        }
    }

    /// Walks code that runs only when a lookup of the record's own type found nothing
    /// (`match (Self::is_favorite(..), v) { (false, true) => insert .. }`, `if
    /// !Self::exists(..) { insert }`): its writes make the record once, a repeat finds
    /// it ([`repeat::ONCE`]).
    fn writes_once(&mut self, walk: impl FnOnce(&mut Self)) {
        let mark = self.names.writes.text.len();
        let first = self.ev.writes.is_none();
        walk(self);
        if self.names.writes.text.len() > mark {
            self.names.writes.truncate(mark);
            self.ev.repeat |= repeat::ONCE;
        } else if first && self.ev.writes.is_some() {
            self.ev.repeat |= repeat::ONCE;
        }
    }

    /// `e` asks the store about the record of the function's own type: it calls a
    /// lookup of `Self` (or of the `impl`'s type) or names a variable bound to one
    /// (`let (old, new) = (Self::is_favorite(..).await, favorite)`).
    pub(super) fn own_lookup(&self, e: &syn::Expr) -> bool {
        struct Scan<'a> {
            owner: Option<&'a str>,
            lookups: &'a [String],
            vars: &'a [String],
            hit: bool,
        }
        impl<'ast> Visit<'ast> for Scan<'_> {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = &p.path.segments;
                    if segs.len() >= 2 {
                        let ty = &segs[segs.len() - 2].ident;
                        let f = segs[segs.len() - 1].ident.to_string();
                        let own = ty == "Self" || self.owner.is_some_and(|o| ty == o);
                        self.hit |= own
                            && self
                                .lookups
                                .iter()
                                .any(|l| super::super::catalog::glob_match(l, &f));
                    }
                }
                visit::visit_expr_call(self, c);
            }
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if let Some(id) = p.path.get_ident() {
                    self.hit |= self.vars.iter().any(|v| id == v);
                }
            }
        }
        let mut scan = Scan {
            owner: self.type_of_name("self"),
            lookups: &self.cat.writes.lookups,
            vars: &self.lookup_vars,
            hit: false,
        };
        scan.visit_expr(e);
        scan.hit
    }

    /// Remembers the variables a `let` binds from a lookup of the function's own type.
    pub(super) fn bind_lookup(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if !self.own_lookup(init) {
            return;
        }
        match pat {
            syn::Pat::Tuple(t) => {
                for p in t.elems.items() {
                    if let Some(v) = super::super::types::pat_var(p) {
                        self.lookup_vars.push(v.to_string());
                    }
                }
            }
            p => {
                if let Some(v) = super::super::types::pat_var(p) {
                    self.lookup_vars.push(v.to_string());
                }
            }
        }
    }

    /// Walks an `if`: the `else` of `if let Some(t) = T::find(..)` makes `T`'s record once.
    pub(super) fn walk_if<'ast>(&mut self, i: &'ast syn::ExprIf)
    where
        Self: Visit<'ast>,
    {
        let first = self.names.writes.text.is_empty() && self.nothing_repeated();
        self.visit_expr(&i.cond);
        if first && self.names.writes.text.is_empty() {
            self.module_refusal_if(i);
            self.exists_refusal_if(i);
        }
        if first && block_refuses(&i.then_branch, &self.cat.writes.error_answers) {
            // `if ea.status != Status::Confirmed as i32 { err!(..) }`.
            state_checks(&i.cond, &mut self.state_checks);
            // `if User::find_by_mail(..).is_some() { err!("User already exists") }`.
            if let Some(ty) = found_type(&i.cond, &self.cat.writes.lookups) {
                self.refused.push(ty);
            }
            // `for r in Role::find_all().await? { if r.name == req.name { return
            // Err("Role already exists") } }`: refused in words, before any write.
            let w = &self.cat.writes;
            if text_refusal_block(&i.then_branch, &w.refusal_texts, &w.error_answers) {
                self.refused_in_words = true;
            }
            // `if user.private_key.is_some() { err!(..) }`: see `claim.rs`.
            self.claim_check(&i.cond);
        }
        // `if !Self::exists(..) { insert }`: the branch runs when the lookup found none.
        let (then_once, else_once) = match &*i.cond {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                (self.own_lookup(&u.expr), false)
            }
            syn::Expr::Let(_) => (false, false),
            // `if store.get_by_id(&p.id).is_ok() { update(p) } else { put(p) }`.
            c => (false, self.own_lookup(c) || self.keyed_upsert(i)),
        };
        if then_once {
            self.writes_once(|c| c.visit_block(&i.then_branch));
        } else if self.change_branch(i) {
            // `if v != krate.f { update(..).set(f.eq(v)); mail }`: once per change.
            self.writes_changed(|c| c.visit_block(&i.then_branch));
        } else {
            self.visit_block(&i.then_branch);
        }
        let found = match &*i.cond {
            syn::Expr::Let(l) => lookup_type(&l.expr, &self.cat.writes.lookups),
            _ => None,
        };
        if let Some((_, e)) = &i.else_branch {
            if else_once {
                self.writes_once(|c| c.visit_expr(e));
            } else {
                self.once(found.as_ref(), |c| c.visit_expr(e));
            }
        }
    }

    /// Runs `walk` with `ty` among the types whose record the code walked makes only
    /// when a lookup found none: a constructor of one (`T::new`) or an identity
    /// generator met there makes no new record on a repeat, which finds the first.
    ///
    /// When that code makes a record of the type (`T::new(..)`), the next attempt
    /// finds it and takes the other way: everything the code writes (the invitation
    /// mail of a new member) is written once ([`repeat::ONCE`]).
    pub(super) fn once(&mut self, ty: Option<&String>, walk: impl FnOnce(&mut Self)) {
        let Some(ty) = ty else {
            return walk(self);
        };
        let mark = self.names.writes.text.len();
        let made = std::mem::take(&mut self.made_here);
        self.made_once.push(ty.clone());
        walk(self);
        self.made_once.pop();
        if std::mem::replace(&mut self.made_here, made) && self.names.writes.text.len() > mark {
            self.names.writes.truncate(mark);
            self.ev.repeat |= repeat::ONCE;
        }
    }

    /// What a method call of a chain says of an outbound request: built as a read
    /// (`.get(url)`, `.request(Method::GET, url)`) or sent (`.send()`).
    pub(super) fn request_kind(&mut self, m: &syn::ExprMethodCall) {
        if m.method == "send" && m.args.is_empty() {
            self.chain |= CHAIN_SEND;
        } else if (m.args.len() == 1 && with_ident_str(&m.method, |n| self.cat.is_read_request(n)))
            || m.args
                .iter()
                .any(|a| read_method(a, |v| self.cat.is_read_request(v)))
        {
            self.chain |= CHAIN_READ;
        }
    }
}

/// A delete chain filtering on a field of `self` other than its id (`self.user_uuid`,
/// not `self.uuid` or `self.id`): it deletes the rows sharing the record's natural key.
pub(super) fn by_own_fields(m: &syn::ExprMethodCall) -> bool {
    struct Scan(bool);
    impl<'ast> Visit<'ast> for Scan {
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            let own = matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident("self"));
            if let (true, syn::Member::Named(id)) = (own, &f.member) {
                self.0 |= id != "id" && id != "uuid";
            }
            visit::visit_expr_field(self, f);
        }
    }
    let mut s = Scan(false);
    s.visit_expr_method_call(m);
    s.0
}

impl Collector<'_> {
    /// No write so far that a repeat makes again: writes made once where a lookup
    /// found none ([`repeat::ONCE`]) or only when a stored value changed
    /// ([`repeat::CHANGED`]) are skipped by the repeat, which then meets the checks
    /// after them first (vaultwarden's emergency-access invite: find-or-create the
    /// grantee, then refuse an existing invitation). A mail sent before
    /// ([`repeat::MAIL`]) is sent again, which changes nothing.
    fn nothing_repeated(&self) -> bool {
        self.ev.repeat & !(repeat::ONCE | repeat::CHANGED | repeat::MAIL) == 0
    }

    /// A refusal of a found record counts when the body makes a record of that type
    /// (`if User::find_by_mail(..).is_some() { err!(..) }` then `User::new(..)`): the
    /// lookup is by what the new record is keyed on, so a repeat finds the first and
    /// is refused. A lookup of another type (a ban) refuses nothing a repeat makes.
    pub(super) fn refusal_of_found(&mut self) {
        let refused = std::mem::take(&mut self.refused);
        let calls = &self.names.type_calls.text;
        let made = |ty: &str| {
            calls.split_terminator('\n').any(|c| {
                c.split_once("::").is_some_and(|(t, f)| {
                    t == ty && self.cat.writes.not_followed.iter().any(|n| n == f)
                })
            })
        };
        if refused.iter().any(|t| made(t)) {
            self.ev.repeat |= repeat::REFUSES;
        }
        // Refused in words and then written: a config check saying "duplicate key" in
        // a body that writes nothing refuses no repeat of the handler calling it.
        if std::mem::take(&mut self.refused_in_words) && !self.names.writes.text.is_empty() {
            self.ev.repeat |= repeat::REFUSES;
        }
    }
}

impl Collector<'_> {
    /// `let res = Entity::insert(m).exec(db).await;`: a plain variable bound to one
    /// write, the last the body made, kept for a `match res { .. }` to judge it.
    pub(super) fn bind_write(&mut self, pat: &syn::Pat, init: &syn::Expr, before: usize) {
        self.bound_write = None;
        if self.names.writes.text.len() == before || !call_chain(init) {
            return;
        }
        if let syn::Pat::Ident(id) = pat {
            if id.subpat.is_none() {
                self.bound_write =
                    Some((id.ident.to_string(), before, self.names.writes.text.len()));
            }
        }
    }

    /// `match res`, `res` bound to a write nothing was written after: where the
    /// writes stood before that write.
    fn bound_write_asked(&self, e: &syn::Expr) -> Option<usize> {
        let (var, before, after) = self.bound_write.as_ref()?;
        let syn::Expr::Path(p) = e else {
            return None;
        };
        (p.path.is_ident(var) && self.names.writes.text.len() == *after).then_some(*before)
    }

    /// `let Some(a) = T::find_by_id(..) else { err!(..) };` before any write: `a` is
    /// required, a repeat finding none is refused.
    pub(super) fn found_or_refused(&mut self, pat: &syn::Pat, init: &syn::LocalInit) {
        let Some((_, diverge)) = &init.diverge else {
            return;
        };
        let first = self.names.writes.text.is_empty() && self.nothing_repeated();
        if !first || !expr_refuses(diverge, &self.cat.writes.error_answers) || found_nothing(pat) {
            return;
        }
        if lookup_type(&init.expr, &self.cat.writes.lookups).is_none() {
            return;
        }
        if let Some(v) = super::super::types::pat_var(pat) {
            self.required.push(v.to_string());
        }
    }

    /// A delete of a required record (`attachment.delete(conn)`): the body takes a
    /// one-time state, so a repeat finds none and is refused before writing
    /// ([`repeat::REFUSES`]; vaultwarden's attachment re-upload deletes the old
    /// attachment first).
    pub(super) fn takes(&mut self, m: &syn::ExprMethodCall) {
        if self.required.is_empty() || !self.cat.is_delete(&m.method.to_string()) {
            return;
        }
        if let Some(v) = super::super::types::var(&m.receiver) {
            self.taken |= self.required.contains(&v);
        }
    }
}

/// A call chain with no closure or block among its arguments
/// (`Entity::insert(m).exec(&db).await?`): the writes it makes are that statement's.
fn call_chain(e: &syn::Expr) -> bool {
    let plain = |a: &syn::Expr| {
        !matches!(
            a,
            syn::Expr::Closure(_) | syn::Expr::Async(_) | syn::Expr::Block(_)
        )
    };
    match e {
        syn::Expr::Await(a) => call_chain(&a.base),
        syn::Expr::Try(t) => call_chain(&t.expr),
        syn::Expr::MethodCall(m) => m.args.iter().all(plain) && call_chain(&m.receiver),
        syn::Expr::Call(c) => c.args.iter().all(plain) && matches!(&*c.func, syn::Expr::Path(_)),
        syn::Expr::Path(_) | syn::Expr::Reference(_) | syn::Expr::Field(_) => true,
        _ => false,
    }
}

/// A check a record's state must pass, with `||` between refusing alternatives: `v.f !=
/// X`, `v.f == X`, `v.f` and `!v.f` (a bool). Each is (variable, field, whether the
/// check refuses when equal, the compared value's tokens).
pub(super) type StateCheck = (String, String, bool, String);

fn state_checks(cond: &syn::Expr, out: &mut Vec<StateCheck>) {
    use quote::ToTokens;
    let field = |e: &syn::Expr| match e {
        syn::Expr::Field(f) => match (super::super::types::var(&f.base), &f.member) {
            (Some(v), syn::Member::Named(id)) => Some((v, id.to_string())),
            _ => None,
        },
        _ => None,
    };
    match cond {
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Or(_)) => {
            state_checks(&b.left, out);
            state_checks(&b.right, out);
        }
        syn::Expr::Paren(p) => state_checks(&p.expr, out),
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            // `s != A && s != B`: refused unless one of them (one check, values `A | B`).
            let mut parts = Vec::new();
            state_checks(&b.left, &mut parts);
            state_checks(&b.right, &mut parts);
            let same = |p: &StateCheck, q: &StateCheck| p.0 == q.0 && p.1 == q.1 && !p.2 && !q.2;
            if parts.len() == 2 && same(&parts[0], &parts[1]) {
                let allowed = format!("{} | {}", parts[0].3, parts[1].3);
                out.push((parts[0].0.clone(), parts[0].1.clone(), false, allowed));
            }
        }
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Ne(_) | syn::BinOp::Eq(_)) => {
            let eq = matches!(b.op, syn::BinOp::Eq(_));
            if let Some((v, f)) = field(&b.left) {
                out.push((v, f, eq, b.right.to_token_stream().to_string()));
            } else if let Some((v, f)) = field(&b.right) {
                out.push((v, f, eq, b.left.to_token_stream().to_string()));
            }
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            if let Some((v, f)) = field(&u.expr) {
                out.push((v, f, true, "false".to_string()));
            }
        }
        e => {
            if let Some((v, f)) = field(e) {
                out.push((v, f, true, "true".to_string()));
            }
        }
    }
}

impl Collector<'_> {
    /// `v.f = value`, a statement of the function body, after a refusing check of
    /// `v.f`: a state transition. A repeat
    /// meets the new state and is refused when the check refused anything but the
    /// state the first attempt left (`!=` a source state, then another value) or
    /// refused the very state it sets (`==` done, then set to done).
    pub(super) fn transition(&mut self, a: &syn::ExprAssign) {
        use quote::ToTokens;
        if self.state_checks.is_empty()
            || !self.top_assigns.contains(&(std::ptr::from_ref(a) as usize))
        {
            return;
        }
        let syn::Expr::Field(f) = &*a.left else {
            return;
        };
        let (Some(v), syn::Member::Named(id)) = (super::super::types::var(&f.base), &f.member)
        else {
            return;
        };
        let value = a.right.to_token_stream().to_string();
        let refused = self.state_checks.iter().any(|(cv, cf, eq, cval)| {
            *cv == v && id == cf && (*eq == cval.split(" | ").any(|c| c == value))
        });
        if refused && self.transition_seen.is_none() {
            self.transition_seen = Some(v);
        }
    }
}

/// The assignments (by address) every call that goes on makes: statements of the
/// block, and of the `then` block of a statement `if let Some(g) = .. { .. } else {
/// err!(..) }`, whose other way refuses.
pub(super) fn unconditional_assigns(body: &syn::Block, answers: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut blocks = vec![body];
    while let Some(b) = blocks.pop() {
        for st in &b.stmts {
            match st {
                syn::Stmt::Expr(syn::Expr::Assign(a), _) => {
                    out.push(std::ptr::from_ref(a) as usize)
                }
                syn::Stmt::Expr(syn::Expr::If(i), _) => {
                    if let Some((_, els)) = &i.else_branch {
                        if matches!(&*i.cond, syn::Expr::Let(_)) && expr_refuses(els, answers) {
                            blocks.push(&i.then_branch);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
