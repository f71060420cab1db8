//! Outbound requests that delete: a POST to a literal path whose verb segment says
//! so (`POST {relay}/push/delete/{id}`, the catalogue's `delete-segments`) removes the
//! resource it names, so a repeat removes nothing more, as an HTTP `DELETE` would.

use proc_macro2::TokenTree;
use syn::visit::{self, Visit};

use super::{Collector, CHAIN_DELETE};

impl Collector<'_> {
    /// Marks the current chain as a delete request when `args` hold a URL literal
    /// (or a `format!` of one) with a whole path segment among `delete-segments`.
    pub(super) fn delete_request<'a>(&mut self, args: impl IntoIterator<Item = &'a syn::Expr>) {
        if self.chain_depth == 0 {
            return;
        }
        let segs = &self.cat.writes.delete_segments;
        if args.into_iter().any(|a| names_delete_path(a, segs)) {
            self.chain |= CHAIN_DELETE;
        }
    }
}

/// `e` holds a string literal that is a path (`/` in it) one of whose segments is a
/// delete verb, placeholders aside (`"{}/push/delete/{}"`).
fn names_delete_path(e: &syn::Expr, segs: &[String]) -> bool {
    struct Scan<'a> {
        segs: &'a [String],
        hit: bool,
    }
    impl Scan<'_> {
        fn text(&mut self, t: &str) {
            self.hit |= t.contains('/')
                && t.split(['/', '?'])
                    .any(|s| self.segs.iter().any(|d| d == s));
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
    impl<'ast> Visit<'ast> for Scan<'_> {
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            self.text(&s.value());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
            visit::visit_macro(self, m);
        }
    }
    let mut s = Scan { segs, hit: false };
    s.visit_expr(e);
    s.hit
}
