//! A record looked up through a module's function and refused when found, before any
//! write, by an error answer (`match org_storage::get_config(&org).await { Ok(Some(_))
//! => return HttpResponse::bad_request("already set up"), Ok(None) => {}, Err(e) =>
//! .. }`, or `if org_storage::get_config(&org).await?.is_some() { return .. }`), in a
//! body that then writes through a write-named function of that same module
//! (`org_storage::set_storage(&org, ..)`): the first attempt stores the record, a
//! repeat finds it and is refused ([`repeat::REFUSES`]). The `Some` of the pattern is
//! what shows a lookup, whatever the function's name. An error answer is `Err(..)`,
//! `err!`/`bail!`, or a returned call of the catalogue's `error-answers`
//! (`bad_request`, `conflict`); a lookup refusing a record of another module (a ban
//! list) refuses nothing the body writes.

use syn::visit::Visit;

use super::{answer, repeat, Collector};

impl Collector<'_> {
    /// A `match` over a module's lookup, before any write: an arm finding the record
    /// that answers an error notes the lookup. Not an arm with a guard (`Ok(Some(s)) if
    /// s.status == Active`): it refuses in one state only, which the first attempt need
    /// not leave.
    pub(super) fn module_refusal_match(&mut self, m: &syn::ExprMatch) {
        // The arms first: most matches refuse nothing, and naming the call allocates.
        let answers = &self.cat.writes.error_answers;
        let refuses = m.arms.iter().any(|a| {
            a.guard.is_none() && finds_some(&a.pat) && answer::expr_refuses(&a.body, answers)
        });
        if let Some(call) = refuses.then(|| module_call(&m.expr)).flatten() {
            self.refused_modules.push(call);
        }
    }

    /// An `if` asking whether a module's lookup found the record, before any write,
    /// that answers an error where it did: notes the lookup. Asked directly
    /// (`if store::get(..).await.is_some() { return conflict(..) }`, `.is_ok()` of a
    /// lookup that fails when there is none), through a variable holding the lookup's
    /// answer (`let found = store::get(..).await; if found.is_err() { store::add(..) }
    /// else { Ok(bad_request(..)) }`) or a `bool` bound to the question (`let is_member
    /// = store::get(..).await.is_ok(); if is_member { return conflict(..) }`). Where the
    /// question is whether it found none, the `else` must answer the error.
    pub(super) fn module_refusal_if(&mut self, i: &syn::ExprIf) {
        let Some((found, call)) = self.asks_found(&i.cond) else {
            return;
        };
        let answers = &self.cat.writes.error_answers;
        let refuses = if found {
            answer::block_refuses(&i.then_branch, answers)
        } else {
            match i.else_branch.as_ref().map(|(_, e)| &**e) {
                Some(syn::Expr::Block(b)) => answer::block_value_refuses(&b.block, answers),
                _ => false,
            }
        };
        if refuses {
            self.refused_modules.push(call);
        }
    }

    /// What a condition asks of a module's lookup: `(true, lookup)` whether it found the
    /// record, `(false, lookup)` whether it found none (`!` turns one into the other).
    fn asks_found(&self, cond: &syn::Expr) -> Option<(bool, (String, String))> {
        match cond {
            syn::Expr::Paren(p) => self.asks_found(&p.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                self.asks_found(&u.expr).map(|(found, call)| (!found, call))
            }
            syn::Expr::MethodCall(m) if m.args.is_empty() => {
                let found = found_question(&m.method)?;
                let call = module_call(&m.receiver).or_else(|| {
                    let var = single_ident(&m.receiver)?;
                    self.module_lookups
                        .iter()
                        .rev()
                        .find(|(v, _, _)| var == v)
                        .map(|(_, l, _)| l.clone())
                })?;
                Some((found, call))
            }
            syn::Expr::Path(_) => {
                let var = single_ident(cond)?;
                let (_, call, found) = self
                    .module_lookups
                    .iter()
                    .rev()
                    .find(|(v, _, _)| var == v)?;
                found.map(|f| (f, call.clone()))
            }
            _ => None,
        }
    }

    /// `let found = store::get(..).await;` (the lookup's answer) or `let is_member =
    /// store::get(..).await.is_ok();` (a `bool` saying it found the record): kept for
    /// [`Collector::module_refusal_if`]. Only a plain variable; the last binding of a
    /// name wins, and binding it to anything else forgets it.
    pub(super) fn bind_module_lookup(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        let syn::Pat::Ident(id) = pat else {
            return;
        };
        if id.subpat.is_some() {
            return;
        }
        let bound = match init {
            syn::Expr::MethodCall(m) if m.args.is_empty() => match found_question(&m.method) {
                Some(found) => module_call(&m.receiver).map(|c| (c, Some(found))),
                None => module_call(init).map(|c| (c, None)),
            },
            _ => lookup_answer(init).map(|c| (c, None)),
        };
        if let Some((call, found)) = bound {
            self.module_lookups
                .push((id.ident.to_string(), call, found));
        } else if !self.module_lookups.is_empty() {
            // Bound again to something else: the name no longer holds the lookup.
            self.module_lookups.retain(|(v, _, _)| id.ident != v);
        }
    }

    /// At the end of the body: a refused lookup counts when the body writes through a
    /// write-named function of the lookup's module.
    pub(super) fn module_refusal_finish(&mut self) {
        self.module_lookups.clear();
        let refused = std::mem::take(&mut self.refused_modules);
        let paths = &self.names.path_calls.text;
        let stored = refused.iter().any(|(module, lookup)| {
            paths.split_terminator('\n').any(|p| {
                p.strip_prefix(module.as_str())
                    .and_then(|rest| rest.strip_prefix("::"))
                    .is_some_and(|f| {
                        f != lookup && !f.contains("::") && self.writes_through_module(f)
                    })
            })
        });
        if stored {
            self.ev.repeat |= repeat::REFUSES;
        }
    }
}

impl Collector<'_> {
    /// An `if` asking a function of this module whether the record exists (a name
    /// holding the word `exists`: `if view_exists_with_name(org, &v.name).await.is_some()
    /// { return Err(..) }`, `if name_exists(..)? { bail!(..) }`), before any write, that
    /// answers an error where it does: the body refuses what it would make twice, so a
    /// repeat is refused ([`repeat::REFUSES`]). Only a bare name (or `Self::`, `self::`):
    /// a module's or type's lookup is judged by the record it names.
    pub(super) fn exists_refusal_if(&mut self, i: &syn::ExprIf) {
        if asks_exists(&i.cond)
            && answer::block_refuses(&i.then_branch, &self.cat.writes.error_answers)
        {
            self.ev.repeat |= repeat::REFUSES;
        }
    }

    /// `f`, called through a module's path, writes: write-named, or one of the
    /// catalogue's `module-writes` (`add`).
    fn writes_through_module(&self, f: &str) -> bool {
        self.cat.is_write_call(f) || self.cat.writes.module_writes.iter().any(|w| w == f)
    }
}

/// What a method asks of a lookup's answer: `Some(true)` whether it found the record
/// (`is_some`, `is_ok`: a lookup that fails when there is none), `Some(false)` whether
/// it found none.
fn found_question(method: &syn::Ident) -> Option<bool> {
    if method == "is_some" || method == "is_ok" {
        Some(true)
    } else if method == "is_none" || method == "is_err" {
        Some(false)
    } else {
        None
    }
}

/// The module lookup whose answer `e` is: a call of one, or an `if` each of whose two
/// branches ends in a call of the same one (`if root { users::get(None, e).await } else
/// { users::get(Some(org), e).await }`).
fn lookup_answer(e: &syn::Expr) -> Option<(String, String)> {
    let syn::Expr::If(i) = e else {
        return module_call(e);
    };
    let tail = |b: &syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => module_call(e),
        _ => None,
    };
    let Some((_, syn::Expr::Block(other))) = i.else_branch.as_ref().map(|(t, e)| (t, &**e)) else {
        return None;
    };
    let first = tail(&i.then_branch)?;
    (tail(&other.block)? == first).then_some(first)
}

/// The variable a plain one-segment path names (`found`).
fn single_ident(e: &syn::Expr) -> Option<&syn::Ident> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

/// `(module, function)` of a call through a module's path (`org_storage::get(..)`,
/// through `.await`, `?`, parentheses and method calls on its result such as
/// `.ok().flatten()`): every segment before the function a module's name (see
/// [`super::calls::module_name`], the rule [`Collector::module_path_call`] keeps path
/// calls by), no type's.
fn module_call(e: &syn::Expr) -> Option<(String, String)> {
    match e {
        syn::Expr::Await(a) => module_call(&a.base),
        syn::Expr::Try(t) => module_call(&t.expr),
        syn::Expr::Paren(p) => module_call(&p.expr),
        syn::Expr::MethodCall(m) => module_call(&m.receiver),
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let segs: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
            let (last, module) = segs.split_last()?;
            if module.is_empty() {
                return None;
            }
            let mut path = String::new();
            for s in module {
                let name = s.ident.to_string();
                if !s.arguments.is_none() || !super::calls::module_name(&name) {
                    return None;
                }
                if !path.is_empty() {
                    path.push_str("::");
                }
                path.push_str(&name);
            }
            Some((path, last.ident.to_string()))
        }
        _ => None,
    }
}

/// A pattern finding a record: it holds `Some` (`Some(_)`, `Ok(Some(c))`).
fn finds_some(pat: &syn::Pat) -> bool {
    struct Scan(bool);
    impl<'ast> Visit<'ast> for Scan {
        fn visit_ident(&mut self, id: &'ast proc_macro2::Ident) {
            self.0 |= id == "Some";
        }
    }
    let mut s = Scan(false);
    s.visit_pat(pat);
    s.0
}

/// Whether a condition asks whether something exists, through a local function named
/// so: its call (a `bool`), `.is_some()`/`.is_ok()` of it, or `let Some(_) = ..` of it.
fn asks_exists(cond: &syn::Expr) -> bool {
    let call = match cond {
        syn::Expr::Paren(p) => return asks_exists(&p.expr),
        syn::Expr::MethodCall(m)
            if m.args.is_empty() && found_question(&m.method) == Some(true) =>
        {
            &*m.receiver
        }
        syn::Expr::Let(l) if finds_some(&l.pat) => &*l.expr,
        c => c,
    };
    let syn::Expr::Call(c) = super::super::orm::strip(call) else {
        return false;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let segs: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
    let local = match segs.as_slice() {
        [_] => true,
        [first, _] => first.ident == "Self" || first.ident == "self",
        _ => false,
    };
    local
        && segs.last().is_some_and(|f| {
            let name = f.ident.to_string();
            name.split('_').any(|w| w == "exists")
        })
}
