//! Which module a subcommand's `match` arm hands its work to (`Command::Serve =>
//! server::run()`), seen through the wrappers a result passes on its way out: the
//! dispatches [`super`] splits a package's entries by.

use syn::Expr;

use super::methods::PASS_THROUGH;
use super::values::arm_value;
use crate::extract::rust::front::ident::with_ident_str;

/// The module an arm's body calls a function of: `server::run()`, `b::run(o).await?`,
/// `{ admin::run(c) }`, `return doctor::run(&s).await`, and through the wrappers a
/// result passes on its way out: `Ok(extension::execute(cmd)?)`,
/// `upgrade::install().map_err(Into::into)`, a block's tail after a guard (`{ if
/// !direct { return Err(..) } upgrade::install() }`). `is_module`: whether a name is
/// a module the file declares or a local package.
pub(super) fn arm_module(body: &Expr, is_module: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut value = arm_value(body);
    loop {
        value = match value {
            Expr::Call(c) if c.args.len() == 1 && is_ok_or_some(&c.func) => arm_value(&c.args[0]),
            Expr::MethodCall(m) if PASS_THROUGH.iter().any(|w| m.method == w) => {
                arm_value(&m.receiver)
            }
            Expr::Block(b) => match b.block.stmts.split_last() {
                Some((syn::Stmt::Expr(tail, None), before))
                    if !calls_a_module(before, is_module) =>
                {
                    arm_value(tail)
                }
                _ => return None,
            },
            _ => break,
        };
    }
    match value {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.path.segments.len() >= 2 => {
                Some(p.path.segments.first()?.ident.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether statements call a function of a module (`a::run()`, `is_module`): before a
/// block's tail, such a call makes the arm run two modules' work, no dispatch to one;
/// a guard (`if std::env::var_os(..).is_some() { return Err(..) }`) or a type's
/// function (`Data::init()?`) does not.
fn calls_a_module(stmts: &[syn::Stmt], is_module: &dyn Fn(&str) -> bool) -> bool {
    struct Finder<'m>(bool, &'m dyn Fn(&str) -> bool);
    impl<'a> syn::visit::Visit<'a> for Finder<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let segments = &p.path.segments;
                self.0 |= segments.len() >= 2 && with_ident_str(&segments[0].ident, self.1);
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut f = Finder(false, is_module);
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.0
}

/// `Ok` or `Some`, the wrappers an arm's result may be rebuilt in.
fn is_ok_or_some(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some"))
}
