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

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
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

/// The system allocator, counting allocations and bytes asked for: how much memory
/// building touches per edge is what made it grow faster than the edges (a graph
/// that fits the cache is cheaper per edge than one that does not), and counts are
/// the same on a busy machine as on a quiet one.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// User + system CPU time of this process so far, every thread included.
fn cpu_now() -> Duration {
    // SAFETY: a zeroed rusage is a valid value; `getrusage` fills it and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// What one size measured.
struct Measure {
    wall: Duration,
    cpu: Duration,
    edges: usize,
    /// Allocations (reallocations included) and bytes allocated by one build.
    allocs: u64,
    bytes: u64,
}

/// Best wall time, best CPU time, the edge count and the allocations over `runs` builds.
fn time(ws: &Workspace, runs: usize) -> Measure {
    let settings = graph::Settings {
        max_tries: graph::docs::DEFAULT_MAX_TRIES,
        ..graph::Settings::default()
    };
    let (mut best, mut best_cpu) = (Duration::MAX, Duration::MAX);
    let (mut edges, mut allocs, mut bytes) = (0, 0, 0);
    for _ in 0..runs {
        let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
        let (start, cpu) = (Instant::now(), cpu_now());
        let g = graph::build(ws, &settings);
        let docs = graph::docs::documents(&g, settings.max_tries);
        best = best.min(start.elapsed());
        best_cpu = best_cpu.min(cpu_now().saturating_sub(cpu));
        (allocs, bytes) = (ALLOCS.load(Relaxed) - a0, BYTES.load(Relaxed) - b0);
        edges = g.edges.len();
        assert!(!docs.is_empty());
    }
    Measure {
        wall: best,
        cpu: best_cpu,
        edges,
        allocs,
        bytes,
    }
}

fn main() {
    let smoke =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    // `RESILINT_BENCH_SIZES=16000` runs one size alone (for a profiler).
    let chosen: Option<Vec<usize>> = std::env::var("RESILINT_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    let sizes: &[usize] = match &chosen {
        Some(sizes) if !smoke => sizes,
        _ if smoke => &[50],
        _ => &[1_000, 4_000, 16_000],
    };
    println!(
        "| services | edges | build + cross documents | per edge | CPU | CPU per edge | allocations per edge | bytes per edge |"
    );
    println!(
        "|---------:|------:|------------------------:|---------:|----:|-------------:|---------------------:|---------------:|"
    );
    for &n in sizes {
        let ws = workspace(n);
        let runs = std::env::var("RESILINT_BENCH_RUNS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(if smoke { 1 } else { 5 });
        let m = time(&ws, runs);
        let edges = m.edges;
        assert!(
            edges >= 3 * n,
            "expected about 3 edges per service, got {edges}"
        );
        println!(
            "| {n} | {edges} | {:.1} ms | {:.2} µs | {:.1} ms | {:.2} µs | {:.1} | {:.0} |",
            m.wall.as_secs_f64() * 1e3,
            m.wall.as_secs_f64() * 1e6 / edges as f64,
            m.cpu.as_secs_f64() * 1e3,
            m.cpu.as_secs_f64() * 1e6 / edges as f64,
            m.allocs as f64 / edges as f64,
            m.bytes as f64 / edges as f64
        );
    }
}
