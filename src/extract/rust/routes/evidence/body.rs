//! What a body's literals, identifiers and call arguments show, and the evidence
//! [`Collector::finish`] makes of a walked body.

use syn::punctuated::Punctuated;
use syn::visit::Visit;

use super::{collect_type_names, is_screaming, repeat, Collector, Evidence};
use crate::extract::rust::front::items::Items;
use crate::extract::rust::routes::catalog::has;
use crate::extract::rust::routes::sql::SqlWrite;

impl Collector<'_> {
    /// Walks the arguments of a method call of a chain, each a chain of its own, and
    /// sets their writes aside for [`ArgWrites`].
    pub(super) fn arguments<'ast>(&mut self, args: &'ast Punctuated<syn::Expr, syn::Token![,]>)
    where
        Self: Visit<'ast>,
    {
        let saved = (self.chain_depth, std::mem::take(&mut self.chain));
        let outer = std::mem::take(&mut self.args);
        let first = self.ev.writes.take();
        let mark = self.names.writes.text.len();
        self.chain_depth = 0;
        for a in args.items() {
            self.visit_expr(a);
        }
        (self.chain_depth, self.chain) = saved;
        let mut args_writes = outer;
        args_writes.writes.push_str(&self.names.writes.text[mark..]);
        self.names.writes.truncate(mark);
        args_writes.first = args_writes.first.or(self.ev.writes.take());
        self.ev.writes = first;
        self.args = args_writes;
    }

    pub(super) fn finish(mut self) -> Evidence {
        self.refusal_of_found();
        self.module_refusal_finish();
        self.required.clear();
        self.state_checks.clear();
        if std::mem::take(&mut self.taken) {
            self.ev.repeat |= repeat::REFUSES;
        }
        (self.ev.calls, self.ev.call_args) = self.names.calls.take_with_args();
        self.ev.consts = self.names.consts.take();
        self.ev.types = self.names.types.take();
        self.ev.type_calls = self.names.type_calls.take();
        self.ev.fn_calls = self.names.fn_calls.take();
        self.ev.path_calls = self.names.path_calls.take();
        self.ev.made_calls = self.names.made_calls.take();
        self.ev.counts = self.saved_count().map(Into::into);
        if let Some(v) = self.transition_seen.take() {
            if self.saved(&v) {
                self.ev.repeat |= repeat::REFUSES;
            }
        }
        self.finish_claim();
        self.lookup_vars.clear();
        if std::mem::take(&mut self.self_delete) && self.ev.repeat & repeat::ORM_UPSERT != 0 {
            self.ev.repeat |= repeat::REPLACES;
        }
        self.names.bindings.clear();
        self.names.made.clear();
        self.names.local_uses.clear();
        self.asked.clear();
        // Where the body holds SQL write text or an ORM upsert or update, `execute`
        // and `commit` run it (`conn.execute(insert_into(t).values(v).on_conflict_do_nothing())`).
        let sql = self.ev.repeat & !repeat::MAIL != 0;
        let runners = &self.cat.writes.sql_runners;
        let bare = |n: &str| n.rsplit_once([':', '.']).map_or(n, |(_, m)| m).to_string();
        self.ev.write_calls = self
            .names
            .writes
            .take_where(|n| !(sql && has(runners, &bare(n))));
        self.names.literal.clear();
        self.ev.known_extractor = self
            .ev
            .types
            .least(|t| has(&self.cat.evidence.key_extractors, t))
            .map(Into::into);
        self.ev
    }

    /// The first counted field whose variable a write call of the body is made on
    /// (`folder.opened += 1; folder.save(&conn)`, typed `Folder::save`): saved, a
    /// repeat counts twice. A count on a value nothing saves (a metrics struct) is none.
    pub(super) fn saved_count(&mut self) -> Option<String> {
        let counted = std::mem::take(&mut self.counted);
        counted
            .into_iter()
            .find_map(|(var, field)| self.saved(&var).then_some(field))
    }

    /// A write call of the body is made on `var` (`folder.save(..)`) or on its type
    /// (`Folder::save`).
    pub(super) fn saved(&self, var: &str) -> bool {
        let ty = self.type_of_name(var);
        self.names.writes.text.split_terminator('\n').any(|w| {
            w.strip_prefix(var).is_some_and(|r| r.starts_with('.'))
                || ty.is_some_and(|t| w.strip_prefix(t).is_some_and(|r| r.starts_with("::")))
        })
    }

    pub(super) fn param_type(&mut self, ty: &syn::Type) {
        collect_type_names(ty, &mut self.names.types);
    }

    pub(super) fn literal(&mut self, lit: &str) {
        if self.cat.is_key_header(lit) {
            self.ev.reads_key = true;
        }
        self.grant_type |= lit == "grant_type";
        self.sql(lit);
    }

    /// Write evidence of a string literal: SQL write text and what a repeat does.
    pub(super) fn sql(&mut self, lit: &str) {
        if let Some((q, kind)) = self.cat.write_sql(lit) {
            // The runner of this very text (`query("insert ..").execute(c)`), recorded
            // as the chain's outer call before its receiver is walked, is no write of
            // its own before it.
            let runner = self.ev.writes.as_deref().is_some_and(|w| {
                let call = w.strip_prefix("call ").unwrap_or(w);
                let bare = call.rsplit_once([':', '.']).map_or(call, |(_, m)| m);
                has(&self.cat.writes.sql_runners, bare)
            });
            let target = (kind == SqlWrite::Plain && (runner || self.ev.writes.is_none()))
                .then(|| super::super::sql::insert_target(&lit.to_ascii_lowercase()))
                .flatten();
            // Shown as its text: `sql insert into` says what `call execute` does not.
            if runner {
                self.ev.writes = None;
            }
            if let Some(target) = target {
                let shown = self
                    .ev
                    .writes
                    .take()
                    .unwrap_or_else(|| format!("sql {q}").into());
                self.ev.writes = Some(format!("{shown}{}{target}", super::TARGET).into());
            }
            if self.ev.writes.is_none() {
                self.ev.writes = Some(format!("sql {q}").into());
            }
            self.ev.repeat |= match kind {
                SqlWrite::Plain => repeat::SQL_PLAIN,
                SqlWrite::Upsert => repeat::SQL_UPSERT,
                SqlWrite::Set => repeat::SQL_SET,
                SqlWrite::Delete => repeat::SQL_DELETE,
            };
        }
    }

    /// Checks an identifier for a key field and keeps it if it names a constant.
    pub(super) fn ident(&mut self, id: &proc_macro2::Ident) {
        if self.cat.evidence.key_fields.iter().any(|k| id == k) {
            self.ev.key_field = true;
        }
        if !is_screaming(self.names.consts.push_ident(id)) {
            self.names.consts.pop();
        }
    }
}
