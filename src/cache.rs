//! The per-file cache: what loading one file yields (its documents after the
//! per-document normalise step, a Rust file's facts, or its load errors), kept
//! under the repository's cache directory (`.resilint_cache/`, which ignores
//! itself with a `.gitignore` of `*`, as ruff's does) so that a repeated run parses
//! only the files whose content changed. Joins across files (the Rust link step,
//! the cross-document normalise step, the judge) are always recomputed from the
//! per-file results, cached or not.
//!
//! An entry is keyed by the file's path and the hash of its content (for a Rust
//! file, also of its package's dependencies). Like git's index and ruff's cache, an
//! entry also keeps the file's `stat` (size, modification and change times, inode)
//! from when it was read: a later run whose `stat` of the file says the same takes
//! the entry without reading the file ([`Cache::fresh`]), and reads and hashes the
//! file when anything differs. A `stat` taken less than [`SETTLE`] after the file's
//! last modification is not kept ("racy git": a second edit within the same clock
//! tick could leave it unchanged), so such a file is hashed next time. The whole
//! cache is keyed by resilint's version
//! and build, the rule and API-catalogue files and the configuration files in play
//! ([`Cache::key`]), so a change to any of them starts afresh. Entries live in
//! [`SHARDS`] shard files chosen by path, and only the shards that changed are
//! written again.
//!
//! Nothing read from the cache is trusted: a shard must carry the magic, the key,
//! an index whose checksum matches, and blobs that fit the file; each blob's own
//! checksum is verified before it is decoded, and a blob that does not decode is a
//! miss. A corrupted, truncated or foreign file is ignored and rebuilt; a cache
//! directory that cannot be written (a read-only checkout) only costs the speed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::extract::rust::FileFacts;
use crate::load::Document;
use crate::report::{ErrorKind, FileError};
use crate::source::KeptLines;

/// The cache directory's default name, in the repository root.
pub const DIR_NAME: &str = ".resilint_cache";

/// Shard files per cache: a change rewrites about 1/SHARDS of it per changed file.
pub const SHARDS: usize = 64;

/// The first bytes of a shard file (the last one is the format's version).
const MAGIC: &[u8; 8] = b"RESLINT\x02";

/// How long after its last modification a file's `stat` vouches for its content.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// What `stat` says of a file: the fields git's index compares. Equal stats of a
/// settled file mean the same content (see [`SETTLE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    size: u64,
    /// Modification time, nanoseconds since the epoch.
    modified: i128,
    /// Status change time (unix), which `touch -d` cannot set back; 0 elsewhere.
    changed: i128,
    inode: u64,
}

impl Stat {
    /// The file's `stat`, when it can be taken and the file has settled: its
    /// modification (and change) time at least [`SETTLE`] before `now`.
    pub fn settled(path: &Path, now: std::time::SystemTime) -> Option<Stat> {
        let meta = std::fs::metadata(path).ok()?;
        let nanos = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_nanos() as i128)
        };
        let modified = nanos(meta.modified().ok()?)?;
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            let changed = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
            (changed, meta.ino())
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        let settle = nanos(now.checked_sub(SETTLE)?)?;
        (modified <= settle && changed <= settle && meta.is_file()).then_some(Stat {
            size: meta.len(),
            modified,
            changed,
            inode,
        })
    }
}

/// An `errors` entry as cached: its path is the file's own, restored on use.
#[derive(Debug, Serialize, Deserialize)]
pub struct CachedError {
    line: Option<u64>,
    column: Option<u64>,
    kind: ErrorKind,
    message: String,
}

impl CachedError {
    pub fn of(e: &FileError) -> Self {
        CachedError {
            line: e.line.map(|l| l as u64),
            column: e.column.map(|c| c as u64),
            kind: e.kind,
            message: e.message.clone(),
        }
    }

    pub fn restore(self, path: &str) -> FileError {
        FileError {
            path: path.to_string(),
            line: self.line.map(|l| l as usize),
            column: self.column.map(|c| c as usize),
            kind: self.kind,
            message: self.message,
        }
    }
}

/// What is cached for one file.
#[derive(Debug, Deserialize)]
pub enum Entry {
    /// A configuration file's documents (after `normalise::document`) and the
    /// errors of the parts that did not load.
    Docs(Vec<Document>, Vec<CachedError>),
    /// A Rust file's facts, before its package's link step.
    Rust(Box<FileFacts>),
    /// The file does not parse.
    Failed(CachedError),
}

/// [`Entry`] borrowed, for writing: the same encoding.
#[derive(Serialize)]
pub enum EntryRef<'a> {
    Docs(&'a [Document], Vec<CachedError>),
    Rust(&'a FileFacts),
    Failed(CachedError),
}

impl EntryRef<'_> {
    /// The encoded entry, with the file's position tables when there are some to
    /// keep; `None` if it cannot be encoded (then it is not cached).
    pub fn encode(&self, lines: Option<&KeptLines>) -> Option<Vec<u8>> {
        postcard::to_stdvec(&(lines, self)).ok()
    }
}

/// Decodes a blob the cache handed out; `None` (a miss) when it does not decode.
pub fn decode(blob: &[u8]) -> Option<(Option<KeptLines>, Entry)> {
    postcard::from_bytes(blob).ok()
}

/// Where a blob sits in a shard file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Slot {
    /// The content hash the entry was made from.
    hash: u128,
    /// The part of `hash` that is not the text (see [`content_hash`]): the path as
    /// given, a Rust file's package dependencies.
    extra: u64,
    /// The file's settled `stat` when it was read, if it had settled.
    stat: Option<Stat>,
    /// The file must be read even when its `stat` vouches for the entry (a Rust file
    /// that may declare out-of-line test modules: the engine scans its text).
    read: bool,
    start: u64,
    len: u64,
    /// Checksum of the blob's bytes.
    check: u64,
}

/// One shard file as read: its bytes and its index by path.
struct Shard {
    /// The file mapped, not copied: a warm run decodes its blobs straight from the
    /// page cache. A shard is never changed in place (a new one is written aside and
    /// renamed over it), so the mapping stays whole while other runs save.
    bytes: ShardBytes,
    index: HashMap<String, Slot>,
}

/// A file's entry for the next cache: the one read (unchanged file) or a new one.
pub enum Blob {
    Old,
    New(Vec<u8>),
}

/// One entry to keep: the file's path key, content hash and blob.
pub struct Saved {
    pub path: String,
    pub hash: u128,
    /// See [`Slot`].
    pub extra: u64,
    pub stat: Option<Stat>,
    pub read: bool,
    pub blob: Blob,
}

/// What [`Cache::fresh`] knows of a file its `stat` vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fresh {
    /// The content hash of the entry.
    pub hash: u128,
    /// The file must still be read (see [`Slot`]).
    pub read: bool,
}

/// A cache's shards read before its key is known: the engine reads them while it
/// lists the files (one thread each), since the key covers configuration files
/// the listing finds.
pub struct Unkeyed {
    dir: PathBuf,
    shards: Vec<Option<Shard>>,
    ahead: HashMap<String, Ahead>,
}

/// An entry decoded ahead ([`Unkeyed::decode_ahead`]), taken once by the file's load.
struct Ahead {
    shard: usize,
    /// The content hash of the entry (see [`Slot::hash`]).
    hash: u128,
    decoded: std::sync::Mutex<Option<Decoded>>,
}

/// A decoded entry: the file's kept position tables and what is cached for it.
pub type Decoded = (Option<KeptLines>, Entry);

impl Unkeyed {
    /// The shards in `dir`, read one after another; missing or bad ones are empty.
    pub fn read(dir: PathBuf) -> Unkeyed {
        let shards = (0..SHARDS)
            .map(|i| parse_shard(shard_bytes(&shard_path(&dir, i))?))
            .collect();
        Unkeyed {
            dir,
            shards,
            ahead: HashMap::new(),
        }
    }

    /// Decodes the entries of the paths `wanted` keeps whose file had settled when
    /// cached, until `stop` is set: the engine does this on a thread of its own while
    /// it lists the files, which leaves the other processor idle. Whether an entry
    /// is used is decided as for any other ([`Cache::fresh`], [`Cache::entry`]);
    /// one that is not (the file changed since) only cost that idle time.
    pub fn decode_ahead(&mut self, wanted: impl Fn(&str) -> bool, stop: &AtomicBool) {
        for (i, shard) in self.shards.iter().enumerate() {
            let Some(shard) = shard else { continue };
            for (path, slot) in &shard.index {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                if slot.stat.is_none() || !wanted(path) {
                    continue;
                }
                if let Some(decoded) = shard.blob(slot).and_then(decode) {
                    let ahead = Ahead {
                        shard: i,
                        hash: slot.hash,
                        decoded: std::sync::Mutex::new(Some(decoded)),
                    };
                    self.ahead.insert(path.clone(), ahead);
                }
            }
        }
    }

    /// The cache under `key`: shards written under another key are empty, and so
    /// are the entries decoded ahead from them.
    pub fn keyed(self, key: u128) -> Cache {
        let shards: Vec<Option<Shard>> = self
            .shards
            .into_iter()
            .map(|s| s.filter(|s| s.bytes.get(8..24) == Some(&key.to_le_bytes()[..])))
            .collect();
        let mut ahead = self.ahead;
        ahead.retain(|_, a| shards[a.shard].is_some());
        Cache {
            dir: self.dir,
            key,
            shards,
            ahead,
        }
    }
}

impl Shard {
    /// The blob `slot` points to, when its checksum holds.
    fn blob(&self, slot: &Slot) -> Option<&[u8]> {
        let blob = self
            .bytes
            .get(slot.start as usize..(slot.start + slot.len) as usize)?;
        (xxh3_64(blob) == slot.check).then_some(blob)
    }
}

/// The cache of one run.
pub struct Cache {
    dir: PathBuf,
    key: u128,
    shards: Vec<Option<Shard>>,
    /// Entries decoded ahead, by path ([`Unkeyed::decode_ahead`]).
    ahead: HashMap<String, Ahead>,
}

/// The shard a path's entry lives in.
fn shard_of(path: &str) -> usize {
    (xxh3_64(path.as_bytes()) % SHARDS as u64) as usize
}

fn shard_path(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("shard-{shard:02}.bin"))
}

/// A shard file's bytes: mapped where a mapped file can still be renamed over (the
/// save renames new shards into place while the old ones are mapped), read into
/// memory elsewhere (Windows refuses to replace a mapped file).
#[cfg(unix)]
type ShardBytes = memmap2::Mmap;
#[cfg(not(unix))]
type ShardBytes = Vec<u8>;

#[cfg(unix)]
fn shard_bytes(path: &Path) -> Option<ShardBytes> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: the mapping is read only, and resilint never writes to a shard file
    // after renaming it into place (see [`Shard::bytes`]); every byte read from it is
    // checked before it is trusted.
    unsafe { memmap2::Mmap::map(&file) }.ok()
}

#[cfg(not(unix))]
fn shard_bytes(path: &Path) -> Option<ShardBytes> {
    std::fs::read(path).ok()
}

/// Reads a little-endian integer of `N` bytes at `at`.
fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Parses a shard file; `None` when anything about it is off. Its key is checked
/// later ([`Cache::keyed`]).
fn parse_shard(bytes: ShardBytes) -> Option<Shard> {
    if bytes.get(..8)? != MAGIC {
        return None;
    }
    let index_len = usize::try_from(read_u64(&bytes, 24)?).ok()?;
    let check = read_u64(&bytes, 32)?;
    let index_end = 40usize.checked_add(index_len)?;
    let index_bytes = bytes.get(40..index_end)?;
    if xxh3_64(index_bytes) != check {
        return None;
    }
    let list: Vec<(String, Slot)> = postcard::from_bytes(index_bytes).ok()?;
    let body = bytes.len() - index_end;
    for (_, slot) in &list {
        let end = slot.start.checked_add(slot.len)?;
        if end > body as u64 {
            return None;
        }
    }
    let index = list
        .into_iter()
        .map(|(path, mut slot)| {
            slot.start += index_end as u64;
            (path, slot)
        })
        .collect();
    Some(Shard { bytes, index })
}

impl Cache {
    /// The key of a cache: resilint's version and this very build (its executable's
    /// size and modification time, so a rebuilt binary never reads another build's
    /// facts), and the contents of the `inputs` (rule files, catalogue files,
    /// configuration files), in any order.
    pub fn key<'a>(inputs: impl IntoIterator<Item = &'a [u8]>) -> u128 {
        let mut buf: Vec<u8> = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
        if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
            buf.extend(meta.len().to_le_bytes());
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            buf.extend(modified.to_le_bytes());
        }
        let mut hashes: Vec<u128> = inputs.into_iter().map(xxh3_128).collect();
        hashes.sort_unstable();
        for h in hashes {
            buf.extend(h.to_le_bytes());
        }
        xxh3_128(&buf)
    }

    /// The cache in `dir` (its shards read now; missing or bad ones are empty).
    pub fn open(dir: PathBuf, key: u128) -> Cache {
        Unkeyed::read(dir).keyed(key)
    }

    /// The blob cached for `path` when it was made from content of this `hash`
    /// and its checksum holds.
    pub fn get(&self, path: &str, hash: u128) -> Option<&[u8]> {
        let shard = self.shards[shard_of(path)].as_ref()?;
        let slot = shard.index.get(path)?;
        if slot.hash != hash {
            return None;
        }
        shard.blob(slot)
    }

    /// The entry cached for `path` from content of this `hash`, decoded (ahead or
    /// now); `None` when there is none or it does not decode.
    pub fn entry(&self, path: &str, hash: u128) -> Option<Decoded> {
        if let Some(ahead) = self.ahead.get(path).filter(|a| a.hash == hash) {
            let taken = ahead
                .decoded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if taken.is_some() {
                return taken;
            }
        }
        decode(self.get(path, hash)?)
    }

    /// The entry for `path` when the file's settled `stat` and the other inputs
    /// (`extra`) are those it was made with: the content need not be read to trust it.
    pub fn fresh(&self, path: &str, stat: &Stat, extra: u64) -> Option<Fresh> {
        let shard = self.shards[shard_of(path)].as_ref()?;
        let slot = shard.index.get(path)?;
        (slot.stat.as_ref() == Some(stat) && slot.extra == extra).then_some(Fresh {
            hash: slot.hash,
            read: slot.read,
        })
    }

    /// Writes the shards whose entries changed. Errors (a read-only directory, a
    /// full disk) are returned for the caller to ignore: the cache is only speed.
    ///
    /// `partial`: the run read part of the tree (`--changed-only`), so entries of
    /// files it did not read are kept; a full run drops them (deleted files).
    pub fn save(&self, saved: Vec<Saved>, partial: bool) -> std::io::Result<()> {
        let mut by_shard: Vec<Vec<Saved>> = (0..SHARDS).map(|_| Vec::new()).collect();
        for s in saved {
            by_shard[shard_of(&s.path)].push(s);
        }
        let dirty: Vec<(usize, Vec<Saved>)> = by_shard
            .into_iter()
            .enumerate()
            .filter(|(i, entries)| self.changed(*i, entries, partial))
            .collect();
        if dirty.is_empty() {
            return Ok(());
        }
        create_dir(&self.dir)?;
        dirty
            .into_par_iter()
            .map(|(i, entries)| self.write_shard(i, entries, partial))
            .collect::<std::io::Result<Vec<()>>>()?;
        Ok(())
    }

    /// Whether shard `i` must be written: it was not read, an entry is new, a file
    /// was added or removed, or a file's `stat` changed while its content did not
    /// (a checkout, a copy, a restored CI cache). Without the last, such files were
    /// read and hashed on every run until their content changed.
    fn changed(&self, i: usize, entries: &[Saved], partial: bool) -> bool {
        let Some(old) = &self.shards[i] else {
            return !entries.is_empty();
        };
        (!partial && entries.len() != old.index.len())
            || entries.iter().any(|e| {
                matches!(e.blob, Blob::New(_))
                    || old
                        .index
                        .get(&e.path)
                        .is_none_or(|slot| e.stat.is_some() && slot.stat != e.stat)
            })
    }

    fn write_shard(&self, i: usize, mut entries: Vec<Saved>, partial: bool) -> std::io::Result<()> {
        if let (true, Some(old)) = (partial, &self.shards[i]) {
            let seen: std::collections::HashSet<&str> =
                entries.iter().map(|e| e.path.as_str()).collect();
            let kept: Vec<Saved> = old
                .index
                .iter()
                .filter(|(path, _)| !seen.contains(path.as_str()))
                .map(|(path, slot)| Saved {
                    path: path.clone(),
                    hash: slot.hash,
                    extra: slot.extra,
                    stat: slot.stat,
                    read: slot.read,
                    blob: Blob::Old,
                })
                .collect();
            entries.extend(kept);
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let mut body: Vec<u8> = Vec::new();
        let mut index: Vec<(&str, Slot)> = Vec::with_capacity(entries.len());
        for e in &entries {
            let blob: &[u8] = match &e.blob {
                Blob::New(bytes) => bytes,
                Blob::Old => match self.get(&e.path, e.hash) {
                    Some(b) => b,
                    None => continue,
                },
            };
            index.push((
                &e.path,
                Slot {
                    hash: e.hash,
                    extra: e.extra,
                    stat: e.stat,
                    read: e.read,
                    start: body.len() as u64,
                    len: blob.len() as u64,
                    check: xxh3_64(blob),
                },
            ));
            body.extend_from_slice(blob);
        }
        let index = postcard::to_stdvec(&index).map_err(std::io::Error::other)?;
        let mut out = Vec::with_capacity(40 + index.len() + body.len());
        out.extend_from_slice(MAGIC);
        out.extend(self.key.to_le_bytes());
        out.extend((index.len() as u64).to_le_bytes());
        out.extend(xxh3_64(&index).to_le_bytes());
        out.extend(index);
        out.extend(body);
        // Written aside and renamed into place: a reader never sees half a shard.
        let path = shard_path(&self.dir, i);
        let tmp = self
            .dir
            .join(format!("shard-{i:02}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, out)?;
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

/// Creates `dir` (the version directory inside the cache directory) and the cache
/// directory's `.gitignore` of `*`, so git never sees it.
fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if let Some(root) = dir.parent() {
        let ignore = root.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(
                ignore,
                "# Automatically created by resilint: its cache is never committed.\n*\n",
            )?;
        }
    }
    Ok(())
}

/// The directory of this version's shards inside a cache directory.
pub fn version_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join(env!("CARGO_PKG_VERSION"))
}

/// A file's path as a cache key: absolute and lexically normal (`./` and `..`
/// resolved), `/`-separated, so runs from another directory or with `./a` share it.
pub fn path_key(path: &Path, cwd: &Path) -> String {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.to_string_lossy().replace('\\', "/")
}

/// The content hash of a file's text, with the other inputs its entry depends on
/// (`extra`: the path as given, for a Rust file its package's dependencies).
pub fn content_hash(text: &str, extra: u64) -> u128 {
    xxh3_128(text.as_bytes()) ^ u128::from(extra)
}

#[cfg(test)]
mod tests;
