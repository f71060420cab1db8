//! A depth-limited walk over expressions, `let`s and the bodies of macros.
//!
//! `syn` keeps macro bodies as tokens. The walk re-parses them with the front end's
//! one re-parser ([`crate::extract::rust::front::macros`]).

use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

pub(crate) use crate::extract::rust::front::macros::{is_select, reparse, Reparsed};

use super::MAX_DEPTH;

/// A node the walk reaches.
pub(crate) enum Seen<'x> {
    Expr(&'x Expr),
    Local(&'x syn::Local),
}

/// What the walk does with macros.
#[derive(Clone, Copy, Default)]
pub(crate) struct Options<'o> {
    /// Skip `select!` used as a value (`let r = select! {..}`): its sleep branch is a
    /// timeout, not a wait between attempts. A `select!` statement is still walked.
    pub skip_value_selects: bool,
    /// Re-parse a macro body only when it holds an identifier this accepts (a cheap
    /// token scan saves parsing every `format!` and `info!`).
    pub macro_idents: Option<&'o dyn Fn(&proc_macro2::Ident) -> bool>,
    /// Re-parse a macro body only when it holds, at any depth, an identifier this
    /// accepts: for a walk that only looks for nodes such an identifier starts (`let`),
    /// skipping the others cannot change what it sees.
    pub macro_must_hold: Option<&'o dyn Fn(&proc_macro2::Ident) -> bool>,
}

/// Whether the tokens hold an identifier `wanted` accepts, looking [`MAX_DEPTH`]
/// groups deep.
pub(crate) fn has_ident(
    tokens: &proc_macro2::TokenStream,
    wanted: &dyn Fn(&proc_macro2::Ident) -> bool,
) -> bool {
    has_ident_within(tokens, wanted, MAX_DEPTH)
}

/// Whether the tokens hold an identifier `wanted` accepts, looking `max_depth` groups
/// deep.
fn has_ident_within(
    tokens: &proc_macro2::TokenStream,
    wanted: &dyn Fn(&proc_macro2::Ident) -> bool,
    max_depth: usize,
) -> bool {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(iter) = stack.last_mut() {
        match iter.next() {
            None => {
                stack.pop();
            }
            Some(proc_macro2::TokenTree::Group(g)) => {
                if stack.len() < max_depth {
                    stack.push(g.stream().into_iter());
                }
            }
            Some(proc_macro2::TokenTree::Ident(i)) => {
                if wanted(&i) {
                    return true;
                }
            }
            Some(_) => {}
        }
    }
    false
}

/// Calls `f` on every expression and `let` below `root` (and on `root`), outside
/// nested items. `f` returns whether to descend into the node.
pub(crate) fn walk_expr(root: &Expr, options: Options<'_>, f: &mut dyn FnMut(Seen<'_>) -> bool) {
    let mut w = Walker {
        f,
        depth: 0,
        options,
    };
    w.visit_expr(root);
}

/// Like [`walk_expr`], over a block's statements.
pub(crate) fn walk_block(
    block: &syn::Block,
    options: Options<'_>,
    f: &mut dyn FnMut(Seen<'_>) -> bool,
) {
    let mut w = Walker {
        f,
        depth: 0,
        options,
    };
    w.visit_block(block);
}

struct Walker<'f, 'o> {
    f: &'f mut dyn FnMut(Seen<'_>) -> bool,
    depth: usize,
    options: Options<'o>,
}

impl Walker<'_, '_> {
    fn mac(&mut self, mac: &syn::Macro, statement: bool) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        let select = is_select(mac);
        if select && !statement && self.options.skip_value_selects {
            return;
        }
        if let Some(idents) = self.options.macro_idents {
            if !has_ident(&mac.tokens, idents) {
                return;
            }
        }
        if let Some(idents) = self.options.macro_must_hold {
            if !has_ident_within(&mac.tokens, idents, usize::MAX) {
                return;
            }
        }
        self.depth += 1;
        match reparse(mac) {
            Some(Reparsed::Exprs(exprs)) => exprs.iter().for_each(|e| self.visit_expr(e)),
            Some(Reparsed::Stmts(stmts)) => stmts.iter().for_each(|s| self.visit_stmt(s)),
            None => {}
        }
        self.depth -= 1;
    }
}

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth >= MAX_DEPTH || !(self.f)(Seen::Expr(e)) {
            return;
        }
        self.depth += 1;
        visit::visit_expr(self, e);
        self.depth -= 1;
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if (self.f)(Seen::Local(l)) {
            visit::visit_local(self, l);
        }
    }

    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match s {
            Stmt::Macro(m) => {
                let e = Expr::Macro(syn::ExprMacro {
                    attrs: Vec::new(),
                    mac: m.mac.clone(),
                });
                if self.depth < MAX_DEPTH && (self.f)(Seen::Expr(&e)) {
                    self.mac(&m.mac, true);
                }
            }
            Stmt::Expr(e @ Expr::Macro(m), _) => {
                if self.depth < MAX_DEPTH && (self.f)(Seen::Expr(e)) {
                    self.mac(&m.mac, true);
                }
            }
            _ => visit::visit_stmt(self, s),
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.mac(m, false);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
