//! The load step through the per-file cache ([`crate::cache`]): a file whose
//! content (with its path as given, and for Rust its package's dependencies and
//! `max-tokens`) is the cache's is decoded instead of parsed.

use xxhash_rust::xxh3::xxh3_64;

use super::Loaded;
use crate::cache::{self, content_hash, Blob, Cache, CachedError, Entry, EntryRef, Saved};
use crate::discover::{self, Candidate, FileKind};
use crate::extract::rust::Extractor;
use crate::report::FileError;
use crate::source::SourceFile;

/// Files of this size or more are parsed every run, never cached.
const MAX_CACHED_BYTES: usize = 1 << 20;

/// Loads candidate `index` from its `text`: decoded from `cache` under `key` when
/// the entry is there, else by `parse`. Also returns what the next cache keeps for
/// the file (`None`: nothing, as for standard input, manifests and unread files).
pub(super) fn load(
    index: usize,
    c: &Candidate,
    text: Result<String, FileError>,
    (rust, max_tokens): (&Extractor, usize),
    (cache, key): (&Cache, &str),
    parse: impl FnOnce(Result<String, FileError>) -> Loaded,
) -> (Loaded, Option<Saved>) {
    let text = match text {
        Ok(t) if c.kind != FileKind::Manifest && !discover::is_stdin(&c.path) => t,
        other => return (parse(other), None),
    };
    // A big file's encoded entry is held until the cache is saved, beside its tree:
    // a 10 MB YAML list took 252 MB instead of 164 MB. Such files are rare and
    // parsed one at a time anyway (`crate::load::gate`); they are not cached.
    if text.len() >= MAX_CACHED_BYTES {
        return (parse(Ok(text)), None);
    }
    // The path as given is part of the hash: facts hold paths in that form.
    let mut extra = xxh3_64(c.path.as_os_str().as_encoded_bytes());
    if c.kind == FileKind::Rust {
        extra ^= deps_hash(rust, index).rotate_left(17) ^ (max_tokens as u64).rotate_left(41);
    }
    let hash = content_hash(&text, extra);
    let saved = |blob| Saved {
        path: key.to_string(),
        hash,
        blob,
    };
    if let Some(entry) = cache.get(key, hash).and_then(cache::decode) {
        let source = SourceFile::new(c.display.clone(), c.path.clone(), text);
        let loaded = match entry {
            Entry::Docs(mut docs, errors) => {
                docs.iter_mut().for_each(|d| d.file = index);
                let errors = errors.into_iter().map(|e| e.restore(&c.display)).collect();
                Loaded::Docs(source, docs, errors)
            }
            Entry::Rust(facts) => Loaded::Rust(source, facts),
            Entry::Failed(e) => Loaded::Failed(Some(source), e.restore(&c.display)),
        };
        return (loaded, Some(saved(Blob::Old)));
    }
    let loaded = parse(Ok(text));
    let entry = match &loaded {
        Loaded::Docs(_, docs, errors) => Some(EntryRef::Docs(
            docs,
            errors.iter().map(CachedError::of).collect(),
        )),
        Loaded::Rust(_, facts) => Some(EntryRef::Rust(facts)),
        Loaded::Failed(Some(_), e) => Some(EntryRef::Failed(CachedError::of(e))),
        Loaded::Failed(None, _) => None,
    };
    let blob = entry.and_then(|e| e.encode()).map(Blob::New);
    (loaded, blob.map(saved))
}

/// A hash of the dependencies of the package of candidate `index` (0 outside any
/// package): a Rust file's facts depend on them.
fn deps_hash(rust: &Extractor, index: usize) -> u64 {
    let Some(deps) = rust.deps_of(index) else {
        return 0;
    };
    let mut names: Vec<(&String, &String)> = deps.names.iter().collect();
    names.sort();
    let text: String = names.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    xxh3_64(text.as_bytes())
}

/// The run's cache, or `None` when it is off (`--no-cache`, `[cache] enabled =
/// false` in the root configuration). It lives in `[cache] dir`, else in
/// `.resilint_cache` at the repository root; its key covers the configuration
/// files in play and the root configuration's rule directories.
pub(super) fn open_cache(configs: &crate::configs::Configs, wanted: bool) -> Option<Cache> {
    let root = configs.root();
    if !wanted || !root.cache.enabled {
        return None;
    }
    let dir = match &root.cache.dir {
        Some(d) => root.base.join(d),
        None => configs.boundary().join(cache::DIR_NAME),
    };
    let mut inputs: Vec<Vec<u8>> = configs
        .list
        .iter()
        .filter(|c| !c.source.is_empty())
        .map(|c| std::fs::read(&c.source).unwrap_or_default())
        .collect();
    for rule_dir in &root.rule_dirs {
        for file in crate::rules::toml_files(&root.base.join(rule_dir)).unwrap_or_default() {
            let mut named = file.to_string_lossy().into_owned().into_bytes();
            named.extend(std::fs::read(&file).unwrap_or_default());
            inputs.push(named);
        }
    }
    let key = Cache::key(inputs.iter().map(Vec::as_slice));
    Some(Cache::open(cache::version_dir(&dir), key))
}
