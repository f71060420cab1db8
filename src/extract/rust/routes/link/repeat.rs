//! Writes a repeat does not apply twice.
//!
//! A handler whose only writes, in its body and two calls down, are inserts the
//! database dedups on a key (`on conflict do nothing`, an ORM `.on_conflict(..)`) or
//! updates setting columns to given values (`update users set password = $1`) is
//! safe to retry without a key: the second run leaves the rows as the first left
//! them. One write a repeat may apply twice (another insert, a delete, a relative
//! update, an outbound POST, a publish) or one write call whose body is not in the
//! scanned code, and the handler is judged as before.

use super::seen::{Met, Seen};
use super::*;
use crate::extract::rust::routes::evidence::repeat::{
    CHANGED, KEYED, MAIL, ONCE, ORM_DELETE, ORM_SET, ORM_UPSERT, SQL_DELETE, SQL_PLAIN, SQL_SET,
    SQL_UPSERT,
};

/// How many calls down what a repeat does is judged. Finding that a handler writes
/// stops two calls down by name (`WRITE_STEPS`, four through resolved calls); judging that every write repeats safely must
/// see the writes themselves, and model methods call other models' methods
/// (vaultwarden: handler → `Cipher::save` → `update_users_revision` →
/// `User::update_uuid_revision`), each name reaching every same-named method
/// (`delete` of every model). A write call below this depth counts as one a repeat
/// may apply twice; each body is judged once per handler whatever the depth.
pub(super) const REPEAT_DEPTH: u8 = 24;

/// What the writes of a body and of what it calls do on a repeat.
#[derive(Debug, Clone, Default)]
pub(super) struct Repeat {
    /// A write a repeat may apply twice, or one that cannot be seen: which.
    plain: Option<String>,
    /// How the first write that repeats safely does so (`upsert on conflict (in add_records)`).
    safe: Option<String>,
}

impl Repeat {
    /// What the writes of a body itself do (its SQL text, ORM chains, counters).
    fn own(ev: &Evidence) -> Repeat {
        let r = ev.repeat;
        Repeat {
            // A field counted in a body that writes nothing (a metrics struct in
            // memory) is no write; counted and saved (`n += 1; self.save(c)`), it is.
            plain: (r & SQL_PLAIN != 0)
                .then(|| ev.writes_shown().unwrap_or("sql").to_string())
                .or_else(|| {
                    let writes = ev.writes.is_some() || r != 0;
                    ev.counts
                        .as_ref()
                        .filter(|_| writes)
                        .map(|f| format!("counts {f}"))
                }),
            safe: if r & (SQL_UPSERT | ORM_UPSERT) != 0 {
                Some("upsert on conflict".to_string())
            } else if r & (SQL_SET | ORM_SET) != 0 {
                Some("sets a value".to_string())
            } else if r & KEYED != 0 {
                Some("sets a key".to_string())
            } else if r & (SQL_DELETE | ORM_DELETE) != 0 {
                Some("deletes".to_string())
            } else if r & ONCE != 0 {
                Some("writes once (where a lookup found none)".to_string())
            } else if r & CHANGED != 0 {
                Some("writes only where a stored value differs from the given one".to_string())
            } else if r & MAIL != 0 {
                Some("sends a mail again".to_string())
            } else {
                None
            },
        }
    }

    /// Adds what another body of the handler does (its first of each kind stands).
    fn or(&mut self, other: Repeat) {
        self.plain = self.plain.take().or(other.plain);
        self.safe = self.safe.take().or(other.safe);
    }

    /// Adds what a callee named `c` does.
    fn add(&mut self, sub: Repeat, c: &str) {
        if self.plain.is_none() {
            self.plain = sub.plain.map(|how| {
                if how.contains(" (in ") || how.ends_with(c) {
                    how
                } else {
                    format!("{how} (in {c})")
                }
            });
        }
        if self.safe.is_none() {
            self.safe = sub.safe.map(|how| match how.find(" (in ") {
                Some(_) => how,
                None => format!("{how} (in {c})"),
            });
        }
    }
}

impl Package<'_> {
    /// How the writes of a handler make a repeat safe, when all of them do (the
    /// handler writes, see [`Package::handler_writes`]); otherwise what a repeat
    /// applies twice, when known (`call .send (in send_email)`, `creates a record: ..`).
    /// `writes`, `site`: the write that says the handler writes and the body showing
    /// it, when one it calls ([`Written`](super::writes::Written)), judged too if the
    /// walk did not reach it.
    pub(super) fn repeat_safe(
        &self,
        handler: Option<&Handler>,
        file: usize,
        (writes, site): (&str, Option<(&Evidence, usize)>),
    ) -> Result<String, Option<String>> {
        let mut r = Repeat::default();
        let mut seen = Seen::default();
        for (ev, pkg, _) in self.route_bodies(handler.ok_or(None)?, file) {
            r.or(self.body_repeat(ev, pkg, REPEAT_DEPTH, &mut seen));
        }
        // The handler's write found further down than the walk follows calls other
        // than writes (three calls, one by name, or four resolved: openobserve's
        // `generate_sql` → `check_stream_permissions` → `get` → `get_bucket_by_key`,
        // a get-or-create): what it does on a repeat is judged, not left out (a
        // route reported for a write never judged, or covered by another write while
        // this one applies twice). Walked last and like a body that deep (write calls
        // followed only), it adds nothing where the walk saw it (a body seen adds
        // nothing); a write the walk or a new identity names, nearer the handler,
        // stays the reason.
        let far = site.map(|(ev, pkg)| {
            let mut far = Repeat::default();
            let sub = self.body_repeat(ev, pkg, REPEAT_DEPTH - WRITE_STEPS, &mut seen);
            far.add(sub, &site_call(writes));
            far
        });
        let (far_plain, far_safe) = far.map_or((None, None), |f| (f.plain, f.safe));
        r.safe = r.safe.or(far_safe);
        // An upsert keyed on an id the server just made dedups nothing: a repeat makes
        // a new record (`Cipher::new(..)` then `save()`).
        let why = r
            .plain
            .or_else(|| {
                self.handler_creates(handler, file)
                    .map(|how| format!("creates a record: {how}"))
            })
            .or(far_plain);
        if let Some(why) = why {
            // A repeat refused before it writes anything (a unique key taken by the
            // first attempt) applies nothing twice.
            if let Some(how) = self.handler_refusal(handler, file) {
                return Ok(how);
            }
            return Err(Some(why));
        }
        // No write left that a repeat applies twice: the refused insert was the only
        // one (`match insert_label(..) { Err(UniqueConstraintViolation) => Err(..) }`).
        r.safe
            .or_else(|| self.handler_refusal(handler, file))
            .ok_or(None)
    }

    /// What a repeat does to a write call whose body is not in sight, by its name.
    fn unseen_write(&self, c: &str) -> Repeat {
        let mut sub = Repeat::default();
        if self.cat.is_delete(bare(c)) {
            // `operator.delete_with(path)`: a repeat deletes nothing more.
            sub.safe = Some(format!("deletes ({c})"));
        } else if self.cat.is_set(bare(c)) {
            // Another crate's setter (`config.set_client_id(id)`): a repeat sets the
            // same value.
            sub.safe = Some(format!("sets a value ({c})"));
        } else {
            sub.plain = Some(format!("call {c}"));
        }
        sub
    }

    /// What the writes of `ev` (a body in package `pkg`) and of the functions it
    /// calls, down to `depth` levels, do on a repeat. A write call that reaches no body
    /// (not in the scanned code, or below the depth) may apply twice; same-named
    /// functions all count. What is reachable is judged once per handler (`seen`): the
    /// verdict is an "or" over every body reached, so a body met again, or a cycle
    /// (`delete` → `delete_all_by_org` → `delete`), adds nothing new.
    fn body_repeat(&self, ev: &Evidence, pkg: usize, depth: u8, seen: &mut Seen) -> Repeat {
        self.repeat_walk(ev, pkg, depth, seen).0
    }

    /// [`Package::body_repeat`], and what the walk met (see [`Met`]). A walk that met
    /// no body seen before it began is kept for the next route (see [`Seen`]).
    fn repeat_walk(&self, ev: &Evidence, pkg: usize, depth: u8, seen: &mut Seen) -> (Repeat, Met) {
        let at = std::ptr::from_ref(ev) as usize;
        if let Some(rank) = seen.rank(at) {
            return (Repeat::default(), Met::seen(rank));
        }
        if let Some(kept) = self.repeat_kept(at, pkg, depth, seen) {
            return kept;
        }
        let start = seen.insert(at);
        let (r, met) = self.repeat_of(ev, pkg, depth, seen);
        if met.seen_before >= start {
            self.keep_repeat((at, pkg, depth), &r, met.low, seen.since(start));
        }
        (r, met)
    }

    /// The walk of [`Package::repeat_walk`] below `ev`, once `ev` is marked seen.
    fn repeat_of(&self, ev: &Evidence, pkg: usize, depth: u8, seen: &mut Seen) -> (Repeat, Met) {
        let mut met = Met::at(depth);
        let mut r = Repeat::own(ev);
        let callees = |c: &str| -> Vec<(usize, &Evidence)> {
            if depth == 0 {
                return Vec::new();
            }
            self.write_targets(ev, c, pkg)
                .into_iter()
                .filter(|(_, cev)| !std::ptr::eq(*cev, ev))
                .collect()
        };
        let writes = ev.write_calls.sorted();
        // The names of the write calls, typed or not: the loop below over all calls
        // must not follow `save` into every model when `Folder::save` was meant.
        let write_names: Vec<&str> = writes.iter().map(|c| bare(c)).collect();
        for c in &writes {
            if r.plain.is_some() {
                break;
            }
            if self.harmless(bare(c)) {
                // An audit row, a notice or an analytics event again: no change
                // applied twice, and the route's reason when nothing else is.
                r.safe
                    .get_or_insert_with(|| format!("records or notifies again ({c})"));
                continue;
            }
            if self.deletes_by_name(c, pkg) {
                r.add(self.unseen_write(c), c);
                continue;
            }
            let mut sub = Repeat::default();
            let bodies = callees(c);
            for (f, cev) in &bodies {
                let (one, m) = self.repeat_walk(cev, self.pkg_of[*f], depth - 1, seen);
                met.join(m);
                sub.add(one, c);
            }
            // A write call with no body in sight (not in the scanned code, or below
            // the depth): the name says it writes. One whose bodies show no write
            // (`user.set_password(..)` only sets fields) writes nothing.
            if bodies.is_empty() {
                sub = self.unseen_write(c);
                // Into a stub package: the message names the call itself, no `(in ..)`.
                if let Some(m) = sub.plain.as_ref().and_then(|_| self.stub_write(ev, c)) {
                    r.plain = Some(m);
                    continue;
                }
            }
            r.add(sub, c);
        }
        // Other calls are followed near the handler only (its helpers, as when finding
        // its writes): deeper down, writes go through write-named calls, and following
        // every `find_by_uuid` or `to_json` by name would reach the whole workspace.
        if REPEAT_DEPTH - depth >= WRITE_DEPTH {
            return (r, met);
        }
        self.repeat_of_calls(ev, pkg, depth, seen, &write_names, (&mut r, &mut met));
        (r, met)
    }

    /// The other calls of `ev` (not its write calls, named `write_names`) followed by
    /// [`Package::repeat_of`] near the handler, into `r` and `met`.
    fn repeat_of_calls(
        &self,
        ev: &Evidence,
        pkg: usize,
        depth: u8,
        seen: &mut Seen,
        write_names: &[&str],
        (r, met): (&mut Repeat, &mut Met),
    ) {
        for c in ev.calls.sorted() {
            if r.plain.is_some() {
                break;
            }
            // A write-named call missing from the write calls was judged where it is
            // made (a keyed `map.insert(k, v)`, an upsert chain, a write made once
            // where a lookup found none): following it by name would undo that.
            if write_names.contains(&c)
                || self.cat.is_write_call(c)
                || self.not_followed.iter().any(|n| n == c)
                || self.harmless(c)
            {
                continue;
            }
            let targets = self.memo_targets(ev, c, pkg, true);
            // The handler's call into a stub package: its body, not in sight, may
            // apply twice.
            if targets.is_empty() && depth == REPEAT_DEPTH {
                r.plain = self.stub_call(ev, c);
            }
            for (f, cev) in targets.into_iter().filter(|(_, b)| !std::ptr::eq(*b, ev)) {
                let (one, m) = self.repeat_walk(cev, self.pkg_of[f], depth - 1, seen);
                met.join(m);
                r.add(one, c);
            }
        }
    }
}

impl<'a> Package<'a> {
    /// The bodies a write call of package `pkg` may run: `Folder::save` (on a
    /// variable of known type) is that method if the workspace has it, else every
    /// method `save`; `user.save` (on a value of unknown type) is `User::save` if the
    /// workspace has it (a value named after its type), else every method `save`;
    /// `save(..)` is every function `save`.
    pub(super) fn callees(&self, c: &str, pkg: usize) -> Vec<(usize, &'a Evidence)> {
        self.bodies(self.callee_fns(c, pkg))
    }

    /// [`Package::callees`], their evidence not asked for.
    fn callee_fns(&self, c: &str, pkg: usize) -> Vec<Entry<'a>> {
        if let Some((q, m)) = c.split_once("::") {
            let own = self.visible_in(self.owned_of(c), pkg);
            // No such method on that type in sight: a trait's, or the type is an
            // alias or a trait object (`db: Db`): the methods of that name. No such
            // function in that module (`diesel::insert_into`): the functions of that name.
            return match (
                own.is_empty(),
                q.starts_with(|ch: char| ch.is_ascii_lowercase()),
            ) {
                (false, _) => own,
                (true, false) => self.visible(&self.methods, m, pkg),
                (true, true) => self.visible(&self.fns, m, pkg),
            };
        }
        match c.split_once('.') {
            Some((v, m)) => {
                let own = self.named_after(v, m, pkg);
                if own.is_empty() {
                    self.visible(&self.methods, m, pkg)
                } else {
                    own
                }
            }
            None => self.visible(&self.fns, c, pkg),
        }
    }

    /// The bodies a write call `c` of body `ev` (in package `pkg`) may run. One through
    /// a module's path (`db::dashboards::reports::update_by_id(..)`, kept as
    /// `reports::update_by_id`) runs the function that path names when the body's file
    /// places it ([`Package::path_targets`]; none: another party's code, a body not
    /// in sight), as a compiler resolves it: matched by its name, it reached the
    /// caller's own same-named service function (`update_by_id` of the package itself,
    /// visible first) and, from there, nothing but itself, so an absolute update two
    /// packages down read as a write call whose body is not in sight. Others as
    /// [`Package::callees`].
    pub(super) fn write_targets(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
    ) -> Vec<(usize, &'a Evidence)> {
        self.memo_targets(ev, c, pkg, false)
    }

    /// The bodies call `c` of body `ev` may run: [`Package::call_targets_how`] (`any_call`)
    /// or [`Package::resolve_write_targets`], resolved once per body and call. A shared
    /// helper is visited once per route that reaches it (each route's walk has its own
    /// `seen`), and resolving a call by name is the walk's largest cost.
    pub(super) fn memo_targets(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
        any_call: bool,
    ) -> Vec<(usize, &'a Evidence)> {
        self.memo_targets_how(ev, c, pkg, any_call).0
    }

    /// [`Package::memo_targets`], and for any call whether it was resolved
    /// ([`Package::call_targets_how`]; `false` for a write call).
    pub(super) fn memo_targets_how(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
        any_call: bool,
    ) -> (Vec<(usize, &'a Evidence)>, bool) {
        let body = (std::ptr::from_ref(ev) as usize, pkg, any_call);
        if let Some(t) = self.targets_memo.borrow().get(&body).and_then(|m| m.get(c)) {
            return t.clone();
        }
        let targets = if any_call {
            self.call_targets_how(ev, c, pkg)
        } else {
            (self.resolve_write_targets(ev, c, pkg), false)
        };
        self.targets_memo
            .borrow_mut()
            .entry(body)
            .or_default()
            .insert(c.to_string(), targets.clone());
        targets
    }

    fn resolve_write_targets(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
    ) -> Vec<(usize, &'a Evidence)> {
        if let Some((q, m)) = c.rsplit_once("::") {
            if q.starts_with(|ch: char| ch.is_ascii_lowercase()) {
                if let Some(targets) = self.path_targets(ev, m) {
                    return targets;
                }
            }
        }
        // A bare `update(conn, org, None, alert)`: the function of the calling file, or
        // the one its imports bring in, as the compiler resolves it, not every
        // `update` of the workspace (openobserve's alerts reached ratelimit's).
        if !c.contains("::") && !c.contains('.') {
            if let Some(targets) = self.path_targets(ev, c) {
                return targets;
            }
        }
        // `client.cancel_query(req)` on a value `make_client(..)` made: the method of
        // the type its signature returns.
        if let Some((_, m)) = c.split_once('.') {
            if let Some(targets) = self.made_targets(ev, m, pkg) {
                return targets;
            }
        }
        self.callees(c, pkg)
    }

    /// A delete-named method call on a receiver of unknown type (`data.remove_key(k)`,
    /// `cluster_coordinator.delete(key)`): by its name it reaches every same-named
    /// method of the workspace (openobserve's file cache's LRU removal, the cluster
    /// coordinator's delete sending a watch event), none of which it surely runs. The
    /// name says what it does, as for a call whose body is not in sight: a repeat
    /// deletes nothing more. A typed call (`Folder::delete`, `folder.delete(c)` named
    /// after its type) is followed into its body.
    fn deletes_by_name(&self, c: &str, pkg: usize) -> bool {
        if c.contains("::") || !self.cat.is_delete(bare(c)) {
            return false;
        }
        c.split_once('.')
            .is_some_and(|(v, m)| self.named_after(v, m, pkg).is_empty())
    }

    /// The methods `m` of the types a value named `v` is named after: `TwoFactor::save`
    /// for `twofactor.save(..)` (case and `_` aside), else those of the types whose
    /// name starts with it, or starts or ends it (`member` → `Membership`).
    pub(super) fn named_after(&self, v: &str, m: &str, pkg: usize) -> Vec<Entry<'a>> {
        if v.is_empty() {
            return Vec::new();
        }
        let var = norm_name(v);
        // The owners come sorted: the first exact one is the least.
        let exact = self
            .owner_norms
            .iter()
            .find(|(n, _)| *n == var)
            .map(|(_, t)| *t);
        if let Some(exact) = exact {
            let own = self.visible_in(self.owned_fns(exact, m), pkg);
            if !own.is_empty() {
                return own;
            }
        }
        // `member` → `Membership`, `saved_emergency_access` → `EmergencyAccess`.
        self.owner_norms
            .iter()
            .filter(|(t, _)| {
                t.len() > 2 && (t.starts_with(&var) || var.starts_with(t) || var.ends_with(t))
            })
            .map(|(_, t)| *t)
            .flat_map(|t| self.visible_in(self.owned_fns(t, m), pkg))
            .collect()
    }

    /// A call a repeat may run again without applying the change twice (an audit row,
    /// a notification to the user's own clients): `[writes] repeat-harmless`.
    pub(super) fn harmless(&self, name: &str) -> bool {
        self.cat.repeat_harmless(name)
    }
}

/// The call through which the handler reaches the body showing its write, as
/// [`Package::body_writes`] names it (`call create_key_value (in get_bucket_by_key)`:
/// `get_bucket_by_key`).
fn site_call(writes: &str) -> String {
    writes
        .rsplit_once(" (in ")
        .map_or(writes, |(_, c)| c.strip_suffix(')').unwrap_or(c))
        .to_string()
}

/// A write call's name without its type or method mark (`Folder::save`, `.save`: `save`).
pub(super) fn bare(c: &str) -> &str {
    c.rsplit_once([':', '.']).map_or(c, |(_, m)| m)
}
