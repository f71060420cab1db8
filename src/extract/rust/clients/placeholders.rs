//! Placeholder clients: a client stored beside an empty address in one struct literal
//! (termusic's `impl Default for Instance { fn default() -> Self { Self { client:
//! Client::new(), domain: Some(String::new()), .. } } }`) sends nothing a real value
//! would: a request to `format!("{}/api/v1/search", domain)` is a relative URL, which
//! the client refuses. When another value of the package fills the same field with a
//! client (`Instance::new`, with a 10 s timeout), that one is the client; the
//! placeholder is not judged. A placeholder whose field nothing else fills stays
//! judged: its address may be set before use (`set_base_url`).

use syn::Expr;

use super::Visitor;
use crate::extract::rust::facts::{FileFacts, Origin};
use crate::extract::rust::front::ident::with_ident_str;

impl Visitor<'_, '_> {
    /// Whether a struct literal fills a field named for an address with empty text,
    /// written in place or through a variable bound to it. Names are read without
    /// building them, first (struct literals are many).
    pub(super) fn has_empty_address(&mut self, s: &syn::ExprStruct) -> bool {
        let vars = self.scopes.last().map(|s| &s.empty_vars);
        s.fields.iter().any(|f| {
            let syn::Member::Named(n) = &f.member else {
                return false;
            };
            if !with_ident_str(n, address_field) {
                return false;
            }
            match (&f.expr, vars) {
                (Expr::Path(p), Some(vars)) => p
                    .path
                    .get_ident()
                    .is_some_and(|v| !vars.is_empty() && with_ident_str(v, |v| vars.contains(v))),
                (e, _) => is_empty_text(e),
            }
        })
    }

    /// After `let name = <init>`: whether the variable holds empty text. A `let` that
    /// binds anything else, or an assignment (`domain = v;`), ends it.
    pub(super) fn note_empty_let(&mut self, name: &proc_macro2::Ident, init: &Expr) {
        if with_ident_str(name, address_field) && is_empty_text(init) {
            self.scope().empty_vars.insert(name.to_string());
        } else if !self.scope().empty_vars.is_empty() {
            with_ident_str(name, |n| self.scope().empty_vars.remove(n));
        }
    }

    /// `name = value;`: the variable no longer holds the empty text it was bound to.
    pub(super) fn note_assign(&mut self, left: &Expr) {
        if self.scope().empty_vars.is_empty() {
            return;
        }
        if let Expr::Path(p) = left {
            if let Some(v) = p.path.get_ident() {
                with_ident_str(v, |v| self.scope().empty_vars.remove(v));
            }
        }
    }
}

/// A field or variable named for where requests go (`domain`, `base_url`, `host`).
fn address_field(name: &str) -> bool {
    let words = [
        "url", "uri", "domain", "host", "endpoint", "addr", "address", "server",
    ];
    super::address::has_word(name, &words)
}

/// Empty text: `String::new()`, `String::default()`, `""` (`.into()`, `.to_string()`,
/// `.to_owned()`, `String::from("")`), also in `Some(..)`.
fn is_empty_text(e: &Expr) -> bool {
    match e {
        Expr::Lit(l) => matches!(&l.lit, syn::Lit::Str(s) if s.value().is_empty()),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            let segs = &p.path.segments;
            let is = |i: usize, w: &str| segs[i].ident == w;
            match (segs.len(), c.args.len()) {
                (2, 0) => is(0, "String") && (is(1, "new") || is(1, "default")),
                (2, 1) => is(0, "String") && is(1, "from") && is_empty_text(&c.args[0]),
                (1, 1) => is(0, "Some") && is_empty_text(&c.args[0]),
                _ => false,
            }
        }
        Expr::MethodCall(m) if m.args.is_empty() => {
            is_empty_text(&m.receiver)
                && with_ident_str(&m.method, |n| {
                    matches!(n, "into" | "to_string" | "to_owned")
                })
        }
        _ => false,
    }
}

/// Whether client `hi` of package file `fi` is a placeholder: stored beside an empty
/// address in a field that some other value of the package fills with a client.
pub(super) fn is_placeholder(package: &[(usize, FileFacts)], (fi, hi): (usize, usize)) -> bool {
    let placeholders = &package[fi].1.placeholders;
    let Some((key, _)) = placeholders.iter().find(|(_, h)| *h == hi) else {
        return false;
    };
    package.iter().enumerate().any(|(fj, (_, f))| {
        f.field_binds.iter().any(|(k, h)| {
            k == key
                && (fj, *h) != (fi, hi)
                && matches!(f.handles[*h].origin, Origin::Client(_))
                && !f.placeholders.iter().any(|(_, p)| p == h)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{address_field, is_empty_text};

    #[test]
    fn empty_text_beside_an_address_field() {
        let e = |t: &str| syn::parse_str::<syn::Expr>(t).expect("an expression");
        for empty in [
            "String::new()",
            "Some(String::new())",
            "\"\".into()",
            "\"\".to_string()",
            "String::from(\"\")",
            "Some(\"\".to_owned())",
        ] {
            assert!(is_empty_text(&e(empty)), "{empty}");
        }
        for text in [
            "\"https://x\".into()",
            "String::from(s)",
            "Some(url)",
            "None",
        ] {
            assert!(!is_empty_text(&e(text)), "{text}");
        }
        assert!(address_field("domain") && address_field("base_url") && address_field("host"));
        assert!(!address_field("query") && !address_field("hostname"));
    }
}
