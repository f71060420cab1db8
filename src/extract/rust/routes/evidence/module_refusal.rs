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

use super::{refuse, repeat, Collector};

impl Collector<'_> {
    /// A `match` over a module's lookup, before any write: an arm finding the record
    /// that answers an error notes the lookup. Not an arm with a guard (`Ok(Some(s)) if
    /// s.status == Active`): it refuses in one state only, which the first attempt need
    /// not leave.
    pub(super) fn module_refusal_match(&mut self, m: &syn::ExprMatch) {
        // The arms first: most matches refuse nothing, and naming the call allocates.
        let refuses = m
            .arms
            .iter()
            .any(|a| a.guard.is_none() && finds_some(&a.pat) && self.answers_error(&a.body));
        if let Some(call) = refuses.then(|| module_call(&m.expr)).flatten() {
            self.refused_modules.push(call);
        }
    }

    /// An `if` asking whether a module's lookup found the record (`.is_some()`), before
    /// any write, whose `then` block answers an error: notes the lookup.
    pub(super) fn module_refusal_if(&mut self, i: &syn::ExprIf) {
        let syn::Expr::MethodCall(asked) = &*i.cond else {
            return;
        };
        if asked.method != "is_some" || !asked.args.is_empty() {
            return;
        }
        let answers = |s: &syn::Stmt| match s {
            syn::Stmt::Expr(e, _) => self.answers_error(e),
            s => refuse::stmt_refuses(s),
        };
        if !i.then_branch.stmts.iter().any(answers) {
            return;
        }
        if let Some(call) = module_call(&asked.receiver) {
            self.refused_modules.push(call);
        }
    }

    /// At the end of the body: a refused lookup counts when the body writes through a
    /// write-named function of the lookup's module.
    pub(super) fn module_refusal_finish(&mut self) {
        let refused = std::mem::take(&mut self.refused_modules);
        let paths = &self.names.path_calls.text;
        let stored = refused.iter().any(|(module, lookup)| {
            paths.split_terminator('\n').any(|p| {
                p.strip_prefix(module.as_str())
                    .and_then(|rest| rest.strip_prefix("::"))
                    .is_some_and(|f| f != lookup && !f.contains("::") && self.cat.is_write_call(f))
            })
        });
        if stored {
            self.ev.repeat |= repeat::REFUSES;
        }
    }

    /// `e` answers an error: as [`refuse::expr_refuses`], or returns a call of an
    /// `error-answers` name (`return HttpResponse::bad_request(..)`), directly or as a
    /// statement of a block.
    fn answers_error(&self, e: &syn::Expr) -> bool {
        let answers = &self.cat.writes.error_answers;
        let answer = |e: &syn::Expr| match e {
            syn::Expr::Return(r) => matches!(r.expr.as_deref(), Some(syn::Expr::Call(c))
                if matches!(&*c.func, syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| answers.iter().any(|a| s.ident == a)))),
            _ => false,
        };
        refuse::expr_refuses(e)
            || answer(e)
            || matches!(e, syn::Expr::Block(b) if b.block.stmts.iter().any(|s| {
                matches!(s, syn::Stmt::Expr(e, _) if answer(e))
            }))
    }
}

/// `(module, function)` of a call through a module's path (`org_storage::get(..)`,
/// through `.await`, `?`, parentheses and method calls on its result such as
/// `.ok().flatten()`): every segment before the function is lowercase, no type's.
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
                if !name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
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
