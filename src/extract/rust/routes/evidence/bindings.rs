//! The types of a body's variables while it is walked (see `routes/types.rs`), so a
//! write method called on one is recorded with its type (`Folder::save`).

use compact_str::CompactString;

use super::Collector;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::routes::catalog::RoutesCatalog;
use crate::extract::rust::routes::types;

impl Collector<'_> {
    /// Binds the variable of `pat` (`folder`, `Some(folder)`, `folder: Folder`) to the
    /// type `init` makes, when that is known. `whole`: `init` is the value itself (a
    /// `let`), not a collection or result it is taken from (`for`, `if let`), so a
    /// guard of process state (`let mut q = QUEUE.lock().await`) or a new in-memory
    /// value (`let mut lines = Vec::new()`) types it too.
    pub(super) fn bind_pat(&mut self, pat: &syn::Pat, init: &syn::Expr, whole: bool) {
        if let (syn::Pat::Tuple(t), Some(module)) = (pat, types::channel_of(init)) {
            // `let (sender, receiver) = oneshot::channel()`: the sender is a
            // `oneshot::Sender`, whatever `[writes] in-memory-types` says of it.
            if let Some(var) = t.elems.first().and_then(types::pat_var) {
                self.bind_ident(var, &format!("{module}::Sender"));
            }
            return;
        }
        let Some(var) = types::pat_var(pat) else {
            return;
        };
        let ty = match pat {
            syn::Pat::Type(pt) => {
                self.bind_values(var, &pt.ty);
                self.annotated(&pt.ty)
            }
            _ => None,
        };
        // `let mut q = QUEUE.lock().await`: a guard of process state is that state.
        // `let mut lines = Vec::new()`: an in-memory value, whose methods are its type's.
        // `match map.entry(k) { Entry::Occupied(mut e) => e.insert(v), .. }`: the map's.
        let made = ty
            .or_else(|| types::made_by(init))
            .or_else(|| self.entry_type(init));
        let made = made.or_else(|| {
            let guard = !std::ptr::eq(types::guarded(init), init);
            let state = (whole && guard).then(|| self.state_type(init)).flatten();
            state.or_else(|| {
                let built = whole.then(|| types::built(init)).flatten();
                built.filter(|t| self.cat.is_in_memory(t))
            })
        });
        let typed = made.is_some();
        if let Some(ty) = made {
            self.bind_ident(var, &ty);
        }
        if whole {
            self.bind_maker(var, init, typed);
        }
    }

    /// `let mut seen: BTreeMap<String, BTreeSet<String>> = ..`: the map's values live in
    /// memory too, recorded under `seen[]` for the entry API's `or_default()`
    /// ([`Collector::entry_type`]). Values of another type (a record whose `insert(db)`
    /// writes) are not recorded.
    fn bind_values(&mut self, var: &proc_macro2::Ident, ty: &syn::Type) {
        let holder = |t: &str| self.cat.is_holder(t);
        let Some(values) = types::values_of(ty, &holder) else {
            return;
        };
        if let Some(t) = types::held(values, &holder).filter(|t| self.cat.is_in_memory(t)) {
            self.bind(&format!("{var}[]"), &t);
        }
    }

    /// What an in-memory map's entry API hands out, when it lives in memory: the entry
    /// of `map.entry(k)` (and `.and_modify(..)`) is the map's own part, whose
    /// `insert`/`remove` are the map's; the value of `.or_default()`/`.or_insert(v)` is
    /// an element, in memory when the map's annotation says its values are
    /// ([`Collector::bind_values`]). Not other element accessors: an element of a
    /// `Vec` may be a record whose `save(conn)` writes.
    pub(super) fn entry_type(&self, e: &syn::Expr) -> Option<String> {
        let syn::Expr::MethodCall(m) = types::guarded(e) else {
            return None;
        };
        /// What a link of the entry API hands out.
        enum Part {
            Entry,
            SameEntry,
            Value,
        }
        // The method's name compared in place: most `let`s and `match`es are no entry.
        let part = with_ident_str(&m.method, |n| match n {
            "entry" => Some(Part::Entry),
            "and_modify" => Some(Part::SameEntry),
            "or_default" | "or_insert" | "or_insert_with" | "or_insert_with_key" => {
                Some(Part::Value)
            }
            _ => None,
        })?;
        let receiver = types::guarded(&m.receiver);
        match part {
            Part::Entry => self.state_type(receiver),
            Part::SameEntry => self.entry_type(receiver),
            Part::Value => {
                let mut base = receiver;
                while let syn::Expr::MethodCall(b) = base {
                    if b.method == "entry" {
                        let map = types::var(types::guarded(&b.receiver))?;
                        return self.type_of_name(&format!("{map}[]")).map(str::to_string);
                    }
                    base = types::guarded(&b.receiver);
                }
                None
            }
        }
    }

    /// `let client = make_client(..)?`: the variable is what the free function
    /// `make_client` returns, for the link step to read off its signature
    /// ([`Collector::made_call`]). A later `let` of the name that is no such call
    /// unbinds it (`typed`: that `let` gave it a type of its own).
    fn bind_maker(&mut self, var: &proc_macro2::Ident, init: &syn::Expr, typed: bool) {
        let maker = (!typed).then(|| types::made_by_fn(init)).flatten();
        let made = &mut self.names.made;
        let v = with_ident_str(var, |s| CompactString::new(s));
        match maker {
            Some(f) => made.push((v, with_ident_str(f, |s| CompactString::new(s)))),
            None if made.iter().any(|(m, _)| *m == v) => made.push((v, CompactString::default())),
            None => {}
        }
    }

    /// `client.cancel_query(req)` on a variable a free function made
    /// ([`Collector::bind_maker`]): recorded as `make_client::cancel_query` among
    /// [`super::Evidence::made_calls`].
    pub(super) fn made_call(&mut self, m: &syn::ExprMethodCall) {
        if self.names.made.is_empty() {
            return;
        }
        let Some(var) = types::var(&m.receiver) else {
            return;
        };
        let maker = self.names.made.iter().rev().find(|(v, _)| *v == var);
        if let Some((_, f)) = maker.filter(|(_, f)| !f.is_empty()) {
            let call = format!("{f}::{}", m.method);
            self.names.made_calls.push_str(&call);
        }
    }

    /// Records that the variable `var` holds a `ty`.
    pub(super) fn bind(&mut self, var: &str, ty: &str) {
        self.names.bindings.push((var.to_string(), ty.to_string()));
    }

    pub(super) fn bind_ident(&mut self, var: &proc_macro2::Ident, ty: &str) {
        self.names.bindings.push((var.to_string(), ty.to_string()));
    }

    /// The type of the variable an expression names, when known.
    pub(super) fn type_of(&self, e: &syn::Expr) -> Option<&str> {
        self.type_of_name(&types::var(e)?)
    }

    /// The type of a method call's receiver: a variable's, what a call of a type's
    /// function makes (`FolderCipher::new(..).save(conn)`: `FolderCipher`), or the
    /// in-memory type of process state ([`Collector::state_type`]).
    pub(super) fn receiver_type(&self, e: &syn::Expr) -> Option<String> {
        match self.type_of(e) {
            Some(t) => Some(t.to_string()),
            None => types::made_by(e).or_else(|| self.state_type(e)),
        }
    }

    /// The in-memory type a receiver is, or is a guard of: a variable, `static` or
    /// struct field (`self.keys`) holding one (`DEK_CACHE.insert(k, v)`,
    /// `CACHE.write().await.insert(k, v)`, `self.keys.lock().unwrap().remove(k)`). Only
    /// in-memory types come out: another receiver is typed as before.
    fn state_type(&self, e: &syn::Expr) -> Option<String> {
        let root = types::guarded(e);
        let in_memory = |t: &str| self.cat.is_in_memory(t);
        // A part a registry hands out (`ctx.catalog(..)`) is the registry's: the chain's
        // first receiver, a variable of a registry type. Walked once, not typed at
        // every call of the chain.
        if let syn::Expr::MethodCall(_) = root {
            if let Some(t) = self.entry_type(root) {
                return Some(t);
            }
            let mut base = root;
            while let syn::Expr::MethodCall(m) = base {
                base = types::guarded(&m.receiver);
            }
            let ty = self.type_of_name(&types::var(base)?)?;
            return self.cat.is_registry(ty).then(|| ty.to_string());
        }
        if let Some(v) = types::var(root) {
            return match self.type_of_name(&v) {
                Some(t) => in_memory(t).then(|| t.to_string()),
                None => self.state_of(&v),
            };
        }
        let syn::Expr::Field(f) = root else {
            return None;
        };
        let syn::Member::Named(field) = &f.member else {
            return None;
        };
        if self.names.state.is_empty() {
            return None;
        }
        let owner = types::var(&f.base).and_then(|v| self.type_of_name(&v))?;
        let field = field.to_string();
        // `Owner.field`, compared in place.
        let s = &self.names.state;
        s.iter()
            .find(|(n, _)| {
                n.len() == owner.len() + 1 + field.len()
                    && n.starts_with(owner)
                    && n.ends_with(field.as_str())
                    && n.as_bytes()[owner.len()] == b'.'
            })
            .map(|(_, t)| t.clone())
    }

    /// The in-memory type of the file's `static` or struct field `name` (`DEK_CACHE`,
    /// `Registry.keys`).
    fn state_of(&self, name: &str) -> Option<String> {
        let s = &self.names.state;
        s.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    }

    /// The type an annotation gives a variable (`folder: &Folder`), or, when the
    /// annotation is a holder (`cache: Arc<RwLock<HashMap<..>>>`), the in-memory type it
    /// holds.
    pub(super) fn annotated(&self, ty: &syn::Type) -> Option<String> {
        let holder = |t: &str| self.cat.is_holder(t);
        // `schemas: Result<Vec<Schema>>`: a list, whose `remove(i)` is the list's
        // (through `if let Ok(mut schemas) = schemas` too), not `Schema::remove`.
        let unwrapped = |t: &str| matches!(t, "Option" | "Result" | "Box");
        if let Some(t) = types::held(ty, &unwrapped).filter(|t| self.cat.is_in_memory(t)) {
            return Some(t);
        }
        match types::named(ty) {
            Some(t) if !holder(&t) => Some(t),
            _ => types::held(ty, &holder).filter(|t| self.cat.is_in_memory(t)),
        }
    }

    pub(super) fn type_of_name(&self, name: &str) -> Option<&str> {
        let b = &self.names.bindings;
        b.iter()
            .rev()
            .find(|(v, _)| name == v)
            .map(|(_, t)| t.as_str())
    }

    /// A write method called on a variable of known type is recorded as `Type::m`, so
    /// the link step follows `folder.save(..)` into `Folder::save` rather than every
    /// `save` of the workspace; on a value of unknown type as `name.m` (the receiver's
    /// variable or field name, maybe empty), which only a method (a function with
    /// `self`) can be, not `TwoFactorDuoContext::save(state, ..)`. True when the type
    /// is an in-memory collection (`[writes] in-memory-types`): that call writes nothing.
    pub(super) fn typed_write(&mut self, receiver: &syn::Expr, before: usize) -> bool {
        // Nothing written by this call: nothing to retype (most calls; typing the
        // receiver allocates).
        if self.names.writes.text.len() <= before {
            return false;
        }
        match self.receiver_type(receiver) {
            Some(ty) if self.cat.is_in_memory(&ty) => self.names.writes.text.len() > before,
            Some(ty) => {
                self.retype_write(before, &ty, "::");
                false
            }
            None => {
                let name = types::receiver_name(receiver).unwrap_or_default();
                self.retype_write(before, &name, ".");
                false
            }
        }
    }

    /// Prefixes the write call pushed after `before` (if any) with `ty` and `sep`.
    pub(super) fn retype_write(&mut self, before: usize, ty: &str, sep: &str) {
        if self.names.writes.text.len() <= before {
            return;
        }
        let name = self.names.writes.text[before..].trim_end().to_string();
        self.names.writes.truncate(before);
        self.names.writes.push_str(&format!("{ty}{sep}{name}"));
    }
}

/// The process state of a file ([`super::Scratch::state`]): its `static`s and the named
/// fields of its structs whose type holds an in-memory one (`static DEK_CACHE:
/// LazyLock<RwHashMap<..>>`, `struct Registry { keys: RwLock<HashMap<..>> }`), in
/// inline modules too, each as `NAME` or `Struct.field` with the in-memory type. A type
/// alias of the file for an in-memory type is one too (`type SettingsCache =
/// HashMap<..>`, then `static SETTINGS: Lazy<ArcSwap<SettingsCache>>`).
pub(crate) fn file_state(items: &[syn::Item], cat: &RoutesCatalog) -> Vec<(String, String)> {
    let mut aliases = Vec::new();
    in_memory_aliases(items, cat, &mut aliases);
    let mut out = Vec::new();
    state_of_items(items, cat, &aliases, &mut out);
    out
}

/// The file's type aliases for an in-memory type, each with that type.
fn in_memory_aliases(items: &[syn::Item], cat: &RoutesCatalog, out: &mut Vec<(String, String)>) {
    for item in items {
        match item {
            syn::Item::Type(t) => {
                let held = types::held(&t.ty, &|n: &str| cat.is_holder(n));
                if let Some(ty) = held.filter(|n| cat.is_in_memory(n)) {
                    out.push((t.ident.to_string(), ty));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    in_memory_aliases(inner, cat, out);
                }
            }
            _ => {}
        }
    }
}

fn state_of_items(
    items: &[syn::Item],
    cat: &RoutesCatalog,
    aliases: &[(String, String)],
    out: &mut Vec<(String, String)>,
) {
    let held = |ty: &syn::Type| {
        let t = types::held(ty, &|t: &str| cat.is_holder(t))?;
        if cat.is_in_memory(&t) {
            return Some(t);
        }
        aliases
            .iter()
            .find(|(a, _)| *a == t)
            .map(|(_, t)| t.clone())
    };
    for item in items {
        match item {
            syn::Item::Static(s) => {
                if let Some(t) = held(&s.ty) {
                    out.push((s.ident.to_string(), t));
                }
            }
            syn::Item::Struct(s) => {
                for f in &s.fields {
                    if let (Some(id), Some(t)) = (&f.ident, held(&f.ty)) {
                        out.push((format!("{}.{id}", s.ident), t));
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    state_of_items(inner, cat, aliases, out);
                }
            }
            _ => {}
        }
    }
}
