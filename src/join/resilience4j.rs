//! `resilience4j-instance`: a Resilience4j instance by name, within the subject's
//! Spring application.
//!
//! Resilience4j looks an instance up by name in its registry: the instance configured
//! under that name, else a new one built from `configs.default` when there is one. So
//! a reference `payments` matches a target node named `payments` that is not a
//! `configs` entry, then the `configs.default` of the same kind (the rule's
//! `target-each` says which kind: `resilience4j.circuitbreaker.instances[*]` and
//! `resilience4j.circuitbreaker.configs.default`).
//!
//! An application is one directory's `application*`/`bootstrap*` files; a profile's
//! documents (`application-prod.yml`, `on-profile: prod`) apply only to that profile,
//! so a target counts when it is in the subject's directory and in the default
//! profile or the subject's own ([`crate::normalise::views::profile`]). Of several, the
//! subject's profile wins, then the earliest document.

use super::{Reference, Resolve, Target};
use crate::normalise::views::{at, profile};
use crate::rules::path::Path;

pub struct Resilience4jInstance;

/// The identity of a kind's `configs.default`, which any name falls back to.
const DEFAULT_CONFIG: &str = "configs.default";

/// Whether `target` is the `configs.default` node of some Resilience4j kind.
fn is_default_config(target: &Target) -> bool {
    let Some((_, kinds)) = at(&target.doc.root, &["resilience4j"]) else {
        return false;
    };
    kinds.as_map().unwrap_or_default().iter().any(|(_, kind)| {
        at(kind, &["configs", "default"]).is_some_and(|(_, n)| std::ptr::eq(n, target.node))
    })
}

impl Resolve for Resilience4jInstance {
    fn identities(&self, target: &Target, _name: Option<&Path>) -> Vec<String> {
        if is_default_config(target) {
            return vec![DEFAULT_CONFIG.to_string()];
        }
        let name = target.name();
        if name.is_empty() {
            return Vec::new();
        }
        vec![format!("instances.{name}")]
    }

    fn lookup_keys(&self, reference: &Reference) -> Vec<String> {
        vec![
            format!("instances.{}", reference.key),
            DEFAULT_CONFIG.to_string(),
        ]
    }

    /// An application's (a proxy's) files share a directory: see `choose`.
    fn same_directory(&self) -> bool {
        true
    }

    fn choose<'a>(
        &self,
        reference: &Reference,
        candidates: &[(usize, Target<'a>)],
    ) -> Option<Target<'a>> {
        let files = reference.files;
        let here = &files[reference.doc.file];
        let dir = here.path.parent();
        let mine = profile(reference.doc, here);
        candidates
            .iter()
            .filter_map(|(rank, t)| {
                let file = &files[t.doc.file];
                if file.path.parent() != dir {
                    return None;
                }
                let theirs = profile(t.doc, file);
                let layer = match (&theirs, &mine) {
                    (None, _) => 1,
                    (Some(a), Some(b)) if a == b => 0,
                    _ => return None,
                };
                Some(((*rank, layer, t.doc.file, t.doc.index), *t))
            })
            .min_by_key(|(order, _)| *order)
            .map(|(_, t)| t)
    }
}
