//! Code compiled only for WebAssembly: `#[cfg(target_arch = "wasm32")]`,
//! `#[cfg(target_family = "wasm")]` and predicates that hold only there.
//!
//! A client built for WebAssembly is the host's `fetch` (reqwest, gloo and the
//! Workers runtime hand each request to the browser or the runtime): the embedder
//! bounds it, and before reqwest 0.12.13 its wasm client had no timeout to set. Such
//! code is no outbound integration of a service process; the client analysis marks
//! it (`wasm`) and the timeout and breaker rules leave it, as they leave a one-shot
//! tool's. `cfg(not(target_arch = "wasm32"))`, the native build, stays judged.

use proc_macro2::{TokenStream, TokenTree};

use super::test_code::holds_only_where;

/// Why code under a WebAssembly-only `cfg` is not judged, as the facts say it.
pub const WASM_CODE: &str = "compiled only for WebAssembly (a `cfg` on `target_arch = \"wasm32\"`, `target_family = \"wasm\"` or an alias named for it): its requests are the host's `fetch`, which the browser or runtime bounds";

/// Why the code of a WebAssembly module (`Deps::wasm_module`) is not judged.
pub const WASM_MODULE: &str = "in a WebAssembly module (a `cdylib` depending on `wasm-bindgen` or `worker`, or a browser app depending on `wasm-bindgen` and `web-sys`): its requests are the host's `fetch`, which the browser or runtime bounds";

/// Whether any of `attrs` is a `cfg` that holds only when compiling for WebAssembly.
pub fn is_wasm_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(l) if l.path.is_ident("cfg") => predicate_is_wasm(l.tokens.clone()),
        _ => false,
    })
}

/// Whether a `cfg` predicate (its tokens) holds only for a WebAssembly target:
/// `target_arch = "wasm32"` (or `"wasm64"`), `target_family = "wasm"`, a cfg alias
/// with a `wasm` word in its name (`wasm_browser`), `all(..)` with one such part,
/// `any(..)` whose every part is one.
fn predicate_is_wasm(tokens: TokenStream) -> bool {
    holds_only_where(tokens, &|simple| match simple {
        // A cfg alias a build script sets (`cfg_aliases!`: iroh's `wasm_browser`,
        // `all(target_family = "wasm", target_os = "unknown")`): named for wasm.
        [TokenTree::Ident(alias)] => alias
            .to_string()
            .split('_')
            .any(|w| matches!(w, "wasm" | "wasm32" | "wasm64")),
        [TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(l)]
            if eq.as_char() == '=' =>
        {
            let value = l.to_string();
            (k == "target_arch" && matches!(value.as_str(), "\"wasm32\"" | "\"wasm64\""))
                || (k == "target_family" && value == "\"wasm\"")
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(text: &str) -> Vec<syn::Attribute> {
        let item: syn::ItemFn = syn::parse_str(&format!("{text} fn f() {{}}")).unwrap();
        item.attrs
    }

    #[test]
    fn cfgs_that_hold_only_for_webassembly() {
        for a in [
            "#[cfg(target_arch = \"wasm32\")]",
            "#[cfg(target_arch = \"wasm64\")]",
            "#[cfg(target_family = \"wasm\")]",
            "#[cfg(all(target_arch = \"wasm32\", feature = \"web\"))]",
            "#[cfg(any(target_arch = \"wasm32\", target_family = \"wasm\"))]",
            "#[inline] #[cfg(target_family = \"wasm\")]",
            "#[cfg(wasm_browser)]",
        ] {
            assert!(is_wasm_only(&attrs(a)), "{a}");
        }
        for a in [
            "#[cfg(not(target_arch = \"wasm32\"))]",
            "#[cfg(any(target_arch = \"wasm32\", unix))]",
            "#[cfg(target_arch = \"x86_64\")]",
            "#[cfg(target_os = \"wasi\")]",
            "#[cfg(feature = \"wasm\")]",
            "#[cfg(not(wasm_browser))]",
            "#[cfg(wasmtime)]",
            "#[cfg_attr(target_arch = \"wasm32\", allow(unused))]",
            "#[inline]",
        ] {
            assert!(!is_wasm_only(&attrs(a)), "{a}");
        }
    }
}
