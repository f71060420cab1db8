//! The one `use` resolver of a file, which the client, retry and route analyses all
//! call: none of them reads a `use` declaration or undoes a `Cargo.toml` rename on
//! its own.
//!
//! `use reqwest::Client as Http; Http::builder()` and `reqwest::Client::builder()`
//! resolve to the same path; a dependency renamed in `Cargo.toml`
//! (`http = { package = "reqwest" }`) maps the first segment back to the package, for
//! every crate; a first segment that is not a dependency (in a package whose manifest
//! is known) is local code and resolves under `crate`.
//!
//! The table is flat (one binding per name for the whole file), with one precedence:
//! a `use` outside any function body wins over one written in a body, the first
//! written wins among equals (two `use`s of one name in one scope do not compile;
//! they come from `#[cfg]` alternatives or from different modules), and a `use` in
//! test code (the front end's one mask) binds only for an analysis that reads test
//! code.

use std::collections::HashSet;

use rustc_hash::FxHashMap;
use syn::UseTree;

pub use super::deps::{read_deps, Deps};
use super::index::{Decl, Index, Place};
use crate::extract::rust::front::items::Items;

/// How far a binding's `use` is from the file's items: a lower tier wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// At item level (the file or an inline module), outside test code.
    Item,
    /// Inside a function body, outside test code.
    Body,
    /// In test code.
    Test,
}

impl Tier {
    fn of(place: &Place) -> Tier {
        if place.in_test_mod {
            Tier::Test
        } else if place.at_item_level() {
            Tier::Item
        } else {
            Tier::Body
        }
    }
}

/// The imports of one file, resolved through its package's dependencies.
#[derive(Debug, Default)]
pub struct Imports<'d> {
    deps: Option<&'d Deps>,
    /// Local name → its tier and full path as written in the `use` (renames are
    /// undone when it is read, so the path keeps what the code says).
    names: FxHashMap<String, (Tier, Vec<String>)>,
    /// Prefixes imported with `::*` outside test code.
    globs: Vec<Vec<String>>,
    /// Types and functions defined in this file outside test code: they shadow glob
    /// imports.
    local: HashSet<String>,
}

impl<'d> Imports<'d> {
    /// The imports of the file `index` indexes, in a package with dependencies
    /// `deps` (`None`: no `Cargo.toml` found, crate names are taken as written).
    pub fn of(index: &Index, deps: Option<&'d Deps>) -> Self {
        let mut imports = Imports {
            deps,
            ..Imports::default()
        };
        let mut aliases = Vec::new();
        for (place, decl) in &index.decls {
            let tier = Tier::of(place);
            if let Decl::Use(u) = decl {
                imports.add_tree(&u.tree, tier);
                continue;
            }
            if tier == Tier::Test {
                continue;
            }
            match *decl {
                Decl::Struct(s) => imports.define(&s.ident),
                Decl::Enum(e) => imports.define(&e.ident),
                Decl::Fn(f) => imports.define(&f.sig.ident),
                Decl::Type(t) => match plain_path(&t.ty) {
                    Some(path) => aliases.push((t.ident.to_string(), path, tier)),
                    None => imports.define(&t.ident),
                },
                _ => {}
            }
        }
        // After every `use`: `use reqwest::Client; type H = Client;` in any order.
        for (alias, path, tier) in aliases {
            imports.alias(alias, path, tier);
        }
        imports
    }

    /// The dependencies paths resolve through.
    pub fn deps(&self) -> Option<&'d Deps> {
        self.deps
    }

    fn define(&mut self, ident: &syn::Ident) {
        self.local.insert(ident.to_string());
    }

    /// Whether the file defines a type or function of this name (outside test code).
    pub fn defines(&self, name: &str) -> bool {
        self.local.contains(name)
    }

    /// Binds `name` unless a binding of a lower or equal tier holds it.
    fn bind(&mut self, name: String, tier: Tier, path: Vec<String>) {
        match self.names.entry(name) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((tier, path));
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if tier < o.get().0 {
                    o.insert((tier, path));
                }
            }
        }
    }

    fn add_tree(&mut self, tree: &UseTree, tier: Tier) {
        use_leaves(tree, &mut |path, leaf| match leaf {
            UseLeaf::Name(name) => self.bind(name.to_string(), tier, path.to_vec()),
            UseLeaf::Rename(alias) if alias != "_" => {
                self.bind(alias.to_string(), tier, path.to_vec());
            }
            UseLeaf::Rename(_) => {}
            UseLeaf::Glob if tier != Tier::Test => self.globs.push(path.to_vec()),
            UseLeaf::Glob => {}
        });
    }

    /// Records `type Alias = some::Path;` (a plain path, no generics), through the
    /// file's `use`s.
    fn alias(&mut self, alias: String, path: Vec<String>, tier: Tier) {
        let Some(first) = path.first() else { return };
        let full: Vec<String> = match self.written(first, false) {
            Some(prefix) => prefix.iter().chain(&path[1..]).cloned().collect(),
            None => path,
        };
        self.bind(alias, tier, full);
    }

    /// The path a `use` binds `name` to, as written in the `use`; test code's
    /// `use`s only when `tests`.
    fn written(&self, name: &str, tests: bool) -> Option<&[String]> {
        self.names
            .get(name)
            .filter(|(tier, _)| tests || *tier != Tier::Test)
            .map(|(_, path)| path.as_slice())
    }

    /// The full path a `use` binds `name` to, its first segment a package name (a
    /// `Cargo.toml` rename undone); test code's `use`s only when `tests` (an analysis
    /// that reads test code).
    pub fn lookup(&self, name: &str, tests: bool) -> Option<Vec<String>> {
        self.written(name, tests).map(|p| self.unrename(p.to_vec()))
    }

    /// Whether `name` means something other than itself as a path's first segment: a
    /// `use` binds it or it is a dependency renamed in `Cargo.toml`.
    pub fn binds(&self, name: &str) -> bool {
        self.written(name, false).is_some() || self.deps.is_some_and(|d| d.renamed(name).is_some())
    }

    /// `segments` as written with the first one replaced by what a `use` binds it to,
    /// then a renamed dependency by its package: the one path an analysis that does
    /// not weigh candidates reads (no glob, no `crate` prefix).
    pub fn path(&self, segments: &[String], tests: bool) -> Vec<String> {
        let path = match segments.first().and_then(|f| self.written(f, tests)) {
            Some(full) => full.iter().chain(&segments[1..]).cloned().collect(),
            None => segments.to_vec(),
        };
        self.unrename(path)
    }

    fn unrename(&self, path: Vec<String>) -> Vec<String> {
        match self.deps {
            Some(deps) => deps.unrename(path),
            None => path,
        }
    }

    /// Whether a `use` outside test code, or a glob, starts at a crate `accepts` (its
    /// package's name, renames undone): `use lettre::Message` for `lettre`. Nothing is
    /// copied: it runs once per file.
    pub fn uses_crate(&self, accepts: impl Fn(&str) -> bool) -> bool {
        let accepts_head = |path: &[String]| {
            path.first().is_some_and(|f| {
                let f = f.as_str();
                accepts(self.deps.and_then(|d| d.renamed(f)).unwrap_or(f))
            })
        };
        let used = self.names.values().filter(|(tier, _)| *tier != Tier::Test);
        used.map(|(_, path)| path).any(|p| accepts_head(p))
            || self.globs.iter().any(|g| accepts_head(g))
    }

    /// Every name a `use` binds outside test code with its full path, then every
    /// dependency renamed in `Cargo.toml` that no `use` shadows (its name → its
    /// package), renames undone.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, Vec<String>)> + '_ {
        let used = self
            .names
            .iter()
            .filter(|(_, (tier, _))| *tier != Tier::Test)
            .map(|(name, (_, path))| (name.as_str(), self.unrename(path.clone())));
        let renames = self
            .deps
            .into_iter()
            .flat_map(Deps::renames)
            .filter(|(name, _)| self.written(name, false).is_none())
            .map(|(name, package)| (name, vec![package.to_string()]));
        used.chain(renames)
    }

    /// The prefixes imported with `::*` outside test code, renames undone.
    pub fn globs(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.globs.iter().map(|g| self.unrename(g.clone()))
    }

    /// Candidate full paths for `segments` as written, most likely first; every
    /// candidate's first segment is mapped through the dependencies (a renamed one to
    /// its package, one that is no dependency under `crate`).
    pub fn resolve(&self, segments: &[String]) -> Vec<Vec<String>> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(full) = self.written(first, false) {
            out.push(full.iter().chain(&segments[1..]).cloned().collect());
        } else if matches!(first.as_str(), "crate" | "self" | "super" | "Self") {
            out.push(
                std::iter::once("crate".to_string())
                    .chain(segments[1..].iter().cloned())
                    .collect(),
            );
        } else {
            out.push(segments.to_vec());
            if !self.local.contains(first) {
                for g in &self.globs {
                    out.push(g.iter().chain(segments).cloned().collect());
                }
            }
        }
        out.into_iter().map(|p| map_crate(p, self.deps)).collect()
    }

    /// Whether the most likely path for `segments` (`resolve(..)[0]`) is this
    /// package's own code, i.e. starts with `crate`. Asked for every call in a file,
    /// so it builds no path.
    pub fn is_local(&self, segments: &[String]) -> bool {
        let Some(first) = segments.first() else {
            return false;
        };
        let head = match self.written(first, false) {
            Some(full) => full.first().or(segments.get(1)),
            None if matches!(first.as_str(), "crate" | "self" | "super" | "Self") => return true,
            None => Some(first),
        };
        let Some(head) = head.map(String::as_str) else {
            return false;
        };
        if head == "crate" {
            return true;
        }
        let Some(deps) = self.deps else { return false };
        if matches!(head, "std" | "core" | "alloc") {
            return false;
        }
        deps.names
            .get(head)
            .is_none_or(|package| package == "crate")
    }
}

/// A type that is a plain path (no generics, no `<T as Trait>`), as segments.
fn plain_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Path(p)
            if p.qself.is_none() && p.path.segments.items().all(|s| s.arguments.is_none()) =>
        {
            Some(super::paths::segments(&p.path))
        }
        _ => None,
    }
}

/// Maps the first segment through the dependency table.
fn map_crate(mut path: Vec<String>, deps: Option<&Deps>) -> Vec<String> {
    let Some(deps) = deps else {
        return path;
    };
    let Some(first) = path.first().cloned() else {
        return path;
    };
    if first == "crate" || matches!(first.as_str(), "std" | "core" | "alloc") {
        return path;
    }
    match deps.names.get(&first) {
        Some(package) => path[0] = package.clone(),
        None => path.insert(0, "crate".into()),
    }
    path
}

/// What one leaf of a `use` tree binds.
pub(crate) enum UseLeaf<'t> {
    /// The path's last segment, under its own name (`a::b::c`, or `a::b::{self}`,
    /// which binds `b`).
    Name(&'t str),
    /// The path under another name (`a::b as c`, `a::{self as c}`; `_` binds none).
    Rename(&'t str),
    /// Every public name of the module the path names (`a::b::*`).
    Glob,
}

/// Calls `leaf` with the full path (`self` dropped: `a::b::{self}` is `a::b`) and the
/// binding of each leaf of a `use` tree, in the order written: the one walk of `use`
/// trees that the file's imports and a body's own `use`s both read.
pub(crate) fn use_leaves(tree: &UseTree, leaf: &mut dyn FnMut(&[String], UseLeaf)) {
    fn walk(tree: &UseTree, path: &mut Vec<String>, leaf: &mut dyn FnMut(&[String], UseLeaf)) {
        match tree {
            UseTree::Path(p) => {
                path.push(p.ident.to_string());
                walk(&p.tree, path, leaf);
                path.pop();
            }
            UseTree::Name(n) if n.ident == "self" => {
                if let Some(last) = path.last().cloned() {
                    leaf(path, UseLeaf::Name(&last));
                }
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                path.push(name);
                if let Some(name) = path.last().cloned() {
                    leaf(path, UseLeaf::Name(&name));
                }
                path.pop();
            }
            UseTree::Rename(r) => {
                let alias = r.rename.to_string();
                let own = r.ident != "self";
                if own {
                    path.push(r.ident.to_string());
                }
                leaf(path, UseLeaf::Rename(&alias));
                if own {
                    path.pop();
                }
            }
            UseTree::Glob(_) => leaf(path, UseLeaf::Glob),
            UseTree::Group(g) => {
                for t in &g.items {
                    walk(t, path, leaf);
                }
            }
        }
    }
    walk(tree, &mut Vec::new(), leaf);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on the imports of `src` in a package with `deps`.
    fn with<R>(src: &str, deps: Option<&Deps>, f: impl FnOnce(&Imports) -> R) -> R {
        let file = syn::parse_file(src).unwrap();
        let index = Index::of(&file);
        f(&Imports::of(&index, deps))
    }

    fn s(p: &str) -> Vec<String> {
        p.split("::").map(str::to_string).collect()
    }

    #[test]
    fn use_leaves_name_each_binding_with_its_full_path() {
        let u: syn::ItemUse =
            syn::parse_str("use a::{b::{self, c as d, _x as _}, e::*, f};").expect("parses");
        let mut seen = Vec::new();
        super::use_leaves(&u.tree, &mut |path, leaf| {
            let how = match leaf {
                super::UseLeaf::Name(n) => format!("name {n}"),
                super::UseLeaf::Rename(r) => format!("rename {r}"),
                super::UseLeaf::Glob => "glob".to_string(),
            };
            seen.push(format!("{} {how}", path.join("::")));
        });
        assert_eq!(
            seen,
            [
                "a::b name b",
                "a::b::c rename d",
                "a::b::_x rename _",
                "a::e glob",
                "a::f name f"
            ]
        );
    }

    #[test]
    fn renames_groups_and_globs_resolve() {
        with(
            "use reqwest::{Client as Http, blocking}; use ureq::*; use a::b::{self};",
            None,
            |i| {
                assert_eq!(
                    i.resolve(&s("Http::builder"))[0],
                    s("reqwest::Client::builder")
                );
                assert_eq!(
                    i.resolve(&s("blocking::get"))[0],
                    s("reqwest::blocking::get")
                );
                assert!(i.resolve(&s("agent")).contains(&s("ureq::agent")));
                assert_eq!(i.path(&s("b::c"), false), s("a::b::c"));
                assert_eq!(
                    i.lookup("self", false),
                    None,
                    "`self` binds its parent's name"
                );
            },
        );
    }

    #[test]
    fn item_level_wins_over_bodies_and_the_first_written_among_equals() {
        let src = "fn f() { use other::Client; } \
                   #[cfg(feature = \"a\")] use reqwest::Client; \
                   #[cfg(not(feature = \"a\"))] use ureq::Client; \
                   fn g() { use tokio_retry::Retry; use backoff::Retry; } \
                   #[cfg(test)] mod tests { use mockito::Server; use x::Retry; }";
        with(src, None, |i| {
            assert_eq!(i.lookup("Client", false), Some(s("reqwest::Client")));
            assert_eq!(i.lookup("Retry", false), Some(s("tokio_retry::Retry")));
            assert_eq!(
                i.lookup("Server", false),
                None,
                "test code binds only for tests"
            );
            assert_eq!(i.lookup("Server", true), Some(s("mockito::Server")));
            assert_eq!(i.lookup("Retry", true), Some(s("tokio_retry::Retry")));
        });
    }

    #[test]
    fn type_aliases_resolve_through_uses_written_after_them() {
        with(
            "type Http = Client; type Pair = (u8, u8); use reqwest::Client;",
            None,
            |i| {
                assert_eq!(i.resolve(&s("Http::new"))[0], s("reqwest::Client::new"));
                assert!(i.defines("Pair") && !i.defines("Http"));
            },
        );
    }

    #[test]
    fn is_local_agrees_with_the_first_resolved_path() {
        let src = "use reqwest::{Client as Http, blocking}; use crate::net::make; \
                   use super::util; use my_app::config; use ureq::*;";
        let deps = read_deps(
            "[package]\nname = \"my-app\"\n[dependencies]\nreqwest = \"0.12\"\nureq = \"2\"\n",
        )
        .unwrap();
        let paths = [
            "Http::builder",
            "blocking::get",
            "make",
            "util::f",
            "config::load",
            "Self::new",
            "self::f",
            "crate::a::b",
            "super::x",
            "helper",
            "Duration::from_secs",
            "std::fs::read",
            "core::mem::take",
            "reqwest::get",
            "serde_json::to_string",
            "Order::new",
        ];
        for deps in [None, Some(&deps)] {
            with(src, deps, |i| {
                for p in paths {
                    let resolved = i.resolve(&s(p));
                    let expected = resolved[0].first().is_some_and(|f| f == "crate");
                    assert_eq!(
                        i.is_local(&s(p)),
                        expected,
                        "{p} with deps {:?}",
                        deps.is_some()
                    );
                }
            });
        }
        let empty = read_deps("").unwrap();
        assert!(with(src, Some(&empty), |i| i.is_local(&s("helper"))));
        assert!(!with(src, None, |i| i.is_local(&s("helper"))));
        let own = read_deps("[package]\nname = \"my-app\"\n").unwrap();
        assert!(with(src, Some(&own), |i| i.is_local(&s("config::load"))));
    }

    #[test]
    fn cargo_renames_are_undone_for_every_crate_and_every_reader() {
        let deps = read_deps(
            "[dependencies]\nhttp = { package = \"reqwest\", version = \"0.12\" }\n\
             backoff2 = { package = \"tokio-retry\" }\nweb = { package = \"axum\" }\n",
        )
        .unwrap();
        let src = "use http::Client; use web::routing::*; use backoff2::strategy;";
        with(src, Some(&deps), |i| {
            assert_eq!(i.resolve(&s("Client::new"))[0], s("reqwest::Client::new"));
            assert_eq!(i.path(&s("Client::new"), false), s("reqwest::Client::new"));
            assert_eq!(i.path(&s("web::Router"), false), s("axum::Router"));
            assert_eq!(
                i.lookup("strategy", false),
                Some(s("tokio_retry::strategy"))
            );
            assert_eq!(i.globs().collect::<Vec<_>>(), [s("axum::routing")]);
            assert!(i.binds("backoff2") && i.binds("Client") && !i.binds("serde"));
            let mut names: Vec<(&str, Vec<String>)> = i.bindings().collect();
            names.sort();
            assert_eq!(
                names,
                [
                    ("Client", s("reqwest::Client")),
                    ("backoff2", s("tokio_retry")),
                    ("http", s("reqwest")),
                    ("strategy", s("tokio_retry::strategy")),
                    ("web", s("axum")),
                ]
            );
        });
        let none = read_deps("[dependencies]\nserde = \"1\"\n").unwrap();
        with("use http::Client;", Some(&none), |i| {
            assert_eq!(
                i.resolve(&s("Client::new"))[0],
                s("crate::http::Client::new")
            );
        });
    }
}
