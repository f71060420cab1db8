//! Out-of-line test modules (`#[cfg(test)] mod tests;` → `tests.rs`), known before
//! their files are parsed.
//!
//! Which `mod` declarations are test code is decided on the syntax tree of the file
//! that declares them ([`super::front::test_code`]). A cheap scan of each file's text
//! first lists the files that *may* be such modules ([`suspects`]): they are parsed
//! after every other file, and only when the declaring file's syntax tree does not
//! mark them as test code. The scan only orders the work; the decision stays the
//! syntax tree's, so a file the scan misses is parsed and dropped as before.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::front::deps::Deps;

/// How a module declaration names its file for [`module_files`]: the file of its
/// `#[path = "mcp_tests.rs"]` attribute when it has one (agentgateway's `#[cfg(test)]
/// #[path = "mcp_tests.rs"] mod tests;`), else the module's name.
pub(crate) fn module_key(m: &syn::ItemMod) -> String {
    let path = m.attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    });
    path.unwrap_or_else(|| m.ident.to_string())
}

/// Files that hold the out-of-line modules `mods` declared in `path`
/// (`src/lib.rs` + `tests` → `src/tests.rs`, `src/tests/mod.rs`;
/// `src/a.rs` + `tests` → `src/a/tests.rs`, ...). A module named by a `#[path]`
/// attribute ([`module_key`]: a name ending in `.rs`) is that file, relative to the
/// declaring file's folder, as for rustc.
pub(crate) fn module_files(path: &Path, mods: &[String]) -> Vec<PathBuf> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "main" | "lib" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    mods.iter()
        .flat_map(|m| match m.strip_suffix(".rs") {
            Some(_) => vec![dir.join(m)],
            None => vec![base.join(format!("{m}.rs")), base.join(m).join("mod.rs")],
        })
        .collect()
}

/// Whether `path` is one of the test module files `modules` (as [`module_files`]
/// names them) or a file below one: `src/a/b.rs` and `src/a/b/c.rs` are submodules
/// of module `a`, held in `src/a.rs` or `src/a/mod.rs`. A module's submodules are
/// compiled only with it, so under `#[cfg(test)] mod protocols;` every file below
/// `protocols/` is test code too (rustfs's end-to-end suite, whose `protocols/mod.rs`
/// declares its files without a `cfg` of their own).
pub(crate) fn within(path: &Path, modules: &HashSet<PathBuf>) -> bool {
    if modules.is_empty() {
        return false;
    }
    if modules.contains(path) {
        return true;
    }
    path.ancestors().skip(1).any(|dir| {
        let (Some(name), Some(up)) = (dir.file_name(), dir.parent()) else {
            return false;
        };
        let mut own = name.to_os_string();
        own.push(".rs");
        modules.contains(&up.join(own)) || modules.contains(&dir.join("mod.rs"))
    })
}

/// The `.rs` files a test module's body (its text, blanked before the parse) names
/// with `include!("..")` (spacegate's `#[cfg(feature = "test-support")] pub mod
/// test_support { include!("app/test_support.rs"); }`): test code too, named like a
/// `#[path]` module, relative to the including file's folder ([`module_files`]).
pub(crate) fn included(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("include!") {
        rest = &rest[at + "include!".len()..];
        let Some(arg) = rest.trim_start().strip_prefix('(') else {
            continue;
        };
        let Some(quoted) = arg.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = quoted.find('"') {
            let file = &quoted[..end];
            if file.ends_with(".rs") && !file.contains('\\') {
                out.push(file.to_string());
            }
        }
    }
    out
}

/// How far before a `mod name;` the scan looks for the word `test` (its attributes).
const ATTRIBUTE_WINDOW: usize = 256;

/// The names of `mod name;` declarations in `text` with the word `test` in the
/// attributes before them: a superset of the out-of-line test modules the file declares, in
/// practice (comments and strings may add some; the syntax tree decides).
pub(crate) fn declared_test_mods(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // A vectorised search: every `.rs` file's text is scanned, and `str::find` with a
    // `&str` pattern was half a percent of a run (vaultwarden).
    for start in memchr::memmem::find_iter(bytes, b"mod ") {
        let from = start + 4;
        // `mod` as a word: not the tail of an identifier.
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let rest = text[from..].trim_start();
        // A raw identifier (`mod r#match;`) names the module without its `r#`.
        let rest = rest.strip_prefix("r#").unwrap_or(rest);
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if name_len == 0 || !rest[name_len..].trim_start().starts_with(';') {
            continue;
        }
        // The item's attributes: back to the end of the previous item, at most a window.
        let mut window = start.saturating_sub(ATTRIBUTE_WINDOW);
        while !text.is_char_boundary(window) {
            window -= 1;
        }
        let before = &text[window..start];
        let attrs = before
            .rfind([';', '{', '}'])
            .map_or(before, |end| &before[end + 1..]);
        if attrs.contains("test") {
            out.push(rest[..name_len].to_string());
        }
    }
    out
}

/// The paths that may be out-of-line test modules of the files `texts` (path, text).
pub(crate) fn suspects<'a>(texts: impl Iterator<Item = (&'a Path, &'a str)>) -> HashSet<PathBuf> {
    texts
        .flat_map(|(path, text)| module_files(path, &declared_test_mods(text)))
        .collect()
}

/// Packages of the run that are test support: named like one (a `test`, `mock`,
/// `fixture` or `integration` word: `crates_io_test_utils`, `kanidmd_testkit`,
/// `client_api_test`, `linkerd_app_integration`; the package's or its library's
/// name) and depended on by the run's packages only under `[dev-dependencies]`, or by
/// none when it is a library (a workspace member whose library only its own `tests/`
/// drive against the service, `merino-integration-tests`; `has_binary`, per package: a
/// binary nothing depends on, `test-runs`, may be a service about tests, unless a
/// suite word ends its name: [`suite_named`]). A harness
/// that also ships binaries is test support when it cannot be published, has a
/// library (`has_library`) and a test word names it (ballista's `ballista-chaos`, whose
/// library `chaos_testing` starts the cluster from its own binaries): a mock or
/// integration word alone could name a service (`stripe_integration`). Their code
/// runs in tests only, like a `#[cfg(test)]` module's. The name is required too: a
/// published client that the workspace uses only in its tests (garage's `k2v-client`)
/// is code its users run. Users that are test support themselves do not count: a
/// test-named library only test support depends on is test support too. A package
/// that cannot be published and sits in a test
/// folder of the run (`in_test_dir`: lighthouse's `testing/execution_engine_integration`,
/// a binary that drives execution engines in CI) is test support whatever its name,
/// when no package depends on it but for its tests.
pub(crate) fn test_support<'d>(
    packages: impl Iterator<Item = Option<&'d Deps>> + Clone,
    has_binary: &[bool],
    has_library: &[bool],
    in_test_dir: &[bool],
) -> Vec<bool> {
    let all: Vec<Option<&Deps>> = packages.collect();
    let dev_used = |name: &str| all.iter().flatten().any(|d| d.dev_deps.contains(name));
    let names = |d: &'d Deps| d.own_name().into_iter().chain(d.lib_name.as_deref());
    // A package that only test support uses is test support too (hermes'
    // `ibc-test-framework`, a plain dependency of its integration-test harness): each
    // round leaves out the users the round before found, until none is added.
    let mut support = vec![false; all.len()];
    for _ in 0..MAX_SUPPORT_ROUNDS {
        let used = |name: &str| {
            all.iter().zip(&support).any(|(d, &s)| {
                !s && d.is_some_and(|d| {
                    (d.depends_on(name)
                        && d.own_name() != Some(name)
                        && !d.test_feature_deps.contains(name))
                        || d.build_deps.contains(name)
                })
            })
        };
        let next: Vec<bool> = all
            .iter()
            .zip(has_binary.iter().zip(has_library).zip(in_test_dir))
            .map(|(d, ((&binary, &library), &test_dir))| {
                let Some((d, n)) = d.and_then(|d| Some((d, d.own_name()?))) else {
                    return false;
                };
                if test_dir && d.unpublished_member {
                    return !used(n);
                }
                let harness = binary && library && d.unpublished_member;
                let named = |strict: bool| names(d).any(|n| test_named(n, strict));
                let suite = names(d).any(suite_named);
                !used(n)
                    && named(false)
                    && (dev_used(n) || !binary || suite || (harness && named(true)))
            })
            .collect();
        if next == support {
            break;
        }
        support = next;
    }
    support
}

/// At most this many rounds of [`test_support`]: each round adds the packages only the
/// round before's test support uses; chains of test crates are short.
const MAX_SUPPORT_ROUNDS: usize = 4;

/// Per manifest: whether a folder between the run's packages' common folder and the
/// package's own folder is a test folder (a `-`/`_`-separated word starting with
/// `test`, or `e2e`, `itest`: `testing/`, `tests/`, `integration-tests/`), a
/// benchmark's (`bench/`, `benches/`: hive-router's mock subgraphs) or an example's
/// (`plugin_examples/`: demo plugins in a workspace of their own). The
/// package's own folder is left out (its name is judged by [`test_support`]), and so is
/// anything above the common folder: where the run starts does not change the answer
/// for a repository's layout.
pub(crate) fn in_test_dirs<'m>(manifests: impl Iterator<Item = &'m Path> + Clone) -> Vec<bool> {
    let dirs = manifests.map(|m| m.parent().unwrap_or(Path::new("")));
    let common = dirs.clone().reduce(|a, b| {
        a.ancestors()
            .find(|p| b.starts_with(p))
            .unwrap_or(Path::new(""))
    });
    let test_word = |w: &str| {
        w.starts_with("test")
            || matches!(w, "e2e" | "itest" | "itests")
            || matches!(w, "bench" | "benches" | "benchmark" | "benchmarks")
            || matches!(w, "example" | "examples")
    };
    dirs.map(|dir| {
        let below = common.and_then(|c| dir.strip_prefix(c).ok());
        let parents = below.and_then(Path::parent).into_iter();
        parents
            .flat_map(Path::components)
            .filter_map(|c| c.as_os_str().to_str())
            .any(|c| c.split(['-', '_']).any(test_word))
    })
    .collect()
}

/// Whether a file is the root of a binary in `src/bin/` (`src/bin/NAME.rs`,
/// `src/bin/NAME/main.rs`) whose name says it is a load test or a benchmark
/// (live777's `datachannel_loadtest`, `load-gen`, `bench_ingest`): a developer runs
/// it against the program, which never runs it, so it is left out like a test.
pub(crate) fn dev_binary(path: &Path) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    let up = |p: &Path, name: &str| p.file_name().is_some_and(|n| n == name);
    let name = if up(parent, "bin") && parent.parent().is_some_and(|p| up(p, "src")) {
        path.file_stem()
    } else if path.file_name().is_some_and(|n| n == "main.rs")
        && parent
            .parent()
            .is_some_and(|b| up(b, "bin") && b.parent().is_some_and(|p| up(p, "src")))
    {
        parent.file_name()
    } else {
        None
    };
    name.and_then(|n| n.to_str())
        .is_some_and(|n| load_test_named(n) || bench_named(n))
}

/// A benchmark word ([`bench_word`]): a benchmark binary. Not for a package,
/// which may be a service that runs benchmarks (`bench-agent`, which serves).
fn bench_named(name: &str) -> bool {
    name.split(['_', '-']).any(bench_word)
}

/// `bench`, `benches`, `benchmark` or `benchmarks`, in any case.
fn bench_word(word: &str) -> bool {
    ["bench", "benches", "benchmark", "benchmarks"]
        .iter()
        .any(|b| word.eq_ignore_ascii_case(b))
}

/// A name (a binary's, a package's) that says it is a load or stress test: a word
/// `loadtest`, `loadgen`, `loadtester`, `stresstest`, `stresser`, or the pair `load
/// test`, `stress test`, `load gen` (podping.cloud's `stresser` package, live777's
/// `datachannel_loadtest` binary).
fn load_test_named(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(['_', '-']).collect();
    let one = |w: &str| {
        matches!(
            w,
            "loadtest" | "loadtests" | "loadgen" | "loadtester" | "stresstest" | "stresser"
        )
    };
    let pair = |a: &str, b: &str| {
        matches!(
            (a, b),
            ("load" | "stress", "test" | "tests") | ("load", "gen")
        )
    };
    words.iter().any(|w| one(w)) || words.windows(2).any(|w| pair(w[0], w[1]))
}

/// Whether a package is its workspace's `xtask` (`xtask`, `xtask-*`): by the cargo-xtask
/// convention, the build and release automation a developer runs with `cargo xtask`,
/// never deployed, so left out like tests (router's `xtask` polls a demo it started).
/// A testing tool by its manifest ([`Deps::testing_tool`], lading's load generators)
/// or by its name ([`load_test_named`]: podping.cloud's `stresser`) is left out too,
/// and so are a benchmark package ([`bench_package_named`]) and a mock service
/// ([`mock_named`]).
pub(crate) fn dev_tooling(deps: Option<&Deps>) -> bool {
    deps.is_some_and(|d| d.testing_tool)
        || deps.and_then(Deps::own_name).is_some_and(|n| {
            n == "xtask"
                || n.starts_with("xtask_")
                || mock_named(n)
                || load_test_named(n)
                || bench_package_named(n)
        })
}

/// The package's name ends in a benchmark word (`bench`, lite-rpc's benchmark
/// driver; `bigtable-bench`, `etl-benchmarks`): a tool a developer runs to measure
/// the product. A benchmark word before the last (`bench-agent`, which serves) names
/// a service about benchmarks.
fn bench_package_named(name: &str) -> bool {
    name.rsplit(['_', '-']).next().is_some_and(bench_word)
}

/// A word of the package's name is `mock` or `mocks` (freyja's `mock-digital-twin`,
/// `s3_mock`): a stand-in for a real service that development and tests run in its
/// place, whose own calls are no integration of the product (`wiremock`, `mockito`
/// name no such word).
fn mock_named(name: &str) -> bool {
    name.split(['_', '-']).any(|w| w == "mock" || w == "mocks")
}

/// The package's name ends in a suite word (`integration-tests`, `api-e2e`,
/// `itests`) or names a kind of test suite (`payments-smoke-test`, `smoketests`,
/// astarte-message-hub's `e2e-test`, `system-test`): it *is*
/// tests, binary or not (indexer-rs's `integration-tests`, a runner that drives the
/// local test network; connector-service's `hyperswitch-smoke-test`, binaries that
/// poll a server the same make target starts), where a test word elsewhere may name
/// a service about tests (`test-runs`, `tests-dashboard`).
fn suite_named(name: &str) -> bool {
    let mut words = name.rsplit('_');
    let (last, before) = (words.next(), words.next());
    last.is_some_and(|w| matches!(w, "tests" | "e2e" | "itest" | "itests"))
        || matches!(last, Some("smoketest" | "smoketests"))
        || (matches!(
            before,
            Some("smoke" | "e2e" | "integration" | "system" | "acceptance")
        ) && matches!(last, Some("test" | "tests")))
}

/// A `_`-separated word of the package name starts or ends with `test` (`test_utils`,
/// `testkit`, `googletest`), or is a mock, fixture or integration-test word
/// (`linkerd-app-integration`, the proxy's integration-test harness; `itest`, `e2e`).
/// `strict`: a test word only (`test*`, `*test`, `itest`, `e2e`).
fn test_named(name: &str, strict: bool) -> bool {
    name.split('_').any(|w| {
        w.starts_with("test")
            || w.ends_with("test")
            || matches!(w, "itest" | "itests" | "e2e")
            || !strict && matches!(w, "mock" | "mocks" | "fixture" | "fixtures" | "integration")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_a_test_module_includes() {
        let body = "{\n    include!(\"app/test_support.rs\");\n    include!( \"gen.rs\" );\n    include!(concat!(env!(\"OUT_DIR\"), \"/x.rs\"));\n    include_str!(\"data.json\");\n}";
        assert_eq!(included(body), ["app/test_support.rs", "gen.rs"]);
    }

    #[test]
    fn load_test_and_benchmark_binaries_by_name() {
        let dev = |p: &str| dev_binary(Path::new(p));
        assert!(dev("live/src/bin/datachannel_loadtest.rs"));
        assert!(dev("src/bin/load-test/main.rs"));
        assert!(dev("src/bin/bench_ingest.rs"));
        assert!(dev("src/bin/stress_test.rs"));
        assert!(!dev("src/bin/loader.rs"), "no load-test word");
        assert!(!dev("src/bin/benchmarker-api.rs"), "a word, not a prefix");
        assert!(!dev("src/loadtest.rs"), "not a binary's root");
        assert!(!dev("src/bin/load/helper.rs"), "a module of a binary");
    }

    #[test]
    fn benchmark_packages_by_their_last_word() {
        for name in ["bench", "bigtable_bench", "etl_benchmarks", "Query_Benches"] {
            assert!(bench_package_named(name), "{name}");
        }
        for name in [
            "bench_agent",
            "benchrunner_service",
            "bencher",
            "workbench_x",
            "workbench",
        ] {
            assert!(!bench_package_named(name), "{name}");
        }
    }

    #[test]
    fn load_test_packages_by_name() {
        for name in ["stresser", "orders_loadtest", "load_gen", "stress_tests"] {
            assert!(load_test_named(name), "{name}");
        }
        for name in ["stress", "loader", "bench_agent", "bencher_ui", "workload"] {
            assert!(!load_test_named(name), "{name}");
        }
    }

    #[test]
    fn test_folders_below_the_common_folder() {
        let manifests = [
            "repo/node/Cargo.toml",
            "repo/testing/engine-rig/Cargo.toml",
            "repo/crates/integration-tests/harness/Cargo.toml",
            "repo/testing-library/Cargo.toml",
            "repo/crates/latest/Cargo.toml",
            "repo/bench/subgraphs/Cargo.toml",
            "repo/plugin_examples/jwt_cookie/Cargo.toml",
            "repo/crates/benchmark-core/Cargo.toml",
            "repo/crates/examplesque/Cargo.toml",
        ];
        let got = in_test_dirs(manifests.iter().map(Path::new));
        assert_eq!(
            got,
            [false, true, true, false, false, true, true, false, false]
        );
        // Above the common folder nothing counts: a run of `testing/` alone.
        let alone = ["tests/a/x/Cargo.toml", "tests/a/y/Cargo.toml"];
        assert_eq!(in_test_dirs(alone.iter().map(Path::new)), [false, false]);
    }

    #[test]
    fn mock_services_by_a_word_of_their_name() {
        for name in ["mock_digital_twin", "s3_mock", "mocks_server"] {
            assert!(mock_named(name), "{name}");
        }
        for name in ["wiremock", "mockito", "hammock_api", "mocking_bird"] {
            assert!(!mock_named(name), "{name}");
        }
    }

    #[test]
    fn suite_names_end_in_a_suite_word() {
        for name in [
            "integration_tests",
            "api_e2e",
            "itests",
            "orders_integration_tests",
            "hyperswitch_smoke_test",
            "smoketests",
            "e2e_test",
            "hub_integration_test",
        ] {
            assert!(suite_named(name), "{name}");
        }
        for name in [
            "test_runs",
            "tests_dashboard",
            "e2e_reporter",
            "contest",
            "smoke_detector",
            "ab_test",
        ] {
            assert!(!suite_named(name), "{name}");
        }
    }

    #[test]
    fn files_below_a_test_module_belong_to_it() {
        let modules: HashSet<PathBuf> =
            module_files(Path::new("c/src/lib.rs"), &["protocols".to_string()])
                .into_iter()
                .chain(module_files(
                    Path::new("c/src/api.rs"),
                    &["tests".to_string()],
                ))
                .collect();
        for inside in [
            "c/src/protocols/mod.rs",
            "c/src/protocols/webdav.rs",
            "c/src/protocols/sftp/core.rs",
            "c/src/protocols.rs",
            "c/src/api/tests.rs",
            "c/src/api/tests/fixtures.rs",
        ] {
            assert!(within(Path::new(inside), &modules), "{inside}");
        }
        for outside in [
            "c/src/lib.rs",
            "c/src/protocol.rs",
            "c/src/protocols_v2/a.rs",
            "c/src/api.rs",
            "c/src/api/users.rs",
            "c/src/tests/a.rs",
            "d/src/protocols/a.rs",
        ] {
            assert!(!within(Path::new(outside), &modules), "{outside}");
        }
        assert!(!within(Path::new("c/src/protocols/a.rs"), &HashSet::new()));
    }

    #[test]
    fn test_mod_declarations_are_found_with_their_attribute() {
        let text = "#[cfg(test)]\nmod tests;\nmod handlers;\n#[cfg(all(test, feature = \"x\"))]\npub(crate) mod r#it ;\nfn model() {}\n";
        assert_eq!(declared_test_mods(text), ["tests", "it"]);
        assert!(declared_test_mods("mod tests { }\nmod api;\n").is_empty());
    }

    #[test]
    fn a_path_attribute_names_the_module_file() {
        let m: syn::ItemMod =
            syn::parse_str("#[cfg(test)]\n#[path = \"mcp_tests.rs\"]\nmod tests;").unwrap();
        assert_eq!(module_key(&m), "mcp_tests.rs");
        assert_eq!(
            module_files(Path::new("src/mcp/mod.rs"), &[module_key(&m)]),
            [PathBuf::from("src/mcp/mcp_tests.rs")]
        );
        // Relative to the declaring file's folder, whatever the file's name.
        assert_eq!(
            module_files(Path::new("src/a.rs"), &["t/x.rs".to_string()]),
            [PathBuf::from("src/t/x.rs")]
        );
        let plain: syn::ItemMod = syn::parse_str("mod tests;").unwrap();
        assert_eq!(module_key(&plain), "tests");
    }

    #[test]
    fn module_files_follow_the_module_layout() {
        let mods = ["tests".to_string()];
        assert_eq!(
            module_files(Path::new("src/lib.rs"), &mods),
            [
                PathBuf::from("src/tests.rs"),
                PathBuf::from("src/tests/mod.rs")
            ]
        );
        assert_eq!(
            module_files(Path::new("src/a.rs"), &mods),
            [
                PathBuf::from("src/a/tests.rs"),
                PathBuf::from("src/a/tests/mod.rs")
            ]
        );
    }
}
