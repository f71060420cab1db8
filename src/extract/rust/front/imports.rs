//! Name resolution through `use` declarations and `Cargo.toml` dependencies.
//!
//! `use reqwest::Client as Http; Http::builder()` and `reqwest::Client::builder()`
//! resolve to the same path; a dependency renamed in `Cargo.toml`
//! (`http = { package = "reqwest" }`) maps the first segment back to the package;
//! a first segment that is not a dependency (in a package whose manifest is known)
//! is local code and resolves under `crate`.

use std::collections::{HashMap, HashSet};

use syn::UseTree;

/// What a package depends on: the name used in code → the package name (`-` → `_`).
#[derive(Debug, Clone, Default)]
pub struct Deps {
    pub names: HashMap<String, String>,
}

impl Deps {
    pub fn depends_on(&self, package: &str) -> bool {
        self.names.values().any(|p| p == package)
    }

    /// The package a dependency renamed in `Cargo.toml` names in code
    /// (`web = { package = "axum" }`: `web` → `axum`); `None` for any other name.
    pub fn renamed(&self, name: &str) -> Option<&str> {
        self.names
            .get(name)
            .filter(|package| *package != name && *package != "crate")
            .map(String::as_str)
    }

    /// `path` with its first segment mapped through [`Self::renamed`].
    pub fn unrename(&self, mut path: Vec<String>) -> Vec<String> {
        if let Some(package) = path.first().and_then(|f| self.renamed(f)) {
            path[0] = package.to_string();
        }
        path
    }

    /// The dependencies renamed in `Cargo.toml`: (name in code, package), in name
    /// order (the package itself, named `crate`, is no rename).
    pub fn renames(&self) -> Vec<(&str, &str)> {
        let mut r: Vec<(&str, &str)> = self
            .names
            .iter()
            .filter(|(name, package)| name != package && *package != "crate")
            .map(|(n, p)| (n.as_str(), p.as_str()))
            .collect();
        r.sort_unstable();
        r
    }
}

/// The imports of one file.
#[derive(Debug, Default)]
pub struct Imports {
    /// Local name → full path.
    names: HashMap<String, Vec<String>>,
    /// Prefixes imported with `::*`.
    globs: Vec<Vec<String>>,
    /// Types and functions defined in this file: they shadow glob imports.
    pub local: HashSet<String>,
}

impl Imports {
    /// Records one `use` tree.
    pub fn add(&mut self, tree: &UseTree) {
        self.add_tree(Vec::new(), tree);
    }

    fn add_tree(&mut self, mut prefix: Vec<String>, tree: &UseTree) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(prefix, &p.tree);
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.names.insert(last, prefix);
                    }
                } else {
                    prefix.push(name.clone());
                    self.names.insert(name, prefix);
                }
            }
            UseTree::Rename(r) => {
                let alias = r.rename.to_string();
                let name = r.ident.to_string();
                if name != "self" {
                    prefix.push(name);
                }
                if alias != "_" {
                    self.names.insert(alias, prefix);
                }
            }
            UseTree::Glob(_) => self.globs.push(prefix),
            UseTree::Group(g) => {
                for t in &g.items {
                    self.add_tree(prefix.clone(), t);
                }
            }
        }
    }

    /// Records `type Alias = some::Path;` (a plain path, no generics).
    pub fn alias(&mut self, alias: String, path: Vec<String>) {
        let Some(first) = path.first() else { return };
        // Resolve the alias's own path through earlier imports (`use reqwest::Client; type H = Client;`).
        let full: Vec<String> = match self.names.get(first) {
            Some(prefix) => prefix.iter().chain(&path[1..]).cloned().collect(),
            None => path,
        };
        self.names.entry(alias).or_insert(full);
    }

    /// Candidate full paths for `segments` as written, most likely first; every
    /// candidate's first segment is mapped through `deps`.
    pub fn resolve(&self, segments: &[String], deps: Option<&Deps>) -> Vec<Vec<String>> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(full) = self.names.get(first) {
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
        out.into_iter().map(|p| map_crate(p, deps)).collect()
    }

    /// Whether the most likely path for `segments` (`resolve(..)[0]`) is this
    /// package's own code, i.e. starts with `crate`. Asked for every call in a file,
    /// so it builds no path.
    pub fn is_local(&self, segments: &[String], deps: Option<&Deps>) -> bool {
        let Some(first) = segments.first() else {
            return false;
        };
        let head = match self.names.get(first) {
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
        let Some(deps) = deps else { return false };
        if matches!(head, "std" | "core" | "alloc") {
            return false;
        }
        deps.names
            .get(head)
            .is_none_or(|package| package == "crate")
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

/// Reads the dependencies of a `Cargo.toml`: `[dependencies]`,
/// `[target.'cfg(..)'.dependencies]` and build dependencies are left aside only for
/// dev (tests are not linted).
pub fn read_deps(text: &str) -> Result<Deps, toml::de::Error> {
    let value: toml::Table = toml::from_str(text)?;
    let mut names = HashMap::new();
    let mut add = |table: Option<&toml::Value>| {
        for (key, spec) in table.and_then(toml::Value::as_table).into_iter().flatten() {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key);
            names.insert(key.replace('-', "_"), package.replace('-', "_"));
        }
    };
    add(value.get("dependencies"));
    if let Some(targets) = value.get("target").and_then(toml::Value::as_table) {
        for t in targets.values() {
            add(t.get("dependencies"));
        }
    }
    // The package itself: `use my_crate::x` in a binary of the same package.
    if let Some(name) = value
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
    {
        names
            .entry(name.replace('-', "_"))
            .or_insert_with(|| "crate".into());
    }
    Ok(Deps { names })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(src: &str) -> Imports {
        let file = syn::parse_file(src).unwrap();
        let mut i = Imports::default();
        for item in file.items {
            if let syn::Item::Use(u) = item {
                i.add(&u.tree);
            }
        }
        i
    }

    fn s(p: &str) -> Vec<String> {
        p.split("::").map(str::to_string).collect()
    }

    #[test]
    fn renames_groups_and_globs_resolve() {
        let i = imports("use reqwest::{Client as Http, blocking}; use ureq::*;");
        assert_eq!(
            i.resolve(&s("Http::builder"), None)[0],
            s("reqwest::Client::builder")
        );
        assert_eq!(
            i.resolve(&s("blocking::get"), None)[0],
            s("reqwest::blocking::get")
        );
        assert!(i.resolve(&s("agent"), None).contains(&s("ureq::agent")));
    }

    #[test]
    fn is_local_agrees_with_the_first_resolved_path() {
        let i = imports(
            "use reqwest::{Client as Http, blocking}; use crate::net::make; \
             use super::util; use my_app::config; use ureq::*;",
        );
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
            for p in paths {
                let resolved = i.resolve(&s(p), deps);
                let expected = resolved[0].first().is_some_and(|f| f == "crate");
                assert_eq!(
                    i.is_local(&s(p), deps),
                    expected,
                    "{p} with deps {:?}",
                    deps.is_some()
                );
            }
        }
        assert!(i.is_local(&s("helper"), Some(&read_deps("").unwrap())));
        assert!(!i.is_local(&s("helper"), None));
        assert!(i.is_local(
            &s("config::load"),
            Some(&read_deps("[package]\nname = \"my-app\"\n").unwrap())
        ));
    }

    #[test]
    fn cargo_renames_and_missing_dependencies() {
        let deps =
            read_deps("[dependencies]\nhttp = { package = \"reqwest\", version = \"0.12\" }\n")
                .unwrap();
        let i = imports("use http::Client;");
        assert_eq!(
            i.resolve(&s("Client::new"), Some(&deps))[0],
            s("reqwest::Client::new")
        );
        assert_eq!(deps.renamed("http"), Some("reqwest"));
        assert_eq!(deps.unrename(s("http::Client")), s("reqwest::Client"));
        assert_eq!(deps.unrename(s("crate::http")), s("crate::http"));
        let none = read_deps("[dependencies]\nserde = \"1\"\n").unwrap();
        assert_eq!(
            i.resolve(&s("Client::new"), Some(&none))[0],
            s("crate::http::Client::new")
        );
    }
}
