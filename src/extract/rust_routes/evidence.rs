//! Idempotency-key evidence in a function, closure or extractor impl.
//!
//! Collected per body without knowing yet whether the function is a handler: the
//! link step decides that and combines a handler's evidence with that of the types
//! it takes and the functions it calls.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::{self, Visit};

use super::catalog::{has, RoutesCatalog};

/// What a body shows about an idempotency key.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Evidence {
    /// A key header name appears as a string literal outside CORS configuration.
    pub reads_key: bool,
    /// SCREAMING_CASE constants used outside CORS configuration (resolved against
    /// the package's key-header constants when linking).
    pub consts: Vec<String>,
    /// Type names in the parameters (every path segment, generics included).
    pub types: Vec<String>,
    /// Names of the functions and methods called.
    pub calls: Vec<String>,
    /// The first storage call of an idempotency store.
    pub storage: Option<String>,
    /// Reads or destructures a key field (`body.idempotency_key`).
    pub key_field: bool,
    /// A parameter type the catalogue names as a key extractor.
    pub known_extractor: Option<String>,
    /// A catalogue idempotency layer named in the body or return type (a layer builder).
    pub layer: Option<String>,
}

/// Runs `f` on an identifier's text without allocating (identifiers up to 64 bytes).
pub(crate) fn with_ident_str<R>(id: &proc_macro2::Ident, f: impl FnOnce(&str) -> R) -> R {
    struct Buf {
        bytes: [u8; 64],
        len: usize,
        overflow: bool,
    }
    impl std::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.len + s.len();
            if end > self.bytes.len() {
                self.overflow = true;
                return Err(std::fmt::Error);
            }
            self.bytes[self.len..end].copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    let mut b = Buf {
        bytes: [0; 64],
        len: 0,
        overflow: false,
    };
    let _ = std::fmt::Write::write_fmt(&mut b, format_args!("{id}"));
    match std::str::from_utf8(&b.bytes[..b.len]) {
        Ok(s) if !b.overflow => f(s),
        _ => f(&id.to_string()),
    }
}

/// A SCREAMING_CASE identifier (a constant's name), checked through `Display` without allocating.
fn ident_is_screaming(id: &proc_macro2::Ident) -> bool {
    struct Check {
        len: usize,
        upper: bool,
        ok: bool,
    }
    impl std::fmt::Write for Check {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for c in s.chars() {
                self.len += 1;
                self.upper |= c.is_ascii_uppercase();
                self.ok &= c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
            }
            Ok(())
        }
    }
    let mut c = Check {
        len: 0,
        upper: false,
        ok: true,
    };
    let _ = std::fmt::Write::write_fmt(&mut c, format_args!("{id}"));
    c.len > 1 && c.upper && c.ok
}

/// Every path segment of a type, generics included.
fn collect_type_names(ty: &syn::Type, out: &mut Vec<String>) {
    struct Types<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Types<'_> {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            self.0.push(seg.ident.to_string());
            visit::visit_path_segment(self, seg);
        }
    }
    Types(out).visit_type(ty);
}

impl Evidence {
    /// Evidence of a function: its parameter types and its body.
    pub fn of_fn(sig: &syn::Signature, body: &syn::Block, cat: &RoutesCatalog) -> Evidence {
        let mut c = Collector::new(cat);
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                c.param_type(&pt.ty);
            }
        }
        c.visit_return_type(&sig.output);
        c.visit_block(body);
        c.finish()
    }

    /// Adds type names (an impl's associated types) to `types`.
    pub fn add_types(&mut self, ty: &syn::Type) {
        let mut types = std::mem::take(&mut self.types);
        collect_type_names(ty, &mut types);
        types.sort_unstable();
        types.dedup();
        self.types = types;
    }

    /// Evidence of a closure handler or middleware.
    pub fn of_closure(closure: &syn::ExprClosure, cat: &RoutesCatalog) -> Evidence {
        let mut c = Collector::new(cat);
        for input in &closure.inputs {
            if let syn::Pat::Type(pt) = input {
                c.param_type(&pt.ty);
            }
        }
        c.visit_expr(&closure.body);
        c.finish()
    }

    /// Evidence of an expression (a constant's value).
    pub fn of_expr(expr: &syn::Expr, cat: &RoutesCatalog) -> Evidence {
        let mut c = Collector::new(cat);
        c.visit_expr(expr);
        c.finish()
    }

    pub fn merge(&mut self, other: Evidence) {
        self.reads_key |= other.reads_key;
        self.key_field |= other.key_field;
        for (into, from) in [
            (&mut self.consts, other.consts),
            (&mut self.types, other.types),
            (&mut self.calls, other.calls),
        ] {
            into.extend(from);
            into.sort_unstable();
            into.dedup();
        }
        self.storage = self.storage.take().or(other.storage);
        self.known_extractor = self.known_extractor.take().or(other.known_extractor);
        self.layer = self.layer.take().or(other.layer);
    }
}

struct Collector<'c> {
    cat: &'c RoutesCatalog,
    ev: Evidence,
}

impl<'c> Collector<'c> {
    fn new(cat: &'c RoutesCatalog) -> Self {
        Collector {
            cat,
            ev: Evidence::default(),
        }
    }

    fn finish(mut self) -> Evidence {
        for list in [&mut self.ev.calls, &mut self.ev.consts, &mut self.ev.types] {
            list.sort_unstable();
            list.dedup();
        }
        self.ev.known_extractor = self
            .ev
            .types
            .iter()
            .find(|t| has(&self.cat.evidence.key_extractors, t))
            .cloned();
        self.ev
    }

    fn param_type(&mut self, ty: &syn::Type) {
        collect_type_names(ty, &mut self.ev.types);
    }

    fn call(&mut self, name: String) {
        if self.ev.storage.is_none() && has(&self.cat.evidence.storage_calls, &name) {
            self.ev.storage = Some(name.clone());
        }
        self.ev.calls.push(name);
    }

    fn literal(&mut self, lit: &str) {
        if self.cat.is_key_header(lit) {
            self.ev.reads_key = true;
        }
    }

    /// Checks an identifier without allocating unless it is a constant's name.
    fn ident(&mut self, id: &proc_macro2::Ident) {
        if self.cat.evidence.key_fields.iter().any(|k| id == k) {
            self.ev.key_field = true;
        }
        if ident_is_screaming(id) {
            self.ev.consts.push(id.to_string());
        }
    }

    /// Macro bodies stay token streams in `syn`: scan them for key literals,
    /// constants, key fields and calls (`name(` and `.name(`).
    fn tokens(&mut self, ts: TokenStream, depth: usize) {
        if depth > 64 {
            return;
        }
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        let mut i = 0;
        while i < tts.len() {
            match &tts[i] {
                TokenTree::Group(g) => self.tokens(g.stream(), depth + 1),
                TokenTree::Literal(l) => {
                    let s = l.to_string();
                    if let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                        self.literal(inner);
                    }
                }
                TokenTree::Ident(id) => {
                    let called = matches!(tts.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                    if called && self.cat.cors.methods.iter().any(|m| id == m) {
                        i += 2;
                        continue;
                    }
                    if called {
                        self.call(id.to_string());
                    }
                    self.ident(id);
                }
                TokenTree::Punct(_) => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if has(&self.cat.cors.methods, &name) {
            // A CORS header list names the key without checking it.
            self.visit_expr(&m.receiver);
            return;
        }
        self.call(name);
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = &p.path.segments;
            if let Some(last) = segs.last() {
                if self.cat.cors.methods.iter().any(|m| last.ident == m) {
                    return;
                }
                self.call(last.ident.to_string());
            }
            // `Router::new()`, `rocket::build()`: the type or module too, so the link
            // step and the summarizer can tell a router constructor from any `new`.
            if segs.len() >= 2 {
                self.call(segs[segs.len() - 2].ident.to_string());
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.literal(&s.value());
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            self.ident(&last.ident);
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
        if self.ev.layer.is_none() {
            if let Some(l) = self.cat.evidence.layers.iter().find(|l| seg.ident == l) {
                self.ev.layer = Some(l.clone());
            }
        }
        visit::visit_path_segment(self, seg);
    }

    fn visit_member(&mut self, m: &'ast syn::Member) {
        if let syn::Member::Named(id) = m {
            if self.cat.evidence.key_fields.iter().any(|k| id == k) {
                self.ev.key_field = true;
            }
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone(), 0);
    }

    // A nested function is a function of its own, not part of this body; a constant
    // declared here (`const KEY: &str = "Idempotency-Key";`) is part of it.
    fn visit_item(&mut self, item: &'ast syn::Item) {
        match item {
            syn::Item::Const(c) => self.visit_expr(&c.expr),
            syn::Item::Static(s) => self.visit_expr(&s.expr),
            _ => {}
        }
    }
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
