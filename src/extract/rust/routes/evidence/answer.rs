//! What answers an error, whatever else holds: the refusals of `refuse.rs` (a found
//! record, a required one, a state check, a claimed field) and of `module_refusal.rs`
//! (a module's lookup) all ask here, so each reads the same answers: `Err(..)`,
//! `err!`/`bail!`, and a returned call of the catalogue's `error-answers`.

/// A statement that answers an error whatever else holds: `err!(..)`, `bail!(..)`,
/// `return Err(..)`, a tail `Err(..)`, or a returned call of an `error-answers` name
/// (`return HttpResponse::bad_request(..)`, `return Ok(HttpResponse::conflict(..))`).
fn stmt_refuses(st: &syn::Stmt, answers: &[String]) -> bool {
    match st {
        syn::Stmt::Macro(m) => error_macro(&m.mac),
        syn::Stmt::Expr(e, _) => expr_refuses(e, answers),
        _ => false,
    }
}

/// `e` answers an error (see [`stmt_refuses`]). An error answer counts when returned:
/// a tail call of one is the value of whatever the expression sits in, which this
/// does not follow.
pub(super) fn expr_refuses(e: &syn::Expr, answers: &[String]) -> bool {
    match e {
        syn::Expr::Macro(m) => error_macro(&m.mac),
        syn::Expr::Return(r) => r
            .expr
            .as_deref()
            .is_some_and(|v| expr_refuses(v, answers) || error_answer(v, answers)),
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err"))
        }
        syn::Expr::Block(b) => block_refuses(&b.block, answers),
        _ => false,
    }
}

/// A call of an `error-answers` name (`HttpResponse::bad_request(..)`), or one wrapped
/// in `Ok(..)`: the handler's answer is a client error.
fn error_answer(e: &syn::Expr, answers: &[String]) -> bool {
    let syn::Expr::Call(c) = e else {
        return false;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident == "Ok" && c.args.len() == 1 {
        return error_answer(&c.args[0], answers);
    }
    answers.iter().any(|a| last.ident == a)
}

/// A block one of whose own statements answers an error (not one nested in an `if`).
pub(super) fn block_refuses(b: &syn::Block, answers: &[String]) -> bool {
    b.stmts.iter().any(|s| stmt_refuses(s, answers))
}

/// A block whose value is an error answer (`else { Ok(HttpResponse::bad_request(..)) }`)
/// or that answers one by a statement: the branch it ends answers an error.
pub(super) fn block_value_refuses(b: &syn::Block, answers: &[String]) -> bool {
    block_refuses(b, answers)
        || matches!(b.stmts.last(), Some(syn::Stmt::Expr(e, None)) if error_answer(e, answers))
}

/// `bail!(..)`, `err!(..)` and the like: a macro answering an error.
pub(super) fn error_macro(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| {
        let n = s.ident.to_string();
        n == "bail" || n.starts_with("err")
    })
}
