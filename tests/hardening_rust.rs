//! Hostile Rust inputs (issue 11, rows 1 and 18): files nested past the pre-scan's
//! limits end as one `limit` error naming the limit, the run finishes, and the other
//! files' findings are intact. Files just below the limits are parsed, walked and
//! dropped without overflowing a worker's stack. Inputs are generated at full size.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// A file with one finding of its own, to show the rest of the tree is still linted.
const CLIENT: &str = "pub async fn fetch(url: &str) -> reqwest::Result<String> {\n    \
    let client = reqwest::Client::new();\n    \
    client.get(url).send().await?.text().await\n}\n";

fn run(dir: &Path) -> Value {
    std::fs::write(dir.join("client.rs"), CLIENT).unwrap();
    let out = Command::cargo_bin("resilint")
        .unwrap()
        .current_dir(dir)
        .args(["check", ".", "--format", "json", "--threads", "2"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("complete JSON output")
}

fn client_findings(json: &Value) -> usize {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "client.rs")
        .count()
}

/// Runs on `text` as `hostile.rs` beside a client file; returns the errors.
fn errors_for(text: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hostile.rs"), text).unwrap();
    let json = run(dir.path());
    assert!(client_findings(&json) > 0, "other findings lost: {json}");
    assert_eq!(json["files_scanned"], 2);
    json["errors"].as_array().unwrap().clone()
}

fn assert_limit(text: &str, words: &str) {
    let errors = errors_for(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["kind"], "limit");
    assert_eq!(e["path"], "hostile.rs");
    assert!(e["line"].is_u64(), "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(words), "{message}");
}

#[test]
fn closure_chain_17000_deep_is_a_limit_error() {
    let text = format!("fn f() {{ let _ = {}0; }}\n", "|a,b| ".repeat(17_000));
    assert!(text.len() > 85_000);
    assert_limit(&text, "closures nested deeper than 256 levels");
}

#[test]
fn unclosed_generics_8900_deep_are_a_limit_error() {
    let text = format!("type T = {}\n", "A<u, ".repeat(8_900));
    assert!(text.len() > 35_000);
    assert_limit(&text, "generic arguments nested deeper than 256 levels");
}

#[test]
fn a_chain_limit_names_the_chain_not_the_nesting() {
    let text = format!("fn f() {{ x{}; }}\n", ".f()".repeat(1_500));
    assert_limit(&text, "chain longer than 4000 tokens");
    let deep = format!("fn f() {{ {}x{} }}\n", "(".repeat(300), ")".repeat(300));
    assert_limit(&deep, "brackets nested deeper than 256 levels");
    let prefix = format!("fn f() {{ let _ = {}x; }}\n", "!".repeat(300));
    assert_limit(&prefix, "prefix operators");
}

/// Just below each limit the file is parsed, walked by every analysis and dropped:
/// no overflow, no error.
#[test]
fn inputs_just_below_the_limits_are_linted() {
    let below = [
        format!("fn f() {{ let _ = {}0; }}\n", "|a,b| ".repeat(250)),
        format!("fn f() {{ let _ = {}0; }}\n", "move || ".repeat(250)),
        format!("type T = {}u{};\n", "A<u, ".repeat(250), ">".repeat(250)),
        format!("fn f() {{ g({}x{}); }}\n", "(".repeat(250), ")".repeat(250)),
        format!("fn f() {{ let _ = {}x; }}\n", "!".repeat(250)),
        format!("fn f() {{ let _ = {}x; }}\n", "&".repeat(250)),
        format!("fn f() {{ x{}; }}\n", ".f()".repeat(990)),
        format!("fn f() {{ x{}; }}\n", "?".repeat(3_990)),
        format!("fn f() {{ x{}; }}\n", " = x".repeat(1_990)),
        format!("fn f() {{ x{}; }}\n", " + x".repeat(1_990)),
        format!("fn f() {{ x{}; }}\n", " as u8".repeat(1_990)),
        format!("fn f() {{ {}{{}} }}\n", "if a {} else ".repeat(790)),
        format!("fn f() {{ {}x; }}\n", "return ".repeat(3_990)),
        format!(
            "async fn f() {{ loop {{ {}reqwest::get(u).await; }} }}\n",
            "{ ".repeat(120)
        ) + &"}".repeat(120),
    ];
    for text in below {
        let errors = errors_for(&text);
        assert!(errors.is_empty(), "{errors:?} for {}", &text[..60]);
    }
}

/// `fn f() { a; a; ... }` with `tokens` tokens in all (each `a;` is two).
fn statements(tokens: usize) -> String {
    format!("fn f() {{ {} }}\n", "a; ".repeat((tokens - 6) / 2))
}

#[test]
fn row17_a_file_past_the_default_max_tokens_is_a_limit_error_naming_the_setting() {
    // 200,002 tokens: one past the default (`syn` would take ~170 MB on it).
    assert_limit(&statements(200_002), "over `[rust] max-tokens`");
}

#[test]
fn row17_max_tokens_is_set_under_rust_in_the_config() {
    let text = statements(2_000);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hostile.rs"), &text).unwrap();
    std::fs::write(
        dir.path().join("resilint.toml"),
        "[rust]\nmax-tokens = 1000\n",
    )
    .unwrap();
    let errors = run(dir.path())["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["kind"], "limit");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("more than 1000 tokens"));
    std::fs::write(
        dir.path().join("resilint.toml"),
        "[rust]\nmax-tokens = 2000\n",
    )
    .unwrap();
    let json = run(dir.path());
    assert_eq!(json["errors"], serde_json::json!([]), "{json}");
    assert!(client_findings(&json) > 0);
}

/// The limits guard the parse, and an inline test module's body is not parsed: deep
/// nesting there is no error. A test attribute nested past the limit is not parsed
/// either (it marks nothing, and the nesting after it is refused as usual).
#[test]
fn nesting_the_parse_never_sees_is_not_refused() {
    let deep = format!("fn f() {{ {}x{} }}", "(".repeat(20_000), ")".repeat(20_000));
    let in_tests = format!("fn kept() {{}}\n#[cfg(test)]\nmod tests {{\n    {deep}\n}}\n");
    assert_eq!(errors_for(&in_tests), Vec::<Value>::new());
    let attr = format!(
        "#[cfg(all(test, {}x{}))]\nmod tests {{ fn t() {{}} }}\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    assert_limit(&attr, "brackets nested deeper than 256 levels");
    let outside = format!("fn kept() {{}}\n{deep}\n");
    assert_limit(&outside, "brackets nested deeper than 256 levels");
}
