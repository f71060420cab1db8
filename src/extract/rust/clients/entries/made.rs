//! Subcommands that make a client and call it: an arm of a command line's `match`
//! whose block binds a value and calls its methods (bria's and stablesats' CLIs,
//! beside their `daemon`/`run` arm: `Command::ListProfiles { url, api_key } => { let
//! client = api_client(home, url, api_key); client.list_profiles().await?; }`, or
//! `let client = AdminApiClient::new(..); match command { Bootstrap =>
//! client.bootstrap().await?, .. }`). The request is made in the client type's
//! method, in another file; the arm runs that method once and the process exits.
//!
//! Each such method is a subcommand of its own ([`super::methods`]), keyed by its
//! type: the type the `let` names (`AdminApiClient::new(..)` → `AdminApiClient`), or
//! the type the function it calls returns (`api_client(..)` → `ApiClient`), which
//! only the link step knows ([`FileFacts::command_made`]). An arm whose own code runs
//! long (a loop, a spawned task, a server named) makes none; a method that reaches a
//! long-running body is dropped later, like any subcommand.
//!
//! [`FileFacts::command_made`]: crate::extract::rust::facts::FileFacts::command_made

use rustc_hash::FxHashMap as HashMap;
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

use super::inline::runs_long;
use super::values::arm_value;
use crate::extract::rust::front::ident::with_ident_str;

/// What made the value a method is called on: a type's associated function
/// (`AdminApiClient::new(..)`, by the type) or a function of the package
/// (`api_client(..)`, by the function's name).
#[derive(Clone, Copy)]
pub(super) enum Maker<'e> {
    Type(&'e syn::Ident),
    Function(&'e syn::Ident),
}

/// The methods an arm's body calls on the values its block binds by `let`, each
/// with what made the value (see the module's doc). None when the arm runs long.
pub(super) fn made_methods(body: &Expr) -> Vec<(Maker<'_>, &syn::Ident)> {
    let Expr::Block(b) = body else {
        return Vec::new();
    };
    let mut made: HashMap<&syn::Ident, Maker> = HashMap::default();
    for st in &b.block.stmts {
        let Stmt::Local(l) = st else { continue };
        let (Pat::Ident(p), Some(init)) = (&l.pat, &l.init) else {
            continue;
        };
        if let Some(maker) = maker(&init.expr) {
            made.insert(&p.ident, maker);
        }
    }
    if made.is_empty() || runs_long(body) {
        return Vec::new();
    }
    let mut calls = Calls {
        made: &made,
        out: Vec::new(),
    };
    calls.visit_expr(body);
    calls.out
}

/// What a `let`'s value is made by: `T::new(..)` (a path whose second-last segment
/// is a type), `make(..)` or `module::make(..)` (a function), under `.await`, `?`.
fn maker(init: &Expr) -> Option<Maker<'_>> {
    let Expr::Call(c) = arm_value(init) else {
        return None;
    };
    let Expr::Path(p) = &*c.func else { return None };
    let segments = &p.path.segments;
    let last = &segments.last()?.ident;
    let upper =
        |i: &syn::Ident| with_ident_str(i, |s| s.starts_with(|c: char| c.is_ascii_uppercase()));
    if upper(last) {
        return None;
    }
    match segments.len().checked_sub(2).map(|k| &segments[k].ident) {
        Some(ty) if upper(ty) => (ty != "Self").then_some(Maker::Type(ty)),
        _ => Some(Maker::Function(last)),
    }
}

/// Collects the method calls on the values in `made`.
struct Calls<'m, 'e> {
    made: &'m HashMap<&'e syn::Ident, Maker<'e>>,
    out: Vec<(Maker<'e>, &'e syn::Ident)>,
}

impl<'e> Visit<'e> for Calls<'_, 'e> {
    fn visit_expr_method_call(&mut self, m: &'e syn::ExprMethodCall) {
        let mut receiver = &*m.receiver;
        loop {
            receiver = match receiver {
                Expr::Reference(r) => &r.expr,
                Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        if let Expr::Path(p) = receiver {
            if let Some(maker) = p.path.get_ident().and_then(|v| self.made.get(v)) {
                self.out.push((*maker, &m.method));
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

#[cfg(test)]
mod tests {
    use super::{made_methods, Maker};

    fn made(text: &str) -> Vec<String> {
        let m: syn::ExprMatch = syn::parse_str(&format!("match x {{ {text} }}")).expect("a match");
        let arm = m.arms.into_iter().next().expect("an arm");
        made_methods(&arm.body)
            .into_iter()
            .map(|(by, method)| match by {
                Maker::Type(t) => format!("{t}::{method}"),
                Maker::Function(f) => format!("{f}()::{method}"),
            })
            .collect::<Vec<_>>()
    }

    #[test]
    fn the_methods_an_arm_calls_on_what_it_made() {
        assert_eq!(
            made("C::List { url } => { let client = api_client(url); client.list_profiles().await?; }"),
            ["api_client()::list_profiles"]
        );
        assert_eq!(
            made("C::Admin { command } => { let c = admin_client::AdminApiClient::new(k); match command { A::Boot => { c.bootstrap().await?; } A::List => { (&c).list().await?; } } }"),
            ["AdminApiClient::bootstrap", "AdminApiClient::list"]
        );
        assert_eq!(
            made("C::Get { url } => { let client = get_client(url).await?; client.get(1).await? }"),
            ["get_client()::get"]
        );
        // A value that is no made one, a loop, a spawned task: nothing.
        assert!(made("C::Get { url } => { let v = Config::Default; v.get().await? }").is_empty());
        assert!(
            made("C::Watch { url } => { let c = connect(url); loop { c.poll().await; } }")
                .is_empty()
        );
        assert!(made("C::Run => { let s = Server::new(a); s.serve().await? }").is_empty());
        assert!(made("C::Run => { let s = Self::new(a); s.go().await? }").is_empty());
    }
}
