use std::collections::BTreeSet;
use std::path::Path as FsPath;

use super::{for_platform, nearest, Field, Ty};
use crate::classify::Platform;
use crate::tree::{Node, Value};

/// Every key path (`clients[*].timeout`) a shape declares.
fn declared(fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = format!("{prefix}{}", f.key);
        out.insert(path.clone());
        match f.ty {
            Ty::List(items) => declared(items, &format!("{path}[*]."), out),
            Ty::Map(inner) => declared(inner, &format!("{path}."), out),
            _ => {}
        }
    }
}

fn seen(node: &Node, prefix: &str, out: &mut BTreeSet<String>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let path = format!("{prefix}{}", k.as_str().unwrap_or("?"));
                out.insert(path.clone());
                seen(v, &format!("{path}."), out);
            }
        }
        Value::Seq(items) => {
            let prefix = format!("{}[*].", prefix.trim_end_matches('.'));
            for item in items {
                seen(item, &prefix, out);
            }
        }
        Value::Scalar(_) => {}
    }
}

/// The fact documents of every `.rs` file below `dir`, one package per directory.
fn rust_documents(dir: &FsPath) -> Vec<crate::load::Document> {
    use crate::extract::rust;
    let catalog = crate::engine::load_catalog(&crate::config::Config::default()).expect("catalog");
    let mut by_dir: std::collections::BTreeMap<std::path::PathBuf, Vec<std::path::PathBuf>> =
        Default::default();
    let walk = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build();
    for entry in walk.filter_map(Result::ok) {
        let path = entry.into_path();
        if path.extension().is_some_and(|e| e == "rs") {
            let parent = path.parent().unwrap().to_path_buf();
            by_dir.entry(parent).or_default().push(path);
        }
    }
    let mut docs = Vec::new();
    for (i, files) in by_dir.values().enumerate() {
        let ctx = rust::Ctx {
            catalog: &catalog,
            deps: None,
        };
        let package: Vec<(usize, rust::FileFacts)> = files
            .iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                let source =
                    crate::source::SourceFile::new(p.display().to_string(), p.clone(), text);
                rust::summarize(&source, &ctx).ok().map(|f| (i, f))
            })
            .collect();
        docs.extend(rust::link::link(&package, &catalog));
    }
    docs
}

#[test]
fn the_rust_shape_declares_every_key_the_extractor_writes() {
    let root = FsPath::new(env!("CARGO_MANIFEST_DIR"));
    let shape = for_platform(Platform::Rust).unwrap();
    let mut known = BTreeSet::new();
    declared(shape.fields, "", &mut known);
    let mut keys = BTreeSet::new();
    for dir in ["fixtures/rust", "demo/services"] {
        for doc in rust_documents(&root.join(dir)) {
            seen(&doc.root, "", &mut keys);
        }
    }
    assert!(keys.len() > 15, "too few keys seen: {keys:?}");
    let undeclared: Vec<_> = keys.difference(&known).collect();
    assert!(
        undeclared.is_empty(),
        "keys written by the Rust extractor but not declared in src/schema/rust.rs: {undeclared:?}"
    );
}

#[test]
fn near_misses_are_suggested_and_far_ones_are_not() {
    let keys = ["clients", "calls", "retries", "routes"];
    assert_eq!(nearest("client", keys.iter().copied()), Some("clients"));
    assert_eq!(nearest("retry", keys.iter().copied()), Some("retries"));
    assert_eq!(nearest("zzz", keys.iter().copied()), None);
}
