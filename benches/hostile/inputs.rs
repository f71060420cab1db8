//! The hostile inputs of issue 11, each written at full size by a function of
//! the directory it goes in, which returns the arguments `check` is run with.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// One hostile input: its files, and how `check` is run on them.
pub struct Case {
    /// Short name, e.g. `rs-closure-chain`.
    pub name: &'static str,
    /// The issue's row.
    pub row: &'static str,
    /// Writes the input below the given directory; returns the arguments after `check`.
    pub make: fn(&Path) -> Vec<String>,
}

#[rustfmt::skip]
pub const CASES: &[Case] = &[
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

/// The project's fixtures, copied (so that the run's cache is written, and
/// removed, in the temporary directory, not in the repository).
fn baseline(dir: &Path) -> Vec<String> {
    copy_tree(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")),
        dir,
    );
    json_args(dir.to_string_lossy().into_owned())
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("cannot create the input directory");
    for entry in fs::read_dir(from)
        .expect("cannot read the fixtures")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("cannot copy a fixture");
        }
    }
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
