//! Whether a handler makes a new identity (`Uuid::new_v4()`, a constructor calling
//! one, a generator two calls down): a record it creates is created again by a
//! repeat, whatever upsert stores it ([`Package::repeat_safe`]).

use super::repeat::bare;
use super::*;
use crate::extract::rust::routes::evidence::conditional;
use crate::extract::rust::routes::evidence::repeat::{
    KEYED, MAIL, ORM_UPSERT, SQL_PLAIN, SQL_UPSERT,
};

impl Package<'_> {
    /// How a handler makes a new identity, if it does (see [`Package::creates`]).
    pub(super) fn handler_creates(&self, handler: Option<&Handler>, file: usize) -> Option<String> {
        self.route_bodies(handler?, file)
            .into_iter()
            .find_map(|(ev, pkg, _)| self.creates(ev, pkg, WRITE_DEPTH, true))
    }

    /// How `ev` (a body in package `pkg`), or a function it calls `depth` levels down,
    /// makes a new identity: it calls an identity generator (`Uuid::new_v4()`) or a
    /// constructor whose body does (`Cipher::new(..)`).
    ///
    /// An identity a function makes is a new record's when the function writes, or
    /// the one calling it does (`caller_writes`; the handler always counts): a helper
    /// handing its caller a fresh id to insert. One made where neither writes is for
    /// something else: a search handler's helper making a trace or span id for its
    /// telemetry (`get_or_create_trace_id` → `generate_span_id`) makes no record.
    pub(super) fn creates(
        &self,
        ev: &Evidence,
        pkg: usize,
        depth: u8,
        caller_writes: bool,
    ) -> Option<String> {
        // An id made in the very body of an upsert (or by what it calls) is not what
        // it dedups on (keyed on a fresh id, it could never conflict): atuin makes
        // `uuid_v7()` per record and inserts it `on conflict do nothing`, deduped on
        // the client's record id.
        if ev.repeat & (SQL_UPSERT | ORM_UPSERT) != 0 {
            return None;
        }
        // A method giving its record a fresh value (`self.security_stamp =
        // get_uuid()`) updates that record; a constructor it calls still counts.
        let method = self
            .method_evs
            .borrow()
            .contains(&(std::ptr::from_ref(ev) as usize));
        // A generator for `None` callers only (`gen?k`) is judged at the call; one
        // matched by a name pattern whose body is in sight by that body.
        let own = ev
            .new_id
            .as_ref()
            .filter(|id| conditional(id).is_none())
            .filter(|id| self.pattern_generator_makes_id(ev, id, pkg, depth));
        let writes = self.records(ev);
        if let Some(id) = own.filter(|_| !method && (writes || caller_writes)) {
            return Some(format!("new id {id}"));
        }
        // A type whose save replaces by a natural key (delete by user and type, then
        // insert) keeps one record whatever id `new` gives it.
        let replaced = |t: &str| {
            t.split_once("::")
                .is_some_and(|(ty, _)| self.replacing.contains(ty))
        };
        if let Some(f) = ev.type_calls.least(|t| {
            self.new_id_fns.contains_key(t)
                && !replaced(t)
                && self.constructor_makes_id(ev, t, pkg, depth)
        }) {
            return Some(format!("new id {} (in {f})", self.new_id_fns[f]));
        }
        if depth == 0 {
            return None;
        }
        let key = (std::ptr::from_ref(ev) as usize, depth, caller_writes);
        if let Some(c) = self.creates_memo.borrow().get(&key) {
            return c.clone();
        }
        self.creates_memo.borrow_mut().insert(key, None);
        let c = (ev.calls.sorted().into_iter())
            .find_map(|c| self.creates_in_call(ev, c, pkg, depth, writes));
        self.creates_memo.borrow_mut().insert(key, c.clone());
        c
    }

    /// How call `c` of `ev` (a body in package `pkg` that `writes` or not) makes a
    /// new identity in a body it runs, `depth` levels down ([`Self::creates`]).
    fn creates_in_call(
        &self,
        ev: &Evidence,
        c: &str,
        pkg: usize,
        depth: u8,
        writes: bool,
    ) -> Option<String> {
        // An audit row's new id (`log_event` → `Event::new`) is no new record
        // of the change.
        // A generator itself (`get_uuid`) was judged where it is called.
        // A trace or span id's generator makes no record (`generate_trace_id`).
        if self.not_followed.iter().any(|n| n == c)
            || self.harmless(c)
            || self.cat.telemetry_id(c)
            || self.cat.new_id(None, c).is_some()
        {
            return None;
        }
        self.memo_targets(ev, c, pkg, true)
            .into_iter()
            .filter(|(_, cev)| !std::ptr::eq(*cev, ev))
            .find_map(|(f, cev)| {
                // `save_attachment(None, ..)` reaching `None => generate_id()`.
                let passed = |(id, k): (&str, &str)| {
                    let call = format!("{c}?{k}");
                    ev.fn_calls
                        .iter()
                        .any(|n| n == call)
                        .then(|| format!("new id {id}"))
                };
                match cev.new_id.as_deref().and_then(conditional) {
                    Some(cond) => passed(cond)
                        .or_else(|| self.creates(cev, self.pkg_of[f], depth - 1, writes)),
                    None => self.creates(cev, self.pkg_of[f], depth - 1, writes),
                }
            })
            .map(|how| match how.find(" (in ") {
                Some(_) => how,
                None => format!("{how} (in {c})"),
            })
    }

    /// Whether the call `id` of `ev`, which the catalogue's `new-ids` names, makes a
    /// new identity. An entry naming a function (`Uuid::new_v4`, `get_uuid`) says so;
    /// a name pattern (`generate_*_id`) matched by a function of the workspace is
    /// judged by that function's body: openobserve's `generate_short_id` hashes the URL
    /// it is given (the same id on a repeat), `generate_attachment_id` calls a
    /// generator. A pattern with no body in sight says so too.
    fn pattern_generator_makes_id(&self, ev: &Evidence, id: &str, pkg: usize, depth: u8) -> bool {
        let (q, name) = match id.rsplit_once("::") {
            Some((q, n)) => (q.rsplit("::").next(), n),
            None => (None, id),
        };
        let by_pattern = self.cat.new_id(q, name).is_some_and(|e| e.contains('*'));
        if !by_pattern {
            return true;
        }
        if q.is_some_and(is_type) {
            return self.constructor_body_makes_id(ev, name, pkg, depth);
        }
        if depth == 0 {
            return true;
        }
        let bodies = self.memo_targets(ev, id, pkg, true);
        bodies.is_empty()
            || bodies.into_iter().any(|(f, body)| {
                !std::ptr::eq(body, ev)
                    && self
                        .creates(body, self.pkg_of[f], depth - 1, true)
                        .is_some()
            })
    }

    /// Whether a type's associated function `name` called from `ev` makes a new
    /// identity, by its body (`SyncDevicesJob::new_for_id(user_id)` matches `new_*_id`
    /// and is a struct literal of the id it is given): a body naming a generator
    /// itself, or creating one a level further down. None in sight: it does.
    fn constructor_body_makes_id(&self, ev: &Evidence, name: &str, pkg: usize, depth: u8) -> bool {
        let bodies = self.memo_targets(ev, name, pkg, true);
        bodies.is_empty()
            || bodies.into_iter().any(|(f, body)| {
                !std::ptr::eq(body, ev)
                    && (body.new_id.is_some()
                        || depth > 0
                            && (self.creates(body, self.pkg_of[f], depth - 1, true)).is_some())
            })
    }

    /// Whether the constructor `ty_fn` (`Type::f`, called from `ev`) whose body names
    /// a generator makes a new identity: when that generator is itself a type's
    /// function a name pattern matched, by its body
    /// ([`Self::constructor_body_makes_id`]).
    fn constructor_makes_id(&self, ev: &Evidence, ty_fn: &str, pkg: usize, depth: u8) -> bool {
        let id = self.new_id_fns[ty_fn];
        let typed_pattern = id.rsplit_once("::").is_some_and(|(q, n)| {
            let q = q.rsplit("::").next().unwrap_or(q);
            is_type(q) && self.cat.new_id(Some(q), n).is_some_and(|e| e.contains('*'))
        });
        let Some((_, name)) = ty_fn.rsplit_once("::").filter(|_| typed_pattern) else {
            return true;
        };
        let bodies = self.memo_targets(ev, name, pkg, true);
        bodies.is_empty()
            || bodies.into_iter().any(|(f, body)| {
                !std::ptr::eq(body, ev)
                    && self.pattern_generator_makes_id(body, id, self.pkg_of[f], depth)
            })
    }

    /// `ev` writes something a new id may be the key of: SQL, a value under a key
    /// (`db.put(&key, dashboard, ..)` of a dashboard given a fresh panel id), or a
    /// write call other than a setter (`span.set_parent(ctx)` sets a value of a span,
    /// no record) or a mail's send (a fresh id there is the mail's `Message-ID`:
    /// `.message_id(format!("<{}@{domain}>", get_uuid()))`).
    fn records(&self, ev: &Evidence) -> bool {
        let mail = ev.repeat & MAIL != 0;
        let mail_send = |c: &str| mail && self.cat.writes.mail_sends.iter().any(|s| s == c);
        ev.repeat & (SQL_PLAIN | SQL_UPSERT | ORM_UPSERT | KEYED) != 0
            || ev
                .write_calls
                .iter()
                .any(|c| !self.cat.is_set(bare(c)) && !mail_send(bare(c)))
    }
}

/// A path segment naming a type (`SyncDevicesJob`), not a module (`ingestion`).
fn is_type(segment: &str) -> bool {
    segment.starts_with(|c: char| c.is_ascii_uppercase())
}
