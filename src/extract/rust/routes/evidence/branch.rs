//! A helper's creating branch: a new identity made only where an `Option` parameter
//! is `None` (vaultwarden's `save_attachment(attachment: Option<Attachment>, ..)`:
//! `match &attachment { Some(a) => a.id.clone(), None => generate_attachment_id() }`)
//! is made for the callers passing `None` only. Its generator is kept as
//! `generator?k` (`k` the parameter's position), and each call passing a literal
//! `None` as `name?k` among the function calls, for the link step to match.

use super::Collector;
use crate::extract::rust::front::items::Items;

impl Collector<'_> {
    /// The position of the parameter a `match` looks at (`match &attachment`), in a
    /// function without `self`.
    pub(super) fn option_param(&self, e: &syn::Expr) -> Option<u8> {
        let var = super::types::var(e)?;
        let at = self.params.iter().position(|p| *p == var)?;
        u8::try_from(at).ok()
    }

    /// `let attachment = None;`: the variable holds `None` when passed on.
    pub(super) fn bind_none(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if let (Some(var), true) = (super::types::pat_var(pat), is_none(init)) {
            self.none_vars.push(var.to_string());
        }
    }

    /// Records the calls of `name` passing `None` (`save_attachment(None, ..)`, or a
    /// variable bound to it).
    pub(super) fn none_args(
        &mut self,
        name: &proc_macro2::Ident,
        args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    ) {
        for (i, a) in args.items().enumerate() {
            let none_var = || {
                !self.none_vars.is_empty()
                    && super::types::var(a).is_some_and(|v| self.none_vars.contains(&v))
            };
            if is_none(a) || none_var() {
                let entry = format!("{name}?{i}");
                self.names.fn_calls.push_str(&entry);
            }
        }
    }

    /// The generator as recorded: `generator?k` in the `None` arm of parameter `k`.
    pub(super) fn generator(&self, text: &str) -> String {
        match self.none_param {
            Some(k) => format!("{text}?{k}"),
            None => text.to_string(),
        }
    }
}

/// `None` itself.
fn is_none(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident("None"))
}

/// The parameter position a conditional generator (`gen?k`) depends on.
pub(crate) fn conditional(new_id: &str) -> Option<(&str, &str)> {
    new_id.rsplit_once('?')
}
