//! The one re-parser of macro bodies the three analyses share. `syn` keeps a
//! macro's body as tokens; the calls, loops and routes inside `select!`, `join!`,
//! `stream!`, `vec!` or a framework's `routes!` are only seen once re-parsed:
//! `select!` branches (`pat = future [, if cond] => body`, `else => body`,
//! `biased;`), comma-separated expressions (`join!`, `format!`, `vec!`), or
//! statements (`stream!`). Tokens keep their original spans, so positions stay right.

use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Stmt, Token};

/// The comma-separated expressions of a macro body, when it is such a list.
pub fn comma_exprs(mac: &syn::Macro) -> Option<Vec<Expr>> {
    Punctuated::<Expr, Token![,]>::parse_terminated
        .parse2(mac.tokens.clone())
        .ok()
        .map(|exprs| exprs.into_iter().collect())
}

/// The statements of a macro body written like a block's (`stream! { .. }`).
pub fn stmts(mac: &syn::Macro) -> Option<Vec<Stmt>> {
    syn::Block::parse_within.parse2(mac.tokens.clone()).ok()
}

pub enum Reparsed {
    Exprs(Vec<Expr>),
    Stmts(Vec<Stmt>),
}

/// `select!` and `select_biased!` of tokio and futures.
pub fn is_select(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "select" || s.ident == "select_biased")
}

/// The expressions or statements inside a macro call, when they parse as such.
pub fn reparse(mac: &syn::Macro) -> Option<Reparsed> {
    if mac.tokens.is_empty() {
        return None;
    }
    if is_select(mac) {
        return parse_select
            .parse2(mac.tokens.clone())
            .ok()
            .map(Reparsed::Exprs);
    }
    if let Some(exprs) = comma_exprs(mac) {
        return Some(Reparsed::Exprs(exprs));
    }
    stmts(mac).map(Reparsed::Stmts)
}

/// `select!` branches as expressions: each future, guard and body, in order.
fn parse_select(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let mut out = Vec::new();
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let _: syn::Ident = input.parse()?;
        let _: Token![;] = input.parse()?;
    }
    while !input.is_empty() {
        if input.peek(Token![else]) || (input.peek(syn::Ident) && input.peek2(Token![=>])) {
            let _: proc_macro2::TokenTree = input.parse()?;
        } else {
            let _ = syn::Pat::parse_multi_with_leading_vert(input)?;
            let _: Token![=] = input.parse()?;
            out.push(input.parse::<Expr>()?);
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                let _: Token![,] = input.parse()?;
                let _: Token![if] = input.parse()?;
                out.push(input.parse::<Expr>()?);
            }
        }
        let _: Token![=>] = input.parse()?;
        if input.peek(syn::token::Brace) {
            out.push(Expr::Block(input.parse::<syn::ExprBlock>()?));
            if input.peek(Token![,]) {
                let _: Token![,] = input.parse()?;
            }
        } else {
            out.push(input.parse::<Expr>()?);
            if !input.is_empty() {
                let _: Token![,] = input.parse()?;
            }
        }
    }
    Ok(out)
}
