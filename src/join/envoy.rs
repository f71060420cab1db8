//! `envoy-cluster`: an Envoy cluster by name, among the Envoy files that deploy
//! together with the route naming it.
//!
//! Envoy resolves a route's `cluster` among the clusters its own proxy knows: the
//! bootstrap's static clusters and those its CDS delivers. In a repository those sit
//! in the route's document, its file, or files beside it (`cds.yaml` next to
//! `envoy.yaml`), so a target counts only in the subject's directory. Of several
//! clusters of one name there, the route's own document wins, then its file, then a
//! file whose name shares its stem (`retry.routes.yaml` → `retry.clusters.yaml`),
//! then the one other file defining it. When several other files do (a directory of
//! test outputs that all name their cluster `backend`), the reference is ambiguous and
//! resolves to nothing. A cluster of the same name in another directory is another
//! proxy's.

use super::{Reference, Resolve, Target};
use std::path::Path;

use crate::rules::path::Path as RulePath;

pub struct EnvoyCluster;

/// A file name up to its first dot (`retry` for `retry.routes.yaml`).
fn stem(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    name.split('.').next()
}

/// Where a candidate cluster sits for a route: (file index, document index, path)
/// of each.
pub type Place<'p> = (usize, usize, &'p Path);

/// How close a cluster's document is to the route's: 0 the same document, 1 the same
/// file, 2 a file sharing its stem, 3 another file of the directory; `None` in
/// another directory (another proxy's).
pub fn closeness(route: Place, cluster: Place) -> Option<u8> {
    let ((rf, rd, rp), (cf, cd, cp)) = (route, cluster);
    if rp.parent() != cp.parent() {
        return None;
    }
    Some(if (rf, rd) == (cf, cd) {
        0
    } else if rf == cf {
        1
    } else if stem(rp) == stem(cp) {
        2
    } else {
        3
    })
}

/// The closest of `ranked` (each keyed by (closeness, file, document)), unless
/// several other files of the directory tie for it: which one the route's proxy
/// loads is not in the files.
pub fn pick<T: Copy>(ranked: &[((u8, usize, usize), T)]) -> Option<T> {
    let (best, t) = ranked.iter().min_by_key(|(order, _)| *order)?;
    let ambiguous = best.0 == 3 && ranked.iter().any(|((d, f, _), _)| *d == 3 && *f != best.1);
    (!ambiguous).then_some(*t)
}

impl Resolve for EnvoyCluster {
    fn identities(&self, target: &Target, name: Option<&RulePath>) -> Vec<String> {
        super::name::PlainName.identities(target, name)
    }

    fn lookup_keys(&self, reference: &Reference) -> Vec<String> {
        vec![reference.key.to_string()]
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
        let place = |d: &crate::load::Document| (d.file, d.index, files[d.file].path.as_path());
        let here = place(reference.doc);
        let ranked: Vec<_> = candidates
            .iter()
            .filter_map(|(_, t)| {
                let d = closeness(here, place(t.doc))?;
                Some(((d, t.doc.file, t.doc.index), *t))
            })
            .collect();
        pick(&ranked)
    }
}
