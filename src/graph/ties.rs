//! Which service a code package is: the `[services]` table of `resilint.toml` when it
//! names the package's directory, else a Service or Deployment whose name is the
//! package's or one of its binaries' (a guess, and `resilint map` says so; a mesh
//! object's host of that name when no Service or Deployment has it), else a
//! service of the package's own name that no configuration names.

use std::path::{Component, Path, PathBuf};

use super::host::{self, HostKey};
use super::{Builder, LayerKind, Source, Tie};

/// A Rust package: its manifest and the names it goes by.
#[derive(Debug, Clone)]
pub struct Package {
    /// File index of its `Cargo.toml`.
    pub manifest: usize,
    pub dir: PathBuf,
    /// The package name, then its binaries' names.
    pub names: Vec<String>,
}

/// Reads the package and binary names of a manifest; `None` for a workspace root.
pub fn package(manifest: usize, path: &Path, text: &str) -> Option<Package> {
    let table: toml::Table = text.parse().ok()?;
    let name = table.get("package")?.get("name")?.as_str()?.to_string();
    let mut names = vec![name];
    for bin in table
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(n) = bin.get("name").and_then(|n| n.as_str()) {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
    }
    Some(Package {
        manifest,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        names,
    })
}

/// An absolute path without `.` components, for comparing paths written two ways
/// (the config's directory relative to the working directory, files as walked).
fn clean(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Ties a package to its service and returns the service id.
pub fn tie(b: &mut Builder, package: &Package) -> String {
    let dir = clean(&package.dir);
    let manifest_at = b.at(package.manifest, crate::tree::Span::new(0, 0));
    let source = Source {
        layer: LayerKind::Code,
        what: format!("Rust package {}", package.names[0]),
        at: manifest_at,
    };
    // The deepest code directory naming the package wins, whichever configuration
    // (the root's or a nested one) declares it.
    let dir = &dir;
    let configured = b
        .settings
        .all_services()
        .flat_map(|(base, name, entry)| {
            entry.code.iter().filter_map(move |c| {
                let full = clean(&base.join(c));
                dir.starts_with(&full).then_some((full, name, c))
            })
        })
        .max_by(|a, b| (a.0.components().count(), b.1).cmp(&(b.0.components().count(), a.1)))
        .map(|(_, name, c)| (name, c));
    if let Some((name, code)) = configured {
        let key = host::key(name).unwrap_or(HostKey {
            name: name.clone(),
            namespace: None,
            external: false,
        });
        let key = b.resolve(&key, None);
        let id = b.service(&key, source);
        b.add_tie(Tie {
            code: package.names[0].clone(),
            service: id.clone(),
            by: "config",
            how: format!(
                "[services.\"{name}\"] in resilint.toml has code = [\"{}\"]",
                code.display()
            ),
            guessed: false,
        });
        return id;
    }
    for name in &package.names {
        let named: Vec<(String, String)> = b
            .services_named(&name.to_ascii_lowercase())
            .iter()
            .filter(|s| !s.external && s.namespace.is_some())
            .filter_map(|s| {
                // A Service or Deployment of that name, else a mesh object's host.
                let named = s
                    .sources
                    .iter()
                    .find(|x| x.layer == LayerKind::Kubernetes)
                    .or_else(|| s.sources.iter().find(|x| x.layer == LayerKind::Mesh))?;
                Some((
                    s.id.clone(),
                    format!("{} ({})", named.what, named.at.short()),
                ))
            })
            .collect();
        if let Some((id, what)) = named.first() {
            let how = if named.len() == 1 {
                format!("the name `{name}` equals {what}")
            } else {
                format!(
                    "the name `{name}` equals {what}; {} more of that name (add a [services] entry to choose)",
                    named.len() - 1
                )
            };
            let key = host::key(id).unwrap_or_default_key(id);
            b.service(&key, source);
            b.add_tie(Tie {
                code: name.clone(),
                service: id.clone(),
                by: "name",
                how,
                guessed: true,
            });
            return id.clone();
        }
    }
    let key = HostKey {
        name: package.names[0].to_ascii_lowercase(),
        namespace: None,
        external: false,
    };
    b.service(&key, source)
}

trait OrDefaultKey {
    fn unwrap_or_default_key(self, id: &str) -> HostKey;
}

impl OrDefaultKey for Option<HostKey> {
    fn unwrap_or_default_key(self, id: &str) -> HostKey {
        self.unwrap_or(HostKey {
            name: id.to_string(),
            namespace: None,
            external: false,
        })
    }
}
