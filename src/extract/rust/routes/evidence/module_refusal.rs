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

    /// An `if` asking whether a module's lookup found the record (`.is_some()`), before
    /// any write, whose `then` block answers an error: notes the lookup.
    pub(super) fn module_refusal_if(&mut self, i: &syn::ExprIf) {
        let syn::Expr::MethodCall(asked) = &*i.cond else {
            return;
        };
        if asked.method != "is_some" || !asked.args.is_empty() {
            return;
        }
        if !answer::block_refuses(&i.then_branch, &self.cat.writes.error_answers) {
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
