//! Value dispatch: subcommands a command line runs through the parsed value rather
//! than through a module's function (atuin: `Self::Store(s) => s.run(..)`, where the
//! variant is `Store(store::Cmd)`).
//!
//! A command-line parser's enum (`#[derive(Subcommand)]`, `StructOpt`, `FromArgs`)
//! names, per variant, the type its arguments parse into; when that type is defined
//! in (or imported from) a module the file declares (`Push(push::Push)`, `use
//! push::Push; Push(Push)`), an arm that binds the variant's payload and runs a method
//! of it (`Self::Push(p) => p.run(settings).await`) dispatches to that module, as
//! `Command::Push => push::run()` does. Only a parser's enums count: a `match` over an
//! event or a message enum whose payloads live in modules (a server's handlers) is no
//! command line. A binary root that matches nothing itself but hands its parsed
//! subcommand to one module (`struct Cli { #[command(subcommand)] cmd: command::Cmd }`)
//! delegates to that module, which is followed when it dispatches in turn.

use proc_macro2::TokenTree;
use syn::{Attribute, Expr, Pat};

use super::super::Visitor;
use crate::extract::rust::front::ident::with_ident_str;

/// Derives of a command-line parser's subcommand enum.
const CLI_DERIVES: [&str; 4] = ["Subcommand", "Parser", "StructOpt", "FromArgs"];
/// Attributes that mark a parser's subcommand field (`#[command(subcommand)]`).
const CLI_ATTRS: [&str; 4] = ["command", "clap", "structopt", "argh"];

/// Whether an item derives a command-line parser's trait (`#[derive(Subcommand)]`,
/// `#[derive(clap::Subcommand, Debug)]`).
pub(in crate::extract::rust::clients) fn derives_cli(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("derive") && names_any(a, &CLI_DERIVES))
}

/// Whether a field holds the parsed subcommand (`#[command(subcommand)]`,
/// `#[clap(subcommand)]`, `#[structopt(subcommand)]`, `#[argh(subcommand)]`).
pub(in crate::extract::rust::clients) fn is_subcommand_field(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let cli = a
            .path()
            .get_ident()
            .is_some_and(|i| with_ident_str(i, |s| CLI_ATTRS.contains(&s)));
        cli && names_any(a, &["subcommand"])
    })
}

/// Whether an attribute's list names one of `names` as an identifier.
fn names_any(a: &Attribute, names: &[&str]) -> bool {
    let syn::Meta::List(l) = &a.meta else {
        return false;
    };
    l.tokens
        .clone()
        .into_iter()
        .any(|t| matches!(t, TokenTree::Ident(i) if with_ident_str(&i, |s| names.contains(&s))))
}

/// The expression an arm's body evaluates, under `.await`, `?`, parentheses, a
/// `return`, a block of one expression (`{ admin::run(c) }`) and an error report
/// with no `else` (`if let Err(e) = init(&bind).await { eprintln!(..) }`: the arm's
/// work is `init`'s).
pub(in crate::extract::rust::clients) fn arm_value(mut body: &Expr) -> &Expr {
    loop {
        body = match body {
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Return(syn::ExprReturn { expr: Some(e), .. }) => e,
            Expr::Block(b) => match b.block.stmts.as_slice() {
                [syn::Stmt::Expr(e, _)] => e,
                _ => return body,
            },
            Expr::If(i) if i.else_branch.is_none() => match &*i.cond {
                Expr::Let(l) if is_err_pattern(&l.pat) => &l.expr,
                _ => return body,
            },
            _ => return body,
        };
    }
}

/// `Err(e)`, `Err(_)`: the pattern of an error report.
fn is_err_pattern(p: &Pat) -> bool {
    matches!(p, Pat::TupleStruct(ts) if ts.path.is_ident("Err") && ts.elems.len() == 1)
}

/// The variant an arm dispatches on by value: `Self::Push(p) => p.run(..).await`
/// (one payload bound by name, a method of it run) → `Push`.
fn value_arm(arm: &syn::Arm) -> Option<&syn::Ident> {
    let Pat::TupleStruct(ts) = &arm.pat else {
        return None;
    };
    let mut elems = ts.elems.iter();
    let (Some(Pat::Ident(bound)), None) = (elems.next(), elems.next()) else {
        return None;
    };
    let Expr::MethodCall(call) = arm_value(&arm.body) else {
        return None;
    };
    let Expr::Path(receiver) = &*call.receiver else {
        return None;
    };
    if !receiver.path.is_ident(&bound.ident) {
        return None;
    }
    Some(&ts.path.segments.last()?.ident)
}

/// The module a payload type is defined in or imported from, when the file declares
/// it: `store::Cmd`, `self::store::Cmd`, or `Push` bound by `use push::Push`.
fn payload_module(v: &Visitor, ty: &[String]) -> Option<String> {
    let full;
    let path = match ty {
        [one] => {
            full = v.imports.lookup(one, false)?;
            full.as_slice()
        }
        _ => ty,
    };
    let path = match path.first().map(String::as_str) {
        Some("self") => &path[1..],
        _ => path,
    };
    let [module, _, ..] = path else {
        return None;
    };
    v.mods.contains(module).then(|| module.clone())
}

impl Visitor<'_, '_> {
    /// The modules the file's parser enums' variants carry their payload types from
    /// (variant → module), and the one a subcommand field's type is from (a binary
    /// root's delegate), from the collected `(variant, type path)`s and field types.
    pub(in crate::extract::rust::clients) fn cli_payloads(
        &mut self,
        variants: &[(String, Vec<String>)],
        fields: &[Vec<String>],
    ) {
        for (variant, ty) in variants {
            if let Some(module) = payload_module(self, ty) {
                self.cli_variants.push((variant.clone(), module));
            }
        }
        let mut delegates = fields.iter().filter_map(|ty| payload_module(self, ty));
        if let (Some(module), None) = (delegates.next(), delegates.next()) {
            self.cli_delegate = Some(module);
        }
    }

    /// The module a value-dispatching arm runs (see the module's doc), if any.
    pub(super) fn value_module(&self, arm: &syn::Arm) -> Option<String> {
        if self.cli_variants.is_empty() {
            return None;
        }
        let variant = value_arm(arm)?;
        self.cli_variants
            .iter()
            .find(|(v, _)| variant == v)
            .map(|(_, m)| m.clone())
    }

    /// A binary root that dispatches nothing itself hands its parsed subcommand to
    /// the module its delegate field's type is from: that module, alone in
    /// `dispatch` (followed only when it dispatches in turn).
    pub(in crate::extract::rust::clients) fn note_delegate(&mut self) {
        if self.facts.binary_root && self.facts.dispatch.is_empty() {
            if let Some(module) = self.cli_delegate.take() {
                self.facts.dispatch.push(module);
            }
        }
    }
}
