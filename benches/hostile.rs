//! Time and peak memory of the release binary on each hostile input of issue 11.
//!
//! `cargo bench --bench hostile` writes every input at full size into a temporary
//! directory, runs `resilint check` on each as a child process (the binary cargo
//! built for the bench profile, i.e. release), and prints one row per input: wall
//! time, the child's peak memory (max RSS from `wait4`), exit code, the kinds of the
//! `errors` entries it reported, the number of findings and the output size. Each
//! input is run once per output format (every `--format` value, so a new format is
//! measured too): output is written as it is rendered, and a renderer that held it
//! whole would show here first. A run over 2 s or 200 MB is flagged `OVER`, and the
//! bench then exits 1. It ends with a Markdown table (one line per input, `cpu s /
//! peak MB` per format) for the README. `--formats=json,sarif` measures only those.
//!
//! `resilint` is started from a small launcher process (the bench binary with
//! `--launcher`), since a child inherits its parent's peak RSS on Linux.
//! Each child is capped at 4 GiB of address space and 60 s, so an input that still
//! blows up ends as `killed`/`abort` instead of taking the shared machine with it.
//! `cargo bench --bench hostile -- NAME...` runs only the rows whose name contains
//! one of the NAMEs. Under `cargo test` (no `--bench` argument) it does nothing.

#[path = "hostile/child.rs"]
mod child;
#[path = "hostile/inputs.rs"]
mod inputs;

use std::fs;
use std::path::Path;

use child::{launcher, Launcher, Measure};
use inputs::CASES;

const MAX_SECONDS: f64 = 2.0;
const MAX_MB: f64 = 200.0;

/// Removes every `.resilint_cache` below `dir` (where a run caches the files it
/// read: next to the input when it lies in no repository).
fn clear_caches(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name() == ".resilint_cache" {
            let _ = fs::remove_dir_all(&path);
        } else if path.is_dir() {
            clear_caches(&path);
        }
    }
}

/// Error kinds and the finding count from JSON output (`-` for text or no output).
fn summarize_json(stdout: &[u8]) -> (String, String) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(stdout) else {
        return ("-".into(), "-".into());
    };
    let mut kinds: Vec<String> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str().map(String::from))
        .collect();
    kinds.sort();
    kinds.dedup();
    let findings = v["findings"].as_array().map_or(0, Vec::len);
    let kinds = if kinds.is_empty() {
        "none".into()
    } else {
        kinds.join(",")
    };
    (kinds, findings.to_string())
}

/// Bytes of every file below `path`.
fn input_bytes(path: &Path) -> u64 {
    match fs::read_dir(path) {
        Ok(entries) => entries.flatten().map(|e| input_bytes(&e.path())).sum(),
        Err(_) => path.metadata().map_or(0, |m| m.len()),
    }
}

/// Every `--format` the CLI offers, JSON first (its output gives the error kinds and
/// finding count shown on each row), so a new format is measured without a change here.
fn formats() -> Vec<String> {
    use clap::ValueEnum;
    let mut all: Vec<String> = resilint::cli::Format::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect();
    all.sort_by_key(|f| f != "json");
    all
}

/// The case's arguments with its `--format` replaced by `format`.
fn with_format(args: &[String], format: &str) -> Vec<String> {
    let mut args = args.to_vec();
    match args.iter().position(|a| a == "--format") {
        Some(i) => args[i + 1] = format.to_string(),
        None => {
            args.insert(0, format.to_string());
            args.insert(0, "--format".to_string());
        }
    }
    args
}

/// One measured run, kept for the closing table.
struct Row {
    case: &'static str,
    row: &'static str,
    size: u64,
    format: String,
    m: Measure,
    kinds: String,
    findings: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = env!("CARGO_BIN_EXE_resilint");
    if args.iter().any(|a| a == "--launcher") {
        return launcher(bin);
    }
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let mut launcher = Launcher::start();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    // `--formats=json,sarif`: only these formats (default: every one).
    let formats: Vec<String> = match args.iter().find_map(|a| a.strip_prefix("--formats=")) {
        Some(list) => list.split(',').map(str::to_string).collect(),
        None => formats(),
    };
    let tmp = tempfile::tempdir().expect("cannot create a temporary directory");
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').next().unwrap_or("?");
    println!("hostile inputs: {bin}; limits {MAX_SECONDS} s, {MAX_MB} MB per input and format");
    println!("formats: {}", formats.join(", "));
    println!("(load average {load} at start: wall times on a busy machine are longer than its cpu times)\n");
    println!(
        "{:<32} {:>3} {:>9} {:<8} {:>7} {:>6} {:>8} {:>5} {:<14} {:>8} {:>10}  verdict",
        "input",
        "row",
        "size",
        "format",
        "wall s",
        "cpu s",
        "peak MB",
        "exit",
        "errors",
        "findings",
        "output"
    );
    let mut over = 0;
    let mut rows: Vec<Row> = Vec::new();
    for case in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let dir = tmp.path().join(case.name);
        let check_args = (case.make)(&dir);
        let size = input_bytes(&dir);
        let out = tmp.path().join(format!("{}.out", case.name));
        let (mut kinds, mut findings) = ("-".to_string(), "-".to_string());
        for format in &formats {
            // Every run is cold, as the first run on a repository is: the cache
            // the previous format's run wrote next to the input is removed first.
            // Runs start in an empty directory, so nothing is read or written
            // in the directory the bench was started from.
            clear_caches(&dir);
            let cwd = tmp.path().join("run");
            fs::create_dir_all(&cwd).expect("cannot create the run directory");
            let m = launcher.measure(&with_format(&check_args, format), &out, &cwd);
            let _ = fs::remove_dir_all(&cwd);
            let written = fs::metadata(&out).map_or(0, |m| m.len());
            if format == "json" {
                (kinds, findings) = summarize_json(&fs::read(&out).unwrap_or_default());
            }
            let _ = fs::remove_file(&out);
            let bad = m.seconds > MAX_SECONDS || m.max_rss_mb > MAX_MB || m.code > 3 || m.killed;
            // A row whose limit the user raised past its default measures what that
            // costs; it is shown, not held to the budget of the defaults.
            let raised = case.name.ends_with("-raised");
            over += usize::from(bad && !raised);
            let verdict = match (bad, m.killed, raised) {
                (_, true, _) => "OVER (killed after 60 s)",
                (true, _, true) => "info (limit raised)",
                (true, _, false) => "OVER",
                _ => "ok",
            };
            println!(
                "{:<32} {:>3} {:>9} {:<8} {:>7.2} {:>6.2} {:>8.1} {:>5} {:<14} {:>8} {:>10}  {verdict}",
                case.name,
                case.row,
                human(size),
                format,
                m.seconds,
                m.cpu_seconds,
                m.max_rss_mb,
                m.code,
                kinds,
                findings,
                human(written),
            );
            rows.push(Row {
                case: case.name,
                row: case.row,
                size,
                format: format.clone(),
                m,
                kinds: kinds.clone(),
                findings: findings.clone(),
            });
        }
        let _ = fs::remove_dir_all(&dir);
    }
    println!("\n{over} run(s) over {MAX_SECONDS} s or {MAX_MB} MB, or crashed (exit > 3)\n");
    summary_table(&rows, &formats);
    if over > 0 {
        std::process::exit(1);
    }
}

/// The README's table: one line per input, its worst wall time over the formats,
/// and `cpu s / peak MB` per format.
fn summary_table(rows: &[Row], formats: &[String]) {
    println!(
        "| input | row | size | errors | findings | worst wall s | {} |",
        formats.join(" | ")
    );
    println!(
        "|---|---|---|---|---|---:|{}",
        "---:|".repeat(formats.len())
    );
    let mut cases: Vec<&str> = rows.iter().map(|r| r.case).collect();
    cases.dedup();
    for case in cases {
        let of: Vec<&Row> = rows.iter().filter(|r| r.case == case).collect();
        let first = of[0];
        let wall = of.iter().map(|r| r.m.seconds).fold(0.0, f64::max);
        let cells: Vec<String> = formats
            .iter()
            .map(|f| match of.iter().find(|r| &r.format == f) {
                Some(r) => format!("{:.2} / {:.0}", r.m.cpu_seconds, r.m.max_rss_mb),
                None => "-".into(),
            })
            .collect();
        println!(
            "| `{case}` | {} | {} | {} | {} | {wall:.2} | {} |",
            first.row,
            human(first.size),
            first.kinds,
            first.findings,
            cells.join(" | ")
        );
    }
}

fn human(bytes: u64) -> String {
    match bytes {
        0 => "-".into(),
        b if b < 10 << 10 => format!("{b} B"),
        b if b < 10 << 20 => format!("{} KB", b >> 10),
        b => format!("{} MB", b >> 20),
    }
}
