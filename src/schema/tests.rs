use std::collections::BTreeSet;
use std::path::Path as FsPath;

use super::{for_platform, nearest, Field};
use crate::classify::Platform;
use crate::tree::{Node, Value};

/// Every key path (`clients[*].timeout`) a shape declares.
fn declared(fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = format!("{prefix}{}", f.key);
        out.insert(path.clone());
        if let Some((inner, infix)) = f.ty.children() {
            declared(inner, &format!("{path}{infix}"), out);
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
            max_tokens: rust::scan::MAX_TOKENS,
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

/// The normalised Spring documents of every `application*`/`bootstrap*` file below
/// `dir`, linked as the engine links them (one view per directory and profile).
fn spring_documents(dir: &FsPath) -> Vec<crate::load::Document> {
    let mut files = Vec::new();
    let mut docs = Vec::new();
    let walk = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walk.filter_map(Result::ok) {
        let path = entry.into_path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let spring = name.starts_with("application") || name.starts_with("bootstrap");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !spring || !matches!(ext, "yml" | "yaml" | "properties") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let source = crate::source::SourceFile::new(path.display().to_string(), path.clone(), text);
        let index = files.len();
        let mut loaded = if ext == "properties" {
            crate::load::load_properties(index, &source).0
        } else {
            crate::load::load_config(index, &source).docs
        };
        loaded.iter_mut().for_each(crate::normalise::document);
        docs.extend(loaded);
        files.push(source);
    }
    crate::normalise::link(&mut docs, &files);
    docs.retain(|d| d.meta.platform == Platform::Spring);
    docs
}

#[test]
fn every_key_the_spring_normaliser_writes_walks_the_spring_shape() {
    let root = FsPath::new(env!("CARGO_MANIFEST_DIR"));
    let shape = for_platform(Platform::Spring).unwrap();
    let mut keys = BTreeSet::new();
    for dir in ["fixtures/spring", "fixtures/resilience4j", "demo/services"] {
        for doc in spring_documents(&root.join(dir)) {
            seen(&doc.root, "", &mut keys);
        }
    }
    assert!(keys.len() > 40, "too few keys seen: {keys:?}");
    let refused: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let path = crate::rules::path::Path::parse(k).ok()?;
            super::walk(shape, super::Pos::Map(shape.fields, shape.open), &path)
                .err()
                .map(|e| e.message)
        })
        .collect();
    assert!(
        refused.is_empty(),
        "normalised keys the Spring shape refuses: {refused:#?}"
    );
    // What the normaliser derives must be declared, not merely allowed.
    let mut known = BTreeSet::new();
    declared(shape.fields, "", &mut known);
    for derived in [
        "resilience4j.backend-names.<name>.timelimiter",
        "resilience4j.retry.instances.<name>.origin",
        "spring.cloud.gateway.routes[*].local",
        "spring.cloud.gateway.routes[*].circuit-breaker",
        "spring.cloud.openfeign.client.config.<name>.read-timeout",
    ] {
        assert!(known.contains(derived), "{derived} is not declared");
    }
}

#[test]
fn open_maps_refuse_typos_and_other_spellings_but_allow_other_keys() {
    let shape = for_platform(Platform::Spring).unwrap();
    let check = |p: &str| {
        let path = crate::rules::path::Path::parse(p).unwrap();
        super::walk(shape, super::Pos::Map(shape.fields, shape.open), &path).map_err(|e| e.message)
    };
    assert!(check("resilience4j.retry.instances[*].wait-duration").is_ok());
    assert!(check("resilience4j.retry.instances.payments.origin.wait-duration").is_ok());
    assert!(check("management.endpoints.web.exposure").is_ok());
    assert!(check("resilience4j.bulkhead.instances[*].max-concurrent-calls").is_ok());
    let typo = check("resilience4j.retry.instances[*].wait-duraton").unwrap_err();
    assert!(typo.contains("did you mean `wait-duration`"), "{typo}");
    let camel = check("resilience4j.retry.instances[*].waitDuration").unwrap_err();
    assert!(camel.contains("write `wait-duration`"), "{camel}");
    let root = check("resilience4jj.retry").unwrap_err();
    assert!(root.contains("did you mean `resilience4j`"), "{root}");
    let list = check("spring.cloud.gateway.routes.id").unwrap_err();
    assert!(list.contains("follows a list"), "{list}");
}
