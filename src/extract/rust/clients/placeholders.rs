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

impl Visitor<'_, '_> {
    /// Whether a struct literal fills a field named for an address with empty text,
    /// written in place or through a variable bound to it.
    pub(super) fn has_empty_address(&mut self, s: &syn::ExprStruct) -> bool {
        s.fields.iter().any(|f| {
            let syn::Member::Named(n) = &f.member else {
                return false;
            };
            if !address_field(&n.to_string()) {
                return false;
            }
            match &f.expr {
                Expr::Path(p) => p
                    .path
                    .get_ident()
                    .is_some_and(|v| self.scope().empty_vars.contains(&v.to_string())),
                e => is_empty_text(e),
            }
        })
    }

    /// After `let name = <init>`: whether the variable holds empty text.
    /// A `let` that binds anything else, or an assignment (`domain = v;`), ends it.
    pub(super) fn note_empty_let(&mut self, name: &proc_macro2::Ident, init: &Expr) {
        let name = name.to_string();
        if is_empty_text(init) && address_field(&name) {
            self.scope().empty_vars.insert(name);
        } else if !self.scope().empty_vars.is_empty() {
            self.scope().empty_vars.remove(&name);
        }
    }

    /// `name = value;`: the variable no longer holds the empty text it was bound to.
    pub(super) fn note_assign(&mut self, left: &Expr) {
        if self.scope().empty_vars.is_empty() {
            return;
        }
        if let Expr::Path(p) = left {
            if let Some(v) = p.path.get_ident() {
                self.scope().empty_vars.remove(&v.to_string());
            }
        }
    }
}

/// A field or variable named for where requests go (`domain`, `base_url`, `host`).
fn address_field(name: &str) -> bool {
    name.split('_').any(|w| {
        [
            "url", "uri", "domain", "host", "endpoint", "addr", "address", "server",
        ]
        .iter()
        .any(|x| w.eq_ignore_ascii_case(x))
    })
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
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            match (segs.as_slice(), c.args.len()) {
                ([s, m], 0) if s == "String" && (m == "new" || m == "default") => true,
                ([s, m], 1) if s == "String" && m == "from" => is_empty_text(&c.args[0]),
                ([some], 1) if some == "Some" => is_empty_text(&c.args[0]),
                _ => false,
            }
        }
        Expr::MethodCall(m) if m.args.is_empty() => {
            matches!(
                m.method.to_string().as_str(),
                "into" | "to_string" | "to_owned"
            ) && is_empty_text(&m.receiver)
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
