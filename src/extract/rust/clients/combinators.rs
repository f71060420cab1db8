//! `Result` and `Option` combinators on a chain's value (`.and_then(|b|
//! b.timeout(d).build())`, `.or_else(|_| Ok(Client::builder()))`): the closures are
//! visited with their parameter bound to the value handed in, and what they evaluate
//! to is the chain's value from there on ([`super::chains`]).

use syn::{Expr, ExprMethodCall};

use super::syntax::pat_ident_ref;
use super::Visitor;
use crate::extract::rust::front::ident::with_ident_str;

/// `Result` and `Option` combinators whose closures are handed the value (the last
/// closure of `map_or_else` and `map_or`), or return the value the chain goes on with.
const COMBINATORS: &[&str] = &[
    "map",
    "and_then",
    "inspect",
    "map_or_else",
    "map_or",
    "or_else",
    "unwrap_or_else",
];
const HANDED_THE_VALUE: &[&str] = &["map", "and_then", "inspect", "map_or_else", "map_or"];

impl Visitor<'_, '_> {
    /// A combinator call whose arguments are closures (`.and_then(|b| b.timeout(d).build())`):
    /// visits each, the last one's single parameter bound to `handle` where the
    /// combinator hands it the value, and returns the handle the closures evaluate to
    /// (one for several: [`Self::one_of`]), and whether the combinator's result is
    /// that value rather than the one handed in (all that hand it but `inspect`).
    /// `None`: no such call, its arguments are visited as usual.
    pub(super) fn combinator(
        &mut self,
        m: &ExprMethodCall,
        handle: Option<usize>,
    ) -> Option<(Option<usize>, bool)> {
        // Asked of every method call of a chain: the arguments first, then the name
        // without allocating it.
        let closures = m.args.iter().all(|a| matches!(a, Expr::Closure(_)));
        if !closures || m.args.is_empty() {
            return None;
        }
        let (combinator, hands, replaces) = with_ident_str(&m.method, |n| {
            let hands = HANDED_THE_VALUE.contains(&n);
            (COMBINATORS.contains(&n), hands, hands && n != "inspect")
        });
        if !combinator {
            return None;
        }
        let mut values = Vec::new();
        for (i, a) in m.args.iter().enumerate() {
            let Expr::Closure(c) = a else { continue };
            let last = i + 1 == m.args.len() && hands;
            let handed = handle.filter(|_| last && c.inputs.len() == 1);
            let shadowed = self.shadow_params(c, handed);
            values.extend(self.closure_value(&c.body));
            for (param, before) in shadowed {
                match before {
                    Some(b) => self.scope().vars.insert(param, b),
                    None => self.scope().vars.remove(&param),
                };
            }
        }
        Some((self.one_of(values, m.method.span()), replaces))
    }

    /// The closure sees the function's variables (`|cert| builder`, a value captured
    /// from around it); its parameters shadow them only inside it, bound to the value
    /// handed in or to nothing. Returns what to restore: (parameter, its value
    /// before), only for the names it changed (most closures change none).
    fn shadow_params(
        &mut self,
        c: &syn::ExprClosure,
        handed: Option<usize>,
    ) -> Vec<(String, Option<usize>)> {
        let mut shadowed = Vec::new();
        for p in &c.inputs {
            let Some(param) = pat_ident_ref(p) else {
                continue;
            };
            if let Some(h) = handed {
                let name = param.to_string();
                let before = self.scope().vars.insert(name.clone(), h);
                shadowed.push((name, before));
                continue;
            }
            let vars = &mut self.scope().vars;
            if vars.is_empty() {
                continue;
            }
            if let Some((name, before)) = with_ident_str(param, |n| vars.remove_entry(n)) {
                shadowed.push((name, Some(before)));
            }
        }
        shadowed
    }
}
