//! Which route paths are not judged: sign-in and webhook segments, queries sent as
//! POST, push protocols' intakes, actions re-running an existing resource's job.

use super::{glob, RoutesCatalog};

impl RoutesCatalog {
    /// The route's path holds a literal segment of `ignore-path-segments` (anywhere; an
    /// entry's `*` stands for any text: `*-hook`) or ends in one of
    /// `ignore-last-segments`. Parameters (`{id}`, `:id`, `<id>`, `*rest`) are never
    /// compared: a path parameter named `token` says nothing of the endpoint.
    pub(crate) fn ignored_path(&self, path: Option<&str>) -> bool {
        let Some(path) = path else {
            return false;
        };
        let is_param = |s: &str| s.starts_with(['{', ':', '<', '*']) || s.ends_with(['}', '>']);
        let mut literal = path.split('/').filter(|s| !s.is_empty() && !is_param(s));
        let eq = |list: &[String], seg: &str| list.iter().any(|s| s.eq_ignore_ascii_case(seg));
        // The last literal segment: a trailing parameter names what the action is on
        // (`/actions/test/{action_id}` is a dry run of one action).
        let last = path
            .split('/')
            .rev()
            .find(|s| !s.is_empty() && !is_param(s))
            .unwrap_or("");
        if eq(&self.ignore_last_segments, last)
            || self.protocol_ending(path)
            || self.rerun_action(path, &is_param)
        {
            return true;
        }
        // A segment led by `_` names an action, Elasticsearch style (`_search`, `_count`,
        // `_bulk`), by its first word: `/{org}/_search_history` is a search. A resource
        // named by words (`/search_jobs`, a job made per POST) is judged as written.
        if let Some(action) = last.strip_prefix('_') {
            let word = action.split(['_', '-']).next().unwrap_or(action);
            if eq(&self.ignore_last_segments, word) {
                return true;
            }
        }
        literal.any(|seg| {
            let lower = seg.to_ascii_lowercase();
            self.ignore_path_segments
                .iter()
                .any(|p| match p.contains('*') {
                    true => glob(p, &lower),
                    false => p.eq_ignore_ascii_case(seg),
                })
        })
    }

    /// `path` ends in a parameter and a segment whose first or last word is a
    /// [`RoutesCatalog::rerun_actions`] one: `/models/{model_id}/retrain`, not
    /// `/models/retrain` (no existing resource named) nor `/models/{id}/retrain/{at}`.
    fn rerun_action(&self, path: &str, is_param: &dyn Fn(&str) -> bool) -> bool {
        let mut segs = path.split('/').rev().filter(|s| !s.is_empty());
        let (Some(last), Some(before)) = (segs.next(), segs.next()) else {
            return false;
        };
        !is_param(last)
            && is_param(before)
            && [
                last.split(['_', '-']).next(),
                last.rsplit(['_', '-']).next(),
            ]
            .into_iter()
            .flatten()
            .any(|word| {
                self.rerun_actions
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(word))
            })
    }

    /// `path` ends in one of [`RoutesCatalog::ignore_path_endings`]: `/{org}/v1/logs`
    /// ends in `v1/logs`, `/v1/{org}/logs` does not.
    fn protocol_ending(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.ignore_path_endings.iter().any(|ending| {
            let want: Vec<&str> = ending.split('/').filter(|s| !s.is_empty()).collect();
            !want.is_empty()
                && want.len() <= segs.len()
                && segs[segs.len() - want.len()..]
                    .iter()
                    .zip(&want)
                    .all(|(seg, w)| *w == "*" || seg.eq_ignore_ascii_case(w))
        })
    }
}
