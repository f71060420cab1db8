//! Optional dependencies only test features turn on (`_test-utils = ["dep:payjoin-test-utils"]`):
//! the package's tests and its users' tests build them, its programs never do.

use rustc_hash::FxHashSet as HashSet;

/// The packages (`-` → `_`) of `[dependencies]` (and targets') declared `optional = true`
/// that only features named for tests enable (a `test`, `mock` or `e2e` word:
/// `_test-utils`, `testing`, `mocks`). An optional dependency no feature names is
/// enabled by its own implicit feature, which its name judges.
pub(super) fn test_feature_deps(value: &toml::Table) -> HashSet<String> {
    let mut optional: Vec<(&str, String)> = Vec::new();
    for (key, spec) in super::dependency_tables(value, "dependencies").flatten() {
        if spec.get("optional").and_then(toml::Value::as_bool) == Some(true) {
            let package = spec.get("package").and_then(toml::Value::as_str);
            optional.push((key, package.unwrap_or(key).replace('-', "_")));
        }
    }
    if optional.is_empty() {
        return HashSet::default();
    }
    let features = value.get("features").and_then(toml::Value::as_table);
    let enabling = |dep: &str| -> Vec<&str> {
        let names = |e: &toml::Value| e.as_str().is_some_and(|e| enabled_dep(e) == dep);
        (features.into_iter().flatten())
            .filter(|(_, list)| list.as_array().into_iter().flatten().any(names))
            .map(|(name, _)| name.as_str())
            .collect()
    };
    optional
        .into_iter()
        .filter(|(key, _)| {
            let by = enabling(key);
            match by.is_empty() {
                true => for_tests(key),
                false => by.into_iter().all(for_tests),
            }
        })
        .map(|(_, package)| package)
        .collect()
}

/// The dependency a feature's entry turns on: `dep:x`, `x`, `x/feature`, `x?/feature`.
fn enabled_dep(entry: &str) -> &str {
    let dep = entry.strip_prefix("dep:").unwrap_or(entry);
    let dep = dep.split('/').next().unwrap_or(dep);
    dep.strip_suffix('?').unwrap_or(dep)
}

/// A feature (or dependency) named for tests: a `-`/`_`-separated word starting with
/// `test`, or `mock`, `mocks`, `e2e`.
fn for_tests(name: &str) -> bool {
    name.split(['-', '_'])
        .any(|w| w.starts_with("test") || matches!(w, "mock" | "mocks" | "e2e"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(manifest: &str) -> Vec<String> {
        let value: toml::Table = toml::from_str(manifest).unwrap();
        let mut v: Vec<String> = test_feature_deps(&value).into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn optional_dependencies_only_test_features_enable() {
        let manifest = r#"
            [features]
            default = ["tls"]
            _test-utils = ["dep:payjoin-test-utils", "tokio"]
            tls = ["dep:rustls"]
            mocks = ["wiremock?/tls"]
            [dependencies]
            payjoin-test-utils = { version = "0.0.1", optional = true }
            tokio = { version = "1", optional = true }
            rustls = { version = "0.23", optional = true }
            wiremock = { version = "0.6", optional = true }
            fake-db = { path = "../fake", optional = true }
            testcontainers = { version = "0.23", optional = true }
            serde = "1"
        "#;
        // tokio: only `_test-utils` names it; fake-db: no feature, a name of no test.
        assert_eq!(
            deps(manifest),
            ["payjoin_test_utils", "testcontainers", "tokio", "wiremock"]
        );
    }

    #[test]
    fn a_dependency_a_program_feature_enables_too_is_no_test_dependency() {
        let manifest = r#"
            [features]
            test-utils = ["dep:sim"]
            simulate = ["dep:sim"]
            [dependencies]
            sim = { path = "../sim", optional = true }
        "#;
        assert!(deps(manifest).is_empty());
    }
}
