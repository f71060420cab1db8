//! The cache's own tests: round trips, bad shards, stats, entries decoded ahead.

use super::*;

fn saved(path: &str, hash: u128, bytes: &[u8]) -> Saved {
    Saved {
        path: path.into(),
        hash,
        extra: 0,
        stat: None,
        read: false,
        blob: Blob::New(bytes.to_vec()),
    }
}

#[test]
fn a_round_trip_keeps_entries_and_a_bad_shard_is_a_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = version_dir(&tmp.path().join(DIR_NAME));
    let cache = Cache::open(dir.clone(), 7);
    assert!(cache.get("/a.yaml", 1).is_none());
    cache
        .save(
            vec![saved("/a.yaml", 1, b"one"), saved("/b.yaml", 2, b"two")],
            false,
        )
        .unwrap();
    assert!(tmp.path().join(DIR_NAME).join(".gitignore").is_file());
    let cache = Cache::open(dir.clone(), 7);
    assert_eq!(cache.get("/a.yaml", 1), Some(&b"one"[..]));
    assert_eq!(cache.get("/b.yaml", 2), Some(&b"two"[..]));
    // Another content hash, another key: misses.
    assert!(cache.get("/a.yaml", 9).is_none());
    assert!(Cache::open(dir.clone(), 8).get("/a.yaml", 1).is_none());
    // Every byte of the shard flipped in turn: never a panic, never a wrong blob.
    let file = shard_path(&dir, shard_of("/a.yaml"));
    let good = std::fs::read(&file).unwrap();
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x5A;
        std::fs::write(&file, &bad).unwrap();
        let got = Cache::open(dir.clone(), 7)
            .get("/a.yaml", 1)
            .map(<[u8]>::to_vec);
        assert!(
            got.is_none() || got.as_deref() == Some(&b"one"[..]),
            "byte {at}"
        );
    }
    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    assert!(Cache::open(dir, 7).get("/a.yaml", 1).is_none());
}

#[test]
fn a_stat_vouches_only_for_a_settled_file_with_the_same_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let now = std::time::SystemTime::now();
    assert!(
        Stat::settled(&file, now).is_none(),
        "just written: not settled"
    );
    let later = now + SETTLE + std::time::Duration::from_secs(1);
    let stat = Stat::settled(&file, later).expect("settled later");
    assert!(Stat::settled(&tmp.path().join("gone.yaml"), later).is_none());
    assert!(Stat::settled(tmp.path(), later).is_none(), "a directory");

    let dir = version_dir(&tmp.path().join(DIR_NAME));
    let mut entry = saved("/a.yaml", 5, b"five");
    (entry.extra, entry.stat, entry.read) = (9, Some(stat), true);
    Cache::open(dir.clone(), 7)
        .save(vec![entry], false)
        .unwrap();
    let cache = Cache::open(dir, 7);
    let fresh = Fresh {
        hash: 5,
        read: true,
    };
    assert_eq!(cache.fresh("/a.yaml", &stat, 9), Some(fresh));
    assert_eq!(cache.get("/a.yaml", 5), Some(&b"five"[..]));
    assert_eq!(cache.fresh("/a.yaml", &stat, 8), None, "other inputs");
    assert_eq!(cache.fresh("/b.yaml", &stat, 9), None, "another file");
    // Any field of the stat differs: the file is read and hashed.
    for other in [
        Stat {
            size: stat.size + 1,
            ..stat
        },
        Stat {
            modified: stat.modified + 1,
            ..stat
        },
        Stat {
            changed: stat.changed + 1,
            ..stat
        },
        Stat {
            inode: stat.inode + 1,
            ..stat
        },
    ] {
        assert_eq!(cache.fresh("/a.yaml", &other, 9), None, "{other:?}");
    }
}

/// A directory holding one file `a.yaml`, its `stat` as if taken once it settled,
/// and the cache's version directory in it (the directory lives as long as `tmp`).
fn settled_tree() -> (tempfile::TempDir, Stat, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let later = std::time::SystemTime::now() + SETTLE + std::time::Duration::from_secs(1);
    let stat = Stat::settled(&file, later).expect("settled later");
    let dir = version_dir(&tmp.path().join(DIR_NAME));
    (tmp, stat, dir)
}

#[test]
fn entries_decoded_ahead_are_taken_once_and_only_under_the_key() {
    let (_tmp, stat, dir) = settled_tree();
    let blob = EntryRef::Docs(&[], Vec::new()).encode(None).unwrap();
    let entry = |path: &str, stat| Saved {
        stat,
        ..saved(path, 5, &blob)
    };
    Cache::open(dir.clone(), 7)
        .save(
            vec![
                entry("/a.yaml", Some(stat)),
                entry("/b.rs", Some(stat)),
                entry("/unsettled.yaml", None),
            ],
            false,
        )
        .unwrap();
    let ahead_of = |stop: bool, key: u128| {
        let mut shards = Unkeyed::read(dir.clone());
        shards.decode_ahead(|p| !p.ends_with(".rs"), &AtomicBool::new(stop));
        shards.keyed(key)
    };
    let cache = ahead_of(false, 7);
    let mut decoded: Vec<&str> = cache.ahead.keys().map(String::as_str).collect();
    decoded.sort();
    assert_eq!(decoded, ["/a.yaml"], "settled, wanted entries only");
    assert!(cache.entry("/a.yaml", 6).is_none(), "another content hash");
    assert!(
        matches!(cache.entry("/a.yaml", 5), Some((None, Entry::Docs(d, e))) if d.is_empty() && e.is_empty())
    );
    let taken = cache.ahead["/a.yaml"].decoded.lock().unwrap().is_none();
    assert!(taken, "taken from the entries decoded ahead");
    // Asked again (a second candidate of the same path): decoded from the shard.
    assert!(cache.entry("/a.yaml", 5).is_some());
    assert!(cache.entry("/b.rs", 5).is_some());
    assert!(
        ahead_of(true, 7).ahead.is_empty(),
        "stopped before starting"
    );
    let other = ahead_of(false, 8);
    assert!(
        other.ahead.is_empty() && other.entry("/a.yaml", 5).is_none(),
        "another key"
    );
}

#[test]
fn a_new_stat_of_the_same_content_is_written_back() {
    let (_tmp, stat, dir) = settled_tree();
    for partial in [false, true] {
        // Cached before the file had settled: no stat kept.
        Cache::open(dir.clone(), 7)
            .save(vec![saved("/a.yaml", 5, b"five")], false)
            .unwrap();
        let cache = Cache::open(dir.clone(), 7);
        assert_eq!(cache.fresh("/a.yaml", &stat, 0), None);
        // The next run read and hashed it (same content, an old blob) and took its stat.
        let again = Saved {
            stat: Some(stat),
            blob: Blob::Old,
            ..saved("/a.yaml", 5, b"")
        };
        Cache::open(dir.clone(), 7)
            .save(vec![again], partial)
            .unwrap();
        let cache = Cache::open(dir.clone(), 7);
        let fresh = Fresh {
            hash: 5,
            read: false,
        };
        assert_eq!(cache.fresh("/a.yaml", &stat, 0), Some(fresh), "{partial}");
        assert_eq!(cache.get("/a.yaml", 5), Some(&b"five"[..]));
    }
}

#[test]
fn paths_are_absolute_and_lexically_normal() {
    let cwd = Path::new("/repo/svc");
    assert_eq!(
        path_key(Path::new("./k8s/../a.yaml"), cwd),
        "/repo/svc/a.yaml"
    );
    assert_eq!(path_key(Path::new("/x/y.rs"), cwd), "/x/y.rs");
}
