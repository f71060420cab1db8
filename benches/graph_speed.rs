//! Building the integration graph stays linear in the number of edges.
//!
//! `cargo bench --bench graph_speed` builds, in memory, workspaces of 1k, 4k and 16k
//! services spread over files of 50 services as a repository holds them: per
//! service a Kubernetes Service, a VirtualService (two routes, with retries and
//! matches) and a DestinationRule; Spring Cloud Gateways whose routes call every
//! service (their `uri`s written three ways, each route gets the mesh routes of its
//! target attached); Kong services, front Envoy routes and Gateway API HTTPRoutes to
//! some services. Edges are about 3.5× the services. No code edges: the code layer
//! needs the Rust front end's documents, which this in-memory workspace does not make.
//! It times `graph::build` plus the `cross` documents (best of 5), after loading, and
//! prints the time per edge: linear means it stays flat as the size grows 4× and 16×.
//! Beside wall time it prints the CPU time (user + system of the process, best of
//! the runs), which a shared machine's load disturbs far less than wall time, and
//! the allocations and bytes allocated per edge, which it does not disturb at all.
//! `RESILINT_BENCH_SIZES=16000` (comma-separated) and `RESILINT_BENCH_RUNS=1` choose
//! the sizes and runs, for a profiler. Under `cargo test` it only runs a smoke pass.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use resilint::graph;
use resilint::load;
use resilint::normalise;
use resilint::source::SourceFile;
use resilint::workspace::Workspace;

/// Services per mesh file, and mesh files per gateway application: a repository
/// spreads its objects over many files (one file of every object would make each
/// line lookup a search through the whole tree).
const PER_FILE: usize = 50;
const FILES_PER_GATEWAY: usize = 10;

fn ns(i: usize) -> usize {
    i % 8
}

/// A Service, a VirtualService (hosts written short) with two routes and a
/// DestinationRule (host written in full) per service.
fn mesh(range: std::ops::Range<usize>) -> String {
    let mut s = String::new();
    for i in range {
        let ns = ns(i);
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: ns{ns}\nspec:\n  ports: [{{port: 8080}}]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: svc-{i}\n  namespace: ns{ns}\nspec:\n  hosts: [svc-{i}]\n  http:\n  - name: write\n    match:\n    - method: {{exact: POST}}\n      uri: {{prefix: /v1}}\n    route:\n    - destination: {{host: svc-{i}}}\n    timeout: 3s\n    retries: {{attempts: 2, perTryTimeout: 1s, retryOn: 5xx}}\n  - name: read\n    route:\n    - destination: {{host: svc-{i}}}\n    timeout: 2s\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: svc-{i}\n  namespace: ns{ns}\nspec:\n  host: svc-{i}.ns{ns}.svc.cluster.local\n  trafficPolicy:\n    outlierDetection: {{consecutive5xxErrors: 5}}\n"
        ));
    }
    s
}

/// A Spring Cloud Gateway routing to every service, its `uri` written three ways.
fn spring(app: usize, range: std::ops::Range<usize>) -> String {
    let mut s = format!(
        "spring:\n  application:\n    name: edge-{app}\n  cloud:\n    gateway:\n      routes:\n"
    );
    for i in range {
        let ns = ns(i);
        let uri = match i % 3 {
            0 => format!("http://svc-{i}.ns{ns}:8080"),
            1 => format!("http://svc-{i}.ns{ns}.svc.cluster.local:8080/api"),
            _ => format!("lb://svc-{i}"),
        };
        s.push_str(&format!(
            "      - id: r{i}\n        uri: {uri}\n        predicates: [Path=/s{i}/**]\n        filters:\n        - Retry=2\n"
        ));
    }
    s
}

/// A Kong declarative configuration with a service for every fourth service.
fn kong(range: std::ops::Range<usize>) -> String {
    let mut s = String::from("_format_version: \"3.0\"\nservices:\n");
    for i in range.filter(|i| i % 4 == 0) {
        s.push_str(&format!(
            "- name: k{i}\n  url: http://svc-{i}.ns{}.svc:8080\n  read_timeout: 5000\n  retries: 2\n  routes:\n  - name: k{i}\n    methods: [GET]\n    paths: [/k{i}]\n",
            ns(i)
        ));
    }
    s
}

/// A front Envoy with a route and a cluster for every eighth service.
fn envoy(range: std::ops::Range<usize>) -> String {
    let chosen: Vec<usize> = range.filter(|i| i % 8 == 1).collect();
    let mut s = String::from(
        "static_resources:\n  listeners:\n  - name: ingress\n    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: ingress\n          route_config:\n            virtual_hosts:\n            - name: front\n              domains: [\"*\"]\n              routes:\n",
    );
    for i in &chosen {
        s.push_str(&format!(
            "              - match: {{prefix: /e{i}}}\n                route: {{cluster: c{i}, timeout: 4s, retry_policy: {{retry_on: 5xx, num_retries: 1}}}}\n"
        ));
    }
    s.push_str("  clusters:\n");
    for i in &chosen {
        s.push_str(&format!(
            "  - name: c{i}\n    connect_timeout: 1s\n    type: STRICT_DNS\n    outlier_detection: {{consecutive_5xx: 5}}\n    load_assignment:\n      cluster_name: c{i}\n      endpoints:\n      - lb_endpoints:\n        - endpoint: {{address: {{socket_address: {{address: svc-{i}.ns{}.svc.cluster.local, port_value: 8080}}}}}}\n",
            ns(*i)
        ));
    }
    s
}

/// A Gateway API HTTPRoute for every eighth service, attached to one Gateway.
fn gateway_api(range: std::ops::Range<usize>) -> String {
    let mut s = String::new();
    for i in range.filter(|i| i % 8 == 2) {
        s.push_str(&format!(
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: g{i}\n  namespace: ns{}\nspec:\n  parentRefs: [{{name: edge, namespace: infra}}]\n  rules:\n  - matches: [{{path: {{type: PathPrefix, value: /g{i}}}}}]\n    backendRefs: [{{name: svc-{i}, port: 8080}}]\n    timeouts: {{request: 5s}}\n",
            ns(i)
        ));
    }
    s
}

/// The files of a workspace of `n` services: mesh objects, Kong, Envoy and Gateway
/// API files per group of [`PER_FILE`] services, a Spring gateway per
/// [`FILES_PER_GATEWAY`] groups. Edges: two mesh routes, one Spring gateway route
/// and, for some services, a Kong, Envoy or Gateway API route per service.
fn files(n: usize) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut add = |path: String, text: String| {
        files.push(SourceFile::new(path.clone(), path.into(), text));
    };
    for g in 0..n.div_ceil(PER_FILE) {
        let range = g * PER_FILE..((g + 1) * PER_FILE).min(n);
        add(format!("k8s/g{g}/mesh.yaml"), mesh(range.clone()));
        add(format!("k8s/g{g}/routes.yaml"), gateway_api(range.clone()));
        add(format!("kong/g{g}/kong.yaml"), kong(range.clone()));
        add(format!("envoy/g{g}/front.yaml"), envoy(range));
    }
    let per_app = PER_FILE * FILES_PER_GATEWAY;
    for app in 0..n.div_ceil(per_app) {
        let range = app * per_app..((app + 1) * per_app).min(n);
        add(
            format!("edge-{app}/src/main/resources/application.yml"),
            spring(app, range),
        );
    }
    files
}

fn workspace(n: usize) -> Workspace {
    let files = files(n);
    let mut docs = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let mut loaded = load::load_config(i, f);
        assert!(
            loaded.errors.is_empty(),
            "{}: {:?}",
            f.display,
            loaded.errors
        );
        loaded.docs.iter_mut().for_each(normalise::document);
        docs.extend(loaded.docs);
    }
    let errors = normalise::link(&mut docs, &files);
    assert!(errors.is_empty(), "{errors:?}");
    Workspace::new(files, docs)
}

/// The binary's allocator ([`resilint::alloc::Hybrid`]), counting allocations and bytes asked for: how much memory
/// building touches per edge is what made it grow faster than the edges (a graph
/// that fits the cache is cheaper per edge than one that does not), and counts are
/// the same on a busy machine as on a quiet one.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to the binary's allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { resilint::alloc::Hybrid.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `Hybrid` with `layout`.
        unsafe { resilint::alloc::Hybrid.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { resilint::alloc::Hybrid.realloc(ptr, layout, new_size) }
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
    /// Edges per platform of their first layer.
    platforms: std::collections::BTreeMap<&'static str, usize>,
}

/// Best wall time, best CPU time, the edge count and the allocations over `runs` builds.
fn time(ws: &Workspace, runs: usize) -> Measure {
    let settings = graph::Settings {
        max_tries: graph::docs::DEFAULT_MAX_TRIES,
        ..graph::Settings::default()
    };
    let (mut best, mut best_cpu) = (Duration::MAX, Duration::MAX);
    let (mut edges, mut allocs, mut bytes) = (0, 0, 0);
    let mut platforms = std::collections::BTreeMap::new();
    for _ in 0..runs {
        let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
        let (start, cpu) = (Instant::now(), cpu_now());
        let g = graph::build(ws, &settings);
        let docs = graph::docs::documents(&g, settings.max_tries);
        best = best.min(start.elapsed());
        best_cpu = best_cpu.min(cpu_now().saturating_sub(cpu));
        (allocs, bytes) = (ALLOCS.load(Relaxed) - a0, BYTES.load(Relaxed) - b0);
        edges = g.edges.len();
        platforms.clear();
        for e in &g.edges {
            *platforms.entry(e.layers[0].platform).or_insert(0) += 1;
        }
        assert!(!docs.is_empty());
    }
    Measure {
        wall: best,
        cpu: best_cpu,
        edges,
        allocs,
        bytes,
        platforms,
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
            "expected about 3.5 edges per service, got {edges}"
        );
        for p in [
            "istio",
            "spring-cloud-gateway",
            "kong",
            "envoy",
            "gateway-api",
        ] {
            assert!(
                m.platforms.contains_key(p),
                "no {p} edge: {:?}",
                m.platforms
            );
        }
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
