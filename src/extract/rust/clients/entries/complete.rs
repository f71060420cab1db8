//! Programs that run to completion without a command line ([`runs_to_completion`]).

use std::path::PathBuf;

use syn::Expr;

use super::quiet::{serves, shows};
use super::roots::binary_root;
use super::shape::awaits;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::facts::FileFacts;
use crate::extract::rust::Deps;

/// Why a package that parses no command line is a program that runs to completion
/// (mas's `iana-codegen`: `main` fetches two registries, writes two files and
/// exits), when so: it is binaries only (no library another package could run), and
/// none of its files loops, serves, consumes, schedules or waits for a signal. The
/// caller asks too that it depend on no other package of the run, whose process it
/// might start: a sidecar whose loop lives in a library of the workspace stays
/// judged; one whose loop lives in a crate of crates.io the catalogue does not name
/// (a runtime's `run(handler)`) is the known limit.
pub(super) fn runs_to_completion(
    files: &[(usize, FileFacts)],
    paths: &[PathBuf],
    bins: &[String],
) -> Option<String> {
    let binaries = paths
        .iter()
        .filter(|p| binary_root(p, bins).is_some())
        .count();
    let lasting = |f: &FileFacts| f.library_root || f.repeats || shows(f) || serves(f);
    (binaries > 0 && !files.iter().any(|(_, f)| lasting(f))).then(|| {
        "a program that runs to completion (no file of its package loops, serves, consumes or schedules, and it reads no command line)".to_string()
    })
}

/// Whether a package depends on no server, consumer or scheduler crate of the
/// catalogue, `tonic` and `hyper` included: a trait impl of one may be served by
/// code the package's files do not show.
pub(crate) fn needs_no_service(deps: Option<&Deps>, catalog: &Catalog) -> bool {
    let service = &catalog.one_shot.service;
    deps.is_some_and(|d| !service.iter().any(|s| d.depends_on(&s.replace('-', "_"))))
}

/// Whether an expression repeats: any `loop`, or a `while` whose condition awaits,
/// whatever ends it ([`FileFacts::repeats`]).
pub(super) fn repeats(e: &Expr) -> bool {
    match e {
        Expr::Loop(_) => true,
        Expr::While(w) => awaits(&w.cond),
        _ => false,
    }
}
