//! The calls of a body: their names, write evidence and types.

use std::fmt::Write as _;

use super::{is_screaming, repeat, Collector, CHAIN_INERT, CHAIN_UPSERT};
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::items::Items;
use crate::extract::rust::routes::catalog::has;

impl Collector<'_> {
    /// Records the type or module of a `Type::f(..)` call (`Router` of `Router::new()`)
    /// among the calls; the first storage call is kept by name. No write: `store::get(..)`
    /// names a module, not a call of `store`.
    pub(super) fn qualifier(&mut self, id: &proc_macro2::Ident) {
        let name = self.names.calls.push_ident(id);
        let sets = self.cat.names();
        if self.ev.storage.is_none() && sets.storage_calls.contains(name) {
            self.ev.storage = Some(name.into());
        }
        if self.chain_depth > 0 && sets.not_writes.contains(name) {
            self.chain |= CHAIN_INERT;
        }
    }

    /// Records the write evidence of the call just pushed to `calls` (its name is the
    /// last `len` bytes there): the first write, a write call to follow, an upsert.
    pub(super) fn write_call(&mut self, len: usize) {
        let names = &mut *self.names;
        let text = &names.calls.text;
        let name = &text[text.len() - 1 - len..text.len() - 1];
        let sets = self.cat.names();
        let upsert = sets.upsert_calls.contains(name);
        if self.chain_depth > 0 {
            if upsert {
                self.chain |= CHAIN_UPSERT;
            }
            if sets.not_writes.contains(name) {
                self.chain |= CHAIN_INERT;
            }
        }
        // A call whose answer is a condition asks; it writes nothing (`predicate.rs`).
        if self.asking || !self.cat.is_write_call(name) || sets.not_writes.contains(name) {
            return;
        }
        if self.ev.writes.is_none() {
            self.ev.writes = Some(format!("call {name}").into());
        }
        if upsert {
            self.ev.repeat |= repeat::ORM_UPSERT;
        } else {
            names.writes.push_str(name);
        }
    }

    /// `conn.transaction(async |c| update_inner(c, ..))`: a runner (`[writes]
    /// sql-runners`) given a closure writes what the closure writes, which is walked
    /// as its argument; the call itself, pushed after `before`, is no write.
    pub(super) fn closure_runner(&mut self, m: &syn::ExprMethodCall, before: usize, first: bool) {
        let closure = |a: &syn::Expr| matches!(a, syn::Expr::Closure(_) | syn::Expr::Async(_));
        if self.names.writes.text.len() > before
            && with_ident_str(&m.method, |n| has(&self.cat.writes.sql_runners, n))
            && m.args.items().any(closure)
        {
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
    }

    /// `conn.execute("COMMIT TRANSACTION", [])`, `query("SELECT pg_advisory_lock($1)")
    /// .execute(&db)`: a runner (`[writes] sql-runners`) of a statement that writes no
    /// row (`sql-inert-statements`, by its first word), given as a literal to the call
    /// or to the call its chain starts from, writes nothing. The call, pushed after
    /// `before`, is dropped.
    pub(super) fn inert_sql_runner(&mut self, m: &syn::ExprMethodCall, before: usize, first: bool) {
        if self.names.writes.text.len() <= before
            || !with_ident_str(&m.method, |n| has(&self.cat.writes.sql_runners, n))
        {
            return;
        }
        let text = first_literal(m.args.first()).or_else(|| chain_root_literal(&m.receiver));
        let inert = text.is_some_and(|t| {
            let word = t
                .trim_start()
                .split(|c: char| !c.is_ascii_alphabetic())
                .next();
            word.is_some_and(|w| {
                let w = w.to_ascii_lowercase();
                has(&self.cat.writes.sql_inert_statements, &w)
            })
        });
        if inert {
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
    }

    /// `txn.commit().await?`, `conn.transaction()?`: a transaction call
    /// (`[writes] transaction-calls`) given no argument writes nothing of its own. The
    /// call, pushed after `before`, is dropped.
    pub(super) fn bare_transaction_call(
        &mut self,
        m: &syn::ExprMethodCall,
        before: usize,
        first: bool,
    ) {
        let bare = m.args.is_empty()
            && self.names.writes.text.len() > before
            && with_ident_str(&m.method, |n| has(&self.cat.writes.transaction_calls, n));
        if bare {
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
    }

    /// `OpenOptions::new().append(true).create(true)`: a write-named method given a
    /// lone `bool` literal sets an option of a builder; it writes nothing (a write
    /// takes what it writes). The call, pushed after `before`, is dropped.
    pub(super) fn builder_option(&mut self, m: &syn::ExprMethodCall, before: usize, first: bool) {
        let option = m.args.len() == 1
            && matches!(
                &m.args[0],
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Bool(_),
                    ..
                })
            );
        if option && self.names.writes.text.len() > before {
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
    }

    /// `db::user::add(&u)`: a `module-writes` name called through a module's path
    /// writes, though it is no write-named method (`a.add(b)` is arithmetic). Pushed
    /// as [`Collector::write_call`] pushes a write, for [`Collector::module_write`] to
    /// qualify.
    pub(super) fn module_named_write(
        &mut self,
        q: &proc_macro2::Ident,
        f: &proc_macro2::Ident,
        before: usize,
    ) {
        if self.asking || self.names.writes.text.len() > before {
            return;
        }
        if !self.cat.writes.module_writes.iter().any(|w| f == w) {
            return;
        }
        let lowercase = with_ident_str(q, |m| m.starts_with(|c: char| c.is_ascii_lowercase()));
        if !lowercase || q == "self" || q == "super" || q == "crate" {
            return;
        }
        let name = f.to_string();
        if self.ev.writes.is_none() {
            self.ev.writes = Some(format!("call {name}").into());
        }
        self.names.writes.push_str(&name);
    }

    /// `mail::send_invite(..)`: a write call through a module's path is that module's
    /// function (`mail::send_invite` among the write calls and the typed calls), not
    /// every `send_invite` of the workspace (vaultwarden's invite handlers share the
    /// name). `self::`, `super::` and `crate::` name no module of their own.
    pub(super) fn module_write(&mut self, q: &proc_macro2::Ident, before: usize) {
        if self.names.writes.text.len() <= before {
            return;
        }
        self.module_write_in(&q.to_string(), before);
    }

    /// [`Collector::module_write`] of the module named `module`.
    pub(super) fn module_write_in(&mut self, module: &str, before: usize) {
        let own = matches!(module, "self" | "super" | "crate");
        if self.names.writes.text.len() <= before || own {
            return;
        }
        if !module.starts_with(|c: char| c.is_ascii_lowercase()) {
            return;
        }
        self.retype_write(before, module, "::");
        let call = self.names.writes.text[before..].trim_end().to_string();
        self.names.type_calls.push_str(&call);
    }

    /// Records a call unless it is a CORS configuration call (`allow_headers(..)`),
    /// whose arguments name the key without checking it: false for those, which the
    /// caller then does not walk. With `ident_too`, the identifier also gets
    /// [`Collector::ident`]'s checks, on the same printed text. `args`: the call's
    /// argument count ([`super::ARGS_UNKNOWN`] in a macro's text).
    pub(super) fn called(&mut self, id: &proc_macro2::Ident, ident_too: bool, args: u8) -> bool {
        let name = self.names.calls.push_ident_args(id, args);
        let sets = self.cat.names();
        // The printed text equals a catalogue name exactly when the identifier does
        // (`r#x` prints as `r#x`, and `Ident == "r#x"` compares the same way).
        if sets.cors_methods.contains(name) {
            self.names.calls.pop();
            return false;
        }
        // Functions only: `Ok(..)`, `Json(..)` build values.
        if ident_too && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
            self.names.fn_calls.push_str(name);
            // `if !license::search_allowed()`: kept as `?search_allowed` too, for the
            // link step to tell a question from a call into a stub package that acts.
            if self.asking {
                let asked = format!("?{name}");
                self.names.fn_calls.push_str(&asked);
            }
        }
        if self.ev.storage.is_none() && sets.storage_calls.contains(name) {
            self.ev.storage = Some(name.into());
        }
        let len = name.len();
        self.write_call(len);
        let name = {
            let text = &self.names.calls.text;
            &text[text.len() - 1 - len..text.len() - 1]
        };
        if ident_too {
            if sets.key_fields.contains(name) {
                self.ev.key_field = true;
            }
            if is_screaming(name) {
                self.names.consts.push_str(name);
            }
        }
        true
    }

    /// A call through a path (`Cipher::new(..)`, `get_uuid()`): an identity
    /// generator, or a function of a type the link step may find a constructor in.
    pub(super) fn path_call(
        &mut self,
        qualifier: Option<&proc_macro2::Ident>,
        name: &proc_macro2::Ident,
    ) {
        let mut text = std::mem::take(&mut self.names.literal);
        text.clear();
        if let Some(q) = qualifier {
            let _ = write!(text, "{q}::");
        }
        let split = text.len();
        let _ = write!(text, "{name}");
        // Where a lookup found none (`None => T::new(..)`): made once, no new record.
        let once = !self.made_once.is_empty()
            && qualifier.is_none_or(|q| self.made_once.iter().any(|t| q == t));
        if once {
            // `T::new(..)` of the looked-up type itself: that record is made here.
            if let Some(q) = qualifier {
                let ctor = self
                    .cat
                    .writes
                    .not_followed
                    .iter()
                    .any(|n| n == &text[split..]);
                self.made_here |= ctor && self.made_once.last().is_some_and(|t| q == t);
            }
            self.names.literal = text;
            return;
        }
        let q = (split > 0).then(|| &text[..split - 2]);
        if !self.in_fallback && self.cat.new_id(q, &text[split..]).is_some() {
            // Every one counts for the sea-orm columns set to it (`active.rs`).
            self.sea.made += 1;
            if self.ev.new_id.is_none() {
                // As called (`crypto::generate_attachment_id`), not the catalogue pattern.
                self.ev.new_id = Some(self.generator(&text).into());
            }
        }
        if text.starts_with("Self::") {
            // `Self::find(..)` in an `impl Folder`: `Folder::find`.
            if let Some(owner) = self.type_of_name("self") {
                let call = format!("{owner}::{}", &text[split..]);
                self.names.type_calls.push_str(&call);
            }
        } else if text.starts_with(|c: char| c.is_ascii_uppercase()) && split > 0 {
            self.names.type_calls.push_str(&text);
        }
        self.names.literal = text;
    }

    /// `db::get(..)` in a macro body, its module path `db::` written before `name`:
    /// kept as [`Collector::module_path_call`] keeps one of code.
    pub(super) fn module_path_text(&mut self, mut path: String, name: &proc_macro2::Ident) {
        if path.split_terminator("::").all(module_name) {
            let _ = write!(path, "{name}");
            self.names.path_calls.push_str(&path);
        }
    }

    /// `db::get(..)`, `crate::cache::fill(..)`: a call through a module's path (every
    /// segment before the name lowercase: no type's function) is kept as written in
    /// [`super::Evidence::path_calls`], for the link step to resolve.
    pub(super) fn module_path_call(
        &mut self,
        segs: &syn::punctuated::Punctuated<syn::PathSegment, syn::Token![::]>,
    ) {
        let n = segs.len();
        if n < 2 {
            return;
        }
        let mut text = std::mem::take(&mut self.names.literal);
        text.clear();
        for (i, seg) in segs.items().enumerate() {
            let start = text.len();
            let _ = write!(text, "{}", seg.ident);
            if i + 1 < n && !(seg.arguments.is_none() && module_name(&text[start..])) {
                self.names.literal = text;
                return;
            }
            if i + 1 < n {
                text.push_str("::");
            }
        }
        self.names.path_calls.push_str(&text);
        self.names.literal = text;
    }
}

/// The argument count of a call as [`super::Evidence::call_args`] keeps it: a closure
/// passed is one argument; counts from 254 up are kept as 254.
pub(super) fn arg_count(n: usize) -> u8 {
    u8::try_from(n).map_or(super::ARGS_UNKNOWN - 1, |n| n.min(super::ARGS_UNKNOWN - 1))
}

/// A path segment's name that is a module's, not a type's: lowercase or `_`-led
/// (`db`, `crate`, `_private`; not `Store`). The one rule for every call through a
/// module's path: the path calls the link step resolves ([`Collector::module_path_call`])
/// and the module lookups a refusal names (`module_refusal.rs`).
pub(super) fn module_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
}

/// The text of a string literal argument (`"COMMIT"`, `&"COMMIT"`).
fn first_literal(arg: Option<&syn::Expr>) -> Option<String> {
    match arg? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Reference(r) => first_literal(Some(&r.expr)),
        _ => None,
    }
}

/// The literal first argument of the call a method chain starts from
/// (`sqlx::query("SELECT ..")` of `sqlx::query("SELECT ..").bind(x).execute(&db)`).
fn chain_root_literal(mut e: &syn::Expr) -> Option<String> {
    loop {
        match e {
            syn::Expr::MethodCall(m) => e = &m.receiver,
            syn::Expr::Await(a) => e = &a.base,
            syn::Expr::Try(t) => e = &t.expr,
            syn::Expr::Call(c) => return first_literal(c.args.first()),
            _ => return None,
        }
    }
}
