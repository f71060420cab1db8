//! The routes of a run's packages linked together: an app in one workspace member,
//! its routes and middleware in others, each package's facts given back to it.

use super::*;

/// A package as [`link_workspace`] takes it: its directory, its manifest's
/// dependencies, and each file's summary with the module it is (`mail` of `mail.rs`)
/// and that module's path in its crate (`api::mail` of `src/api/mail.rs`, empty for
/// a crate root, `None` outside `src/`).
pub type PackageInput<'a> = (
    Option<&'a std::path::Path>,
    Option<&'a Deps>,
    Vec<(&'a FileRoutes, &'a str, Option<String>)>,
);

/// Where the files of a link sit: per package its directory, own name in code and
/// dependencies; per file its module's name and path ([`PackageInput`]). Empty when
/// one package is linked alone: calls are then resolved by their names only.
#[derive(Default)]
pub(super) struct Layout<'a> {
    pub roots: Vec<Option<&'a std::path::Path>>,
    pub names: Vec<Option<String>>,
    pub deps: Vec<Option<&'a Deps>>,
    pub modules: Vec<&'a str>,
    pub mod_paths: Vec<Option<String>>,
}

/// Judges the routes of the packages of one run together: `packages` holds each
/// package's directory and dependencies (its manifest's, `None` without one) and its
/// files' summaries. Returns, per package, its facts (`file` indexes that package's
/// files).
pub fn link_workspace(packages: &[PackageInput<'_>], cat: &RoutesCatalog) -> Vec<Vec<RouteFact>> {
    let roots = packages.iter().map(|(r, _, _)| *r).collect();
    let modules: Vec<&str> = packages
        .iter()
        .flat_map(|(_, _, f)| f.iter().map(|(_, m, _)| *m))
        .collect();
    let mod_paths: Vec<Option<String>> = packages
        .iter()
        .flat_map(|(_, _, f)| f.iter().map(|(_, _, p)| p.clone()))
        .collect();
    let owned: Vec<(Option<&Deps>, Vec<&FileRoutes>)> = packages
        .iter()
        .map(|(_, d, f)| (*d, f.iter().map(|(r, _, _)| *r).collect()))
        .collect();
    let packages = &owned;
    // Each package's own name is the dependency its manifest names `crate`.
    let own = |deps: Option<&Deps>| -> Option<String> {
        deps?
            .names
            .iter()
            .filter(|(_, p)| *p == "crate")
            .map(|(n, _)| n.clone())
            .min()
    };
    let names: Vec<Option<String>> = packages.iter().map(|(d, _)| own(*d)).collect();
    let deps_of: Vec<Vec<usize>> = packages
        .iter()
        .enumerate()
        .map(|(i, (deps, _))| {
            let Some(deps) = deps else { return Vec::new() };
            (0..packages.len())
                .filter(|&j| j != i)
                .filter(|&j| names[j].as_deref().is_some_and(|n| deps.depends_on(n)))
                .collect()
        })
        .collect();
    let mut files = Vec::new();
    let mut pkg_of = Vec::new();
    let mut first = Vec::new();
    for (pi, (_, fs)) in packages.iter().enumerate() {
        first.push(files.len());
        files.extend(fs.iter().copied());
        pkg_of.extend(std::iter::repeat_n(pi, fs.len()));
    }
    let layout = Layout {
        roots,
        deps: packages.iter().map(|(d, _)| *d).collect(),
        names,
        modules,
        mod_paths,
    };
    let mut out: Vec<Vec<RouteFact>> = vec![Vec::new(); packages.len()];
    for mut fact in link_files(&files, pkg_of.clone(), deps_of, &layout, cat) {
        let pi = pkg_of[fact.file];
        fact.file -= first[pi];
        out[pi].push(fact);
    }
    out
}
