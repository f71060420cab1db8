//! Time and peak memory of the release binary on each hostile input of issue 11.
//!
//! `cargo bench --bench hostile` writes every input at full size into a temporary
//! directory, runs `resilint check` on each as a child process (the binary cargo
//! built for the bench profile, i.e. release), and prints one row per input: wall
//! time, the child's peak memory (max RSS from `wait4`), exit code, the kinds of the
//! `errors` entries it reported, the number of findings and the output size. A row
//! over 2 s or 200 MB is flagged `OVER`, and the bench then exits 1.
//!
//! `resilint` is started from a small launcher process (the bench binary with
//! `--launcher`), since a child inherits its parent's peak RSS on Linux.
//! Each child is capped at 4 GiB of address space and 60 s, so an input that still
//! blows up ends as `killed`/`abort` instead of taking the shared machine with it.
//! `cargo bench --bench hostile -- NAME...` runs only the rows whose name contains
//! one of the NAMEs. Under `cargo test` (no `--bench` argument) it does nothing.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MAX_SECONDS: f64 = 2.0;
const MAX_MB: f64 = 200.0;
const CAP_BYTES: u64 = 4 << 30;
const TIMEOUT: Duration = Duration::from_secs(60);

/// One hostile input: its files, and how `check` is run on them.
struct Case {
    /// Short name, e.g. `rs-closure-chain`.
    name: &'static str,
    /// The issue's row.
    row: &'static str,
    /// Writes the input below the given directory; returns the arguments after `check`.
    make: fn(&Path) -> Vec<String>,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "baseline-fixtures", row: "-", make: baseline },
    Case { name: "rs-closure-chain-17000", row: "1", make: closure_chain },
    Case { name: "rs-unclosed-generics-8900", row: "1", make: unclosed_generics },
    Case { name: "rs-method-chain-20000", row: "18", make: method_chain },
    Case { name: "yaml-alias-clone-2mb", row: "2", make: alias_clone },
    Case { name: "yaml-alias-long-strings-2mb", row: "2", make: alias_long_strings },
    Case { name: "yaml-billion-laughs", row: "-", make: billion_laughs },
    Case { name: "yaml-depth-100000", row: "-", make: yaml_depth },
    Case { name: "rule-glob-100000-alternatives", row: "3", make: glob_rule },
    Case { name: "vs-1000-regex-matches-35kb", row: "4", make: regex_matches },
    Case { name: "vs-1000-distinct-regexes", row: "4", make: distinct_regexes },
    Case { name: "yaml-merge-keys-1.1mb", row: "5", make: merge_keys },
    Case { name: "json-one-line-2.3mb", row: "6", make: json_one_line_big },
    Case { name: "json-one-line-111kb-text", row: "7", make: json_one_line_text },
    Case { name: "yaml-cr-only-2mb", row: "14", make: cr_only },
    Case { name: "yaml-100mb", row: "17", make: yaml_100mb },
    Case { name: "yaml-100mb-max-size-raised", row: "17", make: yaml_100mb_raised },
    Case { name: "rs-20mb", row: "17", make: rust_20mb },
    Case { name: "rs-20mb-max-size-raised", row: "17", make: rust_20mb_raised },
    Case { name: "rs-199k-tokens-statements", row: "17", make: rust_max_tokens },
    Case { name: "rs-two-199k-token-files", row: "17", make: rust_two_max_tokens },
    Case { name: "yaml-flow-list-10mb", row: "17", make: yaml_flow_list },
    Case { name: "yaml-block-list-10mb", row: "17", make: yaml_block_list },
    Case { name: "yaml-tiny-documents-10mb", row: "17", make: yaml_tiny_docs },
    Case { name: "json-array-10mb", row: "17", make: json_array },
];

/// Just under the default `max-file-size` (10 MiB), what the inputs below fill.
const UNDER_MAX_FILE: usize = (10 << 20) - 4096;

/// `a: [a,a,...]`: a 10 MB flow list inside block YAML, 5 million nodes (row 17).
fn yaml_flow_list(dir: &Path) -> Vec<String> {
    let s = format!("a: [{}a]\n", "a,".repeat(UNDER_MAX_FILE / 2 - 4));
    json_args(write(&dir.join("flow.yaml"), &s))
}

/// `- a` lines: a 10 MB block list, 2.6 million nodes (row 17).
fn yaml_block_list(dir: &Path) -> Vec<String> {
    let s = format!("a:\n{}", "- a\n".repeat(UNDER_MAX_FILE / 4 - 1));
    json_args(write(&dir.join("block.yaml"), &s))
}

/// `---\na: b\n`: a million tiny documents in 10 MB (row 17).
fn yaml_tiny_docs(dir: &Path) -> Vec<String> {
    let s = "---\na: b\n".repeat(UNDER_MAX_FILE / 9);
    json_args(write(&dir.join("docs.yaml"), &s))
}

/// `[0,0,...]`: 10 MB of JSON array, 5 million nodes (row 17).
fn json_array(dir: &Path) -> Vec<String> {
    let s = format!("[{}0]\n", "0,".repeat(UNDER_MAX_FILE / 2 - 2));
    json_args(write(&dir.join("array.json"), &s))
}

/// `fn f() { a; a; ... }` just under the default `[rust] max-tokens` (200,000):
/// the costliest tokens we found for `syn` (about 850 bytes each), row 17.
fn rust_statements(dir: &Path, name: &str) -> String {
    let s = format!("fn f() {{ {}}}\n", "a; ".repeat(99_995));
    write(&dir.join(name), &s)
}

fn rust_max_tokens(dir: &Path) -> Vec<String> {
    json_args(rust_statements(dir, "src/statements.rs"))
}

/// Two such files: the big-file gate parses them one after the other, not at once.
fn rust_two_max_tokens(dir: &Path) -> Vec<String> {
    rust_statements(dir, "src/a.rs");
    rust_statements(dir, "src/b.rs");
    json_args(dir.join("src").to_string_lossy().into_owned())
}

fn write(path: &Path, text: &str) -> String {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("cannot create the input directory");
    }
    fs::write(path, text).expect("cannot write the input");
    path.to_string_lossy().into_owned()
}

fn json_args(path: String) -> Vec<String> {
    vec!["--format".into(), "json".into(), path]
}

fn baseline(_dir: &Path) -> Vec<String> {
    json_args(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures").into())
}

/// `let _ = |a,b||a,b|...0;`: 17,000 closures, 85 KB (row 1).
fn closure_chain(dir: &Path) -> Vec<String> {
    let text = format!("fn f() {{ let _ = {}0; }}\n", "|a,b|".repeat(17_000));
    json_args(write(&dir.join("src/closures.rs"), &text))
}

/// `type T = A<u, A<u, ...`: 8,900 unclosed generics, 44 KB (row 1).
fn unclosed_generics(dir: &Path) -> Vec<String> {
    let text = format!("type T = {}u;\n", "A<u, ".repeat(8_900));
    json_args(write(&dir.join("src/generics.rs"), &text))
}

/// `x.f().f()...`: a method chain of 20,000 calls (row 18's chain limit).
fn method_chain(dir: &Path) -> Vec<String> {
    let text = format!("fn f() {{ x{}; }}\n", ".f()".repeat(20_000));
    json_args(write(&dir.join("src/chain.rs"), &text))
}

/// A flow mapping nested 250 deep around a 700,000-item list, anchored, then
/// aliased until the file is 2 MB: each alias clones the whole anchor (row 2).
fn alias_clone(dir: &Path) -> Vec<String> {
    let mut s = String::from("a: &a ");
    s.push_str(&"{k: ".repeat(250));
    s.push('[');
    s.push_str(&"0,".repeat(700_000));
    s.push_str("0]");
    s.push_str(&"}".repeat(250));
    s.push_str("\nb: [");
    while s.len() < 2_000_000 {
        s.push_str("*a, ");
    }
    s.push_str("*a]\n");
    json_args(write(&dir.join("alias.yaml"), &s))
}

/// An anchored list of 1,000 strings of 1,000 bytes, then aliases to 2 MB: few
/// nodes per alias, a megabyte per clone.
fn alias_long_strings(dir: &Path) -> Vec<String> {
    let item = "x".repeat(1_000);
    let mut s = format!("a: &a [{}]\nb: [", vec![item; 1_000].join(", "));
    while s.len() < 2_000_000 {
        s.push_str("*a, ");
    }
    s.push_str("*a]\n");
    json_args(write(&dir.join("alias-strings.yaml"), &s))
}

/// Nine levels of nine aliases each (the classic "billion laughs").
fn billion_laughs(dir: &Path) -> Vec<String> {
    let mut s = String::from("l0: &l0 [lol]\n");
    for i in 1..10 {
        let prev = format!("*l{}", i - 1);
        s.push_str(&format!("l{i}: &l{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    json_args(write(&dir.join("laughs.yaml"), &s))
}

/// 100,000 nested flow sequences.
fn yaml_depth(dir: &Path) -> Vec<String> {
    let s = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    json_args(write(&dir.join("deep.yaml"), &s))
}

/// A user rule whose `api-version` glob has 100,000 alternatives (row 3).
fn glob_rule(dir: &Path) -> Vec<String> {
    let alternatives: Vec<String> = (0..100_000)
        .map(|i| format!("g{i}.example.io/v1"))
        .collect();
    let rule = format!(
        "id = \"big/glob\"\ncategory = \"timeout\"\nseverity = \"warning\"\nsummary = \"s\"\n\
         [select]\napi-version = \"{{{}}}\"\nkind = \"VirtualService\"\neach = \"spec.http[*]\"\n\
         [check]\nkind = \"require\"\n[[check.require]]\npath = \"timeout\"\npresent = true\n\
         [docs]\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nfix = \"f\"\n",
        alternatives.join(",")
    );
    write(&dir.join("my-rules/big/glob.toml"), &rule);
    let config = write(&dir.join("resilint.toml"), "rule-dirs = [\"my-rules\"]\n");
    let vs = write(&dir.join("vs.yaml"), VS_HEAD);
    vec![
        "--format".into(),
        "json".into(),
        "--config".into(),
        config,
        vs,
    ]
}

const VS_HEAD: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
                       metadata: {name: orders}\nspec:\n  hosts: [orders]\n  http:\n";

/// One route with 1,000 `method: {regex: "\\w{1,40}"}` match blocks (one Unicode-class
/// regex, costly to compile, written 1,000 times), retried on 5xx: 35 KB (row 4).
fn regex_matches(dir: &Path) -> Vec<String> {
    let mut s = String::from(VS_HEAD);
    s.push_str("  - match:\n");
    for _ in 0..1_000 {
        s.push_str("    - method: {regex: \"\\\\w{1,40}\"}\n");
    }
    s.push_str(
        "    retries: {attempts: 3, retryOn: 5xx}\n    route: [{destination: {host: orders}}]\n",
    );
    json_args(write(&dir.join("regex.yaml"), &s))
}

/// The same with 1,000 different regexes (`\w{1,40}0` ... `\w{1,40}999`): a cache
/// of compiled regexes does not help here.
fn distinct_regexes(dir: &Path) -> Vec<String> {
    let mut s = String::from(VS_HEAD);
    s.push_str("  - match:\n");
    for i in 0..1_000 {
        let _ = writeln!(s, "    - method: {{regex: \"\\\\w{{1,40}}{i}\"}}");
    }
    s.push_str(
        "    retries: {attempts: 3, retryOn: 5xx}\n    route: [{destination: {host: orders}}]\n",
    );
    json_args(write(&dir.join("regex.yaml"), &s))
}

/// A 40,000-key anchored mapping merged (`<<:`) into one with 35,000 keys of its
/// own: 1.1 MB (row 5).
fn merge_keys(dir: &Path) -> Vec<String> {
    let mut s = String::from("base: &b\n");
    for i in 0..40_000 {
        let _ = writeln!(s, "  k{i:06}: {i}");
    }
    s.push_str("merged:\n  <<: *b\n");
    for i in 0..35_000 {
        let _ = writeln!(s, "  j{i:06}: {i}");
    }
    json_args(write(&dir.join("merge.yaml"), &s))
}

/// A VirtualService on one line whose routes (no timeout, no DestinationRule) each
/// give findings, grown to `bytes`.
fn one_line_json(bytes: usize) -> String {
    let mut s = String::from(
        "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\
         \"metadata\":{\"name\":\"m\"},\"spec\":{\"hosts\":[\"m\"],\"http\":[",
    );
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"route\":[{{\"destination\":{{\"host\":\"h{i}\"}}}}]}}"
        );
        i += 1;
    }
    s.push_str("]}}\n");
    s
}

/// 2.3 MB of minified JSON (row 6).
fn json_one_line_big(dir: &Path) -> Vec<String> {
    json_args(write(&dir.join("min.json"), &one_line_json(2_300_000)))
}

/// 111 KB of minified JSON, text output: every snippet is that line (row 7).
fn json_one_line_text(dir: &Path) -> Vec<String> {
    let path = write(&dir.join("min.json"), &one_line_json(111_000));
    vec!["--format".into(), "text".into(), path]
}

/// VirtualServices with CR-only line breaks, 2 MB (row 14).
fn cr_only(dir: &Path) -> Vec<String> {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 2_000_000 {
        let _ = write!(
            s,
            "---\rapiVersion: networking.istio.io/v1\rkind: VirtualService\rmetadata: {{name: v{i}}}\r\
             spec:\r  http:\r  - route: [{{destination: {{host: h{i}}}}}]\r"
        );
        i += 1;
    }
    json_args(write(&dir.join("cr.yaml"), &s))
}

/// 100 MB of Deployment documents (row 17): the loader's memory, few findings.
fn yaml_100mb(dir: &Path) -> Vec<String> {
    let mut s = String::with_capacity(101 << 20);
    let mut i = 0;
    while s.len() < 100 << 20 {
        let _ = write!(
            s,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels: {{app: a{i}, tier: web}}\n\
             spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: c\n        image: \"registry/app:{i}\"\n\
             \x20       env:\n        - {{name: TIMEOUT, value: \"5s\"}}\n        - {{name: RETRIES, value: \"3\"}}\n\
             \x20       ports: [{{containerPort: 8080}}, {{containerPort: 9090}}]\n"
        );
        i += 1;
    }
    json_args(write(&dir.join("big.yaml"), &s))
}

/// `args` with a `resilint.toml` that raises `max-file-size` to 200 MB (the default,
/// 10 MiB, refuses the 100 MB and 20 MB files before reading them).
fn raised(dir: &Path, mut args: Vec<String>) -> Vec<String> {
    let config = write(&dir.join("resilint.toml"), "max-file-size = \"200MB\"\n");
    args.splice(0..0, ["--config".to_string(), config]);
    args
}

fn yaml_100mb_raised(dir: &Path) -> Vec<String> {
    let args = yaml_100mb(dir);
    raised(dir, args)
}

fn rust_20mb_raised(dir: &Path) -> Vec<String> {
    let args = rust_20mb(dir);
    raised(dir, args)
}

/// 20 MB of service-like Rust: one client without a timeout per 50 functions (row 17).
fn rust_20mb(dir: &Path) -> Vec<String> {
    let mut s = String::from("use std::time::Duration;\n");
    let mut i = 0;
    while s.len() < 20 << 20 {
        if i % 50 == 0 {
            let _ = writeln!(
                s,
                "pub async fn call_{i}() -> reqwest::Result<String> {{\n    let c = reqwest::Client::new();\n    c.get(\"http://svc-{i}/x\").send().await?.text().await\n}}"
            );
        }
        let _ = writeln!(
            s,
            "pub fn work_{i}(items: &[u64], limit: Option<usize>) -> Vec<(u64, String)> {{\n    let mut out = Vec::with_capacity(items.len());\n    for (n, x) in items.iter().enumerate().take(limit.unwrap_or(usize::MAX)) {{\n        if x % 3 == 0 {{ out.push((*x, format!(\"{{n}}:{{x}}\"))); }} else {{ std::thread::sleep(Duration::from_millis(1)); }}\n    }}\n    out\n}}"
        );
        i += 1;
    }
    json_args(write(&dir.join("src/big.rs"), &s))
}

/// What one child run measured.
#[derive(serde::Serialize, serde::Deserialize)]
struct Measure {
    seconds: f64,
    /// User + system CPU time: less disturbed than wall time on a busy machine.
    cpu_seconds: f64,
    max_rss_mb: f64,
    /// Exit code, or `128 + signal`.
    code: i32,
    killed: bool,
}

/// Runs `bin` with `args` and waits for it with `wait4`, which gives this child's
/// own resource usage (`getrusage(RUSAGE_CHILDREN)` would give the maximum over
/// every child so far).
#[allow(clippy::zombie_processes)] // reaped by `wait4`, not `Child::wait`
fn measure(bin: &str, args: &[String], out: &Path) -> Measure {
    let stdout = fs::File::create(out).expect("cannot create the output file");
    let mut cmd = Command::new(bin);
    cmd.arg("check")
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: CAP_BYTES,
                rlim_max: CAP_BYTES,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    let start = Instant::now();
    let child = cmd.spawn().expect("cannot start resilint");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: plain system calls on our own child's pid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if !killed && start.elapsed() > TIMEOUT {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let seconds = start.elapsed().as_secs_f64();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measure {
        seconds,
        cpu_seconds: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_mb: usage.ru_maxrss as f64 / 1024.0,
        code,
        killed,
    }
}

/// Runs the measurements asked on standard input, one JSON line each (`[output,
/// args...]`), and answers each with a JSON [`Measure`].
///
/// Linux hands a forked child its parent's peak RSS (`ru_maxrss` survives `fork`
/// and `exec`), and the bench itself holds inputs of up to 100 MB while writing
/// them. So `resilint` is started from this small process, started before any
/// input exists, never from the bench.
fn launcher(bin: &str) {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let mut request: Vec<String> = serde_json::from_str(&line).expect("a JSON request");
        let out = request.remove(0);
        let m = measure(bin, &request, Path::new(&out));
        let reply = serde_json::to_string(&m).expect("a JSON reply");
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

/// The bench's end of a [`launcher`] process.
struct Launcher {
    child: std::process::Child,
    replies: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Launcher {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("the bench's own path"))
            .arg("--launcher")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start the launcher");
        let stdout = child.stdout.take().expect("a piped stdout");
        let replies = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        Launcher { child, replies }
    }

    fn measure(&mut self, args: &[String], out: &Path) -> Measure {
        use std::io::Write;
        let mut request = vec![out.to_string_lossy().into_owned()];
        request.extend(args.iter().cloned());
        let stdin = self.child.stdin.as_mut().expect("a piped stdin");
        writeln!(stdin, "{}", serde_json::to_string(&request).unwrap()).expect("launcher gone");
        stdin.flush().expect("launcher gone");
        let reply = self
            .replies
            .next()
            .expect("launcher gone")
            .expect("launcher gone");
        serde_json::from_str(&reply).expect("a JSON reply")
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
    let tmp = tempfile::tempdir().expect("cannot create a temporary directory");
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').next().unwrap_or("?");
    println!("hostile inputs: {bin}; limits {MAX_SECONDS} s, {MAX_MB} MB per input");
    println!("(load average {load} at start: wall times on a busy machine are longer than its cpu times)\n");
    println!(
        "{:<32} {:>3} {:>9} {:>7} {:>6} {:>8} {:>5} {:<14} {:>8} {:>10}  verdict",
        "input",
        "row",
        "size",
        "wall s",
        "cpu s",
        "peak MB",
        "exit",
        "errors",
        "findings",
        "output"
    );
    let mut over = 0;
    for case in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let dir = tmp.path().join(case.name);
        let check_args = (case.make)(&dir);
        let out = tmp.path().join(format!("{}.out", case.name));
        let m = launcher.measure(&check_args, &out);
        let stdout = fs::read(&out).unwrap_or_default();
        let (kinds, findings) = summarize_json(&stdout);
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
            "{:<32} {:>3} {:>9} {:>7.2} {:>6.2} {:>8.1} {:>5} {:<14} {:>8} {:>10}  {verdict}",
            case.name,
            case.row,
            human(input_bytes(&dir)),
            m.seconds,
            m.cpu_seconds,
            m.max_rss_mb,
            m.code,
            kinds,
            findings,
            human(stdout.len() as u64),
        );
        let _ = fs::remove_dir_all(&dir);
        let _ = fs::remove_file(tmp.path().join(format!("{}.out", case.name)));
    }
    println!("\n{over} input(s) over {MAX_SECONDS} s or {MAX_MB} MB, or crashed (exit > 3)");
    if over > 0 {
        std::process::exit(1);
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
