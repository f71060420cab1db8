//! Constants another package of the run defines: k3rs' UI sends every request to
//! `format!("{}/api/v1/..", K3RS_API)`, where `const K3RS_API: &str =
//! network::DEFAULT_API_ADDR;` names its constants crate's `"http://127.0.0.1:6443"`,
//! the API server on this host. A file's constants are its package's
//! ([`super::verdict::Consts`]); a name found in none of them is looked up here.
//!
//! Only local addresses are kept (this host, a Unix socket; not a health probe, which
//! stays judged): the table says where a call goes only when that is no remote
//! integration. A name the run defines twice with different values, or once with a
//! remote one, is left out, as is a constant naming one so left out.

use rustc_hash::FxHashMap as HashMap;

use super::syntax::local_reason;
use crate::extract::rust::FileFacts;

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// The run's constants whose every definition is the same local address, by name,
/// through constants naming another (`const API: &str = network::DEFAULT_API_ADDR;`,
/// two steps at most).
pub(super) fn local_consts(files: &[&[PackageFile]]) -> HashMap<String, String> {
    let all: Vec<&FileFacts> = files
        .iter()
        .flat_map(|p| p.iter().map(|(_, f)| f))
        .collect();
    // `Some(value)` while every definition is the same local address.
    let mut defs: HashMap<&str, Option<&str>> = HashMap::default();
    for f in &all {
        for (name, value) in &f.consts {
            let local = local_reason(value).is_some_and(|why| why != "a health probe");
            define(&mut defs, name, local.then_some(value.as_str()));
        }
    }
    for _ in 0..2 {
        let mut named: Vec<(&str, Option<&str>)> = Vec::new();
        for f in &all {
            for (name, other) in &f.const_refs {
                named.push((name.as_str(), defs.get(other.as_str()).copied().flatten()));
            }
        }
        for (name, value) in named {
            define(&mut defs, name, value);
        }
    }
    (defs.into_iter())
        .filter_map(|(name, value)| Some((name.to_string(), value?.to_string())))
        .collect()
}

/// Notes one definition of `name`: its value while every definition agrees, else
/// `None`.
fn define<'f>(defs: &mut HashMap<&'f str, Option<&'f str>>, name: &'f str, value: Option<&'f str>) {
    let seen = defs.entry(name).or_insert(value);
    if *seen != value {
        *seen = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(consts: &[(&str, &str)], refs: &[(&str, &str)]) -> PackageFile {
        let owned = |(a, b): &(&str, &str)| (a.to_string(), b.to_string());
        let f = FileFacts {
            consts: consts.iter().map(owned).collect(),
            const_refs: refs.iter().map(owned).collect(),
            ..FileFacts::default()
        };
        (0, f)
    }

    #[test]
    fn a_local_constant_of_another_package_and_those_naming_it() {
        let constants = [file(&[("DEFAULT_API_ADDR", "http://127.0.0.1:6443")], &[])];
        let ui = [file(&[], &[("K3RS_API", "DEFAULT_API_ADDR")])];
        let table = local_consts(&[&constants, &ui]);
        assert_eq!(
            table.get("K3RS_API").map(String::as_str),
            Some("http://127.0.0.1:6443")
        );
        assert!(table.contains_key("DEFAULT_API_ADDR"));
    }

    #[test]
    fn remote_conflicting_and_probe_constants_are_left_out() {
        let a = [file(
            &[
                ("REMOTE", "https://api.example.com"),
                ("ADDR", "http://localhost:1"),
            ],
            &[("VIA_REMOTE", "REMOTE")],
        )];
        let b = [file(
            &[
                ("ADDR", "http://localhost:2"),
                ("PROBE", "http://10.0.0.1/health"),
            ],
            &[],
        )];
        let table = local_consts(&[&a, &b]);
        assert!(table.is_empty(), "{table:?}");
    }
}
