//! Values stored in struct fields meet the uses of those fields ([`super::link`]'s
//! hand-overs).

use rustc_hash::FxHashMap as HashMap;

use crate::extract::rust::facts::{FileFacts, Origin};

/// A handle: (file of the package, handle index).
type HandleId = (usize, usize);

/// Adds to `passes` what each value stored in `self.<name>` (a `field_binds` entry)
/// meets: the placeholders for uses of that field (`Origin::Field`).
pub(super) fn field_passes(
    package: &[(usize, FileFacts)],
    passes: &mut HashMap<HandleId, Vec<HandleId>>,
) {
    // A value stored in `self.<name>` meets the placeholders for uses of it: in its
    // file, and for a field of a known type (`Blockprint.client`), in every file of
    // the package (the struct built in one file, its methods in another).
    let mut typed: HashMap<&str, Vec<HandleId>> = HashMap::default();
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (pi, p) in facts.handles.iter().enumerate() {
            if let Origin::Field { name } = &p.origin {
                if name.contains('.') {
                    typed.entry(name.as_str()).or_default().push((fi, pi));
                }
            }
        }
    }
    for (fi, (_, facts)) in package.iter().enumerate() {
        for (name, h) in &facts.field_binds {
            if let Some(uses) = typed.get(name.as_str()) {
                let uses = uses.iter().filter(|&&u| u != (fi, *h));
                passes.entry((fi, *h)).or_default().extend(uses);
                continue;
            }
            for (pi, p) in facts.handles.iter().enumerate() {
                if matches!(&p.origin, Origin::Field { name: n } if n == name) && pi != *h {
                    passes.entry((fi, *h)).or_default().push((fi, pi));
                }
            }
        }
    }
}
