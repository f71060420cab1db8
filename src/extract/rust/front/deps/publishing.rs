//! Whether a package can leave its repository for a registry, by its own manifest.

use rustc_hash::FxHashSet as HashSet;

/// Whether the package can be published, by its own manifest
/// ([`super::Deps::unpublishable`], [`super::Deps::unpublished_member`],
/// [`super::Deps::publish_inherited`]), read together because a member is unpublished
/// only when it cannot be published.
pub(super) fn publishing(
    value: &toml::Table,
    workspace_deps: &HashSet<String>,
) -> (bool, bool, bool) {
    let unpublishable = value
        .get("package")
        .and_then(toml::Value::as_table)
        .is_some_and(unpublished)
        || unregistered_dependency(value) && !registry_metadata(value);
    let unpublished_member = value
        .get("package")
        .and_then(toml::Value::as_table)
        .is_some_and(|p| unpublishable && (inherits(p) || !workspace_deps.is_empty()));
    let publish_inherited = value
        .get("package")
        .and_then(|p| p.get("publish"))
        .and_then(|p| p.get("workspace"))
        .and_then(toml::Value::as_bool)
        == Some(true);
    (unpublishable, unpublished_member, publish_inherited)
}

/// `[package]` keeps the package off every registry: `publish = false` (or an empty
/// list of registries), no version (cargo then defaults `publish` to false, since
/// 1.75), no description or no license (crates.io refuses an upload without either:
/// influxdb's `influxdb2_client` has a license only; a key inherited from the
/// workspace counts as given).
fn unpublished(package: &toml::Table) -> bool {
    match package.get("publish") {
        Some(toml::Value::Boolean(false)) => return true,
        Some(toml::Value::Array(registries)) if registries.is_empty() => return true,
        _ => {}
    }
    let given = |key: &str| package.contains_key(key);
    !given("version") || !given("description") || !(given("license") || given("license-file"))
}

/// `[package]` gives `keywords` or `categories`, which only a registry's search
/// reads: the package is made for crates.io, and a path dependency without a version
/// is one its release tooling versions before upload (connector-service's
/// `hyperswitch-payments-client`, an SDK its users install; teloxide).
fn registry_metadata(manifest: &toml::Table) -> bool {
    let package = manifest.get("package").and_then(toml::Value::as_table);
    let given = |key: &str| {
        package.and_then(|p| p.get(key)).is_some_and(|v| match v {
            toml::Value::Array(items) => !items.is_empty(),
            toml::Value::Table(t) => {
                t.get("workspace").and_then(toml::Value::as_bool) == Some(true)
            }
            _ => false,
        })
    };
    given("keywords") || given("categories")
}

/// A dependency of the built code from a path or a git repository with no `version`
/// (`playit-agent-core = { git = "..", branch = "v0.9" }`, lodestone's core): `cargo
/// publish` refuses the package, since crates.io holds only what resolves from a
/// registry. Development dependencies do not count (publishing drops those), nor
/// `{ workspace = true }` entries (the root decides those).
fn unregistered_dependency(manifest: &toml::Table) -> bool {
    let unregistered = |table: Option<&toml::Value>| {
        (table.and_then(toml::Value::as_table).into_iter().flatten())
            .any(|(_, spec)| unregistered_spec(spec))
    };
    let built = |t: &toml::Table| {
        unregistered(t.get("dependencies")) || unregistered(t.get("build-dependencies"))
    };
    let targets = manifest.get("target").and_then(toml::Value::as_table);
    built(manifest) || (targets.into_iter().flatten()).any(|(_, t)| t.as_table().is_some_and(built))
}

/// A dependency from a path or a git repository with no `version`.
fn unregistered_spec(spec: &toml::Value) -> bool {
    let has = |k: &str| spec.get(k).is_some();
    (has("path") || has("git")) && !has("version")
}

/// `[package]` takes a key from its workspace (`version.workspace = true`).
fn inherits(package: &toml::Table) -> bool {
    package
        .values()
        .any(|v| v.get("workspace").and_then(toml::Value::as_bool) == Some(true))
}
