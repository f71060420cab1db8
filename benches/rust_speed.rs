//! Speed of the Rust side against a parse-only pass over the same files.
//!
//! `cargo bench --bench rust_speed` generates a deterministic tree of about
//! 400k lines of service-like Rust under `target/bench-tree` (one retry loop per
//! module; `RESILINT_BENCH_DENSE=1` makes every fetch function a retry loop) and times, with the
//! same thread count, (a) parse-only: discover the files `resilint check` reads,
//! read every `.rs` file and `syn::parse_file` it; (b) a full `resilint check` through the library. The two
//! alternate, 7 runs each, and the best wall time of each is reported, with the ratio (target ≤ 1.2).
//!
//! `cargo bench --bench rust_speed -- /path/to/repo` measures a real repository
//! instead. `RESILINT_BENCH_THREADS` sets the thread count (default 2, the CI
//! machine's cores). Under `cargo test` the binary only runs a tiny smoke pass.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// One generated module of about 400 lines: a client factory, data types, ordinary
/// processing code, and `retry_loops` of its 12 fetch functions written as retry
/// loops (real services have a few per crate; `RESILINT_BENCH_DENSE=1` makes all 12
/// retry loops, a worst case for the retry extractor).
fn service_file(i: usize, retry_loops: usize) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "//! Generated module {i}: a client, handlers, a retry loop.\n\
         use std::time::Duration;\nuse serde::{{Deserialize, Serialize}};\n\n\
         const BASE_{i}: &str = \"http://svc-{i}:8080\";\n\n"
    ));
    for j in 0..12 {
        s.push_str(&format!(
            "#[derive(Debug, Clone, Serialize, Deserialize)]\n\
             pub struct Order{i}x{j} {{\n    pub id: u64,\n    pub sku: String,\n    pub quantity: u32,\n    pub note: Option<String>,\n}}\n\n"
        ));
        if j < retry_loops {
            s.push_str(&format!(
                "pub async fn fetch_{j}(client: &reqwest::Client, id: u64) -> Result<Order{i}x{j}, reqwest::Error> {{\n\
                 \x20   let url = format!(\"{{}}/orders/{{}}\", BASE_{i}, id);\n\
                 \x20   let mut attempt = 0u32;\n\
                 \x20   loop {{\n\
                 \x20       match client.get(&url).timeout(Duration::from_secs(2)).send().await {{\n\
                 \x20           Ok(resp) => return resp.json().await,\n\
                 \x20           Err(e) if attempt < 3 => {{\n\
                 \x20               attempt += 1;\n\
                 \x20               tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;\n\
                 \x20               let _ = e;\n\
                 \x20           }}\n\
                 \x20           Err(e) => return Err(e),\n\
                 \x20       }}\n\
                 \x20   }}\n\
                 }}\n\n"
            ));
        } else {
            s.push_str(&format!(
                "pub async fn fetch_{j}(client: &reqwest::Client, id: u64) -> Result<Order{i}x{j}, reqwest::Error> {{\n\
                 \x20   let url = format!(\"{{}}/orders/{{}}\", BASE_{i}, id);\n\
                 \x20   let resp = client.get(&url).timeout(Duration::from_secs(2)).send().await?;\n\
                 \x20   let order: Order{i}x{j} = resp.json().await?;\n\
                 \x20   let note = match &order.note {{\n\
                 \x20       Some(n) if n.len() > 64 => Some(n[..64].to_string()),\n\
                 \x20       Some(n) => Some(n.clone()),\n\
                 \x20       None => None,\n\
                 \x20   }};\n\
                 \x20   if order.quantity == 0 {{\n\
                 \x20       log::warn!(\"empty order {{}}\", order.id);\n\
                 \x20   }}\n\
                 \x20   Ok(Order{i}x{j} {{ note, ..order }})\n\
                 }}\n\n"
            ));
        }
        s.push_str(&format!(
            "pub fn total_{j}(orders: &[Order{i}x{j}]) -> u64 {{\n\
             \x20   let mut sum = 0u64;\n\
             \x20   for o in orders.iter().filter(|o| o.quantity > 0) {{\n\
             \x20       sum += u64::from(o.quantity) * (o.id % 7 + 1);\n\
             \x20   }}\n\
             \x20   sum\n\
             }}\n\n"
        ));
    }
    s.push_str(&format!(
        "pub fn client_{i}() -> reqwest::Client {{\n    reqwest::Client::builder()\n        .timeout(Duration::from_secs(5))\n        .build()\n        .expect(\"client\")\n}}\n"
    ));
    s
}

/// Writes `files` generated modules (about 300 lines each) under `root/src`.
pub(crate) fn generate(root: &Path, files: usize, retry_loops: usize) -> std::io::Result<()> {
    let src = root.join("src");
    std::fs::create_dir_all(&src)?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"bench-tree\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nreqwest = \"0.12\"\ntokio = \"1\"\nserde = \"1\"\n",
    )?;
    let mut lib = String::new();
    for i in 0..files {
        std::fs::write(src.join(format!("m{i}.rs")), service_file(i, retry_loops))?;
        lib.push_str(&format!("pub mod m{i};\n"));
    }
    std::fs::write(src.join("lib.rs"), lib)
}

/// The `.rs` files `resilint check` reads (same discovery: gitignore, skipped
/// test directories), so both passes see the same files.
fn rust_files(root: &Path) -> Vec<PathBuf> {
    let found = resilint::discover::discover(&[root.to_path_buf()], &[], &[], Default::default())
        .expect("discover");
    found
        .files
        .into_iter()
        .filter(|c| c.kind == resilint::discover::FileKind::Rust)
        .map(|c| c.path)
        .collect()
}

fn parse_only(root: &Path, pool: &rayon::ThreadPool) -> usize {
    let files = rust_files(root);
    pool.install(|| {
        files
            .par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                usize::from(syn::parse_file(&text).is_ok())
            })
            .sum()
    })
}

/// Lints only the Rust side (a config whose `include` is `**/*.rs`), so both passes
/// read the same files; YAML and JSON in a real repository are not part of the figure.
fn lint(root: &Path, threads: usize) -> usize {
    let config = std::env::temp_dir().join(format!("resilint-bench-{}.toml", std::process::id()));
    std::fs::write(&config, "include = [\"**/*.rs\"]\n").expect("cannot write the bench config");
    let options = resilint::engine::Options {
        paths: vec![root.to_path_buf()],
        config: Some(config),
        threads: Some(threads),
    };
    resilint::engine::run(&options)
        .map(|o| o.report.files_scanned)
        .unwrap_or(0)
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let threads: usize = std::env::var("RESILINT_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    let explicit = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from);
    let root = match explicit {
        Some(dir) => dir,
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join(if benching {
                    "bench-tree"
                } else {
                    "bench-tree-smoke"
                });
            let _ = std::fs::remove_dir_all(&dir);
            let dense = std::env::var_os("RESILINT_BENCH_DENSE").is_some();
            generate(
                &dir,
                if benching { 1000 } else { 3 },
                if dense { 12 } else { 1 },
            )
            .expect("cannot write the generated tree");
            dir
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(64 << 20)
        .build()
        .expect("thread pool");
    let lines: usize = rust_files(&root)
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.lines().count())
                .unwrap_or(0)
        })
        .sum();
    let runs = if benching { 7 } else { 1 };
    let parsed = parse_only(&root, &pool);
    let scanned = lint(&root, threads);
    // Alternate the two passes so a burst of load on a shared machine hits both.
    let (mut t_parse, mut t_lint) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        t_parse = t_parse.min(timed(|| {
            parse_only(&root, &pool);
        }));
        t_lint = t_lint.min(timed(|| {
            lint(&root, threads);
        }));
    }
    assert!(scanned > 0 || !benching, "resilint scanned nothing");
    // Under `cargo test` this is a smoke pass on a tiny tree in a debug build: its
    // timings mean nothing, and the test suite prints no benchmark verdict.
    if !benching {
        return;
    }
    println!(
        "{}: {} .rs files ({parsed} parsed), {lines} lines, {threads} threads\n  parse-only  {:>8.1} ms\n  resilint    {:>8.1} ms  ({} files scanned)\n  ratio       {:>8.2}x (target <= 1.2)",
        root.display(),
        rust_files(&root).len(),
        t_parse.as_secs_f64() * 1e3,
        t_lint.as_secs_f64() * 1e3,
        scanned,
        t_lint.as_secs_f64() / t_parse.as_secs_f64().max(1e-9)
    );
}
