//! Macro bodies, which `syn` keeps as tokens: blocks in them are walked as code
//! (vaultwarden's `db_run!`), the rest scanned for key literals, SQL, constants and
//! calls.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::Parser as _;
use syn::visit::Visit;

use super::Collector;

impl Collector<'_> {
    /// A literal of a macro body: a key header when it is a plain string naming one.
    pub(super) fn token_literal(&mut self, l: &proc_macro2::Literal) {
        let mut text = std::mem::take(&mut self.names.literal);
        text.clear();
        let _ = write!(text, "{l}");
        if let Some(inner) = text.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            self.literal(inner);
        } else if let Some(raw) = text.strip_prefix('r') {
            // `r#"INSERT .."#` in a `query!` body: only its SQL matters.
            let inner = raw.trim_matches('#');
            if let Some(inner) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                self.sql(inner);
            }
        }
        self.names.literal = text;
    }

    /// Macro bodies stay token streams in `syn`: scan them for key literals,
    /// constants, key fields and calls (`name(` and `.name(`).
    pub(super) fn tokens(&mut self, ts: TokenStream, depth: usize) {
        self.token_trees(&mut ts.into_iter(), depth);
    }

    /// [`Collector::tokens`] of the tokens an iterator gives.
    fn token_trees(&mut self, tts: &mut dyn Iterator<Item = TokenTree>, depth: usize) {
        if depth > 64 {
            return;
        }
        let mut tts = tts.peekable();
        // The module path written before the next identifier (`db::` of `db::get(..)`),
        // and that path's last identifier (`Uuid` of `uuid::Uuid::new_v4()`).
        let mut path = String::new();
        let mut qualifier: Option<proc_macro2::Ident> = None;
        while let Some(tt) = tts.next() {
            let before = std::mem::take(&mut path);
            let qualified = qualifier.take();
            match &tt {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    // The group's tokens, copied once (a shared stream is copied
                    // whole by each parse or walk of it).
                    let mut inner = g.stream().into_iter();
                    let head = [inner.next(), inner.next()];
                    let code = !self.in_markup && may_be_code(&head);
                    let mut inner = head.into_iter().flatten().chain(inner);
                    if !code {
                        self.token_trees(&mut inner, depth + 1);
                        continue;
                    }
                    // A block in a macro body (vaultwarden's `db_run! { conn: sqlite {
                    // .. } postgresql { .. } }`): walked as code, so its method chains
                    // are judged like any others (an upsert chain, an absolute update).
                    // A body that is one expression starting like a statement
                    // (`match x { .. }.map_res(..)`) parses as an expression only.
                    let stmts = syn::Block::parse_within
                        .parse2(inner.collect())
                        .or_else(|_| {
                            syn::parse2::<syn::Expr>(g.stream())
                                .map(|e| vec![syn::Stmt::Expr(e, None)])
                        });
                    match stmts {
                        Ok(stmts) => {
                            let saved = (self.chain_depth, std::mem::take(&mut self.chain));
                            self.chain_depth = 0;
                            // The calls asked about are known by address: those of
                            // these statements go with them, before a later node
                            // can be allocated where one of them was.
                            let asked = self.asked.len();
                            for st in &stmts {
                                self.visit_stmt(st);
                            }
                            self.asked.truncate(asked);
                            (self.chain_depth, self.chain) = saved;
                        }
                        Err(_) => {
                            let saved = std::mem::replace(&mut self.in_markup, true);
                            self.tokens(g.stream(), depth + 1);
                            self.in_markup = saved;
                        }
                    }
                }
                TokenTree::Group(g) => self.tokens(g.stream(), depth + 1),
                TokenTree::Literal(l) => self.token_literal(l),
                TokenTree::Ident(id) => {
                    let called = matches!(tts.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                    if !called {
                        self.ident(id);
                        path = path_step(before, id, &mut tts);
                        if !path.is_empty() {
                            qualifier = Some(id.clone());
                        }
                    } else if !self.called(id, true, super::ARGS_UNKNOWN) {
                        // A CORS call: its arguments are skipped too.
                        tts.next();
                    } else if !before.is_empty() {
                        if self.bound_macro {
                            // `let key = format!("img/{}.png", Uuid::new_v4())`: an
                            // identity made in a macro whose value is kept, as in code.
                            self.path_call(qualified.as_ref(), id);
                        }
                        self.module_path_text(before, id);
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }
}

/// Whether a brace group whose first two tokens are `head` may parse as statements or
/// as an expression: not when they are a literal and a `:` (`json!({ "id": id, .. })`,
/// the most common brace group in a macro body). A literal cannot start an item, a
/// `let` or an attribute, so both parses read it as an expression, which no `:`
/// continues (`syn` 2 has no type ascription); the statements then lack their `;` and
/// the expression leaves tokens over: both fail, and the group is scanned as tokens.
/// Telling so spares the two parses, each of which copies the whole group first.
fn may_be_code(head: &[Option<TokenTree>; 2]) -> bool {
    !matches!(head, [Some(TokenTree::Literal(_)), Some(TokenTree::Punct(p))] if p.as_char() == ':')
}

/// The module path before the tokens that follow `id`: `path` + `id::` when a lowercase
/// `id` is followed by `::` (which is consumed), else empty.
fn path_step(
    mut path: String,
    id: &proc_macro2::Ident,
    tts: &mut std::iter::Peekable<impl Iterator<Item = TokenTree>>,
) -> String {
    let joint = |tt: Option<&TokenTree>| matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == proc_macro2::Spacing::Joint);
    if !joint(tts.peek()) {
        return String::new();
    }
    tts.next();
    if !matches!(tts.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':') {
        return String::new();
    }
    tts.next();
    let _ = write!(path, "{id}::");
    path
}

/// The string literals of a token stream, in order (attribute and macro arguments).
pub(crate) fn string_literals(ts: TokenStream) -> Vec<String> {
    ts.into_iter()
        .filter_map(|tt| match tt {
            TokenTree::Literal(l) => syn::parse_str::<syn::LitStr>(&l.to_string())
                .ok()
                .map(|s| s.value()),
            _ => None,
        })
        .collect()
}

/// Whether an expression may make [`super::Evidence::reads_key`]: a string literal of it
/// (or of a macro body's tokens, nested groups included) names a key header, as its
/// value or as the text between its quotes. That bit is only set when the collector
/// meets such a literal, so an expression without one is not walked for it (a
/// constant's value: kanidm's 2,468 constants cost 58M).
pub(crate) fn may_read_key(
    expr: &syn::Expr,
    cat: &crate::extract::rust::routes::catalog::RoutesCatalog,
) -> bool {
    struct Find<'c> {
        cat: &'c crate::extract::rust::routes::catalog::RoutesCatalog,
        found: bool,
        /// The text of the literal being looked at.
        text: String,
    }
    impl Find<'_> {
        fn tokens(&mut self, ts: TokenStream) {
            for tt in ts {
                match tt {
                    TokenTree::Literal(l) => self.literal(&l),
                    TokenTree::Group(g) => self.tokens(g.stream()),
                    _ => {}
                }
            }
        }

        /// A literal token names a key header between its quotes, or as its value: a
        /// value differs from that text only with an escape, a suffix (`"a"x`) or a
        /// raw string's quotes.
        fn literal(&mut self, l: &proc_macro2::Literal) {
            self.text.clear();
            let _ = write!(self.text, "{l}");
            let text = self.text.as_str();
            let inner = text.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
            self.found |= inner.is_some_and(|t| self.cat.is_key_header(t));
            let plain = inner.is_some_and(|t| !t.contains('\\'));
            if text.starts_with('r') || (text.starts_with('"') && !plain) {
                let value = syn::parse_str::<syn::LitStr>(text).map(|s| s.value());
                self.found |= value.is_ok_and(|v| self.cat.is_key_header(&v));
            }
        }
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            self.found |= self.cat.is_key_header(&s.value());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.tokens(m.tokens.clone());
            syn::visit::visit_macro(self, m);
        }
    }
    let mut find = Find {
        cat,
        found: false,
        text: String::new(),
    };
    find.visit_expr(expr);
    find.found
}

#[cfg(test)]
mod tests {
    use super::may_read_key;
    use crate::extract::rust::routes::catalog::RoutesCatalog;
    use crate::extract::rust::routes::evidence::{Evidence, Scratch};

    #[test]
    fn an_expression_reads_a_key_only_where_a_literal_names_a_key_header() {
        let cat = RoutesCatalog::builtin();
        let cases = [
            (r#""Idempotency-Key""#, true),
            (r#"" x-idempotency-key ""#, true),
            (r#""Idempotency\x2dKey""#, true),
            (r##"r#"idempotency-key"#"##, true),
            (r#"["a", "b", HEADER]"#, false),
            (r#"json!({"Idempotency-Key": 1})"#, true),
            (
                r#"db_run! { conn: { let h = r"idempotency-key"; h } }"#,
                true,
            ),
            (r#"m!(n!("Idempotency\x2DKey"))"#, true),
            (r#"m!(b"idempotency-key", 1)"#, false),
            (r#"m!({ "idempotency-key"x })"#, true),
            (r#"Headers { name: "x-request-id", len: 3 }"#, false),
            ("1 + 2", false),
        ];
        for (src, named) in cases {
            let expr: syn::Expr = syn::parse_str(src).unwrap();
            let reads = Evidence::of_expr(&expr, &cat, &mut Scratch::default()).reads_key;
            let may = may_read_key(&expr, &cat);
            assert!(!reads || may, "{src}: the evidence reads a key");
            assert_eq!(may, named, "{src}");
        }
    }

    #[test]
    fn the_calls_a_macro_block_asks_about_are_forgotten_with_its_statements() {
        // `db_run! { conn: { if exists(&c) { .. } } }`: the block is parsed anew and
        // dropped after its walk; a call allocated later where `exists(..)` was must
        // not pass for a question (its name would get a `?` entry among `fn_calls`).
        let cat = RoutesCatalog::builtin();
        let mut scratch = Scratch::default();
        let mut c = super::Collector::new(&cat, &mut scratch);
        let mac: syn::Macro =
            syn::parse_str("db_run! { conn: { if exists(&c) { save(&c) } } }").unwrap();
        c.tokens(mac.tokens.clone(), 0);
        assert!(c.asked.is_empty(), "{:?}", c.asked);
        let fn_calls = c.names.fn_calls.take();
        assert!(
            fn_calls.iter().any(|n| n == "?exists"),
            "asked inside the block: {fn_calls:?}"
        );
    }
}
