//! A record claimed once: a lookup's found arm refuses when a field of the found
//! record is already filled (`Some(user) => if !user.password_hash.is_empty() {
//! err!("user already exists") }`), and the function fills that very field on the
//! record it saves (`user.set_password(..)`, `user.password_hash = ..`). The first
//! attempt fills it, so a repeat finds the record filled and is refused
//! ([`repeat::REFUSES`]): vaultwarden's registration of an invited account. The same
//! check on a record the request brings (`if user.private_key.is_some() { err!(..) }`
//! on the signed-in user, before any write) claims that field too: vaultwarden's
//! `set-password` of a new account, which fills the key and saves the user.

use super::{repeat, Collector};

impl Collector<'_> {
    /// Notes the fields the found arm of a lookup refuses when filled, before any
    /// write: `(variable, field)` of each `if !x.f.is_empty() { err!(..) }` or `if
    /// x.f.is_some() { err!(..) }` among the arm's own statements.
    pub(super) fn claim_checks(&mut self, arm: &syn::Arm) {
        let Some(var) = super::types::pat_var(&arm.pat) else {
            return;
        };
        let syn::Expr::Block(b) = &*arm.body else {
            return;
        };
        for st in &b.block.stmts {
            let syn::Stmt::Expr(syn::Expr::If(i), _) = st else {
                continue;
            };
            if !super::answer::block_refuses(&i.then_branch, &self.cat.writes.error_answers) {
                continue;
            }
            if let Some((v, f)) = filled(&i.cond).filter(|(v, _)| var == v) {
                self.claims.push((v, f));
            }
        }
    }

    /// An `if` of the body, before any write, refusing when a field of a record is
    /// filled (`if user.private_key.is_some() { err!(..) }`): a claim of that field.
    pub(super) fn claim_check(&mut self, cond: &syn::Expr) {
        if let Some(claim) = filled(cond) {
            self.claims.push(claim);
        }
    }

    /// `x.set_password(..)` or `x.password_hash = ..` on a claimed record: the body
    /// fills the field its lookup refused filled.
    pub(super) fn claim_filled(&mut self, var: Option<String>, setter: &str) {
        let Some(var) = var else { return };
        let fills = |f: &str| match setter.strip_prefix("set_") {
            Some(name) => f.starts_with(name),
            None => f == setter,
        };
        if self.claims.iter().any(|(v, f)| *v == var && fills(f)) && self.claim_seen.is_none() {
            self.claim_seen = Some(var);
        }
    }

    /// `user.set_password(..)`: see [`Collector::claim_filled`].
    pub(super) fn claim_method(&mut self, m: &syn::ExprMethodCall) {
        if !self.claims.is_empty() {
            self.claim_filled(super::types::var(&m.receiver), &m.method.to_string());
        }
    }

    /// `user.password_hash = ..`: see [`Collector::claim_filled`].
    pub(super) fn claim_assign(&mut self, a: &syn::ExprAssign) {
        if let (false, syn::Expr::Field(f)) = (self.claims.is_empty(), &*a.left) {
            if let syn::Member::Named(id) = &f.member {
                self.claim_filled(super::types::var(&f.base), &id.to_string());
            }
        }
    }

    /// At the end of the body: the claimed record is saved (by a write call on it
    /// other than a setter: `user.save(..)`, not `user.set_password(..)` itself).
    pub(super) fn finish_claim(&mut self) {
        if let Some(v) = self.claim_seen.take() {
            let ty = self.type_of_name(&v);
            let saved = self.names.writes.text.split_terminator('\n').any(|w| {
                let on_var = w.strip_prefix(v.as_str()).and_then(|r| r.strip_prefix('.'));
                let on_type = ty
                    .and_then(|t| w.strip_prefix(t))
                    .and_then(|r| r.strip_prefix("::"));
                on_var.or(on_type).is_some_and(|m| !m.starts_with("set_"))
            });
            if saved {
                self.ev.repeat |= repeat::REFUSES;
            }
        }
        self.claims.clear();
    }
}

/// The `(variable, field)` a condition tests filled: `!x.f.is_empty()`, `x.f.is_some()`.
fn filled(cond: &syn::Expr) -> Option<(String, String)> {
    let (call, want) = match cond {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => (&*u.expr, "is_empty"),
        e => (e, "is_some"),
    };
    let syn::Expr::MethodCall(m) = call else {
        return None;
    };
    if m.method != want || !m.args.is_empty() {
        return None;
    }
    let syn::Expr::Field(f) = &*m.receiver else {
        return None;
    };
    let (Some(v), syn::Member::Named(id)) = (super::types::var(&f.base), &f.member) else {
        return None;
    };
    Some((v, id.to_string()))
}
