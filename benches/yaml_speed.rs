//! Speed of the configuration side against a parse-only pass over the same files,
//! at three sizes, to show that joins (a route's DestinationRule) cost a lookup and
//! not a scan of every rule: four times the files should cost about four times the time.
//!
//! `cargo bench --bench yaml_speed` generates deterministic trees of 1k, 4k and 16k
//! files under `target/bench-yaml-<n>`, in the proportions of an application
//! repository with a mesh ([`generate`]): out of 20 files, 11 Istio (VirtualServices
//! with several routes to short, namespaced and external hosts, subsets, ports,
//! methods, retries; DestinationRules for most services but not all, with subsets,
//! port-level settings, one wildcard per namespace; ServiceEntries; multi-document
//! files), 2 each of Kong decK files (services, routes, upstreams), Envoy
//! configuration (bootstrap YAML and camelCase xDS JSON), Gateway API routes with
//! Envoy Gateway policies ([`platforms`]) and Spring Boot (`application.yml` with
//! Resilience4j, OpenFeign and Spring Cloud Gateway, `application-prod.properties`
//! beside it), and one Linkerd (ServiceProfile + annotated Service) or Consul (HCL
//! config entries or CRDs) file in turn ([`apps`]). Eight namespaces and two
//! environments (`envs/dev`, `envs/prod`, separate join scopes). For each size it
//! times, with the same thread count, (a) parse-only: discover the files `resilint
//! check` reads, read each and parse it with its format's parser (YAML and JSON,
//! `.properties`, HCL); (b) a full `resilint check` through the library. The two
//! alternate, best wall time of each over several runs.
//! Targets: resilint ≤ 3× parse-only, and 4× the files ≤ 4.8× the time.
//!
//! With `RESILINT_CORPUS=DIR` (e.g. `../shared/corpus`) it then measures the same on
//! real files the bench did not write: the directory copied 1, 4 and 16 times under
//! `target/bench-corpus-<n>/envs/copy-<j>` (each copy its own deployment scope), read
//! at bench time and never committed.
//!
//! Beside wall time it prints each pass's CPU time (user + system of the whole
//! process, all threads, best of the runs): on a shared machine wall time follows
//! the other processes' load, while CPU time stays close to the work done, so the
//! CPU ratio and growth show linearity when wall time cannot.
//!
//! `RESILINT_BENCH_THREADS` sets the thread count (default 2, the CI machine's
//! cores). `RESILINT_BENCH_KEEP=1` keeps the generated trees (for profiling the
//! binary on them, e.g. `perf record resilint check --no-cache --threads 1
//! target/bench-yaml-16000`). Under `cargo test` the binary only runs a tiny smoke pass.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use resilint::discover::FileKind;
use resilint::source::SourceFile;

/// The binary's allocator, so both passes allocate as `resilint check` does.
#[global_allocator]
static ALLOCATOR: resilint::alloc::Hybrid = resilint::alloc::Hybrid;

#[path = "yaml_speed/apps.rs"]
mod apps;
#[path = "yaml_speed/platforms.rs"]
mod platforms;

const NAMESPACES: usize = 8;

/// A small deterministic generator (xorshift), so trees are varied but reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A destination host as a route would write it: short, namespaced, FQDN or external.
fn host(rng: &mut Rng, services: usize, ns: usize) -> String {
    let svc = rng.below(services as u64);
    match rng.below(10) {
        0..=4 => format!("svc-{svc}"),
        5 | 6 => format!(
            "svc-{svc}.ns{}.svc.cluster.local",
            rng.below(NAMESPACES as u64)
        ),
        7 => format!("svc-{svc}.ns{ns}"),
        _ => format!("api-{svc}.partner{}.example.com", svc % 5),
    }
}

fn virtual_service(rng: &mut Rng, i: usize, ns: usize, services: usize) -> String {
    let mut s = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs-{i}\n  namespace: ns{ns}\n  labels: {{app: svc-{i}, team: team-{}}}\nspec:\n  hosts: [svc-{i}.example.com]\n  gateways: [ns{ns}/public]\n  http:\n",
        i % 13
    );
    for r in 0..1 + rng.below(4) {
        let _ = writeln!(s, "  - name: route-{r}");
        if rng.below(3) == 0 {
            let method = ["POST", "GET", "PATCH", "PUT"][rng.below(4) as usize];
            let _ = write!(
                s,
                "    match:\n    - uri: {{prefix: /api/v{r}/items}}\n      method: {{exact: {method}}}\n"
            );
            if rng.below(2) == 0 {
                s.push_str("      headers:\n        idempotency-key: {regex: \".+\"}\n");
            }
        }
        s.push_str("    route:\n");
        for d in 0..1 + rng.below(2) {
            let _ = write!(
                s,
                "    - destination:\n        host: {}\n",
                host(rng, services, ns)
            );
            if rng.below(3) == 0 {
                let _ = writeln!(s, "        subset: v{}", 1 + d);
            }
            if rng.below(4) == 0 {
                s.push_str("        port: {number: 8080}\n");
            }
            if d > 0 {
                s.push_str("      weight: 20\n");
            }
        }
        match rng.below(4) {
            0 => {}
            1 => s.push_str("    timeout: 0s\n"),
            _ => {
                let _ = writeln!(s, "    timeout: {}s", 1 + rng.below(9));
            }
        }
        if rng.below(2) == 0 {
            let _ =
                write!(
                s,
                "    retries:\n      attempts: {}\n      perTryTimeout: {}s\n      retryOn: {}\n",
                rng.below(5),
                1 + rng.below(3),
                ["5xx,reset", "connect-failure,refused-stream", "gateway-error,503"]
                    [rng.below(3) as usize]
            );
        }
    }
    s
}

/// A DestinationRule for `svc`, or with `wildcard` the namespace's catch-all
/// (`*.ns3.svc.cluster.local`): one per namespace and environment, as a mesh has
/// (two rules for one host in one namespace conflict).
fn destination_rule(rng: &mut Rng, svc: usize, ns: usize, wildcard: bool) -> String {
    let host = match rng.below(8) {
        // Quoted, as real files write it: a plain `*` starts a YAML alias.
        _ if wildcard => format!("\"*.ns{ns}.svc.cluster.local\""),
        0 | 1 => format!("svc-{svc}.ns{ns}.svc.cluster.local"),
        _ => format!("svc-{svc}"),
    };
    let mut s = format!(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: dr-{svc}\n  namespace: ns{ns}\nspec:\n  host: {host}\n"
    );
    if rng.below(5) != 0 {
        s.push_str(
            "  trafficPolicy:\n    connectionPool:\n      http: {http1MaxPendingRequests: 100}\n",
        );
        if rng.below(4) != 0 {
            let _ = write!(
                s,
                "    outlierDetection:\n      consecutive5xxErrors: {}\n      interval: 10s\n      baseEjectionTime: 30s\n      maxEjectionPercent: {}\n",
                rng.below(8),
                [50, 100][rng.below(2) as usize]
            );
        }
        if rng.below(4) == 0 {
            s.push_str("    portLevelSettings:\n    - port: {number: 8080}\n      loadBalancer: {simple: LEAST_REQUEST}\n");
        }
    }
    if rng.below(3) == 0 {
        s.push_str("  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: v2}\n    trafficPolicy:\n      outlierDetection: {consecutive5xxErrors: 3}\n");
    }
    if rng.below(6) == 0 {
        s.push_str("  exportTo: [\".\"]\n");
    }
    s
}

fn service_entry(svc: usize, ns: usize) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: partner-{svc}\n  namespace: ns{ns}\nspec:\n  hosts: [api-{svc}.partner{}.example.com]\n  location: MESH_EXTERNAL\n  ports:\n  - {{number: 443, name: https, protocol: TLS}}\n  resolution: DNS\n",
        svc % 5
    )
}

/// The directory of file `i`: its environment and namespace.
fn dir_of(root: &Path, i: usize) -> PathBuf {
    let env = if i % 2 == 0 { "dev" } else { "prod" };
    root.join("envs")
        .join(env)
        .join(format!("ns{}", i % NAMESPACES))
}

/// Writes `files` generated files under `root`, in two environments and eight
/// namespaces. Out of every 20 files: 11 Istio (6 VirtualServices, 3
/// DestinationRules, the first of each directory for the namespace's wildcard host, a
/// ServiceEntry, a VirtualService + DestinationRule file), 2 Kong,
/// 2 Envoy, 2 Gateway API, 2 Spring Boot (a service's `application.yml` in its own
/// directory, and the `application-prod.properties` beside the previous one), and one
/// Linkerd or Consul file in turn.
pub(crate) fn generate(root: &Path, files: usize) -> std::io::Result<()> {
    let services = (files / 2).max(1);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ files as u64);
    let mut wildcards = std::collections::HashSet::new();
    for i in 0..files {
        let ns = i % NAMESPACES;
        let mut dir = dir_of(root, i);
        let svc = i / 2;
        let (name, text) = match i % 20 {
            0..=5 => (
                format!("vs-{i}.yaml"),
                virtual_service(&mut rng, i, ns, services),
            ),
            6..=8 => {
                let wildcard = wildcards.insert(dir.clone());
                let text = destination_rule(&mut rng, svc, ns, wildcard);
                (format!("dr-{i}.yaml"), text)
            }
            9 => (format!("se-{i}.yaml"), service_entry(svc, ns)),
            11 | 12 => (format!("kong-{i}.yaml"), platforms::kong(&mut rng, i)),
            13 | 14 => platforms::envoy(&mut rng, i),
            15 | 16 => (
                format!("route-{i}.yaml"),
                platforms::gateway_api(&mut rng, i, ns),
            ),
            17 => {
                dir = dir.join(format!("svc-{i}"));
                ("application.yml".into(), apps::spring_yaml(&mut rng, i))
            }
            18 => {
                dir = dir_of(root, i - 1).join(format!("svc-{}", i - 1));
                (
                    "application-prod.properties".into(),
                    apps::spring_properties(&mut rng, i - 1),
                )
            }
            19 if i % 40 == 19 => (format!("profile-{i}.yaml"), apps::linkerd(&mut rng, i, ns)),
            19 => apps::consul(&mut rng, i),
            _ => (
                format!("app-{i}.yaml"),
                format!(
                    "{}---\n{}",
                    virtual_service(&mut rng, i, ns, services),
                    destination_rule(&mut rng, svc, ns, false)
                ),
            ),
        };
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

/// The configuration files `resilint check` reads (same discovery), with their
/// kind, so both passes see the same files.
fn config_files(root: &Path) -> Vec<(PathBuf, FileKind)> {
    resilint::discover::discover(&[root.to_path_buf()], &[], &[], Default::default())
        .expect("discover")
        .files
        .into_iter()
        .map(|c| (c.path, c.kind))
        .collect()
}

/// Reads every file and parses it with its format's parser (YAML and JSON, Spring
/// `.properties`, Consul HCL): the bare parse `resilint check` is held against.
fn parse_only(root: &Path, pool: &rayon::ThreadPool) -> usize {
    let files = config_files(root);
    pool.install(|| {
        files
            .par_iter()
            .map(|(p, kind)| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                match kind {
                    FileKind::Properties => resilint::load::properties::parse(&text).docs.len(),
                    FileKind::Hcl => {
                        let source = SourceFile::new(String::new(), p.clone(), text);
                        resilint::load::hcl::load(0, &source).docs.len()
                    }
                    _ => resilint::load::yaml::parse(&text).docs.len(),
                }
            })
            .sum()
    })
}

/// (findings, files scanned) of a full run.
fn lint(root: &Path, threads: usize) -> (usize, usize) {
    let options = resilint::engine::Options {
        paths: vec![root.to_path_buf()],
        config: None,
        threads: Some(threads),
    };
    resilint::engine::run(&options)
        .map(|o| (o.report.findings.len(), o.report.files_scanned))
        .unwrap_or((0, 0))
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

/// (wall, CPU) time of `f`.
fn timed(f: impl FnOnce()) -> (Duration, Duration) {
    let (start, cpu) = (Instant::now(), cpu_now());
    f();
    (start.elapsed(), cpu_now().saturating_sub(cpu))
}

/// Keeps the smaller of each of the two times.
fn best(a: (Duration, Duration), b: (Duration, Duration)) -> (Duration, Duration) {
    (a.0.min(b.0), a.1.min(b.1))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One measured size: files, documents parsed, findings, best (wall, CPU) of the
/// parse-only pass and of `resilint check`.
type Row = (
    usize,
    usize,
    usize,
    (Duration, Duration),
    (Duration, Duration),
);

/// Measures both passes on the tree at `root` (`runs` alternating runs of each).
fn measure(
    root: &Path,
    files: usize,
    runs: usize,
    threads: usize,
    pool: &rayon::ThreadPool,
) -> Row {
    let docs = parse_only(root, pool);
    let (findings, scanned) = lint(root, threads);
    assert_eq!(scanned, files, "resilint scanned another file set");
    // Alternate the two passes so a burst of load on a shared machine hits both.
    let none = (Duration::MAX, Duration::MAX);
    let (mut t_parse, mut t_lint) = (none, none);
    for _ in 0..runs {
        t_parse = best(
            t_parse,
            timed(|| {
                parse_only(root, pool);
            }),
        );
        t_lint = best(
            t_lint,
            timed(|| {
                lint(root, threads);
            }),
        );
    }
    (files, docs, findings, t_parse, t_lint)
}

/// Copies every file under `from` into `to`, keeping the relative paths.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<usize> {
    let mut copied = 0;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copied += copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// `copies` copies of the corpus at `corpus` under `root/envs/copy-<j>`: each copy
/// is its own deployment scope (`envs/*`), so a copy's joins resolve within it as
/// they do in the corpus alone, and the work grows with the copies.
fn replicate(corpus: &Path, root: &Path, copies: usize) -> std::io::Result<()> {
    for j in 0..copies {
        copy_tree(corpus, &root.join("envs").join(format!("copy-{j}")))?;
    }
    Ok(())
}

fn print_table(title: &str, unit: &str, rows: Vec<Row>) {
    println!("{title} (wall | CPU user+system)");
    println!("{unit:>8}    docs  findings  parse-only    resilint   ratio  growth |  parse CPU  resilint CPU   ratio  growth");
    let mut previous: Option<(Duration, Duration)> = None;
    for (files, docs, findings, t_parse, t_lint) in rows {
        let growth = |i: usize| {
            previous
                .map(|p| {
                    let (now, before) = if i == 0 {
                        (t_lint.0, p.0)
                    } else {
                        (t_lint.1, p.1)
                    };
                    format!("{:.2}x", now.as_secs_f64() / before.as_secs_f64().max(1e-9))
                })
                .unwrap_or_else(|| "-".into())
        };
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{files:>8} {docs:>7} {findings:>9} {:>8.1} ms {:>8.1} ms {:>6.2}x {:>7} | {:>7.1} ms {:>10.1} ms {:>6.2}x {:>7}",
            ms(t_parse.0),
            ms(t_lint.0),
            ratio(t_lint.0, t_parse.0),
            growth(0),
            ms(t_parse.1),
            ms(t_lint.1),
            ratio(t_lint.1, t_parse.1),
            growth(1),
        );
        previous = Some(t_lint);
    }
    println!("targets: ratio <= 3x parse-only; growth (4x the files) <= 4.8x");
}

fn main() {
    // As the binary's `main` sets it (the engine holds freed pages while it loads).
    resilint::alloc::purge_freed_pages_at_once();
    let benching = std::env::args().any(|a| a == "--bench");
    let threads: usize = std::env::var("RESILINT_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(64 << 20)
        .build()
        .expect("thread pool");
    let sizes: &[(usize, usize)] = if benching {
        &[(1000, 7), (4000, 5), (16000, 3)]
    } else {
        &[(40, 1)]
    };
    let keep = std::env::var_os("RESILINT_BENCH_KEEP").is_some_and(|v| v == "1");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let mut rows = Vec::new();
    for &(files, runs) in sizes {
        let root = target.join(format!("bench-yaml-{files}"));
        let _ = std::fs::remove_dir_all(&root);
        generate(&root, files).expect("cannot write the generated tree");
        rows.push(measure(&root, files, runs, threads, &pool));
        if !keep {
            let _ = std::fs::remove_dir_all(&root);
        }
    }
    // Under `cargo test` this is a smoke pass on a tiny tree in a debug build: its
    // timings mean nothing, and the test suite prints no benchmark verdict.
    if !benching {
        return;
    }
    print_table(
        &format!("YAML side, {threads} threads, best of alternating runs"),
        "files",
        rows,
    );
    // Optional: the same measure on real files, the corpus copied 1, 4 and 16 times.
    let Some(corpus) = std::env::var_os("RESILINT_CORPUS").map(PathBuf::from) else {
        return;
    };
    let mut rows = Vec::new();
    for (copies, runs) in [(1, 7), (4, 5), (16, 3)] {
        let root = target.join(format!("bench-corpus-{copies}"));
        let _ = std::fs::remove_dir_all(&root);
        replicate(&corpus, &root, copies).expect("cannot copy the corpus");
        let files = config_files(&root).len();
        rows.push(measure(&root, files, runs, threads, &pool));
        if !keep {
            let _ = std::fs::remove_dir_all(&root);
        }
    }
    println!();
    print_table(
        &format!(
            "Corpus {} copied 1, 4 and 16 times, {threads} threads",
            corpus.display()
        ),
        "files",
        rows,
    );
}
