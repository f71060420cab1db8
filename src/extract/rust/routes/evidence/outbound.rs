//! Outbound requests that change nothing a repeat would change twice: a POST to a
//! literal path whose verb segment says delete (`POST {relay}/push/delete/{id}`, the
//! catalogue's `delete-segments`) removes the resource it names, so a repeat removes
//! nothing more, as an HTTP `DELETE` would; an OAuth token request (a path ending in
//! `/token`, `token-paths`, from a body naming `grant_type`) asks for a credential, as
//! a sign-in does, and changes no state.

use proc_macro2::TokenTree;
use syn::visit::{self, Visit};

use super::{Collector, CHAIN_DELETE, CHAIN_TOKEN};

impl Collector<'_> {
    /// Marks the current chain as a delete request when `args` hold a URL literal
    /// (or a `format!` of one) with a whole path segment among `delete-segments`, and
    /// as a token request when its last segment is among `token-paths`.
    pub(super) fn delete_request<'a>(&mut self, args: impl IntoIterator<Item = &'a syn::Expr>) {
        if self.chain_depth == 0 {
            return;
        }
        let w = &self.cat.writes;
        let deletes = |p: &str| {
            p.split(['/', '?'])
                .any(|s| w.delete_segments.iter().any(|d| d == s))
        };
        let token = |p: &str| {
            let path = p.split('?').next().unwrap_or(p).trim_end_matches('/');
            let last = path.rsplit('/').next();
            w.token_paths.iter().any(|t| last == Some(t.as_str()))
        };
        for a in args {
            if names_path(a, deletes) {
                self.chain |= CHAIN_DELETE;
            }
            if names_path(a, token) {
                self.chain |= CHAIN_TOKEN;
            }
        }
    }
}

/// `e` holds a string literal that is a path (`/` in it) for which `test` holds
/// (`"{}/push/delete/{}"`, in a `format!` or not).
fn names_path(e: &syn::Expr, test: impl Fn(&str) -> bool) -> bool {
    struct Scan<F> {
        test: F,
        hit: bool,
    }
    impl<F: Fn(&str) -> bool> Scan<F> {
        fn text(&mut self, t: &str) {
            self.hit |= t.contains('/') && (self.test)(t);
        }
        fn tokens(&mut self, ts: proc_macro2::TokenStream) {
            for tt in ts {
                match tt {
                    TokenTree::Literal(l) => {
                        if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                            self.text(&s.value());
                        }
                    }
                    TokenTree::Group(g) => self.tokens(g.stream()),
                    _ => {}
                }
            }
        }
    }
    impl<'ast, F: Fn(&str) -> bool> Visit<'ast> for Scan<F> {
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            self.text(&s.value());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
            visit::visit_macro(self, m);
        }
    }
    let mut s = Scan { test, hit: false };
    s.visit_expr(e);
    s.hit
}
