//! The first URL a retry names: a string literal, a `const`, a format string over a
//! URL `const`, or a `let` whose value names one.

use syn::visit::Visit;

use super::{Ctx, Lets, MAX_DEPTH};

/// Looks for the first URL named in code, in text order: a URL string literal (or a
/// format string over a URL `const`), a `const` holding one, or a `let` whose value
/// names one (followed once per name).
pub(super) struct TargetFinder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    lets: &'c Lets,
    followed: Vec<String>,
    depth: usize,
    pub(super) found: Option<String>,
}

impl<'c, 'a> TargetFinder<'c, 'a> {
    pub(super) fn new(ctx: &'c Ctx<'a>, lets: &'c Lets) -> Self {
        TargetFinder {
            ctx,
            lets,
            followed: Vec::new(),
            depth: 0,
            found: None,
        }
    }

    fn ident(&mut self, i: &proc_macro2::Ident) {
        if self.found.is_some() {
            return;
        }
        let name = i.to_string();
        if let Some(v) = self.ctx.consts.get(&name) {
            if looks_like_url(v) {
                self.found = Some(v.clone());
            }
        } else if let Some(init) = self.lets.get(&name) {
            if !self.followed.contains(&name) && self.depth < MAX_DEPTH {
                self.followed.push(name);
                self.depth += 1;
                self.visit_expr(init);
                self.depth -= 1;
            }
        }
    }

    fn string(&mut self, value: &str) {
        if self.found.is_none() {
            self.found = self.ctx.url_in_literal(value);
        }
    }

    /// Macro bodies and the token streams the crate extractor hands over.
    pub(super) fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut stack = vec![tokens.into_iter()];
        while let Some(iter) = stack.last_mut() {
            if self.found.is_some() {
                return;
            }
            let Some(tt) = iter.next() else {
                stack.pop();
                continue;
            };
            match tt {
                proc_macro2::TokenTree::Group(g) => {
                    if stack.len() + self.depth < MAX_DEPTH {
                        stack.push(g.stream().into_iter());
                    }
                }
                proc_macro2::TokenTree::Literal(l) => {
                    if let syn::Lit::Str(s) = syn::Lit::new(l) {
                        self.string(&s.value());
                    }
                }
                proc_macro2::TokenTree::Ident(i) => {
                    self.depth += stack.len();
                    self.ident(&i);
                    self.depth -= stack.len();
                }
                proc_macro2::TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for TargetFinder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.found.is_none() && self.depth < MAX_DEPTH {
            self.depth += 1;
            syn::visit::visit_expr(self, e);
            self.depth -= 1;
        }
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.ident(i);
    }
    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.string(&s.value());
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}

pub(super) fn looks_like_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty() && !rest.is_empty() && !scheme.contains(' ')
    })
}
