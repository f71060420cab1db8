//! Speed of a repeated run with the per-file cache (`.resilint_cache/`), end to end
//! through the built binary, on the generated tree of issue 10: about 1M lines of
//! Rust (2,500 modules of `rust_speed`'s generator) plus 4,000 YAML files
//! (`yaml_speed`'s generator), in one git repository.
//!
//! `cargo bench --bench cache_speed` times, best of N wall times each:
//! - cold: no cache directory (the run writes it);
//! - warm: nothing changed since the last run;
//! - warm, 5 changed: three `.rs` files and two YAML files edited since the last
//!   run (a fresh edit before each timed run, so each one has five misses);
//! - hook, 5 changed: the same edit, then the pre-commit mode on those five files
//!   (`check --changed-only FILE...`: the whole configuration and the Rust
//!   package of the `.rs` files are read, only the five files judged);
//! - hook, 2 YAML changed: the same edit, the hook naming only the two YAML files
//!   (no Rust package is read);
//! - `--no-cache`: the same tree without the cache.
//!
//! Run it with `nice` on a shared machine. `RESILINT_BENCH_RUNS` sets N (default 5).
//! Under `cargo test` the binary only runs a tiny smoke pass.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "rust_speed/uniform.rs"]
mod rust_tree;

#[allow(dead_code)]
#[path = "yaml_speed.rs"]
mod yaml_tree;

/// CPU time (user + system) of the children waited for so far: on a machine shared
/// with other builds the wall time of a run grows with the load, its CPU time less.
fn children_cpu() -> Duration {
    // SAFETY: `getrusage` fills the struct it is given and reads nothing else.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

thread_local! {
    /// CPU time of the last run.
    static LAST_CPU: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

/// A whole run of the tree (`check .`) with `extra` arguments.
fn run(root: &Path, extra: &[&str]) -> Duration {
    let mut args = vec!["check", "."];
    args.extend(extra);
    run_args(root, &args)
}

/// The pre-commit hook's run on the files `edit` changes (`check --changed-only`).
fn hook(root: &Path, files: &[&str]) -> Duration {
    let mut args = vec!["check", "--changed-only"];
    args.extend(files);
    run_args(root, &args)
}

const RUST_EDITED: [&str; 3] = ["rust/src/m0.rs", "rust/src/m1.rs", "rust/src/m2.rs"];
const YAML_EDITED: [&str; 2] = [
    "yaml/envs/dev/ns0/vs-0.yaml",
    "yaml/envs/prod/ns1/vs-1.yaml",
];

fn run_args(root: &Path, args: &[&str]) -> Duration {
    let cpu = children_cpu();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_resilint"))
        .args(args)
        .args(["--format", "json", "--quiet", "--threads", "2"])
        .current_dir(root)
        .output()
        .expect("run resilint");
    let took = start.elapsed();
    LAST_CPU.with(|c| c.set(children_cpu() - cpu));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "resilint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// Edits five files (three `.rs`, two YAML) so their content is new: a comment
/// carrying `round`.
fn edit(root: &Path, round: usize) {
    for name in RUST_EDITED {
        let path = root.join(name);
        let mut text = std::fs::read_to_string(&path).expect("bench file");
        text.push_str(&format!("// edit {round}\n"));
        std::fs::write(&path, text).expect("write bench file");
    }
    for (i, name) in YAML_EDITED.iter().enumerate() {
        let path = root.join(name);
        let mut text = std::fs::read_to_string(&path).expect("bench file");
        text.push_str(&format!("# edit {round} {i}\n"));
        std::fs::write(&path, text).expect("write bench file");
    }
}

fn ms((wall, cpu): (Duration, Duration)) -> String {
    format!(
        "{:>7.0} ms wall {:>7.0} ms CPU",
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3
    )
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("RESILINT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if benching { 5 } else { 1 });
    let (modules, yaml_files) = if benching { (2500, 4000) } else { (3, 20) };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(if benching {
            "bench-cache"
        } else {
            "bench-cache-smoke"
        });
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(".git")).expect("bench tree");
    rust_tree::generate(&root.join("rust"), modules, 1).expect("rust tree");
    yaml_tree::generate(&root.join("yaml"), yaml_files).expect("yaml tree");
    let lines: usize = walk(&root.join("rust"));
    // Best wall time of `runs`, with the CPU time of that run.
    let best = |f: &mut dyn FnMut() -> Duration| {
        (0..runs)
            .map(|_| (f(), LAST_CPU.with(std::cell::Cell::get)))
            .min()
            .unwrap()
    };
    let cold = best(&mut || {
        let _ = std::fs::remove_dir_all(root.join(".resilint_cache"));
        run(&root, &[])
    });
    run(&root, &[]);
    let warm = best(&mut || run(&root, &[]));
    let mut round = 0;
    let changed = best(&mut || {
        round += 1;
        edit(&root, round);
        run(&root, &[])
    });
    let all_edited: Vec<&str> = RUST_EDITED.iter().chain(&YAML_EDITED).copied().collect();
    let hook_all = best(&mut || {
        round += 1;
        edit(&root, round);
        hook(&root, &all_edited)
    });
    let hook_yaml = best(&mut || {
        round += 1;
        edit(&root, round);
        // The Rust files changed too, but only the YAML files are named: their
        // package is not read (the hook of a commit of configuration only).
        hook(&root, &YAML_EDITED)
    });
    let no_cache = best(&mut || run(&root, &["--no-cache"]));
    println!("tree: {lines} lines of Rust in {modules} modules, {yaml_files} YAML files; best of {runs}, 2 threads");
    println!("cold (no cache)        {}", ms(cold));
    println!("warm, nothing changed  {}", ms(warm));
    println!("warm, 5 files changed  {}", ms(changed));
    println!("hook, 5 files changed  {}", ms(hook_all));
    println!("hook, 2 YAML changed   {}", ms(hook_yaml));
    println!("--no-cache             {}", ms(no_cache));
    println!("target: 5 changed files <= 100 ms with a warm cache (the hook)");
}

/// Lines of the `.rs` files below `dir`.
fn walk(dir: &Path) -> usize {
    let mut lines = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                lines += std::fs::read_to_string(&p).map_or(0, |t| t.lines().count());
            }
        }
    }
    lines
}
