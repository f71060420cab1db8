//! Deadlines written as syntax, for the analyses that read a body on their own (a
//! middleware's chain, a request-builder parameter): the future an expression names,
//! a sleep, a timeout wrapper's call. The client visitor's own wrappers come from the
//! catalogue; these are the plain tokio shapes.

use syn::Expr;

/// The future an expression names: through `.await`, `&mut`, parentheses and
/// `Box::pin(..)`/`pin(..)` calls of one argument.
pub(crate) fn unwrap_future(e: &Expr) -> &Expr {
    match e {
        Expr::Await(a) => unwrap_future(&a.base),
        Expr::Reference(r) => unwrap_future(&r.expr),
        Expr::Paren(p) => unwrap_future(&p.expr),
        Expr::Call(c) if c.args.len() == 1 && last_is(&c.func, &["pin"]) => {
            unwrap_future(&c.args[0])
        }
        e => e,
    }
}

/// `sleep(d)`, `tokio::time::sleep_until(t)`, also awaited, borrowed or pinned.
pub(crate) fn is_sleep(e: &Expr) -> bool {
    matches!(unwrap_future(e), Expr::Call(c) if last_is(&c.func, &["sleep", "sleep_until"]))
}

/// `timeout(d, fut)`, `timeout_at(t, fut)`, `tokio::time::timeout(..)`.
pub(crate) fn is_timeout_call(c: &syn::ExprCall) -> bool {
    c.args.len() == 2 && last_is(&c.func, &["timeout", "timeout_at"])
}

/// A path whose last segment is one of `names`.
fn last_is(f: &Expr, names: &[&str]) -> bool {
    matches!(f, Expr::Path(p) if p.path.segments.last().is_some_and(|s| names.iter().any(|n| s.ident == n)))
}
