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
            let [delete, to_token] = names_paths(a, [&deletes, &token]);
            if delete {
                self.chain |= CHAIN_DELETE;
            }
            if to_token {
                self.chain |= CHAIN_TOKEN;
            }
        }
    }
}

/// For each test, whether `e` holds a string literal that is a path (`/` in it) for
/// which it holds (`"{}/push/delete/{}"`, in a `format!` or not): one walk for both.
fn names_paths(e: &syn::Expr, tests: [&dyn Fn(&str) -> bool; 2]) -> [bool; 2] {
    struct Scan<'t> {
        tests: [&'t dyn Fn(&str) -> bool; 2],
        hits: [bool; 2],
    }
    impl Scan<'_> {
        fn text(&mut self, t: &str) {
            if t.contains('/') {
                for (hit, test) in self.hits.iter_mut().zip(self.tests) {
                    *hit |= test(t);
                }
            }
        }
        fn tokens(&mut self, ts: proc_macro2::TokenStream) {
            for tt in ts {
                match tt {
                    TokenTree::Literal(l) => {
                        let repr = l.to_string();
                        // Only a literal with a `/` (or an escape) can name a path: most
                        // are not parsed.
                        if !repr.contains(['/', '\\']) {
                            continue;
                        }
                        if let Ok(s) = syn::parse_str::<syn::LitStr>(&repr) {
                            self.text(&s.value());
                        }
                    }
                    TokenTree::Group(g) => self.tokens(g.stream()),
                    _ => {}
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Scan<'_> {
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            // As in a macro body: only a literal with a `/` (or an escape) in its
            // source can hold one, and most do not; their value is not made.
            if s.token().to_string().contains(['/', '\\']) {
                self.text(&s.value());
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
            visit::visit_macro(self, m);
        }
    }
    let mut s = Scan {
        tests,
        hits: [false; 2],
    };
    s.visit_expr(e);
    s.hits
}
