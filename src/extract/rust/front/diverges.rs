//! Expressions that never give a value: the one test both the retry analysis (a
//! branch that leaves a delay's loop) and the client analysis (a `match` arm that
//! leaves instead of giving an address) read.

use syn::Expr;

use super::ident::with_ident_str;

/// `return`, `break`, `continue`, a macro that panics or returns
/// (`panic!`, `unreachable!`, `todo!`, `unimplemented!`, anyhow's `bail!`), or a
/// block whose last statement is one.
pub(crate) fn diverges(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => macro_diverges(&m.mac),
        Expr::Block(b) => block_diverges(&b.block),
        _ => false,
    }
}

/// Whether a block's last statement [`diverges`].
pub(crate) fn block_diverges(b: &syn::Block) -> bool {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, _)) => diverges(e),
        Some(syn::Stmt::Macro(m)) => macro_diverges(&m.mac),
        _ => false,
    }
}

fn macro_diverges(mac: &syn::Macro) -> bool {
    (mac.path.segments.last()).is_some_and(|s| {
        with_ident_str(&s.ident, |n| {
            matches!(
                n,
                "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::diverges;

    #[test]
    fn leaving_expressions_diverge() {
        let e = |s: &str| syn::parse_str::<syn::Expr>(s).expect("an expression");
        for leaves in [
            "return",
            "break",
            "continue",
            "panic!(\"x\")",
            "{ log(); bail!(\"x\") }",
        ] {
            assert!(diverges(&e(leaves)), "{leaves}");
        }
        for gives in ["url", "{ return; 1 }", "println!(\"x\")", "f()"] {
            assert!(!diverges(&e(gives)), "{gives}");
        }
    }
}
