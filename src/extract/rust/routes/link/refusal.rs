//! Repeats refused before they write: a unique key the first attempt took.

use super::repeat::bare;
use super::*;
use crate::extract::rust::routes::catalog::has;
use crate::extract::rust::routes::evidence::repeat::{MAIL, REFUSES};

/// How many calls down a refusal of a repeat is looked for (see [`Package::refusal`]).
const REFUSAL_DEPTH: u8 = 6;

impl Package<'_> {
    /// How a handler refuses a repeat, if it does (see [`Package::refusal`]); where its
    /// code shows none, its OpenAPI documentation may say it does (a 409 Conflict
    /// answer), the one word on a body not in sight.
    pub(super) fn handler_refusal(&self, handler: Option<&Handler>, file: usize) -> Option<String> {
        let mut seen = HashSet::default();
        let bodies = self.route_bodies(handler?, file);
        bodies
            .iter()
            .find_map(|&(ev, pkg, _)| self.refusal(ev, pkg, REFUSAL_DEPTH, &mut seen))
            .or_else(|| {
                bodies.iter().any(|(ev, _, _)| ev.documents_conflict).then(|| {
                    "documents a 409 Conflict answer: a repeat is refused (its OpenAPI responses)"
                        .to_string()
                })
            })
    }

    /// How `ev` (a body in package `pkg`) refuses a repeat before it writes: its first
    /// write is a match refusing a unique-key violation ([`REFUSES`]), or its first
    /// write call (in the order written; `execute`, `transaction` and the calls
    /// `repeat-harmless` aside) reaches a body that refuses, or, when it has no write
    /// of its own, one of the functions it calls does (`handler` → `exchange_inner`
    /// → `insert_jti`). A function writing before the call that refuses is not seen
    /// as writing first: only the order within each body is known.
    fn refusal(
        &self,
        ev: &Evidence,
        pkg: usize,
        depth: u8,
        seen: &mut HashSet<usize>,
    ) -> Option<String> {
        if !seen.insert(std::ptr::from_ref(ev) as usize) {
            return None;
        }
        if ev.repeat & REFUSES != 0 {
            return Some(
                "refuses a repeat (the first attempt took its key, record or state)".to_string(),
            );
        }
        if let Some(how) = self.unique_refusal(ev, pkg) {
            return Some(how);
        }
        // A mail (`MAIL`) sent first refuses nothing and changes nothing to follow.
        if depth == 0 || ev.repeat & !MAIL != 0 {
            return None;
        }
        let runners = &self.cat.writes.sql_runners;
        let first = ev
            .write_calls
            .iter()
            .find(|c| !has(runners, bare(c)) && !self.harmless(bare(c)));
        let (calls, typed): (Vec<&str>, bool) = match first {
            Some(c) => (vec![c], true),
            None => (ev.calls.sorted(), false),
        };
        calls.into_iter().find_map(|c| {
            if self.not_followed.iter().any(|n| n == c) || self.harmless(bare(c)) {
                return None;
            }
            let targets = if typed {
                self.write_targets(ev, c, pkg)
            } else {
                self.memo_targets(ev, c, pkg, true)
            };
            // Every body the call may run refuses: one matched by its name alone (a
            // `create` of another module, a counter's `add`) refuses nothing this call runs.
            let mut how = None;
            for (f, b) in targets.into_iter().filter(|(_, b)| !std::ptr::eq(*b, ev)) {
                let h = self.refusal(b, self.pkg_of[f], depth - 1, seen)?;
                how.get_or_insert(h);
            }
            how.map(|how| match how.find(" (in ") {
                Some(_) => how,
                None => format!("{how} (in {c})"),
            })
        })
    }

    /// How the SQL insert that is `ev`'s first write (a body of package `pkg`) is
    /// refused on a repeat: it gives a column the package's migrations declare unique,
    /// and a repeat gives the same value. An identity the body makes (`Uuid::new_v4()`)
    /// is taken for the record's primary key, which the insert must then give too. A
    /// sea-orm insert (`=module:cols`) names its entity's module and marks the columns
    /// set to an identity the body made ([`super::super::migrations::Schema::refuses_orm`]).
    fn unique_refusal(&self, ev: &Evidence, pkg: usize) -> Option<String> {
        let target = ev.insert_target()?;
        let (table, cols) = target.trim_start_matches('=').split_once(':')?;
        let cols: Vec<&str> = cols.split(',').collect();
        let schema = self.schemas.of(pkg);
        let unique = match target.starts_with('=') {
            true => schema.refuses_orm(table, &cols)?,
            false => schema.refuses(table, &cols, ev.new_id.is_some())?,
        };
        Some(format!(
            "refuses a repeat (the first attempt took the unique {unique})"
        ))
    }
}
