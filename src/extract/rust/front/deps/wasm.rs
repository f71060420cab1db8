//! What a manifest says about where the package runs: a library a host program loads
//! (`cdylib`, ..), a WebAssembly module, a browser app ([`super::Deps::wasm_module`]).

/// `[lib] crate-type` names a library a host program loads (`cdylib`, `dylib`,
/// `staticlib`): its callers are not Rust ([`super::Deps::host_loaded`]).
pub(super) fn host_loaded(value: &toml::Table) -> bool {
    value
        .get("lib")
        .and_then(|l| l.get("crate-type"))
        .and_then(toml::Value::as_array)
        .is_some_and(|types| {
            (types.iter().filter_map(toml::Value::as_str))
                .any(|t| matches!(t, "cdylib" | "dylib" | "staticlib"))
        })
}

/// A WebAssembly module: a host-loaded library whose plain `[dependencies]` (not a
/// target's) name `wasm-bindgen` or `worker`; or, whatever its crate type, a package
/// whose plain dependencies name both `wasm-bindgen` and `web-sys` (the browser's APIs:
/// a Dioxus or Yew app's binary, videocall-rs's `dioxus-ui`), never built natively.
pub(super) fn wasm_module(value: &toml::Table, host_loaded: bool) -> bool {
    let names = |wanted: &str| plainly_names(value, wanted);
    let bindings = names("wasm-bindgen");
    (host_loaded && (bindings || names("worker"))) || (bindings && names("web-sys"))
}

/// The plain `[dependencies]` name package `wanted` (under its name or a rename).
fn plainly_names(value: &toml::Table, wanted: &str) -> bool {
    let plain_deps = value.get("dependencies").and_then(toml::Value::as_table);
    plain_deps.is_some_and(|deps| {
        deps.iter().any(|(key, spec)| {
            let package = spec.get("package").and_then(toml::Value::as_str);
            package.unwrap_or(key) == wanted
        })
    })
}
