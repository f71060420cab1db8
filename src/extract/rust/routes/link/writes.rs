//! Whether a handler writes: its body, or a function of the workspace it calls.

use super::by_path::asks;
use super::*;

/// A write [`Package::body_writes`] found: how (`call insert (in save_order)`), and
/// the body that shows it when that is one the body asked about calls, with its
/// package (`None`: the body asked about itself). The repeat walk follows other calls
/// less far than this search ([`WRITE_DEPTH`] levels, whatever their resolution), so
/// the body is handed to it to be judged ([`Package::repeat_safe`]).
pub(super) type Written<'a> = (String, Option<(&'a Evidence, usize)>);

impl<'a> Package<'a> {
    /// How the handler writes: the first write evidence of its body or of a function
    /// of the workspace it calls, [`WRITE_STEPS`] down (`call insert (in save_order)`),
    /// and where ([`Written`]); `None` when it shows none (it only reads or answers). A
    /// handler whose body is not in the scanned code is assumed to write.
    pub(super) fn handler_writes(
        &self,
        handler: Option<&Handler>,
        file: usize,
    ) -> Option<Written<'a>> {
        let unseen = || Some(("handler not in the scanned code".to_string(), None));
        let Some(handler) = handler else {
            return unseen();
        };
        let bodies = self.route_bodies(handler, file);
        if bodies.is_empty() {
            return unseen();
        }
        bodies
            .into_iter()
            .find_map(|(ev, pkg, name)| self.body_writes(ev, name, pkg, WRITE_STEPS, true))
    }

    /// The write evidence of `ev` (a body in package `pkg`) or of a function it calls,
    /// `depth` steps down ([`WRITE_STEPS`]), and the body that shows it ([`Written`]).
    /// A call its path or the file's imports place runs that function; any other,
    /// every same-named function it may reach ([`Package::call_targets_how`]); of
    /// several callees, the least name is named.
    /// `sure`: the body is reached through resolved calls that are no questions, so
    /// a call of it into a stub package is the handler's work ([`Package::stub_call`]),
    /// not one a name match may reach or a permission check's (`if !check_permissions(..)`).
    pub(super) fn body_writes(
        &self,
        ev: &Evidence,
        name: Option<&str>,
        pkg: usize,
        depth: u8,
        sure: bool,
    ) -> Option<Written<'a>> {
        if let Some(w) = ev.writes_shown() {
            if !self.inert_methods_only(ev, pkg, depth) {
                return Some((w.to_string(), None));
            }
        }
        if depth == 0 {
            return None;
        }
        let key = (std::ptr::from_ref(ev) as usize, depth, sure);
        if let Some(w) = self.writes_memo.borrow().get(&key) {
            return w.clone();
        }
        // Cycles end at the memo: a body being judged counts as not writing meanwhile.
        self.writes_memo.borrow_mut().insert(key, None);
        let w = ev.calls.sorted().into_iter().find_map(|c| {
            // A write-named call of a body without writes was judged no write
            // (`headers.insert(k, v)` on a `HeaderMap`): not followed by its name.
            if self.not_followed.iter().any(|n| n == c) || self.cat.is_write_call(c) {
                return None;
            }
            let (targets, resolved) = self.memo_targets_how(ev, c, pkg, true);
            if let Some(how) = (sure && targets.is_empty())
                .then(|| self.stub_call(ev, c))
                .flatten()
            {
                return Some((how, None));
            }
            // A call of the body's own name, matched by that name, is the body itself;
            // resolved, it is the function its path names (a handler calling the
            // service function it is named after).
            if Some(c) == name && !resolved {
                return None;
            }
            let step = if resolved { 1 } else { 2 };
            targets
                .into_iter()
                .filter(|(_, t)| depth >= step && !std::ptr::eq(*t, ev))
                .find_map(|(f, cev)| {
                    let sure = sure && resolved && !asks(ev, c);
                    let pkg = self.pkg_of[f];
                    let (how, at) = self.body_writes(cev, Some(c), pkg, depth - step, sure)?;
                    Some((how, at.or(Some((cev, pkg)))))
                })
                .map(|(how, at)| match how.find(" (in ") {
                    Some(_) => (how, at),
                    None => (format!("{how} (in {c})"), at),
                })
        });
        self.writes_memo.borrow_mut().insert(key, w.clone());
        w
    }
}
