//! Route paths behind the prefixes of the routers above them.
//!
//! A route registered as `/orders` in `web::scope("/api")`, or in a router nested with
//! `nest("/v1", ..)` or mounted with `mount("/v1", routes![..])`, serves `/api/orders`
//! or `/v1/orders`; the router may be built in one function (or workspace member) and
//! nested in another. Where a scope is attached in several places the first (in file,
//! then registration order) gives the prefix. A prefix that is not a literal
//! (`web::scope(prefix)`) adds nothing: the path is then the known rest.

use super::*;

/// How many routers up prefixes are collected (nesting is shallow in practice;
/// cycles end earlier, at a scope already seen).
const MAX_NESTING: usize = 32;

impl Package<'_> {
    /// The path of a route registered as `local` in `scope`: the paths of the scopes
    /// and nest edges above, outermost first, then the scope's own path (a resource's
    /// path is the path of its one-argument routes), then `local`. `None` when no part
    /// is known.
    pub(super) fn full_path(&self, scope: Option<ScopeId>, local: Option<&str>) -> Option<String> {
        let mut parts: Vec<&str> = local.into_iter().collect();
        let mut seen: HashSet<ScopeId> = HashSet::default();
        let mut at = scope;
        while let Some(s) = at {
            if !seen.insert(s) || seen.len() > MAX_NESTING {
                break;
            }
            if let Some(p) = self.files.get(s.0).and_then(|f| f.scopes.get(s.1)) {
                parts.extend(p.path.as_deref());
            }
            let up = self.parents.get(&s).and_then(|ps| ps.first());
            if let Some((_, _, Some(prefix))) = up {
                parts.push(prefix);
            }
            at = up.map(|(p, _, _)| *p);
        }
        if parts.is_empty() {
            return None;
        }
        let mut path = String::new();
        for part in parts.iter().rev() {
            join(&mut path, part);
        }
        Some(path)
    }
}

/// Appends `part` to `path` with one `/` between them; a `/` route under a prefix is
/// the prefix itself (axum's `nest("/api", Router::new().route("/", ..))`).
fn join(path: &mut String, part: &str) {
    let part = part.trim_start_matches('/');
    if part.is_empty() {
        if path.is_empty() {
            path.push('/');
        }
        return;
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    path.push_str(part);
}
