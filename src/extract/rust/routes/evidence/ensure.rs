//! Get-or-create on one store: `match js.get_key_value(&name).await { Ok(kv) => kv,
//! Err(_) => js.create_key_value(cfg).await? }` makes the bucket, stream or consumer
//! only when the lookup of the same thing failed, so a repeat finds what the first
//! attempt made: an ensure, not a write a retry applies twice (openobserve's NATS
//! buckets, made on first use from every read of the key-value store).

use super::refuse;
use crate::extract::rust::routes::orm::strip;

/// The noun of a `get_<noun>` method call (through `.await`, `?` and parentheses):
/// `key_value` for `js.get_key_value(..)`.
fn got_noun(e: &syn::Expr) -> Option<String> {
    match strip(e) {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let noun = name.strip_prefix("get_")?;
            (!noun.is_empty()).then(|| noun.to_string())
        }
        _ => None,
    }
}

/// An arm a failed or empty lookup takes: `Err(_)`, `Err(e)`, or `None` and `_`
/// ([`refuse::none_arm`]).
fn missed_arm(pat: &syn::Pat) -> bool {
    matches!(pat, syn::Pat::TupleStruct(t) if t.path.is_ident("Err")) || refuse::none_arm(pat)
}

/// Whether `e` calls `create_<noun>` as a method.
fn creates(e: &syn::Expr, noun: &str) -> bool {
    use syn::visit::Visit;
    struct Scan<'a>(&'a str, bool);
    impl<'ast> Visit<'ast> for Scan<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let name = m.method.to_string();
            self.1 |= name.strip_prefix("create_") == Some(self.0);
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut s = Scan(noun, false);
    s.visit_expr(e);
    s.1
}

/// Per arm of `m`, whether it creates what its `get_<noun>` lookup missed: walked so
/// that its writes count as made once ([`super::repeat::ONCE`]).
pub(super) fn ensure_arms(m: &syn::ExprMatch) -> Vec<bool> {
    let noun = got_noun(&m.expr);
    m.arms
        .iter()
        .map(|a| {
            noun.as_deref()
                .is_some_and(|n| missed_arm(&a.pat) && creates(&a.body, n))
        })
        .collect()
}
