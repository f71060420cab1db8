//! `resilint map`: the integration graph of the demo, its JSON contract, Mermaid and
//! DOT, the README's picture of it, and the ties it says it guessed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::tree::{cli_json, rules_found, tree, web_package};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn map(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .arg("map")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run resilint");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn edge<'a>(graph: &'a Value, from: &str, to: &str) -> &'a Value {
    graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == from && e["to"] == to)
        .unwrap_or_else(|| panic!("no edge {from} -> {to} in {graph:#}"))
}

#[test]
fn the_demo_map_ties_checkout_and_puts_the_mesh_on_its_calls() {
    let (code, out, err) = map(&["demo"]);
    assert_eq!(code, 0, "{err}");
    let graph: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(graph["version"], 1);
    // The package `checkout` is the mesh's checkout in namespace shop: a guess, said so.
    let ties = graph["ties"].as_array().unwrap();
    assert_eq!(ties.len(), 1, "{ties:?}");
    assert_eq!(ties[0]["code"], "checkout");
    assert_eq!(ties[0]["service"], "checkout.shop");
    assert_eq!(ties[0]["by"], "name");
    assert_eq!(ties[0]["guessed"], true);
    // checkout → payments: the code layer (3 s, 4 tries, a breaker, a key), then the
    // route of the VirtualService in checkout's own namespace (6 s, Istio's 3 tries).
    let pay = edge(&graph, "checkout.shop", "payments.payments");
    assert_eq!(pay["method"], "POST");
    let layers = pay["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "{pay:#}");
    assert_eq!(layers[0]["layer"], "code");
    assert_eq!(layers[0]["timeout"]["seconds"], 3.0);
    assert_eq!(layers[0]["retries"]["tries"], 4);
    assert!(layers[0]["breaker"].is_object());
    assert!(layers[0]["idempotency"].is_object());
    assert_eq!(layers[1]["layer"], "mesh");
    assert!(layers[1]["what"]
        .as_str()
        .unwrap()
        .contains("payments-from-shop"));
    assert_eq!(layers[1]["timeout"]["seconds"], 6.0);
    assert_eq!(layers[1]["retries"]["tries"], 3);
    assert_eq!(layers[1]["retries"]["default"], true);
    // Its destination's subset `stable` ejects on gateway errors.
    let breaker = &layers[1]["breaker"];
    assert_eq!(
        breaker["value"],
        "DestinationRule payments outlierDetection"
    );
    assert_eq!(breaker["at"]["path"], "demo/k8s/payments/payments.yaml");
    let findings: Vec<&str> = pay["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        findings.contains(&"cross/retry-amplification"),
        "{findings:?}"
    );
    assert!(
        findings.contains(&"cross/timeout-inversion"),
        "{findings:?}"
    );
    // The gateway's routes are edges too, from the Spring application.
    let gw = edge(&graph, "storefront", "checkout.shop");
    assert_eq!(gw["origin"], "gateway");
    assert_eq!(gw["layers"][0]["timeout"]["seconds"], 5.0);
}

#[test]
fn mermaid_and_dot_draw_the_same_edges_and_the_readme_shows_the_demo_map() {
    let (_, json, _) = map(&["demo"]);
    let graph: Value = serde_json::from_str(&json).unwrap();
    let edges = graph["edges"].as_array().unwrap().len();
    let (code, mermaid, _) = map(&["demo", "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert_eq!(
        mermaid.matches("-->|").count() + mermaid.matches("-.->|").count(),
        edges
    );
    let (code, dot, _) = map(&["demo", "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(dot.starts_with("digraph resilint {"));
    assert_eq!(dot.matches(" -> ").count(), edges);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "<!-- map of the demo: resilint map demo --format mermaid -->\n```mermaid\n";
    let start = readme.find(marker).expect("README shows the demo map") + marker.len();
    let end = start + readme[start..].find("```").unwrap();
    if readme[start..end] != mermaid && std::env::var_os("RESILINT_BLESS").is_some() {
        let fresh = format!("{}{mermaid}{}", &readme[..start], &readme[end..]);
        std::fs::write(root().join("README.md"), fresh).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        mermaid,
        "the README's map of the demo is stale (the demo changed): RESILINT_BLESS=1 cargo test --test map"
    );
}

#[test]
fn a_package_tied_by_the_services_table_is_not_a_guess() {
    let dir = Path::new("fixtures/cross/timeout-inversion/fail");
    let (code, out, err) = map(&[dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let graph: Value = serde_json::from_str(&out).unwrap();
    let ties = graph["ties"].as_array().unwrap();
    let tie = ties
        .iter()
        .find(|t| t["code"] == "orders-rs")
        .expect("orders-rs tied");
    assert_eq!(tie["service"], "orders.shop");
    assert_eq!(tie["by"], "config");
    assert_eq!(tie["guessed"], false);
    edge(&graph, "orders.shop", "ledger.shop");
}

#[test]
fn map_output_is_the_same_bytes_every_run() {
    let (_, a, _) = map(&["demo"]);
    let (_, b, _) = map(&["demo"]);
    assert_eq!(a, b);
}

#[test]
fn gateway_api_routes_are_gateway_edges_without_sidecar_routes() {
    let (_, out, _) = map(&["demo"]);
    let graph: Value = serde_json::from_str(&out).unwrap();
    let e = edge(&graph, "public.infra", "catalog.shop");
    assert_eq!(e["origin"], "gateway");
    let layers = e["layers"].as_array().unwrap();
    // Envoy Gateway is an edge proxy: the VirtualService of catalog is not on its path.
    assert_eq!(layers.len(), 1, "{e:#}");
    assert_eq!(layers[0]["platform"], "gateway-api");
    assert_eq!(layers[0]["timeout"]["seconds"], 10.0);
    assert_eq!(layers[0]["retries"]["tries"], 5);
}

#[test]
fn a_call_is_covered_end_to_end_by_its_own_client_s_timeout() {
    // Neither client has an address of its own: each call names it, and the bounded
    // client calls two hosts. Its calls are covered on the code layer, the other's on
    // none.
    let main_rs = r#"
use std::time::Duration;

#[tokio::main]
async fn main() {
    let bounded = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let bare = reqwest::Client::new();
    loop {
        let a = bounded.get("https://billing.example.com/v1/status").send().await;
        let b = bounded.get("https://ledger.example.com/v1/status").send().await;
        let c = bare.get("https://audit.example.com/v1/status").send().await;
        println!("{:?} {:?} {:?}", a.is_ok(), b.is_ok(), c.is_ok());
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}
"#;
    let dir = web_package(main_rs, &[]);
    let report = cli_json(
        dir.path(),
        &["check", ".", "--no-cache", "--format", "json"],
    );
    let timeout = &report["end_to_end"]["timeout"];
    assert_eq!(timeout["total"], 3, "{report:#}");
    assert_eq!(timeout["covered"], 2, "{report:#}");
}

#[test]
fn check_reports_end_to_end_coverage_of_the_paths() {
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", "demo", "--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e2e = &report["end_to_end"];
    for category in ["timeout", "retry-backoff", "idempotency", "circuit-breaker"] {
        let line = &e2e[category];
        let (covered, total) = (
            line["covered"].as_u64().unwrap(),
            line["total"].as_u64().unwrap(),
        );
        assert!(covered < total, "{category}: {line}");
    }
    // Three POSTs leave checkout; only the inventory one is replayed by the mesh.
    // Two come through the edge: Kong's (retried after transport failures only) and
    // the front Envoy's, which retries it on 5xx.
    assert_eq!(e2e["idempotency"]["total"], 5);
    assert_eq!(e2e["idempotency"]["covered"], 3);
    // A tree with no paths has no end-to-end figures at all (the contract is unchanged).
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", "demo/k8s/shop/cart.yaml", "--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report.get("end_to_end").is_none(), "{report:#}");
}

#[test]
fn a_linkerd_profile_route_is_on_the_path_of_a_code_call() {
    let dir = web_package(
        "pub async fn add(body: String) -> reqwest::Result<()> {\n    let http = reqwest::Client::new();\n    http.post(\"http://books.books/books\").body(body).send().await?;\n    Ok(())\n}\n\nfn main() {}\n",
        &[(
            "k8s/books.yaml",
            "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata:\n  name: books.books.svc.cluster.local\n  namespace: books\nspec:\n  routes:\n  - name: POST /books\n    condition: {method: POST, pathRegex: /books}\n    isRetryable: true\n",
        )],
    );
    let rules = rules_found(dir.path());
    // The profile's 10 s default timeout covers the client; its retries replay the POST.
    assert!(
        !rules
            .iter()
            .any(|r| r == "rust/http-client-without-timeout"),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r == "cross/mutation-retried-downstream"),
        "{rules:?}"
    );
}

/// The layers of the edge from `from` to `to` at `at` (a `path:line` suffix of its id).
fn layers_at<'a>(graph: &'a Value, from: &str, to: &str, at: &str) -> &'a Vec<Value> {
    let id = format!("{from} -> {to} @ {at}");
    graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no edge {id}"))["layers"]
        .as_array()
        .unwrap()
}

#[test]
fn kong_envoy_and_consul_are_layers_of_the_demo_map() {
    let (code, out, err) = map(&["demo"]);
    assert_eq!(code, 0, "{err}");
    let graph: Value = serde_json::from_str(&out).unwrap();
    // Kong (gateway `kong`, the decK directory): a service through an upstream
    // reaches the upstream's targets, with its timeouts, retries and health checks.
    let kong = layers_at(&graph, "kong", "storefront.shop", "demo/kong/kong.yaml:12");
    assert_eq!(kong.len(), 1, "an edge proxy: no mesh route is added");
    assert_eq!(kong[0]["platform"], "kong");
    assert_eq!(kong[0]["timeout"]["seconds"], 10.0);
    assert_eq!(kong[0]["retries"]["tries"], 3);
    assert_eq!(kong[0]["retries"]["conditions"][0], "connect-failure");
    assert_eq!(
        kong[0]["breaker"]["value"],
        "upstream health checks (passive)"
    );
    // A service left at Kong's defaults: 60 s read timeout, no upstream, no breaker.
    let orders = edge(&graph, "kong", "checkout.shop");
    assert_eq!(orders["method"], "POST");
    assert_eq!(orders["path"], "/api/orders");
    let l = &orders["layers"][0];
    assert_eq!(l["timeout"]["seconds"], 60.0);
    assert_eq!(l["retries"]["tries"], 4);
    assert!(l.get("breaker").is_none(), "{l}");
    // Envoy (gateway `edge`, the bootstrap's file): each route to a cluster's hosts.
    let envoy = layers_at(&graph, "edge", "checkout.shop", "demo/envoy/edge.yaml:21");
    assert_eq!(envoy.len(), 1);
    assert_eq!(envoy[0]["timeout"]["seconds"], 5.0);
    assert_eq!(envoy[0]["retries"]["tries"], 3);
    assert_eq!(envoy[0]["retries"]["conditions"][0], "5xx");
    assert_eq!(envoy[0]["breaker"]["value"], "outlier_detection");
    let off = layers_at(&graph, "edge", "reports.shop", "demo/envoy/edge.yaml:42");
    assert!(off[0].get("timeout").is_none(), "`timeout: 0s` is none");
    // Consul: service-router routes are mesh routes of calls to the router's service.
    let routes: Vec<&Value> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["layers"][0]["platform"] == "consul")
        .collect();
    assert_eq!(routes.len(), 3);
    assert!(routes
        .iter()
        .all(|e| e["to"] == "storefront" && e["from"].is_null()));
    let timeouts: Vec<&Value> = routes.iter().map(|e| &e["layers"][0]["timeout"]).collect();
    assert_eq!(timeouts[0]["seconds"], 3.0);
    assert!(
        timeouts[1].is_null(),
        "a negative RequestTimeout disables it"
    );
    assert_eq!(timeouts[2]["seconds"], 15.0, "Envoy's default");
    assert_eq!(routes[0]["layers"][0]["retries"]["tries"], 3);
    assert_eq!(routes[0]["method"], "POST");
}

#[test]
fn a_consul_route_is_on_the_path_of_a_code_call() {
    let dir = web_package(
        "pub async fn add(body: String) -> reqwest::Result<()> {\n    let http = reqwest::Client::new();\n    http.post(\"http://orders/v1/orders\").body(body).send().await?;\n    Ok(())\n}\n\nfn main() {}\n",
        &[(
            "consul/orders.hcl",
            "Kind = \"service-router\"\nName = \"orders\"\nRoutes = [\n  {\n    Match { HTTP { PathPrefix = \"/v1\" } }\n    Destination {\n      RequestTimeout     = \"2s\"\n      NumRetries         = 3\n      RetryOnStatusCodes = [503]\n    }\n  },\n]\n",
        )],
    );
    let rules = rules_found(dir.path());
    // The route's 2 s covers the client; its retries on 503 replay the POST.
    assert!(
        !rules
            .iter()
            .any(|r| r == "rust/http-client-without-timeout"),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r == "cross/mutation-retried-downstream"),
        "{rules:?}"
    );
}

/// Copies a fixture tree into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn services_and_cross_are_read_from_nested_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let team = dir.path().join("team");
    std::fs::create_dir_all(&team).unwrap();
    // Two tries in code × three in the mesh = 6: below the default 10.
    copy_tree(
        &root().join("fixtures/cross/retry-amplification/pass"),
        &team,
    );
    std::fs::write(dir.path().join("resilint.toml"), "# the root: defaults\n").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let amplified = |json: &str| {
        let report: Value = serde_json::from_str(json).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "cross/retry-amplification")
    };
    assert!(!amplified(&run(&[
        "check",
        ".",
        "--no-cache",
        "--format",
        "json"
    ])));
    // The team's own configuration lowers the threshold and ties its package.
    std::fs::write(
        team.join("resilint.toml"),
        "[cross]\nmax-tries = 4\n\n[services.\"scoring.payments\"]\ncode = [\"checkout\"]\n",
    )
    .unwrap();
    assert!(amplified(&run(&[
        "check",
        ".",
        "--no-cache",
        "--format",
        "json"
    ])));
    let graph: Value = serde_json::from_str(&run(&["map", "."])).unwrap();
    let tie = graph["ties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "checkout")
        .unwrap_or_else(|| panic!("{graph:#}"));
    assert_eq!(tie["service"], "scoring.payments");
    assert_eq!(tie["by"], "config");
}

#[test]
fn format_with_a_constant_base_is_a_call_target() {
    let dir = web_package(
        r#"use std::time::Duration;

const PAYMENTS: &str = "http://payments.shop:8080";
const FRAUD: &str = "http://fraud.payments";

pub async fn run(id: u64, base: String) -> reqwest::Result<()> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    http.post(format!("{PAYMENTS}/v1/charges")).send().await?;
    http.get(&format!("{}/score", FRAUD)).send().await?;
    http.get(format!("http://ledger.shop/entries/{}", id)).send().await?;
    http.get(format!("{}/x", base)).send().await?;
    Ok(())
}

fn main() {}
"#,
        &[],
    );
    let graph = cli_json(dir.path(), &["map", ".", "--format", "json"]);
    let code: Vec<(String, Option<String>)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["origin"] == "code")
        .map(|e| {
            (
                e["to"].as_str().unwrap().to_string(),
                e["method"].as_str().map(String::from),
            )
        })
        .collect();
    assert!(
        code.contains(&("payments.shop".into(), Some("POST".into()))),
        "{code:?}"
    );
    assert!(
        code.iter().any(|(to, _)| to == "fraud.payments"),
        "{code:?}"
    );
    assert!(code.iter().any(|(to, _)| to == "ledger.shop"), "{code:?}");
    // A base only known at run time names no service.
    assert_eq!(code.len(), 3, "{code:?}");
}

#[test]
fn a_package_that_only_serves_routes_is_a_service_of_the_map() {
    // No outbound call, no retry: only its POST route makes it a code service. The
    // default rules read no route (the idempotency rules are opt-in), so `check`
    // may skip linking routes; the map, which draws the package, may not.
    let dir = tree(&[
        (
            "web/Cargo.toml",
            "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\nsqlx = \"0.8\"\n",
        ),
        (
            "web/src/main.rs",
            "use axum::{routing::post, Router};\n\nasync fn create(body: String) -> String {\n    sqlx::query(\"INSERT INTO t (b) VALUES ($1)\").bind(&body);\n    body\n}\n\nfn main() {\n    let _app: Router = Router::new().route(\"/items\", post(create));\n}\n",
        ),
    ]);
    let graph = cli_json(dir.path(), &["map", "--format", "json", "."]);
    let services: Vec<&str> = graph["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(services.contains(&"web"), "{graph:#}");
    let html = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(["check", ".", "--no-cache", "--format", "html", "--output"])
        .arg(&html)
        .current_dir(dir.path())
        .output()
        .expect("run resilint");
    assert!(out.status.code().is_some(), "{out:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("1 service with no integration point seen: <code>web</code>"),
        "the HTML page lists it too"
    );
}
