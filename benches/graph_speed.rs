//! Building the integration graph stays linear in the number of edges.
//!
//! `cargo bench --bench graph_speed` builds, in memory, workspaces of 1k, 4k and 16k
//! services: one VirtualService per service (two routes each, with retries and
//! matches) and a Spring Cloud Gateway whose routes call every service (each gateway
//! route gets the routes of its target attached), so edges are about 3× the services.
//! It times `graph::build` plus the `cross` documents (best of 5), after loading, and
//! prints the time per edge: linear means it stays flat as the size grows 4× and 16×.
//! Beside wall time it prints the CPU time (user + system of the process, best of
//! the runs), which a shared machine's load disturbs far less than wall time.
//! Under `cargo test` the binary only runs a tiny smoke pass.

use std::time::{Duration, Instant};

use resilint::graph;
use resilint::load;
use resilint::normalise;
use resilint::source::SourceFile;
use resilint::workspace::Workspace;

fn istio(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: svc-{i}\n  namespace: ns{}\nspec:\n  hosts: [svc-{i}]\n  http:\n  - name: write\n    match:\n    - method: {{exact: POST}}\n      uri: {{prefix: /v1}}\n    route:\n    - destination: {{host: svc-{i}}}\n    timeout: 3s\n    retries: {{attempts: 2, perTryTimeout: 1s, retryOn: 5xx}}\n  - name: read\n    route:\n    - destination: {{host: svc-{i}}}\n    timeout: 2s\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: svc-{i}\n  namespace: ns{}\nspec:\n  host: svc-{i}\n  trafficPolicy:\n    outlierDetection: {{consecutive5xxErrors: 5}}\n",
            i % 8,
            i % 8
        ));
    }
    s
}

fn gateway(n: usize) -> String {
    let mut s = String::from(
        "spring:\n  application:\n    name: edge\n  cloud:\n    gateway:\n      routes:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "      - id: r{i}\n        uri: http://svc-{i}.ns{}:8080\n        filters:\n        - Retry=2\n",
            i % 8
        ));
    }
    s
}

fn workspace(n: usize) -> Workspace {
    let files = vec![
        SourceFile::new("k8s/mesh.yaml".into(), "k8s/mesh.yaml".into(), istio(n)),
        SourceFile::new(
            "edge/application.yml".into(),
            "edge/application.yml".into(),
            gateway(n),
        ),
    ];
    let mut docs = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let mut loaded = load::load_config(i, f);
        loaded.docs.iter_mut().for_each(normalise::document);
        docs.extend(loaded.docs);
    }
    let errors = normalise::link(&mut docs, &files);
    assert!(errors.is_empty(), "{errors:?}");
    Workspace::new(files, docs)
}

/// User + system CPU time of this process so far, every thread included.
fn cpu_now() -> Duration {
    // SAFETY: a zeroed rusage is a valid value; `getrusage` fills it and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Best wall time, best CPU time and the edge count over `runs` builds.
fn time(ws: &Workspace, runs: usize) -> (Duration, Duration, usize) {
    let settings = graph::Settings {
        max_tries: graph::docs::DEFAULT_MAX_TRIES,
        ..graph::Settings::default()
    };
    let (mut best, mut best_cpu) = (Duration::MAX, Duration::MAX);
    let mut edges = 0;
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), cpu_now());
        let g = graph::build(ws, &settings);
        let docs = graph::docs::documents(&g, settings.max_tries);
        best = best.min(start.elapsed());
        best_cpu = best_cpu.min(cpu_now().saturating_sub(cpu));
        edges = g.edges.len();
        assert!(!docs.is_empty());
    }
    (best, best_cpu, edges)
}

fn main() {
    let smoke =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if smoke {
        &[50]
    } else {
        &[1_000, 4_000, 16_000]
    };
    println!("| services | edges | build + cross documents | per edge | CPU | CPU per edge |");
    println!("|---------:|------:|------------------------:|---------:|----:|-------------:|");
    for &n in sizes {
        let ws = workspace(n);
        let (t, cpu, edges) = time(&ws, if smoke { 1 } else { 5 });
        assert!(
            edges >= 3 * n,
            "expected about 3 edges per service, got {edges}"
        );
        println!(
            "| {n} | {edges} | {:.1} ms | {:.2} µs | {:.1} ms | {:.2} µs |",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / edges as f64,
            cpu.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e6 / edges as f64
        );
    }
}
