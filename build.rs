//! Rebuild when a built-in rule file changes (they are embedded with `include_dir!`),
//! and capture the doc comments of the rule-file structs (`src/rules/spec.rs`,
//! `src/rules/checks/*.rs`) as data, so the README's field tables are generated from
//! the same comments serde's structs carry ([`resilint::reference`]).

use std::fmt::Write as _;
use std::path::Path;

/// `per_try_timeout` → `per-try-timeout` (serde's `rename_all = "kebab-case"`).
fn kebab(name: &str) -> String {
    name.replace('_', "-")
}

/// `RetryBudget` → `retry-budget`.
fn kebab_type(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// (field, doc, optional) of a struct's fields.
type Fields = Vec<(String, String, bool)>;
/// (struct, fields) of every struct seen.
type Structs = Vec<(String, Fields)>;

fn scan(text: &str, structs: &mut Structs, kinds: &mut Vec<(String, String, String)>) {
    let mut doc: Vec<String> = Vec::new();
    let mut default = false;
    let mut current: Option<(String, Fields)> = None;
    let mut in_check = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(d) = t.strip_prefix("///") {
            doc.push(d.trim().to_string());
            continue;
        }
        if t.starts_with("#[") {
            default |= t.contains("serde(default");
            continue;
        }
        if let Some(rest) = t.strip_prefix("pub struct ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            if rest.contains('{') {
                current = Some((name, Vec::new()));
            }
        } else if t.starts_with("pub enum Check") {
            in_check = true;
        } else if t == "}" {
            if let Some(s) = current.take() {
                structs.push(s);
            }
            in_check = false;
        } else if let Some((_, fields)) = current.as_mut() {
            let t = t.strip_prefix("pub ").unwrap_or(t);
            if let Some((name, ty)) = t.split_once(": ") {
                if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    let optional = default || ty.starts_with("Option<");
                    fields.push((kebab(name), doc.join(" "), optional));
                }
            }
        } else if in_check {
            if let Some((variant, _)) = t.split_once('(') {
                kinds.push((kebab_type(variant), variant.to_string(), doc.join(" ")));
            }
        }
        doc.clear();
        default = false;
    }
}

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files = vec![Path::new("src/rules/spec.rs").to_path_buf()];
    if let Ok(dir) = std::fs::read_dir("src/rules/checks") {
        let mut checks: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        checks.sort();
        files.extend(
            checks
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "rs")),
        );
    }
    let (mut structs, mut kinds) = (Vec::new(), Vec::new());
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        if let Ok(text) = std::fs::read_to_string(file) {
            scan(&text, &mut structs, &mut kinds);
        }
    }
    let mut out = String::from("/// (field as written, doc comment, optional).\npub type FieldDoc = (&'static str, &'static str, bool);\n/// (struct, its fields).\npub static STRUCT_DOCS: &[(&str, &[FieldDoc])] = &[\n");
    for (name, fields) in &structs {
        let _ = writeln!(out, "    ({name:?}, &[");
        for (f, d, o) in fields {
            let _ = writeln!(out, "        ({f:?}, {d:?}, {o}),");
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n/// (check kind, struct, doc comment) of `Check`'s variants.\npub static CHECK_KINDS: &[(&str, &str, &str)] = &[\n");
    for (kind, name, doc) in &kinds {
        let _ = writeln!(out, "    ({kind:?}, {name:?}, {doc:?}),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("struct_docs.rs");
    std::fs::write(dest, out).expect("cannot write struct_docs.rs");
}
