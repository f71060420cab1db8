//! The load step through the per-file cache ([`crate::cache`]): a file whose
//! content (with its path as given, and for Rust its package's dependencies and
//! `max-tokens`) is the cache's is decoded instead of parsed; a file whose settled
//! `stat` is the cache's is not even read ([`read`]), its text read on first use.

use std::path::PathBuf;
use std::time::SystemTime;

use xxhash_rust::xxh3::xxh3_64;

use super::load_file::Loaded;
use crate::cache::{
    self, content_hash, Blob, Cache, CachedError, Entry, EntryRef, Fresh, Saved, Stat, Unkeyed,
};
use crate::discover::{self, Candidate, FileKind};
use crate::extract::rust::Extractor;
use crate::report::FileError;
use crate::source::{KeptLines, SourceFile};

/// Files of this size or more are parsed every run, never cached.
const MAX_CACHED_BYTES: usize = 1 << 20;

/// A candidate before it is loaded.
pub(super) enum Input {
    /// Its text as read (or why not), with its settled `stat` taken before reading.
    Text(Result<String, FileError>, Option<Stat>),
    /// Not read: its `stat` vouches for the cache's entry.
    Fresh(Fresh, Stat),
}

impl Input {
    /// The text, when it was read.
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Input::Text(Ok(text), _) => Some(text),
            _ => None,
        }
    }

    /// The text, read now if it was not.
    pub(super) fn into_text(self, c: &Candidate, max_size: u64) -> Result<String, FileError> {
        match self {
            Input::Text(text, _) => text,
            Input::Fresh(..) => crate::load::read_text_max(&c.path, &c.display, max_size),
        }
    }
}

/// What a candidate's cache entry depends on besides its text.
pub(super) struct Inputs<'a> {
    pub rust: &'a Extractor,
    pub max_tokens: usize,
    /// The configuration's `max-file-size`, to read the text of a file not read.
    pub max_size: u64,
    /// The text of a `.rs` file whose `stat` vouches for its entry is read on first
    /// use only (`--changed-only`: only the changed files are judged).
    pub lazy_rust: bool,
}

impl Inputs<'_> {
    /// The part of a file's content hash that is not its text: the path as given
    /// (facts hold paths in that form), for Rust the package's dependencies and
    /// `max-tokens`.
    fn extra(&self, index: usize, c: &Candidate) -> u64 {
        let mut extra = xxh3_64(c.path.as_os_str().as_encoded_bytes());
        if c.kind == FileKind::Rust {
            extra ^= self.rust.deps_fingerprint(index).rotate_left(17)
                ^ (self.max_tokens as u64).rotate_left(41);
        }
        extra
    }
}

/// Whether the cache takes `c` at all (standard input and manifests are read).
fn cacheable(c: &Candidate) -> bool {
    c.kind != FileKind::Manifest && !discover::is_stdin(&c.path)
}

/// Candidate `index` before loading: not read when its settled `stat` (taken at
/// `now`) and inputs are those of its entry in `cache` under `key`, else read by
/// `read_text`.
pub(super) fn read(
    index: usize,
    c: &Candidate,
    inputs: &Inputs<'_>,
    (cache, key, now): (&Cache, &str, SystemTime),
    read_text: impl FnOnce() -> Result<String, FileError>,
) -> Input {
    if !cacheable(c) {
        return Input::Text(read_text(), None);
    }
    let stat = Stat::settled(&c.path, now);
    // A `.rs` file's text is read all the same (in parallel, here): the integration
    // graph looks at most of them (lines of clients, the text around retry loops).
    if let (Some(stat), false) = (stat, c.kind == FileKind::Rust && !inputs.lazy_rust) {
        match cache.fresh(key, &stat, inputs.extra(index, c)) {
            Some(fresh) if !fresh.read => return Input::Fresh(fresh, stat),
            _ => {}
        }
    }
    Input::Text(read_text(), stat)
}

/// Loads candidate `index` from its `input`: decoded from `cache` under `key` when
/// the entry is there, else by `parse`. Also returns what the next cache keeps for
/// the file (`None`: nothing, as for standard input, manifests and unread files).
pub(super) fn load(
    index: usize,
    c: &Candidate,
    input: Input,
    inputs: &Inputs<'_>,
    (cache, key): (&Cache, &str),
    parse: impl FnOnce(Result<String, FileError>) -> Loaded,
) -> (Loaded, Option<Saved>) {
    let (text, stat) = match input {
        Input::Fresh(fresh, stat) => {
            let source = |lines: Option<&_>| {
                SourceFile::unread(c.display.clone(), c.path.clone(), inputs.max_size, lines)
            };
            if let Ok(loaded) = decoded(index, c, cache.entry(key, fresh.hash), source) {
                let saved = Saved {
                    path: key.to_string(),
                    hash: fresh.hash,
                    extra: inputs.extra(index, c),
                    stat: Some(stat),
                    read: fresh.read,
                    blob: Blob::Old,
                };
                return (loaded, Some(saved));
            }
            // The entry does not decode after all: read and parse the file.
            let text = crate::load::read_text_max(&c.path, &c.display, inputs.max_size);
            (text, Some(stat))
        }
        Input::Text(text, stat) => (text, stat),
    };
    let text = match text {
        Ok(t) if cacheable(c) => t,
        other => return (parse(other), None),
    };
    // A big file's encoded entry is held until the cache is saved, beside its tree:
    // a 10 MB YAML list took 252 MB instead of 164 MB. Such files are rare and
    // parsed one at a time anyway (`crate::load::gate`); they are not cached.
    if text.len() >= MAX_CACHED_BYTES {
        return (parse(Ok(text)), None);
    }
    let extra = inputs.extra(index, c);
    let hash = content_hash(&text, extra);
    let read = c.kind == FileKind::Rust && Extractor::may_declare_test_modules(&text);
    let saved = |blob| Saved {
        path: key.to_string(),
        hash,
        extra,
        stat,
        read,
        blob,
    };
    if let Some(entry) = cache.entry(key, hash) {
        let source = SourceFile::new(c.display.clone(), c.path.clone(), text);
        let source = |lines: Option<&KeptLines>| {
            source.keep_lines(lines);
            source
        };
        return match decoded(index, c, Some(entry), source) {
            Ok(loaded) => (loaded, Some(saved(Blob::Old))),
            Err(source) => fresh_parse(Ok(source.text.into_string()), parse, saved),
        };
    }
    fresh_parse(Ok(text), parse, saved)
}

/// The file loaded from its decoded cache `entry`, its source made by `source`
/// from the kept position tables; the source back when there is no entry.
fn decoded(
    index: usize,
    c: &Candidate,
    entry: Option<cache::Decoded>,
    source: impl FnOnce(Option<&KeptLines>) -> SourceFile,
) -> Result<Loaded, Box<SourceFile>> {
    let Some((lines, entry)) = entry else {
        return Err(Box::new(source(None)));
    };
    let source = source(lines.as_ref());
    Ok(match entry {
        Entry::Docs(mut docs, errors) => {
            docs.iter_mut().for_each(|d| d.file = index);
            let errors = errors.into_iter().map(|e| e.restore(&c.display)).collect();
            Loaded::Docs(source, docs, errors)
        }
        Entry::Rust(facts) => Loaded::Rust(source, facts),
        Entry::Failed(e) => Loaded::Failed(Some(source), e.restore(&c.display)),
    })
}

/// Parses the file and encodes what the cache keeps of it.
fn fresh_parse(
    text: Result<String, FileError>,
    parse: impl FnOnce(Result<String, FileError>) -> Loaded,
    saved: impl FnOnce(Blob) -> Saved,
) -> (Loaded, Option<Saved>) {
    let loaded = parse(text);
    let (source, entry) = match &loaded {
        Loaded::Docs(source, docs, errors) => (
            source,
            EntryRef::Docs(docs, errors.iter().map(CachedError::of).collect()),
        ),
        Loaded::Rust(source, facts) => (source, EntryRef::Rust(facts)),
        Loaded::Failed(Some(source), e) => (source, EntryRef::Failed(CachedError::of(e))),
        Loaded::Failed(None, _) => return (loaded, None),
    };
    let blob = entry.encode(source.lines_to_keep().as_ref()).map(Blob::New);
    (loaded, blob.map(saved))
}

/// The directory of the run's cache, or `None` when it is off (`--no-cache`,
/// `[cache] enabled = false` in the root configuration): `[cache] dir`, else
/// `.resilint_cache` at the repository root.
pub(super) fn cache_dir(configs: &crate::configs::Configs, wanted: bool) -> Option<PathBuf> {
    let root = configs.root();
    if !wanted || !root.cache.enabled {
        return None;
    }
    let dir = match &root.cache.dir {
        Some(d) => root.base.join(d),
        None => configs.boundary().join(cache::DIR_NAME),
    };
    Some(cache::version_dir(&dir))
}

/// The run's cache from its shards, read beside the listing: its key covers the
/// configuration files in play (the listing finds nested ones) and the root
/// configuration's rule directories.
pub(super) fn open_cache(
    configs: &crate::configs::Configs,
    shards: Option<Unkeyed>,
) -> Option<Cache> {
    let shards = shards?;
    let root = configs.root();
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
    Some(shards.keyed(key))
}
