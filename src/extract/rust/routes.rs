//! Mutation routes and idempotency evidence.
//!
//! Routes: axum `.route(path, post(h))` (also `get(a).post(b)`, `on(MethodFilter::POST, h)`),
//! actix-web / Rocket attributes (`#[post("/p")]`, `#[route("/p", method = "POST")]`) and
//! actix `web::post().to(h)`. Evidence that a handler checks an idempotency key: an
//! `Idempotency-Key` header name or an identifier naming idempotency (an extractor
//! type, a `idempotency_key` field, a `check_idempotency` helper), outside CORS lists.

use syn::visit::Visit;
use syn::{Expr, Lit};

/// HTTP method names routing functions are named after.
pub fn method_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "post" => "POST",
        "patch" => "PATCH",
        "put" => "PUT",
        "delete" => "DELETE",
        "get" => "GET",
        _ => return None,
    })
}

/// Whether text names idempotency (`Idempotency-Key`, `IdempotencyKey`, `idempotency_key`).
pub fn names_idempotency(text: &str) -> bool {
    text.as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"idempot"))
}

/// Methods whose arguments list header names for CORS: naming a header there is
/// not checking it.
pub fn is_cors_list(method: &str) -> bool {
    matches!(
        method,
        "allow_headers"
            | "expose_headers"
            | "allowed_headers"
            | "allowed_header"
            | "expose_any_header"
    )
}

/// Whether an expression mentions idempotency (a layer's argument), outside CORS lists.
pub fn mentions_idempotency(e: &Expr) -> bool {
    struct M(bool);
    impl<'ast> Visit<'ast> for M {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if is_cors_list(&m.method.to_string()) {
                self.visit_expr(&m.receiver);
            } else {
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.0 |= names_idempotency(&i.to_string());
        }
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            self.0 |= names_idempotency(&s.value());
        }
    }
    let mut m = M(false);
    m.visit_expr(e);
    m.0
}

/// Whether a type mentions idempotency (`IdempotencyKey`, `Idempotent<Json<T>>`).
pub fn type_mentions_idempotency(t: &syn::Type) -> bool {
    struct M(bool);
    impl<'ast> Visit<'ast> for M {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.0 |= names_idempotency(&i.to_string());
        }
    }
    let mut m = M(false);
    m.visit_type(t);
    m.0
}

/// The (method, handler path) pairs of an axum method router expression:
/// `post(h)`, `get(a).post(b)`, `axum::routing::patch(h)`, `on(MethodFilter::POST, h)`.
pub fn axum_handlers(e: &Expr) -> Vec<(&'static str, syn::Path)> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                if let (Some(method), Some(Expr::Path(h))) =
                    (method_name(&m.method.to_string()), m.args.first())
                {
                    out.push((method, h.path.clone()));
                }
                cur = &m.receiver;
            }
            Expr::Call(c) => {
                if let Expr::Path(f) = &*c.func {
                    let last = f.path.segments.last().map(|s| s.ident.to_string());
                    match (last.as_deref(), c.args.first(), c.args.get(1)) {
                        (Some("on"), Some(Expr::Path(m)), Some(Expr::Path(h))) => {
                            if let Some(method) = m
                                .path
                                .segments
                                .last()
                                .and_then(|s| method_name(&s.ident.to_string().to_lowercase()))
                            {
                                out.push((method, h.path.clone()));
                            }
                        }
                        (Some(name), Some(Expr::Path(h)), None) => {
                            if let Some(method) = method_name(name) {
                                out.push((method, h.path.clone()));
                            }
                        }
                        _ => {}
                    }
                }
                break;
            }
            _ => break,
        }
    }
    out.reverse();
    out
}

/// A literal route path.
pub fn literal_path(e: Option<&Expr>) -> Option<String> {
    match e? {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// actix-web / Rocket route attributes on a function: `#[post("/p")]`,
/// `#[actix_web::patch("/p")]`, `#[route("/p", method = "POST", method = "PUT")]`.
pub fn attr_routes(
    attrs: &[syn::Attribute],
) -> Vec<(&'static str, Option<String>, proc_macro2::Span)> {
    let mut out = Vec::new();
    for a in attrs {
        let Some(last) = a.path().segments.last() else {
            continue;
        };
        let name = last.ident.to_string();
        let syn::Meta::List(list) = &a.meta else {
            continue;
        };
        let span = a.pound_token.span;
        if let Some(method) = method_name(&name) {
            let path =
                syn::parse2::<syn::LitStr>(list.tokens.clone().into_iter().take(1).collect())
                    .ok()
                    .map(|s| s.value());
            out.push((method, path, span));
        } else if name == "route" {
            let text = list.tokens.to_string();
            for (needle, method) in [
                ("\"POST\"", "POST"),
                ("\"PATCH\"", "PATCH"),
                ("\"PUT\"", "PUT"),
                ("\"DELETE\"", "DELETE"),
            ] {
                if text.contains(needle) {
                    let path = syn::parse2::<syn::LitStr>(
                        list.tokens.clone().into_iter().take(1).collect(),
                    )
                    .ok()
                    .map(|s| s.value());
                    out.push((method, path, span));
                }
            }
        }
    }
    out
}
