//! Speed and peak memory of the Rust side against a parse-only pass over the same files.
//!
//! `cargo bench --bench rust_speed` generates deterministic workspaces of varied,
//! service-like Rust ([`varied`]: packages with different dependencies, files from
//! a few lines to a few thousand, plain code, tests, handlers, clients and retries in
//! realistic proportions) of about 300k and 1M lines under `target/bench-tree-<lines>`
//! (`RESILINT_BENCH_LINES=300000,1000000` sets the sizes) and measures, with the same
//! thread count, (a) parse-only: discover the files `resilint check` reads, read
//! every `.rs` file and `syn::parse_file` it; (b) a full `resilint check` through the
//! library. Each pass runs in a child process of its own (this binary again), so its
//! wall time, CPU time (user + system) and peak RSS are its own; the two alternate,
//! `RESILINT_BENCH_RUNS` (default 5) runs each, and the best time and the largest
//! peak of each are reported, with the ratios (target: 1.2x parse-only; 150 MB at 1M
//! lines). A third pass, (c) warm, is (b) with the per-file cache on and nothing
//! changed since the run that filled it (a cache directory of the bench's own, filled
//! once before the runs): a warm run reads every file's facts from the cache and
//! decodes what the link steps ask, so its peak is not the cold run's.
//!
//! `cargo bench --bench rust_speed -- /path/to/repo` measures a real repository
//! instead. `RESILINT_BENCH_THREADS` sets the thread count (default 2, the CI
//! machine's cores). `RESILINT_BENCH_DENSE=1` measures the older uniform tree with
//! every fetch function a retry loop (a worst case for the retry analysis). Under
//! `cargo test` the binary only runs a tiny smoke pass, in process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[path = "rust_speed/varied.rs"]
mod varied;

#[path = "rust_speed/uniform.rs"]
mod uniform;
use uniform::generate;

/// The binary's allocator, so both passes allocate as `resilint check` does.
#[global_allocator]
static ALLOCATOR: resilint::alloc::Hybrid = resilint::alloc::Hybrid;

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

fn parse_only(root: &Path, threads: usize) -> usize {
    // The floor gets the allocator setting the engine loads under.
    resilint::alloc::hold_freed_pages();
    let files = rust_files(root);
    pool(threads).install(|| {
        files
            .par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                usize::from(syn::parse_file(&text).is_ok())
            })
            .sum()
    })
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(64 << 20)
        .build()
        .expect("thread pool")
}

/// Lints only the Rust side (a config whose `include` is `**/*.rs`), so both passes
/// read the same files; YAML and JSON in a real repository are not part of the figure.
/// With `cache`, the per-file cache is on, in that directory of the temporary
/// directory (where the config is: `[cache] dir` is below the config's); else off.
fn lint(root: &Path, threads: usize, cache: Option<&str>) -> usize {
    let config = std::env::temp_dir().join(format!("resilint-bench-{}.toml", std::process::id()));
    let setting = match cache {
        Some(dir) => format!("dir = {dir:?}"),
        None => "enabled = false".to_string(),
    };
    std::fs::write(
        &config,
        format!("include = [\"**/*.rs\"]\n[cache]\n{setting}\n"),
    )
    .expect("cannot write the bench config");
    let options = resilint::engine::Options {
        paths: vec![root.to_path_buf()],
        config: Some(config.clone()),
        threads: Some(threads),
    };
    let extras = resilint::engine::Extras {
        cache: cache.is_some(),
        ..Default::default()
    };
    let scanned = resilint::engine::run_with(&options, &extras)
        .map(|o| o.report.files_scanned)
        .unwrap_or(0);
    let _ = std::fs::remove_file(config);
    scanned
}

/// What one child run measured.
#[derive(Clone, Copy)]
struct Measure {
    wall: Duration,
    /// User + system CPU time: less disturbed than wall time on a busy machine.
    cpu: Duration,
    max_rss_mb: f64,
}

/// The environment variable naming the warm pass's cache directory (in the
/// temporary directory) to a child.
const CACHE_DIR_VAR: &str = "RESILINT_BENCH_CACHE_DIR";

/// Runs this binary again as `--child <pass> <root> <threads>` and waits for it with
/// `wait4`, which gives that child's own CPU time and peak RSS. `cache`: the
/// directory of the warm pass's cache ([`lint`]).
#[allow(clippy::zombie_processes)] // reaped by `wait4`, not `Child::wait`
fn measure(pass: &str, root: &Path, threads: usize, cache: &str) -> Measure {
    let exe = std::env::current_exe().expect("own path");
    let start = Instant::now();
    let child = std::process::Command::new(exe)
        .args(["--child", pass])
        .arg(root)
        .arg(threads.to_string())
        .env(CACHE_DIR_VAR, cache)
        .spawn()
        .expect("cannot start the child pass");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a plain system call on our own child's pid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert!(
        r == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the {pass} pass failed"
    );
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measure {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_mb: usage.ru_maxrss as f64 / 1024.0,
    }
}

/// Best wall and CPU time and largest peak over `runs` alternating runs of each pass
/// (alternating, so a burst of load on a shared machine hits all three): parse-only,
/// resilint without a cache, resilint warm. The warm pass's cache is filled by one
/// run first, in a directory of its own, removed after.
fn bench(root: &Path, threads: usize, runs: usize) -> [Measure; 3] {
    let worst = Measure {
        wall: Duration::MAX,
        cpu: Duration::MAX,
        max_rss_mb: 0.0,
    };
    let cache = format!("resilint-bench-cache-{}", std::process::id());
    let dir = std::env::temp_dir().join(&cache);
    let _ = std::fs::remove_dir_all(&dir);
    measure("warm", root, threads, &cache);
    let mut best = [worst; 3];
    for _ in 0..runs {
        for (i, pass) in ["parse", "lint", "warm"].into_iter().enumerate() {
            let m = measure(pass, root, threads, &cache);
            best[i].wall = best[i].wall.min(m.wall);
            best[i].cpu = best[i].cpu.min(m.cpu);
            best[i].max_rss_mb = best[i].max_rss_mb.max(m.max_rss_mb);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    best
}

fn report(root: &Path, threads: usize, [parse, lint, warm]: [Measure; 3]) {
    let files = rust_files(root);
    let lines: usize = files
        .iter()
        .map(|p| std::fs::read_to_string(p).map_or(0, |t| t.lines().count()))
        .sum();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{}: {} .rs files, {lines} lines, {threads} threads\n\
         \x20               wall        CPU   peak RSS\n\
         \x20 parse-only {:>8.1} ms {:>8.1} ms {:>7.1} MB\n\
         \x20 resilint   {:>8.1} ms {:>8.1} ms {:>7.1} MB\n\
         \x20 warm       {:>8.1} ms {:>8.1} ms {:>7.1} MB   (cache on, nothing changed)\n\
         \x20 ratio      {:>8.2}x   {:>8.2}x   (target <= 1.2x; 150 MB at 1M lines, cold and warm)",
        root.display(),
        files.len(),
        ms(parse.wall),
        ms(parse.cpu),
        parse.max_rss_mb,
        ms(lint.wall),
        ms(lint.cpu),
        lint.max_rss_mb,
        ms(warm.wall),
        ms(warm.cpu),
        warm.max_rss_mb,
        ms(lint.wall) / ms(parse.wall).max(1e-9),
        ms(lint.cpu) / ms(parse.cpu).max(1e-9),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env_num = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(d)
    };
    let threads = env_num("RESILINT_BENCH_THREADS", 2);
    if let [flag, pass, root, threads] = &args[..] {
        if flag == "--child" {
            // As the binary's `main` sets it.
            resilint::alloc::purge_freed_pages_at_once();
            let (root, threads) = (Path::new(root), threads.parse().unwrap_or(2));
            let cache = std::env::var(CACHE_DIR_VAR).ok();
            let done = match pass.as_str() {
                "parse" => parse_only(root, threads),
                "warm" => lint(root, threads, cache.as_deref()),
                _ => lint(root, threads, None),
            };
            std::process::exit(if done > 0 { 0 } else { 1 });
        }
    }
    let benching = args.iter().any(|a| a == "--bench");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    if !benching {
        // Under `cargo test`: a smoke pass on a tiny tree in a debug build, in
        // process; its timings mean nothing and it prints no verdict.
        let dir = target.join("bench-tree-smoke");
        let _ = std::fs::remove_dir_all(&dir);
        varied::generate(&dir, 2_000).expect("cannot write the generated tree");
        assert!(parse_only(&dir, threads) > 0, "nothing parsed");
        assert!(lint(&dir, threads, None) > 0, "resilint scanned nothing");
        let cache = format!("resilint-bench-smoke-cache-{}", std::process::id());
        for _ in ["cold", "warm"] {
            assert!(
                lint(&dir, threads, Some(&cache)) > 0,
                "resilint scanned nothing"
            );
        }
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(cache));
        return;
    }
    let runs = env_num("RESILINT_BENCH_RUNS", 5);
    if let Some(dir) = args.iter().find(|a| !a.starts_with("--")) {
        report(
            Path::new(dir),
            threads,
            bench(Path::new(dir), threads, runs),
        );
        return;
    }
    if std::env::var_os("RESILINT_BENCH_DENSE").is_some() {
        let dir = target.join("bench-tree-dense");
        let _ = std::fs::remove_dir_all(&dir);
        generate(&dir, 1000, 12).expect("cannot write the generated tree");
        report(&dir, threads, bench(&dir, threads, runs));
        return;
    }
    let sizes = std::env::var("RESILINT_BENCH_LINES").unwrap_or_else(|_| "300000,1000000".into());
    for lines in sizes
        .split(',')
        .filter_map(|n| n.trim().parse::<usize>().ok())
    {
        let dir = target.join(format!("bench-tree-{lines}"));
        let _ = std::fs::remove_dir_all(&dir);
        varied::generate(&dir, lines).expect("cannot write the generated tree");
        report(&dir, threads, bench(&dir, threads, runs));
    }
}
