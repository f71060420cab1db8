//! End to end: the built binary on small Rust trees.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A `resilint.toml` that turns on the Rust rules of the audit tier (opt-in).
const AUDIT_TIER: &str = "[rules]\n\"rust/retry-without-backoff\" = \"warning\"\n\"rust/retry-unbounded\" = \"warning\"\n\"rust/retry-with-constant-delay\" = \"info\"\n\"rust/mutation-without-idempotency-key\" = \"warning\"\n";

fn check_json(dir: &Path) -> (Value, i32) {
    let out = Command::cargo_bin("resilint")
        .unwrap()
        .current_dir(dir)
        .args(["check", ".", "--format", "json", "--threads", "2"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code().unwrap_or(-1))
}

/// A user rule directory declares an in-house wrapper in `apis/`: no Rust change.
#[test]
fn user_catalogue_declares_an_in_house_client() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "resilint.toml", "rule-dirs = [\"my-rules\"]\n");
    write(
        root,
        "my-rules/apis/acme.toml",
        r#"
[[client]]
name = "acme_http::Http"
crate = "acme-http"
constructors = ["acme_http::Http::new"]
timeout = ["deadline"]
request-methods = ["call"]
"#,
    );
    write(
        root,
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\nacme-http = { path = \"../acme\" }\naxum = \"0.7\"\n",
    );
    write(
        root,
        "svc/src/main.rs",
        r#"use acme_http::Http;
use std::time::Duration;

fn main() {
    let slow = Http::new("http://ledger:8080");
    let fast = Http::new("http://rates:8080").deadline(Duration::from_secs(2));
    slow.call("/entries");
    fast.call("/today");
}
"#,
    );
    let (json, code) = check_json(root);
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "timeout")
        .collect();
    assert_eq!(findings.len(), 1, "{json:#}");
    let f = &findings[0];
    assert_eq!(f["rule"], "rust/http-client-without-timeout");
    assert_eq!(f["path"], "svc/src/main.rs");
    assert_eq!(f["line"], 5);
    assert_eq!(f["column"], 16);
    assert_eq!(f["target"], "http://ledger:8080");
    assert_eq!(json["coverage"]["timeout"]["covered"], 1);
    assert_eq!(json["coverage"]["timeout"]["total"], 2);
    assert_eq!(code, 1);
}

/// `apis/retries/` and `apis/routes/` of a user rule directory extend the retry and
/// routes catalogues (the folder picks the format, whatever the file's name).
#[test]
fn user_catalogue_extends_retry_and_routes() {
    user_catalogue_extends(
        "my-rules/apis/retries/acme.toml",
        "my-rules/apis/routes/acme.toml",
    );
}

/// The older layout still works: `apis/retry*.toml` and `apis/routes*.toml` (the file
/// name picks the format outside the format folders).
#[test]
fn user_catalogue_extends_retry_and_routes_by_file_name() {
    user_catalogue_extends(
        "my-rules/apis/retry-acme.toml",
        "my-rules/apis/routes-acme.toml",
    );
}

fn user_catalogue_extends(retry_file: &str, routes_file: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The strategy is bounded (its crate's default): its fixed delay goes to the opt-in
    // rule for limited retries, turned on here with the (opt-in) idempotency rule.
    write(
        root,
        "resilint.toml",
        "rule-dirs = [\"my-rules\"]\n\n[rules]\n\"rust/limited-retry-with-constant-delay\" = \"info\"\n\"rust/mutation-without-idempotency-key\" = \"warning\"\n",
    );
    write(
        root,
        retry_file,
        r#"
[[crate]]
name = "acme-retry"
run = ["acme_retry::run"]
bounded-by-default = true

[[crate.strategy]]
path = "acme_retry::Fixed"
delay = "constant"
"#,
    );
    write(
        root,
        routes_file,
        "[evidence]\nlayers = [\"AcmeDedupLayer\"]\n",
    );
    write(
        root,
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.8\"\nacme-retry = { path = \"../acme\" }\n",
    );
    write(
        root,
        "svc/src/main.rs",
        r#"use acme_retry::Fixed;
use axum::routing::post;
use axum::Router;

async fn create() { db::insert_order(uuid::Uuid::new_v4()).await }
async fn refund() { db::insert_refund(uuid::Uuid::new_v4()).await }

fn app() -> Router {
    Router::new()
        .route("/orders", post(create))
        .layer(AcmeDedupLayer::new())
        .route("/refunds", post(refund))
}

async fn sync() {
    acme_retry::run(Fixed::millis(100), || async { Ok::<_, ()>(()) }).await;
}
"#,
    );
    let (json, _) = check_json(root);
    let rules: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("rust/mutation-without-idempotency-key".to_string(), 12),
            ("rust/limited-retry-with-constant-delay".to_string(), 16),
        ],
        "{json:#}"
    );
    assert_eq!(json["coverage"]["idempotency"]["covered"], 1);
    assert_eq!(json["coverage"]["idempotency"]["total"], 2);
}

/// A catalogue file in the wrong format is a usage error naming the file.
#[test]
fn bad_catalogue_file_is_a_usage_error() {
    for (name, text) in [
        ("retry.toml", "[[client]]\nname = \"x\"\ncrate = \"x\"\n"),
        ("routes-acme.toml", "[evidence]\nlayer = [\"X\"]\n"),
        ("acme.toml", "sleep-functions = [\"acme::pause\"]\n"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "resilint.toml", "rule-dirs = [\"my-rules\"]\n");
        write(root, &format!("my-rules/apis/{name}"), text);
        write(root, "src/main.rs", "fn main() {}\n");
        let out = Command::cargo_bin("resilint")
            .unwrap()
            .current_dir(root)
            .args(["check", "."])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&format!("apis/{name}")), "{name}: {stderr}");
    }
}

/// syn overflows its stack on 100k nested parentheses (an abort, not a panic):
/// the pre-scan refuses the file and the run goes on.
#[test]
fn deeply_nested_file_is_refused_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let deep = format!(
        "fn main() {{\n    let x = {}1{};\n}}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    write(root, "src/deep.rs", deep);
    write(
        root,
        "src/ok.rs",
        "fn f() -> reqwest::Client { reqwest::Client::new() }\n",
    );
    let (json, _) = check_json(root);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{json:#}");
    assert_eq!(errors[0]["kind"], "limit");
    assert_eq!(errors[0]["path"], "src/deep.rs");
    assert_eq!(errors[0]["line"], 2);
    let timeout_findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "timeout")
        .count();
    assert_eq!(timeout_findings, 1);
}

#[test]
fn unparseable_and_non_utf8_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/broken.rs", "fn main() {\n    let x = ;\n}\n");
    write(root, "src/latin1.rs", b"// caf\xe9\nfn main() {}\n");
    write(root, "src/ok.rs", "fn main() {}\n");
    let (json, code) = check_json(root);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{json:#}");
    assert_eq!(errors[0]["path"], "src/broken.rs");
    assert_eq!(errors[0]["kind"], "parse");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[1]["path"], "src/latin1.rs");
    assert_eq!(code, 0);
}

/// Other pathological shapes that recurse in parsers or in `Drop`: long method
/// chains, long binary chains, prefix-operator runs.
#[test]
fn pathological_shapes_do_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "src/chain.rs",
        format!("fn f() {{ let _ = x{}; }}\n", ".g()".repeat(50_000)),
    );
    write(
        root,
        "src/binary.rs",
        format!("fn f() {{ let _ = 1{}; }}\n", " + 1".repeat(50_000)),
    );
    write(
        root,
        "src/prefix.rs",
        format!("fn f() {{ let _ = {}x; }}\n", "!".repeat(50_000)),
    );
    write(
        root,
        "src/assign.rs",
        format!("fn f() {{ let _ = x{}; }}\n", " = x".repeat(10_000)),
    );
    write(
        root,
        "src/closures.rs",
        format!("fn f() {{ let _ = {}1; }}\n", "|x| ".repeat(10_000)),
    );
    let (json, _) = check_json(root);
    let errors = json["errors"].as_array().unwrap();
    for file in ["chain", "binary", "prefix", "assign", "closures"] {
        let path = format!("src/{file}.rs");
        assert!(
            errors
                .iter()
                .any(|e| e["path"] == path.as_str() && e["kind"] == "limit"),
            "{path} not refused: {json:#}"
        );
    }
}

/// A shebang line must not shift positions; columns count characters.
#[test]
fn positions_survive_shebang_and_multibyte_text() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "src/main.rs",
        "#!/usr/bin/env run-cargo-script\n// héllo wörld\nfn main() { let s = \"é\"; let c = reqwest::Client::new(); }\n",
    );
    let (json, _) = check_json(root);
    let f = &json["findings"][0];
    assert_eq!(f["line"], 3, "{json:#}");
    assert_eq!(f["column"], 34);
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust");
    let run = |threads: &str| {
        Command::cargo_bin("resilint")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "check",
                "fixtures/rust",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert!(fixtures.is_dir());
    assert_eq!(run("1"), run("2"));
}

/// The three analyses share one test mask: code under `#[cfg(all(test, ..))]` or in
/// an `#[rstest]` function is test code for clients and retries too, not only for
/// routes (they disagreed before). The same code under `#[cfg(not(test))]` is judged.
#[test]
fn test_code_is_the_same_for_clients_retries_and_routes() {
    // The same functions: a client, a retry loop and a POST route.
    let body = |name: &str, attr: &str| {
        format!(
            "    {attr}pub async fn {name}() -> bool {{\n        \
             let client = reqwest::Client::new();\n        \
             for _ in 0..3 {{\n            \
             if let Ok(_) = client.get(\"http://svc\").send().await {{ return true; }}\n        \
             }}\n        false\n    }}\n    \
             {attr}async fn create_{name}() {{ db::insert_{name}(uuid::Uuid::new_v4()).await }}\n    \
             {attr}pub fn app_{name}() -> axum::Router {{\n        \
             axum::Router::new().route(\"/x\", axum::routing::post(create_{name}))\n    }}\n"
        )
    };
    let prod = format!("#[cfg(not(test))]\nmod prod {{\n{}}}\n", body("prod", ""));
    let boundary = prod.lines().count();
    let text = format!(
        "{prod}#[cfg(all(test, feature = \"it\"))]\nmod it {{\n{}}}\nmod cases {{\n{}}}\n",
        body("it", ""),
        body("case", "#[rstest::rstest]\n    ")
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\nreqwest = \"0.12\"\naxum = \"0.8\"\nrstest = \"0.23\"\n",
    );
    // The retry and idempotency rules are opt-in (the audit tier): turned on here.
    write(root, "resilint.toml", AUDIT_TIER);
    write(root, "src/main.rs", &text);
    let (json, _) = check_json(root);
    let findings = json["findings"].as_array().unwrap();
    let rules: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "rust/http-client-without-timeout",
        "rust/retry-without-backoff",
        "rust/mutation-without-idempotency-key",
    ] {
        assert!(
            rules.contains(rule),
            "{rule} not found in production code: {json:#}"
        );
    }
    for f in findings {
        let line = f["line"].as_u64().unwrap() as usize;
        assert!(line <= boundary, "test code reported: {f}\n{text}");
    }
}

/// A dependency renamed in `Cargo.toml` is followed for every catalogued crate: the
/// retry catalogue's `tokio-retry` too, not only the clients' reqwest.
#[test]
fn cargo_renames_are_followed_for_retry_crates() {
    for (dep, krate) in [
        ("tokio-retry = \"0.3\"", "tokio_retry"),
        (
            "again = { package = \"tokio-retry\", version = \"0.3\" }",
            "again",
        ),
        // A name no catalogued crate has: found through the rename alone.
        (
            "retry3 = { package = \"tokio-retry\", version = \"0.3\" }",
            "retry3",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            format!("[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\n{dep}\n"),
        );
        write(root, "resilint.toml", AUDIT_TIER);
        write(
            root,
            "src/main.rs",
            format!(
                "use {krate}::strategy::FixedInterval;\n\n\
                 async fn op() -> Result<(), ()> {{ Ok(()) }}\n\n\
                 pub async fn sync() {{\n    \
                 let _ = {krate}::Retry::spawn(FixedInterval::from_millis(10), op).await;\n}}\n"
            ),
        );
        let (json, _) = check_json(root);
        let rules: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        // Endless (no `.take(n)`): both its fixed delay and its missing limit are found.
        assert_eq!(
            rules,
            ["rust/retry-unbounded", "rust/retry-with-constant-delay"],
            "{dep}: {json:#}"
        );
    }
}

/// The timeout rule weighs evidence kinds, not a verdict: a user copy that drops
/// `configurable` from the accepted kinds reports a client whose timeout is set only
/// when configuration gives one, which the built-in rule accepts.
#[test]
fn a_user_rule_can_refuse_a_configurable_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "resilint.toml", "rule-dirs = [\"my-rules\"]\n");
    let builtin = include_str!("../rules/rust/http-client-without-timeout.toml");
    let strict = builtin
        .replace(
            "id = \"rust/http-client-without-timeout\"",
            "id = \"strict/client-timeout\"",
        )
        .replace("\"configurable\", ", "");
    assert_ne!(
        strict.matches("configurable\"").count(),
        builtin.matches("configurable\"").count()
    );
    write(root, "my-rules/strict/client-timeout.toml", strict);
    write(
        root,
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\naxum = \"0.7\"\nreqwest = \"0.12\"\n",
    );
    write(
        root,
        "svc/src/main.rs",
        r#"use std::time::Duration;

pub async fn hook(timeout: Option<Duration>) -> reqwest::Result<()> {
    let mut b = reqwest::Client::builder();
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    b.build()?.post("https://hooks.example.com/").send().await?;
    Ok(())
}
"#,
    );
    let (json, _) = check_json(root);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "timeout")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["strict/client-timeout"], "{json:#}");
}
