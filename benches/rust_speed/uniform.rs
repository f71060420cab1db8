//! The uniform generated Rust tree: every module alike (the cache bench's tree, and
//! `RESILINT_BENCH_DENSE=1` of the Rust bench). Kept apart from `rust_speed.rs` so the
//! cache bench can include it without that bench's allocator and `main`.

use std::path::Path;

/// The older uniform tree (`RESILINT_BENCH_DENSE=1`, and the cache bench's): one generated module of about 400 lines: a client factory, data types, ordinary
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
