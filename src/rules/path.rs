//! Path expressions over the positioned tree: `spec.http[*].route[0].destination`,
//! `metadata.annotations."retry.linkerd.io/http"`.
//!
//! `[*]` iterates a sequence's items or a mapping's values; `[N]` takes one item.

use std::fmt;

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

    /// Every node the path reaches from `root`, in document order.
    pub fn select<'a>(&self, root: &'a Node) -> Vec<Hit<'a>> {
        let mut hits = vec![Hit {
            node: root,
            key: None,
            concrete: String::new(),
        }];
        for segment in &self.segments {
            let mut next = Vec::new();
            for hit in hits {
                step(segment, hit, &mut next);
            }
            hits = next;
        }
        hits.retain(|h| !h.node.is_null());
        hits
    }

    /// The first node the path reaches, if any.
    pub fn first<'a>(&self, root: &'a Node) -> Option<Hit<'a>> {
        self.select(root).into_iter().next()
    }
}

fn join(base: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let key = if simple {
        key.to_string()
    } else {
        format!("\"{key}\"")
    };
    if base.is_empty() {
        key
    } else {
        format!("{base}.{key}")
    }
}

fn step<'a>(segment: &Segment, hit: Hit<'a>, out: &mut Vec<Hit<'a>>) {
    match (segment, &hit.node.value) {
        (Segment::Key(key), Value::Map(_)) => {
            if let Some((k, v)) = hit.node.entry(key) {
                out.push(Hit {
                    node: v,
                    key: Some(k),
                    concrete: join(&hit.concrete, key),
                });
            }
        }
        (Segment::Index(i), Value::Seq(items)) => {
            if let Some(item) = items.get(*i) {
                out.push(Hit {
                    node: item,
                    key: None,
                    concrete: format!("{}[{i}]", hit.concrete),
                });
            }
        }
        (Segment::Each, Value::Seq(items)) => {
            out.extend(items.iter().enumerate().map(|(i, item)| Hit {
                node: item,
                key: None,
                concrete: format!("{}[{i}]", hit.concrete),
            }));
        }
        (Segment::Each, Value::Map(entries)) => {
            out.extend(entries.iter().map(|(k, v)| Hit {
                node: v,
                key: Some(k),
                concrete: join(&hit.concrete, k.as_str().unwrap_or("?")),
            }));
        }
        _ => {}
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
    fn rejects_malformed_paths_with_a_hint() {
        for bad in ["", "a..b", "a.", "a[x]", "a[*", "a]", "a b.c "] {
            assert!(Path::parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
