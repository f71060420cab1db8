//! Files no module declaration reaches: a `.rs` file under a package's `src/` that
//! the file which would declare it (`src/lib.rs` or `src/main.rs` for `src/a.rs`,
//! `src/a.rs` or `src/a/mod.rs` for `src/a/b.rs`) does not name in a `mod` is not
//! compiled (stalwart's `utils/src/suffixlist.rs`, left behind when its `mod` line
//! went), so what it holds is no integration point of the service.
//!
//! The declarations are read from each file's text, not its syntax tree, so a `mod`
//! written inside a macro (`cfg_if! { .. mod unix; .. }`) counts too; so does any file
//! name a `path = ".."` attribute or an `include!` names anywhere in the package, and
//! the `mod` lines of a file included from its own directory are the includer's
//! (`include!("mod.rs")` in `src/main.rs`). The decision errs towards keeping a
//! file: it is left out only when a would-be declaring file was read in this run and
//! names it nowhere. A crate root (`src/lib.rs`, `src/main.rs`, `src/bin/*`, a
//! `[lib]` or `[[bin]]` path) is always kept, and so is every file outside `src/`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::Deps;

/// What a file's text declares: the names of its `mod name;` and `mod name {`
/// items, and the file names its `path = ".."` attributes and `include!`s name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Declared {
    pub mods: Vec<String>,
    pub paths: Vec<String>,
}

/// Reads the declarations of one file's text (a superset in practice: strings and
/// block comments may add names, which only keeps more files; a `mod` after `//` on
/// its line is commented out and adds none).
pub fn declared(text: &str) -> Declared {
    let bytes = text.as_bytes();
    let mut out = Declared::default();
    for start in memchr::memmem::find_iter(bytes, b"mod ") {
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        // `//#[cfg(test)] //mod tests;`: a declaration commented out (dolos' "TODO:
        // fix tests") compiles nothing.
        let line = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |n| n + 1);
        if memchr::memmem::find(&bytes[line..start], b"//").is_some() {
            continue;
        }
        let rest = text[start + 4..].trim_start();
        let rest = rest.strip_prefix("r#").unwrap_or(rest);
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0 && !out.mods.iter().any(|m| m == &rest[..len]) {
            out.mods.push(rest[..len].to_string());
        }
    }
    for key in [&b"path"[..], &b"include!"[..]] {
        for start in memchr::memmem::find_iter(bytes, key) {
            let rest = text[start + key.len()..].trim_start();
            let rest = rest
                .strip_prefix('=')
                .or_else(|| rest.strip_prefix('('))
                .map(str::trim_start);
            let Some(quoted) = rest.and_then(|r| r.strip_prefix('"')) else {
                continue;
            };
            let Some(end) = quoted.find('"') else {
                continue;
            };
            let name = quoted[..end].rsplit(['/', '\\']).next().unwrap_or_default();
            if name.ends_with(".rs") && !out.paths.iter().any(|p| p == name) {
                out.paths.push(name.to_string());
            }
        }
    }
    out
}

/// The files of one package (path, what it declares) that no module declaration
/// reaches. `dir`: the package's directory; `deps`: its manifest, for target paths.
pub fn undeclared<'a>(
    dir: &Path,
    deps: Option<&Deps>,
    files: &[(&'a Path, &Declared)],
) -> HashSet<&'a Path> {
    let read: std::collections::HashMap<&Path, &Declared> =
        files.iter().map(|(p, d)| (*p, *d)).collect();
    let named: HashSet<&str> = files
        .iter()
        .flat_map(|(_, d)| d.paths.iter().map(String::as_str))
        .collect();
    let targets: Vec<PathBuf> = deps
        .into_iter()
        .flat_map(|d| d.lib_path.iter().chain(&d.bin_paths))
        .map(|p| dir.join(p))
        .collect();
    let src = dir.join("src");
    // Per file that may be left out: its module's declaring files that were read, and
    // those of them that declare it.
    let candidates: Vec<(&'a Path, Vec<PathBuf>)> = files
        .iter()
        .filter_map(|(path, _)| {
            let (module, parents) = declaring_files(&src, path)?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if targets.iter().any(|t| t == path) || named.contains(name) {
                return None;
            }
            // A crate root of a target in the module's own folder declares there too
            // (catenary's `[[bin]] path = "src/aspen/main.rs"` with `mod
            // track_number;`, beside the library's `src/aspen/mod.rs`).
            let folder = match path.file_stem() {
                Some(stem) if stem == "mod" => path.parent().and_then(Path::parent),
                _ => path.parent(),
            };
            let roots = targets.iter().filter(|t| t.parent() == folder);
            let read_parents: Vec<(&PathBuf, &Declared)> = parents
                .iter()
                .chain(roots)
                .filter_map(|p| Some((p, *read.get(p.as_path())?)))
                .collect();
            if read_parents.is_empty() {
                return None;
            }
            let declaring = read_parents
                .into_iter()
                .filter(|(parent, d)| {
                    d.mods.iter().any(|m| m == module)
                        || includes_declaration(&read, parent, d, module)
                })
                .map(|(parent, _)| parent.clone())
                .collect();
            Some((*path, declaring))
        })
        .collect();
    // A file only left-out files declare is left out too (rustpress-database's
    // `providers/planetscale.rs`, declared by a `providers/mod.rs` that `lib.rs` never
    // names): repeated until nothing changes.
    let mut out: HashSet<&'a Path> = HashSet::new();
    loop {
        let before = out.len();
        for (path, declaring) in &candidates {
            if !out.contains(path) && declaring.iter().all(|p| out.contains(p.as_path())) {
                out.insert(*path);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Whether a file `parent` includes (`include!("mod.rs")`, a file of its own
/// directory) declares `module`: its declarations are the includer's (autokuma's
/// `src/main.rs` takes every `mod` line from `src/mod.rs` that way).
fn includes_declaration(
    read: &std::collections::HashMap<&Path, &Declared>,
    parent: &Path,
    declared: &Declared,
    module: &str,
) -> bool {
    let Some(dir) = parent.parent() else {
        return false;
    };
    declared.paths.iter().any(|name| {
        let included = dir.join(name);
        (read.get(included.as_path())).is_some_and(|d| d.mods.iter().any(|m| m == module))
    })
}

/// The module a file below `src` is and the files that would declare it; `None` for
/// a crate root or a file outside `src`.
fn declaring_files<'p>(src: &Path, path: &'p Path) -> Option<(&'p str, Vec<PathBuf>)> {
    let rel = path.strip_prefix(src).ok()?;
    let dir = rel.parent()?;
    let stem = path.file_stem()?.to_str()?;
    let bin = Path::new("bin");
    // `src/lib.rs`, `src/main.rs`, `src/bin/x.rs` and `src/bin/x/main.rs` are roots.
    let root = (dir.as_os_str().is_empty() && matches!(stem, "lib" | "main"))
        || dir == bin
        || (dir.parent() == Some(bin) && stem == "main");
    if root {
        return None;
    }
    // `a/mod.rs` is module `a`, declared where `a.rs` would be.
    let (module, dir) = if stem == "mod" {
        (dir.file_name()?.to_str()?, dir.parent()?)
    } else {
        (stem, dir)
    };
    let parents = if dir.as_os_str().is_empty() {
        vec![src.join("lib.rs"), src.join("main.rs")]
    } else if dir.parent() == Some(bin) {
        vec![src.join(dir).join("main.rs")]
    } else {
        let name = dir.file_name()?.to_str()?;
        let up = src.join(dir.parent()?);
        let own = if up == src.join(bin) {
            None
        } else {
            Some(up.join(format!("{name}.rs")))
        };
        own.into_iter()
            .chain([src.join(dir).join("mod.rs")])
            .collect()
    };
    Some((module, parents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_read_from_text_macros_and_attributes_included() {
        let d = declared(
            "mod a;\npub(crate) mod b_c;\nmod inline { }\ncfg_if! { if #[cfg(unix)] { mod unix; } }\n\
             #[path = \"os/linux_impl.rs\"] mod imp;\ninclude!(\"gen/table.rs\");\nfn model() {}\n",
        );
        assert_eq!(d.mods, ["a", "b_c", "inline", "unix", "imp"]);
        assert_eq!(d.paths, ["linux_impl.rs", "table.rs"]);
    }

    fn undeclared_of(files: &[(&str, &str)]) -> Vec<String> {
        let decls: Vec<(PathBuf, Declared)> = files
            .iter()
            .map(|(p, t)| (Path::new("/p").join(p), declared(t)))
            .collect();
        let refs: Vec<(&Path, &Declared)> = decls.iter().map(|(p, d)| (p.as_path(), d)).collect();
        let mut out: Vec<String> = undeclared(Path::new("/p"), None, &refs)
            .into_iter()
            .map(|p| p.strip_prefix("/p").unwrap().display().to_string())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_declaration_commented_out_declares_nothing() {
        let d = super::declared("mod live;\n// TODO: fix tests\n//#[cfg(test)]\n//mod tests;\n/// mod doc;\nfn f() {} // mod trailing;\n");
        assert_eq!(d.mods, vec!["live".to_string()]);
        assert_eq!(
            undeclared_of(&[
                ("src/lib.rs", "mod live;\n//mod tests;\n"),
                ("src/tests.rs", "fn t() {}")
            ]),
            vec!["src/tests.rs".to_string()]
        );
    }

    #[test]
    fn a_file_its_read_parent_does_not_declare_is_left_out() {
        let out = undeclared_of(&[
            ("src/lib.rs", "mod cache;\nmod api;"),
            ("src/cache.rs", ""),
            ("src/suffixlist.rs", "fn f() {}"),
            ("src/api/mod.rs", "mod users;"),
            ("src/api/users.rs", ""),
            ("src/api/old.rs", ""),
            ("src/bin/tool.rs", ""),
            ("src/bin/srv/main.rs", "mod conf;"),
            ("src/bin/srv/conf.rs", ""),
            ("src/bin/srv/stale.rs", ""),
            ("build.rs", ""),
        ]);
        assert_eq!(
            out,
            [
                "src/api/old.rs",
                "src/bin/srv/stale.rs",
                "src/suffixlist.rs"
            ]
        );
    }

    #[test]
    fn a_file_only_left_out_files_declare_is_left_out() {
        // `src/providers/mod.rs` declares its files, but `src/lib.rs` never names
        // `providers`: none of them is compiled.
        let out = undeclared_of(&[
            ("src/lib.rs", "pub mod pool;"),
            ("src/pool.rs", ""),
            ("src/providers/mod.rs", "pub mod supabase;\npub mod cloud;"),
            ("src/providers/supabase.rs", ""),
            ("src/providers/cloud/mod.rs", "mod api;"),
            ("src/providers/cloud/api.rs", ""),
        ]);
        assert_eq!(
            out,
            [
                "src/providers/cloud/api.rs",
                "src/providers/cloud/mod.rs",
                "src/providers/mod.rs",
                "src/providers/supabase.rs"
            ]
        );
    }

    #[test]
    fn a_target_root_in_the_folder_declares_its_modules() {
        // `[[bin]] path = "src/aspen/main.rs"` declares `track_number`, which the
        // library's `src/aspen/mod.rs` does not.
        let deps = Deps {
            bin_paths: vec!["src/aspen/main.rs".into()],
            ..Deps::default()
        };
        let files = [
            ("src/lib.rs", "pub mod aspen;"),
            ("src/aspen/mod.rs", "pub mod persistence;"),
            ("src/aspen/persistence.rs", ""),
            ("src/aspen/main.rs", "mod track_number;\nfn main() {}"),
            ("src/aspen/track_number/mod.rs", "mod lirr;"),
            ("src/aspen/track_number/lirr.rs", ""),
            ("src/aspen/stale.rs", ""),
        ];
        let decls: Vec<(PathBuf, Declared)> = files
            .iter()
            .map(|(p, t)| (Path::new("/p").join(p), declared(t)))
            .collect();
        let refs: Vec<(&Path, &Declared)> = decls.iter().map(|(p, d)| (p.as_path(), d)).collect();
        let out: Vec<_> = undeclared(Path::new("/p"), Some(&deps), &refs)
            .into_iter()
            .map(|p| p.strip_prefix("/p").unwrap().display().to_string())
            .collect();
        assert_eq!(out, ["src/aspen/stale.rs"]);
    }

    #[test]
    fn an_included_file_declares_for_its_includer() {
        // `include!("mod.rs")` in `src/main.rs`: the `mod` lines of `src/mod.rs` are
        // `main`'s; a file neither declares stays left out.
        let out = undeclared_of(&[
            ("src/main.rs", "include!(\"mod.rs\");\nfn main() {}"),
            ("src/mod.rs", "mod sync;\nmod kuma;"),
            ("src/sync.rs", ""),
            ("src/kuma.rs", ""),
            ("src/stale.rs", ""),
        ]);
        assert_eq!(out, ["src/stale.rs"]);
    }

    #[test]
    fn without_a_read_parent_or_with_a_path_attribute_a_file_is_kept() {
        // `src/a/b.rs` when neither `src/a.rs` nor `src/a/mod.rs` was read (a path
        // named on the command line, a parent that did not parse).
        assert!(undeclared_of(&[("src/a/b.rs", ""), ("src/c.rs", "")]).is_empty());
        let out = undeclared_of(&[
            (
                "src/main.rs",
                "#[path = \"platform/linux.rs\"] mod platform;",
            ),
            ("src/platform/linux.rs", ""),
            ("src/platform.rs", ""),
        ]);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn manifest_targets_are_roots() {
        let deps = Deps {
            bin_paths: vec!["src/daemon.rs".into()],
            ..Deps::default()
        };
        let decls = [
            (Path::new("/p/src/lib.rs").to_path_buf(), declared("")),
            (Path::new("/p/src/daemon.rs").to_path_buf(), declared("")),
        ];
        let refs: Vec<(&Path, &Declared)> = decls.iter().map(|(p, d)| (p.as_path(), d)).collect();
        assert!(undeclared(Path::new("/p"), Some(&deps), &refs).is_empty());
        assert_eq!(undeclared(Path::new("/p"), None, &refs).len(), 1);
    }
}
