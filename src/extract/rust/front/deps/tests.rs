use super::*;

fn s(p: &str) -> Vec<String> {
    p.split("::").map(str::to_string).collect()
}

#[test]
fn a_library_named_apart_from_its_package_is_the_package_itself() {
    let deps = read_deps(
        "[package]\nname = \"ballista-chaos\"\n[lib]\nname = \"chaos_testing\"\n\
         [dependencies]\nreqwest = \"0.12\"\n",
    )
    .unwrap();
    assert_eq!(deps.lib_name.as_deref(), Some("chaos_testing"));
    assert_eq!(
        deps.names.get("chaos_testing").map(String::as_str),
        Some("crate")
    );
    assert_eq!(
        deps.own_name(),
        Some("ballista_chaos"),
        "the package's name"
    );
    assert!(deps.renames().is_empty());
    let same = read_deps("[package]\nname = \"app\"\n[lib]\nname = \"app\"\n").unwrap();
    assert_eq!(same.lib_name, None);
    assert_eq!(same.own_name(), Some("app"));
}

#[test]
fn renames_map_back_to_their_package() {
    let deps = read_deps(
        "[package]\nname = \"my-app\"\n[dependencies]\nhttp = { package = \"reqwest\" }\n\
         serde = \"1\"\nshared-types = { path = \"../shared\" }\n[target.'cfg(unix)'.dependencies]\nbackoff2 = { package = \"tokio-retry\" }\n\
         [dev-dependencies]\nmockito = \"1\"\n",
    )
    .unwrap();
    assert_eq!(deps.renamed("http"), Some("reqwest"));
    assert!(deps.is_foreign("reqwest"));
    assert!(!deps.is_foreign("crate"), "the package itself");
    assert!(
        !deps.is_foreign("shared_types"),
        "a member of the same workspace"
    );
    assert_eq!(deps.renamed("serde"), None);
    assert_eq!(deps.renamed("my_app"), None, "the package itself");
    assert_eq!(deps.unrename(s("http::Client")), s("reqwest::Client"));
    assert_eq!(deps.unrename(s("crate::http")), s("crate::http"));
    assert_eq!(
        deps.renames(),
        [("backoff2", "tokio_retry"), ("http", "reqwest")]
    );
    assert!(deps.depends_on("tokio_retry"));
    assert!(!deps.depends_on("mockito"), "dev-dependencies are not read");
    assert_eq!((deps.lib_path.as_deref(), deps.bin_paths.len()), (None, 0));
}

#[test]
fn targets_declared_at_paths_of_their_own() {
    let deps = read_deps(
        "[package]\nname = \"kv-client\"\n[lib]\npath = \"lib.rs\"\n\
         [[bin]]\nname = \"kv-cli\"\npath = \"./bin/kv-cli.rs\"\n[[bin]]\nname = \"plain\"\n\
         [[bench]]\nname = \"load\"\npath = \"perf/load.rs\"\nharness = false\n\
         [[test]]\nname = \"it\"\npath = \"checks/it.rs\"\n[[example]]\nname = \"demo\"\n",
    )
    .unwrap();
    assert_eq!(deps.lib_path.as_deref(), Some("lib.rs"));
    assert_eq!(deps.bin_paths, ["bin/kv-cli.rs"]);
    assert_eq!(deps.dev_target_paths, ["checks/it.rs", "perf/load.rs"]);
}

#[test]
fn workspace_members_are_listed_by_glob_less_the_excluded() {
    let m = WorkspaceRoot::read(
        "[workspace]\nmembers = [\"api\", \"crates/*\", \"./tools/\"]\nexclude = [\"crates/legacy\"]\n",
    )
    .and_then(|root| root.membership)
    .unwrap();
    for listed in ["api", "crates/ledger", "tools", ""] {
        assert!(m.lists(Path::new(listed)), "{listed}");
    }
    for left in ["wallet", "crates/legacy", "crates/a/b", "api2"] {
        assert!(!m.lists(Path::new(left)), "{left}");
    }
    let no_members = WorkspaceRoot::read("[workspace]\nresolver = \"2\"\n").unwrap();
    assert!(no_members.membership.is_none());
}

#[test]
fn unpublished_members() {
    let member = |package: &str| {
        let text = format!(
            "[package]\nname = \"x\"\nversion = \"1.0.0\"\n{package}[dependencies]\n\
             reqwest.workspace = true\n"
        );
        read_deps(&text).unwrap().unpublished_member
    };
    assert!(member(""), "no description, no license, in a workspace");
    assert!(member(
        "publish = false\ndescription = \"d\"\nlicense = \"MIT\"\n"
    ));
    assert!(member("publish = []\nlicense.workspace = true\n"));
    assert!(
        !member("description = \"An SDK\"\nlicense.workspace = true\n"),
        "publishable"
    );
    assert!(
        member("license.workspace = true\n"),
        "crates.io asks a description"
    );
    assert!(
        member("description = \"An SDK\"\n"),
        "crates.io asks a license"
    );
    let alone = read_deps("[package]\nname = \"x\"\nversion = \"0.1.0\"\n").unwrap();
    assert!(!alone.unpublished_member, "no sign of a workspace");
    let inherited = read_deps("[package]\nname = \"x\"\nversion.workspace = true\n").unwrap();
    assert!(inherited.unpublished_member);
    let versionless = "[package]\nname = \"x\"\nlicense = \"MIT\"\nedition.workspace = true\n";
    assert!(
        read_deps(versionless).unwrap().unpublished_member,
        "no version: cargo publishes nothing"
    );
}

#[test]
fn members_inherit_publish_and_renamed_dependencies_from_their_root() {
    let text = "[package]\nname = \"x\"\nversion = \"1.0.0\"\nlicense = \"MIT\"\n\
                description = \"d\"\n\
                publish.workspace = true\n";
    let inheriting = read_deps(text).unwrap();
    assert!(inheriting.publish_inherited && !inheriting.unpublished_member);
    let root = |t: &str| WorkspaceRoot::read(t).unwrap();
    let mut member = inheriting.clone();
    member.inherit(&root("[workspace]\n[workspace.package]\npublish = false\n"));
    assert!(member.unpublished_member);
    let mut member = inheriting.clone();
    member.inherit(&root(
        "[workspace]\n[workspace.package]\nversion = \"1.0.0\"\n",
    ));
    assert!(!member.unpublished_member);
    let text = "[package]\nname = \"y\"\nversion.workspace = true\n[dependencies]\n\
                api.workspace = true\n[dev-dependencies]\napi-mock.workspace = true\n";
    let mut renamed = read_deps(text).unwrap();
    renamed.inherit(&root(
        "[workspace]\n[workspace.dependencies]\n\
         api = { package = \"acme-api\", path = \"api\" }\n\
         api-mock = { package = \"acme-api-mock\", path = \"mock\" }\n",
    ));
    assert!(renamed.depends_on("acme_api") && !renamed.depends_on("api"));
    assert_eq!(renamed.local_package("api"), Some("acme_api"));
    assert!(renamed.dev_deps.contains("acme_api_mock"));
}

#[test]
fn host_loaded_libraries() {
    let plugin = read_deps("[package]\nname = \"p\"\n[lib]\ncrate-type = [\"dylib\"]\n");
    assert!(plugin.unwrap().host_loaded);
    let inherited = read_deps("[package]\nname = \"x\"\nversion.workspace = true\n").unwrap();
    assert!(!inherited.host_loaded);
}

#[test]
fn webassembly_modules() {
    let wasm = |text: &str| read_deps(text).unwrap().wasm_module;
    let cdylib = "[package]\nname = \"w\"\n[lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n";
    assert!(wasm(&format!(
        "{cdylib}[dependencies]\nwasm-bindgen = \"0.2\"\n"
    )));
    assert!(wasm(&format!("{cdylib}[dependencies]\nworker = \"0.7\"\n")));
    assert!(wasm(&format!(
        "{cdylib}[dependencies]\nbindgen = {{ package = \"wasm-bindgen\", version = \"0.2\" }}\n"
    )));
    assert!(
        !wasm(&format!(
            "{cdylib}[target.'cfg(target_arch = \"wasm32\")'.dependencies]\nwasm-bindgen = \"0.2\"\n"
        )),
        "built natively too"
    );
    assert!(
        !wasm("[package]\nname = \"w\"\n[dependencies]\nwasm-bindgen = \"0.2\"\n"),
        "no cdylib: a library a native program may link"
    );
    assert!(!wasm(&format!("{cdylib}[dependencies]\npyo3 = \"0.22\"\n")));
    assert!(
        wasm(
            "[package]\nname = \"ui\"\n[dependencies]\nwasm-bindgen = \"0.2\"\nweb-sys = \"0.3\"\n"
        ),
        "the browser's APIs: a browser app, any crate type"
    );
    assert!(
        !wasm("[package]\nname = \"ui\"\n[dependencies]\nwasm-bindgen = \"0.2\"\n[target.'cfg(target_arch = \"wasm32\")'.dependencies]\nweb-sys = \"0.3\"\n"),
        "browser APIs for its wasm build only"
    );
}

#[test]
fn a_dependency_no_registry_holds_keeps_the_package_unpublished() {
    let deps = |extra: &str| {
        let text = format!(
            "[package]\nname = \"x\"\nversion.workspace = true\ndescription = \"d\"\n\
             license = \"MIT\"\n{extra}"
        );
        read_deps(&text).unwrap()
    };
    assert!(!deps("").unpublished_member, "publishable as it is");
    let git = deps("[dependencies]\nproto = { git = \"https://g.example/p\", branch = \"v1\" }\n");
    assert!(
        git.unpublishable && git.unpublished_member,
        "git, no version"
    );
    let path = deps("[target.'cfg(unix)'.build-dependencies]\ngen = { path = \"../gen\" }\n");
    assert!(
        path.unpublished_member,
        "a target's build dependency by path"
    );
    let versioned =
        deps("[dependencies]\nproto = { git = \"https://g.example/p\", version = \"1\" }\n");
    assert!(!versioned.unpublishable, "a version: crates.io resolves it");
    let dev = deps("[dev-dependencies]\nkit = { path = \"../kit\" }\n");
    assert!(
        !dev.unpublishable,
        "publishing drops development dependencies"
    );
    let inherited = deps("[dependencies]\nproto = { workspace = true }\n");
    assert!(
        !inherited.unpublishable,
        "the root decides a workspace dependency"
    );
}

#[test]
fn registry_metadata_says_release_tooling_versions_path_dependencies() {
    let deps = |meta: &str| {
        let text = format!(
            "[package]\nname = \"x\"\nversion = \"0.1.0\"\ndescription = \"d\"\n\
             license = \"MIT\"\n{meta}[dependencies]\ntypes = {{ path = \"../types\" }}\n"
        );
        read_deps(&text).unwrap()
    };
    assert!(deps("").unpublishable, "a path dependency, nothing more");
    assert!(
        !deps("keywords = [\"sdk\"]\n").unpublishable,
        "keywords: made for crates.io"
    );
    assert!(
        !deps("categories.workspace = true\n").unpublishable,
        "inherited categories"
    );
    assert!(deps("keywords = []\n").unpublishable, "no keyword given");
    assert!(
        deps("keywords = [\"sdk\"]\npublish = false\n").unpublishable,
        "publish = false decides"
    );
}

#[test]
fn testing_tools_by_category_or_description() {
    let tool = |package: &str| read_deps(&format!("[package]\nname = \"t\"\n{package}")).unwrap();
    assert!(tool("description = \"A tool for load testing daemons.\"\n").testing_tool);
    assert!(tool("description = \"HTTP Load Generator\"\n").testing_tool);
    assert!(tool("categories = [\"development-tools::testing\"]\n").testing_tool);
    assert!(!tool("categories = [\"development-tools::profiling\"]\n").testing_tool);
    assert!(!tool("description = \"Uploads benchmark results to the dashboard\"\n").testing_tool);
    assert!(!tool("").testing_tool);
}

#[test]
fn workspace_members_are_the_roots_path_dependencies() {
    let text = "[package]\nname = \"svc\"\nversion.workspace = true\n[dependencies]\n\
                common.workspace = true\napi.workspace = true\ntokio.workspace = true\n";
    let mut member = read_deps(text).unwrap();
    member.inherit(
        &WorkspaceRoot::read(
            "[workspace]\n[workspace.dependencies]\ncommon = { path = \"common\" }\n\
             api = { package = \"acme-api\", path = \"api\" }\ntokio = \"1\"\n",
        )
        .unwrap(),
    );
    let mut members: Vec<&str> = member
        .workspace_members
        .iter()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["acme_api", "common"],
        "tokio is pinned, not a member"
    );
}

#[test]
fn requested_versions_and_how_they_compare() {
    let deps = read_deps(
        "[dependencies]\nreqwest = \"0.9\"\nhttp = { package = \"hyper\", version = \"^0.14.2\" }\n\
         local = { path = \"../local\" }\n[target.'cfg(unix)'.dependencies]\nnix = \"~0.26\"\n",
    )
    .unwrap();
    assert_eq!(
        deps.versions.get("reqwest").map(String::as_str),
        Some("0.9")
    );
    assert_eq!(
        deps.versions.get("hyper").map(String::as_str),
        Some("^0.14.2")
    );
    assert_eq!(deps.versions.get("nix").map(String::as_str), Some("~0.26"));
    assert!(!deps.versions.contains_key("local"));
    assert!(version_below("0.9", "0.10"));
    assert!(version_below("^0.8.5", "0.10"));
    assert!(version_below("=0.9.24", "0.10"));
    assert!(version_below(">=0.9, <0.11", "0.10"));
    assert!(!version_below("0.10", "0.10"));
    assert!(!version_below("0.12.4", "0.10"));
    assert!(!version_below("1", "0.10"));
    assert!(!version_below("*", "0.10"), "no version named");
}

#[test]
fn a_member_asks_for_its_workspace_version() {
    let root = WorkspaceRoot::read(
        "[workspace]\n[workspace.dependencies]\nreqwest = { version = \"0.9\" }\n",
    )
    .unwrap();
    let mut deps = read_deps("[dependencies]\nreqwest = { workspace = true }\n").unwrap();
    deps.inherit(&root);
    assert_eq!(
        deps.versions.get("reqwest").map(String::as_str),
        Some("0.9")
    );
}
