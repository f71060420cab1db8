//! The positioned tree every configuration format is loaded into.
//!
//! YAML, JSON and (later) `.properties` all become [`Node`]s whose spans are
//! byte offsets into the file's text, so rules and renderers never deal with
//! a parser's own notion of position.

/// A half-open byte range `[start, end)` into a source file's text.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// A scalar as written: its text, and whether quoting forces it to be a string.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scalar {
    /// A compact string, not a `String`: a tree holds millions of scalars, most of
    /// them short keys and values, which it keeps inline (up to 24 bytes) instead of
    /// one heap allocation each.
    pub text: compact_str::CompactString,
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    pub fn scalar(text: impl Into<String>, quoted: bool, span: Span) -> Self {
        Node {
            value: Value::Scalar(Scalar {
                text: compact_str::CompactString::from(text.into()),
                quoted,
            }),
            span,
        }
    }

    /// [`Node::scalar`] from text that may be borrowed from the file: a short one is
    /// copied inline at once, not into a `String` that is freed again.
    pub fn scalar_cow(text: std::borrow::Cow<'_, str>, quoted: bool, span: Span) -> Self {
        Node {
            value: Value::Scalar(Scalar {
                text: compact_str::CompactString::from(text),
                quoted,
            }),
            span,
        }
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under `key` when this is a mapping.
    ///
    /// A key's text is compared first and its null-ness ([`Node::as_str`]) checked
    /// only when it is equal: the lookups of every stage ask by literal keys, and
    /// testing every key against the five null spellings first was a few percent of
    /// a warm run's CPU.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| {
                    matches!(&k.value, Value::Scalar(s) if s.text == key) && k.as_str().is_some()
                })
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// YAML 1.2 core-schema null (`~`, `null`, empty plain scalar).
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar(s) => {
                !s.quoted && matches!(&*s.text, "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s) if !s.quoted => s.text.parse().ok(),
            _ => None,
        }
    }

    /// A finite number (`inf` and `NaN` parse as floats but compare as nothing).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Scalar(s) if !s.quoted => s.text.parse().ok().filter(|v: &f64| v.is_finite()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s) if !s.quoted => match &*s.text {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Number of nodes in this subtree, for expansion limits.
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Scalar(_) => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tree::Node;

    fn root(yaml: &str) -> Node {
        crate::load::yaml::parse(yaml).docs.remove(0).root
    }

    #[test]
    fn a_key_is_found_by_its_text_and_a_null_key_by_none() {
        let map = root("~: 1\nnull: 2\n\"null\": 3\ntimeout: 4s\n'': 5\n");
        let text = |key: &str| map.get(key).and_then(Node::as_str).map(str::to_string);
        assert_eq!(text("timeout").as_deref(), Some("4s"));
        // Unquoted `null` and `~` are null keys: no lookup finds them; a quoted
        // "null" is the string.
        assert_eq!(text("null").as_deref(), Some("3"));
        assert_eq!(text("~"), None);
        assert_eq!(text(""), Some("5".to_string()));
        assert_eq!(text("retries"), None);
    }
}
