//! A method chain's writes: what each link shows, and what the outermost link
//! makes of the whole chain (a read, a delete, an upsert, an absolute update).

use super::{refuse, repeat, Collector};
use super::{CHAIN_DELETE, CHAIN_INERT, CHAIN_READ, CHAIN_SEND, CHAIN_TOKEN, CHAIN_UPSERT};
use crate::extract::rust::front::items::Items;
use crate::extract::rust::routes::orm;

impl Collector<'_> {
    /// The evidence of link `m` itself, before its receiver and arguments are walked:
    /// its call, the writes it makes in memory only (`headers.insert(k, v)`), a
    /// sea-orm `Set` update, a keyed write. `before`: the write names' length when the
    /// chain's link began; `first`: no write was seen before it. Returns whether the
    /// arguments are walked (not a CORS configuration call's).
    pub(super) fn chain_link(
        &mut self,
        m: &syn::ExprMethodCall,
        before: usize,
        first: bool,
    ) -> bool {
        let walk = self.called(&m.method, false, super::calls::arg_count(m.args.len()));
        self.closure_runner(m, before, first);
        self.claim_method(m);
        self.builder_option(m, before, first);
        self.inert_sql_runner(m, before, first);
        self.bare_transaction_call(m, before, first);
        self.takes(m);
        self.request_kind(m);
        self.delete_request(m.args.items());
        if let Some(ty) = self.receiver_type(&m.receiver) {
            // `cmd.spawn()` on a `Command`: the link step follows `Command::spawn`,
            // not every method `spawn` of the workspace.
            let call = format!("{ty}::{}", m.method);
            self.names.type_calls.push_str(&call);
        } else {
            self.made_call(m);
        }
        if self.typed_write(&m.receiver, before) && !self.fresh_key(m) {
            // `headers.insert(k, v)` on a `HeaderMap`: a value in memory, no write.
            self.names.writes.truncate(before);
            if first {
                self.ev.writes = None;
            }
        }
        self.mail_send(m, before);
        if self.names.writes.text.len() > before
            && self
                .cat
                .is_typed_set(self.names.writes.text[before..].trim_end())
        {
            // A sea-orm `ActiveModel`'s `update`: the columns `Set` on it, given values.
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::ORM_SET;
        }
        if m.args.len() >= 2
            && self.names.writes.text.len() > before
            && self.cat.writes.keyed_calls.iter().any(|k| m.method == k)
        {
            // `map.insert(k, v)`, a store's `db.put(&key, value, watch, None)`: a repeat
            // writes the same value under the same key (its options beside it).
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::KEYED;
        }
        walk
    }

    /// `transport.send(email)` in a file importing a mail crate: a mail to a person,
    /// which a repeat sends again ([`repeat::MAIL`]), not a write applied twice. The
    /// call stays the body's first write (the route writes); `send()` without
    /// arguments is an HTTP request, and `tx.send(msg)` on a channel's sender (`tx:
    /// mpsc::Sender<Job>`, `let (tx, rx) = mpsc::channel()`) a publish, judged as before.
    fn mail_send(&mut self, m: &syn::ExprMethodCall, before: usize) {
        let channel = |c: &Self| {
            c.receiver_type(&m.receiver)
                .is_some_and(|t| t.ends_with("Sender"))
        };
        if self.names.mail
            && !m.args.is_empty()
            && self.names.writes.text.len() > before
            && self.cat.writes.mail_sends.iter().any(|s| m.method == s)
            && !channel(self)
        {
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::MAIL;
        }
    }

    /// `AsyncTransport::send(&self.transport, email)` in a file importing a mail crate:
    /// [`Collector::mail_send`] written through the transport's trait, the transport
    /// being the first argument.
    pub(super) fn mail_send_through_trait(
        &mut self,
        name: &syn::Ident,
        args: usize,
        before: usize,
    ) {
        if self.names.mail
            && args >= 2
            && self.names.writes.text.len() > before
            && self.cat.writes.mail_sends.iter().any(|s| name == s)
        {
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::MAIL;
        }
    }

    /// Judges the chain whose outermost link is `m`, once it is all walked: `mark` is
    /// the write names' length when it began, `wrote` whether a write was seen before.
    pub(super) fn judge_chain(&mut self, m: &syn::ExprMethodCall, mark: usize, wrote: bool) {
        let mut chain = std::mem::take(&mut self.chain);
        let token =
            chain & (CHAIN_TOKEN | CHAIN_SEND) == CHAIN_TOKEN | CHAIN_SEND && self.grant_type;
        if chain & (CHAIN_READ | CHAIN_SEND) == CHAIN_READ | CHAIN_SEND || token {
            // `client.get(url).send()`: a read; `post(".../connect/token").form(&[("grant_type",
            // ..)]).send()`: a credential asked for.
            chain |= CHAIN_INERT;
        }
        if chain & (CHAIN_DELETE | CHAIN_SEND) == CHAIN_DELETE | CHAIN_SEND
            && self.names.writes.text.len() > mark
        {
            // `request(Method::POST, "{relay}/push/delete/{id}").send()`: a delete.
            self.names.writes.truncate(mark);
            self.ev.repeat |= repeat::ORM_DELETE;
        }
        if chain & CHAIN_INERT != 0 {
            // `FlashMessage::error(..).send()`: a cookie, no write.
            self.names.writes.truncate(mark);
            if !wrote {
                self.ev.writes = None;
            }
        } else if self.names.writes.text.len() > mark
            && orm::absolute_set(m, self.cat) == Some(true)
        {
            // `diesel::update(t).set(col.eq(v)).execute(c)`: sets given values.
            self.ev.repeat |= repeat::ORM_SET;
            self.names.writes.truncate(mark);
        } else if self.names.writes.text.len() > mark && orm::delete_chain(m, self.cat) {
            // `diesel::delete(t.filter(id.eq(x))).execute(c)`: a repeat deletes nothing more.
            self.ev.repeat |= repeat::ORM_DELETE;
            self.names.writes.truncate(mark);
            self.self_delete |= refuse::by_own_fields(m);
        } else if self.names.writes.text.len() > mark && self.keyed_builder(m) {
            // `client.put_object().bucket(b).key(k).body(data).send()`: under that key.
            self.ev.repeat |= repeat::KEYED;
            self.names.writes.truncate(mark);
        } else if chain & CHAIN_UPSERT != 0 {
            // `insert_into(t).values(v).on_conflict(id).do_nothing().execute(c)`: the
            // chain's writes are one upsert.
            if self.names.writes.text.len() > mark {
                self.ev.repeat |= repeat::ORM_UPSERT;
            }
            self.names.writes.truncate(mark);
        }
        let args = std::mem::take(&mut self.args);
        self.names.writes.text.push_str(&args.writes);
        self.ev.writes = self.ev.writes.take().or(args.first);
    }
}

impl Collector<'_> {
    /// The chain ending in `m` is a `[writes] keyed-builders` one: a link `root()` and,
    /// after it, a link `setter(key)` of one argument.
    fn keyed_builder(&self, m: &syn::ExprMethodCall) -> bool {
        self.cat.writes.keyed_builders.iter().any(|b| {
            let Some((root, setter)) = b.split_once(" * ") else {
                return false;
            };
            let mut keyed = false;
            let mut cur = m;
            loop {
                keyed |= cur.method == setter && cur.args.len() == 1;
                if cur.method == root {
                    return keyed;
                }
                match orm::strip(&cur.receiver) {
                    syn::Expr::MethodCall(inner) => cur = inner,
                    _ => return false,
                }
            }
        })
    }

    /// `queue::put(key, value, watch, None)`: a store's function called through its
    /// module's path with a key and a value writes that value under that key, as a
    /// keyed method does (`db.put(&key, value)`); a repeat writes the same value again.
    /// `before`: the write names' length before the call's own write.
    pub(super) fn keyed_function(&mut self, name: &syn::Ident, args: usize, before: usize) {
        if args >= 2
            && self.names.writes.text.len() > before
            && self.cat.writes.keyed_functions.iter().any(|k| name == k)
        {
            self.names.writes.truncate(before);
            self.ev.repeat |= repeat::KEYED;
        }
    }

    /// `CART.lock().unwrap().insert(Uuid::new_v4(), line)`: an entry keyed by an
    /// identity made right there is a new record, wherever it is kept; a repeat adds
    /// another. A cache filled under a key the request or a read gave is not.
    fn fresh_key(&self, m: &syn::ExprMethodCall) -> bool {
        struct Fresh<'c>(
            &'c crate::extract::rust::routes::catalog::RoutesCatalog,
            bool,
        );
        impl<'ast> syn::visit::Visit<'ast> for Fresh<'_> {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = &p.path.segments;
                    if let Some(last) = segs.last() {
                        let q = (segs.len() >= 2).then(|| segs[segs.len() - 2].ident.to_string());
                        let name = last.ident.to_string();
                        self.1 |= self.0.new_id(q.as_deref(), &name).is_some();
                    }
                }
                syn::visit::visit_expr_call(self, c);
            }
        }
        let mut f = Fresh(self.cat, false);
        for a in m.args.items() {
            syn::visit::Visit::visit_expr(&mut f, a);
        }
        f.1
    }
}
