//! The versions a package's dependencies ask for ([`super::Deps::versions`]): which
//! API a catalogued crate's paths name (reqwest before 0.10 built its blocking client).

use rustc_hash::FxHashMap as HashMap;

/// The version requirement of each dependency `[dependencies]` (and the targets'
/// tables) give one, by package (`-` → `_`): a string spec or a table's `version`.
pub(super) fn requested_versions(value: &toml::Table) -> HashMap<String, String> {
    let mut out = HashMap::default();
    for table in super::dependency_tables(value, "dependencies") {
        for (key, spec) in table {
            let version = match spec {
                toml::Value::String(v) => Some(v.as_str()),
                _ => spec.get("version").and_then(toml::Value::as_str),
            };
            let package = spec.get("package").and_then(toml::Value::as_str);
            if let Some(v) = version {
                out.insert(package.unwrap_or(key).replace('-', "_"), v.to_string());
            }
        }
    }
    out
}

/// Whether a version requirement as written (`"0.9"`, `"^0.8.5"`, `"~0.9"`, `"=0.9.24"`,
/// `">=0.9, <0.11"`: its first bound) asks for versions below `below` (`"0.10"`),
/// compared part by part, missing parts read as 0. A requirement that names no
/// version (`"*"`) or does not parse is not below anything.
pub fn version_below(requirement: &str, below: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u64>> {
        v.split('.').map(|p| p.trim().parse::<u64>().ok()).collect()
    };
    let first = requirement.split(',').next().unwrap_or("");
    let first = first.trim().trim_start_matches(['^', '~', '=', '>', ' ']);
    let (Some(mut have), Some(mut limit)) = (parts(first), parts(below)) else {
        return false;
    };
    let n = have.len().max(limit.len());
    have.resize(n, 0);
    limit.resize(n, 0);
    have < limit
}
