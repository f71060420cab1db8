//! Path expressions over the positioned tree: `spec.http[*].route[0].destination`,
//! `metadata.annotations."retry.linkerd.io/http"`.
//!
//! `[*]` iterates a sequence's items or a mapping's values; `[N]` takes one item.

use std::fmt;
use std::fmt::Write as _;

use crate::tree::{Node, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
    Each,
}

/// A parsed path expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    source: String,
    segments: Vec<Segment>,
}

/// A node reached by a path, with the key that names it (when it is a map value)
/// and the concrete path that reached it (`spec.http[2]`).
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub node: &'a Node,
    pub key: Option<&'a Node>,
    pub concrete: String,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Path {
    /// Parses a path; the error says what is wrong and where (0-based char index).
    pub fn parse(source: &str) -> Result<Path, String> {
        let mut segments = Vec::new();
        let chars: Vec<char> = source.chars().collect();
        let mut i = 0;
        let mut expect_key = true;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| format!("unclosed `[` at {i}; write `[*]` or `[0]`"))?;
                    let inner: String = chars[i + 1..close].iter().collect();
                    segments.push(if inner == "*" {
                        Segment::Each
                    } else {
                        Segment::Index(inner.parse().map_err(|_| {
                            format!("`[{inner}]` at {i} is not `[*]` or an index like `[0]`")
                        })?)
                    });
                    i = close + 1;
                    expect_key = false;
                }
                '.' => {
                    if expect_key {
                        return Err(format!("empty key at {i}: remove the extra `.`"));
                    }
                    i += 1;
                    expect_key = true;
                    if i == chars.len() {
                        return Err("path ends with `.`: name a key after it".into());
                    }
                }
                '"' => {
                    if !expect_key {
                        return Err(format!("missing `.` before the key at {i}"));
                    }
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&c| c == '"')
                        .map(|p| p + i + 1)
                        .ok_or_else(|| format!("unclosed `\"` at {i}"))?;
                    segments.push(Segment::Key(chars[i + 1..close].iter().collect()));
                    i = close + 1;
                    expect_key = false;
                }
                ']' => return Err(format!("unexpected `]` at {i}")),
                _ => {
                    if !expect_key {
                        return Err(format!("missing `.` before the key at {i}"));
                    }
                    let end = chars[i..]
                        .iter()
                        .position(|&c| matches!(c, '.' | '[' | ']' | '"'))
                        .map_or(chars.len(), |p| p + i);
                    let key: String = chars[i..end].iter().collect();
                    if key.trim() != key {
                        return Err(format!(
                            "key `{key}` has spaces around it: quote it as `\"{key}\"`"
                        ));
                    }
                    segments.push(Segment::Key(key));
                    i = end;
                    expect_key = false;
                }
            }
        }
        if segments.is_empty() {
            return Err("empty path: name at least one key, e.g. `spec.http[*]`".into());
        }
        Ok(Path {
            source: source.to_string(),
            segments,
        })
    }

    /// The path's steps: `Some(key)` for a key, `None` for `[*]` or `[N]` (for checking
    /// a path against a declared schema, [`crate::schema`]).
    pub fn keys(&self) -> impl Iterator<Item = Option<&str>> {
        self.segments.iter().map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) | Segment::Each => None,
        })
    }

    /// The last key of the path, when it ends in a key.
    pub fn last_key(&self) -> Option<&str> {
        match self.segments.last() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The expression as written (`spec.http[*].timeout`).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Every node the path reaches from `root`, in document order. Each hit's
    /// `concrete` is left empty: only [`Path::select_concrete`] spells it out.
    pub fn select<'a>(&self, root: &'a Node) -> Vec<Hit<'a>> {
        let mut hits = Vec::new();
        walk(
            &self.segments,
            root,
            None,
            &mut Trail::Off,
            &mut |node, key, _| {
                hits.push(Hit {
                    node,
                    key,
                    concrete: String::new(),
                });
                true
            },
        );
        hits
    }

    /// [`Path::select`] with each hit's concrete path (`spec.http[2]`), for the
    /// subjects the judge counts: only hits that are reached pay for their string.
    pub fn select_concrete<'a>(&self, root: &'a Node) -> Vec<Hit<'a>> {
        let mut hits = Vec::new();
        let mut trail = Trail::On(String::new());
        walk(
            &self.segments,
            root,
            None,
            &mut trail,
            &mut |node, key, concrete| {
                hits.push(Hit {
                    node,
                    key,
                    concrete: concrete.to_string(),
                });
                true
            },
        );
        hits
    }

    /// The key the path starts with (`routes` of `routes[*]`); `None` when it starts
    /// with `[*]` or an index, which may reach any of the root's values.
    pub fn root_key(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The first node the path reaches, if any (its `concrete` left empty); the walk
    /// stops there.
    pub fn first<'a>(&self, root: &'a Node) -> Option<Hit<'a>> {
        let mut first = None;
        walk(
            &self.segments,
            root,
            None,
            &mut Trail::Off,
            &mut |node, key, _| {
                first = Some(Hit {
                    node,
                    key,
                    concrete: String::new(),
                });
                false
            },
        );
        first
    }
}

/// The concrete path walked so far, when the caller wants it spelled out.
enum Trail {
    Off,
    On(String),
}

impl Trail {
    fn len(&self) -> usize {
        match self {
            Trail::Off => 0,
            Trail::On(s) => s.len(),
        }
    }

    fn truncate(&mut self, len: usize) {
        if let Trail::On(s) = self {
            s.truncate(len);
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Trail::Off => "",
            Trail::On(s) => s,
        }
    }

    /// Appends `.key` (quoted when it is not a plain word).
    fn key(&mut self, key: &str) {
        let Trail::On(s) = self else { return };
        let simple = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !s.is_empty() {
            s.push('.');
        }
        if simple {
            s.push_str(key);
        } else {
            s.push('"');
            s.push_str(key);
            s.push('"');
        }
    }

    /// Appends `[i]`.
    fn index(&mut self, i: usize) {
        if let Trail::On(s) = self {
            let _ = write!(s, "[{i}]");
        }
    }
}

/// Walks `segments` from `node` depth first, so hits come in document order (the
/// order a breadth-first walk, segment by segment, gives too), and calls `found` on
/// each non-null node reached until it returns `false`. Returns `false` once stopped.
/// Nothing is allocated but the trail's one string.
fn walk<'a>(
    segments: &[Segment],
    node: &'a Node,
    key: Option<&'a Node>,
    trail: &mut Trail,
    found: &mut dyn FnMut(&'a Node, Option<&'a Node>, &str) -> bool,
) -> bool {
    let Some((segment, rest)) = segments.split_first() else {
        return node.is_null() || found(node, key, trail.as_str());
    };
    let mark = trail.len();
    let mut next = |trail: &mut Trail, node: &'a Node, key: Option<&'a Node>| {
        let go_on = walk(rest, node, key, trail, found);
        trail.truncate(mark);
        go_on
    };
    match (segment, &node.value) {
        (Segment::Key(name), Value::Map(_)) => match node.entry(name) {
            Some((k, v)) => {
                trail.key(name);
                next(trail, v, Some(k))
            }
            None => true,
        },
        (Segment::Index(i), Value::Seq(items)) => match items.get(*i) {
            Some(item) => {
                trail.index(*i);
                next(trail, item, None)
            }
            None => true,
        },
        (Segment::Each, Value::Seq(items)) => items.iter().enumerate().all(|(i, item)| {
            trail.index(i);
            next(trail, item, None)
        }),
        (Segment::Each, Value::Map(entries)) => entries.iter().all(|(k, v)| {
            trail.key(k.as_str().unwrap_or("?"));
            next(trail, v, Some(k))
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn parses_keys_wildcards_indexes_and_quotes() {
        assert!(Path::parse("spec.http[*].route[0].destination").is_ok());
        assert!(Path::parse("metadata.annotations.\"retry.linkerd.io/http\"").is_ok());
        assert_eq!(Path::parse("a.b").unwrap().last_key(), Some("b"));
    }

    #[test]
    fn selects_in_document_order_with_concrete_paths_skipping_nulls() {
        let text = "spec:\n  http:\n  - route: [{d: a}, {d: b}]\n  - route: [{d: ~}, {d: c}]\n  - {}\nm: {\"x.y\": 1, z: 2}\n";
        let root = crate::load::yaml::parse(text).docs.remove(0).root;
        let path = Path::parse("spec.http[*].route[*].d").unwrap();
        let concrete: Vec<(String, Option<&str>)> = path
            .select_concrete(&root)
            .into_iter()
            .map(|h| (h.concrete, h.node.as_str()))
            .collect();
        let want = [
            ("spec.http[0].route[0].d", "a"),
            ("spec.http[0].route[1].d", "b"),
            ("spec.http[1].route[1].d", "c"),
        ];
        let want: Vec<(String, Option<&str>)> = want
            .iter()
            .map(|(c, v)| (c.to_string(), Some(*v)))
            .collect();
        assert_eq!(concrete, want);
        // `select` and `first` reach the same nodes without spelling the path.
        let plain = path.select(&root);
        assert_eq!(plain.len(), 3);
        assert!(plain.iter().all(|h| h.concrete.is_empty()));
        let first = path.first(&root).unwrap();
        assert_eq!(first.node.as_str(), Some("a"));
        let keys = Path::parse("m[*]").unwrap().select_concrete(&root);
        let keys: Vec<&str> = keys.iter().map(|h| h.concrete.as_str()).collect();
        assert_eq!(keys, ["m.\"x.y\"", "m.z"]);
        assert_eq!(
            Path::parse("spec.http[2].route[0]")
                .unwrap()
                .first(&root)
                .map(|h| h.concrete),
            None
        );
    }

    #[test]
    fn rejects_malformed_paths_with_a_hint() {
        for bad in ["", "a..b", "a.", "a[x]", "a[*", "a]", "a b.c "] {
            assert!(Path::parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
