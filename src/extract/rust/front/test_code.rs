//! The one idea of test code shared by the client, retry and route analyses: an
//! item is test-only when an attribute says so. Before this module each analysis
//! had its own, and they disagreed (`#[cfg(all(test, feature = "x"))]` and
//! `#[rstest]` were skipped by routes but reported by clients and retries).
//!
//! "Test code" here means code a release build does not contain: tests, and helpers
//! compiled only with debug assertions on (`#[cfg(debug_assertions)]`, which cargo
//! sets for the `dev` and `test` profiles and not for `release`). A service ships its
//! release build, so what only a debug build holds (a helper that builds an error for
//! tests, a debug-only endpoint) is no production call, route or retry.
//!
//! Test-only: `#[test]` and any `#[<path>::test]` (`tokio::test`, `actix_web::test`,
//! `sqlx::test`), `#[rstest]`, and `#[cfg(P)]` where `P` can only hold under test or
//! in a debug build: `test`, `debug_assertions`, `all(.., test, ..)`, `any(..)` whose
//! every branch is test-only (`any(test, debug_assertions)`), and a test-support
//! feature (`feature = "test-harness"`, `"test-utils"`: see [`test_feature`]; beside
//! `test` in an `any(..)`, a one-word one too: `any(test, feature = "testing")`), and
//! a feature named for mocks alone (`feature = "mock"`). Not test-only:
//! `cfg(not(test))`, `cfg(not(debug_assertions))`, `cfg(any(test, feature = "x"))`,
//! `cfg(feature = "testing")`.
//! Known limit: a package whose release profile turns debug assertions on
//! (`[profile.release] debug-assertions = true`, rare) ships such code; it is skipped
//! all the same.

use proc_macro2::{TokenStream, TokenTree};

/// Whether any of `attrs` marks the item as test-only code.
pub fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(is_test_attr)
}

/// Whether a module is test code: an attribute says so, or its name does
/// ([`test_module_name`]).
pub fn is_test_mod(m: &syn::ItemMod) -> bool {
    is_test(&m.attrs) || super::ident::with_ident_str(&m.ident, test_module_name)
}

/// A module named for test support (`test_helpers`, `test_utils`, `testing`,
/// `testkit`, `e2e`): its code serves tests whatever its attributes say (agentgateway's
/// `pub mod test_helpers;`, mock servers and their clients, compiled into the library
/// so that its other crates' tests can use them). A `_`-separated word of the name is
/// one of those test words; `testnet`, `latest` and `contest` are not.
pub fn test_module_name(name: &str) -> bool {
    name.split('_').any(|w| {
        matches!(
            w,
            "test"
                | "tests"
                | "testing"
                | "testutil"
                | "testutils"
                | "testkit"
                | "testlib"
                | "testhelpers"
                | "testsupport"
                | "e2e"
                | "itest"
                | "itests"
        )
    })
}

/// Whether a function is left out of the analyses: test-only by an attribute, or
/// marked unused by its authors (`#[allow(dead_code)]`: the compiler found no caller
/// in some build, and the authors said so; text-generation-inference's TCP `connect`
/// beside the Unix socket one every backend uses). Functions only: on a module, a
/// type or an `impl` the attribute silences warnings for some of its items, not all.
/// A function named for tests ([`test_fn_name`]) is left out too; the analyses ask
/// that where they hold the name as text already (it is asked of every function).
pub fn is_skipped_fn(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| is_test_attr(a) || allows_dead_code(a))
}

/// A function named for tests: `for_test`, `for_tests` or `for_testing` ends its name
/// or comes before `with` or `only` (jira-cli's `JiraClient::new_for_test_with_profile`,
/// kept out of `#[cfg(test)]` so that the integration tests under `tests/`, which the
/// run skips, can build a client against their mock server). `wait_for_test_results`
/// is no such name.
pub fn test_fn_name(name: &str) -> bool {
    // Most names are turned away without splitting.
    if memchr::memmem::find(name.as_bytes(), b"for_test").is_none() {
        return false;
    }
    let words: Vec<&str> = name.split('_').collect();
    words.windows(2).enumerate().any(|(i, w)| {
        let next = words.get(i + 2).copied();
        w[0] == "for"
            && matches!(w[1], "test" | "tests" | "testing")
            && matches!(next, None | Some("with" | "only"))
    })
}

/// Attributes that leave a function called by name, as written: documentation, lint
/// levels, `cfg`, inlining and tracing hints.
const PLAIN_ATTRS: &[&str] = &[
    "doc",
    "allow",
    "warn",
    "deny",
    "expect",
    "forbid",
    "cfg",
    "inline",
    "cold",
    "must_use",
    "deprecated",
    "track_caller",
    "instrument",
];

/// Whether a function may run without any call naming it: it carries an attribute
/// other than [`PLAIN_ATTRS`] (a route handler's `#[get("/")]`, `#[launch]`,
/// `#[no_mangle]`, `#[wasm_bindgen]`, a `#[shuttle_runtime::main]` entry point) or a
/// foreign ABI (`extern "C"`). Used to tell dead code: a function whose name appears
/// nowhere else is dead only when nothing but a call by name can run it.
pub fn called_by_host(attrs: &[syn::Attribute], sig: &syn::Signature) -> bool {
    sig.abi.is_some()
        || attrs.iter().any(|a| {
            let path = a.path();
            let last = path.segments.last().map(|s| s.ident.to_string());
            let lint_tool = path.segments.len() > 1
                && (path.segments[0].ident == "clippy" || path.segments[0].ident == "rustfmt");
            !lint_tool && !last.is_some_and(|l| PLAIN_ATTRS.contains(&l.as_str()))
        })
}

/// Whether a struct field's attributes say nothing reads it: `#[allow(dead_code)]`,
/// or `#[expect(dead_code)]`, which the compiler holds to (a read of the field makes
/// the expectation fail).
pub fn unread_field(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        (l.path.is_ident("allow") || l.path.is_ident("expect"))
            && (l.tokens.clone().into_iter())
                .any(|t| matches!(&t, TokenTree::Ident(i) if i == "dead_code"))
    })
}

/// Whether the attribute is `#[allow(.., dead_code, ..)]`.
fn allows_dead_code(attr: &syn::Attribute) -> bool {
    let syn::Meta::List(l) = &attr.meta else {
        return false;
    };
    l.path.is_ident("allow")
        && l.tokens
            .clone()
            .into_iter()
            .any(|t| matches!(&t, TokenTree::Ident(i) if i == "dead_code"))
}

/// Whether one attribute marks its item as test-only code.
pub fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    if path.is_ident("cfg") {
        return match &attr.meta {
            syn::Meta::List(l) => predicate_is_test(l.tokens.clone()),
            _ => false,
        };
    }
    path.segments
        .last()
        .is_some_and(|s| s.ident == "test" || s.ident == "rstest")
}

/// Whether a `cfg` predicate (its tokens) holds only under `cfg(test)` or in a debug
/// build (`cfg(debug_assertions)`).
fn predicate_is_test(tokens: TokenStream) -> bool {
    holds_only_where(tokens.clone(), &|simple| is_test_part(simple, false))
        || test_or_its_feature(tokens)
}

/// Whether a simple `cfg` part holds only for tests: `test`, `debug_assertions`, a
/// test-support feature ([`test_feature`]; with `lone`, a one-word one too).
fn is_test_part(simple: &[TokenTree], lone: bool) -> bool {
    match simple {
        [TokenTree::Ident(i)] => i == "test" || i == "debug_assertions",
        [TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(l)]
            if k == "feature" && eq.as_char() == '=' =>
        {
            let l = l.to_string();
            test_feature(&l) || mock_feature(&l) || (lone && lone_test_feature(&l))
        }
        _ => false,
    }
}

/// `any(test, feature = "testing")`: the package's tests, and other packages' tests
/// that switch its test feature on (greptimedb's axum `TestClient`). Beside a `test`
/// part, a one-word feature naming tests (`test`, `testing`, `mocks`) is that
/// feature; alone it stays judged ([`test_feature`]).
fn test_or_its_feature(tokens: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let [TokenTree::Ident(op), TokenTree::Group(g)] = tokens.as_slice() else {
        return false;
    };
    if op != "any" {
        return false;
    }
    let parts: Vec<TokenStream> = split_commas(g.stream()).collect();
    let bare_test = |p: &TokenStream| {
        let mut t = p.clone().into_iter();
        matches!((t.next(), t.next()), (Some(TokenTree::Ident(i)), None) if i == "test")
    };
    parts.iter().any(bare_test)
        && parts
            .into_iter()
            .all(|p| holds_only_where(p, &|simple| is_test_part(simple, true)))
}

/// A one-word feature that names tests: `test`, `tests`, `testing` (a lone `mock` is
/// test code wherever it stands: [`mock_feature`]).
fn lone_test_feature(literal: &str) -> bool {
    matches!(literal.trim_matches('"'), "test" | "tests" | "testing")
}

/// A feature named for mocks alone (`mock`, `mocks`): it swaps the program's
/// integrations for stand-ins its tests drive (paru's `#[cfg(feature = "mock")] mod
/// mock;`, switched on by `cargo test --features mock`), never the shipped build's.
/// Unlike a lone `test` or `testing`, it names no staging build.
fn mock_feature(literal: &str) -> bool {
    matches!(literal.trim_matches('"'), "mock" | "mocks")
}

/// Whether a `cfg` predicate (its tokens) can hold only where `simple` says one of its
/// simple parts (a name, `key = "value"`) holds: `all(..)` when any part can,
/// `any(..)` when every part can; `not(..)` and anything else never. Shared by the
/// test-code mask and [`super::target`]'s WebAssembly-only code.
pub(crate) fn holds_only_where(tokens: TokenStream, simple: &dyn Fn(&[TokenTree]) -> bool) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(op), TokenTree::Group(g)] => {
            let mut parts = split_commas(g.stream());
            match op.to_string().as_str() {
                "all" => parts.any(|p| holds_only_where(p, simple)),
                "any" => {
                    let parts: Vec<TokenStream> = parts.collect();
                    !parts.is_empty() && parts.into_iter().all(|p| holds_only_where(p, simple))
                }
                _ => false,
            }
        }
        other => simple(other),
    }
}

/// Whether a feature's name (its literal, quoted) names test support: two words or
/// more, one a `test` word (`test-harness`, `test-utils`, `test_util`,
/// `integration-tests`) or a mock word (`mocks`). Such a feature compiles helpers that
/// tests enable (`helium-iceberg = { .., features = ["test-harness"] }`), even when it is
/// on by default. A lone `test` or `testing` may switch on a staging build's own
/// endpoints: it stays judged.
fn test_feature(literal: &str) -> bool {
    let name = literal.trim_matches('"');
    let words: Vec<&str> = name.split(['-', '_']).collect();
    words.len() > 1
        && words
            .iter()
            .any(|w| w.starts_with("test") || matches!(*w, "mock" | "mocks"))
}

/// The comma-separated predicates of an `all(..)`/`any(..)` list.
fn split_commas(tokens: TokenStream) -> impl Iterator<Item = TokenStream> {
    let mut parts = Vec::new();
    let mut current = Vec::new();
    for t in tokens {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(std::mem::take(&mut current)),
            _ => current.push(t),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(text: &str) -> syn::Attribute {
        let item: syn::ItemFn = syn::parse_str(&format!("{text} fn f() {{}}")).unwrap();
        item.attrs.into_iter().next().unwrap()
    }

    #[test]
    fn modules_named_for_tests_are_test_code() {
        let m = |text: &str| -> syn::ItemMod { syn::parse_str(text).unwrap() };
        for t in [
            "pub mod test_helpers;",
            "mod testing { }",
            "pub mod test_utils;",
            "mod e2e;",
            "mod api_testkit;",
            "#[cfg(test)] mod handlers;",
        ] {
            assert!(is_test_mod(&m(t)), "{t}");
        }
        for t in [
            "pub mod testnet;",
            "mod latest;",
            "mod contest;",
            "mod attestation;",
            "mod proxymock;",
        ] {
            assert!(!is_test_mod(&m(t)), "{t}");
        }
    }

    #[test]
    fn functions_marked_unused_are_skipped() {
        let skipped = |text: &str| {
            let f: syn::ItemFn = syn::parse_str(text).unwrap();
            is_skipped_fn(&f.attrs)
        };
        assert!(skipped("#[allow(dead_code)] fn f() {}"));
        assert!(skipped("#[allow(unused, dead_code)] fn f() {}"));
        assert!(skipped("#[test] fn f() {}"));
        assert!(!skipped("#[allow(unused_variables)] fn f() {}"));
        assert!(!skipped("#[inline] fn f() {}"));
        assert!(!skipped("#[expect(dead_code)] fn f() {}"));
    }

    #[test]
    fn fields_marked_unread() {
        let unread = |text: &str| {
            let s: syn::ItemStruct = syn::parse_str(text).unwrap();
            let f = s.fields.iter().next().unwrap();
            unread_field(&f.attrs)
        };
        assert!(unread("struct S { #[expect(dead_code)] c: Client }"));
        assert!(unread(
            "struct S { #[expect(dead_code, reason = \"later\")] c: Client }"
        ));
        assert!(unread("struct S { #[allow(unused, dead_code)] c: Client }"));
        assert!(!unread("struct S { #[allow(unused_variables)] c: Client }"));
        assert!(!unread("struct S { #[serde(skip)] c: Client }"));
    }

    #[test]
    fn functions_named_for_tests_are_skipped() {
        for name in [
            "new_for_test",
            "new_for_test_with_profile",
            "client_for_tests",
            "for_testing",
            "build_for_testing_only",
        ] {
            assert!(test_fn_name(name), "{name}");
        }
        for name in [
            "wait_for_test_results",
            "test_connection",
            "run_tests",
            "for_testnet",
            "new",
        ] {
            assert!(!test_fn_name(name), "{name}");
        }
    }

    #[test]
    fn test_attributes_and_cfgs_that_only_hold_under_test() {
        for a in [
            "#[test]",
            "#[tokio::test]",
            "#[actix_web::test]",
            "#[rstest]",
            "#[cfg(test)]",
            "#[cfg(all(test, feature = \"x\"))]",
            "#[cfg(all(unix, any(test, all(test, debug_assertions))))]",
            "#[cfg(debug_assertions)]",
            "#[cfg(any(test, debug_assertions))]",
            "#[cfg(all(debug_assertions, feature = \"x\"))]",
            "#[cfg(feature = \"test-harness\")]",
            "#[cfg(feature = \"test_util\")]",
            "#[cfg(any(test, feature = \"test-utils\"))]",
            "#[cfg(any(test, feature = \"testing\"))]",
            "#[cfg(any(feature = \"mocks\", test, debug_assertions))]",
            "#[cfg(feature = \"integration-tests\")]",
            "#[cfg(feature = \"mock\")]",
            "#[cfg(all(unix, feature = \"mocks\"))]",
        ] {
            assert!(is_test_attr(&attr(a)), "{a}");
        }
        for a in [
            "#[cfg(not(test))]",
            "#[cfg(not(debug_assertions))]",
            "#[cfg(any(debug_assertions, feature = \"x\"))]",
            "#[cfg(any(test, feature = \"x\"))]",
            "#[cfg(feature = \"test\")]",
            "#[cfg(feature = \"testing\")]",
            "#[cfg(any(feature = \"testing\", debug_assertions))]",
            "#[cfg(any(test, feature = \"testing\", feature = \"x\"))]",
            "#[cfg(feature = \"latest\")]",
            "#[cfg(feature = \"contest-mode\")]",
            "#[cfg(not(feature = \"mock\"))]",
            "#[cfg(feature = \"mockall\")]",
            "#[cfg(unix)]",
            "#[inline]",
            "#[tested]",
        ] {
            assert!(!is_test_attr(&attr(a)), "{a}");
        }
    }
}
