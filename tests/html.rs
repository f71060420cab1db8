//! `--format html`: one self-contained page whose counts are the JSON's, the same
//! bytes for any thread count, with hostile file content kept as text.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `resilint check` in `dir`; returns the exit code, stdout and stderr.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .arg("check")
        .arg("--no-cache")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run resilint");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `data-count` of the element with this id.
fn count(html: &str, id: &str) -> usize {
    let at = html
        .find(&format!("id=\"{id}\" data-count=\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let start = rest.find("data-count=\"").unwrap() + "data-count=\"".len();
    let end = rest[start..].find('"').unwrap();
    rest[start..start + end].parse().unwrap()
}

#[test]
fn the_demo_page_counts_what_the_json_counts() {
    let (code, html, err) = check(&root(), &["demo", "--format", "html"]);
    assert_eq!(code, 1, "{err}");
    let (_, json, _) = check(&root(), &["demo", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.len() > 10);
    assert_eq!(count(&html, "count-findings"), findings.len());
    for severity in ["error", "warning", "info"] {
        let n = findings
            .iter()
            .filter(|f| f["severity"] == severity)
            .count();
        assert_eq!(count(&html, &format!("count-{severity}")), n, "{severity}");
    }
    assert_eq!(
        count(&html, "files-scanned"),
        json["files_scanned"].as_u64().unwrap() as usize
    );
    // One article per finding, and a coverage row per category with the JSON's figures.
    assert_eq!(
        html.matches("<article class=\"finding").count(),
        findings.len()
    );
    for (category, line) in json["coverage"].as_object().unwrap() {
        let row = format!(
            "data-category=\"{category}\" data-covered=\"{}\" data-total=\"{}\"",
            line["covered"], line["total"]
        );
        assert!(html.contains(&row), "{row}");
    }
    // Per service, as the JSON's `service_coverage` says.
    let services = json["service_coverage"].as_array().unwrap();
    assert!(services.iter().any(|s| s["service"] == "checkout.shop"));
    for s in services {
        let row = format!(
            "data-service=\"{}\" data-findings=\"{}\"",
            s["service"].as_str().unwrap(),
            s["findings"]
        );
        assert!(html.contains(&row), "{row}");
    }
    // The map is drawn inline, with a box per service of the graph.
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\""));
    assert!(html.contains("<text x=") && html.contains(">checkout.shop</text>"));
}

#[test]
fn the_page_needs_nothing_from_outside() {
    let (_, html, _) = check(&root(), &["demo", "--format", "html"]);
    let lower = html.to_ascii_lowercase();
    for outside in [
        "<link",
        "@import",
        "src=",
        "href=\"http",
        "url(http",
        "@font-face",
    ] {
        assert!(!lower.contains(outside), "{outside}");
    }
    // The only URL in an attribute is the SVG namespace, which is a name, not a
    // fetch (the URLs the demo's code calls are text of its snippets).
    assert_eq!(lower.matches("=\"http").count(), 1);
    assert!(lower.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(lower.matches("<script").count(), 1);
    assert_eq!(lower.matches("<style").count(), 1);
}

#[test]
fn the_page_is_the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.html");
    let two = dir.path().join("two.html");
    let run = |threads: &str, out: &Path| {
        let out = out.to_str().unwrap();
        let (code, _, err) = check(
            &root(),
            &[
                "demo",
                "--threads",
                threads,
                "--format",
                "html",
                "--output",
                out,
            ],
        );
        assert_eq!(code, 1, "{err}");
    };
    run("1", &one);
    run("4", &two);
    let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
    assert!(a.len() > 10_000);
    assert!(a == b, "the page differs between 1 and 4 threads");
    run("2", &two);
    assert!(
        a == std::fs::read(&two).unwrap(),
        "the page differs between runs"
    );
}

#[test]
fn markup_in_a_yaml_value_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vs.yaml"),
        "apiVersion: networking.istio.io/v1\n\
         kind: VirtualService\n\
         metadata:\n  name: \"<script>alert('vs')</script>\"\n  namespace: shop\n\
         spec:\n  hosts: [reviews]\n  http:\n\
         \x20 - route: # a&b<img src=x onerror=alert(1)>\n      - destination:\n          host: \"<script>alert(1)</script>\"\n\
         ---\napiVersion: v1\nkind: Service\nmetadata:\n  name: \"<b>x</b>\"\n  namespace: shop\n",
    )
    .unwrap();
    let (code, html, err) = check(dir.path(), &[".", "--format", "html"]);
    assert_eq!(code, 1, "{err}\n{html}");
    let lower = html.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!lower.contains("<img") && !lower.contains("<b>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("a&amp;b&lt;img src=x onerror=alert(1)&gt;"));
    // The Service named with markup (no call reaches it) is listed under the map,
    // its name as text.
    assert!(
        html.contains("<code>&lt;b&gt;x&lt;/b&gt;.shop</code>"),
        "{html}"
    );
}

#[test]
fn a_file_that_cannot_be_written_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no/such/dir/report.html");
    let (code, _, err) = check(
        &root(),
        &[
            "demo",
            "--format",
            "html",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot write"), "{err}");
}

#[test]
fn coverage_per_service_adds_up_to_at_most_the_whole() {
    let (_, json, _) = check(&root(), &["demo", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let services = json["service_coverage"].as_array().unwrap();
    let ids: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "in id order");
    for (category, whole) in json["coverage"].as_object().unwrap() {
        let part = |key: &str| -> u64 {
            services
                .iter()
                .map(|s| s["coverage"][category][key].as_u64().unwrap())
                .sum()
        };
        assert!(
            part("total") <= whole["total"].as_u64().unwrap(),
            "{category}"
        );
        assert!(
            part("covered") <= whole["covered"].as_u64().unwrap(),
            "{category}"
        );
    }
    // The checkout package's Rust code is checkout.shop's (tied by name).
    let in_code = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let path = f["path"].as_str().unwrap();
            path.starts_with("demo/services/checkout/") && path.ends_with(".rs")
        })
        .count() as u64;
    let checkout = services
        .iter()
        .find(|s| s["service"] == "checkout.shop")
        .unwrap();
    assert!(in_code > 0);
    assert!(
        checkout["findings"].as_u64().unwrap() >= in_code,
        "{checkout}"
    );
    assert!(checkout["coverage"]["timeout"]["total"].as_u64().unwrap() > 0);
}

#[test]
fn text_lists_a_few_services_in_its_summary() {
    let (_, text, _) = check(&root(), &["demo/k8s/books", "--format", "text"]);
    let table = text
        .split_once("by service")
        .unwrap_or_else(|| panic!("no table:\n{text}"))
        .1;
    let row = table
        .lines()
        .find(|l| l.starts_with("reviews.books"))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // findings, then timeout, retry-backoff, idempotency, circuit-breaker.
    assert_eq!(cells.len(), 6, "{row}");
    assert!(cells[2].contains('/'), "{row}");
    // The whole demo has more services than the summary lists: one line says where.
    let (_, text, _) = check(&root(), &["demo", "--format", "text"]);
    let n = json_services(&root(), "demo");
    assert!(n > 10);
    assert!(text.contains(&format!(
        "coverage per service: {n} services, see `--format html`"
    )));
}

fn json_services(dir: &Path, path: &str) -> usize {
    let (_, json, _) = check(dir, &[path, "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    json["service_coverage"].as_array().unwrap().len()
}
