//! Speed baseline: discover the same files `resilint check` reads, then only read
//! and `syn::parse_file` each Rust file, on a local pool with the same thread count
//! and stack size. Compare its wall time with `resilint check`.
//!
//! `cargo run --release --example parse_only -- PATH [THREADS]`

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use resilint::discover::{discover, FileKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let start = Instant::now();
    let (candidates, _) = discover(&[root], &[], &[], false).expect("discover");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(64 * 1024 * 1024)
        .build()
        .expect("pool");
    let (files, lines, failed) = pool.install(|| {
        candidates
            .par_iter()
            .filter(|c| c.kind == FileKind::Rust)
            .map(|c| {
                let text = std::fs::read_to_string(&c.path).unwrap_or_default();
                let lines = text.lines().count();
                // No depth pre-scan here: run it only on trees known to be sane.
                let ok = syn::parse_file(&text).is_ok();
                proc_macro2::extra::invalidate_current_thread_spans();
                (1usize, lines, usize::from(!ok))
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    });
    eprintln!(
        "parse-only: {files} Rust files, {lines} lines, {failed} not parsed, {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
