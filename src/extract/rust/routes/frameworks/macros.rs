//! Macros: `routes![a, b]`, `warp::path!(..)`, and routers inside other macro bodies.

use super::*;

impl Summarizer<'_> {
    /// Macros: `routes![a, b]`, `warp::path!("orders" / u64)`; other macro bodies are
    /// parsed as expressions when they are (`vec![..]`, by the front end's re-parser),
    /// so routers inside are seen.
    pub(super) fn mac(&mut self, m: &syn::Macro, cx: &mut FnCtx, d: usize) -> Val {
        let Some(last) = last_ident(&m.path) else {
            return Val::Other;
        };
        let fw = &self.cat.frameworks;
        if has(&fw.registration_macros, &last) {
            let mut names = Vec::new();
            let parsed = m.parse_body_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            );
            if let Ok(paths) = parsed {
                for p in paths {
                    if let Some(n) = last_ident(&p) {
                        if !self.out.macro_registered.contains(&n) {
                            self.out.macro_registered.push(n.clone());
                        }
                        names.push(n);
                    }
                }
            }
            return Val::Fns(names);
        }
        if has(&fw.path_filters, &format!("{last}!"))
            && (m.path.segments.len() >= 2
                || self
                    .imports
                    .lookup(&last, !self.cat.skip_test_code)
                    .is_some_and(|u| u.first().is_some_and(|h| h == "warp")))
        {
            return Val::Methods(Pending {
                path: warp_path_macro(m.tokens.clone()),
                ..Pending::default()
            });
        }
        if !mentions(&m.tokens, self.interesting, 0) {
            return Val::Other;
        }
        if let Some(args) = crate::extract::rust::front::macros::comma_exprs(m) {
            for a in args.iter() {
                self.eval_discard(a, cx, d);
            }
        }
        Val::Other
    }
}

/// `"orders" / u64 / "items"` → `["orders", "{}", "items"]`.
fn warp_path_macro(ts: TokenStream) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current: Option<String> = None;
    let mut any = false;
    for tt in ts {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '/' => {
                parts.push(current.take().unwrap_or_else(|| "{}".to_string()));
                any = false;
            }
            TokenTree::Punct(p) if p.as_char() == '.' => break,
            TokenTree::Literal(l) if !any => {
                current = string_literals(TokenStream::from(TokenTree::Literal(l)))
                    .into_iter()
                    .next();
                any = true;
            }
            _ => {
                current = None;
                any = true;
            }
        }
    }
    if any {
        parts.push(current.unwrap_or_else(|| "{}".to_string()));
    }
    parts
}
